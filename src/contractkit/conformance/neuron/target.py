"""``NeuronTarget``: one live neuron/ as the checks see it (spec, client, tokens, each operation's entity).

It also keeps a bounded log of every exchange the run made, so that run-wide rules (error
bodies, leaks, reflected credentials) judge everything the suite saw, not only their own probes.
"""

from __future__ import annotations

import threading
import zlib
from collections import deque
from typing import Any

from contractkit.conformance.http import Exchange, TargetClient, exchange_timeout
from contractkit.conformance.neuron import credentials
from contractkit.conformance.neuron.cost import budget_for
from contractkit.conformance.neuron.requests import RequestParts, build, coerce, subject_schema, unknown_value
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.selection import subject_value
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
        timeouts = {op.label: exchange_timeout(options.request_timeout, op.deadline_s) for op in spec.operations}
        self.client = TargetClient(self.base_url, timeout=options.request_timeout, budget=budget_for(spec, options),
                                   timeouts=timeouts)
        token_url = _absolute(options.token_url or spec.token_url, options.neuron_url)
        discovery_url = _absolute(spec.discovery_url, options.neuron_url) if not token_url else None
        self.tokens = TokenSource.from_settings(settings_for(options, token_url, spec.token_request, discovery_url),
                                                spec.audience)
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

    def known_subject(self, operation: Operation) -> Any:
        """An entity that exists on the target for ``operation``: ``--subject`` naming it, else
        ``--customer-id``, else the operation's own example (``subject.example`` or the example of
        the input it names); None when none is known. Each operation's entity is its own: a spec
        with two kinds of entity has two."""
        if operation.subject is None:
            return None
        given = subject_value(operation, self.options)
        if given is not None:
            return coerce(subject_schema(self.spec, operation, operation.subject), given)
        return operation.subject_example

    def unknown_subject(self, operation: Operation) -> Any:
        """A value the operation's subject schema admits that names no known entity (NotVerified
        when the schema admits none); the same for the same seed."""
        assert operation.subject is not None
        key = f"unknown_subject:{operation.label}"
        if key not in self.notes:
            known = [v for v in (*self.spec.example_subjects(), self.options.customer_id,
                                 *(v for _, v in self.options.subjects), self.known_subject(operation))
                     if v is not None]
            known = list({repr(v): v for v in known}.values())
            seed = self.options.seed ^ zlib.crc32(operation.label.encode())
            try:
                self.notes[key] = unknown_value(self.spec, subject_schema(self.spec, operation, operation.subject),
                                                known, seed, operation.subject.location)
            except NotVerified as exc:
                self.notes[key] = NotVerified(f"{operation.label}: {exc.message}")
        value = self.notes[key]
        if isinstance(value, NotVerified):
            raise value
        return value

    def timeout_for(self, operation: Operation) -> float:
        """The total time one exchange with ``operation`` is given (``http.exchange_timeout``)."""
        return exchange_timeout(self.options.request_timeout, operation.deadline_s)

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
                    raise NotVerified(f"no known entity for {operation.label}: pass --subject "
                                      f"{operation.operation_id or 'OPERATION'}=VALUE, or give "
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
            try:
                return self.request(operation, unknown=True)
            except NotVerified:
                return build(self.spec, operation, None)

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
            parts, token = credentials.authenticate(self, operation, parts)
        elif operation.authenticated:
            parts = credentials.with_api_keys(self, operation, parts)  # a token probe keeps the good keys
        media = {"content-type": operation.request_media} if operation.request_media and content is None \
            and parts.body is not None else {}
        cookie = {"cookie": parts.cookie_header()} if parts.cookies else {}
        send_headers = {**self.extra_headers, **media, **cookie, **parts.headers, **(headers or {})}
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
