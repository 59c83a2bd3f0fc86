"""Bubble sort: the row and its pointers, both encoders, three formulations, training sets
(npi_lib/bubblesort.py)."""

import itertools
import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib import bubblesort, verify
from npi_lib.bubblesort import (
    EDGE,
    FORMULATIONS,
    I1,
    I2,
    I3,
    LEFT,
    RIGHT,
    TASK,
    TASK_COMPARE,
    BubbleArray,
    reference,
    run_reference,
)
from npi_lib.errors import ActionError, ProblemError
from npi_lib.task import get_task
from npi_lib.trace import Tracer, first_difference, longest_frame

digit_arrays = st.lists(st.integers(0, 9), min_size=1, max_size=12)
# small values make duplicates likely; big ones check that nothing assumes digits
any_ints = st.lists(st.one_of(st.integers(-3, 3), st.integers()), min_size=1, max_size=12)


# ---------------------------------------------------------------------------------------------- sorting
@settings(max_examples=60, derandomize=True, deadline=None)
@given(digit_arrays, st.sampled_from(FORMULATIONS))
def test_every_formulation_sorts_digits_like_python(values, formulation):
    env = run_reference(values, formulation)
    assert TASK.output(env) == sorted(values)
    assert TASK.check(values, TASK.output(env))


@settings(max_examples=60, derandomize=True, deadline=None)
@given(any_ints, st.sampled_from(FORMULATIONS))
def test_comparison_encoder_sorts_any_integers_like_python(values, formulation):
    env = TASK_COMPARE.run_reference(values, formulation)
    assert TASK_COMPARE.output(env) == sorted(values)


def test_cli_reference_returns_a_trace_whose_final_state_is_sorted():
    trace = TASK.reference([3, 1, 2], "recursive")
    assert trace.root.name == "BUBBLESORT" and trace.kind == "bubblesort"
    assert trace.initial_state.values == (3, 1, 2)
    assert trace.root.state.values == (1, 2, 3)
    trace = TASK_COMPARE.reference([5, -20, 5, 300], "non-recursive")
    assert trace.root.state.values == (-20, 5, 5, 300) and trace.kind == "bubblesort-compare"


def test_get_task_finds_both_encoders():
    assert get_task("bubblesort") is TASK
    assert get_task("bubblesort-compare") is TASK_COMPARE


def test_check_wants_the_sorted_list():
    assert TASK.check((3, 1, 2), [1, 2, 3])
    assert not TASK.check((3, 1, 2), [3, 1, 2])
    assert not TASK.check((3, 1, 2), None)


# ---------------------------------------------------------------------------------------------- frames
@pytest.fixture(scope="module")
def traces_by_length():
    rng = random.Random(0)
    problems = {n: bubblesort.random_problem(n, rng) for n in (3, 10, 50)}
    return {(f, n): reference(p, f, record_states=False) for f in FORMULATIONS for n, p in problems.items()}


def test_recursive_frames_stay_bounded_while_loops_grow(traces_by_length):
    def longest(f):
        return [longest_frame(traces_by_length[f, n]) for n in (3, 10, 50)]

    assert longest("recursive") == [3, 3, 3]  # BUBBLESORT, BSTEP, LSHIFT: three steps each, at any length
    for f in ("non-recursive", "partial"):  # BUBBLE's and RESET's loops grow with the array
        lengths = longest(f)
        assert lengths[0] < lengths[1] < lengths[2], f


def test_formulations_do_the_same_to_the_array(traces_by_length):
    for n in (3, 10, 50):
        flat, part, rec = (traces_by_length[f, n].primitives() for f in FORMULATIONS)
        assert flat == part  # the loops end with NOP exactly where the partial recursion's base case does
        touching = [[p for p in prims if p[0] != "NOP"] for prims in (flat, rec)]
        assert touching[0] == touching[1]
        # ... and the recursive one has one NOP more per pass: LSHIFT's base case (RESET's loop just ends)
        assert rec.count(("NOP", (0, 0, 0))) - flat.count(("NOP", (0, 0, 0))) == n - 1


@settings(max_examples=40, derandomize=True, deadline=None)
@given(digit_arrays)
def test_formulations_swap_the_same_pairs(values):
    swaps = [
        [(m.state.i1, m.state.i2) for _, m in reference(values, f).walk() if m.name == "SWAP"] for f in FORMULATIONS
    ]
    assert swaps[0] == swaps[1] == swaps[2]


