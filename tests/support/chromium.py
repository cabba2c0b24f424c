"""The chromium the browser tests drive (tests/site/test_site_browser.py): ``$CHROMIUM`` if set, else
Debian's ``chromium-headless-shell``, else ``chromium``; None if there is none. The test report's
header names it."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = (
    os.environ.get("CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
)


def report_line() -> str:
    return f"browser tests: {CHROMIUM or 'skipped, no chromium (make browser installs one)'}"


#: The marks of a browser test file: marked ``browser``, skipped (saying why) without chromium.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no chromium is installed and none could be: `make browser` installs Debian's "
        "chromium-headless-shell with apt-get as root (or set CHROMIUM to a Chromium binary)",
    ),
]
