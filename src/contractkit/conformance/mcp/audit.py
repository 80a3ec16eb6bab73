"""The audit-log rules: every call recorded once with the declared fields, and no secret in the log.

What a record looks like is the spec's to say: ``audit_log.fields`` lists the fields and
``audit_log.keys`` the key each is written under; ``audit_log.redact`` names the argument keys
whose values must never be logged. A fact the rule needs and the spec does not declare leaves it
not verified, naming the declaration. Only records written since the run started are read.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from typing import Any

from contractkit.conformance.mcp.generate import invalid_arguments
from contractkit.conformance.mcp.target import McpTarget
from contractkit.conformance.outcomes import Evidence, Examined, NotVerified, Violation
from contractkit.conformance.redaction import REDACTOR
from contractkit.conformance.registry import MCP_CHECKS

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+")
_MAX_AUDIT_BYTES = 8 * 1024 * 1024


def _read_from(path: Any, offset: int) -> str:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return fh.read(_MAX_AUDIT_BYTES).decode("utf-8", errors="replace")


def _audit_setup(target: McpTarget) -> Any:
    audit = target.contract.audit or {}
    if not audit.get("required"):
        raise NotVerified("the spec does not require an audit log for this server")
    path = target.options.audit_log
    if path is None:
        raise NotVerified("no audit log given (--audit-log PATH)")
    if "audit_start" not in target.notes:  # where this run's records begin (the log may hold older ones)
        target.notes["audit_start"] = _size(path)
    return path


def _declared(target: McpTarget, *needed: str) -> dict[str, str]:
    """The record's keys by field; NotVerified naming the declaration when a needed field is not declared."""
    fields = target.contract.audit_fields
    if fields is None:
        raise NotVerified("the spec does not declare audit_log.fields, so what a record carries is not said")
    missing = [f for f in needed if f not in fields]
    if missing:
        raise NotVerified(f"the spec's audit_log.fields does not declare {', '.join(missing)}, so a call cannot be "
                          "matched to its record")
    return fields


def _size(path: Any) -> int:
    """The log's current size; 0 when it does not exist yet (a server may create it on its first call)."""
    try:
        return int(path.stat().st_size)
    except FileNotFoundError:
        return 0


def _new_text(path: Any, offset: int, settle_s: float = 3.0, wanted: int = 1) -> str:
    """What the log gained since ``offset``, waiting up to ``settle_s`` for ``wanted`` new lines."""
    deadline = time.monotonic() + settle_s
    while True:
        text = _read_from(path, offset) if path.exists() else ""
        if sum(1 for line in text.splitlines() if line.strip()) >= wanted or time.monotonic() > deadline:
            return text
        time.sleep(0.1)


@MCP_CHECKS.register(
    "MCP-AUDIT-001", "every tool call is in the audit log once, with the declared fields",
    kind="audit", clause="mcp-servers.yaml servers[].audit_log (fields, format jsonl)", tags=("audit",),
)
def check_audit_complete(target: McpTarget) -> Examined:
    """What it does: notes the end of the audit log, calls every declared tool once with valid
    arguments and once more with invalid ones, then reads the new records: each call must appear
    exactly once (matched by tool and arguments), as one JSON object per line carrying every
    field the spec lists, with a parseable time, a non-negative duration, an outcome that tells
    the refused call from the successful ones and, over HTTP, the suite's client id as caller.

    Why: an audit trail with gaps cannot answer "who read this customer's record".
    """
    path = _audit_setup(target)
    keys = _declared(target, "tool", "arguments")
    fields = list(keys)
    calls = target.sample_calls()

    first = target.contract.tool(calls[0][0])
    bad = invalid_arguments(first.parameters, [calls[0][1]], 1) if first else []
    calls += [(calls[0][0], args) for _, args in bad]
    offset = _size(path)
    succeeded = [target.attempt(name, args) for name, args in calls]
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    deadline = time.monotonic() + 3.0
    while True:
        text = _read_from(path, offset) if path.exists() else ""
        records, problems = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                problems.append(f"new line {number} is not JSON: {line[:120]!r}")
                continue
            if isinstance(record, dict):
                records.append(record)
        missing = [c for c in calls if _matches(records, keys, *c) < 1]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if not path.exists():
        raise Violation(f"{len(calls)} tool call(s) were made and the audit log {path} was never written",
                        operation="audit log")
    expected_caller = target.credentials.client_id if (target.needs_token and target.credentials) else None
    for name, args in calls:
        matching = [r for r in records if _same_call(r, keys, name, args)]
        want = sum(1 for c in calls if c == (name, args))
        if len(matching) != want:
            problems.append(f"{name} {json.dumps(args)[:120]}: {len(matching)} audit record(s), expected {want}")
            continue
        for record in matching:
            absent = [keys[f] for f in fields if keys[f] not in record]
            if absent:
                problems.append(f"{name}: record lacks {absent}")
            when = record.get(keys.get("time", ""))
            if "time" in keys and not _is_time(when):
                problems.append(f"{name}: {keys['time']} {when!r} is not an ISO 8601 timestamp")
            caller = record.get(keys.get("caller", ""))
            if expected_caller and "caller" in keys and expected_caller not in str(caller):
                problems.append(f"{name}: {keys['caller']} is {caller!r}, not the suite's {expected_caller!r}")
            duration = record.get(keys.get("duration_ms", ""))
            if "duration_ms" in keys and not (isinstance(duration, int | float) and duration >= 0):
                problems.append(f"{name}: {keys['duration_ms']} is {duration!r}, not a non-negative number")
    if "outcome" in keys and bad:
        good_outcomes = {str(r.get(keys["outcome"])) for c, ok in zip(calls, succeeded, strict=True) if ok
                         for r in records if _same_call(r, keys, *c)}
        bad_outcomes = {str(r.get(keys["outcome"])) for c, ok in zip(calls[-len(bad):], succeeded[-len(bad):],
                                                                      strict=True)
                        if not ok for r in records if _same_call(r, keys, *c)}
        if good_outcomes and bad_outcomes and bad_outcomes <= good_outcomes:
            problems.append(f"the refused call is recorded with the same outcome as successful ones "
                            f"({sorted(bad_outcomes)})")
    if problems:
        raise Violation("; ".join(problems[:6]), operation="audit log",
                        evidence=Evidence(notes=[f"audit log: {path}", f"new records read: {len(records)}"]))
    return Examined(len(calls), "audit records", f"{len(calls) - len(bad)} valid and {len(bad)} invalid call(s), "
                    f"each recorded once with {', '.join(fields)}")


