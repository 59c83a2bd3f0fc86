"""Tests of npi_lib.batch: many runs at once take exactly the steps of `npi_lib.interpreter.run` alone."""

from __future__ import annotations

import random
from functools import cache

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib.addition import TASK as ADDITION
from npi_lib.batch import run_batch
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.interpreter import RunResult, run
from npi_lib.model import NPI, FastStep, NPIConfig, stepping
from npi_lib.task import get_task
from npi_lib.training import train

TASKS = ("addition", "bubblesort", "quicksort", "toposort")
CASES = [(name, formulation) for name in TASKS for formulation in get_task(name).formulations]


@cache
def model(name: str, formulation: str, kind: str) -> NPI:
    """"random": untrained (tiny, so every product goes one row at a time); "rough": 4 epochs, wrong on many
    steps; "trained": more epochs (addition: the shipped model), right on more steps, still with mistakes."""
    task = get_task(name)
    if kind == "random":
        torch.manual_seed(len(name) + len(formulation))
        return NPI.for_task(task, NPIConfig(hidden_size=8, encoder_hidden=16))
    if kind == "trained" and name == "addition":
        return shipped_checkpoint(name, formulation).model
    epochs = 4 if kind == "rough" else 25
    config = NPIConfig(hidden_size=32, encoder_hidden=64, max_epochs=epochs, check_every=1000)
    return train(task, formulation, seed=0, config=config).model


def same_run(a: RunResult, b: RunResult) -> None:
    """Every field a run is judged by, and the trace step by step (name, arguments, return flag, depth,
    observation, note, state)."""
    assert (a.output, a.steps, a.halted, a.reason, a.depth, a.correct) == (b.output, b.steps, b.halted, b.reason, b.depth, b.correct)
    if a.trace is not None or b.trace is not None:
        assert a.trace.initial_state == b.trace.initial_state
        assert [(d, s.name, s.args, s.ret, s.obs, s.note, s.state) for d, s in a.trace.walk()] == [
            (d, s.name, s.args, s.ret, s.obs, s.note, s.state) for d, s in b.trace.walk()
        ]


def problems(name: str, sizes: list[int], seed: int) -> list:
    rng = random.Random(seed)
    return [get_task(name).random_problem(size, rng) for size in sizes]


# ---------------------------------------------------------------------------------------------- the same runs
@settings(max_examples=60)
@given(
    case=st.sampled_from(CASES),
    kind=st.sampled_from(["random", "rough", "trained"]),
    sizes=st.lists(st.integers(1, 7), min_size=1, max_size=6),
    seed=st.integers(0, 1000),
    limits=st.sampled_from(["reference", "tight steps", "tight depth"]),
    reset=st.booleans(),
    cache_size=st.sampled_from([0, 5, 100_000]),
)
def test_a_batch_takes_exactly_the_steps_of_single_runs(case, kind, sizes, seed, limits, reset, cache_size):
    name, formulation = case
    net = model(name, formulation, kind)
    task, batch = get_task(name), problems(name, sizes, seed)
    given_limits = {"reference": {}, "tight steps": {"max_steps": 9}, "tight depth": {"max_depth": 2}}[limits]
    alone = [run(net, task, p, formulation, reset=reset, **given_limits) for p in batch]
    together = run_batch(net, task, batch, formulation, reset=reset, cache_size=cache_size, **given_limits)
    for a, b in zip(alone, together, strict=True):
        same_run(a, b)


def test_every_way_a_run_ends_is_the_same_in_a_batch():
    """Over random, rough and trained models of every task: runs that return, and runs stopped by the
    step limit, the depth limit or an invalid action all end alike in a batch and alone."""
    seen = set()
    for name, formulation in CASES:
        task = get_task(name)
        for kind in ("random", "rough", "trained"):
            net = model(name, formulation, kind)
            batch = problems(name, [1, 2, 3, 5, 8, 12], seed=len(kind))
            for limits in ({}, {"max_depth": 3}):
                together = run_batch(net, task, batch, formulation, **limits)
                for p, b in zip(batch, together):
                    same_run(run(net, task, p, formulation, **limits), b)
                    seen.add("returned" if b.halted else b.reason.split(":")[0].split(" at ")[0])
    assert seen == {"returned", "step limit", "depth limit", "invalid action"}


