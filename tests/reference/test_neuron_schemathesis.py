"""schemathesis (Python API) against the reference neuron/ with the spec: no check may fail."""

from __future__ import annotations

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from contractkit.reference.stack import ReferenceStack
from contractkit.resources import neuron_spec_path

EXAMPLES = int(os.environ.get("NEURON_SCHEMATHESIS_EXAMPLES", "30"))  # raise it for a deeper local run
SCHEMA = schemathesis.openapi.from_path(
    neuron_spec_path(),
    config=schemathesis.config.SchemathesisConfig.from_dict({"generation": {"mode": "all"}}),
)


@pytest.fixture(scope="module")
def target():
    with ReferenceStack(provider="embedded", rate_limits=False) as stack:
        yield stack, {"Authorization": f"Bearer {stack.token(client_id='schemathesis-' + uuid.uuid4().hex[:6])}"}


@SCHEMA.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_reference_conforms_to_its_spec(case, target):
    stack, headers = target
    case.call_and_validate(base_url=stack.neuron_url, headers=headers)
