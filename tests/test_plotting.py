"""Tests for npi_lib.plotting: every picture is drawn on the Agg backend and checked through its artists."""

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from npi_lib import addition  # noqa: E402
from npi_lib.forth import Forth, ForthState  # noqa: E402
from npi_lib.plotting import (  # noqa: E402
    draw_call_tree,
    draw_grid,
    draw_stack_history,
    plot_accuracy,
    plot_frame_lengths,
    split_stacks,
    wilson_interval,
)
from npi_lib.rpn import rpn_trace  # noqa: E402
from npi_lib.trace import Step, Trace, format_tree  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def boxes(ax):
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# ---------------------------------------------------------------------------------------------- RPN expressions
@st.composite
def rpn_expressions(draw):
    """A valid RPN expression built from a random expression tree, and the stack depth after each token."""
    tokens, depths = [], []

    def emit(node_depth):
        if node_depth > 3 or draw(st.booleans()):
            tokens.append(str(draw(st.integers(-20, 20))))
            depths.append((depths[-1] if depths else 0) + 1)
        else:
            emit(node_depth + 1)
            emit(node_depth + 1)
            tokens.append(draw(st.sampled_from(["+", "-", "*"])))
            depths.append(depths[-1] - 1)

    emit(0)
    return " ".join(tokens), depths


def test_import_does_not_load_matplotlib():
    code = "import sys, npi_lib.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


@settings(max_examples=25)  # ~60 ms a drawing: matplotlib builds every tick
@given(rpn_expressions())
def test_stack_history_draws_one_box_per_stack_item_and_labels_columns_with_tokens(expr):
    source, depths = expr
    ax = draw_stack_history(rpn_trace(source), max_columns=1000)
    assert len(boxes(ax)) == sum(depths)  # oracle: +1 per number, -1 per binary operator
    assert [t.get_text() for t in ax.get_xticklabels()] == source.split()
    plt.close("all")


def test_stack_history_writes_the_values_bottom_up():
    ax = draw_stack_history(rpn_trace("5 3 +"))
    after_3 = sorted(p.get_y() for p in boxes(ax) if abs(p.get_x() + p.get_width() / 2 - 1) < 1e-9)
    assert after_3 == [0, 1]
    texts = [(round(t.get_position()[0]), t.get_position()[1], t.get_text()) for t in ax.texts]
    assert (1, 0.5, "5") in texts and (1, 1.5, "3") in texts and (2, 0.5, "8") in texts


def test_stack_history_of_forth_shows_user_words_or_their_bodies():
    trace = Forth().trace(": SQ DUP * ; 3 SQ")
    top = draw_stack_history(trace)
    assert [t.get_text() for t in top.get_xticklabels()] == [": SQ", "3", "SQ"]
    inside = draw_stack_history(trace, ax=plt.subplots()[1], all_steps=True)
    assert [t.get_text() for t in inside.get_xticklabels()] == [": SQ", "3", "DUP", "*", ";"]
    assert len(boxes(inside)) == 0 + 1 + 2 + 1 + 1


def test_stack_history_marks_empty_stacks_and_truncates_with_a_note():
    ax = draw_stack_history(rpn_trace(" ".join(["1"] * 3 + ["+"] * 2)), max_columns=2)
    assert len(ax.get_xticks()) == 2
    assert "3 more not drawn" in ax.get_xlabel()
    empty = Trace(Step("main", children=[Step("DROP", state=ForthState((), ()))]))
    assert "empty" in [t.get_text() for t in draw_stack_history(empty, ax=plt.subplots()[1]).texts]


def test_split_stacks_reads_rpn_forth_and_refuses_environments():
    assert split_stacks((1, 2)) == ([1, 2], None)
    assert split_stacks(ForthState((1,), (5,))) == ([1], [5])
    assert split_stacks(()) == ([], None)
    assert split_stacks(None) == ([], None)
    assert split_stacks(addition.ScratchPad(1, 2).snapshot()) is None
    assert split_stacks({"nothing": 1}) is None


