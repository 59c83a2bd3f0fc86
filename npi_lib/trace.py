"""Execution traces: the tree of calls a program makes.

One type serves the whole course: the Forth machine of lesson 01 records the words it runs, the reference
programs of lesson 02 record the NPI programs they call, and the neural interpreter of lesson 03 records
what the network chose. So one viewer, one diff and one set of training-data helpers work for all of them.

A trace is a tree of `Step`s. A step is one decision made inside a call frame: "run this primitive" (a leaf)
or "call this subprogram" (a node whose `children` are the steps of the callee's own frame).

    >>> root = Step("ADD", children=[Step("ADD1", children=[]), Step("NOP", ret=True)])
    >>> print(format_tree(Trace(root)))
    ADD
      ADD1
      NOP  ⏎
    >>> [len(f.steps) for f in frames(Trace(root))]
    [2, 0]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Protocol

from .errors import TraceLimitError

ARITY = 3  # every NPI argument is a 3-tuple of small integers (Reed & de Freitas 2016)


@dataclass
class Step:
    """One step of a call frame.

    name      word, program or primitive name, as in the paper (ADD1, LSHIFT, DUP, ...)
    args      arguments of the call; for NPI programs a 3-tuple of small integers
    ret       the return flag emitted together with this step: after it, the frame ends (NPI's r_t > 0.5)
    obs       what the *calling* frame's encoder observed when it chose this step (NPI traces only)
    state     a snapshot of the machine or environment after this step, sub-calls included
    children  None for a primitive or built-in word; a list of the callee's steps for a call
    pos       position in the source (Forth: token index), when there is a source
    note      free text for a viewer: printed output, an error, a comment
    """

    name: str
    args: tuple[int, ...] = ()
    ret: bool = False
    obs: tuple[int, ...] | None = None
    state: Any = None
    children: list[Step] | None = None
    pos: int | None = None
    note: str = ""

    @property
    def is_call(self) -> bool:
        return self.children is not None


@dataclass
class Trace:
    """A whole run: the root call, the state before anything ran, and what kind of machine made it."""

    root: Step
    initial_state: Any = None
    kind: str = ""

    def walk(self) -> Iterator[tuple[int, Step]]:
        """Every step in execution order (pre-order), with its depth; the root has depth 0."""
        return _walk(self.root, 0)

    def primitives(self) -> list[tuple[str, tuple[int, ...]]]:
        """The sequence of primitive actions, in order: what actually touched the environment."""
        return [(s.name, s.args) for _, s in self.walk() if not s.is_call]

    def __len__(self) -> int:
        """Number of steps, the root call excluded."""
        return sum(1 for _ in self.walk()) - 1


def _walk(step: Step, depth: int) -> Iterator[tuple[int, Step]]:
    stack = [(depth, step)]  # iterative: recursive traces of long inputs are deep
    while stack:
        d, s = stack.pop()
        yield d, s
        if s.children:
            stack.extend((d + 1, c) for c in reversed(s.children))


# ---------------------------------------------------------------------------------------------- frames
@dataclass(frozen=True)
class FrameStep:
    """One training example of the NPI core: inputs at step t of a frame, and the outputs to predict."""

    obs: tuple[int, ...]
    program: str
    args: tuple[int, ...]
    next_program: str
    next_args: tuple[int, ...]
    ret: bool


@dataclass
class Frame:
    """The steps of one call: the unit the NPI core sees, since its state is reset at every call."""

    program: str
    args: tuple[int, ...]
    steps: list[FrameStep]
    depth: int = 0


def frames(trace: Trace) -> list[Frame]:
    """Split a trace into one frame per call, in the order the calls were made."""
    out = []
    for depth, s in trace.walk():
        if s.is_call:
            steps = [
                FrameStep(c.obs, s.name, s.args, c.name, c.args, c.ret)  # type: ignore[arg-type]
                for c in s.children  # type: ignore[union-attr]
            ]
            out.append(Frame(s.name, s.args, steps, depth))
    return out


def format_frame(frame: Frame, describe: Callable[[str, tuple[int, ...]], str] | None = None) -> str:
    """One line per step of a frame: what the core sees, and what it must decide.

        >>> step = FrameStep((6, 5, 10, 10), "ADD", (0, 0, 0), "ADD1", (0, 0, 0), False)
        >>> print(format_frame(Frame("ADD", (0, 0, 0), [step])))
          ADD sees (6, 5, 10, 10) -> ADD1
    """
    lines = []
    for s in frame.steps:
        decision = describe(s.next_program, s.next_args) if describe else s.next_program
        lines.append(f"  {frame.program} sees {s.obs} -> {decision}{'  ⏎' if s.ret else ''}")
    return "\n".join(lines)


def longest_frame(trace: Trace) -> int:
    """The number of steps of the longest call frame: bounded for recursive programs, growing for loops."""
    return max(len(f.steps) for f in frames(trace))


# ---------------------------------------------------------------------------------------------- timeline
@dataclass(frozen=True)
class Moment:
    """One row of a viewer's timeline: a step, its depth, and the state to show when it is selected.

    For a primitive the state is the one after it ran; for a call, the state on entering the call.
    """

    index: int
    depth: int
    step: Step
    state: Any


def timeline(trace: Trace) -> list[Moment]:
    """The trace flattened into execution order, with the state a viewer shows at each step."""
    moments, state = [], trace.initial_state
    for i, (depth, s) in enumerate(trace.walk()):
        if s.is_call:
            moments.append(Moment(i, depth, s, state))
        else:
            state = s.state if s.state is not None else state
            moments.append(Moment(i, depth, s, state))
    return moments


def first_difference(a: Trace, b: Trace) -> int | None:
    """Index (in `timeline` order) of the first step where two traces disagree on name, args, return flag
    or nesting; None when they are identical in those respects."""
    wa, wb = list(a.walk()), list(b.walk())
    for i, ((da, sa), (db, sb)) in enumerate(zip(wa, wb)):
        if (da, sa.name, tuple(sa.args), sa.ret, sa.is_call) != (db, sb.name, tuple(sb.args), sb.ret, sb.is_call):
            return i
    return None if len(wa) == len(wb) else min(len(wa), len(wb))


# ---------------------------------------------------------------------------------------------- text
def format_step(s: Step, describe: Callable[[str, tuple[int, ...]], str] | None = None) -> str:
    """`NAME(args)` with a ⏎ mark when the step carries the return flag.

    `describe(name, args)` lets a task spell its arguments out (`PTR(IN1, LEFT)` instead of `PTR(0, 0, 0)`).
    """
    if describe is not None:
        text = describe(s.name, s.args)
    else:
        text = s.name
        if s.args and any(s.args):
            text += "(" + ", ".join(str(a) for a in s.args) + ")"
    if s.ret:
        text += "  ⏎"
    return text


def format_tree(
    trace: Trace,
    max_lines: int | None = None,
    show_state: bool = False,
    describe: Callable[[str, tuple[int, ...]], str] | None = None,
) -> str:
    """The trace as an indented tree, two spaces a level; the root call is the first line."""
    lines = []
    for depth, s in trace.walk():
        if max_lines is not None and len(lines) >= max_lines:
            lines.append(f"... ({len(trace) + 1 - max_lines} more steps)")
            break
        line = "  " * depth + format_step(s, describe)
        if show_state and s.state is not None:
            line += f"    {s.state}"
        lines.append(line)
    return "\n".join(lines)


def to_dict(trace: Trace) -> dict:
    """A JSON-ready dict (states are kept only if they are JSON-ready themselves)."""

    def enc(s: Step) -> dict:
        d: dict[str, Any] = {"name": s.name}
        if s.args:
            d["args"] = list(s.args)
        if s.ret:
            d["ret"] = True
        if s.obs is not None:
            d["obs"] = list(s.obs)
        if s.pos is not None:
            d["pos"] = s.pos
        if s.note:
            d["note"] = s.note
        if s.is_call:
            d["children"] = [enc(c) for c in s.children]  # type: ignore[union-attr]
        return d

    import sys

    limit = sys.getrecursionlimit()
    depth = max(d for d, _ in trace.walk())
    if depth + 100 > limit:
        sys.setrecursionlimit(depth + 200)  # deep recursive traces; restored below
    try:
        return {"kind": trace.kind, "root": enc(trace.root)}
    finally:
        sys.setrecursionlimit(limit)


def from_dict(d: dict) -> Trace:
    """Inverse of `to_dict` (without states)."""

    def dec(x: dict) -> Step:
        kids = x.get("children")
        return Step(
            x["name"],
            tuple(x.get("args", ())),
            bool(x.get("ret", False)),
            tuple(x["obs"]) if "obs" in x else None,
            None,
            [dec(c) for c in kids] if kids is not None else None,
            x.get("pos"),
            x.get("note", ""),
        )

    return Trace(dec(d["root"]), kind=d.get("kind", ""))


def to_json(trace: Trace) -> str:
    return json.dumps(to_dict(trace))


# ---------------------------------------------------------------------------------------------- recording
class Environment(Protocol):
    """What a task environment offers to the recorder and to the neural interpreter."""

    def observe(self) -> tuple[int, ...]: ...  # exactly what the paper's encoder sees
    def apply(self, name: str, args: tuple[int, ...]) -> None: ...  # run a primitive (may raise ActionError)
    def snapshot(self) -> Any: ...  # an immutable copy of the state, for viewers


def program(name: str) -> Callable[[Callable], Callable]:
    """Give a reference-program function its paper name, for when two formulations share a name.

        >>> @program("ADD")
        ... def ADD_recursive(t, env): ...
        >>> ADD_recursive.program_name
        'ADD'
    """

    def mark(fn: Callable) -> Callable:
        fn.program_name = name  # type: ignore[attr-defined]
        return fn

    return mark


def pad_args(args: tuple[int, ...]) -> tuple[int, ...]:
    """Arguments as the NPI sees them: exactly three small integers, unused slots 0."""
    n = len(args)
    if n > ARITY:
        raise ValueError(f"at most {ARITY} arguments, got {args}")
    if n == ARITY and all(type(a) is int for a in args):
        return tuple(args)  # the common case, kept fast: long traces have millions of steps
    return tuple(int(a) for a in args) + (0,) * (ARITY - n)


class Tracer:
    """Runs a reference program on an environment and records its trace.

    A reference program is a plain function `PROG(t, env, *args)` that reads like the paper's pseudocode:

        def ADD1(t, env):
            t.act("WRITE", OUT, digit)   # a primitive: observe, apply to env, record
            if carry: t.call(CARRY)      # a sub-program: observe, record a call node, run it
        t.call(ADD, ret=True)            # a tail call: the return flag rides on the call step

    `max_steps` and `max_depth` turn a runaway program into a `TraceLimitError` instead of a hang.
    `record_states=False` skips the per-step snapshots: long inputs (thousands of digits) stay fast.
    """

    def __init__(
        self,
        env: Environment,
        kind: str = "",
        max_steps: int = 10_000_000,
        max_depth: int = 100_000,
        record_states: bool = True,
    ):
        self.env, self.kind = env, kind
        self.max_steps, self.max_depth = max_steps, max_depth
        self.record_states = record_states
        self.n_steps = 0
        self._frames: list[list[Step]] = []

    def run(self, prog: Callable, *args: int) -> Trace:
        """Record the whole run of `prog(*args)` from the environment's current state."""
        initial = self._snapshot()
        root = Step(_name(prog), pad_args(args), children=[])
        self._frames = [root.children]  # type: ignore[list-item]
        self._run_body(prog, args)
        root.state = self._snapshot()
        return Trace(root, initial, self.kind)

    def act(self, name: str, *args: int, ret: bool = False) -> None:
        """A primitive step: observe, apply it to the environment, record it."""
        self._count()
        obs = self.env.observe()
        a = pad_args(args)
        self.env.apply(name, a)
        self._frames[-1].append(Step(name, a, ret, obs, self._snapshot()))

    def call(self, prog: Callable, *args: int, ret: bool = False) -> None:
        """A call step: observe, record the call, run the callee in a new frame."""
        self._count()
        obs = self.env.observe()
        node = Step(_name(prog), pad_args(args), ret, obs, children=[])
        self._frames[-1].append(node)
        if len(self._frames) >= self.max_depth:
            raise TraceLimitError(
                f"call depth passed {self.max_depth} while calling {node.name}: runaway recursion? "
                "Check the base case, or raise max_depth."
            )
        self._frames.append(node.children)  # type: ignore[arg-type]
        try:
            self._run_body(prog, args)
        finally:
            self._frames.pop()
        node.state = self._snapshot()

    def _snapshot(self) -> Any:
        return self.env.snapshot() if self.record_states else None

    def _run_body(self, prog: Callable, args: tuple[int, ...]) -> None:
        # Deep recursive programs (thousands of digits) need a deep Python stack for the tracer too.
        import sys

        if len(self._frames) * 4 + 200 > sys.getrecursionlimit():
            sys.setrecursionlimit(len(self._frames) * 8 + 1000)
        prog(self, self.env, *args)

    def _count(self) -> None:
        self.n_steps += 1
        if self.n_steps > self.max_steps:
            raise TraceLimitError(
                f"more than {self.max_steps} steps: runaway loop? Check the loop's exit, or raise max_steps."
            )


class StepCounter(Tracer):
    """Runs a reference program only to count its steps and its deepest frame, recording nothing: what the
    step limits of a neural run need (`npi_lib.interpreter.limits_for`), at a fraction of a trace's cost.

        >>> from npi_lib.addition import TASK
        >>> StepCounter(TASK.make_env((96, 125))).count(TASK.reference_programs["recursive"])
        (33, 4)

    The counts equal `len(trace)` and the deepest `trace.walk()` depth of the same run (tests/test_trace.py).
    """

    def __init__(self, env: Environment, max_steps: int = 10_000_000, max_depth: int = 100_000):
        super().__init__(env, max_steps=max_steps, max_depth=max_depth, record_states=False)
        self.depth = 0

    def count(self, prog: Callable, *args: int) -> tuple[int, int]:
        """(steps, depth) of the run of `prog(*args)` from the environment's current state."""
        self._frames = [[]]
        self._run_body(prog, args)
        return self.n_steps, self.depth

    def act(self, name: str, *args: int, ret: bool = False) -> None:
        self._count()
        self.depth = max(self.depth, len(self._frames))
        self.env.apply(name, pad_args(args))

    def call(self, prog: Callable, *args: int, ret: bool = False) -> None:
        self._count()
        self.depth = max(self.depth, len(self._frames))
        if len(self._frames) >= self.max_depth:
            raise TraceLimitError(f"call depth passed {self.max_depth} while calling {_name(prog)}: runaway recursion?")
        self._frames.append([])
        try:
            self._run_body(prog, args)
        finally:
            self._frames.pop()


def _name(prog: Callable) -> str:
    return getattr(prog, "program_name", getattr(prog, "__name__", str(prog)))
