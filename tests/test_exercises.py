"""Exercise self-checks (npi_lib/exercises.py): they explain mistakes and never stop "Run all"."""

import pytest

from npi_lib.exercises import check_forth_word, check_function, check_value


def reference_square(x):
    return x * x


def test_correct_answer_passes_and_keeps_the_students_function(capsys):
    def student(x):
        return x**2

    result = check_function("square", student, reference_square, [(2,), (-3,)])
    assert result.passed and not result.fallback and result.use is student
    assert "✅ square: correct on all 2 test cases." in capsys.readouterr().out


def test_wrong_answer_names_the_case_and_both_values(capsys):
    result = check_function("square", lambda x: 2 * x, reference_square, [(2,), (3,)])
    assert not result.passed and result.use is reference_square
    out = capsys.readouterr().out
    assert "with arguments 3: you returned 6, expected 9." in out


def test_unattempted_exercise_falls_back_to_the_reference(capsys):
    def student(x):
        raise NotImplementedError()

    result = check_function("square", student, reference_square, [(2,)])
    assert result.fallback and not result.passed and result.use(5) == 25
    assert "not attempted yet" in capsys.readouterr().out


def test_a_crashing_answer_is_reported_not_raised(capsys):
    result = check_function("square", lambda x: 1 / 0, reference_square, [(2,)])
    assert not result.passed
    assert "square(2) raised ZeroDivisionError" in capsys.readouterr().out


def test_hint_is_appended(capsys):
    check_value("by hand", lambda: 14, 16, hint=lambda got: "Did you add before multiplying?")
    assert "you returned 14, expected 16. Did you add before multiplying?" in capsys.readouterr().out


def test_forth_word_checked_on_stack_cases(capsys):
    good = check_forth_word("cube", lambda: ": CUBE DUP DUP * * ;", None, "CUBE", [([2], [8]), ([-1], [-1])])
    assert good.passed
    bad = check_forth_word("cube", lambda: ": CUBE DUP * ;", None, "CUBE", [([2], [8])])
    assert not bad.passed
    assert "with [2] on the stack, CUBE left [4]; expected [8]." in capsys.readouterr().out


def test_forth_word_must_use_the_required_words(capsys):
    result = check_forth_word("fact", lambda: ": FACT DROP 1 ;", None, "FACT", [([0], [1])], must_use=["RECURSE"])
    assert not result.passed
    assert "should use RECURSE" in capsys.readouterr().out


def test_forth_errors_become_feedback(capsys):
    result = check_forth_word("cube", lambda: ": CUBE * ;", None, "CUBE", [([2], [8])])
    assert not result.passed
    assert "Forth said:" in capsys.readouterr().out


def test_rpn_translation_accepts_the_right_order_and_explains_mistakes(capsys):
    from npi_lib.exercises import check_rpn_translation

    assert check_rpn_translation("rpn", lambda: "7 2 - 3 4 + *", "(7 - 2) * (3 + 4)").passed
    assert not check_rpn_translation("rpn", lambda: "7 2 3 4 - + *", "(7 - 2) * (3 + 4)").passed
    assert not check_rpn_translation("rpn", lambda: "3 4 + 7 2 - *", "(7 - 2) * (3 + 4)").passed
    assert not check_rpn_translation("rpn", lambda: "7 2 - +", "(7 - 2) * (3 + 4)").passed
    out = capsys.readouterr().out
    assert "evaluates to 7, but (7 - 2) * (3 + 4) is 35." in out
    assert "keeps the numbers in the order" in out
    assert "is not a valid RPN expression" in out


# ---------------------------------------------------------------------------------------------- traces (lesson 02)
def _seven_plus_five():
    from npi_lib import addition

    return addition.reference((7, 5), "non-recursive"), addition.describe


def test_trace_text_accepts_the_reference_with_or_without_return_marks(capsys):
    from npi_lib.exercises import check_trace_text
    from npi_lib.trace import format_tree

    trace, describe = _seven_plus_five()
    exact = format_tree(trace, describe=describe)
    sloppy = "\n\n".join(line.replace("⏎", "").lower().replace(", ", ",") for line in exact.splitlines())
    assert check_trace_text("7 + 5", lambda: exact, trace, describe).passed
    assert check_trace_text("7 + 5", lambda: sloppy, trace, describe).passed
    assert "all 20 lines match" in capsys.readouterr().out


def test_trace_text_names_the_first_wrong_line_and_what_the_reference_has(capsys):
    from npi_lib.exercises import check_trace_text
    from npi_lib.trace import format_tree

    trace, describe = _seven_plus_five()
    lines = format_tree(trace, describe=describe).splitlines()
    lines[13] = "    WRITE(OUT, 2)"  # the second column's digit is 1 (7 + 5 = 12)
    result = check_trace_text("7 + 5", lambda: "\n".join(lines), trace, describe)
    assert not result.passed and "WRITE(OUT, 1)" in result.use()
    out = capsys.readouterr().out
    assert "line 14: you wrote 'WRITE(OUT, 2)', the reference has 'WRITE(OUT, 1)  ⏎' here (a step of ADD1's" in out


def test_trace_text_reports_wrong_depth_missing_and_extra_lines(capsys):
    from npi_lib.exercises import check_trace_text
    from npi_lib.trace import format_tree

    trace, describe = _seven_plus_five()
    lines = format_tree(trace, describe=describe).splitlines()
    shallow = lines[:4] + ["  " + lines[4].strip()] + lines[5:]
    for answer in (shallow, lines[:-1], lines + ["  NOP"], lines[:2] + [" " + lines[2]] + lines[3:]):
        assert not check_trace_text("7 + 5", lambda: "\n".join(answer), trace, describe).passed
    out = capsys.readouterr().out
    assert "line 5: PTR(CARRY, LEFT) is the right step at the wrong depth: indent it 6 spaces" in out
    assert "(a step of CARRY's frame), not 2." in out
    assert "your trace stops after line 19; the reference goes on with 'NOP  ⏎' (1 more line)." in out
    assert "the reference ends after line 20; your line 21 'NOP' is extra." in out
    assert "line 3 is indented 5 spaces; use two spaces a level." in out


