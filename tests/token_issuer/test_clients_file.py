"""The token issuer's ``--clients`` file: format, validation, and ``contractkit serve token-issuer --clients``
as a real process (a bad file is one line on stderr and exit 2; secrets never printed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import httpx
import jwt
import pytest

from contractkit.errors import ConfigError
from contractkit.reference.token_issuer.clients import DEMO_CLIENTS, load_clients

SECRET = "file-client-secret-5150"
GOOD = """\
clients:
  - client_id: ci-conformance
    secret_env: TI_TEST_SECRET
    scopes: [neuron.chat, neuron.suggest]
    audiences: [neuron-api, crm-data-mcp]
    default_audience: neuron-api
  - client_id: reader
    secret_env: TI_TEST_READER_SECRET
    scopes: []
    audiences: [neuron-api]
"""
ENV = {"TI_TEST_SECRET": SECRET, "TI_TEST_READER_SECRET": "reader-secret-77"}


def test_a_yaml_file(tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text(GOOD)
    ci, reader = load_clients(path, environ=ENV)
    assert (ci.client_id, ci.secret, ci.default_audience) == ("ci-conformance", SECRET, "neuron-api")
    assert ci.scopes == {"neuron.chat", "neuron.suggest"} and ci.audiences == {"neuron-api", "crm-data-mcp"}
    assert reader.scopes == frozenset() and reader.audience_when_unnamed() == "neuron-api"
    assert SECRET not in repr(ci)


def test_a_json_file_and_the_demo_default(tmp_path, monkeypatch):
    path = tmp_path / "clients.json"
    path.write_text(json.dumps({"clients": [{"client_id": "a", "secret_env": "TI_TEST_SECRET", "scopes": ["x"],
                                             "audiences": ["y"]}]}))
    (client,) = load_clients(path, environ=ENV)
    assert client.client_id == "a" and client.audience_when_unnamed() == "y"
    monkeypatch.delenv("CONTRACTKIT_ISSUER_CLIENTS", raising=False)
    assert load_clients(None) == DEMO_CLIENTS


BAD = {
    "secret in file": ("clients:\n  - {client_id: a, secret: hunter2hunter2, scopes: [], audiences: [y]}\n",
                       "secrets do not belong in the clients file"),
    "unset secret": ("clients:\n  - {client_id: a, secret_env: TI_TEST_UNSET, scopes: [], audiences: [y]}\n",
                     "$TI_TEST_UNSET (the secret of client 'a') is not set"),
    "secret_env not a name": ("clients:\n  - {client_id: a, secret_env: 'my secret', scopes: [], audiences: [y]}\n",
                              "is the NAME of an environment variable"),
    "unknown key": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scope: [x], audiences: [y]}\n",
                    "unknown key 'scope'"),
    "missing audiences": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: [x]}\n",
                          "missing 'audiences'"),
    "empty audiences": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: [x], audiences: []}\n",
                        "audiences must be a non-empty list"),
    "scope with a space": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: ['a b'],"
                           " audiences: [y]}\n", "not an RFC 6749 scope token"),
    "foreign default": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: [], audiences: [y],"
                        " default_audience: z}\n", "default_audience 'z' is not one of"),
    "duplicate id": ("clients:\n  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: [], audiences: [y]}\n"
                     "  - {client_id: a, secret_env: TI_TEST_SECRET, scopes: [], audiences: [y]}\n", "appears twice"),
    "a bare list": ("- {client_id: a, secret_env: TI_TEST_SECRET, scopes: [], audiences: [y]}\n",
                    "one key, 'clients'"),
    "no clients": ("clients: []\n", "non-empty list"),
    "not yaml": ("clients: [\n", ""),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_are_one_config_error_line_with_the_place(tmp_path, case):
    text, message = BAD[case]
    path = tmp_path / "clients.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_clients(path, environ=ENV)
    line = info.value.one_line()
    assert message in line and str(path) in line and "\n" not in line
    assert "hunter2" not in line


def test_the_place_names_the_line(tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text(GOOD.replace("audiences: [neuron-api]\n", "audiences: [neuron-api]\n    colour: blue\n"))
    with pytest.raises(ConfigError) as info:
        load_clients(path, environ=ENV)
    assert info.value.location.startswith(f"{path}:11:")


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the clients file"):
        load_clients(tmp_path / "nope.yaml")


# -- the CLI, as a user runs it ------------------------------------------------------------------

def serve(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "contractkit", "serve", "token-issuer", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def test_serve_token_issuer_with_a_clients_file(tmp_path):
    path = tmp_path / "clients.yaml"
    path.write_text(GOOD)
    proc = serve("--clients", str(path), env=ENV)
    try:
        lines = [proc.stdout.readline().rstrip("\n") for _ in range(3)]
        assert lines[0].startswith("token-issuer: http://127.0.0.1:"), lines
        url = lines[0].split(": ", 1)[1]
        assert lines[1] == f"token endpoint: {url}/api/auth/service-token"
        assert lines[2] == "clients: ci-conformance, reader"
        for _ in range(100):
            try:
                response = httpx.post(f"{url}/api/auth/service-token", auth=("ci-conformance", SECRET), timeout=5,
                                      data={"grant_type": "client_credentials", "scope": "neuron.chat",
                                            "resource": "crm-data-mcp"})
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert response.status_code == 200
        assert jwt.decode(response.json()["access_token"], options={"verify_signature": False})["aud"] == "crm-data-mcp"
        demo = httpx.post(f"{url}/api/auth/service-token", auth=("demo-engine", "demo-engine-secret"), timeout=5,
                          data={"grant_type": "client_credentials", "audience": "neuron-api"})
        assert demo.status_code == 401, "a clients file replaces the demo clients"
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
    out, err = proc.stdout.read(), proc.stderr.read()
    assert code == 0 and "Traceback" not in err
    assert SECRET not in out + err + "\n".join(lines)


@pytest.mark.parametrize(("text", "env", "message"), [
    (None, {}, "cannot read the clients file"),
    (GOOD, {"TI_TEST_READER_SECRET": "x"}, "$TI_TEST_SECRET (the secret of client 'ci-conformance') is not set"),
    ("clients:\n  - {client_id: a, secret: hunter2hunter2, scopes: [], audiences: [y]}\n", {}, "secrets do not"),
])
def test_serve_token_issuer_with_a_bad_clients_file_is_one_line_and_exit_2(tmp_path, text, env, message):
    path = tmp_path / "clients.yaml"
    if text is not None:
        path.write_text(text)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TI_TEST_")}
    proc = subprocess.run([sys.executable, "-m", "contractkit", "serve", "token-issuer", "--clients", str(path)],
                          capture_output=True, text=True, timeout=60, env={**environ, **env})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and str(path) in proc.stderr
    assert "Traceback" not in proc.stderr and "hunter2" not in proc.stderr and proc.stdout == ""
