"""Quicksort with Lomuto's partition (Cai, Shin & Song 2017 §4.4 and appendix).
A first look in lesson 02 (section 9); the details in lesson 08.

The environment holds the array, two stacks Q_stackLo / Q_stackHi of pending (lo, hi) frames, and six
pointers: p_lo, p_hi (the frame being sorted), p_stackLo, p_stackHi (the stack tops), p_pivot and p_j (the
two indices of the partition loop; p_j is null outside PARTITION). The encoder sees only four booleans:
A[p_j] <= A[p_hi], p_j == p_hi, "the top frame has lo < hi", "the stacks are empty".

    >>> TASK.output(run_reference([3, 1, 2]))
    [1, 2, 3]
    >>> print(TASK.format(reference([3, 1, 2], "recursive"), max_lines=8))
    QUICKSORT
      WRITE(p_hi, Q_stackHi top)
      WRITE(p_lo, Q_stackLo top)
      PARTITION
        SET_PIVOT_LO
        SET_J_LO
        COMPSWAP_LOOP
          COMPSWAP
    ... (35 more steps)

The programs (⏎ marks the step that carries the return flag):

    QUICKSORT (non-recursive): while not stacks empty:
        if top lo < hi: WRITE(p_hi, Q_stackHi top); WRITE(p_lo, Q_stackLo top); STACK(POP);
                        PARTITION; STACK(PUSH_CALL2); STACK(PUSH_CALL1)
        else:           STACK(POP)
      then NOP ⏎
    QUICKSORT (recursive): sorts the frame on top of the stacks; its caller pops it
        if top lo < hi: WRITE(p_hi, Q_stackHi top); WRITE(p_lo, Q_stackLo top);
                        PARTITION; STACK(PUSH_CALL2); STACK(PUSH_CALL1);
                        QUICKSORT; STACK(POP);     # sorts A[lo .. pivot-1]: NOT a tail call
                        QUICKSORT; STACK(POP) ⏎    # sorts A[pivot+1 .. hi]
        else:           NOP ⏎
    PARTITION:     SET_PIVOT_LO; SET_J_LO; COMPSWAP_LOOP; SWAP(p_pivot, p_hi); SET_J_NULL ⏎
    COMPSWAP_LOOP: while p_j != p_hi: COMPSWAP; MOVE(p_j, UP)        then NOP ⏎
                   (recursive: if p_j == p_hi: NOP ⏎ else COMPSWAP; MOVE(p_j, UP); COMPSWAP_LOOP ⏎)
    COMPSWAP:      if A[p_j] <= A[p_hi]: SWAP(p_pivot, p_j); MOVE(p_pivot, UP) ⏎   else NOP ⏎
    STACK(PUSH_CALL1): MOVE(p_stackLo, UP); MOVE(p_stackHi, UP); WRITE(Q_stackLo, p_lo); WRITE(Q_stackHi, p_pivot-1) ⏎
    STACK(PUSH_CALL2): MOVE(p_stackLo, UP); MOVE(p_stackHi, UP); WRITE(Q_stackLo, p_pivot+1); WRITE(Q_stackHi, p_hi) ⏎
    STACK(POP):        WRITE(Q_stackLo, RESET); WRITE(Q_stackHi, RESET); MOVE(p_stackLo, DOWN);
                       MOVE(p_stackHi, DOWN) ⏎

Choices where the paper's converted text is garbled or the paper is silent
(explained in lesson 08, tested in tests/test_quicksort.py):
- Indices are 0-based: the stacks start holding the frame (0, n-1), the paper's (1, n). Cell 0 of each
  stack is a floor that is never written, so "stacks empty" is "the cell under p_stackLo is empty"; the
  initial frame sits in cell 1. A stack has 2n + 1 cells: the recursive formulation keeps a frame on the
  stacks until its caller pops it, up to 2n - 1 frames for a sorted array (the loop needs at most n).
- PUSH_CALL2 pushes (p_pivot+1, p_hi) first and PUSH_CALL1 pushes (p_lo, p_pivot-1) on top of it, so the
  left part is sorted first, as in the textbook. Both read p_lo, p_hi and p_pivot as PARTITION left them.
- The recursive QUICKSORT follows the structure rebuilt from the paper's description, with one change: the callee, not the
  caller, copies its frame into p_lo / p_hi, after checking lo < hi. So an empty frame such as (0, -1)
  never reaches a pointer, and the root call needs no set-up. The caller pops each child's frame after
  the child returns: a frame then always sees its own frame on top while it partitions, and its
  observations do not depend on what lies below. This is what makes the recursive program's set of
  step-input sequences small (25 of them) and lets [CAI]'s single verification array VERIFICATION_ARRAY
  meet them all. (Popping in the callee instead, exactly when the loop pops, would give both formulations
  the same primitives in the same order, but 67 step-input sequences, 12 of which no array of length 5
  meets, and the verification array would meet only 44.)
- So the two formulations run the same primitives in the same order except for the stack bookkeeping:
  the loop pops a frame before partitioning it (and pops the root frame too), the recursion pops it after
  sorting it (and leaves the root frame on the stacks); the base case is STACK(POP) in the loop and NOP ⏎
  in the recursion; and the loop closes with one more NOP ⏎. Without STACK(POP)'s primitives and the NOPs
  the sequences are identical, and so are the array states after each SWAP.
- The recursion is general, not tail: the first recursive QUICKSORT returns to a caller that still has a
  STACK(POP) and another QUICKSORT to do; the NPI keeps the caller's LSTM state on its call stack
  meanwhile. The integers lo, hi live in the environment's stacks, never in the controller. The recursive
  QUICKSORT frame has at most 9 steps, PARTITION 5, STACK 4, COMPSWAP_LOOP 3 (tail recursive), COMPSWAP 2:
  the longest frame is 9 steps whatever the array's length. The loops of the non-recursive QUICKSORT
  and COMPSWAP_LOOP grow with it.
- NOP ⏎ ends COMPSWAP_LOOP, COMPSWAP when it does not swap, the recursive base case (lo >= hi: one
  element, or an empty range such as (lo, lo-1)) and the non-recursive QUICKSORT.
- Of the 4 × 7 WRITE pairs, 8 are used: (p_hi, Q_stackHi top), (p_lo, Q_stackLo top), (Q_stackLo, p_lo),
  (Q_stackHi, p_pivot-1), (Q_stackLo, p_pivot+1), (Q_stackHi, p_hi), (Q_stackLo, RESET), (Q_stackHi, RESET).
  A stack cell may hold -1 or n (the empty frames (0, -1) and (n, n-1)); a pointer only takes 0 .. n-1.
- Decisions use only `env.observe()`, except that STACK chooses its sequence by its own argument, which
  the NPI's encoder receives too (f_enc(e_t, a_t)). In the recursive formulation "stacks empty" is never
  true (the root frame stays); only the loop needs it.
- A null pointer reads INVALID (10), so A[p_j] <= A[p_hi] is false outside PARTITION.
- The array holds digits 0-9, as in the paper. Only comparisons are observed, so any integers would do;
  keeping digits keeps every cell one character wide in the pictures and the inputs like the paper's.
- Arguments (slot 0, slot 1, unused slot 2):
  MOVE(pointer, direction) and SWAP(P_PIVOT, P_HI | P_J) use the pointer codes P_LO=0, P_HI=1,
  P_STACK_LO=2, P_STACK_HI=3, P_PIVOT=4, P_J=5 and the directions UP=0, DOWN=1;
  WRITE(target, source): targets p_lo=0, p_hi=1, Q_stackLo=2, Q_stackHi=3 (the cell under the stack
  pointer), sources Q_stackLo top=0, Q_stackHi top=1, p_hi=2, p_lo=3, p_pivot-1=4, p_pivot+1=5, RESET=6;
  STACK(op) with PUSH_CALL1=0, PUSH_CALL2=1, POP=2. So arg_sizes = (6, 7, 1).
- Coverage counts (frame program, its arguments, observation) triples: STACK(POP) and STACK(PUSH_CALL1)
  see different observations. All of them occur in arrays of length <= 5 (`observation_universe`): 36 for
  the loop, 19 for the recursion. For the recursion it also counts whole step-input sequences, [CAI]'s V
  (`sequence_universe`, 25). The "paper" training set (4 arrays of length 5) covers all three.
- Verification (lesson 09): `VERIFICATION` builds V by a fixed point over a model of one call's view
  (`StackView`: the top of the stacks and the partition's pointers as capped differences); it gives the same 25
  sequences, and S_V is VERIFICATION_ARRAY alone, as in [CAI]. The loop formulation has no finite V.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from .errors import ActionError, ProblemError
from .task import Experiment, FrameModel, PaperResults, Probe, Task, VerificationSpec, code_name
from .trace import Tracer, frames, program
from .verify import VerificationError

INVALID = 10  # what a null pointer reads: no digit there
EMPTY = None  # an empty stack cell

P_LO, P_HI, P_STACK_LO, P_STACK_HI, P_PIVOT, P_J = range(6)
POINTER_NAMES = ("p_lo", "p_hi", "p_stackLo", "p_stackHi", "p_pivot", "p_j")
UP, DOWN = 0, 1
MOVABLE = (P_STACK_LO, P_STACK_HI, P_J, P_PIVOT)

# WRITE targets: the two frame pointers, and the stack cells under the two stack pointers
T_LO, T_HI, T_STACK_LO, T_STACK_HI = range(4)
TARGET_NAMES = ("p_lo", "p_hi", "Q_stackLo", "Q_stackHi")
S_STACK_LO_TOP, S_STACK_HI_TOP, S_HI, S_LO, S_PIVOT_MINUS_1, S_PIVOT_PLUS_1, S_RESET = range(7)
SOURCE_NAMES = ("Q_stackLo top", "Q_stackHi top", "p_hi", "p_lo", "p_pivot-1", "p_pivot+1", "RESET")

PUSH_CALL1, PUSH_CALL2, POP = range(3)
STACK_OPS = ("PUSH_CALL1", "PUSH_CALL2", "POP")

PROGRAMS = (
    "QUICKSORT", "PARTITION", "COMPSWAP_LOOP", "COMPSWAP", "STACK",
    "SET_PIVOT_LO", "SET_J_LO", "SET_J_NULL", "MOVE", "SWAP", "WRITE", "NOP",
)  # fmt: skip
PRIMITIVES = frozenset({"SET_PIVOT_LO", "SET_J_LO", "SET_J_NULL", "MOVE", "SWAP", "WRITE", "NOP"})
FORMULATIONS = ("non-recursive", "recursive")
OBSERVATION_FIELDS = ("A[j]<=A[hi]", "j==hi", "lo<hi", "empty")

# The array of [CAI]'s verification set: its traces cover every step-input sequence of the recursive program.
VERIFICATION_ARRAY = (8, 2, 1, 2, 0, 8, 5, 8, 3, 7)


# ---------------------------------------------------------------------------------------------- problems
def parse_input(value: object) -> tuple[int, ...]:
    """Validate an array (from JSON or Python): a non-empty list of digits 0-9.

    >>> parse_input([3, 1, 2])
    (3, 1, 2)
    """
    if not isinstance(value, (list, tuple)):
        raise ProblemError(f"quicksort takes a list of digits 0-9 like [3, 1, 2]; got {value!r}")
    if not value:
        raise ProblemError("the array is empty: give at least one digit 0-9, like [3, 1, 2]")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProblemError(f"element {i} ({v!r}) is not an integer: the array holds digits 0-9")
        if not 0 <= v <= 9:
            raise ProblemError(f"element {i} is {v}: the array holds digits 0-9 only")
    return tuple(value)


def random_problem(size: int, rng: random.Random) -> tuple[int, ...]:
    """An array of `size` random digits (duplicates and all)."""
    if size < 1:
        raise ProblemError(f"an array needs at least 1 element; got size {size}")
    return tuple(rng.randint(0, 9) for _ in range(size))


# ---------------------------------------------------------------------------------------------- environment
@dataclass(frozen=True)
class QuicksortState:
    """A snapshot of the quicksort environment; pointers are indices, None when null."""

    array: tuple[int, ...]
    Q_stackLo: tuple[int | None, ...]
    Q_stackHi: tuple[int | None, ...]
    p_lo: int | None
    p_hi: int | None
    p_stackLo: int
    p_stackHi: int
    p_pivot: int | None
    p_j: int | None

    def frames(self) -> list[tuple[int, int]]:
        """The pending (lo, hi) frames, bottom to top."""
        los, his = self.Q_stackLo[1 : self.p_stackLo + 1], self.Q_stackHi[1 : self.p_stackHi + 1]
        return list(zip(los, his))  # type: ignore[arg-type]

    def __str__(self) -> str:
        def p(v: int | None) -> str:
            return "·" if v is None else str(v)

        pointers = f"p_lo={p(self.p_lo)} p_hi={p(self.p_hi)} p_pivot={p(self.p_pivot)} p_j={p(self.p_j)}"
        stack = " ".join(f"({lo}, {hi})" for lo, hi in self.frames()) or "empty"
        return f"A [{' '.join(map(str, self.array))}]   {pointers}\nstacks (lo, hi), bottom to top: {stack}"


class QuicksortEnv:
    """The quicksort environment: the array, the two frame stacks and six pointers.

        >>> env = QuicksortEnv([3, 1, 2])
        >>> env.observe()            # A[p_j] <= A[p_hi], p_j == p_hi, top lo < hi, stacks empty
        (0, 0, 1, 0)
        >>> print(env.snapshot())
        A [3 1 2]   p_lo=· p_hi=· p_pivot=· p_j=·
        stacks (lo, hi), bottom to top: (0, 2)
    """

    def __init__(self, array: Sequence[int]):
        self.array = list(parse_input(array))
        n = len(self.array)
        self.capacity = 2 * n + 1  # the floor cell and 2n frames; a sorted array keeps 2n - 1 (recursive)
        self.Q_stackLo: list[int | None] = [EMPTY] * self.capacity
        self.Q_stackHi: list[int | None] = [EMPTY] * self.capacity
        self.Q_stackLo[1], self.Q_stackHi[1] = 0, n - 1
        self.ptr: list[int | None] = [None, None, 1, 1, None, None]  # indexed by P_LO .. P_J

    # -- what the encoder sees
    def observe(self) -> tuple[int, int, int, int]:
        ptr = self.ptr
        p_hi, p_j = ptr[P_HI], ptr[P_J]
        # a null pointer reads INVALID, which compares with nothing: the comparison is false
        le = p_j is not None and p_hi is not None and self.array[p_j] <= self.array[p_hi]
        lo, hi = self.Q_stackLo[ptr[P_STACK_LO]], self.Q_stackHi[ptr[P_STACK_HI]]  # type: ignore[index]
        lo_lt_hi = lo is not None and hi is not None and lo < hi
        return _OBS[le, p_j is not None and p_j == p_hi, lo_lt_hi, lo is EMPTY]

    # -- primitives
    def apply(self, name: str, args: tuple[int, ...]) -> None:
        """Run a primitive: SET_PIVOT_LO, SET_J_LO, SET_J_NULL, MOVE, SWAP, WRITE or NOP."""
        a, b = args[0], args[1]
        if name == "NOP":
            return
        if name in ("SET_PIVOT_LO", "SET_J_LO"):
            if self.ptr[P_LO] is None:
                raise ActionError(f"{name}: p_lo is null; WRITE(p_lo, Q_stackLo top) first")
            self.ptr[P_PIVOT if name == "SET_PIVOT_LO" else P_J] = self.ptr[P_LO]
        elif name == "SET_J_NULL":
            self.ptr[P_J] = None
        elif name == "MOVE":
            self._move(a, b)
        elif name == "SWAP":
            if a != P_PIVOT or b not in (P_HI, P_J):
                raise ActionError(f"SWAP({a}, {b}): only SWAP(p_pivot={P_PIVOT}, p_hi={P_HI} or p_j={P_J})")
            i, k = self.ptr[a], self.ptr[b]
            if i is None or k is None:
                raise ActionError(f"SWAP(p_pivot, {POINTER_NAMES[b]}): a null pointer points at no cell")
            self.array[i], self.array[k] = self.array[k], self.array[i]
        elif name == "WRITE":
            self._write(a, b)
        else:
            raise ActionError(
                f"{name!r} is not a primitive of quicksort; the primitives are {', '.join(sorted(PRIMITIVES))}"
            )

    def _move(self, p: int, direction: int) -> None:
        if p not in MOVABLE or direction not in (UP, DOWN):
            raise ActionError(
                f"MOVE({p}, {direction}): pointer must be p_stackLo=2, p_stackHi=3, p_pivot=4 or p_j=5 and "
                "direction UP=0 or DOWN=1"
            )
        at = self.ptr[p]
        if at is None:
            raise ActionError(f"MOVE({POINTER_NAMES[p]}): the pointer is null; set it first")
        new = at + (1 if direction == UP else -1)
        on_stack = p in (P_STACK_LO, P_STACK_HI)
        size = self.capacity if on_stack else len(self.array)
        if not 0 <= new < size:
            edge, what = "top" if direction == UP else "bottom", "stack" if on_stack else "array"
            raise ActionError(
                f"MOVE would take {POINTER_NAMES[p]} to {new}, past the {edge} of the {what} (0..{size - 1})"
            )
        self.ptr[p] = new

    def _write(self, target: int, source: int) -> None:
        if not 0 <= target < 4 or not 0 <= source < 7:
            raise ActionError(f"WRITE({target}, {source}): target must be 0-3 and source 0-6")
        value = self._source(source)
        if target in (T_LO, T_HI):
            if value is not None and not 0 <= value < len(self.array):
                raise ActionError(
                    f"WRITE({TARGET_NAMES[target]}, {SOURCE_NAMES[source]}): {value} is not an index of the "
                    f"array (0..{len(self.array) - 1})"
                )
            self.ptr[P_LO if target == T_LO else P_HI] = value
            return
        stack, at = self._stack(target == T_STACK_LO)
        if at == 0 and value is not None:
            raise ActionError(
                f"WRITE({TARGET_NAMES[target]}, ...): cell 0 is the stack's floor; MOVE the pointer UP first"
            )
        stack[at] = value

    def _source(self, source: int) -> int | None:
        if source == S_RESET:
            return None
        if source in (S_STACK_LO_TOP, S_STACK_HI_TOP):
            stack, at = self._stack(source == S_STACK_LO_TOP)
            value = stack[at]
        else:
            base = {S_HI: P_HI, S_LO: P_LO, S_PIVOT_MINUS_1: P_PIVOT, S_PIVOT_PLUS_1: P_PIVOT}[source]
            value = self.ptr[base]
            if value is not None:
                value += {S_PIVOT_MINUS_1: -1, S_PIVOT_PLUS_1: 1}.get(source, 0)
        if value is None:
            raise ActionError(f"WRITE from {SOURCE_NAMES[source]}: it is empty (null); there is nothing to copy")
        return value

    def _stack(self, lo_stack: bool) -> tuple[list[int | None], int]:
        """A stack's cells and where its pointer is."""
        if lo_stack:
            return self.Q_stackLo, self.ptr[P_STACK_LO]  # type: ignore[return-value]
        return self.Q_stackHi, self.ptr[P_STACK_HI]  # type: ignore[return-value]

    def snapshot(self) -> QuicksortState:
        return QuicksortState(
            tuple(self.array), tuple(self.Q_stackLo), tuple(self.Q_stackHi), *self.ptr  # type: ignore[arg-type]
        )

    def output(self) -> list[int]:
        return list(self.array)


