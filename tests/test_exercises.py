"""Exercise self-checks (npi_lib/exercises.py): they explain mistakes and never stop "Run all"."""

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
