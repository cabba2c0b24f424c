"""`make check` names each missing piece in plain words, with its fix."""

from __future__ import annotations

import os
import subprocess

import httpx
import pytest

from helpers.book.check_setup import (
    Result,
    check_cassettes,
    check_copies,
    check_environment,
    check_helpers,
    check_kernel,
    check_lab,
    check_lab_port,
    check_python,
    check_sandbox,
    report,
)
from tests.support.book_paths import ROOT
from tests.support.ports import free_pair, free_port


def completed(returncode: int, stdout: str = "", stderr: str = ""):
    return lambda command: subprocess.CompletedProcess(command, returncode, stdout, stderr)


def shell_env() -> dict[str, str]:
    """As typed at a shell: not as a sub-make of `make test`, which prints its directory."""
    return {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}


def refused(url: str) -> httpx.Response:
    raise httpx.ConnectError("connection refused")


def test_an_old_python_is_named_with_the_version_needed():
    result = check_python((3, 10, 12))
    assert result.ok is False
    assert "Python 3.10.12 is too old" in result.message and "3.11 or newer" in result.message


def test_python_3_11_passes():
    assert check_python((3, 11, 0)).ok is True


def test_a_missing_kernel_says_how_to_install_it():
    result = check_kernel(None)
    assert result.ok is False
    assert "no 'python3' kernel" in result.message and "ipykernel install" in result.message


def test_helpers_that_do_not_import_show_the_error_and_the_fix():
    run = completed(1, stderr="Traceback...\nModuleNotFoundError: No module named 'helpers'")
    result = check_helpers("/usr/bin/python3", run)
    assert result.ok is False
    assert "No module named 'helpers'" in result.message and "make setup" in result.message


def test_importable_helpers_pass():
    assert check_helpers("python", completed(0, stdout="/repo/helpers/__init__.py\n")).ok is True


def test_a_chapter_without_cassettes_is_named(tmp_path):
    book, cassettes = tmp_path / "book", tmp_path / "cassettes"
    book.mkdir()
    for name in ("intro", "errors"):
        (book / f"{name}.ipynb").write_text("{}")
    cassettes.mkdir(parents=True)
    (cassettes / "intro.json").write_text("{}")
    result = check_cassettes(book, cassettes)
    assert result.ok is False
    assert "no cassettes for errors" in result.message


def test_every_chapter_with_cassettes_passes(tmp_path):
    book, cassettes = tmp_path / "book", tmp_path / "cassettes"
    book.mkdir()
    (book / "intro.ipynb").write_text("{}")
    cassettes.mkdir(parents=True)
    (cassettes / "intro.json").write_text("{}")
    assert check_cassettes(book, cassettes).ok is True


def test_a_sandbox_that_is_not_running_is_only_a_note():
    result = check_sandbox(4010, refused)
    assert result.ok is None
    assert "not running on 127.0.0.1:4010" in result.message and "make workshop" in result.message


def test_another_server_on_the_sandbox_port_is_a_problem():
    result = check_sandbox(4010, lambda url: httpx.Response(200, text="hello"))
    assert result.ok is False
    assert "something else answers" in result.message and "PORT=4011" in result.message


def test_a_server_that_copies_the_marker_header_name_only_is_a_problem():
    answer = httpx.Response(200, headers={"X-Handbook-Source": "something"})
    assert check_sandbox(4010, lambda url: answer).ok is False


def test_a_marked_answer_that_is_not_the_dashboard_is_a_problem():
    answer = httpx.Response(404, headers={"X-Handbook-Source": "sandbox (not the live Exotel API)"})
    assert check_sandbox(4010, lambda url: answer).ok is False


def test_missing_jupyterlab_is_a_problem_with_the_fix():
    result = check_lab(installed=False)
    assert result.ok is False
    assert "`make setup-lab`" in result.message


def test_installed_jupyterlab_passes():
    assert check_lab(installed=True).ok is True


def test_a_free_lab_port_passes():
    assert check_lab_port(8888, False, refused).ok is True


def test_another_program_on_the_lab_port_is_a_problem_with_the_fix():
    result = check_lab_port(8888, True, lambda url: httpx.Response(200, text="hello"))
    assert result.ok is False
    assert "Port 8888 is in use by another program" in result.message
    assert "make workshop LAB_PORT=8889" in result.message


def test_the_lab_port_hint_keeps_the_sandbox_port_the_user_chose():
    result = check_lab_port(8888, True, lambda url: httpx.Response(200), sandbox_port=4012)
    assert "Try another: make workshop PORT=4012 LAB_PORT=8889." in result.message


