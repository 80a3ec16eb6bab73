"""The bodies, frames and headers the double answers, built from the spec under test.

A success body is the operation's example (else an instance of its schema), with the contract's
facts written where the spec says they live: the usage (``x-ai-operation.usage``) priced by
``x-pricing`` at the answer's tier, the fallback marker, the answer text. Frames are instances of
the spec's event or message schemas with the ``x-stream`` pointers filled. A value is written only
where the result stays valid against the spec's schema.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from contractkit.double.facts import Facts
from contractkit.double.generate import SchemaGenerator, seeded
from contractkit.spec.neuron import Operation, StreamGrammar, Usage, pointer_get, pointer_set
from contractkit.spec.pointers import header_name

DEGRADED_TEXT = "The assistant is unavailable right now; this is a fallback answer. Please try again later."
_WORDS = ("the", "account", "renewal", "is", "stable", "usage", "grew", "this", "quarter", "so", "offer",
          "a", "review", "call", "soon", "risk", "stays", "low", "for", "now")
PROMPT_TOKENS = 12


@dataclass(frozen=True)
class Answer:
    """One answer's content: the text, and what it cost at which tier."""

    text: str
    tier: str | None
    tokens: int
    cost: float
    degraded: bool

    def pieces(self) -> list[str]:
        """The text as stream deltas (words with their trailing space): joined, they are the text."""
        words = self.text.split(" ")
        return [w + " " for w in words[:-1]] + [words[-1]] if words else [self.text]


