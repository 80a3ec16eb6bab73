"""The same seed sends the same generated cases; another seed sends others; nothing lands in the cwd."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.seeding import seed_generation
from contractkit.loading import load_document
from contractkit.resources import neuron_spec_path


def _cases(seed: int, db: Path | None = None) -> list[Any]:
    """Invalid request bodies for POST /assess-risk, generated the way the schema rules generate them."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode

    options = VerifyOptions(kind="neuron", spec=None, profile=PROFILES["quick"], seed=seed, hypothesis_db=db)
    restore = seed_generation(options)
    seen: list[Any] = []
    try:
        schema = schemathesis.openapi.from_dict(load_document(neuron_spec_path()).data)
        operation = schema.find_operation_by_path("POST", "/assess-risk")

        @settings(max_examples=15, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))
        def collect(case: Any) -> None:
            seen.append(repr(case.body))

        collect()
    finally:
        restore()
    return seen


def test_the_same_seed_generates_the_same_cases() -> None:
    first, again, other = _cases(7), _cases(7), _cases(8)
    assert first == again
    assert first != other


FAILING_PROPERTY = """
import contextlib, sys
from pathlib import Path
from hypothesis import given, strategies as st
from contractkit.conformance.options import PROFILES, VerifyOptions
from contractkit.conformance.seeding import seed_generation

if sys.argv[1] == "seeded":
    seed_generation(VerifyOptions(kind="neuron", spec=None, profile=PROFILES["quick"], seed=3,
                                  hypothesis_db=Path(sys.argv[2])))

@given(st.integers())
def prop(n):
    assert n < 10

with contextlib.suppress(AssertionError):
    prop()
"""


def test_no_example_database_lands_in_the_current_folder(tmp_path: Path) -> None:
    for mode in ("plain", "seeded"):
        (tmp_path / mode).mkdir()
        # without CI in the environment: Hypothesis's "ci" profile would keep no database at all
        env = {k: v for k, v in os.environ.items() if k != "CI"}
        subprocess.run([sys.executable, "-c", FAILING_PROPERTY, mode, str(tmp_path / "db")], cwd=tmp_path / mode,
                       check=True, timeout=60, env=env)
    assert (tmp_path / "plain" / ".hypothesis").exists()  # Hypothesis's default: failing examples saved in the cwd
    assert not (tmp_path / "seeded" / ".hypothesis").exists()


def test_the_seed_is_restored_after_a_run() -> None:
    import hypothesis.core

    before = hypothesis.core.global_force_seed
    _cases(3)
    assert hypothesis.core.global_force_seed == before
