"""The semver gate's arithmetic, and the differ's calm on strange but parseable specs."""

from __future__ import annotations

import pytest

from contractkit.diff import diff_data, gate
from contractkit.diff.model import Change
from contractkit.diff.semver import bump_between


def changes(*ids: str) -> list[Change]:
    return [Change(i, "m", f"/{n}") for n, i in enumerate(ids)]


BREAKING, POSSIBLY, ADDITIVE = "OAS-OP-REMOVED", "OAS-RATE-LIMIT-TIGHTENED", "OAS-OP-ADDED"


@pytest.mark.parametrize("base,head,bump", [
    ("1.0.0", "2.0.0", "major"), ("1.0.0", "1.1.0", "minor"), ("1.0.0", "1.0.1", "patch"), ("1.0.0", "1.0.0", "none"),
    ("1.2.0", "1.1.0", "downgrade"), ("2023-02", "2023-09", "unknown"), (None, "1.0.0", "unknown"),
    ("v1.0.0", "v2.0.0-rc.1", "major"),
])
def test_bump_between(base, head, bump) -> None:
    assert bump_between(base, head) == bump


def test_breaking_needs_major_and_below_one_a_minor() -> None:
    assert not gate(changes(BREAKING), "1.4.0", "1.5.0", "breaking").passed
    assert gate(changes(BREAKING), "1.4.0", "2.0.0", "breaking").passed
    assert gate(changes(BREAKING), "0.4.0", "0.5.0", "breaking").passed
    assert not gate(changes(BREAKING), "0.4.0", "0.4.1", "breaking").passed
    assert gate(changes(BREAKING), "0.4.0", "0.5.0", "breaking").required_bump == "minor"


def test_fail_on_thresholds() -> None:
    assert gate(changes(POSSIBLY), "1.0.0", "1.0.0", "breaking").passed
    verdict = gate(changes(POSSIBLY), "1.0.0", "1.1.0", "possibly-breaking")
    assert not verdict.passed and verdict.required_bump == "major"
    assert gate(changes(ADDITIVE), "1.0.0", "1.0.0", "breaking").passed
    assert not gate(changes(ADDITIVE), "1.0.0", "1.0.1", "non-breaking").passed
    assert gate(changes(ADDITIVE), "1.0.0", "1.1.0", "non-breaking").passed
    assert gate(changes(BREAKING), "1.0.0", "1.0.0", "none").passed
    assert gate([], "1.0.0", "1.0.0", "non-breaking").passed


def test_unjudgeable_versions_fail_only_when_something_is_gated() -> None:
    assert not gate(changes(BREAKING), "2023-02-01", "2023-09-01", "breaking").passed
    assert gate(changes(ADDITIVE), "2023-02-01", "2023-09-01", "breaking").passed
    assert not gate(changes(BREAKING), "2.0.0", "1.0.0", "breaking").passed


STRANGE = [
    {"openapi": "3.1.0", "paths": []},
    {"openapi": "3.1.0", "paths": {"/a": None}},
    {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": "nope", "parameters": [None, {"in": "query"}]}}}},
    {"openapi": "3.1.0", "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {"schema": True}}},
                                                   "responses": {200: {"description": "int key"}}}}}},
    {"openapi": "3.1.0", "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/nowhere"}}}}}},
    {"openapi": "3.1.0", "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
     "components": {"pathItems": {"A": {"$ref": "#/components/pathItems/B"},
                                  "B": {"$ref": "#/components/pathItems/A"}}}},
    {"openapi": "3.1.0",
     "paths": {"/a": {"post": {"requestBody": {"content": {"application/json": {
         "schema": {"$ref": "#/components/schemas/X"}}}}}}},
     "components": {"schemas": {"X": {"allOf": [{"$ref": "#/components/schemas/X"}], "type": ["string", 3],
                                      "enum": [{"a": [1]}], "maximum": "ten", "items": [1, 2]}}}},
    {"openapi": "3.1.0", "security": "all",
     "paths": {"/a": {"get": {"security": [None, {"x": None}], "x-rate-limit": {"requests": "many"},
                              "x-ai-operation": {"deadline_ms": "soon"}}}}},
    {"openapi": "3.1.0", "x-websockets": {"/ws": {"server_messages": {"oneOf": [1, None, {"type": "object"}]}}}},
]


@pytest.mark.parametrize("a", range(len(STRANGE)))
def test_strange_specs_do_not_crash(a: int) -> None:
    for b in range(len(STRANGE)):
        diff_data(STRANGE[a], STRANGE[b])


def test_strange_mcp_documents_do_not_crash() -> None:
    docs = [
        {"format": "contractkit/mcp-servers@1", "servers": None},
        {"format": "contractkit/mcp-servers@1", "servers": [1, {"name": "s", "tools": "x"}]},
        {"format": "contractkit/mcp-servers@1",
         "servers": [{"name": "s", "tools": [{"name": "t", "parameters": False}],
                      "rate_limit": {"requests": 1, "window_seconds": 0}, "authentication": "bearer"}]},
    ]
    for a in docs:
        for b in docs:
            diff_data(a, b)