def test_the_sandbox_port_hint_keeps_the_lab_port_the_user_chose():
    result = check_sandbox(4010, lambda url: httpx.Response(200, text="hello"), lab_port=9000)
    assert "`make workshop PORT=4011 LAB_PORT=9000`" in result.message


def test_a_jupyter_server_on_the_lab_port_is_only_a_note():
    answer = httpx.Response(200, json={"version": "2.21.1"})
    assert check_lab_port(8888, True, lambda url: answer).ok is None


def test_the_sandbox_answering_passes():
    answer = httpx.Response(200, headers={"X-Handbook-Source": "sandbox (not the live Exotel API)"})
    assert check_sandbox(4010, lambda url: answer).ok is True


def test_the_report_counts_what_must_be_fixed_and_ignores_notes():
    text = report([Result(True, "a"), Result(False, "b"), Result(None, "c")])
    assert "  MISSING  b" in text and "  note     c" in text
    assert text.endswith("1 thing to fix before the workshop.")


def test_make_check_on_a_set_up_machine_prints_only_the_report():
    if subprocess.run(["make", "-q", ".venv/.installed-dev"], cwd=ROOT).returncode != 0:
        pytest.skip("this checkout is not set up: run `make setup` first")
    env = shell_env()
    run = subprocess.run(
        ["make", "check", f"PORT={free_pair()}", f"LAB_PORT={free_port()}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.stdout.startswith("Checking this machine"), run.stdout
    assert "make[" not in run.stdout + run.stderr


# -- leftovers in the environment ---------------------------------------------------------------


def test_a_leftover_live_mode_is_a_problem_naming_the_variable_and_the_fix():
    [result] = check_environment({"EXOTEL_HANDBOOK_MODE": "live"})
    assert result.ok is False
    assert "EXOTEL_HANDBOOK_MODE=live is set" in result.message
    assert "`unset EXOTEL_HANDBOOK_MODE`" in result.message


def test_a_mode_that_is_not_one_is_a_problem():
    [result] = check_environment({"EXOTEL_HANDBOOK_MODE": "replay"})
    assert result.ok is False and "EXOTEL_HANDBOOK_MODE=replay is not a mode" in result.message


def test_sandbox_mode_is_only_a_note():
    [result] = check_environment({"EXOTEL_HANDBOOK_MODE": "sandbox"})
    assert result.ok is None and "`unset EXOTEL_HANDBOOK_MODE`" in result.message


@pytest.mark.parametrize("variable", ["EXOTEL_REGION", "EXOTEL_SUBDOMAIN"])
def test_a_leftover_region_is_a_note_naming_the_variable_and_the_fix(variable):
    """Only a note: playback ignores it (tests/book/test_playback.py runs every chapter with it)."""
    [result] = check_environment({variable: "mumbai"})
    assert result.ok is None
    assert f"{variable}=mumbai is set" in result.message and f"`unset {variable}`" in result.message


def test_playback_or_nothing_set_says_nothing():
    assert check_environment({}) == []
    assert check_environment({"EXOTEL_HANDBOOK_MODE": "playback", "EXOTEL_REGION": " "}) == []


def test_make_check_names_a_leftover_mode_and_region_in_the_environment():
    if subprocess.run(["make", "-q", ".venv/.installed-dev"], cwd=ROOT).returncode != 0:
        pytest.skip("this checkout is not set up: run `make setup` first")
    run = subprocess.run(
        ["make", "check", f"PORT={free_pair()}", f"LAB_PORT={free_port()}"],
        cwd=ROOT,
        env={**shell_env(), "EXOTEL_REGION": "mumbai", "EXOTEL_HANDBOOK_MODE": "live"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "MISSING  EXOTEL_HANDBOOK_MODE=live is set in this shell" in run.stdout
    assert "note     EXOTEL_REGION=mumbai is set in this shell" in run.stdout
    assert run.returncode != 0


# -- JupyterLab's copies ------------------------------------------------------------------------


def test_a_copy_jupyterlab_made_is_a_note_and_not_a_chapter_without_cassettes(tmp_path):
    book, cassettes = tmp_path / "book", tmp_path / "cassettes"
    book.mkdir()
    for name in ("intro", "intro-Copy1"):
        (book / f"{name}.ipynb").write_text("{}")
    cassettes.mkdir(parents=True)
    (cassettes / "intro.json").write_text("{}")
    assert check_cassettes(book, cassettes).ok is True
    [note] = check_copies(book)
    assert note.ok is None
    assert note.message.startswith("skipped book/intro-Copy1.ipynb: a copy JupyterLab made")
