"""Fixtures of the reference tests: one stack (issuer + provider double + neuron/) per session."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import yaml

from contractkit.reference.neuron.contract import NeuronContract, load_contract
from contractkit.reference.stack import NEURON_SCOPES, ReferenceStack


@pytest.fixture(scope="session")
def stack() -> Iterator[ReferenceStack]:
    """neuron/ on the OpenAI wire of the double, fault injection on, a 1 s provider timeout."""
    with ReferenceStack(fault_injection=True, provider_timeout_s=1.0,
                        double_options={"slow_token_delay_s": 0.15}) as s:
        yield s


@pytest.fixture(scope="session")
def contract() -> NeuronContract:
    return load_contract()


@pytest.fixture
def client_id() -> str:
    """A fresh client id per test, so rate-limit windows never leak between tests."""
    return "test-" + uuid.uuid4().hex[:10]


@pytest.fixture
def auth(stack: ReferenceStack, client_id: str) -> Callable[..., dict[str, str]]:
    def make(scopes: Any = NEURON_SCOPES, **kw: Any) -> dict[str, str]:
        return {"Authorization": "Bearer " + stack.token(scopes, client_id=client_id, **kw)}

    return make


@pytest.fixture
def http(stack: ReferenceStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.neuron_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def tight_spec(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The real spec with small limits, to show neuron/ reads them from its spec."""
    from contractkit.resources import neuron_spec_path

    spec = yaml.safe_load(neuron_spec_path().read_text(encoding="utf-8"))
    spec["paths"]["/suggest-next-action"]["post"]["x-ai-operation"]["deadline_ms"] = 1500
    spec["paths"]["/analyze-customer"]["post"]["x-rate-limit"] = {"requests": 3, "window_seconds": 3,
                                                                  "key": "client_id"}
    ws = spec["x-websockets"]["/chat/ws"]
    ws["auth"]["auth_timeout_seconds"] = 1
    ws["x-rate-limit"] = {"requests": 2, "window_seconds": 60, "key": "client_id"}
    path = tmp_path_factory.mktemp("spec") / "neuron-api.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tight_stack(tight_spec: Any) -> Iterator[ReferenceStack]:
    """neuron/ on the tight spec, with a provider timeout (30 s) longer than every deadline."""
    with ReferenceStack(fault_injection=True, provider_timeout_s=30.0, spec_path=tight_spec) as s:
        yield s
