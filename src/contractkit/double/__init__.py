"""The spec-driven neuron/ double: a neuron/ made from any neuron spec, with no LLM, that plays
faults on demand and records what its consumer did (``contractkit serve neuron-double``,
``contractkit chaos``). See docs/consumer.md."""

from contractkit.double.app import DoubleSettings, NeuronDouble
from contractkit.double.faults import FAULT_HEADER, FAULTS

__all__ = ["FAULTS", "FAULT_HEADER", "DoubleSettings", "NeuronDouble"]
