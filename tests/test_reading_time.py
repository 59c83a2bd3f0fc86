"""The lesson times in the README and in lesson 00 are the ones tools/reading_time.py estimates from the
lessons as they are (words, code, exercises), so that they change when a lesson does."""

from __future__ import annotations

import doctest
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("reading_time", ROOT / "tools" / "reading_time.py")
reading_time = importlib.util.module_from_spec(spec)
spec.loader.exec_module(reading_time)  # type: ignore[union-attr]
TIMES = reading_time.lesson_times()


def table_times(text: str) -> dict[str, str]:
    """{lesson stem: last cell} of the markdown table rows that link a lesson's notebook."""
    out = {}
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for stem in TIMES:  # the lesson is named in the row's first cell
            if f"{stem}.ipynb" in cells[0] or (stem.startswith("00") and "**00**" in cells[0]):
                out[stem] = cells[-1]
    return out


def test_the_estimate_adds_reading_code_and_exercises():
    assert doctest.testmod(reading_time).failed == 0


def test_the_readme_states_the_estimated_times():
    assert table_times((ROOT / "README.md").read_text(encoding="utf-8")) == TIMES


def test_lesson_00_states_the_estimated_times():
    nb = json.loads((ROOT / "notebooks" / "00_course_index.ipynb").read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert table_times(text) == TIMES


@pytest.mark.parametrize("stem", sorted(TIMES))
def test_every_lesson_gets_a_time(stem):
    assert TIMES[stem].endswith(("min", "optional)"))
