"""The one error body (RFC 9457 problem details, the spec's ``Problem``) and the handlers that use it.

Every non-2xx answer of neuron/ is built by :func:`problem_response`: FastAPI's own validation
errors, unknown routes, wrong methods, our own refusals and unexpected exceptions, which answer
``internal_error`` and nothing else (no exception name, message or trace).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM_BASE = "https://contractkit.dev/problems/"
PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("contractkit.neuron")

TITLES = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    413: "Payload Too Large", 415: "Unsupported Media Type", 422: "Unprocessable Content",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}
_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "insufficient_scope", 404: "not_found",
                 405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
                 422: "validation_error", 429: "rate_limited", 503: "service_unavailable"}


class ProblemError(Exception):
    """Raise to answer a problem; ``headers`` add WWW-Authenticate, Retry-After and the like."""

    def __init__(self, status: int, code: str, detail: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


def request_id_of(request: Request) -> str:
    rid = getattr(request.state, "request_id", None)
    if rid:
        return rid
    from contractkit.reference.neuron.middleware import new_request_id

    return new_request_id()


def problem_body(status: int, code: str, request_id: str, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"type": PROBLEM_BASE + code, "title": TITLES.get(status, "Error"), "status": status,
                            "code": code, "request_id": request_id}
    if detail:
        body["detail"] = detail[:1000]
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def problem_response(request: Request, status: int, code: str, detail: str | None = None, *,
                     headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    rid = request_id_of(request)
    all_headers = {"X-Request-ID": rid, **(headers or {})}
    return JSONResponse(problem_body(status, code, rid, detail, **extra), status_code=status,
                        headers=all_headers, media_type=PROBLEM_TYPE)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc.status, exc.code, exc.detail, headers=exc.headers, **exc.extra)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _STATUS_CODES.get(status, "internal_error" if status >= 500 else "bad_request")
    detail = {404: "No such resource.", 405: "This method is not allowed here."}.get(status)
    return problem_response(request, status, code, detail, headers=dict(exc.headers or {}))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"location": "/" + "/".join(str(p) for p in err.get("loc", ()) if p != "body")[:199],
         "message": str(err.get("msg", "invalid"))[:300]}
        for err in exc.errors()[:50]
    ]
    return problem_response(request, 422, "validation_error", "The request is not valid.", errors=errors)


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error in request %s: %s", request_id_of(request), type(exc).__name__)
    return problem_response(request, 500, "internal_error", "The server could not answer this request.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_unexpected)