# the 16 possible observations, shared: a long trace stores millions of them
_OBS = {bits: bits for bits in itertools.product((0, 1), repeat=4)}  # keyed by bools too: True == 1


# ---------------------------------------------------------------------------------------------- programs
# Every decision below uses only env.observe(): what the NPI's encoder will see, nothing more.
def QUICKSORT(t: Tracer, env: QuicksortEnv) -> None:
    """Non-recursive: one frame loops until the stacks are empty."""
    while not env.observe()[3]:  # stacks not empty
        if env.observe()[2]:  # top frame has lo < hi
            t.act("WRITE", T_HI, S_STACK_HI_TOP)
            t.act("WRITE", T_LO, S_STACK_LO_TOP)
            t.call(STACK, POP)
            t.call(PARTITION)
            t.call(STACK, PUSH_CALL2)
            t.call(STACK, PUSH_CALL1)
        else:
            t.call(STACK, POP)
    t.act("NOP", ret=True)


@program("QUICKSORT")
def QUICKSORT_recursive(t: Tracer, env: QuicksortEnv) -> None:
    """Recursive: sort the frame on top of the stacks (the caller pops it); general recursion, 9 steps."""
    if not env.observe()[2]:  # lo >= hi: nothing to sort
        return t.act("NOP", ret=True)
    t.act("WRITE", T_HI, S_STACK_HI_TOP)
    t.act("WRITE", T_LO, S_STACK_LO_TOP)
    t.call(PARTITION_recursive)
    t.call(STACK, PUSH_CALL2)
    t.call(STACK, PUSH_CALL1)
    t.call(QUICKSORT_recursive)  # the left part, on top; this frame continues afterwards
    t.call(STACK, POP)
    t.call(QUICKSORT_recursive)  # the right part, now on top
    t.call(STACK, POP, ret=True)


