"""`make workshop`: the sandbox on loopback, and the curl commands it prints and the curl
exercises page both work against it. (JupyterLab itself is not started here.)"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from book_paths import BOOK, ROOT

from helpers.book.workshop import wait_until_up

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@dataclass
class Workshop:
    process: subprocess.Popen
    port: int
    printed: list[str]

    def curl_commands(self) -> list[str]:
        return [line.strip() for line in self.printed if line.startswith("  curl ")]

    def exports(self) -> dict[str, str]:
        line = next(line for line in self.printed if line.strip().startswith("export "))
        return dict(word.split("=", 1) for word in shlex.split(line.strip())[1:])


@pytest.fixture
def workshop(free_port) -> Iterator[Workshop]:
    """`python -m helpers.book.workshop` as `make workshop` starts it, without JupyterLab."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.book.workshop", "--port", str(port), "--no-lab"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    try:
        yield Workshop(process, port, printed)
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_make_workshop_runs_the_workshop_module_on_the_given_port():
    dry_run = subprocess.run(
        ["make", "-n", "workshop", "PORT=4999"], cwd=ROOT, capture_output=True, text=True
    )
    assert "-m helpers.book.workshop --port 4999" in dry_run.stdout


def test_the_workshop_prints_the_demo_credentials_and_urls(workshop):
    text = "\n".join(workshop.printed)
    assert "Account SID : handbookdemo" in text
    assert f"http://127.0.0.1:{workshop.port}/_sandbox/admin/" in text
    assert "NOT the live Exotel API" in text


@needs_curl
def test_each_curl_command_the_workshop_prints_succeeds(workshop):
    assert workshop.curl_commands()
    for command in workshop.curl_commands():
        result = subprocess.run(
            [
                *shlex.split(command),
                "--silent",
                "--output",
                os.devnull,
                "--write-out",
                "%{http_code}",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.stdout == "200", command


def test_stopping_the_workshop_stops_the_sandbox(workshop):
    url = f"http://127.0.0.1:{workshop.port}/_sandbox/admin/"
    assert httpx.get(url).status_code == 200
    workshop.process.terminate()
    workshop.process.wait(timeout=15)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)


def exercise_blocks() -> list[tuple[str, str]]:
    """(expected text, script) for each ```bash block of the curl page that says what to expect."""
    page = (BOOK / "curl_exercises.md").read_text()
    blocks = re.findall(r"```bash\n# expect: ([^\n]+)\n(.*?)```", page, flags=re.DOTALL)
    return [(expected.strip(), script) for expected, script in blocks]


def test_the_curl_page_says_what_each_exercise_answer_should_print():
    assert len(exercise_blocks()) >= 5


@needs_curl
def test_the_curl_exercises_answer_as_the_page_says(workshop):
    env = {**os.environ, **workshop.exports()}
    for expected, script in exercise_blocks():
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, script + result.stderr
        assert expected in result.stdout, script


class Exited:
    returncode = 1

    def poll(self):
        return 1


def test_waiting_for_a_sandbox_that_exited_says_the_port_may_be_taken():
    with pytest.raises(RuntimeError, match="port already in use"):
        wait_until_up("http://127.0.0.1:1/", Exited(), sleep=lambda s: None)


class Running:
    returncode = None

    def poll(self):
        return None


def test_waiting_for_a_sandbox_that_never_answers_gives_up_after_the_timeout():
    def refused(url):
        raise httpx.ConnectError("refused")

    with pytest.raises(RuntimeError, match="did not answer"):
        wait_until_up(
            "http://127.0.0.1:1/", Running(), timeout=1.0, get=refused, sleep=lambda s: None
        )
