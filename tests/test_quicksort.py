"""Quicksort: the environment, both reference programs, coverage and training sets (npi_lib/quicksort.py)."""

import itertools
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib import quicksort as qs
from npi_lib.errors import ActionError, ProblemError
from npi_lib.quicksort import FORMULATIONS, TASK, VERIFICATION_ARRAY, QuicksortEnv, reference, run_reference
from npi_lib.trace import Tracer, frames, longest_frame

# digits 0-9, and arrays over 0-2 where most elements repeat (Lomuto's hard case)
arrays = st.one_of(
    st.lists(st.integers(0, 9), min_size=1, max_size=15),
    st.lists(st.integers(0, 2), min_size=1, max_size=15),
)


def lomuto_swap_states(array):
    """An independent textbook quicksort (Lomuto, pivot A[hi], left part first): the array after each swap."""
    a, states = list(array), []

    def swap(i, k):
        a[i], a[k] = a[k], a[i]
        states.append(tuple(a))

    def sort(lo, hi):
        if lo >= hi:
            return
        pivot = lo
        for j in range(lo, hi):
            if a[j] <= a[hi]:
                swap(pivot, j)
                pivot += 1
        swap(pivot, hi)
        sort(lo, pivot - 1)
        sort(pivot + 1, hi)

    sort(0, len(a) - 1)
    return states


def is_pop(name, args):
    """The primitives of STACK(POP): only POP resets a stack cell or moves a stack pointer down."""
    return (name == "WRITE" and args[1] == qs.S_RESET) or (
        name == "MOVE" and args[0] in (qs.P_STACK_LO, qs.P_STACK_HI) and args[1] == qs.DOWN
    )


# ---------------------------------------------------------------------------------------------- sorting
@settings(max_examples=150, deadline=None)
@given(arrays, st.sampled_from(FORMULATIONS))
def test_every_formulation_sorts_like_python(array, formulation):
    env = run_reference(array, formulation)
    assert TASK.output(env) == sorted(array)
    assert TASK.check(tuple(array), TASK.output(env))


@settings(max_examples=100, deadline=None)
@given(arrays, st.sampled_from(FORMULATIONS))
def test_swaps_are_those_of_an_independent_lomuto_quicksort(array, formulation):
    trace = reference(array, formulation)
    swaps = [s.state.array for _, s in trace.walk() if s.name == "SWAP"]
    assert swaps == lomuto_swap_states(array)


def test_verification_array_sorts_in_both_formulations():
    assert VERIFICATION_ARRAY == (8, 2, 1, 2, 0, 8, 5, 8, 3, 7)
    for formulation in FORMULATIONS:
        assert TASK.output(run_reference(VERIFICATION_ARRAY, formulation)) == sorted(VERIFICATION_ARRAY)


def test_deep_recursion_on_long_arrays_needs_no_care_from_the_caller():
    # a random array of 400 digits nests 400 COMPSWAP_LOOP calls in its first PARTITION (about 1,200 Python
    # frames, past Python's default limit of 1,000); the Tracer raises the limit as needed. Length 1,000
    # and the sorted worst case work too (measured in the report; too slow for the test suite).
    array = qs.random_problem(400, random.Random(5))
    env = QuicksortEnv(array)
    trace = Tracer(env, record_states=False).run(qs.ENTRY["recursive"])
    assert max(depth for depth, _ in trace.walk()) > 400
    assert TASK.output(env) == sorted(array)


# ---------------------------------------------------------------------------------------------- the two formulations
@settings(max_examples=100, deadline=None)
@given(arrays)
def test_formulations_run_the_same_primitives_but_for_pops_and_nops(array):
    flat = reference(array, "non-recursive", record_states=False).primitives()
    rec = reference(array, "recursive", record_states=False).primitives()
    assert flat != rec  # the pops come at different times: see the module docstring
    # the loop pops a frame before partitioning it, the recursion after sorting it: otherwise identical
    assert [p for p in flat if not is_pop(*p) and p[0] != "NOP"] == [p for p in rec if not is_pop(*p) and p[0] != "NOP"]
    pushes = sum(1 for name, args in flat if name == "MOVE" and args == (qs.P_STACK_LO, qs.UP, 0))
    assert sum(1 for p in flat if is_pop(*p)) == 4 * (pushes + 1)  # every frame, the root's too
    assert sum(1 for p in rec if is_pop(*p)) == 4 * pushes  # the root frame stays on the stacks


