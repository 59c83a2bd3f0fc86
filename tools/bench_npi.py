"""Measurements behind the choices and claims of npi_lib.model / training / interpreter (and the report).

    .venv/bin/python tools/bench_npi.py targets      # the course's targets, from scratch (about 3 min)
    .venv/bin/python tools/bench_npi.py speed        # neural execution of a 1,000-digit addition, one core
    .venv/bin/python tools/bench_npi.py batch        # 30 runs one at a time vs in one batch (npi_lib.batch)
    .venv/bin/python tools/bench_npi.py check        # the check of every training step: step function vs batched
    .venv/bin/python tools/bench_npi.py checktrain   # train the shipped configurations with each check (3 min)
    .venv/bin/python tools/bench_npi.py sizes        # hidden 64 / 128 / 256: training time and accuracy
    .venv/bin/python tools/bench_npi.py dedup        # epoch time with and without merging identical frames
    .venv/bin/python tools/bench_npi.py replay       # epochs to 100% with and without replaying mistakes
    .venv/bin/python tools/bench_npi.py starved      # 16 seeds on the starved set: how many add long sums
    .venv/bin/python tools/bench_npi.py ship         # train the shipped checkpoints into npi_lib/checkpoints/
    .venv/bin/python tools/bench_npi.py verify       # V, S_V and the check of every shipped recursive model
    .venv/bin/python tools/bench_npi.py all          # everything but ship

Times are wall-clock seconds and CPU seconds of this process (the CPU time is what to compare when the
machine is shared). Every section prints one JSON line per measurement after its table, for the record.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from npi_lib.addition import TASK, coverage, starved_problem  # noqa: E402
from npi_lib.checkpoint import save_checkpoint, shipped_path  # noqa: E402
from npi_lib.evaluation import evaluate  # noqa: E402
from npi_lib.interpreter import run  # noqa: E402
from npi_lib.model import NPIConfig, parameter_count  # noqa: E402
from npi_lib.training import _batch_step_errors, _one_epoch, collect_frames, encode_frames, step_errors, train  # noqa: E402

SHIP = [("recursive", "paper"), ("non-recursive", "paper"), ("recursive", "starved"), ("non-recursive", "starved")]


def record(**kw) -> None:
    print("  " + json.dumps(kw), flush=True)


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu


def load() -> str:
    return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


# ---------------------------------------------------------------------------------------------- sections
def targets(args) -> None:
    """Train from scratch and evaluate every model the course's targets name."""
    print(f"## targets ({load()}); coverage of ADD1's entries by the paper set: {coverage(TASK.training_set('paper'))}")
    plan = [
        ("recursive", "paper", None, [5, 100, 1000, 5000]),
        ("non-recursive", "paper", None, [5, 100, 1000]),
        ("recursive", "starved", starved_problem, [100, 1000]),
        ("non-recursive", "starved", starved_problem, [100, 1000]),
    ]
    for formulation, train_set, problems, sizes in plan:
        with Clock() as c:
            r = train(TASK, formulation, train_set=train_set, seed=args.seed)
        print(f"{formulation:>13} {train_set:<8} trained: {r.epochs} epochs, {c.wall:.1f} s wall, {c.cpu:.1f} s CPU, perfect={r.perfect}")
        record(section="train", formulation=formulation, train_set=train_set, epochs=r.epochs, wall=round(c.wall, 1), cpu=round(c.cpu, 1), perfect=r.perfect)
        for rec in evaluate(r.model, TASK, formulation, sizes, args.per_size, problems=problems):
            kind = "seen columns" if problems else "random"
            print(f"{'':>23} {kind:<12} {rec['size']:>5} digits: {rec['accuracy']:.1%} of {rec['n']}  ({rec['seconds']:.1f} s)")
            record(section="eval", formulation=formulation, train_set=train_set, problems=kind, size=rec["size"], accuracy=rec["accuracy"], n=rec["n"], seconds=rec["seconds"])


