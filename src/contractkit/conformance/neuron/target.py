"""``NeuronTarget``: one live neuron/ as the checks see it (spec, client, tokens, known customer).

It also keeps a bounded log of every exchange the run made, so that run-wide rules (error
bodies, leaks, reflected credentials) judge everything the suite saw, not only their own probes.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from typing import Any

from contractkit.conformance.http import Exchange, TargetClient
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.outcomes import NotVerified
from contractkit.conformance.tokens import TokenSource, credentials_from
from contractkit.spec.neuron import NeuronSpec, Operation

_LOG_SIZE = 3000


class NeuronTarget:
    def __init__(self, spec: NeuronSpec, options: VerifyOptions) -> None:
        assert options.neuron_url
        self.spec = spec
        self.options = options
        self.base_url = options.neuron_url
        self.client = TargetClient(self.base_url, timeout=options.request_timeout)
        self.tokens = TokenSource(options.token_url or spec.token_url,
                                  credentials_from(options.client_id, options.client_secret_env),
                                  spec.audience, timeout=options.request_timeout)
        self.log: deque[Exchange] = deque(maxlen=_LOG_SIZE)
        self._log_lock = threading.Lock()
        self.notes: dict[str, Any] = {}

    def close(self) -> None:
        self.client.close()
        self.tokens.close()

    def run_meta(self) -> dict[str, Any]:
        """What the reports say about the run as a whole."""
        return {"requests": self.client.exchanges}

    @property
    def profile(self):
        return self.options.profile

    @property
    def known_customer(self) -> str | None:
        if self.options.customer_id:
            return self.options.customer_id
        ids = self.spec.example_customer_ids()
        return ids[0] if ids else None

    @staticmethod
    def unknown_customer() -> str:
        return str(uuid.uuid4())

    def token_for(self, operation: Operation) -> str:
        """A token holding exactly the operation's scopes, or NotVerified."""
        return self.tokens.token(operation.scopes or ())

    def valid_body(self, operation: Operation, **overrides: Any) -> Any:
        """The spec's example request, pointed at the known customer; overrides win."""
        body = operation.example_body
        if body is None and operation.request_schema is not None:
            raise NotVerified(f"{operation.label} has no request example to build a valid request from")
        body = dict(body) if isinstance(body, dict) else body
        if isinstance(body, dict) and operation.takes_customer:
            if self.known_customer is None:
                raise NotVerified("no known customer: pass --customer-id or give the operation a request example")
            body["customer_id"] = self.known_customer
        if isinstance(body, dict):
            body.update(overrides)
        return body

    def call(self, operation: Operation, *, body: Any = None, token: str | None = None, auth: bool = True,
             headers: dict[str, str] | None = None, content: bytes | None = None, paced: bool = True,
             timeout: float | None = None) -> Exchange:
        """Send one request to ``operation``; ``auth`` adds a token with its scopes unless ``token`` is given."""
        if token is None and auth and operation.authenticated:
            token = self.token_for(operation)
        exchange = self.client.request(
            operation.method, operation.path, json_body=body if content is None else None, content=content,
            headers=headers, token=token, operation=operation.label, rate=operation.rate_limit, paced=paced,
            timeout=timeout,
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
        return "ws" + self.base_url[len("http"):] + path