def test_trace_text_falls_back_to_the_reference_tree(capsys):
    from npi_lib.exercises import check_trace_text

    def student():
        raise NotImplementedError()

    trace, describe = _seven_plus_five()
    result = check_trace_text("7 + 5", student, trace, describe)
    assert result.fallback and result.use().splitlines()[:3] == ["ADD", "  ADD1", "    WRITE(OUT, 2)"]


def _lshift_cases():
    from npi_lib import bubblesort
    from npi_lib.trace import Tracer

    def after_one_pass(values):
        env = bubblesort.BubbleArray(values)
        Tracer(env).run(bubblesort.BUBBLE_recursive)
        return env

    cases = [(f"{v} after a pass", lambda v=v: after_one_pass(v)) for v in [(3, 1, 2), (5,), (9, 8, 7, 6, 5)]]
    return cases + [("(3, 1, 2) at the start", lambda: bubblesort.BubbleArray((3, 1, 2)))]


def test_program_check_passes_a_correct_recursive_lshift(capsys):
    from npi_lib import bubblesort
    from npi_lib.exercises import check_program

    def LSHIFT(t, env):
        q1, q2, _ = env.observe()
        if q1 == q2 == bubblesort.EDGE:
            return t.act("NOP", ret=True)
        t.act("PTR", 1, 0)
        t.act("PTR", 2, 0)
        t.call(LSHIFT, ret=True)

    result = check_program("LSHIFT", LSHIFT, bubblesort.LSHIFT_recursive, _lshift_cases(), bubblesort.describe)
    assert result.passed and result.use is LSHIFT
    assert "matches the reference on all 4 cases" in capsys.readouterr().out


def test_program_check_explains_a_missing_return_flag_a_loop_and_a_wrong_step(capsys):
    from npi_lib import bubblesort
    from npi_lib.exercises import check_program

    def no_flag(t, env):
        if bubblesort.look(env).i1_on_value or bubblesort.look(env).i2_on_value:
            t.act("PTR", 1, 0)
            t.act("PTR", 2, 0)
            t.call(no_flag)
            return
        t.act("NOP", ret=True)

    def LSHIFT(t, env):  # a loop inside one frame: the non-recursive formulation
        while bubblesort.look(env).i1_on_value or bubblesort.look(env).i2_on_value:
            t.act("PTR", 1, 0)
            t.act("PTR", 2, 0)
        t.act("NOP", ret=True)

    def runaway(t, env):
        t.call(runaway)

    ref, cases, describe = bubblesort.LSHIFT_recursive, _lshift_cases(), bubblesort.describe
    no_flag.program_name = "LSHIFT"
    runaway.program_name = "LSHIFT"
    for student in (no_flag, LSHIFT, runaway):
        result = check_program("LSHIFT", student, ref, cases, describe)
        assert not result.passed and result.use is ref
    out = capsys.readouterr().out
    assert "on (3, 1, 2) after a pass, step 3 (in LSHIFT), LSHIFT: the reference sets the return flag here" in out
    assert "step 3 (in LSHIFT): you have PTR(i1, LEFT), the reference has LSHIFT  ⏎." in out
    assert "call depth passed 1000" in out


def test_program_check_names_the_function_and_catches_changes_outside_the_trace(capsys):
    from npi_lib import addition
    from npi_lib.exercises import check_program

    def shift(t, env):
        addition.LSHIFT(t, env)

    def LSHIFT(t, env):
        addition.LSHIFT(t, env)
        env.grid[addition.OUT][0] = 7  # not a step of the trace

    cases = [("96 + 125", lambda: addition.ScratchPad(96, 125))]
    assert not check_program("shift", shift, addition.LSHIFT, cases).passed
    assert not check_program("shift", LSHIFT, addition.LSHIFT, cases).passed
    out = capsys.readouterr().out
    assert "your program is called shift; name the function LSHIFT" in out
    assert "the environments end differently" in out


def test_program_check_falls_back_when_not_attempted(capsys):
    from npi_lib import bubblesort
    from npi_lib.exercises import check_program

    def LSHIFT(t, env):
        raise NotImplementedError()

    result = check_program("LSHIFT", LSHIFT, bubblesort.LSHIFT_recursive, _lshift_cases())
    assert result.fallback and result.use is bubblesort.LSHIFT_recursive
    assert "not attempted yet" in capsys.readouterr().out


# -- counts and tensors (lesson 03) ----------------------------------------------------------------------


def test_off_by_hint_says_how_far_and_names_a_known_mistake(capsys):
    from npi_lib.exercises import off_by_hint

    def lstm(i, h):
        return 4 * h * (i + h) + 8 * h

    hint = off_by_hint([(lambda i, h: 4 * h * (i + h) + 4 * h, "PyTorch keeps two bias vectors.")])
    check_function("count", lambda i, h: 4 * h * (i + h) + 4 * h, lstm, [(3, 2)], hint=hint)
    check_function("count", lambda i, h: 4 * h * (i + h) + 8 * h + 5, lstm, [(3, 2)], hint=hint)
    check_function("count", lambda i, h: "56", lstm, [(3, 2)], hint=hint)
    out = capsys.readouterr().out
    assert "you returned 48, expected 56. Off by 8 (too few): PyTorch keeps two bias vectors." in out
    assert "you returned 61, expected 56. Off by 5 (too many)." in out
    assert "Return a number, not str." in out


