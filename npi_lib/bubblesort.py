"""Bubble sort on one row of values (Cai, Shin & Song 2017 §4.2, after Reed & de Freitas 2016 §4.3).
A first look in lesson 02 (section 7); the network learns it in lesson 06 (notebooks/06_bubble_sort.ipynb).

The array Q lives in cells 1..N of a row whose cells 0 and N+1 hold the start/end token. Three pointers
walk the row: i1 and i2 compare and swap neighbours, i3 counts the passes. Two encoders show it to the NPI,
so this module exports two tasks:

- `TASK` ("bubblesort", CAI Table 1): `(Q[i1], Q[i2], i3 == length)`, a cell being a digit 0-9 or the
  token EDGE = 10, so obs_sizes (11, 11, 2).
- `TASK_COMPARE` ("bubblesort-compare", CAI A.6): `(Q[i1] <= Q[i2], 1 <= i1 <= length, 1 <= i2 <= length,
  i3 == length)`, four bits. It never sees a value, only an order, so it sorts any values that
  can be compared: integers, floats, strings (`parse_input_compare`).

    >>> trace = reference((3, 1, 2), "recursive")
    >>> TASK.output(run_reference((3, 1, 2), "recursive"))
    [1, 2, 3]
    >>> print(TASK.format(trace, max_lines=9))
    BUBBLESORT
      BUBBLE
        PTR(i2, RIGHT)
        BSTEP  ⏎
          COMPSWAP
            NOP  ⏎
          RSHIFT
            PTR(i1, RIGHT)
            PTR(i2, RIGHT)  ⏎
    ... (71 more steps)

Choices where the papers are silent
(explained in lesson 06, sections 1-2, tested in tests/test_bubblesort.py):
- Pointers are cell indices 0..N+1 and are clamped: PTR never leaves the row, a move past an end leaves
  the pointer where it is. i1 = i2 = 0 (the start token) and i3 = 1 (the first value) at the start.
- A pass: BUBBLE's PTR(i2, RIGHT) separates i1 and i2 (i1 = 0, i2 = 1); each BSTEP compares Q[i1] with
  Q[i2] and shifts both right, until i2 reaches the end token (i1 = N, i2 = N+1). The first comparison
  of a pass is the start token against Q[1], which never swaps: one cheap step buys the invariant below.
- RESET's LSHIFT loop moves both pointers left until both sit on the start token: i1 arrives one step
  early and is held there by the clamp, so RESET leaves i1 = i2 = start, exactly where the sort began,
  then advances i3. (Read literally, the paper's "until i1 is at the start" would leave i2 = 1, and
  every later pass would start one cell further right.)
- i3 starts on the first value and the sort stops when i3 == length, so an array of N values gets N-1
  passes: enough for bubble sort, and an array of one value is sorted without any pass.
- Both encoders carry what the programs need (`read`): whether i1 and i2 stand on a value or on the
  token, whether Q[i1] > Q[i2], and whether i3 == length. The digit encoder gives the comparison through
  the two digits it sees; the comparison encoder gives the token test through its range bits. In the
  comparison bit the start token counts as smaller and the end token as larger than any value.
- Every base case and every loop exit is the primitive NOP with the return flag, except RESET, whose
  last step PTR(i3, RIGHT) carries it. So the non-recursive and the partial formulations run exactly the
  same primitives, and the recursive one the same plus one NOP per pass (the base case of LSHIFT):
  the same actions on the array in every formulation.
- Arguments: PTR(pointer, direction) and SWAP(1, 2), pointers named by the paper's numbers i1=1, i2=2,
  i3=3 and directions LEFT=0, RIGHT=1; the third slot is unused. arg_sizes (4, 3, 1).
- "paper" training set of TASK: the 100 arrays [a, b] of two digits, every order and every tie once, so
  COMPSWAP meets all 110 cell pairs it can ever meet (`coverage`). No one-value array is included: its
  whole trace (BUBBLESORT sees i3 == length, NOP) ends every pair's trace too; only the non-recursive
  BUBBLESORT never sees it as the first step of its frame. What length <= 2 cannot
  show: of the 450 (program, observation) decisions the recursive programs make on 2,000 random arrays of
  length 1-12 (`decisions`), the 100 pairs show 405; the other 45 are LSHIFT walking back over a pair
  that is still out of order (a > b), which a two-value array never has after its one pass. (Loops:
  569 of 659, the same pairs met by LSHIFT and by RESET's loop.) A trained model must carry "keep
  shifting unless both pointers are on the token" over to them.
- "paper" training set of TASK_COMPARE: three arrays of random digits, lengths 7, 7, 6, redrawn until
  COMPSWAP both swaps and keeps somewhere and LSHIFT meets a pair out of order: the only decisions that
  depend on the values. They then show every decision that any array shows (21 recursive, 25 with
  loops; checked against every order of up to 4 values, ties included, and in the tests against longer random ones).

Verification (lesson 09, `npi_lib.verify`; the section "verification" below): in the recursive formulation a
call sees at most three neighbouring cells, so the set V of what its calls can see is finite: 2,592 step-input
sequences for the digit encoder, 30 for the comparison encoder. S_V: 1,716 arrays of 1-4 digits, and for the
comparison encoder the one array `COMPARE_COVER` of 6 values (the paper verified with one array of 10). The
loops of the other two formulations make V infinite.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from functools import partial

from .errors import ActionError, ProblemError
from .task import Experiment, FrameModel, PaperResults, Probe, Task, VerificationSpec
from .trace import Tracer, frames, program

Value = int | float | str  # what the comparison encoder sorts; the digit encoder only 0-9
I1, I2, I3 = 1, 2, 3  # pointer numbers, as the paper writes them: PTR(1, LEFT), SWAP(1, 2)
POINTER_NAMES = {I1: "i1", I2: "i2", I3: "i3"}
LEFT, RIGHT = 0, 1
EDGE = 10  # the start/end token in cells 0 and N+1, as the digit encoder sees it
EDGE_TEXT = "#"

PROGRAMS = ("BUBBLESORT", "BUBBLE", "BSTEP", "COMPSWAP", "RSHIFT", "RESET", "LSHIFT", "PTR", "SWAP", "NOP")
PRIMITIVES = frozenset({"PTR", "SWAP", "NOP"})
FORMULATIONS = ("non-recursive", "partial", "recursive")


# ---------------------------------------------------------------------------------------------- problems
def parse_input(value: object) -> tuple[int, ...]:
    """Validate an array of digits 0-9 (a JSON list) for the digit encoder.

    >>> parse_input([3, 1, 2])
    (3, 1, 2)
    """
    values = _array(value)
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int):
            raise ProblemError(f"value at index {i} is {v!r}, not an integer: the digit encoder sorts digits 0-9; "
                               "the comparison encoder (task 'bubblesort-compare') sorts numbers or strings")
        if not 0 <= v <= 9:
            raise ProblemError(
                f"value at index {i} is {v}, outside 0-9: the digit encoder sees one digit per cell; "
                "the comparison encoder (task 'bubblesort-compare') accepts any integers, floats or strings"
            )
    return values


def parse_input_compare(value: object) -> tuple[Value, ...]:
    """Validate an array for the comparison encoder (a JSON list): numbers (integers and floats, not NaN)
    or strings, all of one kind, so that any two values can be compared.

    >>> parse_input_compare([-5, 120, 7]), parse_input_compare([2.5, -1, 1e9]), parse_input_compare(["b", "a"])
    ((-5, 120, 7), (2.5, -1, 1000000000.0), ('b', 'a'))
    >>> parse_input_compare([3, "a"])
    Traceback (most recent call last):
    ...
    npi_lib.errors.ProblemError: value at index 1 is 'a', a string, but the value at index 0 is 3, a number: give all numbers or all strings, so that any two values can be compared
    """
    values = _array(value)
    kinds = []
    for i, v in enumerate(values):
        if isinstance(v, str):
            kinds.append("a string")
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            if v != v:  # NaN is neither smaller, equal nor larger than anything: no order to sort by
                raise ProblemError(f"value at index {i} is NaN, which compares with nothing; give a number")
            kinds.append("a number")
        else:
            raise ProblemError(f"value at index {i} is {v!r}, not an integer, float or string: the comparison "
                               "encoder sorts numbers or strings")
        if kinds[i] != kinds[0]:
            raise ProblemError(f"value at index {i} is {v!r}, {kinds[i]}, but the value at index 0 is {values[0]!r}, "
                               f"{kinds[0]}: give all numbers or all strings, so that any two values can be compared")
    return values


def _array(value: object) -> tuple:
    if not isinstance(value, (list, tuple)):
        raise ProblemError(f"bubble sort takes a list of integers like [3, 1, 2] (the comparison encoder also "
                           f"floats or strings); got {value!r}")
    if not value:
        raise ProblemError("the array is empty; give at least one value, like [3, 1, 2]")
    return tuple(value)


def random_problem(size: int, rng: random.Random) -> tuple[int, ...]:
    """An array of `size` random digits.

    >>> len(random_problem(5, random.Random(0)))
    5
    """
    if size < 1:
        raise ProblemError(f"an array needs at least 1 value; got size {size}")
    return tuple(rng.randint(0, 9) for _ in range(size))


# ---------------------------------------------------------------------------------------------- environment
@dataclass(frozen=True)
class ArrayState:
    """A snapshot of the row: the values Q[1..N] and the three pointers as cell indices 0..N+1."""

    values: tuple[Value, ...]
    i1: int
    i2: int
    i3: int

    def cells(self) -> list[str]:
        """The text of every cell, tokens included."""
        return [EDGE_TEXT] + [str(v) for v in self.values] + [EDGE_TEXT]

    def __str__(self) -> str:
        """The row, and under each cell the numbers of the pointers on it.

        >>> print(ArrayState((3, 1, 2), 0, 1, 1))
        Q  #  3  1  2  #
        i  1 23
        """
        cells = self.cells()
        width = max(len(c) for c in cells) + 2
        pointers = ((1, self.i1), (2, self.i2), (3, self.i3))
        marks = ["".join(str(p) for p, at in pointers if at == c) for c in range(len(cells))]
        return "\n".join(
            (label + "".join(text.rjust(width) for text in row)).rstrip()
            for label, row in (("Q", cells), ("i", marks))
        )


class BubbleArray:
    """The bubble sort environment: the row `# Q[1] .. Q[N] #` and pointers i1, i2, i3.

        >>> env = BubbleArray((3, 1, 2))
        >>> env.observe()                      # Q[i1], Q[i2], i3 == length
        (10, 10, 0)
        >>> BubbleArray((3, 1, 2), compare=True).observe()  # Q[i1] <= Q[i2], 1 <= i1 <= N, 1 <= i2 <= N, i3 == N
        (1, 0, 0, 0)
    """

    def __init__(self, values: tuple[Value, ...] | list[Value], compare: bool = False):
        self.compare = compare
        self.values = list(parse_input_compare(values) if compare else parse_input(values))
        self.length = len(self.values)
        self.i1, self.i2, self.i3 = 0, 0, 1

    def on_value(self, i: int) -> bool:
        return 1 <= i <= self.length

    def observe(self) -> tuple[int, ...]:
        if self.compare:
            le = self._place(self.i1) <= self._place(self.i2)
            return (int(le), int(self.on_value(self.i1)), int(self.on_value(self.i2)), int(self.i3 == self.length))
        return (self._cell(self.i1), self._cell(self.i2), int(self.i3 == self.length))

    def _cell(self, i: int) -> int:
        return self.values[i - 1] if self.on_value(i) else EDGE

    def _place(self, i: int) -> tuple:
        # the start token below every value and the end token above: the bit stays defined off the array,
        # and values of any one kind (numbers or strings) are only ever compared with each other
        if self.on_value(i):
            return (1, self.values[i - 1])
        return (0,) if i == 0 else (2,)

    def apply(self, name: str, args: tuple[int, ...]) -> None:
        """Run a primitive: PTR(pointer, direction), SWAP(1, 2) or NOP."""
        a, b = args[0], args[1]
        if name == "NOP":
            return
        if name == "PTR":
            if a not in POINTER_NAMES or b not in (LEFT, RIGHT):
                raise ActionError(f"PTR({a}, {b}): pointer must be 1-3 (i1, i2, i3) and direction LEFT=0 or RIGHT=1")
            attr = POINTER_NAMES[a]
            moved = getattr(self, attr) + (-1 if b == LEFT else 1)
            setattr(self, attr, min(max(moved, 0), self.length + 1))  # clamped: a pointer never leaves the row
        elif name == "SWAP":
            if (a, b) != (I1, I2):
                raise ActionError(f"SWAP({a}, {b}): bubble sort swaps only the values under i1 and i2, SWAP(1, 2)")
            for attr in ("i1", "i2"):
                if not self.on_value(getattr(self, attr)):
                    raise ActionError(f"SWAP with {attr} on the start/end token: only values 1..{self.length} can move")
            j, k = self.i1 - 1, self.i2 - 1
            self.values[j], self.values[k] = self.values[k], self.values[j]
        else:
            raise ActionError(f"{name!r} is not a primitive of bubble sort; the primitives are PTR, SWAP, NOP")

    def snapshot(self) -> ArrayState:
        return ArrayState(tuple(self.values), self.i1, self.i2, self.i3)

    def output(self) -> list[Value]:
        return list(self.values)


@dataclass(frozen=True)
class Facts:
    """What the reference programs need to know, and all they know: read off one observation."""

    i1_on_value: bool  # False: i1 is on the start/end token
    i2_on_value: bool
    out_of_order: bool  # Q[i1] > Q[i2], both pointers on values
    i3_at_length: bool


def read(obs: tuple[int, ...]) -> Facts:
    """Decode an observation of either encoder (they differ in width: 3 fields for digits, 4 bits).

    >>> read((7, 2, 0))
    Facts(i1_on_value=True, i2_on_value=True, out_of_order=True, i3_at_length=False)
    >>> read((0, 1, 1, 0)) == read((7, 2, 0))
    True
    """
    if len(obs) == 3:  # digits: a cell is a digit or the token, and the comparison is the digits' order
        q1, q2, done = obs
        on1, on2 = q1 != EDGE, q2 != EDGE
        return Facts(on1, on2, on1 and on2 and q1 > q2, bool(done))
    le, on1, on2, done = (bool(x) for x in obs)  # comparison bits: the range bits tell the token apart
    return Facts(on1, on2, on1 and on2 and not le, done)


def look(env: BubbleArray) -> Facts:
    """What the encoder shows right now: the only thing the reference programs decide from."""
    return read(env.observe())


# ---------------------------------------------------------------------------------------------- programs
# Every decision below goes through look(env), i.e. env.observe(): what the NPI's encoder will see.
# Shared by every formulation:
def COMPSWAP(t: Tracer, env: BubbleArray) -> None:
    if look(env).out_of_order:
        t.act("SWAP", I1, I2, ret=True)
    else:
        t.act("NOP", ret=True)


def RSHIFT(t: Tracer, env: BubbleArray) -> None:
    t.act("PTR", I1, RIGHT)
    t.act("PTR", I2, RIGHT, ret=True)


# Non-recursive: three loops, each inside one frame.
def BUBBLESORT(t: Tracer, env: BubbleArray) -> None:
    while not look(env).i3_at_length:
        t.call(BUBBLE)
        t.call(RESET)
    t.act("NOP", ret=True)


def BUBBLE(t: Tracer, env: BubbleArray) -> None:
    t.act("PTR", I2, RIGHT)
    while look(env).i2_on_value:  # until i2 reaches the end token
        t.call(BSTEP)
    t.act("NOP", ret=True)


def BSTEP(t: Tracer, env: BubbleArray) -> None:
    t.call(COMPSWAP)
    t.call(RSHIFT, ret=True)


def RESET(t: Tracer, env: BubbleArray) -> None:
    while not _at_start(look(env)):
        t.call(LSHIFT)
    t.act("PTR", I3, RIGHT, ret=True)


def LSHIFT(t: Tracer, env: BubbleArray) -> None:
    t.act("PTR", I1, LEFT)  # clamped on the start token for the last shift: i1 waits there for i2
    t.act("PTR", I2, LEFT, ret=True)


def _at_start(f: Facts) -> bool:
    # both on a token: in LSHIFT's reach that is the start (at the end only i2 can be, never i1 too)
    return not f.i1_on_value and not f.i2_on_value


# Partially recursive: only BUBBLESORT calls itself; BUBBLE and RESET keep their loops.
@program("BUBBLESORT")
def BUBBLESORT_partial(t: Tracer, env: BubbleArray) -> None:
    if look(env).i3_at_length:
        return t.act("NOP", ret=True)
    t.call(BUBBLE)
    t.call(RESET)
    t.call(BUBBLESORT_partial, ret=True)


# Fully recursive: every loop is a tail call, so every frame has at most three steps.
@program("BUBBLESORT")
def BUBBLESORT_recursive(t: Tracer, env: BubbleArray) -> None:
    if look(env).i3_at_length:
        return t.act("NOP", ret=True)
    t.call(BUBBLE_recursive)
    t.call(RESET_recursive)
    t.call(BUBBLESORT_recursive, ret=True)


@program("BUBBLE")
def BUBBLE_recursive(t: Tracer, env: BubbleArray) -> None:
    t.act("PTR", I2, RIGHT)
    t.call(BSTEP_recursive, ret=True)


@program("BSTEP")
def BSTEP_recursive(t: Tracer, env: BubbleArray) -> None:
    if not look(env).i2_on_value:
        return t.act("NOP", ret=True)
    t.call(COMPSWAP)
    t.call(RSHIFT)
    t.call(BSTEP_recursive, ret=True)


@program("RESET")
def RESET_recursive(t: Tracer, env: BubbleArray) -> None:
    t.call(LSHIFT_recursive)
    t.act("PTR", I3, RIGHT, ret=True)


@program("LSHIFT")
def LSHIFT_recursive(t: Tracer, env: BubbleArray) -> None:
    if _at_start(look(env)):
        return t.act("NOP", ret=True)
    t.act("PTR", I1, LEFT)
    t.act("PTR", I2, LEFT)
    t.call(LSHIFT_recursive, ret=True)


ENTRY = {"non-recursive": BUBBLESORT, "partial": BUBBLESORT_partial, "recursive": BUBBLESORT_recursive}


# ---------------------------------------------------------------------------------------------- training sets
def compswap_pairs(problems: list[tuple[int, ...]]) -> set[tuple[int, int]]:
    """The (Q[i1], Q[i2]) cells COMPSWAP meets: the only decision whose outcome depends on the digits.

    >>> sorted(compswap_pairs([(2, 1)]))
    [(2, 1), (10, 2)]
    """
    return {
        f.steps[0].obs[:2]  # type: ignore[index]
        for p in problems
        for f in frames(reference(p, "recursive", record_states=False))
        if f.program == "COMPSWAP"
    }


def coverage(problems: list[tuple[int, ...]]) -> tuple[int, int]:
    """How many of the 110 observations COMPSWAP can meet a set of digit arrays shows: (covered, total).

    The 110: every pair of digits (100) and the start token against every digit (10).
    """
    every = {(a, b) for a in range(10) for b in range(10)} | {(EDGE, d) for d in range(10)}
    return len(compswap_pairs(problems) & every), len(every)


def lshift_unsorted_pairs(problems: list[tuple[int, ...]]) -> set[tuple[int, int]]:
    """The unsorted pairs of neighbours (Q[i1] > Q[i2], both digits) that LSHIFT frames observe while RESET
    walks the pointers back. Their decision does not depend on the digits, but the network sees them.

    >>> sorted(lshift_unsorted_pairs([(3, 9, 1)]))  # the first pass leaves 3, 1 at the front
    [(3, 1)]
    """
    return {
        s.obs[:2]  # type: ignore[index]
        for p in problems
        for f in frames(reference(p, "recursive", record_states=False))
        if f.program == "LSHIFT"
        for s in f.steps
        if s.obs[0] < EDGE and s.obs[1] < EDGE and s.obs[0] > s.obs[1]  # type: ignore[index]
    }


def decisions(
    problem: tuple[int, ...], formulation: str = "recursive", compare: bool = False
) -> set[tuple[str, tuple[int, ...]]]:
    """Every (program, observation) at which a frame of the reference trace chose its next step.

    >>> sorted(obs for prog, obs in decisions((2, 1)) if prog == "COMPSWAP")
    [(2, 1, 0), (10, 2, 0)]
    """
    trace = (TASK_COMPARE if compare else TASK).reference(problem, formulation, record_states=False)
    return {(f.program, s.obs) for f in frames(trace) for s in f.steps}  # type: ignore[misc]


def training_set(name: str = "paper", seed: int = 0) -> list[tuple[int, ...]]:
    """Training arrays for the digit encoder (CAI Table 1): "paper" (100 arrays of length <= 2, here
    every array of two digits once, in a seeded order), "covering" (those, and the 45 arrays (p, 9, q)
    with p > q), or "N" for N random arrays of length 1 or 2.

    An array of two values is sorted after one pass, so in the paper's set the LSHIFT frames of RESET never
    observe an unsorted pair of neighbours, which longer arrays show them at every pass but the last. In
    (p, 9, q) the first pass carries the 9 to the end and leaves p, q unsorted at the front: "covering"
    shows LSHIFT all 45 unsorted pairs (lesson 06, section 4).

        >>> problems = training_set("paper")
        >>> len(problems), coverage(problems), len(lshift_unsorted_pairs(problems))
        (100, (110, 110), 0)
        >>> len(lshift_unsorted_pairs(training_set("covering")))
        45
    """
    rng = random.Random(seed)
    if name in ("paper", "covering"):
        problems = [(a, b) for a in range(10) for b in range(10)]
        rng.shuffle(problems)
        if name == "covering":
            problems += [(p, 9, q) for p in range(10) for q in range(p)]
        return problems
    if name.isdigit() and int(name) > 0:
        return [random_problem(rng.randint(1, 2), rng) for _ in range(int(name))]
    raise ProblemError(f"unknown training set {name!r} for bubblesort; use 'paper', 'covering' or a count like '50'")


COMPARE_PAPER_LENGTHS = (7, 7, 6)
# The comparison encoder's decisions that depend on the values: everything else depends only on where
# the pointers stand, and every array of more than two values shows it.
VALUE_DECISIONS_COMPARE = frozenset({
    ("COMPSWAP", (0, 1, 1, 0)),  # Q[i1] > Q[i2]: swap
    ("COMPSWAP", (1, 1, 1, 0)),  # Q[i1] <= Q[i2]: keep
    ("LSHIFT", (0, 1, 1, 0)),  # walking back over a pair still out of order
})


def training_set_compare(name: str = "paper", seed: int = 0) -> list[tuple[int, ...]]:
    """Training arrays for the comparison encoder (CAI A.6): "paper" (3 arrays of random digits of
    lengths 7, 7, 6 that show every value-dependent decision), or "N" for N random arrays of length 6 or 7.

        >>> [len(p) for p in training_set_compare("paper")]
        [7, 7, 6]
    """
    rng = random.Random(seed)
    if name == "paper":
        while True:  # a redraw is rare: seeds 0-199 all succeed at once
            problems = [random_problem(n, rng) for n in COMPARE_PAPER_LENGTHS]
            if VALUE_DECISIONS_COMPARE <= set().union(*(decisions(p, compare=True) for p in problems)):
                return problems
    if name.isdigit() and int(name) > 0:
        return [random_problem(rng.randint(6, 7), rng) for _ in range(int(name))]
    raise ProblemError(f"unknown training set {name!r} for bubblesort-compare; use 'paper' or a count like '50'")


# ---------------------------------------------------------------------------------------------- verification
# The row as one call sees it, for `npi_lib.verify` (lesson 09). Only i1 and i2 look at cells, and in the
# recursive programs they never stand more than two cells apart (LSHIFT moves i1 left before i2), so a state
# keeps the *window*: the cells from the lefter to the righter of the two pointers (1 to 3 cells), every one
# of them seen, and sums up the rest of the row by what a pointer can still meet there:
# - `below`, left of the window: None when only the start token lies there (or the window begins with it);
#   else a value v: at least one value lies there, none larger than v. A cell that leaves the window on the
#   left raises v to it, and v is raised to the window's leftmost value too (a looser bound is still a
#   bound). While a pass runs right, that leftmost value is the maximum the pass carries, larger than nothing
#   behind it, so v is that maximum and the pass ends on (Q[N], end token) with v = Q[N]: RESET then walks
#   back over values no larger than Q[N], never over a larger one, which no array has.
# - `ahead`, right of the window: at least this many values (0-2) before the end token.
# - `done`: i3 == length. i3 starts on 1 and only moves right (RESET), one cell at a time: from before the
#   length it lands before it or on it, both possible; the reference never moves it past the length or left,
#   and the model refuses to (ProblemError) rather than guess what it would mean.
# A pointer that moves onto a cell outside the window meets one of the cells the summary allows, each
# listed (that is the lazy choice): on the left a value <= `below`, the last value there or not, or the
# start token when `below` is None; on the right any value, or the end token once `ahead` is 0. PTR is
# clamped on the tokens as in BubbleArray, SWAP exchanges the two window cells, NOP changes nothing.
#
# Sound: every real frame starts in a row that some state describes (the window's cells are the real ones,
# the summaries hold), and each primitive's real result is among the states listed, so V has every
# sequence; `cross_check` confirms it on random arrays of up to 60 values. Precise: what is kept beside the
# window rules out sequences no array produces: without `below`, LSHIFT would walk back from (Q[N], end)
# onto a value larger than Q[N]; without `ahead` (2 at the start of a pass, as i3 < length means two values
# or more), BSTEP would go from (start, Q[1]) to (Q[1], end), an array of one value, which gets no pass;
# without the window, LSHIFT's i2 would forget the cell i1 just left. And nothing else is ruled out: S_V meets
# every sequence of V, and for the comparison encoder V is exactly what every order of up to 4 values shows
# (tests/test_bubblesort.py).
#
# Values. The digit encoder sees the digits, so the window holds digits 0-9. The comparison encoder sees
# only their order, and the values it sorts are unbounded (any numbers or strings), so there the cells and
# `below` hold *ranks* 0..k-1 of the values the state knows (k <= 4), renumbered after every step: a value
# met anew goes equal to one of them or into any gap between them, below the lowest or above the highest
# (not above `below` when met on the left). A rank state stands for every row with that order, of any values.
START, END = "start", "end"  # the tokens, as window cells
Cell = int | str


@dataclass(frozen=True)
class RowView:
    """One frame's view of the row (see above): the window of cells between i1 and i2 and the summaries."""

    cells: tuple[Cell, ...]  # the window, left to right: START, END, a digit or a rank
    at1: int  # i1's place in the window
    at2: int
    below: int | None  # left of the window: None (only the start token) or a bound on the values there
    ahead: int  # right of the window: at least this many values (0-2) before the end token
    done: bool  # i3 == length