def test_tail_calls_carry_the_return_flag():
    trace = reference((2, 1, 3), "recursive")
    for _, s in trace.walk():
        if s.name in ("BUBBLESORT", "BSTEP", "LSHIFT") and s.is_call and s is not trace.root:
            assert s.children[-1].ret
            if s.children[-1].is_call:
                assert s.children[-1].name == s.name  # the only call that returns is the tail call


def test_base_cases_are_a_returning_nop():
    trace = reference((7,), "recursive")
    assert [(s.name, s.ret) for s in trace.root.children] == [("NOP", True)]
    bsteps = [s for _, s in reference((2, 1), "recursive").walk() if s.name in ("BSTEP", "LSHIFT")]
    assert [(c.name, c.ret) for c in bsteps[-1].children] == [("NOP", True)]


# ---------------------------------------------------------------------------------------------- pointers
def test_sort_starts_with_i1_i2_on_the_start_token_and_i3_on_the_first_value():
    env = BubbleArray((3, 1, 2))
    assert (env.i1, env.i2, env.i3) == (0, 0, 1)


def _states_after(trace, name):
    return [s.state for _, s in trace.walk() if s.name == name and s.is_call]


@settings(max_examples=30, derandomize=True, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=2, max_size=10), st.sampled_from(FORMULATIONS))
def test_each_pass_ends_where_it_began(values, formulation):
    trace = reference(values, formulation)
    n = len(values)
    after_bubble = _states_after(trace, "BUBBLE")
    after_reset = _states_after(trace, "RESET")
    assert len(after_bubble) == len(after_reset) == n - 1  # N-1 passes: i3 runs from 1 to N
    assert all((s.i1, s.i2) == (n, n + 1) for s in after_bubble)  # BUBBLE stops with i2 on the end token
    assert all((s.i1, s.i2) == (0, 0) for s in after_reset)  # RESET leaves i1 = i2 = start
    assert [s.i3 for s in after_reset] == list(range(2, n + 1))
    assert trace.root.state.i3 == n


def test_bubble_separates_i1_and_i2_again():
    trace = reference((3, 1, 2), "recursive")
    first_bubble = trace.root.children[0]
    ptr = first_bubble.children[0]
    assert TASK.describe(ptr.name, ptr.args) == "PTR(i2, RIGHT)"
    assert (ptr.state.i1, ptr.state.i2) == (0, 1)


def test_pointers_are_clamped_to_the_row():
    env = BubbleArray((3, 1))
    env.apply("PTR", (I1, LEFT, 0))
    assert env.i1 == 0
    for _ in range(5):
        env.apply("PTR", (I2, RIGHT, 0))
    assert env.i2 == 3  # the end token of a 2-value row
    env.apply("PTR", (I3, LEFT, 0))
    env.apply("PTR", (I3, LEFT, 0))
    assert env.i3 == 0


def test_last_lshift_holds_i1_on_the_start_until_i2_arrives():
    env = BubbleArray((3, 1))
    env.apply("PTR", (I2, RIGHT, 0))  # i1 = 0, i2 = 1: one LSHIFT from the start
    env.apply("PTR", (I1, LEFT, 0))
    env.apply("PTR", (I2, LEFT, 0))
    assert (env.i1, env.i2) == (0, 0)


# ---------------------------------------------------------------------------------------------- observations
def test_digit_observation_is_the_two_cells_and_the_pass_bit():
    env = BubbleArray((3, 1))
    assert env.observe() == (EDGE, EDGE, 0)
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (EDGE, 3, 0)
    env.apply("PTR", (I1, RIGHT, 0))
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (3, 1, 0)
    env.apply("PTR", (I3, RIGHT, 0))
    assert env.observe() == (3, 1, 1)


def test_comparison_observation_is_four_bits_with_tokens_outside_every_value():
    env = BubbleArray((3, 1), compare=True)
    assert env.observe() == (1, 0, 0, 0)  # start <= start
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (1, 0, 1, 0)  # start <= 3
    env.apply("PTR", (I1, RIGHT, 0))
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (0, 1, 1, 0)  # 3 > 1
    env.apply("PTR", (I1, RIGHT, 0))
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (1, 1, 0, 0)  # 1 <= end


