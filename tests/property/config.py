"""How many generated specs a run tries, with which seed, and whether it shrinks: a small fixed sample
in ``./dev test``; ``./dev fuzz`` sets CONTRACTKIT_FUZZ=1 with its own examples and seed."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

REPO = Path(__file__).resolve().parents[2]
FAILURES = REPO / ".hypothesis" / "contractkit-failures"
FUZZ = os.environ.get("CONTRACTKIT_FUZZ") == "1"
SEED = int(os.environ.get("CONTRACTKIT_FUZZ_SEED") or 20261206)
# the CI sample: each example is one verify run against a double (tens of seconds on a busy machine)
CLEAN_EXAMPLES = int(os.environ.get("CONTRACTKIT_FUZZ_EXAMPLES") or 2)
DEFECT_EXAMPLES = int(os.environ.get("CONTRACTKIT_FUZZ_EXAMPLES") or 2)
# a fuzz run shrinks a failure to a small spec (many more verify runs) and keeps it in the example database
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink) if FUZZ else (Phase.explicit, Phase.generate)
TEST_TIMEOUT_S = 0 if FUZZ else 900


def verify_settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, phases=PHASES, database=None if not FUZZ else
                    settings.default.database, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large])
