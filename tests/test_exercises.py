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
