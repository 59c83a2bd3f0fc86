"""Tests of npi_lib.forth: the Forth interpreter, its errors and its traces."""

from __future__ import annotations


import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib.errors import ForthError
from npi_lib.forth import Forth, ForthState, ReturnAddress, tokenize
from npi_lib.trace import Trace, format_tree, timeline


def run(source: str, **limits) -> str:
    return Forth(**limits).run(source)


def error(source: str, forth: Forth | None = None, **limits) -> ForthError:
    with pytest.raises(ForthError) as info:
        (forth or Forth(**limits)).run(source)
    return info.value


# ---------------------------------------------------------------------------------------------- programs
FACT = ": FACT ( n -- n! ) DUP 1 > IF DUP 1- RECURSE * THEN ;"
FIB = ": FIB ( n -- fib ) DUP 2 < IF EXIT THEN DUP 1- RECURSE SWAP 2 - RECURSE + ;"
GCD = ": GCD ( a b -- gcd ) BEGIN DUP WHILE TUCK MOD REPEAT DROP ;"


@pytest.mark.parametrize(
    "source, printed",
    [
        ("1 2 + .", "3 "),
        ("-5 .", "-5 "),
        (f"{FACT} 5 FACT . 1 FACT . 20 FACT .", "120 1 2432902008176640000 "),
        (f"{FACT} 30 FACT .", "265252859812191058636308480000000 "),  # no 64-bit wrap-around
        (f"{FIB} 0 FIB . 1 FIB . 10 FIB . 20 FIB .", "0 1 55 6765 "),
        (": FIBS ( n -- ) 0 1 ROT 0 DO OVER . TUCK + LOOP 2DROP ; 10 FIBS", "0 1 1 2 3 5 8 13 21 34 "),
        (f"{GCD} 48 18 GCD . 17 5 GCD . 0 7 GCD .", "6 1 7 "),
        (": SUM ( n -- sum ) 0 SWAP 1+ 1 DO I + LOOP ; 100 SUM .", "5050 "),
        (": COUNTDOWN ( n -- ) BEGIN DUP . 1- DUP 0= UNTIL DROP ; 3 COUNTDOWN", "3 2 1 "),
        (": SIGN ( n -- ) DUP 0< IF DROP -1 ELSE 0> IF 1 ELSE 0 THEN THEN . ; -9 SIGN 0 SIGN 4 SIGN", "-1 0 1 "),
        (": T 3 0 DO 2 0 DO J 10 * I + . LOOP LOOP ; T", "0 1 10 11 20 21 "),
        (": T 10 0 DO I . 3 +LOOP ; T", "0 3 6 9 "),
        (": T 0 5 DO I . -1 +LOOP ; T", "5 4 3 2 1 0 "),
        (": T 5 5 DO I . LEAVE LOOP ; T", "5 "),  # DO runs its body at least once
        (": T 0 0 ?DO I . LOOP 1 . ; T", "1 "),
        (": T 100 0 DO I DUP 3 = IF DROP LEAVE THEN . LOOP ; T", "0 1 2 "),
        (": T 7 >R R@ R> + . ; T", "14 "),
        (": T 10 0 DO I 2 = IF UNLOOP EXIT THEN I . LOOP ; T", "0 1 "),
        ("72 EMIT 105 EMIT CR", "Hi\n"),
        ("1 SPACE 2 .", " 2 "),
        ("1 2 3 .S", "<3> 1 2 3 "),
        (".S", "<0> "),
        ("1 2 = . 2 2 = . 1 2 <> . 1 2 < . 1 2 > . 0 0= . -3 0< . 3 0> .", "0 -1 -1 -1 0 -1 -1 -1 "),
        ("-3 ABS . 3 NEGATE . 2 7 MIN . 2 7 MAX . 5 1+ . 5 1- .", "3 -3 2 7 6 4 "),
        ("1 2 3 ROT .S", "<3> 2 3 1 "),
        ("1 2 NIP . 1 2 TUCK .S", "2 <3> 2 1 2 "),
        ("-1 0 AND . -1 0 OR . 5 3 XOR . 0 INVERT .", "0 -1 6 -1 "),
    ],
)
def test_programs_print_what_standard_forth_prints(source, printed):
    assert run(source) == printed


