"""Silencing findings, the two ways Spectral and Redocly users ask for.

1. Inline, in the spec: ``x-contractkit-ignore: [OAS-020, OAS-030]`` on a node silences those
   rules' findings on that node and everything under it (``"*"`` silences every rule).
2. An ignore file, ``.contractkit-ignore`` (beside the spec, or in the working folder, or given
   with ``--ignore-file``), one entry per line::

       # rule      file (relative to this ignore file)#json-pointer
       OAS-030     specs/neuron-api.yaml#/paths/~1health/get/responses/503
       OAS-060     specs/neuron-api.yaml            (the whole file)
       MCP-011     #/servers/0/tools/2              (any file)

   A pointer silences findings at it and below it. Rule ids may end in ``*`` (``OAS-06*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contractkit.errors import ConfigError
from contractkit.lint.registry import IGNORE_KEY
from contractkit.loading import Document, pointer_parts

IGNORE_FILE_NAME = ".contractkit-ignore"


def _rule_matches(pattern: str, rule_id: str) -> bool:
    pattern = pattern.strip()
    if pattern == "*" or pattern == rule_id:
        return True
    return pattern.endswith("*") and rule_id.startswith(pattern[:-1])


def _pointer_within(pointer: str, prefix: str) -> bool:
    return not prefix or pointer == prefix or pointer.startswith(prefix.rstrip("/") + "/")


def inline_ignored(document: Document, pointer: str, rule_id: str) -> bool:
    """True if ``x-contractkit-ignore`` on the node at ``pointer`` or on any ancestor names the rule."""
    node: Any = document.data
    for part in [None, *pointer_parts(pointer)]:
        if part is not None:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False
        if isinstance(node, dict) and IGNORE_KEY in node:
            rules = node[IGNORE_KEY]
            rules = [rules] if isinstance(rules, str) else rules
            if isinstance(rules, list) and any(isinstance(r, str) and _rule_matches(r, rule_id) for r in rules):
                return True
    return False


@dataclass(frozen=True)
class IgnoreEntry:
    rule: str
    file: Path | None
    pointer: str
    source: str  # "file:line" of the entry, for messages


@dataclass
class IgnoreList:
    entries: list[IgnoreEntry] = field(default_factory=list)
    used: set[IgnoreEntry] = field(default_factory=set)

    def matches(self, rule_id: str, file: Path | None, pointer: str) -> bool:
        resolved = file.resolve() if file is not None else None
        for entry in self.entries:
            if not _rule_matches(entry.rule, rule_id):
                continue
            if entry.file is not None and entry.file != resolved:
                continue
            if _pointer_within(pointer, entry.pointer):
                self.used.add(entry)
                return True
        return False

    def extend(self, path: Path) -> None:
        """Add the entries of an ignore file. A malformed line is a ConfigError naming it."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read ignore file: {exc}", location=str(path)) from None
        base = path.resolve().parent
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) > 2 and not parts[2].startswith("#"):
                raise ConfigError("expected 'RULE-ID [file][#/json/pointer]'", location=f"{path}:{lineno}")
            rule = parts[0]
            target = parts[1] if len(parts) > 1 else ""
            where, _, pointer = target.partition("#")
            if pointer and not pointer.startswith("/"):
                raise ConfigError(f"the pointer {pointer!r} must start with '/'", location=f"{path}:{lineno}")
            file = (base / where).resolve() if where else None
            self.entries.append(IgnoreEntry(rule, file, pointer, f"{path}:{lineno}"))


def load_ignore_files(explicit: str | None, spec_files: list[Path], cwd: Path) -> IgnoreList:
    """The explicit ignore file, else every ``.contractkit-ignore`` in the cwd and beside the specs."""
    ignores = IgnoreList()
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError("ignore file not found", location=explicit)
        ignores.extend(path)
        return ignores
    seen: set[Path] = set()
    for folder in [cwd, *(p.resolve().parent for p in spec_files)]:
        candidate = (folder / IGNORE_FILE_NAME).resolve()
        if candidate not in seen and candidate.is_file():
            seen.add(candidate)
            ignores.extend(candidate)
    return ignores
