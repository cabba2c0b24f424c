"""The contributor tooling: pre-commit runs the same pinned checks as `make lint`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.book_paths import ROOT

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")


def pinned(text: str) -> dict[str, str]:
    """``name==version`` pairs in ``text``, names normalised the way pip compares them."""
    pairs = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", text, flags=re.MULTILINE)
    return {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pairs}


def hook_pins() -> dict[str, str]:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    deps = [
        dep
        for repo in config["repos"]
        for hook in repo["hooks"]
        for dep in hook.get("additional_dependencies", [])
    ]
    return pinned("\n".join(deps))


@pytest.mark.parametrize("tool", ["ruff", "codespell"])
def test_pre_commit_pins_the_version_constraints_txt_locks(tool):
    locked = pinned((ROOT / "constraints.txt").read_text())
    assert hook_pins()[tool] == locked[tool]


def test_pre_commit_config_is_valid():
    result = subprocess.run(
        [str(PRE_COMMIT), "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
