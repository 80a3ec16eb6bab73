"""The facts a generated spec was made with: what the generator chose, written down before the spec
exists, so a test can ask the spec model to read every one of them back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# the operations of the template, by role
ROLES = ("risk", "offer", "reply", "stream", "healthz", "readyz")


@dataclass(frozen=True)
class OpShape:
    """One HTTP operation as chosen: where it lives and how it answers."""

    operation_id: str
    path: str
    method: str
    success: str  # "200" | "201" | "202"
    deadline_ms: int | None
    rate_limit: int | None


@dataclass(frozen=True)
class EntityShape:
    """The entity kind the risk and offer operations are about."""

    prefix: str
    digits: int
    example: str
    location: str  # path | query | header (risk operation)
    name: str  # its parameter name (risk operation)
    body_pointer: str  # where the offer request names it, e.g. /account/ref
    not_found_status: int

    @property
    def pattern(self) -> str:
        return f"^{self.prefix}_[0-9a-f]{{{self.digits}}}$"


@dataclass(frozen=True)
class StreamShape:
    sse_typed_by: str  # "event" | a JSON pointer of a data field
    ws_path: str
    ws_auth: str  # first_message | header | query
    ws_query_parameter: str | None
    ws_login_pointer: str | None  # where the token goes in the first message, e.g. /auth/bearer
    ws_failure_close_code: int
    ws_type_field: str
    sse_frames: tuple[str, str, str, str]  # the names of the opening, delta, ending and error frames
    ws_frames: tuple[str, str, str, str]
    delta_holder: str | None  # the object a delta frame nests its text and index in (None: at the top)


@dataclass(frozen=True)
class AuthShape:
    token_url: str
    auth_method: str  # client_secret_post | client_secret_basic
    audience_parameter: str  # audience | resource | none
    audience: str
    read_scope: str
    write_scope: str


@dataclass(frozen=True)
class MoneyShape:
    tiers: tuple[str, str]  # (cheap, dear)
    usd_per_1k: tuple[float, float]
    rounding_decimals: int | None
    tokens_field: str
    cost_field: str


@dataclass(frozen=True)
class ProbeShape:
    readiness_media: str
    degraded_pointer: str
    degraded_value: str
    fault_header: str
    fault_values: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class ErrorShape:
    invalid_status: int  # 400 | 422
    extra_required: str | None  # another required top-level field of the error body


@dataclass(frozen=True)
class Shape:
    prefix: str
    ops: dict[str, OpShape] = field(hash=False)
    entity: EntityShape
    stream: StreamShape
    auth: AuthShape
    money: MoneyShape
    probes: ProbeShape
    errors: ErrorShape

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
