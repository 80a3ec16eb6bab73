"""A failing request as a curl command a human can paste, with every secret masked."""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from contractkit.conformance.redaction import redact

_SKIP_HEADERS = {"content-length", "host", "accept-encoding", "connection", "user-agent"}
_MAX_BODY = 4000


def curl_command(method: str, url: str, headers: Mapping[str, str] | None = None, body: bytes | None = None) -> str:
    """``curl -X POST URL -H ... --data-raw ...``; the Authorization value becomes ``$TOKEN``."""
    parts = ["curl", "-sS", "-X", method.upper(), shlex.quote(url)]
    for name, value in (headers or {}).items():
        if name.lower() in _SKIP_HEADERS:
            continue
        if name.lower() == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            shown = f"{scheme} $TOKEN" if scheme.lower() == "bearer" else "$AUTHORIZATION"
            parts += ["-H", f'"{name}: {shown}"']
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        text = body[:_MAX_BODY].decode("utf-8", errors="replace")
        if len(body) > _MAX_BODY:
            text += "...(truncated)"
        parts += ["--data-raw", shlex.quote(text)]
    return redact(" ".join(parts))
