"""The neuron spec as the kit reads it: operations, parameters, subjects, streams, probes, tokens.

The contract is the spec the user gives (or the bundled one): nothing here hard-codes a path,
parameter, field, event name, scope or audience of the reference neuron/. What OpenAPI cannot say
is read from the documented extensions (docs/extensions.md); a fact the spec does not declare is
``None`` here, and the rules that need it are not verified with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contractkit.errors import NotASpecError
from contractkit.loading.locate import pointer_get
from contractkit.spec.jobs import JobSpec
from contractkit.spec.pointers import header_name
from contractkit.spec.security import Alternative, SecurityScheme, primary, read_alternatives, read_schemes

SPEC_URI = "urn:contractkit:neuron-spec"
_METHODS = ("get", "put", "post", "delete", "patch")


_MISSING = object()



def pointer_set(document: Any, pointer: str, value: Any) -> Any:
    """A copy of ``document`` with ``value`` at ``pointer`` (intermediate objects created)."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    if not parts:
        return value
    root = dict(document) if isinstance(document, dict) else {}
    node = root
    for part in parts[:-1]:
        child = node.get(part)
        node[part] = dict(child) if isinstance(child, dict) else {}
        node = node[part]
    node[parts[-1]] = value
    return root


@dataclass(frozen=True)
class Parameter:
    """A path, query, header or cookie parameter, with a value the kit may send when none is given."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]
    example: Any = None


@dataclass(frozen=True)
class Subject:
    """The input that names the entity an AI operation is about (``x-ai-operation.subject``)."""

    location: str  # path | query | header | body
    name: str  # a parameter name, or a JSON pointer into the body
    not_found_status: int | None = None  # None: undeclared (the operation's subject fills in a declared 404)
    example: Any = None

    @classmethod
    def read(cls, ai: Any) -> Subject | None:
        """The subject an ``x-ai-operation`` declares, or None."""
        return cls.of(ai.get("subject") if isinstance(ai, dict) else None)

    @classmethod
    def of(cls, raw: Any) -> Subject | None:
        """A subject declaration: ``{in, name}``, or ``{pointer}`` in the answer-pointer syntax
        (``/customer_id`` names a body field, ``header:X-Customer-Id`` a header)."""
        if isinstance(raw, dict) and isinstance(raw.get("pointer"), str) and "in" not in raw:
            pointer = raw["pointer"]
            raw = {**raw, "in": "header", "name": pointer.split(":", 1)[1].strip()} if header_name(pointer) \
                else {**raw, "in": "body", "name": pointer}
        if not isinstance(raw, dict) or raw.get("in") not in ("path", "query", "header", "body") or not raw.get("name"):
            return None
        status = raw.get("not_found_status")
        return cls(raw["in"], str(raw["name"]), status if isinstance(status, int) else None, raw.get("example"))


@dataclass(frozen=True)
class Usage:
    """Where an answer or an ending frame reports its usage (JSON pointers)."""

    token_count: str
    cost_usd: str
    model_tier: str | None = None

    @classmethod
    def read(cls, raw: Any) -> Usage | None:
        if not isinstance(raw, dict) or not raw.get("token_count") or not raw.get("cost_usd"):
            return None
        return cls(raw["token_count"], raw["cost_usd"], raw.get("model_tier"))


@dataclass(frozen=True)
class StreamGrammar:
    """What the frames of a stream mean (``x-stream``), with each frame type's schema if declared."""

    opens: tuple[str, ...]
    deltas: tuple[str, ...]
    ends: tuple[str, ...]
    errors: tuple[str, ...]
    text: str | None = None
    index: str | None = None
    usage: Usage | None = None
    fallback: str | None = None
    type_field: str | None = None
    connection: tuple[str, ...] = ()  # frames of the connection, not of a turn (x-stream.connection)

    @classmethod
    def read(cls, raw: Any) -> StreamGrammar | None:
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), list) for k in ("opens", "deltas", "ends",
                                                                                         "errors")):
            return None
        return cls(tuple(raw["opens"]), tuple(raw["deltas"]), tuple(raw["ends"]), tuple(raw["errors"]),
                   raw.get("text"), raw.get("index"), Usage.read(raw.get("usage")), raw.get("fallback"),
                   raw.get("type_field"), tuple(raw.get("connection") or ()) if isinstance(raw.get("connection"),
                                                                                          list) else ())

    @property
    def terminal(self) -> tuple[str, ...]:
        return self.ends + self.errors

    @property
    def names(self) -> tuple[str, ...]:
        return self.opens + self.deltas + self.ends + self.errors + self.connection


