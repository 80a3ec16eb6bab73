"""The contract model, argument generation and the schema questions the checks ask."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from mcp_types import CallToolResult, TextContent

from contractkit.conformance.mcp.generate import invalid_arguments, sample_valid
from contractkit.conformance.mcp.schemas import incompatibilities, return_problem
from contractkit.errors import ConfigError, RefError
from contractkit.spec.mcp import inline_refs, load_contract


def test_bundled_contract_inlines_refs():
    crm = load_contract().server("crm-data-mcp")
    get_customer = crm.tool("get_customer")
    assert get_customer is not None and get_customer.scope == "crm.read"
    assert get_customer.parameters["properties"]["customer_id"] == {"type": "string", "format": "uuid"}
    assert "$ref" not in str(get_customer.returns)
    assert crm.service_token_scopes == ("engine.customers.read",)
    assert crm.tool_scopes == {"get_customer": "crm.read", "search_customers": "crm.read"}


def test_unknown_server_and_bad_refs_are_config_errors():
    with pytest.raises(ConfigError, match="declares no MCP server named 'nope'"):
        load_contract().server("nope")
    with pytest.raises(RefError, match="cyclic"):
        inline_refs({"$ref": "#/$defs/A"}, {"$defs": {"A": {"$ref": "#/$defs/A"}}})
    with pytest.raises(RefError, match="only local"):
        inline_refs({"$ref": "https://example.com/s.json"}, {})


def test_generated_arguments_are_valid_and_mutations_are_not():
    params = load_contract().server("document-retrieval-mcp").tool("search_documents").parameters
    validator = Draft202012Validator(params, format_checker=FormatChecker())
    samples = sample_valid(params, 15)
    assert len(samples) >= 5 and all(validator.is_valid(s) for s in samples)
    broken = invalid_arguments(params, [{"query": "renewal"}], 50)
    reasons = [why for why, _ in broken]
    assert all(not validator.is_valid(args) for _, args in broken)
    for expected in ("required property 'query' left out", "'query' shorter than minLength",
                     "'limit' beyond its maximum", "'customer_id' not in format uuid", "an undeclared property"):
        assert expected in reasons


def test_compatibility_catches_drift_and_allows_leniency():
    declared = {"type": "object", "required": ["query"], "additionalProperties": False,
                "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "maximum": 10}}}
    lenient = {"type": "object", "properties": {"query": {"type": "string"}, "limit": {"type": "number"}}}
    assert incompatibilities(declared, lenient, [{"query": "a", "limit": 3}]) == []
    renamed = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"},
                                                                      "limit": {"type": "integer"}}}
    problems = incompatibilities(declared, renamed, [{"query": "a"}])
    assert any("'query'" in p for p in problems) and any("requires ['text']" in p for p in problems)
    retyped = {"type": "object", "properties": {"query": {"type": "integer"}, "limit": {"type": "integer"}}}
    assert any("refused by the inputSchema" in p for p in incompatibilities(declared, retyped, [{"query": "a"}]))


def test_return_validation_reads_structured_then_json_then_text():
    returns = {"type": "object", "required": ["total"], "properties": {"total": {"type": "integer"}}}
    good = CallToolResult(content=[TextContent(type="text", text="{}")], structured_content={"total": 2})
    bad = CallToolResult(content=[TextContent(type="text", text='{"total": 2}')], structured_content={"total": "2"})
    as_text = CallToolResult(content=[TextContent(type="text", text='{"total": 3}')])
    assert return_problem(returns, good) is None
    assert "structuredContent" in (return_problem(returns, bad) or "")
    assert return_problem(returns, as_text) is None
    plain = CallToolResult(content=[TextContent(type="text", text="Echo: hi")])
    assert return_problem({"type": "string", "pattern": "^Echo: "}, plain) is None
    assert return_problem({"type": "string", "pattern": "^Sum"}, plain) is not None


def test_a_wrapped_non_object_result_is_unwrapped():
    wrapped = CallToolResult(content=[TextContent(type="text", text="v")], structured_content={"result": "v"})
    assert return_problem({"type": "string"}, wrapped) is None
    assert return_problem({"type": "integer"}, wrapped) is not None


def test_a_recursive_schema_keeps_its_refs_and_still_validates_and_generates():
    from contractkit.spec.mcp import resolve_schema

    root = {"$defs": {"Node": {"type": "object", "required": ["name"], "additionalProperties": False,
                               "properties": {"name": {"type": "string"},
                                              "children": {"type": "array", "maxItems": 2,
                                                           "items": {"$ref": "#/$defs/Node"}}}}}}
    schema = resolve_schema({"$ref": "#/$defs/Node"}, root)
    validator = Draft202012Validator(schema)
    assert validator.is_valid({"name": "a", "children": [{"name": "b"}]})
    assert not validator.is_valid({"name": "a", "children": [{"nom": "b"}]})
    assert all(validator.is_valid(v) for v in sample_valid(schema, 5))
