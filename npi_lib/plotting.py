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


# ---------------------------------------------------------------------------------------------- stacks
def split_stacks(state: Any) -> tuple[list, list | None] | None:
    """The data stack and the return stack (None when the machine has none) of a Forth or RPN state.

    Accepts what `npi_lib.rpn` and `npi_lib.forth` record: a tuple of values (RPN: the data stack alone),
    a pair of sequences (data, return), or an object or dict with fields such as `data`/`stack` and
    `rstack`/`returns`. Anything else (an environment snapshot) gives None.

    >>> split_stacks((5, 3)), split_stacks(((1, 2), ())), split_stacks({"data": [7], "rstack": [0]})
    (([5, 3], None), ([1, 2], []), ([7], [0]))
    """
    if state is None:
        return [], None
    if isinstance(state, dict):
        data = _first_field(state.get, _DATA_FIELDS)
        if data is None:
            return None
        return list(data), _as_list(_first_field(state.get, _RETURN_FIELDS))
    if isinstance(state, (tuple, list)):
        if len(state) == 2 and all(isinstance(s, (tuple, list)) for s in state):
            return list(state[0]), list(state[1])
        if all(not isinstance(v, (tuple, list, dict)) for v in state):
            return list(state), None
        return None
    data = _first_field(lambda k: getattr(state, k, None), _DATA_FIELDS)
    if data is None or not isinstance(data, (tuple, list)):
        return None
    return list(data), _as_list(_first_field(lambda k: getattr(state, k, None), _RETURN_FIELDS))


_DATA_FIELDS = ("data", "stack", "data_stack", "ds")
_RETURN_FIELDS = ("rstack", "returns", "return_stack", "rs")


def _first_field(get: Any, names: Sequence[str]) -> Any:
    for name in names:
        value = get(name)
        if value is not None:
            return value
    return None


def _as_list(value: Any) -> list | None:
    return None if value is None else list(value)


