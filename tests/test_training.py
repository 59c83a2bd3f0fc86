"""Tests of npi_lib.training: frames as data, the loss, determinism, early stopping."""

from __future__ import annotations

import pytest
import torch

from npi_lib.addition import TASK, reference
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.errors import ProblemError
from npi_lib.interpreter import run
from npi_lib.model import NPI, FastStep, NPIConfig
from npi_lib.task import BUILTIN_TASKS, get_task
from npi_lib.trace import first_difference, frames
from npi_lib.training import (
    TrainProgress,
    _batch_step_errors,
    batch_loss,
    collect_frames,
    encode_frames,
    step_accuracy,
    step_errors,
    train,
)

TINY = NPIConfig(hidden_size=24, encoder_hidden=32, state_size=24, fusion_size=24, max_epochs=300)
PROBLEMS = [(8, 2), (2, 3), (45, 31)]


def test_collect_frames_merges_identical_frames_and_counts_them():
    traces = [reference((1, 2)), reference((1, 2)), reference((3, 4))]
    merged = collect_frames(traces)
    raw = collect_frames(traces, dedup=False)
    assert sum(n for _, n in merged) == len(raw) == sum(len([f for f in frames(t) if f.steps]) for t in traces)
    assert all(n == 1 for _, n in raw)
    assert len(merged) < len(raw)


def test_merged_frames_give_exactly_the_loss_of_all_frames():
    traces = [reference(p) for p in [(1, 2), (1, 2), (3, 4), (99, 1), (99, 1), (99, 1)]]
    model = NPI.for_task(TASK, TINY)
    merged = batch_loss(model, encode_frames(TASK, collect_frames(traces)))
    every = batch_loss(model, encode_frames(TASK, collect_frames(traces, dedup=False)))
    assert torch.allclose(merged, every, rtol=1e-5)


def test_padding_steps_do_not_count():
    traces = [reference((12, 34), "non-recursive")]  # frames of 4, 3, 2 and 5 steps: padded to 5
    data = encode_frames(TASK, collect_frames(traces))
    model = NPI.for_task(TASK, TINY)
    together = batch_loss(model, data)
    # the same loss, weighted by real steps, computed one frame at a time (no padding at all)
    total = steps = 0.0
    for i in range(len(data)):
        one = data.select(torch.tensor([i]))
        n = float(one.mask.sum() * one.weight[0])
        total, steps = total + batch_loss(model, one) * n, steps + n
    assert torch.allclose(together, total / steps, rtol=1e-5)


def test_encoded_frames_hold_the_targets_of_the_trace():
    trace = reference((7, 5))
    data = encode_frames(TASK, collect_frames([trace], dedup=False))
    first = frames(trace)[0]  # ADD: ADD1, LSHIFT, ADD (tail call)
    assert data.next_prog[0, : len(first.steps)].tolist() == [TASK.program_id(s.next_program) for s in first.steps]
    assert data.ret[0, : len(first.steps)].tolist() == [float(s.ret) for s in first.steps]
    assert data.obs[0, 0].tolist() == list(first.steps[0].obs)


def test_step_errors_flags_a_wrong_return_flag():
    data = encode_frames(TASK, collect_frames([reference((2, 3))]))
    model = train(TASK, "recursive", problems=[(2, 3)], config=TINY).model
    assert not step_errors(model, data).any()
    with torch.no_grad():
        model.f_end.bias += 1000.0  # now every step "returns"
    assert step_errors(model, data).any() and step_accuracy(model, data) < 1.0


class Recording(FastStep):
    """A FastStep that keeps the logits of every step it computes, by the frame's beginning: the program,
    the arguments and the observations so far (what determines the state in a frame that starts afresh)."""

    def __init__(self, model):
        super().__init__(model)
        self.logits: dict[tuple, list] = {}
        self._beginnings: dict[int, tuple] = {}  # id(state) -> (state, beginning); the state kept alive

    def outputs(self, obs, args, prog, state):
        out, new_state = super().outputs(obs, args, prog, state)
        beginning = (prog, tuple(args)) if state is None else self._beginnings[id(state)][1]
        beginning = beginning + (tuple(obs),)
        self._beginnings[id(new_state)] = (new_state, beginning)
        self.logits.setdefault(beginning, []).append(out)
        return out, new_state


