"""``contractkit init``: a lint-clean starting spec of each kind, or one built from a running service.

The templates (``neuron-api.yaml``, ``mcp-servers.yaml`` beside this module) are commented, use
every extension the kit reads (or show it commented out), and pass ``contractkit lint`` as they
are, so a new project starts green and every edit is checked. ``from_openapi`` starts instead
from the OpenAPI document a running service publishes (FastAPI serves ``/openapi.json``).
"""

from __future__ import annotations

from pathlib import Path

from contractkit.errors import ConfigError

TEMPLATES = {"neuron": "neuron-api.yaml", "mcp": "mcp-servers.yaml"}
_HERE = Path(__file__).resolve().parent


def template(kind: str) -> str:
    return (_HERE / TEMPLATES[kind]).read_text(encoding="utf-8")


def write_spec(folder: Path, name: str, text: str, *, force: bool = False) -> Path:
    """Write ``folder/name``; an existing file is never overwritten unless ``force``."""
    path = folder / name
    if path.exists() and not force:
        raise ConfigError(f"{path} exists: not overwriting it (give --force to replace it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
