"""Hostile targets: the run ends in bounded time and memory, with exit 2 or clear failures, no traceback.

Each case states its worst-case wall time as a bound in request timeouts (``T``, ``--request-timeout``),
the same bound docs/verify.md gives users; ``STARTUP_S`` is a generous allowance for starting the
child interpreter and collecting the suite on a loaded machine, not a measurement.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time

import pytest
from hostile_servers import HostileServer

from contractkit.conformance.http import MAX_CONSECUTIVE_ERRORS, TargetClient
from contractkit.errors import TargetUnreachableError

T = 2.0  # --request-timeout of these runs
STARTUP_S = 30.0


def verify(url: str, *extra: str, timeout: float = 120) -> tuple[int, str, str, float, float]:
    """Run ``contractkit verify neuron`` in a child; (exit code, stdout, stderr, seconds, child max RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "contractkit", "verify", "neuron", "--base-url", url, "--timeout", f"{T:g}",
         "--profile", "quick", *extra],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, "CONTRACTKIT_CLIENT_ID": ""},
    )
    rss_mib = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started, rss_mib


# (behaviour, what the one line says, worst case in T): unusable from the first request, the
# reachability probe (one request, its whole answer within T) ends the run.
AT_THE_PROBE = [
    ("hang", "no complete answer within 2 s", 1),
    ("trickle", "no complete answer within 2 s", 1),
    ("garbage", "not answering HTTP", 1),
    ("reset", "not answering HTTP", 1),
]


@pytest.mark.parametrize(("behaviour", "says", "bound_t"), AT_THE_PROBE)
def test_unusable_target_is_exit_2_in_one_line(behaviour, says, bound_t):
    with HostileServer(behaviour) as server:
        code, out, err, seconds, _ = verify(server.url)
    assert code == 2, out + err
    assert says in err
    assert "Traceback" not in out + err
    assert len((out + err).strip().splitlines()) == 1
    assert seconds < bound_t * T + STARTUP_S, f"{behaviour}: {seconds:.1f} s"


# Healthy at first, then not: MAX_CONSECUTIVE_ERRORS failures in a row (each at most T) decide
# that the target is gone, once, for every check left; one more T for a request already in flight.
MID_RUN = [
    ("reset-after-health", "last: "),  # ReadError or RemoteProtocolError, as the reset lands
    ("trickle-after-health", "last: no complete answer within 2 s"),
    ("hang-after-first", "last: no complete answer within 2 s"),
]


def _spec_with_deadlines(tmp_path, deadline_ms: int):
    """The bundled spec with every ``deadline_ms`` set to ``deadline_ms``: an operation's requests
    wait at least its deadline (docs/verify.md, "Time and size"), so the bound in T needs short ones."""
    import yaml

    from contractkit.resources import neuron_spec_path

    text = neuron_spec_path().read_text()
    data = yaml.safe_load(text)
    for item in [*data["paths"].values(), *(data.get("x-websockets") or {}).values()]:
        for node in [item, *item.values()]:
            ai = node.get("x-ai-operation") if isinstance(node, dict) else None
            if isinstance(ai, dict) and "deadline_ms" in ai:
                ai["deadline_ms"] = deadline_ms
    out = tmp_path / "spec.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.mark.parametrize(("behaviour", "last"), MID_RUN)
def test_target_lost_mid_run_ends_the_run_with_exit_2_and_one_line(behaviour, last, tmp_path):
    spec = _spec_with_deadlines(tmp_path, int(T * 1000 / 2))
    with HostileServer(behaviour) as server:
        code, out, err, seconds, _ = verify(server.url, "--spec", str(spec))
        received = server.requests
    assert code == 2, out + err
    assert received > 1, "the target never got past the reachability probe"
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("contractkit: error:"), err
    assert f"stopped answering ({MAX_CONSECUTIVE_ERRORS} failed requests in a row; {last}" in lines[0]
    assert "Traceback" not in out + err
    assert "the run stopped before this rule" in out  # the rules left are not verified, not failed
    assert seconds < (MAX_CONSECUTIVE_ERRORS + 1) * T + STARTUP_S, f"{behaviour}: {seconds:.1f} s"


