"""``NeuronTarget``: one live neuron/ as the checks see it (spec, client, tokens, a known entity).

It also keeps a bounded log of every exchange the run made, so that run-wide rules (error
bodies, leaks, reflected credentials) judge everything the suite saw, not only their own probes.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

from contractkit.conformance.budget import budget_for
from contractkit.conformance.http import Exchange, TargetClient
from contractkit.conformance.neuron.requests import RequestParts, build, subject_schema, unknown_value
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.tokens import TokenSource, settings_for
from contractkit.spec.neuron import NeuronSpec, Operation

_LOG_SIZE = 3000
_UNSET: Any = object()


class NeuronTarget:
    def __init__(self, spec: NeuronSpec, options: VerifyOptions) -> None:
        assert options.neuron_url
        self.spec = spec
        self.options = options
        self.base_url = options.neuron_url
        self.client = TargetClient(self.base_url, timeout=options.request_timeout, budget=budget_for(spec, options))
        token_url = _absolute(options.token_url or spec.token_url, options.neuron_url)
        self.tokens = TokenSource.from_settings(settings_for(options, token_url, spec.token_request), spec.audience)
        self.log: deque[Exchange] = deque(maxlen=_LOG_SIZE)
        self._log_lock = threading.Lock()
        self.notes: dict[str, Any] = {}
        self.extra_headers: dict[str, str] = dict(getattr(options, "headers", None) or {})

    def close(self) -> None:
        self.client.close()
        self.tokens.close()

    def run_meta(self) -> dict[str, Any]:
        """What the reports say about the run as a whole."""
        return {"requests": self.client.exchanges, "spend": self.client.budget.meta()}

    @property
    def profile(self):
        return self.options.profile

    @property
    def known_customer(self) -> Any:
        """An entity that exists on the target: ``--customer-id``, else the one the spec's examples name."""
        if self.options.customer_id:
            return self.options.customer_id
        found = self.spec.example_subjects()
        return found[0] if found else None

    def known_subject(self, operation: Operation) -> Any:
        """The entity a valid request to ``operation`` names: its own ``x-subject`` example (a job, a
        record), else the known customer."""
        own = operation.own_subject_example
        return self.known_customer if own is None else own

    def unknown_subject(self, operation: Operation) -> Any:
        """A value of the operation's subject type that names no entity."""
        assert operation.subject is not None
        return unknown_value(subject_schema(self.spec, operation, operation.subject), self.known_subject(operation))

    def token_for(self, operation: Operation) -> str:
        """A token holding exactly the operation's scopes, or NotVerified."""
        return self.tokens.token(operation.scopes or ())

    def request(self, operation: Operation, *, subject: Any = None, unknown: bool = False) -> RequestParts:
        """A valid request to ``operation`` about the known entity (or ``subject``, or an unknown one)."""
        if operation.subject is not None and subject is None:
            if unknown:
                subject = self.unknown_subject(operation)
            else:
                subject = self.known_subject(operation)
                if subject is None:
                    raise NotVerified(f"no known entity for {operation.label}: pass --customer-id, or give "
                                      "x-ai-operation.subject an example")
        return build(self.spec, operation, subject)

    def reachable_request(self, operation: Operation) -> RequestParts:
        """A request that reaches the operation's auth layer: the valid one when possible, else one
        about an unknown entity (enough for checks that are refused before the entity matters)."""
        try:
            return self.request(operation)
        except NotVerified:
            if operation.subject is None:
                return RequestParts(body={} if operation.request_schema else None)
            return self.request(operation, unknown=True)

    def call(self, operation: Operation, *, body: Any = _UNSET, parts: RequestParts | None = None,
             token: str | None = None, auth: bool = True, headers: dict[str, str] | None = None,
             content: bytes | None = None, paced: bool = True, timeout: float | None = None) -> Exchange:
        """Send one request to ``operation``: ``parts`` (default: a valid request), with ``body`` if given;
        ``auth`` adds a token with its scopes unless ``token`` is given."""
        if parts is None:
            parts = self.reachable_request(operation) if (body is not _UNSET or content is not None) \
                else self.request(operation)
        if body is not _UNSET:
            parts = parts.with_body(body)
        if token is None and auth and operation.authenticated:
            token = self.token_for(operation)
        media = {"content-type": operation.request_media} if operation.request_media and content is None \
            and parts.body is not None else {}
        send_headers = {**self.extra_headers, **media, **parts.headers, **(headers or {})}
        exchange = self.client.request(
            operation.method, parts.target(operation.path), json_body=parts.body if content is None else None,
            content=content, headers=send_headers, token=token, operation=operation.label,
            rate=operation.rate_limit, paced=paced, timeout=timeout,
        )
        self.record(exchange)
        return exchange

    def record(self, exchange: Exchange) -> None:
        with self._log_lock:
            self.log.append(exchange)

    def logged(self) -> list[Exchange]:
        with self._log_lock:
            return list(self.log)

    def ws_url(self, path: str) -> str:
        """The URL of a WebSocket connection about to be opened. Every connection the checks open
        asks here first, so this is where a lost target stops it and the run's budget counts it
        (``BudgetExhausted``: not opened, the rule is not verified)."""
        self.client.ensure_reachable()
        self.client.budget.reserve_websocket()
        return "ws" + self.base_url[len("http"):] + path


def _absolute(url: str | None, base: str) -> str | None:
    """A token URL the spec gives relative to the server (OpenAPI allows it), made absolute."""
    from urllib.parse import urljoin

    return urljoin(base.rstrip("/") + "/", url) if url and not url.startswith(("http://", "https://")) else url
