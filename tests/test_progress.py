"""Tests of npi_lib.progress: one way to show progress for training and evaluation alike."""

from __future__ import annotations

import pytest

from npi_lib.progress import progress_reporter


def reporter(progress, total=3):
    return progress_reporter(progress, total, "work", "item", postfix=lambda p: {"at": p},
                             line=lambda p: f"item {p}" if p % 2 else None)


def test_none_is_silent(capsys):
    say = reporter(None)
    for p in (1, 2, 3, None):
        say(p)
    assert capsys.readouterr() == ("", "")


def test_lines_prints_only_the_lines_that_are_given(capsys):
    say = reporter("lines")
    for p in (1, 2, 3, None):
        say(p)
    assert capsys.readouterr().out == "item 1\nitem 3\n"


def test_a_callable_receives_every_record_but_not_the_end():
    seen = []
    say = reporter(seen.append)
    for p in (1, 2, None):
        say(p)
    assert seen == [1, 2]


def test_a_bar_goes_to_stderr_and_closes(capsys):
    say = reporter("bar")
    for p in (1, 2, 3, None):
        say(p)
    out, err = capsys.readouterr()
    assert out == "" and "work:" in err and "/3 " in err  # tqdm redraws at most every 0.1 s: 0/3 at least


def test_an_unknown_progress_is_refused():
    with pytest.raises(ValueError, match="progress must be None, 'bar', 'lines' or a callable; got 'dots'"):
        reporter("dots")
