"""Provable generalization (Cai, Shin & Song 2017, §5): check a trained recursive NPI on a finite set V and
know it is right on every input of every size. Lesson 09 teaches it.

Why a finite check can prove something about infinitely many inputs. The NPI's state is reset at every
call, so what a call decides depends only on its program, its arguments and the observations it has seen
since it started: its *step-input sequence*. Call V the set of step-input sequences that the reference
program's calls can meet on any input. Then:

    Theorem. If, for every sequence (P, a, o_1 .. o_T) in V, the network started fresh on program P with
    arguments a and fed o_1 .. o_t decides at every step t what the reference decides there (return flag,
    next program, next arguments), then on every input the network's run is the reference run: the same
    trace, the same answer.

    Proof, by induction over calls from the deepest up. Order the calls of the reference run on some input
    by height: a call that makes no calls has height 0, a call has height h + 1 if its highest callee has
    height h. Claim: every call of height h, started in the environment where the reference starts it,
    is run by the network exactly as by the reference, and leaves the same environment. Take a call of
    height h and assume the claim for every smaller height (nothing, when h = 0). Its first observation is
    the reference's (same environment). At each step the network, fed the reference's observations so
    far, decides as the reference does: that sequence of observations is a prefix of one in V, and V was
    checked. A primitive then changes the environment as in the reference; a call step starts a callee
    of smaller height with the reference's arguments in the reference's environment, which by the
    assumption returns leaving the reference's environment. So the next observation is the reference's
    too, step after step, until the call returns where the reference does. The entry call is the one of
    greatest height: the whole run is the reference run.

The proof needs two things of V, which this module builds and checks:
- V holds every sequence any input can produce (else the induction meets a call V did not check). It is
  built by a fixed point (`build`): the reference program's own code runs, one call at a time, on a finite
  model of the environment (`npi_lib.task.FrameModel`) that knows, for each primitive, every observation
  that can follow; a call step is followed by every state the callee can leave (its summary, which the
  fixed point computes too). A recursive program's calls each run a bounded number of steps over a finite
  set of states, so the fixed point is reached. A loop's frame runs for as long as the input is long: its
  sequences never stop growing, and `build` says so (`InfiniteV`). `cross_check` runs the real reference
  on random inputs of many sizes and confirms that no call falls outside V.
- V holds nothing that cannot happen (else a model could fail on a sequence no input produces): every
  sequence must occur in the reference run of some concrete input. `inputs_covering` picks such inputs,
  S_V, from the task's candidates, and reports any sequence none of them meets.

`check` then runs the network on every sequence of V with the step function neural execution uses
(`npi_lib.model.FastStep`, under `npi_lib.model.stepping`), and reports each wrong decision with the
margin by which it was lost; `verify` does everything and returns a `Report`.
"""

from __future__ import annotations

import math
import random
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Hashable, Iterable, NamedTuple, Sequence

from .errors import NpiLibError, ProblemError
from .task import Task, VerificationSpec, get_task
from .trace import Trace, frames, pad_args

Observation = tuple[int, ...]
Decision = tuple[bool, str, tuple[int, ...]]  # (return?, next program, next arguments), as the reference has it


class InfiniteV(NpiLibError):
    """V has no end: a call can run an unbounded number of steps (a loop whose length depends on the input)."""


class VerificationError(NpiLibError):
    """The verification itself cannot be carried out: a task without a model, a model that does not fit."""


class Sequence_(NamedTuple):
    """One element of V: a call's program and arguments, the observation at each of its steps, and what the
    reference decides at each step (a named tuple: V has tens of thousands of them, hashed often)."""

    program: str
    args: tuple[int, ...]
    observations: tuple[Observation, ...]
    decisions: tuple[Decision, ...]


@dataclass
class V:
    """The result of `build`: the set V of a task's formulation, and what the fixed point found on the way."""

    task: Task
    formulation: str
    sequences: list[Sequence_]  # every element, sorted by program, arguments, observations
    states: int  # (program, arguments, starting state) triples the fixed point explored
    seconds: float

    def __len__(self) -> int:
        return len(self.sequences)

    def __contains__(self, s: Sequence_) -> bool:
        return s in self._set

    def __iter__(self):
        return iter(self.sequences)

    @property
    def _set(self) -> set[Sequence_]:
        cached = self.__dict__.get("_cached_set")
        if cached is None:
            cached = self.__dict__["_cached_set"] = set(self.sequences)
        return cached

    def by_program(self) -> dict[str, int]:
        """How many sequences each program has."""
        counts: dict[str, int] = {}
        for s in self.sequences:
            counts[s.program] = counts.get(s.program, 0) + 1
        return counts


# ---------------------------------------------------------------------------------------------- building V
class _Return(Exception):
    """The frame's step carried the return flag: the frame is over."""


class _Blocked(Exception):
    """A call whose callee has no known final state yet: this branch waits for the fixed point."""


class _Dead(Exception):
    """A primitive with no possible outcome in the model: this branch cannot happen."""


