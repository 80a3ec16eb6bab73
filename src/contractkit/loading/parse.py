"""Text to JSON-compatible data, safely: the only place contractkit parses YAML or JSON.

yaml-rs (Rust) parses a 3.5 MB spec in about 0.2 s where PyYAML's C loader takes 2.3 s, and it
meets hostile input well: alias bombs stop at a replay limit, duplicate keys are an error, tags
such as ``!!python/object`` are never executed. What it leaves to us: invalid UTF-8 and binary
bytes (we decode strictly), nesting so deep that recursive consumers would overflow the stack
(we refuse it), and keys that are not strings (``200:`` becomes ``"200"``, as every OpenAPI tool
reads it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from contractkit.errors import SpecParseError, SpecReadError

#: Deeper than this is refused: no real spec comes near it, and recursive validators overflow past it.
MAX_DEPTH = 128
#: Alias replay budget: generous for real anchors, far below what a "billion laughs" needs.
MAX_ALIAS_EVENTS = 200_000

_YAML_LOCATION = re.compile(r"line (\d+), column (\d+)")
# A language-specific tag on a node (PyYAML's "!!python/object/apply:os.system" and kin).
_LANGUAGE_TAG = re.compile(r"(?:^|[\s\[{,:-])!!(python|ruby|perl|java|php)/", re.MULTILINE)


def decode(raw: bytes, name: str) -> str:
    """Bytes to text: UTF-8 (a BOM is dropped), refusing binary data with the offending line."""
    if b"\x00" in raw[:8192] or b"\x00" in raw:
        raise SpecReadError("binary data (NUL bytes), not a YAML or JSON spec", location=name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecReadError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
            location=f"{name}:{line}",
        ) from None
    return text[1:] if text.startswith("\ufeff") else text


def parse(text: str, name: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse YAML (JSON is YAML) into dicts, lists and scalars with string keys.

    Raises SpecParseError with ``name:line:column`` where the parser knows it. ``max_depth``: nesting
    deeper than this is refused (callers that walk iteratively, or raise the recursion limit, may allow more).
    """
    looks_json = text.lstrip().startswith(("{", "["))
    data = _parse_json(text, name, max_depth) if looks_json else _parse_yaml(text, name, max_depth)
    return normalize(data, name, max_depth)


def _parse_json(text: str, name: str, max_depth: int = MAX_DEPTH) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise SpecParseError(f"duplicate key {key!r}", location=name)
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        # JSON with YAML-only syntax (comments, flow YAML) is still YAML: try that before failing.
        try:
            return _parse_yaml(text, name, max_depth)
        except SpecParseError:
            raise SpecParseError(exc.msg, location=f"{name}:{exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise SpecParseError(f"nesting deeper than {max_depth} levels", location=name) from None


def _parse_yaml(text: str, name: str, max_depth: int = MAX_DEPTH) -> Any:
    import yaml_rs

    limits = yaml_rs.AliasLimits(max_total_replayed_events=MAX_ALIAS_EVENTS, max_replay_stack_depth=64)
    _refuse_parser_crashing_depth(text, name, max_depth)
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=limits)
    except yaml_rs.YAMLDecodeError as exc:
        raise _yaml_error(str(exc), text, name) from None
    except RecursionError:
        raise SpecParseError(f"nesting deeper than {max_depth} levels", location=name) from None
    if isinstance(data, list) and re.search(r"^---", text, re.MULTILINE):
        # yaml-rs returns a list of documents for a multi-document stream.
        raise SpecParseError("several YAML documents in one file; a spec is one document", location=name)
    tag = _LANGUAGE_TAG.search(text)
    if tag:
        line = text.count("\n", 0, tag.start()) + 1
        raise SpecParseError(
            f"a !!{tag.group(1)}/ tag: only plain YAML data is accepted (tags are never executed)",
            location=f"{name}:{line}",
        )
    return data


# The YAML parser recurses per level and overflows its native stack past about ten thousand levels
# (a crash, not an error): nesting that deep is refused from the text, before it is parsed.
PARSER_SAFE_DEPTH = 5000