def test_the_shipped_models_add_long_numbers_alike_in_a_batch():
    for formulation in ("recursive", "non-recursive"):
        net = shipped_checkpoint("addition", formulation).model
        batch = problems("addition", [1, 5, 30, 120, 250, 7, 64], seed=3)
        together = run_batch(net, ADDITION, batch, formulation, cache_size=50)  # the tree fills up midway
        for p, b in zip(batch, together):
            same_run(run(net, ADDITION, p, formulation), b)
            assert b.correct


def test_the_tree_of_transitions_changes_nothing_and_saves_network_steps(monkeypatch):
    net = shipped_checkpoint("addition", "recursive").model
    batch = problems("addition", [200] * 10, seed=1)
    rows = []
    original = FastStep.outputs_batch

    def counting(self, x, states):
        rows.append(len(x))
        return original(self, x, states)

    monkeypatch.setattr(FastStep, "outputs_batch", counting)
    cached = run_batch(net, ADDITION, batch, record_states=True)
    computed_with_tree, rows[:] = sum(rows), []
    uncached = run_batch(net, ADDITION, batch, record_states=True, cache_size=0)
    for a, b in zip(cached, uncached):
        same_run(a, b)
    steps = sum(r.steps for r in cached)
    assert 0.9 * steps < sum(rows) <= steps  # without the tree, a row per step (identical fresh ones merged)
    assert computed_with_tree < steps / 2  # most of the rest: LSHIFT and ADD steps that see a new pair of columns


def test_the_batched_step_equals_the_single_step_bit_for_bit():
    """Rows of `outputs_batch` are `torch.equal` to `outputs` on each frame alone, for sizes on both sides of
    the small-product switch, one and two threads, fresh and used states."""
    rng = random.Random(0)
    for hidden, fusion in [(4, 6), (8, 16), (9, 10), (10, 10), (11, 12), (32, 64), (64, 64)]:
        torch.manual_seed(hidden)
        net = NPI.for_task(ADDITION, NPIConfig(hidden_size=hidden, fusion_size=fusion, encoder_hidden=16))
        step = net.fast_step()
        for threads in (1, 2):
            with stepping(threads):
                for batch_size in (1, 2, 7, 33):
                    inputs = [(tuple(rng.randrange(n) for n in ADDITION.obs_sizes),
                               tuple(rng.randrange(n) for n in ADDITION.arg_sizes), rng.randrange(len(ADDITION.programs)))
                              for _ in range(batch_size)]
                    states = [None if rng.random() < 0.3 else step.unpack(torch.randn(4, hidden)) for _ in inputs]
                    x = torch.cat([step.core_input(*i) for i in inputs])
                    out, new = step.outputs_batch(x, torch.stack([step.pack(s) for s in states]))
                    decisions = step.decide_batch(out)
                    for row, (i, s) in enumerate(zip(inputs, states)):
                        alone, after = step.outputs(*i, s)
                        assert torch.equal(alone[0], out[row]), (hidden, threads, batch_size, row)
                        assert torch.equal(step.pack(after), new[row])
                        assert step.decide(alone) == decisions[row]


def test_pack_and_unpack_are_inverse():
    step = NPI.for_task(ADDITION, NPIConfig(hidden_size=5)).fast_step()
    state = step.unpack(torch.arange(20.0).reshape(4, 5))
    assert [t.tolist() for hc in state for t in hc] == [[list(range(5 * k, 5 * k + 5))] for k in range(4)]
    assert torch.equal(step.pack(state), torch.arange(20.0).reshape(4, 5))
    assert torch.equal(step.pack(None), torch.zeros(4, 5))


