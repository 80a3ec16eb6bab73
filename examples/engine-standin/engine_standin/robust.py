"""The robust build: every neuron/ failure ends in an answer for the user, within a bounded time.

* a deadline per call (the spec's ``deadline_ms`` plus a margin), so a slow neuron/ cannot hold a page;
* 429 and 503 are retried after their ``Retry-After`` (capped), other 5xx, resets and broken bodies
  after a short pause, at most ``ATTEMPTS`` times in all;
* a degraded answer (``fallback: true``) is shown as such; a stream or socket that ends without its
  terminal frame is not taken as an answer;
* every failure is logged; the user sees ``SORRY``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator

import httpx
from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from engine_standin.advice import SORRY, Advice
from engine_standin.tokens import ServiceToken

log = logging.getLogger("engine.neuron")
ATTEMPTS = 3
MAX_WAIT_S = 3.0
PAUSE_S = 0.2
SUGGEST_DEADLINE_S = 5.0   # x-ai-operation.deadline_ms of suggestNextAction
CHAT_DEADLINE_S = 15.0     # of chatStream and of the /chat/ws turn
MARGIN_S = 0.5


class Retry(Exception):
    def __init__(self, reason: str, wait: float = PAUSE_S) -> None:
        super().__init__(reason)
        self.wait = wait


class NeuronClient:
    def __init__(self, url: str, token: ServiceToken) -> None:
        self.url = url.rstrip("/")
        self.token = token

    @classmethod
    def from_env(cls) -> NeuronClient:
        return cls(os.environ["NEURON_URL"], ServiceToken.from_env())

    def suggest_next_action(self, customer_id: str) -> Advice:
        def once() -> Advice:
            answer = httpx.post(f"{self.url}/suggest-next-action", json={"customer_id": customer_id},
                                headers=self.token.header(), timeout=SUGGEST_DEADLINE_S + MARGIN_S)
            _check(answer)
            try:
                body = answer.json()
                text = body["suggestion"]
            except (ValueError, KeyError, TypeError):
                raise Retry("the answer is not the JSON the spec promises") from None
            return Advice(text, "degraded" if body.get("fallback") else "ai", float(body.get("cost_usd", 0)))

        return self._with_retries("suggest-next-action", once)

    def chat(self, message: str) -> Advice:
        def once() -> Advice:
            timeout = httpx.Timeout(CHAT_DEADLINE_S + MARGIN_S, connect=3.0)
            with httpx.stream("POST", f"{self.url}/chat/stream", json={"message": message},
                              headers=self.token.header(), timeout=timeout) as answer:
                _check(answer)
                return _turn(_sse_frames(answer.iter_lines()))

        return self._with_retries("chat/stream", once)

    def chat_live(self, message: str) -> Advice:
        def once() -> Advice:
            ws_url = "ws" + self.url.removeprefix("http") + "/chat/ws"
            with connect(ws_url, additional_headers=self.token.header(), open_timeout=3.0, close_timeout=1.0) as ws:
                ws.send(json.dumps({"type": "message", "message": message}))

                def frames() -> Iterator[dict]:
                    while True:
                        yield json.loads(ws.recv(timeout=CHAT_DEADLINE_S + MARGIN_S))

                return _turn(frames())

        return self._with_retries("chat/ws", once)

    def _with_retries(self, what: str, once: object) -> Advice:
        started = time.monotonic()
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return once()  # type: ignore[operator]
            except Retry as retry:
                log.warning("neuron/ %s failed (attempt %d): %s", what, attempt, retry)
                if attempt < ATTEMPTS:
                    time.sleep(retry.wait)
            except (httpx.TimeoutException, TimeoutError):  # the deadline is spent: retrying would overrun it
                log.warning("neuron/ %s missed its deadline after %.1f s", what, time.monotonic() - started)
                break
            except (httpx.TransportError, WebSocketException, OSError, ValueError) as exc:
                log.warning("neuron/ %s failed (attempt %d): %s", what, attempt, type(exc).__name__)
                if attempt < ATTEMPTS:
                    time.sleep(PAUSE_S)
        log.error("neuron/ %s gave no answer; the user gets the fallback message", what)
        return Advice(SORRY, "unavailable")


def _check(answer: httpx.Response) -> None:
    if answer.status_code in (429, 503):
        raw = answer.headers.get("retry-after", "1")
        wait = min(float(raw), MAX_WAIT_S) if raw.replace(".", "", 1).isdigit() else 1.0
        raise Retry(f"HTTP {answer.status_code}, retry after {wait:g} s", wait)
    if answer.status_code >= 500:
        raise Retry(f"HTTP {answer.status_code}")
    if answer.status_code != 200:
        raise ValueError(f"HTTP {answer.status_code}")


def _sse_frames(lines: Iterator[str]) -> Iterator[dict]:
    event, data = None, []
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            frame = json.loads("\n".join(data))
            frame.setdefault("type", event)
            yield frame
            event, data = None, []


def _turn(frames: Iterator[dict]) -> Advice:
    """A complete turn (start, deltas, done), or Retry: an error frame or no terminal frame is no answer."""
    text = []
    for frame in frames:
        kind = frame.get("type")
        if kind == "delta":
            text.append(str(frame.get("text", "")))
        elif kind == "done":
            return Advice("".join(text), "degraded" if frame.get("fallback") else "ai", float(frame["cost_usd"]))
        elif kind == "error":
            raise Retry(f"the turn ended with an error frame ({frame.get('code')})")
    raise Retry("the stream ended without its terminal frame")
