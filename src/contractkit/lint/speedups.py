"""Measured speed-ups around openapi-spec-validator, which is most of lint's time.

1. ``fast_subnode_lookup``: pathable 0.6 (under jsonschema-path) looks every child up through
   ``isinstance(node, Subscriptable)``, a runtime-checkable Protocol, which Python 3.11 checks
   slowly: about a third of the validator's CPU time on the GitHub description. For the plain
   dicts and lists our loader produces the answer is always yes, so the patched lookup answers
   them directly and hands every other node to the original. Behaviour is identical; it is
   applied only to the pathable version it was measured on.

2. ``StructureCache``: openapi-spec-validator's verdict depends only on the documents' text and
   the validator's version, so it is cached under ``~/.cache/contractkit`` (``$XDG_CACHE_HOME``,
   or ``$CONTRACTKIT_CACHE_DIR``), keyed by a SHA-256 of both, as ruff and mypy cache theirs. A
   warm run skips importing and running the validator. ``CONTRACTKIT_NO_CACHE=1`` or
   ``contractkit lint --no-cache`` turns it off.

3. ``light_validator_settings``: openapi-schema-validator's one setting served without importing
   pydantic-settings (see the function), for the version it was measured on.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from contractkit import __version__

PATCHED_PATHABLE = "0.6."
MAX_CACHE_FILES = 500
HASH_CHUNK = 1 << 20
_patched = False


def fast_subnode_lookup() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    try:
        from pathable.accessors import SubscriptableAccessor

        if not installed_version("pathable").startswith(PATCHED_PATHABLE):
            return
        original = SubscriptableAccessor.__dict__["_get_subnode"].__func__
    except Exception:  # a different pathable: leave it alone
        return

    def _get_subnode(cls: Any, node: Any, part: Any) -> Any:
        if type(node) is dict or type(node) is list:
            try:
                return node[part]
            except (KeyError, IndexError, TypeError) as exc:
                raise KeyError(part) from exc
        return original(cls, node, part)

    SubscriptableAccessor._get_subnode = classmethod(_get_subnode)  # type: ignore[assignment]


LIGHT_SETTINGS_FOR = "0.9."
_SETTINGS_MODULE = "openapi_schema_validator.settings"
_SETTINGS_ENV_PREFIX = "OPENAPI_SCHEMA_VALIDATOR_"
DEFAULT_VALIDATOR_CACHE_SIZE = 128


def light_validator_settings() -> None:
    """Serve openapi-schema-validator's one setting without importing pydantic-settings.

    openapi-schema-validator 0.9 reads a single setting, the size of its compiled-validator cache
    (``OPENAPI_SCHEMA_VALIDATOR_COMPILED_VALIDATOR_CACHE_MAX_SIZE``, default 128), through
    pydantic-settings, whose import costs about 16 MB and 0.15 s: a tenth of linting a large spec.
    Where no such variable is set, a small module serving the same default stands in for its
    settings module; where one is set, or for another version, the real module reads it.
    """
    import sys
    import types

    if _SETTINGS_MODULE in sys.modules or any(k.startswith(_SETTINGS_ENV_PREFIX) for k in os.environ):
        return
    if not installed_version("openapi_schema_validator").startswith(LIGHT_SETTINGS_FOR):
        return
    module = types.ModuleType(_SETTINGS_MODULE, "openapi-schema-validator's settings, served by contractkit")
    settings = types.SimpleNamespace(compiled_validator_cache_max_size=DEFAULT_VALIDATOR_CACHE_SIZE)
    module.get_settings = lambda: settings  # type: ignore[attr-defined]
    module.reset_settings_cache = lambda: None  # type: ignore[attr-defined]
    sys.modules[_SETTINGS_MODULE] = module


def installed_version(package: str) -> str:
    """An installed distribution's version, read from its ``.dist-info`` folder name.

    ``importlib.metadata`` would answer too, but importing it (and the email and zip modules it
    pulls in) costs more memory than the whole cache saves on a small spec.
    """
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return "?"
    site = Path(next(iter(spec.submodule_search_locations))).parent
    prefix = package.replace("-", "_").lower() + "-"
    versions = [
        p.name[len(prefix) : -len(".dist-info")] for p in site.glob("*.dist-info") if p.name.lower().startswith(prefix)
    ]
    return versions[0] if len(versions) == 1 else "?"


def thorough() -> bool:
    """``contractkit lint --thorough`` (``CONTRACTKIT_THOROUGH=1``): the reference validators only, no fast paths."""
    return bool(os.environ.get("CONTRACTKIT_THOROUGH"))


def cache_dir() -> Path | None:
    if os.environ.get("CONTRACTKIT_NO_CACHE"):
        return None
    explicit = os.environ.get("CONTRACTKIT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "contractkit"


class StructureCache:
    """Cached structural findings (pointer, message pairs) per set of document texts."""

    def __init__(self, texts: list[str]) -> None:
        folder = cache_dir()
        self.path: Path | None = None
        if folder is None:
            return  # no key either: hashing megabytes of text for nothing costs time and memory
        digest = hashlib.sha256(
            f"contractkit {__version__} osv {installed_version('openapi_spec_validator')}\n".encode()
        )
        for text in texts:
            digest.update(len(text).to_bytes(8, "big"))
            for start in range(0, len(text), HASH_CHUNK):  # never a second full copy of the text
                digest.update(text[start : start + HASH_CHUNK].encode("utf-8", "surrogatepass"))
        self.key = digest.hexdigest()
        self.path = folder / "lint-structure" / f"{self.key}.json"

    def get(self) -> list[tuple[str, str]] | None:
        if self.path is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return [(str(p), str(m)) for p, m in data["hits"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, hits: list[tuple[str, str]]) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"hits": hits}), encoding="utf-8")
            tmp.replace(self.path)
            entries = sorted(self.path.parent.glob("*.json"), key=lambda p: p.stat().st_mtime)
            for old in entries[:-MAX_CACHE_FILES]:
                old.unlink(missing_ok=True)
        except OSError:
            pass  # a read-only home must not break lint
