"""The run's seed and Hypothesis's example database, set for every generated case.

Each Hypothesis test of the suite draws from ``Random(seed)`` (Hypothesis's own forced seed, the
one its ``--hypothesis-seed`` option sets), so the same seed sends the same cases, and rerunning
one operation with the seed of a failed run replays its cases even when other operations are
filtered out. The example database goes to ``--hypothesis-db`` (by default the user cache
folder); Hypothesis's other caches go there too (or to a temporary folder with ``none``), never
to the current folder of whoever runs the suite.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from contractkit.conformance.options import VerifyOptions

PROFILE = "contractkit"


def seed_generation(options: VerifyOptions) -> Callable[[], None]:
    """Seed Hypothesis for this run; returns the function that restores the previous state
    (``contractkit verify`` may run the suite several times in one process)."""
    import hypothesis.configuration as configuration
    import hypothesis.core as core
    from hypothesis import settings
    from hypothesis.database import DirectoryBasedExampleDatabase

    previous_seed = core.global_force_seed
    previous_profile = settings.get_current_profile_name()
    previous_home = vars(configuration).get("__hypothesis_home_directory")
    database = DirectoryBasedExampleDatabase(str(options.hypothesis_db)) if options.hypothesis_db else None
    # derandomize=False: Hypothesis's "ci" profile (loaded wherever CI is set) derandomizes, which
    # would make every run send the same cases whatever --seed says.
    settings.register_profile(PROFILE, parent=settings.get_profile(previous_profile), database=database,
                              derandomize=False)
    settings.load_profile(PROFILE)
    # Hypothesis also keeps caches in its home folder (``./.hypothesis`` by default): not in the cwd.
    home = options.hypothesis_db or Path(tempfile.gettempdir()) / "contractkit-hypothesis"
    configuration.set_hypothesis_home_dir(home)
    core.global_force_seed = options.seed

    def restore() -> None:
        core.global_force_seed = previous_seed
        settings.load_profile(previous_profile)
        configuration.set_hypothesis_home_dir(previous_home)

    return restore
