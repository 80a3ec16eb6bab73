"""OpenAPI beyond paths: security requirements and schemes, and our ``x-`` extensions.

Security is compared by what a client must hold, not by text: a requirement list is a set of
alternatives, each a set of schemes with scopes. A client that satisfied some alternative of
BASE and satisfies none of HEAD is locked out (breaking); a client that satisfies an alternative
of HEAD and none of BASE is newly let in (relaxed). ``x-rate-limit``, ``x-ai-operation``,
``x-sse-events``, ``x-stream``, ``x-probe``, ``x-subject`` and ``x-websockets`` are compared where they
change what a client sees, read through the kit's spec model (``contractkit.spec.neuron``) as the live
suite reads them. Answer pointers compare as written: a body pointer that becomes a header pointer
(``/cost_usd`` -> ``header:X-Usage-Cost-USD``) moved like any other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from contractkit.diff.schema_diff import SchemaDiffer, show
from contractkit.diff.schema_view import Node
from contractkit.diff.tree import Recorder, Tree, join
from contractkit.spec.jobs import JobSpec
from contractkit.spec.neuron import StreamGrammar, Subject, Usage

Alternative = dict[str, frozenset[str]]
SCHEME_FIELDS = ("type", "in", "name", "scheme", "openIdConnectUrl", "x-audience",
                 "flow", "tokenUrl", "authorizationUrl")  # the last three: Swagger 2.0's one flow
FLOW_FIELDS = ("tokenUrl", "authorizationUrl")


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def effective_security(root: dict, op: dict, op_ptr: str) -> tuple[Any, str]:
    if "security" in op:
        return op["security"], join(op_ptr, "security")
    return root.get("security"), "/security" if "security" in root else op_ptr


def alternatives(security: Any) -> list[Alternative]:
    if not isinstance(security, list) or not security:
        return [{}]
    alts = []
    for req in security:
        if isinstance(req, dict):
            alts.append({k: frozenset(s for s in (v or ()) if isinstance(s, str)) for k, v in req.items()})
    return alts or [{}]


def satisfies(held: Alternative, needed: Alternative) -> bool:
    return all(s in held and scopes <= held[s] for s, scopes in needed.items())


def rate_limit_verdict(b: Any, h: Any) -> str | None:
    """``TIGHTENED``, ``LOOSENED`` or None for two ``{requests, window_seconds}`` limits (None: no limit)."""
    b, h = _dict(b) or None, _dict(h) or None
    if b == h:
        return None
    if b is None:
        return "TIGHTENED"
    if h is None:
        return "LOOSENED"
    try:
        b_req, h_req = float(b["requests"]), float(h["requests"])
        b_rate, h_rate = b_req / float(b["window_seconds"]), h_req / float(h["window_seconds"])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return "TIGHTENED"
    if h_rate < b_rate or h_req < b_req:
        return "TIGHTENED"
    if h_rate > b_rate or h_req > b_req:
        return "LOOSENED"
    order = {"client_id": 0, "token": 0, "global": 1}
    if order.get(h.get("key", "client_id"), 1) > order.get(b.get("key", "client_id"), 1):
        return "TIGHTENED"
    return None


def limit_text(limit: Any) -> str:
    limit = _dict(limit)
    if not limit:
        return "no limit"
    return f"{limit.get('requests')} per {limit.get('window_seconds')} s"


class ExtensionDiffer:
    def __init__(self, base: Tree, head: Tree, recorder: Recorder, schemas: SchemaDiffer) -> None:
        self.base, self.head, self.rec, self.schemas = base, head, recorder, schemas

    def security(self, b_sec: Any, h_sec: Any, h_ptr: str, out: list[Any]) -> None:
        b_alts, h_alts = alternatives(b_sec), alternatives(h_sec)
        for held in b_alts:
            if any(satisfies(held, needed) for needed in h_alts):
                continue
            same = [n for n in h_alts if n.keys() == held.keys()]
            if same:
                extra = sorted(set().union(*(n[s] - held[s] for n in same[:1] for s in n)))
                out.append(self.rec.emit("OAS-SECURITY-SCOPE-ADDED", f"now needs scopes {show(extra)}", h_ptr,
                                         after=extra))
            else:
                out.append(self.rec.emit("OAS-SECURITY-ADDED", f"security {_alt_text(held)} -> "
                                         f"{' or '.join(_alt_text(a) for a in h_alts)}", h_ptr))
        for held in h_alts:
            if any(satisfies(held, needed) for needed in b_alts):
                continue
            same = [n for n in b_alts if n.keys() == held.keys()]
            if same:
                fewer = sorted(set().union(*(n[s] - held[s] for n in same[:1] for s in n)))
                out.append(self.rec.emit("OAS-SECURITY-SCOPE-REMOVED", f"no longer needs scopes {show(fewer)}",
                                         h_ptr, before=fewer))
            else:
                out.append(self.rec.emit("OAS-SECURITY-REMOVED", f"now also accepts {_alt_text(held)}", h_ptr))

    def security_schemes(self) -> None:
        b_all = _dict(_dict(self.base.data.get("components")).get("securitySchemes")) or _dict(
            self.base.data.get("securityDefinitions"))  # Swagger 2.0
        h_all = _dict(_dict(self.head.data.get("components")).get("securitySchemes"))
        root = "/components/securitySchemes"
        if not h_all and "securityDefinitions" in self.head.data:
            h_all, root = _dict(self.head.data.get("securityDefinitions")), "/securityDefinitions"
        for name in b_all.keys() & h_all.keys():
            b, _ = self.base.deref(b_all[name], "")
            h, hptr = self.head.deref(h_all[name], join(root, name))
            b, h = _dict(b), _dict(h)
            diffs = [f"{f} {show(b.get(f))} -> {show(h.get(f))}" for f in SCHEME_FIELDS if b.get(f) != h.get(f)]
            b_flows, h_flows = _dict(b.get("flows")), _dict(h.get("flows"))
            for flow in b_flows:
                if flow not in h_flows:
                    diffs.append(f"flow {flow} removed")
                    continue
                for f in FLOW_FIELDS:
                    if _dict(b_flows[flow]).get(f) != _dict(h_flows[flow]).get(f):
                        diffs.append(f"{flow}.{f} {show(_dict(b_flows[flow]).get(f))} -> "
                                     f"{show(_dict(h_flows[flow]).get(f))}")
            if diffs:
                self.rec.emit("OAS-SECURITY-SCHEME-CHANGED", f"security scheme `{name}`: " + "; ".join(diffs), hptr)

    def rate_limit(self, b: Any, h: Any, h_ptr: str, out: list[Any], prefix: str = "OAS") -> None:
        verdict = rate_limit_verdict(b, h)
        if verdict:
            ptr = join(h_ptr, "x-rate-limit") if h else h_ptr
            out.append(self.rec.emit(f"{prefix}-RATE-LIMIT-{verdict}", f"rate limit {limit_text(b)} -> "
                                     f"{limit_text(h)}", ptr, before=b, after=h))

    def ai_operation(self, b: Any, h: Any, h_ptr: str, out: list[Any]) -> None:
        b, h = _dict(b), _dict(h)
        if not b and not h:
            return
        ptr = join(h_ptr, "x-ai-operation")
        bd, hd = b.get("deadline_ms"), h.get("deadline_ms")
        if bd != hd and isinstance(hd, int | float) and (bd is None or isinstance(bd, int | float)):
            if bd is None or hd > bd:
                out.append(self.rec.emit("OAS-AI-DEADLINE-INCREASED", f"deadline {bd} ms -> {hd} ms",
                                         join(ptr, "deadline_ms"), before=bd, after=hd))
            else:
                out.append(self.rec.emit("OAS-AI-DEADLINE-DECREASED", f"deadline {bd} ms -> {hd} ms",
                                         join(ptr, "deadline_ms"), before=bd, after=hd))
        bf, hf = _dict(b.get("fallback")), _dict(h.get("fallback"))
        if bf.get("mode") != hf.get("mode"):
            out.append(self.rec.emit("OAS-AI-FALLBACK-CHANGED", f"fallback {show(bf.get('mode'))} -> "
                                     f"{show(hf.get('mode'))}", join(ptr, "fallback") if hf else ptr,
                                     before=bf.get("mode"), after=hf.get("mode")))
        b_subject, h_subject = _subject(b), _subject(h)
        if b_subject != h_subject and b_subject is not None:
            out.append(self.rec.emit("OAS-AI-SUBJECT-CHANGED", f"the entity is named by {_subject_text(b_subject)} "
                                     f"-> {_subject_text(h_subject)}", join(ptr, "subject") if h_subject else ptr,
                                     before=b.get("subject"), after=h.get("subject")))
        moved = [name for name, before, after in (
            ("usage", Usage.read(b.get("usage")), Usage.read(h.get("usage"))),
            ("fallback.marker", bf.get("marker"), hf.get("marker")),
            ("answer_text", b.get("answer_text"), h.get("answer_text"))) if before is not None and before != after]
        if moved:
            out.append(self.rec.emit("OAS-AI-REPORTING-MOVED", f"{', '.join(moved)} moved", ptr,
                                     before={k: b.get(k) for k in ("usage", "answer_text")},
                                     after={k: h.get(k) for k in ("usage", "answer_text")}))
        self.job(b.get("job"), h.get("job"), ptr, out)

    def job(self, b: Any, h: Any, ai_ptr: str, out: list[Any]) -> None:
        """``x-ai-operation.job``: becoming async (or no longer) breaks how clients get the answer."""
        before, after = JobSpec.read(b), JobSpec.read(h)
        if before == after:
            return
        if before is None:
            out.append(self.rec.emit("OAS-AI-JOB-ADDED", "the operation now answers with a job (202 + its location)",
                                     join(ai_ptr, "job"), after=h))
        elif after is None:
            out.append(self.rec.emit("OAS-AI-JOB-REMOVED", "the operation no longer answers with a job", ai_ptr,
                                     before=b))
        else:
            fields = [f for f in JobSpec.__dataclass_fields__ if f != "poll_interval_ms"
                      and getattr(before, f) != getattr(after, f)]
            if fields:
                out.append(self.rec.emit("OAS-AI-JOB-CHANGED", "job: " + ", ".join(
                    f"{f} {show(getattr(before, f))} -> {show(getattr(after, f))}" for f in fields),
                    join(ai_ptr, "job"), before=b, after=h))

    def subject(self, b: Any, h: Any, h_ptr: str, out: list[Any]) -> None:
        """``x-subject`` on any operation: the input naming its entity, and what an unknown one gets."""
        before, after = Subject.of(b), Subject.of(h)
        if before is not None and before != after:
            out.append(self.rec.emit("OAS-AI-SUBJECT-CHANGED", f"the entity is named by {_subject_text(before)} "
                                     f"-> {_subject_text(after)}", join(h_ptr, "x-subject") if after else h_ptr,
                                     before=b, after=h))

    def stream_grammar(self, b: Any, h: Any, h_ptr: str, out: list[Any]) -> None:
        """``x-stream``: which frames open, carry, end or fail a turn, and where they carry text and usage."""
        before, after = StreamGrammar.read(b), StreamGrammar.read(h)
        if before is None or before == after:
            return
        if after is None:
            what = "x-stream removed"
        else:
            what = ", ".join(f for f in StreamGrammar.__dataclass_fields__
                             if f != "connection" and getattr(before, f) != getattr(after, f))
            self._connection(before.connection, after.connection, join(h_ptr, "x-stream"), out)
            if not what:
                return
        out.append(self.rec.emit("OAS-STREAM-GRAMMAR-CHANGED", f"stream grammar changed: {what}",
                                 join(h_ptr, "x-stream") if after else h_ptr, before=b, after=h))

    def _connection(self, before: tuple[str, ...], after: tuple[str, ...], ptr: str, out: list[Any]) -> None:
        """Connection frames (``x-stream.connection``): one removed breaks clients waiting for it."""
        gone, new = [f for f in before if f not in after], [f for f in after if f not in before]
        if gone:
            out.append(self.rec.emit("OAS-STREAM-CONNECTION-REMOVED", f"connection frames {show(gone)} no longer "
                                     "declared", ptr, before=list(before), after=list(after)))
        if new:
            out.append(self.rec.emit("OAS-STREAM-CONNECTION-ADDED", f"connection frames {show(new)} declared",
                                     join(ptr, "connection"), before=list(before), after=list(after)))

    def ws_auth(self, b: dict, h: dict, ptr: str, out: list[Any]) -> None:
        """``auth.methods`` (and how a method is used): a way to authenticate that is gone locks clients out."""
        b_auth, h_auth = _dict(b.get("auth")), _dict(h.get("auth"))
        b_methods, h_methods = _methods(b_auth), _methods(h_auth)
        changed = [m for m in b_methods & h_methods if _method_conf(b_auth, m) != _method_conf(h_auth, m)]
        gone = sorted((b_methods - h_methods) | set(changed))
        if gone:
            out.append(self.rec.emit("OAS-WS-AUTH-METHOD-REMOVED", f"auth by {show(gone)} no longer works as before",
                                     join(ptr, "auth"), before=sorted(b_methods), after=sorted(h_methods)))
        if h_methods - b_methods:
            out.append(self.rec.emit("OAS-WS-AUTH-METHOD-ADDED", f"auth also by {show(sorted(h_methods - b_methods))}",
                                     join(ptr, "auth", "methods"), before=sorted(b_methods), after=sorted(h_methods)))

    def probe(self, b: Any, h: Any, h_ptr: str, out: list[Any]) -> None:
        """``x-probe``: what a liveness or readiness probe says, and how readiness shows degradation."""
        b, h = _dict(b), _dict(h)
        if b and b != h:
            what = f"probe {show(b.get('role'))} -> {show(h.get('role'))}"
            if b.get("role") == h.get("role") and b.get("degraded") != h.get("degraded"):
                what = f"{b.get('role')} shows degradation by {show(b.get('degraded'))} -> {show(h.get('degraded'))}"
            out.append(self.rec.emit("OAS-PROBE-CHANGED", what, join(h_ptr, "x-probe") if h else h_ptr,
                                     before=b, after=h))

    def sse_events(self, b: Any, h: Any, bptr: str, hptr: str, out: list[Any]) -> None:
        b, h = _dict(b), _dict(h)
        for name in b:
            if name not in h:
                out.append(self.rec.emit("OAS-SSE-EVENT-REMOVED", f"SSE event `{name}` removed",
                                         join(bptr, "x-sse-events", name), side="base", head_pointer=hptr))
        for name in h:
            if name not in b:
                out.append(self.rec.emit("OAS-SSE-EVENT-ADDED", f"SSE event `{name}` added",
                                         join(hptr, "x-sse-events", name)))
            else:
                out.append(self.schemas.compare("OAS-RES", [(b[name], join(bptr, "x-sse-events", name))],
                                            [(h[name], join(hptr, "x-sse-events", name))]))

    def websockets(self) -> None:
        b_all, h_all = _dict(self.base.data.get("x-websockets")), _dict(self.head.data.get("x-websockets"))
        for path in b_all:
            if path not in h_all:
                self.rec.emit("OAS-WS-ENDPOINT-REMOVED", f"WebSocket endpoint `{path}` removed",
                              join("/x-websockets", path), side="base", head_pointer="/x-websockets"
                              ).operations.add(f"WS {path}")
        for path in h_all:
            ptr = join("/x-websockets", path)
            if path not in b_all:
                self.rec.emit("OAS-WS-ENDPOINT-ADDED", f"WebSocket endpoint `{path}` added", ptr).operations.add(
                    f"WS {path}")
                continue
            b, h = _dict(b_all[path]), _dict(h_all[path])
            out: list[Any] = []
            b_sec, _ = effective_security(self.base.data, b, ptr)
            h_sec, h_sec_ptr = effective_security(self.head.data, h, ptr)
            self.security(b_sec, h_sec, h_sec_ptr, out)
            self.rate_limit(b.get("x-rate-limit"), h.get("x-rate-limit"), ptr, out)
            self.ai_operation(b.get("x-ai-operation"), h.get("x-ai-operation"), ptr, out)
            self.stream_grammar(b.get("x-stream"), h.get("x-stream"), ptr, out)
            self.ws_auth(b, h, ptr, out)
            for key, prefix in (("client_messages", "OAS-REQ"), ("server_messages", "OAS-RES")):
                if key in b and key in h:
                    self._frames(prefix, (b[key], join(ptr, key)), (h[key], join(ptr, key)), out)
            self.schemas.credit(out, f"WS {path}")

    def _frames(self, prefix: str, b: Node, h: Node, out: list[Any]) -> None:
        b_frames, h_frames = self._frame_types(self.schemas.base, b), self._frame_types(self.schemas.head, h)
        if b_frames is None or h_frames is None:
            out.append(self.schemas.compare(prefix, [b], [h]))
            return
        side = "client" if prefix == "OAS-REQ" else "server"
        for name, node in b_frames.items():
            if name not in h_frames:
                out.append(self.rec.emit("OAS-WS-FRAME-REMOVED", f"{side} frame `{name}` removed", node[1],
                                         side="base", head_pointer=h[1]))
        for name, node in h_frames.items():
            if name not in b_frames:
                out.append(self.rec.emit(f"OAS-WS-{side.upper()}-FRAME-ADDED", f"{side} frame `{name}` added",
                                         node[1]))
            else:
                out.append(self.schemas.compare(prefix, [b_frames[name]], [node]))

    @staticmethod
    def _frame_types(builder: Any, node: Node) -> dict[str, Node] | None:
        """Frames by the value of their ``type`` property, or None when frames carry no such tag."""
        view = builder.view([node])
        frames: dict[str, Node] = {}
        for alt in view.variants or [node]:
            alt_view = builder.view([alt])
            tag = alt_view.properties.get("type")
            tag_view = builder.view(tag) if tag else None
            if tag_view is None or tag_view.enum is None or len(tag_view.enum) != 1:
                return None
            frames[str(next(iter(tag_view.enum.values())))] = alt
        return frames


def _methods(auth: dict) -> set[str]:
    methods = auth.get("methods")
    return {m for m in methods if isinstance(m, str)} if isinstance(methods, list) else {"header"}


def _method_conf(auth: dict, method: str) -> Any:
    """What a client must know to use ``method``: the message, the query parameter, the subprotocol."""
    return {"first_message": auth.get("message"), "query": auth.get("query_parameter"),
            "subprotocol": auth.get("subprotocol")}.get(method)


def _subject(ai: Any) -> Subject | None:
    """The subject, an undeclared not-found status read as 404 (RFC 9110's status for it), so that
    writing out the 404 a client already got is no change."""
    subject = Subject.read(ai)
    if subject is not None and subject.not_found_status is None:
        return replace(subject, not_found_status=404)
    return subject


def _subject_text(subject: Subject | None) -> str:
    if subject is None:
        return "nothing"
    return f"{subject.location} `{subject.name}` (not found: {subject.not_found_status})"


def _alt_text(alt: Alternative) -> str:
    if not alt:
        return "none"
    return " + ".join(f"{s}{show(sorted(v)) if v else ''}" for s, v in sorted(alt.items()))