def test_off_by_hint_skips_a_mistake_formula_that_fails():
    from npi_lib.exercises import off_by_hint

    hint = off_by_hint([(lambda n: 1 // 0, "never"), (lambda n: n + 1, "one too many")])
    assert hint((4,), 5, 4) == "Off by 1 (too many): one too many"


def _decoder_cases():
    import torch

    g = torch.Generator().manual_seed(0)
    return [(torch.randn(3, 4, generator=g),), (torch.randn(1, 4, generator=g),)]


def _row_means(h):
    return h.mean(-1)


def test_tensor_check_passes_a_right_answer_and_keeps_it(capsys):
    from npi_lib.exercises import check_tensor_function

    def student(h):
        return h.sum(-1) / h.shape[-1]

    result = check_tensor_function("means", student, _row_means, _decoder_cases())
    assert result.passed and result.use is student
    assert "✅ means: correct on all 2 test cases." in capsys.readouterr().out


def test_tensor_check_reports_the_shape_first(capsys):
    from npi_lib.exercises import check_tensor_function

    result = check_tensor_function("means", lambda h: h.mean(-1, keepdim=True), _row_means, _decoder_cases())
    assert not result.passed and result.use is _row_means
    assert "❌ means: with a tensor of shape (3, 4): returned shape (3, 1); expected (3,)." in capsys.readouterr().out


def test_tensor_check_reports_a_wrong_kind_of_number(capsys):
    from npi_lib.exercises import check_tensor_function

    check_tensor_function("argmax", lambda h: h.argmax(-1).float(), lambda h: h.argmax(-1), _decoder_cases())
    assert "returned dtype torch.float32; expected an integer tensor (torch.int64)." in capsys.readouterr().out


def test_tensor_check_counts_the_wrong_entries_and_shows_the_first(capsys):
    import torch
    from npi_lib.exercises import check_tensor_function

    h = torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    check_tensor_function("means", lambda h: h.max(-1).values, _row_means, [(h,)], labels=["three rows"])
    out = capsys.readouterr().out
    assert "with three rows: 3 of 3 entries differ; the first at [0]: 2 instead of 1.5." in out


def test_tensor_check_names_the_tensors_of_a_tuple(capsys):
    import torch
    from npi_lib.exercises import check_tensor_function

    def reference(n):
        return torch.zeros(n, 2, dtype=torch.long), torch.ones(n, dtype=torch.bool)

    def wrong_mask(n):
        return torch.zeros(n, 2, dtype=torch.long), torch.ones(n, dtype=torch.long)

    def one_value(n):
        return torch.zeros(n, 2, dtype=torch.long)

    names = ("obs", "mask")
    check_tensor_function("pad", wrong_mask, reference, [(3,)], names=names)
    check_tensor_function("pad", one_value, reference, [(3,)], names=names)
    check_tensor_function("pad", lambda n: (reference(n)[0],), reference, [(3,)], names=names)
    check_tensor_function("pad", lambda n: (reference(n)[0], [True] * n), reference, [(3,)], names=names)
    out = capsys.readouterr().out
    assert "with 3: mask has dtype torch.int64; expected a bool tensor (torch.bool)." in out
    assert "returned a Tensor; expected a tuple of 2: obs, mask." in out
    assert "returned 1 values; expected 2: obs, mask." in out
    assert "mask is a list; expected a torch tensor of shape (3,)." in out


def test_tensor_check_falls_back_and_reports_crashes(capsys):
    from npi_lib.exercises import check_tensor_function

    def student(h):
        raise NotImplementedError()

    result = check_tensor_function("means", student, _row_means, _decoder_cases())
    assert result.fallback and result.use is _row_means
    result = check_tensor_function("means", lambda h: h @ h, _row_means, _decoder_cases())
    assert not result.passed and not result.fallback
    out = capsys.readouterr().out
    assert "not attempted yet" in out
    assert "with a tensor of shape (3, 4): raised RuntimeError" in out


def _mean(xs):
    return sum(xs) / len(xs)


def test_mistake_hint_names_the_mistake_a_wrong_number_matches(capsys):
    from npi_lib.exercises import mistake_hint

    hint = mistake_hint([(lambda xs: sum(xs), "Divide by the number of values."),
                         (lambda xs: sum(xs) / (len(xs) + 1), "One too many in the count.")], "Add, then divide.")
    check_function("mean", lambda xs: sum(xs) / 4, _mean, [([1.0, 2.0, 3.0],)], hint=hint)
    check_function("mean", lambda xs: max(xs), _mean, [([1.0, 2.0, 3.0],)], hint=hint)
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("you returned 1.5, expected 2.0. One too many in the count.")
    assert out[1].endswith("you returned 3.0, expected 2.0. Add, then divide.")


def test_mistake_hint_compares_tensors_and_numbers_with_a_tolerance():
    import torch
    from npi_lib.exercises import mistake_hint

    hint = mistake_hint([(lambda x: x.sum(), "summed"), (lambda x: x * 2, "doubled")], "no match")
    x = torch.tensor([[0.1, 0.2], [0.3, 0.4]])
    assert hint((x,), torch.tensor(1.0 + 1e-8), None) == "summed"  # a 0-d tensor, a float's rounding away
    assert hint((x,), 1.0, None) == "summed"  # a Python number against a 0-d tensor
    assert hint((x,), x * 2, None) == "doubled"
    assert hint((x,), (x * 2)[0], None) == "no match"  # right values, wrong shape
    assert hint((x,), torch.tensor(1.01), None) == "no match"


def test_mistake_hint_skips_mistakes_that_raise_and_values_of_another_kind():
    from npi_lib.exercises import mistake_hint

    hint = mistake_hint([(lambda x: 1 / x, "inverted"), (lambda x: str(x), "a string")], "")
    assert hint((0,), 0.0, None) == ""  # 1 / 0 raises: that mistake is skipped
    assert hint((2,), "2", None) == "a string"
    assert hint((2,), True, None) == ""  # a bool is not the number 1 / 2, nor 1


def test_number_check_passes_within_the_tolerance_and_takes_a_0d_tensor(capsys):
    import torch
    from npi_lib.exercises import check_number_function

    result = check_number_function("mean", lambda xs: torch.tensor(xs).mean(), _mean, [([1.0, 2.0],), ([0.1, 0.2],)])
    assert result.passed and not result.fallback
    assert "✅ mean: correct on all 2 test cases." in capsys.readouterr().out


def test_number_check_names_the_case_by_its_label_or_its_arguments(capsys):
    import torch
    from npi_lib.exercises import check_number_function

    check_number_function("mean", lambda xs: sum(xs), _mean, [([1.0, 3.0],)], labels=["two values"])
    check_number_function("norm", lambda m, x: 1.0, lambda m, x: 2.0, [(torch.nn.Linear(2, 2), torch.ones(3, 2))])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "❌ mean: with two values: you returned 4, expected 2."
    assert out[1] == "❌ norm: with the Linear, a tensor of shape (3, 2): you returned 1, expected 2."


def test_number_check_rejects_what_is_not_one_number(capsys):
    import torch
    from npi_lib.exercises import check_number_function

    for answer in (True, "2.0", torch.tensor([2.0, 2.0]), None):
        result = check_number_function("two", lambda: answer, lambda: 2.0, [()], labels=["no arguments"])
        assert not result.passed and result.use() == 2.0
    out = capsys.readouterr().out
    assert out.count("not a number; expected 2.") == 4
    assert "you returned True, not a number" in out and "you returned '2.0', not a number" in out


def test_number_check_falls_back_reports_crashes_and_adds_the_hint(capsys):
    from npi_lib.exercises import check_number_function

    def student(x):
        raise NotImplementedError()

    assert check_number_function("half", student, lambda x: x / 2, [(3,)]).fallback
    check_number_function("half", lambda x: 1 / 0, lambda x: x / 2, [(3,)])
    check_number_function("half", lambda x: x // 2, lambda x: x / 2, [(3,)], hint=lambda a, got, exp: "Use /.")
    out = capsys.readouterr().out
    assert "not attempted yet" in out
    assert "with 3: raised ZeroDivisionError" in out
    assert "with 3: you returned 1, expected 1.5. Use /." in out


# ---------------------------------------------------------------------------------------------- in-place checks
def _pop_top_and_tails(stack):
    stack.pop()
    while stack and stack[-1]:
        stack.pop()


def test_in_place_check_compares_what_the_arguments_became(capsys):
    from npi_lib.exercises import check_in_place

    def pops_one(stack):
        stack.pop()

    good = check_in_place("return", _pop_top_and_tails, _pop_top_and_tails, [([False, True, True],), ([False],)])
    assert good.passed and good.use is _pop_top_and_tails
    bad = check_in_place("return", pops_one, _pop_top_and_tails, [([False],), ([False, True, False],)],
                         hint=lambda args, got, expected: f"from {args[0]}: {len(got)} left, not {len(expected)}")
    assert not bad.passed and bad.use is _pop_top_and_tails
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✅ return: correct on all 2 test cases."
    assert out[1] == ("❌ return: with [False, True, False]: your function left [False, True]; expected [False]. "
                      "from [False, True, False]: 2 left, not 1")


def test_in_place_check_gives_student_and_reference_their_own_copies(capsys):
    from npi_lib.exercises import check_in_place

    case = [3, 1, 2]
    result = check_in_place("sort", lambda xs: xs.sort(), lambda xs: xs.sort(), [(case,)])
    assert result.passed and case == [3, 1, 2]  # neither function touched the case itself


def test_in_place_check_compares_return_values_and_several_arguments(capsys):
    from npi_lib.exercises import check_in_place

    def move(a, b):
        b.append(a.pop())
        return len(a)

    check_in_place("move", move, move, [([1, 2], [])], labels=["two lists"])
    check_in_place("move", lambda a, b: move(a, b) + 1, move, [([1, 2], [])], labels=["two lists"])
    check_in_place("move", lambda a, b: b.append(a.pop(0)), move, [([1, 2], [])])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✅ move: correct on all 1 test case."
    assert out[1] == "❌ move: with two lists: the arguments are right, but you returned 2, expected 1."
    assert out[2] == "❌ move: with [1, 2], []: your function left ([2], [1]); expected ([1], [2])."


def test_in_place_check_falls_back_and_reports_crashes(capsys):
    from npi_lib.exercises import check_in_place

    def student(stack):
        raise NotImplementedError()

    assert check_in_place("return", student, _pop_top_and_tails, [([False],)]).fallback
    result = check_in_place("return", lambda stack: stack.pop(5), _pop_top_and_tails, [([False],)])
    assert not result.passed and not result.fallback
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "with [False]: raised IndexError: pop index out of range" in out


def test_forth_reference_passes_its_own_check_and_names_the_known_words(capsys):
    from functools import partial

    import pytest

    from npi_lib.errors import NpiLibError
    from npi_lib.exercises import check_forth_word, forth_reference

    for word, cases, must_use in [
        ("CUBE", [([2], [8]), ([-3], [-27])], []),
        ("SUMTO", [([0], [0]), ([100], [5050])], ["RECURSE"]),
    ]:
        reference = partial(forth_reference, word)
        assert check_forth_word(word, reference, reference, word, cases, must_use=must_use).passed
    with pytest.raises(NpiLibError, match="no reference definition of 'SQUARE'; the exercises define CUBE, SUMTO"):
        forth_reference("SQUARE")
    capsys.readouterr()


def test_lesson05_references_pop_tail_calls_and_find_the_first_step_of_a_callee(capsys):
    from types import SimpleNamespace

    from npi_lib.addition import reference
    from npi_lib.exercises import check_first_step_without_reset, finish_frame_reference

    stack = [SimpleNamespace(tail=t) for t in (True, False, True, True, False)]
    finish_frame_reference(stack)
    assert [frame.tail for frame in stack] == [True, False]  # stops at the first caller that was not a tail call
    trace = reference((96, 125), "recursive")
    assert check_first_step_without_reset("ex", lambda: 2, trace).passed
    for wrong, words in [(0, "the root call is step 0"), (1, "root frame"), (5, "Look earlier")]:
        assert not check_first_step_without_reset("ex", lambda: wrong, trace).passed
        assert words in capsys.readouterr().out


def test_lesson04_check_run_accepts_any_setting_the_run_really_used(capsys):
    from npi_lib.exercises import check_run

    for n in (20, 50, 200):
        assert check_run("ex", {"problems": n, "seed": 1}, {"problems": n, "seed": 1}, lambda: "it shows ...").passed
        assert f"a run with problems = {n}, seed = 1. it shows ..." in capsys.readouterr().out
    stale = check_run("ex", {"problems": 100}, {"problems": 50}, lambda: "never printed")
    out = capsys.readouterr().out
    assert not stale.passed and "but the run used 50: run the experiment's cell again" in out and "never" not in out
    assert not check_run("ex", {"problems": 100}, {}, lambda: "").passed
    assert "does not say what it used" in capsys.readouterr().out


def test_lesson03_width_experiment_accepts_any_size_the_model_was_built_with(capsys):
    import torch

    from npi_lib.addition import TASK
    from npi_lib.exercises import check_width_experiment
    from npi_lib.model import NPI, NPIConfig

    def counts(net):
        return {name: sum(p.numel() for p in child.parameters()) for name, child in net.named_children()} | {
            "M_prog": net.M_prog.numel(), "M_key": net.M_key.numel()}

    lesson = counts(NPI.for_task(TASK))
    grown = {"f_lstm", "f_end", "f_prog", "f_arg"}
    for size in (1, 16, 256):
        torch.manual_seed(0)
        net = NPI.for_task(TASK, NPIConfig(hidden_size=size))
        assert check_width_experiment("ex", lambda: grown, size, net, lesson, counts(net), 6.4, "depth limit").passed
        out = capsys.readouterr().out
        assert f"a run with hidden_size = {size}." in out and "almost like H²" in out and "still fails (depth limit)" in out
    same = NPI.for_task(TASK)
    assert check_width_experiment("ex", lambda: set(), 64, same, lesson, counts(same), 6.4, "x").passed
    assert "nothing changes" in capsys.readouterr().out
    # a stale run, a wrong reading, not attempted
    assert not check_width_experiment("ex", lambda: grown, 32, net, lesson, counts(net), 6.4, "x").passed
    assert "but the model was built with 256: run the experiment's cell again" in capsys.readouterr().out
    assert not check_width_experiment("ex", lambda: grown | {"f_enc"}, 256, net, lesson, counts(net), 6.4, "x").passed
    assert "f_enc kept its size" in capsys.readouterr().out
    assert not check_width_experiment("ex", lambda: {"f_lstm"}, 256, net, lesson, counts(net), 6.4, "x").passed
    assert "f_arg, f_end, f_prog changed too" in capsys.readouterr().out

    def not_yet():
        raise NotImplementedError()

    result = check_width_experiment("ex", not_yet, 256, net, lesson, counts(net), 6.4, "x")
    assert result.fallback and result.use() == grown


def test_rpn_by_hand_evaluates_the_expression_itself_and_keeps_the_hints(capsys):
    from npi_lib.exercises import check_rpn_by_hand

    assert check_rpn_by_hand("ex", lambda: 9, "2 3 4 * + 5 -").passed
    result = check_rpn_by_hand("ex", lambda: 15, "2 3 4 * + 5 -", hint=lambda got: "infix order" if got == 15 else "")
    assert not result.passed and "infix order" in capsys.readouterr().out


def test_lesson05_unseen_frames_reference_counts_one_frame_per_column_and_per_pair_of_adjacent_columns():
    import random

    from npi_lib import addition
    from npi_lib.exercises import unseen_frames_reference

    rng = random.Random(0)
    blank = addition.BLANK
    for _ in range(20):  # with no training problems every frame is unseen: count them from the columns alone
        problem = addition.random_problem(rng.randint(1, 6), rng)
        cols = addition.columns(*problem)
        pairs = set(zip(cols, cols[1:] + [(blank, blank, blank)]))  # what an ADD or LSHIFT frame sees
        carrying = {col for col in cols if sum(0 if v == blank else v for v in col) >= 10}
        expected = {"ADD": len(pairs) + 1, "ADD1": len(set(cols)), "LSHIFT": len(pairs), "CARRY": len(carrying)}
        assert unseen_frames_reference(addition.TASK, problem, [], "recursive") == {k: v for k, v in expected.items() if v}
        assert unseen_frames_reference(addition.TASK, problem, [problem], "non-recursive") == {}
    starved = addition.training_set("starved")
    assert unseen_frames_reference(addition.TASK, (822, 233), starved, "non-recursive") == {"ADD": 1, "LSHIFT": 2}


# ---- lesson 06: bubblesort
def test_lesson06_compare_observation_reference_matches_ranks_with_the_tokens_outside():
    import random

    from npi_lib.bubblesort import TASK_COMPARE
    from npi_lib.exercises import compare_observation_reference

    rng = random.Random(6)
    for _ in range(200):
        words = [rng.choice(["fig", "kiwi", "pear", "Plum", "é"]) for _ in range(rng.randint(1, 6))]
        n = len(words)
        i1, i2, i3 = rng.randint(0, n + 1), rng.randint(0, n + 1), rng.randint(1, n + 1)
        # an independent oracle: the start token ranks below every value, the end token above
        rank = [-1] + [sorted(set(words)).index(w) for w in words] + [len(words)]
        expected = (int(rank[i1] <= rank[i2]), int(1 <= i1 <= n), int(1 <= i2 <= n), int(i3 == n))
        assert compare_observation_reference(TASK_COMPARE, words, i1, i2, i3) == expected


def test_lesson06_compswap_sees_the_same_three_observations_on_long_arrays():
    import random

    from npi_lib.bubblesort import TASK_COMPARE
    from npi_lib.exercises import compswap_observations_compare
    from npi_lib.trace import frames

    rng = random.Random(0)
    longer = set()
    for _ in range(30):
        values = [rng.uniform(-5, 5) for _ in range(rng.randint(5, 12))]
        trace = TASK_COMPARE.reference(values, "recursive", record_states=False)
        longer |= {f.steps[0].obs for f in frames(trace) if f.program == "COMPSWAP"}
    assert compswap_observations_compare(TASK_COMPARE) == longer == {(1, 0, 1, 0), (1, 1, 1, 0), (0, 1, 1, 0)}


def test_lesson06_compswap_check_explains_impossible_and_missing_observations(capsys):
    from npi_lib.bubblesort import TASK_COMPARE
    from npi_lib.exercises import check_compswap_observations

    right = [(1, 0, 1, 0), [1, 1, 1, 0], (0, 1, 1, 0)]  # any iterable of bit sequences
    assert check_compswap_observations("ex", lambda: right, TASK_COMPARE).passed
    assert "all 3 observations" in capsys.readouterr().out
    assert not check_compswap_observations("ex", lambda: {*map(tuple, right), (1, 1, 1, 1)}, TASK_COMPARE).passed
    assert "no pass runs once i3 == length" in capsys.readouterr().out
    assert not check_compswap_observations("ex", lambda: {*map(tuple, right), (1, 1, 0, 0)}, TASK_COMPARE).passed
    assert "BSTEP stops as soon as i2 leaves the values" in capsys.readouterr().out
    assert not check_compswap_observations("ex", lambda: {(0, 1, 1, 0)}, TASK_COMPARE).passed
    out = capsys.readouterr().out
    assert "the first comparison of a pass" in out and "Missing: (1, 1, 1, 0), two values in order" in out
    assert not check_compswap_observations("ex", lambda: 3, TASK_COMPARE).passed
    assert "return a set of 4-tuples of bits" in capsys.readouterr().out

    def not_yet():
        raise NotImplementedError()

    result = check_compswap_observations("ex", not_yet, TASK_COMPARE)
    assert result.fallback and len(result.use()) == 3


def test_lesson06_dropped_pairs_report_splits_the_failures_by_the_pairs_compswap_meets():
    import random

    from npi_lib import bubblesort
    from npi_lib.checkpoint import shipped_checkpoint
    from npi_lib.exercises import dropped_pairs_report

    model = shipped_checkpoint("bubblesort").model
    step = model.fast_step()
    compswap = bubblesort.TASK.program_id("COMPSWAP")

    def never_swaps_9_before_0(obs, args, prog, state):  # the shipped model, wrong on one COMPSWAP decision
        decision, state = step(obs, args, prog, state)
        if prog == compswap and obs[:2] == (9, 0):
            return (True, bubblesort.TASK.program_id("NOP"), (0, 0, 0)), state
        return decision, state

    rng = random.Random(1)
    tests = [bubblesort.random_problem(5, rng) for _ in range(30)]
    meets = sum(bool(bubblesort.compswap_pairs([p]) & {(9, 0)}) for p in tests)
    assert 0 < meets < len(tests)
    text = dropped_pairs_report(bubblesort.TASK, never_swaps_9_before_0, {(9, 0)}, tests)
    assert f"left out: {meets} of {meets} fail; the other arrays: 0 of {len(tests) - meets} fail" in text
    assert "Every failure is an array that makes COMPSWAP decide on a pair it never saw" in text
    assert "filled the gap" in dropped_pairs_report(bubblesort.TASK, model, {(9, 0)}, tests)

    def stops_at_once(obs, args, prog, state):
        return (True, bubblesort.TASK.program_id("NOP"), (0, 0, 0)), state

    text = dropped_pairs_report(bubblesort.TASK, stops_at_once, {(9, 0)}, [(2, 1)])
    assert "0 of 0 fail; the other arrays: 1 of 1 fail" in text and "in a BUBBLESORT frame" in text


# ---- lesson 07: toposort
def _toposort_graphs():
    import random

    from npi_lib import toposort

    rng = random.Random(7)
    return [toposort.STARVED, toposort.COVERING, toposort.Graph(1)] + [
        toposort.random_dag(rng.randint(1, 9), rng, density=rng.uniform(0, 1)) for _ in range(25)]


def _missing_pairs():
    from functools import partial

    from npi_lib import toposort
    from npi_lib.exercises import missing_pairs_reference

    return partial(missing_pairs_reference, toposort.TASK, toposort.frame_inputs, toposort.all_frame_inputs)


def test_lesson07_recorded_observations_are_what_the_environment_observes_in_each_state():
    from npi_lib import toposort
    from npi_lib.exercises import recorded_observations

    for graph in _toposort_graphs():
        for formulation in toposort.FORMULATIONS:
            seen = recorded_observations([toposort.reference(graph, formulation)])
            for state, obs in seen.items():  # oracle: an environment put in that state observes it
                env = toposort.DagEnv(graph)
                env.color, env.child_list = list(state.colors), list(state.child_list)
                env.p_start, env.p_stack, env.v_active = state.p_start, state.p_stack, state.v_active
                assert env.observe() == obs


def test_lesson07_relabel_reference_renames_both_ends_and_keeps_the_graph_a_dag():
    import random

    from npi_lib import toposort
    from npi_lib.exercises import relabel_reference

    rng = random.Random(0)
    for graph in _toposort_graphs():
        new_ids = rng.sample(range(1, graph.n + 1), graph.n)
        renamed = relabel_reference(toposort.TASK, graph, new_ids)
        assert isinstance(renamed, toposort.Graph) and list(renamed.edges) == sorted(renamed.edges)
        old_of = {new: old for old, new in enumerate(new_ids, 1)}  # oracle: the edge set mapped back
        assert {(old_of[u], old_of[v]) for u, v in renamed.edges} == set(graph.edges)
        assert relabel_reference(toposort.TASK, graph, list(range(1, graph.n + 1))) == graph


def test_lesson07_missing_pairs_are_the_possible_pairs_no_trace_shows():
    from npi_lib import toposort

    missing_pairs = _missing_pairs()
    assert missing_pairs([toposort.STARVED]) == {
        ("CHECK_CHILD", (1, 2, 0)), ("EXPLORE", (1, 2, 0)), ("TOPOSORT", (1, 3, 1))}
    assert missing_pairs(toposort.training_set("starved-covering"), "non-recursive") == set()
    assert missing_pairs([]) == set(toposort.all_frame_inputs())
    for graph in _toposort_graphs()[:8]:
        shown = toposort.frame_inputs(toposort.reference(graph, record_states=False))
        missing = missing_pairs([graph])
        assert missing.isdisjoint(shown) and missing | shown == set(toposort.all_frame_inputs())


def test_lesson07_covering_check_explains_cycles_and_missing_pairs_and_finds_a_fallback_itself(capsys):
    from npi_lib import toposort
    from npi_lib.exercises import check_covering_graph

    missing_pairs, task, base = _missing_pairs(), toposort.TASK, [toposort.STARVED]

    def not_yet():
        raise NotImplementedError()

    result = check_covering_graph("ex", not_yet, base, task, missing_pairs)
    fallback = result.use()
    assert result.fallback and fallback.n == 3 and not missing_pairs([*base, fallback])
    assert not check_covering_graph("ex", lambda: {"n": 2, "edges": [[1, 2], [2, 1]]}, base, task, missing_pairs)
    assert "has a cycle 1 → 2 → 1" in capsys.readouterr().out
    assert not check_covering_graph("ex", lambda: {"n": 1, "edges": []}, base, task, missing_pairs)  # no black child
    out = capsys.readouterr().out
    assert "still missing" in out and "TOPOSORT sees (1, 3, 1)" not in out and "EXPLORE sees (1, 2, 0)" in out
    assert check_covering_graph("ex", lambda: toposort.COVERING, base, task, missing_pairs).passed
    bigger = {"n": 4, "edges": [[2, 3], [3, 1]]}  # COVERING and an isolated vertex
    result = check_covering_graph("ex", lambda: bigger, base, task, missing_pairs)
    assert result.passed and result.use() == toposort.parse_input(bigger)
    assert "fewer vertices" in capsys.readouterr().out


def test_lesson07_explanation_follows_the_formulation_and_the_coverage():
    from npi_lib.exercises import explain_coverage_run

    records = [{"size": 5, "correct": 7, "n": 10}]
    silent = explain_coverage_run("recursive", (31, 34), records, True, 3, 3)
    assert "3 of the 3 wrong runs first went wrong in a frame that holds one" in silent
    partly = explain_coverage_run("recursive", (31, 34), records, True, 1, 3)
    assert "the other 2 in frames made of pairs it shows" in partly
    assert "not always enough" in explain_coverage_run("recursive", (34, 34), records, True, 0, 3)
    loop = explain_coverage_run("non-recursive", (34, 34), records, True, 0, 3)
    assert "3 of its 3 wrong runs first went wrong in a frame made only of pairs its training showed" in loop
    assert "train longer" in explain_coverage_run("recursive", (34, 34), records, False, 0, 3)


# ---- lesson 08: quicksort
from hypothesis import given, settings
from hypothesis import strategies as st

digit_arrays = st.lists(st.integers(0, 9), min_size=2, max_size=10)


def _lomuto(array):
    """Lomuto's partition of the whole array, written from the textbook: the oracle of the environment."""
    a, hi, pivot = list(array), len(array) - 1, 0
    for j in range(hi):
        if a[j] <= a[hi]:
            a[pivot], a[j] = a[j], a[pivot]
            pivot += 1
    a[pivot], a[hi] = a[hi], a[pivot]
    return tuple(a), pivot


@settings(max_examples=60, deadline=None)
@given(digit_arrays)
def test_lesson08_partition_reference_is_lomutos_partition_of_the_whole_array(array):
    from npi_lib import quicksort
    from npi_lib.exercises import partition_reference

    assert partition_reference(quicksort.TASK, array) == _lomuto(array)


def test_lesson08_partition_reference_refuses_an_array_with_nothing_to_partition():
    import pytest

    from npi_lib.errors import NpiLibError
    from npi_lib import quicksort
    from npi_lib.exercises import partition_reference

    with pytest.raises(NpiLibError, match="fewer than 2 elements"):
        partition_reference(quicksort.TASK, [4])


@settings(max_examples=40, deadline=None)
@given(digit_arrays)
def test_lesson08_self_calls_in_quicksort_are_the_compswap_steps_and_two_waiting_calls_per_partition(array):
    from npi_lib import quicksort
    from npi_lib.exercises import self_calls_reference
    from npi_lib.trace import frames

    trace = quicksort.reference(array, "recursive", record_states=False)
    programs = [f.program for f in frames(trace)]
    # every COMPSWAP is followed by one tail call of COMPSWAP_LOOP; every partitioning frame calls itself twice
    assert self_calls_reference(trace) == (programs.count("COMPSWAP"), 2 * programs.count("PARTITION"))


def test_lesson08_self_calls_of_tail_recursive_tasks_are_all_tail_calls():
    from npi_lib import addition, bubblesort
    from npi_lib.exercises import self_calls_reference

    assert self_calls_reference(addition.reference((96, 125), "recursive")) == (3, 0)  # one ADD per column
    tail, other = self_calls_reference(bubblesort.reference([3, 1, 2], "recursive"))
    assert tail > 0 and other == 0
    assert self_calls_reference(addition.reference((96, 125), "non-recursive")) == (0, 0)  # loops call no self


def test_lesson08_a_sorted_array_nests_one_quicksort_frame_per_element():
    from npi_lib import quicksort
    from npi_lib.exercises import sorted_nesting_reference

    assert [sorted_nesting_reference(quicksort.TASK, n) for n in range(1, 11)] == list(range(1, 11))


def test_lesson08_state_only_steps_are_repeated_observations_with_new_decisions():
    from npi_lib.exercises import state_only_steps_reference
    from npi_lib.trace import Frame, FrameStep

    def frame(*steps):
        return Frame("P", (0, 0, 0), [FrameStep(obs, "P", (0, 0, 0), prog, (0, 0, 0), ret) for obs, prog, ret in steps])

    assert state_only_steps_reference(frame(((0,), "A", False), ((1,), "B", False), ((0,), "A", True))) == [2]
    assert state_only_steps_reference(frame(((0,), "A", False), ((0,), "A", False), ((1,), "B", True))) == []
    assert state_only_steps_reference(frame(((0,), "A", False), ((0,), "B", False), ((0,), "A", False))) == [1, 2]
    assert state_only_steps_reference(frame()) == []


# ---- lesson 09: verification
@settings(max_examples=30, deadline=None)
@given(digit_arrays)
def test_lesson09_call_height_is_the_longest_chain_of_calls_below(array):
    from npi_lib import quicksort
    from npi_lib.exercises import call_height_reference

    trace = quicksort.reference(array, "recursive", record_states=False)
    # an independent oracle: the deepest call below the root, from the walk's depths (a call at depth d
    # whose steps are all primitives ends a chain of d calls under the root)
    deepest = max(depth for depth, step in trace.walk() if step.is_call)
    assert call_height_reference(trace.root) == deepest


def test_lesson09_call_height_counts_nesting_not_calls():
    from npi_lib import addition
    from npi_lib.exercises import call_height_reference

    root = addition.reference((96, 125), "recursive").root  # ADD -> ADD -> ADD -> ADD (NOP), ADD1 -> CARRY
    assert call_height_reference(root) == 3
    assert call_height_reference(addition.reference((0, 0), "recursive").root) == 1  # ADD1 and the base ADD


def test_lesson09_call_height_refuses_a_primitive_step():
    import pytest

    from npi_lib import addition
    from npi_lib.errors import NpiLibError
    from npi_lib.exercises import call_height_reference

    primitive = next(s for _, s in addition.reference((2, 3), "recursive").walk() if not s.is_call)
    with pytest.raises(NpiLibError, match="primitive step, not a call"):
        call_height_reference(primitive)


def test_lesson09_sequences_starting_reference_splits_a_program_by_its_first_observation():
    from npi_lib import verify
    from npi_lib.exercises import sequences_starting_reference

    v = verify.build("quicksort")
    expected = {s.observations for s in v if s.program == "STACK"}
    firsts = {o[0] for o in expected}
    assert set().union(*(sequences_starting_reference(v, "STACK", f) for f in firsts)) == expected
    assert sequences_starting_reference(v, "STACK", (9, 9, 9, 9)) == set()


def test_lesson09_check_counterexample_accepts_a_large_input_that_meets_a_failure(capsys):
    from npi_lib import toposort, verify
    from npi_lib.checkpoint import shipped_checkpoint
    from npi_lib.exercises import check_counterexample

    model = shipped_checkpoint("toposort", "recursive", "starved-covering").model
    v, cover = verify.verification_set("toposort")
    failures = verify.check(model, v, cover.witness).failures
    assert failures
    size = lambda g: g.n  # noqa: E731

    def student():
        return toposort.Graph(10, failures[0].witness.edges)

    result = check_counterexample("ex", student, model, toposort.TASK, "recursive", failures, size, 10)
    assert result.passed and "meets 1 failed sequence" in capsys.readouterr().out

    small = check_counterexample("ex", lambda: failures[0].witness, model, toposort.TASK, "recursive", failures, size, 10)
    assert not small.passed and "make it at least 10" in capsys.readouterr().out

    unrelated = check_counterexample("ex", lambda: toposort.Graph(10, ()), model, toposort.TASK, "recursive",
                                     failures, size, 10)
    assert not unrelated.passed and "meets none of the failed sequences" in capsys.readouterr().out

    def not_attempted():
        raise NotImplementedError()

    skipped = check_counterexample("ex", not_attempted, model, toposort.TASK, "recursive", failures, size, 10)
    assert skipped.fallback and skipped.use() in {f.witness for f in failures}

    bad = check_counterexample("ex", lambda: "a graph", model, toposort.TASK, "recursive", failures, size, 10)
    assert not bad.passed and not bad.fallback and "not a valid input" in capsys.readouterr().out


# -- points: what a graded cell shows nbgrader ----------------------------------------------------------

def test_hidden_checks_add_up_and_the_first_failing_part_decides_what_to_use(capsys):
    from npi_lib.exercises import check_function

    def student(x):
        return 2 * x if x < 10 else 0  # right on the visible cases only

    visible = check_function("Exercise 1", student, lambda x: 2 * x, [(1,), (2,)])
    hidden = check_function("Exercise 1 (more cases)", student, lambda x: 2 * x, [(3,), (50,)])
    combined = visible + hidden
    assert visible and not hidden and not combined
    assert combined.use(50) == 100 and visible.use(50) == 0  # the reference once a part failed
    assert combined.checks == (visible, hidden) and (combined + visible).checks == (visible, hidden, visible)
    points = combined.points(3)
    assert repr(points) == "1.5" and float(points) == 1.5
    assert points._repr_markdown_() == "**Exercise 1: 1.5 of 3 points** (1 of 2 checks passed)"


def test_an_exercise_not_attempted_earns_nothing_and_says_so(capsys):
    from npi_lib.exercises import check_function

    def student(x):
        raise NotImplementedError()

    result = check_function("Exercise 2", student, abs, [(1,)]) + check_function("Exercise 2 (more cases)", student, abs, [(2,)])
    points = result.points(1)
    assert repr(points) == "0"
    assert points._repr_markdown_() == "**Exercise 2: 0 of 1 point** (not attempted yet)"


@pytest.mark.parametrize("possible", [0, -1, "2", None])
def test_points_possible_must_be_a_positive_number(possible):
    from npi_lib.errors import NpiLibError
    from npi_lib.exercises import check_value

    with pytest.raises(NpiLibError, match=r"Exercise 3: points\(.*\): the points possible must be a number above 0"):
        check_value("Exercise 3", lambda: 1, 1).points(possible)


def test_a_result_does_not_add_to_something_else():
    from npi_lib.exercises import check_value

    with pytest.raises(TypeError):
        check_value("Exercise 4", lambda: 1, 1) + 1
