"""The one reader of ``WWW-Authenticate`` (RFC 9110 section 11.6.1, RFC 6750 section 3).

A header may carry several challenges (``Basic realm="a", Bearer error="invalid_token"``); each is
a scheme followed by a token68 or by comma-separated ``name=value`` parameters whose values are
tokens or quoted strings with backslash escapes. Scheme and parameter names are case-insensitive
and returned lower-cased; values are returned as sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = r'"((?:[^"\\]|\\.)*)"'
_PARAM = re.compile(rf"\s*({_TOKEN})\s*=\s*(?:{_QUOTED}|({_TOKEN}))\s*")
_SCHEME = re.compile(rf"\s*({_TOKEN})(?:\s+|$)")
_TOKEN68 = re.compile(r"\s*([A-Za-z0-9\-._~+/]+=*)\s*(?=,|$)")
_ESCAPE = re.compile(r"\\(.)")


@dataclass(frozen=True)
class Challenge:
    """One challenge: its scheme (lower-cased), parameters, or a token68."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None


def parse(header: str) -> list[Challenge]:
    """Every challenge of a ``WWW-Authenticate`` value, in order; [] for an empty or unreadable one."""
    out: list[Challenge] = []
    text, pos = header or "", 0
    while pos < len(text):
        while pos < len(text) and text[pos] in ", \t":
            pos += 1
        scheme = _SCHEME.match(text, pos)
        if not scheme or _PARAM.match(text, pos):
            break
        pos = scheme.end()
        params: dict[str, str] = {}
        token68 = None
        single = _TOKEN68.match(text, pos)
        if single and not _PARAM.match(text, pos):
            token68, pos = single.group(1), single.end()
        else:
            while param := _PARAM.match(text, pos):
                quoted, bare = param.group(2), param.group(3)
                params.setdefault(param.group(1).lower(), _ESCAPE.sub(r"\1", quoted) if quoted is not None else bare)
                pos = param.end()
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    if not _PARAM.match(text, pos):
                        break  # the next challenge starts here
                else:
                    break
        out.append(Challenge(scheme.group(1).lower(), params, token68))
    return out


def bearer(header: str) -> dict[str, str] | None:
    """The parameters of the header's ``Bearer`` challenge, or None when it has none."""
    return next((c.params for c in parse(header) if c.scheme == "bearer"), None)


def challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer error="x", scope="y"`` -> ("bearer", {"error": "x", "scope": "y"}): the Bearer
    challenge if the header has one, else the first challenge, else ("", {})."""
    found = parse(header)
    chosen = next((c for c in found if c.scheme == "bearer"), found[0] if found else None)
    return (chosen.scheme, dict(chosen.params)) if chosen else ("", {})
