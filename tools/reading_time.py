"""How long each lesson takes to work through, estimated from what it contains: the basis of the times in
the README and in lesson 00.

    .venv/bin/python tools/reading_time.py            # a table, one lesson per line
    .venv/bin/python tools/reading_time.py --json     # the same as JSON lines

The estimate (minutes) adds
- reading the prose: the words of the markdown cells at 150 words a minute (technical text, with its
  formulas and tables, is read about half as fast as a novel);
- reading the code: the lines of code cells at 10 lines a minute (comments and blank lines not counted,
  nor the hidden tests, which students never see; most cells are a few lines that call the library and
  print);
- the exercises: 8 minutes each (read the prompt, write a few lines, run the check, read its answer);
- running the notebook: its stored outputs do not say how long cells take, so add the measured budget,
  at most 3 minutes, once.
It is rounded up to the next 5 minutes. Sections marked optional ("Deep dive" in their heading) are
counted apart, as the extra time they take. A reader who skips the exercises needs about 8 minutes less
for each; a reader new to Python or to neural networks, more.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_EXERCISE = 8
RUN_MINUTES = 3


def _strip_hidden_tests():
    """tools/make_student.py's strip_hidden_tests: what students get has no hidden tests, so they are not read."""
    spec = importlib.util.spec_from_file_location("make_student", Path(__file__).with_name("make_student.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.strip_hidden_tests


strip_hidden_tests = _strip_hidden_tests()


def lesson_counts(path: Path) -> dict:
    """Words of prose, lines of code and exercises of one notebook, for its main line and for its optional
    deep dives (a `## ` heading with "deep dive" in it, up to the next `## ` heading without)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    main = {"words": 0, "code_lines": 0, "exercises": 0}
    optional = dict(main)
    part = main
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for heading in re.findall(r"^## (.*)$", text, flags=re.M):
                part = optional if "deep dive" in heading.lower() else main
            part["words"] += len(re.findall(r"\S+", text))
            part["exercises"] += len(re.findall(r"^#+ .*\bExercise \d", text, flags=re.M))
        elif cell["cell_type"] == "code":
            text, _ = strip_hidden_tests(text)
            part["code_lines"] += sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
    return {"lesson": path.stem, "cells": len(nb["cells"]), **main, "optional": optional}


def minutes(counts: dict, run: bool = True) -> int:
    """The estimate described in this module's docstring.

    >>> minutes({"words": 3000, "code_lines": 120, "exercises": 5})
    75
    >>> minutes({"words": 600, "code_lines": 40, "exercises": 0}, run=False)
    10
    """
    raw = (counts["words"] / WORDS_PER_MINUTE + counts["code_lines"] / CODE_LINES_PER_MINUTE
           + MINUTES_PER_EXERCISE * counts["exercises"] + (RUN_MINUTES if run else 0))
    return 5 * math.ceil(raw / 5)


def time_text(row: dict) -> str:
    """How the README and lesson 00 state a lesson's time.

    >>> time_text({"minutes": 115, "optional_minutes": 15}), time_text({"minutes": 60, "optional_minutes": 0})
    ('115 min (+15 optional)', '60 min')
    """
    extra = f" (+{row['optional_minutes']} optional)" if row["optional_minutes"] else ""
    return f"{row['minutes']} min{extra}"


def lesson_times() -> dict[str, str]:
    """{lesson stem: time text} for every lesson."""
    out = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        counts = lesson_counts(path)
        counts["minutes"] = minutes(counts)
        counts["optional_minutes"] = minutes(counts["optional"], run=False) if counts["optional"]["words"] else 0
        out[path.stem] = time_text(counts)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per lesson")
    args = parser.parse_args()
    rows = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        counts = lesson_counts(path)
        counts["minutes"] = minutes(counts)
        counts["optional_minutes"] = minutes(counts["optional"], run=False) if counts["optional"]["words"] else 0
        rows.append(counts)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return
    print(f"{'lesson':<24} {'cells':>5} {'words':>6} {'code lines':>10} {'exercises':>9} {'minutes':>7}  optional deep dives")
    for r in rows:
        extra = f"+{r['optional_minutes']} min ({r['optional']['words']} words)" if r["optional_minutes"] else ""
        print(f"{r['lesson']:<24} {r['cells']:>5} {r['words']:>6} {r['code_lines']:>10} {r['exercises']:>9} "
              f"{r['minutes']:>7}  {extra}")


if __name__ == "__main__":
    main()
