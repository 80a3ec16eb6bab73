"""A ``referencing`` registry that resolves refs as JSON Schema 2020-12 does, for the reference validators.

openapi-spec-validator walks a description through jsonschema-path, which resolves every ``$ref``
against the document's own URI: it never enters the resource an ``$id`` starts, so a
``$ref: '#/$defs/Name'`` inside ``{$id: https://example.com/in, $defs: {Name: ...}}`` is looked up
at the document root and the validator stops (``PointerToNowhere``). The document is valid, and
OAS-002 (``contractkit.loading.refs``) resolves that ref correctly.

``IdResources`` hands the validators what 2020-12 needs, computed with the same ``IdIndex`` OAS-002
and the diff use, so the three agree on where a ref lands:

* a registry holding every loaded document under its URI, and every ``$id`` resource under its
  absolute URI, with its ``$anchor`` / ``$dynamicAnchor`` names (dynamic ones as
  ``DynamicAnchor``, so jsonschema's ``$dynamicRef`` finds the outermost one in scope); a JSON
  pointer that crosses into an ``$id`` resource enters it;
* a retriever that serves only files of the spec's folder already vetted by the ref resolver and
  refuses everything else (jsonschema-path's own would fetch ``http(s)`` URIs);
* ``entering_ids``: while it is active, jsonschema-path's walk enters the resource of each
  ``$id`` node it steps on (its one missing piece, patched for the version it was written for;
  only nodes of the registry's documents are affected, nothing else that uses jsonschema-path).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from contractkit.errors import RefError
from contractkit.loading import Document
from contractkit.loading.refs import IdIndex, iter_refs

if TYPE_CHECKING:
    from contractkit.lint.context import LintContext

#: Text that makes a document's refs depend on where they are written.
MARKERS = ("$id", "$anchor", "$dynamicAnchor")
PATCHED_JSONSCHEMA_PATH = "0.5."

_active: dict[int, Any] = {}  # id(node with `$id`) -> its Resource, while `entering_ids` runs
_patched: bool | None = None


def has_ids(ctx: LintContext) -> bool:
    """Whether any document of the spec declares an ``$id`` or an anchor (one text search each)."""
    return any(marker in doc.text for doc in ctx.resolver.documents for marker in MARKERS)


class IdResources:
    """The ``$id`` resources and anchors of every document ``ctx`` has loaded, as ``referencing`` wants them."""

    def __init__(self, ctx: LintContext) -> None:
        from referencing import Anchor, Specification
        from referencing.jsonschema import DynamicAnchor

        from contractkit.lint.schemas import document_uri

        self.ctx = ctx
        self.ids: dict[int, str] = {}  # id(node with `$id`) -> its absolute URI
        self.nodes: list[Any] = []  # the nodes with an `$id`
        self.anchors: dict[int, list[Any]] = {}  # id(resource contents) -> its anchors
        self.pairs: list[tuple[str, Any]] = []  # (URI, contents) of documents and `$id` resources
        found: list[tuple[int, str, bool, Any]] = []
        with_ids = has_ids(ctx)  # if not, the documents alone: no walk of megabytes for nothing
        for doc in ctx.resolver.documents:
            if not with_ids:
                self.pairs.append((document_uri(doc), doc.data))
                continue
            index = IdIndex.build(doc.data, document_uri(doc))
            for pointer, uri in index.bases.items():
                node = doc.get(pointer)
                self.ids[id(node)] = uri
                self.nodes.append(node)
            self.pairs.append((index.uri, doc.data))
            self.pairs.extend((uri, doc.get(pointer)) for uri, pointer in index.resources.items() if uri != index.uri)
            self.pairs.extend(_files_under_remote_ids(ctx, doc, index))
            for (uri, name), pointer in index.anchors.items():
                node = doc.get(pointer)
                owner = doc.get(index.resources[uri])
                found.append((id(owner), name, node.get("$dynamicAnchor") == name, node))

        def id_of(contents: Any) -> str | None:
            return self.ids.get(id(contents)) if isinstance(contents, dict) else None

        def anchors_in(specification: Any, contents: Any) -> list[Any]:
            return self.anchors.get(id(contents), [])

        def maybe_in_subresource(segments: Any, resolver: Any, subresource: Any) -> Any:
            return resolver.in_subresource(subresource) if id_of(subresource.contents) else resolver

        self.specification = Specification(
            name="contractkit-2020-12-in-openapi",
            id_of=id_of,
            subresources_of=lambda contents: (),  # every resource is registered by itself
            anchors_in=anchors_in,
            maybe_in_subresource=maybe_in_subresource,
        )
        for owner, name, dynamic, node in found:
            resource = self.specification.create_resource(node)
            anchor = DynamicAnchor(name, resource) if dynamic else Anchor(name, resource)
            self.anchors.setdefault(owner, []).append(anchor)

    def registry(self) -> Any:
        """Every document and ``$id`` resource, crawled (so anchors are known), with the safe retriever."""
        from referencing import Registry

        resources = [(uri, self.specification.create_resource(contents)) for uri, contents in self.pairs]
        return Registry(retrieve=self.retrieve).with_resources(resources).crawl()  # type: ignore[call-arg]

    def retrieve(self, uri: str) -> Any:
        """A file of the spec's folder (as the ref resolver vets it); never the network."""
        from referencing.exceptions import NoSuchResource

        if not uri.startswith("file:"):
            raise NoSuchResource(ref=uri)
        try:
            return self.specification.create_resource(self.ctx.resolver.file_handler(uri))
        except (RefError, OSError) as exc:
            raise NoSuchResource(ref=uri) from exc

    @contextmanager
    def entering_ids(self) -> Iterator[bool]:
        """While active, jsonschema-path's walk enters ``$id`` resources; yields False where it cannot."""
        if not _patch_jsonschema_path():
            yield False
            return
        from referencing import Resource

        _active.clear()
        _active.update(
            {id(node): Resource(contents=node, specification=self.specification) for node in self.nodes}
        )
        try:
            yield True
        finally:
            _active.clear()