def test_a_lost_target_is_decided_once_and_shared_by_every_later_request():
    """After the decision no request is sent: each later one fails at once, without its own timeout."""
    with HostileServer("hang-after-first", answers=0) as server:
        client = TargetClient(server.url, timeout=1.0)
        try:
            for _ in range(MAX_CONSECUTIVE_ERRORS - 1):
                assert client.request("GET", "/x").error
            with pytest.raises(TargetUnreachableError):
                client.request("GET", "/x")
            received = server.requests
            started = time.monotonic()
            for _ in range(20):
                with pytest.raises(TargetUnreachableError, match="stopped answering"):
                    client.request("GET", "/x")
            assert time.monotonic() - started < 1.0  # twenty at once, not twenty timeouts
            assert server.requests == received == MAX_CONSECUTIVE_ERRORS
        finally:
            client.close()


@pytest.mark.parametrize("behaviour", ["trickle", "trickle-after-health"])
def test_a_trickled_answer_is_cut_at_the_total_deadline(behaviour):
    """A byte every 0.3 s never trips a per-read timeout; the whole exchange still ends at its deadline."""
    with HostileServer(behaviour, health_path="/nowhere") as server:
        client = TargetClient(server.url, timeout=1.5)
        try:
            exchange = client.request("GET", "/x")
        finally:
            client.close()
    assert exchange.error == "no complete answer within 1.5 s"
    assert 1.4 < exchange.elapsed_s < 1.5 + 2.0


def test_100_mb_body_is_read_capped_and_reported_as_failures():
    with HostileServer("huge") as server:
        code, out, err, seconds, rss_mib = verify(server.url, "--rule", "NEU-SCH-*", "--rule", "NEU-AUTH-001")
    assert code == 1, out + err
    assert "FAIL  NEU-AUTH-001" in out
    assert "Traceback" not in out + err
    assert seconds < 80
    assert rss_mib < 600, f"the child used {rss_mib:.0f} MiB"


def test_target_answering_html_to_everything_gets_clear_failures():
    with HostileServer("html") as server:
        code, out, err, seconds, _ = verify(server.url, "--rule", "NEU-SCH-*", "--rule", "NEU-AUTH-001",
                                            "--rule", "NEU-ERR-001", "--rule", "NEU-SSE-*")
    assert code == 1, out + err
    assert "FAIL  NEU-AUTH-001" in out and "expected 401, got 200" in out
    assert "Traceback" not in out + err
    assert seconds < 60


def _spec_with_liveness(tmp_path, path: str | None):
    """The bundled spec with its liveness probe moved to ``path`` (None: no x-probe at all)."""
    import yaml

    from contractkit.resources import neuron_spec_path

    data = yaml.safe_load(neuron_spec_path().read_text())
    health = data["paths"].pop("/health")
    if path is None:
        health["get"].pop("x-probe")
        data["paths"]["/health"] = health
    else:
        data["paths"][path] = health
    out = tmp_path / "spec.yaml"
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


@pytest.mark.parametrize(("liveness", "healthy_at"), [("/livez", "/livez"), (None, "/")])
def test_the_probe_asks_the_specs_liveness_probe_or_the_base_url(tmp_path, liveness, healthy_at):
    """The target answers only where the spec says it is alive (and resets elsewhere): the probe
    passes, so the run gets as far as losing the target mid-run; the bundled spec's /health fails."""
    spec = _spec_with_liveness(tmp_path, liveness)
    with HostileServer("reset-after-health", health_path=healthy_at) as server:
        code, out, err, _, _ = verify(server.url, "--spec", str(spec))
        assert code == 2, out + err
        assert "stopped answering" in err, err
        code, out, err, _, _ = verify(server.url)
    assert code == 2
    assert "is not answering HTTP" in err, err


def test_failures_outside_the_client_count_toward_the_same_decision():
    """A WebSocket connection's failure (reported with count_transport) counts like a request's."""
    with HostileServer("health") as server:
        client = TargetClient(server.url, timeout=1.0)
        try:
            client.count_transport("no frame or close within 1 s")
            assert client.request("GET", "/x").ok  # an answer resets the count
            for _ in range(MAX_CONSECUTIVE_ERRORS - 1):
                client.count_transport("handshake timed out")
            with pytest.raises(TargetUnreachableError, match="last: handshake timed out"):
                client.count_transport("handshake timed out")
            with pytest.raises(TargetUnreachableError):
                client.request("GET", "/x")
            assert server.requests == 1
        finally:
            client.close()


def test_the_deadline_holds_with_proxies_from_the_environment(monkeypatch):
    """A proxy configured in the environment (and a NO_PROXY list) does not lose the deadline."""
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with HostileServer("trickle") as server:
        client = TargetClient(server.url, timeout=1.5)
        try:
            exchange = client.request("GET", "/x")
        finally:
            client.close()
    assert exchange.error == "no complete answer within 1.5 s"
