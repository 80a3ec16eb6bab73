"""The payables service's plumbing: problem answers, request ids, credentials, quotas and input checks.

Every non-2xx answer is an RFC 9457 problem (``application/problem+json``) carrying the spec's two
extra members, ``trace_id`` (the request id) and ``code``. Input is checked against the spec's own
request schemas, so the service cannot drift from what it publishes.
"""

from __future__ import annotations

import hmac
import json
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from email.utils import formatdate
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from starlette.requests import Request
from starlette.responses import JSONResponse

from contractkit.reference.token_issuer.verifier import InvalidTokenError, TokenVerifier, bearer_token

SPEC_PATH = Path(__file__).with_name("payables-api.yaml")
AUDIENCE = "payables-neuron"
MAX_BODY = 16 * 1024
CLOCK_SKEW_S = 2  # the leeway on exp the spec declares (x-clock-skew-seconds)
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# usd per 1k tokens, as the spec's x-pricing says; the service's tiers and the provider's models
PRICES = {"swift": Decimal("0.0002"), "deep": Decimal("0.0015")}
ROUNDING = Decimal("1e-7")
PROVIDER_TIER = {"swift": "lightweight", "deep": "balanced"}
TITLES = {401: "Unauthenticated", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
          413: "Payload too large", 415: "Unsupported media type", 422: "Invalid input", 429: "Too many requests",
          503: "Service unavailable"}


