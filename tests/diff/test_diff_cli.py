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
from contractkit.reports.json_report import SCHEMA_PATH

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
    minor = mutate(NEURON, tmp_path / "minor.yaml", TIGHTEN, ("  version: 1.1.0", "  version: 1.2.0"))
    major = mutate(NEURON, tmp_path / "major.yaml", TIGHTEN, ("  version: 1.1.0", "  version: 2.0.0"))
    code, out, _ = run(capsys, "diff", str(NEURON), str(minor))
    assert code == 1 and "FAILS" in out and "OAS-REQ-BOUND-TIGHTENED" in out and "ChatRequest.message" in out
    assert run(capsys, "diff", str(NEURON), str(major))[0] == 0
    assert run(capsys, "diff", str(NEURON), str(minor), "--fail-on", "none")[0] == 0


def test_fail_on_thresholds(tmp_path: Path, capsys) -> None:
    slower = mutate(NEURON, tmp_path / "slower.yaml", ("deadline_ms: 8000", "deadline_ms: 9000"),
                    ("  version: 1.1.0", "  version: 1.2.0"))
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
    assert set(required["operations"]) == {"POST /analyze-customer", "POST /suggest-next-action", "POST /assess-risk",
                                           "POST /account-reviews"}
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


SPLIT_SPEC = ("openapi: 3.1.0\ninfo: {title: t, version: 1.0.0}\npaths:\n  /a:\n    post:\n"
              "      requestBody:\n        content: {application/json: {schema: {$ref: 'schemas/common.yaml#/X'}}}\n"
              "      responses: {'200': {description: ok}}\n")
COMMON = "X:\n  type: object\n  properties:\n    name:\n      type: string\n      maxLength: {n}\n"


def _split_spec(folder: Path, n: int) -> Path:
    (folder / "schemas").mkdir(parents=True)
    (folder / "schemas" / "common.yaml").write_text(COMMON.replace("{n}", str(n)))
    (folder / "api.yaml").write_text(SPLIT_SPEC)
    return folder / "api.yaml"


def test_refs_into_other_files_are_followed_in_each_sides_version(tmp_path: Path, capsys) -> None:
    base, head = _split_spec(tmp_path / "old", 100), _split_spec(tmp_path / "new", 50)
    code, out, _ = run(capsys, "diff", str(base), str(head), "--format", "json")
    report = json.loads(out)
    assert code == 1 and [c["id"] for c in report["changes"]] == ["OAS-REQ-BOUND-TIGHTENED"]
    change = report["changes"][0]
    assert change["pointer"] == "schemas/common.yaml#/X/properties/name/maxLength"
    where = change["location"]
    assert where["file"] == str(tmp_path / "new" / "schemas" / "common.yaml")
    assert Path(where["file"]).read_text().splitlines()[where["line"] - 1].strip() == "maxLength: 50"
    assert change["operations"] == ["POST /a"] and not report["notes"]


def test_a_missing_file_ref_is_a_finding_an_escaping_one_bad_input(tmp_path: Path, capsys) -> None:
    base = _split_spec(tmp_path / "old", 100)
    head = _split_spec(tmp_path / "new", 100)
    (tmp_path / "new" / "schemas" / "common.yaml").unlink()
    code, out, _ = run(capsys, "diff", str(base), str(head), "--format", "json")
    change = json.loads(out)["changes"][0]
    assert code == 1 and change["id"] == "OAS-REQ-TYPE-CHANGED" and "schemas/common.yaml#/X" in change["message"]
    code, out, _ = run(capsys, "diff", str(head), str(head), "--format", "json")  # missing on both sides
    change = json.loads(out)["changes"][0]
    assert change["id"] == "OAS-REQ-REF-UNRESOLVED" and change["classification"] == "possibly-breaking"
    assert "schemas/common.yaml#/X" in change["message"]
    head.write_text(SPLIT_SPEC.replace("schemas/common.yaml", "../../etc/common.yaml"))
    code, _, err = run(capsys, "diff", str(base), str(head))
    assert code == 2 and "leaves the spec's folder" in err