@settings(max_examples=100, deadline=None)
@given(arrays)
def test_stacks_end_empty_for_the_loop_and_holding_the_root_frame_for_the_recursion(array):
    n = len(array)
    flat, rec = run_reference(array, "non-recursive").snapshot(), run_reference(array, "recursive").snapshot()
    assert flat.frames() == [] and rec.frames() == [(0, n - 1)]
    assert flat.p_j is None and rec.p_j is None


def test_sorted_arrays_fill_the_stacks_most():
    # the recursion keeps (own, right part) frames down the whole left spine: 2n - 1 of them
    for n in (1, 2, 7, 20):
        for formulation, expected in (("recursive", 2 * n - 1), ("non-recursive", n)):
            trace = reference(sorted(qs.random_problem(n, random.Random(n))), formulation)
            deepest = max(len(s.state.frames()) for _, s in trace.walk() if s.state is not None)
            assert deepest == expected
        assert QuicksortEnv([0] * n).capacity == 2 * n + 1  # the floor and 2n frames: room to spare


def test_recursive_frames_stay_short_while_the_loop_grows():
    # every recursive frame has a fixed shape (QUICKSORT 9 steps, PARTITION 5, STACK 4, COMPSWAP_LOOP 3,
    # COMPSWAP 2), so the longest frame is 9 steps for any array; the loop frames grow with the array
    rng = random.Random(0)
    flat, rec = [], []
    for n in (3, 10, 30, 100):
        array = qs.random_problem(n, rng)
        flat.append(longest_frame(reference(array, "non-recursive", record_states=False)))
        rec.append(longest_frame(reference(array, "recursive", record_states=False)))
    assert rec == [9, 9, 9, 9]
    assert flat == sorted(flat) and flat[-1] > 5 * 100


@settings(max_examples=100, deadline=None)
@given(arrays)
def test_recursive_frames_have_a_fixed_shape(array):
    longest = {"QUICKSORT": 9, "PARTITION": 5, "STACK": 4, "COMPSWAP_LOOP": 3, "COMPSWAP": 2}
    for f in frames(reference(array, "recursive", record_states=False)):
        assert len(f.steps) <= longest[f.program]
        assert [s.ret for s in f.steps] == [False] * (len(f.steps) - 1) + [True]


def test_first_recursive_call_is_not_a_tail_call_and_compswap_loop_is():
    trace = reference([3, 1, 2, 0], "recursive")
    root = [(s.name, s.ret) for s in trace.root.children]
    assert root == [
        ("WRITE", False), ("WRITE", False), ("PARTITION", False), ("STACK", False), ("STACK", False),
        ("QUICKSORT", False), ("STACK", False), ("QUICKSORT", False), ("STACK", True),
    ]  # fmt: skip
    # the caller keeps running after its first QUICKSORT returns: that frame is not a tail call
    loops = [s for _, s in trace.walk() if s.name == "COMPSWAP_LOOP"]
    assert all(s.children[-1].name == "NOP" or s.children[-1].ret for s in loops)
    assert any(s.children[-1].name == "COMPSWAP_LOOP" for s in loops)


def test_base_case_is_a_returning_nop():
    trace = reference([5], "recursive")
    assert [(s.name, s.ret) for s in trace.root.children] == [("NOP", True)]
    flat = reference([5], "non-recursive")
    steps = [(TASK.describe(s.name, s.args), s.ret) for s in flat.root.children]
    assert steps == [("STACK(POP)", False), ("NOP", True)]


