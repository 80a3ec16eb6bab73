"""Helpers of the diff tests: the hand-written pairs, and wrapping a bare schema into a spec."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from contractkit.loading import load_document

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "diff"
CONTEXTS = ("OAS-REQ", "OAS-RES", "MCP-PARAM", "MCP-RETURN")


def load_cases(name: str) -> list[dict[str, Any]]:
    return load_document(FIXTURES / name, require_kind=False).data


def openapi_doc(part: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(part)
    doc.setdefault("openapi", "3.1.0")
    doc.setdefault("info", {"title": "pair", "version": "1.0.0"})
    return doc


def mcp_doc(part: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(part)
    doc.setdefault("format", "contractkit/mcp-servers@1")
    doc.setdefault("version", "1.0.0")
    for server in doc.get("servers", []):
        server.setdefault("transports", {"stdio": {"command": "serve"}})
        server.setdefault("authentication", {"type": "none"})
        for tool in server.get("tools", []):
            tool.setdefault("description", "a tool")
            tool.setdefault("parameters", {"type": "object"})
            tool.setdefault("returns", {"type": "object"})
            if tool.get("scope", "") is None:
                del tool["scope"]
    return doc


def schema_doc(schema: Any, defs: dict[str, Any] | None, context: str) -> dict[str, Any]:
    """A minimal spec in which ``schema`` is a request body, a response, tool parameters or a tool result."""
    if context.startswith("OAS"):
        op: dict[str, Any] = {"responses": {"200": {"description": "ok"}}}
        media = {"application/json": {"schema": schema}}
        if context == "OAS-REQ":
            op["requestBody"] = {"required": True, "content": media}
        else:
            op["responses"]["200"]["content"] = media
        return openapi_doc({"paths": {"/x": {"post": op}}, "components": {"schemas": defs or {}}})
    schema, defs = json.loads(json.dumps([schema, defs or {}]).replace("#/components/schemas/", "#/$defs/"))
    tool = {"name": "t", "parameters" if context == "MCP-PARAM" else "returns": schema}
    return mcp_doc({"$defs": defs, "servers": [{"name": "s", "tools": [tool]}]})
