"""The suite's options are declared once: the CLI and pytest take the same names, the target is reached once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from verify_helpers import run_cli

from contractkit.cli.main import build_parser
from contractkit.conformance.command import options_of, pytest_args
from contractkit.conformance.options import OPTIONS
from contractkit.resources import conformance_dir


class CountingServer:
    """A loopback HTTP server that answers 200 on /health, 404 elsewhere, and counts every request."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                seen.append(f"{self.command} {self.path}")
                body = b'{"status":"ok"}' if self.path == "/health" else b'{"code":"not_found"}'
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> CountingServer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def counting() -> Iterator[CountingServer]:
    with CountingServer() as server:
        yield server


def test_every_option_has_one_name_in_the_cli_and_in_pytest() -> None:
    help_text = subprocess.run([sys.executable, "-m", "pytest", str(conformance_dir()), "--help", "-p",
                                "no:cacheprovider"], capture_output=True, text=True, timeout=60).stdout
    section = help_text.split("contractkit conformance suite:", 1)[1].split("\n\n", 1)[0]
    ours = [word.split("=", 1)[0].rstrip(",") for word in section.split()]
    for option in OPTIONS:
        if option.pytest_flag:
            # pytest's own option, which the CLI forwards
            assert option.pytest_flag in [w.split("=", 1)[0].rstrip(",") for w in help_text.split()], option.flag
        else:
            assert option.flag in ours, option.flag
        for alias in option.aliases:
            assert alias not in ours, f"{alias} is an old CLI spelling, not a second name in pytest"


def test_old_spellings_are_hidden_aliases_of_the_same_option(capsys) -> None:
    parser = build_parser()
    old = parser.parse_args(["verify", "neuron", "--base-url", "http://x", "--timeout", "5"])
    new = parser.parse_args(["verify", "neuron", "--neuron-url", "http://x", "--request-timeout", "5"])
    assert old.neuron_url == new.neuron_url == "http://x" and old.request_timeout == new.request_timeout == 5.0
    mcp = parser.parse_args(["verify", "mcp", "--server", "s", "--url", "http://x", "--strict"])
    assert (mcp.mcp_server, mcp.mcp_url, mcp.mcp_strict) == ("s", "http://x", True)
    with pytest.raises(SystemExit):
        parser.parse_args(["verify", "neuron", "--help"])
    shown = capsys.readouterr().out
    assert "--neuron-url" in shown and "--base-url" not in shown and "--timeout " not in shown


def test_cli_arguments_and_the_pytest_command_line_give_the_same_options() -> None:
    parser = build_parser()
    args = parser.parse_args(["verify", "neuron", "--base-url", "http://x", "--operation", "assessRisk", "-H",
                              "X-Tenant:acme", "--seed", "42", "--skip", "NEU-RL-*", "--timeout", "3", "-x",
                              "--max-failures", "3"])
    argv = pytest_args(args)
    assert "-x" in argv and argv[argv.index("--maxfail") + 1] == "3"  # pytest's own options, forwarded
    assert "--base-url" not in argv and "--neuron-url" in argv and "--request-timeout" in argv
    cli_options = options_of(args)
    again = parser.parse_args(["verify", "neuron", *[a.replace("--maxfail", "--max-failures") for a in argv]])
    assert options_of(again) == cli_options
    assert cli_options.headers == {"X-Tenant": "acme"} and cli_options.seed == 42


def test_the_target_is_reached_once_per_run(counting: CountingServer, tmp_path) -> None:
    flags = ["--rule", "NEU-AUTH-001", "--operation", "assessRisk", "--profile", "quick",
             "--report-json", str(tmp_path / "r.json")]
    result = run_cli("verify", "neuron", "--neuron-url", counting.url, *flags)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert counting.seen.count("GET /health") == 1, counting.seen
    assert json.loads((tmp_path / "r.json").read_text())["meta"]["seed"] >= 0
    counting.seen.clear()
    direct = subprocess.run([sys.executable, "-m", "pytest", str(conformance_dir()), "-q", "-p", "no:cacheprovider",
                             "--neuron-url", counting.url, *flags], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert direct.returncode in (0, 1), direct.stdout + direct.stderr
    assert counting.seen.count("GET /health") == 1, counting.seen


def test_plan_sends_nothing_and_says_what_will_not_be_verified(counting: CountingServer) -> None:
    result = run_cli("verify", "neuron", "--neuron-url", counting.url, "--plan", "--operation", "assessRisk",
                     "--seed", "9", "--profile", "quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert counting.seen == []
    assert "seed 9" in result.stdout and "NEU-AUTH-001" in result.stdout and "on assessRisk" in result.stdout
    assert "NEU-RL-001" in result.stdout and "outside the filter --operation assessRisk" in result.stdout
    assert "requests" in result.stdout


@pytest.mark.parametrize("argv, says", [
    (["--operation", "noSuchOperation"], "--operation 'noSuchOperation' matches nothing"),
    (["--path", "/nowhere/*"], "--path '/nowhere/*' matches nothing"),
    (["--method", "FETCH"], "not an HTTP method"),
    (["-H", "no colon here"], "malformed header"),
    (["-H", "X-Key:$CONTRACTKIT_TEST_UNSET_VAR"], "$CONTRACTKIT_TEST_UNSET_VAR is not set"),
    (["--rule", "NEU-NOPE-*"], "no neuron rule matches"),
    (["--seed", "-1"], "--seed must be"),
])
def test_bad_input_is_one_line_and_exit_2(counting: CountingServer, argv: list[str], says: str) -> None:
    result = run_cli("verify", "neuron", "--neuron-url", counting.url, *argv,
                     env={"CONTRACTKIT_TEST_UNSET_VAR": ""})
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and says in result.stderr, result.stderr
    assert counting.seen == []


def test_header_values_from_the_environment_are_never_echoed(counting: CountingServer, tmp_path) -> None:
    secret = "hdr-secret-value-4242"
    result = run_cli("verify", "neuron", "--neuron-url", counting.url, "-H", "X-Api-Key:$CK_TEST_HEADER",
                     "--rule", "NEU-AUTH-001", "--operation", "assessRisk", "--profile", "quick",
                     "--report-json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md"),
                     env={"CK_TEST_HEADER": secret})
    assert result.returncode in (0, 1), result.stdout + result.stderr
    for text in (result.stdout, result.stderr, *(p.read_text() for p in tmp_path.iterdir())):
        assert secret not in text