class RowModel:
    """The bubble sort row as a `FrameModel` needs it; `ranks` for the comparison encoder (see above)."""

    def __init__(self, ranks: bool):
        self.ranks = ranks

    def frame_model(self) -> FrameModel:
        return FrameModel(entries=self.entries, observe=self.observe, apply=self.apply)

    @staticmethod
    def entries() -> list[RowView]:
        """A fresh row: i1 = i2 = the start token, i3 on Q[1]: one value (i3 == length) or two and more."""
        return [RowView((START,), 0, 0, None, 1, True), RowView((START,), 0, 0, None, 2, False)]

    def observe(self, v: RowView) -> tuple[int, ...]:
        c1, c2 = v.cells[v.at1], v.cells[v.at2]
        if not self.ranks:
            return (_digit(c1), _digit(c2), int(v.done))
        le = _cell_place(c1) <= _cell_place(c2)
        return (int(le), int(c1 not in (START, END)), int(c2 not in (START, END)), int(v.done))

    def apply(self, v: RowView, name: str, args: tuple[int, ...]) -> list[RowView]:
        a, b = args[0], args[1]
        if name == "NOP":
            return [v]
        if name == "SWAP":
            if (a, b) != (I1, I2) or {v.cells[v.at1], v.cells[v.at2]} & {START, END}:
                raise ProblemError(f"SWAP({a}, {b}) where the verification model has no two values to swap")
            cells = list(v.cells)
            cells[v.at1], cells[v.at2] = cells[v.at2], cells[v.at1]
            return [replace(v, cells=tuple(cells))]
        if name == "PTR" and a == I3 and b == RIGHT and not v.done:
            return [v, replace(v, done=True)]  # i3 lands before the length, or on it
        if name == "PTR" and a in (I1, I2) and b in (LEFT, RIGHT):
            return [self._renumbered(w) for w in self._moved(v, a, b)]
        raise ProblemError(f"{describe(name, args)}: the verification model follows only the moves of the "
                           "reference programs (i1 and i2 either way, i3 right up to the length), SWAP and NOP")

    def _moved(self, v: RowView, pointer: int, direction: int) -> list[RowView]:
        """Every state after PTR(pointer, direction), one for each cell a pointer can meet outside the window."""
        at = [v.at1, v.at2]
        here = at[pointer - 1]
        if v.cells[here] == (START if direction == LEFT else END):
            return [v]  # clamped on the token, as BubbleArray does
        if self.ranks:  # rank r becomes 2r + 1, so that a new value can go into a gap (an even number)
            v = replace(v, cells=tuple(c if c in (START, END) else 2 * c + 1 for c in v.cells),  # type: ignore
                        below=None if v.below is None else 2 * v.below + 1)
        to = here + (1 if direction == RIGHT else -1)
        grown: list[tuple[tuple[Cell, ...], int, int | None, int]] = []  # (cells, shift, below, ahead)
        if 0 <= to < len(v.cells):
            grown.append((v.cells, 0, v.below, v.ahead))
        elif to < 0:  # left of the window: the start token, or a value within `below`, the last one or not
            if v.below is None:
                grown.append(((START, *v.cells), 1, None, v.ahead))
            else:
                for x in range(v.below + 1):
                    grown += [((x, *v.cells), 1, None, v.ahead), ((x, *v.cells), 1, v.below, v.ahead)]
        else:  # right of the window: any value, or the end token when no more values are promised
            for x in range(2 * len(_known(v)) + 1 if self.ranks else 10):
                grown.append(((*v.cells, x), 0, v.below, max(v.ahead - 1, 0)))
            if v.ahead == 0:
                grown.append(((*v.cells, END), 0, v.below, 0))
        out = []
        for cells, shift, below, ahead in grown:
            new = [p + shift for p in at]
            new[pointer - 1] = to + shift
            out.append(_trimmed(cells, new[0], new[1], below, ahead, v.done))
        return out

    def _renumbered(self, v: RowView) -> RowView:
        """Ranks 0..k-1 again after a move (the digit encoder's digits stay as they are)."""
        if not self.ranks:
            return v
        rank = {x: i for i, x in enumerate(sorted(_known(v)))}
        return replace(v, cells=tuple(c if c in (START, END) else rank[c] for c in v.cells),
                       below=None if v.below is None else rank[v.below])


