"""The token endpoint (its path, client authentication, audience parameter), the audience and the scopes."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import replace_strings


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    chosen = shape.auth
    data = replace_strings(data, {"churn:read": chosen.read_scope, "talk:write": chosen.write_scope})
    scheme = data["components"]["securitySchemes"]["churnAuth"]
    scheme["x-audience"] = chosen.audience
    request: dict[str, Any] = {"auth_method": chosen.auth_method, "audience_parameter": chosen.audience_parameter}
    scheme["x-token-request"] = request
    flow = scheme["flows"]["clientCredentials"]
    flow["tokenUrl"] = chosen.token_url
    flow["scopes"] = {chosen.read_scope: "Read answers about entities.", chosen.write_scope: "Chat."}
    return data
