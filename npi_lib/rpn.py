"""RPN: the calculator that needs nothing but a stack, the first machine of lesson 01.

In reverse Polish notation an operator comes after its two operands, so evaluation is one pass: a number is
pushed; an operator pops two values and pushes the result. Infix expressions are turned into RPN by
Dijkstra's shunting-yard algorithm.

    >>> evaluate_rpn("5 3 + 2 *")
    16
    >>> infix_to_rpn("(5 + 3) * 2")
    '5 3 + 2 *'
    >>> [step.state for step in rpn_trace("5 3 + 2 *").root.children]
    [(5,), (5, 3), (8,), (8, 2), (16,)]

Integers have arbitrary size. `/` and `mod` are floored, like Python's `//` and `%` (and like `/` and `MOD`
of `npi_lib.forth`): the quotient rounds towards minus infinity and the remainder has the divisor's sign.

    >>> evaluate_rpn("-7 2 /"), evaluate_rpn("-7 2 mod")
    (-4, 1)
"""

from __future__ import annotations

import operator
import re
from typing import Callable

from .errors import ForthError
from .trace import Step, Trace

OPERATORS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.floordiv,
    "mod": operator.mod,
}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "mod": 2}  # all left-associative
NEGATE = "neg"  # unary minus inside the shunting yard; it binds tighter than any binary operator, as in Python
VALID_RPN = "integers such as 42 or -7, and the operators + - * / mod"
VALID_INFIX = "integers, the operators + - * / mod, and parentheses"

_INTEGER = re.compile(r"-?\d+")
_LOOKS_NUMERIC = re.compile(r"[-+]?\.?\d")  # starts like a number: a bad one is "malformed", not "unknown"


# ---------------------------------------------------------------------------------------------- evaluation
def evaluate_rpn(source: str) -> int:
    """The value of an RPN expression: tokens separated by spaces, which must leave exactly one value.

    >>> evaluate_rpn("2 3 4 * +")
    14
    """
    return _run(source, None)


def rpn_trace(source: str) -> Trace:
    """Evaluate `source` and record a trace: one leaf step per token, its state the stack (a tuple) after it.

    >>> t = rpn_trace("1 2 +")
    >>> [(s.name, s.pos, s.state) for s in t.root.children]
    [('1', 0, (1,)), ('2', 1, (1, 2)), ('+', 2, (3,))]
    """
    root = Step("RPN", children=[])
    try:
        _run(source, root.children)
    except ForthError as e:
        root.state = root.children[-1].state if root.children else ()
        e.trace = Trace(root, (), "rpn")  # type: ignore[attr-defined]  # the steps up to the error
        raise
    root.state = root.children[-1].state
    return Trace(root, (), "rpn")


def _run(source: str, steps: list[Step] | None) -> int:
    tokens = source.split()
    if not tokens:
        raise ForthError(f"empty expression: give {VALID_RPN}, e.g. '5 3 +'", position=0)
    stack: list[int] = []
    for pos, token in enumerate(tokens):
        word = token.lower()
        if word in OPERATORS:
            if len(stack) < 2:
                raise ForthError(
                    f"stack underflow: {word} needs 2 values, the stack has {len(stack)}; "
                    f"give both operands before it, e.g. '5 3 {word}'",
                    token,
                    pos,
                )
            b = stack.pop()
            a = stack.pop()
            if b == 0 and word in ("/", "mod"):
                raise ForthError(f"division by zero: {a} {b} {word} divides by 0", token, pos)
            stack.append(OPERATORS[word](a, b))
            name = word
        else:
            stack.append(_parse_number(token, pos, VALID_RPN))
            name = str(stack[-1])
        if steps is not None:
            steps.append(Step(name, state=tuple(stack), pos=pos))
    if len(stack) != 1:
        values = " ".join(str(v) for v in stack)
        raise ForthError(
            f"the expression leaves {len(stack)} values on the stack ({values}) after its last token "
            f"{tokens[-1]!r} (token {len(tokens) - 1}); an RPN expression must leave exactly one: "
            f"is an operator missing?",
            position=len(tokens),
        )
    return stack[0]


def _parse_number(token: str, pos: int, valid: str) -> int:
    if _INTEGER.fullmatch(token):
        try:
            return int(token)
        except ValueError:  # Python refuses to parse integers of more than 4300 digits
            raise ForthError(f"number too long: {len(token)} digits, more than Python reads", token[:20] + "...", pos) from None
    if _LOOKS_NUMERIC.match(token):
        raise ForthError(f"malformed number {token!r}: valid are {valid}", token, pos)
    raise ForthError(f"unknown word {token!r}: valid are {valid}", token, pos)


