"""`contractkit serve ...` as a user runs it: a real process, URLs on named lines, Ctrl-C stops it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import httpx
import pytest
from neuron_helpers import CUSTOMER

from contractkit.reference.token_issuer.issuer import TokenIssuer
from contractkit.servers import free_port, serving


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "contractkit", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def read_until(proc: subprocess.Popen, marker: str, timeout: float = 30) -> list[str]:
    lines, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if marker in line:
            return lines
    proc.kill()
    raise AssertionError(f"no {marker!r} in {lines} / {proc.stderr.read()}")


def stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_serve_stack_prints_named_urls_and_credentials_and_stops_on_ctrl_c():
    proc = start("stack")
    try:
        lines = read_until(proc, "press Ctrl-C")
        urls = dict(re.findall(r"^(token-issuer|provider-double|neuron): (http://127\.0\.0\.1:\d+)$",
                               "\n".join(lines), re.MULTILINE))
        assert set(urls) == {"token-issuer", "provider-double", "neuron"}
        secret = re.search(r"client_id=(\S+) client_secret=(\S+)", "\n".join(lines))
        assert secret
        token = httpx.post(urls["token-issuer"] + "/api/auth/service-token", data={
            "grant_type": "client_credentials", "client_id": secret[1], "client_secret": secret[2],
            "scope": "neuron.suggest", "audience": "neuron-api"}).json()["access_token"]
        response = httpx.post(urls["neuron"] + "/suggest-next-action", json={"customer_id": CUSTOMER},
                              headers={"Authorization": f"Bearer {token}"}, timeout=20)
        assert response.status_code == 200 and response.json()["fallback"] is False
        assert httpx.get(urls["provider-double"] + "/_control/faults").json()["requests"] >= 1
        mcp = dict(re.findall(r"^(engine-double|crm-data-mcp|document-retrieval-mcp): (http://127\.0\.0\.1:\d+\S*)",
                              "\n".join(lines), re.MULTILINE))
        assert set(mcp) == {"engine-double", "crm-data-mcp", "document-retrieval-mcp"}
        unauthenticated = httpx.post(mcp["crm-data-mcp"], json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
        assert unauthenticated.status_code == 401 and "resource_metadata" in unauthenticated.headers["www-authenticate"]
    finally:
        code = stop(proc)
    assert code == 0
    assert "Traceback" not in proc.stderr.read()


def test_serve_neuron_with_an_issuer_url_and_port():
    issuer = TokenIssuer()
    port = free_port()
    with serving(issuer.app) as issuer_server:
        proc = start("neuron", "--port", str(port), "--issuer-url", issuer_server.url)
        try:
            (line,) = read_until(proc, "neuron:")
            assert line == f"neuron: http://127.0.0.1:{port}"
            token = issuer.mint("cli", ["neuron.chat"], "neuron-api")
            for _ in range(50):
                try:
                    reply = httpx.post(f"http://127.0.0.1:{port}/chat", json={"message": "hi"},
                                       headers={"Authorization": f"Bearer {token}"}, timeout=10)
                    break
                except httpx.ConnectError:
                    time.sleep(0.1)
            assert reply.status_code == 200
        finally:
            assert stop(proc) == 0


@pytest.mark.parametrize("service", ["provider-double", "token-issuer"])
def test_serve_single_servers(service):
    proc = start(service)
    try:
        (line,) = read_until(proc, f"{service}:")
        url = line.split(": ", 1)[1]
        path = "/_control/faults" if service == "provider-double" else "/.well-known/jwks.json"
        for _ in range(50):
            try:
                assert httpx.get(url + path).status_code == 200
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        else:
            raise AssertionError("server never answered")
    finally:
        assert stop(proc) == 0


def test_busy_port_is_one_line_and_exit_2():
    with serving(TokenIssuer().app) as busy:
        proc = subprocess.run([sys.executable, "-m", "contractkit", "serve", "provider-double", "--port",
                               str(busy.port)], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot listen" in proc.stderr
