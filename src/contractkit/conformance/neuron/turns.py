"""The streamed turns of an operation the stream rules judge: the suite's own, plus the valid ones
the schema phase already sent (one gathering per operation, shared by the rules)."""

from __future__ import annotations

import contextlib

from contractkit.conformance.http import Exchange
from contractkit.conformance.neuron.schema_run import schema_run
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.outcomes import NotVerified
from contractkit.spec.neuron import Operation


def stream_turns(neuron: NeuronTarget, op: Operation) -> list[Exchange]:
    """Streams answered with 200: the suite's own turns plus the schema phase's valid ones."""
    key = f"stream_turns:{op.label}"
    if key not in neuron.notes:
        own = [neuron.call(op) for _ in range(neuron.profile.stream_turns)]
        with contextlib.suppress(NotVerified):
            own += [s.exchange for s in schema_run(neuron, op).positive()]
        neuron.notes[key] = own
    turns = neuron.notes[key]
    ok = [e for e in turns if e.ok and e.status == 200]  # no answer proves nothing either way
    if not ok:
        raise NotVerified(f"no stream of {op.label} was answered with 200 "
                          f"(got {sorted({str(e.status or e.error) for e in turns})})")
    return ok