def speed(args) -> None:
    """Neural execution of one 1,000-digit recursive addition on one core (the target: under 2 s)."""
    from npi_lib.checkpoint import shipped_checkpoint

    torch.set_num_threads(1)
    model = shipped_checkpoint("addition", "recursive").model
    problem = TASK.random_problem(1000, random.Random(1))
    print(f"## speed ({load()}): one 1,000-digit addition, torch threads = 1")
    for label, step in (("cold cache", None), ("warm cache", model.fast_step())):
        if step is not None:
            run(step, TASK, problem)  # fills the (observation, args, program) cache
        with Clock() as c:
            result = run(step or model, TASK, problem)
        assert result.correct
        us = 1e6 * c.wall / result.steps
        print(f"  {label}: {result.steps} steps in {c.wall:.2f} s wall ({c.cpu:.2f} s CPU): {us:.0f} µs per step")
        record(section="speed", cache=label, steps=result.steps, wall=round(c.wall, 3), cpu=round(c.cpu, 3), us_per_step=round(us, 1))
    with Clock() as c:
        ref = TASK.reference(problem, "recursive", record_states=False)
    print(f"  (the reference program alone: {len(ref)} steps in {c.wall:.2f} s)")


def batch(args) -> None:
    """Runs one at a time (`run`, as `evaluate` did before batching) against one batch (`run_batch`): seconds per
    problem, and that both give the same results. 30 problems of 1,000-digit addition with the shipped recursive
    and non-recursive models, and 30 of bubble sort at length 90 with a recursive model trained here."""
    import gc

    from npi_lib.batch import run_batch
    from npi_lib.checkpoint import shipped_checkpoint
    from npi_lib.task import get_task

    bubblesort = get_task("bubblesort")
    with Clock() as c:
        bubble = train(bubblesort, "recursive", train_set="paper", seed=0).model
    print(f"## batch ({load()}), torch threads = 1 unless said; CPU seconds per problem "
          f"(recursive bubble sort trained in {c.wall:.0f} s)")
    plan = [
        ("addition", "recursive", shipped_checkpoint("addition", "recursive").model, TASK, 1000, 30),
        ("addition", "non-recursive", shipped_checkpoint("addition", "non-recursive").model, TASK, 1000, 5),
        ("bubblesort", "recursive", bubble, bubblesort, 90, 3),
    ]
    for name, formulation, model, task, size, n_alone in plan:
        rng = random.Random(f"0:{size}")
        problems = [task.random_problem(size, rng) for _ in range(args.per_size)]
        step = model.fast_step()
        run(step, task, problems[0], formulation)  # warm the step's input cache, as a batch finds it
        with Clock() as alone_clock:
            alone = [run(step, task, p, formulation) for p in problems[:n_alone]]
        per_alone = alone_clock.cpu / n_alone
        with Clock() as refs_clock:
            limits = [step_limits_of(task, p, formulation) for p in problems]
        rows = [("one at a time (run)", per_alone, alone_clock.wall / n_alone)]
        variants = [
            ("batch, limits from the references", {}),
            ("batch, limits given (no references)", {"max_steps": [s for s, _ in limits], "max_depth": [d for _, d in limits]}),
            ("batch, no tree of transitions", {"cache_size": 0, "max_steps": [s for s, _ in limits], "max_depth": [d for _, d in limits]}),
            ("batch, 2 threads", {"threads": 2, "max_steps": [s for s, _ in limits], "max_depth": [d for _, d in limits]}),
        ]
        for label, options in variants:
            gc.collect()
            with Clock() as cl:
                results = run_batch(step, task, problems, formulation, record_trace=False, **options)
            same = all((a.output, a.steps, a.halted, a.reason, a.correct) == (b.output, b.steps, b.halted, b.reason, b.correct)
                       for a, b in zip(alone, results))
            if not same:
                raise SystemExit(f"{name} {formulation}: {label} differs from the runs one at a time")
            rows.append((label, cl.cpu / len(problems), cl.wall / len(problems)))
        steps = sum(r.steps for r in results) / len(results)
        right = sum(bool(r.correct) for r in results)
        print(f"  {name} {formulation}, size {size}: {args.per_size} problems, {steps:,.0f} steps each, {right} right; "
              f"one at a time measured on {n_alone}; the references alone {refs_clock.cpu / len(problems):.3f} s each")
        for label, cpu, wall in rows:
            print(f"    {label:<38} {cpu:7.3f} s CPU {wall:7.3f} s wall per problem   {per_alone / cpu:5.1f}x")
            record(section="batch", task=name, formulation=formulation, size=size, variant=label, cpu=round(cpu, 4),
                   wall=round(wall, 4), speedup=round(per_alone / cpu, 1), steps=round(steps))