@settings(max_examples=30, derandomize=True, deadline=None)
@given(digit_arrays, st.booleans())
def test_observations_fit_obs_sizes(values, compare):
    task = TASK_COMPARE if compare else TASK
    for _, s in task.reference(values, "recursive", record_states=False).walk():
        if s.obs is not None:
            assert len(s.obs) == len(task.obs_sizes) == len(task.observation_fields)
            assert all(0 <= o < size for o, size in zip(s.obs, task.obs_sizes))


class ObservationOnly:
    """An environment that shows the programs nothing but observe(): no values, no pointers."""

    def __init__(self, env):
        self._env = env

    def observe(self):
        return self._env.observe()

    def apply(self, name, args):
        self._env.apply(name, args)

    def snapshot(self):
        return self._env.snapshot()


@settings(max_examples=30, derandomize=True, deadline=None)
@given(digit_arrays, st.sampled_from(FORMULATIONS), st.booleans())
def test_reference_programs_decide_from_the_observation_alone(values, formulation, compare):
    env = BubbleArray(values, compare=compare)
    hidden = Tracer(ObservationOnly(env), record_states=False).run(bubblesort.ENTRY[formulation])
    assert env.output() == sorted(values)
    assert first_difference(hidden, (TASK_COMPARE if compare else TASK).reference(values, formulation)) is None


def test_both_encoders_give_the_programs_the_same_facts():
    rng = random.Random(5)
    for _ in range(20):
        values = bubblesort.random_problem(rng.randint(1, 8), rng)
        digits, bits = BubbleArray(values), BubbleArray(values, compare=True)
        for name, args in reference(values, "recursive").primitives():
            assert bubblesort.read(digits.observe()) == bubblesort.read(bits.observe())
            digits.apply(name, args)
            bits.apply(name, args)


# ---------------------------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "value, message",
    [
        ("312", "list of integers"),
        (3, "list of integers"),
        ({"a": 1}, "list of integers"),
        ([], "empty"),
        ([1, 2.5], "index 1 is 2.5, not an integer"),
        ([True, 2], "index 0 is True, not an integer"),
        ([1, "2"], "index 1 is '2', not an integer"),
        ([1, None], "index 1 is None"),
        ([3, 10, 2], r"index 1 is 10, outside 0-9.*'bubblesort-compare'\) accepts any integers"),
        ([-1], "index 0 is -1, outside 0-9"),
    ],
)
def test_bad_arrays_are_rejected_with_a_reason(value, message):
    with pytest.raises(ProblemError, match=message):
        TASK.parse_input(value)


def test_comparison_task_accepts_any_integers_and_refuses_bools_and_non_lists():
    assert TASK_COMPARE.parse_input([10, -7, 10**30]) == (10, -7, 10**30)
    for value, message in (([], "empty"), ([1, False], "index 1 is False"), ("1", "list of integers")):
        with pytest.raises(ProblemError, match=message):
            TASK_COMPARE.parse_input(value)


numbers = st.one_of(st.integers(-3, 3), st.integers(), st.floats(allow_nan=False))
words = st.text(alphabet="abcAB é", max_size=4)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.one_of(st.lists(numbers, min_size=1, max_size=10), st.lists(words, min_size=1, max_size=10)),
       st.sampled_from(FORMULATIONS))
def test_comparison_encoder_sorts_floats_and_strings_like_python(values, formulation):
    env = TASK_COMPARE.run_reference(TASK_COMPARE.parse_input(values), formulation)
    assert TASK_COMPARE.output(env) == sorted(values)
    assert TASK_COMPARE.check(tuple(values), TASK_COMPARE.output(env))


@settings(max_examples=40, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["fig", "kiwi", "pear", "apple", "Plum"]), min_size=1, max_size=8))
def test_comparison_trace_depends_only_on_the_order_of_the_values(words_):
    ranks = [sorted(set(words_)).index(w) for w in words_]  # the same order, as small integers
    assert first_difference(TASK_COMPARE.reference(words_), TASK_COMPARE.reference(ranks)) is None


def test_comparison_bit_puts_the_tokens_outside_strings_too():
    env = BubbleArray(("b", "a"), compare=True)
    assert env.observe() == (1, 0, 0, 0)  # start <= start
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (1, 0, 1, 0)  # start <= "b"
    env.apply("PTR", (I1, RIGHT, 0))
    env.apply("PTR", (I2, RIGHT, 0))
    assert env.observe() == (0, 1, 1, 0)  # "b" > "a"


