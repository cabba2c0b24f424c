"""The API reference's resolver finds names the way Python does, and nothing Python cannot."""

from __future__ import annotations

import importlib.util

import pytest

import helpers.book.chapter
import helpers.sandbox.dashboard  # noqa: F401  (the modules the lookups start from)
from tests.support.book_paths import ROOT

spec = importlib.util.spec_from_file_location("helpers_xref", ROOT / "_ext" / "helpers_xref.py")
helpers_xref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(helpers_xref)
locate, EXTERNAL = helpers_xref.locate, helpers_xref.EXTERNAL


def test_a_bare_name_resolves_to_where_the_object_is_defined():
    assert locate("helpers.book.chapter", "ExotelClient") == "helpers.client.ExotelClient"


def test_a_member_of_an_imported_class_resolves_through_its_class():
    assert (
        locate("helpers.sandbox.dashboard", "RegenerateRule.IMMEDIATE")
        == "helpers.rotation.RegenerateRule.IMMEDIATE"
    )


def test_a_fully_qualified_name_resolves_without_a_module():
    assert locate(None, "helpers.sandbox.resources.CALL_SECONDS") == (
        "helpers.sandbox.resources.CALL_SECONDS"
    )


@pytest.mark.parametrize("target", ["Mapping", "httpx.Response", "str"])
def test_other_libraries_objects_are_external(target):
    assert locate("helpers.book.chapter", target) == EXTERNAL


@pytest.mark.parametrize("target", ["NoSuchClass", "RegenerateRule.NOPE", "helpers.NoSuchClass"])
def test_a_name_python_cannot_find_stays_unresolved(target):
    assert locate("helpers.sandbox.dashboard", target) is None
