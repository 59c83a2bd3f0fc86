"""Tests of the parts of tools/browser_check.py (`make browser-test`) that need no browser: its arguments,
which kinds of widget a notebook's code makes, how outputs are judged after Run All, and the summary table.
The browser part itself runs in `make browser-test`."""

from __future__ import annotations

import inspect
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import browser_check as bc  # noqa: E402

LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def notebook(*cells: tuple[str, str]) -> dict:
    return {"cells": [{"cell_type": kind, "source": source} for kind, source in cells]}


def kinds(nb: dict) -> list[str]:
    return [kind.name for kind in bc.widget_kinds(nb)]


# ---------------------------------------------------------------------------------------------- arguments
def test_several_notebooks_and_the_defaults(tmp_path):
    a, b = tmp_path / "01_a.ipynb", tmp_path / "02_b.ipynb"
    a.write_text("{}")
    b.write_text("{}")
    args = bc.parse_args([str(a), str(b)])
    assert args.notebooks == [a, b]
    assert (args.port, args.timeout, args.clicks) == (0, 600, 4)
    assert args.out == ROOT / "build" / "browser"
    assert bc.parse_args([str(a), "--out", "x", "--timeout", "30"]).timeout == 30  # one notebook, as before


@pytest.mark.parametrize(
    "names, message",
    [
        (["missing.ipynb"], "no notebook at"),
        (["notes.txt"], "not a notebook (.ipynb)"),
        (["01_a.ipynb", "sub/01_a.ipynb"], "01_a.ipynb given 2 times"),
    ],
)
def test_bad_arguments_are_refused_with_the_reason(tmp_path, capsys, names, message):
    (tmp_path / "sub").mkdir()
    for name in ("notes.txt", "01_a.ipynb", "sub/01_a.ipynb"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(SystemExit) as exit:
        bc.parse_args([str(tmp_path / name) for name in names])
    assert exit.value.code == 2
    assert message in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------- widget kinds
def test_widget_kinds_from_the_constructors_a_code_cell_calls():
    nb = notebook(
        ("code", "from npi_lib.widgets import CompareViewer, TraceViewer, playground"),  # imported, not made
        ("markdown", "Try `rpn_stepper('1 2 +')` yourself."),  # prose is not code
        ("code", "viewer = widgets.playground(task, model, value='[1, 2]')\nviewer"),
        ("code", "%%time\nv = TraceViewer(trace, task)  # a CompareViewer( would also do"),
    )
    assert kinds(nb) == ["trace viewer", "playground"]


def test_a_constructor_in_a_comment_a_string_or_a_longer_name_does_not_count():
    hint = "print('try playground(task, model) yourself', \"\"\"or\nStepper(trace)\"\"\")"
    nb = notebook(
        ("code", "# forth_stepper(source) would show it\nx = 1"),
        ("code", hint + "\nmy_playground_size(3)"),
    )
    assert kinds(nb) == []
    assert kinds(notebook(("code", "x = 1  # note\nforth_stepper(src)"))) == ["stepper"]
    assert kinds(notebook(("code", ["v = BoxesPlayground(\n", "  task, model)"]))) == ["playground"]


def test_a_cell_that_does_not_tokenize_still_has_its_comment_lines_dropped():
    source = "for x in (1,\n# CompareViewer(a, b)\nrpn_stepper('1')"  # unclosed bracket
    assert "CompareViewer" not in bc.code_words(source)
    assert kinds(notebook(("code", source))) == ["stepper"]


def test_the_kinds_cover_every_widget_npi_lib_makes():
    """A widget class (or a factory returning one) added to npi_lib.widgets must be known here, or
    lessons using it would go unchecked in the browser."""
    widgets = pytest.importorskip("npi_lib.widgets")
    classes = {name for name, obj in vars(widgets).items()
               if inspect.isclass(obj) and issubclass(obj, widgets._Widget) and obj is not widgets._Widget}
    factories = {name for name, obj in vars(widgets).items()
                 if inspect.isfunction(obj) and not name.startswith("_")
                 and str(inspect.signature(obj).return_annotation) in classes}
    assert {"Stepper", "TraceViewer", "CompareViewer", "Playground"} <= classes
    assert {"stepper", "rpn_stepper", "playground"} <= factories
    known = {maker for kind in bc.KINDS for maker in kind.makers}
    assert classes | factories <= known, f"browser_check.KINDS does not know {sorted((classes | factories) - known)}"
    source = (ROOT / "npi_lib" / "widgets.py").read_text()
    for kind in bc.KINDS:
        assert f'add_class("{kind.selector[1:]}")' in source, f"no widget carries the class {kind.selector}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lesson_has_widget_kinds_exactly_when_it_shows_widgets(path):
    """The source scan agrees with the stored outputs: widget views where a kind is found, none elsewhere."""
    nb = json.loads(path.read_text())
    shows = any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
                for cell in nb["cells"] for output in cell.get("outputs", []))
    assert bool(bc.widget_kinds(nb)) == shows, f"{path.name}: kinds {kinds(nb)}, widget outputs stored: {shows}"