@pytest.mark.parametrize(
    "source, stack",
    [
        ("-7 2 /", [-4]),
        ("-7 2 MOD", [1]),
        ("7 -2 /", [-4]),
        ("7 -2 MOD", [-1]),
        ("7 -2 /MOD", [-1, -4]),  # remainder, then quotient
        ("-7 2 /MOD", [1, -4]),
        ("7 2 /MOD", [1, 3]),
        ("-7 -2 /MOD", [-1, 3]),
    ],
)
def test_division_is_floored(source, stack):
    f = Forth()
    f.run(source)
    assert f.stack == stack


def test_words_are_case_insensitive():
    assert run(": square dup * ; 3 SQUARE . 4 Square .") == "9 16 "


def test_comments_are_skipped():
    source = """
    \\ a line comment: 1 2 3
    : SQUARE ( n -- n*n ) DUP * ;   \\ trailing comment
    ( a comment
      over two lines ) 3 SQUARE .
    """
    assert run(source) == "9 "
    assert [t.text for t in tokenize(source)] == [":", "SQUARE", "DUP", "*", ";", "3", "SQUARE", "."]


def test_stacks_persist_between_runs():
    f = Forth()
    f.run(": SQUARE DUP * ; 3")
    assert f.run("SQUARE .") == "9 " and f.stack == [] and f.rstack == []


def test_a_redefinition_shadows_but_old_callers_keep_the_old_word():
    f = Forth()
    assert f.run(": A 1 ; : B A ; : A 2 ; A . B .") == "2 1 "
    assert f.run(": A A 10 * ; A .") == "20 "  # inside its definition A still means the previous A
    assert f.words() == ["B", "A"]


def test_a_built_in_can_be_redefined():
    assert run(": DUP 42 ; DUP .") == "42 "


def test_see_shows_resolved_jump_targets():
    f = Forth()
    f.run(": T 0 BEGIN 1+ DUP 3 = UNTIL ;")
    assert "0branch -> 1  (UNTIL)" in f.see("T")


# ---------------------------------------------------------------------------------------------- properties
FORTH_BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a // b,
    "MOD": lambda a, b: a % b,
    "MIN": min,
    "MAX": max,
    "=": lambda a, b: -1 if a == b else 0,
    "<": lambda a, b: -1 if a < b else 0,
    ">": lambda a, b: -1 if a > b else 0,
}
FORTH_UNARY = {"NEGATE": lambda a: -a, "ABS": abs, "1+": lambda a: a + 1, "0=": lambda a: -1 if a == 0 else 0}

expressions = st.recursive(
    st.one_of(st.integers(-20, 20), st.integers(-(10**25), 10**25)),
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(FORTH_BINARY)), sub, sub),
        st.tuples(st.sampled_from(sorted(FORTH_UNARY)), sub),
    ),
    max_leaves=10,
)


def py_value(e) -> int:
    if isinstance(e, int):
        return e
    if len(e) == 2:
        return FORTH_UNARY[e[0]](py_value(e[1]))
    return FORTH_BINARY[e[0]](py_value(e[1]), py_value(e[2]))


def postfix(e) -> str:
    if isinstance(e, int):
        return str(e)
    return " ".join([*(postfix(x) for x in e[1:]), e[0]])


@settings(derandomize=True, max_examples=200, deadline=None)
@given(expressions)
def test_compiled_arithmetic_agrees_with_python(e):
    f = Forth()
    try:
        want = py_value(e)
    except ZeroDivisionError:
        with pytest.raises(ForthError, match="division by zero in F"):
            f.run(f": F {postfix(e)} ; F")
        return
    assert f.run(f": F {postfix(e)} ; F .") == f"{want} "
    assert f.stack == [] and f.rstack == []


def model(word: str, s: list[int]) -> None:
    """Forth-2012's stack effects, written independently of npi_lib.forth's table."""
    if word == "DUP":
        s.append(s[-1])
    elif word == "DROP":
        s.pop()
    elif word == "SWAP":
        s[-1], s[-2] = s[-2], s[-1]
    elif word == "OVER":
        s.append(s[-2])
    elif word == "ROT":
        s.append(s.pop(-3))
    elif word == "NIP":
        del s[-2]
    elif word == "TUCK":
        s.insert(-2, s[-1])
    elif word == "2DUP":
        s.extend(s[-2:])
    elif word == "2DROP":
        del s[-2:]


