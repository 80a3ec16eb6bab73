"""Every kind of change `contractkit diff` reports, with its stable id and classification.

The classification (breaking / possibly-breaking / non-breaking) is carried twice, so that every
consumer finds it where it looks: in ``severity`` (error / warning / info, for SARIF and the
``contractkit rules`` table) and as the first tag. It is a property of the kind, never of the
instance: that is what makes the id stable and the gate predictable.

Schema changes are judged by direction: a schema that accepts less breaks a *request* (clients
send what used to be valid) but not a *response* (clients receive a subset of what they handle),
and the other way round. So each schema change kind exists once per direction and spec kind:
``OAS-REQ-*`` (parameters, request bodies, callback answers, WebSocket client frames), ``OAS-RES-*`` (responses,
headers, SSE events, WebSocket server frames), ``MCP-PARAM-*`` (tool parameters) and
``MCP-RETURN-*`` (tool results).
"""

from __future__ import annotations

from contractkit.diff.model import CLASSIFICATION_OF_SEVERITY, SEVERITY_OF, Classification
from contractkit.diff.schema_kinds import JSON_SCHEMA, OPENAPI_ONLY, SCHEMA_KINDS, SCHEMA_PREFIXES

__all__ = ["CHANGE_KINDS", "OPENAPI_ONLY", "SCHEMA_KINDS", "SCHEMA_PREFIXES", "classification_of", "schema_id"]
from contractkit.registry import Registry, RuleInfo

CHANGE_KINDS: Registry = Registry("diff")

B: Classification = "breaking"
P: Classification = "possibly-breaking"
N: Classification = "non-breaking"

SEMVER = "SemVer 2.0.0 §8 (incompatible changes need a major version)"
WHY = {
    B: "Clients written against BASE stop working against HEAD.",
    P: "Some clients written against BASE may stop working against HEAD, depending on how they use it.",
    N: "Every client written against BASE keeps working against HEAD.",
}


def _add(id: str, title: str, cls: Classification, clause: str, what: str, example: str, *tags: str) -> None:
    doc = f"{what}\n\nWhy it is {cls}: {WHY[cls]}\n\nExample: {example}"
    CHANGE_KINDS.add(RuleInfo(id, title, SEVERITY_OF[cls], clause, doc=doc, tags=(cls, *tags)))  # type: ignore[arg-type]


def classification_of(change_id: str) -> Classification:
    return CLASSIFICATION_OF_SEVERITY[CHANGE_KINDS.get(change_id).severity]


# --- OpenAPI: paths, operations, parameters, bodies, responses -------------------------------------------------

