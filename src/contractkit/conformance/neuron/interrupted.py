"""A stream cut by the provider mid-turn (``stream_interrupted``), judged the same way for SSE
(NEU-SSE-003) and WebSocket turns (NEU-WS-003): the fault must have reached the request, and the
turn must end with an error frame (or a marked degraded ending), never the normal ending."""

from __future__ import annotations

from typing import Any

from contractkit.conformance.http import Exchange
from contractkit.conformance.ledger import LEDGER
from contractkit.conformance.neuron.common import fail
from contractkit.conformance.neuron.frames import grammar_problems
from contractkit.conformance.neuron.injection import driver_for
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import Examined, NotVerified
from contractkit.spec import declarations
from contractkit.spec.neuron import pointer_get


def judge_interrupted(neuron: NeuronTarget, op: Any, run: Any) -> Examined:
    """Cause ``stream_interrupted`` around ``run(headers) -> (frames, evidence)`` and judge the turn."""
    grammar = op.grammar if hasattr(op, "grammar") else None
    if grammar is None:
        raise NotVerified(declarations.STREAM.reason)
    driver = driver_for(neuron)
    with driver.fault("stream_interrupted") as window:
        frames, evidence = run(window.headers)
    frames = [f for f in frames if f[0] not in grammar.connection]  # the connection's frames end no turn
    if window.reached is False:
        raise window.not_seen()
    if not frames:
        if window.reached is None:
            raise NotVerified("the turn gave no frame at all, so the mid-stream failure was not seen to happen")
        raise _violation(evidence, "no frame at all under a mid-stream failure that reached the provider")
    problems = grammar_problems(frames, grammar)
    last_kind, last = frames[-1] if frames else ("", None)
    deltas = sum(1 for k, _ in frames if k in grammar.deltas)
    degraded = grammar.fallback is not None and isinstance(last, dict) and _marker(last, grammar.fallback)
    if window.reached is None and last_kind in grammar.ends and not degraded and not problems:
        if neuron.options.fault_injection:
            raise _violation(evidence, "the turn ended normally although the fault-injection header asked for a "
                                       "mid-stream failure (--fault-injection says the hook is on)")
        raise NotVerified("the mid-stream failure was not seen to happen (the turn ended normally)")
    window.attribute(evidence, True)  # the double saw the call, or the turn did not end normally
    LEDGER.count(evidence)
    if problems:
        raise _violation(evidence, f"under a mid-stream failure: {problems[0]}")
    if last_kind not in grammar.errors and not (deltas == 0 and degraded):
        raise _violation(evidence, f"the provider failed after {deltas} deltas but the turn ended with "
                                   f"{last_kind!r}, not an error frame ({' or '.join(grammar.errors)})")
    return Examined(len(frames), "frames", "of a turn whose provider failed mid-stream")


def _marker(data: dict[str, Any], pointer: str) -> bool:
    return pointer_get(data, pointer) is True


def _violation(evidence: Any, message: str) -> Exception:
    if isinstance(evidence, Exchange):
        return fail(message, evidence)
    return evidence.violation(message)
