"""A JSON Schema as the differ sees it: its meaning, not its text.

``ViewBuilder`` follows ``$ref``s, merges ``allOf`` parts into one view, reads ``nullable`` (OpenAPI
3.0) as a ``null`` type, turns ``const`` into a one-value enum and the boolean ``exclusiveMinimum``
of 3.0 into the numeric one of 3.1, and treats a one-variant ``oneOf``/``anyOf`` as the variant
itself. A ``{type: 'null'}`` alternative of a union is the ``null`` type (so ``oneOf: [{type:
'null'}, X]`` is ``X`` made nullable, as ``type: [x, 'null']`` is), and a union of plain types or
constants is one type set or enum. ``items: false`` after ``prefixItems`` is a ``maxItems``;
``unevaluatedProperties`` / ``unevaluatedItems`` of a merged view act as ``additionalProperties``
/ ``items``; draft-4 tuple ``items: [..]`` is ``prefixItems``. Lists that carry no order
(``type``, ``enum``, ``required``) become sets. Two schemas that say the same thing in different
words get equal views, which is why reordering, an inlined ``$ref`` or an ``allOf`` split never
show up as changes.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.tree import Tree, escape, join, split
from contractkit.diff.view import (
    LENGTH_LOWER,
    LENGTH_UPPER,
    Node,
    View,
    intersect_types,
    merge,
    num,
    numeric_bound,
    plain,
    tighter,
    types_text,
    value_key,
)
from contractkit.loading.refs import FILE_BASE

__all__ = ["ANNOTATIONS", "LENGTH_LOWER", "LENGTH_UPPER", "Node", "View", "ViewBuilder", "tighter", "types_text",
           "value_key"]

ANNOTATIONS = frozenset({"$ref", "$dynamicRef", "$anchor", "$dynamicAnchor", "$id", "$schema", "$defs",
                         "description", "summary", "title", "example", "examples", "$comment", "deprecated",
                         "readOnly", "writeOnly", "externalDocs", "xml"})
#: Formats that annotate rather than constrain (any string is "binary"; "password" is a UI hint).
ANNOTATION_FORMATS = frozenset({"binary", "password"})
MAX_ALLOF_DEPTH = 32
#: Patterns every string matches (ECMA-262 search semantics): they constrain nothing.
MATCH_ALL = frozenset({"", ".*", "^.*", ".*$", "^.*$", "(.*)", "^(.*)$", "[\\s\\S]*", "^[\\s\\S]*$"})


class ViewBuilder:
    """Builds (and caches) views of one side's schemas."""

    def __init__(self, tree: Tree) -> None:
        self.tree = tree
        self._cache: dict[tuple[str, ...], View] = {}

    def resolve(self, node: Any, ptr: str) -> Node:
        return self.tree.deref(node, ptr)

    def view(self, nodes: list[Node]) -> View:
        if len(nodes) == 1 and nodes[0][0] is True:  # `true`, or a keyword left out: accepts anything
            return View(nodes[0][1])
        key = tuple(p for _, p in nodes)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._build(nodes)
        return found

    def _build(self, nodes: list[Node]) -> View:
        views = [self._one(node, ptr, 0) for node, ptr in nodes]
        result = views[0]
        for other in views[1:]:
            merge(result, other)
        return result

    def _one(self, node: Any, ptr: str, depth: int) -> View:
        if isinstance(node, dict) and "$dynamicRef" in node:
            dynamic = self._dynamic(node, ptr, depth)
            if dynamic is not None:
                return dynamic
        raw_is_ref = isinstance(node, dict) and ("$ref" in node or "$dynamicRef" in node)
        siblings = raw_is_ref and any(k not in ANNOTATIONS for k in node)
        target, tptr = self.tree.deref(node, ptr)
        view = View(tptr, was_ref=raw_is_ref and tptr != ptr)
        if target is False:
            view.types = frozenset()
            return view
        if not isinstance(target, dict):
            return view
        unresolved = target.get("$ref", target.get("$dynamicRef"))
        if isinstance(unresolved, str):  # remote or dangling
            view.opaque = unresolved
        self._keywords(view, target, tptr)
        if depth < MAX_ALLOF_DEPTH:
            if siblings:
                merge(view, self._keywords(View(ptr), node, ptr))
            for i, part in enumerate(target.get("allOf") or ()):
                merge(view, self._one(part, join(tptr, "allOf", i), depth + 1))
            own_null = target.get("nullable") is True or target.get("x-nullable") is True or (
                siblings and (node.get("nullable") is True or node.get("x-nullable") is True))
            if own_null and view.types is not None and "null" not in view.types:
                view.types = view.types | {"null"}  # 3.0 `{allOf: [$ref], nullable: true}`: the types came later
        return view

    def _dynamic(self, node: dict, ptr: str, depth: int) -> View | None:
        """A ``$dynamicRef`` that may land on several resources: their union (see ``Tree.dynamic_targets``)."""
        targets = self.tree.dynamic_targets(node, ptr)
        if targets is None:
            return None
        view = View(ptr)
        file = split(ptr)[0]
        base = FILE_BASE + (file or (self.tree.files.root_name if self.tree.files is not None else "spec"))
        # one alternative per candidate, each a ref by absolute URI at a place of its own (views are cached by place)
        view.variants = [({"$ref": f"{base}#{tptr.partition('#')[2] if file else tptr}"}, join(ptr, "$dynamicRef", i))
                         for i, (_, tptr) in enumerate(targets)]
        if depth < MAX_ALLOF_DEPTH and any(k not in ANNOTATIONS for k in node):
            merge(view, self._keywords(View(ptr), node, ptr))
        return view

    def _keywords(self, view: View, node: dict, ptr: str) -> View:
        t = node.get("type")
        if isinstance(t, str):
            view.types = frozenset((t,))
        elif isinstance(t, list):
            view.types = frozenset(x for x in t if isinstance(x, str))
        if node.get("nullable") is True or node.get("x-nullable") is True:  # x-nullable: Swagger 2.0's spelling
            if view.types is not None:
                view.types = view.types | {"null"}
            view.nullable = True
        if "const" in node:
            view.enum = {value_key(node["const"]): node["const"]}
        elif isinstance(node.get("enum"), list):
            view.enum = {value_key(v): v for v in node["enum"]}
        if isinstance(node.get("format"), str) and node["format"] not in ANNOTATION_FORMATS:
            view.format = node["format"]
        if "default" in node:
            view.default = node["default"]
        if not _BOUNDS.isdisjoint(node):  # most schemas carry none: one C-level test instead of twelve lookups
            for lower, key in ((True, "minimum"), (False, "maximum")):
                bound = numeric_bound(node, lower)
                if bound is not None:
                    view.bounds[key] = bound
            for key in LENGTH_LOWER + LENGTH_UPPER:
                if num(node.get(key)):
                    view.bounds[key] = node[key]
            if isinstance(node.get("pattern"), str) and node["pattern"] not in MATCH_ALL:
                view.patterns = frozenset((node["pattern"],))
            if num(node.get("multipleOf")):
                view.multiple_of = node["multipleOf"]
            view.unique_items = node.get("uniqueItems") is True
        props = node.get("properties")
        if isinstance(props, dict):
            stem = f"{ptr}/properties/"
            for name, sub in props.items():
                view.properties[name] = [(sub, stem + escape(name))]
        req = node.get("required")
        if isinstance(req, list):
            view.required = {r for r in req if isinstance(r, str)}
        if "additionalProperties" in node or "unevaluatedProperties" in node:
            add_kw = "additionalProperties" if "additionalProperties" in node else "unevaluatedProperties"
            add = node[add_kw]
            if add is False:
                view.additional = False
            elif isinstance(add, dict) and add:
                view.additional = [(add, join(ptr, add_kw))]
            view.unevaluated = add_kw == "unevaluatedProperties" and view.additional is not True
        if not _ARRAYS.isdisjoint(node):
            self._arrays(view, node, ptr)
        view.deprecated = node.get("deprecated") is True
        view.read_only = node.get("readOnly") is True
        view.write_only = node.get("writeOnly") is True
        if isinstance(node.get("title"), str):
            view.title = node["title"]
        if "xml" in node and isinstance(node["xml"], dict):
            view.xml = node["xml"]
        if not _APPLICATORS.isdisjoint(node):
            self._applicators(view, node, ptr)
        for kw in ("oneOf", "anyOf"):
            alts = node.get(kw)
            if isinstance(alts, list) and alts:
                self._union(view, [(a, join(ptr, kw, i)) for i, a in enumerate(alts)])
                break
        return view

    @staticmethod
    def _arrays(view: View, node: dict, ptr: str) -> None:
        """``items``, ``prefixItems`` (or draft-4 tuple ``items``), ``unevaluatedItems``: by meaning."""
        items, items_kw = node.get("items"), "items"
        prefix = node.get("prefixItems")
        if isinstance(items, list):  # draft 4 tuple: items [..] + additionalItems
            prefix, items, items_kw = items, node.get("additionalItems"), "additionalItems"
        if isinstance(prefix, list):
            view.prefix_items = [[(p, join(ptr, "prefixItems" if items_kw == "items" else "items", i))]
                                 for i, p in enumerate(prefix)]
        if items is None and "unevaluatedItems" in node:
            items, items_kw = node["unevaluatedItems"], "unevaluatedItems"
        if isinstance(items, dict):
            view.items = [(items, join(ptr, items_kw))]
        elif items is False:  # no item beyond the tuple: a length bound
            limit = len(view.prefix_items)
            if not num(view.bounds.get("maxItems")) or view.bounds["maxItems"] > limit:
                view.bounds["maxItems"] = limit

    @staticmethod
    def _applicators(view: View, node: dict, ptr: str) -> None:
        """The 2020-12 applicators and content keywords, each kept with its place."""
        if "not" in node:
            view.nots = [(node["not"], join(ptr, "not"))]
        if "contains" in node:
            view.contains = [(node["contains"], join(ptr, "contains"))]
            low, high = node.get("minContains", 1), node.get("maxContains")
            view.contains_bounds = (low if num(low) else 1, high if num(high) else None)
        dep_req = node.get("dependentRequired")
        if isinstance(dep_req, dict):
            view.dep_required = {k: frozenset(x for x in v if isinstance(x, str)) for k, v in dep_req.items()
                                 if isinstance(v, list)}
        for kw in ("dependentSchemas", "patternProperties"):
            found = node.get(kw)
            if isinstance(found, dict):
                keyed = {key: [(sub, join(ptr, kw, key))] for key, sub in found.items()}
                if kw == "dependentSchemas":
                    view.dep_schemas = keyed
                else:
                    view.pattern_props = keyed
        deps = node.get("dependencies")  # draft 4-7: both kinds under one keyword
        if isinstance(deps, dict):
            view.dep_required, view.dep_schemas = dict(view.dep_required), dict(view.dep_schemas)
            for key, sub in deps.items():
                if isinstance(sub, list):
                    view.dep_required[key] = frozenset(x for x in sub if isinstance(x, str))  # type: ignore[index]
                elif isinstance(sub, dict | bool):
                    view.dep_schemas[key] = [(sub, join(ptr, "dependencies", key))]  # type: ignore[index]
        if "if" in node and ("then" in node or "else" in node):
            view.conditionals = [((node["if"], join(ptr, "if")),
                                  (node["then"], join(ptr, "then")) if "then" in node else None,
                                  (node["else"], join(ptr, "else")) if "else" in node else None)]
        if "propertyNames" in node:
            view.property_names = [(node["propertyNames"], join(ptr, "propertyNames"))]
        if isinstance(node.get("contentMediaType"), str):
            view.content_media_type = node["contentMediaType"].lower()
        if isinstance(node.get("contentEncoding"), str):
            view.content_encoding = node["contentEncoding"].lower()
        if "contentSchema" in node:
            view.content_schema = [(node["contentSchema"], join(ptr, "contentSchema"))]
        disc = node.get("discriminator")
        if isinstance(disc, dict) and isinstance(disc.get("propertyName"), str):
            mapping = disc.get("mapping") if isinstance(disc.get("mapping"), dict) else {}
            view.discriminator = (disc["propertyName"], {str(k): str(v) for k, v in mapping.items()})

    def _union(self, view: View, alts: list[Node]) -> None:
        parts = [self._one(a, p, 1) for a, p in alts]
        nulls = [i for i, p in enumerate(parts) if (p.types == frozenset(("null",)) and p.is_type_only())
                 or (p.enum is not None and list(p.enum) == [value_key(None)] and p.types in (None, {"null"}))]
        if nulls and len(nulls) < len(parts):  # {type: 'null'} is an alternative only in spelling: X made nullable
            alts = [a for i, a in enumerate(alts) if i not in nulls]
            parts = [p for i, p in enumerate(parts) if i not in nulls]
            view.nullable = True
        if len(alts) == 1:
            before = view.types
            view.types = None
            merge(view, parts[0])
            if view.nullable and view.types is not None:
                view.types = view.types | {"null"}
            if before is not None:
                view.types = before if view.types is None else intersect_types(before, view.types)
            return
        if all(plain(p) for p in parts):  # anyOf: [{type: string}, {type: 'null'}] is type: [string, null]
            if all(p.types is not None for p in parts):
                union = frozenset().union(*(p.types or () for p in parts))
                if view.nullable:
                    union = union | {"null"}
                view.types = union if view.types is None else intersect_types(view.types, union)
            if all(p.enum is not None for p in parts):  # oneOf of consts is an enum
                values: dict[Any, Any] = {}
                for p in parts:
                    values.update(p.enum or {})
                if view.nullable:
                    values[value_key(None)] = None
                view.enum = values if view.enum is None else {k: v for k, v in view.enum.items() if k in values}
                return
            if any(p.enum is not None for p in parts) or not all(p.types is not None for p in parts):
                view.variants = alts
            return
        view.variants = alts


_BOUNDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", *LENGTH_LOWER, *LENGTH_UPPER,
                     "pattern", "multipleOf", "uniqueItems"})
_ARRAYS = frozenset({"items", "prefixItems", "unevaluatedItems"})
_APPLICATORS = frozenset({"discriminator", "not", "contains", "dependentRequired", "dependentSchemas", "dependencies",
                          "if",
                          "propertyNames", "contentMediaType", "contentEncoding", "contentSchema",
                          "patternProperties"})
