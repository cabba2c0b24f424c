"""The chromium the browser tests drive (tests/site/test_site_browser.py): ``$CHROMIUM`` if set, else
Debian's ``chromium-headless-shell``, else ``chromium``; None if there is none. The test report's
header names it."""

from __future__ import annotations

import os
import shutil

CHROMIUM = (
    os.environ.get("CHROMIUM")
    or shutil.which("chromium-headless-shell")
    or shutil.which("chromium")
)


def report_line() -> str:
    return f"browser tests: {CHROMIUM or 'skipped, no chromium (make browser installs one)'}"
