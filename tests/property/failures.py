"""Where a generated spec is kept for its run: a file named by its content under
``.hypothesis/contractkit-failures``, so the message of a failing (shrunk) example names a spec and
the command that reruns verify against a double of it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml

from property.config import FAILURES, SEED
from property.specgen.shape import Shape


def keep(shape: Shape, data: dict[str, Any]) -> Path:
    """The spec written to a file of its own (its chosen facts beside it, as JSON)."""
    text = yaml.safe_dump(data, sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    FAILURES.mkdir(parents=True, exist_ok=True)
    path = FAILURES / f"spec-{digest}.yaml"
    path.write_text(text)
    path.with_suffix(".shape.json").write_text(json.dumps(shape.as_dict(), indent=1))
    return path


def message(title: str, explain: str) -> str:
    return (f"{title}\n(seed {SEED}; rerun this property with CONTRACTKIT_FUZZ_SEED={SEED} ./dev fuzz, "
            f"or the commands below against this spec)\n{explain}")
