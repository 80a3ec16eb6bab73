"""Resetting a client's TCP connection from inside an ASGI app: the servers' "connection reset" fault.

ASGI hides the socket; the server's own ``send`` (an uvicorn protocol method) still reaches its
transport. An app that wants to reset a connection keeps that ``send`` in the scope under
``RAW_SEND`` as the request comes in, and ``reset_connection`` aborts the transport with RST.
"""

from __future__ import annotations

import contextlib
import socket
import struct
from typing import Any

RAW_SEND = "contractkit.raw_send"


def reset_connection(scope: dict[str, Any]) -> bool:
    """Abort the client's TCP connection with RST (SO_LINGER 0); False when the server hides it."""
    transport = getattr(getattr(scope.get(RAW_SEND), "__self__", None), "transport", None)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True