NEEDS = {"DUP": 1, "DROP": 1, "SWAP": 2, "OVER": 2, "ROT": 3, "NIP": 2, "TUCK": 2, "2DUP": 2, "2DROP": 2}


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.integers(-9, 9), max_size=5), st.lists(st.sampled_from(sorted(NEEDS)), max_size=12))
def test_stack_words_agree_with_a_model_and_underflow_names_the_word(initial, words):
    f = Forth()
    f.stack[:] = initial
    s = list(initial)
    for i, word in enumerate(words):
        if len(s) < NEEDS[word]:
            e = error(" ".join(words), f)
            assert (e.word, e.position) == (word, i)
            assert f"stack underflow: {word} needs {NEEDS[word]} value" in str(e)
            assert f.stack == initial  # a failed run changes nothing
            return
        model(word, s)
    f.run(" ".join(words))
    assert f.stack == s


@settings(derandomize=True, max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["1", "2", "+", "DUP", "DROP", ".", "0", "/", "SQ", "NOPE", ": X", ";"]), max_size=10))
def test_state_is_unchanged_after_a_failed_run(words):
    f = Forth()
    f.run(": SQ DUP * ; 5 7")
    before = (list(f.stack), list(f.rstack), dict(f.dictionary), len(f.definitions))
    try:
        f.run(" ".join(words))
    except ForthError:
        assert (f.stack, f.rstack, f.dictionary, len(f.definitions)) == before


# ---------------------------------------------------------------------------------------------- errors
def test_underflow_names_the_word():
    e = error("1 +")
    assert (e.word, e.position) == ("+", 1)
    assert "stack underflow: + needs 2 values, the stack has 1" in str(e) and "token 1" in str(e)


def test_underflow_inside_a_definition_names_the_definition():
    e = error(": ADD2 + + ; 1 2 ADD2")
    assert (e.word, e.position) == ("+", 3) and "in ADD2" in str(e)


def test_if_without_a_flag_is_an_underflow_of_if():
    e = error(": T IF 1 THEN ; T")
    assert e.word == "IF" and "needs 1 value (a flag)" in str(e)


def test_unknown_word_is_named_with_a_suggestion():
    e = error("1 2 SWPA")
    assert (e.word, e.position) == ("SWPA", 2)
    assert "unknown word 'SWPA'" in str(e) and "did you mean SWAP?" in str(e)


def test_unknown_word_in_a_definition_is_a_compile_error():
    f = Forth()
    e = error(": F 1 FROB ; ", f)
    assert (e.word, e.position) == ("FROB", 3) and "in the definition of F" in str(e)
    assert "F" not in f.dictionary  # a definition that failed to compile is not added


def test_division_by_zero_names_the_word():
    for word in ("/", "MOD", "/MOD"):
        e = error(f"1 0 {word}")
        assert (e.word, e.position) == (word, 2) and "division by zero" in str(e)


def test_unterminated_definition_is_named():
    e = error("1 : F 2 3")
    assert (e.word, e.position) == (":", 1) and "unterminated definition" in str(e) and "': F'" in str(e)


def test_unterminated_comment_is_named():
    e = error("1 2 ( never closed")
    assert (e.word, e.position) == ("(", 2) and "unterminated comment" in str(e) and "')'" in str(e)