class _FrameExplorer:
    """Stands in for `npi_lib.trace.Tracer` while one frame of a reference program runs on the model: it
    records the frame's observations and decisions, applies primitives to the model's state, answers call
    steps from the callees' summaries, and makes every nondeterministic choice as the replay prefix says."""

    def __init__(self, builder: _Builder, key: tuple, prefix: list[int]):
        self.builder, self.key = builder, key
        self.state = key[2]
        self.prefix, self.path, self.branches = prefix, [], []
        self.observations: list[Observation] = []
        self.decisions: list[Decision] = []

    def _choose(self, options: Sequence) -> Any:
        if not options:
            raise _Dead
        pos = len(self.path)
        if pos < len(self.prefix):
            i = self.prefix[pos]
            if i >= len(options):
                raise VerificationError(
                    f"{_name(self.key[0])} did not repeat itself when its frame was run again from the same start: "
                    "the reference's decisions depend on something other than what it observes, which no network "
                    "sees (its decisions must be a function of the program, its arguments and the observations)"
                )
        else:
            i = 0
            if len(options) > 1:
                self.branches.append((pos, len(options)))
        self.path.append(i)
        return options[i]

    def _step(self, decision: Decision) -> None:
        if len(self.observations) >= self.builder.max_frame_steps:
            name = self.key[0]
            raise InfiniteV(
                f"a call of {_name(name)} ran {self.builder.max_frame_steps} steps on the model without returning: "
                "its step-input sequences grow with the input (a loop), so no finite set V contains them all and no "
                "finite check can prove it: only a recursive formulation can be verified (lesson 09)"
            )
        self.observations.append(self.builder.model.observe(self.state))
        self.decisions.append(decision)

    def act(self, name: str, *args: int, ret: bool = False) -> None:
        a = pad_args(args)
        self._step((bool(ret), name, a))
        self.state = self._choose(list(self.builder.model.apply(self.state, name, a)))
        if ret:
            raise _Return

    def call(self, prog: Callable, *args: int, ret: bool = False) -> None:
        a = pad_args(args)
        self._step((bool(ret), _name(prog), a))
        model = self.builder.model
        callee_state, kept = model.enter(self.state, _name(prog), a) if model.enter else (self.state, None)
        callee = (prog, a, callee_state)
        exits = self.builder.exits_of(callee, waiting=self.key)
        if not exits:
            raise _Blocked
        final = self._choose(exits)
        self.state = model.leave(kept, final) if model.leave else final
        if ret:
            raise _Return


class _ModelEnv:
    """What a reference program's code reads as `env` while it runs on the model: only `observe()`, which is
    all the reference programs decide from (each task module says so, and its tests check it)."""

    def __init__(self, frame: _FrameExplorer):
        self._frame = frame

    def observe(self) -> Observation:
        return self._frame.builder.model.observe(self._frame.state)


class _Builder:
    def __init__(self, task: Task, max_frame_steps: int, max_states: int):
        spec = task.verification
        assert spec is not None
        self.model = spec.model
        self.max_frame_steps, self.max_states = max_frame_steps, max_states
        self.exits: dict[tuple, dict[Hashable, None]] = {}  # key -> the final states its calls can reach
        self.listed: dict[tuple, list] = {}  # the same as lists, made when asked for and dropped when they grow
        self.waiting: dict[tuple, dict[tuple, None]] = {}  # key -> the keys whose frames call it (in order met)
        self.sequences: dict[Sequence_, None] = {}
        self.work: deque[tuple] = deque()
        self.queued: set[tuple] = set()

    def exits_of(self, key: tuple, waiting: tuple) -> list:
        listed = self.listed.get(key)
        if listed is not None:
            self.waiting[key][waiting] = None
            return listed
        if key not in self.exits:
            if len(self.exits) >= self.max_states:
                raise InfiniteV(
                    f"more than {self.max_states} (program, arguments, state) triples: the model's states do not "
                    "stay finite, or the task is larger than this limit (raise max_states)"
                )
            self.exits[key] = {}
            self._enqueue(key)
        self.waiting.setdefault(key, {})[waiting] = None
        listed = self.listed[key] = list(self.exits[key])
        return listed

    def _enqueue(self, key: tuple) -> None:
        if key not in self.queued:
            self.queued.add(key)
            self.work.append(key)

    def run(self, entry: Callable) -> None:
        for state in self.model.entries():
            key = (entry, pad_args(()), state)
            self.exits.setdefault(key, {})
            self._enqueue(key)
        while self.work:
            key = self.work.popleft()
            self.queued.discard(key)
            if self._explore(key):
                for other in self.waiting.get(key, ()):
                    self._enqueue(other)

    def _explore(self, key: tuple) -> bool:
        """Run the frame of `key` along every branch; True when it found a final state not known before."""
        prog, args = key[0], key[1]
        grew = False
        pending: list[list[int]] = [[]]
        while pending:
            prefix = pending.pop()
            frame = _FrameExplorer(self, key, prefix)
            try:
                prog(frame, _ModelEnv(frame), *_callee_args(prog, args))
                raise ProblemError(
                    f"{_name(prog)} ended without a step carrying the return flag; every frame of a reference "
                    "program must end with one"
                )
            except _Return:
                seq = Sequence_(_name(prog), args, tuple(frame.observations), tuple(frame.decisions))
                self.sequences.setdefault(seq, None)
                if frame.state not in self.exits[key]:
                    self.exits[key][frame.state] = None
                    self.listed.pop(key, None)
                    grew = True
            except (_Blocked, _Dead):
                pass
            for pos, n in frame.branches:
                for i in range(n - 1, 0, -1):
                    pending.append(frame.path[:pos] + [i])
        return grew