def _partition(t: Tracer, compswap_loop) -> None:
    t.act("SET_PIVOT_LO")
    t.act("SET_J_LO")
    t.call(compswap_loop)
    t.act("SWAP", P_PIVOT, P_HI)
    t.act("SET_J_NULL", ret=True)


def PARTITION(t: Tracer, env: QuicksortEnv) -> None:
    """Lomuto: everything <= A[hi] moves left of p_pivot, then A[hi] moves to p_pivot."""
    _partition(t, COMPSWAP_LOOP)


@program("PARTITION")
def PARTITION_recursive(t: Tracer, env: QuicksortEnv) -> None:
    """The same PARTITION, calling the tail-recursive COMPSWAP_LOOP."""
    _partition(t, COMPSWAP_LOOP_recursive)


def COMPSWAP_LOOP(t: Tracer, env: QuicksortEnv) -> None:
    """Non-recursive: p_j walks from lo to hi in one frame."""
    while not env.observe()[1]:  # p_j != p_hi
        t.call(COMPSWAP)
        t.act("MOVE", P_J, UP)
    t.act("NOP", ret=True)


@program("COMPSWAP_LOOP")
def COMPSWAP_LOOP_recursive(t: Tracer, env: QuicksortEnv) -> None:
    """Recursive: one step of p_j, then a tail call."""
    if env.observe()[1]:  # p_j == p_hi
        return t.act("NOP", ret=True)
    t.call(COMPSWAP)
    t.act("MOVE", P_J, UP)
    t.call(COMPSWAP_LOOP_recursive, ret=True)