def test_the_first_lessons_hold_the_stepper_and_the_trace_viewer():
    by_name = {path.name[:2]: kinds(json.loads(path.read_text())) for path in LESSONS}
    assert "stepper" in by_name["01"] and "trace viewer" in by_name["02"]


# ---------------------------------------------------------------------------------------------- outputs
def code_cell(count, *outputs, source="x = 1"):
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": list(outputs)}


def stderr(text):
    return {"output_type": "stream", "name": "stderr", "text": text}


def test_an_error_output_fails_with_its_exception():
    nb = {"cells": [
        {"cell_type": "markdown", "source": "# title"},
        code_cell(1, {"output_type": "stream", "name": "stdout", "text": "fine\n"}),
        code_cell(2, {"output_type": "error", "ename": "ZeroDivisionError", "evalue": "division by zero",
                      "traceback": ["..."]}),
    ]}
    failures, notes = bc.judge_outputs(nb)
    assert failures == ["code cell 2 [2] raised ZeroDivisionError: division by zero"]
    assert notes == []


def test_stderr_fails_only_with_a_traceback():
    progress = "\r  0%|          | 0/3 [00:00<?, ?it/s]\r100%|##########| 3/3 [00:00<00:00]\n"
    printed = "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'a'\n"
    nb = {"cells": [code_cell(1, stderr(progress)), code_cell(2, stderr(["warn.py:3: UserWarning: careful\n"])),
                    code_cell(3, stderr(printed))]}
    failures, notes = bc.judge_outputs(nb)
    assert failures == ["code cell 3 [3] printed a traceback on stderr: KeyError: 'a'"]
    assert notes == ["code cell 1 [1] wrote to stderr: 100%|##########| 3/3 [00:00<00:00]",
                     "code cell 2 [2] wrote to stderr: warn.py:3: UserWarning: careful"]


def test_cells_that_did_not_run_fail_but_an_empty_one_need_not_run():
    nb = {"cells": [code_cell(1), code_cell(None), code_cell(None, source="  \n"), code_cell(None)]}
    failures, _ = bc.judge_outputs(nb)
    assert failures == ["2 of 4 code cells did not run (code cell 2, 4)"]


# ---------------------------------------------------------------------------------------------- the summary
def test_widgets_text_counts_each_kind_in_order():
    assert bc.widgets_text(Counter()) == "none"
    assert bc.widgets_text(Counter({"playground": 1, "compare viewer": 2})) == "2 compare viewers, 1 playground"
    assert bc.widgets_text(Counter({"stepper": 1})) == "1 stepper"


def test_summary_table_aligns_its_columns_and_counts_failures():
    results = [
        bc.Result("00_course_index.ipynb", 12.4),
        bc.Result("05_recursion.ipynb", 151.6, Counter({"compare viewer": 2, "playground": 1})),
        bc.Result("09_x.ipynb", 7.0, failures=["code cell 3 [3] raised KeyError: 'a'", "another"]),
    ]
    lines = bc.summary_table(results).splitlines()
    assert lines[0].split() == ["notebook", "seconds", "widgets", "checked", "result"]
    assert lines[2] == "00_course_index.ipynb       12  none                             passed"
    assert lines[3] == "05_recursion.ipynb         152  2 compare viewers, 1 playground  passed"
    assert lines[4] == "09_x.ipynb                   7  none                             FAILED (2)"
    assert lines[-1] == "3 notebook(s), 171 s, 1 FAILED"
    assert bc.summary_table(results[:2]).splitlines()[-1] == "2 notebook(s), 164 s, all passed"


def test_details_step_reads_both_headings():
    assert bc.details_step("start: ADD, 33 steps\nmore") == (0, 33)
    assert bc.details_step("step 3 of 34: WRITE(OUT, 1)") == (3, 34)
    assert bc.details_step("nothing here") is None