@lru_cache(maxsize=None)
def _name(prog: Any) -> str:
    return getattr(prog, "program_name", getattr(prog, "__name__", str(prog)))


@lru_cache(maxsize=None)
def _arity(prog: Callable) -> int:
    import inspect

    return len(inspect.signature(prog).parameters) - 2


def _callee_args(prog: Callable, args: tuple[int, ...]) -> tuple[int, ...]:
    """The arguments the Python function of a reference program takes (its NPI arguments, padded to three
    slots, cut back to the parameters it declares after (t, env))."""
    return args[: _arity(prog)]


def build(
    task: Task | str, formulation: str | None = None, *, max_frame_steps: int = 500, max_states: int = 500_000
) -> V:
    """The set V of `task`'s formulation, by a fixed point over the task's `FrameModel`.

    Every (program, arguments, state) a call can start in is explored: the reference program's code runs
    that one frame on the model, once for every combination of the model's choices (replayed from the
    start each time), recording its step-input sequence and the state it ends in. A call step inside it
    continues from every final state the callee is known to reach; when the callee's final states grow,
    its callers are explored again. The fixed point is reached when nothing grows.

    Raises InfiniteV when a frame runs longer than `max_frame_steps` (a loop) or the states pass
    `max_states`; VerificationError when the task has no model.

        >>> v = build("quicksort")
        >>> len(v), v.by_program()["COMPSWAP"]
        (25, 3)
    """
    task = get_task(task)
    _spec(task)  # a clear error for a task without a model
    formulation = task.formulation(formulation)
    start = time.perf_counter()
    builder = _Builder(task, max_frame_steps, max_states)
    builder.run(task.reference_programs[formulation])
    # sorted (by program, arguments, observations): a canonical order for listings, reports and the order in which
    # guided training meets failures, whatever order the fixed point found them in
    v = V(task, formulation, sorted(builder.sequences), len(builder.exits), time.perf_counter() - start)
    _check_function_of_inputs(v)
    return v


def _spec(task: Task) -> VerificationSpec:
    if task.verification is None:
        raise VerificationError(
            f"task {task.name!r} has no verification model (Task.verification); only tasks that declare a "
            "FrameModel can be verified"
        )
    return task.verification


def _check_function_of_inputs(v: V) -> None:
    """The reference's decision must be a function of what the network sees (program, arguments, the
    observations so far): otherwise no network could learn it, and the task's observations are too poor."""
    seen: dict[tuple, Decision] = {}
    for s in v.sequences:
        for t in range(len(s.observations)):
            key = (s.program, s.args, s.observations[: t + 1])
            d = seen.setdefault(key, s.decisions[t])
            if d != s.decisions[t]:
                raise VerificationError(
                    f"the reference decides differently on the same inputs: {s.program}{s.args} after observing "
                    f"{list(key[2])} does {d} in one sequence and {s.decisions[t]} in another (its decisions must "
                    "be a function of the program, its arguments and the observations)"
                )


# ---------------------------------------------------------------------------------------------- concrete runs
def sequences_of(trace: Trace) -> set[Sequence_]:
    """The step-input sequences of the calls of one trace (reference or neural)."""
    out = set()
    for f in frames(trace):
        obs = tuple(s.obs for s in f.steps)
        decisions = tuple((bool(s.ret), s.next_program, tuple(s.next_args)) for s in f.steps)
        out.add(Sequence_(f.program, tuple(f.args), obs, decisions))  # type: ignore[arg-type]
    return out


def reference_sequences(task: Task, problem: Any, formulation: str | None = None) -> set[Sequence_]:
    """The step-input sequences of the reference run on `problem`: `sequences_of(task.reference(problem))`,
    recorded directly (no trace is built), several times faster; tests/test_verify.py checks they agree."""
    recorder = _Recorder(task.make_env(problem))
    recorder.frame(task.reference_programs[task.formulation(formulation)], pad_args(()))
    return recorder.sequences


