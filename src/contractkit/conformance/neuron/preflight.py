"""neuron/'s preflight: the spec loads, a cost limit can be enforced, and the target answers.

Reaching the target means asking the spec's liveness probe (``x-probe: {role: liveness}``), or
the base URL when the spec declares none, within ``--request-timeout`` for the whole answer: a
target that trickles its answer is as unreachable as one that hangs. A ``--max-cost-usd`` the kit
could not enforce (an AI operation whose answers do not say where they report usage) is bad
input, not a silent unlimited run.
"""

from __future__ import annotations

from typing import Any

from contractkit.conformance.http import probe
from contractkit.conformance.neuron.cost import CostReader
from contractkit.conformance.neuron.specs import load_spec
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.selection import selected
from contractkit.errors import ConfigError


def neuron_preflight(options: VerifyOptions) -> None:
    """The spec loads, a cost limit can be enforced, and (unless ``--plan``) the liveness probe answers."""
    spec = load_spec(options)
    if options.max_cost_usd is not None:
        blind = [label for label in CostReader(spec).unreadable_ai_operations()
                 if (op := spec.operation(label)) is None or selected(op, options)]
        if blind:
            raise ConfigError(f"--max-cost-usd cannot be enforced: the spec does not say where "
                              f"{', '.join(blind[:3])} report usage (x-ai-operation.usage / x-stream.usage)")
    if options.plan or not options.neuron_url:
        return
    probe(options.neuron_url, liveness_path(spec), timeout=options.request_timeout, headers=options.headers)


def liveness_path(spec: Any) -> str:
    """The path of the spec's liveness probe (``x-probe``), or "" (the base URL) when it declares
    none or its path needs parameters the kit cannot know."""
    op = spec.probe("liveness")
    if op is None or op.method != "GET" or "{" in op.path:
        return ""
    return op.path
