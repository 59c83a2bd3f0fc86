"""Tests for npi_lib.widgets, headless: the viewers are driven by clicking their buttons, moving the slider and
choosing list lines, and checked through their `index`, their HTML and `describe()`."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
from hypothesis import assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from npi_lib import addition  # noqa: E402
from npi_lib.forth import Forth  # noqa: E402
from npi_lib.rpn import rpn_trace  # noqa: E402
from npi_lib.trace import Step, Trace, format_tree, timeline  # noqa: E402
from npi_lib.widgets import (  # noqa: E402
    MAX_INDENT,
    CompareViewer,
    Stepper,
    TraceRows,
    TraceViewer,
    forth_stepper,
    render_stacks,
    rpn_stepper,
    stacks_text,
    stepper,
)


def test_import_loads_neither_ipywidgets_nor_matplotlib():
    code = "import sys, npi_lib.widgets; print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


# ---------------------------------------------------------------------------------------------- stepper
def test_stepper_buttons_move_through_the_timeline_and_stop_at_the_ends():
    s = rpn_stepper("5 3 + 2 *")
    assert s.index == 0 and "start: RPN" in s.describe()
    s.buttons["prev"].click()
    assert s.index == 0
    for expected in (1, 2, 3):
        s.buttons["next"].click()
        assert s.index == expected == s.slider.value
    assert "data stack: 8" in s.describe()
    s.buttons["last"].click()
    assert s.index == 5 and "data stack: 16" in s.describe()
    s.buttons["next"].click()
    assert s.index == 5
    s.buttons["prev"].click()
    assert "data stack: 8 2" in s.describe()
    s.buttons["first"].click()
    assert s.index == 0 and "data stack: (empty)" in s.describe()


def test_stepper_slider_selects_the_step_and_rerenders():
    s = rpn_stepper("5 3 +")
    before = s.html
    s.slider.value = 2
    assert s.index == 2
    assert s.html != before
    assert "<mark" in s.html and ">3</mark>" in s.html
    assert "5 ⟨3⟩ +" in s.describe()


@settings(max_examples=30)
@given(st.lists(st.integers(-50, 50), min_size=1, max_size=6), st.data())
def test_stepping_an_rpn_sum_shows_the_running_stack(numbers, data):
    ops = [data.draw(st.sampled_from("+-*")) for _ in numbers[1:]]
    source = " ".join([str(numbers[0])] + [f"{n} {op}" for n, op in zip(numbers[1:], ops)])
    s = rpn_stepper(source)
    value = numbers[0]  # oracle: a left fold, independent of the stack machine
    expected = [[value]]
    for n, op in zip(numbers[1:], ops):
        expected.append([value, n])
        value = {"+": value + n, "-": value - n, "*": value * n}[op]
        expected.append([value])
    for stack in expected:
        s.buttons["next"].click()
        assert f"data stack: {' '.join(map(str, stack))}" in s.describe()


def test_forth_stepper_shows_the_return_stack_inside_a_word_and_highlights_its_body():
    s = forth_stepper(": SQ DUP * ; 3 SQ 4 SQ + .")
    names = [m.step.name for m in s.moments]
    s.go(names.index("DUP"))
    text = s.describe()
    assert "(in main › SQ)" in text
    assert ": SQ ⟨DUP⟩ * ;" in text
    assert "data stack: 3 3" in text
    assert "return stack: main:" in text
    assert "return stack" in s.html
    s.buttons["last"].click()
    assert "printed: 25" in s.describe()
    assert "data stack: (empty)" in s.describe()


def test_forth_stepper_escapes_words_that_look_like_html():
    s = forth_stepper("1 2 < .")
    s.go(3)
    assert "<mark" in s.html and "&lt;</mark>" in s.html
    assert "1 2 ⟨<⟩ ." in s.describe()


def test_forth_stepper_highlights_the_right_word_after_a_comment():
    s = forth_stepper("( a comment with 2 DUP ) 2 DUP")
    s.go(2)
    assert s.describe().splitlines()[1] == "source: ( a comment with 2 DUP ) 2 ⟨DUP⟩"


def test_forth_stepper_of_a_failing_program_steps_up_to_the_error():
    s = forth_stepper("1 + 2")
    assert "fails" in s.title and "underflow" in s.title
    s.buttons["last"].click()
    assert "error" in s.describe() and "underflow" in s.html


def test_forth_stepper_uses_the_words_a_machine_already_knows():
    f = Forth()
    f.run(": CUBE DUP DUP * * ;")
    s = forth_stepper("2 CUBE", forth=f)
    s.buttons["last"].click()
    assert "data stack: 8" in s.describe()


def test_stepper_prints_states_it_does_not_know_as_text():
    s = stepper(addition.reference((7, 5), "recursive"))
    s.buttons["last"].click()
    assert "OUT" in s.describe() and "<pre" in s.html


def test_stepper_display_is_a_widget_with_its_description_as_text():
    s = rpn_stepper("1 2 +")
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == s.describe()


def test_render_stacks_boxes_each_value_and_marks_the_top():
    out = render_stacks((7, 8, 9))
    assert out.count("min-width:1.6em") == 3
    assert "← top" in out and "return stack" not in out
    assert "<i" in render_stacks(())
    assert stacks_text((1, 2)) == "data stack: 1 2"


# ---------------------------------------------------------------------------------------------- tree rows
def trees():
    names = st.sampled_from(["A", "B", "WRITE", "PTR"])
    leaf = st.builds(lambda n, r: Step(n, ret=r), names, st.booleans())
    return st.recursive(
        leaf,
        lambda kids: st.builds(
            lambda n, r, c: Step(n, ret=r, children=c), names, st.booleans(), st.lists(kids, max_size=4)
        ),
        max_leaves=30,
    )


@given(trees())
def test_rows_fully_expanded_are_the_lines_of_format_tree(root):
    trace = Trace(Step("ROOT", children=[root]))
    assume(max(d for d, _ in trace.walk()) <= MAX_INDENT)
    rows = TraceRows(trace, max_rows=10_000)
    shown = []
    for i in rows.visible():  # drop the fold marker (▾ or two spaces) after the indent
        at = 2 * rows.moments[i].depth
        shown.append(rows.label(i)[:at] + rows.label(i)[at + 2:])
    assert shown == format_tree(trace).splitlines()


@given(trees(), st.data())
def test_folding_a_call_hides_exactly_its_descendants(root, data):
    trace = Trace(Step("ROOT", children=[root]))
    rows = TraceRows(trace, max_rows=10_000)
    calls = [m.index for m in rows.moments if m.step.is_call and m.index > 0]
    if not calls:
        return
    folded = data.draw(st.sampled_from(calls))
    rows.toggle(folded)
    depth = rows.moments[folded].depth
    inside = 0  # oracle: count the steps after it that are deeper, up to the first that is not
    for m in rows.moments[folded + 1:]:
        if m.depth <= depth:
            break
        inside += 1
    assert len(rows.visible()) == len(rows.moments) - inside
    rows.toggle(folded)
    assert len(rows.visible()) == len(rows.moments)


def test_rows_window_stays_within_max_rows_around_the_selection():
    rows = TraceRows(addition.reference((96, 125), "recursive"), max_rows=7)
    rows.expand_all()
    shown, above, below = rows.window(20)
    assert len(shown) == 7 and 20 in shown
    assert above + len(shown) + below == len(rows.visible())


# ---------------------------------------------------------------------------------------------- trace viewer
def test_viewer_draws_the_environment_and_labels_the_observation():
    v = TraceViewer(addition.reference((96, 125), "recursive"), addition.TASK)
    v.buttons["next"].click()
    v.buttons["next"].click()
    assert v.index == 2
    assert "data:image/png;base64," in v.html
    assert "in1" in v.html and "carry" in v.html
    text = v.describe()
    assert "step 2 of" in text and "WRITE(OUT, 1)" in text
    assert "observation: in1=6 in2=5 carry=10 out=10" in text
    assert "→" in text


def test_choosing_a_line_in_the_list_selects_that_step():
    v = TraceViewer(addition.reference((7, 5), "non-recursive"), addition.TASK)
    v.select.index = 4
    assert v.index == 4
    assert "step 4 of" in v.describe()
    assert v.describe(rows=None).splitlines()[4].startswith("→")


def test_folding_the_selected_call_hides_its_lines():
    v = TraceViewer(addition.reference((7, 5), "non-recursive"), addition.TASK)
    v.go(1)  # ADD1
    before = len(v.select.options)
    v.buttons["toggle"].click()
    assert len(v.select.options) < before and "▸" in v.describe()
    v.buttons["toggle"].click()
    assert len(v.select.options) == before


def test_collapse_all_keeps_a_visible_selection_and_next_unfolds_as_it_goes():
    v = TraceViewer(addition.reference((7, 5), "non-recursive"), addition.TASK)
    v.go(3)  # inside ADD1 › CARRY
    v.buttons["collapse_all"].click()
    assert v.index == 1  # the outermost folded call around it
    v.buttons["next"].click()
    assert v.index == 2 and "WRITE(OUT, 2)" in v.describe()
    v.buttons["expand_all"].click()
    assert len(v.select.options) == len(timeline(v.trace))


def test_long_traces_build_a_bounded_list_and_scroll_by_the_more_line():
    trace = addition.reference((int("9" * 300), int("1" * 300)), "recursive", record_states=False)
    v = TraceViewer(trace, addition.TASK, max_rows=50)
    assert len(v.select.options) <= 52
    v.buttons["expand_all"].click()
    assert len(v.select.options) == 51  # 50 lines and "… N more lines"
    last_label, last_value = v.pane._options[-1]
    assert last_label.startswith("… ") and "more lines" in last_label
    v.select.index = len(v.select.options) - 1  # choosing "… more" selects the first line below the window
    assert v.index == 50
    assert "lines above" in v.pane._options[0][0]
    v.go(len(trace))
    assert f"step {len(trace)} of {len(trace)}: NOP" in v.describe() and "not recorded" in v.describe()


def test_large_states_are_printed_not_drawn():
    v = TraceViewer(addition.reference((10**700, 1), "recursive"), addition.TASK)
    assert "<img" not in v.html and "<pre" in v.html


def test_viewer_opens_forth_traces_with_their_stacks():
    v = TraceViewer(Forth().trace(": SQ DUP * ; 3 SQ"))
    v.go(4)  # DUP inside SQ
    assert "return stack" in v.html and "<img" not in v.html
    assert "data stack: 3 3" in v.describe()
    assert "(in main › SQ)" in v.describe()


def test_viewer_display_text_is_its_description():
    v = TraceViewer(rpn_trace("1 2 +"))
    assert v._repr_mimebundle_()["text/plain"] == v.describe()


# ---------------------------------------------------------------------------------------------- compare viewer
def with_wrong_digit():
    ref = addition.reference((96, 125), "recursive")
    net = addition.reference((96, 125), "recursive")
    net.root.children[0].children[0] = Step("WRITE", (addition.OUT, 9, 0), obs=(6, 5, 10, 10))
    return ref, net


def test_compare_opens_on_the_first_difference_marked_in_both_traces():
    ref, net = with_wrong_digit()
    v = CompareViewer(ref, net, addition.TASK)
    assert v.first == 2 and v.index == 2
    assert v.summary() == "first difference at step 2: reference WRITE(OUT, 1), network WRITE(OUT, 9)"
    for pane in v.panes.values():
        assert pane.index == 2
        marked = [line for line in pane.lines() if "✗ first difference" in line]
        assert len(marked) == 1 and marked[0].startswith("→")
    assert "WRITE(OUT, 9)" in v.describe()


def test_compare_keeps_both_traces_on_the_same_step():
    ref, net = with_wrong_digit()
    v = CompareViewer(ref, net, addition.TASK)
    v.panes["network"].select.index = 5
    assert v.index == 5 == v.panes["reference"].index
    v.buttons["prev"].click()
    assert v.panes["reference"].index == v.panes["network"].index == 4
    v.buttons["difference"].click()
    assert v.index == 2


def test_compare_of_identical_traces_says_so():
    v = CompareViewer(rpn_trace("1 2 +"), rpn_trace("1 2 +"))
    assert v.first is None and v.summary().startswith("identical")
    assert v.buttons["difference"].disabled


def test_compare_of_a_trace_that_stops_early_names_the_end():
    ref = addition.reference((7, 5), "non-recursive")
    net = addition.reference((7, 5), "non-recursive")
    net.root.children = net.root.children[:2]
    v = CompareViewer(ref, net, addition.TASK)
    assert "network (no step: its trace has ended)" in v.summary()
    assert v.panes["network"].index == len(v.panes["network"].rows) - 1


def test_compare_names_a_difference_of_nesting_only():
    ref = Trace(Step("ADD", children=[Step("NOP", ret=True)]))
    net = Trace(Step("ADD", children=[Step("NOP", ret=True, children=[])]))
    v = CompareViewer(ref, net)
    assert v.summary() == (
        "first difference at step 1: reference NOP  ⏎ (primitive at depth 1), network NOP  ⏎ (call at depth 1)"
    )


@pytest.mark.parametrize("viewer", [TraceViewer, Stepper])
def test_viewers_show_steps_without_states(viewer):
    v = viewer(Trace(Step("ADD", children=[Step("NOP")])))
    v.go(1)
    assert "NOP" in v.describe()


# ---------------------------------------------------------------------------------------------- playground
from npi_lib.widgets import BoxesPlayground, Playground, playground  # noqa: E402


@pytest.fixture(scope="module")
def tiny_adder():
    """A small NPI trained on the traces of 8 + 2 and 2 + 3: it reproduces them exactly."""
    from npi_lib.training import train

    return train("addition", "recursive", problems=[(8, 2), (2, 3)]).model


@pytest.fixture(scope="module")
def stuck_adder():
    """An NPI whose weights are all zero: every step calls program 0 (ADD) and never returns."""
    import torch

    from npi_lib.model import NPI

    model = NPI.for_task(addition.TASK)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    return model


def test_playground_runs_the_network_and_shows_its_answer_and_trace(tiny_adder):
    p = playground("addition", tiny_adder, "recursive", a="8", b="2")
    assert isinstance(p, BoxesPlayground) and p.result is None
    p.buttons["run"].click()
    text = p.describe()
    assert text.startswith("input: 8 + 2\nanswer: 10 (correct)\n")
    assert "halted: yes (ADD returned)" in text and "identical: the network's trace matches" in text
    assert p.result.correct and p.viewer.first is None
    assert p.output.children == (p.viewer.widget,) and "color:green" in p.message.value
    assert "identical" not in p.message.value  # said once, by the viewer below the message
    assert "<img" in p.viewer.panes["network"].view.value  # a short run records states: the pad is drawn


def test_playground_shows_a_wrong_answer_and_where_the_traces_part(stuck_adder):
    p = playground(addition.TASK, stuck_adder)
    p.set_input(96, 125)
    p.buttons["run"].click()
    lines = p.describe().splitlines()
    assert lines[1] == "answer: None (incorrect: expected 221)"
    assert lines[2].startswith("steps: ") and "halted: no, stopped by depth limit" in lines[2]
    assert lines[3] == "first difference at step 1: reference ADD1, network ADD"
    assert "color:#D55E00" in p.message.value and p.viewer.index == 1


@pytest.mark.parametrize(
    "a, b, message",
    [
        ("12", "3x", "addend 2 '3x' is not a number: write it with the digits 0-9 only"),
        ("", "5", "box a is empty: type a number with the digits 0-9"),
        ("-4", "5", "addend 1 '-4' is not a number: write it with the digits 0-9 only"),
    ],
)
def test_boxes_playground_answers_bad_addends_with_a_message(stuck_adder, a, b, message):
    p = BoxesPlayground(addition.TASK, stuck_adder, a=a, b=b)
    p.buttons["run"].click()  # never raises
    assert p.error == message and p.result is None and p.output.children == ()
    assert p.describe() == f"input: {a} + {b}\nerror: {message}"
    assert "⚠" in p.message.value


def test_boxes_playground_drops_the_digit_group_separators_the_task_names():
    p = BoxesPlayground(addition.TASK, None, a="1 000", b="2,500")
    assert p.parse() == (1000, 2500)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[96, 125", "not valid JSON (Expecting ',' delimiter at character 8). Example: [96, 125]"),
        ("  ", "type a problem first, as JSON. Example: [96, 125]"),
        ("[1, 2, 3]", "addition takes two addends as [a, b]; got [1, 2, 3]"),
    ],
)
def test_json_playground_answers_bad_input_with_a_message(stuck_adder, text, message):
    p = Playground(addition.TASK, stuck_adder, value=text)
    p.buttons["run"].click()
    assert p.error == message
    assert p.describe().endswith(f"error: {message}")


def test_playground_is_generic_over_tasks():
    from npi_lib import bubblesort
    from npi_lib.model import NPI

    import torch

    torch.manual_seed(0)
    p = playground("bubblesort", NPI.for_task(bubblesort.TASK), value="[3, 1, 2]")
    assert type(p) is Playground
    p.buttons["run"].click()  # an untrained network: it fails, but the widget says how
    assert p.error == "" and p.describe().startswith("input: [3, 1, 2]\nanswer: ")
    assert "halted: " in p.describe() and p.viewer is not None
    p.set_input('"3 1 2"')
    p.buttons["run"].click()
    assert p.error and p.result is None  # bubble sort's own parse_input message


def test_playground_passes_the_reset_checkbox_to_the_interpreter(tiny_adder, monkeypatch):
    import npi_lib.interpreter as interpreter

    seen = []
    real_run = interpreter.run
    monkeypatch.setattr(interpreter, "run", lambda *a, **k: seen.append(k["reset"]) or real_run(*a, **k))
    p = playground(addition.TASK, tiny_adder, a="2", b="3")
    p.buttons["run"].click()
    p.reset_box.value = False
    p.buttons["run"].click()
    assert seen == [True, False]
    assert "run without the reset: every callee starts from its caller's state" in p.describe()


def test_playground_refuses_problems_longer_than_its_limit(stuck_adder):
    p = playground(addition.TASK, stuck_adder, a="1" * 20, b="2", max_steps=100)
    p.buttons["run"].click()
    assert p.error.startswith("this problem needs 161 steps; the playground runs at most 100.")


def test_playground_shortens_long_numbers_and_does_not_draw_long_runs(tiny_adder):
    p = playground(addition.TASK, tiny_adder, record_limit=10)
    assert p.label((10**5000, 7)) == "1" + "0" * 26 + "…" + "0" * 27 + " (5,001 digits) + 7"
    p.set_input(10**5000, 7)
    assert p.inputs["a"].value == "1" + "0" * 5000  # typed in full, shortened only for display
    p.set_input(22, 33)
    p.buttons["run"].click()
    assert "not recorded" in p.viewer.panes["network"].view.value


def test_the_task_chooses_the_playground_and_its_boxes():
    from npi_lib import bubblesort

    p = playground(addition.TASK, None)
    assert type(p) is BoxesPlayground and list(p.inputs) == list(addition.TASK.input_form.boxes)
    assert p.input_text() == "96 + 125"  # the task's input_example, one part per box
    assert type(playground(bubblesort.TASK, None)) is Playground
    assert playground(bubblesort.TASK, None).input_text() == bubblesort.TASK.input_example
    with pytest.raises(ValueError, match="declares no input_form: use Playground"):
        BoxesPlayground(bubblesort.TASK, None)