class _Recorder:
    """Stands in for `npi_lib.trace.Tracer`: runs a reference program on a real environment and keeps only
    each call's step-input sequence."""

    def __init__(self, env: Any):
        self.env = env
        self.open: list[tuple[list, list]] = []
        self.sequences: set[Sequence_] = set()

    def frame(self, prog: Callable, args: tuple[int, ...]) -> None:
        import sys

        if len(self.open) * 4 + 200 > sys.getrecursionlimit():
            sys.setrecursionlimit(len(self.open) * 8 + 1000)
        observations: list = []
        decisions: list = []
        self.open.append((observations, decisions))
        try:
            prog(self, self.env, *_callee_args(prog, args))
        finally:
            self.open.pop()
        self.sequences.add(Sequence_(_name(prog), args, tuple(observations), tuple(decisions)))

    def act(self, name: str, *args: int, ret: bool = False) -> None:
        a = pad_args(args)
        observations, decisions = self.open[-1]
        observations.append(self.env.observe())
        decisions.append((bool(ret), name, a))
        self.env.apply(name, a)

    def call(self, prog: Callable, *args: int, ret: bool = False) -> None:
        a = pad_args(args)
        observations, decisions = self.open[-1]
        observations.append(self.env.observe())
        decisions.append((bool(ret), _name(prog), a))
        self.frame(prog, a)


def sequences_from(task: Task | str, problems: Iterable[Any], formulation: str | None = None) -> V:
    """The step-input sequences met by the reference runs of `problems`, as a `V` that `check` takes. For a
    loop formulation this is all a check can ever cover: sequences up to the sizes of the problems given,
    never those of longer inputs (lesson 09 shows a model passing them all and failing at a larger size).
    Not a proof for a recursive formulation either, unless the problems meet all of V (`inputs_covering`)."""
    task = get_task(task)
    formulation = task.formulation(formulation)
    start = time.perf_counter()
    found: dict[Sequence_, None] = {}
    for problem in problems:
        for s in sorted(reference_sequences(task, problem, formulation)):
            found.setdefault(s, None)
    return V(task, formulation, list(found), 0, time.perf_counter() - start)


@dataclass
class CrossCheck:
    """`cross_check`'s result: how many random problems were traced, how many distinct sequences they met,
    and those that are not in V (there must be none)."""

    problems: int
    sizes: tuple[int, ...]
    met: int
    outside: list[tuple[Any, Sequence_]]

    @property
    def ok(self) -> bool:
        return not self.outside


def cross_check(v: V, sizes: Iterable[int], per_size: int = 50, seed: int = 0) -> CrossCheck:
    """Trace `per_size` random problems of each size with the real reference program and environment, and
    collect every step-input sequence: each must be in V. Returns the sequences that are not, with the
    problem that met them."""
    task, rng = v.task, random.Random(seed)
    met: set[Sequence_] = set()
    outside: list[tuple[Any, Sequence_]] = []
    sizes = tuple(sizes)
    for size in sizes:
        for _ in range(per_size):
            problem = task.random_problem(size, rng)
            for s in reference_sequences(task, problem, v.formulation):
                if s not in met:
                    met.add(s)
                    if s not in v:
                        outside.append((problem, s))
    return CrossCheck(per_size * len(sizes), sizes, len(met), outside)


@dataclass
class Cover:
    """`inputs_covering`'s result: S_V, the problems chosen, and which problem first meets each sequence."""

    problems: list[Any]
    witness: dict[Sequence_, Any]  # sequence -> a problem of S_V whose reference run meets it
    uncovered: list[Sequence_]  # sequences of V no candidate meets (there must be none)
    candidates: int  # candidates traced
    seconds: float


def inputs_covering(v: V, candidates: Iterable[Any] | None = None) -> Cover:
    """S_V: concrete problems whose reference runs together meet every sequence of V, picked greedily from
    the task's candidates (a candidate is kept when it meets a sequence no kept problem meets). A candidate
    that meets a sequence outside V means V is not complete: ProblemError says which."""
    task = v.task
    start = time.perf_counter()
    if candidates is None:
        candidates = _spec(task).candidates()
    missing = set(v.sequences)
    chosen, witness, traced = [], {}, 0
    for problem in candidates:
        if not missing:
            break
        traced += 1
        met = reference_sequences(task, problem, v.formulation)
        new = met & missing
        for s in met:
            if s not in v:
                raise ProblemError(
                    f"the candidate {problem!r} meets a sequence that is not in V: {_spell_sequence(task, s)}; "
                    "the task's FrameModel misses a possibility"
                )
        if new:
            chosen.append(problem)
            for s in new:
                witness[s] = problem
            missing -= new
    uncovered = [s for s in v.sequences if s in missing]
    return Cover(chosen, witness, uncovered, traced, time.perf_counter() - start)


# ---------------------------------------------------------------------------------------------- checking a network
@dataclass(frozen=True)
class Failure:
    """A wrong decision of the network on a sequence of V: which call, which step, what it saw, what the
    reference decides there and what the network decided, and the margin (how far the right decision's
    logit was below the winner's: negative)."""

    sequence: Sequence_
    step: int  # 0-based index in the sequence
    expected: Decision
    actual: Decision
    margin: float
    witness: Any = None  # a problem whose reference run meets the sequence (from S_V), when known

    def describe(self, task: Task) -> str:
        s = self.sequence
        lines = [
            f"{s.program}{_args_text(s.args)}, step {self.step + 1} of {len(s.observations)}",
            f"  observations so far: {', '.join(map(str, s.observations[: self.step + 1]))}",
            f"  reference: {_spell_decision(task, self.expected)}",
            f"  network:   {_spell_decision(task, self.actual)}   (margin {self.margin:+.3f})",
        ]
        if self.witness is not None:
            lines.append(f"  an input that meets it: {self.witness!r}")
        return "\n".join(lines)


