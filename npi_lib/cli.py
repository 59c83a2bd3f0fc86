"""The command line, `python -m npi_lib COMMAND ...`: one small function per command.

    $ python -m npi_lib rpn "5 3 + 2 *"
    16
    $ python -m npi_lib forth -e ": SQUARE DUP * ; 7 SQUARE ."
    49
    $ python -m npi_lib trace addition --input '[96, 125]'
    $ python -m npi_lib train addition --formulation recursive --out my.pt
    $ python -m npi_lib eval addition --checkpoint my.pt --sizes 5,100,1000 --json
    $ python -m npi_lib run addition --input '[96, 125]' --trace
    $ python -m npi_lib reproduce addition     # or: reproduce all
    $ python -m npi_lib verify addition        # exit status 0: right on every input

Each command is two functions: `add_<name>_parser(subparsers)` declares its arguments, and `cmd_<name>(args)`
runs it and returns the exit status. A user error (any `NpiLibError`) prints `error: ...` on stderr and exits
with status 1, never with a traceback. Startup must stay fast: a command that needs torch, numpy or
matplotlib imports them inside its `cmd_<name>`, never at the top of this module.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from . import __version__
from .errors import ForthError, NpiLibError
from .forth import Forth
from .rpn import evaluate_rpn, infix_to_rpn

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


# ---------------------------------------------------------------------------------------------- tasks
# Every task command takes its task list, input formats and formulations from the registry
# (`npi_lib.task`), so a new task shows up here without touching this file.
def _add_task_arguments(p: argparse.ArgumentParser, default_help: str = "the task's recursive one") -> None:
    """The TASK argument and --formulation, the same for trace, train, eval and run."""
    p.add_argument("task", help="the task: one of those listed below")
    p.add_argument("--formulation", default=None, help=f"one of the task's formulations (below); default: {default_help}")


def _tasks_epilog(*examples: str) -> Callable[[], str]:
    """The help's closing text, made only when help is shown (see `_Parser`): each task's input (as JSON),
    formulations and training sets, then examples. In an example, {task}, {input}, {formulation} and
    {train_set} stand for the first task's name, its example input, its first formulation and its last
    training set."""
    return lambda: _tasks_text(examples)


def _tasks_text(examples: tuple[str, ...]) -> str:
    from .task import get_task, task_names

    tasks = [get_task(name) for name in task_names()]
    width = max(len(t.name) for t in tasks) + 2
    example_width = max(len(t.input_example) for t in tasks) + 2
    lines = ["tasks: --input (JSON), what it is; its formulations and training sets"]
    for t in tasks:
        lines.append(f"  {t.name:<{width}}{t.input_example:<{example_width}}{t.input_help}")
        lines.append(f"  {'':<{width}}formulations: {', '.join(t.formulations)} · training sets: "
                     f"{', '.join(t.training_sets)}, or a count N")
    first = tasks[0]
    fill = {"task": first.name, "input": first.input_example, "formulation": first.formulations[0],
            "train_set": first.training_sets[-1]}
    return "\n".join(lines + ["examples:"] + [f"  python -m npi_lib {e.format(**fill)}" for e in examples])


def _task(args: argparse.Namespace):
    """The task named on the command line, and its --formulation (the default one if not given), checked."""
    from .task import get_task

    task = get_task(args.task)
    return task, task.formulation(args.formulation)


# ---------------------------------------------------------------------------------------------- trace
def add_trace_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "trace",
        help="run a task's reference program and print its execution trace",
        description="Run the reference program of a task on one input and print its execution trace as an "
        "indented tree (the return flag shown as ⏎), then the output; with --json, print one JSON object "
        'with the keys "task", "formulation", "input", "output", "steps", "longest_frame" and "trace".',
        epilog=_tasks_epilog("trace {task} --input '{input}'",
                             "trace {task} --input '{input}' --formulation {formulation} --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p)
    p.add_argument("--input", required=True, metavar="JSON", help="the problem, as JSON (see below)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a tree")
    p.set_defaults(func=cmd_trace)


def cmd_trace(args: argparse.Namespace) -> int:
    import json

    from .trace import longest_frame, to_dict

    task, formulation = _task(args)
    problem = task.parse_input(_json_input(args.input))
    trace, env = task.traced(problem, formulation)
    output = task.output(env)
    if args.json:
        result = {
            "task": task.name,
            "formulation": formulation,
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
def add_train_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train",
        help="train an NPI on a task's reference traces and save a checkpoint",
        description="Train an NPI on the reference traces of a training set until it predicts every training "
        "step correctly (or --max-epochs pass), then save it. Progress goes to stderr; one summary line to "
        "stdout at the end.",
        epilog=_tasks_epilog("train {task} --out model.pt",
                             "train {task} --formulation {formulation} --train-set {train_set} --out other.pt",
                             "train {task} --train-set 50 --seed 3 --out small.pt"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p)
    p.add_argument("--train-set", default="paper", metavar="NAME",
                   help="paper (default), another of the task's training sets (below), or a count N")
    p.add_argument("--seed", type=int, default=0, help="seed of the initial weights and batch order (default 0)")
    p.add_argument("--max-epochs", type=int, default=None, metavar="N", help="give up after N epochs")
    p.add_argument("--out", required=True, metavar="PATH", help="where to write the checkpoint (.pt)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    task, formulation = _task(args)
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
        task, formulation, problems, train_set=args.train_set, seed=args.seed, config=config,
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
        "and formulation is used.",
        epilog=_tasks_epilog("eval {task} --sizes 5,100,1000",
                             "eval {task} --checkpoint model.pt --sizes 5,10 --per-size 10 --json"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p, "the checkpoint's, or the task's recursive one")
    p.add_argument("--checkpoint", metavar="PATH", help="a checkpoint from `train` (default: the shipped one)")
    p.add_argument("--sizes", default="5,10,100", help="comma-separated problem sizes (default 5,10,100)")
    p.add_argument("--per-size", type=int, default=30, metavar="N", help="problems per size (default 30)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random problems (default 0)")
    p.add_argument("--match-trace", action="store_true", help="also count runs that follow the reference trace exactly")
    p.add_argument("--json", action="store_true", help='print a JSON list of {"size", "accuracy", "n", ...}')
    p.set_defaults(func=cmd_eval)


def cmd_eval(args: argparse.Namespace) -> int:
    import json

    task, _ = _task(args)
    sizes = parse_sizes(args.sizes)
    if args.per_size < 1:
        raise NpiLibError(f"--per-size must be at least 1, got {args.per_size}")
    from .evaluation import evaluate  # torch: only once the arguments are known to be good

    ckpt = _checkpoint(task, args.checkpoint, args.formulation)
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


def _checkpoint(task, path: str | None, formulation: str | None):
    """The checkpoint at `path`, checked against the task (and formulation, if given); else the shipped one."""
    from .checkpoint import load_checkpoint, shipped_checkpoint

    if path is not None:
        return load_checkpoint(path, task.name, formulation)
    return shipped_checkpoint(task.name, task.formulation(formulation))


# ---------------------------------------------------------------------------------------------- run
def add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="let a trained NPI solve one problem; print the result as JSON",
        description='Run a trained NPI on one problem and print one JSON object: "output" (what the network '
        'left in the environment), "steps", "halted" (true when the network returned on its own, false '
        'when a step or depth limit or an invalid action stopped it), "correct", "reason", "depth"; with '
        '--trace also "trace", the nested steps it took; "input" echoes the problem. Without --checkpoint, '
        "the checkpoint shipped with npi_lib for the task and formulation is used.",
        epilog=_tasks_epilog("run {task} --input '{input}'",
                             "run {task} --checkpoint model.pt --input '{input}' --trace"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p, "the checkpoint's, or the task's recursive one")
    p.add_argument("--input", required=True, metavar="JSON", help="the problem, as JSON (see below)")
    p.add_argument("--checkpoint", metavar="PATH", help="a checkpoint from `train` (default: the shipped one)")
    p.add_argument("--trace", action="store_true", help="include the trace the network executed")
    p.add_argument("--max-steps", type=int, default=None, metavar="N", help="step limit (default: 4x the reference + 100)")
    p.add_argument("--no-reset", action="store_true", help="pass the caller's controller state into each call")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    import json

    from .trace import to_dict

    task, _ = _task(args)
    problem = task.parse_input(_json_input(args.input))
    if args.max_steps is not None and args.max_steps < 1:
        raise NpiLibError(f"--max-steps must be at least 1, got {args.max_steps}")
    from .interpreter import run  # torch: only once the arguments are known to be good

    ckpt = _checkpoint(task, args.checkpoint, args.formulation)
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
class _Reproducible:
    """The choices of `reproduce`: every task that declares results, and "all"; read from the registry
    only when the command is parsed or its help shown."""

    def names(self) -> list[str]:
        from .task import get_task, task_names

        return [name for name in task_names() if get_task(name).results is not None]

    def __iter__(self):
        return iter(self.names() + ["all"])

    def __contains__(self, name: object) -> bool:
        return name in list(self)


def add_reproduce_parser(subparsers: argparse._SubParsersAction) -> None:
    reproducible = _Reproducible()

    def epilog() -> str:
        tasks = reproducible.names()
        return (f"tasks with a results table: {', '.join(tasks)}\nexamples:\n  python -m npi_lib reproduce "
                f"{tasks[0] if tasks else 'TASK'}\n  python -m npi_lib reproduce all --workers 2 --json")

    p = subparsers.add_parser(
        "reproduce",
        help="retrain the paper's models from scratch and print its results table beside ours",
        description="Train every model of a task's results table (each formulation on each training set of "
        "the paper), run each on 30 random problems per size (or on the problems the paper describes), and "
        "print the accuracies beside the paper's. Models are trained and evaluated in parallel, --workers at "
        "a time; progress goes to stderr.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", choices=reproducible, metavar="TASK", help="a task with a results table (below), or all")
    p.add_argument("--per-size", type=int, default=30, metavar="N", help="problems per size (default 30)")
    p.add_argument("--seed", type=int, default=0, help="training seed (default 0)")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="processes at once (default 2; 1: no subprocess)")
    p.add_argument("--seeds", type=int, default=0, metavar="N",
                   help="also train every recursive model with the seeds 0..N-1 and count how many are right on "
                   "every problem at the largest size the paper reports (default 0: no seed study)")
    p.add_argument("--json", action="store_true", help="print one JSON object per task instead of a table")
    p.set_defaults(func=cmd_reproduce, reproducible=reproducible)


def cmd_reproduce(args: argparse.Namespace) -> int:
    import json

    from .reproduce import format_table, reproduce

    if args.per_size < 1 or args.workers < 1:
        raise NpiLibError("--per-size and --workers must be at least 1")
    if args.seeds < 0:
        raise NpiLibError(f"--seeds must be 0 (no seed study) or more, got {args.seeds}")
    for name in args.reproducible.names() if args.task == "all" else [args.task]:
        report = reproduce(name, per_size=args.per_size, seed=args.seed, workers=args.workers, seeds=args.seeds)
        if args.json:
            print(json.dumps(report), flush=True)
        else:
            print(format_table(report) + "\n", flush=True)
    return 0


# ---------------------------------------------------------------------------------------------- verify
def add_verify_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "verify",
        help="prove a trained recursive NPI right on every input, or show where it is wrong",
        description="Build V, every step-input sequence one call of the task's recursive reference program can "
        "see on any input, and S_V, inputs that meet all of them; check V against random inputs; then run the "
        "network on every sequence of V, as neural execution runs it, and compare each decision with the "
        "reference's. If all agree, the network is right on every input of every size (lesson 09 proves it). "
        "Exit status: 0 verified, 1 a wrong decision was found (the report says where), 2 bad input.",
        epilog=_tasks_epilog("verify {task}", "verify {task} --checkpoint my.pt --json",
                             "verify {task} --train-set {train_set} --end-to-end"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_task_arguments(p, "the checkpoint's, or the task's recursive one")
    p.add_argument("--checkpoint", metavar="PATH", help="a checkpoint from `train` (default: the shipped one)")
    p.add_argument("--train-set", metavar="NAME", default="paper",
                   help="without --checkpoint: the shipped checkpoint trained on this set (default paper)")
    p.add_argument("--end-to-end", action="store_true",
                   help="also run the network on every input of S_V and compare whole traces with the reference")
    p.add_argument("--failures", type=int, default=5, metavar="N", help="failures to print in full (default 5)")
    p.add_argument("--seeds", type=int, default=0, metavar="N",
                   help="instead of one checkpoint: train seeds 0..N-1 on --train-set, verify each (the plain "
                   "recipe), then train further on inputs that meet its failures until verified (counterexample-"
                   "guided), and count both")
    p.add_argument("--rounds", type=int, default=5, metavar="R", help="with --seeds: guided rounds at most (default 5)")
    p.add_argument("--per-round", type=int, default=20, metavar="N",
                   help="with --seeds: inputs added per guided round at most (default 20)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the report")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    import json

    try:
        task, _ = _task(args)
        if args.failures < 0 or args.seeds < 0 or args.rounds < 0 or args.per_round < 1:
            raise NpiLibError("--failures, --seeds and --rounds must be 0 or more, --per-round 1 or more")
        if args.seeds:
            return _verify_seeds(args, task)
        from .checkpoint import load_checkpoint, shipped_checkpoint
        from .verify import verify

        if args.checkpoint is not None:
            ckpt = load_checkpoint(args.checkpoint, task.name, args.formulation)
        else:
            ckpt = shipped_checkpoint(task.name, task.formulation(args.formulation), args.train_set)
        if not args.json:
            print(f"building V and S_V for {task.name} ({ckpt.formulation}) ...", file=sys.stderr, flush=True)
        report = verify(ckpt.model, task, ckpt.formulation, label=ckpt.describe(), end_to_end=args.end_to_end)
    except NpiLibError as e:
        return _fail(str(e), status=2)
    if args.json:
        print(json.dumps(report.to_dict(max_failures=max(args.failures, 100))))
    else:
        print(report.format(task, max_failures=args.failures))
    return 0 if report.verified else 1


def _verify_seeds(args: argparse.Namespace, task) -> int:
    """`verify --seeds N`: the plain and the counterexample-guided recipes on N seeds, counted."""
    import json

    from .verify import seed_study

    formulation = task.formulation(args.formulation)
    if args.train_set not in task.training_sets and not args.train_set.isdigit():
        raise NpiLibError(
            f"--train-set {args.train_set!r}: {task.name} has {', '.join(task.training_sets)}, or a count N"
        )
    log = None if args.json else (lambda line: print(line, file=sys.stderr, flush=True))
    study = seed_study(task, formulation, args.train_set, args.seeds, max_rounds=args.rounds, per_round=args.per_round,
                       log=log)
    plain = sum(g.plain_verified for g in study)
    guided = sum(g.verified for g in study)
    if args.json:
        print(json.dumps({"task": task.name, "formulation": formulation, "train_set": args.train_set,
                          "seeds": args.seeds, "plain_verified": plain, "guided_verified": guided,
                          "per_seed": [{"seed": i, "plain_failures": g.rounds[0].failures, "verified": g.verified,
                                        "rounds": len(g.rounds) - 1, "problems": g.rounds[-1].problems,
                                        "failures": [r.failures for r in g.rounds]} for i, g in enumerate(study)]}))
    else:
        print(f"{task.name} ({formulation}), trained on {args.train_set!r}, seeds 0-{args.seeds - 1}:")
        print(f"  plain recipe verified:              {plain} of {args.seeds}")
        print(f"  counterexample-guided verified:     {guided} of {args.seeds} (at most {args.rounds} rounds)")
        for i, g in enumerate(study):
            print(f"  seed {i}: sequences wrong per round {[r.failures for r in g.rounds]}, "
                  f"final training set {g.rounds[-1].problems} problems")
    return 0 if guided == args.seeds else 1


# ---------------------------------------------------------------------------------------------- main
class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose epilog may be a function, called only when the help is shown: the task
    commands' help reads every task module, which `rpn` or `forth` need not import. Subparsers are of the
    same class."""

    def format_help(self) -> str:
        if callable(self.epilog):
            self.epilog = self.epilog()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
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
    add_verify_parser(subparsers)
    # A new command is one more line here, and a pair add_<name>_parser / cmd_<name> above, with heavy
    # imports inside cmd_<name>.
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run the command, and turn user errors into `error: ...` and exit status 1."""
    try:
        args = build_parser().parse_args(argv)  # a task command reads the registry here: it can fail
        if hasattr(sys, "set_int_max_str_digits"):
            sys.set_int_max_str_digits(0)  # print results of any size; this process is ours
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
