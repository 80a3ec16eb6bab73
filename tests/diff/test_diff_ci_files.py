"""The CI gate files parse, and reference only inputs, secrets and flags that exist.

GitHub reads these files only when a user's pipeline runs, so a typo in an input name, an
expression or a contractkit flag would surface there, in someone else's CI. This test is the
only place such a typo can be caught before release.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from contractkit.cli.main import build_parser
from contractkit.loading import load_document

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "contract-gate.yml"
ACTION = REPO / ".github" / "actions" / "contractkit" / "action.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
CI_DOC = REPO / "docs" / "ci-gate.md"
ACTION_REF = "contractkit/contractkit/.github/actions/contractkit@"
EXPR = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def _yaml(path: Path) -> dict:
    return load_document(path, require_kind=False).data


def _expr_names(text: str, context: str) -> set[str]:
    names = set()
    for expr in EXPR.findall(text):
        names.update(re.findall(rf"\b{context}\.([A-Za-z_][A-Za-z0-9_-]*)", expr))
    return names


def test_workflow_is_reusable_and_uses_only_declared_inputs_and_secrets() -> None:
    wf = _yaml(WORKFLOW)
    call = wf["on"]["workflow_call"]
    inputs, secrets = set(call["inputs"]), set(call.get("secrets", {}))
    text = WORKFLOW.read_text()
    assert {"staging-url", "specs", "fail-on"} <= _expr_names(text, "inputs")  # the scan sees hyphenated names
    assert _expr_names(text, "inputs") <= inputs, _expr_names(text, "inputs") - inputs
    assert _expr_names(text, "secrets") <= secrets | {"GITHUB_TOKEN"}
    for name, spec in call["inputs"].items():
        assert spec["type"] in ("string", "boolean", "number"), name
    assert {"lint", "diff", "verify-neuron", "verify-mcp"} <= set(wf["jobs"])


def test_workflow_passes_only_real_action_inputs() -> None:
    action_inputs = set(_yaml(ACTION)["inputs"])
    commands = set()
    for job in _yaml(WORKFLOW)["jobs"].values():
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith(ACTION_REF):
                assert set(step["with"]) <= action_inputs, set(step["with"]) - action_inputs
                commands.add(step["with"]["command"])
    assert commands == {"lint", "diff", "verify-neuron", "verify-mcp"}


def test_action_is_composite_and_uses_only_its_inputs() -> None:
    action = _yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    text = ACTION.read_text()
    assert _expr_names(text, "inputs") <= set(action["inputs"])
    step_ids = {s.get("id") for s in action["runs"]["steps"]}
    assert _expr_names(text, "steps") <= step_ids
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash"
            assert not EXPR.search(step["run"]), "inputs reach scripts through env, never spliced into the script"


def _flags(parser) -> set[str]:
    return set(parser._option_string_actions)


def _subparser(parser, *names: str):
    for name in names:
        action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        parser = action.choices[name]
    return parser


@pytest.mark.parametrize("command", ["lint", "diff", "verify neuron", "verify mcp"])
def test_action_calls_contractkit_with_real_flags(command: str) -> None:
    parser = _subparser(build_parser(), *command.split())
    script = next(s["run"] for s in _yaml(ACTION)["runs"]["steps"] if s.get("id") == "run")
    script = script.replace("\\\n", " ")
    lines = [line for line in script.splitlines() if line.strip().startswith(f"contractkit {command} ")]
    assert lines, f"the action never runs `contractkit {command}`"
    known = _flags(parser)
    for line in lines:
        used = {t for t in shlex.split(line.split("||")[0]) if t.startswith("--")}
        assert used <= known, used - known
    array = "verify_common" if command.startswith("verify") else "diff_policy" if command == "diff" else None
    bash_arrays = re.findall(rf"{array}\+?=\(([^)]*)\)", script) if array else []
    if array:
        used = {t for group in bash_arrays for t in shlex.split(group) if t.startswith("--")}
        assert used <= known, used - known


def test_pre_commit_hook_runs_lint_on_the_specs() -> None:
    hooks = _yaml(HOOKS)
    hook = next(h for h in hooks if h["id"] == "contractkit-lint")
    assert hook["entry"] == "contractkit lint" and hook["language"] == "python"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for path in ("specs/neuron-api.yaml", "specs/mcp-servers.yaml", "api/neuron-api.yml"):
        assert files.search(path) and not exclude.search(path), path
    assert exclude.search("specs/mcp-servers.schema.json")
    assert not files.search("src/app.py")


def test_the_copy_paste_example_uses_the_workflow_as_declared() -> None:
    text = CI_DOC.read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    assert blocks, "docs/ci-gate.md needs a yaml example"
    from contractkit.loading import load_text

    inputs = set(_yaml(WORKFLOW)["on"]["workflow_call"]["inputs"])
    secrets = set(_yaml(WORKFLOW)["on"]["workflow_call"]["secrets"])
    used_workflow = False
    for block in blocks:
        data = load_text(block, "example.yaml", require_kind=False).data
        for job in (data.get("jobs") or {}).values() if isinstance(data, dict) else ():
            if str(job.get("uses", "")).startswith("contractkit/contractkit/.github/workflows/contract-gate.yml@"):
                used_workflow = True
                assert set(job.get("with", {})) <= inputs
                assert set(job.get("secrets", {})) <= secrets
            for step in job.get("steps", []):
                if str(step.get("uses", "")).startswith(ACTION_REF):
                    assert set(step["with"]) <= set(_yaml(ACTION)["inputs"])
    assert used_workflow


def test_the_gate_applies_the_deprecation_policy_by_default_with_a_way_off() -> None:
    """The reusable workflow turns the policy on unless told otherwise; the action passes it to every diff."""
    inputs = _yaml(WORKFLOW)["on"]["workflow_call"]["inputs"]
    assert inputs["deprecation-policy"]["default"] is True and inputs["deprecation-policy"]["type"] == "boolean"
    diff_step = next(s for s in _yaml(WORKFLOW)["jobs"]["diff"]["steps"] if s.get("id") == "diff")
    assert diff_step["with"]["deprecation-policy"] == "${{ inputs.deprecation-policy }}"
    assert diff_step["with"]["policy-file"] == "${{ inputs.policy-file }}"
    script = next(s["run"] for s in _yaml(ACTION)["runs"]["steps"] if s.get("id") == "run")
    assert 'diff_policy=(--deprecation-policy)' in script and '"${diff_policy[@]}"' in script
    assert "deprecation-policy: false" in CI_DOC.read_text(), "docs/ci-gate.md must say how to turn it off"