def _files_under_remote_ids(ctx: LintContext, doc: Document, index: IdIndex) -> list[tuple[str, Any]]:
    """(URI, contents) for files named by relative refs under a remote ``$id``, where the ref resolver finds them.

    ``common.yaml#/X`` written under ``$id: https://example.com/s/in`` means
    ``https://example.com/s/common.yaml``, which is never fetched; the ref resolver takes it as the
    file ``common.yaml`` next to the document (see ``contractkit.loading.refs``), so the registry
    serves that file under that URI.
    """
    found = []
    for pointer, ref in iter_refs(doc.data):
        if ref.startswith("#") or ":" in ref.partition("#")[0] or ref.startswith("//"):
            continue
        uri, _ = index.absolute(ref, pointer)
        if uri.startswith("file:") or uri in index.resources:
            continue
        try:
            target = ctx.resolver.resolve(ref, doc, at=pointer)
        except RefError:
            continue  # OAS-002 reports it
        if target.document is not doc:
            found.append((uri, target.document.data))
    return found


def _patch_jsonschema_path() -> bool:
    """Wrap ``SchemaNode._resolve_node`` (once) to enter the resource of an active ``$id`` node."""
    global _patched
    if _patched is not None:
        return _patched
    _patched = False
    try:
        from jsonschema_path.nodes import SchemaNode

        from contractkit.lint.speedups import installed_version

        if not installed_version("jsonschema_path").startswith(PATCHED_JSONSCHEMA_PATH):
            return False
        original = SchemaNode.__dict__["_resolve_node"].__func__
    except Exception:  # a different jsonschema-path: leave it alone
        return False

    def _resolve_node(cls: Any, node: Any, resolver: Any) -> Any:
        if _active and type(node) is dict and "$id" in node:
            resource = _active.get(id(node))
            if resource is not None:
                resolver = resolver.in_subresource(resource)
        return original(cls, node, resolver)

    SchemaNode._resolve_node = classmethod(_resolve_node)  # type: ignore[assignment]
    _patched = True
    return True
