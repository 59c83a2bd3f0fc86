"""Grade-school addition on a scratch pad (Reed & de Freitas 2016 §4.1; Cai, Shin & Song 2017 §4.1).
Explained in lesson 02; learned by the NPI in lessons 04 and 05.

The scratch pad has four rows (input 1, input 2, carry, output) and one pointer per row. Every cell holds
a digit 0-9 or BLANK, the 11th value that tells a number where it ends. The encoder sees only the four
cells under the pointers.

    >>> trace = reference((96, 125), "recursive")
    >>> TASK.output(run_reference((96, 125), "recursive"))
    221
    >>> print(TASK.format(trace, max_lines=8))
    ADD
      ADD1
        WRITE(OUT, 1)
        CARRY  ⏎
          PTR(CARRY, LEFT)
          WRITE(CARRY, 1)
          PTR(CARRY, RIGHT)  ⏎
      LSHIFT
    ... (26 more steps)

Choices where the papers are silent (explained in lesson 02, tested in tests/test_addition.py):
- The pad is two columns wider than the longer addend: one column for a carry out of the top digit, and
  one all-blank column on the left, where the loop sees "nothing left to add" and stops.
- A missing carry is a BLANK cell, not a 0: the carry row is written only by CARRY.
- The base case "nothing left to add" is the primitive NOP emitted with the return flag; the
  non-recursive ADD ends its loop the same way, so both formulations run the same primitives.
- Arguments: WRITE(row, digit) and PTR(row, direction), with rows IN1=0, IN2=1, CARRY=2, OUT=3 and
  directions LEFT=0, RIGHT=1; the third slot is unused (0).
"""

from __future__ import annotations

import random
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NamedTuple

from .errors import ActionError, ProblemError
from .task import Experiment, FrameModel, InputForm, PaperResults, Probe, Task, VerificationSpec, code_name
from .trace import Tracer, program

IN1, IN2, CARRY, OUT = 0, 1, 2, 3
ROW_NAMES = ("IN1", "IN2", "CARRY", "OUT")
LEFT, RIGHT = 0, 1
BLANK = 10  # the 11th cell value: "no digit here"

PROGRAMS = ("ADD", "ADD1", "CARRY", "LSHIFT", "WRITE", "PTR", "NOP")
PRIMITIVES = frozenset({"WRITE", "PTR", "NOP"})
FORMULATIONS = ("non-recursive", "recursive")


# ---------------------------------------------------------------------------------------------- problems
def parse_input(value: object) -> tuple[int, int]:
    """Validate `[a, b]` (from JSON or Python): two non-negative integers, or strings of digits.

    >>> parse_input([96, "125"])
    (96, 125)
    """
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ProblemError(f"addition takes two addends as [a, b]; got {value!r}")
    return tuple(_addend(v, i) for i, v in enumerate(value, 1))  # type: ignore[return-value]


def _addend(v: object, i: int) -> int:
    if isinstance(v, str):
        if not v.isdigit() or not v.isascii():
            raise ProblemError(f"addend {i} {v!r} is not a number: write it with the digits 0-9 only")
        with long_numbers():
            v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ProblemError(f"addend {i} {v!r} is not an integer: the scratch pad holds whole numbers")
    if v < 0:
        raise ProblemError(f"addend {i} is negative ({v}): grade-school addition takes non-negative integers")
    return v


def random_problem(size: int, rng: random.Random) -> tuple[int, int]:
    """Two addends of exactly `size` digits each."""
    if size < 1:
        raise ProblemError(f"addends need at least 1 digit; got size {size}")
    low = 0 if size == 1 else 10 ** (size - 1)
    return rng.randint(low, 10**size - 1), rng.randint(low, 10**size - 1)


def digits(n: int) -> list[int]:
    """Decimal digits, most significant first.

    >>> digits(907)
    [9, 0, 7]
    """
    with long_numbers():
        return [int(c) for c in str(n)]


