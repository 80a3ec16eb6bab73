"""The neuron spec under test, loaded once per path for the whole run (the preflight, the plan,
the target and the subject lists all read the same model)."""

from __future__ import annotations

from contractkit.conformance.options import VerifyOptions
from contractkit.resources import neuron_spec_path
from contractkit.spec.neuron import NeuronSpec

_SPECS: dict[str, NeuronSpec] = {}


def load_spec(options: VerifyOptions) -> NeuronSpec:
    """The spec ``--spec`` names (the bundled one without it), parsed on first use."""
    path = options.spec or neuron_spec_path()
    key = str(path)
    if key not in _SPECS:
        _SPECS[key] = NeuronSpec.load(path)
    return _SPECS[key]
