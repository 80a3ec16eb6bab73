"""JSON pointer -> (line, column), built lazily and only when a finding must be placed.

Parsing with yaml-rs gives no positions. Rather than compose the whole document a second time
with PyYAML (seconds on a 3.5 MB spec), ``BlockIndex`` scans the text's block structure once:
every ``key:`` and ``- item`` line, its indentation, and the pointer it stands for. That is
exact for block-style YAML, which is how specs are written. Anything it cannot see (flow
collections, merge keys, JSON files) falls back to PyYAML's composer for small files, or to the
nearest ancestor the scan did see, so a finding is always placed somewhere sensible.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Above this size the exact PyYAML fallback is skipped (too slow for an interactive lint).
COMPOSE_FALLBACK_MAX_BYTES = 1_000_000

_KEY = re.compile(
    r"""(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^']|'')*)'|(?P<plain>[^\s#'"\[\]{},&*!|>%@`?][^#]*?|\?\S[^#]*?))"""
    r"""[ \t]*:(?:[ \t]+|$)"""
)


def escape(token: str) -> str:
    """One JSON pointer reference token (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_join(base: str, *tokens: str | int) -> str:
    return base + "".join("/" + escape(str(t)) for t in tokens)


def pointer_parts(pointer: str) -> list[str]:
    if pointer in ("", "#"):
        return []
    pointer = pointer[1:] if pointer.startswith("#") else pointer
    return [unescape(p) for p in pointer.split("/")[1:]]


def pointer_get(document: Any, pointer: str | None, default: Any = None) -> Any:
    """The value at an RFC 6901 ``pointer`` (``#`` prefix allowed) in a JSON value, or ``default``."""
    if not isinstance(pointer, str):
        return default
    node = document
    for part in pointer_parts(pointer):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return default
    return node


class _Container:
    __slots__ = ("count", "indent", "is_seq", "pointer")

    def __init__(self, indent: int, pointer: str, is_seq: bool) -> None:
        self.indent = indent
        self.pointer = pointer
        self.is_seq = is_seq
        self.count = 0


def build_block_index(text: str) -> dict[str, tuple[int, int]]:
    """Scan block-style YAML once; map each key's and item's JSON pointer to (line, column), 1-based."""
    index: dict[str, tuple[int, int]] = {"": (1, 1)}
    stack: list[_Container] = []
    # A node whose value starts on a later line: (pointer, column, may a "- " list start at that column).
    pending: tuple[str, int, bool] | None = ("", -1, False)
    skip_deeper_than: int | None = None  # continuation of an inline scalar / flow / block scalar
    for lineno, line in enumerate(text.splitlines(), 1):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        col = len(line) - len(body)
        if skip_deeper_than is not None:
            if col > skip_deeper_than:
                continue
            skip_deeper_than = None
        if col == 0 and body.startswith(("---", "...")):
            if lineno > 1 and len(index) > 1:
                break  # only the first document is indexed
            continue
        while True:
            is_item = body == "-" or body.startswith(("- ", "-\t"))
            key_match = None if is_item else _KEY.match(body)
            if not is_item and key_match is None:
                break
            container = _container_for(stack, pending, col, is_item)
            pending = None
            if container is None:
                skip_deeper_than = col
                break
            if is_item:
                pointer = f"{container.pointer}/{container.count}"
                container.count += 1
                rest = body[1:].lstrip(" \t")
                index[pointer] = (lineno, col + 1 + (len(body) - len(rest)) if rest else col + 1)
                if not rest or rest.startswith("#") or _is_node_property(rest):
                    pending = (pointer, col, False)
                    break
                offset = len(body) - len(rest)
                if rest.startswith(("- ", "-\t")) or rest == "-" or _KEY.match(rest):
                    # "- key: value" or "- - x": the item is a container starting on this line.
                    stack.append(_Container(col + offset, pointer, rest.startswith("-")))
                    col += offset
                    body = rest
                    continue
                skip_deeper_than = col
                break
            key = _key_text(key_match)
            pointer = f"{container.pointer}/{escape(key)}"
            index.setdefault(pointer, (lineno, col + 1))
            rest = body[key_match.end() :].strip()
            if not rest or rest.startswith("#") or _is_node_property(rest):
                pending = (pointer, col, True)
            else:
                skip_deeper_than = col
            break
    return index


def _is_node_property(rest: str) -> bool:
    """An anchor or tag with nothing after it: the node's value starts on the next line."""
    parts = rest.split("#", 1)[0].split()
    return bool(parts) and all(p.startswith(("&", "!")) for p in parts)


def _container_for(
    stack: list[_Container], pending: tuple[str, int, bool] | None, col: int, is_item: bool
) -> _Container | None:
    if pending is not None and (col > pending[1] or (col == pending[1] and is_item and pending[2])):
        container = _Container(col, pending[0], is_item)
        stack.append(container)
        return container
    while stack and (stack[-1].indent > col or (stack[-1].indent == col and stack[-1].is_seq != is_item)):
        stack.pop()
    if stack and stack[-1].indent == col and stack[-1].is_seq == is_item:
        return stack[-1]
    return None


def _key_text(match: re.Match[str]) -> str:
    if match.group("dq") is not None:
        try:
            return json.loads(f'"{match.group("dq")}"')
        except ValueError:
            return match.group("dq")
    if match.group("sq") is not None:
        return match.group("sq").replace("''", "'")
    return match.group("plain").rstrip()


def compose_index(text: str) -> dict[str, tuple[int, int]]:
    """Exact positions from PyYAML's composer (slow; used for small files the scan cannot read)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        root = yaml.compose(text, Loader=loader_cls)
    except yaml.YAMLError:
        return {"": (1, 1)}
    index: dict[str, tuple[int, int]] = {}
    stack: list[tuple[Any, str]] = [(root, "")]
    seen: set[int] = set()
    while stack:
        node, pointer = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                child = pointer_join(pointer, str(key_node.value))
                index.setdefault(child, (key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                stack.append((value_node, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = pointer_join(pointer, i)
                index.setdefault(child, (item.start_mark.line + 1, item.start_mark.column + 1))
                stack.append((item, child))
    index.setdefault("", (1, 1))
    return index


#: Texts larger than this are first narrowed to the finding's subtree by regex (C speed).
NARROW_ABOVE_BYTES = 200_000
#: Narrowing stops once the remaining region is this small; the scan does the rest.
SMALL_REGION_BYTES = 20_000
_CONTENT_LINE = re.compile(r"^( *)([^ \n#])", re.MULTILINE)


_SIBLINGS: dict[int, re.Pattern[str]] = {}


def _children(text: str, start: int, end: int, indent: int) -> dict[str, tuple[int, int]] | None:
    """Keys at exactly ``indent`` in [start, end) -> (their line's offset, where their node ends).

    None if a line at that indent is not a key (a sequence, a flow collection): the caller then
    leaves the region to the scan. One regex pass per region; the caller caches the result.
    """
    pattern = _SIBLINGS.get(indent)
    if pattern is None:
        pattern = _SIBLINGS[indent] = re.compile("\n {%d}([^ \n#][^\n]*)" % indent)  # noqa: UP031
    lines: list[tuple[int, str]] = []
    if start == 0 and text[:1] not in (" ", "\n", "#") and indent == 0:
        lines.append((0, text[: text.find("\n")] if "\n" in text else text))
    for match in pattern.finditer(text, max(start - 1, 0), end):
        body = match.group(1)
        if body == "-" or body.startswith(("- ", "-\t")):
            continue  # an item of a sequence that sits at its key's own column (``key:\n- a``)
        lines.append((match.start() + 1, body))
    keys: dict[str, tuple[int, int]] = {}
    for i, (offset, body) in enumerate(lines):
        if body.startswith(("---", "...")) and indent == 0:
            continue
        key = _KEY.match(body)
        if key is None:
            return None
        following = lines[i + 1][0] if i + 1 < len(lines) else end
        keys.setdefault(_key_text(key), (offset, following))
    return keys


def narrow(
    text: str, parts: list[str], cache: dict[tuple[int, int], dict[str, tuple[int, int]] | None]
) -> tuple[int, int, str] | None:
    """The smallest subtree holding ``parts`` that string search can find: (start, end, parent pointer)."""
    start, end = 0, len(text)
    parent_indent = -1
    pointer = ""
    found: tuple[int, int, str] | None = None
    for part in parts:
        if end - start <= SMALL_REGION_BYTES:
            break
        first = _CONTENT_LINE.search(text, start, end)
        while first is not None and text.startswith(("---", "%"), first.start()):
            first = _CONTENT_LINE.search(text, text.find("\n", first.start()) + 1, end)
        if first is None:
            break
        indent = len(first.group(1))
        if indent <= parent_indent or first.group(2) in "-[{":
            break  # a sequence or a flow collection: the scan takes it from here
        if (start, end) not in cache:
            cache[(start, end)] = _children(text, start, end, indent)
        children = cache[(start, end)]
        if not children or part not in children:
            break
        at, stop = children[part]
        found = (at, stop, pointer)
        pointer = f"{pointer}/{escape(part)}"
        line_end = text.find("\n", at)
        start, end, parent_indent = (len(text) if line_end < 0 else line_end + 1), stop, indent
    return found


class Locator:
    """Answers ``locate(pointer)``; builds its index on the first question only."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._index: dict[str, tuple[int, int]] | None = None
        self._exact: dict[str, tuple[int, int]] | None = None
        self._subtrees: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
        self._regions: dict[tuple[int, int], dict[str, tuple[int, int]] | None] = {}
        self._newlines: list[int] | None = None

    def _line_of(self, offset: int) -> int:
        """Newlines before ``offset`` (binary search over the text's newline offsets)."""
        import bisect

        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self._text)]
        return bisect.bisect_left(self._newlines, offset)

    def _from_subtree(self, pointer: str) -> tuple[int, int] | None:
        region = narrow(self._text, pointer_parts(pointer), self._regions)
        if region is None:
            return None
        start, end, parent = region
        index = self._subtrees.get((start, end))
        if index is None:
            offset = self._line_of(start)
            local = build_block_index(self._text[start:end])
            index = {parent + p: (line + offset, col) for p, (line, col) in local.items() if p}
            self._subtrees[(start, end)] = index
        return index.get(pointer)

    def locate(self, pointer: str) -> tuple[int, int]:
        pointer = pointer[1:] if pointer.startswith("#") else pointer
        if self._index is None and len(self._text) > NARROW_ABOVE_BYTES and pointer:
            found = self._from_subtree(pointer)
            if found is not None:
                return found
        if self._index is None:
            looks_json = self._text.lstrip().startswith(("{", "["))
            self._index = {"": (1, 1)} if looks_json else build_block_index(self._text)
        found = self._index.get(pointer)
        if found is not None:
            return found
        if len(self._text) <= COMPOSE_FALLBACK_MAX_BYTES:
            if self._exact is None:
                self._exact = compose_index(self._text)
            found = self._exact.get(pointer)
            if found is not None:
                return found
        return self._nearest(pointer)

    def _nearest(self, pointer: str) -> tuple[int, int]:
        parts = pointer.split("/")
        for cut in range(len(parts) - 1, 0, -1):
            prefix = "/".join(parts[:cut])
            for table in (self._index, self._exact):
                if table and prefix in table:
                    return table[prefix]
        return (1, 1)


def find_duplicate_key(text: str) -> tuple[int, int] | None:
    """Line and column of the second occurrence of a key in one mapping (PyYAML keeps both)."""
    import yaml

    loader_cls = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for node in _walk_nodes(yaml.compose(text, Loader=loader_cls)):
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key_node, _ in node.value:
                    key = str(key_node.value)
                    if key in seen:
                        return (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                    seen.add(key)
    except (yaml.YAMLError, RecursionError):
        return None
    return None


def _walk_nodes(root: Any) -> Any:
    import yaml

    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                stack.extend((key_node, value_node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