class Answers:
    """Builds every body and frame of one spec, stable for a seed."""

    def __init__(self, facts: Facts, seed: int) -> None:
        self.facts = facts
        self.spec = facts.spec
        self.seed = seed
        self.gen = SchemaGenerator(facts.spec)
        self._templates: dict[Any, Any] = {}

    # -- what an answer says -------------------------------------------------------------------
    def answer(self, family: str, subject: Any, tier: str | None, degraded: bool) -> Answer:
        """The answer of an operation family (a stream and its whole-answer twin share one)."""
        if degraded:
            return Answer(DEGRADED_TEXT, tier, 0, 0.0, True)
        rng = seeded(self.seed, family, subject)
        text = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
        tokens = PROMPT_TOKENS + len(text.split(" "))
        return Answer(text, tier, tokens, self.facts.price(tier, tokens), False)

    # -- whole answers -------------------------------------------------------------------------
    def success_media(self, op: Operation) -> tuple[str, dict[str, Any]]:
        response = op.responses.get(self.facts.success_status(op))
        for media, content in (response.content.items() if response else ()):
            if media != "text/event-stream":
                return media, content
        return "application/json", {}

    def whole(self, op: Operation, answer: Answer, key: str) -> Any:
        _media, content = self.success_media(op)
        schema = content.get("schema") or {}
        base = self.base_body(("whole", op.label), schema, content, key)
        return self.fill(schema, base, self.usage_writes(op, answer))

    @staticmethod
    def usage_writes(op: Operation, answer: Answer) -> list[tuple[str | None, Any]]:
        """(pointer, value) of the answer text, usage and fallback marker where the operation says they are."""
        writes: list[tuple[str | None, Any]] = [(op.answer_text, answer.text)]
        usage = op.usage
        if usage is not None:
            writes += [(usage.token_count, answer.tokens), (usage.cost_usd, answer.cost),
                       (usage.model_tier, answer.tier)]
        writes.append((((op.ai or {}).get("fallback") or {}).get("marker"), answer.degraded))
        return writes

    @staticmethod
    def usage_headers(op: Operation, answer: Answer) -> dict[str, str]:
        """The usage and marker values whose pointer is ``header:<Name>``, as header text."""
        return {name: header_text(value) for pointer, value in Answers.usage_writes(op, answer)
                if (name := header_name(pointer)) is not None and value is not None}

    def base_body(self, name: Any, schema: Any, content: dict[str, Any], key: str) -> Any:
        """The example of the media type when it is valid, else an instance stable for the request."""
        cache_key = (name, "example")
        if cache_key not in self._templates:
            example = content.get("example")
            if example is None and isinstance(content.get("examples"), dict):
                first = next(iter(content["examples"].values()), None)
                example = (self.spec.deref(first) or {}).get("value") if isinstance(first, dict) else None
            self._templates[cache_key] = example if example is not None and self.gen.valid(schema, example) else None
        base = self._templates[cache_key]
        if base is not None:
            return base
        return self.gen.instance(schema, seeded(self.seed, name, key))

    def fill(self, schema: Any, base: Any, writes: list[tuple[str | None, Any]]) -> Any:
        """``base`` with each value written at its pointer, where the result stays valid.

        All values are written, and the result checked once; only when it is not valid is each write
        tried alone (so one value the schema refuses does not cost the others)."""
        wanted = [(p, v) for p, v in writes if p and header_name(p) is None
                  and not (v is None and pointer_get(base, p) is None)]
        body = base
        for pointer, value in wanted:
            body = pointer_set(body, pointer, value)
        if not (isinstance(schema, dict) and schema) or self.gen.valid(schema, body):
            return body
        body = base
        for pointer, value in wanted:
            candidate = pointer_set(body, pointer, value)
            if self.gen.valid(schema, candidate):
                body = candidate
        return body

    # -- error bodies --------------------------------------------------------------------------
    def error(self, op: Operation | None, status: int, key: str) -> tuple[str, Any]:
        """(media type, body) of a non-2xx answer: the declared response's example, else an instance of
        the error schema the spec declares for it, with a ``status`` member set where there is one."""
        response = None
        if op is not None:
            response = op.responses.get(str(status)) or op.responses.get(f"{str(status)[0]}XX") \
                or op.responses.get("default")
        media, content = next(iter(response.content.items()), (None, {})) if response else (None, {})
        schema = content.get("schema") or (self.spec.error_schema(op, status) if op else None) \
            or self.spec.shared_error_schema or {}
        media = media or self.error_media
        base = self.base_body(("error", op.label if op else "", status), schema, content, key)
        if not content.get("example") and isinstance(base, dict):
            base = self._error_example(schema, key) or base
        return media, self.fill(schema, base, [("/status", status) if isinstance(base, dict)
                                              and isinstance(base.get("status"), int) else (None, None)])

    def _error_example(self, schema: Any, key: str) -> Any:
        """Any declared error response's example that fits ``schema`` (codes read like the spec's own)."""
        for op in self.spec.operations:
            for status, response in op.responses.items():
                if status.startswith(("4", "5")):
                    for content in response.content.values():
                        if content.get("example") is not None and self.gen.valid(schema, content["example"]):
                            return content["example"]
        return None

    @property
    def error_media(self) -> str:
        for op in self.spec.operations:
            for status, response in op.responses.items():
                if status.startswith(("4", "5")) and response.content:
                    return next(iter(response.content))
        return "application/json"

    # -- frames --------------------------------------------------------------------------------
    def frame(self, grammar: StreamGrammar, schema: Any, kind: str, *, answer: Answer | None = None,
              index: int | None = None, text: str | None = None, key: str = "") -> Any:
        """One frame of ``kind``: an instance of its schema with the grammar's pointers filled."""
        tkey = ("frame", id(grammar), kind)
        if tkey not in self._templates:
            self._templates[tkey] = self.gen.instance(schema or {}, seeded(self.seed, kind))
        base = self._templates[tkey]
        writes: list[tuple[str | None, Any]] = [(grammar.type_field, kind)]
        if kind in grammar.deltas:
            writes += [(grammar.text, text), (grammar.index, index)]
        usage: Usage | None = grammar.usage
        if answer is not None and usage is not None:
            if kind in grammar.terminal:
                writes += [(usage.token_count, answer.tokens), (usage.cost_usd, answer.cost)]
            writes.append((usage.model_tier, answer.tier))
        if answer is not None and kind in grammar.terminal:
            writes.append((grammar.fallback, answer.degraded))
        return self.fill(schema, base, writes)

    def header_value(self, header: dict[str, Any], rng: random.Random) -> str | None:
        schema = self.spec.deref(header.get("schema") or {})
        if "example" in header:
            return str(header["example"])
        if isinstance(schema, dict) and not any(k in schema for k in ("pattern", "format", "minimum", "maximum")) \
                and any(k in schema for k in ("example", "examples", "const", "enum")):
            key = ("header", id(header))
            if key not in self._templates:  # a fixed value: computed (and checked) once
                self._templates[key] = self.gen.instance(schema, rng)
            value = self._templates[key]
        else:
            value = self.gen.instance(schema, rng, use_examples=False)
        if value is None or isinstance(value, dict | list):
            return None
        return str(value).lower() if isinstance(value, bool) else str(value)


def header_text(value: Any) -> str:
    """A value as a header spells it: JSON scalars (``true``, ``42``, ``0.00054``), text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.12f}".rstrip("0").rstrip(".") if value == value else str(value)
    return str(value)