@dataclass
class CheckResult:
    """`check`'s result."""

    sequences: int  # sequences of V checked
    passed: int  # sequences on which every decision was right
    steps: int  # distinct (program, arguments, observations so far) prefixes run through the network
    failures: list[Failure]  # the first wrong step of each failing sequence
    min_margin: float  # the smallest margin over all checked steps (negative when something failed)
    closest: tuple[Sequence_, int] | None  # where the smallest margin is
    order: list[tuple[str, int, int]]  # (program, sequences, passed), callees before callers
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failures


def check(model: Any, v: V, witness: dict[Sequence_, Any] | None = None, threads: int | None = 1) -> CheckResult:
    """Run the network on every sequence of V, each from a fresh state as a call starts, and compare every
    decision with the reference's.

    The decisions are those of neural execution: an `NPI` is run by its `FastStep`, under the interpreter's
    settings (`npi_lib.model.stepping`), through `FastStep.outputs_batch` and `decide_batch`, which
    `npi_lib.batch.run_batch` runs too and which compute every row bit for bit as the one-frame step of
    `npi_lib.interpreter.run` does (tests/test_batch.py pins it). Sequences with a common beginning share
    its steps: V is laid out as a trie of (program, arguments, observations so far), and each level of the
    trie is one batched step. Any other step function is run one step at a time, without margins. The
    report lists the programs in the order of the proof: callees before callers (`program_order`).

        >>> from npi_lib.checkpoint import shipped_checkpoint
        >>> result = check(shipped_checkpoint("quicksort").model, build("quicksort"))
        >>> result.ok, result.passed, round(result.min_margin, 3)
        (True, 25, 0.235)
    """
    from .model import NPI, FastStep, stepping

    task = v.task
    step = model.fast_step() if isinstance(model, NPI) else model
    start = time.perf_counter()
    ids = {name: i for i, name in enumerate(task.programs)}
    # the trie: one node per distinct (program, arguments, observations so far), parents before children
    index: dict[tuple, int] = {}
    parent: list[int] = []
    inputs: list[tuple[Observation, tuple[int, ...], int]] = []
    expected: list[Decision] = []
    paths: list[list[int]] = []
    for s in v.sequences:
        path: list[int] = []
        for t in range(len(s.observations)):
            key = (s.program, s.args, s.observations[: t + 1])
            node = index.get(key)
            if node is None:
                node = index[key] = len(parent)
                parent.append(path[-1] if path else -1)
                inputs.append((s.observations[t], s.args, ids[s.program]))
                expected.append(s.decisions[t])
            path.append(node)
        paths.append(path)
    actual: list[Any] = [None] * len(parent)
    margin = [math.nan] * len(parent)
    with stepping(threads):
        if isinstance(step, FastStep):
            _run_trie_batched(step, task, parent, inputs, expected, actual, margin)
        else:
            states: dict[int, Any] = {}
            for n, (obs, args, prog) in enumerate(inputs):
                (r, p, a), states[n] = step(obs, args, prog, states.get(parent[n]))
                actual[n] = (bool(r), task.programs[p], tuple(a))
    order = program_order(task, v)
    rank = {p: i for i, p in enumerate(order)}
    per_program: dict[str, list[int]] = {p: [0, 0] for p in order}
    failures, passed, min_margin, closest = [], 0, math.inf, None
    for s, path in sorted(zip(v.sequences, paths), key=lambda sp: rank[sp[0].program]):
        per_program[s.program][0] += 1
        failed = None
        for t, node in enumerate(path):
            if margin[node] < min_margin:
                min_margin, closest = margin[node], (s, t)
            if actual[node] != expected[node]:
                failed = Failure(s, t, expected[node], actual[node], margin[node], (witness or {}).get(s))
                break
        if failed:
            failures.append(failed)
        else:
            passed += 1
            per_program[s.program][1] += 1
    rows = [(p, n, ok) for p, (n, ok) in per_program.items() if n]
    return CheckResult(len(v), passed, len(parent), failures, min_margin, closest, rows, time.perf_counter() - start)


