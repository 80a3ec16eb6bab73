"""`contractkit diff` end to end: sides from files and git, exit codes, formats, the published schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from contractkit.cli.main import main
from contractkit.diff.render.json_report import SCHEMA_PATH

REPO = Path(__file__).resolve().parents[2]
NEURON = REPO / "specs" / "neuron-api.yaml"
MCP = REPO / "specs" / "mcp-servers.yaml"


def mutate(src: Path, dst: Path, *edits: tuple[str, str]) -> Path:
    text = src.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    dst.write_text(text)
    return dst


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


TIGHTEN = ("          maxLength: 4000\n        conversation_id:\n          type: string\n          pattern:",
           "          maxLength: 1000\n        conversation_id:\n          type: string\n          pattern:")


def test_same_spec_has_no_changes(capsys) -> None:
    for spec in (NEURON, MCP):
        code, out, _ = run(capsys, "diff", str(spec), str(spec))
        assert code == 0 and "no changes" in out


def test_breaking_change_needs_a_major_bump(tmp_path: Path, capsys) -> None:
    minor = mutate(NEURON, tmp_path / "minor.yaml", TIGHTEN, ("  version: 1.0.0", "  version: 1.1.0"))
    major = mutate(NEURON, tmp_path / "major.yaml", TIGHTEN, ("  version: 1.0.0", "  version: 2.0.0"))
    code, out, _ = run(capsys, "diff", str(NEURON), str(minor))
    assert code == 1 and "FAILS" in out and "OAS-REQ-BOUND-TIGHTENED" in out and "ChatRequest.message" in out
    assert run(capsys, "diff", str(NEURON), str(major))[0] == 0
    assert run(capsys, "diff", str(NEURON), str(minor), "--fail-on", "none")[0] == 0


def test_fail_on_thresholds(tmp_path: Path, capsys) -> None:
    slower = mutate(NEURON, tmp_path / "slower.yaml", ("deadline_ms: 8000", "deadline_ms: 9000"),
                    ("  version: 1.0.0", "  version: 1.1.0"))
    assert run(capsys, "diff", str(NEURON), str(slower))[0] == 0  # possibly breaking: a minor bump is enough
    assert run(capsys, "diff", str(NEURON), str(slower), "--fail-on", "possibly-breaking")[0] == 1
    anchor = "        conversation_id:\n          type: string\n          pattern:"
    added = mutate(NEURON, tmp_path / "added.yaml", (anchor, "        locale:\n          type: string\n" + anchor))
    assert run(capsys, "diff", str(NEURON), str(added))[0] == 0  # additive, no bump: not gated by default
    code, out, _ = run(capsys, "diff", str(NEURON), str(added), "--fail-on", "non-breaking")
    assert code == 1 and "minor" in out


def test_json_output_matches_the_published_schema_and_places_changes(tmp_path: Path, capsys) -> None:
    head = mutate(NEURON, tmp_path / "head.yaml", TIGHTEN, ("      required: [customer_id]\n",
                                                             "      required: [customer_id, tenant]\n"))
    code, out, _ = run(capsys, "diff", str(NEURON), str(head), "--format", "json")
    report = json.loads(out)
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text())).validate(report)
    assert code == 1 and report["gate"]["passed"] is False and report["gate"]["required_bump"] == "major"
    lines = head.read_text().splitlines()
    by_id = {c["id"]: c for c in report["changes"]}
    tightened = by_id["OAS-REQ-BOUND-TIGHTENED"]
    assert "maxLength: 1000" in lines[tightened["location"]["line"] - 1]
    assert tightened["before"] == 4000 and tightened["after"] == 1000
    assert set(tightened["operations"]) >= {"POST /chat", "POST /chat/stream"}
    required = by_id["OAS-REQ-REQUIRED-PROPERTY-ADDED"]
    assert required["classification"] == "breaking" and required["direction"] == "request"
    assert set(required["operations"]) == {"POST /analyze-customer", "POST /suggest-next-action", "POST /assess-risk"}
    assert "CustomerRequest:" in lines[required["location"]["line"] - 1]


def test_mcp_changes_and_other_formats(tmp_path: Path, capsys) -> None:
    head = mutate(MCP, tmp_path / "mcp.yaml", ("      - name: search_customers", "      - name: find_customers"),
                  ("      requests: 60\n", "      requests: 30\n"))
    md, gh, cl = tmp_path / "d.md", tmp_path / "d.gh", tmp_path / "CHANGELOG.part"
    code, out, _ = run(capsys, "diff", str(MCP), str(head), "--report", f"markdown={md}", "--report", f"github={gh}",
                       "--report", f"changelog={cl}")
    assert code == 1
    assert "MCP-TOOL-RENAMED" in out and "MCP-RATE-LIMIT-TIGHTENED" in out
    markdown = md.read_text()
    assert "| classification | changes |" in markdown and "MCP-TOOL-RENAMED" in markdown
    assert markdown.index("| classification") < markdown.index("MCP-TOOL-RENAMED")
    annotations = gh.read_text().splitlines()
    assert any(a.startswith(f"::error file={head},line=") and "MCP-TOOL-RENAMED" in a for a in annotations)
    assert annotations[-1].startswith("::error title=contractkit semver gate fails")
    assert "### Breaking" in cl.read_text() and "`search_customers` renamed to `find_customers`" in cl.read_text()


@pytest.mark.parametrize("make", ["missing", "not-yaml", "not-a-spec", "kinds-differ", "bad-rev"])
def test_unreadable_input_is_one_line_and_exit_2(tmp_path: Path, capsys, make: str) -> None:
    other = tmp_path / "other.yaml"
    if make == "not-yaml":
        other.write_text("openapi: 3.1.0\npaths: {a: [\n")
    elif make == "not-a-spec":
        other.write_text("hello: world\n")
    elif make == "kinds-differ":
        shutil.copy(MCP, other)
    arg = "no-such-rev-xyz:specs/neuron-api.yaml" if make == "bad-rev" else str(other)
    code, out, err = run(capsys, "diff", str(NEURON), arg)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err and err.startswith("contractkit: error:")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    (root / "specs").mkdir(parents=True)
    shutil.copy(NEURON, root / "specs" / "neuron-api.yaml")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "base")
    _git(root, "checkout", "-q", "-b", "feature")
    mutate(NEURON, root / "specs" / "neuron-api.yaml", TIGHTEN)
    monkeypatch.chdir(root / "specs")
    return root


def test_one_argument_compares_with_the_merge_base(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "diff", "neuron-api.yaml", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["base"]["name"].startswith("main@")
    assert report["base"]["name"].endswith(":specs/neuron-api.yaml")
    assert [c["id"] for c in report["changes"]] == ["OAS-REQ-BOUND-TIGHTENED"]
    code, out, _ = run(capsys, "diff", "main:specs/neuron-api.yaml", "neuron-api.yaml", "--format", "json")
    report = json.loads(out)
    assert report["base"]["name"] == "main:specs/neuron-api.yaml" and report["summary"]["breaking"] == 1


def test_one_argument_for_a_new_spec_reports_nothing(repo: Path, capsys) -> None:
    shutil.copy(MCP, repo / "specs" / "mcp-servers.yaml")
    code, out, _ = run(capsys, "diff", "mcp-servers.yaml")
    assert code == 0 and "new spec" in out


def test_refs_to_other_files_are_named_as_a_limit(tmp_path: Path, capsys) -> None:
    spec = ("openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    get:\n      responses:\n"
            "        '200': {description: ok, content: {application/json: {schema: {$ref: 'common.yaml#/X'}}}}\n")
    (tmp_path / "a.yaml").write_text(spec)
    code, out, _ = run(capsys, "diff", str(tmp_path / "a.yaml"), str(tmp_path / "a.yaml"))
    assert code == 0 and "note: $refs to other files (common.yaml) are compared as text" in out


def test_diff_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom contractkit.cli.main import main\n"
            f"main(['diff', {str(NEURON)!r}, {str(NEURON)!r}, '-o', {str(Path('/dev/null'))!r}])\n"
            "heavy = {'schemathesis', 'hypothesis', 'mcp', 'openapi_spec_validator', 'httpx', 'fastapi'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
