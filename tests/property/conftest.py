"""The property tests print their seed and sample size, so a CI failure can be rerun as it ran."""

from __future__ import annotations

from property.config import CLEAN_EXAMPLES, DEFECT_EXAMPLES, FUZZ, SEED


def pytest_report_header() -> str:
    mode = "fuzz (shrinking, example database kept)" if FUZZ else "seeded sample"
    return (f"contractkit property tests: {mode}; seed {SEED} (CONTRACTKIT_FUZZ_SEED); "
            f"{CLEAN_EXAMPLES} clean specs, {DEFECT_EXAMPLES} defect runs (CONTRACTKIT_FUZZ_EXAMPLES)")