def draw_stack_history(trace: Any, ax: Any = None, all_steps: bool = False, max_columns: int = 40) -> Any:
    """The data stack after each token, as a row of stack pictures (lesson 01).

    One column per top-level step of an RPN or Forth trace (with `all_steps`, per primitive, so a user
    word's body shows too), labelled with its token; the stack grows upwards, top of stack highest.
    Past `max_columns` columns the picture stops with a note. Returns the axes.

    >>> from npi_lib.trace import Step, Trace
    >>> t = Trace(Step("RPN", children=[Step("2", state=(2,)), Step("3", state=(2, 3)), Step("+", state=(5,))]))
    >>> [l.get_text() for l in draw_stack_history(t).get_xticklabels()]
    ['2', '3', '+']
    """
    import matplotlib.patches as patches

    steps = [s for _, s in trace.walk() if not s.is_call] if all_steps else list(trace.root.children or [])
    shown, hidden = steps[:max_columns], len(steps) - min(len(steps), max_columns)
    stacks = []
    for s in shown:
        split = split_stacks(s.state)
        stacks.append(split[0] if split is not None else [])
    height = max((len(st) for st in stacks), default=0)
    if ax is None:
        ax = new_axes(max(3.0, 0.75 * len(shown) + 1.0), max(1.6, 0.42 * height + 1.0))
    width = 0.8
    for x, stack in enumerate(stacks):
        for level, value in enumerate(stack):
            top = level == len(stack) - 1
            ax.add_patch(
                patches.Rectangle(
                    (x - width / 2, level), width, 1,
                    facecolor="#E8F1FA" if top else "white", edgecolor=POINTER_COLORS[0] if top else "0.4",
                )
            )
            ax.text(x, level + 0.5, _short(value), ha="center", va="center", fontsize=9, family="monospace")
        if not stack:
            ax.text(x, 0.5, "empty", ha="center", va="center", fontsize=7, color="0.5", style="italic")
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels([s.name for s in shown], family="monospace")
    ax.tick_params(axis="x", length=0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_position(("data", 0))  # the floor of every stack
    ax.set_xlim(-0.6, max(len(shown), 1) - 0.4)
    ax.set_ylim(0, max(height, 1) + 0.3)
    ax.set_xlabel("stack after each token" + (f"   (… {hidden} more not drawn)" if hidden else ""), fontsize=9)
    return ax


def _short(value: Any, width: int = 6) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# ---------------------------------------------------------------------------------------------- traces
def draw_call_tree(trace: Any, ax: Any = None, max_nodes: int = 60, describe: Any = None) -> Any:
    """A trace as a tree drawn top-down: one row per step, each call's steps indented below it (lessons
    01, 02 and 05). Calls are boxed, primitives are plain leaves, and a step carrying the return flag is
    marked ⏎ in orange. Past `max_nodes` steps the drawing stops with a note. Returns the axes.

    >>> from npi_lib.trace import Step, Trace
    >>> t = Trace(Step("ADD", children=[Step("ADD1", children=[Step("WRITE")]), Step("NOP", ret=True)]))
    >>> [x.get_text() for x in draw_call_tree(t).texts]
    ['ADD', 'ADD1', 'WRITE', 'NOP  ⏎']
    """
    from .trace import format_step

    rows: list[tuple[int, Any]] = []
    total = 0
    for depth, step in trace.walk():
        total += 1
        if len(rows) < max_nodes:
            rows.append((depth, step))
    hidden = total - len(rows)
    max_depth = max((d for d, _ in rows), default=0)
    if ax is None:
        ax = new_axes(max(3.0, 0.5 * max_depth + 3.0), 0.24 * (len(rows) + (1 if hidden else 0)) + 0.4)
    parents: dict[int, tuple[int, int]] = {}  # depth -> (row, depth) of the latest call at that depth
    for row, (depth, step) in enumerate(rows):
        y = -row
        if depth > 0 and depth - 1 in parents:
            prow, pdepth = parents[depth - 1]
            # an elbow from the parent's row down to this row, then right to the step
            ax.plot([pdepth + 0.15, pdepth + 0.15, depth - 0.05], [-prow - 0.3, y, y], color="0.7", lw=0.8)
        color = POINTER_COLORS[1] if step.ret else "black"
        if step.is_call:
            edge = POINTER_COLORS[1] if step.ret else POINTER_COLORS[0]
            box = {"boxstyle": "round,pad=0.2", "facecolor": "#E8F1FA", "edgecolor": edge}
            ax.text(depth, y, format_step(step, describe), ha="left", va="center", fontsize=8,
                    family="monospace", weight="bold", color=color, bbox=box, gid="call")
            parents[depth] = (row, depth)
        else:
            ax.text(depth, y, format_step(step, describe), ha="left", va="center", fontsize=8,
                    family="monospace", color=color, gid="primitive")
    if hidden:
        ax.annotate(f"… {hidden} more steps not drawn (max_nodes={max_nodes})", (0, -len(rows)),
                    fontsize=8, color="0.4", style="italic", va="center")
    ax.set_xlim(-0.3, max_depth + 4)
    ax.set_ylim(-len(rows) - (1 if hidden else 0) + 0.4, 0.6)
    ax.axis("off")
    return ax


# ---------------------------------------------------------------------------------------------- curves
def plot_accuracy(
    records: Any,
    ax: Any = None,
    label: str = "",
    train_sizes: Sequence[int] | None = None,
) -> Any:
    """Accuracy against input size, on a log size axis, with the training sizes shaded (lessons 04-06).

    `records` is a list like `[{"size": 5, "accuracy": 1.0, "n": 30}, ...]`, or a dict label -> such a list
    to compare several models. When a record has `n` (problems tried), a 95% Wilson interval is drawn as an
    error bar: 30 problems cannot tell 100% from 90% for sure. Returns the axes.

    >>> ax = plot_accuracy({"recursive": [{"size": 2, "accuracy": 1.0}, {"size": 90, "accuracy": 1.0}]})
    >>> ax.get_xscale(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('log', ['recursive'])
    """
    series = records if isinstance(records, dict) else {label: records}
    if ax is None:
        ax = new_axes(6.0, 3.0)
    if train_sizes:
        low, high = min(train_sizes), max(train_sizes)
        ax.axvspan(low / 1.08, high * 1.08, color="0.9", zorder=0, label="training sizes")
    for i, (name, recs) in enumerate(series.items()):
        recs = sorted(recs, key=lambda r: r["size"])
        sizes = [r["size"] for r in recs]
        acc = [r["accuracy"] for r in recs]
        color = POINTER_COLORS[i % len(POINTER_COLORS)]
        if all("n" in r for r in recs) and recs:
            bounds = [wilson_interval(r["accuracy"], r["n"]) for r in recs]
            err = [[a - lo for a, (lo, _) in zip(acc, bounds)], [hi - a for a, (_, hi) in zip(acc, bounds)]]
            ax.errorbar(sizes, acc, yerr=err, color=color, marker="o", ms=4, capsize=2, label=name or None)
        else:
            ax.plot(sizes, acc, color=color, marker="o", ms=4, label=name or None)
    from matplotlib.ticker import PercentFormatter

    ax.set_xscale("log")
    _plain_ticks(ax.xaxis, [r["size"] for recs in series.values() for r in recs])
    ax.set_ylim(-0.03, 1.03)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))  # the papers' tables are in percent
    ax.set_xlabel("input size")
    ax.set_ylabel("accuracy")
    ax.grid(True, which="major", color="0.92")
    if any(series) or train_sizes:
        ax.legend(fontsize=8)
    return ax


