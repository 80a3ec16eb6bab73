"""The official Python reference servers from PyPI (mcp-server-time, -git, -fetch), verified over stdio
as a user would: the suite passes them on what they offer, calls only what is safe, changes nothing.
"""

from __future__ import annotations

import socket
import subprocess
import threading

from mcp_helpers import PYTHON_PEERS_SPEC, message, statuses, verify

STDIO_ONLY = {"MCP-AUTH-001", "MCP-AUTH-002", "MCP-AUTH-003", "MCP-AUTH-004", "MCP-AUTH-005", "MCP-AUTH-006",
              "MCP-AUTH-007", "MCP-AUTH-008", "MCP-RATE-001"}
NOT_DECLARED = {"MCP-AUDIT-001", "MCP-AUDIT-002", "MCP-SVC-001", "MCP-SVC-002"}


def outcomes(rules: dict, rule_id: str) -> dict[str, dict]:
    return {o["operation"]: o for o in rules[rule_id]["outcomes"]}


def test_time_server_passes_on_every_era_it_declares(tmp_path, python_peers):
    proc, rules = verify(tmp_path, "--spec", str(PYTHON_PEERS_SPEC), "--server", "time",
                         "--stdio", f"{python_peers / 'mcp-server-time'} --local-timezone UTC")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert statuses(rules, "failed") == set() and statuses(rules, "warning") == set()
    assert statuses(rules, "not_verified") == STDIO_ONLY | NOT_DECLARED
    assert rules["MCP-INIT-001"]["outcomes"][0]["examined"]["count"] == 5  # four eras and a bogus version
    for tool, outcome in outcomes(rules, "MCP-CALL-001").items():
        assert outcome["status"] == "passed" and outcome["examined"]["count"] >= 2, (tool, outcome)


def _repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    (repo / "notes.txt").write_text("one\n")
    subprocess.run([*git, "add", "notes.txt"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "first"], check=True)
    (repo / "untracked.txt").write_text("left alone\n")
    return repo, git


def test_git_server_is_read_not_written(tmp_path, python_peers):
    repo, git = _repo(tmp_path)

    def state() -> tuple[str, str]:
        return (subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout,
                subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True).stdout)

    before = state()
    proc, rules = verify(tmp_path, "--spec", str(PYTHON_PEERS_SPEC), "--server", "git",
                         "--stdio", f"{python_peers / 'mcp-server-git'} --repository {repo}", cwd=repo)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert state() == before, "the suite changed the repository"
    calls = outcomes(rules, "MCP-CALL-001")
    assert {t for t, o in calls.items() if o["status"] == "passed"} == {"git_status", "git_log"}
    for tool in ("git_add", "git_commit", "git_reset"):
        assert calls[tool]["status"] == "not_verified" and "safety policy" in calls[tool]["message"]
        refused = outcomes(rules, "MCP-CALL-002")[tool]  # no tools/call of any kind, invalid arguments included
        assert refused["status"] == "not_verified" and "safety policy" in refused["message"]
    assert "git_commit  no calls" in proc.stderr  # the policy, printed before the first call


def test_git_dry_run_plans_no_write(tmp_path, python_peers):
    repo, _ = _repo(tmp_path)
    proc, _ = verify(tmp_path, "--spec", str(PYTHON_PEERS_SPEC), "--server", "git", "--dry-run",
                     "--stdio", f"{python_peers / 'mcp-server-git'} --repository {repo}", cwd=repo)
    assert proc.returncode == 0, proc.stdout[-3000:]
    planned = {line.split()[0]: int(line.split()[1]) for line in proc.stdout.splitlines()
               if line.startswith("  ") and "with valid arguments" in line}
    assert planned["git_commit"] == planned["git_add"] == planned["git_reset"] == 0
    assert planned["git_status"] > 0


class _Proxy:
    """A TCP listener standing in for an HTTP proxy: it counts the connections a fetch would make."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"


def test_fetch_server_is_never_made_to_fetch(tmp_path, python_peers):
    proxy = _Proxy()
    env = {"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url, "NO_PROXY": ""}
    try:
        proc, rules = verify(tmp_path, "--spec", str(PYTHON_PEERS_SPEC), "--server", "fetch",
                             "--stdio", str(python_peers / "mcp-server-fetch"), env=env)
    finally:
        proxy.sock.close()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proxy.connections == 0, "the fetch server tried to reach the network"
    assert rules["MCP-CALL-001"]["status"] == "not_verified"
    assert "open-world" in message(rules, "MCP-CALL-001")
    assert rules["MCP-CALL-002"]["status"] == "not_verified"  # not even invalid arguments are sent
