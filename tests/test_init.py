"""`contractkit init`: starting specs that lint clean, and a draft from a running FastAPI service."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from contractkit.servers import BackgroundServer


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "contractkit", *argv], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.mark.parametrize("kind, name", [("neuron", "neuron-api.yaml"), ("mcp", "mcp-servers.yaml")])
def test_the_starting_spec_lints_without_errors_and_is_never_overwritten(tmp_path: Path, kind: str, name: str) -> None:
    made = _cli("init", "--kind", kind, "specs", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    spec = tmp_path / "specs" / name
    assert "TODO" in spec.read_text()
    lint = _cli("lint", str(spec), "--format", "json", cwd=tmp_path)
    assert lint.returncode == 0, lint.stdout
    findings = json.loads(lint.stdout)["findings"]
    # a template without streams or WebSockets gives some rules nothing to check on: lint says which
    assert [(f["rule"], f["severity"]) for f in findings] in ([], [("OAS-056", "warning")]), findings
    assert all("nothing to check them on" in f["message"] for f in findings), findings
    again = _cli("init", "--kind", kind, "specs", cwd=tmp_path)
    assert again.returncode == 2 and "exists" in again.stderr and again.stderr.count("\n") == 1


def test_the_neuron_template_uses_every_extension_the_kit_reads(tmp_path: Path) -> None:
    from contractkit.resources import neuron_extensions_schema_path
    from contractkit.starter import template

    text = template("neuron")
    schema = json.loads(neuron_extensions_schema_path().read_text())
    names = set(re.findall(r'"(x-[a-z-]+)"', json.dumps(schema)))
    missing = sorted(n for n in names if n not in text)
    assert missing == [], f"extensions not shown in the template: {missing}"


class Question(BaseModel):
    question: str


class Answer(BaseModel):
    answer: str
    token_count: int
    cost_usd: float


def _service() -> FastAPI:
    app = FastAPI(title="churn", version="2")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/answer")
    def answer(q: Question) -> Answer:
        return Answer(answer=q.question, token_count=1, cost_usd=0.0)

    return app


def test_init_from_a_running_fastapi_service_adds_the_extensions_with_todos(tmp_path: Path) -> None:
    with BackgroundServer(_service()) as server:
        made = _cli("init", "--from", server.url, "draft", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    text = (tmp_path / "draft" / "neuron-api.yaml").read_text()
    import yaml

    doc = yaml.safe_load(text)
    assert doc["info"]["version"] == "0.1.0"
    assert doc["paths"]["/answer"]["post"]["x-ai-operation"]["fallback"]["mode"] == "unavailable"
    assert doc["paths"]["/health"]["get"]["x-probe"] == {"role": "liveness"}
    assert "x-pricing" in doc and doc["components"]["securitySchemes"]["serviceToken"]["type"] == "oauth2"
    lines = text.splitlines()
    assert any("x-ai-operation:" in line and "# TODO" in line for line in lines)
    assert any("version: 0.1.0" in line and "# TODO" in line for line in lines)
    lint = _cli("lint", str(tmp_path / "draft" / "neuron-api.yaml"), cwd=tmp_path)
    assert lint.returncode in (0, 1) and "Traceback" not in lint.stderr


def test_init_from_a_url_that_is_not_a_service_is_one_line(tmp_path: Path) -> None:
    refused = _cli("init", "--from", "http://127.0.0.1:9", "draft", cwd=tmp_path)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    with BackgroundServer(FastAPI(openapi_url=None)) as server:
        missing = _cli("init", "--from", server.url, "draft", cwd=tmp_path)
    assert missing.returncode == 2 and "no OpenAPI document" in missing.stderr, missing.stderr
