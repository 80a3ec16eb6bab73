"""How the suite causes provider failures on a live neuron/: a provider double or the spec's hook.

* ``--provider-double URL``: the target was started pointed at the kit's provider double
  (``contractkit serve provider-double``); the suite arms faults through its control endpoint
  (``POST URL/_control/faults``) around each request.
* the spec's ``x-fault-injection`` hook: the header it names, with the value it gives for each
  of the kit's modes, that a staging neuron/ honours when started with it enabled. Without
  ``--fault-injection`` the suite probes whether the target honours it; with it, a target that
  ignores the header is in violation.

A fault counts only for the request it reached: with the double, each window holds one request
and its request counter must have moved while the fault was armed (``FaultWindow.reached``);
with the header, the target's answer must show the failure. ``FaultWindow.attribute`` records
that in the run's evidence ledger, and the plugin accepts a fault rule's pass only when every
answer it counted carries one. Without either way, every fault rule is reported "not verified"
with the reason, never passed and never failed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx

from contractkit.conformance.ledger import LEDGER
from contractkit.conformance.outcomes import NotVerified
from contractkit.errors import ConfigError
from contractkit.spec.neuron import NeuronSpec

# spec mode -> the provider double's mode that plays it
DOUBLE_MODES = {
    "provider_error": "error_5xx",
    "provider_timeout": "hang",
    "provider_rate_limit": "rate_limit",
    "provider_malformed": "malformed",
    "stream_interrupted": "truncated_stream",
}
QUIET_WINDOW_S = 0.5
WHOLE_ANSWER_MODES = ("provider_error", "provider_timeout", "provider_rate_limit", "provider_malformed")


@dataclass
class FaultWindow:
    """The requests sent inside one ``with driver.fault(mode)``: the headers to add, and afterwards
    whether the provider double saw any provider call (``None`` for the header hook)."""

    mode: str
    headers: dict[str, str] = field(default_factory=dict)
    reached: bool | None = None

    def attribute(self, exchange: object, shown: bool | None) -> bool:
        """Record that the fault reached the request of ``exchange`` when it did: with the double, the
        window held that one request and the double received a provider call; with the header hook,
        the answer shows the failure (``shown``). True when attributed."""
        if self.reached is True or (self.reached is None and shown is True):
            LEDGER.fault(exchange, self.mode)
            return True
        return False

    def not_seen(self) -> NotVerified:
        return NotVerified(f"the fault {self.mode!r} was not seen to happen: the provider double received no "
                           "provider call while it was armed (is the target pointed at this --provider-double?)")


class FaultDriver:
    """Causes one named provider failure for the requests sent inside ``with driver.fault(mode)``."""

    def __init__(self, spec: NeuronSpec, double_url: str | None, timeout: float = 10.0) -> None:
        self.spec = spec
        self.double_url = double_url.rstrip("/") if double_url else None
        self.timeout = timeout
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=timeout)
        hook = spec.fault_injection
        self.header = hook.get("header") if self.double_url is None else None
        self.modes = list(DOUBLE_MODES) if self.double_url else [m for m in DOUBLE_MODES if spec.fault_value(m)]

    @property
    def via(self) -> str:
        return f"the provider double at {self.double_url}" if self.double_url else f"the {self.header} header"

    @property
    def shared(self) -> bool:
        """Whether one armed fault is shared by every request sent meanwhile (the double): then each
        window must hold one request, or a fault cannot be told to have reached it."""
        return self.double_url is not None

    def whole_answer_modes(self) -> list[str]:
        return [m for m in self.modes if m != "stream_interrupted"]

    @contextmanager
    def fault(self, mode: str) -> Iterator[FaultWindow]:
        """Yield the window to send requests in; with the double, the fault is armed for its duration
        and ``reached`` says afterwards whether any provider call arrived."""
        if mode not in self.modes:
            raise NotVerified(f"{self.via} cannot cause {mode!r}")
        if self.double_url is None:
            yield FaultWindow(mode, {str(self.header): str(self.spec.fault_value(mode))})
            return
        with self._lock:
            window = FaultWindow(mode)
            before = self._control("POST", {"mode": DOUBLE_MODES[mode]})
            try:
                yield window
            finally:
                after = self._control("DELETE", None)
                window.reached = after > before

    def require_quiet(self, idle_s: float = QUIET_WINDOW_S) -> None:
        """A fault is seen to happen when the double's call counter moves while it is armed; that
        proves nothing if the double also serves other clients. Check that it stays still while the
        suite sends nothing, else the fault rules are not verified."""
        with self._lock:
            before = self._control("GET", None)
            time.sleep(idle_s)
            after = self._control("GET", None)
        if after != before:
            raise NotVerified(f"the provider double received {after - before} provider calls in {idle_s:g} s while "
                              "the suite sent nothing: it serves other clients, so a fault cannot be told to have "
                              "reached the target (give the target a double of its own)")

    def _control(self, method: str, body: dict | None) -> int:
        """Arm or clear a fault; the double's count of provider calls so far."""
        url = self.double_url + "/_control/faults"
        try:
            response = self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise ConfigError(f"the provider double's control endpoint {url} is not reachable: "
                              f"{type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ConfigError(f"the provider double at {url} refused {body}: HTTP {response.status_code}")
        try:
            return int(response.json().get("requests", 0))
        except (ValueError, AttributeError, TypeError):
            raise ConfigError(f"{url} did not answer like the kit's provider double") from None


def fault_driver(spec: NeuronSpec, double_url: str | None, timeout: float) -> FaultDriver:
    """The driver for this run, or NotVerified saying what the user could do."""
    if double_url:
        driver = FaultDriver(spec, double_url, timeout)
        driver.require_quiet()
        return driver
    if spec.fault_injection.get("header"):
        return FaultDriver(spec, None, timeout)
    raise NotVerified("no way to cause provider failures: pass --provider-double URL (the target pointed at the "
                      "kit's provider double), and the spec declares no x-fault-injection hook")
