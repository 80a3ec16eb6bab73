"""A loaded spec: its data, its text, its kind, and where each node sits in the text."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from contractkit.errors import NotASpecError, SpecReadError
from contractkit.loading.locate import Locator, pointer_get
from contractkit.loading.parse import MAX_DEPTH, decode, parse

Kind = Literal["openapi", "mcp-servers"]
#: Files larger than this are refused before parsing (the largest public specs are ~10 MB).
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Document:
    """One parsed spec file. ``data`` is JSON-compatible (dicts with str keys, lists, scalars)."""

    data: Any
    text: str
    name: str
    path: Path | None = None
    base_dir: Path | None = None
    kind: Kind | None = None
    _locator: Locator | None = field(default=None, repr=False, compare=False)

    def locate(self, pointer: str) -> tuple[int, int]:
        """1-based (line, column) of the node at ``pointer`` (or of its nearest located ancestor)."""
        if self._locator is None:
            self._locator = Locator(self.text)
        return self._locator.locate(pointer)

    def where(self, pointer: str) -> str:
        """``name:line:column`` for messages."""
        line, col = self.locate(pointer)
        return f"{self.name}:{line}:{col}"

    def get(self, pointer: str, default: Any = None) -> Any:
        """The node at a JSON pointer of this document, or ``default``."""
        return pointer_get(self.data, pointer, default)


def detect_kind(data: Any) -> Kind | None:
    """``openapi`` for OpenAPI 3.x / Swagger 2.0, ``mcp-servers`` for contractkit's MCP format."""
    if not isinstance(data, dict):
        return None
    if "openapi" in data or "swagger" in data:
        return "openapi"
    fmt = data.get("format")
    if isinstance(fmt, str) and fmt.startswith("contractkit/mcp-servers"):
        return "mcp-servers"
    return None


def read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise SpecReadError("is a folder, not a spec file", location=str(path))
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SpecReadError(f"file is {size} bytes; the limit is {MAX_BYTES}", location=str(path))
        return path.read_bytes()
    except FileNotFoundError:
        raise SpecReadError("no such file", location=str(path)) from None
    except PermissionError:
        raise SpecReadError("permission denied", location=str(path)) from None
    except OSError as exc:
        raise SpecReadError(exc.strerror or str(exc), location=str(path)) from None


def load_text(
    text: str | bytes, name: str, base_dir: Path | str | None = None, *, require_kind: bool = True,
    max_depth: int = MAX_DEPTH,
) -> Document:
    """Parse spec text that is not (or not only) a file, e.g. a git blob: ``git show REV:specs/x.yaml``.

    ``base_dir`` is where relative-file ``$ref``s are looked up (None: they are refused).
    """
    if isinstance(text, bytes):
        text = decode(text, name)
    data = parse(text, name, max_depth)
    kind = detect_kind(data)
    if require_kind and kind is None:
        raise NotASpecError(
            "not an OpenAPI description (no 'openapi' key) nor an mcp-servers document "
            "(no 'format: contractkit/mcp-servers@1')",
            location=name,
        )
    return Document(data=data, text=text, name=name, base_dir=Path(base_dir) if base_dir else None, kind=kind)


def load_document(path: Path | str, *, require_kind: bool = True, name: str | None = None,
                  max_depth: int = MAX_DEPTH) -> Document:
    """Read and parse one spec file. Raises SpecReadError, SpecParseError or NotASpecError."""
    path = Path(path)
    label = name or str(path)
    text = decode(read_bytes(path), label)
    doc = load_text(text, label, base_dir=path.resolve().parent, require_kind=require_kind, max_depth=max_depth)
    doc.path = path
    return doc
