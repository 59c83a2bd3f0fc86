"""The command line, `python -m npi_lib COMMAND ...`: one small function per command.

    $ python -m npi_lib rpn "5 3 + 2 *"
    16
    $ python -m npi_lib forth -e ": SQUARE DUP * ; 7 SQUARE ."
    49

Each command is two functions: `add_<name>_parser(subparsers)` declares its arguments, and `cmd_<name>(args)`
runs it and returns the exit status. A user error (any `NpiLibError`) prints `error: ...` on stderr and exits
with status 1, never with a traceback. Startup must stay fast: a command that needs torch, numpy or
matplotlib imports them inside its `cmd_<name>`, never at the top of this module.
"""

from __future__ import annotations

import argparse
import sys

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


# ---------------------------------------------------------------------------------------------- main
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
    # New commands go here, one line each, e.g. add_trace_parser(subparsers), add_train_parser(subparsers),
    # add_eval_parser(subparsers), add_run_parser(subparsers), add_reproduce_parser(subparsers); each defined
    # above as a pair add_<name>_parser / cmd_<name>, with heavy imports inside cmd_<name>.
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
