"""The expiry rule honours a declared clock-skew leeway and names how to declare one; the wrong-
audience rule takes its foreign audience from the spec and names how to give one.

The target is the reference neuron/ whose token verifier allows a leeway (as gateways do); the
spec is the bundled one, with or without the extensions, run as a user would in a child process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from verify_helpers import run_cli

from contractkit.reference.neuron import create_neuron_app
from contractkit.reference.stack import ReferenceStack
from contractkit.resources import neuron_spec_path

pytestmark = pytest.mark.timeout(300)

SECRET_ENV = "CONTRACTKIT_TEST_CLIENT_SECRET"
LEEWAY_S = 4


@pytest.fixture(scope="module")
def lenient() -> Any:
    """The reference neuron/ accepting tokens up to LEEWAY_S seconds past their exp."""

    def build(settings: Any) -> Any:
        app = create_neuron_app(settings)
        app.state.neuron.verifier.leeway_s = LEEWAY_S
        return app

    with ReferenceStack(neuron_app_factory=build) as stack:
        yield stack


def spec_with(tmp_path: Path, **scheme_extensions: Any) -> Path:
    data = yaml.safe_load(neuron_spec_path().read_text())
    for scheme in data["components"]["securitySchemes"].values():
        scheme.update(scheme_extensions)
    path = tmp_path / "neuron-api.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def verify(stack: Any, tmp_path: Path, *flags: str) -> dict[str, dict[str, Any]]:
    report = tmp_path / "report.json"
    result = run_cli("verify", "neuron", "--neuron-url", stack.neuron_url, "--profile", "quick",
                     "--token-url", stack.token_url, "--client-id", stack.client_id, "--client-secret-env", SECRET_ENV,
                     "--operation", "analyzeCustomer", "--rule", "NEU-AUTH-004", "--rule", "NEU-AUTH-005",
                     "--report-json", str(report), *flags, env={SECRET_ENV: stack.client_secret}, timeout=240)
    assert result.returncode in (0, 1), result.stdout[-3000:] + result.stderr[-3000:]
    return {rule["id"]: rule for rule in json.loads(report.read_text())["rules"]}


def message(rule: dict[str, Any]) -> str:
    return " | ".join(o["message"] for o in rule["outcomes"])


def test_an_undeclared_leeway_fails_naming_how_to_declare_it(lenient: Any, tmp_path: Path) -> None:
    rules = verify(lenient, tmp_path)
    assert rules["NEU-AUTH-004"]["status"] == "failed", message(rules["NEU-AUTH-004"])
    assert "x-clock-skew-seconds" in message(rules["NEU-AUTH-004"])
    assert "--clock-skew" in message(rules["NEU-AUTH-004"])
    # the reference issuer mints no made-up audience: not verified, naming both ways to give one
    assert rules["NEU-AUTH-005"]["status"] == "not_verified"
    assert "--other-audience" in message(rules["NEU-AUTH-005"])
    assert "x-foreign-audience" in message(rules["NEU-AUTH-005"])


def test_a_declared_leeway_and_foreign_audience_are_honoured(lenient: Any, tmp_path: Path) -> None:
    spec = spec_with(tmp_path, **{"x-clock-skew-seconds": LEEWAY_S, "x-foreign-audience": "crm-data-mcp"})
    rules = verify(lenient, tmp_path, "--spec", str(spec))
    assert rules["NEU-AUTH-004"]["status"] == "passed", message(rules["NEU-AUTH-004"])
    assert rules["NEU-AUTH-005"]["status"] == "passed", message(rules["NEU-AUTH-005"])


def test_the_flag_gives_the_leeway_and_a_long_one_is_not_waited_for(lenient: Any, tmp_path: Path) -> None:
    assert verify(lenient, tmp_path, "--clock-skew", str(LEEWAY_S))["NEU-AUTH-004"]["status"] == "passed"
    rule = verify(lenient, tmp_path, "--clock-skew", "600")["NEU-AUTH-004"]
    assert rule["status"] == "not_verified" and "longer than the suite waits" in message(rule)
