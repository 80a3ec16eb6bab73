"""A plain `pip install` must carry the specs and the conformance suite, not only a checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory, repo_root: Path) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(repo_root)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("contractkit-*.whl")
    return built


def test_wheel_carries_specs_and_suite(wheel: Path, repo_root: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for spec in ("neuron-api.yaml", "mcp-servers.yaml", "mcp-servers.schema.json"):
        assert f"contractkit/_bundled/specs/{spec}" in names
    suite = {p.name for p in (repo_root / "conformance").glob("*.py")}
    assert suite, "the conformance suite has no modules"
    for module in suite:
        assert f"contractkit/_bundled/conformance/{module}" in names


def test_installed_package_finds_its_bundled_files(wheel: Path, tmp_path: Path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import contractkit.resources as r;"
        "print(r.specs_dir()); print(r.conformance_dir()); print(r.neuron_spec_path().is_file())"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    specs, suite, spec_exists = out.stdout.split()
    assert specs.startswith(str(target)) and suite.startswith(str(target))
    assert spec_exists == "True"
