"""Tests of npi_lib.rpn: the RPN calculator and the shunting-yard translation from infix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib.errors import ForthError
from npi_lib.rpn import evaluate_infix, evaluate_rpn, infix_to_rpn, rpn_trace
from npi_lib.trace import Trace, timeline

# ---------------------------------------------------------------------------------------------- oracle
# An expression tree is an int, ("neg", tree) or (op, left, right); Python evaluates it independently.
PY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a // b, "mod": lambda a, b: a % b}
PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "mod": 2}

numbers = st.one_of(st.integers(-20, 20), st.integers(-(10**30), 10**30))
trees = st.recursive(
    numbers,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(PY)), sub, sub),
        st.tuples(st.just("neg"), sub),
    ),
    max_leaves=12,
)


def py_eval(tree) -> int:
    if isinstance(tree, int):
        return tree
    if tree[0] == "neg":
        return -py_eval(tree[1])
    op, a, b = tree
    return PY[op](py_eval(a), py_eval(b))  # raises ZeroDivisionError on a zero divisor


def to_rpn(tree) -> str:
    if isinstance(tree, int):
        return str(tree)
    if tree[0] == "neg":
        return f"0 {to_rpn(tree[1])} -"
    op, a, b = tree
    return f"{to_rpn(a)} {to_rpn(b)} {op}"


def to_infix(tree, draw) -> str:
    """Infix with only the parentheses precedence and left associativity need, plus some random extra ones."""
    if isinstance(tree, int):
        text = str(tree)
    elif tree[0] == "neg":
        inner = to_infix(tree[1], draw)
        text = "-" + (f"({inner})" if isinstance(tree[1], tuple) and tree[1][0] != "neg" else inner)
    else:
        op, a, b = tree
        left, right = to_infix(a, draw), to_infix(b, draw)
        if _prec(a) < PREC[op]:
            left = f"({left})"
        if _prec(b) <= PREC[op]:
            right = f"({right})"
        space = " " if op == "mod" else draw(st.sampled_from(["", " "]))
        text = f"{left}{space}{op}{space}{right}"
    return f"({text})" if draw(st.integers(0, 9)) == 0 else text


def _prec(tree) -> int:
    return 3 if isinstance(tree, int) or tree[0] == "neg" else PREC[tree[0]]


def expected(tree):
    try:
        return py_eval(tree)
    except ZeroDivisionError:
        return ZeroDivisionError


# ---------------------------------------------------------------------------------------------- properties
@settings(derandomize=True, max_examples=150, deadline=None)
@given(trees, st.data())
def test_infix_through_rpn_agrees_with_python(tree, data):
    infix = to_infix(tree, data.draw)
    want = expected(tree)
    if want is ZeroDivisionError:
        with pytest.raises(ForthError, match="division by zero"):
            evaluate_infix(infix)
    else:
        assert evaluate_rpn(infix_to_rpn(infix)) == want, infix


@settings(derandomize=True, max_examples=150, deadline=None)
@given(trees)
def test_rpn_of_the_tree_agrees_with_python(tree):
    want = expected(tree)
    if want is ZeroDivisionError:
        with pytest.raises(ForthError, match="division by zero"):
            evaluate_rpn(to_rpn(tree))
    else:
        assert evaluate_rpn(to_rpn(tree)) == want


@settings(derandomize=True, max_examples=100, deadline=None)
@given(trees.filter(lambda t: expected(t) is not ZeroDivisionError))
def test_trace_ends_with_the_value_and_has_a_step_per_token(tree):
    source = to_rpn(tree)
    t = rpn_trace(source)
    assert len(t.root.children) == len(source.split())
    assert [s.pos for s in t.root.children] == list(range(len(source.split())))
    assert t.root.children[-1].state == (py_eval(tree),)


# ---------------------------------------------------------------------------------------------- examples
@pytest.mark.parametrize(
    "source, value",
    [
        ("5 3 + 2 *", 16),
        ("42", 42),
        ("-3 4 *", -12),
        ("2 3 4 * +", 14),
        ("10 3 -", 7),
        ("-7 2 /", -4),
        ("-7 2 mod", 1),
        ("7 -2 /", -4),
        ("7 -2 MOD", -1),
        ("99999999999999999999 99999999999999999999 *", 99999999999999999999**2),
    ],
)
def test_evaluate_rpn_examples(source, value):
    assert evaluate_rpn(source) == value


@pytest.mark.parametrize(
    "infix, rpn",
    [
        ("(5 + 3) * 2", "5 3 + 2 *"),
        ("5 + 3 * 2", "5 3 2 * +"),
        ("1 - 2 - 3", "1 2 - 3 -"),
        ("8 / 4 / 2", "8 4 / 2 /"),
        ("1 - (2 - 3)", "1 2 3 - -"),
        ("7 mod 3 * 2", "7 3 mod 2 *"),
        ("7 MOD 3", "7 3 mod"),
        ("-3 * 2", "-3 2 *"),
        ("2 - -3", "2 -3 -"),
        ("2--3", "2 -3 -"),
        ("-(2 + 3)", "0 2 3 + -"),
        ("+4", "4"),
        ("((((1))))", "1"),
    ],
)
def test_infix_to_rpn_examples(infix, rpn):
    assert infix_to_rpn(infix) == rpn


def test_unary_minus_binds_tighter_than_division_as_in_python():
    assert evaluate_infix("-7 / 2") == -7 // 2 == -4
    assert evaluate_infix("-(7 / 2)") == -(7 // 2) == -3


def test_trace_records_each_token_with_the_stack_after_it():
    t = rpn_trace("5 3 + 2 *")
    assert isinstance(t, Trace) and t.root.name == "RPN" and t.initial_state == ()
    assert [(s.name, s.pos, s.state, s.is_call) for s in t.root.children] == [
        ("5", 0, (5,), False),
        ("3", 1, (5, 3), False),
        ("+", 2, (8,), False),
        ("2", 3, (8, 2), False),
        ("*", 4, (16,), False),
    ]
    assert t.root.state == (16,)
    assert [m.state for m in timeline(t)][-1] == (16,)


def test_trace_of_a_failing_expression_is_attached_to_the_error():
    with pytest.raises(ForthError) as info:
        rpn_trace("1 2 + +")
    assert [s.name for s in info.value.trace.root.children] == ["1", "2", "+"]


# ---------------------------------------------------------------------------------------------- errors
def raises(fn, source) -> ForthError:
    with pytest.raises(ForthError) as info:
        fn(source)
    return info.value


def test_underflow_names_the_word_what_it_needs_and_what_the_stack_has():
    e = raises(evaluate_rpn, "1 + 2")
    assert (e.word, e.position) == ("+", 1)
    assert "stack underflow" in str(e) and "needs 2 values" in str(e) and "has 1" in str(e)
    assert "token 1" in str(e)


def test_unknown_word_is_named_with_its_position_and_the_valid_words():
    e = raises(evaluate_rpn, "1 2 ^")
    assert (e.word, e.position) == ("^", 2)
    assert "unknown word '^'" in str(e) and "+ - * / mod" in str(e)


def test_division_by_zero_names_the_operator():
    for op in ("/", "mod"):
        e = raises(evaluate_rpn, f"1 0 {op}")
        assert (e.word, e.position) == (op, 2) and "division by zero" in str(e)


@pytest.mark.parametrize("token", ["1.5", "3x", "+3", "1e5", ".5"])
def test_malformed_number_is_named(token):
    e = raises(evaluate_rpn, f"1 {token} +")
    assert (e.word, e.position) == (token, 1) and "malformed number" in str(e)


def test_leftover_values_say_how_many_remain():
    e = raises(evaluate_rpn, "1 2 3 +")
    assert "leaves 2 values" in str(e) and "exactly one" in str(e) and "(1 5)" in str(e)
    assert e.position == 4


@pytest.mark.parametrize("source", ["", "   \n "])
def test_empty_input_is_an_error(source):
    assert "empty expression" in str(raises(evaluate_rpn, source))
    assert "empty expression" in str(raises(infix_to_rpn, source))


def test_unmatched_closing_parenthesis_is_named():
    e = raises(infix_to_rpn, "(1 + 2))")
    assert (e.word, e.position) == (")", 5) and "unmatched ')'" in str(e) and "character 7" in str(e)


def test_unclosed_opening_parenthesis_is_named():
    e = raises(infix_to_rpn, "1 * ((2 + 3)")
    assert (e.word, e.position) == ("(", 2) and "unclosed '('" in str(e) and "character 4" in str(e)


def test_unknown_symbol_in_infix_is_named_with_the_valid_ones():
    e = raises(infix_to_rpn, "2 ^ 3")
    assert (e.word, e.position) == ("^", 1) and "unknown symbol '^'" in str(e) and "parentheses" in str(e)
    assert raises(infix_to_rpn, "x + 1").word == "x"


def test_malformed_number_in_infix_is_named():
    e = raises(infix_to_rpn, "1 + 2.5")
    assert (e.word, e.position) == ("2.5", 2) and "malformed number" in str(e)


@pytest.mark.parametrize(
    "infix, word, message",
    [
        ("1 +", "+", "ends after '+'"),
        ("* 2", "*", "no left operand"),
        ("1 * / 2", "/", "no left operand"),
        ("()", ")", "empty"),
        ("1 2", "2", "missing operator"),
        ("2 (3)", "(", "missing operator"),
        ("(", "(", "ends after '('"),
    ],
)
def test_infix_syntax_errors_name_the_token(infix, word, message):
    e = raises(infix_to_rpn, infix)
    assert e.word == word and message in str(e)
