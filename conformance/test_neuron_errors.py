"""neuron/: error bodies, leaks, invalid input and unknown customers."""

import pytest

from contractkit.conformance.neuron import errors


@pytest.mark.rule("NEU-ERR-001")
@pytest.mark.operations("authenticated")
def test_error_bodies(neuron, operation):
    errors.error_body(neuron, operation)


@pytest.mark.rule("NEU-ERR-002")
@pytest.mark.operations("authenticated")
def test_no_internals_leak(neuron, operation):
    errors.no_leaks(neuron, operation)


@pytest.mark.rule("NEU-ERR-003")
@pytest.mark.operations("authenticated")
def test_invalid_input_never_5xx(neuron, operation):
    errors.no_5xx_for_bad_input(neuron, operation)


@pytest.mark.rule("NEU-ERR-004")
@pytest.mark.operations("customer")
def test_unknown_customer_404(neuron, operation):
    errors.unknown_customer(neuron, operation)