# ---------------------------------------------------------------------------------------------- call trees
def trees(max_leaves=30):
    names = st.sampled_from(["A", "B", "WRITE", "PTR"])
    leaf = st.builds(lambda n, r: Step(n, ret=r), names, st.booleans())
    return st.recursive(
        leaf,
        lambda kids: st.builds(
            lambda n, r, c: Step(n, ret=r, children=c), names, st.booleans(), st.lists(kids, max_size=4)
        ),
        max_leaves=max_leaves,
    )


@settings(max_examples=25)
@given(trees())
def test_call_tree_draws_the_steps_of_format_tree_in_order(root):
    trace = Trace(Step("ROOT", children=[root]))
    ax = draw_call_tree(trace, max_nodes=10_000)
    oracle = [line.strip() for line in format_tree(trace).splitlines()]
    assert [t.get_text() for t in ax.texts] == oracle
    plt.close("all")


def test_call_tree_styles_calls_primitives_and_return_flags_apart():
    ax = draw_call_tree(addition.reference((7, 5), "recursive"), describe=addition.describe)
    calls = [t for t in ax.texts if t.get_gid() == "call"]
    leaves = [t for t in ax.texts if t.get_gid() == "primitive"]
    assert all(t.get_bbox_patch() is not None for t in calls)
    assert all(t.get_bbox_patch() is None for t in leaves)
    assert "WRITE(OUT, 2)" in [t.get_text() for t in leaves]
    returning = [t for t in ax.texts if "⏎" in t.get_text()]
    assert returning and all(t.get_color() != "black" for t in returning)
    assert all(t.get_color() == "black" for t in ax.texts if "⏎" not in t.get_text())


def test_call_tree_stops_at_max_nodes_and_says_how_many_are_left():
    trace = addition.reference((96, 125), "recursive")
    ax = draw_call_tree(trace, max_nodes=10)
    steps = [t for t in ax.texts if t.get_gid() in ("call", "primitive")]
    assert len(steps) == 10
    assert f"… {len(trace) + 1 - 10} more steps" in ax.texts[-1].get_text()


# ---------------------------------------------------------------------------------------------- curves
def test_accuracy_plot_has_a_log_size_axis_one_line_per_series_and_the_training_range():
    records = {
        "recursive": [{"size": s, "accuracy": 1.0, "n": 30} for s in (90, 2, 20)],
        "non-recursive": [{"size": s, "accuracy": a, "n": 30} for s, a in ((2, 1.0), (20, 0.0), (90, 0.0))],
    }
    ax = plot_accuracy(records, train_sizes=[2, 3, 4])
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["training sizes", "recursive", "non-recursive"]
    x = list(ax.lines[0].get_xdata())
    assert x == [2, 20, 90]  # sorted by size
    span = [p for p in ax.patches if p.get_label() == "training sizes"][0]
    x0, x1 = span.get_x(), span.get_x() + span.get_width()
    assert x0 < 2 and 4 < x1 < 5


def test_accuracy_plot_takes_a_plain_list_without_a_legend():
    ax = plot_accuracy([{"size": 1, "accuracy": 0.5}, {"size": 10, "accuracy": 0.25}])
    assert list(ax.lines[0].get_ydata()) == [0.5, 0.25]
    assert ax.get_legend() is None


@given(st.integers(1, 500), st.data())
def test_wilson_interval_contains_the_measured_rate_and_narrows_with_more_trials(n, data):
    k = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(k / n, n)
    assert 0 <= lo <= k / n + 1e-12 and k / n - 1e-12 <= hi <= 1
    lo4, hi4 = wilson_interval(k / n, 4 * n)
    assert hi4 - lo4 < hi - lo


def test_frame_lengths_use_log_log_over_decades_and_linear_otherwise():
    wide = plot_frame_lengths({"loop": [(1, 4), (1000, 2002)], "recursion": [(1, 3), (1000, 3)]})
    assert (wide.get_xscale(), wide.get_yscale()) == ("log", "log")
    assert [t.get_text() for t in wide.get_legend().get_texts()] == ["loop", "recursion"]
    narrow = plot_frame_lengths({"loop": [(2, 6), (8, 18)]}, ax=plt.subplots()[1])
    assert narrow.get_xscale() == "linear"
    assert list(narrow.lines[0].get_xdata()) == [2, 8]
    with pytest.raises(ValueError, match="scale must be"):
        plot_frame_lengths({}, scale="loglog")


