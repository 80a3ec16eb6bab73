"""What the double reads from the spec, per operation: the facts of the spec model, plus the few
it derives (the status that rejects bad input, the tier of an answer, the WebSocket endpoints
as operations).

Everything comes through ``contractkit.spec.neuron``; nothing here names a path, field or scope of
the bundled spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contractkit.spec.neuron import NeuronSpec, Operation, StreamGrammar, Usage

DEFAULT_RETRY_AFTER_S = 5
_PARAM = re.compile(r"\{([^}/]+)\}")


@dataclass(frozen=True)
class WsEndpoint:
    """One ``x-websockets`` entry, read as the double serves it."""

    path: str
    raw: dict[str, Any]
    scopes: tuple[str, ...] | None
    grammar: StreamGrammar | None

    @property
    def label(self) -> str:
        return f"WS {self.path}"

    @property
    def ai(self) -> dict[str, Any]:
        return dict(self.raw.get("x-ai-operation") or {})

    @property
    def auth(self) -> dict[str, Any]:
        return dict(self.raw.get("auth") or {})

    @property
    def rate_limit(self) -> tuple[int, float] | None:
        limit = self.raw.get("x-rate-limit") or {}
        return (int(limit["requests"]), float(limit["window_seconds"])) if limit.get("requests") else None


class Facts:
    """The spec model plus the derived facts the double answers by."""

    def __init__(self, spec: NeuronSpec) -> None:
        self.spec = spec
        self.operations = spec.operations
        self.websockets = [self._ws(path, raw) for path, raw in spec.websockets.items() if isinstance(raw, dict)]
        self.rates = {str(k): float(v) for k, v in (spec.pricing.get("usd_per_1k_tokens") or {}).items()
                      if isinstance(v, int | float)}
        self.rounding = int(spec.pricing.get("rounding_decimals", 6))
        self.known_subjects = {str(v) for v in spec.example_subjects()}
        self.base_path = _base_path(spec)

    def _ws(self, path: str, raw: dict[str, Any]) -> WsEndpoint:
        security = raw.get("security", self.spec.data.get("security"))
        scopes: tuple[str, ...] | None = None
        if isinstance(security, list) and security and not any(req == {} for req in security):
            scopes = tuple(sorted({s for req in security if isinstance(req, dict) for ss in req.values()
                                   for s in ss or ()}))
        return WsEndpoint(path, raw, scopes, StreamGrammar.read(raw.get("x-stream")))

    def price(self, tier: str | None, tokens: int) -> float:
        """``tokens / 1000`` at the tier's ``x-pricing`` rate, rounded as the spec declares."""
        return round(tokens / 1000 * self.rates.get(str(tier), 0.0), self.rounding)

    def tier(self, ai: dict[str, Any] | None, request_values: list[Any], usage: Usage | None) -> str | None:
        """The tier an answer is priced at: one the request names, where the answer says which tier
        priced it (``usage.model_tier``); else the operation's default (a spec that does not say
        where the tier is prices every answer at its ``default_model_tier`` or its only tier)."""
        asked = next((v for v in request_values if isinstance(v, str) and v in self.rates), None)
        if usage is None or usage.model_tier is None:
            asked = None
        return asked or (ai or {}).get("default_model_tier") or next(iter(self.rates), None)

    @staticmethod
    def invalid_status(op: Operation) -> int:
        """The status that rejects bad input: the operation's declared 400 or 422 (400 by default)."""
        return next((s for s in (400, 422) if op.declares(s)), 400)

    @staticmethod
    def status_or(op: Operation, wanted: int, fallback: int) -> int:
        return wanted if op.declares(wanted) else fallback

    @staticmethod
    def retry_after(ai: dict[str, Any] | None) -> int:
        raw = ((ai or {}).get("fallback") or {}).get("retry_after_seconds")
        return int(raw) if isinstance(raw, int | float) and raw >= 1 else DEFAULT_RETRY_AFTER_S

    @staticmethod
    def route_path(path: str) -> str:
        """The spec's path template as a Starlette route (``{name}`` is the same syntax)."""
        return _PARAM.sub(lambda m: "{" + re.sub(r"\W", "_", m.group(1)) + "}", path)

    def twin_of(self, ai: dict[str, Any] | None) -> Operation | None:
        twin = (ai or {}).get("stream_of")
        return self.spec.operation(twin) if twin else None

    def success_status(self, op: Operation) -> str:
        return next((s for s in sorted(op.responses) if s.startswith("2")), "200")


def _base_path(spec: NeuronSpec) -> str:
    """The path the spec's first server puts before every operation path (``servers[0].url``), or ''."""
    from urllib.parse import urlsplit

    servers = spec.data.get("servers")
    url = servers[0].get("url") if isinstance(servers, list) and servers and isinstance(servers[0], dict) else None
    if not isinstance(url, str) or "{" in url:
        return ""
    return urlsplit(url).path.rstrip("/")