@pytest.mark.parametrize(
    "value, message",
    [
        ([3, "a"], r"index 1 is 'a', a string, but the value at index 0 is 3, a number: give all numbers or all strings"),
        (["a", 2.5], r"index 1 is 2.5, a number, but the value at index 0 is 'a', a string"),
        ([1.0, float("nan")], "index 1 is NaN, which compares with nothing"),
        ([1, None], r"index 1 is None, not an integer, float or string"),
        ([[1], [2]], r"index 0 is \[1\], not an integer, float or string"),
        ([], "empty"),
    ],
)
def test_comparison_task_refuses_values_that_cannot_all_be_compared(value, message):
    with pytest.raises(ProblemError, match=message):
        TASK_COMPARE.parse_input(value)


def test_digit_task_points_strings_to_the_comparison_encoder():
    with pytest.raises(ProblemError, match=r"index 0 is 'b', not an integer.*'bubblesort-compare'\) sorts numbers or strings"):
        TASK.parse_input(["b", "a"])


def test_environment_validates_its_array():
    with pytest.raises(ProblemError, match="outside 0-9"):
        BubbleArray((1, 12))
    assert BubbleArray((1, 12), compare=True).output() == [1, 12]


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("PTR", (4, RIGHT, 0), "pointer must be 1-3"),
        ("PTR", (0, RIGHT, 0), "pointer must be 1-3"),
        ("PTR", (I1, 2, 0), "direction LEFT=0 or RIGHT=1"),
        ("SWAP", (I1, I3, 0), r"only the values under i1 and i2, SWAP\(1, 2\)"),
        ("SWAP", (I1, I2, 0), "i1 on the start/end token"),
        ("WRITE", (0, 0, 0), "not a primitive of bubble sort"),
    ],
)
def test_invalid_actions_raise_action_error(name, args, message):
    with pytest.raises(ActionError, match=message):
        BubbleArray((3, 1)).apply(name, args)


def test_swap_with_i2_on_the_end_token_is_refused():
    env = BubbleArray((3, 1))
    env.i1, env.i2 = 2, 3
    with pytest.raises(ActionError, match="i2 on the start/end token"):
        env.apply("SWAP", (I1, I2, 0))


def test_unknown_formulation_is_named():
    with pytest.raises(ProblemError, match="no formulation 'looped'"):
        reference((1, 2), "looped")


# ---------------------------------------------------------------------------------------------- training sets
def test_paper_set_is_every_two_digit_array_once():
    problems = bubblesort.training_set("paper", seed=0)
    assert len(problems) == 100 and all(len(p) <= 2 for p in problems)
    assert sorted(problems) == [(a, b) for a in range(10) for b in range(10)]
    assert bubblesort.coverage(problems) == (110, 110)


def test_paper_set_misses_only_lshift_meeting_a_descending_pair():
    # what two-value arrays cannot show: after a pass of a longer array, LSHIFT walks back over pairs
    # that are still out of order
    seen = set().union(*(bubblesort.decisions(p) for p in bubblesort.training_set("paper")))
    rng = random.Random(0)
    longer = set().union(*(bubblesort.decisions(bubblesort.random_problem(rng.randint(3, 8), rng)) for _ in range(150)))
    missing = longer - seen
    assert missing and all(prog == "LSHIFT" and EDGE > obs[0] > obs[1] for prog, obs in missing)


@pytest.mark.parametrize("formulation", ["non-recursive", "recursive"])
def test_comparison_paper_set_shows_every_decision_of_longer_arrays(formulation):
    problems = bubblesort.training_set_compare("paper")
    assert [len(p) for p in problems] == [7, 7, 6]
    seen = set().union(*(bubblesort.decisions(p, formulation, compare=True) for p in problems))
    rng = random.Random(1)
    longer = [bubblesort.random_problem(rng.randint(2, 12), rng) for _ in range(60)]
    assert set().union(*(bubblesort.decisions(p, formulation, compare=True) for p in longer)) <= seen


