"""The trace type, the recorder and the helpers built on it (npi_lib/trace.py)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib.errors import TraceLimitError
from npi_lib.trace import (
    Step,
    Trace,
    Tracer,
    first_difference,
    format_tree,
    frames,
    from_dict,
    longest_frame,
    pad_args,
    program,
    timeline,
    to_dict,
    to_json,
)


class Counter:
    """A toy environment: one integer that primitives move; enough to exercise the recorder."""

    def __init__(self, n=0):
        self.n = n

    def observe(self):
        return (min(self.n, 9),)

    def apply(self, name, args):
        self.n += 1 if name == "INC" else -1 if name == "DEC" else 0

    def snapshot(self):
        return self.n


def COUNT_DOWN(t, env):
    """Recursive: DEC until zero, tail-calling itself."""
    if env.observe()[0] == 0:
        return t.act("NOP", ret=True)
    t.act("DEC")
    t.call(COUNT_DOWN, ret=True)


def LOOP_DOWN(t, env):
    while env.observe()[0] > 0:
        t.act("DEC")
    t.act("NOP", ret=True)


def test_recorder_nests_calls_and_records_observation_before_each_step():
    trace = Tracer(Counter(2)).run(COUNT_DOWN)
    names = [(d, s.name, s.ret) for d, s in trace.walk()]
    assert names == [
        (0, "COUNT_DOWN", False),
        (1, "DEC", False),
        (1, "COUNT_DOWN", True),
        (2, "DEC", False),
        (2, "COUNT_DOWN", True),
        (3, "NOP", True),
    ]
    decs = [s for _, s in trace.walk() if s.name == "DEC"]
    assert [s.obs for s in decs] == [(2,), (1,)]  # seen before the step
    assert [s.state for s in decs] == [1, 0]  # state after the step
    assert trace.initial_state == 2


def test_frames_split_a_trace_one_sequence_per_call():
    trace = Tracer(Counter(2)).run(COUNT_DOWN)
    fs = frames(trace)
    assert [len(f.steps) for f in fs] == [2, 2, 1]
    assert fs[0].steps[1].next_program == "COUNT_DOWN" and fs[0].steps[1].ret
    assert all(step.program == "COUNT_DOWN" for f in fs for step in f.steps)


@settings(max_examples=30, derandomize=True)
@given(st.integers(0, 200))
def test_recursion_keeps_frames_short_and_loops_do_not(n):
    rec = Tracer(Counter(n)).run(COUNT_DOWN)
    flat = Tracer(Counter(n)).run(LOOP_DOWN)
    assert longest_frame(rec) == (2 if n else 1)
    assert longest_frame(flat) == n + 1
    assert rec.primitives() == flat.primitives()


def test_program_decorator_renames_the_recorded_call():
    @program("COUNT_DOWN")
    def other(t, env):
        t.act("NOP", ret=True)

    assert Tracer(Counter()).run(other).root.name == "COUNT_DOWN"


def test_step_limit_stops_a_runaway_loop():
    def FOREVER(t, env):
        while True:
            t.act("INC")

    with pytest.raises(TraceLimitError, match="more than 50 steps"):
        Tracer(Counter(), max_steps=50).run(FOREVER)


def test_depth_limit_stops_runaway_recursion():
    def DEEPER(t, env):
        t.call(DEEPER)

    with pytest.raises(TraceLimitError, match="call depth passed 30"):
        Tracer(Counter(), max_depth=30).run(DEEPER)


def test_deep_recursion_beyond_pythons_default_limit_records_fine():
    trace = Tracer(Counter(5000), record_states=False).run(COUNT_DOWN)
    assert max(d for d, _ in trace.walk()) == 5001
    assert to_dict(trace)["root"]["name"] == "COUNT_DOWN"


def test_pad_args_makes_three_small_integers():
    assert pad_args((4,)) == (4, 0, 0)
    with pytest.raises(ValueError, match="at most 3"):
        pad_args((1, 2, 3, 4))


def test_json_round_trip_keeps_structure():
    trace = Tracer(Counter(3)).run(COUNT_DOWN)
    back = from_dict(json.loads(to_json(trace)))
    assert first_difference(trace, back) is None
    assert [s.obs for _, s in back.walk()] == [s.obs for _, s in trace.walk()]


def test_first_difference_points_at_the_first_disagreeing_step():
    a = Tracer(Counter(3)).run(COUNT_DOWN)
    b = Tracer(Counter(3)).run(COUNT_DOWN)
    assert first_difference(a, b) is None
    b.root.children[1].children[0].name = "INC"  # the second frame's DEC
    assert first_difference(a, b) == 3
    shorter = Tracer(Counter(2)).run(COUNT_DOWN)
    assert first_difference(a, shorter) is not None


def test_timeline_shows_state_on_entry_for_calls_and_after_for_primitives():
    trace = Tracer(Counter(1)).run(COUNT_DOWN)
    moments = timeline(trace)
    assert [(m.step.name, m.state) for m in moments] == [
        ("COUNT_DOWN", 1),
        ("DEC", 0),
        ("COUNT_DOWN", 0),
        ("NOP", 0),
    ]


def test_format_tree_indents_and_marks_returns():
    root = Step("A", children=[Step("B", (1, 2, 0)), Step("C", children=[Step("D", ret=True)], ret=True)])
    assert format_tree(Trace(root)) == "A\n  B(1, 2, 0)\n  C  ⏎\n    D  ⏎"
    assert format_tree(Trace(root), max_lines=2).endswith("(2 more steps)")
    assert len(Trace(root)) == 3


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["addition", "bubblesort", "bubblesort-compare", "toposort", "quicksort"]),
       st.integers(1, 12), st.integers(0, 10**6), st.data())
def test_the_step_counter_counts_what_the_trace_records(name, size, seed, data):
    """StepCounter's (steps, depth) equal the recorded trace's length and deepest walk depth, every formulation."""
    import random

    from npi_lib.task import get_task
    from npi_lib.trace import StepCounter

    task = get_task(name)
    problem = task.random_problem(size, random.Random(seed))
    formulation = data.draw(st.sampled_from(task.formulations))
    trace = task.reference(problem, formulation, record_states=False)
    counted = StepCounter(task.make_env(problem)).count(task.reference_programs[formulation])
    assert counted == (len(trace), max(d for d, _ in trace.walk()))
    assert task.reference_size(problem, formulation) == counted
