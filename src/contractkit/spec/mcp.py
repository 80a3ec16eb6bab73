"""One server's entry of an mcp-servers document, as the reference servers and the suite use it.

``load_contract(path)`` parses the document (``contractkit.loading``: safe YAML, located errors)
and ``Contract.server(name)`` gives a ``ServerContract`` whose tool schemas have every ``$ref``
inlined, so jsonschema validation and argument generation see self-contained
schemas. The ``json_pointer`` of each tool lets findings point back into the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from contractkit.errors import ConfigError, NotASpecError, RefError


@dataclass(frozen=True)
class ToolContract:
    name: str
    description: str
    scope: str | None
    parameters: dict[str, Any]
    returns: dict[str, Any]
    examples: tuple[dict[str, Any], ...]
    pointer: str
    read_only: bool | None = None  # the spec's statement; None = say nothing (the server's annotations decide)
    allow_calls: bool = False  # verify_calls.allow: opted in to calls although not read-only
    max_calls: int | None = None  # verify_calls.max_calls: the call budget of one run
    max_duration_s: float | None = None  # max_duration_seconds: how long one call may take

    @property
    def label(self) -> str:
        """How reports name the tool (its name, never the whole contract object)."""
        return self.name

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class ServerContract:
    name: str
    protocol_versions: tuple[str, ...]
    stdio_command: str | None
    http_path: str | None
    auth_type: str
    auth_audience: str | None
    auth_token_endpoint: str | None
    auth_scopes: tuple[str, ...]
    service_token_endpoint: str | None
    service_token_audience: str | None
    service_token_scopes: tuple[str, ...] | None
    rate_limit: dict[str, Any] | None
    audit: dict[str, Any] | None
    tools: tuple[ToolContract, ...]
    pointer: str
    spec_name: str = ""
    foreign_scopes: tuple[str, ...] = ()  # scopes other servers of the document declare
    foreign_audiences: tuple[str, ...] = ()  # audiences of the document's other resources (servers, engine/)

    def tool(self, name: str) -> ToolContract | None:
        return next((t for t in self.tools if t.name == name), None)

    @property
    def tool_scopes(self) -> dict[str, str]:
        return {t.name: t.scope for t in self.tools if t.scope}

    @property
    def audit_fields(self) -> dict[str, str] | None:
        """The audit record's declared fields, each with the key it is written under
        (``audit_log.fields``, renamed by ``audit_log.keys``); None when the spec lists no fields."""
        fields = (self.audit or {}).get("fields")
        if not fields:
            return None
        keys = (self.audit or {}).get("keys") or {}
        return {str(f): str(keys.get(f) or f) for f in fields}

    @property
    def audit_redact(self) -> tuple[str, ...]:
        """The words of ``audit_log.redact``: an argument key containing one is never logged in clear."""
        return tuple(str(w) for w in (self.audit or {}).get("redact") or ())


@dataclass
class Contract:
    """A loaded mcp-servers document."""

    data: dict[str, Any]
    name: str
    where: Any = field(default=None, repr=False)

    @property
    def server_names(self) -> list[str]:
        return [str(s.get("name")) for s in self.data.get("servers", [])]

    def server(self, name: str) -> ServerContract:
        servers = self.data.get("servers", [])
        for index, raw in enumerate(servers):
            if raw.get("name") == name:
                own = set((raw.get("authentication") or {}).get("scopes") or ())
                foreign = sorted({s for other in servers if other is not raw
                                  for s in (other.get("authentication") or {}).get("scopes") or ()} - own)
                audiences = sorted({str(a) for other in servers for a in _audiences(other) if a}
                                   - {(raw.get("authentication") or {}).get("audience"), None})
                return replace(_server(self.data, raw, f"/servers/{index}", self.name), foreign_scopes=tuple(foreign),
                               foreign_audiences=tuple(audiences))
        known = ", ".join(self.server_names) or "none"
        raise ConfigError(f"{self.name} declares no MCP server named {name!r} (it declares: {known})")


def _audiences(server: dict[str, Any]) -> list[Any]:
    """The audiences a server entry names: its own (authentication) and its upstream's (service_token)."""
    return [(server.get("authentication") or {}).get("audience"), (server.get("service_token") or {}).get("audience")]


