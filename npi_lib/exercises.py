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


@dataclass
class CheckResult:
    """What a check found. `use` is the function to carry on with: the student's if it passed,
    otherwise the reference solution (so later cells keep working)."""

    exercise: str
    passed: bool
    fallback: bool
    message: str
    use: Callable[..., Any]

    def __bool__(self) -> bool:
        return self.passed


def _report(exercise: str, passed: bool, fallback: bool, message: str, use: Callable) -> CheckResult:
    mark = "✅" if passed else ("⏭ " if fallback else "❌")
    print(f"{mark} {exercise}: {message}")
    return CheckResult(exercise, passed, fallback, message, use)


def _not_attempted(exercise: str, reference: Callable) -> CheckResult:
    return _report(
        exercise,
        False,
        True,
        "not attempted yet. Using the reference solution so the rest of the notebook runs.",
        reference,
    )


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
            if hint is not None:
                msg += " " + hint(args, got, expected)
            return _report(exercise, False, False, msg.strip(), reference)
    n = len(cases)
    return _report(exercise, True, False, f"correct on all {n} test case{'s' if n != 1 else ''}.", student)


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
