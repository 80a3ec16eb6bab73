"""The spec-driven neuron/ double: a neuron/ made from any neuron spec, with no LLM, that plays
faults on demand and records what its consumer did (``contractkit serve neuron-double``,
``contractkit chaos``). See docs/consumer.md.

The names below load on first use: the CLI reads this package's arguments (``double.serve``) for
every command, and must not pay for the double's server (FastAPI, the reference neuron/'s limiter)
unless it serves one."""

from __future__ import annotations

from typing import Any

__all__ = ["FAULTS", "FAULT_HEADER", "DoubleSettings", "NeuronDouble"]


def __getattr__(name: str) -> Any:
    if name in ("DoubleSettings", "NeuronDouble"):
        from contractkit.double import app

        return getattr(app, name)
    if name in ("FAULTS", "FAULT_HEADER"):
        from contractkit.double import faults

        return getattr(faults, name)
    raise AttributeError(name)
