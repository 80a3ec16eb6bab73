"""The reference neuron/: every operation of specs/neuron-api.yaml, on any LLM provider."""

from contractkit.reference.neuron.app import create_neuron_app, replace_route
from contractkit.reference.neuron.settings import NeuronSettings

__all__ = ["NeuronSettings", "create_neuron_app", "replace_route"]