def plot_paper_comparison(report: dict, results: Any, ax: Any = None, train_sizes: Sequence[int] | None = None) -> Any:
    """Our accuracy against size for every model of a results table (lines with 95% intervals, as
    `plot_accuracy`), and the paper's numbers at the same sizes as open markers of the same colour.

    `report` comes from `npi_lib.reproduce.reproduce` or `evaluate_shipped`, `results` is the task's
    `PaperResults`. Only the first probe of each model is drawn (the random problems). Returns the axes.
    """
    series, paper = {}, {}
    for experiment, row in zip(results.experiments, report["rows"]):
        probe = experiment.probes[0]
        name = f"{experiment.formulation} ({experiment.train_set})"
        series[name] = [r for r in row["results"] if r["problems"] == probe.label]
        measured = [r["size"] for r in series[name]]
        paper[name] = [(s, float(p) / 100) for s in measured if _is_number(p := probe.paper_at(s))]
    ax = plot_accuracy(series, ax=ax, train_sizes=train_sizes)
    for i, (name, points) in enumerate(paper.items()):
        if points:
            sizes, values = zip(*points)
            ax.plot(sizes, values, ls="none", marker="s", ms=8, mfc="none", color=POINTER_COLORS[i % len(POINTER_COLORS)])
    ax.plot([], [], ls="none", marker="s", ms=8, mfc="none", color="0.4", label="the paper")
    ax.legend(fontsize=8)
    return ax


def _is_number(text: Any) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _plain_ticks(axis: Any, values: Sequence[float]) -> None:
    """Ticks at the measured sizes, written 20 rather than 2×10¹, when there are few enough to read."""
    from matplotlib.ticker import NullFormatter, NullLocator, ScalarFormatter

    ticks = sorted(set(values))
    if 0 < len(ticks) <= 12:
        axis.set_ticks(ticks)
        axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(ScalarFormatter())
    axis.set_minor_formatter(NullFormatter())