@pytest.mark.parametrize(
    "source, word, position, message",
    [
        (": F 1 IF 2 ;", "IF", 3, "IF without THEN"),
        (": F 1 IF 2 ELSE 3 ;", "ELSE", 5, "ELSE without THEN"),
        (": F ELSE ;", "ELSE", 2, "ELSE without IF"),
        (": F THEN ;", "THEN", 2, "THEN without IF"),
        (": F UNTIL ;", "UNTIL", 2, "UNTIL without BEGIN"),
        (": F AGAIN ;", "AGAIN", 2, "AGAIN without BEGIN"),
        (": F BEGIN ;", "BEGIN", 2, "BEGIN without UNTIL"),
        (": F WHILE ;", "WHILE", 2, "WHILE without BEGIN"),
        (": F BEGIN 1 WHILE ;", "WHILE", 4, "WHILE without REPEAT"),
        (": F BEGIN REPEAT ;", "REPEAT", 3, "REPEAT without WHILE"),
        (": F LOOP ;", "LOOP", 2, "LOOP without DO"),
        (": F +LOOP ;", "+LOOP", 2, "+LOOP without DO"),
        (": F 3 0 DO ;", "DO", 4, "DO without LOOP"),
        (": F I ;", "I", 2, "I outside a DO"),
        (": F 2 0 DO J LOOP ;", "J", 5, "J outside two nested DO"),
        (": F LEAVE ;", "LEAVE", 2, "LEAVE outside a DO"),
        (": F 1 IF BEGIN THEN ;", "THEN", 5, "innermost open structure is BEGIN at token 4"),
    ],
)
def test_unbalanced_control_structures_name_the_word_and_position(source, word, position, message):
    e = error(source)
    assert (e.word, e.position) == (word, position) and message in str(e) and "definition of F" in str(e)


@pytest.mark.parametrize("word", ["IF", "ELSE", "THEN", "BEGIN", "UNTIL", "DO", "LOOP", "I", "EXIT", "RECURSE", ">R"])
def test_control_words_are_compile_only(word):
    e = error(f"1 {word}")
    assert (e.word, e.position) == (word, 1) and f"{word} is compile-only: use it inside a : definition" in str(e)


def test_semicolon_outside_a_definition_is_an_error():
    e = error("1 2 ;")
    assert (e.word, e.position) == (";", 2) and "outside a definition" in str(e)


@pytest.mark.parametrize("source", [":", "1 2 :", ": ;"])
def test_missing_name_after_colon_is_an_error(source):
    e = error(source)
    assert e.word == ":" and "needs a name after it" in str(e)


def test_control_words_cannot_be_redefined():
    e = error(": IF 1 ;")
    assert (e.word, e.position) == ("IF", 1) and "cannot define IF" in str(e)


def test_nested_colon_is_an_error():
    e = error(": F : G ; ;")
    assert (e.word, e.position) == (":", 2) and "inside the definition of F" in str(e)


def test_runaway_recursion_is_a_return_stack_overflow_not_a_recursion_error():
    e = error(": F 1 RECURSE ; F", rstack_limit=500)
    assert "return stack overflow" in str(e) and "more than 500" in str(e) and "RECURSE" in str(e)
    assert (e.word, e.position) == ("F", 3)


def test_deep_recursion_within_the_limit_needs_no_python_recursion():
    f = Forth(rstack_limit=30_000)
    f.run(": DOWN DUP IF 1- RECURSE THEN ; 20000 DOWN")
    assert f.stack == [0]


def test_endless_loop_is_stopped_by_the_step_limit():
    e = error(": F BEGIN 0 UNTIL ; F", step_limit=20_000)
    assert "step limit: more than 20000 steps in F" in str(e) and e.word in ("0", "UNTIL")


def test_endless_pushing_is_a_stack_overflow():
    e = error(": F BEGIN 1 AGAIN ; F", stack_limit=1000)
    assert "stack overflow in F" in str(e) and e.word == "1"


def test_exit_inside_a_loop_without_unloop_is_reported():
    e = error(": F 3 0 DO EXIT LOOP ; F")
    assert e.word == "EXIT" and "UNLOOP" in str(e)


def test_unbalanced_return_stack_is_reported_at_semicolon():
    e = error(": F 1 >R ; F")
    assert (e.word, e.position) == (";", 4) and "every >R needs an R>" in str(e)


def test_r_from_without_to_r_is_reported():
    e = error(": F R> ; F")
    assert e.word == "R>" and "needs a >R before it" in str(e)


def test_emit_of_an_invalid_code_is_reported():
    e = error("-1 EMIT")
    assert e.word == "EMIT" and "character code" in str(e)


def test_error_carries_the_output_printed_before_it():
    e = error("1 . 2 . FOO 3 .")
    assert e.output == "1 2 "


