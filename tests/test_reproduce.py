"""Tests of npi_lib.reproduce: a paper's results table regenerated from what a task declares."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from npi_lib.errors import ProblemError
from npi_lib.reproduce import count_size, evaluate_shipped, format_table, reproduce
from npi_lib.task import BUILTIN_TASKS, get_task

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def countdown(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    import countdown_task

    return countdown_task.TASK


def test_reproduce_trains_and_probes_every_experiment_the_task_declares(countdown):
    lines = []
    report = reproduce(countdown, per_size=3, workers=1, log=lines.append)
    assert report["task"] == "countdown" and report["per_size"] == 3
    assert [(r["formulation"], r["train_set"]) for r in report["rows"]] == [("recursive", "paper"), ("loop", "paper")]
    for row in report["rows"]:
        assert row["training"]["n_problems"] == 4
        assert [(r["problems"], r["size"], r["n"]) for r in row["results"]] == [("random", 2, 3), ("random", 50, 3)]
        assert all(0.0 <= r["accuracy"] <= 1.0 for r in row["results"])
    assert lines[0].startswith("countdown: training 2 models") and any("trained loop on 'paper'" in x for x in lines)
    assert lines[-1] == "  evaluated 4 of 4 chunks of at most 10 problems"
    table = format_table(report, countdown.results)
    assert table.splitlines()[0] == "Countdown: accuracy (%) on 3 problems per size; in brackets, no paper."
    assert "recursive      paper     random" in table and "4 pb," in table


def test_the_table_puts_the_paper_in_brackets_and_leaves_missing_sizes_blank():
    results = get_task("addition").results
    rows = []
    for e in results.experiments:
        cells = [{"problems": p.label, "size": s, "accuracy": 1.0, "n": 30} for p in e.probes for s in p.sizes]
        rows.append({"formulation": e.formulation, "train_set": e.train_set, "results": cells,
                     "training": {"n_problems": 200, "epochs": 40, "seconds": 12.3, "perfect": e.train_set == "paper"}})
    table = format_table({"task": "addition", "rows": rows, "per_size": 30, "seconds": 61, "workers": 2})
    lines = table.splitlines()
    assert "100 (100)" in table and "200 pb, 40 ep, 12 s" in table and "100 (fails)" in table
    assert lines[-1] == "total time 61 s (2 workers)"
    header = next(line for line in lines if line.startswith("formulation"))
    assert header.split()[-6:] == ["5", "100", "1000", "5000", "10000", "train"]
    starved_random = next(line for line in lines if line.strip().startswith("random") and "(" not in line)
    assert starved_random.split() == ["random", "100"]  # only size 5, and no paper number for it
    assert "(not 100%)" in table  # the starved rows were marked as not perfect


def test_a_task_without_results_is_refused_with_the_list_of_those_with(countdown):
    plain = dataclasses.replace(countdown, name="plain", results=None)
    every = "addition, bubblesort, bubblesort-compare, toposort, quicksort"
    with pytest.raises(ProblemError, match=f"task 'plain' declares no results to reproduce; these do: {every}"):
        reproduce(plain, workers=1)


def test_every_builtin_task_declares_the_paper_s_table_with_one_paper_number_per_size():
    for name in BUILTIN_TASKS:
        results = get_task(name).results
        assert results is not None, name
        for experiment in results.experiments:
            assert experiment.formulation in get_task(name).formulations
            assert experiment.train_set in get_task(name).training_sets
            for probe in experiment.probes:
                assert all(probe.paper_at(size) is None or probe.paper_at(size)[0].isdigit() or probe.paper_at(size) == "fails"
                           for size in probe.sizes)



def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NPI_LIB_TASKS": "countdown_task", "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
    return subprocess.run([sys.executable, "-m", "npi_lib", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=300, stdin=subprocess.DEVNULL)


def test_reproduce_from_the_command_line_in_worker_processes():
    """Two spawned workers find the task through NPI_LIB_TASKS, like any task a reader adds."""
    r = run_cli("reproduce", "countdown", "--per-size", "2", "--workers", "2", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["task"] == "countdown" and report["workers"] == 2 and len(report["rows"]) == 2
    assert "countdown: training 2 models" in r.stderr


def test_reproduce_lists_the_tasks_with_results_and_refuses_others():
    help_text = run_cli("reproduce", "--help").stdout
    assert "tasks with a results table: addition, bubblesort, bubblesort-compare, toposort, quicksort, countdown" in help_text
    r = run_cli("reproduce", "sorting")
    assert r.returncode == 2 and "invalid choice: 'sorting'" in r.stderr


def test_workers_need_a_task_they_can_find_by_name(countdown):
    with pytest.raises(ProblemError, match="name its module in NPI_LIB_TASKS .* or reproduce with workers=1"):
        reproduce(countdown, per_size=1, workers=2)


def test_evaluate_shipped_runs_the_shipped_models_up_to_a_size_and_the_table_shows_only_those_sizes():
    report = evaluate_shipped("quicksort", per_size=2, max_size=5)
    assert [(r["formulation"], r["train_set"]) for r in report["rows"]] == [("recursive", "paper"), ("non-recursive", "paper")]
    assert [r["size"] for r in report["rows"][0]["results"]] == [3, 5]
    assert all(r["n"] == 2 for row in report["rows"] for r in row["results"])
    header = format_table(report).splitlines()[4].split()
    assert header[-3:] == ["3", "5", "train"]  # no empty columns for the sizes not run


def test_long_training_set_names_keep_the_table_aligned():
    report = evaluate_shipped("toposort", per_size=1, max_size=5)
    lines = [line for line in format_table(report).splitlines() if line.startswith(("recursive", "non-recursive"))]
    assert len({line.index("random") for line in lines}) == 1


def test_the_seed_study_trains_each_recursive_model_with_every_seed_and_counts_the_perfect_ones(countdown):
    lines = []
    report = reproduce(countdown, per_size=2, workers=1, log=lines.append, seeds=3)
    (study,) = report["seeds"]  # countdown's one recursive model
    assert (study["formulation"], study["of"], len(study["accuracy"])) == ("recursive", 3, 3)
    assert study["perfect"] == sum(a == 1.0 for a in study["accuracy"])
    assert study["size"] == count_size(countdown.results.experiments[0].probes[0])
    # the table's own model is seed 0: its accuracy at that size is the study's first
    row = report["rows"][0]["results"]
    assert study["accuracy"][0] == next(r["accuracy"] for r in row if r["size"] == study["size"])
    assert sum("seed 2" in line for line in lines) == 1  # seeds 1 and 2 trained, the loop model not again
    assert "Seeds: of the seeds 0 .. N-1" in format_table(report, countdown.results)


def test_the_table_can_leave_out_the_time_the_run_took():
    report = evaluate_shipped("quicksort", per_size=1, max_size=3)
    with_time, without = format_table(report), format_table(report, timing=False)
    assert with_time.startswith(without) and without.splitlines()[-1].startswith("non-recursive")
    assert "total time" in with_time and "total time" not in without
