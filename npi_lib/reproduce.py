"""Regenerating a paper's results table: `python -m npi_lib reproduce TASK` (or `all`).

A task that declares `results` (a `npi_lib.task.PaperResults`: its experiments, their probes, the paper's
numbers) gets them re-made from scratch: every model of the table is trained with the course's recipe
(`npi_lib.training.train`, seed 0 by default), then run on 30 problems per size (`npi_lib.evaluation`),
and the accuracies are printed beside the paper's. Nothing here knows a task: the rows come from the task.

    >>> from npi_lib.task import Experiment, PaperResults, Probe
    >>> results = PaperResults("Demo", "a paper", (Experiment("recursive", "paper", (Probe("random", (5,), "100"),)),))
    >>> rows = [{"formulation": "recursive", "train_set": "paper",
    ...          "training": {"n_problems": 4, "epochs": 6, "seconds": 1.2, "perfect": True},
    ...          "results": [{"problems": "random", "size": 5, "accuracy": 1.0, "n": 30}]}]
    >>> print(format_table({"task": "demo", "rows": rows, "per_size": 30, "seconds": 2.0}, results))
    Demo: accuracy (%) on 30 problems per size; in brackets, a paper.
    train: training problems, then the epochs and seconds until every training step was right.
    <BLANKLINE>
    formulation    train set problems                 5   train
    -------------------------------------------------------------------------
    recursive      paper     random           100 (100)   4 pb, 6 ep, 1 s
    <BLANKLINE>
    total time 2 s

Work is spread over `workers` processes (default 2, one per core of a laptop): first the models are
trained, then the evaluation, cut into chunks of at most 10 problems, longest first, so that every
worker stays busy to the end. Workers are fresh interpreters ("spawn": forking a process that has used
torch's threads can hang); they find the task by name, so a task of your own must be named in
`NPI_LIB_TASKS` (see `npi_lib.task`), or run with `workers=1`, which runs everything in this process.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

from .errors import ProblemError
from .task import ENV_VARIABLE, PaperResults, Probe, Task, get_task, shared_task_names

CHUNK = 10  # problems per evaluation job


def reproduce(
    task: Task | str,
    per_size: int = 30,
    seed: int = 0,
    workers: int = 2,
    log: Callable[[str], Any] | None = None,
    seeds: int = 0,
) -> dict:
    """Train and evaluate every experiment of `task.results`; a JSON-ready report:

    {"task", "per_size", "seed", "seconds", "rows": [{"formulation", "train_set", "training" (the
    training summary), "results": [{"problems", "size", "accuracy", "n"}, ...]}, ...]}

    `seeds` > 0 adds a seed study: every recursive model is trained again with the seeds 0 .. seeds-1 and
    run on `per_size` problems at the largest size of its first probe that the paper reports (`count_size`);
    the report's "seeds" lists, per recursive model, that size, each seed's accuracy and how many reach 100%.
    A recipe that works for one lucky seed is not the result.

    `log` receives a line of progress at every finished job (default: printed to stderr).
    """
    from .evaluation import problems_for

    task = get_task(task)
    results = _results(task)
    if workers > 1 and (task.name not in shared_task_names() or get_task(task.name) is not task):
        raise ProblemError(
            f"task {task.name!r} is not found by name in a new process, so worker processes cannot run it: "
            f"name its module in {ENV_VARIABLE} (see npi_lib.task), or reproduce with workers=1"
        )
    if seeds < 0:
        raise ProblemError(f"seeds must be 0 (no seed study) or more, got {seeds}")
    ref: Task | str = task if workers == 1 else task.name  # workers find the task by name
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    start = time.perf_counter()
    experiments = results.experiments
    # the models: (experiment index, seed); the table's first, then the seed study's
    studied = [i for i, e in enumerate(experiments) if e.formulation == "recursive"] if seeds else []
    models = [(i, seed) for i in range(len(experiments))] + [(i, s) for i in studied for s in range(seeds) if s != seed]
    log(f"{task.name}: training {len(models)} models, then evaluating them, {workers} at a time ...")
    jobs = []  # (model index, probe label, size, problems)
    for m, (i, s) in enumerate(models):
        if s != seed:
            continue
        for probe in experiments[i].probes:
            chosen = problems_for(task, probe.sizes, per_size, problems=probe.problems)
            for size, problems in chosen.items():
                jobs += [(m, probe.label, size, problems[k : k + CHUNK]) for k in range(0, len(problems), CHUNK)]
    for m, (i, s) in enumerate(models):
        if i in studied:
            probe = experiments[i].probes[0]
            size = count_size(probe)
            problems = problems_for(task, [size], per_size, problems=probe.problems)[size]
            jobs += [(m, "seed study", size, problems[k : k + CHUNK]) for k in range(0, len(problems), CHUNK)]
    jobs.sort(key=lambda job: -job[2])  # the longest first

    with _pool(workers) as pool:
        trained: list[dict] = [{}] * len(models)
        train_jobs = [(ref, experiments[i].formulation, experiments[i].train_set, s) for i, s in models]
        for m, model in pool.map_logged(_train_job, train_jobs):
            trained[m] = model
            t, (i, s) = model["summary"], models[m]
            log(f"  trained {experiments[i].formulation} on {experiments[i].train_set!r}, seed {s}: {t['epochs']} "
                f"epochs, {t['seconds']:.0f} s{'' if t['perfect'] else ' (not every training step right)'}")
        counts: list[tuple[int, int]] = [(0, 0)] * len(jobs)
        eval_jobs = [(ref, trained[m], size, problems) for m, _, size, problems in jobs]
        for done, (k, count) in enumerate(pool.map_logged(_eval_job, eval_jobs), 1):
            counts[k] = count
            if done % max(1, len(jobs) // 10) == 0 or done == len(jobs):
                log(f"  evaluated {done} of {len(jobs)} chunks of at most {CHUNK} problems")

    def accuracy(m: int, label: str, size: int) -> tuple[float, int]:
        mine = [c for job, c in zip(jobs, counts) if job[:3] == (m, label, size)]
        n = sum(c[0] for c in mine)
        return sum(c[1] for c in mine) / n, n

    rows = []
    for i, experiment in enumerate(experiments):  # model i is experiment i with the table's seed
        row = {"formulation": experiment.formulation, "train_set": experiment.train_set,
               "training": trained[i]["summary"], "results": []}
        for probe in experiment.probes:
            for size in probe.sizes:
                acc, n = accuracy(i, probe.label, size)
                row["results"].append({"problems": probe.label, "size": size, "accuracy": acc, "n": n})
        rows.append(row)
    report = {"task": task.name, "per_size": per_size, "seed": seed, "workers": workers, "rows": rows}
    if seeds:
        report["seeds"] = []
        for i in studied:
            probe = experiments[i].probes[0]
            size = count_size(probe)
            per_seed = {s: (accuracy(i, probe.label, size)[0] if s == seed else
                            accuracy(models.index((i, s)), "seed study", size)[0]) for s in range(seeds)}
            report["seeds"].append({
                "formulation": experiments[i].formulation, "train_set": experiments[i].train_set,
                "problems": probe.label, "size": size, "accuracy": [per_seed[s] for s in range(seeds)],
                "perfect": sum(a == 1.0 for a in per_seed.values()), "of": seeds,
            })
    report["seconds"] = round(time.perf_counter() - start, 1)
    return report


def count_size(probe: Probe) -> int:
    """The size at which the seed study counts: the largest of `probe`'s sizes that the paper reports.

    >>> count_size(Probe("random", (3, 70, 500), ("100", "100", None)))
    70
    """
    reported = [s for s in probe.sizes if probe.paper_at(s) is not None]
    return max(reported or probe.sizes)


def evaluate_shipped(
    task: Task | str,
    per_size: int = 10,
    max_size: int | None = None,
    seed: int = 0,
    progress: str | Callable | None = None,
) -> dict:
    """The results table without the training: every model of `task.results` loaded from the checkpoint
    shipped with npi_lib (trained as `reproduce` trains it, seed 0) and run on `per_size` problems at each
    size up to `max_size` (None: all), in this process. The same report as `reproduce`, for `format_table`
    and `npi_lib.plotting.plot_paper_comparison`: what a lesson shows within its time budget.
    """
    from .checkpoint import shipped_checkpoint
    from .evaluation import evaluate

    task = get_task(task)
    results = _results(task)
    start = time.perf_counter()
    rows = []
    for experiment in results.experiments:
        ckpt = shipped_checkpoint(task.name, experiment.formulation, experiment.train_set)
        row = {"formulation": experiment.formulation, "train_set": experiment.train_set,
               "training": ckpt.summary, "results": []}
        for probe in experiment.probes:
            sizes = [s for s in probe.sizes if max_size is None or s <= max_size]
            for record in evaluate(ckpt.model, task, experiment.formulation, sizes, per_size, seed=seed,
                                   problems=probe.problems, progress=progress):
                row["results"].append({"problems": probe.label, "size": record["size"],
                                       "accuracy": record["accuracy"], "n": record["n"]})
        rows.append(row)
    return {"task": task.name, "per_size": per_size, "seed": seed, "workers": 1,
            "seconds": round(time.perf_counter() - start, 1), "rows": rows}


def format_table(report: dict, results: PaperResults | None = None, timing: bool = True) -> str:
    """A `reproduce` report as a text table: our accuracy (%) with the paper's in brackets. The columns are
    the sizes the report holds. `timing=False` leaves out the last line, the time the run took (a notebook's
    output must not change from run to run)."""
    results = results or _results(get_task(report["task"]))
    measured = {r["size"] for row in report["rows"] for r in row["results"]}
    sizes = [s for s in results.sizes if s in measured]
    label_width = max([13] + [len(p.label) + 1 for e in results.experiments for p in e.probes])
    lines = [
        f"{results.title}: accuracy (%) on {report['per_size']} problems per size; in brackets, {results.source}.",
        *([results.notes] if results.notes else []),
        "train: training problems, then the epochs and seconds until every training step was right.",
        "",
    ]
    set_width = max([9] + [len(e.train_set) for e in results.experiments])
    header = f"{'formulation':<14} {'train set':<{set_width}} {'problems':<{label_width}}" + "".join(f"{s:>13}" for s in sizes)
    lines += [header + "   train", "-" * (len(header) + 22)]
    for experiment, row in zip(results.experiments, report["rows"]):
        accuracy = {(r["problems"], r["size"]): r["accuracy"] for r in row["results"]}
        t = row["training"]
        train_text = f"{t['n_problems']} pb, {t['epochs']} ep, {t['seconds']:.0f} s" + ("" if t["perfect"] else " (not 100%)")
        for i, probe in enumerate(experiment.probes):
            cells = ""
            for size in sizes:
                if (probe.label, size) not in accuracy:
                    cells += f"{'':>13}"
                    continue
                ours = f"{100 * accuracy[probe.label, size]:.1f}".removesuffix(".0")
                paper = probe.paper_at(size)
                cells += f"{ours + (f' ({paper})' if paper else ''):>13}"
            first = i == 0
            lines.append(
                f"{experiment.formulation if first else '':<14} {experiment.train_set if first else '':<{set_width}} "
                f"{probe.label:<{label_width}}{cells}" + (f"   {train_text}" if first else "")
            )
    if report.get("seeds"):
        lines += ["", "Seeds: of the seeds 0 .. N-1, how many train a recursive model that is right on every problem at the size:"]
        for study in report["seeds"]:
            accuracies = " ".join(f"{100 * a:.0f}" for a in study["accuracy"])
            lines.append(f"  {study['formulation']} on {study['train_set']!r}, {study['problems']} at {study['size']}: "
                         f"{study['perfect']} of {study['of']}  (each seed's %: {accuracies})")
    workers = report.get("workers", 1)
    if timing:
        lines += ["", f"total time {report['seconds']:.0f} s" + (f" ({workers} workers)" if workers > 1 else "")]
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------------------------------------- jobs
def _results(task: Task) -> PaperResults:
    if task.results is None:
        from .task import task_names

        have = [name for name in task_names() if get_task(name).results is not None]
        raise ProblemError(f"task {task.name!r} declares no results to reproduce; these do: {', '.join(have) or 'none'}")
    return task.results


def _train_job(job: tuple[Task | str, str, str, int]) -> dict:
    """Train one model (in a worker); its weights come back as plain tensors."""
    from .training import train

    name, formulation, train_set, seed = job
    result = train(name, formulation, train_set=train_set, seed=seed)
    return {"formulation": formulation, "summary": result.summary(), "config": result.config.to_dict(),
            "weights": result.model.state_dict()}


def _eval_job(job: tuple[Task | str, dict, int, list]) -> tuple[int, int]:
    """Run one trained model on some problems (in a worker): (number of problems, number right)."""
    from .evaluation import evaluate
    from .model import NPI, NPIConfig

    name, trained, size, problems = job
    task = get_task(name)
    model = NPI.for_task(task, NPIConfig.from_dict(trained["config"]))
    model.load_state_dict(trained["weights"])
    (record,) = evaluate(model, task, trained["formulation"], problems={size: problems})
    return record["n"], record["correct"]


class _pool:
    """`workers` spawned processes, or this process alone (workers=1). `map_logged(f, jobs)` yields
    (index, f(job)) as the jobs finish, in any order."""

    def __init__(self, workers: int):
        self.workers = workers
        self.executor: Any = None

    def __enter__(self) -> _pool:
        if self.workers > 1:
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import get_context

            self.executor = ProcessPoolExecutor(self.workers, mp_context=get_context("spawn"))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)

    def map_logged(self, f: Callable, jobs: list):
        if self.executor is None:
            for i, job in enumerate(jobs):
                yield i, f(job)
            return
        from concurrent.futures import as_completed

        futures = {self.executor.submit(f, job): i for i, job in enumerate(jobs)}
        for future in as_completed(futures):
            yield futures[future], future.result()