def COMPSWAP(t: Tracer, env: QuicksortEnv) -> None:
    """One step of the partition: an element <= the pivot value A[hi] joins the left block."""
    if env.observe()[0]:  # A[p_j] <= A[p_hi]
        t.act("SWAP", P_PIVOT, P_J)
        t.act("MOVE", P_PIVOT, UP, ret=True)
    else:
        t.act("NOP", ret=True)


def STACK(t: Tracer, env: QuicksortEnv, op: int) -> None:
    """Push the left part, push the right part, or pop the top frame; both stacks move together."""
    if op == POP:
        t.act("WRITE", T_STACK_LO, S_RESET)
        t.act("WRITE", T_STACK_HI, S_RESET)
        t.act("MOVE", P_STACK_LO, DOWN)
        t.act("MOVE", P_STACK_HI, DOWN, ret=True)
        return
    t.act("MOVE", P_STACK_LO, UP)
    t.act("MOVE", P_STACK_HI, UP)
    if op == PUSH_CALL1:  # (lo, pivot - 1)
        t.act("WRITE", T_STACK_LO, S_LO)
        t.act("WRITE", T_STACK_HI, S_PIVOT_MINUS_1, ret=True)
    else:  # PUSH_CALL2: (pivot + 1, hi)
        t.act("WRITE", T_STACK_LO, S_PIVOT_PLUS_1)
        t.act("WRITE", T_STACK_HI, S_HI, ret=True)


ENTRY = {"non-recursive": QUICKSORT, "recursive": QUICKSORT_recursive}


# ---------------------------------------------------------------------------------------------- coverage
Observation = tuple[int, ...]
FrameInputs = tuple[str, tuple[int, ...], tuple[Observation, ...]]


def step_inputs(problem: Sequence[int], formulation: str = "recursive") -> set[FrameInputs]:
    """The step-input sequences of a reference run: per call, (program, arguments, the observation at each
    of its steps). For the recursive formulation these are the elements of [CAI]'s finite set V.

    >>> sorted(step_inputs([2, 1]))[0]
    ('COMPSWAP', (0, 0, 0), ((0, 0, 1, 0),))
    """
    trace = reference(problem, formulation, record_states=False)
    return {(f.program, f.args, tuple(s.obs for s in f.steps)) for f in frames(trace)}  # type: ignore[misc]


def frame_observations(
    problem: Sequence[int], formulation: str = "recursive"
) -> set[tuple[str, tuple[int, ...], Observation]]:
    """The (frame program, its arguments, observation) triples a reference run meets.

    >>> ("COMPSWAP", (0, 0, 0), (0, 0, 1, 0)) in frame_observations([2, 1])
    True
    """
    return _triples(step_inputs(problem, formulation))


def _triples(sequences) -> set:
    return {(prog, args, obs) for prog, args, seq in sequences for obs in seq}


@lru_cache(maxsize=None)
def _patterns_universe(formulation: str) -> frozenset[FrameInputs]:
    # Only comparisons are observed, so arrays with the same order pattern give the same trace: one array
    # per pattern of length <= 5 (633 of them) meets everything; tests/test_quicksort.py checks that
    # longer arrays add nothing.
    seen: set = set()
    for n in range(1, 6):
        for array in itertools.product(range(n), repeat=n):
            if set(array) == set(range(max(array) + 1)):
                seen |= step_inputs(array, formulation)
    return frozenset(seen)


def observation_universe(formulation: str = "recursive") -> frozenset:
    """Every (frame program, arguments, observation) triple that arrays of any length meet: 36 for the
    loop, 19 for the recursion."""
    return frozenset(_triples(_patterns_universe(TASK.formulation(formulation))))


def sequence_universe() -> frozenset[FrameInputs]:
    """[CAI]'s set V for the recursive formulation: every step-input sequence of any call, 25 of them.

    The non-recursive formulation has no such finite set: its loops' sequences grow with the array.
    """
    return _patterns_universe("recursive")


