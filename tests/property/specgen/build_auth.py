"""The token endpoint (its path, client authentication, audience parameter), the audience and the scopes;
an API key scheme (header or query) where the shape has one (the operations that use it are build_ops')."""

from __future__ import annotations

from typing import Any

from property.specgen.shape import Shape
from property.specgen.template import replace_strings

API_KEY_SCHEME = "serviceKey"
OAUTH_SCHEME = "churnAuth"


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
    if chosen.api_key is not None:
        where, name = chosen.api_key
        data["components"]["securitySchemes"][API_KEY_SCHEME] = {
            "type": "apiKey", "in": where, "name": name, "description": "A key issued to each client."}
    return data