def step_limits_of(task, problem, formulation) -> tuple[int, int]:
    from npi_lib.interpreter import step_limits

    return step_limits(task.reference(problem, formulation, record_states=False))


def check(args) -> None:
    """The check of every training step (`step_errors`: the step function the interpreter runs, frame by frame
    over a trie of shared beginnings) against the batched check of `NPI.forward` (`train`'s check between
    epochs): time on addition's paper set, and whether they flag the same steps."""
    from npi_lib.checkpoint import shipped_checkpoint

    print(f"## the check of every training step ({load()}), addition's paper set, shipped models, one thread")
    torch.set_num_threads(1)
    for formulation in ("recursive", "non-recursive"):
        data = encode_frames(TASK, collect_frames([TASK.reference(p, formulation) for p in TASK.training_set("paper")]))
        for train_set in ("paper", "starved"):
            model = shipped_checkpoint("addition", formulation, train_set).model
            times = {}
            for name, fn in (("step function", step_errors), ("batched", _batch_step_errors)):
                fn(model, data)  # warm up
                with Clock() as c:
                    for _ in range(3):
                        errors = fn(model, data)
                times[name] = (c.cpu / 3, errors)
            (exact, e1), (batched, e2) = times["step function"], times["batched"]
            same = bool(torch.equal(e1, e2))
            print(f"  {formulation:>13} model trained on {train_set:<7}: {len(data)} frames, {int(data.mask.sum())} steps; "
                  f"step function {exact:.3f} s, batched {batched:.3f} s CPU; wrong steps {int(e1.sum())} / {int(e2.sum())}, "
                  f"same steps flagged: {same}")
            record(section="check", formulation=formulation, model=train_set, frames=len(data), steps=int(data.mask.sum()),
                   exact=round(exact, 4), batched=round(batched, 4), wrong_exact=int(e1.sum()), wrong_batched=int(e2.sum()), same=same)


def checktrain(args) -> None:
    """The four shipped configurations trained with train's batched check and with `step_errors` in its place:
    epochs, CPU seconds, and whether the weights equal the shipped checkpoint's bit for bit."""
    from npi_lib import training
    from npi_lib.checkpoint import shipped_checkpoint

    print(f"## training with each check ({load()}), seed 0, one thread")
    batched = training._batch_step_errors
    try:
        for label, check in (("batched", batched), ("step function", step_errors)):
            training._batch_step_errors = check
            for formulation, train_set in SHIP:
                shipped = shipped_checkpoint("addition", formulation, train_set)
                with Clock() as c:
                    r = train(TASK, formulation, train_set=train_set, seed=0)
                same = all(torch.equal(x, y) for x, y in zip(shipped.model.state_dict().values(), r.model.state_dict().values()))
                print(f"  {label:<13} {formulation:>13} {train_set:<8}: {r.epochs} epochs (shipped: {shipped.summary['epochs']}), "
                      f"{c.cpu:.1f} s CPU, weights equal to the shipped ones: {same}")
                record(section="checktrain", check=label, formulation=formulation, train_set=train_set, epochs=r.epochs,
                       shipped_epochs=shipped.summary["epochs"], cpu=round(c.cpu, 2), same_weights=same)
    finally:
        training._batch_step_errors = batched


