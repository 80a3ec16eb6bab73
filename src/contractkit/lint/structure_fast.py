"""OAS-001's fast path: prove a description valid the way openapi-spec-validator would judge it.

openapi-spec-validator (the reference) spends most of a lint in its semantic pass: it walks the
paths and components through jsonschema-path (a lazy, ref-resolving view, slow per step) and checks
every Schema Object against its dialect's meta-schema with pure-Python jsonschema. ``proven_valid``
walks the same nodes in the same order over the plain parsed data, checks the same things and uses
the compiled validators of ``contractkit.lint.compiled`` for the schema checks. Only ``default``
values are still validated by openapi-schema-validator itself (they are few, and its dialects,
``nullable`` in 3.0 for one, are what "valid" means).

It answers one question: is the description certainly free of findings? ``True`` means the
reference would report nothing. ``False`` means a finding or anything the fast path does not
reproduce (Swagger 2.0, OpenAPI 3.2, a remote ref, a ``$schema`` inside a schema, ...);
the caller then runs the reference, so findings and their messages are always the reference's.
A differential test (tests/lint/test_structure_fast.py) holds the two to the same verdict.
"""

from __future__ import annotations

import re
import string
from typing import Any

from contractkit.errors import RefError
from contractkit.lint.context import LintContext, child_pointer
from contractkit.loading import Document, pointer_join
from contractkit.loading.refs import MAX_CHAIN

#: The versions the fast path reproduces; anything else goes to the reference.
VERSION = re.compile(r"3\.([01])\.\d+")
OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Deeper schema nesting than this is left to the reference (it recurses; so would we).
MAX_SCHEMA_DEPTH = 200


class Unproven(Exception):
    """A finding, or something the fast path does not reproduce: ask the reference."""


def proven_valid(ctx: LintContext) -> bool:
    """True only if openapi-spec-validator would report nothing for ``ctx.document``."""
    from contractkit.lint import compiled

    data = ctx.data
    if not isinstance(data, dict) or "swagger" in data or not compiled.supported():
        return False
    version = data.get("openapi")
    match = VERSION.fullmatch(version) if isinstance(version, str) else None
    if match is None:
        return False
    minor = f"3.{match.group(1)}"
    try:
        if not compiled.document_validator(minor).is_valid(data):
            return False
        _Walk(ctx, minor).run()
    except Exception:  # Unproven, or anything unexpected: the reference decides
        return False
    return True