OAS_PATHS = "OpenAPI 3.x Paths Object"
_OAS: list[tuple[str, str, Classification, str, str, str]] = [
    ("OAS-PATH-REMOVED", "path removed", B, OAS_PATHS, "A path and all its operations are gone.",
     "`/customers/{id}` removed"),
    ("OAS-PATH-ADDED", "path added", N, OAS_PATHS, "A new path.", "`/invoices` added"),
    ("OAS-OP-REMOVED", "operation removed", B, "OpenAPI 3.x Path Item Object",
     "An operation of a path that still exists is gone.", "`DELETE /customers/{id}` removed"),
    ("OAS-OP-ADDED", "operation added", N, "OpenAPI 3.x Path Item Object", "A new operation on a path.",
     "`PATCH /customers/{id}` added"),
    ("OAS-OP-DEPRECATED", "operation deprecated", N, "OpenAPI 3.x Operation Object `deprecated`",
     "An operation is now marked deprecated: it still works, but clients should plan to move.",
     "`deprecated: true` added"),
    ("OAS-OP-ID-CHANGED", "operationId changed", P, "OpenAPI 3.x Operation Object `operationId`",
     "Generated clients name their methods after operationId; the wire is unchanged.",
     "`getCustomer` -> `retrieveCustomer`"),
    ("OAS-PATH-PARAM-RENAMED", "path parameter renamed", N, "OpenAPI 3.x Path Templating",
     "The name of a path template variable changed; the URL a client sends is the same.",
     "`/customers/{id}` -> `/customers/{customer_id}`"),
    ("OAS-PARAM-REQUIRED-ADDED", "required parameter added", B, "OpenAPI 3.x Parameter Object `required`",
     "A new parameter that every request must carry.", "query `tenant` added with `required: true`"),
    ("OAS-PARAM-OPTIONAL-ADDED", "optional parameter added", N, "OpenAPI 3.x Parameter Object",
     "A new optional parameter.", "query `limit` added"),
    ("OAS-PARAM-REMOVED", "parameter removed", P, "OpenAPI 3.x Parameter Object",
     "A parameter clients may send is no longer declared; the server may ignore or reject it.",
     "query `expand` removed"),
    ("OAS-PARAM-RENAMED", "parameter renamed", B, "OpenAPI 3.x Parameter Object `name`",
     "A parameter was replaced by one of another name with the same schema, in the same place.",
     "query `per_page` -> `limit`"),
    ("OAS-PARAM-MOVED", "parameter moved", B, "OpenAPI 3.x Parameter Object `in`",
     "A parameter of the same name is now expected in another place (query, header, path, cookie).",
     "`api_version` moved from query to header"),
    ("OAS-PARAM-BECAME-REQUIRED", "parameter became required", B, "OpenAPI 3.x Parameter Object `required`",
     "An optional parameter must now be sent.", "`required: false` -> `required: true`"),
    ("OAS-PARAM-BECAME-OPTIONAL", "parameter became optional", N, "OpenAPI 3.x Parameter Object `required`",
     "A required parameter may now be left out.", "`required: true` -> `required: false`"),
    ("OAS-PARAM-STYLE-CHANGED", "parameter serialization changed", B, "OpenAPI 3.x Parameter Object `style` / "
     "`explode` / `allowReserved`", "The parameter is serialized differently (style, explode or allowReserved, "
     "defaults applied; Swagger 2.0 collectionFormat): clients encode it the old way.",
     "query `ids` `style: form, explode: true` -> `explode: false` (`ids=1&ids=2` -> `ids=1,2`)"),
    ("OAS-PARAM-DEPRECATED", "parameter deprecated", N, "OpenAPI 3.x Parameter Object `deprecated`",
     "A parameter is now marked deprecated.", "`deprecated: true` added to query `page`"),
    ("OAS-REQUEST-BODY-ADDED", "optional request body added", N, "OpenAPI 3.x Request Body Object",
     "An operation now accepts an optional body.", "`requestBody` added without `required: true`"),
    ("OAS-REQUEST-BODY-REMOVED", "request body removed", P, "OpenAPI 3.x Request Body Object",
     "An operation no longer declares a body; clients still send one.", "`requestBody` removed"),
    ("OAS-REQUEST-BODY-BECAME-REQUIRED", "request body required", B, "OpenAPI 3.x Request Body Object `required`",
     "A body must now be sent (a new required body, or an optional one made required).",
     "`required: false` -> `required: true`"),
    ("OAS-REQUEST-BODY-BECAME-OPTIONAL", "request body optional", N, "OpenAPI 3.x Request Body Object `required`",
     "A body may now be left out.", "`required: true` -> `required: false`"),
    ("OAS-REQUEST-MEDIA-TYPE-REMOVED", "request media type removed", B, "OpenAPI 3.x Media Type Object",
     "The body can no longer be sent in a content type it accepted.", "`application/xml` removed"),
    ("OAS-REQUEST-MEDIA-TYPE-ADDED", "request media type added", N, "OpenAPI 3.x Media Type Object",
     "The body can be sent in one more content type.", "`application/x-www-form-urlencoded` added"),
    ("OAS-RESPONSE-SUCCESS-STATUS-REMOVED", "success status removed", B, "OpenAPI 3.x Responses Object",
     "A 2xx/3xx status clients handle is no longer returned.", "`201` removed"),
    ("OAS-RESPONSE-ERROR-STATUS-REMOVED", "error status removed", P, "OpenAPI 3.x Responses Object",
     "A documented 4xx/5xx/default response is gone: clients branching on it see another status instead.",
     "`404` removed"),
    ("OAS-RESPONSE-STATUS-ADDED", "response status added", N, "OpenAPI 3.x Responses Object",
     "A newly documented status.", "`409` added"),
    ("OAS-RESPONSE-MEDIA-TYPE-REMOVED", "response media type removed", B, "OpenAPI 3.x Media Type Object",
     "A response is no longer available in a content type clients may ask for.", "`text/csv` removed"),
    ("OAS-RESPONSE-MEDIA-TYPE-ADDED", "response media type added", N, "OpenAPI 3.x Media Type Object",
     "A response is available in one more content type.", "`text/event-stream` added"),
    ("OAS-RESPONSE-HEADER-REMOVED", "response header removed", P, "OpenAPI 3.x Header Object",
     "A response header clients may read is no longer promised.", "`RateLimit-Remaining` removed"),
    ("OAS-RESPONSE-HEADER-ADDED", "response header added", N, "OpenAPI 3.x Header Object",
     "A new response header.", "`X-Request-ID` added"),
    ("OAS-RESPONSE-HEADER-BECAME-OPTIONAL", "response header optional", P, "OpenAPI 3.1 §4.8.21 Header Object "
     "`required`", "A response header that was always sent may now be missing.", "`required: true` -> `false`"),
    ("OAS-RESPONSE-HEADER-BECAME-REQUIRED", "response header required", N, "OpenAPI 3.1 §4.8.21 Header Object "
     "`required`", "A response header is now always sent.", "`required: false` -> `true`"),
    ("OAS-SERVER-REMOVED", "server removed", P, "OpenAPI 3.x Server Object",
     "A server URL clients may be configured with is no longer listed.", "`https://api.example.com/v1` removed"),
    ("OAS-SERVER-ADDED", "server added", N, "OpenAPI 3.x Server Object", "A new server URL.",
     "`https://eu.api.example.com/v1` added"),
    ("OAS-SECURITY-ADDED", "security requirement added", B, "OpenAPI 3.x Security Requirement Object",
     "Requests that were accepted with the credentials of BASE now need another or an extra scheme.",
     "`security: []` -> `security: [{engineServiceToken: [neuron.chat]}]`"),
    ("OAS-SECURITY-REMOVED", "security requirement relaxed", N, "OpenAPI 3.x Security Requirement Object",
     "An operation accepts requests with fewer or other credentials than before.", "an alternative scheme added"),
    ("OAS-SECURITY-SCOPE-ADDED", "scope added", B, "OpenAPI 3.x Security Requirement Object (scopes)",
     "The same scheme now needs a scope tokens of BASE's clients may not carry.", "`[a.read]` -> `[a.read, a.write]`"),
    ("OAS-SECURITY-SCOPE-REMOVED", "scope removed", N, "OpenAPI 3.x Security Requirement Object (scopes)",
     "The same scheme needs fewer scopes.", "`[a.read, a.write]` -> `[a.read]`"),
    ("OAS-SECURITY-SCHEME-CHANGED", "security scheme changed", B, "OpenAPI 3.x Security Scheme Object",
     "A scheme's type, location, token URL, flows or `x-audience` changed: tokens of BASE's clients no longer fit.",
     "`x-audience: neuron-api` -> `x-audience: neuron`"),
    ("OAS-ENCODING-CHANGED", "part encoding changed", B, "OpenAPI 3.1 §4.8.15 Encoding Object",
     "A multipart or form part is encoded differently (contentType, style, explode, allowReserved): the other "
     "side encodes or decodes it the old way.", "part `tags` `style: form` -> `style: deepObject`"),
    ("OAS-LINK-REMOVED", "link removed", P, "OpenAPI 3.1 §4.8.20 Link Object",
     "A response no longer links to an operation: clients that follow the link lose it.", "link `GetUser` removed"),
    ("OAS-LINK-ADDED", "link added", N, "OpenAPI 3.1 §4.8.20 Link Object", "A response links to one more operation.",
     "link `GetUser` added"),
    ("OAS-LINK-CHANGED", "link changed", P, "OpenAPI 3.1 §4.8.20 Link Object",
     "A link leads to another operation or passes other values.", "`operationId: getUser` -> `fetchUser`"),
    ("OAS-WEBHOOK-REMOVED", "webhook removed", B, "OpenAPI 3.1 §4.8.1 `webhooks`",
     "The API no longer sends a webhook clients subscribe to.", "webhook `invoice.paid` removed"),
    ("OAS-WEBHOOK-ADDED", "webhook added", N, "OpenAPI 3.1 §4.8.1 `webhooks`", "The API sends one more webhook.",
     "webhook `invoice.voided` added"),
    ("OAS-CALLBACK-REMOVED", "callback removed", B, "OpenAPI 3.1 §4.8.18 Callback Object",
     "The API no longer calls clients back (or not at that URL expression): clients waiting for it wait forever.",
     "callback `onPaid` removed"),
    ("OAS-CALLBACK-ADDED", "callback added", N, "OpenAPI 3.1 §4.8.18 Callback Object",
     "The API calls clients back in one more case.", "callback `onRefund` added"),
    ("OAS-REF-UNRESOLVED", "unresolvable $ref", P, "OpenAPI 3.1 §4.8.23 Reference Object; RFC 3986",
     "A `$ref` of HEAD outside the schemas (a parameter, response, request body, header, path item, link...) "
     "lands nowhere: a remote URI (never fetched), a dangling pointer or a missing file. What it stands for could "
     "not be compared, so a change there may be hidden. (Inside schemas the same is `OAS-REQ-REF-UNRESOLVED` / "
     "`OAS-RES-REF-UNRESOLVED`.)", "`parameters: [{$ref: '#/components/parameters/Pagee'}]`"),
    # --- our x- extensions
    ("OAS-RATE-LIMIT-TIGHTENED", "rate limit tightened", P, "x-rate-limit",
     "Fewer requests per window, a longer window, or a limit where there was none: clients near the old "
     "limit now get 429.", "`requests: 100, window_seconds: 2` -> `requests: 50, window_seconds: 2`"),
    ("OAS-RATE-LIMIT-LOOSENED", "rate limit loosened", N, "x-rate-limit",
     "More requests per window, or no limit any more.", "`requests: 50` -> `requests: 100`"),
    ("OAS-AI-DEADLINE-INCREASED", "AI deadline increased", P, "x-ai-operation `deadline_ms`",
     "The operation may now take longer to answer: client timeouts set from BASE may fire first.",
     "`deadline_ms: 5000` -> `deadline_ms: 8000`"),
    ("OAS-AI-DEADLINE-DECREASED", "AI deadline decreased", N, "x-ai-operation `deadline_ms`",
     "The operation promises to answer sooner.", "`deadline_ms: 8000` -> `deadline_ms: 5000`"),
    ("OAS-AI-FALLBACK-CHANGED", "AI fallback changed", B, "x-ai-operation `fallback`",
     "What clients get when the LLM provider fails changed (a degraded answer or a 503 with Retry-After).",
     "`mode: degraded_answer` -> `mode: unavailable`"),
    ("OAS-AI-SUBJECT-CHANGED", "AI operation's subject moved", B, "x-ai-operation `subject`",
     "The input that names the entity an answer is about moved (another parameter, location or field), or an "
     "unknown entity now gets another status: callers send it where it is no longer read.",
     "`subject: {in: body, name: /customer_id}` -> `subject: {in: path, name: customer_id}`"),
    ("OAS-AI-REPORTING-MOVED", "AI answer reports usage, degradation or text elsewhere", B,
     "x-ai-operation `usage`, `fallback.marker`, `answer_text`",
     "Clients that bill from usage, detect degraded answers or show the text read them where BASE said.",
     "`usage: {token_count: /token_count}` -> `usage: {token_count: /usage/tokens}`"),
    ("OAS-AI-JOB-ADDED", "operation now answers with a job", B, "x-ai-operation `job`",
     "The operation now answers 202 with the location of a job instead of its answer: clients that read the "
     "answer from the response get an acceptance.", "`job: {location: header:Location, ...}` added"),
    ("OAS-AI-JOB-REMOVED", "operation no longer answers with a job", B, "x-ai-operation `job`",
     "The operation answers directly again: clients that follow a job find none.", "`job` removed"),
    ("OAS-AI-JOB-CHANGED", "job followed differently", B, "x-ai-operation `job`",
     "Where the job is, how its states are told apart or where its result is changed: clients following the "
     "job as BASE said misread it.", "`status: /status` -> `status: /state`"),
    ("OAS-STREAM-CONNECTION-ADDED", "connection frame declared", P, "x-stream `connection`",
     "The stream may send a new frame that belongs to the connection (a session frame, a ping): clients that "
     "reject unknown frames, or read every frame as part of a turn, may stop.", "`connection: [ping]` added"),
    ("OAS-STREAM-CONNECTION-REMOVED", "connection frame no longer declared", B, "x-stream `connection`",
     "A frame clients may wait for before the first turn (a session frame) is no longer declared.",
     "`connection: [session]` removed"),
    ("OAS-WS-AUTH-METHOD-REMOVED", "WebSocket auth method removed", B, "x-websockets `auth.methods`",
     "Clients that authenticate this way (a header, a first message, a query parameter, a subprotocol) are "
     "refused.", "`methods: [header, subprotocol]` -> `methods: [header]`"),
    ("OAS-WS-AUTH-METHOD-ADDED", "WebSocket auth method added", N, "x-websockets `auth.methods`",
     "Clients may authenticate one more way.", "`methods: [header]` -> `methods: [header, subprotocol]`"),
    ("OAS-STREAM-GRAMMAR-CHANGED", "stream grammar changed", B, "x-stream",
     "Which frames open, carry, end or fail a turn, or where they carry text, index or usage, changed: stream "
     "clients written against BASE misread the frames.", "`ends: [done]` -> `ends: [complete]`"),
    ("OAS-PROBE-CHANGED", "health or readiness probe changed", P, "x-probe",
     "What a probe reports, or how readiness shows a degraded provider, changed: orchestrators and alerts "
     "configured from BASE may read it wrongly.",
     "`degraded: {pointer: /status}` -> `degraded: {pointer: /llm/state}`"),
    ("OAS-SSE-EVENT-REMOVED", "SSE event removed", B, "x-sse-events",
     "A server-sent event type clients wait for is no longer sent.", "`done` removed from `x-sse-events`"),
    ("OAS-SSE-EVENT-ADDED", "SSE event added", P, "x-sse-events",
     "A new event type in the stream: clients that reject unknown events stop.", "`usage` event added"),
    ("OAS-WS-ENDPOINT-REMOVED", "WebSocket endpoint removed", B, "x-websockets", "A WebSocket endpoint is gone.",
     "`/chat/ws` removed"),
    ("OAS-WS-ENDPOINT-ADDED", "WebSocket endpoint added", N, "x-websockets", "A new WebSocket endpoint.",
     "`/events/ws` added"),
    ("OAS-WS-FRAME-REMOVED", "WebSocket frame removed", B, "x-websockets `client_messages` / `server_messages`",
     "A frame type is gone: the server no longer sends it, or no longer accepts it from clients.",
     "server frame `done` removed"),
    ("OAS-WS-SERVER-FRAME-ADDED", "WebSocket server frame added", P, "x-websockets `server_messages`",
     "The server may send a new frame type: clients that reject unknown frames stop.", "server frame `usage` added"),
    ("OAS-WS-CLIENT-FRAME-ADDED", "WebSocket client frame added", N, "x-websockets `client_messages`",
     "Clients may send a new frame type.", "client frame `cancel` added"),
]
for _row in _OAS:
    _add(*_row, "openapi")


