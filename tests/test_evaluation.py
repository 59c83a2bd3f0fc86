"""Tests of npi_lib.evaluation: accuracy against input size."""

from __future__ import annotations

import json
import random

import pytest

from npi_lib.addition import STARVED, TASK, columns, starved_problem
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.evaluation import EvalProgress, evaluate, problems_for
from npi_lib.model import NPI, NPIConfig


@pytest.fixture(scope="module")
def model() -> NPI:
    return shipped_checkpoint("addition", "recursive").model


def test_records_give_size_accuracy_and_count_in_the_order_asked(model):
    records = evaluate(model, TASK, "recursive", sizes=[20, 2], per_size=4)
    assert [(r["size"], r["accuracy"], r["n"], r["correct"], r["halted"]) for r in records] == [
        (20, 1.0, 4, 4, 4),
        (2, 1.0, 4, 4, 4),
    ]
    json.dumps(records)  # JSON-ready


def test_the_same_seed_draws_the_same_problems_and_another_seed_others():
    a = problems_for(TASK, [3, 8], per_size=5, seed=0)
    assert a == problems_for(TASK, [3, 8], per_size=5, seed=0)
    assert a != problems_for(TASK, [3, 8], per_size=5, seed=1)
    assert [len(str(x)) for x, _ in a[8]] == [8] * 5


def test_problems_can_come_from_a_function_like_the_starved_columns(model):
    seen = set()
    for size, problems in problems_for(TASK, [30], per_size=5, problems=starved_problem).items():
        for a, b in problems:
            seen |= {(x, y) for x, y, _ in columns(a, b)[:size]}
    assert seen <= set(STARVED) | {(10, 10)}  # only digit pairs of the 5 training sums
    records = evaluate(model, TASK, sizes=[30], per_size=5, problems=starved_problem)
    assert records[0]["accuracy"] == 1.0


def test_problems_can_be_given_as_a_dict(model):
    records = evaluate(model, TASK, problems={1: [(2, 3)], 4: [(1234, 8766), (5, 5)]})
    assert [(r["size"], r["n"], r["correct"]) for r in records] == [(1, 1, 1), (4, 2, 2)]


def test_match_trace_counts_runs_that_follow_the_reference(model):
    records = evaluate(model, TASK, sizes=[6], per_size=3, match_trace=True)
    assert records[0]["trace_match"] == 3


def test_an_untrained_model_scores_zero_and_says_why():
    untrained = NPI.for_task(TASK, NPIConfig(hidden_size=8))
    (record,) = evaluate(untrained, TASK, sizes=[3], per_size=3)
    assert record["accuracy"] == 0.0 and record["correct"] == 0
    assert len(record["failures"]) == 3 and all(f["reason"] for f in record["failures"])


def test_progress_is_reported_after_every_run(model):
    seen: list[EvalProgress] = []
    evaluate(model, TASK, sizes=[2, 3], per_size=2, progress=seen.append)
    assert [(p.size, p.done, p.n) for p in seen] == [(2, 1, 2), (2, 2, 2), (3, 1, 2), (3, 2, 2)]


def test_progress_bar_goes_to_stderr_and_bad_progress_is_refused(model, capsys):
    evaluate(model, TASK, sizes=[2], per_size=2, progress="bar")
    captured = capsys.readouterr()
    assert captured.out == "" and "evaluating" in captured.err
    evaluate(model, TASK, sizes=[2, 3], per_size=2, progress="lines")
    assert capsys.readouterr().out == "size 2: 2 of 2 right\nsize 3: 2 of 2 right\n"
    with pytest.raises(ValueError, match="progress must be None, 'bar', 'lines' or a callable"):
        evaluate(model, TASK, sizes=[2], per_size=1, progress="dots")


def test_random_problems_are_the_tasks_own(model):
    rng = random.Random("0:5")
    assert problems_for(TASK, [5], per_size=2)[5] == [TASK.random_problem(5, rng) for _ in range(2)]


def test_records_stay_json_ready_for_any_task():
    from npi_lib.task import get_task

    toposort = get_task("toposort")  # its problems are dataclasses
    untrained = NPI.for_task(toposort, NPIConfig(hidden_size=8))
    records = evaluate(untrained, toposort, sizes=[4], per_size=2)
    assert json.loads(json.dumps(records))[0]["n"] == 2


def test_records_are_those_of_running_each_problem_alone(model):
    """evaluate runs a size as one batch; its counts, mean steps and failures are those of `run` one by one."""
    from npi_lib.interpreter import run
    from npi_lib.trace import first_difference

    rough = NPI.for_task(TASK, NPIConfig(hidden_size=8))
    for net in (model, rough):
        (record,) = evaluate(net, TASK, sizes=[4], per_size=6, match_trace=True, seed=3)
        alone = [run(net, TASK, p) for p in problems_for(TASK, [4], per_size=6, seed=3)[4]]
        assert record["correct"] == sum(bool(r.correct) for r in alone)
        assert record["halted"] == sum(r.halted for r in alone)
        assert record["steps"] == sum(r.steps for r in alone) / 6
        assert record["trace_match"] == sum(first_difference(r.trace, r.reference) is None for r in alone)
        assert [f["reason"] for f in record["failures"]] == [r.reason for r in alone if not r.correct][:3]
