"""The facts a generated spec was made with: what the generator chose, written down before the spec
exists, so a test can ask the spec model to read every one of them back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# the operations of a generated spec, by role: the template's (a job takes the offer's place), and
# those the generator adds (an acknowledgement with no model behind it; the GET that answers a job)
ROLES = ("risk", "offer", "reply", "stream", "healthz", "readyz", "ack", "job", "job_get")


@dataclass(frozen=True)
class OpShape:
    """One HTTP operation as chosen: where it lives and how it answers."""

    operation_id: str
    path: str
    method: str
    success: str  # "200" | "201" | "202" | "204"
    deadline_ms: int | None
    rate_limit: int | None


@dataclass(frozen=True)
class EntityShape:
    """One entity kind an operation is about, with its own pattern and example (each operation
    that names an entity has a kind of its own)."""

    prefix: str
    digits: int
    example: str
    location: str  # path | query | header | body
    name: str  # its parameter name, or (in a body) its JSON pointer, e.g. /account/ref
    not_found_status: int

    @property
    def pattern(self) -> str:
        return f"^{self.prefix}_[0-9a-f]{{{self.digits}}}$"


@dataclass(frozen=True)
class StreamShape:
    sse_typed_by: str  # "event" | a JSON pointer of a data field
    ws_path: str
    ws_auth: str  # first_message | header | query | subprotocol
    ws_query_parameter: str | None
    ws_login_pointer: str | None  # where the token goes in the first message, e.g. /auth/bearer
    ws_failure_close_code: int
    ws_type_field: str
    sse_frames: tuple[str, str, str, str]  # the names of the opening, delta, ending and error frames
    ws_frames: tuple[str, str, str, str]
    delta_holder: str | None  # the object a delta frame nests its text and index in (None: at the top)
    ws_subprotocol: tuple[str, str, str] | None  # (token prefix, encoding plain|base64url, protocol offered)
    ws_connection: tuple[str, ...]  # the names of the connection frames (session, ping), maybe none


@dataclass(frozen=True)
class AuthShape:
    token_url: str
    auth_method: str  # client_secret_post | client_secret_basic
    audience_parameter: str  # audience | resource | none
    audience: str
    read_scope: str
    write_scope: str
    scope_claim: str  # how the double's tokens carry their scopes (no spec declares it): scope | scope-list | scp ...
    api_key: tuple[str, str] | None  # an apiKey scheme's (in, name): header or query; None: no such scheme
    risk_security: str  # oauth | key_and_oauth (one alternative) | key_or_oauth (two alternatives)
    ack_security: str  # oauth | key (API key only)


@dataclass(frozen=True)
class MoneyShape:
    tiers: tuple[str, str]  # (cheap, dear)
    usd_per_1k: tuple[float, float]
    rounding_decimals: int | None
    tokens_field: str
    cost_field: str
    risk_usage: str  # where the risk answer reports usage: usage (/usage/...) | nested (/a/b/...) | headers
    risk_usage_at: tuple[str, str]  # the pointers of its token count and cost
    tier_source: str  # pointer (model_tier) | default (default_model_tier) | only (the one x-pricing tier)
    stream_tier_frame: str  # with pointer: the frame that names the tier, ending | opening


@dataclass(frozen=True)
class ProbeShape:
    readiness_media: str
    degraded_by: str  # pointer | status | both
    degraded_pointer: str  # a body pointer, or header:<Name>
    degraded_value: str
    fault_header: str
    fault_values: dict[str, str] = field(hash=False)


@dataclass(frozen=True)
class ErrorShape:
    invalid_status: int  # 400 | 422
    extra_required: str | None  # another required top-level field of the error body


@dataclass(frozen=True)
class JobShape:
    """The job operation: where its accepting answer says the job is, and the job's id kind."""

    location: str  # /links/self | header:Location
    id_prefix: str
    states: tuple[str, str, str]  # pending, done, failed


@dataclass(frozen=True)
class Shape:
    prefix: str
    ops: dict[str, OpShape] = field(hash=False)
    entity: EntityShape  # the risk operation's (a parameter); the job request names one of this kind too
    offer_entity: EntityShape  # the offer operation's (a body pointer)
    ack_entity: EntityShape  # the acknowledgement's (a parameter)
    job: JobShape | None
    stream: StreamShape
    auth: AuthShape
    money: MoneyShape
    probes: ProbeShape
    errors: ErrorShape

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
