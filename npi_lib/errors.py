"""The exceptions of `npi_lib`: every error a user can cause has a type here and a message that says
what is wrong, where, and what would be valid.

    >>> try:
    ...     raise ProblemError("addend -3 is negative; give a non-negative integer")
    ... except NpiLibError as e:
    ...     print(e)
    addend -3 is negative; give a non-negative integer
"""

from __future__ import annotations


class NpiLibError(Exception):
    """Base class: catch this to handle any error raised on purpose by `npi_lib`."""


class ForthError(NpiLibError):
    """A Forth or RPN program failed: stack underflow, unknown word, division by zero, ...

    `word` and `position` (0-based token index in the source) say where, when known.
    """

    def __init__(self, message: str, word: str | None = None, position: int | None = None):
        where = ""
        if word is not None and position is not None:
            where = f" (word {word!r} at token {position})"
        elif word is not None:
            where = f" (word {word!r})"
        super().__init__(message + where)
        self.word = word
        self.position = position
        self.reason = message


class ProblemError(NpiLibError, ValueError):
    """A task input is malformed: a negative addend, a value out of range, a graph with a cycle, ..."""


class ActionError(NpiLibError):
    """A primitive was applied with arguments that make no sense in this environment state
    (a pointer moved off the scratch pad, an unknown row). The neural interpreter turns this into a
    failed run rather than a crash."""


class TraceLimitError(NpiLibError):
    """A program ran past its step or call-depth limit: almost always a runaway loop or recursion."""


class CheckpointError(NpiLibError):
    """A checkpoint file is missing, corrupted, or was made for another task or formulation."""
