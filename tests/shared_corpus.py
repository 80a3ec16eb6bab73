"""The real-world specs the tests use (GitHub's and Stripe's API descriptions), shipped in the
repository as ``tests/fixtures/corpus/*.yaml.xz`` and unpacked once into a temporary folder.

They are part of the repository so that a fresh clone runs every test: nothing is looked up on
the machine, and a missing file is an error rather than a silent skip.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import tempfile
from pathlib import Path

PACKED = Path(__file__).resolve().parent / "fixtures" / "corpus"


def corpus_dir() -> Path:
    """A folder holding every corpus spec, unpacked (``github-rest-3.0.3.yaml``, ...)."""
    packed = sorted(PACKED.glob("*.yaml.xz"))
    if not packed:
        raise FileNotFoundError(f"no corpus specs in {PACKED}: the checkout is incomplete")
    digest = hashlib.sha256(b"".join(p.name.encode() + str(p.stat().st_size).encode() for p in packed)).hexdigest()
    target = Path(tempfile.gettempdir()) / f"contractkit-corpus-{digest[:12]}"
    for source in packed:
        dest = target / source.name.removesuffix(".xz")
        if not dest.is_file():
            target.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(f"{dest.name}.{os.getpid()}.part")
            partial.write_bytes(lzma.decompress(source.read_bytes()))
            partial.replace(dest)  # atomic: parallel workers never see half a file
    return target
