"""The one exception hierarchy for LLM provider failures.

Every adapter maps what can go wrong on the wire (httpx errors, status codes, bodies that are not
its wire format, streams that stop early) onto these classes, so neuron/ decides its fallback from
the class alone and never sees an httpx or JSON exception::

    ProviderError                     any failure of the LLM provider (code: provider_error)
    ├── ProviderUnavailableError      5xx, refused or reset connection      (provider_error)
    ├── ProviderTimeoutError          no answer within the client timeout   (provider_timeout)
    ├── ProviderRateLimitError        429; ``retry_after_s`` when the provider said it
    ├── ProviderResponseError         200, but not the wire format / not the JSON asked for
    │                                                                       (provider_malformed)
    ├── ProviderStreamError           the stream broke after it started     (stream_interrupted)
    └── ProviderConfigError           bad provider settings (unknown LLM_PROVIDER, no base URL)

``code`` names the failure with the vocabulary of the spec's ``x-fault-injection`` modes, so an
injected fault and the real failure it names are the same exception.
"""

from __future__ import annotations

from contractkit.errors import ProviderFailure


class ProviderError(ProviderFailure):
    """The LLM provider failed; the operation's fallback applies (a ``ContractkitError``: see contractkit.errors)."""

    code = "provider_error"

    def __init__(self, message: str, *, provider: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status


class ProviderUnavailableError(ProviderError):
    """5xx, connection refused or reset: the provider is not serving."""

    code = "provider_error"


class ProviderTimeoutError(ProviderError):
    """The provider did not answer (or stream the next token) within the client's timeout."""

    code = "provider_timeout"


class ProviderRateLimitError(ProviderError):
    """The provider answered 429; ``retry_after_s`` is its Retry-After, when given."""

    code = "provider_rate_limit"

    def __init__(self, message: str, *, provider: str = "", status: int | None = 429,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, provider=provider, status=status)
        self.retry_after_s = retry_after_s


class ProviderResponseError(ProviderError):
    """The provider answered, but not in its wire format or not with the output that was asked for."""

    code = "provider_malformed"


class ProviderStreamError(ProviderError):
    """The provider's stream broke after it had started (truncated, reset, garbage frame)."""

    code = "stream_interrupted"


class ProviderConfigError(ProviderError):
    """The provider cannot be built from its settings (unknown name, missing URL)."""

    code = "provider_config"