def coverage(
    problems: Iterable[Sequence[int]], formulation: str = "recursive", unit: str = "observations"
) -> tuple[int, int]:
    """How many possible (frame program, arguments, observation) triples (unit="observations") or, for the
    recursive formulation, step-input sequences (unit="sequences") the problems meet: (covered, total).

    >>> coverage([VERIFICATION_ARRAY], "recursive", "sequences")
    (25, 25)
    """
    if unit == "sequences":
        if formulation != "recursive":
            raise ProblemError("only the recursive formulation has a finite set of step-input sequences")
        universe = sequence_universe()
        seen = set().union(*(step_inputs(p, formulation) for p in problems))
    elif unit == "observations":
        universe = observation_universe(formulation)
        seen = set().union(*(frame_observations(p, formulation) for p in problems))
    else:
        raise ProblemError(f"unknown coverage unit {unit!r}; use 'observations' or 'sequences'")
    return len(seen & universe), len(universe)


# ---------------------------------------------------------------------------------------------- training sets
def training_set(name: str = "paper", seed: int = 0) -> list[tuple[int, ...]]:
    """The training arrays of Cai et al. (2017): "paper" (4 arrays of length 5), or "N" for N random arrays
    of length 5.

    Four random arrays meet every step-input sequence of the recursion only about one time in five, so
    "paper" draws greedily: each array is the best of 16 random candidates at covering what is still
    missing of both formulations' observation triples and the recursion's sequences. `coverage()` reports it.

        >>> problems = training_set("paper")
        >>> coverage(problems, "non-recursive"), coverage(problems), coverage(problems, unit="sequences")
        ((36, 36), (19, 19), (25, 25))
    """
    rng = random.Random(seed)
    if name.isdigit() and int(name) > 0:
        return [random_problem(5, rng) for _ in range(int(name))]
    if name != "paper":
        raise ProblemError(f"unknown training set {name!r} for quicksort; use 'paper' or a count like '50'")
    missing = (
        {("seq", x) for x in sequence_universe()}
        | {("rec", x) for x in observation_universe("recursive")}
        | {("flat", x) for x in observation_universe("non-recursive")}
    )
    chosen: list[tuple[int, ...]] = []
    for _ in range(4):
        candidates = [random_problem(5, rng) for _ in range(16)]
        best = max(candidates, key=lambda p: len(missing & _coverage_items(p)))
        chosen.append(best)
        missing -= _coverage_items(best)
    return chosen


def _coverage_items(problem: Sequence[int]) -> set:
    """What one problem contributes: observation triples of both formulations, sequences of the recursion."""
    rec = step_inputs(problem, "recursive")
    flat = frame_observations(problem, "non-recursive")
    return {("seq", x) for x in rec} | {("rec", x) for x in _triples(rec)} | {("flat", x) for x in flat}


# ---------------------------------------------------------------------------------------------- verification
# The environment as one call of the recursive program sees it, for `npi_lib.verify` (lesson 09).
#
# What a call observes depends on three things only: the relation of p_j to p_hi and of A[p_j] to A[p_hi];
# the top of the two stacks (is its lo cell empty, does its frame have lo < hi); and, through what it
# writes, the positions of p_lo, p_pivot, p_hi relative to each other. A `StackView` keeps exactly that,
# symbolically: no index and no digit, only the facts the reference's observations can depend on.
#
# The stacks. A callee sees the level on top of the stacks when it starts (`_view_enter`) and the levels
# it pushes itself; whatever lies lower is hidden from it, and `floor` says only whether the cell under its
# first level is the stacks' floor (empty) or a caller's frame (something is there). `_view_leave` puts the
# hidden levels back under what the callee leaves. The recursive QUICKSORT pushes two levels above its
# frame, so a call sees at most three: the states stay finite whatever the depth of the recursion.
# A stack cell is empty (None), the end of a complete frame ("F", lo < hi) or, for the one step between
# the two WRITEs of a push, a value written from a pointer ("E", pointer, offset) that is compared with its
# partner as soon as the partner is written, while the pointers are still those the values came from.
#
# The array. Positions are kept as capped differences: p_pivot - p_lo in {0, 1, 2 or more}; while p_j is
# set, d = p_j - p_pivot in {-1, 0, 1, 2 or more} and e = p_hi - p_j in {0, 1 or more}; once p_j is null,
# top = p_hi - p_pivot in {0, 1, 2 or more}. Values are kept only as comparisons with the pivot value A[p_hi]:
# `le` is A[p_j] <= A[p_hi], `first` is A[p_pivot] > A[p_hi] (when p_pivot < p_j) and `rest` says whether
# every cell strictly between p_pivot and p_j is > A[p_hi] (when there are any).
#
# Why it is sound (every real call is met). Each real environment maps to a view by forgetting, and every
# primitive the reference uses turns the view of a real environment into one of the views `_view_apply`
# lists: when p_j moves onto a cell no step has looked at, p_j may have reached p_hi (then A[p_j] <= A[p_hi]
# holds) or not (then the cell holds any digit: both comparisons are listed); a capped difference that can
# shrink (p_pivot moving up towards p_j) lists both of its next values; swaps move the known comparisons
# with the cells. Whatever the model cannot follow (a step the reference never takes, such as moving p_j
# past p_hi or comparing cells of two different stack levels) raises VerificationError instead of guessing.
#
# Why it is precise (nothing impossible). Every choice is one a concrete array can make: a cell p_j meets
# for the first time can hold a digit on either side of A[p_hi], and a segment can be as long as the
# choices need. tests/test_quicksort.py checks it: the fixed point gives exactly the 25 sequences that
# arrays of length <= 5 meet (`sequence_universe`), and VERIFICATION_ARRAY alone meets all of them.
Cell = tuple | None  # a stack cell: None (empty), ("F", lo < hi), ("E", pointer, offset) or ("H",)

_FLOOR_CELL = None  # the stacks' cell 0: never written, reads empty
_HIDDEN_CELL = ("H",)  # a caller's frame under the levels a callee sees: a value is there, nothing more known
_EXPR = {S_LO: ("LO", 0), S_HI: ("HI", 0), S_PIVOT_MINUS_1: ("PIV", -1), S_PIVOT_PLUS_1: ("PIV", 1)}
_MANY = 2  # a capped difference: 2 stands for "2 or more" (1 for "1 or more" in e)


