"""How the suite causes provider failures on a live neuron/: a provider double or the spec's hook.

* ``--provider-double URL``: the target was started pointed at the kit's provider double
  (``contractkit serve provider-double``); the suite arms faults through its control endpoint
  (``POST URL/_control/faults``) around each request.
* the spec's ``x-fault-injection`` hook: a header (``X-Fault-Inject: <mode>``) that a staging
  neuron/ honours when started with it enabled. Without ``--fault-injection`` the suite probes
  whether the target honours it; with it, a target that ignores the header is in violation.

Without either, every fault rule is reported "not verified" with the reason, never passed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

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
WHOLE_ANSWER_MODES = ("provider_error", "provider_timeout", "provider_rate_limit", "provider_malformed")


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
        self.modes = [m for m in (hook.get("modes") or DOUBLE_MODES) if self.double_url is None or m in DOUBLE_MODES]

    @property
    def via(self) -> str:
        return f"the provider double at {self.double_url}" if self.double_url else f"the {self.header} header"

    def whole_answer_modes(self) -> list[str]:
        return [m for m in self.modes if m != "stream_interrupted"]

    @contextmanager
    def fault(self, mode: str) -> Iterator[dict[str, str]]:
        """Yield the headers to send; with the double, the fault is armed for the block's duration."""
        if mode not in self.modes:
            raise NotVerified(f"{self.via} cannot cause {mode!r}")
        if self.double_url is None:
            yield {str(self.header): mode}
            return
        with self._lock:
            self._control("POST", {"mode": DOUBLE_MODES[mode]})
            try:
                yield {}
            finally:
                self._control("DELETE", None)

    def _control(self, method: str, body: dict | None) -> None:
        url = self.double_url + "/_control/faults"
        try:
            response = self._http.request(method, url, json=body)
        except httpx.HTTPError as exc:
            raise ConfigError(f"the provider double's control endpoint {url} is not reachable: "
                              f"{type(exc).__name__}") from None
        if response.status_code >= 400:
            raise ConfigError(f"the provider double at {url} refused {body}: HTTP {response.status_code}")


def fault_driver(spec: NeuronSpec, double_url: str | None, timeout: float) -> FaultDriver:
    """The driver for this run, or NotVerified saying what the user could do."""
    if double_url:
        return FaultDriver(spec, double_url, timeout)
    if spec.fault_injection.get("header"):
        return FaultDriver(spec, None, timeout)
    raise NotVerified("no way to cause provider failures: pass --provider-double URL (the target pointed at the "
                      "kit's provider double), and the spec declares no x-fault-injection hook")