@pytest.mark.parametrize("formulation", ["recursive", "non-recursive"])
def test_the_check_takes_exactly_the_decisions_of_neural_execution(formulation):
    """On every step of the paper set, the logits the interpreter computes when it runs the training
    problems equal, bit for bit, those `step_errors` computes; and both say that every step is right."""
    model = shipped_checkpoint("addition", formulation).model
    problems = TASK.training_set("paper")
    running, checking = Recording(model), Recording(model)
    for problem in problems:
        result = run(running, TASK, problem, formulation)
        assert result.correct and first_difference(result.trace, result.reference) is None
    data = encode_frames(TASK, collect_frames([TASK.reference(p, formulation) for p in problems]))
    assert not step_errors(checking, data).any()
    assert running.logits.keys() == checking.logits.keys()  # the same frames' beginnings, every step
    assert len(checking.logits) > 3000
    for beginning, outs in checking.logits.items():
        assert len(outs) == 1  # the trie computes each beginning once
        assert all(torch.equal(outs[0], out) for out in running.logits[beginning]), beginning


def test_the_check_of_a_networks_own_run_finds_no_error_even_where_the_network_is_wrong():
    """The starved model makes mistakes on longer sums; checked against the trace of its own run, every
    one of its decisions is found again: the check decides as the run did."""
    model = shipped_checkpoint("addition", "non-recursive", "starved").model
    runs = [run(model, TASK, p, "non-recursive") for p in [(96, 125), (5678, 4321), (99, 1), (123456, 654321)]]
    assert not all(r.correct for r in runs)
    traces = [r.trace for r in runs if r.halted]
    own = encode_frames(TASK, collect_frames(traces))
    assert not step_errors(model, own).any()
    refs = encode_frames(TASK, collect_frames([r.reference for r in runs]))
    assert step_errors(model, refs).any()


@pytest.mark.parametrize("train_set", ["paper", "starved"])
def test_trainings_batched_check_flags_the_same_steps_on_the_shipped_models(train_set):
    for formulation in ("recursive", "non-recursive"):
        model = shipped_checkpoint("addition", formulation, train_set).model
        data = encode_frames(TASK, collect_frames([TASK.reference(p, formulation) for p in TASK.training_set("paper")]))
        exact = step_errors(model, data)
        assert torch.equal(exact, _batch_step_errors(model, data))
        assert exact.any() == (train_set == "starved")


def test_the_check_takes_any_step_function(oracle):
    trace = reference((96, 125))
    lookup = oracle(trace, TASK)
    data = encode_frames(TASK, collect_frames([trace], dedup=False))
    assert not step_errors(lookup, data).any() and step_accuracy(lookup, data) == 1.0

    def always_nop(obs, args, prog, state):
        return (False, TASK.program_id("NOP"), (0, 0, 0)), None

    assert step_errors(always_nop, data).sum() == sum(s.next_program != "NOP" or s.ret for f in frames(trace) for s in f.steps)


def test_training_reaches_every_training_step_on_a_tiny_set():
    result = train(TASK, "recursive", problems=PROBLEMS, config=TINY)
    assert result.perfect and result.step_accuracy == 1.0
    assert result.epochs < TINY.max_epochs
    assert result.checks[-1] == (result.epochs, 1.0)
    data = encode_frames(TASK, collect_frames([reference(p) for p in PROBLEMS]))
    assert step_accuracy(result.model, data) == 1.0