@dataclass(frozen=True)
class ResponseSpec:
    status: str
    content: dict[str, dict[str, Any]]
    headers: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of the spec, with what the checks need to know about it."""

    method: str
    path: str
    operation_id: str
    scopes: tuple[str, ...] | None  # None: no security; () : a token of any scope
    ai: dict[str, Any] | None
    rate_limit: tuple[int, float] | None
    request_schema: dict[str, Any] | None
    example_body: Any
    responses: dict[str, ResponseSpec] = field(hash=False)
    parameters: tuple[Parameter, ...] = ()
    probe: dict[str, Any] | None = field(default=None, hash=False)
    request_media: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    security: tuple[Alternative, ...] = field(default=(), hash=False)

    @property
    def credential(self) -> Alternative | None:
        """The security alternative the suite authenticates with (see ``security.primary``)."""
        return primary(self.security)

    @property
    def bearer(self) -> bool:
        """Whether the suite calls this operation with a bearer token."""
        return self.credential is not None and self.credential.bearer is not None

    @property
    def label(self) -> str:
        return self.operation_id or f"{self.method} {self.path}"

    def __str__(self) -> str:
        return self.label

    @property
    def authenticated(self) -> bool:
        return self.scopes is not None

    @property
    def deadline_s(self) -> float | None:
        ms = (self.ai or {}).get("deadline_ms")
        return ms / 1000 if isinstance(ms, int | float) else None

    @property
    def fallback_mode(self) -> str | None:
        return ((self.ai or {}).get("fallback") or {}).get("mode")

    @property
    def sse_response(self) -> dict[str, Any] | None:
        for response in self.responses.values():
            media = response.content.get("text/event-stream")
            if media is not None:
                return media
        return None

    @property
    def is_stream(self) -> bool:
        return self.sse_response is not None

    @property
    def subject(self) -> Subject | None:
        """The entity the operation is about: ``x-ai-operation.subject``, else ``x-subject`` (any
        operation); its not-found status the declared one, else 404 when the operation declares a 404
        response (RFC 9110 section 15.5.5), else None: the spec does not say."""
        subject = Subject.read(self.ai) or Subject.of(self.extensions.get("x-subject"))
        if subject is not None and subject.not_found_status is None and "404" in self.responses:
            return replace(subject, not_found_status=404)
        return subject

    @property
    def job(self) -> JobSpec | None:
        """Where this operation's answer is when it answers with a job (``x-ai-operation.job``)."""
        return JobSpec.read((self.ai or {}).get("job"))
    @property
    def subject_example(self) -> Any:
        """The entity this operation's own examples name: ``subject.example``, else the example of
        the parameter or body field the subject names; None when the spec gives none."""
        subject = self.subject
        if subject is None:
            return None
        if subject.example is not None:
            return subject.example
        if subject.location == "body":
            return pointer_get(self.example_body, subject.name)
        param = next((p for p in self.parameters if p.location == subject.location and p.name == subject.name), None)
        return param.example if param is not None else None

    @property
    def takes_customer(self) -> bool:
        """Whether the operation names an entity it is about (the spec's ``subject``)."""
        return self.subject is not None

    @property
    def usage(self) -> Usage | None:
        return Usage.read((self.ai or {}).get("usage"))

    @property
    def fallback_marker(self) -> str | None:
        return ((self.ai or {}).get("fallback") or {}).get("marker")

    @property
    def answer_text(self) -> str | None:
        return (self.ai or {}).get("answer_text")

    @property
    def stream_of(self) -> str | None:
        return (self.ai or {}).get("stream_of")

    @property
    def grammar(self) -> StreamGrammar | None:
        """The SSE stream's grammar: ``x-stream`` on its text/event-stream media type."""
        return StreamGrammar.read((self.sse_response or {}).get("x-stream"))

    @property
    def event_schemas(self) -> dict[str, Any]:
        return dict((self.sse_response or {}).get("x-sse-events") or {})

    def declares(self, status: int | str) -> bool:
        return str(status) in self.responses or f"{str(status)[0]}XX" in self.responses

    @property
    def statuses(self) -> set[str]:
        return set(self.responses)