def test_every_order_of_up_to_four_values_shows_every_comparison_decision():
    # what the docstring's coverage claim rests on: the decisions of all small arrays, the value-dependent
    # ones among them, are exactly what long random arrays show
    small = set()
    for n in range(1, 5):
        for values in itertools.product(range(n), repeat=n):
            small |= bubblesort.decisions(values, compare=True)
    rng = random.Random(2)
    longer = [bubblesort.random_problem(rng.randint(5, 12), rng) for _ in range(40)]
    assert set().union(*(bubblesort.decisions(p, compare=True) for p in longer)) == small
    assert bubblesort.VALUE_DECISIONS_COMPARE <= small and len(small) == 21


def test_training_sets_of_n_problems_look_like_the_papers():
    digits = bubblesort.training_set("50", seed=1)
    assert len(digits) == 50 and {len(p) for p in digits} == {1, 2}
    bits = bubblesort.training_set_compare("20", seed=1)
    assert len(bits) == 20 and {len(p) for p in bits} <= {6, 7}
    assert TASK.training_set("50", 1) == digits and TASK_COMPARE.training_set("20", 1) == bits


def test_training_sets_are_seeded():
    assert bubblesort.training_set("paper", 3) == bubblesort.training_set("paper", 3)
    assert bubblesort.training_set("paper", 3) != bubblesort.training_set("paper", 4)
    assert bubblesort.training_set_compare("paper", 3) != bubblesort.training_set_compare("paper", 4)


@pytest.mark.parametrize("task", [TASK, TASK_COMPARE])
def test_unknown_training_set_names_the_choices(task):
    with pytest.raises(ProblemError, match="use 'paper'(, 'covering')? or a count"):
        task.training_set("huge", 0)


def test_random_problem_has_size_digits():
    rng = random.Random(0)
    assert all(len(bubblesort.random_problem(n, rng)) == n for n in (1, 5, 40))
    assert all(0 <= v <= 9 for v in bubblesort.random_problem(200, rng))
    with pytest.raises(ProblemError, match="at least 1 value"):
        bubblesort.random_problem(0, rng)


# ---------------------------------------------------------------------------------------------- for people
def test_describe_spells_out_pointers():
    assert TASK.describe("PTR", (I3, RIGHT, 0)) == "PTR(i3, RIGHT)"
    assert TASK.describe("PTR", (I1, LEFT, 0)) == "PTR(i1, LEFT)"
    assert TASK.describe("SWAP", (I1, I2, 0)) == "SWAP(i1, i2)"
    assert TASK.describe("RESET", (0, 0, 0)) == "RESET"


def test_snapshot_is_frozen_and_prints_the_row_with_its_pointers():
    state = BubbleArray((3, 1, 2)).snapshot()
    with pytest.raises(AttributeError):
        state.i1 = 2
    assert str(state).splitlines() == ["Q  #  3  1  2  #", "i 12  3"]


def test_draw_shows_the_row():
    import matplotlib

    matplotlib.use("Agg")
    ax = TASK.draw(BubbleArray((3, 1, 2)).snapshot(), title="[3, 1, 2]")
    assert ax.get_title() == "[3, 1, 2]"
    assert [t.get_text() for t in ax.texts][:5] == ["#", "3", "1", "2", "#"]


def test_the_paper_set_never_shows_lshift_an_unsorted_pair_and_the_covering_set_shows_all_45():
    """Arrays of two values are sorted after one pass: RESET's LSHIFT frames only ever see sorted
    neighbours. Longer arrays show unsorted ones, and "covering" shows every one of them."""
    unsorted = {(a, b) for a in range(10) for b in range(10) if a > b}
    assert bubblesort.lshift_unsorted_pairs(bubblesort.training_set("paper")) == set()
    assert bubblesort.lshift_unsorted_pairs(bubblesort.training_set("covering")) == unsorted
    longer = [bubblesort.random_problem(8, random.Random(k)) for k in range(20)]
    assert len(bubblesort.lshift_unsorted_pairs(longer)) > 10  # what testing meets
    covering = bubblesort.training_set("covering")
    assert covering[:100] == bubblesort.training_set("paper")  # the paper's arrays, then the 45


# ---------------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def v_digits():
    return verify.build(TASK, "recursive")


@pytest.fixture(scope="module")
def v_compare():
    return verify.build(TASK_COMPARE, "recursive")