@contextmanager
def long_numbers():
    """Lift Python's 4,300-digit limit on int <-> str conversion for a moment: the paper adds numbers of
    5,000 digits. The limit guards servers against hostile input; here the numbers are ours."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(old)


def columns(a: int, b: int) -> list[tuple[int, int, int]]:
    """The (in1, in2, carry) cells that ADD1 meets, right to left, as the encoder will see them.

    >>> columns(99, 1)
    [(9, 1, 10), (9, 10, 1), (10, 10, 1)]
    """
    da, db = digits(a)[::-1], digits(b)[::-1]
    out, carry = [], BLANK
    for i in range(max(len(da), len(db)) + 1):
        x = da[i] if i < len(da) else BLANK
        y = db[i] if i < len(db) else BLANK
        if x == y == carry == BLANK:
            break
        out.append((x, y, carry))
        carry = 1 if _value(x) + _value(y) + _value(carry) >= 10 else BLANK
    return out


def add1_entries() -> set[tuple[int, int, int]]:
    """Every (in1, in2, carry) that ADD1 can meet in some addition: 241 combinations.

    Both digits with or without carry (200), one addend already ended (40), and the lone carry out (1).
    """
    d, c = range(10), (BLANK, 1)
    both = {(x, y, k) for x in d for y in d for k in c}
    one = {(x, BLANK, k) for x in d for k in c} | {(BLANK, y, k) for y in d for k in c}
    return both | one | {(BLANK, BLANK, 1)}


def coverage(problems: list[tuple[int, int]]) -> tuple[int, int]:
    """How many of the 241 ADD1 entry observations a set of problems meets: (covered, total)."""
    seen = {col for a, b in problems for col in columns(a, b)}
    return len(seen & add1_entries()), len(add1_entries())


# ---------------------------------------------------------------------------------------------- environment
@dataclass(frozen=True)
class PadState:
    """A snapshot of the scratch pad: `grid[row][column]` and one pointer (column index) per row."""

    grid: tuple[tuple[int, ...], ...]
    ptr: tuple[int, ...]

    def __str__(self) -> str:
        rows = []
        for r, name in enumerate(ROW_NAMES):
            cells = "".join(
                ("[" if self.ptr[r] == c else " ") + ("_" if v == BLANK else str(v)) + ("]" if self.ptr[r] == c else " ")
                for c, v in enumerate(self.grid[r])
            )
            rows.append(f"{name:>5} {cells}")
        return "\n".join(rows)


class ScratchPad:
    """The addition environment: 4 rows × width cells and four pointers, all starting at the right end.

        >>> pad = ScratchPad(96, 125)
        >>> pad.observe()            # in1, in2, carry, out under the pointers
        (6, 5, 10, 10)
    """

    def __init__(self, a: int, b: int):
        a, b = parse_input((a, b))
        da, db = digits(a), digits(b)
        self.width = max(len(da), len(db)) + 2
        self.grid = [[BLANK] * self.width for _ in range(4)]
        self.grid[IN1][self.width - len(da) :] = da
        self.grid[IN2][self.width - len(db) :] = db
        self.ptr = [self.width - 1] * 4

    def observe(self) -> tuple[int, int, int, int]:
        return tuple(self.grid[r][self.ptr[r]] for r in range(4))  # type: ignore[return-value]

    def apply(self, name: str, args: tuple[int, ...]) -> None:
        """Run a primitive: WRITE(row, digit), PTR(row, direction) or NOP."""
        row, value = args[0], args[1]
        if name == "NOP":
            return
        if name == "WRITE":
            if row not in (CARRY, OUT):
                raise ActionError(f"WRITE to row {row}: only the CARRY ({CARRY}) and OUT ({OUT}) rows are writable")
            if not 0 <= value <= 9:
                raise ActionError(f"WRITE of {value}: a cell holds one digit 0-9")
            self.grid[row][self.ptr[row]] = value
        elif name == "PTR":
            if not 0 <= row < 4 or value not in (LEFT, RIGHT):
                raise ActionError(f"PTR({row}, {value}): row must be 0-3 and direction LEFT=0 or RIGHT=1")
            col = self.ptr[row] + (-1 if value == LEFT else 1)
            if not 0 <= col < self.width:
                side = "left" if value == LEFT else "right"
                raise ActionError(f"PTR would move the {ROW_NAMES[row]} pointer off the {side} edge of the pad")
            self.ptr[row] = col
        else:
            raise ActionError(f"{name!r} is not a primitive of addition; the primitives are WRITE, PTR, NOP")

    def snapshot(self) -> PadState:
        return PadState(tuple(tuple(r) for r in self.grid), tuple(self.ptr))

    def output(self) -> int | None:
        """The number in the output row; None when the row holds no number (nothing, or a gap)."""
        text = "".join(" " if v == BLANK else str(v) for v in self.grid[OUT]).strip()
        if not text or " " in text:
            return None
        with long_numbers():
            return int(text)


def _value(cell: int) -> int:
    return 0 if cell == BLANK else cell


def column_is_blank(env: ScratchPad) -> bool:
    """Nothing left to add: input 1, input 2 and the carry are all blank under their pointers."""
    in1, in2, carry, _ = env.observe()
    return in1 == in2 == carry == BLANK


# ---------------------------------------------------------------------------------------------- programs
# Every decision below uses only env.observe(): what the NPI's encoder will see, nothing more.
def ADD(t: Tracer, env: ScratchPad) -> None:
    """Non-recursive: one frame loops over every column."""
    while not column_is_blank(env):
        t.call(ADD1)
        t.call(LSHIFT)
    t.act("NOP", ret=True)


@program("ADD")
def ADD_recursive(t: Tracer, env: ScratchPad) -> None:
    """Recursive: one column, then a tail call to ADD for the rest."""
    if column_is_blank(env):
        return t.act("NOP", ret=True)
    t.call(ADD1)
    t.call(LSHIFT)
    t.call(ADD_recursive, ret=True)


def ADD1(t: Tracer, env: ScratchPad) -> None:
    in1, in2, carry, _ = env.observe()
    total = _value(in1) + _value(in2) + _value(carry)
    if total >= 10:
        t.act("WRITE", OUT, total % 10)
        t.call(CARRY_, ret=True)
    else:
        t.act("WRITE", OUT, total, ret=True)


@program("CARRY")
def CARRY_(t: Tracer, env: ScratchPad) -> None:
    t.act("PTR", CARRY, LEFT)
    t.act("WRITE", CARRY, 1)
    t.act("PTR", CARRY, RIGHT, ret=True)


def LSHIFT(t: Tracer, env: ScratchPad) -> None:
    t.act("PTR", IN1, LEFT)
    t.act("PTR", IN2, LEFT)
    t.act("PTR", CARRY, LEFT)
    t.act("PTR", OUT, LEFT, ret=True)


ENTRY = {"non-recursive": ADD, "recursive": ADD_recursive}


# ---------------------------------------------------------------------------------------------- training sets
def training_set(name: str = "paper", seed: int = 0) -> list[tuple[int, int]]:
    """The training problems of Cai et al. (2017): "paper" (200 sums of at most 3 digits) or "starved"
    (5 one-digit sums), or "N" for N problems like the paper's.

    Uniform random problems cover ADD1's 241 entry observations poorly (about 160 of them for 200
    problems), so "paper" draws greedily: each problem is the best of 64 random candidates at covering
    what is still missing. `coverage()` reports the result.

        >>> coverage(training_set("paper"))
        (241, 241)
    """
    if name == "starved":
        return list(STARVED)
    if name == "paper":
        count = 200
    elif name.isdigit() and int(name) > 0:
        count = int(name)
    else:
        raise ProblemError(f"unknown training set {name!r} for addition; use 'paper', 'starved' or a count like '50'")
    rng = random.Random(seed)
    missing, chosen = add1_entries(), []
    for _ in range(count):
        # each addend gets its own length, so that "one addend has ended" columns occur
        candidates = [(_up_to_3_digits(rng), _up_to_3_digits(rng)) for _ in range(64)]
        # ... and a few built to meet a missing entry, so the greedy draw can never get stuck
        candidates += [_problem_meeting(e) for e in rng.sample(sorted(missing), min(4, len(missing)))]
        best = max(candidates, key=lambda p: len(missing.intersection(columns(*p))))
        chosen.append(best)
        missing -= set(columns(*best))
    return chosen


def _problem_meeting(entry: tuple[int, int, int]) -> tuple[int, int]:
    """A small addition in which ADD1 meets `entry` = (in1, in2, carry) in its second column."""
    x, y, k = entry
    low_a, low_b = (9, 1) if k == 1 else (0, 0)  # a first column that carries exactly when k == 1
    a = low_a if x == BLANK else 100 + 10 * x + low_a  # the leading 1 lets x be 0
    b = low_b if y == BLANK else 100 + 10 * y + low_b
    return a, b


def _up_to_3_digits(rng: random.Random) -> int:
    return rng.randint(0, 10 ** rng.randint(1, 3) - 1)


# Five one-digit sums. Long problems built only from these columns (no carry into a digit column,
# since no one-digit sum ever shows ADD1 a carry) are what the starved model can be asked to add.
STARVED = ((8, 2), (2, 3), (4, 5), (1, 6), (3, 3))


def problem_from_columns(pairs: list[tuple[int, int]]) -> tuple[int, int]:
    """The addition whose columns, most significant first, are the given digit pairs.

    >>> problem_from_columns([(8, 2), (2, 3), (2, 3)])
    (822, 233)
    """
    with long_numbers():
        return int("".join(str(x) for x, _ in pairs)), int("".join(str(y) for _, y in pairs))


def starved_problem(size: int, rng: random.Random, pairs=STARVED) -> tuple[int, int]:
    """A `size`-column addition built only from the columns of `pairs`: every column but the top one sums
    to less than 10 (so ADD1 never meets a carry it has not seen), and the top one may carry out."""
    quiet = [p for p in pairs if sum(p) < 10 and p[0] > 0 and p[1] > 0]
    if not quiet:
        raise ProblemError("the column pairs need at least one sum below 10 with non-zero digits")
    top = rng.choice([p for p in pairs if p[0] > 0 and p[1] > 0] or quiet)
    return problem_from_columns([top] + [rng.choice(quiet) for _ in range(size - 1)])


# ---------------------------------------------------------------------------------------------- verification
# The scratch pad as one call sees it, for `npi_lib.verify` (lesson 09): the column under the pointers and
# the column to its left, each cell known or not yet seen (None), each pointer on the current column (0) or
# one to the left (1), and whether the current column is the rightmost one. The reference moves no pointer
# further: CARRY steps the carry pointer left and back, LSHIFT moves all four left one at a time, and once
# all four are on the left column it becomes the current one (and a new, unseen column lies to its left).
class PadView(NamedTuple):
    current: tuple[int, int, int, int]
    left: tuple[int | None, int | None, int | None, int | None]
    ptr: tuple[int, int, int, int] = (0, 0, 0, 0)
    rightmost: bool = False


def _view_entries() -> list[PadView]:
    """A fresh pad: two addends of at least one digit each, in the rightmost column; nothing else seen."""
    unseen = (None, None, None, None)
    return [PadView((x, y, BLANK, BLANK), unseen, rightmost=True) for x in range(10) for y in range(10)]


def _view_observe(v: PadView) -> tuple[int, ...]:
    return tuple(v.current[r] if v.ptr[r] == 0 else v.left[r] for r in range(4))  # type: ignore[return-value]


def _unseen_cells(v: PadView, row: int) -> list[int]:
    """What the cell left of the current column can hold in `row`, before anything was written there.
    An addend's digits are contiguous and have no leading zero (except the number 0 itself, one digit in
    the rightmost column); the carry and output rows left of the current column are still blank."""
    if row in (CARRY, OUT):
        return [BLANK]
    here = v.current[row]
    if here == BLANK:
        return [BLANK]  # the addend ended: blanks to the left
    if here == 0 and not v.rightmost:
        return list(range(10))  # a 0 that is not the number 0 is not the leading digit
    return list(range(10)) + [BLANK]


def _view_apply(v: PadView, name: str, args: tuple[int, ...]) -> list[PadView]:
    row, value = args[0], args[1]
    if name == "NOP":
        return [v]
    if name == "WRITE":
        if v.ptr[row] == 0:
            return [PadView(_with(v.current, row, value), v.left, v.ptr, v.rightmost)]
        return [PadView(v.current, _with(v.left, row, value), v.ptr, v.rightmost)]
    if name == "PTR":
        to = v.ptr[row] + (1 if value == LEFT else -1)
        if to not in (0, 1):
            raise ProblemError(f"PTR({ROW_NAMES[row]}) leaves the two columns the verification model knows")
        ptr = _with(v.ptr, row, to)
        options = [v.left] if to == 0 or v.left[row] is not None else [
            _with(v.left, row, cell) for cell in _unseen_cells(v, row)
        ]
        out = []
        for left in options:
            if ptr == (1, 1, 1, 1):  # the whole pad moved one column left
                out.append(PadView(left, (None, None, None, None), (0, 0, 0, 0), False))  # type: ignore[arg-type]
            else:
                out.append(PadView(v.current, left, ptr, v.rightmost))
        return out
    raise ProblemError(f"{name!r} is not a primitive of addition")


def _with(cells: tuple, i: int, value) -> tuple:
    return cells[:i] + (value,) + cells[i + 1 :]


def verification_candidates():
    """Problems from which `npi_lib.verify` picks S_V, the inputs whose runs meet every sequence of V.

    Every sequence involves at most two neighbouring columns and whether a carry comes in from the right.
    So: first every rightmost column with any column above it, then every pair of columns above a
    rightmost column that does not carry (0 + 0) or carries (9 + 1). An addend may have ended in any
    column above the rightmost; a digit 0 at the top of an addend gets a 1 above it (no leading zero)."""
    tops = [None] + list(range(10))  # None: the addend has ended
    for x in range(10):
        for y in range(10):
            for x1 in tops:
                for y1 in tops:
                    yield _number(x1, x), _number(y1, y)
    for low_a, low_b in ((0, 0), (9, 1)):
        for x1 in tops:
            for x2 in tops:
                for y1 in tops:
                    for y2 in tops:
                        if (x1 is not None or x2 is None) and (y1 is not None or y2 is None):
                            yield _number(x2, x1, low_a), _number(y2, y1, low_b)


def _number(*digits: int | None) -> int:
    """The number with these digits, most significant first, None where the addend has already ended (only
    at the top); a 1 in front when the top digit is 0 and it is not the only one."""
    present = [d for d in digits if d is not None]
    value = int("".join(map(str, present)))
    return value + 10 ** len(present) if len(present) > 1 and present[0] == 0 else value


VERIFICATION = VerificationSpec(
    model=FrameModel(entries=_view_entries, observe=_view_observe, apply=_view_apply),
    candidates=verification_candidates,
    paper="20,181 problems",
)


# ---------------------------------------------------------------------------------------------- the task
def describe(name: str, args: tuple[int, ...]) -> str:
    """A step with its arguments spelled out.

    >>> describe("PTR", (IN1, LEFT, 0)), describe("WRITE", (OUT, 7, 0)), describe("ADD1", (0, 0, 0))
    ('PTR(IN1, LEFT)', 'WRITE(OUT, 7)', 'ADD1')
    """
    if name == "PTR":
        return f"PTR({code_name(ROW_NAMES, args[0])}, {code_name(('LEFT', 'RIGHT'), args[1])})"
    if name == "WRITE":
        return f"WRITE({code_name(ROW_NAMES, args[0])}, {args[1]})"
    return name


def draw(state: PadState, ax=None, title: str = ""):
    """The scratch pad with its four pointers (matplotlib axes)."""
    from .plotting import draw_grid

    cells = [["_" if v == BLANK else str(v) for v in row] for row in state.grid]
    pointers = {name: (r, state.ptr[r]) for r, name in enumerate(ROW_NAMES)}
    return draw_grid(cells, ROW_NAMES, pointers, ax=ax, title=title)


def _check(problem: tuple[int, int], output: object) -> bool:
    return output == problem[0] + problem[1]


# What `python -m npi_lib reproduce addition` regenerates. The paper (CAI §4.1): both models trained on the
# paper set add numbers of 5,000 digits; from the starved set, the recursive model adds numbers built from
# seen columns and the non-recursive one fails. No model can add columns it never saw: the "random" probe
# of the starved models shows it.
RESULTS = PaperResults(
    title="Addition",
    source="Cai, Shin & Song (ICLR 2017)",
    notes="'random': random addends of that many digits. 'seen columns': sums built only from the columns of\n"
    "the 5 starved training sums, like the paper's 822 + 233. 10000 digits is past the paper's sizes (no bracket).",
    experiments=(
        Experiment("recursive", "paper", (Probe("random", (5, 100, 1000, 5000, 10000), ("100",) * 4 + (None,)),)),
        Experiment("non-recursive", "paper", (Probe("random", (5, 100, 1000), "100"),)),
        Experiment("recursive", "starved", (Probe("seen columns", (5, 100, 1000), "100", starved_problem),
                                            Probe("random", (5,)))),
        Experiment("non-recursive", "starved", (Probe("seen columns", (5, 100, 1000), "fails", starved_problem),
                                                Probe("random", (5,)))),
    ),
)

TASK = Task(
    name="addition",
    programs=PROGRAMS,
    primitives=PRIMITIVES,
    arg_sizes=(4, 10, 1),
    obs_sizes=(11, 11, 11, 11),
    reference_programs=ENTRY,
    make_env=lambda problem: ScratchPad(*problem),
    check=_check,
    parse_input=parse_input,
    random_problem=random_problem,
    training_set=training_set,
    training_sets=("paper", "starved"),
    input_example="[96, 125]",
    input_help="two non-negative integers (strings of digits for long ones)",
    input_form=InputForm(("a", "b"), separator=" + ", hint="a number with the digits 0-9", ignore=" ,_"),
    results=RESULTS,
    verification=VERIFICATION,
    observation_fields=("in1", "in2", "carry", "out"),
    describe=describe,
    draw=draw,
)

# The reference trace of a problem, and the pad it leaves (built by `Task` from ENTRY and ScratchPad)
reference = TASK.reference
run_reference = TASK.run_reference
