"""The command line, `python -m npi_lib COMMAND ...`: one small function per command.

    $ python -m npi_lib rpn "5 3 + 2 *"
    16
    $ python -m npi_lib forth -e ": SQUARE DUP * ; 7 SQUARE ."
    49
    $ python -m npi_lib trace addition --input '[96, 125]'
    $ python -m npi_lib train addition --formulation recursive --out my.pt
    $ python -m npi_lib eval addition --checkpoint my.pt --sizes 5,100,1000 --json
    $ python -m npi_lib run addition --input '[96, 125]' --trace
    $ python -m npi_lib reproduce addition

Each command is two functions: `add_<name>_parser(subparsers)` declares its arguments, and `cmd_<name>(args)`
runs it and returns the exit status. A user error (any `NpiLibError`) prints `error: ...` on stderr and exits
with status 1, never with a traceback. Startup must stay fast: a command that needs torch, numpy or
matplotlib imports them inside its `cmd_<name>`, never at the top of this module.
"""

from __future__ import annotations

import argparse
import sys
import time

from . import __version__
from .errors import ForthError, NpiLibError
from .forth import Forth
from .rpn import evaluate_rpn, infix_to_rpn

PAPER = "Cai, Shin & Song (ICLR 2017)"


# ---------------------------------------------------------------------------------------------- rpn
def add_rpn_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "rpn",
        help="evaluate an RPN expression (or an infix one, with --infix)",
        description="Evaluate an RPN expression of integers and + - * / mod (/ and mod are floored) and "
        "print its value. With --infix, read an infix expression instead: print its RPN translation on "
        "one line, then its value on the next.",
        epilog='examples:\n  python -m npi_lib rpn "5 3 + 2 *"          prints 16\n'
        '  python -m npi_lib rpn --infix "(5+3)*2"    prints 5 3 + 2 * then 16',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("expression", nargs="+", help="the expression; several arguments are joined with spaces")
    p.add_argument("--infix", action="store_true", help="read an infix expression; print its RPN, then its value")
    p.set_defaults(func=cmd_rpn)


def cmd_rpn(args: argparse.Namespace) -> int:
    expression = " ".join(args.expression)
    if args.infix:
        expression = infix_to_rpn(expression)
        print(expression)
    print(evaluate_rpn(expression))
    return 0


# ---------------------------------------------------------------------------------------------- forth
def add_forth_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "forth",
        help="run a Forth program",
        description="Run a Forth program from -e SOURCE, from FILE, or from standard input (FILE '-', or "
        "no FILE with input piped in), and print what it prints; a final newline is added if its output "
        "does not end with one. With a terminal and no program, or with -i, start an interactive session "
        "that runs one line at a time.",
        epilog='examples:\n  python -m npi_lib forth -e "1 2 + ."\n  python -m npi_lib forth fact.fs\n'
        '  echo "1 2 + ." | python -m npi_lib forth',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("-e", "--execute", metavar="SOURCE", help="the program text")
    source.add_argument("file", nargs="?", metavar="FILE", help="a file holding the program; '-' reads stdin")
    p.add_argument("-i", "--interactive", action="store_true", help="read stdin line by line, as a Forth prompt")
    p.add_argument("--step-limit", type=int, default=10_000_000, metavar="N", help="stop after N steps (default %(default)s)")
    p.set_defaults(func=cmd_forth)


def cmd_forth(args: argparse.Namespace) -> int:
    forth = Forth(step_limit=args.step_limit)
    if args.interactive or (args.execute is None and args.file is None and sys.stdin.isatty()):
        return _forth_session(forth)
    if args.execute is not None:
        source = args.execute
    elif args.file in (None, "-"):
        source = sys.stdin.read()
    else:
        try:
            with open(args.file, encoding="utf-8") as f:
                source = f.read()
        except (OSError, UnicodeDecodeError) as e:
            return _fail(f"cannot read {args.file}: {getattr(e, 'strerror', None) or e}")
    try:
        output = forth.run(source)
    except ForthError as e:
        _print_output(getattr(e, "output", ""))  # what the program printed before the error
        raise
    _print_output(output)
    return 0


def _forth_session(forth: Forth) -> int:
    """A read-run-print loop: each line is one `run`, followed by ` ok` as in gforth."""
    if sys.stdin.isatty():
        print(f"npi_lib Forth {__version__}: type words, Ctrl-D to leave.")
    for line in sys.stdin:
        try:
            print(forth.run(line) + " ok", flush=True)
        except ForthError as e:
            _print_output(getattr(e, "output", ""))
            print(f"error: {e}", file=sys.stderr, flush=True)
    return 0