# ---------------------------------------------------------------------------------------------- the interface
def test_any_step_function_runs_in_a_batch(oracle):
    batch = [(96, 125), (5, 7), (999, 1)]
    traces = [ADDITION.reference(p) for p in batch]

    def step(obs, args, prog, state):  # answers from the trace of the problem whose pad it sees
        return lookups[id_of[0]](obs, args, prog, state)

    lookups, id_of = [oracle(t, ADDITION) for t in traces], [0]
    results = []
    for i, p in enumerate(batch):  # a step function with no batch form runs its problems one after another
        id_of[0] = i
        results += run_batch(step, ADDITION, [p])
    assert [r.output for r in results] == [221, 12, 1000] and all(r.correct for r in results)
    for p, r, i in zip(batch, results, range(3)):
        id_of[0] = i
        same_run(run(step, ADDITION, p), r)


def test_results_come_in_the_order_of_the_problems_and_on_done_hears_each_once():
    net = shipped_checkpoint("addition", "recursive").model
    batch = [(10**40, 1), (2, 3), (10**10, 5)]
    ended = []
    results = run_batch(net, ADDITION, batch, on_done=lambda i, r: ended.append((i, r.output)))
    assert [r.output for r in results] == [10**40 + 1, 5, 10**10 + 5]
    assert sorted(ended) == [(0, 10**40 + 1), (1, 5), (2, 10**10 + 5)]
    assert ended[0] == (1, 5)  # the shortest run ends first


def test_limits_can_be_given_per_problem_and_skip_the_reference():
    net = model("addition", "recursive", "random")
    results = run_batch(net, ADDITION, [(1, 2), (3, 4)], max_steps=[3, 5], max_depth=[100, 100])
    assert [r.steps for r in results] == [3, 5] or any(not r.reason.startswith("step limit") for r in results)
    assert all(r.reference is None for r in results)
    kept = run_batch(net, ADDITION, [(1, 2)], max_steps=3, max_depth=10, references=True)[0]
    assert kept.reference is not None and len(kept.reference) == len(ADDITION.reference((1, 2)))
    with pytest.raises(ValueError, match="max_steps has 1 limits for 2 problems"):
        run_batch(net, ADDITION, [(1, 2), (3, 4)], max_steps=[3])


def test_without_a_trace_the_results_are_the_same():
    net = shipped_checkpoint("addition", "recursive").model
    batch = problems("addition", [3, 9, 27], seed=0)
    for a, b in zip(run_batch(net, ADDITION, batch), run_batch(net, ADDITION, batch, record_trace=False)):
        assert b.trace is None
        a.trace = None
        same_run(a, b)
    with pytest.raises(ValueError, match="record_states=True needs record_trace=True"):
        run_batch(net, ADDITION, batch, record_trace=False, record_states=True)
    with pytest.raises(ValueError, match="cache_size is -1"):
        run_batch(net, ADDITION, batch, cache_size=-1)


def test_inputs_the_model_was_not_built_for_raise_as_they_do_alone():
    wrong = NPI.for_task(get_task("bubblesort"), NPIConfig(hidden_size=8))  # fed addition's observations
    with pytest.raises(ValueError) as alone:
        run(wrong, ADDITION, (1, 2))
    with pytest.raises(ValueError) as together:
        run_batch(wrong, ADDITION, [(1, 2), (3, 4)])
    assert str(alone.value) == str(together.value)


def test_an_empty_batch_gives_no_results():
    assert run_batch(model("addition", "recursive", "random"), ADDITION, []) == []


def test_batched_decisions_take_the_first_of_equal_maxima_and_survive_nan():
    step = NPI.for_task(ADDITION, NPIConfig(hidden_size=4)).fast_step()
    width = 1 + len(ADDITION.programs) + sum(ADDITION.arg_sizes)
    rows = torch.zeros(6, width)
    rows[1, 3] = rows[1, 5] = 2.0  # a tie between programs 2 and 4
    rows[2, 0] = -0.0
    rows[3, 0] = 1.0
    rows[3, -3:] = 7.0  # a tie in the last slots
    rows[4, 1:] = torch.arange(width - 1.0).flip(0)
    for out in (rows, rows[:2], torch.cat([rows, torch.full((1, width), float("nan"))])):
        assert step.decide_batch(out) == [step.decide(row) for row in out.split(1)]
