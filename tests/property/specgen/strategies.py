"""Hypothesis strategies: a ``Shape`` drawn dimension by dimension, and the spec written from it."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contractkit.double.auth import SCOPE_CLAIMS
from property.specgen import build_auth, build_money, build_ops, build_probes, build_streams
from property.specgen.shape import (
    AuthShape,
    EntityShape,
    ErrorShape,
    JobShape,
    MoneyShape,
    OpShape,
    ProbeShape,
    Shape,
    StreamShape,
)
from property.specgen.template import template

FAULT_MODES = ("provider_error", "provider_timeout", "provider_rate_limit", "provider_malformed",
               "stream_interrupted")
LOWER = "abcdefghijklmnopqrstuvwxyz"
HEX = "0123456789abcdef"
# the members of the risk answer a nested usage object may not take the name of
RISK_FIELDS = ("customer", "horizon_days", "risk", "summary", "model", "degraded", "usage")
words = st.builds(str.__add__, st.sampled_from(LOWER), st.text(LOWER + "0123456789", min_size=2, max_size=7))


def names(n: int) -> st.SearchStrategy[list[str]]:
    return st.lists(words, min_size=n, max_size=n, unique=True)


@st.composite
def entities(draw: st.DrawFn, segment: str, in_body: bool = False) -> EntityShape:
    """An entity kind of its own: a prefix and digit count (its pattern), an example, and where the
    operation names it (a path, query or header parameter, or a nested body pointer)."""
    prefix = draw(st.text(LOWER, min_size=2, max_size=5))
    digits = draw(st.integers(6, 16))
    example = prefix + "_" + draw(st.text(HEX, min_size=digits, max_size=digits))
    if in_body:
        outer, inner = draw(names(2))
        location, name = "body", f"/{outer}/{inner}"
    else:
        location = draw(st.sampled_from(["path", "query", "header"]))
        name = f"{segment}_id" if location != "header" else f"X-{segment.capitalize()}-Id"
    return EntityShape(prefix, digits, example, location, name, draw(st.sampled_from([404, 410])))


def _distinct(kinds: list[EntityShape]) -> bool:
    """Entity kinds whose examples cannot be mistaken for one another (each pattern its own)."""
    return len({(k.prefix, k.digits) for k in kinds}) == len(kinds)


@st.composite
def operations(draw: st.DrawFn, prefix: str, entity: EntityShape, ack: EntityShape, segs: list[str],
               job: bool) -> dict[str, OpShape]:
    """The operations by role. A job takes the offer's place (its request names the offer's entity
    kind); the acknowledgement is there or not (each operation adds to every verify run's traffic)."""
    ids = draw(names(9))
    body_methods = st.sampled_from(["POST", "PUT", "PATCH"])
    deadline = st.integers(2, 6).map(lambda s: s * 1000)
    limit = st.integers(20, 60)
    maybe_limit = st.one_of(st.none(), limit)  # an operation may declare no x-rate-limit (the risk one does)
    coll, offer, conv, reply, stream, health, ready = segs[:7]
    risk = f"{prefix}/{coll}/{{{entity.name}}}/{segs[7]}" if entity.location == "path" else f"{prefix}/{coll}/{segs[7]}"
    risk_method = "GET"
    ack_path = f"{prefix}/{segs[9]}" + (f"/{{{ack.name}}}" if ack.location == "path" else "")
    extra: dict[str, OpShape] = {}
    if draw(st.booleans()):
        extra["ack"] = OpShape(ids[6], ack_path, draw(st.sampled_from(["PUT", "DELETE", "POST"])),
                               draw(st.sampled_from(["204", "200"])), None, draw(maybe_limit))
    if job:
        extra["job"] = OpShape(ids[7], f"{prefix}/{segs[10]}", "POST", "202", draw(deadline), draw(maybe_limit))
        extra["job_get"] = OpShape(ids[8], f"{prefix}/{segs[10]}/{{{segs[10]}_id}}", "GET", "200", None,
                                   draw(maybe_limit))
    if not job:
        extra["offer"] = OpShape(ids[1], f"{prefix}/{offer}", draw(body_methods),
                                 draw(st.sampled_from(["200", "201", "202"])), draw(deadline), draw(maybe_limit))
    return {
        "risk": OpShape(ids[0], risk, risk_method, "200", draw(deadline), draw(limit)),
        "reply": OpShape(ids[2], f"{prefix}/{conv}/{{conversation_id}}/{reply}", draw(body_methods), "200",
                         draw(deadline), draw(maybe_limit)),
        "stream": OpShape(ids[3], f"{prefix}/{conv}/{{conversation_id}}/{reply}/{stream}", "POST", "200",
                          draw(deadline), draw(maybe_limit)),
        "healthz": OpShape(ids[4], f"{prefix}/{health}", "GET", "200", None, None),
        "readyz": OpShape(ids[5], f"{prefix}/{ready}", "GET", "200", None, None),
        **extra,
    }


@st.composite
def streams(draw: st.DrawFn, prefix: str, ws_segment: str) -> StreamShape:
    typed_by = draw(st.one_of(st.just("event"), words.map(lambda w: "/" + w)))
    auth = draw(st.sampled_from(["first_message", "header", "query", "subprotocol"]))
    query = draw(words) if auth == "query" else None
    login = None
    if auth == "first_message":
        parts = draw(st.lists(words.filter(lambda w: w != "op"), min_size=1, max_size=3, unique=True))
        login = "/" + "/".join(parts)
    code = draw(st.sampled_from([4401, 4403, 4001, 4010, 4999, 1008]))
    type_field = draw(words.filter(lambda w: w not in ("i", "t", "trace", "model", "degraded", "finish", "usage",
                                                       "error")))
    subprotocol = None
    if auth == "subprotocol":
        token_prefix = draw(st.sampled_from(["bearer.", "base64url.bearer.authorization.example.io.", "tok-"]))
        subprotocol = (token_prefix, draw(st.sampled_from(["plain", "base64url"])), draw(words) + ".v1")
    frames = draw(names(6))
    taken = ("i", "t", type_field, typed_by.strip("/"))  # a delta's holder is none of its other fields
    return StreamShape(typed_by, f"{prefix}/{ws_segment}", auth, query, login, code, "/" + type_field,
                       tuple(draw(names(4))), tuple(frames[:4]),  # type: ignore[arg-type]
                       draw(st.one_of(st.none(), words.filter(lambda w: w not in taken))), subprotocol,
                       tuple(frames[4:4 + draw(st.integers(0, 2))]))


@st.composite
def auths(draw: st.DrawFn) -> AuthShape:
    seg = draw(words)
    read, write = draw(names(2))
    key = draw(st.one_of(st.none(), st.tuples(st.sampled_from(["header", "query"]), words.map(
        lambda w: f"X-{w.capitalize()}-Key"))))
    risk, ack = ("oauth", "oauth") if key is None else (
        draw(st.sampled_from(["oauth", "key_and_oauth", "key_or_oauth"])), draw(st.sampled_from(["oauth", "key"])))
    return AuthShape(f"/{seg}/token", draw(st.sampled_from(["client_secret_post", "client_secret_basic"])),
                     draw(st.sampled_from(["audience", "resource", "none"])),
                     draw(st.one_of(words, words.map(lambda w: f"https://{w}.example/api"))),
                     f"{read}:read", f"{write}:write", draw(st.sampled_from(sorted(SCOPE_CLAIMS))), key, risk, ack)


@st.composite
def moneys(draw: st.DrawFn) -> MoneyShape:
    tiers = tuple(draw(names(2)))
    prices = tuple(draw(st.lists(st.sampled_from([0.0001, 0.0004, 0.002, 0.0125, 0.03, 0.5]), min_size=2,
                                 max_size=2)))
    tokens, cost, outer, inner = draw(names(4).filter(lambda n: n[2] not in RISK_FIELDS))
    where = draw(st.sampled_from(["usage", "nested", "headers"]))
    at = {"usage": (f"/usage/{tokens}", f"/usage/{cost}"),
          "nested": (f"/{outer}/{inner}/{tokens}", f"/{outer}/{inner}/{cost}"),
          "headers": (f"header:X-{tokens.capitalize()}-Tokens", f"header:X-{cost.capitalize()}-Cost")}[where]
    return MoneyShape(tiers, prices, draw(st.one_of(st.none(), st.integers(6, 10))), tokens, cost,  # type: ignore[arg-type]
                      where, at, draw(st.sampled_from(["pointer", "default", "only"])),
                      draw(st.sampled_from(["ending", "opening"])))


@st.composite
def probes(draw: st.DrawFn) -> ProbeShape:
    outer, inner = draw(names(2))
    value = st.builds(lambda w, n: f"{w}-{n}", st.text(LOWER, min_size=3, max_size=6), st.integers(0, 999))
    values = draw(st.lists(value, min_size=len(FAULT_MODES), max_size=len(FAULT_MODES), unique=True))
    header = "X-" + draw(words).capitalize() + "-" + draw(words).capitalize()
    pointer = draw(st.sampled_from([f"/{outer}/{inner}", f"header:X-{outer.capitalize()}-State"]))
    return ProbeShape(draw(st.sampled_from(["application/json", "application/health+json"])),
                      draw(st.sampled_from(["pointer", "status", "both"])), pointer,
                      draw(st.sampled_from(["degraded", "impaired", "warn"])), header,
                      dict(zip(FAULT_MODES, values, strict=True)))


@st.composite
def shapes(draw: st.DrawFn) -> Shape:
    prefix = "/" + "/".join(draw(st.lists(words, min_size=0, max_size=2)))
    prefix = "" if prefix == "/" else prefix
    segs = draw(names(11))
    entity, offer, ack = draw(st.tuples(entities(segs[0]), entities(segs[1], in_body=True), entities(segs[9]))
                              .filter(lambda kinds: _distinct(list(kinds))))
    job = None if draw(st.booleans()) else draw(st.builds(
        JobShape, st.sampled_from(["/links/self", "header:Location"]), st.text(LOWER, min_size=2, max_size=4),
        names(3).map(tuple)))
    errors = ErrorShape(draw(st.sampled_from([400, 422])),
                        draw(st.one_of(st.none(), words.filter(lambda w: w not in ("error", "trace")))))
    return Shape(prefix, draw(operations(prefix, entity, ack, segs, job is not None)), entity, offer, ack, job,
                 draw(streams(prefix, segs[8])), draw(auths()), draw(moneys()), draw(probes()), errors)


def build(shape: Shape) -> dict[str, Any]:
    """The spec a shape describes, written onto the template one dimension at a time."""
    data = template()
    for dimension in (build_streams, build_auth, build_money, build_probes, build_ops):  # paths move last
        data = dimension.apply(data, shape)
    data["info"]["title"] = "generated neuron " + shape.ops["risk"].operation_id
    return data


def specs() -> st.SearchStrategy[tuple[Shape, dict[str, Any]]]:
    return shapes().map(lambda shape: (shape, build(shape)))
