"""The stream grammar and the usage pricing shared by the SSE and WebSocket rules."""

from __future__ import annotations

from contractkit.conformance.neuron.frames import grammar_problems, usage_problem
from contractkit.resources import neuron_spec_path
from contractkit.spec.neuron import NeuronSpec, StreamGrammar, Usage

GRAMMAR = StreamGrammar(("start",), ("delta",), ("done",), ("error",), text="/text", index="/index",
                        usage=Usage("/token_count", "/cost_usd"), fallback="/fallback", type_field="/type")

DONE = ("done", {"type": "done", "token_count": 3, "cost_usd": 0.0, "fallback": False})
START = ("start", {"type": "start"})


def delta(i):
    return ("delta", {"type": "delta", "index": i, "text": "x"})


def test_a_well_formed_turn_has_no_problem():
    assert grammar_problems([START, delta(0), delta(1), DONE], GRAMMAR) == []


def test_grammar_violations_are_named():
    terminal = GRAMMAR
    assert "no terminal frame" in grammar_problems([START, delta(0)], terminal)[0]
    assert "2 terminal frames" in grammar_problems([START, DONE, DONE], terminal)[0]
    assert "not an opening frame" in grammar_problems([delta(0), DONE], terminal)[0]
    assert "delta index 2" in grammar_problems([START, delta(0), delta(2), DONE], terminal)[0]
    assert "frames follow" in grammar_problems([START, DONE, delta(0)], terminal)[0]
    assert "reports no token count" in grammar_problems([START, ("done", {"type": "done"})], terminal)[0]
    assert grammar_problems([], terminal) == ["the stream carried no frame at all"]


def test_usage_is_priced_by_x_pricing():
    spec = NeuronSpec.load(neuron_spec_path())
    assert usage_problem(spec, "balanced", 187, 0.000561) is None
    assert usage_problem(spec, "advanced", 233, 0.003495) is None
    assert "x-pricing gives 0.000561" in usage_problem(spec, "balanced", 187, 0.001122)
    assert "non-negative" in usage_problem(spec, "balanced", -1, 0.0)
    assert "no x-pricing rate" in usage_problem(spec, "premium", 1, 0.0)