def test_paper_loop_structure_for_a_two_element_array():
    trace = reference([2, 1], "non-recursive")
    steps = [TASK.describe(s.name, s.args) for s in trace.root.children]
    assert steps == [
        "WRITE(p_hi, Q_stackHi top)", "WRITE(p_lo, Q_stackLo top)", "STACK(POP)", "PARTITION",
        "STACK(PUSH_CALL2)", "STACK(PUSH_CALL1)", "STACK(POP)", "STACK(POP)", "NOP",
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------- observations only
def every_small_pattern():
    """One array per order pattern of length <= 5, and some longer random arrays."""
    small = [a for n in range(1, 6) for a in itertools.product(range(n), repeat=n) if set(a) == set(range(max(a) + 1))]
    rng = random.Random(3)
    return small + [qs.random_problem(rng.randint(6, 20), rng) for _ in range(100)]


@pytest.mark.parametrize("formulation", FORMULATIONS)
def test_each_step_follows_from_the_observations_of_its_frame_alone(formulation):
    # what the NPI must learn is a function of (program, arguments, observations so far in the frame):
    # two runs that agree on those never disagree on the next step
    decide = {}
    for array in every_small_pattern()[::3]:
        for f in frames(reference(array, formulation, record_states=False)):
            for i, s in enumerate(f.steps):
                key = (f.program, f.args, tuple(x.obs for x in f.steps[: i + 1]))
                step = (s.next_program, s.next_args, s.ret)
                assert decide.setdefault(key, step) == step


@settings(max_examples=60, deadline=None)
@given(arrays)
def test_null_p_j_reads_invalid_outside_partition(array):
    # QUICKSORT and STACK frames run while p_j is null: A[p_j] <= A[p_hi] and p_j == p_hi are both false
    for f in frames(reference(array, "recursive", record_states=False)):
        if f.program in ("QUICKSORT", "STACK"):
            assert all(s.obs[:2] == (0, 0) for s in f.steps)


def test_observation_is_four_booleans():
    env = QuicksortEnv([3, 1, 2])
    assert env.observe() == (0, 0, 1, 0)  # p_j null, p_hi null, top frame (0, 2), stacks not empty
    assert QuicksortEnv([7]).observe() == (0, 0, 0, 0)  # frame (0, 0): nothing to sort
    env.apply("WRITE", (qs.T_HI, qs.S_STACK_HI_TOP, 0))
    env.apply("WRITE", (qs.T_LO, qs.S_STACK_LO_TOP, 0))
    env.apply("SET_J_LO", (0, 0, 0))
    assert env.observe() == (0, 0, 1, 0)  # A[0] = 3 > A[2] = 2
    env.apply("MOVE", (qs.P_J, qs.UP, 0))
    assert env.observe() == (1, 0, 1, 0)  # A[1] = 1 <= 2
    env.apply("MOVE", (qs.P_J, qs.UP, 0))
    assert env.observe() == (1, 1, 1, 0)  # p_j == p_hi
    assert run_reference([3, 1, 2], "non-recursive").observe() == (0, 0, 0, 1)  # stacks empty


# ---------------------------------------------------------------------------------------------- coverage, training sets
def test_universes_have_the_documented_sizes():
    assert len(qs.observation_universe("non-recursive")) == 36
    assert len(qs.observation_universe("recursive")) == 19
    assert len(qs.sequence_universe()) == 25


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 9), min_size=6, max_size=25))
def test_longer_arrays_meet_nothing_outside_the_universes(array):
    # the universes come from arrays of length <= 5; longer arrays only repeat what those meet
    assert qs.step_inputs(array, "recursive") <= qs.sequence_universe()
    for formulation in FORMULATIONS:
        assert qs.frame_observations(array, formulation) <= qs.observation_universe(formulation)


def test_verification_array_meets_every_step_input_sequence_of_the_recursion():
    # [CAI] verify quicksort with this single array: with this reconstruction it meets all of V
    assert qs.coverage([VERIFICATION_ARRAY], "recursive", "sequences") == (25, 25)


def test_paper_training_set_is_four_arrays_of_length_5_covering_everything():
    problems = qs.training_set("paper", seed=0)
    assert len(problems) == 4 and all(len(p) == 5 and all(0 <= v <= 9 for v in p) for p in problems)
    assert qs.coverage(problems, "non-recursive") == (36, 36)
    assert qs.coverage(problems, "recursive") == (19, 19)
    assert qs.coverage(problems, "recursive", "sequences") == (25, 25)


