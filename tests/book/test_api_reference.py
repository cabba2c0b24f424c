"""The API reference (its overview and a page per wing, ``book/api_*.md``) documents every module
of ``helpers``."""

from __future__ import annotations

import pkgutil
import re

import helpers
from tests.support.book_paths import api_reference_text


def test_every_helpers_module_is_in_the_api_reference():
    documented = set(re.findall(r"automodule:: (\S+)", api_reference_text()))
    modules = {"helpers"} | {
        m.name
        for m in pkgutil.walk_packages(helpers.__path__, "helpers.")
        if not m.name.rsplit(".", 1)[-1].startswith("_")
    }
    assert sorted(modules - documented) == []
