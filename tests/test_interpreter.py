"""Tests of npi_lib.interpreter: the network running a task on a live environment with its own call stack."""

from __future__ import annotations

import random
import sys

import pytest
import torch

from npi_lib.addition import TASK, ScratchPad, reference
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.interpreter import as_step_function, execute, run, step_limits
from npi_lib.model import NPI, FastStep, NPIConfig
from npi_lib.trace import first_difference, frames, timeline
from npi_lib.training import collect_frames, encode_frames


@pytest.fixture(scope="module")
def model() -> NPI:
    return shipped_checkpoint("addition", "recursive").model


def rigged(program: str, args=(0, 0, 0), ret: bool = False) -> NPI:
    """An NPI whose decoders ignore everything and always emit `program(args)` with return flag `ret`."""
    m = NPI.for_task(TASK, NPIConfig(hidden_size=8))
    with torch.no_grad():
        m.f_end.weight.zero_()
        m.f_end.bias.fill_(50.0 if ret else -50.0)
        m.f_prog.weight.zero_()
        m.f_prog.bias.zero_()
        m.f_prog.bias[0] = 1.0
        m.M_key.zero_()
        m.M_key[TASK.program_id(program), 0] = 1.0
        for slot, f in enumerate(m.f_arg):
            f.weight.zero_()
            f.bias.fill_(-50.0)
            f.bias[args[slot]] = 50.0
    return m


# ---------------------------------------------------------------------------------------------- a trained model
def test_trained_model_adds_long_numbers_exactly_like_the_reference(model):
    rng = random.Random(7)
    for size in (1, 3, 50, 1000):
        problem = TASK.random_problem(size, rng)
        result = run(model, TASK, problem)
        assert result.halted and result.correct, (size, result.reason)
        assert result.output == problem[0] + problem[1]
        assert first_difference(result.trace, result.reference) is None
        assert result.steps == len(result.reference)


def test_trace_nests_tail_calls_like_the_reference_tracer(model):
    result = run(model, TASK, (99, 1))
    assert first_difference(result.trace, reference((99, 1))) is None
    assert result.depth == max(d for d, _ in reference((99, 1)).walk())  # the entry call's steps are depth 1


def test_recorded_states_and_observations_match_the_reference(model):
    result = run(model, TASK, (507, 68), record_states=True)
    ref = reference((507, 68))
    assert [m.state for m in timeline(result.trace)] == [m.state for m in timeline(ref)]
    assert [s.obs for _, s in result.trace.walk()] == [s.obs for _, s in ref.walk()]


def test_the_step_function_decides_like_the_batched_model_on_every_training_step(model):
    traces = [reference(p) for p in [(96, 125), (5, 999), (70, 30)]]
    data = encode_frames(TASK, collect_frames(traces, dedup=False))
    with torch.no_grad():
        out = model(data.obs, data.args, data.prog)
    step = model.fast_step()
    for i, frame in enumerate(f for t in traces for f in frames(t) if f.steps):
        state = None
        for t, s in enumerate(frame.steps):
            (ret, prog, args), state = step(s.obs, frame.args, TASK.program_id(frame.program), state)
            assert ret == bool(out.end_logit[i, t] > 0)
            assert prog == int(out.prog_logits[i, t].argmax())
            assert list(args) == [int(a[i, t].argmax()) for a in out.arg_logits]


def test_any_step_function_runs_like_a_network(oracle):
    ref = reference((314159, 271828))
    result = run(oracle(ref, TASK), TASK, (314159, 271828))
    assert result.correct and result.steps == len(ref)
    assert first_difference(result.trace, ref) is None


def test_an_npi_runs_through_its_fast_step(model):
    step = as_step_function(model)
    assert isinstance(step, FastStep) and as_step_function(step) is step
    a, b = run(model, TASK, (507, 68)), run(step, TASK, (507, 68))
    assert first_difference(a.trace, b.trace) is None and a.output == b.output == 575
    with pytest.raises(TypeError, match="step function"):
        run(42, TASK, (1, 2))


def test_the_reset_gives_every_callee_a_fresh_state_and_reset_false_the_callers(model):
    for reset in (True, False):
        fast, seen = model.fast_step(), []

        def step(obs, args, prog, state):
            (ret, nxt, nargs), new_state = fast(obs, args, prog, state)
            seen.append((TASK.programs[nxt] not in TASK.primitives, state, new_state))
            return (ret, nxt, nargs), new_state

        execute(step, TASK, ScratchPad(96, 125), "ADD", reset=reset)
        after_calls = [(before[2], after[1]) for before, after in zip(seen, seen[1:]) if before[0]]
        assert seen[0][1] is None and len(after_calls) > 3
        if reset:
            assert all(callee_state is None for _, callee_state in after_calls)
        else:
            assert all(callee_state is caller_state for caller_state, callee_state in after_calls)


def test_reset_false_changes_what_the_network_does(model):
    with_reset = run(model, TASK, (96, 125))
    without = run(model, TASK, (96, 125), reset=False)
    assert first_difference(with_reset.trace, without.trace) is not None


def test_execute_runs_any_program_from_any_state(model):
    pad = ScratchPad(7, 5)
    result = execute(model, TASK, pad, "ADD1")
    assert result.halted
    assert [s.name for _, s in result.trace.walk()] == ["ADD1", "WRITE", "CARRY", "PTR", "WRITE", "PTR"]
    assert pad.grid[3][-1] == 2 and pad.grid[2][-2] == 1  # wrote 2, carried 1


def test_step_limits_grow_with_the_reference():
    short, long = reference((1, 1)), reference((10**20, 1))
    assert step_limits(short) < step_limits(long)
    assert step_limits(long) == (4 * len(long) + 100, 4 * max(d for d, _ in long.walk()) + 100)


# ---------------------------------------------------------------------------------------------- failures
def test_network_that_never_returns_hits_the_depth_limit_quickly_without_recursion_error():
    depth = 3 * sys.getrecursionlimit()
    result = execute(rigged("ADD"), TASK, ScratchPad(12, 34), "ADD", max_depth=depth, max_steps=10 * depth)
    assert not result.halted and result.reason.startswith("depth limit")
    assert result.depth == depth and result.steps == depth


def test_network_that_loops_in_one_frame_hits_the_step_limit():
    result = run(rigged("NOP"), TASK, (12, 34))
    assert not result.halted and result.reason.startswith("step limit")
    assert result.steps == step_limits(reference((12, 34)))[0]
    assert result.correct is False and result.output is None


def test_invalid_action_ends_the_run_as_a_failure():
    result = run(rigged("WRITE", args=(0, 5, 0)), TASK, (12, 34))  # WRITE to row IN1: not writable
    assert not result.halted
    assert "invalid action" in result.reason and "IN1" in result.reason
    last = list(result.trace.walk())[-1][1]
    assert last.name == "WRITE" and "invalid action" in last.note
    assert result.steps == 1


def test_a_primitive_with_the_return_flag_ends_the_entry_call():
    result = run(rigged("NOP", ret=True), TASK, (12, 34))
    assert result.halted and result.steps == 1 and result.correct is False


def test_a_right_answer_without_returning_is_not_correct(model):
    ref = reference((96, 125))
    full = run(model, TASK, (96, 125))
    cut = run(model, TASK, (96, 125), max_steps=len(ref) - 1)  # every digit written, the last return missing
    assert full.halted and full.correct and cut.output == full.output == 221
    assert not cut.halted and cut.correct is False


def test_explicit_limits_override_the_reference():
    result = run(rigged("NOP"), TASK, (12, 34), max_steps=7, max_depth=3)
    assert result.steps == 7 and result.reference is None
