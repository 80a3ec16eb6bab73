"""`contractkit lint` end to end: exit codes, formats, --output, silencing, hostile input, imports."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
from lint_helpers import Edit, broken_copy
from sarif_schema import SARIF_2_1_0

from contractkit.cli.main import main
from shared_corpus import corpus_dir

HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "lint" / "hostile"
REFS = Path(__file__).resolve().parent.parent / "fixtures" / "lint" / "refs"
NO_403 = Edit("        '403':\n          $ref: '#/components/responses/Forbidden'\n", "", "  /chat:")


@pytest.fixture
def broken(specs_dir: Path, tmp_path: Path) -> Path:
    """neuron-api.yaml without the 403 of POST /chat (OAS-020), alone in a folder."""
    return broken_copy(specs_dir / "neuron-api.yaml", tmp_path, NO_403)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["lint", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_lints_specs_folder_clean(capsys, repo_root: Path, monkeypatch) -> None:
    monkeypatch.chdir(repo_root)
    code, out, err = run(capsys)
    assert code == 0, out + err
    assert "2 files checked: 0 errors" in out


def test_broken_copy_exits_1_with_rule_and_location(capsys, broken: Path) -> None:
    code, out, _ = run(capsys, str(broken))
    assert code == 1
    line = next(x for x in out.splitlines() if "OAS-020" in x)
    assert re.match(
        rf"{re.escape(str(broken))}:\d+:\d+: error OAS-020 POST /chat is secured but does not declare 403", line
    )
    assert "[#/paths/~1chat/post/responses]" in line


def test_rule_and_skip_select_rules(capsys, broken: Path) -> None:
    assert run(capsys, str(broken), "--skip", "OAS-020")[0] == 0
    assert run(capsys, str(broken), "--rule", "OAS-02*")[0] == 1
    code, _, err = run(capsys, str(broken), "--rule", "NOPE-1")
    assert code == 2 and "no lint rule matches" in err


def test_json_format(capsys, broken: Path) -> None:
    code, out, _ = run(capsys, str(broken), "--format", "json")
    payload = json.loads(out)
    assert code == 1 and payload["exit_code"] == 1
    (finding,) = payload["findings"]
    assert finding["rule"] == "OAS-020" and finding["pointer"] == "/paths/~1chat/post/responses"
    assert finding["line"] > 1 and finding["column"] >= 1 and finding["file"] == str(broken)


def test_sarif_validates_against_sarif_2_1_0(capsys, broken: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "lint.sarif"
    code, out, _ = run(capsys, str(broken), "--format", "sarif", "--output", str(out_file))
    assert code == 1 and out == ""
    log = json.loads(out_file.read_text())
    validator = jsonschema.Draft7Validator(SARIF_2_1_0, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]
    assert errors == []
    run_ = log["runs"][0]
    (result,) = run_["results"]
    rules = run_["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == "OAS-020"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] > 1
    # The validator itself is strict: a result without a message is rejected.
    del result["message"]
    assert list(validator.iter_errors(log))


def test_sarif_of_a_clean_run_validates(capsys, specs_dir: Path) -> None:
    code, out, _ = run(capsys, str(specs_dir), "--format", "sarif")
    assert code == 0
    jsonschema.validate(json.loads(out), SARIF_2_1_0, cls=jsonschema.Draft7Validator)


def test_junit_format(capsys, broken: Path) -> None:
    code, out, _ = run(capsys, str(broken), "--format", "junit")
    root = ET.fromstring(out.split("\n", 1)[1])
    assert code == 1 and root.tag == "testsuites" and root.get("failures") == "1"
    failures = root.findall(".//failure")
    assert len(failures) == 1 and failures[0].get("type") == "OAS-020"
    assert int(root.get("tests")) >= 20


def test_github_format(capsys, broken: Path) -> None:
    code, out, _ = run(capsys, str(broken), "--format", "github")
    assert code == 1
    assert re.match(r"^::error file=[^,]+,line=\d+,col=\d+,title=OAS-020 [^:]+::POST /chat is secured", out)


def test_inline_ignore_silences_one_rule_on_a_node(capsys, specs_dir: Path, tmp_path: Path) -> None:
    silenced = Edit("      operationId: chat\n", "      operationId: chat\n      x-contractkit-ignore: [OAS-020]\n")
    path = broken_copy(specs_dir / "neuron-api.yaml", tmp_path, NO_403, silenced)
    code, out, _ = run(capsys, str(path))
    assert code == 0 and "(1 silenced)" in out
    wrong_rule = Edit("      operationId: chat\n", "      operationId: chat\n      x-contractkit-ignore: [OAS-021]\n")
    path = broken_copy(specs_dir / "neuron-api.yaml", tmp_path, NO_403, wrong_rule)
    assert run(capsys, str(path))[0] == 1


def test_ignore_file_beside_the_spec(capsys, broken: Path) -> None:
    ignore = broken.parent / ".contractkit-ignore"
    ignore.write_text("# silenced until the chat team ships 403\nOAS-020 neuron-api.yaml#/paths/~1chat/post\n")
    code, out, _ = run(capsys, str(broken))
    assert code == 0 and "(1 silenced)" in out
    ignore.write_text("OAS-020 neuron-api.yaml#/paths/~1chat-other\n")
    assert run(capsys, str(broken))[0] == 1
    ignore.write_text("OAS-020 too many words here\n")
    code, _, err = run(capsys, str(broken))
    assert code == 2 and ".contractkit-ignore:1" in err


def test_explicit_ignore_file(capsys, broken: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.txt"
    other.write_text("OAS-020 #/paths/~1chat\n")
    assert run(capsys, str(broken), "--ignore-file", str(other))[0] == 0
    code, _, err = run(capsys, str(broken), "--ignore-file", str(tmp_path / "missing"))
    assert code == 2 and "ignore file not found" in err


@pytest.mark.parametrize(
    ("name", "exit_code", "words"),
    [
        ("alias-bomb.yaml", 2, "alias"),
        ("binary-garbage.yaml", 2, "binary data"),
        ("invalid-utf8.yaml", 2, "invalid-utf8.yaml:3: not valid UTF-8"),
        ("duplicate-keys.yaml", 2, "duplicate-keys.yaml:12:9: duplicate mapping key: '200'"),
        ("python-tag.yaml", 2, "python-tag.yaml:3: a !!python/ tag"),
        ("deep-nesting.yaml", 2, "nesting deeper than 128"),
        ("not-a-spec.yaml", 2, "not an OpenAPI description"),
        ("ref-cycle-allof.yaml", 1, "OAS-003"),
        ("ref-chain-cycle.yaml", 1, "OAS-003"),
        ("remote-ref.yaml", 1, "never fetches remote refs"),
        ("missing.yaml", 2, "no such file"),
    ],
)
def test_hostile_input_gets_a_clear_verdict_fast(capsys, name: str, exit_code: int, words: str) -> None:
    started = time.monotonic()
    code, out, err = run(capsys, str(HOSTILE / name))
    assert time.monotonic() - started < 10
    assert code == exit_code
    assert words in (out + err)
    if exit_code == 2:
        assert err.count("\n") == 1 and err.startswith("contractkit: error: ") and out == ""
    assert not Path("/tmp/contractkit-pwned").exists()


def test_refs_outside_the_folder_are_refused_and_relative_files_followed(capsys) -> None:
    code, out, _ = run(capsys, str(REFS / "api" / "openapi.yaml"))
    assert code == 1
    assert re.search(r"common/schemas\.yaml:12:7: error OAS-002 \$ref '#/Ownr' does not resolve", out)
    assert re.search(r"openapi\.yaml:27:17: error OAS-002 \$ref '\.\./outside/secret\.yaml#/Secret' leaves", out)
    assert "Secret:" not in out


def test_folder_skips_non_specs_but_reports_broken_yaml(capsys, tmp_path: Path, specs_dir: Path) -> None:
    (tmp_path / "schema.json").write_text('{"type": "object"}')
    (tmp_path / "broken.yaml").write_text("openapi: [1\n")
    broken_copy(specs_dir / "mcp-servers.yaml", tmp_path)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and "broken.yaml:1:10" in err and "1 file checked" in out


def test_cli_process_has_no_traceback_and_skips_heavy_imports(repo_root: Path) -> None:
    script = (
        "import sys\nfrom contractkit.cli.main import main\ncode = main(['lint', 'specs', "
        f"'{HOSTILE / 'binary-garbage.yaml'}'])\n"
        "heavy = sorted(m for m in ('schemathesis', 'hypothesis', 'mcp') if m in sys.modules)\n"
        "print('HEAVY', heavy, 'EXIT', code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=repo_root, timeout=60)
    assert "HEAVY [] EXIT 2" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1


def test_corpus_github_spec_lints_without_crashing() -> None:
    """SLOW (~4 s): the 3.5 MB GitHub description, linted as a whole process."""
    proc = subprocess.run(
        [sys.executable, "-m", "contractkit", "lint", str(corpus_dir() / "github-rest-3.0.3.yaml"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CONTRACTKIT_DEBUG": "1"},
    )
    assert proc.returncode in (0, 1), proc.stderr
    payload = json.loads(proc.stdout)
    assert not [f for f in payload["findings"] if "internal error" in f["message"]]
    assert all(f["line"] >= 1 for f in payload["findings"])


def test_forked_validation_reports_what_inline_validation_reports(specs_dir: Path, tmp_path: Path) -> None:
    """The CLI validates in a forked child (contractkit.lint.parallel); the findings must not change."""
    broken = broken_copy(specs_dir / "neuron-api.yaml", tmp_path, Edit("  title: neuron API\n", ""), NO_403)
    outputs = []
    for fork in ("", "1"):
        env = {**os.environ, "CONTRACTKIT_NO_FORK": fork, "CONTRACTKIT_NO_CACHE": "1"}
        proc = subprocess.run(
            [sys.executable, "-m", "contractkit", "lint", str(broken), "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
        assert proc.returncode == 1, proc.stderr
        outputs.append(json.loads(proc.stdout)["findings"])
    assert outputs[0] == outputs[1]
    assert {f["rule"] for f in outputs[0]} == {"OAS-001", "OAS-020"}


def test_cached_verdict_matches_a_fresh_one(capsys, specs_dir: Path, tmp_path: Path, private_lint_cache: Path) -> None:
    broken = broken_copy(specs_dir / "neuron-api.yaml", tmp_path, Edit("  title: neuron API\n", ""))
    first = run(capsys, str(broken), "--format", "json")
    assert list(private_lint_cache.rglob("*.json")), "the verdict was not cached"
    second = run(capsys, str(broken), "--format", "json")
    uncached = run(capsys, str(broken), "--format", "json", "--no-cache")
    os.environ.pop("CONTRACTKIT_NO_CACHE", None)
    assert first == second == uncached and first[0] == 1


def test_a_validator_that_never_finishes_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    from contractkit.lint.parallel import Prefetch

    monkeypatch.setenv("CONTRACTKIT_VALIDATOR_TIMEOUT", "0.5")
    started = time.monotonic()
    hits = Prefetch(lambda: time.sleep(30) or []).result()  # type: ignore[func-returns-value]
    assert time.monotonic() - started < 10
    assert hits and "did not finish within 0.5 s" in hits[0][1]
    assert Prefetch(lambda: [("/a", "b")]).result() == [("/a", "b")]


def test_thorough_asks_the_reference_every_time(
    capsys, specs_dir: Path, tmp_path: Path, private_lint_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--thorough: no fast path and no cached verdict for the structure, no compiled bundle for examples."""
    monkeypatch.delenv("CONTRACTKIT_THOROUGH", raising=False)  # the flag sets it; undone after the test
    bad_example = Edit("confidence: 0.82", "confidence: 1.82")
    spec = broken_copy(specs_dir / "neuron-api.yaml", tmp_path, NO_403, bad_example)
    normal = run(capsys, str(spec), "--format", "json")
    assert "OAS-060" in normal[1] and normal[0] == 1
    for entry in private_lint_cache.rglob("*.json"):  # a normal run trusts the cached verdict ...
        entry.write_text('{"hits": [["", "from the cache"]]}', encoding="utf-8")
    assert "from the cache" in run(capsys, str(spec), "--format", "json")[1]

    def refuse(*args: object) -> bool:
        raise AssertionError("a fast path ran under --thorough")

    monkeypatch.setattr("contractkit.lint.rules.openapi_structure.proven_valid", refuse)
    monkeypatch.setattr("contractkit.lint.schema_bundle.SchemaBundle.is_valid", refuse)
    assert run(capsys, str(spec), "--format", "json", "--thorough") == normal  # ... a thorough one does not
