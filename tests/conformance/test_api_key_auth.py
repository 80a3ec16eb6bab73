"""An API that authenticates with an API key (in a header) and reads a cookie parameter: the suite
presents the key where its scheme says, sends the cookie (in its own and in generated requests),
tests what applies to an API-key operation (no key and a wrong key refused with the declared
status, after a positive control), and leaves the token rules not verified with the reason; an
API that accepts any key fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from verify_helpers import run_cli

from contractkit.servers import serving
from contractkit.spec import declarations

pytestmark = pytest.mark.timeout(300)

KEY = "ck-test-api-key-7f3a9c2e51d84b60"
ERROR = {"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}}
ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "keyed", "version": "1.0.0"},
    "paths": {
        "/health": {"get": {"operationId": "health", "x-probe": {"role": "liveness"}, "security": [],
                            "responses": {"200": {"description": "alive"}}}},
        "/score": {"get": {
            "operationId": "score",
            "security": [{"key": []}],
            "parameters": [{"name": "tenant", "in": "cookie", "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z]{1,12}$", "example": "acme"}}],
            "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["score"], "properties": {"score": {"type": "number"}}}}}},
                "400": {"description": "bad", "content": ERROR_BODY},
                "401": {"description": "no key", "content": ERROR_BODY},
            }}},
    },
    "components": {"schemas": {"Error": ERROR},
                   "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
}


def app(accept_any_key: bool) -> Starlette:
    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    async def score(request: Request) -> JSONResponse:
        key = request.headers.get("x-api-key")
        if not key or (key != KEY and not accept_any_key):
            return JSONResponse({"code": "unauthorized"}, status_code=401)
        if not request.cookies.get("tenant"):
            return JSONResponse({"code": "no_tenant"}, status_code=400)
        return JSONResponse({"score": 0.5})

    return Starlette(routes=[Route("/health", health), Route("/score", score)])


def verify(tmp_path: Path, accept_any_key: bool) -> dict[str, Any]:
    spec = tmp_path / "keyed.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    report = tmp_path / "report.json"
    with serving(app(accept_any_key)) as server:
        result = run_cli("verify", "neuron", "--neuron-url", server.url, "--spec", str(spec), "--profile", "quick",
                         "--rule", "NEU-AUTH-*", "--rule", "NEU-SCH-005", "--api-key-env", "key=CK_TEST_API_KEY",
                         "--report-json", str(report),
                         env={"CK_TEST_API_KEY": KEY})
    assert result.returncode in (0, 1), result.stdout[-2000:] + result.stderr[-2000:]
    assert KEY not in result.stdout + result.stderr + report.read_text()
    return {rule["id"]: rule for rule in json.loads(report.read_text())["rules"]}


def test_an_api_key_operation_is_tested_for_what_applies(tmp_path: Path) -> None:
    rules = verify(tmp_path, accept_any_key=False)
    assert rules["NEU-AUTH-001"]["status"] == "passed", rules["NEU-AUTH-001"]
    assert rules["NEU-AUTH-002"]["status"] == "passed", rules["NEU-AUTH-002"]
    # generated valid requests carry the key and the cookie parameter: the API accepts them
    assert rules["NEU-SCH-005"]["status"] == "passed", [o["message"] for o in rules["NEU-SCH-005"]["outcomes"]]
    for rule_id in ("NEU-AUTH-003", "NEU-AUTH-004", "NEU-AUTH-005", "NEU-AUTH-006", "NEU-AUTH-007"):
        outcome = rules[rule_id]["outcomes"][0]
        assert outcome["status"] == "not_verified" and declarations.BEARER.reason in outcome["message"], outcome


def test_an_api_that_accepts_any_key_fails(tmp_path: Path) -> None:
    rules = verify(tmp_path, accept_any_key=True)
    assert rules["NEU-AUTH-001"]["status"] == "passed"
    assert rules["NEU-AUTH-002"]["status"] == "failed", rules["NEU-AUTH-002"]
    assert "a wrong API key" in rules["NEU-AUTH-002"]["outcomes"][0]["message"]