def _trimmed(cells: tuple[Cell, ...], at1: int, at2: int, below: int | None, ahead: int, done: bool) -> RowView:
    """The window cut to the cells between the pointers; a cell cut off goes into `below` or `ahead`."""
    lo, hi = min(at1, at2), max(at1, at2)
    for c in cells[:lo]:  # left to right: each one is nearer the window than the ones before
        below = None if c == START else c if below is None else max(below, c)  # type: ignore[type-var]
    for c in reversed(cells[hi + 1 :]):
        ahead = 0 if c == END else min(ahead + 1, 2)
    window = cells[lo : hi + 1]
    if window[0] == START:
        below = None
    elif below is not None and window[0] > below:  # type: ignore[operator]
        below = window[0]  # type: ignore[assignment]  # a looser bound (see the comment above RowView)
    if window[-1] == END:
        ahead = 0
    return RowView(window, at1 - lo, at2 - lo, below, ahead, done)


def _known(v: RowView) -> set[int]:
    """The values a state holds: the window's and the bound `below`."""
    return {c for c in v.cells if isinstance(c, int)} | ({v.below} if v.below is not None else set())


def _digit(c: Cell) -> int:
    return EDGE if c in (START, END) else c  # type: ignore[return-value]


def _cell_place(c: Cell) -> tuple:
    return (0,) if c == START else (2,) if c == END else (1, c)  # as BubbleArray._place: tokens outside