def test_four_random_arrays_often_miss_sequences():
    # why "paper" draws greedily
    rng = random.Random(0)
    sets = [[qs.random_problem(5, rng) for _ in range(4)] for _ in range(10)]
    assert any(qs.coverage(s, "recursive", "sequences")[0] < 25 for s in sets)


def test_training_sets_are_seeded_and_sized():
    assert qs.training_set("paper", 3) == qs.training_set("paper", 3)
    assert qs.training_set("paper", 3) != qs.training_set("paper", 4)
    problems = qs.training_set("12", 1)
    assert len(problems) == 12 and all(len(p) == 5 for p in problems)
    assert problems == qs.training_set("12", 1)


@pytest.mark.parametrize("name", ["huge", "0", "-3", ""])
def test_unknown_training_set_names_the_choices(name):
    with pytest.raises(ProblemError, match="'paper' or a count"):
        qs.training_set(name)


def test_coverage_rejects_what_has_no_finite_universe():
    with pytest.raises(ProblemError, match="only the recursive formulation"):
        qs.coverage([(1, 2)], "non-recursive", "sequences")
    with pytest.raises(ProblemError, match="unknown coverage unit 'pairs'"):
        qs.coverage([(1, 2)], "recursive", "pairs")


# ---------------------------------------------------------------------------------------------- problems
@pytest.mark.parametrize(
    "value, message",
    [
        ("[3, 1]", "list of digits"),
        (5, "list of digits"),
        (None, "list of digits"),
        ({"a": 1}, "list of digits"),
        ([], "empty"),
        ([1, 2.5], r"element 1 \(2.5\) is not an integer"),
        ([True, 2], r"element 0 \(True\) is not an integer"),
        ([3, "4"], r"element 1 \('4'\) is not an integer"),
        ([3, None], "element 1 .* not an integer"),
        ([1, 2, 10], "element 2 is 10: the array holds digits 0-9"),
        ([-1], "element 0 is -1"),
    ],
)
def test_bad_arrays_are_rejected_with_a_reason(value, message):
    with pytest.raises(ProblemError, match=message):
        qs.parse_input(value)


def test_parse_input_accepts_lists_and_tuples_of_digits():
    assert qs.parse_input([0, 9, 9]) == (0, 9, 9)
    assert qs.parse_input((4,)) == (4,)
    with pytest.raises(ProblemError):
        QuicksortEnv([12])


def test_random_problem_has_size_digits():
    rng = random.Random(1)
    for n in (1, 5, 40):
        p = qs.random_problem(n, rng)
        assert len(p) == n and all(0 <= v <= 9 for v in p)
    with pytest.raises(ProblemError, match="at least 1 element"):
        qs.random_problem(0, rng)


def test_check_wants_the_sorted_array():
    assert TASK.check((3, 1, 2), [1, 2, 3])
    assert not TASK.check((3, 1, 2), [3, 1, 2])
    assert not TASK.check((3, 1, 2), None)


def test_unknown_formulation_is_named():
    with pytest.raises(ProblemError, match="no formulation 'partial'"):
        reference([1, 2], "partial")


# ---------------------------------------------------------------------------------------------- actions
def ready_env():
    """[3, 1, 2] with p_lo, p_hi read from the initial frame and p_pivot, p_j at p_lo."""
    env = QuicksortEnv([3, 1, 2])
    for name, args in [
        ("WRITE", (qs.T_HI, qs.S_STACK_HI_TOP, 0)), ("WRITE", (qs.T_LO, qs.S_STACK_LO_TOP, 0)),
        ("SET_PIVOT_LO", (0, 0, 0)), ("SET_J_LO", (0, 0, 0)),
    ]:  # fmt: skip
        env.apply(name, args)
    return env


