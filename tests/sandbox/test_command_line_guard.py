"""Every ``python -m helpers.<command>``: started with a Python that lacks the handbook's packages,
it names the one to use; Ctrl-C while it loads is one line, not a traceback."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import tomllib

import pytest

from helpers.command_line import REQUIRED_MODULES
from tests.support.book_paths import ROOT

COMMANDS = [
    "helpers.sandbox",
    "helpers.webhooks",
    "helpers.book.workshop",
    "helpers.book.check_setup",
]


@pytest.mark.parametrize("module", COMMANDS)
def test_a_python_without_the_packages_names_the_projects_python(module):
    # -S: no site-packages, as the system Python has none of the handbook's (helpers itself is
    # still found, from the working directory, as on a fresh clone).
    run = subprocess.run(
        [sys.executable, "-S", "-m", module, "--port", "4019"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert run.stderr.startswith(f"error: {sys.executable} does not have the handbook's packages")
    assert "no module named httpx" in run.stderr
    assert f"Run it with the project's Python: .venv/bin/python -m {module} --port 4019" in (
        run.stderr
    )


def test_ctrl_c_while_a_command_loads_is_one_line_and_exit_130():
    code = (
        "from helpers.command_line import guard_command\n"
        "guard_command(['python', '-m', 'helpers.sandbox', '--port', '4019'])\n"
        "raise KeyboardInterrupt  # as the signal arrives during an import\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 130
    assert run.stderr.strip().splitlines() == ["python -m helpers.sandbox stopped (Ctrl-C)."]


def test_other_errors_still_reach_the_usual_traceback():
    code = (
        "from helpers.command_line import guard_command\n"
        "guard_command(['python', '-m', 'helpers.sandbox'])\n"
        "raise ValueError('a bug')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 1
    assert "Traceback" in run.stderr and "ValueError: a bug" in run.stderr


def test_the_guard_runs_only_for_python_dash_m():
    """Importing helpers in a kernel or a test leaves Python's exception hook alone."""
    code = "import sys, helpers; print(sys.excepthook is sys.__excepthook__)"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert run.stdout.strip() == "True"


def test_the_guard_asks_only_for_the_projects_own_dependencies():
    """A module the project no longer depends on would stop every command on a fresh set-up."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        re.split(r"[<>=!~\[; ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]
    }
    provided = importlib.metadata.packages_distributions()
    for module in REQUIRED_MODULES:
        assert {name.lower() for name in provided.get(module, [])} & wanted, module
