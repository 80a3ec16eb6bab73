"""Answer pointers: where in an answer a fact is, in its JSON body or in one of its headers.

One syntax for every pointer the extensions use (usage, model tier, degraded marker, answer
text, readiness, a job's location and status, a subject):

- an RFC 6901 JSON pointer into the JSON body, frame or message: ``/usage/cost_usd``;
- ``header:<Name>`` for an HTTP response header, as OpenAPI runtime expressions write it
  (``$response.header.X-Usage-Tokens``): ``header:X-Usage-Tokens``. Names are case-insensitive.
  A header's value is text; it is read as the JSON scalar it spells (``42``, ``0.0012``,
  ``true``) when it spells one, so a header reports numbers and booleans like a body does.

``read`` is the one reader every consumer calls, with the body and the headers of the answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from contractkit.loading.locate import pointer_get

HEADER_PREFIX = "header:"
# RFC 9110 token characters: what a header field name may hold.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_JSON_SCALAR = re.compile(r"^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$")


def header_name(pointer: Any) -> str | None:
    """The header a ``header:<Name>`` pointer names (lower-cased), else None."""
    if isinstance(pointer, str) and pointer.lower().startswith(HEADER_PREFIX):
        name = pointer[len(HEADER_PREFIX):].strip()
        return name.lower() if _HEADER_NAME.match(name) else None
    return None


def is_header(pointer: Any) -> bool:
    return header_name(pointer) is not None


def is_valid(pointer: Any) -> bool:
    """Whether ``pointer`` is a JSON pointer or a well-formed header pointer."""
    if not isinstance(pointer, str):
        return False
    if pointer.lower().startswith(HEADER_PREFIX):
        return is_header(pointer)
    return pointer == "" or pointer.startswith("/")


def header_value(value: str) -> Any:
    """A header's text as the JSON scalar it spells, else the text itself (stripped)."""
    text = value.strip()
    if _JSON_SCALAR.match(text):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def read(pointer: Any, body: Any, headers: Mapping[str, str] | None = None, default: Any = None) -> Any:
    """The value ``pointer`` names in an answer with this JSON ``body`` and these ``headers``."""
    name = header_name(pointer)
    if name is None:
        return pointer_get(body, pointer, default)
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return header_value(value)
    return default


def read_answer(pointer: Any, exchange: Any, default: Any = None) -> Any:
    """``read`` on an HTTP exchange (anything with ``json_or_none()`` and ``headers``)."""
    return read(pointer, exchange.json_or_none(), getattr(exchange, "headers", None), default)