def _print_output(text: str) -> None:
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


# ---------------------------------------------------------------------------------------------- trace
def add_trace_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "trace",
        help="run a task's reference program and print its execution trace",
        description="Run the reference program of a task on one input and print its execution trace as an "
        "indented tree (the return flag shown as ⏎), then the output; with --json, print one JSON object "
        'with the keys "task", "formulation", "input", "output", "steps", "longest_frame" and "trace".',
        epilog="inputs:\n  addition    [a, b]                        two non-negative integers\n"
        "  bubblesort  [3, 1, 2]                     digits 0-9 (bubblesort-compare: any integers)\n"
        '  toposort    {"n": 3, "edges": [[1, 2]]}   vertices 1..n, edges u -> v\n'
        "  quicksort   [3, 1, 2]                     digits 0-9\n"
        "examples:\n  python -m npi_lib trace addition --input '[96, 125]'\n"
        "  python -m npi_lib trace bubblesort --input '[3, 1, 2]' --formulation non-recursive --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", help="addition, bubblesort, bubblesort-compare, toposort or quicksort")
    p.add_argument("--input", required=True, metavar="JSON", help="the problem, as JSON (see below)")
    p.add_argument(
        "--formulation",
        default="recursive",
        help="recursive (default), non-recursive, or partial (bubble sort only)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a tree")
    p.set_defaults(func=cmd_trace)


def cmd_trace(args: argparse.Namespace) -> int:
    import json

    from .task import get_task
    from .trace import longest_frame, to_dict

    task = get_task(args.task)
    task.check_formulation(args.formulation)
    problem = task.parse_input(_json_input(args.input))
    trace = task.reference(problem, args.formulation)
    env = task.make_env(problem)
    for name, prim_args in trace.primitives():  # replay the trace: its answer, read as the network's would be
        env.apply(name, prim_args)
    output = task.output(env)
    if args.json:
        result = {
            "task": task.name,
            "formulation": args.formulation,
            "input": _jsonable(problem),
            "output": output,
            "steps": len(trace),
            "longest_frame": longest_frame(trace),
            "trace": to_dict(trace)["root"],
        }
        print(json.dumps(result))
    else:
        print(task.format(trace))
        print(f"output: {output}")
    return 0


