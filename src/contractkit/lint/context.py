"""What a rule sees: the document, a confined ref resolver, and shared, lazily computed views.

Walking a 3.5 MB spec costs real time, so the views every rule needs (operations, schema nodes,
example-bearing nodes) are computed once per document here and shared by the rules.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from contractkit.errors import RefError
from contractkit.loading import Document, RefResolver, Target, pointer_join

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")

#: Keys whose children are names chosen by the spec author, not keywords.
NAME_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "schemas", "dependentSchemas"})
#: Keys holding instance data (examples, defaults): never walked as spec structure.
DATA_KEYS = frozenset({"example", "default", "enum", "const"})


def child_pointer(base: str, token: str | int) -> str:
    """``pointer_join(base, token)`` for one token, without its generic machinery (hot in large walks)."""
    if type(token) is str:
        if "~" in token or "/" in token:
            token = token.replace("~", "~0").replace("/", "~1")
        return base + "/" + token
    return base + "/" + str(token)


@dataclass(frozen=True, slots=True)
class Operation:
    path: str
    method: str
    node: dict[str, Any]
    pointer: str
    document: Document

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


@dataclass(frozen=True, slots=True)
class Node:
    """A dict found by the structural walk, with its pointer and the key it sits under."""

    value: dict[str, Any]
    pointer: str
    key: str
    parent_key: str


class LintContext:
    """One document under lint. Rules read it; they never mutate ``data``."""

    def __init__(self, document: Document, resolver: RefResolver | None = None) -> None:
        self.document = document
        self.data: Any = document.data
        if resolver is None:
            from contractkit.lint.resolver import MemoResolver

            resolver = MemoResolver(document)
        self.resolver = resolver

    # -- refs ---------------------------------------------------------------------------------
    def follow(self, node: Any, base: Document | None = None) -> Target | None:
        """The target behind ``node`` (through ref chains), or None if a ref cannot be followed."""
        try:
            return self.resolver.follow(node, base or self.document)
        except (RefError, RecursionError):
            return None

    def deref(self, node: Any, base: Document | None = None) -> Any:
        target = self.follow(node, base)
        return None if target is None else target.value

    def located(self, node: Any, pointer: str, base: Document | None = None) -> tuple[Any, str, Document]:
        """(value, pointer, document) of ``node`` after following refs; the ref's own place if broken."""
        base = base or self.document
        if isinstance(node, dict) and "$ref" in node:
            target = self.follow(node, base)
            if target is not None:
                return target.value, target.pointer, target.document
            return None, pointer, base
        return node, pointer, base

    # -- OpenAPI views ------------------------------------------------------------------------
    @cached_property
    def openapi_version(self) -> str:
        """``"3.1"``, ``"3.0"``, ``"2.0"`` or ``""``."""
        raw = self.data.get("openapi", self.data.get("swagger", "")) if isinstance(self.data, dict) else ""
        return ".".join(str(raw).split(".")[:2])

    @cached_property
    def operations(self) -> list[Operation]:
        ops: list[Operation] = []
        paths = self.data.get("paths") if isinstance(self.data, dict) else None
        if not isinstance(paths, dict):
            return ops
        for path, item in paths.items():
            item, item_ptr, doc = self.located(item, pointer_join("/paths", path))
            if not isinstance(item, dict):
                continue
            for method in HTTP_METHODS:
                op = item.get(method)
                if isinstance(op, dict):
                    ops.append(Operation(path, method, op, pointer_join(item_ptr, method), doc))
        return ops

    def security_of(self, op: Operation) -> list[dict[str, Any]]:
        """The operation's effective security requirements (its own, else the document's)."""
        sec = op.node.get("security", self.data.get("security", []))
        return [req for req in sec if isinstance(req, dict)] if isinstance(sec, list) else []

    def responses_of(self, op: Operation) -> Iterator[tuple[str, Any, str, Document]]:
        """(status, response after refs, its pointer, its document) for each declared response."""
        responses = op.node.get("responses")
        if not isinstance(responses, dict):
            return
        for status, response in responses.items():
            value, pointer, doc = self.located(response, pointer_join(op.pointer, "responses", status), op.document)
            yield str(status), value, pointer, doc

    @cached_property
    def security_schemes(self) -> dict[str, Any]:
        comps = self.data.get("components") if isinstance(self.data, dict) else None
        schemes = comps.get("securitySchemes") if isinstance(comps, dict) else None
        if not isinstance(schemes, dict):  # Swagger 2.0
            schemes = self.data.get("securityDefinitions") if isinstance(self.data, dict) else None
        if not isinstance(schemes, dict):
            return {}
        return {name: self.deref(s) for name, s in schemes.items()}

    # -- generic structural walk ----------------------------------------------------------------
    @cached_property
    def nodes(self) -> list[Node]:
        """Every dict of the document's structure (not inside example/default/enum/const data)."""
        found: list[Node] = []
        stack: list[tuple[Any, str, str, str]] = [(self.data, "", "", "")]
        while stack:
            node, pointer, key, parent_key = stack.pop()
            if isinstance(node, dict):
                found.append(Node(node, pointer, key, parent_key))
                names = key in NAME_MAPS
                example_obj = parent_key == "examples" and "value" in node
                for child_key, value in node.items():
                    if not isinstance(value, dict | list):
                        continue
                    if not names and (
                        child_key in DATA_KEYS
                        or (example_obj and child_key == "value")
                        or (child_key == "examples" and isinstance(value, list))  # a schema's example data
                    ):
                        continue
                    stack.append((value, child_pointer(pointer, child_key), child_key, key))
            elif isinstance(node, list):
                for i, value in enumerate(node):
                    if isinstance(value, dict | list):
                        stack.append((value, child_pointer(pointer, i), key, parent_key))
        found.reverse()
        return found

    def schema_validator(self, schema_pointer: str, document: Document | None = None) -> Any:
        """A JSON Schema validator for the schema at ``schema_pointer``, resolving refs in place."""
        from contractkit.lint.schemas import validator_for

        return validator_for(self, schema_pointer, document or self.document)
