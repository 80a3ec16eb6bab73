"""NeuronSettings.from_env: what a deployed neuron/ reads from its environment."""

from __future__ import annotations

import pytest

from contractkit.errors import ConfigError
from contractkit.llm import EmbeddedProvider, OpenAICompatibleProvider
from contractkit.reference.neuron import NeuronSettings


def test_defaults_are_embedded_and_no_fault_injection():
    settings = NeuronSettings.from_env({"NEURON_ISSUER_URL": "http://127.0.0.1:9/"})
    assert settings.jwks_url == "http://127.0.0.1:9/.well-known/jwks.json"
    assert isinstance(settings.provider, EmbeddedProvider)
    assert settings.fault_injection is False


def test_fault_injection_only_with_exactly_1():
    base = {"NEURON_JWKS_URL": "http://127.0.0.1:9/jwks"}
    assert NeuronSettings.from_env({**base, "NEURON_FAULT_INJECTION": "1"}).fault_injection is True
    for value in ("0", "true", "yes", ""):
        assert NeuronSettings.from_env({**base, "NEURON_FAULT_INJECTION": value}).fault_injection is False


def test_provider_and_timeout_from_env():
    settings = NeuronSettings.from_env({"NEURON_JWKS_URL": "http://127.0.0.1:9/jwks", "LLM_PROVIDER": "openai",
                                        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "LLM_TIMEOUT_SECONDS": "7"})
    assert isinstance(settings.provider, OpenAICompatibleProvider)
    assert settings.provider_timeout_s == 7


@pytest.mark.parametrize("env", [
    {},
    {"NEURON_JWKS_URL": "http://x/jwks", "LLM_PROVIDER": "bogus"},
    {"NEURON_JWKS_URL": "http://x/jwks", "NEURON_PROVIDER_TIMEOUT_SECONDS": "soon"},
])
def test_bad_environment_is_a_config_error(env):
    with pytest.raises(ConfigError):
        NeuronSettings.from_env(env)
