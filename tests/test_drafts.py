"""The drafts in docs/drafts/ (material moved out of lesson 02 for the later lessons that will teach the
sorting and graph tasks) still run, so that they are a starting point and not a dead end."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DRAFTS = sorted((Path(__file__).resolve().parent.parent / "docs" / "drafts").glob("*.py"))


@pytest.mark.parametrize("path", DRAFTS, ids=lambda p: p.stem)
def test_a_draft_runs_as_a_script(path):
    r = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "MPLBACKEND": "Agg"}, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr[-2000:]


def test_there_are_drafts_to_run():
    assert len(DRAFTS) >= 3