def verification_candidates():
    """Digit arrays from which `npi_lib.verify` picks S_V for the digit encoder, small first.

    A call sees at most three neighbouring cells, but which three depends on where the passes have put the
    values. Every array of 1 to 3 digits shows BSTEP every (running maximum, next value, the one after it)
    and COMPSWAP every pair; the arrays (9, r, p, q) show RESET's LSHIFT every triple of digits (r, p, q):
    the first pass carries the 9 to the end and leaves r, p, q in front of it, in that order."""
    for n in (1, 2, 3):
        yield from itertools.product(range(10), repeat=n)
    for r, p, q in itertools.product(range(10), repeat=3):
        yield (9, r, p, q)


# One array whose reference run alone meets every sequence of the comparison encoder's V, and no shorter one
# does (a search over every order of up to 6 values; the tests check both). Its first pass keeps (1, 4) and
# (4, 5), then carries the 5 over 3, 0 and 2 and leaves 1 4 3 0 2 5: walking back, LSHIFT meets a pair
# in order (0, 2), three values falling (4, 3, 0), and the rest at later passes.
COMPARE_COVER = (1, 4, 5, 3, 0, 2)


def verification_candidates_compare():
    """Arrays from which `npi_lib.verify` picks S_V for the comparison encoder: `COMPARE_COVER`, then, should a
    change of the model ever leave something it misses, every order of up to 5 values (as ranks 0-4)."""
    yield COMPARE_COVER
    for n in range(1, 6):
        yield from itertools.product(range(n), repeat=n)


