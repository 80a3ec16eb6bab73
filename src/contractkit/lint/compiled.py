"""Compiled (jsonschema-rs) validators that reproduce openapi-spec-validator's own checks.

openapi-spec-validator validates a description in two passes: the whole document against the
official OpenAPI JSON Schema (which it already runs through jsonschema-rs when installed), and a
semantic pass that checks every Schema Object against its dialect's meta-schema through pure-Python
jsonschema. Both are reproduced here with the same schema files, read from the installed packages
(never copied), so the verdicts follow the installed versions:

* ``document_validator``: the OpenAPI 3.0/3.1 JSON Schema, compiled exactly as
  openapi-spec-validator compiles it (``validator_cls_for(schema)(schema)``, default options).
* ``meta_validator``: the JSON Schema draft 4 meta-schema (OpenAPI 3.0) or the OpenAPI 3.1 base
  dialect, with the ``format`` keyword replaced by one that answers like the Python format checker
  openapi-spec-validator passes (it checks ``regex`` with Python's ``re``; ``uri`` and
  ``uri-reference`` are checked only when rfc3987 or rfc3986-validator is installed, and then the
  compiled path is not used at all).

Importing this module costs jsonschema-rs only (about 30 ms), not jsonschema or pydantic.
"""

from __future__ import annotations

import importlib.util
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

OAS31_DIALECT_ID = "https://spec.openapis.org/oas/3.1/dialect/base"
#: Libraries whose presence makes jsonschema check URI formats; we do not reproduce that.
URI_FORMAT_LIBRARIES = ("rfc3987", "rfc3986_validator")


def _package_dir(name: str) -> Path | None:
    """The folder of an installed package, found without importing it (imports cost time)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def supported() -> bool:
    """Whether the compiled path can answer exactly like openapi-spec-validator here."""
    if importlib.util.find_spec("jsonschema_rs") is None:
        return False
    if any(importlib.util.find_spec(lib) is not None for lib in URI_FORMAT_LIBRARIES):
        return False
    return all(_package_dir(p) is not None for p in ("openapi_spec_validator", "openapi_schema_validator"))


@cache
def document_validator(version: str) -> Any:
    """The compiled OpenAPI JSON Schema of ``version`` ("3.0" or "3.1"), as openapi-spec-validator builds it."""
    import jsonschema_rs

    folder = _package_dir("openapi_spec_validator")
    assert folder is not None
    schema = _read_json(folder / "resources" / "schemas" / f"v{version}" / "schema.json")
    return jsonschema_rs.validator_cls_for(schema)(schema)


def is_valid_regex(pattern: str) -> bool:
    """openapi-schema-validator's ``regex`` format: ECMA 262 through regress if installed, else ``re``."""
    try:
        from regress import Regex, RegressError
    except ImportError:
        try:
            re.compile(pattern)
        except (re.error, RecursionError, OverflowError):
            return False
        return True
    try:
        Regex(pattern)
    except RegressError:
        return False
    return True


class PythonFormat:
    """A ``format`` keyword that answers like openapi-schema-validator's format checkers on meta-schemas.

    Meta-schemas only use ``regex``, ``uri`` and ``uri-reference``; the last two are not checked by
    the Python checker without an RFC 3986 library (see ``supported``).
    """

    def __init__(self, parent_schema: Any, value: Any, schema_path: Any) -> None:
        self.format = value

    def validate(self, instance: Any) -> None:
        if self.format == "regex" and isinstance(instance, str) and not is_valid_regex(instance):
            raise ValueError(f"{instance!r} is not a 'regex'")


@cache
def meta_validator(version: str) -> Any:
    """The meta-schema every Schema Object of an OpenAPI ``version`` description is checked against."""
    import jsonschema_rs

    if version == "3.0":
        specs = _package_dir("jsonschema_specifications")
        assert specs is not None
        meta = _read_json(specs / "schemas" / "draft4" / "metaschema.json")
        return jsonschema_rs.Draft4Validator(meta, keywords={"format": PythonFormat})
    folder = _package_dir("openapi_schema_validator")
    assert folder is not None
    base = folder / "schemas" / "oas3.1"
    resources = [_read_json(path) for path in sorted(base.rglob("*")) if path.is_file()]
    dialect = next(r for r in resources if r.get("$id") == OAS31_DIALECT_ID)
    registry = jsonschema_rs.Registry([(r["$id"], r) for r in resources if isinstance(r.get("$id"), str)])
    return jsonschema_rs.Draft202012Validator(dialect, registry=registry, keywords={"format": PythonFormat})