def test_the_same_seed_gives_the_same_run():
    a = train(TASK, "recursive", problems=PROBLEMS, seed=3, config=TINY)
    b = train(TASK, "recursive", problems=PROBLEMS, seed=3, config=TINY)
    assert a.losses == b.losses
    for (name, x), (_, y) in zip(a.model.state_dict().items(), b.model.state_dict().items()):
        assert torch.equal(x, y), name


def test_another_seed_gives_another_run():
    a = train(TASK, "recursive", problems=PROBLEMS, seed=0, config=TINY)
    b = train(TASK, "recursive", problems=PROBLEMS, seed=1, config=TINY)
    assert a.losses[0] != b.losses[0]


def test_training_leaves_torch_global_settings_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    train(TASK, "recursive", problems=[(1, 2)], config=TINY, threads=1)
    assert torch.equal(torch.rand(3), expected)  # the global random stream was not consumed
    assert torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


def test_progress_callback_sees_every_epoch_and_the_checks():
    seen: list[TrainProgress] = []
    config = NPIConfig(hidden_size=16, max_epochs=6, check_every=3)
    result = train(TASK, "recursive", problems=[(1, 2)], config=config, progress=seen.append)
    assert [p.epoch for p in seen] == list(range(1, result.epochs + 1))
    assert [p.step_accuracy is not None for p in seen][:3] == [False, False, True]
    assert [p.loss for p in seen] == result.losses


def test_progress_bar_writes_to_stderr(capsys):
    train(TASK, "recursive", problems=[(1, 2)], config=NPIConfig(hidden_size=16, max_epochs=2), progress="bar")
    captured = capsys.readouterr()
    assert captured.out == ""


def test_progress_lines_print_one_line_per_check(capsys):
    config = NPIConfig(hidden_size=16, max_epochs=6, check_every=3)
    result = train(TASK, "recursive", problems=[(1, 2)], config=config, progress="lines")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"epoch {e:>3}" for e, _ in result.checks]
    assert all("training steps right" in line for line in lines)


def test_unknown_progress_is_refused():
    with pytest.raises(ValueError, match="progress"):
        train(TASK, "recursive", problems=[(1, 2)], config=NPIConfig(max_epochs=1), progress="dots")


def test_no_frames_is_a_clear_error():
    with pytest.raises(ProblemError, match="no training frames"):
        encode_frames(TASK, [])


def test_unknown_formulation_is_refused():
    with pytest.raises(ProblemError, match="no formulation"):
        train(TASK, "loopy", problems=[(1, 2)])


@pytest.mark.parametrize("name", list(BUILTIN_TASKS))
def test_every_task_trains_through_the_same_interface(name):
    task = get_task(name)
    problems = task.training_set("paper", 0)[:2]
    result = train(task, problems=problems, config=NPIConfig(hidden_size=8, max_epochs=1))
    assert result.n_frames > 0 and len(result.losses) == 1
    assert result.model.n_programs == len(task.programs)


def test_result_records_what_was_trained():
    r = train("addition", "non-recursive", problems=[(1, 2)], config=NPIConfig(hidden_size=16, max_epochs=2))
    assert (r.task, r.formulation, r.train_set, r.n_problems) == ("addition", "non-recursive", "custom", 1)
    assert r.summary()["n_frames"] == r.n_frames
    assert "addition non-recursive" in str(r)


def test_training_stops_only_when_the_execution_path_agrees(monkeypatch):
    """When the fast batched check finds every step right, `train` confirms with `step_errors` (the path
    execution takes) before it stops: here the batched check is made to say "all right" at once, and the
    untrained network's real mistakes keep it training until the budget ends, reported as not perfect."""
    import npi_lib.training as training

    monkeypatch.setattr(training, "_batch_step_errors", lambda model, data: torch.zeros(data.mask.shape, dtype=torch.bool))
    result = train(TASK, "recursive", problems=[(96, 125)], config=NPIConfig(hidden_size=8, max_epochs=4, check_every=2))
    assert result.epochs == 4 and not result.perfect and result.step_accuracy < 1.0
    assert [epoch for epoch, _ in result.checks] == [2, 4]