# --- MCP: servers, tools, auth, limits --------------------------------------------------------------------------

MCP_FMT = "contractkit/mcp-servers@1"
_MCP: list[tuple[str, str, Classification, str, str, str]] = [
    ("MCP-SERVER-REMOVED", "server removed", B, f"{MCP_FMT} `servers`", "An MCP server and all its tools are gone.",
     "`document-retrieval-mcp` removed"),
    ("MCP-SERVER-ADDED", "server added", N, f"{MCP_FMT} `servers`", "A new MCP server.", "`billing-mcp` added"),
    ("MCP-SERVER-RENAMED", "server renamed", B, f"{MCP_FMT} `servers[].name`",
     "A server is published under another name (the same tools): clients configured by name lose it.",
     "`crm-data-mcp` -> `crm-mcp`"),
    ("MCP-TOOL-REMOVED", "tool removed", B, f"{MCP_FMT} `tools`", "A tool is gone.", "`search_customers` removed"),
    ("MCP-TOOL-ADDED", "tool added", N, f"{MCP_FMT} `tools`", "A new tool.", "`update_customer` added"),
    ("MCP-TOOL-RENAMED", "tool renamed", B, f"{MCP_FMT} `tools[].name`",
     "A tool is published under another name with the same parameters and result.",
     "`get_customer` -> `fetch_customer`"),
    ("MCP-TOOL-DEPRECATED", "tool deprecated", N, f"{MCP_FMT} `tools[].deprecated`",
     "A tool is now marked deprecated.", "`deprecated: true` added"),
    ("MCP-TOOL-SCOPE-ADDED", "tool scope added or changed", B, f"{MCP_FMT} `tools[].scope`",
     "A tool now needs a scope (or another scope) that callers' tokens may not carry.",
     "`scope: crm.read` -> `scope: crm.admin`"),
    ("MCP-TOOL-SCOPE-REMOVED", "tool scope removed", N, f"{MCP_FMT} `tools[].scope`",
     "A tool no longer needs a scope.", "`scope: crm.read` removed"),
    ("MCP-AUTH-CHANGED", "authentication changed", B, f"{MCP_FMT} `authentication`",
     "The way callers authenticate changed: now required, another token endpoint, or another audience.",
     "`audience: crm-data-mcp` -> `audience: crm`"),
    ("MCP-AUTH-RELAXED", "authentication removed", N, f"{MCP_FMT} `authentication.type`",
     "A server no longer requires a token.", "`type: bearer_token` -> `type: none`"),
    ("MCP-AUTH-SCOPE-REMOVED", "server scope removed", B, f"{MCP_FMT} `authentication.scopes`",
     "A scope the server accepted is no longer declared: tokens asked for with it may be refused.",
     "`scopes: [crm.read, crm.write]` -> `scopes: [crm.read]`"),
    ("MCP-AUTH-SCOPE-ADDED", "server scope added", N, f"{MCP_FMT} `authentication.scopes`",
     "The server declares one more scope.", "`crm.admin` added"),
    ("MCP-SERVICE-TOKEN-CHANGED", "service token changed", P, f"{MCP_FMT} `service_token`",
     "The server calls engine/ with other scopes, audience or token endpoint: engine/'s grants must follow.",
     "`scopes: [engine.customers.read]` -> `[engine.customers.read, engine.customers.write]`"),
    ("MCP-RATE-LIMIT-TIGHTENED", "rate limit tightened", P, f"{MCP_FMT} `rate_limit`",
     "Fewer calls per window, a longer window, or a limit where there was none.", "`requests: 60` -> `requests: 30`"),
    ("MCP-RATE-LIMIT-LOOSENED", "rate limit loosened", N, f"{MCP_FMT} `rate_limit`",
     "More calls per window, or no limit any more.", "`requests: 30` -> `requests: 60`"),
    ("MCP-TRANSPORT-REMOVED", "transport removed", B, f"{MCP_FMT} `transports`",
     "A transport (stdio, Streamable HTTP) is gone, or its path or command changed.", "`streamable_http` removed"),
    ("MCP-TRANSPORT-ADDED", "transport added", N, f"{MCP_FMT} `transports`", "A new transport.",
     "`streamable_http` added"),
    ("MCP-PROTOCOL-VERSION-REMOVED", "protocol version removed", B, f"{MCP_FMT} `protocol_versions`",
     "An MCP protocol revision clients may negotiate is no longer supported.", "`2025-06-18` removed"),
    ("MCP-PROTOCOL-VERSION-ADDED", "protocol version added", N, f"{MCP_FMT} `protocol_versions`",
     "One more MCP protocol revision is supported.", "`2025-11-25` added"),
    ("MCP-AUDIT-LOG-WEAKENED", "audit duty weakened", P, f"{MCP_FMT} `audit_log`",
     "Less is audited: the log became optional, or fields were dropped (governance reviews must agree).",
     "`required: true` -> `required: false`"),
    ("MCP-AUDIT-LOG-STRENGTHENED", "audit duty strengthened", N, f"{MCP_FMT} `audit_log`",
     "More is audited: the log became required, or fields were added.", "`request_id` added to `fields`"),
]
for _row in _MCP:
    _add(*_row, "mcp")


