"""Operations: their paths, methods, success codes, deadlines, rate limits, and the entity kinds they
are about, each its own (the risk operation's a path, query or header parameter, the offer's a nested
body pointer, the acknowledgement's a parameter under ``x-subject``); an acknowledgement with no
language model behind it (204 or 200), and an async job (202, then a GET that answers the job)."""

from __future__ import annotations

from typing import Any

from property.specgen.build_auth import API_KEY_SCHEME, OAUTH_SCHEME
from property.specgen.shape import Shape
from property.specgen.template import TEMPLATE_PATHS, operation, replace_strings, schema, walk

TEMPLATE_ENTITY = "cus_3f1c9a07b2de"
TEMPLATE_JOB = ("/v2/churn-reports", "/v2/churn-reports/{report_id}")
TEMPLATE_JOB_ID = "rpt_000000000000"
REF = "#/components/schemas/"


def apply(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    data = replace_strings(data, {TEMPLATE_ENTITY: shape.entity.example})
    _entity_schema(data, shape)
    _offer_ref(data, shape)
    _, reply = operation(data, TEMPLATE_PATHS["reply"])  # its example names a tier (an optional member)
    reply["requestBody"]["content"]["application/json"]["example"]["tier"] = shape.money.tiers[0]
    _risk_parameter(data, shape)
    templates = {role: path for role, path in TEMPLATE_PATHS.items() if role in shape.ops}
    if "offer" in shape.ops:
        _offer_body(data, shape)
    else:  # the job takes the offer's place
        del data["paths"][TEMPLATE_PATHS["offer"]]
        for name in ("OfferRequest", "Offer"):
            del data["components"]["schemas"][name]
    if shape.job is not None:
        data = _job(data, shape)
        templates.update({"job": TEMPLATE_JOB[0], "job_get": TEMPLATE_JOB[1]})
    else:
        for old in TEMPLATE_JOB:
            del data["paths"][old]
        for name in ("ReportRequest", "ReportAccepted", "Report"):
            del data["components"]["schemas"][name]
        del data["components"]["responses"]["NotFound"]
    if "ack" in shape.ops:
        data["paths"][shape.ops["ack"].path] = {}
        templates["ack"] = shape.ops["ack"].path
        _ack(data, shape)
    paths: dict[str, Any] = {}
    for role, old in templates.items():
        item = data["paths"][old]
        method, op = operation(data, old)
        chosen = shape.ops[role]
        del item[method]
        op["operationId"] = chosen.operation_id
        ai = op.get("x-ai-operation")
        if ai is not None and chosen.deadline_ms is not None:
            ai["deadline_ms"] = chosen.deadline_ms
        if chosen.rate_limit is not None and "x-rate-limit" in op:
            op["x-rate-limit"]["requests"] = chosen.rate_limit
        elif chosen.rate_limit is None:
            op.pop("x-rate-limit", None)
        _success(op, chosen.success)
        item[chosen.method.lower()] = op
        paths[chosen.path] = item
    data["paths"] = paths
    twin = shape.ops["reply"].operation_id
    return walk(data, lambda v: {**v, "stream_of": twin} if isinstance(v, dict) and v.get("stream_of") == "reply"
                else v)


def _entity_schema(data: dict[str, Any], shape: Shape) -> None:
    ref = schema(data, "CustomerRef")
    ref["pattern"] = shape.entity.pattern
    ref["example"] = shape.entity.example


def _offer_ref(data: dict[str, Any], shape: Shape) -> None:
    entity = shape.offer_entity
    data["components"]["schemas"]["OfferRef"] = {"type": "string", "pattern": entity.pattern,
                                                 "example": entity.example}


def _offer_body(data: dict[str, Any], shape: Shape) -> None:
    """The offer request names its entity (a kind of its own) at a body pointer two levels down."""
    entity = shape.offer_entity
    outer, inner = entity.name.strip("/").split("/")
    offer = schema(data, "Offer")
    offer["properties"]["account"] = {"$ref": REF + "OfferRef"}
    body = schema(data, "OfferRequest")
    account = body["properties"].pop("account")
    account["properties"] = {inner if k == "ref" else k: v for k, v in account["properties"].items()}
    account["properties"][inner] = {"$ref": REF + "OfferRef"}
    account["required"] = [inner]
    body["properties"] = {outer: account, **body["properties"]}
    body["required"] = [outer, "tone"]
    body["example"] = {outer: {inner: entity.example}, "tone": "formal"}
    _, op = operation(data, TEMPLATE_PATHS["offer"])
    op["requestBody"]["content"]["application/json"]["example"] = {
        outer: {inner: entity.example, "segment": "mid"}, "tone": "warm", "max_words": 60}
    op["x-ai-operation"]["subject"].update({"name": entity.name, "not_found_status": entity.not_found_status,
                                            "example": entity.example})
    for response in op["responses"].values():
        example = response.get("content", {}).get("application/json", {}).get("example")
        if isinstance(example, dict) and "account" in example:
            example["account"] = entity.example
    _not_found_response(op, entity.not_found_status)


def _risk_parameter(data: dict[str, Any], shape: Shape) -> None:
    entity = shape.entity
    item = data["paths"][TEMPLATE_PATHS["risk"]]
    item.pop("parameters")
    param = {"name": entity.name, "in": entity.location, "required": True,
             "description": "The entity this answer is about.",
             "schema": {"$ref": "#/components/schemas/CustomerRef"}, "example": entity.example}
    _, op = operation(data, TEMPLATE_PATHS["risk"])
    op["parameters"] = [param, *op["parameters"]]
    op["security"] = _security(shape.auth.risk_security, shape.auth.read_scope)
    subject = op["x-ai-operation"]["subject"]
    subject.update({"in": entity.location, "name": entity.name, "not_found_status": entity.not_found_status})
    _not_found_response(op, entity.not_found_status)


def _security(kind: str, scope: str) -> list[dict[str, list[str]]]:
    """An operation's security alternatives: the OAuth scope, an API key with it (one alternative),
    an API key or it (two), or an API key alone."""
    oauth, key = {OAUTH_SCHEME: [scope]}, {API_KEY_SCHEME: []}
    return {"oauth": [oauth], "key_and_oauth": [{**key, **oauth}], "key_or_oauth": [key, oauth],
            "key": [key]}[kind]


def _ack(data: dict[str, Any], shape: Shape) -> None:
    """An acknowledgement of one entity (its own kind, under ``x-subject``): no language model
    behind it, answered 204 with no body or 200 with a small JSON body."""
    entity, chosen = shape.ack_entity, shape.ops["ack"]
    schemas = data["components"]["schemas"]
    schemas["AckRef"] = {"type": "string", "pattern": entity.pattern, "example": entity.example}
    schemas["Ack"] = {"type": "object", "additionalProperties": False, "required": ["ref", "acknowledged"],
                      "properties": {"ref": {"$ref": REF + "AckRef"}, "acknowledged": {"const": True}}}
    success: dict[str, Any] = {"description": "Acknowledged.",
                               "headers": {"X-Trace-Id": {"$ref": "#/components/headers/X-Trace-Id"}}}
    if chosen.success != "204":
        success["content"] = {"application/json": {"schema": {"$ref": REF + "Ack"},
                                                   "example": {"ref": entity.example, "acknowledged": True}}}
    responses = {"200": success, str(shape.errors.invalid_status): {"$ref": "#/components/responses/BadInput"},
                 "401": {"$ref": "#/components/responses/Unauthenticated"},
                 "403": {"$ref": "#/components/responses/Forbidden"},
                 str(entity.not_found_status): {"$ref": "#/components/responses/UnknownCustomer"},
                 "429": {"$ref": "#/components/responses/Throttled"}}
    op = {"operationId": chosen.operation_id, "summary": "Acknowledge one entity.", "tags": ["churn"],
          "security": _security(shape.auth.ack_security, shape.auth.read_scope),
          "x-subject": {"in": entity.location, "name": entity.name, "not_found_status": entity.not_found_status,
                        "example": entity.example},
          "x-rate-limit": {"requests": chosen.rate_limit or 1, "window_seconds": 1, "key": "client and operation"},
          "parameters": [{"name": entity.name, "in": entity.location, "required": True,
                          "description": "The entity acknowledged.", "schema": {"$ref": REF + "AckRef"},
                          "example": entity.example}],
          "responses": responses}
    data["paths"][chosen.path]["get"] = op


def _job(data: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """The job: its request names the offer's entity kind (two levels down), its id is a kind of its
    own (pattern and example), its states are named, and its accepting answer says where the job is
    (a body pointer, or the Location header)."""
    job, entity = shape.job, shape.offer_entity
    assert job is not None
    outer, inner = entity.name.strip("/").split("/")
    pattern = f"^{job.id_prefix}-[0-9a-f]{{12}}$"
    example = f"{job.id_prefix}-000000000000"
    pending, done, failed = job.states
    data = replace_strings(data, {TEMPLATE_JOB_ID: example, "rpt_0a1b2c3d4e5f": f"{job.id_prefix}-0a1b2c3d4e5f"})
    schemas = data["components"]["schemas"]
    for name in ("ReportAccepted", "Report"):
        schemas[name]["properties"]["report"]["pattern"] = pattern
    schemas["ReportAccepted"]["properties"]["state"]["const"] = pending
    schemas["Report"]["properties"]["state"]["enum"] = [pending, done, failed]
    schemas["Report"]["properties"]["output"]["properties"]["customer"] = {"$ref": REF + "OfferRef"}
    schemas["ReportRequest"] = {"type": "object", "additionalProperties": False, "required": [outer], "properties": {
        outer: {"type": "object", "additionalProperties": False, "required": [inner],
                "properties": {inner: {"$ref": REF + "OfferRef"}}}}, "example": {outer: {inner: entity.example}}}
    _, start = operation(data, TEMPLATE_JOB[0])
    _, get = operation(data, TEMPLATE_JOB[1])
    start["requestBody"]["content"]["application/json"]["example"] = {outer: {inner: entity.example}}
    start["x-ai-operation"]["subject"] = {"pointer": entity.name, "not_found_status": entity.not_found_status}
    _not_found_response(start, entity.not_found_status)
    get["responses"]["200"]["content"]["application/json"]["example"]["output"]["customer"] = entity.example
    spec = start["x-ai-operation"]["job"]
    spec.update({"operation": shape.ops["job_get"].operation_id, "location": job.location, "pending": [pending],
                 "done": [done], "failed": [failed]})
    accepted = start["responses"]["202"]
    accepted["content"]["application/json"]["example"]["state"] = pending
    if job.location.startswith("header:"):
        accepted["headers"]["Location"] = {"description": "Where the job is.", "required": True,
                                           "schema": {"type": "string"}}
    id_name = shape.ops["job_get"].path.rsplit("{", 1)[1].rstrip("}")
    get["x-subject"].update({"name": id_name, "example": example})
    get["parameters"][0].update({"name": id_name})
    get["parameters"][0]["schema"]["pattern"] = pattern
    get["responses"]["200"]["content"]["application/json"]["example"]["state"] = done
    links = shape.ops["job_get"].path.replace("{" + id_name + "}", f"{job.id_prefix}-0a1b2c3d4e5f")
    accepted["content"]["application/json"]["example"]["links"]["self"] = links
    return data


def _not_found_response(op: dict[str, Any], status: int) -> None:
    responses = op["responses"]
    ref = responses.pop("404")
    responses[str(status)] = ref


def _success(op: dict[str, Any], status: str) -> None:
    """The operation's one success status; a 201 says where the created resource is (Location)."""
    responses = op["responses"]
    old = next(s for s in responses if s.startswith("2"))
    response = responses.pop(old)
    if status == "201":
        response.setdefault("headers", {})["Location"] = {
            "description": "Where the created resource is.", "required": True,
            "schema": {"type": "string", "format": "uri-reference", "pattern": "^/[a-z0-9/_-]+$"}}
    op["responses"] = {status: response, **responses}