def _run_trie_batched(
    step: Any, task: Task, parent: list[int], inputs: list, expected: list[Decision], actual: list, margin: list
) -> None:
    """Every node of the trie through the network, one batched step per level (in chunks); fills `actual`
    (the decisions) and `margin` (`_margins`)."""
    import torch

    depth = [0] * len(parent)
    levels: dict[int, list[int]] = {}
    for n, p in enumerate(parent):
        depth[n] = 0 if p < 0 else depth[p] + 1
        levels.setdefault(depth[n], []).append(n)
    has_child = {p for p in parent if p >= 0}
    packed: dict[int, Any] = {}  # node -> the frame state after its step (kept for one level, for its children)
    fresh = step.pack(None)
    for d in sorted(levels):
        nodes = levels[d]
        for first in range(0, len(nodes), 4096):
            part = nodes[first : first + 4096]
            x = torch.cat([step.core_input(*inputs[n]) for n in part])
            states = torch.stack([packed[parent[n]] if parent[n] >= 0 else fresh for n in part])
            out, new = step.outputs_batch(x, states)
            margins = _margins(step, out, [expected[n] for n in part], task.programs)
            for row, (n, decision) in enumerate(zip(part, step.decide_batch(out))):
                actual[n] = (bool(decision[0]), task.programs[decision[1]], tuple(decision[2]))
                margin[n] = margins[row]
                if n in has_child:
                    packed[n] = new[row]
        for n in levels.get(d - 1, ()):
            packed.pop(n, None)


def _margins(step: Any, out: Any, expected: list[Decision], programs: tuple[str, ...]) -> list[float]:
    """Per row of logits: how far the reference's decision won (positive) or lost (negative). The least of:
    the return logit's distance from 0 on the side of the reference's flag, and for the program and each
    argument slot with more than one value, the reference's choice's logit minus the best other one."""
    import torch

    rows = torch.arange(len(out))
    sign = torch.tensor([1.0 if ret else -1.0 for ret, _, _ in expected])
    split = step.split(out)  # the row cut into the return logit, the program logits, each slot's logits
    parts = [split.end_logit * sign]
    groups = [(split.prog_logits, torch.tensor([programs.index(name) for _, name, _ in expected]))]
    for k, logits in enumerate(split.arg_logits):
        if logits.shape[1] > 1:
            groups.append((logits, torch.tensor([args[k] for _, _, args in expected])))
    for logits, want in groups:
        n = logits.shape[1]
        inside = (want >= 0) & (want < n)
        safe = want.clamp(0, n - 1)
        right = logits[rows, safe]
        others = logits.clone()
        others[rows, safe] = -math.inf
        lead = right - others.max(1).values
        parts.append(torch.where(inside, lead, torch.full_like(lead, -math.inf)))
    return torch.stack(parts).min(0).values.tolist()


def program_order(task: Task, v: V) -> list[str]:
    """The programs of V, callees before callers, as the proof's induction goes: a program comes after
    every other program its calls make (a program that calls itself is placed after its other callees)."""
    calls: dict[str, set[str]] = {}
    for s in v.sequences:
        callees = calls.setdefault(s.program, set())
        for _, name, _ in s.decisions:
            if name not in task.primitives and name != s.program:
                callees.add(name)
    order: list[str] = []
    done: set[str] = set()

    def visit(p: str, path: tuple[str, ...]) -> None:
        if p in done or p in path:
            return
        for c in sorted(calls.get(p, ())):
            visit(c, path + (p,))
        done.add(p)
        order.append(p)

    for p in sorted(calls):
        visit(p, ())
    return order


# ---------------------------------------------------------------------------------------------- text
def _args_text(args: tuple[int, ...]) -> str:
    return "" if not any(args) else str(tuple(args))


def _spell_decision(task: Task, d: Decision) -> str:
    ret, name, args = d
    text = task.describe(name, args) if task.describe else f"{name}{_args_text(args)}"
    return text + ("  ⏎" if ret else "")


def _spell_sequence(task: Task, s: Sequence_) -> str:
    steps = ", ".join(f"{o} -> {_spell_decision(task, d)}" for o, d in zip(s.observations, s.decisions))
    return f"{s.program}{_args_text(s.args)}: {steps}"





# ---------------------------------------------------------------------------------------------- everything at once
_built: dict[tuple[int, str], tuple[V, Cover]] = {}  # (id of the task, formulation) -> V and S_V, built once


def verification_set(task: Task | str, formulation: str | None = None) -> tuple[V, Cover]:
    """V and S_V for a task's formulation, built on first use and kept for this process (they do not
    depend on any model). Raises InfiniteV for a formulation whose V is infinite."""
    task = get_task(task)
    formulation = task.formulation(formulation)
    spec = _spec(task)
    if formulation not in spec.formulations:
        build(task, formulation)  # raises InfiniteV for a loop, which says why
        raise VerificationError(f"{task.name} declares no verification for the {formulation} formulation")
    key = (id(task), formulation)
    if key not in _built:
        v = build(task, formulation)
        _built[key] = (v, inputs_covering(v))
    return _built[key]


