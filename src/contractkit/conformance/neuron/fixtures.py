"""pytest fixtures and parametrization for the neuron/ modules of the suite.

``neuron`` is the session's ``NeuronTarget``. A test that takes an ``operation`` argument is
parametrized over the spec's operations selected by its ``@pytest.mark.operations(kind)``
marker (``all``, ``authenticated``, ``ai``, ``json_ai``, ``customer``, ``stream``,
``rate_limited``, ``json_answers``), so the suite follows whatever spec it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from contractkit.conformance.http import probe
from contractkit.conformance.neuron.target import NeuronTarget
from contractkit.conformance.options import VerifyOptions
from contractkit.conformance.plugin import OPTIONS_KEY, STATE_KEY, register_preflight
from contractkit.spec.neuron import NeuronSpec, Operation

SELECTORS: dict[str, Callable[[Operation], bool]] = {
    "all": lambda op: True,
    "authenticated": lambda op: op.authenticated,
    "ai": lambda op: op.ai is not None,
    "json_ai": lambda op: op.ai is not None and not op.is_stream,
    "customer": lambda op: op.takes_customer,
    "stream": lambda op: op.is_stream,
    "rate_limited": lambda op: op.rate_limit is not None,
    "json_answers": lambda op: any(status.startswith("2") and any("json" in media for media in r.content)
                                   for status, r in op.responses.items()),
}

_SPECS: dict[str, NeuronSpec] = {}


def load_spec(options: VerifyOptions) -> NeuronSpec:
    from contractkit.resources import neuron_spec_path

    path = options.spec or neuron_spec_path()
    key = str(path)
    if key not in _SPECS:
        _SPECS[key] = NeuronSpec.load(path)
    return _SPECS[key]


def _preflight(options: VerifyOptions) -> None:
    load_spec(options)
    if options.neuron_url:
        probe(options.neuron_url, timeout=options.request_timeout)


register_preflight("neuron", _preflight)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "operation" not in metafunc.fixturenames:
        return
    options = metafunc.config.stash.get(OPTIONS_KEY, None)
    marker = metafunc.definition.get_closest_marker("operations")
    kind = marker.args[0] if marker else "all"
    ops: list[Operation] = []
    if options is not None and options.kind == "neuron":
        ops = [op for op in load_spec(options).operations if SELECTORS[kind](op)]
    if not ops:
        reason = f"the spec has no {kind} operation" if options and options.kind == "neuron" else "not a neuron run"
        metafunc.parametrize("operation", [pytest.param(None, marks=pytest.mark.skip(reason=reason))], ids=["none"])
        return
    metafunc.parametrize("operation", ops, ids=[op.label for op in ops])


@pytest.fixture(scope="session")
def neuron(request: pytest.FixtureRequest) -> Iterator[NeuronTarget]:
    options = request.config.stash[OPTIONS_KEY]
    if options.kind != "neuron":
        pytest.skip("not a neuron run")
    target = NeuronTarget(load_spec(options), options)
    try:
        yield target
    finally:
        state = request.config.stash.get(STATE_KEY, None)
        if state is not None:
            state.meta["requests"] = target.client.exchanges
        target.close()