def test_a_failed_run_leaves_state_and_dictionary_unchanged():
    f = Forth()
    f.run(": A 1 ; 10 20")
    with pytest.raises(ForthError):
        f.run(": A 2 ; : B 3 ; DROP DROP DROP")
    assert f.stack == [10, 20] and f.rstack == [] and f.words() == ["A"]
    assert f.run("A .") == "1 "


def test_a_failed_definition_is_not_added():
    f = Forth()
    with pytest.raises(ForthError):
        f.run(": G 1 IF ;")
    assert "G" not in f.dictionary and f.definitions == []


# ---------------------------------------------------------------------------------------------- traces
def test_trace_root_is_main_and_holds_the_output():
    t = Forth().trace("1 2 + .")
    assert isinstance(t, Trace) and t.kind == "forth" and t.root.name == "main" and t.root.note == "3 "
    assert t.initial_state == ForthState((), ())
    assert [(s.name, s.pos, s.state.stack, s.note) for s in t.root.children] == [
        ("1", 0, (1,), ""),
        ("2", 1, (1, 2), ""),
        ("+", 2, (3,), ""),
        (".", 3, (), "3 "),
    ]


def test_a_user_word_call_has_its_body_as_children():
    t = Forth().trace(": SQUARE DUP * ; 3 SQUARE")
    define, three, call = t.root.children
    assert define.name == ": SQUARE" and not define.is_call
    assert call.name == "SQUARE" and call.is_call and call.pos == 6
    assert [(s.name, s.pos, s.state.stack) for s in call.children] == [("DUP", 2, (3, 3)), ("*", 3, (9,)), (";", 4, (9,))]
    assert call.children[-1].ret and call.state == ForthState((9,), ())


def test_a_call_pushes_a_return_address_and_semicolon_pops_it():
    t = Forth().trace(": SQUARE DUP * ; 3 SQUARE")
    call = t.root.children[-1]
    assert call.children[0].state.rstack == (ReturnAddress("main", -1, 7, 6),)
    assert call.children[-1].state.rstack == ()


def test_do_keeps_limit_and_index_on_the_return_stack():
    t = Forth().trace(": T 3 0 DO LOOP ; T")
    steps = t.root.children[-1].children
    assert [s.name for s in steps] == ["3", "0", "DO", "LOOP", "LOOP", "LOOP", ";"]
    assert [s.state.rstack[1:] for s in steps[2:6]] == [(3, 0), (3, 1), (3, 2), ()]


def test_recursion_shows_as_nested_calls():
    t = Forth().trace(f"{FACT} 3 FACT")
    outer = t.root.children[-1]
    inner = next(s for s in outer.children if s.is_call)
    innermost = next(s for s in inner.children if s.is_call)
    assert outer.name == inner.name == innermost.name == "FACT"
    assert not any(s.is_call for s in innermost.children)
    assert len(innermost.children[-1].state.rstack) == 2 and outer.state.stack == (6,)
    assert "\n    FACT\n      DUP" in format_tree(t)


def test_control_flow_words_are_steps():
    t = Forth().trace(": T 1 IF 2 ELSE 3 THEN ; T")
    assert [s.name for s in t.root.children[-1].children] == ["1", "IF", "2", "ELSE", ";"]


def test_every_step_has_a_state_and_the_timeline_ends_in_the_final_state():
    f = Forth()
    t = f.trace(f"{GCD} 48 18 GCD")
    assert all(isinstance(s.state, ForthState) for _, s in t.walk())
    assert timeline(t)[-1].state == f.state() == ForthState((6,), ())


def test_steps_of_a_word_compiled_in_an_earlier_run_have_no_position():
    f = Forth()
    f.run(": SQUARE DUP * ;")
    call = f.trace("3 SQUARE").root.children[-1]
    assert call.pos == 1 and [s.pos for s in call.children] == [None, None, None]


def test_a_failed_trace_is_attached_to_the_error():
    with pytest.raises(ForthError) as info:
        Forth().trace(": F 1 0 / ; 5 F")
    t = info.value.trace
    call = t.root.children[-1]
    assert call.name == "F" and call.children[-1].name == "/" and "division by zero" in call.children[-1].note