@dataclass(frozen=True)
class StackView:
    """One call's view of the quicksort environment (see the comment above)."""

    floor: bool  # under the visible levels: the floor (stacks empty) or a caller's frame
    levels: tuple[tuple[Cell, Cell], ...]  # visible stack levels 1, 2, ...: (Q_stackLo cell, Q_stackHi cell)
    pl: int = 1  # p_stackLo, p_stackHi: 0 is the cell under the visible levels
    ph: int = 1
    frame: bool | None = None  # p_lo, p_hi: null (None), a frame with p_lo < p_hi (True), anything else (False)
    pending: tuple[int, int, int] | None = None  # (end, level, lo<hi): the WRITE just before copied one end
    pivot: int | str | None = None  # null, "?" (set, position unknown), or p_pivot - p_lo capped at 2
    top: int | None = None  # p_hi - p_pivot capped at 2, while p_j is null (None: not known)
    j: tuple[int, int] | str | None = None  # null, "?" (set, position unknown), or (d, e) as above
    le: bool = False  # A[p_j] <= A[p_hi]
    first: bool | None = None  # A[p_pivot] > A[p_hi], when d >= 1 (None: not known)
    rest: bool | None = None  # every cell strictly between p_pivot and p_j is > A[p_hi], when d >= 2


def _view_error(what: str) -> VerificationError:
    return VerificationError(f"quicksort's verification model cannot follow {what}")


def _view_entries() -> list[StackView]:
    """A fresh environment: the frame (0, n-1) on the floor of the stacks, lo < hi unless n = 1."""
    return [StackView(True, ((("F", bit), ("F", bit)),)) for bit in (False, True)]


def _cell(v: StackView, end: int, at: int) -> Cell:
    if at == 0:
        return _FLOOR_CELL if v.floor else _HIDDEN_CELL
    return v.levels[at - 1][end] if at <= len(v.levels) else None


def _view_observe(v: StackView) -> tuple[int, ...]:
    if v.j == "?":
        raise _view_error("an observation while p_j points somewhere unknown")
    on = isinstance(v.j, tuple)
    lo, hi = _cell(v, 0, v.pl), _cell(v, 1, v.ph)
    if lo is None or hi is None:
        lo_lt_hi = False
    elif v.pl == v.ph and lo[0] == "F" and hi == lo:
        lo_lt_hi = lo[1]
    else:
        raise _view_error(f"comparing the stack cells {lo} and {hi} (levels {v.pl} and {v.ph})")
    return _OBS[on and v.le, on and v.j[1] == 0, lo_lt_hi, lo is None]  # type: ignore[index]


def _canonical(v: StackView) -> StackView:
    """Forget what no longer matters, so that equal situations are equal states."""
    levels = v.levels
    while len(levels) > max(v.pl, v.ph) and levels[-1] == (None, None):
        levels = levels[:-1]
    first, rest, le = v.first, v.rest, v.le
    if isinstance(v.j, tuple):
        d = v.j[0]
        first, rest = (first if d >= 1 else None), (rest if d >= 2 else None)
    else:
        first = rest = None
        le = False
    return replace(v, levels=levels, first=first, rest=rest, le=le)


def _view_apply(v: StackView, name: str, args: tuple[int, ...]) -> list[StackView]:
    pending, v = v.pending, replace(v, pending=None)  # only a WRITE to p_lo / p_hi keeps one
    a, b = args[0], args[1]
    if name == "NOP":
        out = [v]
    elif name == "WRITE" and a in (T_LO, T_HI):
        out = [_write_pointer(v, a, b, pending)]
    elif name == "WRITE" and a in (T_STACK_LO, T_STACK_HI):
        out = _write_stack(v, a - T_STACK_LO, b)
    elif name == "MOVE" and a in (P_STACK_LO, P_STACK_HI):
        at = (v.pl if a == P_STACK_LO else v.ph) + (1 if b == UP else -1)
        if at < 0:
            raise _view_error(f"{describe(name, args)} below the levels this call can see")
        out = [replace(v, pl=at) if a == P_STACK_LO else replace(v, ph=at)]
    elif name == "MOVE" and a == P_J and b == UP:
        out = _move_j(v)
    elif name == "MOVE" and a == P_PIVOT and b == UP:
        out = _move_pivot(v)
    elif name == "SET_PIVOT_LO":
        _no_open_push(v, name)
        if v.frame is None:
            raise _view_error("SET_PIVOT_LO with p_lo null")
        j = "?" if v.j is not None else None  # p_j's place relative to the new p_pivot is not known
        out = [replace(v, pivot=0 if v.frame else "?", top=None, j=j)]
    elif name == "SET_J_LO":
        if v.frame is None:
            raise _view_error("SET_J_LO with p_lo null")
        if not v.frame or v.pivot not in (0, 1):
            out = [replace(v, j="?")]
        else:  # p_j = p_lo < p_hi; A[p_lo] has not been looked at since p_lo was set
            out = [replace(v, j=(-v.pivot, 1), le=le, top=None) for le in (False, True)]  # type: ignore[operator]
    elif name == "SET_J_NULL":
        out = [replace(v, j=None, top=top) for top in _hi_minus_pivot(v)]
    elif name == "SWAP" and a == P_PIVOT and b == P_J:
        out = _swap_pivot_j(v)
    elif name == "SWAP" and a == P_PIVOT and b == P_HI:
        out = [_swap_pivot_hi(v)]
    else:
        raise _view_error(describe(name, args))
    return [_canonical(s) for s in out]


def _no_open_push(v: StackView, what: str) -> None:
    """A value written from a pointer waits for its partner; the pointer must not move before."""
    if any(cell is not None and cell[0] == "E" for level in v.levels for cell in level):
        raise _view_error(f"{what} while a stack level is half written from the pointers")


def _write_pointer(v: StackView, target: int, source: int, pending: tuple[int, int, int] | None) -> StackView:
    """WRITE(p_lo | p_hi, a stack top): the frame is known to have lo < hi when both ends of one complete
    level are copied by two WRITEs in a row."""
    if source not in (S_STACK_LO_TOP, S_STACK_HI_TOP):
        raise _view_error(f"WRITE({TARGET_NAMES[target]}, {SOURCE_NAMES[source]})")
    _no_open_push(v, f"WRITE({TARGET_NAMES[target]}, ...)")
    end, at = (0, v.pl) if source == S_STACK_LO_TOP else (1, v.ph)
    cell = _cell(v, end, at)
    if cell is None:
        raise _view_error(f"WRITE({TARGET_NAMES[target]}, {SOURCE_NAMES[source]}) from an empty cell")
    mine = (end, at, cell[1]) if cell[0] == "F" and end == target - T_LO else None
    frame: bool | None = False
    if mine and pending and pending[0] != end and pending[1:] == mine[1:]:
        frame, mine = bool(mine[2]), None
    return replace(
        v, frame=frame, pending=mine, pivot="?" if v.pivot is not None else None, top=None,
        j="?" if v.j is not None else None,
    )  # fmt: skip