class NeuronSpec:
    """Read-only view of a neuron OpenAPI document."""

    def __init__(self, data: dict[str, Any], path: Path | None = None) -> None:
        if not isinstance(data, dict) or "paths" not in data:
            raise NotASpecError("the spec has no paths: not an OpenAPI description of neuron/")
        self.data = data
        self.path = path
        self._registry = Registry().with_resource(SPEC_URI, Resource.from_contents(data, DRAFT202012))

    @classmethod
    def load(cls, path: Path | str) -> NeuronSpec:
        from contractkit.loading import load_document

        document = load_document(path)
        if document.kind != "openapi":
            raise NotASpecError(f"{path} is not an OpenAPI document", location=str(path))
        return cls(document.data, Path(path))

    def deref(self, node: Any, depth: int = 0) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
            if depth > 32:
                raise NotASpecError(f"$ref chain too deep at {node['$ref']}")
            node = self.pointer(node["$ref"][1:])
            depth += 1
        return node

    def pointer(self, pointer: str) -> Any:
        return pointer_get(self.data, pointer if pointer.startswith("/") else "/" + pointer)

    def validator(self, schema: dict[str, Any]) -> jsonschema.protocols.Validator:
        """A 2020-12 validator whose ``#/...`` references resolve inside the spec."""
        root = {"$id": "urn:contractkit:inline", **schema} if "$ref" not in schema else schema
        wrapped = {"$ref": SPEC_URI + schema["$ref"]} if set(schema) == {"$ref"} else root
        return jsonschema.Draft202012Validator(
            _rebase_refs(wrapped), registry=self._registry, format_checker=jsonschema.FormatChecker()
        )

    def errors(self, schema: dict[str, Any], instance: Any, limit: int = 3) -> list[str]:
        out = []
        for error in self.validator(schema).iter_errors(instance):
            where = "/" + "/".join(str(p) for p in error.absolute_path)
            out.append(f"{where}: {error.message[:200]}")
            if len(out) >= limit:
                break
        return out

    @cached_property
    def security_schemes(self) -> dict[str, SecurityScheme]:
        """Every security scheme of ``components.securitySchemes``, by name."""
        return read_schemes((self.data.get("components") or {}).get("securitySchemes"), self.deref)

    @cached_property
    def token_scheme(self) -> SecurityScheme | None:
        """The bearer scheme tokens are obtained for: the first one the operations authenticate with,
        preferring one that says where tokens are minted; else such a scheme of the components."""
        used = [op.credential.bearer.scheme for op in self.operations if op.credential and op.credential.bearer]
        schemes = used + [s for s in self.security_schemes.values() if s.bearer]
        return next((s for s in schemes if s.mints), None) or next(iter(schemes), None)

    @property
    def security_scheme(self) -> dict[str, Any]:
        """The raw object of ``token_scheme`` ({} without one)."""
        return dict(self.token_scheme.raw) if self.token_scheme else {}

    @property
    def token_url(self) -> str | None:
        return self.token_scheme.token_url if self.token_scheme else None

    @property
    def discovery_url(self) -> str | None:
        """The openIdConnect discovery document that names the token endpoint, if that is how."""
        return self.token_scheme.discovery_url if self.token_scheme else None

    @property
    def audiences(self) -> list[str]:
        """Every audience the API accepts (``x-audience``: one or a list)."""
        return list(self.token_scheme.audiences) if self.token_scheme else []

    @property
    def audience(self) -> str | None:
        """The audience tokens are minted for: the first declared."""
        return (self.audiences or [None])[0]

    @property
    def foreign_audience(self) -> str | None:
        """An audience the API must refuse that the token endpoint will mint (``x-foreign-audience``)."""
        return self.token_scheme.foreign_audience if self.token_scheme else None

    @property
    def clock_skew_s(self) -> float | None:
        """The leeway the API allows on ``exp`` (``x-clock-skew-seconds``), or None if undeclared."""
        return self.token_scheme.clock_skew_s if self.token_scheme else None

    @property
    def token_request(self) -> dict[str, Any]:
        """How to ask the token endpoint (``x-token-request``: auth method, audience parameter)."""
        return self.token_scheme.token_request if self.token_scheme else {}

    def probe(self, role: str) -> Operation | None:
        """The liveness or readiness operation (``x-probe.role``)."""
        return next((op for op in self.operations if (op.probe or {}).get("role") == role), None)

    def fault_value(self, mode: str) -> str | None:
        """The fault-injection header value for one of the kit's fault modes, or None if not offered."""
        raw = (self.fault_injection.get("modes") or {}).get(mode)
        if raw is None:
            return None
        return str(raw.get("value") or mode) if isinstance(raw, dict) else mode

    @property
    def all_scopes(self) -> list[str]:
        """Every scope of the token scheme: its flows' scopes and those its requirements name."""
        scheme = self.token_scheme
        if scheme is None:
            return []
        named = {s for op in self.operations for alt in op.security for r in alt.requirements
                 if r.scheme.name == scheme.name for s in r.scopes}
        return sorted(set(scheme.scopes) | named)

    @cached_property
    def operations(self) -> list[Operation]:
        global_security = self.data.get("security")
        ops = []
        for path, item in (self.data.get("paths") or {}).items():
            item = self.deref(item) or {}
            for method in _METHODS:
                raw = item.get(method)
                if isinstance(raw, dict):
                    ops.append(self._operation(method.upper(), path, raw, global_security, item))
        return ops

    def _parameters(self, *lists: Any) -> tuple[Parameter, ...]:
        found: dict[tuple[str, str], Parameter] = {}
        for params in lists:
            for param in params if isinstance(params, list) else []:
                param = self.deref(param)
                if not isinstance(param, dict) or param.get("in") not in ("path", "query", "header", "cookie"):
                    continue
                schema = self.deref(param.get("schema")) or {}
                example = param.get("example", _MISSING)
                if example is _MISSING and isinstance(param.get("examples"), dict) and param["examples"]:
                    example = (self.deref(next(iter(param["examples"].values()))) or {}).get("value", _MISSING)
                if example is _MISSING:
                    example = schema.get("example", (schema.get("examples") or [None])[0]
                                         if isinstance(schema.get("examples"), list) else None)
                found[(param["in"], str(param["name"]))] = Parameter(
                    str(param["name"]), param["in"], bool(param.get("required") or param["in"] == "path"),
                    schema if isinstance(schema, dict) else {}, example)
        return tuple(found.values())

    def _operation(self, method: str, path: str, raw: dict[str, Any], global_security: Any,
                   item: dict[str, Any] | None = None) -> Operation:
        alternatives = read_alternatives(raw.get("security", global_security), self.security_schemes)
        # None: callable without credentials (no security, or an anonymous alternative {})
        credential = primary(alternatives)
        scopes = credential.scopes if credential is not None else None
        body = self.deref(raw.get("requestBody") or {})
        content = (body or {}).get("content") or {}
        media_type = _json_media_type(content)
        media = content.get(media_type) or {} if media_type else {}
        schema = media.get("schema")
        example = _example(self, media, schema)
        limit = raw.get("x-rate-limit") or {}
        rate = (int(limit["requests"]), float(limit["window_seconds"])) if limit.get("requests") else None
        responses = {}
        for status, response in (raw.get("responses") or {}).items():
            response = self.deref(response) or {}
            headers = {name.lower(): self.deref(h) or {} for name, h in (response.get("headers") or {}).items()}
            responses[str(status)] = ResponseSpec(str(status), dict(response.get("content") or {}), headers)
        return Operation(method, path, raw.get("operationId") or "", scopes, raw.get("x-ai-operation"), rate,
                         self.deref(schema) if schema else None, example, responses,
                         self._parameters((item or {}).get("parameters"), raw.get("parameters")),
                         raw.get("x-probe") if isinstance(raw.get("x-probe"), dict) else None, media_type,
                         {k: v for k, v in raw.items() if isinstance(k, str) and k.startswith("x-")},
                         alternatives)

    def operation(self, operation_id: str) -> Operation | None:
        return next((op for op in self.operations if op.operation_id == operation_id), None)

    @cached_property
    def websockets(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("x-websockets") or {})

    @property
    def pricing(self) -> dict[str, Any]:
        return dict(self.data.get("x-pricing") or {})

    @property
    def fault_injection(self) -> dict[str, Any]:
        return dict(self.data.get("x-fault-injection") or {})

    def example_subjects(self) -> list[Any]:
        """Entities the spec's examples name, where its operations say their subject is."""
        found = [op.subject_example for op in self.operations]
        return list(dict.fromkeys(v for v in found if v is not None))

    def error_schema(self, operation: Operation, status: int) -> dict[str, Any] | None:
        """The schema a non-2xx answer must match: the declared one, else the spec's shared error body."""
        response = operation.responses.get(str(status)) or operation.responses.get(f"{str(status)[0]}XX")
        if response is None:
            response = operation.responses.get("default")
        for media in (response.content.values() if response else ()):
            if media.get("schema"):
                return media["schema"]
        return self.shared_error_schema

    @cached_property
    def shared_error_schema(self) -> dict[str, Any] | None:
        """The spec's one error body: the schema every 4xx/5xx response with a body references, or
        None when they reference several (then a status an operation does not declare has no
        declared body; OAS-030 reports the odd ones out)."""
        counts: dict[str, int] = {}
        for op in self.operations:
            for status, response in op.responses.items():
                if status.startswith(("4", "5")):
                    for media in response.content.values():
                        ref = (media.get("schema") or {}).get("$ref")
                        if ref:
                            counts[ref] = counts.get(ref, 0) + 1
        if len(counts) != 1:
            return None
        return {"$ref": next(iter(counts))}


def _json_media_type(content: dict[str, Any]) -> str | None:
    """The request media type the kit sends JSON as: ``application/json``, else a ``+json`` or other
    JSON type the operation declares."""
    if "application/json" in content:
        return "application/json"
    return next((m for m in content if m.split(";")[0].strip().endswith(("+json", "/json"))), None)


def _example(spec: NeuronSpec, media: dict[str, Any], schema: Any) -> Any:
    """The request example: the media type's ``example``, else its first named example, else the
    schema's ``example`` / first ``examples`` entry."""
    if "example" in media:
        return media["example"]
    named = media.get("examples")
    if isinstance(named, dict):
        for example in named.values():
            example = spec.deref(example)
            if isinstance(example, dict) and "value" in example:
                return example["value"]
    resolved = spec.deref(schema) if schema else None
    if isinstance(resolved, dict):
        if "example" in resolved:
            return resolved["example"]
        if isinstance(resolved.get("examples"), list) and resolved["examples"]:
            return resolved["examples"][0]
    return None


def _rebase_refs(node: Any) -> Any:
    """Point local ``#/...`` references at the spec's URI so they resolve from inline schemas."""
    if isinstance(node, dict):
        return {k: (SPEC_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node
