"""The three wire formats the double speaks, whole and as stream frames.

OpenAI chat completions (``/v1/chat/completions``, SSE ending in ``[DONE]``), Anthropic messages
(``/v1/messages``, typed SSE events ending in ``message_stop``) and Ollama chat (``/api/chat``,
NDJSON ending in ``done: true``). Answers come from the embedded provider, so their token counts
are real.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from contractkit.llm import Completion

OPENAI, ANTHROPIC, OLLAMA = "openai", "anthropic", "ollama"


def _sse(data: dict[str, Any] | str, event: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    return ((f"event: {event}\n" if event else "") + f"data: {text}\n\n").encode()


def whole(wire: str, model: str, answer: Completion) -> dict[str, Any]:
    u = answer.usage
    if wire == OPENAI:
        return {"id": "chatcmpl-" + secrets.token_hex(8), "object": "chat.completion", "created": int(time.time()),
                "model": model, "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text},
                                             "finish_reason": answer.finish_reason}],
                "usage": {"prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                          "total_tokens": u.total_tokens}}
    if wire == ANTHROPIC:
        return {"id": "msg_" + secrets.token_hex(8), "type": "message", "role": "assistant", "model": model,
                "content": [{"type": "text", "text": answer.text}],
                "stop_reason": "max_tokens" if answer.finish_reason == "length" else "end_turn",
                "usage": {"input_tokens": u.prompt_tokens, "output_tokens": u.completion_tokens}}
    return {"model": model, "message": {"role": "assistant", "content": answer.text}, "done": True,
            "done_reason": answer.finish_reason, "prompt_eval_count": u.prompt_tokens,
            "eval_count": u.completion_tokens}


def opening(wire: str, model: str, answer: Completion) -> list[bytes]:
    if wire == ANTHROPIC:
        return [
            _sse({"type": "message_start", "message": {"id": "msg_" + secrets.token_hex(8), "type": "message",
                  "role": "assistant", "model": model, "content": [],
                  "usage": {"input_tokens": answer.usage.prompt_tokens, "output_tokens": 0}}}, "message_start"),
            _sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                 "content_block_start"),
        ]
    return []


def piece(wire: str, model: str, text: str) -> bytes:
    if wire == OPENAI:
        return _sse({"id": "chatcmpl-double", "object": "chat.completion.chunk", "model": model,
                     "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})
    if wire == ANTHROPIC:
        return _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}},
                    "content_block_delta")
    return (json.dumps({"model": model, "message": {"role": "assistant", "content": text}, "done": False})
            + "\n").encode()


def closing(wire: str, model: str, answer: Completion, include_usage: bool = True) -> list[bytes]:
    u = answer.usage
    if wire == OPENAI:
        frames = [_sse({"id": "chatcmpl-double", "object": "chat.completion.chunk", "model": model,
                        "choices": [{"index": 0, "delta": {}, "finish_reason": answer.finish_reason}]})]
        if include_usage:
            frames.append(_sse({"id": "chatcmpl-double", "object": "chat.completion.chunk", "model": model,
                                "choices": [], "usage": {"prompt_tokens": u.prompt_tokens,
                                                         "completion_tokens": u.completion_tokens,
                                                         "total_tokens": u.total_tokens}}))
        return [*frames, _sse("[DONE]")]
    if wire == ANTHROPIC:
        stop = "max_tokens" if answer.finish_reason == "length" else "end_turn"
        return [_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                _sse({"type": "message_delta", "delta": {"stop_reason": stop},
                      "usage": {"output_tokens": u.completion_tokens}}, "message_delta"),
                _sse({"type": "message_stop"}, "message_stop")]
    return [(json.dumps({"model": model, "message": {"role": "assistant", "content": ""}, "done": True,
                         "done_reason": answer.finish_reason, "prompt_eval_count": u.prompt_tokens,
                         "eval_count": u.completion_tokens}) + "\n").encode()]


def error_body(wire: str, status: int, message: str) -> dict[str, Any]:
    if wire == ANTHROPIC:
        kind = "rate_limit_error" if status == 429 else "api_error"
        return {"type": "error", "error": {"type": kind, "message": message}}
    if wire == OPENAI:
        return {"error": {"message": message, "type": "rate_limit_exceeded" if status == 429 else "server_error"}}
    return {"error": message}
