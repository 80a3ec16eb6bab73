"""neuron/: auth on every protected operation (the SSE stream included)."""

import pytest

from contractkit.conformance.neuron import auth

pytestmark = pytest.mark.operations("authenticated")


@pytest.mark.rule("NEU-AUTH-001")
def test_no_token(neuron, operation):
    auth.no_token(neuron, operation)


@pytest.mark.rule("NEU-AUTH-002")
def test_malformed_token(neuron, operation):
    auth.malformed_token(neuron, operation)


@pytest.mark.rule("NEU-AUTH-003")
def test_tampered_token(neuron, operation):
    auth.tampered_token(neuron, operation)


@pytest.mark.rule("NEU-AUTH-004")
def test_expired_token(neuron, operation):
    auth.expired(neuron, operation)


@pytest.mark.rule("NEU-AUTH-005")
def test_wrong_audience(neuron, operation):
    auth.wrong_audience(neuron, operation)


@pytest.mark.rule("NEU-AUTH-006")
def test_missing_scope(neuron, operation):
    auth.missing_scope(neuron, operation)


@pytest.mark.rule("NEU-AUTH-007")
def test_credentials_not_reflected(neuron, operation):
    auth.no_reflection(neuron, operation)