def test_v_of_the_digit_encoder_has_the_sequences_counted_by_hand(v_digits):
    """Each count follows from what a call of the recursive programs sees (E: the start/end token):"""
    assert v_digits.by_program() == {
        "BUBBLESORT": 1 + 10 * 2,  # i3 == length: NOP; else the maximum m after BUBBLE, and after RESET
        # i3 == length or not
        "BUBBLE": 10,  # (E, E) then (E, Q[1])
        "BSTEP": 10 * 10 + 10 * 10 * 11 + 10,  # (E, b) then (b, digit): two values at least; (a, b) then
        # (max, digit or E); the base case (Q[N], E)
        "COMPSWAP": 10 + 100,  # (E, b) or any pair of digits
        "RSHIFT": 10 + 55,  # after COMPSWAP: (E, b) or a pair in order
        "RESET": 10,  # from (m, E)
        "LSHIFT": 1 + 10 + 10 * 10 + 55 + 1000,  # (E, E); (E, b); (E, a, b) at the front; (r <= m, m, E) from
        # the end; any three digits in between: a pass can leave any order in front of the values it carried
    }
    assert len(v_digits) == 2592 and v_digits.states < 5000


def test_v_of_the_comparison_encoder_is_what_every_order_of_up_to_four_values_shows(v_compare):
    # the model's ranks stand for values of any kind, and a call sees at most three cells: every order of
    # up to four values shows V exactly, nothing more (nothing impossible) and nothing less
    small = set()
    for n in range(1, 5):
        for values in itertools.product(range(n), repeat=n):
            small |= verify.sequences_of(TASK_COMPARE.reference(values, "recursive", record_states=False))
    assert set(v_compare.sequences) == small and len(v_compare) == 30


def test_v_holds_none_of_what_the_model_must_rule_out(v_digits):
    """What the model keeps beside the window rules out sequences that no array produces."""
    obs = {s.program: set() for s in v_digits}
    for s in v_digits:
        obs[s.program].add(s.observations)
    bstep = {o for o in obs["BSTEP"] if len(o) == 3}
    # `ahead`: a pass starts on two values at least, so BSTEP never goes from (E, b) to (b, E)
    assert all(o[0][0] != EDGE or o[2][1] != EDGE for o in bstep)
    assert ((EDGE, 4, 0), (EDGE, 4, 0), (4, EDGE, 0)) not in bstep and ((2, 4, 0), (2, 4, 0), (4, EDGE, 0)) in bstep
    # `below`: walking back from the end, LSHIFT meets nothing larger than the maximum the pass left there
    from_end = {o for o in obs["LSHIFT"] if o[0][1] == EDGE and o[0][0] != EDGE}
    assert len(from_end) == 55 and all(o[1][0] <= o[0][0] for o in from_end)
    # and an array of one value gets no pass: walking back from (Q[N], E), LSHIFT meets a value first
    assert not any(o[0][1] == EDGE and o[1][0] == EDGE for o in from_end)


@pytest.mark.parametrize("task", [TASK, TASK_COMPARE], ids=lambda t: t.name)
def test_every_reference_call_on_random_arrays_is_in_v(task, v_digits, v_compare):
    v = v_digits if task is TASK else v_compare
    small = verify.cross_check(v, range(1, 10), per_size=20, seed=1)
    large = verify.cross_check(v, (20, 40, 60), per_size=1, seed=2)  # a run of 60 values takes a second
    assert small.ok and large.ok, (small.outside + large.outside)[:3]
    assert small.met > (1500 if task is TASK else 29)


def test_the_candidates_meet_every_sequence_of_the_digit_v(v_digits):
    cover = verify.inputs_covering(v_digits)
    assert cover.uncovered == []
    assert len(cover.problems) == 1716 and {len(p) for p in cover.problems} == {1, 2, 3, 4}
    assert set(cover.witness) == set(v_digits.sequences)


def test_one_array_of_six_values_meets_all_of_the_comparison_v_and_none_of_five_does(v_compare):
    cover = verify.inputs_covering(v_compare)
    assert cover.problems == [bubblesort.COMPARE_COVER] and cover.uncovered == [] and cover.candidates == 1
    every = set(v_compare.sequences)
    # every order of five values, ties included: the arrays of ranks 0..k-1 that use every rank (541 of them)
    orders = [values for values in itertools.product(range(5), repeat=5)
              if set(values) == set(range(max(values) + 1))]
    assert len(orders) == 541
    assert not any(verify.sequences_of(TASK_COMPARE.reference(values, "recursive", record_states=False)) >= every
                   for values in orders)


