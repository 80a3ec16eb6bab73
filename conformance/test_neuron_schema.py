"""neuron/: schema conformance of generated valid and invalid requests (on schemathesis)."""

import pytest

from contractkit.conformance.neuron import schema


@pytest.mark.rule("NEU-SCH-001")
@pytest.mark.operations("json_answers")
def test_response_bodies_match_schemas(neuron, operation):
    schema.response_schema(neuron, operation)


@pytest.mark.rule("NEU-SCH-002")
def test_status_codes_declared(neuron, operation):
    schema.status_code(neuron, operation)


@pytest.mark.rule("NEU-SCH-003")
def test_content_types_declared(neuron, operation):
    schema.content_type(neuron, operation)


@pytest.mark.rule("NEU-SCH-004")
def test_response_headers(neuron, operation):
    schema.response_headers(neuron, operation)


@pytest.mark.rule("NEU-SCH-005")
def test_valid_requests_accepted(neuron, operation):
    schema.valid_accepted(neuron, operation)


@pytest.mark.rule("NEU-SCH-006")
@pytest.mark.operations("authenticated")
def test_invalid_requests_rejected(neuron, operation):
    schema.invalid_rejected(neuron, operation)