def wilson_interval(accuracy: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval for a success rate measured on n trials (95% by default).

    >>> [round(x, 3) for x in wilson_interval(1.0, 30)]
    [0.886, 1.0]
    """
    if n <= 0:
        return 0.0, 1.0
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * (accuracy * (1 - accuracy) / n + z * z / (4 * n * n)) ** 0.5
    return max(0.0, centre - half), min(1.0, centre + half)


def plot_frame_lengths(data: dict[str, Sequence[tuple[int, int]]], ax: Any = None, scale: str = "auto") -> Any:
    """The longest call frame against input size, one line per formulation (lessons 02 and 06): bounded
    for recursive programs, growing with the input for loops.

    `data` maps a label to `[(size, longest_frame), ...]`. `scale="auto"` picks log-log when the sizes span
    at least a factor of 10 (so growth rates read as slopes), linear otherwise. Returns the axes.

    >>> ax = plot_frame_lengths({"non-recursive": [(1, 4), (100, 202)], "recursive": [(1, 3), (100, 3)]})
    >>> ax.get_xscale(), ax.get_yscale()
    ('log', 'log')
    """
    if scale not in ("auto", "log", "linear"):
        raise ValueError(f"scale must be 'auto', 'log' or 'linear', got {scale!r}")
    if ax is None:
        ax = new_axes(5.0, 3.0)
    sizes = [s for points in data.values() for s, _ in points]
    if scale == "auto":
        scale = "log" if sizes and min(sizes) > 0 and max(sizes) >= 10 * min(sizes) else "linear"
    for i, (name, points) in enumerate(data.items()):
        points = sorted(points)
        ax.plot([s for s, _ in points], [f for _, f in points], marker="o", ms=4,
                color=POINTER_COLORS[i % len(POINTER_COLORS)], label=name)
    ax.set_xscale(scale)
    ax.set_yscale(scale)
    if scale == "log":
        _plain_ticks(ax.xaxis, sizes)
        _plain_ticks(ax.yaxis, [])
    ax.set_xlabel("input size")
    ax.set_ylabel("longest frame (steps)")
    ax.grid(True, which="major", color="0.92")
    ax.legend(fontsize=8)
    return ax


# ---------------------------------------------------------------------------------------------- the NPI (lesson 03)
def _flow(ax: Any, nodes: dict[str, tuple[float, float, str]], edges: Sequence[tuple[str, str, str]],
          functions: Sequence[str] = (), fontsize: int = 9) -> dict[str, Any]:
    """Boxes joined by arrows: nodes maps a key to (x, y, text); edges are (from, to, label). The boxes named in
    `functions` are filled blue (computations), the others white (values). Returns key -> text artist."""
    box = {
        k: ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, gid=k, bbox=dict(
            boxstyle="round", ec="0.4", fc="#d6e6f5" if k in functions else "white"))
        for k, (x, y, text) in nodes.items()
    }
    for a, b, label in edges:
        ax.annotate("", (0.5, 0.5), (0.5, 0.5), box[b], box[a], arrowprops=dict(
            arrowstyle="-|>", color="0.3", shrinkA=2, shrinkB=2,
            patchA=box[a].get_bbox_patch(), patchB=box[b].get_bbox_patch()))
        if label:
            (xa, ya, _), (xb, yb, _) = nodes[a], nodes[b]
            ax.text((xa + xb) / 2, (ya + yb) / 2 + 0.12, label, ha="center", va="bottom", fontsize=fontsize - 1,
                    color=POINTER_COLORS[1], style="italic")
    ax.set(xticks=[], yticks=[], frame_on=False)
    return box


def draw_npi_step(ax: Any = None) -> Any:
    """One NPI step with its tensors' shapes as symbols (lesson 03, section 3): the observation and arguments
    through f_enc, the program's row of M_prog, the fusion layer, the 2-layer LSTM and its state, the three
    decoders. Computations are blue boxes, values white. Returns the axes.

    >>> sorted(t.get_gid() for t in draw_npi_step().texts if t.get_gid())[:3]
    ['A', 'E', 'F']
    """
    if ax is None:
        ax = new_axes(12.0, 3.6)
    nodes = {
        "e": (0, 3, "$e_t$ observation (B, 4)"), "a": (0, 1.9, "$a_t$ arguments (B, 3)"),
        "id": (0, 0.5, "program id (B,)"), "E": (2.8, 2.45, "$f_{enc}$: one-hot (B, W)\n→ MLP → $s_t$ (B, D)"),
        "M": (2.8, 0.5, "$p_t = M_{prog}$[id]\n(B, P)"), "F": (5.3, 1.5, "fuse: concat (B, D+P)\n→ Linear+ReLU"),
        "L": (7.6, 1.5, "$f_{lstm}$: LSTM\n2 layers × H"), "R": (10.4, 2.7, "$f_{end}$ → $r_t$ (B,)"),
        "h": (7.6, 3, "$(h, c)_{t-1}$ → $(h, c)_t$\n(2, B, H) each"),
        "K": (10.4, 1.5, "$f_{prog}$ → $k_t$ (B, K)\n$M_{key} k_t$ → (B, N)"),
        "A": (10.4, 0.3, "$f_{arg}$ → $a_{t+1}$\none (B, size) per slot"),
    }
    edges = [(a, b, "") for a, b in map(str.split, "e E,a E,id M,E F,M F,F L,h L,L R,L K,L A".split(","))]
    _flow(ax, nodes, edges, functions="EMFLRKA")
    ax.set(xlim=(-1.3, 11.8), ylim=(-0.2, 3.4))
    return ax


def draw_lstm_cell(ax: Any = None) -> Any:
    """One LSTM layer at one step (lesson 03, section 3): x_t and h_{t-1} feed the gates i, f, o and the
    candidate g; c_t = f·c_{t-1} + i·g; h_t = o·tanh(c_t). On the right, two layers stacked: the second reads
    the first one's h. Returns the axes.

    >>> sorted(t.get_gid() for t in draw_lstm_cell().texts if t.get_gid() in ("i", "f", "g", "o"))
    ['f', 'g', 'i', 'o']
    """
    if ax is None:
        ax = new_axes(12.0, 3.8)
    nodes = {
        "x": (0, 2.6, "$x_t$: the layer's input"), "hp": (0, 1.0, "$h_{t-1}$: its output\nat the last step"),
        "i": (3.0, 3.3, "input gate  $i = \\sigma(\\cdot)$"), "f": (3.0, 2.3, "forget gate  $f = \\sigma(\\cdot)$"),
        "g": (3.0, 1.3, "candidate  $g = \\tanh(\\cdot)$"), "o": (3.0, 0.3, "output gate  $o = \\sigma(\\cdot)$"),
        "cp": (5.8, 3.6, "$c_{t-1}$: the cell"), "c": (5.8, 2.3, "$c_t = f \\odot c_{t-1} + i \\odot g$"),
        "h": (5.8, 0.3, "$h_t = o \\odot \\tanh(c_t)$"),
        "x2": (9.7, 0.3, "fused input"), "l1": (9.7, 1.3, "layer 1: $(h^1, c^1)$"),
        "l2": (9.7, 2.3, "layer 2: $(h^2, c^2)$"), "d": (9.7, 3.3, "decoders read $h^2$ = the paper's $h_t$"),
    }
    edges = [(a, b, "") for a, b in map(str.split, (
        "x i,x f,x g,x o,hp i,hp f,hp g,hp o,cp c,i c,f c,g c,c h,o h,x2 l1,l1 l2,l2 d").split(","))]
    _flow(ax, nodes, edges, functions="ifgo", fontsize=9)
    ax.text(3.0, 3.85, "each: $W x_t + U h_{t-1} + b$, its own W, U, b", ha="center", fontsize=8, color="0.3")
    ax.text(9.7, 3.85, "2 layers", ha="center", fontsize=9, weight="bold")
    ax.axvline(8.1, color="0.85", lw=1)
    ax.set(xlim=(-1.4, 11.6), ylim=(-0.2, 4.1))
    return ax


def draw_program_lookup(programs: Sequence[str] = (), primitives: Sequence[str] = (), ax: Any = None) -> Any:
    """How one step's key becomes the next frame's program (lesson 03, section 6): k_t is scored against every
    row of M_key, the argmax names program i; a primitive acts on the environment, any other program gets a
    new frame whose p_t is row i of M_prog and whose LSTM state starts at zero. `programs` and `primitives`
    (names) label the memory's rows. Returns the axes.

    >>> ax = draw_program_lookup(["ADD", "WRITE"], ["WRITE"])
    >>> [t.get_text().splitlines()[-1] for t in ax.texts if t.get_gid() in ("P", "C")]
    ['(WRITE)', '(ADD)']
    """
    if ax is None:
        ax = new_axes(12.0, 3.6)
    half = (len(programs) + 1) // 2
    rows = "".join(f"\n{', '.join(programs[k:k + half])}" for k in (0, half) if programs[k:k + half])
    calls = [p for p in programs if p not in primitives]
    nodes = {
        "h": (0, 2.4, "$h_t$ of the\nrunning frame"), "k": (2.4, 2.4, "$k_t = f_{prog}(h_t)$"),
        "s": (5.3, 2.4, f"$M_{{key}}[j] \\cdot k_t$: a score\nfor every program j{rows}"),
        "i": (8.2, 2.4, "$i = $ argmax$_j$:\nthe next program"),
        "P": (11.3, 3.6, "primitive: apply it to the\nenvironment, with $a_{t+1}$"
              + (f"\n({', '.join(primitives)})" if primitives else "")),
        "C": (11.3, 1.2, "program: push a frame with\nits own $p = M_{prog}[i]$, $a = a_{t+1}$\nand $(h, c) = 0$"
              + (f"\n({', '.join(calls)})" if calls else "")),
        "n": (5.3, 0.2, "the callee's first step"),
    }
    edges = [("h", "k", ""), ("k", "s", ""), ("s", "i", ""), ("i", "P", ""), ("i", "C", ""), ("C", "n", "")]
    _flow(ax, nodes, edges, functions="ksC")
    ax.annotate("", (0, 1.9), (4.0, 0.2), arrowprops=dict(arrowstyle="-|>", color="0.6", ls="--",
                                                       connectionstyle="arc3,rad=-0.25"))
    ax.text(1.9, 0.9, "it computes\nits own $h_t$", fontsize=8, color="0.4", ha="center")
    ax.set(xlim=(-1.0, 13.4), ylim=(-0.4, 4.4))
    return ax


def call_stack_columns(trace: Any) -> list[tuple[list[str], bool, Any]]:
    """For every step of an NPI trace, in execution order: the programs of the frames on the call stack (the
    first call at the bottom, the frame making the step last), whether the step is its frame's first (made
    from a fresh state h = 0), and the step itself.

    >>> from npi_lib.trace import Step, Trace
    >>> t = Trace(Step("ADD", children=[Step("ADD1", children=[Step("WRITE", ret=True)]), Step("NOP", ret=True)]))
    >>> [(stack, fresh, s.name) for stack, fresh, s in call_stack_columns(t)]
    [(['ADD'], True, 'ADD1'), (['ADD', 'ADD1'], True, 'WRITE'), (['ADD'], False, 'NOP')]
    """
    columns, path, made = [], [], {}  # path: the open calls by depth; made[d]: steps made so far at depth d
    for depth, step in trace.walk():
        if depth > 0:
            columns.append((path[:depth], made.get(depth, 0) == 0, step))
            made[depth] = made.get(depth, 0) + 1
        if step.is_call:
            path = path[:depth] + [step.name]
            made[depth + 1] = 0  # a new frame: its first step comes from h = 0
    return columns


def draw_call_stack(trace: Any, ax: Any = None, describe: Any = None, max_columns: int = 40) -> Any:
    """The call stack at every step of an NPI trace (lesson 03, section 6): one column per step, one box per
    frame (the first call at the bottom); the frame making the step is filled, and "h=0" marks a frame's
    first step, made from a fresh LSTM state. Under each column, the step it makes (⏎: its frame returns
    after it). `describe(name, args)` spells arguments out, as in `draw_call_tree`. Returns the axes.

    >>> from npi_lib.trace import Step, Trace
    >>> t = Trace(Step("ADD", children=[Step("ADD1", children=[Step("WRITE", ret=True)]), Step("NOP", ret=True)]))
    >>> ax = draw_call_stack(t)
    >>> len(ax.patches), sum(x.get_text() == "h=0" for x in ax.texts)
    (4, 2)
    """
    import matplotlib.patches as patches

    from .trace import format_step

    columns = call_stack_columns(trace)
    shown, hidden = columns[:max_columns], len(columns) - min(len(columns), max_columns)
    height = max((len(stack) for stack, _, _ in shown), default=1)
    if ax is None:
        ax = new_axes(max(4.0, 0.5 * len(shown) + 1.2), 0.55 * height + 2.4)
    names = sorted({name for stack, _, _ in shown for name in stack})
    color = {name: POINTER_COLORS[i % len(POINTER_COLORS)] for i, name in enumerate(names)}
    for x, (stack, fresh, step) in enumerate(shown):
        for level, name in enumerate(stack):
            top = level == len(stack) - 1
            ax.add_patch(patches.Rectangle((x - 0.42, level), 0.84, 0.9, facecolor=color[name] if top else "white",
                                           edgecolor=color[name], lw=1.5, alpha=0.9))
            ax.text(x, level + 0.45, name, ha="center", va="center", fontsize=6, rotation=90,
                    color="white" if top else color[name], weight="bold" if top else "normal")
        if fresh:
            ax.text(x, len(stack) + 0.05, "h=0", ha="center", va="bottom", fontsize=6.5, color=POINTER_COLORS[1])
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels([format_step(s, describe) for _, _, s in shown], rotation=90, fontsize=7, family="monospace")
    for label, (_, _, s) in zip(ax.get_xticklabels(), shown):
        label.set_color(POINTER_COLORS[1] if s.ret else "black")
    ax.tick_params(axis="x", length=0)
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(-0.6, max(len(shown), 1) - 0.4)
    ax.set_ylim(0, height + 0.6)
    if hidden:
        ax.set_xlabel(f"(… {hidden} more steps not drawn)", fontsize=8)
    return ax
