"""Progress feedback for long work, the same for training and evaluation: nothing, a tqdm bar on stderr,
printed lines (what a notebook shows), or a function of yours that receives a progress record.

    >>> say = progress_reporter("lines", 3, "demo", "step", postfix=lambda p: {}, line=lambda p: f"done {p}")
    >>> say(1); say(None)
    done 1
"""

from __future__ import annotations

import sys
from typing import Any, Callable


def progress_reporter(
    progress: str | Callable[[Any], Any] | None,
    total: int,
    desc: str,
    unit: str,
    postfix: Callable[[Any], dict],
    line: Callable[[Any], str | None],
) -> Callable[[Any], None]:
    """A function to call after every unit of work (and with None at the end) that shows progress as asked:
    `progress` None (silent), "bar" (a tqdm bar of `total` units on stderr, `postfix(p)` beside it),
    "lines" (prints `line(p)` whenever it is not None) or a callable (given each progress record).
    `npi_lib.training` and `npi_lib.evaluation` use it."""
    if progress is None:
        return lambda p: None
    if callable(progress):
        return lambda p: None if p is None else progress(p)
    if progress == "lines":

        def say(p: Any) -> None:
            text = None if p is None else line(p)
            if text is not None:
                print(text, flush=True)

        return say
    if progress != "bar":
        raise ValueError(f"progress must be None, 'bar', 'lines' or a callable; got {progress!r}")
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False)

    def show(p: Any) -> None:
        if p is None:
            bar.close()
            return
        bar.update(1)
        bar.set_postfix(postfix(p), refresh=False)

    return show
