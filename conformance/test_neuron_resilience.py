"""neuron/: provider failures (fallback, deadline, readiness) and the rate limit. These run last."""

import pytest

from contractkit.conformance.neuron import fallback, ratelimit


@pytest.mark.rule("NEU-FB-001")
@pytest.mark.operations("ai")
def test_declared_fallback(neuron, operation):
    fallback.declared_fallback(neuron, operation)


@pytest.mark.rule("NEU-FB-002")
@pytest.mark.operations("ai")
def test_deadline_kept(neuron, operation):
    fallback.deadline_kept(neuron, operation)


@pytest.mark.rule("NEU-FB-003")
def test_readiness_degrades_and_recovers(neuron):
    fallback.readiness(neuron)


@pytest.mark.rule("NEU-RL-001")
def test_rate_limit(neuron):
    ratelimit.rate_limited(neuron)
