"""Notebook regression: each chapter, re-run in playback, must print what is committed."""

from __future__ import annotations

import shutil

import pytest
import yaml
from book_paths import BOOK, CASSETTES, NOTEBOOKS
from notebook_runs import regression
from pytest_notebook.nb_regression import NBRegressionError


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_replays_its_committed_outputs(notebook, replay):
    difference = replay(notebook).difference
    if difference is not None:
        pytest.fail(difference, pytrace=False)


def test_a_changed_cassette_fails_the_regression_with_a_readable_diff(tmp_path):
    cassettes = tmp_path / "cassettes"
    shutil.copytree(CASSETTES / "regions", cassettes / "regions")
    first = cassettes / "regions" / "wrong-region.yaml"
    recorded = yaml.safe_load(first.read_text())
    answer = recorded["interactions"][1]["response"]["body"]
    answer["string"] = answer["string"].replace("Authentication failed", "Go away")
    first.write_text(yaml.safe_dump(recorded))

    with pytest.raises(NBRegressionError) as failure:
        regression(EXOTEL_HANDBOOK_CASSETTES=str(cassettes)).check(str(BOOK / "regions.ipynb"))

    diff = str(failure.value)
    assert (
        "-api.in.exotel.com  401     Authentication failed. Check your API key and token." in diff
    )
    assert "+api.in.exotel.com  401     Go away. Check your API key and token." in diff
