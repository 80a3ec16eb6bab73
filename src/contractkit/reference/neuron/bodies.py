"""Request bodies read and checked against the spec's own schemas (jsonschema, formats on).

Named dependencies (``customer_request``, ``chat_request``) so they run after the auth
dependencies: an unauthenticated request gets 401 whatever its body. Wrong media type answers
415, a body that is not JSON or not valid answers 422 ``validation_error`` with one entry per
problem, located by JSON pointer.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from contractkit.reference.neuron.contract import MAX_BODY_BYTES
from contractkit.reference.neuron.problems import ProblemError

_VALUE_FREE = {"format", "pattern", "maxLength", "minLength", "type", "enum", "const", "maximum", "minimum",
               "maxProperties", "minProperties", "maxItems", "minItems"}


async def read_json(request: Request, schema_name: str) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await request.body()
    if not raw.strip():
        raise ProblemError(422, "validation_error", "A JSON request body is required.",
                           errors=[{"location": "", "message": "a JSON body is required"}])
    if media != "application/json" and not media.endswith("+json"):
        raise ProblemError(415, "unsupported_media_type", "The request body must be application/json.")
    if len(raw) > MAX_BODY_BYTES:
        raise ProblemError(413, "payload_too_large", "The request body is larger than 64 KiB.")
    try:
        data = json.loads(raw)
    except ValueError:
        raise ProblemError(422, "validation_error", "The request body is not valid JSON.",
                           errors=[{"location": "", "message": "not valid JSON"}]) from None
    validator = request.app.state.neuron.contract.validator(schema_name)
    problems = list(validator.iter_errors(data))[:50]
    if problems:
        raise ProblemError(422, "validation_error", "The request body is not valid.", errors=[
            {"location": "".join(f"/{p}" for p in err.absolute_path)[:200], "message": _message(err)}
            for err in problems
        ])
    return data


def _message(err: Any) -> str:
    """The failed constraint, without echoing the submitted value back."""
    if err.validator in _VALUE_FREE:
        return f"does not satisfy {err.validator}: {json.dumps(err.validator_value)}"[:300]
    return str(err.message)[:300]


async def customer_request(request: Request) -> dict[str, Any]:
    return await read_json(request, "CustomerRequest")


async def chat_request(request: Request) -> dict[str, Any]:
    return await read_json(request, "ChatRequest")


CustomerBody = Annotated[dict[str, Any], Depends(customer_request)]
ChatBody = Annotated[dict[str, Any], Depends(chat_request)]
