"""Building the book as `make book` does: the whole book, or a one-page book with its configuration.

The whole book is built once per test session (tests/support/builds.py), with the network cut off where
the machine allows it; the build and browser tests share that site. Each way a build must fail
(or must not) is proven on a book of one notebook, ``book/probe.ipynb``, built with the project's
own ``_config.yml``, ``_static/`` and ``_ext/``: the same configuration, a fraction of the time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.book.cassette import Cassette, CellRecording, cell_key, first_line
from helpers.book.paths import CASSETTES, ROOT
from helpers.book.rerecord import copy_book_sources

from .book_paths import playback_env

JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
BUILD = [str(JUPYTER_BOOK), "build", ".", "--all", "--warningiserror", "--nitpick", "--keep-going"]
# Run a command in a network namespace of its own, with only loopback up (the kernels need it).
NO_NETWORK = ["unshare", "--net", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
PROBE = "book/probe"
#: Seconds a build may take before it counts as hung: a guard against a hang, not a speed goal
#: (benchmarks/ratios.py holds that), so long enough for a machine running several suites at
#: once, where a build that takes under a minute idle was seen past 300 s.
BUILD_TIMEOUT = 900
# The probe page plays back a recording of the real book (:func:`probe_recordings`), so every
# probe build runs the chapters' machinery (helpers, a recording, the sandbox's answer) as a
# chapter does.
PROBE_SOURCE = (
    "from helpers import REGIONS, AuthenticationError\nfrom helpers.book import Chapter\n"
    "\n"
    'chapter = Chapter("probe")\n'
    "for region in REGIONS.values():\n"
    "    try:\n"
    "        chapter.client(region=region).list_calls()\n"
    '        print(f"{region.subdomain} 200")\n'
    "    except AuthenticationError as exc:\n"
    '        print(f"{region.subdomain} {exc.status}: {exc.message}")'
)
PROBE_CELLS = [
    new_markdown_cell("# Probe\n\nOne page, built with the handbook's configuration."),
    new_code_cell(PROBE_SOURCE),
]


def probe_recordings(folder: Path) -> Path:
    """``folder/probe.json``: the regions chapter's recording of the wrong region, as the probe
    cell's own (the same requests, in the same order)."""
    regions = Cassette.load(CASSETTES / "regions.json", "regions")
    wrong_region = next(
        c for c in regions.cells.values() if any("api.in.exotel" in e.url for e in c.exchanges)
    )
    key = cell_key(PROBE_SOURCE)
    probe = Cassette("probe", regions.source)
    probe.cells[key] = CellRecording(key, first_line(PROBE_SOURCE), wrong_region.exchanges)
    probe.save(folder / "probe.json")
    return folder


#: Each probe: the probe page plus its cells (tests/book/test_book_build.py says what each proves).
#: A cell error stops the build, so the failing cell has a book of its own. The other book holds
#: the two ways to warn, since ``--warningiserror`` fails a build for each warning it reports
#: (``--keep-going`` reports them all), and a cell tagged ``raises-exception``, which must neither
#: stop the build nor warn: that book's build reports exactly those warnings.
PROBES = {
    "failing-solution": [
        new_code_cell(
            "answer = 41\nassert answer == 42, 'this solution is wrong'",
            metadata={"tags": ["solution", "hide-cell"]},
        )
    ],
    "warnings": [
        new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}),
        new_markdown_cell(
            "See [a missing page](missing.md), [a missing heading](#no-such-heading) and "
            "{py:class}`helpers.NoSuchClass`."
        ),
        new_code_cell("import sys\nprint('oops', file=sys.stderr)"),
    ],
}


def network_can_be_cut() -> bool:
    try:
        return (
            subprocess.run([*NO_NETWORK, "true"], capture_output=True, timeout=30).returncode == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def copy_book(dst: Path) -> Path:
    """The book's sources in ``dst``; the kernels still find cassettes through ``helpers``."""
    return copy_book_sources(dst)


def one_page_book(dst: Path, page: str, root: Path = ROOT, linked: tuple[str, ...] = ()) -> Path:
    """A book in ``dst`` configured as the handbook in ``root`` is, whose one page is ``page``
    (``book/<name>``, without a suffix): put the notebook at ``dst / f"{page}.ipynb"``. Each file
    in ``linked`` (``curl_exercises.md``: pages the page links to) gets a one-heading stand-in
    beside it, so its links resolve without building those pages."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(root / "_config.yml", dst / "_config.yml")
    for folder in ("_static", "_ext"):
        shutil.copytree(root / folder, dst / folder)
    folder = (dst / page).parent
    folder.mkdir(exist_ok=True)
    toc = f"format: jb-book\nroot: {page}\n"
    if linked:
        toc += "chapters:\n" + "".join(f"  - file: {folder.name}/{Path(f).stem}\n" for f in linked)
    for name in linked:
        stand_in = f"# {Path(name).stem}\n"
        if name.endswith(".ipynb"):
            stand_in = nbformat.writes(new_notebook(cells=[new_markdown_cell(stand_in)]))
        (folder / name).write_text(stand_in)
    (dst / "_toc.yml").write_text(toc)
    return dst


def probe_book(dst: Path, *cells) -> Path:
    """A book whose one page is the probe notebook plus ``cells``, configured as the handbook."""
    one_page_book(dst, PROBE)
    kernel = nbformat.read(ROOT / "book" / "intro.ipynb", as_version=4).metadata.kernelspec
    notebook = new_notebook(cells=[*PROBE_CELLS, *cells], metadata={"kernelspec": kernel})
    nbformat.write(notebook, dst / f"{PROBE}.ipynb")
    return dst


def start_build(src: Path, prefix: list[str] = (), **env: str) -> subprocess.Popen:
    """``make book``'s build of ``src`` in playback, started; ``env`` adds variables. Its temporary
    files (Sphinx's report of a failed build, the kernels' own) go to ``<src>-tmp`` beside it,
    which is removed with it, not to /tmp."""
    tmp = src.with_name(f"{src.name}-tmp")
    tmp.mkdir(exist_ok=True)
    return subprocess.Popen(
        [*prefix, *BUILD],
        cwd=src,
        env=playback_env(TMPDIR=str(tmp), **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one process group with its kernels, to stop them together
    )


def finish(build: subprocess.Popen) -> subprocess.CompletedProcess:
    """Wait for a started build; its log is ``stdout`` (stderr is merged into it)."""
    log, _ = build.communicate(timeout=BUILD_TIMEOUT)
    return subprocess.CompletedProcess(build.args, build.returncode, log, "")


def stop(build: subprocess.Popen) -> None:
    """Stop a build that is still running, with its kernels (its own process group)."""
    if build.poll() is None:
        os.killpg(build.pid, signal.SIGTERM)
        build.communicate(timeout=60)


def build(src: Path, prefix: list[str] = (), **env: str) -> subprocess.CompletedProcess:
    """``make book``'s build of ``src`` in playback, waited for."""
    return finish(start_build(src, prefix, **env))