def _write_stack(v: StackView, end: int, source: int) -> list[StackView]:
    at = v.pl if end == 0 else v.ph
    if at == 0:
        if v.floor and source == S_RESET:
            return [v]  # the floor stays empty
        raise _view_error(f"WRITE({TARGET_NAMES[T_STACK_LO + end]}, ...) under the levels this call can see")
    if source == S_RESET:
        value: Cell = None
    elif source in _EXPR:
        base = _EXPR[source][0]
        if (v.frame is None and base != "PIV") or (base == "PIV" and v.pivot is None):
            raise _view_error(f"WRITE from {SOURCE_NAMES[source]} while that pointer is null")
        value = ("E", *_EXPR[source])
    else:
        raise _view_error(f"WRITE({TARGET_NAMES[T_STACK_LO + end]}, {SOURCE_NAMES[source]})")
    levels = list(v.levels) + [(None, None)] * (at - len(v.levels))
    level = list(levels[at - 1])
    level[end] = value
    lo, hi = level
    options: list[tuple[Cell, Cell]] = [(lo, hi)]
    if lo is not None and hi is not None:  # the level is complete: compare its two ends now
        if lo[0] != "E" or hi[0] != "E":
            raise _view_error(f"a stack level written from {lo} and {hi}")
        options = [(("F", bit), ("F", bit)) for bit in _less(v, lo[1:], hi[1:])]
    return [replace(v, levels=tuple(levels[: at - 1]) + (o,) + tuple(levels[at:])) for o in options]


def _hi_minus_pivot(v: StackView) -> list[int | None]:
    """The possible values of p_hi - p_pivot (capped at 2) when p_j is set to null."""
    if not isinstance(v.j, tuple):
        return [v.top]
    d, e = v.j
    if e == 0:
        return [d]  # p_j == p_hi
    return [t for t in range(3) if t >= min(d + 1, _MANY)]  # p_hi is past p_j by 1 or more


def _interval(kind: int | None, exact_below: int) -> tuple[float, float] | None:
    """A capped difference as an interval of integers: the cap stands for itself or more."""
    if kind is None:
        return None
    return (kind, kind) if kind < exact_below else (kind, math.inf)


def _less(v: StackView, x: tuple[str, int], y: tuple[str, int]) -> list[bool]:
    """Every truth value `x < y` can take, for two values written from pointers: (pointer, offset)."""
    if v.frame is not True:
        raise _view_error("a comparison of values from p_lo / p_hi that hold no known frame")
    a = _interval(v.pivot if isinstance(v.pivot, int) else None, _MANY)  # p_pivot - p_lo
    tops = _hi_minus_pivot(v)
    b: tuple[float, float] | None = None  # p_hi - p_pivot
    if isinstance(v.j, tuple) and v.j[1] == 1:
        b = (min(v.j[0] + 1, _MANY), math.inf)
    elif len(tops) == 1:
        b = _interval(tops[0], _MANY)
    coef = {"LO": (0, 0), "PIV": (1, 0), "HI": (1, 1)}
    ca, cb = coef[y[0]][0] - coef[x[0]][0], coef[y[0]][1] - coef[x[0]][1]
    k = y[1] - x[1]
    if ca == cb == 1 and (a is None or b is None):
        low, high = 1 + k, math.inf  # p_hi - p_lo >= 1 is all that is known
    else:
        if (ca and a is None) or (cb and b is None):
            raise _view_error(f"comparing {x} with {y}: the pivot's place is not known")
        low = high = float(k)
        for c, iv in ((ca, a), (cb, b)):
            if c and iv is not None:
                lo_, hi_ = (iv[0], iv[1]) if c > 0 else (-iv[1], -iv[0])
                low, high = low + lo_, high + hi_
    return [t for t in (False, True) if (high > 0 if t else low <= 0)]


def _move_j(v: StackView) -> list[StackView]:
    """MOVE(p_j, UP): the cell p_j leaves joins the cells between p_pivot and p_j; the cell it reaches is
    either p_hi or a cell nothing has looked at."""
    if not isinstance(v.j, tuple) or v.j[1] == 0:
        raise _view_error("MOVE(p_j, UP) when p_j is null, unknown or already on p_hi")
    d, _ = v.j
    first, rest = v.first, v.rest
    if d == 0:  # the cell p_j leaves is p_pivot's
        first = not v.le
    elif d == 1:  # it is the only cell between p_pivot and the new p_j
        rest = not v.le
    elif d >= 2:
        rest = bool(v.rest) and not v.le
    nd = min(d + 1, _MANY)
    moved = replace(v, first=first, rest=rest)
    return [replace(moved, j=(nd, 1), le=le) for le in (False, True)] + [replace(moved, j=(nd, 0), le=True)]


def _move_pivot(v: StackView) -> list[StackView]:
    """MOVE(p_pivot, UP): p_pivot - p_lo grows; p_pivot comes closer to p_j (or p_hi when p_j is null)."""
    if not isinstance(v.pivot, int):
        raise _view_error("MOVE(p_pivot, UP) when p_pivot is null or unknown")
    _no_open_push(v, "MOVE(p_pivot, UP)")
    pivot = min(v.pivot + 1, _MANY)
    if not isinstance(v.j, tuple):
        if v.top is None or v.top == 0:
            raise _view_error("MOVE(p_pivot, UP) onto or past p_hi, or where p_hi is unknown")
        return [replace(v, pivot=pivot, top=t) for t in ((1, 2) if v.top == _MANY else (v.top - 1,))]
    d, e = v.j
    if d == -1 or (d == 0 and e == 0):
        raise _view_error("MOVE(p_pivot, UP) past p_j + 1 or past p_hi")
    if d < _MANY:
        return [replace(v, pivot=pivot, j=(d - 1, e))]
    # d >= 2: the new p_pivot cell lies strictly between the old p_pivot and p_j
    firsts = [True] if v.rest else [False, True]
    out = [replace(v, pivot=pivot, j=(1, e), first=f, rest=None) for f in firsts]
    return out + [replace(v, pivot=pivot, j=(_MANY, e), first=f) for f in firsts]


def _swap_pivot_j(v: StackView) -> list[StackView]:
    if not isinstance(v.j, tuple) or not isinstance(v.pivot, int):
        raise _view_error("SWAP(p_pivot, p_j) when a pointer is null or unknown")
    d, e = v.j
    if d == 0:
        return [v]  # the same cell
    if d < 0:
        raise _view_error("SWAP(p_pivot, p_j) with p_pivot past p_j")
    if e == 0:  # p_j is p_hi: the pivot value itself changes, and A[p_j] <= A[p_hi] stays true
        return [replace(v, le=True, first=None, rest=None)]
    # A[p_j] becomes the old A[p_pivot] (known when `first` is), A[p_pivot] the old A[p_j]
    les = [not v.first] if v.first is not None else [False, True]
    return [replace(v, le=le, first=not v.le) for le in les]


