"""The template every generated spec starts from (the second test neuron/'s spec, which shares no name
with the bundled one) and the tree edits the dimension modules share."""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "second_neuron" / "churn-api.yaml"
# the template's operations, by role
TEMPLATE_PATHS = {
    "risk": "/v2/customers/{customer_id}/churn-risk",
    "offer": "/v2/retention-offers",
    "reply": "/v2/conversations/{conversation_id}/reply",
    "stream": "/v2/conversations/{conversation_id}/reply/stream",
    "healthz": "/v2/healthz",
    "readyz": "/v2/readyz",
}
TEMPLATE_WS = "/v2/live"


@cache
def _template() -> dict[str, Any]:
    return yaml.safe_load(TEMPLATE.read_text())


def template() -> dict[str, Any]:
    """A fresh copy of the template to edit."""
    return copy.deepcopy(_template())


def walk(node: Any, edit: Callable[[Any], Any]) -> Any:
    """``node`` with ``edit`` applied to every value, leaves first (dict keys untouched)."""
    if isinstance(node, dict):
        node = {k: walk(v, edit) for k, v in node.items()}
    elif isinstance(node, list):
        node = [walk(v, edit) for v in node]
    return edit(node)


def replace_strings(node: Any, mapping: dict[str, str]) -> Any:
    """Every string value equal to a key of ``mapping`` replaced by its value."""
    return walk(node, lambda v: mapping.get(v, v) if isinstance(v, str) else v)


def rename_keys(node: Any, mapping: dict[str, str], where: Callable[[dict[str, Any]], bool]) -> Any:
    """Keys renamed in every dict ``where`` accepts (order kept)."""
    def edit(value: Any) -> Any:
        if isinstance(value, dict) and where(value):
            return {mapping.get(k, k): v for k, v in value.items()}
        return value
    return walk(node, edit)


def operation(data: dict[str, Any], path: str) -> tuple[str, dict[str, Any]]:
    """The (method, operation) of a path item with one operation."""
    item = data["paths"][path]
    method = next(k for k in item if k in ("get", "post", "put", "patch", "delete"))
    return method, item[method]


def schema(data: dict[str, Any], name: str) -> dict[str, Any]:
    return data["components"]["schemas"][name]
