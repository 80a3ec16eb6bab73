"""The generator's own tests: the spec model reads back every fact a generated spec was made with
(the generator records them before the spec exists), and lint finds nothing to say."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, Phase, given, settings

from contractkit.spec.neuron import NeuronSpec, StreamGrammar
from property.specgen.shape import ROLES, Shape
from property.specgen.strategies import specs

NO_EXPLAIN = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
FAST = settings(max_examples=25, deadline=None, phases=NO_EXPLAIN, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(specs())
def test_the_spec_model_reads_back_every_chosen_fact(generated: tuple[Shape, dict]) -> None:
    shape, data = generated
    spec = NeuronSpec(data)
    by_id = {op.operation_id: op for op in spec.operations}
    assert set(shape.ops) <= set(ROLES) and len(spec.operations) == len(shape.ops)
    for role, chosen in shape.ops.items():
        op = by_id[chosen.operation_id]
        assert (op.path, op.method.upper()) == (chosen.path, chosen.method), role
        assert chosen.success in op.responses and not any(s.startswith("2") and s != chosen.success
                                                          for s in op.responses), role
        if chosen.deadline_ms is not None:
            assert op.deadline_s == chosen.deadline_ms / 1000, role
        if chosen.rate_limit is not None:
            assert op.rate_limit is not None and op.rate_limit[0] == chosen.rate_limit, role
        else:
            assert op.rate_limit is None, role
        if role in ("risk", "offer", "reply", "stream"):
            assert op.declares(shape.errors.invalid_status) and not op.declares(
                {400: 422, 422: 400}[shape.errors.invalid_status]), role
    entity = shape.entity
    risk = by_id[shape.ops["risk"].operation_id]
    offer = by_id[shape.ops["offer" if "offer" in shape.ops else "job"].operation_id]
    named = [(risk, entity), (offer, shape.offer_entity)]
    if "ack" in shape.ops:
        ack = by_id[shape.ops["ack"].operation_id]
        named.append((ack, shape.ack_entity))
        assert ack.ai is None
        if shape.ops["ack"].success == "204":
            assert not ack.responses["204"].content
    for op, kind in named:
        assert op.subject.not_found_status == kind.not_found_status, op.label
        if op.subject.location == "body":
            assert op.subject.name == kind.name and kind.location == "body", op.label
            holder = spec.deref(spec.deref(op.request_schema)["properties"][kind.name.split("/")[1]])
            pattern = spec.deref(holder["properties"][kind.name.split("/")[2]])["pattern"]
        else:
            assert (op.subject.location, op.subject.name) == (kind.location, kind.name), op.label
            assert op.subject_example == kind.example, op.label
            param = next(p for p in op.parameters if p.name == kind.name)
            pattern = spec.deref(param.schema)["pattern"]
        assert pattern == kind.pattern, op.label
    assert ("offer" in shape.ops) == (shape.job is None)
    if (shape.ops.get("offer") or shape.ops["job"]).success == "201":
        assert "location" in {h.lower() for h in offer.responses["201"].headers}
    stream = by_id[shape.ops["stream"].operation_id]
    assert stream.grammar.type_field == (None if shape.stream.sse_typed_by == "event" else shape.stream.sse_typed_by)
    assert stream.stream_of == shape.ops["reply"].operation_id
    ws = spec.websockets[shape.stream.ws_path]
    assert ws["auth"]["methods"] == [shape.stream.ws_auth]
    if shape.stream.ws_subprotocol is not None:
        prefix, encoding, protocol = shape.stream.ws_subprotocol
        assert ws["auth"]["subprotocol"] == {"token_prefix": prefix, "encoding": encoding, "protocols": [protocol]}
    ws_grammar = StreamGrammar.read(ws["x-stream"])
    assert ws_grammar.connection == shape.stream.ws_connection
    assert ws["auth"]["failure_close_code"] == shape.stream.ws_failure_close_code
    assert str(shape.stream.ws_failure_close_code) in ws["close_codes"]
    assert ws["x-stream"]["type_field"] == shape.stream.ws_type_field
    opening, delta, ending, error = shape.stream.ws_frames
    assert (ws["x-stream"]["opens"], ws["x-stream"]["deltas"], ws["x-stream"]["ends"], ws["x-stream"]["errors"]) == (
        [opening], [delta], [ending], [error])
    grammar = stream.grammar
    holder = f"/{shape.stream.delta_holder}" if shape.stream.delta_holder else ""
    assert (grammar.text, grammar.index) == (f"{holder}/t", f"{holder}/i")
    assert (ws["x-stream"]["text"], ws["x-stream"]["index"]) == (f"{holder}/t", f"{holder}/i")
    assert grammar.names == shape.stream.sse_frames and set(stream.event_schemas) == set(shape.stream.sse_frames)
    if shape.stream.ws_auth == "query":
        assert ws["auth"]["query_parameter"] == shape.stream.ws_query_parameter
    if shape.stream.ws_login_pointer:
        from contractkit.spec.neuron import pointer_get
        assert pointer_get(ws["auth"]["message"], shape.stream.ws_login_pointer) == "{token}"
    auth = shape.auth
    key_schemes = [s for s in spec.security_schemes.values() if s.api_key]
    assert [(s.location, s.param) for s in key_schemes] == ([auth.api_key] if auth.api_key else [])
    kinds = {"oauth": [{"oauth"}], "key_and_oauth": [{"key", "oauth"}], "key_or_oauth": [{"key"}, {"oauth"}],
             "key": [{"key"}]}
    for op, chosen in ((risk, auth.risk_security), (by_id.get(shape.ops["ack"].operation_id) if "ack" in shape.ops
                                                     else None, auth.ack_security)):
        if op is not None:
            assert [{"key" if r.scheme.api_key else "oauth" for r in alt.requirements}
                    for alt in op.security] == kinds[chosen], op.label
            assert op.scopes == (() if chosen == "key" else (auth.read_scope,)), op.label
    assert spec.token_url == auth.token_url and spec.audience == auth.audience
    assert spec.token_request == {"auth_method": auth.auth_method, "audience_parameter": auth.audience_parameter}
    assert set(spec.all_scopes) == {auth.read_scope, auth.write_scope}
    assert risk.scopes == (auth.read_scope,)
    money = shape.money
    rates = dict(zip(money.tiers, money.usd_per_1k, strict=True))
    if money.tier_source == "only":
        rates = {money.tiers[0]: money.usd_per_1k[0]}
    assert spec.pricing["usd_per_1k_tokens"] == rates
    assert spec.pricing.get("rounding_decimals") == money.rounding_decimals
    assert (risk.usage.token_count, risk.usage.cost_usd) == money.risk_usage_at
    assert offer.usage.cost_usd.endswith(f"/usage/{money.cost_field}")
    assert stream.grammar.usage.cost_usd == f"/usage/{money.cost_field}"
    ais = [op.ai for op in spec.operations if op.ai is not None] + [ws["x-ai-operation"]]
    if money.tier_source == "pointer":
        assert risk.usage.model_tier == "/model" and stream.grammar.usage.model_tier == "/model"
        ending = spec.deref(stream.event_schemas[shape.stream.sse_frames[2]])
        opening = spec.deref(stream.event_schemas[shape.stream.sse_frames[0]])
        assert ("model" in ending["properties"]) == (money.stream_tier_frame == "ending") and "model" in opening[
            "properties"]
    else:
        assert risk.usage.model_tier is None and stream.grammar.usage.model_tier is None
        assert all(("default_model_tier" in ai) == (money.tier_source == "default") for ai in ais)
    ready = spec.probe("readiness")
    assert ready.operation_id == shape.ops["readyz"].operation_id
    assert shape.probes.readiness_media in ready.responses["200"].content
    by = shape.probes.degraded_by
    assert ready.probe["degraded"].get("status") == ([503] if by in ("status", "both") else None)
    if by in ("pointer", "both"):
        assert (ready.probe["degraded"]["pointer"], ready.probe["degraded"]["values"]) == (
            shape.probes.degraded_pointer, [shape.probes.degraded_value])
        if shape.probes.degraded_pointer.startswith("header:"):
            name = shape.probes.degraded_pointer.removeprefix("header:").lower()
            assert name in {h.lower() for h in ready.responses["200"].headers}
    else:
        assert "pointer" not in ready.probe["degraded"]
    assert ready.declares(503) == (by != "pointer")
    assert spec.fault_injection["header"] == shape.probes.fault_header
    for mode, value in shape.probes.fault_values.items():
        assert spec.fault_value(mode) == value
    if shape.job is not None:
        start, get = by_id[shape.ops["job"].operation_id], by_id[shape.ops["job_get"].operation_id]
        job = start.job
        assert job.operation == get.operation_id and job.location == shape.job.location
        assert (job.pending, job.done, job.failed) == tuple((s,) for s in shape.job.states)
        assert get.subject is not None and get.subject_example == f"{shape.job.id_prefix}-000000000000"
        assert start.declares(202) and get.method.upper() == "GET"
        if shape.job.location.startswith("header:"):
            assert "location" in {h.lower() for h in start.responses["202"].headers}
    else:
        assert not any(op.job for op in spec.operations)
    error = spec.error_schema(risk, shape.errors.invalid_status) or {}
    if shape.errors.extra_required:
        assert shape.errors.extra_required in spec.deref(error).get("required", [])


@settings(max_examples=4, deadline=None, phases=NO_EXPLAIN,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(specs())
def test_a_generated_spec_lints_clean(tmp_path: Path, generated: tuple[Shape, dict]) -> None:
    from property.lint_gaps import lint

    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(generated[1], sort_keys=False))
    code, output, _ = lint(path)
    assert code == 0 and " 0 errors" in output, output


@settings(max_examples=4, deadline=None, phases=NO_EXPLAIN, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_the_double_mints_and_reads_the_chosen_scope_claim(generated: tuple[Shape, dict]) -> None:
    """The scope claim is the double's fact, not the spec's: its tokens carry their scopes in the
    claim and form drawn, and it reads them back from there."""
    import jwt

    from contractkit.double.auth import SCOPE_CLAIMS, DoubleAuth

    shape, data = generated
    auth = DoubleAuth(NeuronSpec(data), scope_claim=shape.auth.scope_claim)
    assert auth.issuer is not None
    token = auth.issuer.mint("engine", [shape.auth.read_scope], auth.audience)
    claims = jwt.decode(token, options={"verify_signature": False})
    name, as_list = SCOPE_CLAIMS[shape.auth.scope_claim]
    assert claims[name] == ([shape.auth.read_scope] if as_list else shape.auth.read_scope)
    assert set(claims) & {"scope", "scp"} == {name}
    assert auth.verify(f"Bearer {token}", (shape.auth.read_scope,)).scopes == {shape.auth.read_scope}