@dataclass
class Report:
    """What `verify` found: V and S_V, the cross-check, and the network's check on every sequence of V."""

    task: str
    formulation: str
    model: str  # what was verified, in words (a checkpoint's description)
    v_size: int
    by_program: dict[str, int]
    s_v: int  # |S_V|
    paper: str  # the paper's verification set
    uncovered: int  # sequences of V no input of S_V meets (must be 0)
    cross: CrossCheck | None
    result: CheckResult
    end_to_end: tuple[int, int] | None = None  # (problems of S_V whose neural run equals the reference, |S_V|)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        """True when the proof goes through: every sequence of V passed, V is met by S_V, and nothing random
        fell outside V."""
        return self.result.ok and not self.uncovered and (self.cross is None or self.cross.ok)

    def format(self, task: Task | None = None, max_failures: int = 5) -> str:
        task = task or get_task(self.task)
        r = self.result
        verdict = "VERIFIED: right on every input of every size" if self.verified else "NOT VERIFIED"
        lines = [
            f"{self.task} ({self.formulation}): {self.model}",
            f"V: {self.v_size:,} step-input sequences ("
            + ", ".join(f"{p} {n:,}" for p, n in self.by_program.items())
            + ")",
            f"S_V: {self.s_v:,} inputs meet every sequence of V"
            + (f"; {self.uncovered:,} sequences met by none" if self.uncovered else "")
            + (f" (the paper: {self.paper})" if self.paper else ""),
        ]
        if self.cross is not None:
            c = self.cross
            lines.append(
                f"cross-check: {c.problems:,} random inputs of sizes {', '.join(map(str, c.sizes))} met {c.met:,} "
                f"sequences, {len(c.outside)} outside V"
            )
        lines.append(f"checked: {r.passed:,} of {r.sequences:,} sequences passed ({r.steps:,} network steps)")
        for program, n, ok in r.order:
            lines.append(f"  {program:<14} {ok:>7,} of {n:>7,}")
        if r.closest is not None and not math.isnan(r.min_margin):
            s, t = r.closest
            lines.append(f"smallest margin: {r.min_margin:+.3f} (at {s.program}, step {t + 1}, seeing {s.observations[t]})")
        if self.end_to_end is not None:
            lines.append(f"end to end: {self.end_to_end[0]:,} of {self.end_to_end[1]:,} inputs of S_V run exactly as the reference")
        if r.failures:
            fields = f" (observations are ({', '.join(task.observation_fields)}))" if task.observation_fields else ""
            lines.append(f"{len(r.failures):,} sequences failed; the first {min(max_failures, len(r.failures))}{fields}:")
            lines += [f.describe(task) for f in r.failures[:max_failures]]
        lines.append(verdict)
        return "\n".join(lines)

    def to_dict(self, max_failures: int = 100) -> dict:
        r = self.result
        return {
            "task": self.task, "formulation": self.formulation, "model": self.model, "verified": self.verified,
            "V": self.v_size, "V_by_program": self.by_program, "S_V": self.s_v, "paper": self.paper,
            "uncovered": self.uncovered,
            "cross_check": None if self.cross is None else {
                "problems": self.cross.problems, "sizes": list(self.cross.sizes), "met": self.cross.met,
                "outside": len(self.cross.outside)},
            "passed": r.passed, "checked": r.sequences, "network_steps": r.steps,
            "by_program": [{"program": p, "sequences": n, "passed": ok} for p, n, ok in r.order],
            "min_margin": None if math.isinf(r.min_margin) or math.isnan(r.min_margin) else r.min_margin,
            "failures": len(r.failures),
            "first_failures": [{
                "program": f.sequence.program, "args": list(f.sequence.args), "step": f.step + 1,
                "observations": [list(o) for o in f.sequence.observations[: f.step + 1]],
                "expected": _decision_dict(f.expected), "actual": _decision_dict(f.actual), "margin": f.margin,
                "input": _jsonable(f.witness)} for f in r.failures[:max_failures]],
            "end_to_end": None if self.end_to_end is None else {"matched": self.end_to_end[0], "inputs": self.end_to_end[1]},
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }  # fmt: skip


def _decision_dict(d: Decision) -> dict:
    return {"return": d[0], "program": d[1], "args": list(d[2])}


def _jsonable(x: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        return dataclasses.asdict(x)
    if isinstance(x, (tuple, list)):
        return [_jsonable(i) for i in x]
    return x


def verify(
    model: Any,
    task: Task | str,
    formulation: str | None = None,
    *,
    label: str = "",
    cross_sizes: Iterable[int] | None = (2, 3, 5, 8, 13, 20),
    per_size: int = 20,
    end_to_end: bool = False,
    threads: int | None = 1,
) -> Report:
    """Verify a trained model: build V and S_V (once per process), cross-check V on random inputs of
    `cross_sizes` (None: skip), run the network on every sequence of V (`check`), and with `end_to_end`
    also run it on every input of S_V by neural execution and compare whole traces with the reference."""
    task = get_task(task)
    formulation = task.formulation(formulation)
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    v, cover = verification_set(task, formulation)
    seconds["V and S_V"] = time.perf_counter() - start
    cross = None
    if cross_sizes is not None:
        start = time.perf_counter()
        cross = cross_check(v, cross_sizes, per_size)
        seconds["cross-check"] = time.perf_counter() - start
    result = check(model, v, cover.witness, threads=threads)
    seconds["check"] = result.seconds
    e2e = None
    if end_to_end:
        start = time.perf_counter()
        e2e = (run_inputs(model, task, formulation, cover.problems), len(cover.problems))
        seconds["end to end"] = time.perf_counter() - start
    spec = _spec(task)
    return Report(
        task.name, formulation, label, len(v), v.by_program(), len(cover.problems), spec.paper, len(cover.uncovered),
        cross, result, e2e, seconds,
    )


def run_inputs(model: Any, task: Task | str, formulation: str, problems: Sequence[Any]) -> int:
    """How many of `problems` the network runs exactly as the reference (same trace, halted, right answer),
    by neural execution (`npi_lib.batch.run_batch`)."""
    from .batch import run_batch
    from .trace import first_difference

    task = get_task(task)
    same = 0
    for first in range(0, len(problems), 2000):
        part = problems[first : first + 2000]
        for r in run_batch(model, task, part, formulation, references=True):
            if r.correct and r.reference is not None and first_difference(r.trace, r.reference) is None:
                same += 1
    return same


# ---------------------------------------------------------------------------------------------- counterexample-guided training
@dataclass
class Round:
    """One round of `guided_training`: the training set it trained on, and what the check found after."""

    round: int  # 0: the plain recipe
    problems: int  # training problems
    epochs: int
    failures: int  # sequences of V the model got wrong after this round's training
    added: int  # problems added for the next round (witnesses of those failures)
    seconds: float


@dataclass
class Guided:
    """`guided_training`'s result: the model after the last round, whether it is verified, and each round."""

    model: Any
    verified: bool
    rounds: list[Round]
    problems: list[Any]  # the final training set

    @property
    def plain_verified(self) -> bool:
        """Whether the plain recipe (round 0, the task's training set alone) was already verified."""
        return self.rounds[0].failures == 0