# --- Deprecation, sunset and stability policy (optional rules: --deprecation-policy / --policy-file) ------------

POLICY = "docs/diff.md \u00a7 Deprecation policy"
_POLICY: list[tuple[str, str, Classification, str, str, str]] = [
    ("POLICY-REMOVED-WITHOUT-DEPRECATION", "removed without deprecation", B,
     f"{POLICY}; OpenAPI 3.1 Operation / Parameter / Schema `deprecated`",
     "An operation, parameter, property, webhook or tool was removed that BASE had not marked `deprecated: true`: "
     "clients had no warning.", "`DELETE /customers/{id}` removed, never deprecated"),
    ("POLICY-REMOVED-BEFORE-SUNSET", "removed before its sunset date", B, f"{POLICY}; RFC 8594 (Sunset)",
     "Something deprecated was removed before the sunset date it announced (`x-sunset`, or the `Sunset` response "
     "header): clients were promised it until then.", "`x-sunset: 2030-01-01`, removed in 2026"),
    ("POLICY-REMOVED-AFTER-DEPRECATION", "removed after its deprecation", N, f"{POLICY}; RFC 8594 (Sunset)",
     "Something BASE marked deprecated was removed once its sunset date (`x-sunset`, or the `Sunset` response "
     "header) had passed, or, deprecated with no date announced, at any time: clients were warned. It stands in "
     "place of the removal, whose id its message names.", "`deprecated: true, x-sunset: 2026-01-01`, removed in "
     "June 2026"),
    ("POLICY-SUNSET-INVALID", "sunset date unreadable", B, f"{POLICY}; RFC 8594 (Sunset)",
     "An `x-sunset` that is not a date (ISO 8601, or an HTTP-date): clients cannot plan by it, and the gate cannot "
     "tell whether a removal was due.", "`x-sunset: next spring`"),
    ("POLICY-SUNSET-BROUGHT-FORWARD", "sunset date brought forward", B, f"{POLICY}; RFC 8594 (Sunset)",
     "A deprecated operation or parameter now announces an earlier sunset date, or none: clients planned for the "
     "date BASE gave.", "`x-sunset: 2027-01-01` -> `2026-09-01`"),
    ("POLICY-DEPRECATED-WITHOUT-SUNSET", "deprecated without a sunset date", P, f"{POLICY}; RFC 8594 (Sunset)",
     "Something was newly marked deprecated without saying until when it works (`x-sunset` or a `Sunset` "
     "response header): clients cannot plan their move.", "`deprecated: true` added, no `x-sunset`"),
    ("POLICY-SUNSET-TOO-SOON", "sunset date too soon", P, f"{POLICY}; RFC 8594 (Sunset)",
     "Something newly deprecated announces a sunset date that leaves clients less time than its stability level "
     "promises (by default 180 days for `stable`, 31 for `beta`).", "`deprecated: true`, `x-sunset` next week"),
    ("POLICY-STABILITY-DECREASED", "stability level lowered", B, f"{POLICY} (`x-stability-level`)",
     "An operation's `x-stability-level` went down (stable > beta > alpha > draft): it loses the promise clients "
     "relied on.", "`x-stability-level: stable` -> `beta`"),
    ("POLICY-STABILITY-INVALID", "stability level unknown", B, f"{POLICY} (`x-stability-level`)",
     "An operation's `x-stability-level` is none of `draft`, `alpha`, `beta`, `stable`: what it promises "
     "clients cannot be told.", "`x-stability-level: experimental`"),
    ("POLICY-UNSTABLE-CHANGE", "change to an unstable operation", N, f"{POLICY} (`x-stability-level`)",
     "A breaking or possibly breaking change that reaches only `draft` or `alpha` operations: they may change "
     "at any time; the message names the change it stands for. (`beta` operations are held to the same rules as "
     "`stable` ones, with a shorter minimum sunset.)",
     "`OAS-REQ-PROPERTY-BECAME-REQUIRED` in an `alpha` operation"),
]
#: Policy kinds that apply to mcp-servers too (tools are deprecated and removed; stability is OpenAPI's).
_MCP_POLICY = ("REMOVED-WITHOUT-DEPRECATION", "REMOVED-BEFORE-SUNSET", "REMOVED-AFTER-DEPRECATION", "SUNSET-INVALID",
               "DEPRECATED-WITHOUT-SUNSET", "SUNSET-TOO-SOON")
for _id, *_rest in _POLICY:
    _add(f"OAS-{_id}", *_rest, "openapi", "policy")
    if _id.removeprefix("POLICY-") in _MCP_POLICY:
        _add(f"MCP-{_id}", *_rest, "mcp", "policy")


# --- JSON Schema changes, once per direction --------------------------------------------------------------------

# (the table is data, in contractkit.diff.schema_kinds)
for _prefix, (_spec, _direction, _subject) in SCHEMA_PREFIXES.items():
    for _suffix, (_title, _req, _res, _kw, _what, _ex) in SCHEMA_KINDS.items():
        if _spec != "openapi" and _suffix in OPENAPI_ONLY:
            continue
        _cls = _req if _direction == "request" else _res
        _add(f"{_prefix}-{_suffix}", f"{_direction}: {_title}", _cls, f"{JSON_SCHEMA} `{_kw}`; {SEMVER}",
             f"In a {_subject}: {_what[0].lower()}{_what[1:]}", _ex, _spec, _direction)


def schema_id(prefix: str, suffix: str) -> str:
    return f"{prefix}-{suffix}"
