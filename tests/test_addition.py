"""Addition: the scratch pad, both reference programs, the training sets (npi_lib/addition.py)."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib import addition
from npi_lib.addition import BLANK, FORMULATIONS, TASK, ScratchPad, reference, run_reference
from npi_lib.errors import ActionError, ProblemError
from npi_lib.trace import frames, longest_frame

addends = st.integers(min_value=0, max_value=10**40)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(addends, addends, st.sampled_from(FORMULATIONS))
def test_every_formulation_adds_like_python(a, b, formulation):
    env = run_reference((a, b), formulation)
    assert TASK.output(env) == a + b


@settings(max_examples=100, derandomize=True, deadline=None)
@given(addends, addends)
def test_both_formulations_run_the_same_primitives(a, b):
    flat = reference((a, b), "non-recursive", record_states=False).primitives()
    rec = reference((a, b), "recursive", record_states=False).primitives()
    assert flat == rec


@settings(max_examples=100, derandomize=True, deadline=None)
@given(addends, addends)
def test_columns_match_what_add1_observes(a, b):
    # the ADD1 frames of the trace see exactly the columns that `columns` predicts
    trace = reference((a, b), "recursive", record_states=False)
    seen = [f.steps[0].obs[:3] for f in frames(trace) if f.program == "ADD1"]
    assert seen == addition.columns(a, b)


def test_recursive_frames_stay_short_while_the_loop_grows():
    rng = random.Random(0)
    flat, rec = [], []
    for n in (3, 10, 100, 1000):
        problem = addition.random_problem(n, rng)
        flat.append(longest_frame(reference(problem, "non-recursive", record_states=False)))
        rec.append(longest_frame(reference(problem, "recursive", record_states=False)))
    assert rec == [4, 4, 4, 4]  # LSHIFT's four pointer moves is the longest frame, whatever the length
    assert flat == sorted(flat) and flat[-1] > 2 * 1000  # the loop makes two calls per column


def test_paper_example_96_plus_125():
    trace = reference((96, 125), "recursive")
    assert [s.name for s in trace.root.children] == ["ADD1", "LSHIFT", "ADD"]
    assert trace.root.children[-1].ret  # the tail call carries the return flag
    first_add1 = trace.root.children[0]
    assert [TASK.describe(s.name, s.args) for s in first_add1.children] == ["WRITE(OUT, 1)", "CARRY"]
    assert TASK.output(run_reference((96, 125))) == 221


def test_base_case_is_a_returning_nop():
    trace = reference((0, 0), "recursive")
    last_add = [s for _, s in trace.walk() if s.name == "ADD"][-1]
    assert [(s.name, s.ret) for s in last_add.children] == [("NOP", True)]


def test_carry_out_gets_its_own_column():
    env = run_reference((99, 1), "recursive")
    assert env.output() == 100
    assert env.width == 4  # two digits + carry-out column + blank terminator


def test_observation_is_the_four_cells_under_the_pointers():
    pad = ScratchPad(96, 125)
    assert pad.observe() == (6, 5, BLANK, BLANK)
    pad.apply("PTR", (addition.IN1, addition.LEFT, 0))
    assert pad.observe() == (9, 5, BLANK, BLANK)


@pytest.mark.parametrize(
    "value, message",
    [
        ([1], "two addends"),
        ("12", "two addends"),
        ([-3, 4], "negative"),
        ([1.5, 2], "not an integer"),
        ([True, 2], "not an integer"),
        (["12a", 3], "not a number"),
        ([None, 3], "not an integer"),
    ],
)
def test_bad_addends_are_rejected_with_a_reason(value, message):
    with pytest.raises(ProblemError, match=message):
        addition.parse_input(value)


def test_digit_strings_are_accepted_for_huge_numbers():
    assert addition.parse_input(["1" * 50, "2"]) == (int("1" * 50), 2)
    a, _ = addition.parse_input(["9" * 6000, "1"])  # past Python's 4,300-digit str -> int limit
    assert a == 10**6000 - 1


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("WRITE", (addition.IN1, 3, 0), "only the CARRY"),
        ("WRITE", (addition.OUT, 12, 0), "one digit"),
        ("PTR", (addition.OUT, 5, 0), "direction"),
        ("PTR", (addition.OUT, addition.RIGHT, 0), "right edge"),
        ("JUMP", (0, 0, 0), "not a primitive"),
    ],
)
def test_invalid_actions_raise_action_error(name, args, message):
    with pytest.raises(ActionError, match=message):
        ScratchPad(5, 7).apply(name, args)


def test_pointer_cannot_leave_the_pad_on_the_left():
    pad = ScratchPad(5, 7)
    pad.apply("PTR", (addition.OUT, addition.LEFT, 0))
    pad.apply("PTR", (addition.OUT, addition.LEFT, 0))
    with pytest.raises(ActionError, match="left edge"):
        pad.apply("PTR", (addition.OUT, addition.LEFT, 0))


def test_output_is_none_when_the_row_has_a_gap_or_nothing():
    pad = ScratchPad(5, 7)
    assert pad.output() is None
    pad.grid[addition.OUT] = [1, BLANK, 2]
    assert pad.output() is None


def test_paper_training_set_has_200_problems_of_at_most_3_digits_covering_add1():
    problems = addition.training_set("paper", seed=0)
    assert len(problems) == 200
    assert all(a < 1000 and b < 1000 for a, b in problems)
    assert addition.coverage(problems) == (241, 241)


def test_uniform_draws_would_miss_columns():
    # why training_set draws greedily: 200 uniform problems leave ADD1 entries unseen
    rng = random.Random(0)
    uniform = [addition.random_problem(rng.randint(1, 3), rng) for _ in range(200)]
    assert addition.coverage(uniform)[0] < 241


def test_training_set_is_seeded():
    assert addition.training_set("paper", 3) == addition.training_set("paper", 3)
    assert addition.training_set("paper", 3) != addition.training_set("paper", 4)


def test_starved_set_is_five_one_digit_sums():
    problems = addition.training_set("starved")
    assert len(problems) == 5 and all(a < 10 and b < 10 for a, b in problems)


def test_unknown_training_set_names_the_choices():
    with pytest.raises(ProblemError, match="'paper', 'starved'"):
        addition.training_set("huge")


@settings(max_examples=50, derandomize=True, deadline=None)
@given(st.integers(1, 60), st.integers(0, 10**6))
def test_starved_problems_use_only_seen_columns(size, seed):
    a, b = addition.starved_problem(size, random.Random(seed))
    seen = {col for p in addition.STARVED for col in addition.columns(*p)}
    assert set(addition.columns(a, b)) <= seen
    assert len(addition.digits(max(a, b))) == size


def test_random_problem_has_exactly_size_digits():
    rng = random.Random(1)
    for n in (1, 2, 7, 50):
        a, b = addition.random_problem(n, rng)
        assert len(addition.digits(a)) == len(addition.digits(b)) == n


def test_describe_and_draw():
    import matplotlib

    matplotlib.use("Agg")
    assert TASK.describe("PTR", (addition.CARRY, addition.RIGHT, 0)) == "PTR(CARRY, RIGHT)"
    ax = TASK.draw(ScratchPad(96, 125).snapshot(), title="96 + 125")
    assert ax.get_title() == "96 + 125"


def test_reference_handles_thousands_of_digits_without_recursion_errors():
    rng = random.Random(2)
    problem = addition.random_problem(5000, rng)
    env = run_reference(problem, "recursive")
    assert env.output() == sum(problem)


def test_unknown_formulation_is_named():
    with pytest.raises(ProblemError, match="no formulation 'partial'"):
        reference((1, 2), "partial")
