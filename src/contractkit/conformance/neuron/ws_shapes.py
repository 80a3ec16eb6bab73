"""WebSocket shapes beyond a turn's frames: bearer tokens in ``Sec-WebSocket-Protocol`` and
frames that belong to the connection rather than to a turn.

Subprotocol auth (``auth.methods: [subprotocol]``) is how browsers and Kubernetes pass a token
where they cannot set headers: the client offers ``<token_prefix><token>`` (the token as is, or
base64url-encoded) among its subprotocols, with the real protocols it speaks (``protocols``).
The server must select one of those, never the token one: the selected subprotocol is sent back
in the handshake's response, so selecting the token echoes the credential.

Connection frames (``x-stream.connection``: a session or ready frame, pings, keep-alives) may
come before the first turn and between turns; they are validated like every frame but never
counted in a turn.
"""

from __future__ import annotations

import base64
from typing import Any

from contractkit.conformance.redaction import REDACTOR

SUBPROTOCOL_HEADER = "Sec-WebSocket-Protocol"


def token_subprotocol(auth: dict[str, Any], token: str) -> str | None:
    """The subprotocol that carries ``token`` as ``auth.subprotocol`` says, or None if it does not say."""
    conf = auth.get("subprotocol")
    if not isinstance(conf, dict) or not isinstance(conf.get("token_prefix"), str):
        return None
    encoded = token
    if conf.get("encoding") == "base64url":
        encoded = base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")
    REDACTOR.add(encoded)  # the encoded form is as secret as the token
    return conf["token_prefix"] + encoded


def subprotocol_credentials(auth: dict[str, Any], token: str) -> tuple[dict[str, str], list[Any],
                                                                       dict[str, str]] | None:
    """(handshake headers, first messages, query) presenting ``token`` as a subprotocol."""
    offered = token_subprotocol(auth, token)
    if offered is None:
        return None
    protocols = [p for p in (auth.get("subprotocol") or {}).get("protocols") or [] if isinstance(p, str)]
    return {SUBPROTOCOL_HEADER: ", ".join([*protocols, offered])}, [], {}


def take_subprotocols(headers: dict[str, str]) -> tuple[dict[str, str], list[str] | None]:
    """The handshake headers without ``Sec-WebSocket-Protocol``, and the subprotocols it offered
    (the WebSocket client sends them itself, and checks the server's choice against them)."""
    rest = {k: v for k, v in headers.items() if k.lower() != SUBPROTOCOL_HEADER.lower()}
    offered = [p.strip() for k, v in headers.items() if k.lower() == SUBPROTOCOL_HEADER.lower()
               for p in v.split(",") if p.strip()]
    return rest, offered or None


def echoed_token(auth: dict[str, Any], selected: str | None) -> str | None:
    """A problem when the server selected the subprotocol that carries the token."""
    prefix = (auth.get("subprotocol") or {}).get("token_prefix")
    if selected and isinstance(prefix, str) and selected.startswith(prefix):
        return "the server selected the token's subprotocol, so the handshake answer echoes the credential"
    return None


def is_connection_frame(grammar: Any, kind: str) -> bool:
    return grammar is not None and kind in getattr(grammar, "connection", ())