VERIFICATION = VerificationSpec(
    model=RowModel(ranks=False).frame_model(),
    candidates=verification_candidates,
    paper="none (the paper verified the comparison encoder)",
)
VERIFICATION_COMPARE = VerificationSpec(
    model=RowModel(ranks=True).frame_model(),
    candidates=verification_candidates_compare,
    paper="one array of length 10",
)


# ---------------------------------------------------------------------------------------------- the tasks
def describe(name: str, args: tuple[int, ...]) -> str:
    """A step with its arguments spelled out.

    >>> describe("PTR", (I2, RIGHT, 0)), describe("SWAP", (I1, I2, 0)), describe("BSTEP", (0, 0, 0))
    ('PTR(i2, RIGHT)', 'SWAP(i1, i2)', 'BSTEP')
    """
    if name == "PTR":
        direction = {LEFT: "LEFT", RIGHT: "RIGHT"}.get(args[1], str(args[1]))
        return f"PTR({_pointer_name(args[0])}, {direction})"
    if name == "SWAP":
        return f"SWAP({_pointer_name(args[0])}, {_pointer_name(args[1])})"
    return name


def _pointer_name(p: int) -> str:
    return POINTER_NAMES.get(p, str(p))


def draw(state: ArrayState, ax=None, title: str = ""):
    """The row with its three pointers (matplotlib axes)."""
    from .plotting import draw_grid

    pointers = {"i1": (0, state.i1), "i2": (0, state.i2), "i3": (0, state.i3)}
    return draw_grid([state.cells()], ["Q"], pointers, ax=ax, title=title)