@pytest.mark.parametrize(
    "env, name, args, message",
    [
        (QuicksortEnv([3, 1]), "SET_J_LO", (0, 0, 0), "p_lo is null"),
        (QuicksortEnv([3, 1]), "MOVE", (qs.P_J, qs.UP, 0), "p_j\\): the pointer is null"),
        (QuicksortEnv([3, 1]), "MOVE", (qs.P_LO, qs.UP, 0), "pointer must be p_stackLo"),
        (QuicksortEnv([3, 1]), "MOVE", (qs.P_J, 2, 0), "direction UP=0 or DOWN=1"),
        (ready_env(), "MOVE", (qs.P_PIVOT, qs.DOWN, 0), "p_pivot to -1, past the bottom of the array"),
        (QuicksortEnv([3, 1]), "SWAP", (qs.P_PIVOT, qs.P_J, 0), "null pointer"),
        (ready_env(), "SWAP", (qs.P_J, qs.P_HI, 0), "only SWAP\\(p_pivot"),
        (ready_env(), "WRITE", (4, 0, 0), "target must be 0-3"),
        (ready_env(), "WRITE", (qs.T_HI, qs.S_PIVOT_MINUS_1, 0), "-1 is not an index of the array"),
        (QuicksortEnv([3, 1]), "WRITE", (qs.T_LO, qs.S_PIVOT_PLUS_1, 0), "p_pivot\\+1: it is empty"),
        (QuicksortEnv([3, 1]), "JUMP", (0, 0, 0), "not a primitive of quicksort"),
    ],
)
def test_invalid_actions_raise_action_error(env, name, args, message):
    with pytest.raises(ActionError, match=message):
        env.apply(name, args)


def test_stack_pointer_cannot_pass_the_top_of_the_stack():
    env = QuicksortEnv([3])
    env.apply("MOVE", (qs.P_STACK_LO, qs.UP, 0))
    assert env.ptr[qs.P_STACK_LO] == env.capacity - 1
    with pytest.raises(ActionError, match="past the top of the stack"):
        env.apply("MOVE", (qs.P_STACK_LO, qs.UP, 0))


def test_stack_floor_is_never_written_and_never_popped_through():
    env = QuicksortEnv([3, 1])
    env.apply("MOVE", (qs.P_STACK_LO, qs.DOWN, 0))
    with pytest.raises(ActionError, match="floor"):
        env.apply("WRITE", (qs.T_STACK_LO, qs.S_STACK_HI_TOP, 0))
    env.apply("WRITE", (qs.T_STACK_LO, qs.S_RESET, 0))  # resetting the floor is harmless
    with pytest.raises(ActionError, match="past the bottom of the stack"):
        env.apply("MOVE", (qs.P_STACK_LO, qs.DOWN, 0))


@settings(max_examples=60, deadline=None)
@given(arrays, st.sampled_from(FORMULATIONS))
def test_every_step_uses_known_programs_and_arguments_in_range(array, formulation):
    for _, s in list(reference(array, formulation, record_states=False).walk())[1:]:
        assert s.name in TASK.programs
        assert (s.name in TASK.primitives) == (not s.is_call)
        assert len(s.args) == 3 and all(0 <= a < size for a, size in zip(s.args, TASK.arg_sizes))
        assert len(s.obs) == len(TASK.obs_sizes) and all(0 <= o < k for o, k in zip(s.obs, TASK.obs_sizes))


# ---------------------------------------------------------------------------------------------- for people
def test_describe_spells_out_every_kind_of_step():
    d = TASK.describe
    assert d("MOVE", (qs.P_J, qs.UP, 0)) == "MOVE(p_j, UP)"
    assert d("MOVE", (qs.P_STACK_HI, qs.DOWN, 0)) == "MOVE(p_stackHi, DOWN)"
    assert d("SWAP", (qs.P_PIVOT, qs.P_HI, 0)) == "SWAP(p_pivot, p_hi)"
    assert d("WRITE", (qs.T_HI, qs.S_STACK_HI_TOP, 0)) == "WRITE(p_hi, Q_stackHi top)"
    assert d("WRITE", (qs.T_STACK_HI, qs.S_PIVOT_MINUS_1, 0)) == "WRITE(Q_stackHi, p_pivot-1)"
    assert d("WRITE", (qs.T_STACK_LO, qs.S_RESET, 0)) == "WRITE(Q_stackLo, RESET)"
    assert d("STACK", (qs.PUSH_CALL1, 0, 0)) == "STACK(PUSH_CALL1)"
    assert d("STACK", (qs.POP, 0, 0)) == "STACK(POP)"
    assert d("STACK", (9, 0, 0)) == "STACK(9)"  # a code the network made up is still shown
    assert d("PARTITION", (0, 0, 0)) == "PARTITION"


