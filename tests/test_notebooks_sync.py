"""Every notebook and its jupytext twin hold the same cells.

jupytext.toml pairs notebooks/NN_slug.ipynb with notebooks/py/NN_slug.py (py:percent). Students and nbval
run the .ipynb; reviewers read the .py. A change saved to only one of them (an editor without jupytext, a
merge) makes the pair drift, and these tests fail until `make sync` repairs it. Outputs and metadata are
not compared, except cell tags, which change what nbval does with a cell.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config
from jupytext.paired_paths import paired_paths

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
HOW_TO_FIX = (
    "Fix: run `make sync`, which copies the cells of the file saved last into the other one (if the wrong "
    "one is newer, `touch` the one to keep first). Then re-run the notebook and save it, so that its stored "
    "outputs, which nbval checks, come from the new cells."
)

Cell = tuple[str, str, tuple[str, ...]]  # (cell type, source, tags)


def course_notebooks() -> list[Path]:
    return sorted(p for p in NOTEBOOK_DIR.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def course_scripts() -> list[Path]:
    return sorted((NOTEBOOK_DIR / "py").rglob("*.py"))


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def paired_file(path: Path, fmt: str) -> tuple[Path, dict]:
    """The file that jupytext.toml pairs with `path` (read in format `fmt`), and that file's format."""
    config = load_jupytext_config(str(path))
    formats = config.default_formats(str(path)) if config else None
    assert formats, f"jupytext.toml pairs {rel(path)} with nothing; notebooks belong in notebooks/"
    others = [(Path(p), f) for p, f in paired_paths(str(path), fmt, formats) if Path(p) != path]
    assert len(others) == 1, f"jupytext.toml pairs {rel(path)} with {len(others)} files, expected 1"
    return others[0]


def cells_of(notebook: nbformat.NotebookNode) -> list[Cell]:
    return [(c.cell_type, c.source, tuple(c.get("metadata", {}).get("tags", ()))) for c in notebook.cells]


def pair_differences(notebook: list[Cell], script: list[Cell]) -> list[str]:
    """What differs between the cells of a notebook and those of its script, one message per change.

    >>> pair_differences([("code", "x = 1", ())], [("code", "x = 2", ())])[0].splitlines()[0]
    'cell 1 (code) differs:'
    """
    problems = []
    matcher = difflib.SequenceMatcher(a=notebook, b=script, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        if op == "replace" and i2 - i1 == j2 - j1:
            for k, (a, b) in enumerate(zip(notebook[i1:i2], script[j1:j2])):
                problems.append(describe_change(i1 + k + 1, a, b))
            continue
        if i2 > i1:
            problems.append(f"cells {i1 + 1}..{i2} are only in the notebook: {preview(notebook[i1:i2])}")
        if j2 > j1:
            problems.append(f"cells {j1 + 1}..{j2} of the script are not in the notebook: {preview(script[j1:j2])}")
    return problems


def describe_change(number: int, a: Cell, b: Cell) -> str:
    lines = [f"cell {number} ({a[0]}) differs:"]
    if a[0] != b[0]:
        lines.append(f"  type: {a[0]} in the notebook, {b[0]} in the script")
    if a[2] != b[2]:
        lines.append(f"  tags: {list(a[2])} in the notebook, {list(b[2])} in the script")
    if a[1] != b[1]:
        diff = difflib.unified_diff(
            a[1].splitlines(), b[1].splitlines(), "notebook", "script", lineterm="", n=1
        )
        lines += ["  " + line for line in diff]
    return "\n".join(lines)


def preview(cells: list[Cell]) -> str:
    return "; ".join(f"{t} {s.splitlines()[0][:40] if s else ''!r}" for t, s, _ in cells)


# -- the course's notebooks ------------------------------------------------------------------------------


def test_jupytext_pairs_a_notebook_with_a_percent_script_in_notebooks_py():
    script, fmt = paired_file(NOTEBOOK_DIR / "00_course_index.ipynb", "ipynb")
    assert script == NOTEBOOK_DIR / "py" / "00_course_index.py"
    assert fmt.get("format_name") == "percent"


@pytest.mark.parametrize("notebook", course_notebooks(), ids=rel)
def test_notebook_and_its_script_hold_the_same_cells(notebook: Path):
    script, fmt = paired_file(notebook, "ipynb")
    if not script.exists():
        pytest.fail(f"{rel(notebook)} has no script {rel(script)}. {HOW_TO_FIX}", pytrace=False)
    problems = pair_differences(
        cells_of(nbformat.read(notebook, as_version=4)),
        cells_of(jupytext.read(script, fmt={k: fmt[k] for k in ("extension", "format_name")})),
    )
    if problems:
        pytest.fail(f"{rel(notebook)} and {rel(script)} differ:\n" + "\n".join(problems) + "\n" + HOW_TO_FIX,
                    pytrace=False)


@pytest.mark.parametrize("script", course_scripts(), ids=rel)
def test_every_script_has_its_notebook(script: Path):
    notebook, _ = paired_file(script, "py:percent")
    if not notebook.exists():
        pytest.fail(f"{rel(script)} has no notebook {rel(notebook)}. {HOW_TO_FIX}", pytrace=False)


# -- the comparison itself ------------------------------------------------------------------------------


def sample_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 1. The stack machine\n\nA *word* pops its arguments."),
        nbformat.v4.new_code_cell("from npi_lib import trace\n\n\ndef f(x):\n    return x + 1"),
        nbformat.v4.new_code_cell("%%time\nf(1)", metadata={"tags": ["nbval-ignore-output"]}),
        nbformat.v4.new_raw_cell("raw text"),
    ]
    return nb


def round_trip() -> tuple[list[Cell], list[Cell]]:
    """The cells of the sample notebook, and of its py:percent script as jupytext writes and reads it."""
    nb = sample_notebook()
    script = jupytext.reads(jupytext.writes(nb, fmt="py:percent"), fmt="py:percent")
    return cells_of(nb), cells_of(script)


def test_a_freshly_synced_pair_has_no_differences():
    notebook, script = round_trip()
    assert pair_differences(notebook, script) == []


def test_an_edited_line_is_reported_with_its_cell_and_a_diff():
    notebook, script = round_trip()
    t, source, tags = script[1]
    script[1] = (t, source.replace("x + 1", "x + 2"), tags)
    [problem] = pair_differences(notebook, script)
    assert problem.startswith("cell 2 (code) differs:")
    assert "-    return x + 1" in problem and "+    return x + 2" in problem


@pytest.mark.parametrize(
    "doctor, expected",
    [
        (lambda cells: cells[:-1], "cells 4..4 are only in the notebook"),
        (lambda cells: cells + [("code", "extra()", ())], "cells 5..5 of the script are not in the notebook"),
        (lambda cells: [cells[0], ("markdown", *cells[1][1:]), *cells[2:]], "type: code in the notebook, markdown"),
        (lambda cells: [*cells[:2], (*cells[2][:2], ()), cells[3]], "tags: ['nbval-ignore-output'] in the notebook"),
    ],
    ids=["cell deleted", "cell added", "type changed", "tag dropped"],
)
def test_a_structural_change_is_reported(doctor, expected):
    notebook, script = round_trip()
    problems = pair_differences(notebook, doctor(script))
    assert any(expected in p for p in problems), problems