# ---------------------------------------------------------------------------------------------- infix
_INFIX_TOKEN = re.compile(r"\.?\d[\w.]*|[A-Za-z_]\w*|\S")


def infix_to_rpn(expression: str) -> str:
    """Translate an infix expression into RPN by the shunting-yard algorithm.

    `* / mod` bind tighter than `+ -`; operators of equal precedence group to the left; a minus sign in
    front of a number makes a negative literal, and in front of a parenthesis `-(x)` becomes `0 x -`.

    >>> infix_to_rpn("1 - 2 - 3"), infix_to_rpn("1 + 2 * 3"), infix_to_rpn("-4 * -(2 + 1)")
    ('1 2 - 3 -', '1 2 3 * +', '-4 0 2 1 + - *')
    """
    tokens = [(m.group(), m.start()) for m in _INFIX_TOKEN.finditer(expression)]
    if not tokens:
        raise ForthError(f"empty expression: give {VALID_INFIX}, e.g. '(5 + 3) * 2'", position=0)
    output: list[str] = []
    pending: list[tuple[str, int]] = []  # operators and "(" waiting, with their token index
    expect_operand = True  # the grammar alternates operand, operator, operand, ...
    i = 0
    while i < len(tokens):
        text, at = tokens[i]
        word = text.lower()
        where = f"at character {at}"
        if expect_operand:
            if word in ("-", "+"):  # a sign, not a binary operator
                if i + 1 < len(tokens) and _INTEGER.fullmatch(tokens[i + 1][0]):
                    value = _infix_number(tokens[i + 1][0], i + 1, tokens[i + 1][1])
                    output.append(str(-value if word == "-" else value))
                    expect_operand = False
                    i += 1
                elif word == "-":
                    output.append("0")
                    pending.append((NEGATE, i))
            elif word == "(":
                pending.append(("(", i))
            elif word == ")":
                before = "'()' is empty" if i and tokens[i - 1][0] == "(" else "')' follows an operator"
                raise ForthError(f"missing operand {where}: {before}; put a number or expression there", text, i)
            elif word in PRECEDENCE:
                after = f"after {tokens[i - 1][0]!r}" if i else "at the start"
                raise ForthError(f"operator {word} {where} has no left operand {after}", text, i)
            else:
                output.append(str(_infix_number(text, i, at)))
                expect_operand = False
        else:
            if word in PRECEDENCE:
                while pending and pending[-1][0] != "(" and _precedence(pending[-1][0]) >= PRECEDENCE[word]:
                    output.append(_rpn_word(pending.pop()[0]))
                pending.append((word, i))
                expect_operand = True
            elif word == ")":
                while pending and pending[-1][0] != "(":
                    output.append(_rpn_word(pending.pop()[0]))
                if not pending:
                    raise ForthError(f"unmatched ')' {where}: no '(' before it to close", text, i)
                pending.pop()
            elif word == "(" or _INTEGER.fullmatch(text):
                raise ForthError(
                    f"missing operator {where} between {tokens[i - 1][0]!r} and {text!r}; "
                    f"put one of + - * / mod between them",
                    text,
                    i,
                )
            else:
                _infix_number(text, i, at)  # raises: a malformed number or an unknown symbol
        i += 1
    if expect_operand:
        last = tokens[-1][0]
        raise ForthError(
            f"the expression ends after {last!r}: a number or '(' must follow it", last, len(tokens) - 1
        )
    while pending:
        word, i = pending.pop()
        if word == "(":
            raise ForthError(f"unclosed '(' at character {tokens[i][1]}: add a ')' to close it", "(", i)
        output.append(_rpn_word(word))
    return " ".join(output)


def evaluate_infix(expression: str) -> int:
    """The value of an infix expression, by way of RPN.

    >>> evaluate_infix("7 - 2 * 3 mod 4")
    5
    """
    return evaluate_rpn(infix_to_rpn(expression))


def _precedence(word: str) -> int:
    return 3 if word == NEGATE else PRECEDENCE[word]


def _rpn_word(word: str) -> str:
    return "-" if word == NEGATE else word  # -(x) was started as "0 x", so a binary minus finishes it


def _infix_number(text: str, i: int, at: int) -> int:
    if _INTEGER.fullmatch(text) or _LOOKS_NUMERIC.match(text):
        return _parse_number(text, i, VALID_INFIX)
    raise ForthError(f"unknown symbol {text!r} at character {at}: use {VALID_INFIX}", text, i)
