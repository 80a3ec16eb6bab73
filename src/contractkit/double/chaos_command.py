"""``contractkit chaos``: parse the flags, start (or reach) the double, run the matrix, write the reports.

Exit 0 when the consumer passes every mode, 1 when a fault mode breaks it, 2 on bad input, and 2
when its tests fail against the healthy double (they are broken, not its fault handling).
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from contractkit.double.chaos import DoubleClient, ModeResult, parse_env_names, parse_modes, run_matrix
from contractkit.double.chaos_report import render_json, render_junit, render_markdown, render_text
from contractkit.errors import ConfigError


def run_chaos(args: argparse.Namespace) -> int:
    command = list(args.command or [])
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise ConfigError("give the consumer's test command after --, e.g. contractkit chaos -- pytest tests/")
    modes = parse_modes(args.faults)
    names = parse_env_names(args.env)
    if args.timeout <= 0:
        raise ConfigError("--timeout must be positive")
    with ExitStack() as stack:
        url, env = _double(args, stack)
        client = DoubleClient(url)
        stack.callback(client.close)
        info = client.info()
        env = {names["url"]: url + str(info.get("base_path") or ""),
               names["client_id"]: str(info.get("client_id") or ""), **env}
        if info.get("token_path"):
            env[names["token_url"]] = url + str(info["token_path"])
        env[names["client_secret"]] = _secret()
        print(f"neuron-double: {url}", file=sys.stderr, flush=True)
        run = run_matrix(client, command, modes, env, names, spec=str(args.spec or "bundled neuron-api.yaml"),
                         seed=args.seed, timeout_s=args.timeout, progress=_progress)
    _write(args.report_json, render_json(run))
    _write(args.markdown, render_markdown(run))
    _write(args.junit_xml, render_junit(run))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.markdown and summary_file:
        with open(summary_file, "a", encoding="utf-8") as out:
            out.write(render_markdown(run))
    sys.stdout.write(render_text(run))
    return run.exit_code()


def _double(args: argparse.Namespace, stack: ExitStack) -> tuple[str, dict[str, str]]:
    """The double's URL (started here unless ``--double``) and extra variables for the command."""
    if args.double:
        if args.spec or args.seed:
            print("contractkit chaos: --double given: --spec and --seed are the running double's",
                  file=sys.stderr)
        return args.double.rstrip("/"), {}
    from contractkit.double.serve import build
    from contractkit.servers import BackgroundServer

    double = build(argparse.Namespace(spec=args.spec, seed=args.seed, faults=None, record=None, jwks_url=None,
                                      client_id="engine", subject=[]))
    server = BackgroundServer(double, host="127.0.0.1").start()
    stack.callback(server.stop)
    return server.url, {}


def _secret() -> str:
    from contractkit.double.auth import DEFAULT_SECRET, SECRET_ENV

    return os.environ.get(SECRET_ENV) or DEFAULT_SECRET


def _progress(index: int, total: int, result: ModeResult) -> None:
    print(f"[{index}/{total}] {result.verdict.upper():<13} {result.mode} ({result.duration_s:.1f} s; "
          f"{result.why()})", file=sys.stderr, flush=True)


def _write(path: str | None, text: str) -> None:
    if path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