def test_plain_data_without_files_names_the_limit(tmp_path: Path) -> None:
    from contractkit.diff.engine import diff_documents
    from contractkit.loading import load_document

    spec = load_document(_split_spec(tmp_path, 10))
    assert "compared as text" in diff_documents(spec, spec).notes[0]


def test_diff_imports_no_heavy_library() -> None:
    code = ("import sys\nfrom contractkit.cli.main import main\n"
            f"main(['diff', {str(NEURON)!r}, {str(NEURON)!r}, '-o', {str(Path('/dev/null'))!r}])\n"
            "heavy = {'schemathesis', 'hypothesis', 'mcp', 'openapi_spec_validator', 'httpx', 'fastapi'}\n"
            "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_one_argument_reads_the_other_files_at_the_merge_base(repo: Path, capsys) -> None:
    split = _split_spec(repo / "split", 100)
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "checkout", "-q", "main")
    _git(repo, "add", "split")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "split spec")
    _git(repo, "checkout", "-q", "-b", "feature2")
    (repo / "split" / "schemas" / "common.yaml").write_text(COMMON.replace("{n}", "20"))
    code, out, _ = run(capsys, "diff", str(split), "--format", "json")
    report = json.loads(out)
    assert code == 1 and [c["id"] for c in report["changes"]] == ["OAS-REQ-BOUND-TIGHTENED"]
    assert report["changes"][0]["before"] == 100 and report["changes"][0]["after"] == 20
    code, out, _ = run(capsys, "diff", "main:split/api.yaml", "HEAD:split/api.yaml", "--format", "json")
    assert code == 0 and json.loads(out)["changes"] == []  # both sides from git: the same commit's files


ID_BASE = """openapi: 3.1.0
info: {title: t, version: 1.0.0}
paths:
  /in:
    post:
      requestBody:
        content: {application/json: {schema: {$ref: 'schemas/in.yaml#/In'}}}
      responses: {'200': {description: ok}}
"""
ID_SCHEMA = """In:
  $id: https://example.com/schemas/in
  type: object
  properties:
    name: {$ref: '#/$defs/Name'}
    code: {$ref: 'https://example.com/schemas/in#code'}
  $defs:
    Name: {type: string}
    Code: {$anchor: code, $ref: 'codes.yaml#/Code'}
"""


def test_the_id_scoped_ref_of_a_split_spec_is_followed(tmp_path: Path, capsys) -> None:
    """A ref under `$id` resolves against it (no silent "no changes"); a file ref inside a referenced file is
    relative to that file."""
    for side, name_type, code_max in (("old", "string", 10), ("new", "integer", 5)):
        (tmp_path / side / "schemas").mkdir(parents=True)
        (tmp_path / side / "api.yaml").write_text(ID_BASE)
        (tmp_path / side / "schemas" / "in.yaml").write_text(ID_SCHEMA.replace("Name: {type: string}",
                                                                                  f"Name: {{type: {name_type}}}"))
        (tmp_path / side / "schemas" / "codes.yaml").write_text(f"Code: {{type: string, maxLength: {code_max}}}\n")
    code, out, _ = run(capsys, "diff", str(tmp_path / "old" / "api.yaml"), str(tmp_path / "new" / "api.yaml"),
                       "--format", "json")
    found = {(c["id"], c["pointer"]) for c in json.loads(out)["changes"]}
    assert code == 1 and found == {("OAS-REQ-TYPE-CHANGED", "schemas/in.yaml#/In/$defs/Name"),
                                   ("OAS-REQ-BOUND-TIGHTENED", "schemas/codes.yaml#/Code/maxLength")}, found
    code, out, _ = run(capsys, "lint", str(tmp_path / "new" / "api.yaml"), "--rule", "OAS-002")
    assert code == 0, out
