"""Schema questions the MCP checks ask: is a server's inputSchema compatible with the declared
parameters, and does a tool result match the declared returns?

"Compatible" means a caller who follows the contract is never refused for it: every declared
parameter is known to the server, the server requires nothing the contract leaves optional, and
every argument the contract allows (its examples, plus generated instances) passes the server's
own inputSchema. A server may be more lenient than the contract; it may not be stricter.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.validators import validator_for


def server_validator(schema: Any) -> Any:
    """A validator for a schema a server advertised (its own ``$schema`` dialect, formats not asserted)."""
    if not isinstance(schema, dict | bool):
        schema = {}
    cls = validator_for(schema, default=Draft202012Validator) if isinstance(schema, dict) else Draft202012Validator
    return cls(schema)


def contract_validator(schema: Any) -> Any:
    return Draft202012Validator(schema, format_checker=FormatChecker())


def incompatibilities(declared: dict[str, Any], actual: Any, instances: list[Any]) -> list[str]:
    """Why ``actual`` (a tool's inputSchema) would refuse calls ``declared`` allows; empty if none."""
    problems: list[str] = []
    if not isinstance(actual, dict):
        return [f"inputSchema is not a JSON object schema: {json.dumps(actual)[:200]}"]
    if actual.get("type", "object") != "object":
        problems.append(f"inputSchema has type {actual.get('type')!r}, not 'object'")
    declared_props = set((declared.get("properties") or {}).keys())
    actual_props = set((actual.get("properties") or {}).keys())
    closed = actual.get("additionalProperties") is False
    missing = sorted(declared_props - actual_props) if (closed or actual_props) else []
    if missing:
        problems.append(f"declared parameter(s) {missing} are not in the server's inputSchema "
                        f"(it has {sorted(actual_props)})")
    declared_required = set(declared.get("required") or ())
    extra_required = sorted(set(actual.get("required") or ()) - declared_required)
    if extra_required:
        problems.append(f"the server requires {extra_required}, which the contract does not make required")
    validator = server_validator(actual)
    for instance in instances:
        error = next(iter(validator.iter_errors(instance)), None)
        if error is not None:
            where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
            problems.append(f"arguments the contract allows are refused by the inputSchema: "
                            f"{json.dumps(instance)[:200]} -> {where}: {error.message[:200]}")
            break
    return problems


def result_payloads(result: Any) -> list[tuple[str, Any]]:
    """The values a result offers for validation: structuredContent, else JSON text (else raw text).

    structuredContent must be a JSON object, so a tool whose declared result is not an object can
    only carry it wrapped; ``{"result": value}`` (the convention of the SDKs) is unwrapped too.
    """
    structured = getattr(result, "structured_content", None)
    if structured is not None:
        payloads = [("structuredContent", structured)]
        if isinstance(structured, dict) and list(structured) == ["result"]:
            payloads.append(("structuredContent.result", structured["result"]))
        return payloads
    texts = [c.text for c in getattr(result, "content", None) or [] if getattr(c, "type", None) == "text"]
    if not texts:
        kinds = sorted({str(getattr(c, "type", "?")) for c in getattr(result, "content", None) or []})
        return [("content", {"content_types": kinds})]
    text = texts[0] if len(texts) == 1 else "\n".join(texts)
    candidates: list[tuple[str, Any]] = []
    with contextlib.suppress(ValueError):
        candidates.append(("JSON text content", json.loads(text)))
    candidates.append(("text content", text))
    return candidates


def return_problem(returns: Any, result: Any) -> str | None:
    """None when the result matches the declared returns, else why not."""
    if returns in ({}, True):
        return None
    validator = contract_validator(returns)
    problems = []
    for label, value in result_payloads(result):
        error = next(iter(validator.iter_errors(value)), None)
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        problems.append(f"{label} at {where}: {error.message[:300]}")
    return "; ".join(problems)
