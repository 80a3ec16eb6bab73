"""Tiny hostile HTTP servers on loopback, for the suite's hostile-target tests.

Each serves every connection the same way from a daemon thread, until the ``with`` block ends:

    hang                 reads the request, never answers
    garbage              bytes that are not HTTP
    html                 an HTML page, 200, to everything
    reset                resets the connection (RST)
    huge                 a 100 MB JSON body, sent as fast as the client reads
    trickle              the status line and headers one byte every 0.3 s, never finished
    health               a healthy JSON answer to everything
    reset-after-health   healthy at ``health_path``, resets elsewhere
    trickle-after-health healthy at ``health_path``; elsewhere complete headers, then a body one byte every 0.3 s
    hang-after-first     healthy answers to the first ``answers`` requests, then hangs on every request

``requests`` counts the requests received, so a test can tell what reached the server.
"""

from __future__ import annotations

import socket
import struct
import threading
import time


class HostileServer:
    def __init__(self, behaviour: str, *, health_path: str = "/health", answers: int = 20) -> None:
        self.behaviour = behaviour
        self.health_path = health_path
        self.answers = answers
        self.requests = 0
        self._count_lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            request = conn.recv(65536)
            with self._count_lock:
                self.requests += 1
                seen = self.requests
            behaviour = self.behaviour
            at_health = f" {self.health_path} ".encode() in request.split(b"\r\n", 1)[0]
            if behaviour == "reset-after-health":
                behaviour = "health" if at_health else "reset"
            elif behaviour == "trickle-after-health":
                behaviour = "health" if at_health else "trickle-body"
            elif behaviour == "hang-after-first":
                behaviour = "health" if seen <= self.answers else "hang"
            if behaviour == "hang":
                self._stop.wait(30)
            elif behaviour == "trickle":
                for byte in b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-padding: " + b"a" * 10**6:
                    if self._stop.wait(0.3):
                        break
                    conn.sendall(bytes([byte]))
            elif behaviour == "trickle-body":
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n"
                             b"connection: close\r\n\r\n")
                while not self._stop.wait(0.3):
                    conn.sendall(b" ")
            elif behaviour == "garbage":
                conn.sendall(b"\x00\xff\xfe not http at all \x00\r\n\r\n")
            elif behaviour == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif behaviour == "health":
                body = b'{"status":"ok"}'
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                             + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
            elif behaviour == "html":
                body = b"<html><body>\x00\xff Welcome to nginx! {{{ not json</body></html>"
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: "
                             + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
            elif behaviour == "huge":
                size = 100 * 1024 * 1024
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                             + str(size).encode() + b"\r\nconnection: close\r\n\r\n")
                chunk = b"[" * 65536
                sent = 0
                started = time.monotonic()
                while sent < size and not self._stop.is_set() and time.monotonic() - started < 20:
                    conn.sendall(chunk)
                    sent += len(chunk)
        except OSError:
            pass
        finally:
            conn.close()
