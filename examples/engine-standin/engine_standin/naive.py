"""The naive build: what a first version often looks like. It trusts neuron/ to answer, whole and
on time: no deadline of its own, no retry, no Retry-After, and a stream is over when the
connection is. It handles what neuron/ itself absorbs (a provider failure answered with a degraded
answer) and nothing else."""

from __future__ import annotations

import json
import os

import httpx
from websockets.sync.client import connect

from engine_standin.advice import Advice
from engine_standin.tokens import ServiceToken


class NeuronClient:
    def __init__(self, url: str, token: ServiceToken) -> None:
        self.url = url.rstrip("/")
        self.token = token

    @classmethod
    def from_env(cls) -> NeuronClient:
        return cls(os.environ["NEURON_URL"], ServiceToken.from_env())

    def suggest_next_action(self, customer_id: str) -> Advice:
        answer = httpx.post(f"{self.url}/suggest-next-action", json={"customer_id": customer_id},
                            headers=self.token.header())
        answer.raise_for_status()
        body = answer.json()
        return Advice(body["suggestion"], "degraded" if body["fallback"] else "ai", body["cost_usd"])

    def chat(self, message: str) -> Advice:
        frames = []
        with httpx.stream("POST", f"{self.url}/chat/stream", json={"message": message},
                          headers=self.token.header()) as answer:
            for line in answer.iter_lines():
                if line.startswith("data:"):
                    frames.append(json.loads(line[5:]))
        return _advice(frames)

    def chat_live(self, message: str) -> Advice:
        frames = []
        with connect("ws" + self.url.removeprefix("http") + "/chat/ws", additional_headers=self.token.header()) as ws:
            ws.send(json.dumps({"type": "message", "message": message}))
            for raw in ws:
                frames.append(json.loads(raw))
                if frames[-1]["type"] in ("done", "error"):
                    break
        return _advice(frames)


def _advice(frames: list[dict]) -> Advice:
    last = frames[-1]  # taken to be the terminal frame, with the cost engine/ bills
    text = "".join(f["text"] for f in frames if f["type"] == "delta")
    return Advice(text, "degraded" if last["fallback"] else "ai", last["cost_usd"])
