"""Pictures for the lessons: environments with their pointers, stacks, traces, accuracy curves.

matplotlib is imported inside each function, so importing this module costs nothing.

    >>> ax = draw_grid([["1", "2"], ["_", "3"]], ["IN1", "IN2"], {"p": (0, 1)})
    >>> ax.get_title()
    ''
"""

from __future__ import annotations

from typing import Any, Sequence

# One palette for the whole course, colour-blind friendly (Okabe-Ito).
POINTER_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")


def new_axes(width: float = 6.0, height: float = 2.0) -> Any:
    """A fresh figure with one axes, sized in inches."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(width, height))
    return ax


def draw_grid(
    cells: Sequence[Sequence[str]],
    row_labels: Sequence[str],
    pointers: dict[str, tuple[int, int]],
    ax: Any = None,
    title: str = "",
    fills: dict[tuple[int, int], str] | None = None,
) -> Any:
    """Draw rows of cells with labelled pointers under them: the picture of every tape-like environment.

    cells[r][c] is the text of a cell; pointers maps a name to the (row, column) it points at; fills maps
    (row, column) to a background colour (e.g. a vertex colour in topological sort). Returns the axes.
    """
    import matplotlib.patches as patches

    n_rows, n_cols = len(cells), max((len(r) for r in cells), default=0)
    if ax is None:
        ax = new_axes(max(3.0, 0.45 * n_cols + 1.2), 0.55 * n_rows + 0.6)
    fills = fills or {}
    for r, row in enumerate(cells):
        y = n_rows - 1 - r
        for c, text in enumerate(row):
            face = fills.get((r, c), "white")
            ax.add_patch(patches.Rectangle((c, y), 1, 1, facecolor=face, edgecolor="0.4"))
            ax.text(c + 0.5, y + 0.5, text, ha="center", va="center", fontsize=11, family="monospace")
        ax.text(-0.2, y + 0.5, row_labels[r], ha="right", va="center", fontsize=9)
    # pointers: a coloured frame around the cell, and the pointer's name in the corner
    per_cell: dict[tuple[int, int], int] = {}
    for i, (name, (r, c)) in enumerate(pointers.items()):
        if not (0 <= r < n_rows and 0 <= c < n_cols):
            continue  # a pointer off the tape (e.g. p_j outside PARTITION) is not drawn
        k = per_cell.get((r, c), 0)
        per_cell[(r, c)] = k + 1
        y = n_rows - 1 - r
        color = POINTER_COLORS[i % len(POINTER_COLORS)]
        inset = 0.04 + 0.06 * k
        ax.add_patch(
            patches.Rectangle((c + inset, y + inset), 1 - 2 * inset, 1 - 2 * inset, fill=False, edgecolor=color, lw=2)
        )
        ax.text(c + 0.08, y + 0.92 - 0.22 * k, name, ha="left", va="top", fontsize=6, color=color)
    ax.set_xlim(-1.6, max(n_cols, 1) + 0.1)
    ax.set_ylim(-0.1, n_rows + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax
