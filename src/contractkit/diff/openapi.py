"""The OpenAPI differ: paths, operations, parameters, bodies, responses (schemas via ``SchemaDiffer``).

Operations are matched by method and path *shape* (``/customers/{id}`` and ``/customers/{cid}``
are the same endpoint); parameters by location and name (header names case-insensitively);
responses by status; bodies by media type. Every change found while comparing one operation is
tagged with that operation, so a shared component's change lists all the operations it reaches.
"""

from __future__ import annotations

import re
from typing import Any

from contractkit.diff.media import pair_media
from contractkit.diff.openapi_bodies import BodyDiffer, is_wire_param, param_schema
from contractkit.diff.openapi_callbacks import METHODS, CallbackDiffer
from contractkit.diff.openapi_ext import ExtensionDiffer, effective_security
from contractkit.diff.schema_diff import SchemaDiffer
from contractkit.diff.tree import Recorder, Tree, join
from contractkit.diff.wire import JOINED

_TEMPLATE = re.compile(r"\{([^}]*)\}")


def path_shape(path: str) -> str:
    return _TEMPLATE.sub("{}", path)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


class OpenAPIDiffer(BodyDiffer, CallbackDiffer):
    def __init__(self, base: Tree, head: Tree, recorder: Recorder) -> None:
        self.base, self.head, self.rec = base, head, recorder
        self.schemas = SchemaDiffer(base, head, recorder)
        self.ext = ExtensionDiffer(base, head, recorder, self.schemas)

    def run(self) -> None:
        b_paths = {path_shape(p): p for p in _dict(self.base.data.get("paths")) if isinstance(p, str)}
        h_paths = {path_shape(p): p for p in _dict(self.head.data.get("paths")) if isinstance(p, str)}
        for shape, bp in b_paths.items():
            b_item, b_ptr = self.base.deref(self.base.data["paths"][bp], join("/paths", bp))
            methods = [m for m in METHODS if isinstance(_dict(b_item).get(m), dict)]
            if shape not in h_paths:
                change = self.rec.emit("OAS-PATH-REMOVED", f"path `{bp}` removed ({len(methods)} operations)",
                                       b_ptr, side="base", head_pointer="/paths")
                change.operations.update(f"{m.upper()} {bp}" for m in methods)
                continue
            hp = h_paths[shape]
            h_item, h_ptr = self.head.deref(self.head.data["paths"][hp], join("/paths", hp))
            self._path(bp, hp, _dict(b_item), _dict(h_item), b_ptr, h_ptr)
        for shape, hp in h_paths.items():
            if shape not in b_paths:
                change = self.rec.emit("OAS-PATH-ADDED", f"path `{hp}` added", join("/paths", hp))
                h_item = _dict(self.head.deref(self.head.data["paths"][hp], "")[0])
                change.operations.update(f"{m.upper()} {hp}" for m in METHODS if isinstance(h_item.get(m), dict))
        self._servers()
        self.webhooks()
        self.ext.security_schemes()
        self.ext.websockets()
        self.schemas.attribute()
        self._unresolved_refs()

    def _unresolved_refs(self) -> None:
        """Every ref of HEAD that lands nowhere is a finding: those in compared schemas already are (with their
        direction); the rest (parameters, responses, bodies, path items, links...) are reported here."""
        if not self.schemas.unchanged.maybe_unresolved(self.head):
            return
        from contractkit.loading.refs import iter_refs

        seen = {c.pointer for c in self.rec.changes.values() if c.id.endswith(("REF-UNRESOLVED", "TYPE-CHANGED"))}
        files = getattr(self.head.files, "_docs", {}) if self.head.files is not None else {}
        for file, data in [("", self.head.data), *((f, d.data) for f, d in files.items() if d is not None)]:
            for inner, ref in iter_refs(data):
                pointer = f"{file}#{inner}" if file else inner
                target = self.head.target(ref, pointer)
                if pointer not in seen and (target is None or self.head.get(target) is None):
                    self.rec.emit("OAS-REF-UNRESOLVED", f"$ref `{ref}` resolves nowhere (remote, dangling or a "
                                  "missing file): what it stands for is not compared", pointer)

    def _servers(self) -> None:
        """Root servers by URL (trailing slash ignored); Swagger 2.0's host + basePath as one URL."""
        b, h = _server_urls(self.base.data), _server_urls(self.head.data)
        for url in b:
            if url not in h:
                self.rec.emit("OAS-SERVER-REMOVED", f"server `{b[url]}` removed", "/servers", before=b[url])
        for url in h:
            if url not in b:
                self.rec.emit("OAS-SERVER-ADDED", f"server `{h[url]}` added", "/servers", after=h[url])

    def _path(self, bp: str, hp: str, b_item: dict, h_item: dict, b_ptr: str, h_ptr: str) -> None:
        renames = self._path_param_renames(bp, hp, h_ptr)
        for m in METHODS:
            b_op, h_op = b_item.get(m), h_item.get(m)
            label = f"{m.upper()} {hp}"
            if isinstance(b_op, dict) and not isinstance(h_op, dict):
                change = self.rec.emit("OAS-OP-REMOVED", f"operation `{m.upper()} {bp}` removed"
                                       + (" (it was deprecated)" if b_op.get("deprecated") is True else ""),
                                       join(b_ptr, m), side="base", head_pointer=h_ptr)
                change.operations.add(f"{m.upper()} {bp}")
            elif isinstance(h_op, dict) and not isinstance(b_op, dict):
                self.rec.emit("OAS-OP-ADDED", f"operation `{label}` added", join(h_ptr, m)).operations.add(label)
            elif isinstance(b_op, dict) and isinstance(h_op, dict):
                out: list[Any] = list(renames)
                self._operation(b_item, h_item, b_op, h_op, b_ptr, h_ptr, join(b_ptr, m), join(h_ptr, m), bp, hp,
                                out)
                self.schemas.credit(out, label)

    def _path_param_renames(self, bp: str, hp: str, h_ptr: str) -> list[Any]:
        out = []
        for old, new in zip(_TEMPLATE.findall(bp), _TEMPLATE.findall(hp), strict=False):
            if old != new:
                out.append(self.rec.emit("OAS-PATH-PARAM-RENAMED", f"path parameter `{old}` renamed to `{new}`",
                                         h_ptr, before=old, after=new))
        return out

    def _operation(self, b_item: dict, h_item: dict, b_op: dict, h_op: dict, b_item_ptr: str, h_item_ptr: str,
                   b_ptr: str, h_ptr: str, bp: str, hp: str, out: list[Any], callback: bool = False) -> None:
        if h_op.get("deprecated") is True and b_op.get("deprecated") is not True:
            out.append(self.rec.emit("OAS-OP-DEPRECATED", "operation marked deprecated", join(h_ptr, "deprecated")))
        b_id, h_id = b_op.get("operationId"), h_op.get("operationId")
        if b_id and h_id and b_id != h_id:
            out.append(self.rec.emit("OAS-OP-ID-CHANGED", f"operationId `{b_id}` -> `{h_id}`",
                                     join(h_ptr, "operationId"), before=b_id, after=h_id))
        renames = dict(zip(_TEMPLATE.findall(bp), _TEMPLATE.findall(hp), strict=False))
        self._parameters(self._params(self.base, b_item, b_op, b_item_ptr, b_ptr, renames),
                         self._params(self.head, h_item, h_op, h_item_ptr, h_ptr, None), h_ptr, out, callback)
        self._request_body(b_op, h_op, b_ptr, h_ptr, out, callback)
        self._responses(b_op, h_op, b_ptr, h_ptr, out, callback)
        self.callbacks(b_op, h_op, b_ptr, h_ptr, out)
        if callback:
            return
        if "swagger" in self.head.data:
            self._swagger_media(b_op, h_op, h_ptr, out)
        b_sec, _ = effective_security(self.base.data, b_op, b_ptr)
        h_sec, h_sec_ptr = effective_security(self.head.data, h_op, h_ptr)
        self.ext.security(b_sec, h_sec, h_sec_ptr, out)
        self.ext.rate_limit(b_op.get("x-rate-limit"), h_op.get("x-rate-limit"), h_ptr, out)
        self.ext.ai_operation(b_op.get("x-ai-operation"), h_op.get("x-ai-operation"), h_ptr, out)
        self.ext.probe(b_op.get("x-probe"), h_op.get("x-probe"), h_ptr, out)
        self.ext.subject(b_op.get("x-subject"), h_op.get("x-subject"), h_ptr, out)

    # -- parameters ---------------------------------------------------------------------------------------------

    def _params(self, tree: Tree, item: dict, op: dict, item_ptr: str, op_ptr: str,
                renames: dict[str, str] | None) -> dict[tuple[str, str], tuple[dict, str]]:
        found: dict[tuple[str, str], tuple[dict, str]] = {}
        for source, ptr in ((item.get("parameters"), join(item_ptr, "parameters")),
                            (op.get("parameters"), join(op_ptr, "parameters"))):
            for i, raw in enumerate(source if isinstance(source, list) else ()):
                node, nptr = tree.deref(raw, join(ptr, i))
                if not (isinstance(node, dict) and isinstance(node.get("name"), str) and isinstance(node.get("in"),
                                                                                                    str)):
                    continue
                name, where = node["name"], node["in"]
                if where == "header":
                    name = name.lower()
                    if name in IGNORED_HEADERS:  # OpenAPI 3.1 §4.8.12.1: such definitions SHALL be ignored
                        continue
                elif where == "path" and renames:
                    name = renames.get(name, name)
                elif where == "body":
                    name = ""  # Swagger 2.0: the body parameter's name never travels
                found[(where, name)] = (node, nptr)
        return found

    def _parameters(self, b: dict, h: dict, h_op_ptr: str, out: list[Any], callback: bool = False) -> None:
        """In a callback the API sends the parameters: a new one is no burden, and their schemas are responses."""
        removed = [k for k in b if k not in h]
        added = [k for k in h if k not in b]
        for key in list(removed):  # moved: same name, another place
            for other in added:
                if other[1] == key[1]:
                    out.append(self.rec.emit("OAS-PARAM-MOVED", f"parameter `{key[1]}` moved from {key[0]} to "
                                             f"{other[0]}", h[other][1], before=key[0], after=other[0]))
                    removed.remove(key)
                    added.remove(other)
                    break
        for key in list(removed):  # renamed: same place, same schema, another name
            candidates = [o for o in added if o[0] == key[0] and self._same_param(b[key], h[o])]
            if len(candidates) == 1:
                other = candidates[0]
                out.append(self.rec.emit("OAS-PARAM-RENAMED", f"{key[0]} parameter `{key[1]}` renamed to "
                                         f"`{other[1]}`", h[other][1], before=key[1], after=other[1]))
                removed.remove(key)
                added.remove(other)
        for key in removed:
            out.append(self.rec.emit("OAS-PARAM-REMOVED", f"{key[0]} parameter `{key[1]}` removed", b[key][1],
                                     side="base", head_pointer=h_op_ptr))
        for key in added:
            node, ptr = h[key]
            required = (node.get("required") is True or key[0] == "path") and not callback
            out.append(self.rec.emit("OAS-PARAM-REQUIRED-ADDED" if required else "OAS-PARAM-OPTIONAL-ADDED",
                                     f"{key[0]} parameter `{key[1]}` added" + (" as required" if required else ""),
                                     ptr))
        for key in b.keys() & h.keys():
            (bn, bptr), (hn, hptr) = b[key], h[key]
            breq = bn.get("required") is True or key[0] == "path"
            hreq = hn.get("required") is True or key[0] == "path"
            label = f"{key[0]} parameter `{key[1]}`"
            if breq != hreq and callback:  # what the API sends: like a response header that may now be missing
                out.append(self.rec.emit(f"OAS-RESPONSE-HEADER-BECAME-{'REQUIRED' if hreq else 'OPTIONAL'}",
                                         f"{label} " + ("now always sent" if hreq else "no longer always sent"),
                                         hptr))
            elif breq != hreq:
                out.append(self.rec.emit("OAS-PARAM-BECAME-REQUIRED" if hreq else "OAS-PARAM-BECAME-OPTIONAL",
                                         f"{label} " + ("now required" if hreq else "no longer required"),
                                         join(hptr, "required") if "required" in hn else hptr))
            bs, hs = param_schema(bn, bptr), param_schema(hn, hptr)
            b_style, h_style = _serialization(bn, key[0]), _serialization(hn, key[0])
            if b_style != h_style:  # then only: whether the difference shows in the text depends on the types
                b_style = self._serialization(bn, key[0], bs, True)
                h_style = self._serialization(hn, key[0], hs, False)
            if b_style != h_style:
                out.append(self.rec.emit("OAS-PARAM-STYLE-CHANGED", f"{label} serialized as {b_style[0]}"
                                         f"{'/explode' if b_style[1] else ''} -> {h_style[0]}"
                                         f"{'/explode' if h_style[1] else ''}", hptr, before=list(b_style),
                                         after=list(h_style)))
            elif key[0] == "query" and (bn.get("allowReserved") is True) != (hn.get("allowReserved") is True):
                out.append(self.rec.emit("OAS-PARAM-STYLE-CHANGED", f"{label} allowReserved "
                                         f"{bn.get('allowReserved') is True} -> {hn.get('allowReserved') is True}",
                                         hptr, before=bn.get("allowReserved") is True,
                                         after=hn.get("allowReserved") is True))
            if hn.get("deprecated") is True and bn.get("deprecated") is not True:
                out.append(self.rec.emit("OAS-PARAM-DEPRECATED", f"{label} marked deprecated", hptr))
            if bs and hs:
                wire = is_wire_param(bn) and is_wire_param(hn) and _wire_mode(*_serialization(hn, key[0]))
                out.append(self.schemas.compare("OAS-RES" if callback else "OAS-REQ", [bs], [hs], wire=wire))

    def _serialization(self, param: dict, where: str, schema: Any, base: bool) -> tuple[str, bool]:
        """(style, explode) as they shape the text: for a scalar, form / spaceDelimited / pipeDelimited and
        explode all give ``name=value``, so they are one serialization (OpenAPI 3.1 §4.8.12.4)."""
        style, explode = _serialization(param, where)
        if schema is None or "content" in param:
            return style, explode
        types = (self.schemas.base if base else self.schemas.head).view([schema]).types
        if types is not None and not types & {"array", "object"}:
            if style in ("form", "spaceDelimited", "pipeDelimited"):
                return "form", True
            return style, False
        return style, explode

    def _swagger_media(self, b_op: dict, h_op: dict, h_ptr: str, out: list[Any]) -> None:
        """Swagger 2.0 ``consumes`` / ``produces`` (the operation's, else the root's): media types by meaning."""
        for key, kind in (("consumes", "OAS-REQUEST-MEDIA-TYPE"), ("produces", "OAS-RESPONSE-MEDIA-TYPE")):
            b_types = b_op.get(key, self.base.data.get(key))
            h_types = h_op.get(key, self.head.data.get(key))
            if not isinstance(b_types, list) or not isinstance(h_types, list):
                continue
            ptr = join(h_ptr, key) if key in h_op else f"/{key}"
            _, removed, added = pair_media({str(t): None for t in b_types}, {str(t): None for t in h_types})
            out.extend(self.rec.emit(f"{kind}-REMOVED", f"media type `{t}` removed from {key}", ptr,
                                     before=t) for t in removed)
            out.extend(self.rec.emit(f"{kind}-ADDED", f"media type `{t}` added to {key}", ptr, after=t)
                       for t in added)

    def _same_param(self, b: tuple[dict, str], h: tuple[dict, str]) -> bool:
        """Same schema (by meaning, one level deep) and same required-ness: a rename candidate."""
        bs, hs = param_schema(*b), param_schema(*h)
        if not (bs and hs):
            return bs == hs
        bv, hv = self.schemas.base.view([bs]), self.schemas.head.view([hs])
        return (bv.types, bv.enum, bv.format, bv.bounds, bv.pattern, b[0].get("required") is True) == (
            hv.types, hv.enum, hv.format, hv.bounds, hv.pattern, h[0].get("required") is True)