def _json_input(text: str) -> object:
    """Decode a command-line JSON argument, or say where it is malformed."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise NpiLibError(f"--input is not valid JSON ({e.msg} at character {e.pos}): {text[:60]!r}") from None


def _jsonable(problem: object) -> object:
    import dataclasses

    return dataclasses.asdict(problem) if dataclasses.is_dataclass(problem) else problem


# ---------------------------------------------------------------------------------------------- train
def _add_task_arguments(p: argparse.ArgumentParser) -> None:
    """The TASK argument and --formulation, the same for train, eval and run."""
    p.add_argument("task", help="addition, bubblesort, bubblesort-compare, toposort or quicksort")
    p.add_argument("--formulation", default=None, help="recursive (default), non-recursive or partial")


def _task(args: argparse.Namespace):
    """The task named on the command line, with its --formulation (if given) checked against it."""
    from .task import get_task

    task = get_task(args.task)
    if args.formulation is not None:
        task.check_formulation(args.formulation)
    return task


def add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train an NPI on a task's reference traces and save a checkpoint",
        description="Train an NPI on the reference traces of a training set until it predicts every training "
        "step correctly (or --max-epochs pass), then save it. Progress goes to stderr; one summary line to "
        "stdout at the end.",
        epilog="examples:\n  python -m npi_lib train addition --formulation recursive --out add.pt\n"
        "  python -m npi_lib train addition --formulation non-recursive --train-set starved --out starved.pt\n"
        "  python -m npi_lib train addition --train-set 50 --seed 3 --out small.pt",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p)
    p.add_argument("--train-set", default="paper", metavar="NAME", help="paper (default), starved, or a count N")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    p.add_argument("--max-epochs", type=int, default=None, metavar="N", help="give up after N epochs")
    p.add_argument("--out", required=True, metavar="PATH", help="where to write the checkpoint (.pt)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    task = _task(args)
    if args.max_epochs is not None and args.max_epochs < 1:
        raise NpiLibError(f"--max-epochs must be at least 1, got {args.max_epochs}")
    problems = task.training_set(args.train_set, 0)  # a bad name fails here, before torch is loaded
    from .checkpoint import save_checkpoint
    from .model import NPIConfig
    from .training import train

    config = NPIConfig()
    if args.max_epochs is not None:
        config = replace(config, max_epochs=args.max_epochs)
    result = train(
        task, args.formulation, problems, train_set=args.train_set, seed=args.seed, config=config,
        progress=None if args.quiet else "bar",
    )
    path = save_checkpoint(result, args.out)
    print(f"{result}; saved to {path}")
    return 0


# ---------------------------------------------------------------------------------------------- eval
def add_eval_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "eval",
        help="accuracy of a trained NPI against input size",
        description="Run a trained NPI on random problems of each size and report the fraction whose final "
        "answer is exactly right. Without --checkpoint, the checkpoint shipped with npi_lib for the task "
        "and formulation (recursive by default) is used.",
        epilog="examples:\n  python -m npi_lib eval addition --sizes 5,100,1000\n"
        "  python -m npi_lib eval addition --checkpoint add.pt --sizes 5,10 --per-size 10 --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p)
    p.add_argument("--checkpoint", metavar="PATH", help="a checkpoint from `train` (default: the shipped one)")
    p.add_argument("--sizes", default="5,10,100", help="comma-separated problem sizes (default 5,10,100)")
    p.add_argument("--per-size", type=int, default=30, metavar="N", help="problems per size (default 30)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random problems (default 0)")
    p.add_argument("--match-trace", action="store_true", help="also count runs that follow the reference trace exactly")
    p.add_argument("--json", action="store_true", help='print a JSON list of {"size", "accuracy", "n", ...}')
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    task = _task(args)
    sizes = parse_sizes(args.sizes)
    if args.per_size < 1:
        raise NpiLibError(f"--per-size must be at least 1, got {args.per_size}")
    from .evaluation import evaluate  # torch: only once the arguments are known to be good

    ckpt = _checkpoint(task.name, args.checkpoint, args.formulation)
    records = evaluate(
        ckpt.model, task, ckpt.formulation, sizes, args.per_size, seed=args.seed,
        match_trace=args.match_trace, progress=None if args.json else "bar",
    )
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "failures"} for r in records]))
        return 0
    print(ckpt.describe())
    header = f"{'size':>6}  {'accuracy':>8}  {'n':>4}  {'halted':>6}  {'steps':>9}  {'seconds':>7}"
    print(header + ("  trace match" if args.match_trace else ""))
    for r in records:
        line = f"{r['size']:>6}  {r['accuracy']:>8.1%}  {r['n']:>4}  {r['halted']:>6}  {r['steps']:>9.0f}  {r['seconds']:>7.1f}"
        print(line + (f"  {r['trace_match']:>11}" if args.match_trace else ""))
    return 0


def parse_sizes(text: str) -> list[int]:
    """'5,10,100' -> [5, 10, 100], or an error naming the bad item.

    >>> parse_sizes("5, 10,100")
    [5, 10, 100]
    """
    sizes = []
    for item in text.split(","):
        item = item.strip()
        if not item.isdigit() or int(item) < 1:
            raise NpiLibError(f"--sizes: {item!r} is not a positive integer; write e.g. --sizes 5,10,100")
        sizes.append(int(item))
    return sizes


def _checkpoint(task: str, path: str | None, formulation: str | None):
    from .checkpoint import load_checkpoint, shipped_checkpoint

    if path is not None:
        return load_checkpoint(path, task, formulation)
    return shipped_checkpoint(task, formulation or "recursive")


# ---------------------------------------------------------------------------------------------- run
def add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="let a trained NPI solve one problem; print the result as JSON",
        description='Run a trained NPI on one problem and print one JSON object: "output" (what the network '
        'left in the environment), "steps", "halted" (true when the network returned on its own, false '
        'when a step or depth limit or an invalid action stopped it), "correct", "reason", "depth"; with '
        '--trace also "trace", the nested steps it took; "input" echoes the problem. Without --checkpoint, the shipped checkpoint of '
        "the task (recursive formulation by default) is used.",
        epilog="examples:\n  python -m npi_lib run addition --input '[96, 125]'\n"
        "  python -m npi_lib run addition --checkpoint add.pt --input '[\"123456789\", 987]' --trace",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p)
    p.add_argument("--input", required=True, metavar="JSON", help="the problem, as JSON (as for `trace`)")
    p.add_argument("--checkpoint", metavar="PATH", help="a checkpoint from `train` (default: the shipped one)")
    p.add_argument("--trace", action="store_true", help="include the trace the network executed")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="step limit (default: 4x the reference + 100)")
    p.add_argument("--no-reset", action="store_true", help="pass the caller's controller state into each call")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import json

    from .trace import to_dict

    task = _task(args)
    problem = task.parse_input(_json_input(args.input))
    if args.max_steps is not None and args.max_steps < 1:
        raise NpiLibError(f"--max-steps must be at least 1, got {args.max_steps}")
    from .interpreter import run  # torch: only once the arguments are known to be good

    ckpt = _checkpoint(task.name, args.checkpoint, args.formulation)
    result = run(ckpt.model, task, problem, ckpt.formulation, max_steps=args.max_steps, reset=not args.no_reset)
    out = {
        "task": task.name,
        "formulation": ckpt.formulation,
        "input": _jsonable(problem),
        "output": result.output,
        "steps": result.steps,
        "halted": result.halted,
        "correct": result.correct,
        "reason": result.reason,
        "depth": result.depth,
    }
    if args.trace:
        out["trace"] = to_dict(result.trace)["root"]
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------- reproduce
def add_reproduce_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "reproduce",
        help="retrain the paper's models from scratch and print its results table beside ours",
        description="Train the NPI on the training sets of Cai et al. (2017) in both formulations, evaluate "
        "every model on 30 random problems per size, and print the accuracies beside the paper's. For "
        "addition: the 200-problem set and the starved set of 5 one-digit sums; the starved models are also "
        "tested on long sums built only from the columns they saw. Runs the models in parallel, one per "
        "core; a few minutes on a 2-core laptop.",
        epilog="example:\n  python -m npi_lib reproduce addition",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", choices=["addition"], help="the task whose table to reproduce (addition)")
    p.add_argument("--per-size", type=int, default=30, metavar="N", help="problems per size (default 30)")
    p.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="models trained at once (default 2)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON instead of a table")
    p.set_defaults(func=cmd_reproduce)


# One row per model: (formulation, training set, [(problem kind, sizes)]). "random" problems are the
# task's `random_problem`; "seen columns" problems are `addition.starved_problem`: long sums whose
# columns all come from the 5 training sums (the paper's 822 + 233 example).
ADDITION_ROWS = [
    ("recursive", "paper", [("random", [5, 100, 1000, 5000])]),
    ("non-recursive", "paper", [("random", [5, 100, 1000])]),
    ("recursive", "starved", [("seen columns", [5, 100, 1000]), ("random", [5])]),
    ("non-recursive", "starved", [("seen columns", [5, 100, 1000]), ("random", [5])]),
]
# The paper's numbers (Cai et al. 2017, on addition): both paper-set models correct up to 5,000 digits; from the starved
# set, the recursive model adds numbers built from seen columns and the non-recursive one fails.
ADDITION_PAPER = {
    ("recursive", "paper", "random"): "100",
    ("non-recursive", "paper", "random"): "100",
    ("recursive", "starved", "seen columns"): "100",
    ("non-recursive", "starved", "seen columns"): "fails",
}


def cmd_reproduce(args: argparse.Namespace) -> int:
    import json
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    if args.per_size < 1 or args.workers < 1:
        raise NpiLibError("--per-size and --workers must be at least 1")
    start = time.perf_counter()
    print(f"training {len(ADDITION_ROWS)} models, then evaluating them, {args.workers} jobs at a time ...", file=sys.stderr)
    # "spawn": a fresh interpreter per worker; forking a process that has used torch's threads can hang
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        trained = list(pool.map(_train_job, [(f, t, args.seed) for f, t, _ in ADDITION_ROWS]))
        # Evaluation is most of the time (30 runs of 5,000 digits are 1.5 million NPI steps): it is cut
        # into chunks of at most 10 problems, so that both workers stay busy until the end.
        jobs = []
        for row, (_, _, kinds) in enumerate(ADDITION_ROWS):
            for kind, sizes in kinds:
                for size, problems in _reproduce_problems(kind, sizes, args.per_size).items():
                    jobs += [(trained[row], kind, size, problems[i : i + 10]) for i in range(0, len(problems), 10)]
        jobs.sort(key=lambda job: -job[2])  # the longest first
        results = list(pool.map(_eval_job, jobs))
    rows = []
    for (formulation, train_set, kinds), model in zip(ADDITION_ROWS, trained):
        row = {"formulation": formulation, "train_set": train_set, "training": model["summary"], "results": []}
        for kind, sizes in kinds:
            for size in sizes:
                counts = [r for job, r in zip(jobs, results) if job[0] is model and job[1] == kind and job[2] == size]
                n, correct = sum(c[0] for c in counts), sum(c[1] for c in counts)
                row["results"].append({"problems": kind, "size": size, "accuracy": correct / n, "n": n})
        rows.append(row)
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps({"rows": rows, "seconds": round(seconds, 1)}))
    else:
        print(format_reproduce_table(rows, args.per_size))
        print(f"\ntotal time {seconds:.0f} s ({args.workers} worker{'s' if args.workers > 1 else ''})")
    return 0


def _reproduce_problems(kind: str, sizes: list[int], per_size: int) -> dict[int, list]:
    from .addition import TASK, starved_problem
    from .evaluation import problems_for

    return problems_for(TASK, sizes, per_size, problems=starved_problem if kind == "seen columns" else None)


def _train_job(job: tuple[str, str, int]) -> dict:
    """Train one model (in a worker process); its weights come back as plain tensors."""
    from .addition import TASK
    from .training import train

    formulation, train_set, seed = job
    result = train(TASK, formulation, train_set=train_set, seed=seed)
    return {"formulation": formulation, "summary": result.summary(), "config": result.config.to_dict(),
            "weights": result.model.state_dict()}


def _eval_job(job: tuple[dict, str, int, list]) -> tuple[int, int]:
    """Run one trained model on some problems (in a worker process): (number of problems, number right)."""
    from .addition import TASK
    from .evaluation import evaluate
    from .model import NPI, NPIConfig

    trained, _, size, problems = job
    model = NPI.for_task(TASK, NPIConfig.from_dict(trained["config"]))
    model.load_state_dict(trained["weights"])
    (record,) = evaluate(model, TASK, trained["formulation"], problems={size: problems})
    return record["n"], record["correct"]


def format_reproduce_table(rows: list[dict], per_size: int) -> str:
    """The reproduce rows as a text table, the paper's numbers in brackets."""
    lines = [
        f"Addition: accuracy (%) on {per_size} problems per size; in brackets, {PAPER}.",
        "'random': random addends of that many digits. 'seen columns': sums built only from the columns of",
        "the 5 starved training sums, like the paper's 822 + 233. train: training problems, then the epochs",
        "and seconds until every training step was right.",
        "",
    ]
    header = f"{'formulation':<14} {'train set':<9} {'problems':<13}" + "".join(f"{s:>13}" for s in (5, 100, 1000, 5000))
    lines += [header + "   train", "-" * (len(header) + 22)]
    for row in rows:
        by_kind: dict[str, dict[int, float]] = {}
        for r in row["results"]:
            by_kind.setdefault(r["problems"], {})[r["size"]] = r["accuracy"]
        t = row["training"]
        train_text = f"{t['n_problems']} pb, {t['epochs']} ep, {t['seconds']:.0f} s" + ("" if t["perfect"] else " (not 100%)")
        for i, (kind, accs) in enumerate(by_kind.items()):
            paper = ADDITION_PAPER.get((row["formulation"], row["train_set"], kind))
            cells = ""
            for size in (5, 100, 1000, 5000):
                if size not in accs:
                    cells += f"{'':>13}"
                    continue
                ours = f"{100 * accs[size]:.1f}".removesuffix(".0")
                cells += f"{ours + (f' ({paper})' if paper else ''):>13}"
            first = i == 0
            lines.append(
                f"{row['formulation'] if first else '':<14} {row['train_set'] if first else '':<9} {kind:<13}{cells}"
                + (f"   {train_text}" if first else "")
            )
    return "\n".join(line.rstrip() for line in lines)


# ---------------------------------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m npi_lib",
        description="Stack machines and Neural Programmer-Interpreters: the course's command-line tools.",
    )
    parser.add_argument("--version", action="version", version=f"npi_lib {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_rpn_parser(subparsers)
    add_forth_parser(subparsers)
    add_trace_parser(subparsers)
    add_train_parser(subparsers)
    add_eval_parser(subparsers)
    add_run_parser(subparsers)
    add_reproduce_parser(subparsers)
    # A new command is one more line here, and a pair add_<name>_parser / cmd_<name> above, with heavy
    # imports inside cmd_<name>.
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the command, and turn user errors into `error: ...` and exit status 1."""
    args = build_parser().parse_args(argv)
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)  # print results of any size; this process is ours
    try:
        return args.func(args)
    except NpiLibError as e:
        return _fail(str(e))
    except KeyboardInterrupt:
        return _fail("interrupted", status=130)
    except BrokenPipeError:  # e.g. `... | head`: the reader has gone, which is not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _fail(message: str, status: int = 1) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status