def guided_training(
    task: Task | str,
    formulation: str | None = None,
    train_set: str = "paper",
    *,
    seed: int = 0,
    max_rounds: int = 5,
    per_round: int = 20,
    config: Any = None,
    log: Callable[[str], Any] | None = None,
) -> Guided:
    """Counterexample-guided training (this course's addition; Cai et al. do not describe it): train on the
    task's training set (round 0, the plain recipe), check the model on V, and while a sequence fails, add
    to the training set up to `per_round` problems of S_V whose reference runs meet the failing sequences
    (one per failing sequence, the first ones in the proof's order), then train the same model further on
    the larger set. Stops when the model is verified or after `max_rounds` rounds of additions.

    Each failure comes with a concrete problem that shows the network the step it gets wrong, so every
    round teaches exactly what the check found missing; the check itself decides when to stop."""
    from .training import train

    task = get_task(task)
    formulation = task.formulation(formulation)
    v, cover = verification_set(task, formulation)
    problems = list(task.training_set(train_set, 0))
    rounds: list[Round] = []
    model = None
    for k in range(max_rounds + 1):
        start = time.perf_counter()
        result = train(task, formulation, problems, seed=seed, model=model, config=config, train_set=train_set)
        model = result.model
        checked = check(model, v, cover.witness)
        added: list[Any] = []
        for f in checked.failures:
            if len(added) >= per_round:
                break
            if f.witness is not None and f.witness not in added and f.witness not in problems:
                added.append(f.witness)
        rounds.append(Round(k, len(problems), result.epochs, len(checked.failures), len(added) if checked.failures else 0,
                            time.perf_counter() - start))
        if log:
            log(f"round {k}: {len(problems)} training problems, {result.epochs} epochs, "
                f"{len(checked.failures)} of {len(v)} sequences wrong"
                + (f"; adding {len(added)} problems that meet them" if checked.failures and k < max_rounds else ""))
        if checked.ok or not added:
            return Guided(model, checked.ok, rounds, problems)
        problems = problems + added
    return Guided(model, False, rounds, problems)


def seed_study(
    task: Task | str,
    formulation: str | None = None,
    train_set: str = "paper",
    seeds: int = 10,
    *,
    max_rounds: int = 5,
    per_round: int = 20,
    log: Callable[[str], Any] | None = None,
) -> list[Guided]:
    """`guided_training` for the seeds 0 .. seeds-1: how many the plain recipe verifies (round 0), and how
    many the guided one does."""
    out = []
    for seed in range(seeds):
        g = guided_training(task, formulation, train_set, seed=seed, max_rounds=max_rounds, per_round=per_round)
        out.append(g)
        if log:
            rounds = len(g.rounds) - 1
            log(f"seed {seed}: plain {'verified' if g.plain_verified else f'{g.rounds[0].failures} sequences wrong'}; "
                f"guided {'verified' if g.verified else 'not verified'} after {rounds} round{'s' * (rounds != 1)} "
                f"({g.rounds[-1].problems} problems)")
    return out


__all__ = [
    "V", "Sequence_", "Failure", "CheckResult", "CrossCheck", "Cover", "Report", "InfiniteV", "VerificationError",
    "build", "sequences_from", "cross_check", "inputs_covering", "check", "program_order", "sequences_of", "reference_sequences",
    "verification_set",
    "verify", "run_inputs", "Round", "Guided", "guided_training", "seed_study",
]  # fmt: skip
