"""Where the real-world specs of ../shared/corpus are: beside the checkout (as in CI), or $CONTRACTKIT_CORPUS."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def corpus_dir() -> Path:
    for candidate in (os.environ.get("CONTRACTKIT_CORPUS"), REPO.parent / "shared" / "corpus", "/work/shared/corpus"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return REPO.parent / "shared" / "corpus"