def _check(problem: tuple[int, ...], output: object) -> bool:
    return isinstance(output, (list, tuple)) and list(output) == sorted(problem)


# What `python -m npi_lib reproduce bubblesort` regenerates: CAI Table 1, every formulation trained on the
# 100 arrays of length <= 2, then tested on random arrays; the recursive one also past the paper's lengths.
LENGTHS = (2, 3, 4, 8, 20, 90)
PAST_THE_PAPER = 200
RESULTS = PaperResults(
    title="Bubble sort (digit encoder)",
    source="Cai, Shin & Song (ICLR 2017), Table 1",
    notes=f"'random': random digit arrays of that length. Length {PAST_THE_PAPER} is past the paper's lengths (no bracket).\n"
    "'covering': the paper's arrays and 45 arrays of length 3 that show LSHIFT every unsorted pair of neighbours.",
    experiments=(
        Experiment("recursive", "paper",
                   (Probe("random", (*LENGTHS, PAST_THE_PAPER), ("100",) * len(LENGTHS) + (None,)),)),
        Experiment("partial", "paper", (Probe("random", LENGTHS, ("100", "23", "10", "0", "0", "0")),)),
        Experiment("non-recursive", "paper", (Probe("random", LENGTHS, ("100", "6.7", "10", "0", "0", "0")),)),
        Experiment("recursive", "covering", (Probe("random", (*LENGTHS, PAST_THE_PAPER)),)),
    ),
)