#: Header parameters OpenAPI describes elsewhere (media types, security schemes) and says to ignore.
IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


def _wire_mode(style: str, explode: bool) -> str:
    """``text`` when an array parameter repeats (form / matrix exploded), ``joined`` when it is one text."""
    return "text" if explode and style in ("form", "matrix") else JOINED


#: Swagger 2.0 ``collectionFormat`` as the OpenAPI 3 (style, explode) that writes the same text.
_COLLECTION_FORMATS = {"csv": ("form", False), "multi": ("form", True), "ssv": ("spaceDelimited", False),
                       "pipes": ("pipeDelimited", False), "tsv": ("tabDelimited", False)}


def _serialization(param: dict, where: str) -> tuple[str, bool]:
    """(style, explode) with the defaults of OpenAPI 3 applied (explode defaults to true for form only)."""
    if "schema" not in param and "content" not in param and "type" in param:  # Swagger 2.0 (csv by default)
        return _COLLECTION_FORMATS.get(param.get("collectionFormat", "csv"), ("csv", False))
    style = param.get("style") if isinstance(param.get("style"), str) else _DEFAULT_STYLE.get(where, "simple")
    explode = param.get("explode")
    return style, explode if isinstance(explode, bool) else style == "form"


def _server_urls(data: dict) -> dict[str, str]:
    urls: dict[str, str] = {}
    for server in data.get("servers") if isinstance(data.get("servers"), list) else ():
        if isinstance(server, dict) and isinstance(server.get("url"), str):
            urls[server["url"].rstrip("/")] = server["url"]
    if isinstance(data.get("host"), str):
        url = data["host"] + (data.get("basePath") or "")
        urls[url.rstrip("/")] = url
    return urls
