"""Self-checks for the exercises of every lesson.

An exercise in a notebook is a function the student completes between nbgrader's solution markers:

    def rpn_of_my_expression():
        ### BEGIN SOLUTION
        return "5 3 + 2 *"
        ### END SOLUTION

In a student version the solution becomes `raise NotImplementedError()`. A check never stops "Run all":
it says what is wrong, or, when the exercise is not attempted yet, says so and falls back to the
reference solution, so the cells after it still run.

    >>> def student(x):
    ...     raise NotImplementedError()
    >>> result = check_function("double", student, lambda x: 2 * x, [(1,), (5,)])
    ⏭  double: not attempted yet. Using the reference solution so the rest of the notebook runs.
    >>> result.fallback, result.use(4)
    (True, 8)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .errors import NpiLibError

NOT_ATTEMPTED = "not attempted yet"  # what a check says of an exercise left as it is (tools/ count it)


@dataclass
class CheckResult:
    """What a check found. `use` is the function to carry on with: the student's if it passed,
    otherwise the reference solution (so later cells keep working).

    Checks of one exercise add up: `ex1 += check_function(...)` (how a graded cell adds its hidden cases)
    gives a result that passed only if every part passed, and whose `use` is the reference solution as
    soon as one part failed. `points(possible)` turns it into the points nbgrader awards (see `Points`).
    """

    exercise: str
    passed: bool
    fallback: bool
    message: str
    use: Callable[..., Any]
    parts: tuple["CheckResult", ...] = ()

    def __bool__(self) -> bool:
        return self.passed

    @property
    def checks(self) -> tuple["CheckResult", ...]:
        """The single checks this result is made of: itself, or the parts added together."""
        return self.parts or (self,)

    def __add__(self, other: "CheckResult") -> "CheckResult":
        if not isinstance(other, CheckResult):
            return NotImplemented
        checks = self.checks + other.checks
        failed = [c for c in checks if not c.passed]
        return CheckResult(
            exercise=self.exercise,
            passed=not failed,
            fallback=any(c.fallback for c in checks),
            message=" ".join(c.message for c in checks),
            use=failed[0].use if failed else self.use,
            parts=checks,
        )

    def points(self, possible: float) -> "Points":
        """The points earned out of `possible`: an equal share for every check that passed.

        >>> ok = CheckResult("Exercise 1", True, False, "correct.", abs)
        >>> wrong = CheckResult("Exercise 1", False, False, "you returned 3.", abs)
        >>> (ok + wrong).points(2), (ok + ok).points(2), wrong.points(3)
        (1, 2, 0)
        """
        if not (isinstance(possible, (int, float)) and possible > 0):
            raise NpiLibError(f"{self.exercise}: points({possible!r}): the points possible must be a number above 0")
        checks = self.checks
        passed = sum(c.passed for c in checks)
        return Points(self.exercise, round(possible * passed / len(checks), 2), possible, len(checks), passed,
                      any(c.fallback for c in checks))


@dataclass(frozen=True)
class Points:
    """What a graded cell shows last: the points an exercise earned.

    nbgrader grades a test cell by its last output. When that output is a single number, nbgrader takes it
    as the points earned (partial credit); so the plain-text form of `Points` is just the number, which is
    what nbgrader reads, and the form JupyterLab shows (Markdown) spells it out for the student.

    >>> p = Points("Exercise 2", 1.5, 3, checks=2, passed=1, not_attempted=False)
    >>> p
    1.5
    >>> print(p._repr_markdown_())
    **Exercise 2: 1.5 of 3 points** (1 of 2 checks passed)
    """

    exercise: str
    earned: float
    possible: float
    checks: int
    passed: int
    not_attempted: bool

    def __repr__(self) -> str:
        return _number(self.earned)

    def __float__(self) -> float:
        return float(self.earned)

    def _repr_markdown_(self) -> str:
        if self.not_attempted and self.passed == 0:
            why = NOT_ATTEMPTED
        elif self.checks == 1:
            why = "its check passed" if self.passed else "its check did not pass"
        else:
            why = f"{self.passed} of {self.checks} checks passed"
        unit = "point" if self.possible == 1 else "points"
        return f"**{self.exercise}: {_number(self.earned)} of {_number(self.possible)} {unit}** ({why})"


def _number(x: float) -> str:
    """A number of points as nbgrader and a reader want it: 2, 1.5, 0.67.

    >>> _number(2.0), _number(1.5), _number(2 / 3)
    ('2', '1.5', '0.67')
    """
    return f"{round(x, 2):g}"


def _report(exercise: str, passed: bool, fallback: bool, message: str, use: Callable) -> CheckResult:
    mark = "✅" if passed else ("⏭ " if fallback else "❌")
    print(f"{mark} {exercise}: {message}")
    return CheckResult(exercise, passed, fallback, message, use)


def _not_attempted(exercise: str, reference: Callable) -> CheckResult:
    return _report(
        exercise,
        False,
        True,
        f"{NOT_ATTEMPTED}. Using the reference solution so the rest of the notebook runs.",
        reference,
    )


def _student_answer(exercise: str, student: Callable, reference: Callable, args: tuple, where: str) -> tuple[Any, CheckResult | None]:
    """The student's answer for one case, or the result to return at once: "not attempted" when the exercise
    still raises NotImplementedError, the error when it raises anything else (a student's bug is feedback,
    not a crash of "Run all")."""
    try:
        return student(*args), None
    except NotImplementedError:
        return None, _not_attempted(exercise, reference)
    except Exception as e:
        return None, _report(exercise, False, False, f"with {where}: raised {type(e).__name__}: {e}", reference)


def _wrong(exercise: str, reference: Callable, message: str, hint: Callable | None, args: tuple, got: Any, expected: Any) -> CheckResult:
    """The report of a wrong answer, with `hint(args, got, expected)` appended when there is a hint."""
    if hint is not None:
        message += " " + hint(args, got, expected)
    return _report(exercise, False, False, message.strip(), reference)


def _all_right(exercise: str, student: Callable, cases: list) -> CheckResult:
    n = len(cases)
    return _report(exercise, True, False, f"correct on all {n} test case{'s' if n != 1 else ''}.", student)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_function(
    exercise: str,
    student: Callable,
    reference: Callable,
    cases: Iterable[Sequence[Any]],
    same: Callable[[Any, Any], bool] = lambda a, b: a == b,
    hint: Callable[[tuple, Any, Any], str] | None = None,
) -> CheckResult:
    """Run `student` and `reference` on every case (a tuple of arguments) and compare the results.

    The first disagreement is reported with the arguments, what the student returned and what was
    expected, plus `hint(args, got, expected)` when given.
    """
    cases = [tuple(c) for c in cases]
    for args in cases:
        expected = reference(*args)
        try:
            got = student(*args)
        except NotImplementedError:
            return _not_attempted(exercise, reference)
        except Exception as e:  # a student's bug is feedback, not a crash of "Run all"
            call = f"{exercise}({', '.join(_short(a, 30) for a in args)})"
            return _report(exercise, False, False, f"{call} raised {type(e).__name__}: {e}", reference)
        if not same(got, expected):
            call = f"with arguments {', '.join(_short(a, 30) for a in args)}" if args else ""
            msg = f"{call}: you returned {_short(got)}, expected {_short(expected)}.".lstrip(": ")
            return _wrong(exercise, reference, msg, hint, args, got, expected)
    return _all_right(exercise, student, cases)


def check_value(
    exercise: str,
    student: Callable[[], Any],
    expected: Any,
    hint: Callable[[Any], str] | None = None,
) -> CheckResult:
    """Check a zero-argument exercise whose answer is one value (e.g. a number worked out by hand)."""
    return check_function(
        exercise,
        student,
        lambda: expected,
        [()],
        hint=(lambda args, got, exp: hint(got)) if hint else None,
    )


def check_forth_word(
    exercise: str,
    student: Callable[[], str],
    reference: Callable[[], str],
    word: str,
    cases: Iterable[tuple[Sequence[int], Sequence[int]]],
    must_use: Sequence[str] = (),
) -> CheckResult:
    """Check a Forth definition: for each (stack before, stack after) case, push the inputs, run `word`
    and compare the whole data stack. `must_use` lists words the definition has to contain
    (e.g. RECURSE for the recursion exercise)."""
    from .forth import Forth  # lazy: keeps this module light

    cases = list(cases)
    try:
        source = student()
    except NotImplementedError:
        return _not_attempted(exercise, reference)
    if not isinstance(source, str):
        return _report(exercise, False, False, f"return the Forth source as a string, not {type(source).__name__}", reference)
    tokens = source.upper().split()
    for needed in must_use:
        if needed.upper() not in tokens:
            return _report(exercise, False, False, f"the definition should use {needed}.", reference)
    if word.upper() not in tokens[1:2] and f": {word.upper()}" not in " ".join(tokens):
        return _report(exercise, False, False, f"define the word with ': {word} ... ;'.", reference)
    for before, after in cases:
        forth = Forth()
        try:
            forth.run(source)
            forth.run(" ".join(str(v) for v in before) + " " + word)
        except NpiLibError as e:
            return _report(exercise, False, False, f"with {list(before)} on the stack, Forth said: {e}", reference)
        got = list(forth.stack)
        if got != list(after):
            return _report(
                exercise,
                False,
                False,
                f"with {list(before)} on the stack, {word} left {got}; expected {list(after)}.",
                reference,
            )
    return _report(exercise, True, False, f"{word} is right on all {len(cases)} test cases.", student)


def check_rpn_translation(exercise: str, student: Callable[[], str], infix: str) -> CheckResult:
    """Check a hand translation of `infix` into RPN: it must evaluate to the same value and keep the
    numbers in the order the infix expression has them (as the shunting-yard algorithm does)."""
    from .rpn import evaluate_infix, evaluate_rpn, infix_to_rpn  # lazy: keeps this module light

    expected = infix_to_rpn(infix)
    reference = lambda: expected  # noqa: E731
    try:
        answer = student()
    except NotImplementedError:
        return _not_attempted(exercise, reference)
    if not isinstance(answer, str):
        return _report(exercise, False, False, f"return the RPN as a string, not {type(answer).__name__}.", reference)
    try:
        got = evaluate_rpn(answer)
    except NpiLibError as e:
        return _report(exercise, False, False, f"{answer!r} is not a valid RPN expression: {e}", reference)
    want = evaluate_infix(infix)
    if got != want:
        return _report(exercise, False, False, f"{answer!r} evaluates to {got}, but {infix} is {want}.", reference)
    numbers = [t for t in answer.split() if t.lstrip("-").isdigit()]
    if numbers != [t for t in expected.split() if t.lstrip("-").isdigit()]:
        return _report(
            exercise,
            False,
            False,
            f"the value is right, but RPN keeps the numbers in the order of the infix expression "
            f"({' '.join(numbers)} should be {' '.join(t for t in expected.split() if t.lstrip('-').isdigit())}).",
            reference,
        )
    note = "" if answer.split() == expected.split() else f" (the shunting-yard algorithm writes {expected!r})"
    return _report(exercise, True, False, f"{answer!r} is right{note}.", student)


# ---------------------------------------------------------------------------------------------- traces
def check_trace_text(
    exercise: str,
    student: Callable[[], str],
    reference: Any,
    describe: Callable[[str, tuple[int, ...]], str] | None = None,
) -> CheckResult:
    """Check a trace written by hand as an indented tree, two spaces a level, as `format_tree` prints it
    (lesson 02). Letter case, spaces inside a step and the return marks ⏎ do not matter; the first wrong
    line is reported with what the reference trace has there and in which call.

    >>> from npi_lib.trace import Step, Trace
    >>> ref = Trace(Step("ADD", children=[Step("ADD1", children=[Step("WRITE")]), Step("NOP", ret=True)]))
    >>> ok = check_trace_text("by hand", lambda: "ADD\\n  ADD1\\n    WRITE\\n  NOP", ref)
    ✅ by hand: all 4 lines match the reference trace.
    >>> bad = check_trace_text("by hand", lambda: "ADD\\n  ADD1\\n  WRITE\\n  NOP", ref)
    ❌ by hand: line 3: WRITE is the right step at the wrong depth: indent it 4 spaces (a step of ADD1's frame), not 2.
    """
    from .trace import format_step  # lazy: keeps this module light

    expected = [(d, format_step(s, describe)) for d, s in reference.walk()]
    expected_text = "\n".join("  " * d + text for d, text in expected)
    fallback = lambda: expected_text  # noqa: E731
    try:
        answer = student()
    except NotImplementedError:
        return _not_attempted(exercise, fallback)
    if not isinstance(answer, str):
        return _report(exercise, False, False, f"return the trace as a string, not {type(answer).__name__}.", fallback)

    def fail(message: str) -> CheckResult:
        return _report(exercise, False, False, message, fallback)

    lines = [line.rstrip() for line in answer.splitlines() if line.strip()]
    parents: list[str] = []  # the reference's calls open at the current line, outermost first
    for k, line in enumerate(lines, 1):
        indent = len(line) - len(line.lstrip(" "))
        if line[indent] == "\t":
            return fail(f"line {k} is indented with a tab; use two spaces a level.")
        if indent % 2:
            return fail(f"line {k} is indented {indent} spaces; use two spaces a level.")
        if k > len(expected):
            return fail(f"the reference ends after line {len(expected)}; your line {k} {line.strip()!r} is extra.")
        depth, text = expected[k - 1]
        del parents[depth:]
        where = f"a step of {parents[-1]}'s frame" if parents else "the root call"
        if not _same_step(line, text):
            return fail(f"line {k}: you wrote {line.strip()!r}, the reference has {text!r} here ({where}).")
        if indent // 2 != depth:
            return fail(
                f"line {k}: {line.strip()} is the right step at the wrong depth: indent it {2 * depth} spaces "
                f"({where}), not {indent}."
            )
        parents.append(text.replace("⏎", "").strip())
    if len(lines) < len(expected):
        rest = len(expected) - len(lines)
        return fail(
            f"your trace stops after line {len(lines)}; the reference goes on with {expected[len(lines)][1]!r} "
            f"({rest} more line{'s' if rest != 1 else ''})."
        )
    return _report(exercise, True, False, f"all {len(expected)} lines match the reference trace.", student)


def _same_step(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return "".join(s.replace("⏎", "").split()).upper()

    return norm(a) == norm(b)


def check_program(
    exercise: str,
    student: Callable[..., None],
    reference: Callable[..., None],
    cases: Iterable[tuple[str, Callable[[], Any]]],
    describe: Callable[[str, tuple[int, ...]], str] | None = None,
    max_steps: int = 10_000,
    max_depth: int = 1_000,
) -> CheckResult:
    """Check a reference program written by the student, a function `PROG(t, env)` that records its steps
    with `t.act` and `t.call` (lesson 06 uses it): run it and `reference` on fresh
    environments and compare the traces step by step (name, arguments, return flag, nesting), then the
    environments they leave.

    `cases` are (label, make_env) pairs; `make_env()` returns a fresh environment, once for each program.
    A runaway loop or recursion stops at `max_steps` steps or `max_depth` nested calls and is reported.

    >>> from npi_lib import addition
    >>> def LSHIFT(t, env):
    ...     for row in (addition.IN1, addition.IN2, addition.OUT):
    ...         t.act("PTR", row, addition.LEFT)
    >>> pad = ("96 + 125", lambda: addition.ScratchPad(96, 125))
    >>> r = check_program("shift", LSHIFT, addition.LSHIFT, [pad], describe=addition.describe)
    ❌ shift: on 96 + 125, step 3 (in LSHIFT): you have PTR(OUT, LEFT), the reference has PTR(CARRY, LEFT).
    """
    from .errors import NpiLibError  # lazy: keeps this module light
    from .trace import Tracer, first_difference

    def fail(message: str) -> CheckResult:
        return _report(exercise, False, False, message, reference)

    cases = list(cases)
    for label, make_env in cases:
        expected_env, got_env = make_env(), make_env()
        expected = Tracer(expected_env, record_states=False).run(reference)
        try:
            got = Tracer(got_env, max_steps=max_steps, max_depth=max_depth, record_states=False).run(student)
        except NotImplementedError:
            return _not_attempted(exercise, reference)
        except NpiLibError as e:  # a runaway recursion, a pointer off the tape: feedback, not a crash
            return fail(f"on {label}: {e}")
        except Exception as e:
            return fail(f"on {label}: your program raised {type(e).__name__}: {e}")
        i = first_difference(expected, got)
        if i is not None:
            return fail(f"on {label}, {_trace_difference(expected, got, i, describe)}")
        if expected_env.snapshot() != got_env.snapshot():
            return fail(
                f"on {label}, the traces agree but the environments end differently: change the environment "
                "only through t.act, so that every change is a step of the trace."
            )
    n = len(cases)
    return _report(exercise, True, False, f"your trace matches the reference on all {n} case{'s' * (n != 1)}.", student)


def _trace_difference(expected: Any, got: Any, i: int, describe: Callable | None) -> str:
    """What differs at step `i` (in walk order; the root call is step 0) of two traces, in words."""
    from .trace import format_step

    walk_e, walk_g = list(expected.walk()), list(got.walk())
    if i >= len(walk_g):
        more = format_step(walk_e[i][1], describe)
        return f"your program stops after step {i - 1}; the reference goes on with {more}."
    if i >= len(walk_e):
        more = format_step(walk_g[i][1], describe)
        return f"the reference stops after step {i - 1}; your program goes on with {more}."
    (de, se), (dg, sg) = walk_e[i], walk_g[i]
    if i == 0:
        return f"your program is called {sg.name}; name the function {se.name}, as the paper does."
    path: list[str] = []  # the reference's calls open at step i, rebuilt from the depths
    for d, s in walk_e[:i]:
        if s.is_call:
            del path[d:]
            path.append(s.name)
    where = f" (in {' › '.join(path[:de])})"
    ours, theirs = (format_step(s, describe).replace("⏎", "").strip() for s in (sg, se))
    if ours != theirs:
        return f"step {i}{where}: you have {format_step(sg, describe)}, the reference has {format_step(se, describe)}."
    if se.ret != sg.ret:
        if se.ret:
            return f"step {i}{where}, {theirs}: the reference sets the return flag here (ret=True), yours does not."
        return f"step {i}{where}, {theirs}: yours sets the return flag here (ret=True), the reference does not."
    if se.is_call != sg.is_call:
        kind = {True: "a call (t.call)", False: "a primitive (t.act)"}
        return f"step {i}{where}, {theirs}: the reference makes it {kind[se.is_call]}, yours {kind[sg.is_call]}."
    return f"step {i}{where}, {theirs}: the right step at the wrong depth ({dg} instead of {de}): which frame makes it?"


# ---------------------------------------------------------------------------------------------- numbers and tensors
def off_by_hint(mistakes: Sequence[tuple[Callable[..., Any], str]] = ()) -> Callable[[tuple, Any, Any], str]:
    """A `hint` for `check_function` when the answer is a count (lesson 03): how far off the answer is and,
    when it is exactly what a known mistake gives, which mistake. `mistakes` are (wrong, explanation) pairs:
    `wrong(*args)` computes the number that mistake leads to.

    >>> hint = off_by_hint([(lambda n: n * (n - 1), "did you count each pair twice, in both orders?")])
    >>> r = check_function("pairs", lambda n: n * (n - 1), lambda n: n * (n - 1) // 2, [(4,)], hint=hint)
    ❌ pairs: with arguments 4: you returned 12, expected 6. Off by 6 (too many): did you count each pair twice, in both orders?
    """
    from numbers import Real

    def hint(args: tuple, got: Any, expected: Any) -> str:
        if isinstance(got, bool) or not isinstance(got, Real):
            return f"Return a number, not {type(got).__name__}."
        diff = got - expected
        text = f"Off by {abs(diff):g} ({'too many' if diff > 0 else 'too few'})"
        for wrong, why in mistakes:
            try:
                if wrong(*args) == got:
                    return f"{text}: {why}"
            except Exception:  # a mistake's formula that does not apply to these arguments
                continue
        return text + "."

    return hint


def check_tensor_function(
    exercise: str,
    student: Callable,
    reference: Callable,
    cases: Iterable[Sequence[Any]],
    names: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    atol: float = 1e-5,
    hint: Callable[[tuple, Any, Any], str] | None = None,
) -> CheckResult:
    """Check a function that returns a torch tensor, or a tuple of tensors (lesson 03: a decoder, a padded
    batch). Each result is compared with the reference's: first its shape ("returned shape (3, 1); expected
    (3,)"), then the kind of numbers it holds (bool, integer, floating), then the values (how many entries
    differ, and the first one). `names` names the tensors of a tuple in the messages; `labels` describes each
    case (by default its arguments, tensors by their shape); `hint(args, got, expected)` adds advice.

    >>> import torch
    >>> x = torch.ones(3, 2)
    >>> r = check_tensor_function("row sums", lambda x: x.sum(1, keepdim=True), lambda x: x.sum(1), [(x,)])
    ❌ row sums: with a tensor of shape (3, 2): returned shape (3, 1); expected (3,).
    """
    cases = [tuple(c) for c in cases]
    for k, args in enumerate(cases):
        where = labels[k] if labels is not None else ", ".join(_describe_argument(a) for a in args)
        expected = reference(*args)
        got, stop = _student_answer(exercise, student, reference, args, where)
        if stop is not None:
            return stop
        problem = _tensors_difference(got, expected, names, atol)
        if problem:
            return _wrong(exercise, reference, f"with {where}: {problem}", hint, args, got, expected)
    return _all_right(exercise, student, cases)


def _describe_argument(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if shape is not None and not callable(shape):
        return f"a tensor of shape {_shape(shape)}"
    if hasattr(value, "parameters") and callable(value.parameters):  # a torch module: its type says enough
        return f"the {type(value).__name__}"
    return _short(value, 30)


def _shape(shape: Any) -> str:
    dims = tuple(int(d) for d in shape)
    return f"({dims[0]},)" if len(dims) == 1 else str(dims)


def _tensors_difference(got: Any, expected: Any, names: Sequence[str] | None, atol: float) -> str:
    """What differs between the student's result and the reference's, in words; "" when nothing does."""
    if isinstance(expected, (tuple, list)):
        n = len(expected)
        labels = list(names) if names is not None else [f"element {i}" for i in range(n)]
        if not isinstance(got, (tuple, list)):
            return f"returned a {type(got).__name__}; expected a tuple of {n}: {', '.join(labels)}."
        if len(got) != n:
            return f"returned {len(got)} values; expected {n}: {', '.join(labels)}."
        for label, g, e in zip(labels, got, expected):
            problem = _tensor_difference(g, e, label, atol)
            if problem:
                return problem
        return ""
    return _tensor_difference(got, expected, names[0] if names else "", atol)


def _tensor_difference(got: Any, expected: Any, name: str, atol: float) -> str:
    import torch  # lazy: keeps this module light

    subject = f"{name} has" if name else "returned"
    if not isinstance(got, torch.Tensor):
        what = f"{name} is" if name else "returned"
        return f"{what} a {type(got).__name__}; expected a torch tensor of shape {_shape(expected.shape)}."
    if got.shape != expected.shape:
        return f"{subject} shape {_shape(got.shape)}; expected {_shape(expected.shape)}."

    def kind(t: torch.Tensor) -> str:
        return "a bool" if t.dtype == torch.bool else "a floating-point" if t.is_floating_point() else "an integer"

    if kind(got) != kind(expected):
        return f"{subject} dtype {got.dtype}; expected {kind(expected)} tensor ({expected.dtype})."
    if expected.is_floating_point():
        wrong = ~torch.isclose(got.detach().double(), expected.detach().double(), rtol=1e-4, atol=atol, equal_nan=True)
    else:
        wrong = got != expected
    count = int(wrong.sum())
    if count == 0:
        return ""
    first = tuple(int(i) for i in wrong.nonzero()[0])
    index = ", ".join(str(i) for i in first)

    def show(t: torch.Tensor) -> str:
        v = t[first].item()
        return f"{v:.4g}" if isinstance(v, float) else str(v)

    prefix = f"{name}: " if name else ""
    return (
        f"{prefix}{count} of {expected.numel()} entries differ; the first at [{index}]: "
        f"{show(got)} instead of {show(expected)}."
    )


# ---------------------------------------------------------------------------------------------- numbers, known mistakes
def check_number_function(
    exercise: str,
    student: Callable,
    reference: Callable,
    cases: Iterable[Sequence[Any]],
    labels: Sequence[str] | None = None,
    rel: float = 1e-6,
    hint: Callable[[tuple, Any, Any], str] | None = None,
) -> CheckResult:
    """Check a function that returns one number (lesson 04: an accuracy, a bound) against the reference on
    every case, up to a relative tolerance `rel`; a 0-dimensional tensor counts as its number. `labels`
    describes each case (by default its arguments, torch modules and tensors by their kind and shape);
    `hint(args, got, expected)` adds advice.

    >>> r = check_number_function("share", lambda k, n: k // n, lambda k, n: k / n, [(3, 4)], labels=["3 of 4"],
    ...                           hint=lambda args, got, expected: "Use /, not //.")
    ❌ share: with 3 of 4: you returned 0, expected 0.75. Use /, not //.
    """
    import math

    cases = [tuple(c) for c in cases]
    for k, args in enumerate(cases):
        where = labels[k] if labels is not None else ", ".join(_describe_argument(a) for a in args)
        expected = _as_number(reference(*args))
        got, stop = _student_answer(exercise, student, reference, args, where)
        if stop is not None:
            return stop
        value = _as_number(got)
        if value is None:
            msg = f"with {where}: you returned {_short(got, 40)}, not a number; expected {expected:.6g}."
        elif not math.isclose(value, expected, rel_tol=rel, abs_tol=1e-12):
            msg = f"with {where}: you returned {value:.6g}, expected {expected:.6g}."
        else:
            continue
        return _wrong(exercise, reference, msg, hint, args, got, expected)
    return _all_right(exercise, student, cases)


def _as_number(value: Any) -> float | None:
    """A Python number or a 0-dimensional tensor as a float; None for anything else (bools included)."""
    from numbers import Real

    if isinstance(value, Real) and not isinstance(value, bool):
        return float(value)
    shape = getattr(value, "shape", None)
    if shape is not None and len(shape) == 0 and hasattr(value, "item"):
        item = value.item()
        return float(item) if isinstance(item, Real) and not isinstance(item, bool) else None
    return None


def mistake_hint(mistakes: Sequence[tuple[Callable[..., Any], str]] = (), otherwise: str = "") -> Callable[[tuple, Any, Any], str]:
    """A `hint` for `check_function` or `check_tensor_function` when the answer is a number or a tensor (lesson
    04: a loss, an accuracy): when the answer equals what a known mistake gives, the explanation of that
    mistake; otherwise `otherwise`. `mistakes` are (wrong, explanation) pairs: `wrong(*args)` computes what
    that mistake returns. Numbers and tensors are compared with a relative tolerance of 1e-6.

    >>> hint = mistake_hint([(lambda xs: sum(xs) / (len(xs) - 1), "Divide by the number of values.")])
    >>> r = check_function("mean", lambda xs: sum(xs) / 2, lambda xs: sum(xs) / 3, [([1.0, 2.0, 3.0],)], hint=hint)
    ❌ mean: with arguments [1.0, 2.0, 3.0]: you returned 3.0, expected 2.0. Divide by the number of values.
    """

    def hint(args: tuple, got: Any, expected: Any) -> str:
        for wrong, why in mistakes:
            try:
                if _close(got, wrong(*args)):
                    return why
            except Exception:  # a mistake's formula that does not apply to these arguments
                continue
        return otherwise

    return hint


def _close(a: Any, b: Any, rel: float = 1e-6) -> bool:
    """Equal numbers or tensors (a 0-dimensional tensor equals a number), up to a relative tolerance."""
    import math
    from numbers import Real

    if hasattr(a, "shape") or hasattr(b, "shape"):
        import torch  # lazy: keeps this module light

        try:
            x, y = (torch.as_tensor(v).detach().double() for v in (a, b))
        except (TypeError, ValueError, RuntimeError):
            return False
        return x.shape == y.shape and bool(torch.allclose(x, y, rtol=rel, atol=1e-12))
    if isinstance(a, Real) and isinstance(b, Real) and not isinstance(a, bool) and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
    return bool(a == b)


# ---------------------------------------------------------------------------------------------- in-place changes
def check_in_place(
    exercise: str,
    student: Callable,
    reference: Callable,
    cases: Iterable[Sequence[Any]],
    labels: Sequence[str] | None = None,
    hint: Callable[[tuple, Any, Any], str] | None = None,
) -> CheckResult:
    """Check a function that changes its arguments in place (lesson 05: popping frames off a call stack):
    for each case, the student's function and the reference each get their own deep copy of the arguments,
    and what the arguments became is compared, then what the functions returned. `labels` describes each
    case (by default its arguments); `hint(args, got, expected)` adds advice, with `got` and `expected` the
    arguments after the call (the first argument alone when there is one).

    >>> def drop_last(xs):
    ...     xs.pop(0)
    >>> r = check_in_place("pop", drop_last, lambda xs: xs.pop(), [([1, 2, 3],)])
    ❌ pop: with [1, 2, 3]: your function left [2, 3]; expected [1, 2].
    """
    import copy

    cases = [tuple(c) for c in cases]
    for k, args in enumerate(cases):
        where = labels[k] if labels is not None else ", ".join(_short(a, 40) for a in args)
        expected_args = copy.deepcopy(args)
        expected = reference(*expected_args)
        got_args = copy.deepcopy(args)
        got, stop = _student_answer(exercise, student, reference, got_args, where)
        if stop is not None:
            return stop
        after_got, after_expected = (a[0] if len(a) == 1 else a for a in (got_args, expected_args))
        if got_args != expected_args:
            msg = f"with {where}: your function left {_short(after_got)}; expected {_short(after_expected)}."
        elif got != expected:
            msg = f"with {where}: the arguments are right, but you returned {_short(got)}, expected {_short(expected)}."
        else:
            continue
        return _wrong(exercise, reference, msg, hint, args, after_got, after_expected)
    return _all_right(exercise, student, cases)


# ---------------------------------------------------------------------------------------------- Forth words
def forth_reference(word: str) -> str:
    """The reference definition of a Forth word that an exercise of lesson 01 asks for: the fallback of its
    `check_forth_word`, kept here so that the notebook's check call does not show the answer.

    >>> from npi_lib.forth import Forth
    >>> Forth().run(forth_reference("cube") + " 3 CUBE .")
    '27 '
    """
    definitions = {
        "CUBE": ": CUBE ( n -- n*n*n )  DUP DUP * * ;",
        "SUMTO": ": SUMTO ( n -- 0+1+...+n )  DUP 0> IF DUP 1- RECURSE + THEN ;",
    }
    if word.upper() not in definitions:
        raise NpiLibError(f"no reference definition of {word!r}; the exercises define {', '.join(definitions)}")
    return definitions[word.upper()]


# ---------------------------------------------------------------------------------------------- lesson 05: the call stack
def finish_frame_reference(stack: list) -> None:
    """Lesson 05, exercise 3, kept here so that the notebook does not show the answer: pop the frame on top
    of `stack` (it returned), then every caller waiting on a tail call (`.tail` true), down to the first
    caller that still has steps to make.

    >>> from types import SimpleNamespace as Frame
    >>> stack = [Frame(tail=False), Frame(tail=True), Frame(tail=True), Frame(tail=False)]
    >>> finish_frame_reference(stack)
    >>> [frame.tail for frame in stack]
    [False]
    """
    stack.pop()
    while stack and stack[-1].tail:
        stack.pop()


def check_first_step_without_reset(exercise: str, student: Callable[[], Any], trace: Any) -> CheckResult:
    """Lesson 05, exercise 5: the first step of `trace` (numbered as `Trace.walk` and the viewers number
    them, the root call 0) at which a run without the reset can differ from one with it, whatever the
    weights. Computed from the trace here, so that the notebook's check call does not show it.

    >>> from npi_lib.addition import reference
    >>> check_first_step_without_reset("ex", lambda: 1, reference((96, 125), "recursive")).passed
    ❌ ex: you returned 1, expected 2. Step 1 is a decision of the root frame, which starts from h = 0 with or without the reset.
    False
    """
    # every frame starts from h = 0 either way until the first step taken inside a called frame
    expected = next(i for i, (depth, _) in enumerate(trace.walk()) if depth >= 2)

    def hint(got: Any) -> str:
        if not isinstance(got, int) or got <= 0:
            return "Number the steps as the viewers do: the root call is step 0, and it decides nothing."
        if got < expected:
            return f"Step {got} is a decision of the root frame, which starts from h = 0 with or without the reset."
        return "Look earlier: what does the reset change, and which is the first step that it can reach?"

    return check_value(exercise, student, expected, hint=hint)


# ---------------------------------------------------------------------------------------------- experiments
def check_run(exercise: str, settings: dict[str, Any], ran: dict[str, Any], explain: Callable[[], str]) -> CheckResult:
    """Check an exercise in which the reader changes a setting, runs an experiment and reads what comes out
    (lesson 04: the size of a training set). Any setting is accepted, as long as the run really used it:
    `settings` maps each name to the value the reader set, `ran` to the value read back from what the run
    returned (a `TrainResult`, evaluation records). On a match the check prints `explain()`, what this run
    shows; a mismatch means the experiment's cell was not run again after an edit.

    >>> r = check_run("size", {"problems": 50}, {"problems": 50}, lambda: "50 problems cover 79 entries.")
    ✅ size: a run with problems = 50. 50 problems cover 79 entries.
    >>> r = check_run("size", {"problems": 100}, {"problems": 50}, lambda: "")
    ❌ size: you set problems = 100, but the run used 50: run the experiment's cell again.
    """
    for name, value in settings.items():
        if name not in ran or ran[name] != value:
            used = f"used {ran[name]!r}" if name in ran else "does not say what it used"
            return _report(exercise, False, False,
                           f"you set {name} = {value!r}, but the run {used}: run the experiment's cell again.", explain)
    done = ", ".join(f"{name} = {value!r}" for name, value in settings.items())
    return _report(exercise, True, False, f"a run with {done}. {explain()}".strip(), explain)


# ---------------------------------------------------------------------------------------------- lesson 03: a size of your own
def check_width_experiment(
    exercise: str,
    student: Callable[[], Any],
    hidden_size: int,
    model: Any,
    default_counts: dict[str, int],
    counts: dict[str, int],
    loss: float,
    outcome: str,
) -> CheckResult:
    """Lesson 03, exercise 6: the reader builds an untrained NPI with `hidden_size` units per LSTM layer
    (`model`, whose parameters per component are `counts`; the lesson's model has `default_counts`), runs it,
    and names the components whose number of parameters changed. Any size passes, as long as `model` was
    really built with it; then the check says what the run shows (its untrained `loss` and run `outcome`
    included). Kept here so that the notebook's check call does not show the answer.

    >>> from types import SimpleNamespace
    >>> net = SimpleNamespace(config=SimpleNamespace(hidden_size=8))
    >>> r = check_width_experiment("ex", lambda: {"f_lstm"}, 8, net, {"f_lstm": 9, "f_end": 3, "f_enc": 5},
    ...                            {"f_lstm": 4, "f_end": 2, "f_enc": 5}, 6.3, "depth limit")
    ❌ ex: f_end changed too: compare its two columns.
    """
    used = getattr(getattr(model, "config", None), "hidden_size", None)
    if used != hidden_size:
        return _report(exercise, False, False, f"you set hidden_size = {hidden_size!r}, but the model was built with "
                       f"{used!r}: run the experiment's cell again.", lambda: set())
    changed = {name for name in default_counts if counts.get(name) != default_counts[name]}
    got, stop = _student_answer(exercise, student, lambda: changed, (), "your run")
    if stop is not None:
        return stop
    got = set(got) if isinstance(got, (set, list, tuple, frozenset)) else got
    if not isinstance(got, set) or not got <= set(default_counts):
        return _report(exercise, False, False, f"you returned {_short(got)}; return a set of component names, "
                       f"from {sorted(default_counts)}.", lambda: changed)
    if got != changed:
        extra, missing = sorted(got - changed), sorted(changed - got)
        message = (f"{', '.join(extra)} kept {'its' if len(extra) == 1 else 'their'} size" if extra
                   else f"{', '.join(missing)} changed too")
        return _report(exercise, False, False, f"{message}: compare {'its' if len(extra + missing) == 1 else 'their'} "
                       "two columns.", lambda: changed)
    if not changed:
        shows = (f"With hidden_size = {hidden_size} you rebuilt the lesson's own network: nothing changes. Pick "
                 "another size to see which parts depend on H.")
    else:
        core = counts["f_lstm"] / default_counts["f_lstm"]
        lucky = "right" in outcome and "wrong" not in outcome
        shows = (f"f_lstm went from {default_counts['f_lstm']:,} to {counts['f_lstm']:,} parameters (× {core:.2f}): "
                 "each gate's U is H × H, so the core grows almost like H² (the first layer's W, which reads the "
                 "fused input, only like H). The decoders read h_t: they grow like H. The encoder, the fusion layer "
                 "and the program memory work before the LSTM and never see h: they do not depend on its width. "
                 + ("Untrained, it happened to add 96 + 125 correctly: chance, not knowledge. " if lucky else
                    f"Untrained, it still fails ({outcome}). ")
                 + f"Its loss is {loss:.2f}, against ln 7 + ln 4 + ln 10 + ln 2 = 6.33 for a uniform guess: a wider "
                 "network has more room, not more knowledge; only training puts knowledge in.")
    return _report(exercise, True, False, f"a run with hidden_size = {hidden_size}. {shows}", student)


def check_rpn_by_hand(
    exercise: str,
    student: Callable[[], Any],
    expression: str,
    hint: Callable[[Any], str] | None = None,
) -> CheckResult:
    """Check a value worked out by hand for an RPN `expression` (lesson 01): the check evaluates it out of
    the student's sight, so the exercise cell shows no way to the answer but the pencil.

        >>> check_rpn_by_hand("Demo", lambda: 7, "3 4 +").passed
        ✅ Demo: correct on all 1 test case.
        True
    """
    from .rpn import evaluate_rpn  # lazy, like the other checks

    return check_value(exercise, student, evaluate_rpn(expression), hint=hint)


# ---------------------------------------------------------------------------------------------- lesson 05: frames never shown
def unseen_frames_reference(task: Any, problem: Any, training_problems: Sequence[Any], formulation: str) -> dict[str, int]:
    """Lesson 05, exercise 4, kept here so that the notebook does not show the answer: for each program, how
    many distinct frames of `problem`'s reference trace (each as the network is given it: program,
    arguments, observations step by step) appear in none of the training problems' traces; zero counts
    left out.

    >>> from npi_lib.addition import TASK
    >>> unseen_frames_reference(TASK, (2, 3), [(2, 3)], "recursive")
    {}
    >>> sorted(unseen_frames_reference(TASK, (22, 33), [(2, 3)], "recursive").items())
    [('ADD', 1), ('LSHIFT', 1)]
    """
    from collections import Counter

    from .trace import frames  # lazy: keeps this module light

    def frame_inputs(p: Any) -> set:
        trace = task.reference(p, formulation, record_states=False)
        return {(f.program, f.args, tuple(s.obs for s in f.steps)) for f in frames(trace)}

    seen = set().union(*map(frame_inputs, training_problems))
    return dict(Counter(program for program, _, _ in frame_inputs(problem) - seen))


# ---- lesson 06: bubblesort
def compare_observation_reference(task: Any, values: Sequence[Any], i1: int, i2: int, i3: int) -> tuple[int, ...]:
    """Lesson 06, exercise 3, kept here so that the notebook does not show the answer: what the comparison-bit
    encoder of `task` shows for the row `# values #` with the pointers on cells i1, i2, i3 (0 and
    len(values) + 1 are the start and end tokens), read off the task's environment.

    >>> from npi_lib.bubblesort import TASK_COMPARE
    >>> compare_observation_reference(TASK_COMPARE, ["b", "a"], 1, 2, 1)
    (0, 1, 1, 0)
    """
    env = task.make_env(task.parse_input(list(values)))
    env.i1, env.i2, env.i3 = i1, i2, i3
    return env.observe()


def compswap_observations_compare(task: Any) -> set[tuple[int, ...]]:
    """Every observation at which COMPSWAP starts under the comparison-bit encoder `task`, met in the reference
    traces of every order of up to 4 values, ties included (lesson 06, exercise 4: computed here, so that
    the notebook's check call does not show it).

    >>> from npi_lib.bubblesort import TASK_COMPARE
    >>> len(compswap_observations_compare(TASK_COMPARE))
    3
    """
    import itertools

    from .trace import frames

    seen = set()
    for n in range(1, 5):
        for values in itertools.product(range(n), repeat=n):
            for formulation in task.formulations:
                trace = task.reference(values, formulation, record_states=False)
                seen |= {f.steps[0].obs for f in frames(trace) if f.program == "COMPSWAP"}
    return seen


def check_compswap_observations(exercise: str, student: Callable[[], Any], task: Any) -> CheckResult:
    """Lesson 06, exercise 4: the set of observations (4-tuples of bits) at which COMPSWAP can start under the
    comparison-bit encoder `task`; the hint names what a wrong set misses or has too many of.

    >>> from npi_lib.bubblesort import TASK_COMPARE
    >>> r = check_compswap_observations("ex", lambda: {(0, 1, 1, 0), (1, 1, 1, 0)}, TASK_COMPARE)
    ❌ ex: you returned {(0, 1, 1, 0), (1, 1, 1, 0)}, expected a set of 3 observations. Missing: the first comparison of a pass, where i1 is still on the start token (BUBBLE's PTR(i2, RIGHT) put i2 on Q[1]).
    """
    expected = compswap_observations_compare(task)
    fallback = lambda: expected  # noqa: E731
    got, stop = _student_answer(exercise, student, fallback, (), "your answer")
    if stop is not None:
        return stop
    try:
        got = {tuple(int(bit) for bit in obs) for obs in got}
    except (TypeError, ValueError):
        return _report(exercise, False, False, f"you returned {_short(got)}; return a set of 4-tuples of bits, "
                       "like {(1, 1, 1, 0)}.", fallback)
    if got == expected:
        return _report(exercise, True, False, f"all {len(expected)} observations, and nothing else.", student)
    why = []
    for obs in sorted(got - expected):
        if len(obs) != 4:
            why.append(f"{obs} has {len(obs)} bits: (Q[i1] <= Q[i2], i1 on a value, i2 on a value, i3 == length)")
        elif obs[3] == 1:
            why.append(f"{obs}: no pass runs once i3 == length, so COMPSWAP never sees that bit set")
        elif obs[2] == 0:
            why.append(f"{obs}: BSTEP stops as soon as i2 leaves the values, before calling COMPSWAP")
        elif obs[1] == 0 and obs[0] == 0:
            why.append(f"{obs}: the start token counts as smaller than every value")
        else:
            why.append(f"{obs} cannot happen")
    for obs in sorted(expected - got):
        if obs[1] == 0:
            why.append("Missing: the first comparison of a pass, where i1 is still on the start token "
                       "(BUBBLE's PTR(i2, RIGHT) put i2 on Q[1])")
        else:
            why.append(f"Missing: {obs}, two values {'in order' if obs[0] else 'out of order'}")
    shown = "{" + ", ".join(map(str, sorted(got))) + "}"
    return _report(exercise, False, False, f"you returned {_short(shown)[1:-1]}, expected a set of {len(expected)} "
                   f"observations. {'; '.join(why)}.", fallback)


def dropped_pairs_report(task: Any, model: Any, dropped: Iterable[tuple[int, int]], tests: Sequence[Any]) -> str:
    """Lesson 06, exercise 5: what a recursive model of the digit bubble sort `task` trained without the
    two-digit arrays `dropped` does on the arrays `tests`: how its failures split between the arrays whose
    sort makes COMPSWAP compare a dropped pair and the others, and what that shows.

    >>> from npi_lib.bubblesort import TASK
    >>> from npi_lib.checkpoint import shipped_checkpoint
    >>> print(dropped_pairs_report(TASK, shipped_checkpoint("bubblesort").model, [], [(3, 1, 2)]))
    You left nothing out: this is the paper's set, and 1 of 1 arrays come out sorted.
    """
    from .interpreter import run
    from .trace import first_difference, frames

    def compswap_pairs(problem: Any) -> set:  # the (Q[i1], Q[i2]) cells at which COMPSWAP decides
        trace = task.reference(problem, "recursive", record_states=False)
        return {f.steps[0].obs[:2] for f in frames(trace) if f.program == "COMPSWAP"}

    dropped = set(dropped)
    results = [run(model, task, p, "recursive") for p in tests]
    if not dropped:
        return f"You left nothing out: this is the paper's set, and {sum(r.correct for r in results)} of " \
               f"{len(tests)} arrays come out sorted."
    meets = [bool(compswap_pairs(p) & dropped) for p in tests]
    fail_in = sum(m and not r.correct for m, r in zip(meets, results))
    fail_out = sum(not m and not r.correct for m, r in zip(meets, results))
    told = (f"Arrays whose sort compares a pair you left out: {fail_in} of {sum(meets)} fail; the other arrays: "
            f"{fail_out} of {len(tests) - sum(meets)} fail. ")
    if fail_in == fail_out == 0:
        return told + ("The network filled the gap from its neighbours: the other pairs with the same digits taught "
                       "it enough of the order. Nothing guaranteed that; leave out more pairs and it stops.")
    if fail_out == 0:
        return told + ("Every failure is an array that makes COMPSWAP decide on a pair it never saw decided: what "
                       "the training set did not show, the network guesses, and here it guessed wrong. The arrays "
                       "that never meet those pairs come out sorted: recursion cannot invent a comparison, but it "
                       "carries the comparisons it was shown to longer arrays.")
    r = next(r for m, r in zip(meets, results) if not m and not r.correct)
    at = first_difference(r.reference, r.trace)
    program = _frame_of_step(r.reference, at) if at is not None else "no"
    return told + (f"Some failures never meet a missing pair: the first difference of one of them is in a "
                   f"{program} frame. Leaving arrays out removes more than COMPSWAP's decisions: every frame of "
                   f"their traces, and that {program} frame may be one the other arrays do not show alike.")


def _frame_of_step(trace: Any, index: int) -> str:
    """The program of the frame that makes step `index` (numbered as `Trace.walk` numbers them)."""
    open_calls: list[str] = []
    for k, (depth, step) in enumerate(trace.walk()):
        del open_calls[depth:]
        if k == index:
            return open_calls[-1] if open_calls else step.name
        open_calls.append(step.name)
    raise ValueError(f"the trace has no step {index}")


# ---- lesson 07: toposort
# Lesson 07's references and checks, kept here so that the notebook does not show the answers. Like every
# module but the task's own, they name no task: the lesson hands them the Task and the functions they need.
def recorded_observations(traces: Sequence[Any]) -> dict[Any, tuple[int, ...]]:
    """Lesson 07, exercise 1: state -> the observation the environment made in it, read off reference traces
    recorded with their states (the state a viewer shows at a step is the one the next step observed).

    >>> from npi_lib.addition import reference
    >>> trace = reference((7, 5))
    >>> seen = recorded_observations([trace])
    >>> seen[trace.initial_state]
    (7, 5, 10, 10)
    """
    from .trace import timeline  # lazy, like the other checks

    seen: dict[Any, tuple[int, ...]] = {}
    for trace in traces:
        moments = timeline(trace)
        for here, after in zip(moments, moments[1:]):
            seen[here.state] = after.step.obs  # type: ignore[assignment]
    return seen


def relabel_reference(task: Any, graph: Any, new_ids: Sequence[int]) -> Any:
    """Lesson 07, exercise 2: the same graph with vertex v renamed `new_ids[v - 1]`, as the task reads graphs.

    >>> from npi_lib.task import get_task
    >>> from npi_lib.toposort import Graph
    >>> relabel_reference(get_task("toposort"), Graph(3, ((1, 2), (1, 3))), [3, 1, 2])
    Graph(n=3, edges=((3, 1), (3, 2)))
    """
    edges = [[new_ids[u - 1], new_ids[v - 1]] for u, v in graph.edges]
    return task.parse_input({"n": graph.n, "edges": edges})


def missing_pairs_reference(task: Any, pairs_of: Callable[[Any], set], possible: Callable[[str], Iterable],
                            graphs: Sequence[Any], formulation: str = "recursive") -> set:
    """Lesson 07, exercise 3: the pairs `possible(formulation)` holds that no reference trace of `graphs`
    shows (`pairs_of(trace)`: a trace's (frame program, observation) pairs).

    >>> from npi_lib import toposort
    >>> missing = missing_pairs_reference(toposort.TASK, toposort.frame_inputs, toposort.all_frame_inputs,
    ...                                   [toposort.STARVED])
    >>> sorted(missing)[0]
    ('CHECK_CHILD', (1, 2, 0))
    """
    seen = set().union(*(pairs_of(task.reference(g, formulation, record_states=False)) for g in graphs))
    return set(possible(formulation)) - seen


def check_covering_graph(exercise: str, student: Callable[[], Any], base: Sequence[Any], task: Any,
                         missing_pairs: Callable[[list], set], largest: int = 3) -> CheckResult:
    """Lesson 07, exercise 4: a graph that, added to the graphs `base`, leaves `missing_pairs` empty. Any
    such graph passes. The fallback is one the check finds itself among all graphs of at most `largest`
    vertices; a graph the task cannot read gets the task's reason; one that covers too little, the pairs
    still missing.

    >>> from functools import partial
    >>> from npi_lib import toposort
    >>> missing = partial(missing_pairs_reference, toposort.TASK, toposort.frame_inputs, toposort.all_frame_inputs)
    >>> cycle = {"n": 2, "edges": [[1, 2], [2, 1]]}
    >>> check_covering_graph("ex", lambda: cycle, [toposort.STARVED], toposort.TASK, missing).passed
    ❌ ex: the graph has a cycle 1 → 2 → 1: topological sort needs a directed acyclic graph
    False
    """
    from itertools import product

    from .errors import ProblemError

    def smallest() -> Any:  # the first graph, fewest vertices first, that completes the set
        for n in range(1, largest + 1):
            pairs = [[u, v] for u in range(1, n + 1) for v in range(1, n + 1) if u != v]
            for keep in product((False, True), repeat=len(pairs)):
                try:
                    graph = task.parse_input({"n": n, "edges": [p for p, k in zip(pairs, keep) if k]})
                except ProblemError:  # a cycle
                    continue
                if not missing_pairs([*base, graph]):
                    return graph
        raise NpiLibError(f"no graph of at most {largest} vertices completes the set; raise `largest`")

    got, stop = _student_answer(exercise, student, smallest, (), "your graph")
    if stop is not None:
        return stop
    try:
        graph = task.parse_input(got)
    except ProblemError as e:
        return _report(exercise, False, False, str(e), smallest)
    missing = missing_pairs([*base, graph])
    total = len(missing_pairs([]))
    if missing:
        shown = ", ".join(f"{p} sees {o}" for p, o in sorted(missing))
        return _report(exercise, False, False,
                       f"with your graph the set shows {total - len(missing)} of {total} pairs; still missing: "
                       f"{shown}. What must happen in a graph for a frame to see that?", smallest)
    size = f"{graph.n} vertices, {len(graph.edges)} edge{'s' * (len(graph.edges) != 1)}"
    smaller = " Can you do it with fewer vertices?" if graph.n > smallest().n else ""
    return _report(exercise, True, False, f"your graph ({size}) completes the set: all {total} pairs.{smaller}",
                   lambda: graph)


def explain_coverage_run(formulation: str, covered: tuple[int, int], records: Sequence[dict], perfect: bool,
                         in_unshown_frame: int, failures: int) -> str:
    """Lesson 07, exercise 5: what a training run of the reader's shows. `covered` is the training set's
    (covered, total) pairs, `records` the evaluation (`npi_lib.evaluation.evaluate`), `failures` the wrong
    runs, of which `in_unshown_frame` first went wrong inside a frame holding a pair the training set never
    shows.

    >>> text = explain_coverage_run("recursive", (34, 34), [{"size": 5, "correct": 10, "n": 10}], True, 0, 0)
    >>> for sentence in text.split(". ")[:2]:
    ...     print(sentence)
    Trained on 34 of 34 pairs; right on 10 of 10 graphs of 5 vertices
    Every pair shown and every graph right: what coverage buys the recursive formulation
    """
    score = ", ".join(f"{r['correct']} of {r['n']} graphs of {r['size']} vertices" for r in records)
    told = f"Trained on {covered[0]} of {covered[1]} pairs; right on {score}."
    if not perfect:
        told += " Training stopped before every training step was right: train longer before reading more into it."
    complete = covered[0] == covered[1]
    shown_only = failures - in_unshown_frame
    if formulation == "recursive":
        if complete and not failures:
            return told + (" Every pair shown and every graph right: what coverage buys the recursive formulation. "
                           "A recursive frame is short and sees only colours, so a graph of any size is made of "
                           "situations it was shown. A sample, not a proof: pairs are not whole frames (the deep "
                           "dive).")
        if complete:
            return told + (f" Every pair shown, yet {failures} wrong: a frame's decision depends on the sequence of "
                           "observations within it, not on one pair, and this seed got a sequence never shown "
                           "wrong. Coverage of pairs is needed, and not always enough (the deep dive checks whole "
                           "frames).")
        told += (f" {covered[1] - covered[0]} pairs never shown; {in_unshown_frame} of the {failures} wrong runs "
                 "first went wrong in a frame that holds one of them")
        if not shown_only:
            return told + ": the failures sit where the training set is silent, as in section 4."
        return told + (f", the other {shown_only} in frames made of pairs it shows: a frame is a sequence, and "
                       "pairs are not the whole story.")
    return told + (f" The loop: {shown_only} of its {failures} wrong runs first went wrong in a frame made only of "
                   "pairs its training showed. A loop frame runs a whole search with h carried along, so a bigger "
                   "graph is a longer sequence never seen, whatever the pairs. Coverage of pairs helps the "
                   "recursive formulation only.")


# ---- lesson 08: quicksort
def partition_reference(task: Any, array: Sequence[int]) -> tuple[tuple[int, ...], int]:
    """Lesson 08, exercise 1, kept here so that the notebook does not show the answer: the array after the
    root frame's PARTITION (Lomuto's, on the whole array) and where the pivot value ended, both read from
    the quicksort environment (`task` is the quicksort Task) as the reference trace leaves it.

    >>> from npi_lib.quicksort import TASK
    >>> partition_reference(TASK, [3, 1, 2])
    ((1, 2, 3), 1)
    """
    if len(array) < 2:
        raise NpiLibError(f"{list(array)} has fewer than 2 elements: {task.entry('recursive')[0]} partitions nothing")
    root = task.reference(array, "recursive").root
    after = next(step for step in root.children if step.name == "PARTITION").state
    return after.array, after.p_pivot


def self_calls_reference(trace: Any) -> tuple[int, int]:
    """Lesson 08, exercise 2: (tail calls, other calls) among the calls a program makes to itself in
    `trace`; a tail call is the call step that carries the return flag.

    >>> from npi_lib.quicksort import reference
    >>> self_calls_reference(reference([3, 1, 2], "recursive"))
    (2, 2)
    """
    from .trace import frames

    calls = [step.ret for f in frames(trace) for step in f.steps if step.next_program == f.program]
    return sum(calls), len(calls) - sum(calls)


def sorted_nesting_reference(task: Any, n: int) -> int:
    """Lesson 08, exercise 3: the most QUICKSORT frames on the call stack at once while the recursive
    reference of `task` (the quicksort Task) sorts the already sorted array 0, 1, ..., n-1 (n <= 10: the
    array holds digits).

    >>> from npi_lib.quicksort import TASK
    >>> [sorted_nesting_reference(TASK, n) for n in (1, 2, 3)]
    [1, 2, 3]
    """
    entry = task.entry("recursive")[0]  # QUICKSORT
    deepest, path = 0, []  # path: is each open call the entry program?
    for depth, step in task.reference(tuple(range(n)), "recursive", record_states=False).walk():
        path = path[:depth] + [step.name == entry]
        deepest = max(deepest, sum(path))
    return deepest


def state_only_steps_reference(frame: Any) -> list[int]:
    """Lesson 08, exercise 4: the steps of a frame (0-based) whose observation the frame already met at an
    earlier step where it decided something else: decisions that only the controller state tells apart.

    >>> from npi_lib.quicksort import reference
    >>> from npi_lib.trace import frames
    >>> state_only_steps_reference(frames(reference([3, 1, 2], "recursive"))[0])
    [1, 2, 3, 5, 6, 7, 8]
    """
    def decision(step: Any) -> tuple:
        return step.next_program, tuple(step.next_args), step.ret

    return [t for t, step in enumerate(frame.steps)
            if any(s.obs == step.obs and decision(s) != decision(step) for s in frame.steps[:t])]


# ---------------------------------------------------------------------------------------------- lesson 09: verification
def call_height_reference(step: Any) -> int:
    """Lesson 09, exercise 1: the height of a call in a trace, the order of the proof's induction: 0 for a
    call that makes no calls (only primitives), else one more than its highest callee.

    >>> from npi_lib.quicksort import reference
    >>> call_height_reference(reference([3, 1, 2], "recursive").root)
    4
    """
    if not step.is_call:
        raise NpiLibError(f"{step.name} is a primitive step, not a call: only a call has a height")
    return max((1 + call_height_reference(c) for c in step.children if c.is_call), default=0)


def sequences_starting_reference(v: Any, program: str, first: tuple[int, ...]) -> set[tuple[tuple[int, ...], ...]]:
    """Lesson 09, exercise 2: the observations of every sequence of `v` (a `npi_lib.verify.V`) of `program`
    whose first observation is `first`, as a set of tuples of observations: what the enumeration found.

    >>> from npi_lib import verify
    >>> v = verify.build("quicksort")
    >>> len(sequences_starting_reference(v, "COMPSWAP", (1, 0, 1, 0)))
    2
    """
    return {s.observations for s in v if s.program == program and s.observations[0] == tuple(first)}


def check_counterexample(exercise: str, student: Callable[[], Any], model: Any, task: Any, formulation: str,
                         failures: Sequence[Any], size: Callable[[Any], int], at_least: int) -> CheckResult:
    """Lesson 09, exercise 3: the reader's input must be at least `at_least` large (`size(problem)`), meet a
    sequence of V on which the network failed (`failures`, `npi_lib.verify.Failure`s) and make the
    network's run leave the reference's. Falls back to the largest witness of the failures."""
    from .interpreter import run
    from .trace import first_difference
    from .verify import reference_sequences

    def fallback() -> Any:
        return max((f.witness for f in failures if f.witness is not None), key=size)

    try:
        problem = student()
    except NotImplementedError:
        return _not_attempted(exercise, fallback)
    except Exception as e:
        return _report(exercise, False, False, f"raised {type(e).__name__}: {e}", fallback)
    try:
        n = size(problem)
        met = reference_sequences(task, problem, formulation)
    except Exception as e:  # a malformed input is feedback, not a crash of "Run all"
        return _report(exercise, False, False, f"{_short(problem)} is not a valid input: {e}", fallback)
    if n < at_least:
        return _report(exercise, False, False, f"{_short(problem)} has size {n}; make it at least {at_least}: "
                       "the point is that the failure does not go away as inputs grow.", fallback)
    hit = [f for f in failures if f.sequence in met]
    if not hit:
        return _report(exercise, False, False, f"the reference run of {_short(problem)} meets none of the failed "
                       "sequences: look at what the failures' inputs have in common, and keep that part.", fallback)
    r = run(model, task, problem, formulation)
    k = first_difference(r.trace, r.reference)
    if k is None:
        return _report(exercise, False, False, f"{_short(problem)} meets a failed sequence, yet the network's run "
                       "equals the reference, which the check on V says cannot happen: please report it.", fallback)
    answer = "right" if r.correct else "wrong"
    return _report(exercise, True, False, f"{_short(problem)} (size {n}) meets {len(hit)} failed sequence"
                   f"{'s' * (len(hit) != 1)}; the network's run leaves the reference at step {k}, and its answer "
                   f"is {answer}.", lambda: problem)
