"""-H/--header reaches the target on every request the suite makes (a gateway in front of neuron/)."""

from __future__ import annotations

import json

from starlette.responses import JSONResponse
from verify_helpers import run_cli

from contractkit.reference.neuron import create_neuron_app
from contractkit.reference.stack import ReferenceStack

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"


def gated_app(settings):
    """The reference neuron/ behind a gateway that refuses requests without ``X-Tenant: acme``."""
    inner = create_neuron_app(settings)

    async def app(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
            if headers.get("x-tenant") != "acme":
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 4403})
                    return
                await JSONResponse({"error": "gateway: no tenant"}, status_code=418)(scope, receive, send)
                return
        await inner(scope, receive, send)

    return app


def _verify(stack: ReferenceStack, tmp_path, *flags: str):
    report = tmp_path / "r.json"
    result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick",
                     "--token-url", stack.token_url, "--client-id", stack.client_id, "--client-secret-env", SECRET_ENV,
                     "--rule", "NEU-SCH-005", "--rule", "NEU-WS-002", "--rule", "NEU-AUTH-001",
                     "--report-json", str(report), *flags, env={SECRET_ENV: stack.client_secret, "TENANT": "acme"})
    statuses = {r["id"]: r["status"] for r in json.loads(report.read_text())["rules"]} if report.exists() else {}
    return result, statuses


def test_a_gateway_header_given_with_h_reaches_every_request(tmp_path):
    with ReferenceStack(neuron_app_factory=gated_app) as stack:
        result, statuses = _verify(stack, tmp_path, "-H", "X-Tenant:$TENANT")
        assert result.returncode == 0, result.stdout + result.stderr
        assert statuses == {"NEU-SCH-005": "passed", "NEU-WS-002": "passed", "NEU-AUTH-001": "passed"}
        assert "acme" not in result.stdout  # a value taken from the environment is never echoed
        without, statuses = _verify(stack, tmp_path)
        assert "passed" not in statuses.values(), without.stdout  # the gateway refuses them all