def sizes(args) -> None:
    """Hidden 64 / 128 / 256: time to 100% of training steps, and accuracy at 100 and 1,000 digits."""
    print(f"## LSTM size ({load()}), recursive addition, paper set, seeds {args.seeds}")
    for hidden in (64, 128, 256):
        config = replace(NPIConfig(), hidden_size=hidden)
        for seed in range(args.seeds):
            with Clock() as c:
                r = train(TASK, "recursive", seed=seed, config=config)
            ev = evaluate(r.model, TASK, "recursive", [100, 1000], 10)
            with Clock() as e:
                run(r.model, TASK, TASK.random_problem(1000, random.Random(1)))
            accs = {x["size"]: x["accuracy"] for x in ev}
            print(f"  H={hidden:<4} seed {seed}: {parameter_count(r.model):>7} parameters, {r.epochs:>3} epochs, "
                  f"{c.wall:5.1f} s wall, {c.cpu:5.1f} s CPU, perfect={r.perfect}, accuracy 100/1000 digits: "
                  f"{accs[100]:.0%}/{accs[1000]:.0%}, one 1,000-digit run {e.wall:.2f} s")
            record(section="sizes", hidden=hidden, seed=seed, parameters=parameter_count(r.model), epochs=r.epochs,
                   wall=round(c.wall, 1), cpu=round(c.cpu, 1), perfect=r.perfect, acc100=accs[100], acc1000=accs[1000],
                   run1000=round(e.wall, 2))


def dedup(args) -> None:
    """Seconds per epoch with identical frames merged (counts as weights) and without."""
    print(f"## merging identical frames ({load()})")
    torch.set_num_threads(1)
    for formulation, train_set in (("recursive", "paper"), ("non-recursive", "paper"), ("recursive", "200")):
        problems = TASK.training_set("paper") if train_set == "paper" else [(a, b) for a in range(10) for b in range(10)] * 2
        traces = [TASK.reference(p, formulation) for p in problems]
        times = {}
        for merged in (True, False):
            data = encode_frames(TASK, collect_frames(traces, merged))
            torch.manual_seed(0)
            from npi_lib.model import NPI

            model = NPI.for_task(TASK)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=True)
            order = torch.Generator().manual_seed(0)
            _one_epoch(model, data, opt, 64, 1.0, order)
            with Clock() as c:
                for _ in range(3):
                    _one_epoch(model, data, opt, 64, 1.0, order)
            times[merged] = (len(data), c.cpu / 3)
        label = "200 one-digit sums" if train_set == "200" else f"{train_set} set"
        (u, tm), (n, tr) = times[True], times[False]
        print(f"  {formulation:>13}, {label}: {n} frames -> {u} unique ({n / u:.1f}x); epoch {tr:.3f} s -> {tm:.3f} s CPU ({tr / tm:.1f}x faster)")
        record(section="dedup", formulation=formulation, train_set=label, frames=n, unique=u, epoch_all=round(tr, 4), epoch_merged=round(tm, 4))


def replay(args) -> None:
    """Epochs to 100% of the training steps with and without replaying the frames that were wrong."""
    print(f"## replaying mistakes ({load()}), recursive addition, paper set, max 300 epochs")
    for r_ in (0, NPIConfig().replay_mistakes):
        config = replace(NPIConfig(), replay_mistakes=r_, max_epochs=300)
        for seed in range(args.seeds):
            with Clock() as c:
                r = train(TASK, "recursive", seed=seed, config=config)
            print(f"  replay {r_:>2}, seed {seed}: {r.epochs:>3} epochs, perfect={r.perfect}, {c.cpu:.1f} s CPU")
            record(section="replay", replay=r_, seed=seed, epochs=r.epochs, perfect=r.perfect, cpu=round(c.cpu, 1))


