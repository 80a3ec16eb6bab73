"""One exception tree: everything the kit reports to a user is a ``ContractkitError`` with its exit code."""

from __future__ import annotations

import ast
from pathlib import Path

from contractkit import errors
from contractkit.conformance.mcp.client import CallTimeout, SessionLost
from contractkit.errors import ContractkitError, exit_code
from contractkit.llm.errors import ProviderError, ProviderTimeoutError

SRC = Path(__file__).resolve().parent.parent / "src" / "contractkit"

# Exceptions outside the tree, each for a reason: they never reach a user.
NOT_ERRORS_OF_THE_KIT = {
    "ProblemError": "reference neuron/: becomes an HTTP problem answer",
    "InvalidTokenError": "reference token verifier: becomes a 401",
    "EngineError": "reference MCP server: becomes a tool error",
    "_Closed": "reference neuron/ WebSocket: control flow of a closed socket",
    "_TooLarge": "token source: control flow, turned into a ConfigError",
    "Unproven": "lint fast path: falls back to the full validator",
    "Unmodelled": "lint example check: a schema the compiled validators do not reproduce goes to the reference",
    "CheckSignal": "a check's outcome (violation, not verified, warning), not an error",
    "AuthFailure": "neuron double: becomes a 401/403 answer or a WebSocket close",
    "Refusal": "neuron double: bad input, becomes the spec's error answer",
    "_Close": "neuron double WebSocket: control flow of a closed socket",
    "EvidenceError": "evidence ledger: a pass without its evidence, reported as not verified (strict: exit 3)",
}
BUILTIN_BASES = {"Exception", "BaseException", "RuntimeError", "ValueError", "OSError", "LookupError", "KeyError"}


def test_every_exception_class_is_in_the_tree_or_says_why_not() -> None:
    outside = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b) in BUILTIN_BASES for b in node.bases):
                outside.add(node.name)
    outside.discard("ContractkitError")
    assert outside <= set(NOT_ERRORS_OF_THE_KIT), sorted(outside - set(NOT_ERRORS_OF_THE_KIT))


def test_transport_and_provider_failures_join_the_tree() -> None:
    for cls in (CallTimeout, SessionLost):
        assert issubclass(cls, errors.ExchangeError) and not issubclass(cls, errors.TargetError)
    assert issubclass(ProviderError, ContractkitError)
    assert ProviderTimeoutError("slow", provider="x").one_line() == "slow"


def test_the_docstring_draws_every_class_of_the_tree() -> None:
    classes = [name for name, value in vars(errors).items()
               if isinstance(value, type) and issubclass(value, ContractkitError) and name != "ProviderFailure"]
    for name in classes:
        assert name in (errors.__doc__ or ""), name


def test_exit_codes_are_decided_in_one_place() -> None:
    assert exit_code(errors.SpecReadError("x")) == 2
    assert exit_code(errors.TargetUnreachableError("x")) == 2
    assert exit_code(errors.SuiteAbortedError("x")) == 3
    assert exit_code(KeyboardInterrupt()) == 130
    assert exit_code(ZeroDivisionError()) == 3