def _same_call(record: dict[str, Any], keys: dict[str, str], tool: str, args: dict[str, Any]) -> bool:
    recorded = record.get(keys["arguments"])
    if isinstance(recorded, str):
        try:
            recorded = json.loads(recorded)
        except ValueError:
            return False
    return record.get(keys["tool"]) == tool and recorded == args


def _matches(records: list[dict[str, Any]], keys: dict[str, str], tool: str, args: dict[str, Any]) -> int:
    return sum(1 for r in records if _same_call(r, keys, tool, args))


def _is_time(value: Any) -> bool:
    if not isinstance(value, str):
        return isinstance(value, int | float) and value > 0
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@MCP_CHECKS.register(
    "MCP-AUDIT-002", "the audit log holds no secrets",
    kind="audit", clause="mcp-servers.yaml servers[].audit_log.redact", tags=("audit",),
)
def check_audit_redaction(target: McpTarget) -> Examined:
    """What it does: calls a tool with an extra argument under a key the spec's
    ``audit_log.redact`` names, carrying a canary value; makes sure that call left a new record
    (else there is nothing to judge: not verified); then scans the records written since the run
    started for the canary, the tokens the suite presented, the client secret and anything shaped
    like a JWT. None may appear. A spec that declares no ``redact`` gets the scan without the
    canary (the rule is then partial).

    Why: an audit log is read by more people than the secrets it might capture.
    """
    path = _audit_setup(target)
    start = target.notes["audit_start"]
    name, args = target.sample_calls()[0]
    words = target.contract.audit_redact
    canary = key = None
    offset = _size(path)
    if words:
        key = words[0]
        canary = "ck-canary-" + hashlib.sha256(str(time.time()).encode()).hexdigest()[:16]
        target.attempt(name, {**args, key: canary})
    else:
        target.attempt(name, args)
    new = _new_text(path, offset)
    if not any(line.strip() for line in new.splitlines()):
        raise NotVerified(f"the call of {name} left no new audit record, so there was nothing to scan (whether "
                          "every call is recorded is MCP-AUDIT-001's to judge)")
    text = _read_from(path, start)
    leaks = []
    if canary and canary in text:
        leaks.append(f"the value of a {key!r} argument, which audit_log.redact names")
    secrets = set(target.presented) | set(REDACTOR.secrets)
    if any(s and s in text for s in secrets):
        leaks.append("a token or client secret the suite used")
    if _JWT.search(text):
        leaks.append("a JWT-shaped string")
    if leaks:
        raise Violation(f"the audit log contains {', '.join(leaks)}", operation="audit log",
                        evidence=Evidence(notes=[f"audit log: {path}"]))
    lines = sum(1 for line in text.splitlines() if line.strip())
    planted = f"a canary under {key!r}, " if key else ""
    return Examined(lines, "audit records", f"written during the run, scanned for {planted}the suite's tokens and "
                    "JWTs", unchecked="" if key else "the spec declares no audit_log.redact, so no canary argument "
                    "was planted")