class Problem(Exception):
    """A problem answer; ``errors`` makes it the spec's ValidationProblem."""

    def __init__(self, status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
                 errors: list[dict[str, str]] | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or {}
        self.errors = errors
        self.extra = extra or {}


def request_id(request: Request) -> str:
    """The caller's X-Request-Id when it fits the spec's pattern, else a new one (set once per request)."""
    rid = request.scope.get("payables.request_id")
    if rid is None:
        given = request.headers.get("x-request-id", "")
        rid = given if REQUEST_ID_RE.match(given) else str(uuid.uuid4())
        request.scope["payables.request_id"] = rid
    return rid


def problem_response(request: Request, problem: Problem, *, with_trace: bool = True) -> JSONResponse:
    rid = request_id(request)
    body: dict[str, Any] = {"type": f"https://payables.example/problems/{problem.code.replace('_', '-')}",
                            "title": TITLES.get(problem.status, "Error"), "status": problem.status,
                            "detail": problem.detail, "code": problem.code, "instance": request.url.path}
    if with_trace:
        body["trace_id"] = rid
    if problem.errors is not None:
        body["errors"] = problem.errors
    body.update(problem.extra)
    return JSONResponse(body, status_code=problem.status, media_type="application/problem+json; charset=utf-8",
                        headers={**problem.headers, "X-Request-Id": rid})


def price(tokens: int, tier: str, factor: int = 1) -> float:
    """tokens / 1000 x the tier's rate, rounded half-even to 7 decimals (``factor`` plants a defect)."""
    value = Decimal(tokens) / 1000 * PRICES[tier] * factor
    return float(value.quantize(ROUNDING, rounding=ROUND_HALF_EVEN))


# -- credentials ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Caller:
    """Who is calling: a client id (token) or a partner (API key); never the credential itself."""

    key: str


class Credentials:
    """Bearer tokens of the kit's issuer for this service's audience, and the partner key."""

    def __init__(self, jwks: dict[str, Any], partner_key: str | None, *, check_scope: bool = True) -> None:
        self.verifier = TokenVerifier.from_jwks(jwks, AUDIENCE, leeway_s=CLOCK_SKEW_S)
        self.partner_key = partner_key
        self.check_scope = check_scope

    def caller(self, request: Request, scope: str, *, partner_allowed: bool = False) -> Caller:
        """The caller, or Problem 401/403. Either alternative of the operation's security admits."""
        key = request.headers.get("x-partner-key")
        if partner_allowed and key is not None:  # a key presented is checked, whatever else is presented
            if self.partner_key and hmac.compare_digest(key.encode(), self.partner_key.encode()):
                return Caller("partner")
            raise Problem(401, "unauthenticated", "The partner key is not valid.", headers={
                "WWW-Authenticate": 'Bearer realm="payables"'})
        token = bearer_token(request.headers.get("authorization"))
        if token is None:
            raise Problem(401, "unauthenticated", "Send a bearer token.", headers={
                "WWW-Authenticate": 'Bearer realm="payables"'})
        try:
            verified = self.verifier.verify(token)
        except InvalidTokenError as exc:
            raise Problem(401, "unauthenticated", exc.reason, headers={
                "WWW-Authenticate": f'Bearer realm="payables", error="invalid_token", error_description="{exc.reason}"'
            }) from None
        if self.check_scope and scope not in verified.scopes:
            raise Problem(403, "forbidden", f"The token lacks the scope {scope}.", headers={
                "WWW-Authenticate": f'Bearer realm="payables", error="insufficient_scope", scope="{scope}"'})
        return Caller(verified.client_id)


@dataclass
class Quota:
    """A fixed window of ``requests`` per ``window_s`` for each (caller, operation)."""

    requests: int
    window_s: float = 1.0
    enforced: bool = True
    windows: dict[tuple[str, str], tuple[float, int]] = field(default_factory=dict)

    def take(self, caller: Caller, operation: str, requests: int | None = None) -> None:
        limit = requests or self.requests
        now = time.monotonic()
        start, used = self.windows.get((caller.key, operation), (now, 0))
        if now - start >= self.window_s:
            start, used = now, 0
        if used >= limit and self.enforced:
            reset = time.time() + (start + self.window_s - now)  # the wall-clock end of the window
            raise Problem(429, "throttled", f"At most {limit} requests a second per client and operation.",
                          headers={"Retry-After": formatdate(math.ceil(reset), usegmt=True)})  # whole seconds, up
        self.windows[(caller.key, operation)] = (start, used + 1)


# -- input -----------------------------------------------------------------------------------------
def _validators() -> dict[str, jsonschema.Draft202012Validator]:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    registry = Registry().with_resource("urn:payables", Resource.from_contents(spec, DRAFT202012))
    return {name: jsonschema.Draft202012Validator({"$ref": f"urn:payables#/components/schemas/{name}"},
                                                  registry=registry)
            for name in ("SupplierPatch", "NoteInput", "DisputeRequest", "AuditRequest", "DraftAsk", "DisputeFor")}


VALIDATORS = _validators()


def check_id(value: str, pattern: str, name: str) -> str:
    if not re.fullmatch(pattern, value):
        raise Problem(422, "invalid_input", f"{name} does not match {pattern}.",
                      errors=[{"pointer": f"#/path/{name}", "message": f"does not match {pattern}"}])
    return value


async def json_body(request: Request, media_type: str, schema: str, *, validate: bool = True) -> dict[str, Any]:
    """The request body, checked: media type (415), size (413), JSON and the schema (422)."""
    given = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given != media_type:
        raise Problem(415, "unsupported_media_type", f"Send {media_type}.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise Problem(413, "too_large", f"The body may be {MAX_BODY} bytes at most.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Problem(413, "too_large", f"The body may be {MAX_BODY} bytes at most.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Problem(422, "invalid_input", "The body is not JSON.",
                      errors=[{"pointer": "#", "message": "not JSON"}]) from None
    if validate:
        errors = sorted(VALIDATORS[schema].iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            raise Problem(422, "invalid_input", "The body does not match the schema.", errors=[
                {"pointer": "#/" + "/".join(str(p) for p in e.absolute_path), "message": e.message[:200]}
                for e in errors[:10]])
    if not isinstance(body, dict):
        raise Problem(422, "invalid_input", "The body is not an object.",
                      errors=[{"pointer": "#", "message": "not an object"}])
    return body
