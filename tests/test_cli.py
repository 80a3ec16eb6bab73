"""The command line's own contract: help, version, and one-line errors with exit codes."""

from __future__ import annotations

import subprocess
import sys

from contractkit import __version__
from contractkit.cli.main import main
from contractkit.errors import ConfigError


def test_version_is_printed(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert __version__ in capsys.readouterr().out


def test_every_command_has_help():
    out = subprocess.run([sys.executable, "-m", "contractkit", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for command in ("lint", "diff", "verify", "serve", "demo", "selftest", "rules", "init"):
        assert command in out.stdout


def test_contractkit_error_is_one_line_with_its_exit_code(capsys, monkeypatch):
    def boom(args):
        raise ConfigError("the flag\n--x is\nmissing")

    import contractkit.cli.rules_cmd as rules_cmd

    monkeypatch.setattr(rules_cmd, "run", boom)
    assert main(["rules"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the flag --x is missing" in err