@pytest.mark.parametrize("task", [TASK, TASK_COMPARE], ids=lambda t: t.name)
@pytest.mark.parametrize("formulation", ["partial", "non-recursive"])
def test_a_formulation_with_loops_has_no_finite_v(task, formulation):
    # BUBBLE's loop (in both) runs one BSTEP per value: its frame's sequences grow with the array
    with pytest.raises(verify.InfiniteV, match="BUBBLE ran 500 steps"):
        verify.build(task, formulation)
    assert task.verification.formulations == ("recursive",)


def test_the_verification_specs_name_the_papers_set():
    assert TASK_COMPARE.verification.paper == "one array of length 10"
    assert "comparison encoder" in TASK.verification.paper and TASK.verification.paper.startswith("none")


@pytest.mark.parametrize("task,train_set", [("bubblesort", "paper"), ("bubblesort", "covering"),
                                            ("bubblesort-compare", "paper")])
def test_shipped_recursive_checkpoints_pass_the_check_on_v(task, train_set, v_digits, v_compare):
    from npi_lib.checkpoint import shipped_checkpoint, shipped_checkpoints

    shipped = {(t, s) for t, f, s in shipped_checkpoints() if t.startswith("bubblesort") and f == "recursive"}
    assert shipped == {("bubblesort", "paper"), ("bubblesort", "covering"), ("bubblesort-compare", "paper")}
    v = v_digits if task == "bubblesort" else v_compare
    result = verify.check(shipped_checkpoint(task, "recursive", train_set).model, v)
    assert result.ok, "\n".join(f.describe(get_task(task)) for f in result.failures[:5])
    assert result.passed == len(v) and result.min_margin > 0


def test_the_row_model_refuses_moves_the_reference_never_makes():
    model = bubblesort.RowModel(ranks=False)
    start, start_more = model.entries()
    assert start.done and not start_more.done and start_more.ahead == 2
    with pytest.raises(ProblemError, match="PTR\\(i3, LEFT\\)"):
        model.apply(start_more, "PTR", (I3, LEFT, 0))
    with pytest.raises(ProblemError, match="PTR\\(i3, RIGHT\\)"):
        model.apply(start, "PTR", (I3, RIGHT, 0))  # past the length
    with pytest.raises(ProblemError, match="no two values to swap"):
        model.apply(start_more, "SWAP", (I1, I2, 0))
    assert model.apply(start_more, "PTR", (I1, LEFT, 0)) == [start_more]  # clamped on the start token
    assert model.apply(start_more, "PTR", (I3, RIGHT, 0)) == [start_more, replace(start_more, done=True)]


def test_the_row_model_meets_cells_lazily_within_what_the_row_allows():
    digits, ranks = bubblesort.RowModel(ranks=False), bubblesort.RowModel(ranks=True)
    _, start = digits.entries()
    # i2 leaves the start token: a value (two are promised), never the end token
    first = digits.apply(start, "PTR", (I2, RIGHT, 0))
    assert [digits.observe(v) for v in first] == [(EDGE, d, 0) for d in range(10)]
    # with ranks, a value met next to one known value is smaller, equal or larger: three orders, any values
    (one,) = ranks.apply(start, "PTR", (I2, RIGHT, 0))
    shifted = ranks.apply(ranks.apply(one, "PTR", (I1, RIGHT, 0))[0], "PTR", (I2, RIGHT, 0))
    assert sorted(ranks.observe(v) for v in shifted) == [(0, 1, 1, 0), (1, 1, 1, 0), (1, 1, 1, 0)]
    assert sorted(v.cells for v in shifted) == [(0, 0), (0, 1), (1, 0)]
    # walking left from (7, end) with every value behind <= 7: a value <= 7, the last one or not
    at_end = bubblesort.RowView((7, bubblesort.END), 0, 1, below=7, ahead=0, done=False)
    left = digits.apply(at_end, "PTR", (I1, LEFT, 0))
    assert {v.cells for v in left} == {(r, 7, bubblesort.END) for r in range(8)} and len(left) == 16
    # and i2 following it drops the end token from the window: nothing more is promised on the right
    assert digits.apply(left[0], "PTR", (I2, LEFT, 0))[0].cells == (0, 7)
