"""Tests of npi_lib.verify: V by a fixed point, S_V, the cross-check, the network checked on every sequence,
the report and the command line. The small task of tests/countdown_task.py pins the machinery exactly; the
addition task shows it at the paper's scale. Each task module's own tests check its FrameModel."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib import verify
from npi_lib.addition import BLANK, TASK as ADDITION, add1_entries
from npi_lib.checkpoint import shipped_checkpoint, shipped_path
from npi_lib.cli import main
from npi_lib.errors import ProblemError
from npi_lib.task import FrameModel


@pytest.fixture
def countdown(monkeypatch):
    monkeypatch.syspath_prepend(str(__import__("pathlib").Path(__file__).parent))
    import countdown_task

    return countdown_task


def seq(program, observations, decisions):
    return verify.Sequence_(program, (0, 0, 0), tuple(observations), tuple(decisions))


MARK, BLANK_CELL = (1,), (0,)
NOP_RET, STEP, COUNT_RET = (True, "NOP", (0, 0, 0)), (False, "STEP", (0, 0, 0)), (True, "COUNTDOWN", (0, 0, 0))
ERASE, MOVE_RET = (False, "ERASE", (0, 0, 0)), (True, "MOVE", (0, 0, 0))


# ---------------------------------------------------------------------------------------------- building V
def test_the_fixed_point_finds_exactly_the_sequences_of_the_recursive_countdown(countdown):
    v = verify.build(countdown.TASK)
    assert set(v) == {
        seq("COUNTDOWN", [BLANK_CELL], [NOP_RET]),  # the base case: no mark left
        seq("COUNTDOWN", [MARK, MARK], [STEP, COUNT_RET]),  # one mark, more to come
        seq("COUNTDOWN", [MARK, BLANK_CELL], [STEP, COUNT_RET]),  # the last mark
        seq("STEP", [MARK, BLANK_CELL], [ERASE, MOVE_RET]),
    }
    assert len(v) == 4 and v.by_program() == {"COUNTDOWN": 3, "STEP": 1}


def test_a_loop_has_no_finite_V_and_build_says_why(countdown):
    with pytest.raises(verify.InfiniteV, match=r"COUNTDOWN ran 50 steps .*\(a loop\)"):
        verify.build(countdown.TASK, "loop", max_frame_steps=50)
    with pytest.raises(verify.InfiniteV, match="a loop"):
        verify.build(ADDITION, "non-recursive", max_frame_steps=60)


def test_S_V_meets_every_sequence_and_the_cross_check_finds_nothing_outside(countdown):
    v = verify.build(countdown.TASK)
    cover = verify.inputs_covering(v)
    assert cover.problems == [0, 1, 2] and not cover.uncovered
    assert all(s in verify.reference_sequences(countdown.TASK, cover.witness[s]) for s in v)
    cross = verify.cross_check(v, sizes=(0, 1, 7, 40), per_size=3)
    assert cross.ok and cross.met == 4 and cross.problems == 12


def test_a_model_that_misses_a_possibility_is_caught_by_the_cross_check_and_by_S_V(countdown):
    # MOVE said to reach only the blank: V misses "one mark, more to come"
    blind = FrameModel(
        entries=lambda: [1, 0], observe=lambda c: (c,), apply=lambda c, n, a: [0] if n != "NOP" else [c]
    )
    task = dataclasses.replace(countdown.TASK, verification=dataclasses.replace(countdown.VERIFICATION, model=blind))
    v = verify.build(task)
    assert len(v) == 3
    cross = verify.cross_check(v, sizes=(3,), per_size=1)
    assert not cross.ok and cross.outside[0][1] == seq("COUNTDOWN", [MARK, MARK], [STEP, COUNT_RET])
    with pytest.raises(ProblemError, match="the candidate 2 meets a sequence that is not in V"):
        verify.inputs_covering(v, candidates=[2, 1, 0])


def test_a_model_that_allows_the_impossible_leaves_sequences_no_input_meets(countdown):
    # ERASE said to maybe leave the mark: STEP would then see two marks, which no tape shows it
    loose = FrameModel(
        entries=lambda: [1, 0], observe=lambda c: (c,),
        apply=lambda c, n, a: {"ERASE": [0, 1], "MOVE": [1, 0]}.get(n, [c]),
    )  # fmt: skip
    task = dataclasses.replace(countdown.TASK, verification=dataclasses.replace(countdown.VERIFICATION, model=loose))
    cover = verify.inputs_covering(verify.build(task))
    assert [s.observations for s in cover.uncovered] == [(MARK, MARK)]


def test_the_reference_must_decide_from_what_the_network_sees(countdown):
    # a reference that remembers something the network cannot see (how often it ran) decides differently on
    # the same inputs: no network could learn it, and build says so
    runs = []

    def COUNTDOWN(t, env):
        if env.observe() == (0,):
            return t.act("NOP", ret=True)
        t.call(countdown.STEP)
        runs.append(1)
        if len(runs) % 3:  # not in step with the order in which build replays the frame
            return t.call(COUNTDOWN, ret=True)
        t.act("NOP", ret=True)

    task = dataclasses.replace(countdown.TASK, reference_programs={"recursive": COUNTDOWN})
    with pytest.raises(verify.VerificationError, match="must be a function of the program, its arguments and the obs"):
        verify.build(task)


def test_a_task_without_a_model_cannot_be_verified(countdown):
    task = dataclasses.replace(countdown.TASK, verification=None)
    with pytest.raises(verify.VerificationError, match="no verification model"):
        verify.build(task)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**12), st.integers(0, 10**12))
def test_recorded_sequences_equal_those_of_the_reference_trace(a, b):
    for formulation in ("recursive", "non-recursive"):
        trace = ADDITION.reference((a, b), formulation, record_states=False)
        assert verify.reference_sequences(ADDITION, (a, b), formulation) == verify.sequences_of(trace)


# ---------------------------------------------------------------------------------------------- checking a network
def table_step(v, wrong=None):
    """A step function that answers from V's decisions (lesson 03's lookup table), except at `wrong`."""
    answers = {}
    for s in v:
        for t in range(len(s.observations)):
            answers[(s.program, s.args, s.observations[: t + 1])] = s.decisions[t]
    names = list(v.task.programs)

    def step(obs, args, prog, state):
        seen = (state or ()) + (tuple(obs),)
        key = (names[prog], tuple(args), seen)
        ret, name, nargs = wrong.get(key, answers[key]) if wrong else answers[key]
        return (ret, names.index(name), nargs), seen

    return step


def test_check_passes_a_step_function_that_decides_as_the_reference(countdown):
    v = verify.build(countdown.TASK)
    result = verify.check(table_step(v), v)
    assert result.ok and result.passed == result.sequences == 4 and result.steps == 6  # distinct prefixes
    # the proof's order: STEP is checked before COUNTDOWN, which calls it
    assert result.order == [("STEP", 1, 1), ("COUNTDOWN", 3, 3)]


def test_check_reports_the_wrong_step_of_each_sequence(countdown):
    v = verify.build(countdown.TASK)
    # wrong on the second step of "one mark, then the blank": returns without the tail call
    key = ("COUNTDOWN", (0, 0, 0), (MARK, BLANK_CELL))
    result = verify.check(table_step(v, {key: (True, "NOP", (0, 0, 0))}), v, witness={})
    assert not result.ok and result.passed == 3 and len(result.failures) == 1
    f = result.failures[0]
    assert (f.sequence.observations, f.step, f.expected, f.actual) == ((MARK, BLANK_CELL), 1, COUNT_RET, NOP_RET)
    assert "COUNTDOWN, step 2 of 2" in f.describe(countdown.TASK)


@pytest.fixture(scope="module")
def addition_v():
    return verify.verification_set(ADDITION, "recursive")


def test_addition_V_has_every_column_ADD1_can_meet_and_S_V_meets_it_all(addition_v):
    v, cover = addition_v
    counts = v.by_program()
    entries = add1_entries()
    assert counts["ADD1"] == len(entries) == 241
    # CARRY runs once per column whose sum (blank counting 0) reaches 10: Python arithmetic, not the model
    value = lambda c: 0 if c == BLANK else c  # noqa: E731
    assert counts["CARRY"] == sum(1 for x, y, c in entries if value(x) + value(y) + value(c) >= 10) == 102
    # ADD and LSHIFT see two neighbouring columns: one sequence per pair, in the tens of thousands
    assert counts["ADD"] == counts["LSHIFT"] + 1 > 20_000  # + 1: ADD's base case sees only a blank column
    assert not cover.uncovered and len(cover.problems) < 30_000
    # nothing random falls outside V, at sizes far past the candidates' three columns
    cross = verify.cross_check(v, sizes=(1, 4, 9, 30, 100), per_size=20, seed=3)
    assert cross.ok and cross.met > 1000


def test_the_shipped_addition_model_is_verified_and_runs_S_V_as_the_reference(addition_v):
    v, cover = addition_v
    model = shipped_checkpoint("addition", "recursive").model
    result = verify.check(model, v, cover.witness)
    assert result.ok and result.passed == len(v) and result.min_margin > 0
    assert verify.run_inputs(model, ADDITION, "recursive", cover.problems[::97]) == len(cover.problems[::97])


def test_the_starved_addition_model_fails_where_it_never_saw_a_carry(addition_v):
    v, cover = addition_v
    result = verify.check(shipped_checkpoint("addition", "recursive", "starved").model, v, cover.witness)
    assert not result.ok and result.min_margin < 0
    carry = [f for f in result.failures if f.sequence.program == "CARRY"]
    assert carry and all(f.witness is not None and f.margin < 0 for f in carry)
    # the witness really meets the failing sequence
    f = carry[0]
    assert f.sequence in verify.reference_sequences(ADDITION, f.witness)


def test_check_computes_as_neural_execution_does(addition_v):
    """The batched check and the one-frame step function decide alike on every step, margins aside."""
    v, _ = addition_v
    model = shipped_checkpoint("addition", "recursive", "starved").model
    some = verify.V(ADDITION, "recursive", v.sequences[::50], 0, 0.0)
    batched = verify.check(model, some)
    stepped = verify.check(lambda *a: model.fast_step()(*a), some)  # not a FastStep: one step at a time
    assert [(f.sequence, f.step, f.actual) for f in batched.failures] == [
        (f.sequence, f.step, f.actual) for f in stepped.failures
    ]


# ---------------------------------------------------------------------------------------------- the command line
def test_verify_command_exits_0_for_the_shipped_model(capsys):
    assert main(["verify", "addition"]) == 0
    out = capsys.readouterr().out
    assert "VERIFIED: right on every input of every size" in out and "49,180 of 49,180 sequences passed" in out


def test_a_damaged_checkpoint_fails_with_a_report_naming_the_sequence_that_flipped(tmp_path, capsys):
    content = torch.load(shipped_path("addition", "recursive"), weights_only=False)
    keys = content["state_dict"]["M_key"]
    carry, lshift = ADDITION.program_id("CARRY"), ADDITION.program_id("LSHIFT")
    keys[[carry, lshift]] = keys[[lshift, carry]]  # the two programs' keys swapped
    path = tmp_path / "damaged.pt"
    torch.save(content, path)
    assert main(["verify", "addition", "--checkpoint", str(path), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["verified"] and report["failures"] > 0
    flipped = {(f["expected"]["program"], f["actual"]["program"]) for f in report["first_failures"]}
    assert ("CARRY", "LSHIFT") in flipped or ("LSHIFT", "CARRY") in flipped
    first = report["first_failures"][0]
    assert first["program"] in ("ADD1", "ADD") and first["input"] is not None


def test_verify_command_refuses_what_it_cannot_prove(tmp_path, capsys):
    assert main(["verify", "addition", "--formulation", "non-recursive"]) == 2
    assert "a loop" in capsys.readouterr().err
    assert main(["verify", "no-such-task"]) == 2
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert main(["verify", "addition", "--checkpoint", str(bad)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert main(["verify", "addition", "--failures", "-1"]) == 2


# ---------------------------------------------------------------------------------------------- guided training
def test_guided_training_adds_inputs_that_meet_the_failures_until_the_model_is_verified():
    from npi_lib.toposort import TASK as TOPOSORT

    lines = []
    g = verify.guided_training(TOPOSORT, "recursive", "starved", seed=0, log=lines.append)
    first, last = g.rounds[0], g.rounds[-1]
    assert not g.plain_verified and first.failures > 0 and first.problems == 1  # the one graph fails on V
    assert g.verified and last.failures == 0 and 1 < len(g.rounds) <= 6
    # every added problem is an input of S_V: one that meets a sequence the model got wrong
    _, cover = verify.verification_set(TOPOSORT, "recursive")
    assert g.problems[0] == TOPOSORT.training_set("starved", 0)[0]
    assert all(p in cover.problems for p in g.problems[1:]) and len(g.problems) == last.problems
    assert lines[0].startswith("round 0: 1 training problems") and "adding" in lines[0]
    assert verify.check(g.model, verify.verification_set(TOPOSORT, "recursive")[0]).ok


def test_verify_seeds_counts_the_plain_and_the_guided_recipe(capsys):
    assert main(["verify", "quicksort", "--seeds", "2", "--json"]) == 0
    study = json.loads(capsys.readouterr().out)
    assert study["seeds"] == 2 and study["plain_verified"] == study["guided_verified"] == 2
    assert [s["failures"] for s in study["per_seed"]] == [[0], [0]]
    assert main(["verify", "quicksort", "--seeds", "1", "--train-set", "nope"]) == 2


def test_a_loop_model_passes_every_check_at_one_size_and_fails_at_the_next():
    """Why no finite set proves a loop: the non-recursive bubble sort decides right on every step of every
    array of length 2, and its loops' sequences at length 3 are new ones it gets wrong."""
    import itertools

    from npi_lib.bubblesort import TASK as BUBBLESORT

    model = shipped_checkpoint("bubblesort", "non-recursive").model
    pairs = verify.sequences_from(BUBBLESORT, itertools.product(range(10), repeat=2), "non-recursive")
    assert verify.check(model, pairs).ok and len(pairs) > 500
    triples = verify.sequences_from(BUBBLESORT, itertools.product(range(10), repeat=3), "non-recursive")
    longer = verify.check(model, triples)
    assert not longer.ok and all(len(f.sequence.observations) > 3 for f in longer.failures[:20])
    assert any(s not in pairs for s in triples)  # length 3 meets sequences length 2 never shows