def test_snapshot_reads_as_array_pointers_and_frames():
    env = ready_env()
    env.apply("MOVE", (qs.P_J, qs.UP, 0))
    text = str(env.snapshot())
    assert text == "A [3 1 2]   p_lo=0 p_hi=2 p_pivot=0 p_j=1\nstacks (lo, hi), bottom to top: (0, 2)"
    assert "stacks (lo, hi), bottom to top: empty" in str(run_reference([1, 2], "non-recursive").snapshot())
    with pytest.raises(AttributeError):
        env.snapshot().p_j = 2  # frozen: a viewer cannot change the trace


def test_draw_shows_the_array_and_both_stacks():
    import matplotlib

    matplotlib.use("Agg")
    state = ready_env().snapshot()
    ax = TASK.draw(state, title="[3, 1, 2]")
    assert ax.get_title() == "[3, 1, 2]"
    texts = {t.get_text() for t in ax.texts}
    assert {"A", "Q_stackLo", "Q_stackHi", "p_lo", "p_hi", "p_pivot", "p_j", "p_stackLo", "p_stackHi"} <= texts
    import matplotlib.pyplot as plt

    plt.close("all")


def test_task_interface():
    assert TASK.name == "quicksort" and TASK.formulations == ("non-recursive", "recursive")
    assert TASK.entry("recursive") == TASK.entry("non-recursive") == ("QUICKSORT", (0, 0, 0))
    assert TASK.arg_sizes == (6, 7, 1) and TASK.obs_sizes == (2, 2, 2, 2)
    assert TASK.output(TASK.make_env((2, 0))) == [2, 0]


# ---------------------------------------------------------------------------------------------- verification
@pytest.fixture(scope="module")
def v_rec():
    from npi_lib import verify

    return verify.build(TASK, "recursive")


def test_v_is_exactly_the_sequences_of_exhaustive_small_arrays(v_rec):
    # the model's fixed point gives the 25 sequences arrays of length <= 5 meet, nothing more and nothing less
    assert len(v_rec) == 25
    assert v_rec.by_program() == {"QUICKSORT": 5, "PARTITION": 2, "COMPSWAP_LOOP": 10, "COMPSWAP": 3, "STACK": 5}
    assert {(s.program, s.args, s.observations) for s in v_rec} == qs.sequence_universe()
    assert v_rec.states < 200  # (program, arguments, state) triples: a call sees only the top of the stacks


def test_v_decides_as_the_reference_on_every_small_array(v_rec):
    from npi_lib.verify import sequences_of

    met = set()
    for n in range(1, 6):
        for array in itertools.product(range(n), repeat=n):
            if set(array) == set(range(max(array) + 1)):
                met |= sequences_of(reference(array, "recursive", record_states=False))
    assert met == set(v_rec.sequences)  # the same observations and the same decisions


def test_random_arrays_of_many_sizes_meet_nothing_outside_v(v_rec):
    from npi_lib.verify import cross_check

    small = cross_check(v_rec, range(1, 11), per_size=30, seed=1)
    large = cross_check(v_rec, (20, 35, 60), per_size=4, seed=2)
    assert small.ok and large.ok, small.outside + large.outside
    assert small.met == 25 and large.met == 25


def test_the_verification_array_alone_is_s_v(v_rec):
    from npi_lib.verify import inputs_covering

    cover = inputs_covering(v_rec)
    assert cover.uncovered == [] and cover.problems == [VERIFICATION_ARRAY] and cover.candidates == 1
    assert next(qs.verification_candidates()) == VERIFICATION_ARRAY
    assert "one array of length 10" in TASK.verification.paper
    # without it, the small arrays alone meet every sequence too
    rest = list(qs.verification_candidates())[1:]
    assert all(len(a) <= 5 for a in rest) and inputs_covering(v_rec, rest).uncovered == []


