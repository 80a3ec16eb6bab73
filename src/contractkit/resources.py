"""Where the bundled specs and the conformance suite live, installed or in a checkout.

A wheel carries ``specs/`` and ``conformance/`` under ``contractkit/_bundled/`` (see
pyproject.toml); an editable install or a checkout finds them at the repository's top level.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    installed = _PACKAGE_DIR / "_bundled" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"contractkit is installed without its {name}/ folder")


def specs_dir() -> Path:
    """The folder holding neuron-api.yaml, mcp-servers.yaml and their meta-schema."""
    return _bundled("specs")


def conformance_dir() -> Path:
    """The folder holding the pytest modules of the conformance suite."""
    return _bundled("conformance")


def neuron_spec_path() -> Path:
    return specs_dir() / "neuron-api.yaml"


def mcp_spec_path() -> Path:
    return specs_dir() / "mcp-servers.yaml"


def mcp_schema_path() -> Path:
    return specs_dir() / "mcp-servers.schema.json"


def neuron_extensions_schema_path() -> Path:
    """The JSON Schema of every x- extension the kit reads in a neuron/ spec."""
    return specs_dir() / "neuron-extensions.schema.json"
