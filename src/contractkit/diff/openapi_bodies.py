"""Request bodies, responses, headers, links and encodings of one operation (an ``OpenAPIDiffer`` mixin).

The same code judges an operation of the API and an operation of a callback or webhook. In a
callback the roles swap: the API sends the request (clients receive its body: judged as a
response, ``OAS-RES-*``) and clients send the response (judged as a request, ``OAS-REQ-*``).
``callback=True`` selects that reading; body-level flags (a body became required) say nothing
to a receiver and are not judged there.
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.media import encoding_changes, pair_media, wire_mode
from contractkit.diff.schema_view import Node
from contractkit.diff.tree import join
from contractkit.diff.wire import JOINED


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def param_schema(node: dict, ptr: str) -> Node | None:
    """A parameter's or header's schema: ``schema``, the one of ``content``, or (Swagger 2.0) the node itself."""
    if "schema" in node:
        return (node["schema"], join(ptr, "schema"))
    content = node.get("content")
    if isinstance(content, dict):
        for mt, media in content.items():
            if isinstance(media, dict) and "schema" in media:
                return (media["schema"], join(ptr, "content", mt, "schema"))
        return None
    if "type" in node and node.get("in") != "body":  # Swagger 2.0: type, format, pattern... on the parameter
        return (node, ptr)
    return None


def is_wire_param(node: dict) -> bool:
    """Parameters and headers serialized as text (``schema``, not ``content``)."""
    return "content" not in node and node.get("in") != "body"


def status_pairs(b_codes: list[str], h_codes: list[str]) -> list[tuple[str, str]]:
    """Responses of BASE and HEAD that answer the same statuses: the same code, or a code and the range
    (``2XX``, OpenAPI 3.1 §4.8.16) that covers it, either way round."""
    pairs = [(c, c) for c in b_codes if c in h_codes]
    for c in b_codes:
        if c in h_codes:
            continue
        if len(c) == 3 and c[1:] != "XX" and f"{c[0]}XX" in h_codes:
            pairs.append((c, f"{c[0]}XX"))
        elif c[1:] == "XX":
            pairs.extend((c, h) for h in h_codes if h not in b_codes and h[:1] == c[0] and h[1:] != "XX")
    return pairs


class BodyDiffer:
    """Mixed into ``OpenAPIDiffer``: uses ``base``, ``head``, ``rec`` and ``schemas``."""

    base: Any
    head: Any
    rec: Any
    schemas: Any
    ext: Any

    def _request_body(self, b_op: dict, h_op: dict, b_ptr: str, h_ptr: str, out: list[Any],
                      callback: bool = False) -> None:
        b, bptr = self.base.deref(b_op.get("requestBody"), join(b_ptr, "requestBody"))
        h, hptr = self.head.deref(h_op.get("requestBody"), join(h_ptr, "requestBody"))
        b, h = _dict(b) or None, _dict(h) or None
        if b is None and h is None:
            return
        if callback:  # the API sends this body: only what is inside it matters to the receiver
            self._content(_dict(b).get("content"), _dict(h).get("content"), join(bptr, "content"),
                          join(hptr, "content"), "OAS-RES", "OAS-RESPONSE-MEDIA-TYPE", out)
            return
        if b is None:
            required = h.get("required") is True
            out.append(self.rec.emit("OAS-REQUEST-BODY-BECAME-REQUIRED" if required else "OAS-REQUEST-BODY-ADDED",
                                     "request body added" + (" as required" if required else ""), hptr))
            return
        if h is None:
            out.append(self.rec.emit("OAS-REQUEST-BODY-REMOVED", "request body removed", bptr, side="base",
                                     head_pointer=h_ptr))
            return
        breq, hreq = b.get("required") is True, h.get("required") is True
        if breq != hreq:
            out.append(self.rec.emit("OAS-REQUEST-BODY-BECAME-REQUIRED" if hreq else "OAS-REQUEST-BODY-BECAME-OPTIONAL",
                                     "request body " + ("now required" if hreq else "no longer required"), hptr))
        self._content(b.get("content"), h.get("content"), join(bptr, "content"), join(hptr, "content"), "OAS-REQ",
                      "OAS-REQUEST-MEDIA-TYPE", out)

    def _content(self, b: Any, h: Any, bptr: str, hptr: str, prefix: str, kind: str, out: list[Any]) -> None:
        b, h = _dict(b), _dict(h)
        pairs, removed, added = pair_media(b, h, request=kind == "OAS-REQUEST-MEDIA-TYPE")
        for raw in removed:
            out.append(self.rec.emit(f"{kind}-REMOVED", f"media type `{raw}` removed", join(bptr, raw),
                                     side="base", head_pointer=hptr))
        for raw in added:
            out.append(self.rec.emit(f"{kind}-ADDED", f"media type `{raw}` added", join(hptr, raw)))
        for b_raw, h_raw in pairs:
            bm, hm = _dict(b[b_raw]), _dict(h[h_raw])
            bmp, hmp = join(bptr, b_raw), join(hptr, h_raw)
            if "schema" in bm or "schema" in hm:  # a schema where there was none narrows: `true` -> the schema
                bs = (bm["schema"], join(bmp, "schema")) if "schema" in bm else (True, join(bmp, "schema"))
                hs = (hm["schema"], join(hmp, "schema")) if "schema" in hm else (True, join(hmp, "schema"))
                out.append(self.schemas.compare(prefix, [bs], [hs], wire=wire_mode(h_raw)))
            changes = encoding_changes(bm.get("encoding"), hm.get("encoding"))
            if changes:
                out.append(self.rec.emit("OAS-ENCODING-CHANGED", f"`{h_raw}` encoding: " + "; ".join(changes),
                                         join(hmp, "encoding") if "encoding" in hm else hmp))
            if prefix == "OAS-RES":
                self.ext.sse_events(bm.get("x-sse-events"), hm.get("x-sse-events"), bmp, hmp, out)
                self.ext.stream_grammar(bm.get("x-stream"), hm.get("x-stream"), hmp, out)

    def _responses(self, b_op: dict, h_op: dict, b_ptr: str, h_ptr: str, out: list[Any],
                   callback: bool = False) -> None:
        b_all = {str(k).upper(): k for k in _dict(b_op.get("responses"))}
        h_all = {str(k).upper(): k for k in _dict(h_op.get("responses"))}
        brp, hrp = join(b_ptr, "responses"), join(h_ptr, "responses")
        prefix, media_kind = ("OAS-REQ", "OAS-REQUEST-MEDIA-TYPE") if callback else ("OAS-RES",
                                                                                     "OAS-RESPONSE-MEDIA-TYPE")
        pairs = status_pairs(list(b_all), list(h_all))
        paired_b, paired_h = {b for b, _ in pairs}, {h for _, h in pairs}
        for code, raw in b_all.items():
            if code not in paired_b:
                success = code[:1] in ("2", "3")
                out.append(self.rec.emit("OAS-RESPONSE-SUCCESS-STATUS-REMOVED" if success else
                                         "OAS-RESPONSE-ERROR-STATUS-REMOVED", f"response `{raw}` removed",
                                         join(brp, raw), side="base", head_pointer=hrp))
        for code, raw in h_all.items():
            if code not in paired_h:
                out.append(self.rec.emit("OAS-RESPONSE-STATUS-ADDED", f"response `{raw}` added", join(hrp, raw)))
        for b_code, h_code in pairs:
            raw = h_all[h_code]
            b, bptr = self.base.deref(b_op["responses"][b_all[b_code]], join(brp, b_all[b_code]))
            h, hptr = self.head.deref(h_op["responses"][raw], join(hrp, raw))
            b, h = _dict(b), _dict(h)
            self._headers(b.get("headers"), h.get("headers"), join(bptr, "headers"), join(hptr, "headers"), hptr,
                          prefix, out)
            self._content(b.get("content"), h.get("content"), join(bptr, "content"), join(hptr, "content"), prefix,
                          media_kind, out)
            self._links(b.get("links"), h.get("links"), join(bptr, "links"), join(hptr, "links"), hptr, out)
            if "schema" in b and "schema" in h:  # Swagger 2.0
                out.append(self.schemas.compare(prefix, [(b["schema"], join(bptr, "schema"))],
                                                [(h["schema"], join(hptr, "schema"))]))

    def _headers(self, b: Any, h: Any, bptr: str, hptr: str, h_resp_ptr: str, prefix: str, out: list[Any]) -> None:
        # a response header named Content-Type SHALL be ignored (OpenAPI 3.1 §4.8.17.1): the media type says it
        b_names = {str(k).lower(): k for k in _dict(b) if str(k).lower() != "content-type"}
        h_names = {str(k).lower(): k for k in _dict(h) if str(k).lower() != "content-type"}
        for name, raw in b_names.items():
            if name not in h_names:
                out.append(self.rec.emit("OAS-RESPONSE-HEADER-REMOVED", f"response header `{raw}` removed",
                                         join(bptr, raw), side="base", head_pointer=h_resp_ptr))
        for name, raw in h_names.items():
            if name not in b_names:
                out.append(self.rec.emit("OAS-RESPONSE-HEADER-ADDED", f"response header `{raw}` added",
                                         join(hptr, raw)))
                continue
            bh, bhp = self.base.deref(b[b_names[name]], join(bptr, b_names[name]))
            hh, hhp = self.head.deref(h[raw], join(hptr, raw))
            bh, hh = _dict(bh), _dict(hh)
            b_req, h_req = bh.get("required") is True, hh.get("required") is True
            if b_req != h_req:
                out.append(self.rec.emit(f"OAS-RESPONSE-HEADER-BECAME-{'REQUIRED' if h_req else 'OPTIONAL'}",
                                         f"response header `{raw}` " + ("now always sent" if h_req else
                                                                        "no longer always sent"), hhp))
            bs, hs = param_schema(bh, bhp), param_schema(hh, hhp)
            if bs and hs:
                wire = JOINED if is_wire_param(hh) and is_wire_param(bh) else False  # headers: simple style
                out.append(self.schemas.compare(prefix, [bs], [hs], wire=wire))

    def _links(self, b: Any, h: Any, bptr: str, hptr: str, h_resp_ptr: str, out: list[Any]) -> None:
        """Links by name: the operation they lead to and the values they pass (OpenAPI 3.1 §4.8.20)."""
        b, h = _dict(b), _dict(h)
        for name in b:
            if name not in h:
                out.append(self.rec.emit("OAS-LINK-REMOVED", f"link `{name}` removed", join(bptr, name),
                                         side="base", head_pointer=h_resp_ptr))
        for name in h:
            if name not in b:
                out.append(self.rec.emit("OAS-LINK-ADDED", f"link `{name}` added", join(hptr, name)))
                continue
            bl, hl = _dict(self.base.deref(b[name], "")[0]), _dict(self.head.deref(h[name], "")[0])
            diffs = [f"{k} {bl.get(k)!r} -> {hl.get(k)!r}" for k in ("operationId", "operationRef", "parameters",
                                                                      "requestBody", "server")
                     if bl.get(k) != hl.get(k)]
            if diffs:
                out.append(self.rec.emit("OAS-LINK-CHANGED", f"link `{name}`: " + "; ".join(diffs),
                                         join(hptr, name)))
