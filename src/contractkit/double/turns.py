"""The frames of one streamed turn (SSE or WebSocket) in the grammar the spec declares (``x-stream``).

An opening frame, the answer's text as deltas numbered from 0, and exactly one terminal frame: the
ending frame with the usage, or, when the provider breaks after the first deltas
(``stream_interrupted``), the error frame. The stream faults of the double leave the terminal frame
out (``stream_no_terminal``, ``ws_no_terminal``, ``stream_cut``); the double's ``terminal_frame``
behaviour switched off does the same on every turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from contractkit.double.answers import PROMPT_TOKENS, Answer, Answers
from contractkit.double.defects import with_undeclared_field
from contractkit.spec.neuron import StreamGrammar

INTERRUPT_AFTER = 3
NO_TERMINAL = ("stream_no_terminal", "ws_no_terminal", "stream_cut")


def turn_frames(answers: Answers, grammar: StreamGrammar, schema_of: Callable[[str], Any], answer: Answer,
                fault: str | None, *, terminal: bool = True,
                defects: frozenset[str] = frozenset()) -> list[tuple[str, Any]]:
    """(kind, frame) of one turn, in order; ``defects`` are the double's behaviours switched off."""
    if "stream_usage_matches" in defects:  # priced right, but not the whole answer's count
        answer = replace(answer, tokens=answer.tokens + 7, cost=answers.facts.price(answer.tier, answer.tokens + 7))
    frames = _frames(answers, grammar, schema_of, answer, fault, terminal, "error_on_interrupt" not in defects)
    if "declared_frame_fields" in defects:
        frames = [(kind, with_undeclared_field(frame)) for kind, frame in frames]
    return frames


def _frames(answers: Answers, grammar: StreamGrammar, schema_of: Callable[[str], Any], answer: Answer,
            fault: str | None, terminal: bool, error_on_interrupt: bool) -> list[tuple[str, Any]]:
    frames: list[tuple[str, Any]] = []
    if grammar.opens:
        kind = grammar.opens[0]
        frames.append((kind, answers.frame(grammar, schema_of(kind), kind, answer=answer)))
    pieces = answer.pieces()
    interrupted = fault == "stream_interrupted"
    if interrupted:
        pieces = pieces[:INTERRUPT_AFTER]
    delta = grammar.deltas[0] if grammar.deltas else None
    if delta is not None:
        for index, piece in enumerate(pieces):
            frames.append((delta, answers.frame(grammar, schema_of(delta), delta, index=index, text=piece)))
    if not terminal or fault in NO_TERMINAL:
        return frames
    if interrupted and grammar.errors and error_on_interrupt:
        kind = grammar.errors[0]
        spent = PROMPT_TOKENS + len(pieces)
        partial = replace(answer, tokens=spent, cost=answers.facts.price(answer.tier, spent))
        frames.append((kind, answers.frame(grammar, schema_of(kind), kind, answer=partial)))
    elif grammar.ends:
        kind = grammar.ends[0]
        frames.append((kind, answers.frame(grammar, schema_of(kind), kind, answer=answer)))
    return frames


def ws_schema_of(answers: Answers, server_schema: Any, type_field: str | None) -> Callable[[str], Any]:
    """The branch of ``server_messages`` a frame of each kind is (by the const or enum at ``type_field``)."""
    spec = answers.spec
    root = spec.deref(server_schema) or {}
    branches = [spec.deref(b) for b in (root.get("oneOf") or root.get("anyOf") or [root])]
    name = (type_field or "").strip("/").split("/")[0] if type_field else None

    def schema_of(kind: str) -> Any:
        for branch in branches:
            prop = spec.deref(((branch or {}).get("properties") or {}).get(name) or {}) if name else {}
            if prop.get("const") == kind or kind in (prop.get("enum") or []):
                return branch
        return server_schema

    return schema_of