def test_draw_grid_draws_a_cell_per_value_and_a_frame_per_pointer_on_the_tape():
    ax = draw_grid([["1", "2"], ["3", "4"]], ["a", "b"], {"p": (0, 1), "off": (1, 5)})
    assert len(boxes(ax)) == 4 + 1


# ---------------------------------------------------------------------------------------------- the NPI (lesson 03)
from npi_lib.plotting import (  # noqa: E402
    call_stack_columns,
    draw_call_stack,
    draw_lstm_cell,
    draw_npi_step,
    draw_program_lookup,
)


@pytest.mark.parametrize("problem", [(7, 5), (96, 125), (99, 1), (0, 0)])
def test_call_stack_columns_follow_the_trace_one_fresh_state_per_frame(problem):
    trace = addition.reference(problem, "recursive")
    columns = call_stack_columns(trace)
    walk = list(trace.walk())[1:]
    assert [s for _, _, s in columns] == [s for _, s in walk]
    assert [len(stack) for stack, _, _ in columns] == [d for d, _ in walk]  # a step at depth d: d frames
    calls = sum(1 for _, s in trace.walk() if s.is_call)  # the root included: every frame makes >= 1 step
    assert sum(fresh for _, fresh, _ in columns) == calls
    assert all(stack[0] == "ADD" for stack, _, _ in columns)


def test_call_stack_draws_a_box_per_frame_and_marks_every_fresh_state():
    trace = addition.reference((7, 5), "recursive")
    columns = call_stack_columns(trace)
    ax = draw_call_stack(trace, describe=addition.TASK.describe)
    assert len(boxes(ax)) == sum(len(stack) for stack, _, _ in columns)
    assert sum(t.get_text() == "h=0" for t in ax.texts) == sum(fresh for _, fresh, _ in columns)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "ADD1" and labels[-1].startswith("NOP")


def test_call_stack_stops_at_max_columns_with_a_note():
    ax = draw_call_stack(addition.reference((96, 125), "recursive"), max_columns=10)
    assert len(ax.get_xticklabels()) == 10
    assert "23 more steps" in ax.get_xlabel()


def test_npi_diagrams_draw_their_named_boxes():
    assert {"E", "M", "F", "L", "R", "K", "A"} <= {t.get_gid() for t in draw_npi_step().texts}
    cell = {t.get_gid(): t.get_text() for t in draw_lstm_cell().texts if t.get_gid()}
    assert {"i", "f", "g", "o", "c", "h", "l1", "l2"} <= set(cell) and "tanh" in cell["h"]
    task = addition.TASK
    lookup = draw_program_lookup(task.programs, [p for p in task.programs if p in task.primitives])
    text = {t.get_gid(): t.get_text() for t in lookup.texts if t.get_gid()}
    assert all(p in text["P"] for p in task.primitives) and "ADD1" in text["C"] and "WRITE" not in text["C"]


def test_the_paper_comparison_draws_one_line_per_model_and_the_paper_s_numbers_as_markers():
    from npi_lib.plotting import plot_paper_comparison
    from npi_lib.task import get_task

    results = get_task("quicksort").results
    rows = [{"formulation": e.formulation, "train_set": e.train_set, "training": {},
             "results": [{"problems": "random", "size": s, "accuracy": 1.0, "n": 30} for s in (3, 11, 500)]}
            for e in results.experiments]
    ax = plot_paper_comparison({"rows": rows}, results)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == ["non-recursive (paper)", "recursive (paper)", "the paper"]
    paper_markers = [line for line in ax.get_lines() if line.get_marker() == "s" and len(line.get_xdata())]
    # the paper has numbers at 3 and 11 but none at 500 (past its sizes)
    assert [list(line.get_xdata()) for line in paper_markers] == [[3, 11], [3, 11]]
    assert list(paper_markers[1].get_ydata()) == [1.0, 0.733]
