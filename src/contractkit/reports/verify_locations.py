"""Where a live rule's finding belongs in the spec under test: the operation or the tool.

A verify run knows its subjects by label (an operationId, ``WS /path``, a tool name); SARIF and
GitHub annotations need a file, a line and a JSON pointer. The spec is read once with the kit's
loader (lazy line numbers), from the spec the run verified, not a default one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from contractkit.loading import pointer_join

if TYPE_CHECKING:
    from contractkit.conformance.options import VerifyOptions
    from contractkit.loading import Document


@dataclass
class SpecLocator:
    path: Path
    server: str | None = None
    _doc: Document | None = field(default=None, repr=False)
    _root: str = ""

    @classmethod
    def for_run(cls, kind: str, options: VerifyOptions | None) -> SpecLocator:
        from contractkit.resources import mcp_spec_path, neuron_spec_path

        spec = options.spec if options is not None and options.spec else None
        default = mcp_spec_path() if kind == "mcp" else neuron_spec_path()
        return cls(Path(spec or default), options.mcp_server if options is not None else None)

    def place(self, subject: str | None) -> tuple[str, int | None, int | None, str]:
        """(file, line, column, pointer) of ``subject``; the server or the document when unknown."""
        uri = str(self.path)
        doc = self._document()
        if doc is None:
            return uri, None, None, ""
        pointer = self._pointer(doc, subject) or self._root
        try:
            line, column = doc.locate(pointer) if pointer else (1, 1)
        except Exception:  # a pointer the locator cannot place still names the file
            return uri, None, None, pointer
        return uri, line, column, pointer

    def _document(self) -> Document | None:
        if self._doc is None:
            from contractkit.errors import ContractkitError
            from contractkit.loading import load_document

            try:
                self._doc = load_document(self.path)
            except ContractkitError:
                return None
            self._root = self._server_pointer(self._doc.data) or ""
        return self._doc

    def _server_pointer(self, data: Any) -> str | None:
        for i, server in enumerate(data.get("servers") or [] if isinstance(data, dict) else []):
            if isinstance(server, dict) and server.get("name") == self.server and self.server:
                return f"/servers/{i}"
        return None

    def _pointer(self, doc: Document, subject: str | None) -> str | None:
        if not subject:
            return None
        data = doc.data if isinstance(doc.data, dict) else {}
        if self._root.startswith("/servers/"):
            server = doc.get(self._root) or {}
            for j, tool in enumerate(server.get("tools") or []):
                if isinstance(tool, dict) and tool.get("name") == subject:
                    return f"{self._root}/tools/{j}"
            return None
        stream_path = subject[3:] if subject.startswith("WS ") else None
        for path, item in (data.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            if stream_path == path:
                return pointer_join("/paths", path)
            for method, op in item.items():
                if isinstance(op, dict) and (op.get("operationId") == subject or f"{method.upper()} {path}" == subject):
                    return pointer_join(pointer_join("/paths", path), method)
        return None