def _refuse_parser_crashing_depth(text: str, name: str, max_depth: int) -> None:
    """Refuse block nesting deeper than the parser survives: compact sequences or complex keys on one
    line (``- - - - x``) and indentation, each of which opens a level per indicator or column."""
    limit = min(max_depth, PARSER_SAFE_DEPTH)
    compact = r"^[ \t]*(?:[-?][ \t]+){" + str(limit + 1) + "}"
    indented = r"^[ ]{" + str(PARSER_SAFE_DEPTH + 1) + "}"
    deep = re.search(compact, text, re.MULTILINE) or re.search(indented, text, re.MULTILINE)
    if deep:
        line = text.count("\n", 0, deep.start()) + 1
        raise SpecParseError(f"nesting deeper than {limit} levels", location=f"{name}:{line}")


def _yaml_error(message: str, text: str, name: str) -> SpecParseError:
    first = message.strip().splitlines()[0] if message.strip() else "YAML syntax error"
    lines = message.strip().splitlines()
    reason = lines[-1].strip() if len(lines) > 1 else first
    where = _YAML_LOCATION.search(first)
    if where:
        return SpecParseError(reason, location=f"{name}:{where.group(1)}:{where.group(2)}")
    if first.startswith("duplicate mapping key"):
        from contractkit.loading.locate import find_duplicate_key

        spot = find_duplicate_key(text)
        loc = f"{name}:{spot[0]}:{spot[1]}" if spot else name
        return SpecParseError(f"{first} (a key may appear once per mapping)", location=loc)
    if "alias" in first.lower():
        return SpecParseError(f"{first}: too many alias expansions (a YAML alias bomb?)", location=name)
    if first.startswith("Invalid tag"):
        return SpecParseError(f"{first}: only plain YAML data is accepted; tags are never executed", location=name)
    return SpecParseError(first, location=name)


def normalize(data: Any, name: str, max_depth: int = MAX_DEPTH) -> Any:
    """Make keys strings and refuse too-deep nesting, iteratively (no recursion to overflow)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise SpecParseError(f"nesting deeper than {max_depth} levels", location=name)
        if isinstance(node, dict):
            if any(type(k) is not str for k in node):
                _stringify_keys(node, name)
            if MERGE_KEY in node:
                _merge(node, 0)
            for value in node.values():
                if isinstance(value, dict | list):
                    stack.append((value, depth + 1))
        elif isinstance(node, list):
            for value in node:
                if isinstance(value, dict | list):
                    stack.append((value, depth + 1))
    return data


MERGE_KEY = "<<"


def _merge(node: dict[str, Any], depth: int) -> None:
    """Apply a YAML 1.1 merge key (``<<: *base`` or ``<<: [*a, *b]``), as PyYAML and Spectral do.

    yaml-rs implements YAML 1.2, which has no merge keys; specs written for 1.1 tools use them.
    Keys written in the mapping win over merged ones; earlier sources win over later ones.
    """
    sources = node.get(MERGE_KEY)
    sources = [sources] if isinstance(sources, dict) else sources
    if not isinstance(sources, list) or not all(isinstance(src, dict) for src in sources) or depth > MAX_DEPTH:
        return
    del node[MERGE_KEY]
    for source in sources:
        if MERGE_KEY in source:
            _merge(source, depth + 1)
        for key, value in source.items():
            node.setdefault(key, value)


def _stringify_keys(node: dict[Any, Any], name: str) -> None:
    items = list(node.items())
    node.clear()
    for key, value in items:
        if isinstance(key, bool):
            text = "true" if key else "false"
        elif key is None:
            text = "null"
        elif isinstance(key, int | float | str):
            text = str(key)
        else:
            raise SpecParseError(f"a mapping key is a {type(key).__name__}, not a scalar", location=name)
        if text in node:
            raise SpecParseError(f"duplicate key {text!r}", location=name)
        node[text] = value