# CAI Table 4: the comparison-bit encoder, trained on 3 arrays of lengths 7, 7 and 6.
COMPARE_LENGTHS = (2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 70)
RESULTS_COMPARE = PaperResults(
    title="Bubble sort (comparison-bit encoder)",
    source="Cai, Shin & Song (ICLR 2017), Table 4",
    notes="'random': random arrays of integers of that length.",
    experiments=(
        Experiment("recursive", "paper", (Probe("random", COMPARE_LENGTHS, "100"),)),
        Experiment("non-recursive", "paper", (Probe(
            "random", COMPARE_LENGTHS, ("100", "100", "100", "100", "90", "86.7", "6.7", "0", "0", "0", "0", "0")),)),
    ),
)

TASK = Task(
    name="bubblesort",
    programs=PROGRAMS,
    primitives=PRIMITIVES,
    arg_sizes=(4, 3, 1),
    obs_sizes=(EDGE + 1, EDGE + 1, 2),
    reference_programs=ENTRY,
    make_env=BubbleArray,
    check=_check,
    parse_input=parse_input,
    random_problem=random_problem,
    training_set=training_set,
    training_sets=("paper", "covering"),
    input_example="[3, 1, 2]",
    input_help="digits 0-9",
    results=RESULTS,
    verification=VERIFICATION,
    observation_fields=("Q[i1]", "Q[i2]", "i3==length"),
    describe=describe,
    draw=draw,
)

# The same programs and environment behind the other encoder: only what is observed, and so what
# arrays are accepted, changes.
TASK_COMPARE = replace(
    TASK,
    name="bubblesort-compare",
    obs_sizes=(2, 2, 2, 2),
    make_env=partial(BubbleArray, compare=True),
    parse_input=parse_input_compare,
    training_set=training_set_compare,
    training_sets=("paper",),
    input_help="numbers or strings, all of one kind",
    results=RESULTS_COMPARE,
    verification=VERIFICATION_COMPARE,
    observation_fields=("Q[i1]<=Q[i2]", "i1 on value", "i2 on value", "i3==length"),
)

# The reference trace of an array, and the row it leaves (built by `Task` from ENTRY and BubbleArray)
reference = TASK.reference
run_reference = TASK.run_reference
