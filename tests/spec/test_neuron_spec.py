"""The spec model reads a user's spec as the user wrote it, not as the bundled spec happens to be."""

from __future__ import annotations

from typing import Any

import pytest

from contractkit.conformance.neuron.requests import build, invalid_values, synthesize, unknown_value
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.neuron import NeuronSpec, StreamGrammar


def spec(paths: dict[str, Any], **extra: Any) -> NeuronSpec:
    return NeuronSpec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": paths, **extra})


def op_of(model: NeuronSpec):
    (op,) = model.operations
    return op


def test_an_empty_security_requirement_makes_the_operation_anonymous() -> None:
    model = spec({"/a": {"get": {"security": [{"oauth": ["x"]}, {}], "responses": {"200": {"description": "ok"}}}}},
                 security=[{"oauth": ["y"]}])
    assert op_of(model).scopes is None and not op_of(model).authenticated
    inherited = spec({"/a": {"get": {"responses": {"200": {"description": "ok"}}}}}, security=[{"oauth": ["y"]}])
    assert op_of(inherited).scopes == ("y",)


def test_a_plus_json_body_and_named_examples_are_read() -> None:
    body = {"content": {"application/vnd.acme+json": {
        "schema": {"type": "object", "required": ["q"], "properties": {"q": {"type": "string"}}},
        "examples": {"first": {"value": {"q": "hello"}}}}}}
    op = op_of(spec({"/a": {"post": {"requestBody": body, "responses": {"200": {"description": "ok"}}}}}))
    assert op.request_media == "application/vnd.acme+json"
    assert op.example_body == {"q": "hello"}


def test_a_body_without_example_is_built_from_its_schema_and_checked() -> None:
    schema = {"type": "object", "required": ["account", "n", "tags"], "properties": {
        "account": {"type": "object", "required": ["ref"], "properties": {"ref": {"type": "string", "format": "uuid"}}},
        "n": {"type": "integer", "minimum": 3}, "tags": {"type": "array", "minItems": 1, "items": {"enum": ["a"]}},
        "optional": {"type": "string"}}}
    model = spec({"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}},
                                  "responses": {"200": {"description": "ok"}}}}})
    body = synthesize(model, schema)
    assert model.errors(schema, body) == []
    assert body["n"] == 3 and body["tags"] == ["a"] and "optional" not in body
    assert build(model, op_of(model), None).body == body


def test_a_merge_patch_body_with_min_properties_gets_as_many_optional_members() -> None:
    schema = {"type": "object", "minProperties": 1, "additionalProperties": False, "properties": {
        "name": {"type": "string", "pattern": "^[A-Z]{3}$"}, "days": {"type": "integer", "minimum": 0}}}
    media = {"application/merge-patch+json": {"schema": schema}}
    model = spec({"/a": {"patch": {"requestBody": {"content": media}, "responses": {"200": {"description": "ok"}}}}})
    body = build(model, op_of(model), None).body
    assert model.errors(schema, body) == [] and len(body) == 1


def test_a_body_no_simple_value_satisfies_is_not_verified_not_guessed() -> None:
    schema = {"type": "object", "required": ["code"],
              "properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"}}}
    model = spec({"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}},
                                  "responses": {"200": {"description": "ok"}}}}})
    with pytest.raises(NotVerified, match="give the request body an example"):
        build(model, op_of(model), None)


def test_path_query_and_header_parameters_are_filled_and_the_subject_placed() -> None:
    model = spec({"/c/{id}/risk": {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "get": {"parameters": [
            {"name": "days", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 7}},
            {"name": "X-Tenant", "in": "header", "required": True, "schema": {"type": "string"}, "example": "acme"}],
            "x-ai-operation": {"deadline_ms": 1, "fallback": {"mode": "unavailable"},
                               "subject": {"in": "path", "name": "id"}},
            "responses": {"200": {"description": "ok"}}}}})
    parts = build(model, op_of(model), "cus_1")
    assert parts.target("/c/{id}/risk") == "/c/cus_1/risk?days=7"
    assert parts.headers == {"X-Tenant": "acme"}


def test_unknown_values_keep_the_pattern_and_invalid_values_break_the_schema() -> None:
    model = spec({})
    assert unknown_value(model, {"type": "string", "pattern": "^cus_[0-9a-f]{12}$"}, ["cus_3f1c9a07b2de"], 0,
                         "path") == "cus_8f6c4a52b7de"
    assert unknown_value(model, {"type": "string", "pattern": "^[a-z]+$"}, ["acme"], 0, "query") == "acmf"
    assert set(invalid_values({"type": "integer", "minimum": 7, "maximum": 365})) == {"not-a-number", 366, 6}
    assert invalid_values({"type": "string"}) == []


def test_a_stream_grammar_needs_its_four_roles() -> None:
    assert StreamGrammar.read({"opens": ["o"], "deltas": ["t"], "ends": ["c"]}) is None
    grammar = StreamGrammar.read({"opens": ["o"], "deltas": ["t"], "ends": ["c"], "errors": ["f"], "text": "/t"})
    assert grammar is not None and grammar.terminal == ("c", "f") and grammar.text == "/t"


def _stream_op(x_stream: dict[str, Any]):
    media = {"schema": {"type": "object"}, "x-sse-events": {"start": {}, "delta": {}, "done": {}, "error": {}},
             "x-stream": x_stream}
    return op_of(spec({"/s": {"post": {"responses": {"200": {"description": "ok",
                                                               "content": {"text/event-stream": media}}}}}}))


def test_sse_frames_are_typed_by_the_event_field_or_by_the_declared_data_field() -> None:
    from contractkit.conformance.http import Exchange
    from contractkit.conformance.neuron.frames import stream_frames

    body = b'data: {"type": "start"}\n\ndata: {"type": "delta", "t": "hi"}\n\nevent: x\ndata: {"type": "done"}\n\n'
    exchange = Exchange("POST", "http://t/s", {}, None, status=200, body=body)
    roles = {"opens": ["start"], "deltas": ["delta"], "ends": ["done"], "errors": ["error"]}
    assert [k for k, _ in stream_frames(exchange, _stream_op(roles))] == ["message", "message", "x"]
    typed = stream_frames(exchange, _stream_op({**roles, "type_field": "/type"}))
    assert [k for k, _ in typed] == ["start", "delta", "done"]
