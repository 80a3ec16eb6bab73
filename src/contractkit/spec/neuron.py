"""The neuron spec as the suite reads it: operations, scopes, x- extensions and schema validators.

The contract is the spec the user gives (or the bundled one): nothing here hard-codes a path,
scope or limit of the reference neuron/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contractkit.errors import NotASpecError

SPEC_URI = "urn:contractkit:neuron-spec"
_METHODS = ("get", "put", "post", "delete", "patch")


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
    def takes_customer(self) -> bool:
        return "customer_id" in ((self.request_schema or {}).get("properties") or {})

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
        node: Any = self.data
        for part in pointer.strip("/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node[int(part)] if isinstance(node, list) else node.get(part) if isinstance(node, dict) else None
            if node is None:
                return None
        return node

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
    def security_scheme(self) -> dict[str, Any]:
        schemes = (self.data.get("components") or {}).get("securitySchemes") or {}
        for scheme in schemes.values():
            scheme = self.deref(scheme)
            if isinstance(scheme, dict) and scheme.get("type") == "oauth2":
                return scheme
        return {}

    @property
    def token_url(self) -> str | None:
        flow = (self.security_scheme.get("flows") or {}).get("clientCredentials") or {}
        return flow.get("tokenUrl")

    @property
    def audience(self) -> str | None:
        return self.security_scheme.get("x-audience")

    @property
    def all_scopes(self) -> list[str]:
        flow = (self.security_scheme.get("flows") or {}).get("clientCredentials") or {}
        return sorted(flow.get("scopes") or {})

    @cached_property
    def operations(self) -> list[Operation]:
        global_security = self.data.get("security")
        ops = []
        for path, item in (self.data.get("paths") or {}).items():
            item = self.deref(item) or {}
            for method in _METHODS:
                raw = item.get(method)
                if isinstance(raw, dict):
                    ops.append(self._operation(method.upper(), path, raw, global_security))
        return ops

    def _operation(self, method: str, path: str, raw: dict[str, Any], global_security: Any) -> Operation:
        security = raw.get("security", global_security)
        scopes: tuple[str, ...] | None = None
        if security:
            scopes = tuple(sorted({s for req in security for ss in req.values() for s in ss}))
        body = self.deref(raw.get("requestBody") or {})
        media = ((body or {}).get("content") or {}).get("application/json") or {}
        schema = media.get("schema")
        example = media.get("example", (self.deref(schema) or {}).get("example") if schema else None)
        limit = raw.get("x-rate-limit") or {}
        rate = (int(limit["requests"]), float(limit["window_seconds"])) if limit.get("requests") else None
        responses = {}
        for status, response in (raw.get("responses") or {}).items():
            response = self.deref(response) or {}
            headers = {name.lower(): self.deref(h) or {} for name, h in (response.get("headers") or {}).items()}
            responses[str(status)] = ResponseSpec(str(status), dict(response.get("content") or {}), headers)
        return Operation(method, path, raw.get("operationId") or "", scopes, raw.get("x-ai-operation"), rate,
                         self.deref(schema) if schema else None, example, responses)

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

    def example_customer_ids(self) -> list[str]:
        ids = []
        for op in self.operations:
            if op.takes_customer and isinstance(op.example_body, dict) and op.example_body.get("customer_id"):
                ids.append(str(op.example_body["customer_id"]))
        return list(dict.fromkeys(ids))

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
        """The schema most non-2xx responses use (the spec's one error body)."""
        counts: dict[str, int] = {}
        for op in self.operations:
            for status, response in op.responses.items():
                if status.startswith(("4", "5")):
                    for media in response.content.values():
                        ref = (media.get("schema") or {}).get("$ref")
                        if ref:
                            counts[ref] = counts.get(ref, 0) + 1
        if not counts:
            return None
        return {"$ref": max(counts, key=lambda k: counts[k])}


def _rebase_refs(node: Any) -> Any:
    """Point local ``#/...`` references at the spec's URI so they resolve from inline schemas."""
    if isinstance(node, dict):
        return {k: (SPEC_URI + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase_refs(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node