class _Walk:
    """openapi-spec-validator's keyword validators (validation/keywords.py), over plain data."""

    def __init__(self, ctx: LintContext, minor: str) -> None:
        from contractkit.lint import compiled

        self.ctx = ctx
        self.minor = minor
        self.meta = compiled.meta_validator(minor)
        self.meta_checked: set[int] = set()
        self.visited: set[int] = set()
        self.operation_ids: list[Any] = []
        self.defaults: list[tuple[str, Document, Any]] = []
        if minor == "3.1":
            dialect = ctx.data.get("jsonSchemaDialect", compiled.OAS31_DIALECT_ID)
            if dialect != compiled.OAS31_DIALECT_ID:
                raise Unproven("another default JSON Schema dialect")

    # -- refs ---------------------------------------------------------------------------------
    def deref(self, node: Any, doc: Document, pointer: str) -> tuple[Any, Document, str]:
        """Follow a ref as jsonschema-path does on every step; any doubt is Unproven.

        Each ref resolves where it is written (``at``): against the base URI of the enclosing
        ``$id``, as the reference resolves it with ``contractkit.lint.id_resources``.
        """
        chain = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            chain += 1
            if chain > MAX_CHAIN:
                raise Unproven("a $ref chain that loops")
            try:  # relative files too, confined to the spec's folder; remote refs are refused
                target = self.ctx.resolver.resolve(node["$ref"], doc, at=pointer)
            except RefError as exc:
                raise Unproven(str(exc)) from None
            node, doc, pointer = target.value, target.document, target.pointer
        return node, doc, pointer

    def child(self, node: dict[str, Any], key: str | int, doc: Document, pointer: str) -> tuple[Any, Document, str]:
        return self.deref(node[key], doc, child_pointer(pointer, key))  # type: ignore[index]

    # -- the walk -----------------------------------------------------------------------------
    def run(self) -> None:
        doc = self.ctx.document
        spec = self.ctx.data
        if "tags" in spec:
            tags, _, _ = self.child(spec, "tags", doc, "")
            seen: set[str] = set()
            for i, tag in enumerate(tags):
                tag, _, _ = self.deref(tag, doc, pointer_join("/tags", i))
                name = tag["name"]
                if not isinstance(name, str) or name in seen:
                    raise Unproven("duplicate tag name")
                seen.add(name)
        if "paths" in spec:
            paths, pdoc, pptr = self.child(spec, "paths", doc, "")
            for url, item in paths.items():
                self.path_item(url, *self.deref(item, pdoc, pointer_join(pptr, url)))
        if "components" in spec:
            components, cdoc, cptr = self.child(spec, "components", doc, "")
            if "schemas" in components:
                schemas, sdoc, sptr = self.child(components, "schemas", cdoc, cptr)
                for name in schemas:
                    self.schema(*self.child(schemas, name, sdoc, sptr))
        self.check_defaults()

    def path_item(self, url: str, item: Any, doc: Document, pointer: str) -> None:
        parameters = None
        if "parameters" in item:
            parameters = self.child(item, "parameters", doc, pointer)
            self.parameters(*parameters)
        for field in item:
            if field in OPERATIONS:
                self.operation(url, field, *self.child(item, field, doc, pointer), parameters)

    def parameters(self, params: Any, doc: Document, pointer: str) -> None:
        seen = set()
        for i in range(len(params)):
            param, pdoc, pptr = self.child(params, i, doc, pointer)
            if "schema" in param:
                self.schema(*self.child(param, "schema", pdoc, pptr))
            key = (param["name"], param["in"])
            if key in seen:
                raise Unproven("duplicate parameter")
            seen.add(key)

    def path_names(self, params: Any, doc: Document, pointer: str) -> list[str]:
        names = []
        for i in range(len(params)):
            param, pdoc, pptr = self.child(params, i, doc, pointer)
            where, _, _ = self.child(param, "in", pdoc, pptr)
            if where == "path":
                name, _, _ = self.child(param, "name", pdoc, pptr)
                names.append(name)
        return names

    def operation(
        self, url: str, method: str, op: Any, doc: Document, pointer: str, path_params: tuple[Any, Document, str] | None
    ) -> None:
        if "operationId" in op:
            op_id, _, _ = self.child(op, "operationId", doc, pointer)
            if op_id is not None and op_id in self.operation_ids:
                raise Unproven("duplicate operationId")
            self.operation_ids.append(op_id)
        if "responses" in op:
            responses, rdoc, rptr = self.child(op, "responses", doc, pointer)
            for code in responses:
                response, respdoc, respptr = self.child(responses, code, rdoc, rptr)
                if "content" in response:
                    content, cdoc, cptr = self.child(response, "content", respdoc, respptr)
                    for mime in content:
                        media, mdoc, mptr = self.child(content, mime, cdoc, cptr)
                        if "schema" in media:
                            self.schema(*self.child(media, "schema", mdoc, mptr))
        names: list[str] = []
        if "parameters" in op:
            params = self.child(op, "parameters", doc, pointer)
            self.parameters(*params)
            names += self.path_names(*params)
        if path_params is not None:
            names += self.path_names(*path_params)
        url_params = {name for _, name, _, _ in string.Formatter().parse(url) if name}
        if url_params != set(names):
            raise Unproven("unresolved path parameter")

    def schema(
        self, value: Any, doc: Document, pointer: str, require_properties: bool = True, meta_checked: bool = False
    ) -> None:
        if not isinstance(value, dict | bool):
            raise Unproven("a schema that is not an object")
        if len(pointer) > 8 * MAX_SCHEMA_DEPTH and pointer.count("/") > MAX_SCHEMA_DEPTH:
            raise Unproven("too deep")
        sid = id(value)
        if not meta_checked and sid not in self.meta_checked:
            self.meta_checked.add(sid)
            if isinstance(value, dict) and "$schema" in value:
                raise Unproven("a schema that names its own dialect")
            if not self.meta.is_valid(value):
                raise Unproven("a schema that is not valid for its dialect")
        if sid in self.visited:
            return
        self.visited.add(sid)
        if not isinstance(value, dict):
            return  # a boolean schema has no keywords
        nested: set[str] = set()
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                group, gdoc, gptr = self.child(value, keyword, doc, pointer)
                for i in range(len(group)):
                    inner = self.child(group, i, gdoc, gptr)
                    self.schema(*inner, require_properties=False, meta_checked=True)
                    if keyword == "allOf":
                        nested |= self.collect_properties(*inner, depth=0)
        for keyword in ("not", "items"):
            if keyword in value:
                self.schema(*self.child(value, keyword, doc, pointer), require_properties=False, meta_checked=True)
        if "properties" in value:
            props, pdoc, pptr = self.child(value, "properties", doc, pointer)
            for name in props:
                self.schema(*self.child(props, name, pdoc, pptr), require_properties=False, meta_checked=True)
        if require_properties and "allOf" in value:
            required = self.child(value, "required", doc, pointer)[0] if "required" in value else []
            properties = self.child(value, "properties", doc, pointer)[0] if "properties" in value else {}
            if set(required or []) - set(properties or []) - nested:
                raise Unproven("required properties that are not defined")
        if "default" in value:
            default, _, _ = self.child(value, "default", doc, pointer)
            nullable = self.child(value, "nullable", doc, pointer)[0] if "nullable" in value else False
            if default is not None or nullable is not True:
                self.defaults.append((pointer, doc, default))

    def collect_properties(self, value: Any, doc: Document, pointer: str, depth: int) -> set[str]:
        """Every property name reachable through allOf/anyOf/oneOf/items/not (the reference's rule)."""
        if depth > MAX_SCHEMA_DEPTH:
            raise Unproven("too deep")
        if not isinstance(value, dict):
            raise Unproven("a subschema that is not an object")
        props: set[str] = set()
        if "properties" in value:
            props.update(self.child(value, "properties", doc, pointer)[0])
        for keyword in ("allOf", "anyOf", "oneOf"):
            if keyword in value:
                group, gdoc, gptr = self.child(value, keyword, doc, pointer)
                for i in range(len(group)):
                    props |= self.collect_properties(*self.child(group, i, gdoc, gptr), depth=depth + 1)
        for keyword in ("items", "not"):
            if keyword in value:
                props |= self.collect_properties(*self.child(value, keyword, doc, pointer), depth=depth + 1)
        return props

    def check_defaults(self) -> None:
        """Validate each default against its schema with the reference's own value validator."""
        if not self.defaults:
            return
        from contractkit.lint.schemas import _registry, document_uri

        if self.minor == "3.0":
            from openapi_schema_validator import OAS30Validator as cls
            from openapi_schema_validator import oas30_format_checker as formats
        else:
            from openapi_schema_validator import OAS31Validator as cls
            from openapi_schema_validator import oas31_format_checker as formats
        registry = _registry(self.ctx)
        for pointer, doc, default in self.defaults:
            validator = cls({"$ref": f"{document_uri(doc)}#{pointer}"}, registry=registry, format_checker=formats)
            try:
                error = next(iter(validator.iter_errors(default)), None)
            except Exception as exc:  # an unresolvable ref inside: the reference stops there too
                raise Unproven(str(exc)) from None
            if error is not None:
                raise Unproven("a default that does not match its schema")
