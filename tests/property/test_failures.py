"""A failing example is reproducible: its spec is kept in a file named by its content, its facts
beside it, and the message gives the commands that serve its double and rerun verify on it."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, Phase, given, settings

from property.failures import keep, message
from property.runner import VerifyRun
from property.specgen.shape import Shape
from property.specgen.strategies import specs


@settings(max_examples=3, deadline=None, phases=(Phase.generate,), suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_a_kept_spec_names_its_file_and_rerun_commands(generated: tuple[Shape, dict]) -> None:
    shape, data = generated
    path = keep(shape, data)
    assert path.is_file() and json.loads(path.with_suffix(".shape.json").read_text()) == json.loads(
        json.dumps(shape.as_dict()))
    run = VerifyRun(path, frozenset({"check_expiry"}), 1, "", "", None)
    text = message("defect check_expiry: missed by ['NEU-AUTH-004']", run.explain())
    assert str(path) in text and "--defect check_expiry" in text and "contractkit verify neuron" in text
    assert "CONTRACTKIT_FUZZ_SEED=" in text
