"""The mcp-servers differ: servers, tools, auth, service tokens, limits, audit duties, schemas.

Servers and tools are matched by name. A server or tool that disappears while another appears
with the same content (the same tool names; the same parameters and result) is reported as
renamed, and then compared with its new self, so a rename that also changed a tool shows both.
Tool parameters are judged as requests (``MCP-PARAM-*``), results as responses (``MCP-RETURN-*``).
"""

from __future__ import annotations

from typing import Any

from contractkit.diff.openapi_ext import limit_text, rate_limit_verdict
from contractkit.diff.schema_diff import SchemaDiffer, show
from contractkit.diff.tree import Recorder, Tree, join


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _named(items: Any, ptr: str) -> dict[str, tuple[dict, str]]:
    found = {}
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            found[item["name"]] = (item, join(ptr, i))
    return found


def _strs(value: Any) -> set[str]:
    return {v for v in value if isinstance(v, str)} if isinstance(value, list) else set()


class MCPDiffer:
    def __init__(self, base: Tree, head: Tree, recorder: Recorder) -> None:
        self.base, self.head, self.rec = base, head, recorder
        self.schemas = SchemaDiffer(base, head, recorder)

    def run(self) -> None:
        b_servers = _named(self.base.data.get("servers"), "/servers")
        h_servers = _named(self.head.data.get("servers"), "/servers")
        removed = [n for n in b_servers if n not in h_servers]
        added = [n for n in h_servers if n not in b_servers]
        for name in list(removed):
            tools = set(_named(b_servers[name][0].get("tools"), ""))
            same = [a for a in added if tools and set(_named(h_servers[a][0].get("tools"), "")) == tools]
            if len(same) == 1:
                new = same[0]
                self.rec.emit("MCP-SERVER-RENAMED", f"server `{name}` renamed to `{new}`", h_servers[new][1],
                              before=name, after=new).operations.add(new)
                removed.remove(name)
                added.remove(new)
                self._server(new, b_servers[name], h_servers[new])
        for name in removed:
            self.rec.emit("MCP-SERVER-REMOVED", f"server `{name}` removed", b_servers[name][1], side="base",
                          head_pointer="/servers").operations.add(name)
        for name in added:
            self.rec.emit("MCP-SERVER-ADDED", f"server `{name}` added", h_servers[name][1]).operations.add(name)
        for name in b_servers.keys() & h_servers.keys():
            self._server(name, b_servers[name], h_servers[name])
        self.schemas.attribute()

    def _server(self, name: str, b_entry: tuple[dict, str], h_entry: tuple[dict, str]) -> None:
        (b, bptr), (h, hptr) = b_entry, h_entry
        out: list[Any] = []
        self._versions(b, h, hptr, out)
        self._transports(b, h, hptr, out)
        self._auth(b, h, hptr, out)
        bs, hs = _dict(b.get("service_token")), _dict(h.get("service_token"))
        diffs = [f"{k} {show(bs.get(k))} -> {show(hs.get(k))}" for k in ("token_endpoint", "audience")
                 if bs.get(k) != hs.get(k)]
        if _strs(bs.get("scopes")) != _strs(hs.get("scopes")):
            diffs.append(f"scopes {show(sorted(_strs(bs.get('scopes'))))} -> {show(sorted(_strs(hs.get('scopes'))))}")
        if diffs:
            out.append(self.rec.emit("MCP-SERVICE-TOKEN-CHANGED", "service token: " + "; ".join(diffs),
                                     join(hptr, "service_token") if hs else hptr))
        verdict = rate_limit_verdict(b.get("rate_limit"), h.get("rate_limit"))
        if verdict:
            out.append(self.rec.emit(f"MCP-RATE-LIMIT-{verdict}", f"rate limit {limit_text(b.get('rate_limit'))} -> "
                                     f"{limit_text(h.get('rate_limit'))}",
                                     join(hptr, "rate_limit") if h.get("rate_limit") else hptr,
                                     before=b.get("rate_limit"), after=h.get("rate_limit")))
        self._audit(_dict(b.get("audit_log")), _dict(h.get("audit_log")), hptr, out)
        self.schemas.credit(out, name)
        self._tools(name, b, h, bptr, hptr)

    def _versions(self, b: dict, h: dict, hptr: str, out: list[Any]) -> None:
        bv, hv = _strs(b.get("protocol_versions")), _strs(h.get("protocol_versions"))
        ptr = join(hptr, "protocol_versions") if "protocol_versions" in h else hptr
        for v in sorted(bv - hv):
            out.append(self.rec.emit("MCP-PROTOCOL-VERSION-REMOVED", f"protocol version {v} removed", ptr,
                                     before=v))
        for v in sorted(hv - bv):
            out.append(self.rec.emit("MCP-PROTOCOL-VERSION-ADDED", f"protocol version {v} added", ptr, after=v))

    def _transports(self, b: dict, h: dict, hptr: str, out: list[Any]) -> None:
        bt, ht = _dict(b.get("transports")), _dict(h.get("transports"))
        ptr = join(hptr, "transports")
        for kind, conf in bt.items():
            if kind not in ht:
                out.append(self.rec.emit("MCP-TRANSPORT-REMOVED", f"transport {kind} removed", ptr))
            elif conf != ht[kind]:
                out.append(self.rec.emit("MCP-TRANSPORT-REMOVED", f"transport {kind} changed: {show(conf)} -> "
                                         f"{show(ht[kind])}", join(ptr, kind), before=conf, after=ht[kind]))
        for kind in ht:
            if kind not in bt:
                out.append(self.rec.emit("MCP-TRANSPORT-ADDED", f"transport {kind} added", join(ptr, kind)))

    def _auth(self, b: dict, h: dict, hptr: str, out: list[Any]) -> None:
        ba, ha = _dict(b.get("authentication")), _dict(h.get("authentication"))
        ptr = join(hptr, "authentication")
        b_type, h_type = ba.get("type", "none"), ha.get("type", "none")
        if b_type != h_type and h_type == "none":
            out.append(self.rec.emit("MCP-AUTH-RELAXED", f"authentication {b_type} -> none", ptr))
            return
        diffs = [f"{k} {show(ba.get(k))} -> {show(ha.get(k))}" for k in ("type", "token_endpoint", "audience")
                 if ba.get(k) != ha.get(k)]
        if diffs:
            out.append(self.rec.emit("MCP-AUTH-CHANGED", "authentication: " + "; ".join(diffs), ptr))
        bsc, hsc = _strs(ba.get("scopes")), _strs(ha.get("scopes"))
        if bsc - hsc:
            out.append(self.rec.emit("MCP-AUTH-SCOPE-REMOVED", f"scopes {show(sorted(bsc - hsc))} removed",
                                     join(ptr, "scopes"), before=sorted(bsc - hsc)))
        if hsc - bsc:
            out.append(self.rec.emit("MCP-AUTH-SCOPE-ADDED", f"scopes {show(sorted(hsc - bsc))} added",
                                     join(ptr, "scopes"), after=sorted(hsc - bsc)))

    def _audit(self, b: dict, h: dict, hptr: str, out: list[Any]) -> None:
        if not b and not h:
            return
        ptr = join(hptr, "audit_log") if h else hptr
        b_req, h_req = b.get("required") is True, h.get("required") is True
        bf, hf = _strs(b.get("fields")), _strs(h.get("fields"))
        weaker = [f"fields {show(sorted(bf - hf))} dropped"] if bf - hf else []
        stronger = [f"fields {show(sorted(hf - bf))} added"] if hf - bf else []
        if b_req and not h_req:
            weaker.insert(0, "no longer required")
        if h_req and not b_req:
            stronger.insert(0, "now required")
        if weaker:
            out.append(self.rec.emit("MCP-AUDIT-LOG-WEAKENED", "audit log: " + "; ".join(weaker), ptr))
        if stronger:
            out.append(self.rec.emit("MCP-AUDIT-LOG-STRENGTHENED", "audit log: " + "; ".join(stronger), ptr))

    def _tools(self, server: str, b: dict, h: dict, bptr: str, hptr: str) -> None:
        b_tools = _named(b.get("tools"), join(bptr, "tools"))
        h_tools = _named(h.get("tools"), join(hptr, "tools"))
        removed = [n for n in b_tools if n not in h_tools]
        added = [n for n in h_tools if n not in b_tools]
        pairs = [(n, n) for n in b_tools if n in h_tools]
        for name in list(removed):
            bt = b_tools[name][0]
            same = [a for a in added if h_tools[a][0].get("parameters") == bt.get("parameters")
                    and h_tools[a][0].get("returns") == bt.get("returns")]
            if len(same) == 1:
                new = same[0]
                self.rec.emit("MCP-TOOL-RENAMED", f"tool `{name}` renamed to `{new}`", h_tools[new][1], before=name,
                              after=new).operations.add(f"{server}/{new}")
                removed.remove(name)
                added.remove(new)
                pairs.append((name, new))
        for name in removed:
            self.rec.emit("MCP-TOOL-REMOVED", f"tool `{name}` removed from `{server}`", b_tools[name][1], side="base",
                          head_pointer=join(hptr, "tools")).operations.add(f"{server}/{name}")
        for name in added:
            self.rec.emit("MCP-TOOL-ADDED", f"tool `{name}` added to `{server}`", h_tools[name][1]).operations.add(
                f"{server}/{name}")
        for old, new in pairs:
            out: list[Any] = []
            self._tool(b_tools[old], h_tools[new], out)
            self.schemas.credit(out, f"{server}/{new}")

    def _tool(self, b_entry: tuple[dict, str], h_entry: tuple[dict, str], out: list[Any]) -> None:
        (b, bptr), (h, hptr) = b_entry, h_entry
        if h.get("deprecated") is True and b.get("deprecated") is not True:
            out.append(self.rec.emit("MCP-TOOL-DEPRECATED", "tool marked deprecated", join(hptr, "deprecated")))
        b_scope, h_scope = b.get("scope"), h.get("scope")
        if b_scope != h_scope:
            if h_scope:
                out.append(self.rec.emit("MCP-TOOL-SCOPE-ADDED", f"scope {show(b_scope)} -> {show(h_scope)}",
                                         join(hptr, "scope"), before=b_scope, after=h_scope))
            else:
                out.append(self.rec.emit("MCP-TOOL-SCOPE-REMOVED", f"scope {show(b_scope)} removed", hptr,
                                         before=b_scope))
        for key, prefix in (("parameters", "MCP-PARAM"), ("returns", "MCP-RETURN")):
            if key in b and key in h:
                out.append(self.schemas.compare(prefix, [(b[key], join(bptr, key))], [(h[key], join(hptr, key))]))