def _swap_pivot_hi(v: StackView) -> StackView:
    """SWAP(p_pivot, p_hi) ends the partition, with p_j on p_hi: A[p_j] <= A[p_hi] stays true, and the
    comparisons with the old pivot value mean nothing any more."""
    if not isinstance(v.pivot, int):
        raise _view_error("SWAP(p_pivot, p_hi) when p_pivot is null or unknown")
    if isinstance(v.j, tuple):
        if v.j[1] != 0:
            raise _view_error("SWAP(p_pivot, p_hi) before p_j reached p_hi")
        return replace(v, first=None, rest=None)
    if v.j is not None:
        raise _view_error("SWAP(p_pivot, p_hi) while p_j points somewhere unknown")
    return v


def _view_enter(v: StackView, name: str, args: tuple[int, ...]) -> tuple[StackView, tuple | None]:
    """A callee sees the level on top of the stacks and what it pushes; the levels below are kept aside."""
    if v.pl != v.ph:
        raise _view_error(f"a call of {name} while p_stackLo and p_stackHi are at different levels")
    _no_open_push(v, f"a call of {name}")
    if v.pl == 0:
        return replace(v, pending=None), None
    below = v.levels[: v.pl - 1]
    callee = replace(v, floor=v.floor and not below, levels=v.levels[v.pl - 1 :], pl=1, ph=1, pending=None)
    return callee, (v.floor, below)


def _view_leave(kept: tuple | None, final: StackView) -> StackView:
    if kept is None:
        return replace(final, pending=None)
    floor, below = kept
    n = len(below)
    return _canonical(
        replace(final, floor=floor, levels=below + final.levels, pl=final.pl + n, ph=final.ph + n, pending=None)
    )


def verification_candidates() -> Iterator[tuple[int, ...]]:
    """Arrays from which `npi_lib.verify` picks S_V: [CAI]'s single verification array first, which meets
    every sequence of V on its own, then one array per order pattern of length 1 to 5 (only comparisons are
    observed), in case a changed program needs more."""
    yield VERIFICATION_ARRAY
    for n in range(1, 6):
        for array in itertools.product(range(n), repeat=n):
            if set(array) == set(range(max(array) + 1)):
                yield array


VERIFICATION = VerificationSpec(
    model=FrameModel(
        entries=_view_entries, observe=_view_observe, apply=_view_apply, enter=_view_enter, leave=_view_leave
    ),
    candidates=verification_candidates,
    paper="one array of length 10: [8, 2, 1, 2, 0, 8, 5, 8, 3, 7]",
)


# ---------------------------------------------------------------------------------------------- the task
def describe(name: str, args: tuple[int, ...]) -> str:
    """A step with its arguments spelled out.

    >>> describe("MOVE", (P_J, UP, 0)), describe("SWAP", (P_PIVOT, P_HI, 0)), describe("STACK", (PUSH_CALL1, 0, 0))
    ('MOVE(p_j, UP)', 'SWAP(p_pivot, p_hi)', 'STACK(PUSH_CALL1)')
    >>> describe("WRITE", (T_HI, S_STACK_HI_TOP, 0)), describe("WRITE", (T_STACK_LO, S_PIVOT_PLUS_1, 0))
    ('WRITE(p_hi, Q_stackHi top)', 'WRITE(Q_stackLo, p_pivot+1)')
    """
    a, b = (tuple(args) + (0, 0))[:2]
    if name == "MOVE":
        return f"MOVE({code_name(POINTER_NAMES, a)}, {code_name(('UP', 'DOWN'), b)})"
    if name == "SWAP":
        return f"SWAP({code_name(POINTER_NAMES, a)}, {code_name(POINTER_NAMES, b)})"
    if name == "WRITE":
        return f"WRITE({code_name(TARGET_NAMES, a)}, {code_name(SOURCE_NAMES, b)})"
    if name == "STACK":
        return f"STACK({code_name(STACK_OPS, a)})"
    return name



def draw(state: QuicksortState, ax=None, title: str = ""):
    """The array with p_lo, p_hi, p_pivot, p_j, and the two stacks with their pointers (matplotlib axes)."""
    from .plotting import draw_grid

    # the stacks are drawn as wide as the array, or as far as they are used: most of their 2n + 1 cells stay empty
    width = max(len(state.array), state.p_stackLo + 2, state.p_stackHi + 2)

    def cells_of(stack: tuple[int | None, ...]) -> list[str]:
        return ["⊥"] + ["·" if v is None else str(v) for v in stack[1:width]]  # ⊥: the floor, never written

    cells = [[str(v) for v in state.array], cells_of(state.Q_stackLo), cells_of(state.Q_stackHi)]
    where = {
        "p_lo": (0, state.p_lo), "p_hi": (0, state.p_hi), "p_pivot": (0, state.p_pivot), "p_j": (0, state.p_j),
        "p_stackLo": (1, state.p_stackLo), "p_stackHi": (2, state.p_stackHi),
    }  # fmt: skip
    pointers = {k: (r, c) for k, (r, c) in where.items() if c is not None}
    return draw_grid(cells, ("A", "Q_stackLo", "Q_stackHi"), pointers, ax=ax, title=title)  # type: ignore[arg-type]


def _check(problem: Sequence[int], output: object) -> bool:
    return isinstance(output, (list, tuple)) and list(output) == sorted(problem)


# What `python -m npi_lib reproduce quicksort` regenerates: CAI Table 3, both formulations trained on 4
# arrays of length 5, tested on random arrays; the recursive one also past the paper's lengths.
LENGTHS = (3, 5, 7, 11, 15, 20, 22, 25, 30, 70)
PAST_THE_PAPER = 500
RESULTS = PaperResults(
    title="Quicksort",
    source="Cai, Shin & Song (ICLR 2017), Table 3",
    notes=f"'random': random digit arrays of that length. Length {PAST_THE_PAPER} is past the paper's lengths (no bracket).",
    experiments=(
        Experiment("recursive", "paper",
                   (Probe("random", (*LENGTHS, PAST_THE_PAPER), ("100",) * len(LENGTHS) + (None,)),)),
        Experiment("non-recursive", "paper", (Probe(
            "random", LENGTHS, ("100", "100", "100", "73.3", "60", "30", "20", "3.33", "3.33", "0")),)),
    ),
)

TASK = Task(
    name="quicksort",
    programs=PROGRAMS,
    primitives=PRIMITIVES,
    arg_sizes=(6, 7, 1),
    obs_sizes=(2, 2, 2, 2),
    reference_programs=ENTRY,
    make_env=QuicksortEnv,
    check=_check,
    parse_input=parse_input,
    random_problem=random_problem,
    training_set=training_set,
    input_example="[3, 1, 2]",
    input_help="digits 0-9",
    results=RESULTS,
    observation_fields=OBSERVATION_FIELDS,
    describe=describe,
    draw=draw,
    verification=VERIFICATION,
)

# The reference trace of an array, and the environment it leaves (built by `Task` from ENTRY and QuicksortEnv)
reference = TASK.reference
run_reference = TASK.run_reference