def test_the_loop_formulation_has_no_finite_v():
    from npi_lib.verify import InfiniteV, build

    with pytest.raises(InfiniteV, match="COMPSWAP_LOOP ran 500 steps"):
        build(TASK, "non-recursive")


def test_the_shipped_recursive_checkpoint_passes_the_check(v_rec):
    from npi_lib.checkpoint import shipped_checkpoint
    from npi_lib.verify import check, inputs_covering

    result = check(shipped_checkpoint("quicksort", "recursive").model, v_rec, inputs_covering(v_rec).witness)
    assert result.ok, "\n".join(f.describe(TASK) for f in result.failures)
    assert result.passed == result.sequences == 25 and result.min_margin > 0


def _view(**changes):
    base = qs._view_entries()[1]
    return qs.replace(base, **changes) if changes else base


def test_model_entries_observe_the_root_frame():
    # n = 1 gives lo == hi, longer arrays lo < hi; p_j is null, the stacks are not empty
    assert [qs._view_observe(s) for s in qs._view_entries()] == [(0, 0, 0, 0), (0, 0, 1, 0)]


def test_model_pop_observes_the_empty_cell_and_then_the_frame_below():
    # a callee popping its top level: the level below is a caller's frame it cannot see, but is not empty
    two = _view(levels=((("F", True),) * 2, (("F", False),) * 2), pl=2, ph=2)
    callee, kept = qs._view_enter(two, "STACK", (qs.POP, 0, 0))
    assert not callee.floor and len(callee.levels) == 1
    seen, state = [], callee
    for args in ((qs.T_STACK_LO, qs.S_RESET), (qs.T_STACK_HI, qs.S_RESET), (qs.P_STACK_LO, qs.DOWN),
                 (qs.P_STACK_HI, qs.DOWN)):  # fmt: skip
        seen.append(qs._view_observe(state))
        (state,) = qs._view_apply(state, "WRITE" if args[1] == qs.S_RESET else "MOVE", (*args, 0))
    assert seen == [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 0, 1), (0, 0, 0, 0)]
    back = qs._view_leave(kept, state)
    assert back.pl == back.ph == 1 and back.levels == two.levels[:1] and qs._view_observe(back) == (0, 0, 1, 0)


def test_model_lists_every_cell_p_j_can_reach():
    state = _view(frame=True, pivot=0, j=(0, 1), le=False)
    after = qs._view_apply(state, "MOVE", (qs.P_J, qs.UP, 0))
    assert {qs._view_observe(s) for s in after} == {(0, 0, 1, 0), (1, 0, 1, 0), (1, 1, 1, 0)}
    assert all(s.first is True for s in after)  # the cell left behind is > A[p_hi]: it joins the block


@pytest.mark.parametrize(
    "state, name, args, message",
    [
        (_view(), "MOVE", (qs.P_J, qs.DOWN, 0), r"MOVE\(p_j, DOWN\)"),
        (_view(), "SET_PIVOT_LO", (0, 0, 0), "SET_PIVOT_LO with p_lo null"),
        (_view(frame=True, pivot=0, j=(0, 0), le=True), "MOVE", (qs.P_J, qs.UP, 0), "already on p_hi"),
        (_view(pl=0, ph=0), "MOVE", (qs.P_STACK_LO, qs.DOWN, 0), "below the levels this call can see"),
        (_view(frame=True, pivot=0), "WRITE", (qs.T_LO, qs.S_HI, 0), r"WRITE\(p_lo, p_hi\)"),
    ],
)
def test_model_refuses_steps_it_cannot_follow(state, name, args, message):
    from npi_lib.verify import VerificationError

    with pytest.raises(VerificationError, match="verification model cannot follow") as caught:
        qs._view_apply(state, name, args)
    assert re.search(message, str(caught.value))