def load_contract(path: str | Path | None = None) -> Contract:
    """Load an mcp-servers document (default: the bundled specs/mcp-servers.yaml)."""
    from contractkit.loading import load_document
    from contractkit.resources import mcp_spec_path

    doc = load_document(path or mcp_spec_path())
    if doc.kind != "mcp-servers":
        raise NotASpecError("not an mcp-servers document (expected 'format: contractkit/mcp-servers@1')",
                            location=doc.name)
    return Contract(doc.data, doc.name, doc.where)


def inline_refs(schema: Any, root: dict[str, Any], _seen: tuple[str, ...] = ()) -> Any:
    """``schema`` with every local ``$ref`` replaced by its target (cycles are refused)."""
    if isinstance(schema, list):
        return [inline_refs(s, root, _seen) for s in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#/"):
            raise RefError(f"only local $refs are supported in tool schemas, not {ref!r}")
        if ref in _seen:
            raise RefError(f"cyclic $ref {ref!r} in a tool schema")
        target: Any = root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                raise RefError(f"dangling $ref {ref!r}")
            target = target[part]
        merged = {k: v for k, v in schema.items() if k != "$ref"}
        resolved = inline_refs(target, root, (*_seen, ref))
        return {**resolved, **inline_refs(merged, root, _seen)} if merged else resolved
    return {k: inline_refs(v, root, _seen) for k, v in schema.items() if k != "$defs"}


def resolve_schema(schema: Any, root: dict[str, Any], where: str = "") -> Any:
    """``schema`` self-contained: refs inlined, or, for a recursive schema (a tree), its ``$defs``
    carried along so that its ``#/$defs/...`` refs still resolve against it.

    A schema with its own ``$defs`` (as an MCP ``outputSchema`` often has) resolves ``#/$defs/X``
    there first, then in the document's ``$defs``. A ref that resolves nowhere is a ``RefError``
    located at ``where`` (the spec's name and the JSON pointer of the schema).
    """
    scope = root
    if isinstance(schema, dict) and isinstance(schema.get("$defs"), dict):
        scope = {**root, "$defs": {**(root.get("$defs") or {}), **schema["$defs"]}}
    try:
        return inline_refs(schema, scope)
    except RefError as exc:
        if "cyclic" not in str(exc) or not isinstance(schema, dict):
            raise RefError(exc.message, location=where or exc.location) from None
        return {**schema, "$defs": dict(scope.get("$defs") or {})}


def _server(root: dict[str, Any], raw: dict[str, Any], pointer: str, spec_name: str) -> ServerContract:
    transports = raw.get("transports") or {}
    auth = raw.get("authentication") or {}
    service = raw.get("service_token")
    tools = tuple(
        ToolContract(
            name=str(t["name"]),
            description=str(t.get("description", "")),
            scope=t.get("scope"),
            parameters=resolve_schema(t.get("parameters", {}), root, f"{spec_name}: {pointer}/tools/{i}/parameters"),
            returns=resolve_schema(t.get("returns", {}), root, f"{spec_name}: {pointer}/tools/{i}/returns"),
            examples=tuple(e.get("arguments", {}) for e in t.get("examples", []) or []),
            pointer=f"{pointer}/tools/{i}",
            read_only=t.get("read_only") if isinstance(t.get("read_only"), bool) else None,
            allow_calls=bool((t.get("verify_calls") or {}).get("allow")),
            max_calls=(t.get("verify_calls") or {}).get("max_calls"),
            max_duration_s=float(t["max_duration_seconds"]) if t.get("max_duration_seconds") else None,
        )
        for i, t in enumerate(raw.get("tools", []))
    )
    return ServerContract(
        name=str(raw["name"]),
        protocol_versions=tuple(raw.get("protocol_versions") or ()),
        stdio_command=(transports.get("stdio") or {}).get("command"),
        http_path=(transports.get("streamable_http") or {}).get("path"),
        auth_type=str(auth.get("type", "none")),
        auth_audience=auth.get("audience"),
        auth_token_endpoint=auth.get("token_endpoint"),
        auth_scopes=tuple(auth.get("scopes") or ()),
        service_token_endpoint=service.get("token_endpoint") if service else None,
        service_token_audience=service.get("audience") if service else None,
        service_token_scopes=tuple(service.get("scopes") or ()) if service else None,
        rate_limit=raw.get("rate_limit"),
        audit=raw.get("audit_log"),
        tools=tools,
        pointer=pointer,
        spec_name=spec_name,
    )
