"""A fifth task in one file, to prove that `npi_lib.task.Task` is the only extension point: counting a
number down on a tape. tests/test_task.py registers it and drives it through the command line
(`trace`, `train`, `eval`, `run`) with no other file of the course edited.

The tape holds n marks followed by one blank cell; a pointer starts on the first cell. Counting down is
erasing the marks one at a time, moving right after each; the encoder sees only the cell under the
pointer. The answer is the number of marks left: 0 when the count is done.

    >>> print(TASK.format(TASK.reference(2, "recursive")))
    COUNTDOWN
      STEP
        ERASE
        MOVE  ⏎
      COUNTDOWN  ⏎
        STEP
          ERASE
          MOVE  ⏎
        COUNTDOWN  ⏎
          NOP  ⏎
    >>> TASK.answer(5, "loop")
    0
"""

from __future__ import annotations

from dataclasses import dataclass

from npi_lib.errors import ActionError, ProblemError
from npi_lib.task import Experiment, FrameModel, PaperResults, Probe, Task, VerificationSpec
from npi_lib.trace import Tracer, program

BLANK, MARK = 0, 1


@dataclass(frozen=True)
class TapeState:
    cells: tuple[int, ...]
    ptr: int

    def __str__(self) -> str:
        return " ".join(f"[{c}]" if i == self.ptr else f" {c} " for i, c in enumerate(self.cells))


class Tape:
    def __init__(self, n: int):
        n = parse_input(n)
        self.cells, self.ptr = [MARK] * n + [BLANK], 0

    def observe(self) -> tuple[int]:
        return (self.cells[self.ptr],)

    def apply(self, name: str, args: tuple[int, ...]) -> None:
        if name == "ERASE":
            self.cells[self.ptr] = BLANK
        elif name == "MOVE":
            if self.ptr + 1 >= len(self.cells):
                raise ActionError("MOVE would leave the tape on the right")
            self.ptr += 1
        elif name != "NOP":
            raise ActionError(f"{name!r} is not a primitive of countdown; the primitives are ERASE, MOVE, NOP")

    def snapshot(self) -> TapeState:
        return TapeState(tuple(self.cells), self.ptr)

    def output(self) -> int:
        return sum(self.cells)


def parse_input(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProblemError(f"countdown takes a non-negative integer, the number of marks; got {value!r}")
    return value


def STEP(t: Tracer, env: Tape) -> None:
    t.act("ERASE")
    t.act("MOVE", ret=True)


def COUNTDOWN(t: Tracer, env: Tape) -> None:
    """The loop: one frame erases every mark."""
    while env.observe() == (MARK,):
        t.call(STEP)
    t.act("NOP", ret=True)


@program("COUNTDOWN")
def COUNTDOWN_recursive(t: Tracer, env: Tape) -> None:
    """The recursion: one mark, then a tail call for the rest."""
    if env.observe() == (BLANK,):
        return t.act("NOP", ret=True)
    t.call(STEP)
    t.call(COUNTDOWN_recursive, ret=True)


def training_set(name: str = "paper", seed: int = 0) -> list[int]:
    if name != "paper":
        raise ProblemError(f"unknown training set {name!r} for countdown; use 'paper'")
    return [0, 1, 2, 3]


# For npi_lib.verify: the tape as a call sees it is the cell under the pointer. ERASE blanks it; MOVE reaches
# a mark or the final blank (the marks are followed by one blank, so after a mark either can come).
def _model_apply(cell: int, name: str, args: tuple[int, ...]) -> list[int]:
    if name == "ERASE":
        return [BLANK]
    if name == "MOVE":
        return [MARK, BLANK]
    return [cell]


VERIFICATION = VerificationSpec(
    model=FrameModel(entries=lambda: [MARK, BLANK], observe=lambda cell: (cell,), apply=_model_apply),
    candidates=lambda: iter(range(10)),
    paper="no paper",
)


TASK = Task(
    name="countdown",
    programs=("COUNTDOWN", "STEP", "ERASE", "MOVE", "NOP"),
    primitives=frozenset({"ERASE", "MOVE", "NOP"}),
    arg_sizes=(1, 1, 1),
    obs_sizes=(2,),
    reference_programs={"loop": COUNTDOWN, "recursive": COUNTDOWN_recursive},
    make_env=Tape,
    check=lambda n, output: output == 0,
    parse_input=parse_input,
    random_problem=lambda size, rng: size,
    training_set=training_set,
    input_example="3",
    input_help="a number of marks, n >= 0",
    # no paper has these numbers: the table shows ours alone, and `reproduce countdown` works like any task's
    results=PaperResults(
        title="Countdown",
        source="no paper",
        experiments=(Experiment("recursive", "paper", (Probe("random", (2, 50)),)),
                     Experiment("loop", "paper", (Probe("random", (2, 50)),))),
    ),
    observation_fields=("cell",),
    verification=VERIFICATION,
)