def starved(args) -> None:
    """How many seeds of the recursive model, trained on the 5 starved sums, add long sums of seen columns."""
    n = max(args.seeds, 16)
    print(f"## starved set, recursive, {n} seeds ({load()}): 10 sums of seen columns at 100 and 1,000 columns")
    passed = 0
    for seed in range(n):
        with Clock() as c:
            r = train(TASK, "recursive", train_set="starved", seed=seed)
        accs = [rec["accuracy"] for rec in evaluate(r.model, TASK, "recursive", [100, 1000], 10, problems=starved_problem)]
        passed += all(a == 1.0 for a in accs)
        print(f"  seed {seed:>2}: {r.epochs} epochs, {c.cpu:.1f} s CPU, accuracy {accs[0]:.0%} / {accs[1]:.0%}")
        record(section="starved", seed=seed, epochs=r.epochs, acc100=accs[0], acc1000=accs[1])
    print(f"  {passed} of {n} seeds: 100% at both lengths")


def ship(args) -> None:
    """Train the four addition checkpoints shipped in npi_lib/checkpoints/ (seed 0, default settings)."""
    print(f"## shipping ({load()})")
    for formulation, train_set in SHIP:
        with Clock() as c:
            r = train(TASK, formulation, train_set=train_set, seed=0)
        if not r.perfect:
            raise SystemExit(f"{formulation}/{train_set} did not reach 100% of its training steps; not shipped")
        path = save_checkpoint(r, shipped_path("addition", formulation, train_set))
        print(f"  {path.relative_to(ROOT)}: {path.stat().st_size / 1000:.0f} KB, {r.epochs} epochs, {c.wall:.1f} s")
        record(section="ship", file=path.name, kb=round(path.stat().st_size / 1000), epochs=r.epochs, wall=round(c.wall, 1))


def verify_models(args) -> None:
    """For every task with a verification model: the time to build V, to pick S_V, to cross-check, and to
    check each shipped recursive checkpoint on V; the process's peak memory at the end."""
    import resource

    from npi_lib import verify
    from npi_lib.checkpoint import shipped_checkpoint, shipped_checkpoints
    from npi_lib.task import get_task, task_names

    print(f"## verify: every shipped recursive checkpoint ({load()})")
    print(f"  {'task':<19}{'V':>8}{'build s':>9}{'S_V':>8}{'cover s':>9}{'cross s':>9}  {'train set':<17}"
          f"{'result':<14}{'margin':>8}{'check s':>9}")
    for name in task_names():
        task = get_task(name)
        if task.verification is None:
            continue
        with Clock() as built:
            v = verify.build(task)
        with Clock() as covered:
            cover = verify.inputs_covering(v)
        with Clock() as crossed:
            cross = verify.cross_check(v, (2, 3, 5, 8, 13, 20), 20)
        assert cross.ok and not cover.uncovered
        for task_name, formulation, train_set in shipped_checkpoints():
            if task_name != name or formulation != "recursive":
                continue
            model = shipped_checkpoint(name, formulation, train_set).model
            with Clock() as checked:
                result = verify.check(model, v, cover.witness)
            verdict = "verified" if result.ok else f"{len(result.failures)} failed"
            print(f"  {name:<19}{len(v):>8,}{built.wall:>9.1f}{len(cover.problems):>8,}{covered.wall:>9.1f}"
                  f"{crossed.wall:>9.1f}  {train_set:<17}{verdict:<14}{result.min_margin:>+8.3f}{checked.wall:>9.1f}")
            record(section="verify", task=name, train_set=train_set, V=len(v), S_V=len(cover.problems),
                   verified=result.ok, failures=len(result.failures), margin=round(result.min_margin, 3),
                   build=round(built.wall, 2), cover=round(covered.wall, 2), cross=round(crossed.wall, 2),
                   check=round(checked.wall, 2), check_cpu=round(checked.cpu, 2))
    print(f"  peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


SECTIONS = {"targets": targets, "speed": speed, "batch": batch, "check": check, "checktrain": checktrain, "sizes": sizes, "dedup": dedup, "replay": replay, "starved": starved,
            "verify": verify_models, "ship": ship}

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="+", choices=[*SECTIONS, "all"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=3, help="seeds per setting in sizes/replay (default 3)")
    parser.add_argument("--per-size", type=int, default=30)
    args = parser.parse_args()
    chosen = [s for s in SECTIONS if s != "ship"] if "all" in args.sections else args.sections
    for name in chosen:
        SECTIONS[name](args)
