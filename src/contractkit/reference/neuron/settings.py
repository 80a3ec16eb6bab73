"""How one neuron/ instance is configured: token keys, provider, fault injection, timeouts.

``NeuronSettings.from_env()`` reads the environment a deployed neuron/ would have; tests and
the stack build settings directly. The provider is an object, so a variant or a test can hand
neuron/ any :class:`~contractkit.llm.base.LLMProvider`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractkit.errors import ConfigError
from contractkit.llm import LLMProvider, ProviderConfigError, provider_from_env

VERSION = "1.0.0"


@dataclass
class NeuronSettings:
    """Everything ``create_neuron_app`` needs; only ``jwks_url`` or ``public_keys`` is required."""

    jwks_url: str | None = None
    public_keys: dict[str, Any] | None = None
    issuer: str | None = None
    provider: LLMProvider | None = None
    fault_injection: bool = False
    provider_timeout_s: float = 10.0
    spec_path: Path | None = None
    version: str = VERSION
    rate_limits: bool = True
    deadline_margin_s: float = 0.25
    enforce_deadlines: bool = True  # False only for a deliberately broken variant
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> NeuronSettings:
        """``NEURON_JWKS_URL`` (or ``NEURON_ISSUER_URL``), ``NEURON_FAULT_INJECTION=1``, ``LLM_*``."""
        env = os.environ if env is None else env
        jwks = env.get("NEURON_JWKS_URL")
        if not jwks and env.get("NEURON_ISSUER_URL"):
            jwks = env["NEURON_ISSUER_URL"].rstrip("/") + "/.well-known/jwks.json"
        try:
            provider = provider_from_env(env)
            timeout = float(env.get("NEURON_PROVIDER_TIMEOUT_SECONDS", env.get("LLM_TIMEOUT_SECONDS", "10")))
        except ProviderConfigError as exc:
            raise ConfigError(str(exc)) from None
        except ValueError:
            raise ConfigError("NEURON_PROVIDER_TIMEOUT_SECONDS must be a number") from None
        values: dict[str, Any] = {
            "jwks_url": jwks,
            "provider": provider,
            "fault_injection": env.get("NEURON_FAULT_INJECTION", "") == "1",
            "provider_timeout_s": timeout,
        }
        values.update(overrides)
        if not values.get("jwks_url") and not values.get("public_keys"):
            raise ConfigError("neuron needs the token issuer: set NEURON_ISSUER_URL or NEURON_JWKS_URL")
        return cls(**values)
