"""`make workshop`: the sandbox on loopback, and the curl commands it prints and the curl
exercises page both work against it; JupyterLab beside it, as root and with no package index;
a busy port or a child that stops is said in one sentence, and the other child is stopped."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from helpers.book.children import start, wait_until_up
from helpers.book.workshop import (
    busy_ports,
    is_jupyter,
    is_sandbox,
    lab_command,
    next_free,
    port_in_use,
    sandbox_command,
)
from helpers.sandbox import (
    DEMO_ACCOUNT_SID,
    DEMO_API_KEY,
    DEMO_API_TOKEN,
)
from tests.support.book_paths import BOOK, ROOT
from tests.support.ports import free_pair, free_port, free_run, is_ephemeral
from tests.support.signals import ctrl_c_as_in_a_terminal

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


@contextlib.contextmanager
def started(module: str, *args: str, until: str) -> Iterator[Workshop]:
    """``python -m module --port P *args`` on a free pair of ports, its output read up to the
    first line that starts with ``until``; stopped afterwards."""
    port = free_pair()
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--port", str(port), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    printed = []
    for line in process.stdout:
        printed.append(line.rstrip("\n"))
        if line.strip().startswith(until):
            break
    try:
        yield Workshop(process, port, printed)
    finally:
        process.terminate()
        process.wait(timeout=15)


def started_workshop() -> contextlib.AbstractContextManager[Workshop]:
    """`python -m helpers.book.workshop` as `make workshop` starts it, without JupyterLab."""
    return started("helpers.book.workshop", "--no-lab", until="Ctrl-C")


@pytest.fixture(scope="module")
def workshop() -> Iterator[Workshop]:
    """One workshop for the tests that read what it printed or only GET from its sandbox."""
    with started_workshop() as running:
        yield running


@pytest.fixture
def fresh_workshop() -> Iterator[Workshop]:
    """A workshop of its own, for a test that changes its sandbox or stops it."""
    with started_workshop() as running:
        yield running


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


def run_printed_curl(command: str) -> tuple[str, str]:
    """(the status the line's comment expects, 200 if none; the status curl got)."""
    expected = re.search(r"#.*\b(\d{3})\s*$", command)
    result = subprocess.run(
        [
            *shlex.split(command, comments=True),
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
    return (expected[1] if expected else "200"), result.stdout


@needs_curl
def test_each_curl_command_the_workshop_prints_answers_as_it_says(workshop):
    assert workshop.curl_commands()
    for command in workshop.curl_commands():
        expected, got = run_printed_curl(command)
        assert got == expected, command


def test_the_workshop_prints_a_curl_line_for_the_wrong_region(workshop):
    wrong = [c for c in workshop.curl_commands() if f":{workshop.port + 1}/" in c]
    assert wrong and wrong[0].endswith("# the wrong region: 401")


@needs_curl
def test_sandbox_json_ends_with_a_newline_for_the_shell_prompt(workshop):
    env = {**os.environ, **workshop.exports()}
    script = (
        'curl -s -u "$SANDBOX_KEY:$SANDBOX_TOKEN" "$SANDBOX/v1/Accounts/$SANDBOX_SID/Calls.json"'
    )
    result = subprocess.run(["bash", "-c", script], env=env, capture_output=True, timeout=30)
    assert result.stdout.endswith(b"}\n")


def test_the_in_process_sandbox_sends_json_as_recorded_without_a_newline(sandbox):
    with httpx.Client(transport=sandbox.transport()) as http:
        answer = http.get(
            f"https://api.exotel.com/v1/Accounts/{DEMO_ACCOUNT_SID}/Calls.json",
            auth=(DEMO_API_KEY, DEMO_API_TOKEN),
        )
    assert answer.content.endswith(b"}")


# -- `python -m helpers.sandbox` alone ------------------------------------------------------


@pytest.fixture
def sandbox_alone() -> Iterator[Workshop]:
    """`python -m helpers.sandbox`, as the curl page says to start it without JupyterLab."""
    with started("helpers.sandbox", until="export ") as running:
        yield running


def test_the_sandbox_alone_prints_the_export_line_the_curl_page_starts_with(sandbox_alone):
    exports = sandbox_alone.exports()
    assert exports["SANDBOX"] == f"http://127.0.0.1:{sandbox_alone.port}"
    assert exports["SANDBOX_OTHER_REGION"] == f"http://127.0.0.1:{sandbox_alone.port + 1}"
    assert set(exports) == {
        "SANDBOX",
        "SANDBOX_OTHER_REGION",
        "SANDBOX_SID",
        "SANDBOX_KEY",
        "SANDBOX_TOKEN",
    }


@needs_curl
def test_each_curl_command_the_sandbox_alone_prints_answers_as_it_says(sandbox_alone):
    commands = [line.strip() for line in sandbox_alone.printed if line.startswith("  curl ")]
    assert len(commands) >= 3
    for command in commands:
        expected, got = run_printed_curl(command)
        assert got == expected, command


def test_the_sandbox_alone_is_the_workshops_sandbox_with_the_same_export_line(
    sandbox_alone, workshop
):
    """So the curl exercises, run against the workshop below, answer the same against the sandbox
    alone: the workshop starts the same module with nothing changed but where it listens."""
    assert sandbox_command(4010)[1:] == [
        "-m", "helpers.sandbox", "--host", "127.0.0.1", "--port", "4010",
        "--other-region-port", "4011",
    ]  # fmt: skip

    def ports_named(running: Workshop) -> dict[str, str]:
        return {
            name: value.replace(str(running.port + 1), "OTHER").replace(str(running.port), "PORT")
            for name, value in running.exports().items()
        }

    assert ports_named(sandbox_alone) == ports_named(workshop)


def test_stopping_the_workshop_stops_the_sandbox_and_removes_its_log(fresh_workshop):
    url = f"http://127.0.0.1:{fresh_workshop.port}/_sandbox/admin/"
    assert httpx.get(url).status_code == 200
    children = psutil.Process(fresh_workshop.process.pid).children()
    files = {Path(f.path) for child in children for f in child.open_files()}
    (log,) = [path for path in files if path.name == "sandbox.log"]  # the sandbox's output
    fresh_workshop.process.terminate()
    assert fresh_workshop.process.wait(timeout=15) == 0
    with pytest.raises(httpx.ConnectError):
        httpx.get(url)
    assert not log.parent.exists()


def exercise_blocks() -> list[tuple[str, str]]:
    """(expected text, script) for each ```bash block of the curl page that says what to expect."""
    page = (BOOK / "curl_exercises.md").read_text()
    blocks = re.findall(r"```bash\n# expect: ([^\n]+)\n(.*?)```", page, flags=re.DOTALL)
    return [(expected.strip(), script) for expected, script in blocks]


def test_the_curl_page_says_what_each_exercise_answer_should_print():
    assert len(exercise_blocks()) >= 5


@needs_curl
def test_the_curl_exercises_answer_as_the_page_says(fresh_workshop):
    env = {**os.environ, **fresh_workshop.exports()}
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


def test_waiting_for_a_server_that_exited_names_it():
    with pytest.raises(RuntimeError, match="JupyterLab exited \\(code 1\\) before answering"):
        wait_until_up("http://127.0.0.1:1/", Exited(), name="JupyterLab", sleep=lambda s: None)


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


def test_waiting_for_the_sandbox_refuses_another_program_answering_on_its_port():
    with pytest.raises(RuntimeError, match="something else answers on .*, not the sandbox"):
        wait_until_up(
            "http://127.0.0.1:1/",
            Running(),
            accept=is_sandbox,
            get=lambda url: httpx.Response(200, text="hello"),
        )


def test_jupyter_is_recognised_by_its_version_answer():
    assert is_jupyter(httpx.Response(200, json={"version": "2.21.1"}))
    assert not is_jupyter(httpx.Response(200, text="<html>"))


def test_jupyterlab_is_allowed_to_run_as_root_only_when_root():
    assert "--allow-root" in lab_command(8888, "t", euid=0)
    assert "--allow-root" not in lab_command(8888, "t", euid=1000)


def test_jupyterlab_fails_on_a_taken_port_instead_of_moving_to_another():
    assert "--ServerApp.port_retries=0" in lab_command(8888, "t", euid=1000)


# -- a busy port ------------------------------------------------------------------------------


def test_a_taken_sandbox_port_suggests_the_next_pair_of_free_ports():
    taken = {4010, 4011}
    message = busy_ports(4010, 8888, in_use=lambda p: p in taken)
    assert message.startswith("Port 4010 is in use by another program")
    assert message.endswith("Try another: make workshop PORT=4012")


def test_a_lone_taken_port_suggests_the_next_one():
    message = busy_ports(4010, 8888, in_use=lambda p: p == 4010)
    assert message.endswith("Try another: make workshop PORT=4011")


def test_a_busy_lab_port_hint_keeps_the_sandbox_port_the_user_chose():
    message = busy_ports(4012, 8888, in_use=lambda p: p == 8888)
    assert message.endswith("Try another: make workshop PORT=4012 LAB_PORT=8889")


def test_a_busy_sandbox_port_hint_keeps_the_lab_port_the_user_chose():
    message = busy_ports(4010, 9000, in_use=lambda p: p == 4010)
    assert message.endswith("Try another: make workshop PORT=4011 LAB_PORT=9000")


def test_the_other_region_port_is_checked_too():
    message = busy_ports(4010, 8888, in_use=lambda p: p == 4011)
    assert message.startswith("Port 4011 is in use")


def test_next_free_skips_every_taken_port():
    assert next_free(8888, in_use=lambda p: p in {8889, 8890}) == 8891


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 another program listens on, and the two after it free: the sandbox
    needs a pair, so the hint names the next port only if that one and its neighbour are free.
    Outside the ephemeral range, where no outgoing connection of the run takes them meanwhile
    (``bind(0)`` hands out a port whose neighbours any connection may hold)."""
    port = free_run(3)
    with socket.socket() as other:
        other.bind(("127.0.0.1", port))
        other.listen()
        yield port


def test_the_taken_port_has_two_free_ports_after_it_outside_the_ephemeral_range(taken_port):
    assert not is_ephemeral(taken_port)
    assert port_in_use(taken_port)
    assert not port_in_use(taken_port + 1) and not port_in_use(taken_port + 2)


def test_a_busy_sandbox_port_is_refused_before_the_banner_with_the_next_port(taken_port):
    run = subprocess.run(
        [sys.executable, "-m", "helpers.book.workshop", "--port", str(taken_port), "--no-lab"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert f"Port {taken_port} is in use by another program" in run.stderr
    assert f"Try another: make workshop PORT={taken_port + 1}" in run.stderr


def test_a_busy_lab_port_is_refused_before_anything_starts_keeping_the_users_port(taken_port):
    port = free_pair()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "helpers.book.workshop",
            "--port",
            str(port),
            "--lab-port",
            str(taken_port),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    suggested = re.search(rf"Try another: make workshop PORT={port} LAB_PORT=(\d+)", run.stderr)
    assert suggested, run.stderr
    # The next free port above the busy one (another program may hold taken_port + 1).
    assert int(suggested[1]) > taken_port


# -- JupyterLab beside the sandbox, as `make workshop` starts them ----------------------------

needs_lab = pytest.mark.skipif(
    importlib.util.find_spec("jupyterlab") is None,
    reason="JupyterLab is not installed in this environment: `make setup-lab` installs it "
    "(`make test` does it first)",
)


def set_up() -> bool:
    """True if `make workshop` would run no installation step (its stamps are up to date)."""
    return subprocess.run(["make", "-q", ".venv/.installed-lab"], cwd=ROOT).returncode == 0


def no_package_index(closed_port: int) -> dict[str, str]:
    """os.environ with pip pointed at a closed port on 127.0.0.1, and no other source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=f"http://127.0.0.1:{closed_port}/simple",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS="",
    )
    return env


@dataclass
class MadeWorkshop:
    process: subprocess.Popen
    printed: list[str]
    sandbox: str
    lab: str

    def answers(self) -> bool:
        sandbox = httpx.get(f"{self.sandbox}/_sandbox/admin/", timeout=5)
        lab = httpx.get(f"{self.lab}/api", timeout=5)
        return is_sandbox(sandbox) and is_jupyter(lab)

    def children(self) -> dict[str, psutil.Process]:
        """The sandbox and JupyterLab, by what they run."""
        found = {}
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                command = " ".join(child.cmdline())
            except (psutil.ZombieProcess, psutil.NoSuchProcess):
                continue  # a short-lived helper of one of them, exited (or not yet reaped)
            if "-m helpers.sandbox" in command:
                found["sandbox"] = child
            elif "jupyter-lab" in command or "-m jupyter lab" in command:
                found["lab"] = child
        return found


@pytest.fixture
def make_workshop() -> Iterator[MadeWorkshop]:
    """`make workshop` on free ports, with the package index unreachable, in its own process
    group (as a terminal runs it); stopped with Ctrl-C's signal afterwards."""
    if not set_up():
        pytest.skip("this checkout is not set up for the workshop: run `make setup-lab` first")
    port, lab_port = free_pair(), free_port()
    process = subprocess.Popen(
        ["make", "--no-print-directory", "workshop", f"PORT={port}", f"LAB_PORT={lab_port}"],
        cwd=ROOT,
        env=no_package_index(free_port()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=ctrl_c_as_in_a_terminal,
    )
    printed = []
    for line in process.stdout:
        printed.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            break
    running = MadeWorkshop(
        process, printed, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{lab_port}"
    )
    try:
        yield running
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)


@needs_lab
def test_make_workshop_starts_both_offline_and_as_this_user_and_ctrl_c_stops_both(make_workshop):
    text = "\n".join(make_workshop.printed)
    assert "Ctrl-C stops everything." in text, text
    assert "pip" not in text
    assert f"JupyterLab       : {make_workshop.lab}/lab?token=" in text
    assert make_workshop.answers()
    # Still up after answering: both children alive, and both answer again.
    assert set(make_workshop.children()) == {"sandbox", "lab"}
    assert make_workshop.answers()
    assert make_workshop.process.poll() is None
    os.killpg(make_workshop.process.pid, signal.SIGINT)
    make_workshop.process.wait(timeout=30)
    for url in (make_workshop.sandbox, make_workshop.lab):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=5)
    lab_log = Path(re.search(r"JupyterLab's log : (\S+)", text)[1])
    assert not lab_log.parent.exists()  # a clean stop leaves no logs behind


@needs_lab
def test_when_the_sandbox_dies_the_workshop_says_so_and_stops_jupyterlab(make_workshop):
    children = make_workshop.children()
    children["sandbox"].kill()
    rest = make_workshop.process.stdout.read()
    assert make_workshop.process.wait(timeout=30) != 0
    assert "error: the sandbox stopped (killed by SIGKILL)" in rest
    assert "Stopping JupyterLab." in rest
    log = Path(re.search(r"Its last words, from (\S+):", rest)[1])
    assert log.exists()  # kept, as the error says
    shutil.rmtree(log.parent)
    assert not children["lab"].is_running() or children["lab"].status() == psutil.STATUS_ZOMBIE


def test_a_child_that_stops_is_named_with_its_exit_code_and_last_words(tmp_path):
    refusal = "Running as root is not recommended. Use --allow-root to bypass."
    child = start(
        "JupyterLab",
        [sys.executable, "-c", f"import sys; print({refusal!r}); sys.exit(1)"],
        "http://127.0.0.1:1/api",
        tmp_path,
    )
    child.process.wait(timeout=30)
    message = child.stopped()
    assert message.startswith("JupyterLab stopped (exit code 1).")
    assert message.endswith(refusal)
