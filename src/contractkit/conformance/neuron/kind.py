"""neuron/ as a kind of target: its checks, its preflight, and what its rules are checked on.

A rule registered with ``applies="<selector>"`` gets one test per operation of the spec under
test that the selector picks (``SELECTORS``), or per stream (``turns``: SSE operations and
WebSocket endpoints); with no selector it runs once on the whole target.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from contractkit.conformance.neuron.preflight import neuron_preflight
from contractkit.conformance.neuron.specs import load_spec
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.neuron.ws_session import endpoints_of
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.registry import NEURON_CHECKS
from contractkit.conformance.target_kind import TargetKind
from contractkit.spec import declarations
from contractkit.spec.declarations import SELECTORS

# The check modules, one per rule-id prefix (NEU-SCH -> sch.py), imported in report order: the registry
# lists rules in the order they register.
CHECK_MODULES = ("auth", "sch", "err", "fb", "rl", "sse", "use", "ws")
for _module in CHECK_MODULES:
    importlib.import_module(f"contractkit.conformance.neuron.{_module}")


@contextmanager
def _open(options: VerifyOptions) -> Iterator[NeuronTarget]:
    target = NeuronTarget(load_spec(options), options)
    try:
        yield target
    finally:
        target.close()


def _subjects(selector: str, options: VerifyOptions) -> list[Any]:
    spec = load_spec(options)
    if selector == "turns":
        return [op for op in spec.operations if op.is_stream] + endpoints_of(spec)
    if selector == "websocket":
        return endpoints_of(spec)
    return [op for op in spec.operations if SELECTORS[selector][1](op)]




def _gap(rule_id: str, subject: Any, options: VerifyOptions) -> str | None:
    """What the spec does not declare that the rule needs on this subject (``spec.declarations``)."""
    return declarations.gap(rule_id, load_spec(options), subject, options)


KIND = TargetKind("neuron", NEURON_CHECKS, neuron_preflight, _open, _subjects, declarations.describe_selector, _gap)
