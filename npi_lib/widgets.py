"""Interactive viewers for the lessons: step through a Forth program, browse a trace as a tree, and put the
network's trace beside the reference.

- `Stepper` (lesson 01): buttons ⏮ ◀ ▶ ⏭ and a slider over a trace's timeline; the current word highlighted in
  the source, the data stack and the return stack after it.
- `TraceViewer` (lessons 01-05): the call tree as a list of indented lines with collapsible calls; for the
  selected step, the environment (drawn by `task.draw`) and the observation the encoder saw.
- `CompareViewer` (lesson 05): the reference and the network's trace side by side, the first difference
  marked and one click away.
- `playground(task, model)` (lesson 05, section 7): type a problem, run the network on it, compare its
  trace with the reference. A task that declares an `input_form` gets a box per part of the problem
  (`BoxesPlayground`: the two addends), any other one box of JSON (`Playground`).

They all work on the one `Trace` type of `npi_lib.trace`, so they open Forth, RPN and task traces alike;
the only machine-specific part is how a state is shown, a hook (`render_state` for HTML, `state_text` for
text) whose default draws Forth and RPN stacks and prints anything else.

ipywidgets is imported inside the constructors: importing this module costs nothing. Every viewer keeps its
state in plain attributes (`index`, `html`) and has `describe()`, the text of what it shows: a notebook
prints it so that nbval has something deterministic to compare (a widget's own output carries a random
model id), and the tests drive the viewers headless by clicking their buttons and reading it back.

    >>> from npi_lib.rpn import rpn_trace
    >>> s = Stepper(rpn_trace("5 3 +"), source="5 3 +")
    >>> s.buttons["next"].click(); s.buttons["next"].click()
    >>> print(s.describe())
    step 2 of 3: 3  (in RPN)
    source: 5 ⟨3⟩ +
    data stack: 5 3
"""

from __future__ import annotations

import html
import io
from typing import Any, Callable, Sequence

from .plotting import split_stacks
from .trace import Moment, Step, Trace, first_difference, format_step, timeline

RenderState = Callable[[Any], str]

_MONO = "font-family: var(--jp-code-font-family, monospace)"
_ACCENT = "#0072B2"  # the course palette (npi_lib.plotting.POINTER_COLORS)
_WARN = "#D55E00"


# ---------------------------------------------------------------------------------------------- states
def render_stacks(state: Any) -> str:
    """A Forth or RPN state as HTML: the data stack as a row of boxes, bottom first, top highlighted, and the
    return stack when there is one. Any other state is printed in a <pre>.

    >>> "3</span>" in render_stacks((5, 3)), "return stack" in render_stacks((5, 3))
    (True, False)
    """
    split = split_stacks(state)
    if split is None:
        return f"<pre style='margin:0'>{html.escape(str(state))}</pre>"
    data, returns = split
    out = [_stack_row("data stack", data)]
    if returns is not None:
        out.append(_stack_row("return stack", returns))
    return "".join(out)


def _stack_row(label: str, values: Sequence[Any]) -> str:
    boxes = []
    for i, v in enumerate(values):
        top = i == len(values) - 1
        style = (
            f"display:inline-block;min-width:1.6em;text-align:center;padding:1px 5px;margin:1px;{_MONO};"
            f"border:1px solid {_ACCENT if top else '#666'};background:{'#E8F1FA' if top else 'white'}"
        )
        boxes.append(f"<span style='{style}'>{html.escape(str(v))}</span>")
    body = "".join(boxes) + " <span style='color:#888'>← top</span>" if boxes else "<i style='color:#888'>empty</i>"
    return f"<div style='margin:2px 0'><span style='display:inline-block;width:7.5em'>{label}</span>{body}</div>"


def stacks_text(state: Any) -> str:
    """A Forth or RPN state as text, bottom of each stack first; any other state as `str(state)`.

    >>> print(stacks_text((5, 3)))
    data stack: 5 3
    """
    split = split_stacks(state)
    if split is None:
        return str(state)
    data, returns = split
    lines = ["data stack: " + (" ".join(str(v) for v in data) if data else "(empty)")]
    if returns is not None:
        lines.append("return stack: " + (" ".join(str(v) for v in returns) if returns else "(empty)"))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- the tree
MAX_INDENT = 24  # deeper lines are indented like this one and show their depth as a number


class TraceRows:
    """The timeline of a trace as the lines of a collapsible tree: no widgets, just indices.

    `visible()` skips the steps inside collapsed calls; `window(selected)` cuts at most `max_rows` lines
    around the selection, so a trace of 100,000 steps costs 100,000 list entries and never 100,000 widgets.

        >>> from npi_lib.trace import Step, Trace
        >>> rows = TraceRows(Trace(Step("ADD", children=[Step("ADD1", children=[Step("WRITE")]), Step("NOP")])))
        >>> rows.collapsed.add(1); [rows.label(i) for i in rows.visible()]
        ['▾ ADD', '  ▸ ADD1  (+1 steps)', '    NOP']
    """

    def __init__(self, trace: Trace, max_rows: int = 200, describe: Callable | None = None):
        self.trace = trace
        self.moments: list[Moment] = timeline(trace)
        self.max_rows = max(3, max_rows)
        self.describe_step = describe
        self.collapsed: set[int] = set()
        self.marks: dict[int, str] = {}  # index -> a note at the end of its line (the first difference)
        # One pass: each step's parent, and for each call the index just past its last descendant.
        n = len(self.moments)
        self.parent: list[int] = [-1] * n
        self.end: list[int] = list(range(1, n + 1))
        open_calls: list[int] = []
        for m in self.moments:
            while open_calls and self.moments[open_calls[-1]].depth >= m.depth:
                self.end[open_calls.pop()] = m.index
            self.parent[m.index] = open_calls[-1] if open_calls else -1
            if m.step.is_call:
                open_calls.append(m.index)
        for i in open_calls:
            self.end[i] = n
        if n > self.max_rows:  # a long trace opens with only the root's own steps showing
            self.collapse_all()

    def __len__(self) -> int:
        return len(self.moments)

    def visible(self) -> list[int]:
        """Indices of the lines shown, in order: everything but the inside of collapsed calls."""
        out, i = [], 0
        while i < len(self.moments):
            out.append(i)
            i = self.end[i] if i in self.collapsed else i + 1
        return out

    def ancestors(self, index: int) -> list[int]:
        """The calls that contain a step, outermost first."""
        out = []
        i = self.parent[index]
        while i >= 0:
            out.append(i)
            i = self.parent[i]
        return out[::-1]

    def path(self, index: int) -> str:
        """Where a step runs: `ADD › ADD1 › CARRY`, a recursion written once with its count (`ADD ×3`)."""
        names = [self.moments[i].step.name for i in self.ancestors(index)]
        runs: list[list] = []
        for name in names:
            if runs and runs[-1][0] == name:
                runs[-1][1] += 1
            else:
                runs.append([name, 1])
        return " › ".join(name if n == 1 else f"{name} ×{n}" for name, n in runs)

    def reveal(self, index: int) -> None:
        """Expand every call around a step, so that its line shows."""
        self.collapsed.difference_update(self.ancestors(index))

    def toggle(self, index: int) -> None:
        """Collapse an expanded call, expand a collapsed one; a primitive has nothing to fold."""
        if self.moments[index].step.is_call and index > 0:
            self.collapsed.symmetric_difference_update({index})

    def collapse_all(self) -> None:
        """Fold every call but the root."""
        self.collapsed = {m.index for m in self.moments if m.step.is_call and m.depth >= 1}

    def expand_all(self) -> None:
        self.collapsed = set()

    def label(self, index: int) -> str:
        """One line of the tree: indent, ▾/▸ for an open/folded call, the step as `format_step` writes it."""
        m = self.moments[index]
        if m.step.is_call:
            folded = index in self.collapsed
            marker = "▸ " if folded else "▾ "
        else:
            folded, marker = False, "  "
        if m.depth <= MAX_INDENT:
            indent = "  " * m.depth
        else:  # a recursion 1000 calls deep would push the line off the screen
            indent = "  " * (MAX_INDENT - 2) + f"{m.depth:>3} "
        text = indent + marker + format_step(m.step, self.describe_step)
        if folded:
            text += f"  (+{self.end[index] - index - 1} steps)"
        if index in self.marks:
            text += "  " + self.marks[index]
        return text

    def window(self, selected: int) -> tuple[list[int], int, int]:
        """At most `max_rows` visible lines around `selected`: (indices, lines hidden above, lines hidden below)."""
        rows = self.visible()
        if len(rows) <= self.max_rows:
            return rows, 0, 0
        at = _position(rows, selected)
        start = min(max(0, at - self.max_rows // 2), len(rows) - self.max_rows)
        stop = start + self.max_rows
        return rows[start:stop], start, len(rows) - stop


def _position(rows: list[int], index: int) -> int:
    """Where `index` is in the sorted `rows`, or where the nearest line before it is."""
    import bisect

    return max(0, bisect.bisect_right(rows, index) - 1)


# ---------------------------------------------------------------------------------------------- details
def _step_heading(rows: TraceRows, index: int) -> tuple[str, str]:
    """'step 3 of 34: WRITE(OUT, 1)' and where it runs."""
    m = rows.moments[index]
    what = format_step(m.step, rows.describe_step)
    if index == 0:
        return f"start: {what}, {len(rows) - 1} steps", ""
    return f"step {index} of {len(rows) - 1}: {what}", rows.path(index)


def _state_caption(m: Moment) -> str:
    if m.index == 0:
        return "before anything ran"
    return "when the call starts" if m.step.is_call else "after this step"


def _observation(step: Step, fields: Sequence[str]) -> list[tuple[str, Any]]:
    if step.obs is None:
        return []
    names = list(fields) + [f"obs{i}" for i in range(len(fields), len(step.obs))]
    return list(zip(names, step.obs))


class _Details:
    """What a viewer shows for one selected step: heading, observation, state (drawn or printed), note."""

    def __init__(self, rows: TraceRows, task: Any, render_state: RenderState | None, state_text: RenderState | None,
                 draw_limit: int = 2000):
        self.rows, self.task = rows, task
        self.draw_limit = draw_limit
        self.render_state = render_state
        self.state_text = state_text or (stacks_text if task is None else str)
        self._png: dict[int, bytes] = {}

    def html(self, index: int) -> str:
        m = self.rows.moments[index]
        heading, path = _step_heading(self.rows, index)
        out = [f"<div style='font-weight:bold'>{html.escape(heading)}</div>"]
        if path:
            out.append(f"<div style='color:#666'>in {html.escape(path)}</div>")
        fields = _observation(m.step, getattr(self.task, "observation_fields", ()))
        if fields:
            cells = "".join(
                f"<td style='padding:0 6px;border:1px solid #ccc'><span style='color:#666'>{html.escape(k)}</span> "
                f"<b style='{_MONO}'>{html.escape(str(v))}</b></td>"
                for k, v in fields
            )
            out.append(
                "<div style='margin-top:4px'>observation the encoder saw before choosing this step:</div>"
                f"<table style='border-collapse:collapse'><tr>{cells}</tr></table>"
            )
        out.append(f"<div style='margin-top:4px'>state {_state_caption(m)}:</div>")
        out.append(self._state_html(m))
        if m.step.note:
            color = _WARN if m.step.note.startswith("error") else "#333"
            out.append(f"<div style='color:{color};{_MONO}'>note: {html.escape(m.step.note)}</div>")
        return "".join(out)

    def text(self, index: int) -> str:
        m = self.rows.moments[index]
        heading, path = _step_heading(self.rows, index)
        lines = [heading + (f"  (in {path})" if path else "")]
        fields = _observation(m.step, getattr(self.task, "observation_fields", ()))
        if fields:
            lines.append("observation: " + " ".join(f"{k}={v}" for k, v in fields))
        lines.append(f"state {_state_caption(m)}:")
        lines.append(_indent("(not recorded)" if m.state is None else self.state_text(m.state)))
        if m.step.note:
            lines.append(f"note: {m.step.note}")
        return "\n".join(lines)

    def _state_html(self, m: Moment) -> str:
        if m.state is None:
            return "<i style='color:#888'>not recorded (the trace was made with record_states=False)</i>"
        if self.render_state is not None:
            return self.render_state(m.state)
        draw = getattr(self.task, "draw", None)
        if draw is None and self.task is None:
            return render_stacks(m.state)
        text = str(m.state)
        if draw is None or len(text) > self.draw_limit:  # a 1000-digit pad takes half a minute to draw
            return f"<pre style='max-width:60em;max-height:20em;overflow:auto'>{html.escape(text)}</pre>"
        import base64

        if m.index not in self._png:
            if len(self._png) > 256:  # each picture is a few kB; keep the last ones the student looked at
                self._png.pop(next(iter(self._png)))
            self._png[m.index] = _draw_png(draw, m.state)
        data = base64.b64encode(self._png[m.index]).decode()
        return f"<img src='data:image/png;base64,{data}' alt='{html.escape(str(m.state))}'/>"


def _draw_png(draw: Callable, state: Any) -> bytes:
    """`task.draw(state)` as PNG bytes, without leaving a figure open for the notebook to show again."""
    import matplotlib.pyplot as plt

    ax = draw(state)
    fig = ax.figure
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


class _Widget:
    """What every viewer shares: its ipywidgets box in `.widget`, and a display whose text is `describe()`."""

    widget: Any

    def describe(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.describe()  # what a notebook viewer without widgets (or nbval) shows
        return bundle


# ---------------------------------------------------------------------------------------------- stepper
class Stepper(_Widget):
    """Step forward and back through a program: ⏮ ◀ ▶ ⏭ and a slider over `timeline(trace)` (lesson 01).

    Shows the current step and where it runs, the source with the current word highlighted (when the
    trace's steps carry `pos` and the source is given), the state after the step (`render_state(state)` ->
    HTML; by default Forth/RPN stacks), and for Forth everything printed so far.

    `tokens`, when given, are the (text, character offset) of each token, so that `pos` = token index can be
    found in a source with comments; by default the source is split at whitespace.

        >>> from npi_lib.trace import Step, Trace
        >>> s = Stepper(Trace(Step("RPN", children=[Step("1", state=(1,), pos=0)]), ()), source="1")
        >>> s.buttons["last"].click(); s.index, s.slider.value
        (1, 1)
    """

    def __init__(
        self,
        trace: Trace,
        render_state: RenderState | None = None,
        state_text: RenderState | None = None,
        source: str | None = None,
        tokens: Sequence[tuple[str, int]] | None = None,
        title: str = "",
    ):
        import ipywidgets as w

        self.trace, self.source, self.title = trace, source, title
        self.rows = TraceRows(trace, max_rows=1 << 30)
        self.moments = self.rows.moments
        self.render_state = render_state or render_stacks
        self.state_text = state_text or stacks_text
        self.tokens = list(tokens) if tokens is not None else _split_tokens(source or "")
        self.index = 0
        self._printed = _printed_so_far(self.moments)
        # ⏮ and ⏭ are drawn with the icon font that ipywidgets ships: many browsers have no glyph for U+23EE
        self.buttons = {
            "first": w.Button(icon="step-backward", tooltip="first step"),
            "prev": w.Button(description="◀", tooltip="previous step"),
            "next": w.Button(description="▶", tooltip="next step"),
            "last": w.Button(icon="step-forward", tooltip="last step"),
        }
        for button in self.buttons.values():
            button.layout = w.Layout(width="3em")
        self.buttons["first"].on_click(lambda _: self.go(0))
        self.buttons["prev"].on_click(lambda _: self.go(self.index - 1))
        self.buttons["next"].on_click(lambda _: self.go(self.index + 1))
        self.buttons["last"].on_click(lambda _: self.go(len(self.moments) - 1))
        self.slider = w.IntSlider(value=0, min=0, max=max(0, len(self.moments) - 1), description="step",
                                  continuous_update=True, layout=w.Layout(width="24em"))
        self.slider.observe(lambda change: self.go(change["new"]), names="value")
        self.view = w.HTML()
        header = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = w.VBox(header + [w.HBox(list(self.buttons.values()) + [self.slider]), self.view])
        self.widget.add_class("npi-stepper")
        self._show()

    def go(self, index: int) -> None:
        """Show step `index` (clamped to the trace)."""
        index = min(max(0, index), len(self.moments) - 1)
        if index == self.index and self.view.value:
            return
        self.index = index
        self.slider.value = index  # its observer calls go() again, which returns at once
        self._show()

    @property
    def html(self) -> str:
        """The HTML of the current view."""
        return self.view.value

    @property
    def moment(self) -> Moment:
        return self.moments[self.index]

    def describe(self) -> str:
        """The current view as text: the step, the source with the word marked ⟨so⟩, the stacks, the output."""
        m = self.moment
        heading, path = _step_heading(self.rows, self.index)
        lines = [heading + (f"  (in {path})" if path else "")]
        if self.source is not None:
            lines.append("source: " + _mark_source(self.source, self.tokens, m.step.pos, "⟨", "⟩"))
        lines.append("(no state recorded)" if m.state is None else self.state_text(m.state))
        if self._printed[self.index]:
            lines.append("printed: " + self._printed[self.index])
        if m.step.note.startswith("error"):
            lines.append(m.step.note)
        return "\n".join(lines)

    def _show(self) -> None:
        m = self.moment
        heading, path = _step_heading(self.rows, self.index)
        out = [f"<div><b class='npi-step'>{html.escape(heading)}</b>"]
        if path:
            out.append(f" <span style='color:#666'>in {html.escape(path)}</span>")
        out.append("</div>")
        if self.source is not None:
            marked = _mark_source(
                html.escape(self.source), _escaped_tokens(self.source, self.tokens), m.step.pos,
                f"<mark style='background:#FFE08A;outline:1px solid {_WARN}'>", "</mark>",
            )
            box = f"{_MONO};white-space:pre-wrap;margin:4px 0;padding:4px;background:#f6f6f6"
            out.append(f"<div style='{box}'>{marked}</div>")
        out.append("<i>no state recorded</i>" if m.state is None else self.render_state(m.state))
        if self._printed[self.index]:
            printed = html.escape(self._printed[self.index])
            out.append(f"<div>printed: <span style='{_MONO};white-space:pre'>{printed}</span></div>")
        if m.step.note.startswith("error"):
            out.append(f"<div style='color:{_WARN}'>{html.escape(m.step.note)}</div>")
        self.view.value = "<div class='npi-stepper-view'>" + "".join(out) + "</div>"


def stepper(trace: Trace, **kwargs: Any) -> Stepper:
    """`Stepper(trace, ...)`: step through any trace."""
    return Stepper(trace, **kwargs)


def forth_stepper(source: str, forth: Any = None) -> Stepper:
    """Run a Forth program and step through it (lesson 01). A failing program is shown up to its error.

    `forth`: a `npi_lib.forth.Forth` that already knows some words (a fresh one by default).
    """
    from .errors import ForthError
    from .forth import Forth, tokenize

    machine = forth if forth is not None else Forth()
    title = ""
    try:
        trace = machine.trace(source)
    except ForthError as error:
        if getattr(error, "trace", None) is None:
            raise
        trace, title = error.trace, f"this program fails: {error}"  # type: ignore[attr-defined]
    tokens = [(t.text, t.start) for t in tokenize(source)]
    return Stepper(trace, source=source, tokens=tokens, title=title)


def rpn_stepper(source: str) -> Stepper:
    """Evaluate an RPN expression and step through it, token by token (lesson 01)."""
    from .errors import ForthError
    from .rpn import rpn_trace

    title = ""
    try:
        trace = rpn_trace(source)
    except ForthError as error:
        if getattr(error, "trace", None) is None:
            raise
        trace, title = error.trace, f"this expression fails: {error}"  # type: ignore[attr-defined]
    return Stepper(trace, source=source, title=title)


def _split_tokens(source: str) -> list[tuple[str, int]]:
    import re

    return [(m.group(), m.start()) for m in re.finditer(r"\S+", source)]


def _escaped_tokens(source: str, tokens: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    """The tokens' places in `html.escape(source)`: escaping `<` lengthens the text before them."""
    return [(html.escape(text), len(html.escape(source[:start]))) for text, start in tokens]


def _mark_source(source: str, tokens: Sequence[tuple[str, int]], pos: int | None, left: str, right: str) -> str:
    if pos is None or not 0 <= pos < len(tokens):
        return source
    text, start = tokens[pos]
    return source[:start] + left + text + right + source[start + len(text):]


def _printed_so_far(moments: list[Moment]) -> list[str]:
    """For each step, the text printed up to it: the notes of the primitives, errors aside."""
    out, printed = [], ""
    for m in moments:
        if not m.step.is_call and m.step.note and not m.step.note.startswith("error"):
            printed += m.step.note
        out.append(printed)
    return out


# ---------------------------------------------------------------------------------------------- viewers
class _TreePane:
    """One trace as a Select of tree lines, fold buttons, and the details of the selected step."""

    EARLIER, LATER = -1, -2  # option values of the "… N more" lines

    def __init__(self, trace: Trace, task: Any, render_state: RenderState | None, state_text: RenderState | None,
                 max_rows: int, title: str, on_select: Callable[[int], None], draw_limit: int = 2000):
        import ipywidgets as w

        self.rows = TraceRows(trace, max_rows, getattr(task, "describe", None))
        self.details = _Details(self.rows, task, render_state, state_text, draw_limit)
        self.on_select = on_select
        self.index = 0
        self._quiet = False
        self.select = w.Select(options=[], rows=18, layout=w.Layout(width="auto", min_width="22em"))
        self.select.add_class("npi-tree")
        self.select.observe(self._selected, names="index")
        self.buttons = {
            "toggle": w.Button(description="fold/unfold", tooltip="collapse or expand the selected call"),
            "expand_all": w.Button(description="expand all"),
            "collapse_all": w.Button(description="collapse all"),
        }
        for b in self.buttons.values():
            b.layout = w.Layout(width="auto")
        self.buttons["toggle"].on_click(lambda _: self.toggle())
        self.buttons["expand_all"].on_click(lambda _: self._fold(self.rows.expand_all))
        self.buttons["collapse_all"].on_click(lambda _: self._fold(self.rows.collapse_all))
        self.view = w.HTML()
        head = [w.HTML(f"<b>{html.escape(title)}</b>")] if title else []
        self.widget = w.VBox(head + [self.select, w.HBox(list(self.buttons.values())), self.view])
        self._shown: list[int] = []
        self._options: list[tuple[str, int]] = []

    def go(self, index: int) -> None:
        """Select step `index`: unfold the calls around it, scroll the list to it, show its details."""
        self.index = min(max(0, index), len(self.rows) - 1)
        self.rows.reveal(self.index)
        self._refresh()

    def toggle(self) -> None:
        self.rows.toggle(self.index)
        self._refresh()

    def _fold(self, how: Callable[[], None]) -> None:
        how()
        if self.index not in self.rows.visible():  # the selection was folded away: select its outermost fold
            folded = [a for a in self.rows.ancestors(self.index) if a in self.rows.collapsed]
            self.index = folded[0]
        self._refresh()

    def lines(self) -> list[str]:
        """The lines of the list as shown, the selected one marked with →."""
        return [
            ("→ " if i == self.select.index else "  ") + label.replace("\u00a0", " ")
            for i, (label, _) in enumerate(self._options)
        ]

    def _refresh(self) -> None:
        shown, above, below = self.rows.window(self.index)
        options = []
        if above:
            options.append((f"… {above} lines above", self.EARLIER))
        options += [(self.rows.label(i).replace(" ", "\u00a0"), i) for i in shown]  # browsers squeeze spaces
        if below:
            options.append((f"… {below} more lines", self.LATER))
        self._quiet = True  # setting options and index fires the observer: not a choice of the student
        try:
            if options != self._options:
                self.select.options = options
                self.select.rows = min(18, max(2, len(options)))
                self._options, self._shown = options, shown
            self.select.index = (1 if above else 0) + shown.index(self.index)
        finally:
            self._quiet = False
        self.view.value = f"<div class='npi-details'>{self.details.html(self.index)}</div>"

    def _selected(self, change: dict) -> None:
        if self._quiet or change["new"] is None:
            return
        value = self.select.value
        if value == self.EARLIER:  # scroll up: select the last line above the window
            rows = self.rows.visible()
            value = rows[max(0, _position(rows, self._shown[0]) - 1)]
        elif value == self.LATER:
            rows = self.rows.visible()
            value = rows[min(len(rows) - 1, _position(rows, self._shown[-1]) + 1)]
        self.on_select(value)


class TraceViewer(_Widget):
    """A trace as a collapsible tree; for the selected step its environment state and observation.

    Works for task traces (the state drawn with `task.draw`, the observation labelled with
    `task.observation_fields`) and for Forth/RPN traces without a task (the state drawn as stacks).
    Long traces open folded and show at most `max_rows` lines around the selection (lessons 01-05); a state
    whose text is longer than `draw_limit` characters is printed rather than drawn (drawing takes seconds).

        >>> from npi_lib import addition
        >>> v = TraceViewer(addition.reference((7, 5), "non-recursive"), addition.TASK)
        >>> v.buttons["next"].click(); v.buttons["next"].click()
        >>> print(v.describe(rows=3))
            ▾ ADD1
        →       WRITE(OUT, 2)
              ▾ CARRY  ⏎
        step 2 of 19: WRITE(OUT, 2)  (in ADD › ADD1)
        observation: in1=7 in2=5 carry=10 out=10
        state after this step:
            IN1  _  _ [7]
            IN2  _  _ [5]
          CARRY  _  _ [_]
            OUT  _  _ [2]
    """

    def __init__(
        self,
        trace: Trace,
        task: Any = None,
        render_state: RenderState | None = None,
        state_text: RenderState | None = None,
        max_rows: int = 200,
        draw_limit: int = 2000,
    ):
        import ipywidgets as w

        self.trace, self.task = trace, task
        self.pane = _TreePane(trace, task, render_state, state_text, max_rows, "", self.go, draw_limit)
        self.buttons = {
            "prev": w.Button(description="◀", tooltip="previous step", layout=w.Layout(width="3em")),
            "next": w.Button(description="▶", tooltip="next step", layout=w.Layout(width="3em")),
        }
        self.buttons["prev"].on_click(lambda _: self.go(self.index - 1))
        self.buttons["next"].on_click(lambda _: self.go(self.index + 1))
        self.buttons.update(self.pane.buttons)
        style = w.HTML(f"<style>.npi-tree select {{{_MONO}; font-size: 12px}}</style>")
        nav = w.HBox([self.buttons["prev"], self.buttons["next"]] + list(self.pane.buttons.values()))
        self.widget = w.VBox([style, nav, w.HBox([self.pane.select, self.pane.view])])
        self.widget.add_class("npi-trace-viewer")  # a handle for tools/browser_check.py and for styling
        self.pane.go(0)

    @property
    def index(self) -> int:
        return self.pane.index

    @property
    def rows(self) -> TraceRows:
        return self.pane.rows

    @property
    def html(self) -> str:
        """The HTML of the selected step's details."""
        return self.pane.view.value

    @property
    def select(self) -> Any:
        return self.pane.select

    def go(self, index: int) -> None:
        """Select step `index` in timeline order."""
        self.pane.go(index)

    def describe(self, rows: int | None = 7) -> str:
        """The text of the view: up to `rows` lines of the tree around the selection (all shown with None),
        then the selected step's details."""
        return _clip(self.pane.lines(), rows) + "\n" + self.pane.details.text(self.index)


def _clip(lines: list[str], rows: int | None) -> str:
    if rows is None or len(lines) <= rows:
        return "\n".join(lines)
    at = next((i for i, line in enumerate(lines) if line.startswith("→")), 0)
    start = min(max(0, at - rows // 2), len(lines) - rows)
    return "\n".join(lines[start:start + rows])


class CompareViewer(_Widget):
    """The reference trace and the network's trace side by side, the first difference marked (lesson 05).

    Selecting a step in one selects the step with the same index in the other. It opens on the first
    difference (in the sense of `npi_lib.trace.first_difference`: name, arguments, return flag, nesting).

        >>> from npi_lib import addition
        >>> from npi_lib.trace import Step
        >>> ref = addition.reference((7, 5), "non-recursive")
        >>> net = addition.reference((7, 5), "non-recursive")
        >>> net.root.children[0].children[0] = Step("WRITE", (3, 9, 0))
        >>> v = CompareViewer(ref, net, addition.TASK)
        >>> print(v.summary())
        first difference at step 2: reference WRITE(OUT, 2), network WRITE(OUT, 9)
    """

    def __init__(
        self,
        reference_trace: Trace,
        network_trace: Trace,
        task: Any = None,
        render_state: RenderState | None = None,
        state_text: RenderState | None = None,
        max_rows: int = 200,
        draw_limit: int = 2000,
    ):
        import ipywidgets as w

        self.task = task
        self.first = first_difference(reference_trace, network_trace)
        self.panes = {
            name: _TreePane(t, task, render_state, state_text, max_rows, name, self.go, draw_limit)
            for name, t in (("reference", reference_trace), ("network", network_trace))
        }
        if self.first is not None:
            for pane in self.panes.values():
                if self.first < len(pane.rows):
                    pane.rows.marks[self.first] = "✗ first difference"
        self.buttons = {
            "prev": w.Button(description="◀", tooltip="previous step", layout=w.Layout(width="3em")),
            "next": w.Button(description="▶", tooltip="next step", layout=w.Layout(width="3em")),
            "difference": w.Button(description="go to the first difference", layout=w.Layout(width="auto"),
                                   disabled=self.first is None),
        }
        self.buttons["prev"].on_click(lambda _: self.go(self.index - 1))
        self.buttons["next"].on_click(lambda _: self.go(self.index + 1))
        self.buttons["difference"].on_click(lambda _: self.go(self.first or 0))
        self.header = w.HTML(f"<div style='color:{_WARN if self.first is not None else 'green'}'>"
                             f"{html.escape(self.summary())}</div>")
        style = w.HTML(f"<style>.npi-tree select {{{_MONO}; font-size: 12px}}</style>")
        self.widget = w.VBox([
            style, self.header, w.HBox(list(self.buttons.values())),
            w.HBox([p.widget for p in self.panes.values()]),
        ])
        self.widget.add_class("npi-compare-viewer")
        self.index = 0
        self.go(self.first if self.first is not None else 0)

    def go(self, index: int) -> None:
        """Select step `index` in both traces (the last step of a trace shorter than that)."""
        longest = max(len(p.rows) for p in self.panes.values())
        self.index = min(max(0, index), longest - 1)
        for pane in self.panes.values():
            pane.go(self.index)

    def summary(self) -> str:
        """One line: identical, or where the traces first part."""
        ref, net = self.panes["reference"].rows, self.panes["network"].rows
        if self.first is None:
            return f"identical: the network's trace matches the reference at all {len(ref) - 1} steps"
        return (
            f"first difference at step {self.first}: "
            f"reference {_step_at(ref, net, self.first)}, network {_step_at(net, ref, self.first)}"
        )

    def describe(self, rows: int | None = 5) -> str:
        """The summary, then for each trace the tree lines around the selection and the selected step."""
        parts = [self.summary()]
        for name, pane in self.panes.items():
            index = pane.index
            parts.append(f"--- {name}")
            parts.append(_clip(pane.lines(), rows))
            parts.append(pane.details.text(index))
        return "\n".join(parts)


def _step_at(rows: TraceRows, other: TraceRows, index: int) -> str:
    """A step for the difference summary; its place in the tree too when only that differs."""
    if index >= len(rows):
        return "(no step: its trace has ended)"
    m = rows.moments[index]
    text = format_step(m.step, rows.describe_step)
    if index < len(other) and text == format_step(other.moments[index].step, other.describe_step):
        text += f" ({'call' if m.step.is_call else 'primitive'} at depth {m.depth})"
    return text


# ---------------------------------------------------------------------------------------------- playground
class Playground(_Widget):
    """Type a problem, let a trained NPI solve it, and see its trace beside the reference one (lesson 05).

    The problem is typed as JSON and read by the task's own `parse_input` (the task's `input_example`
    shows the format). ▶ run executes `npi_lib.interpreter.run` and shows the network's answer,
    whether it is right, its number of steps, whether it stopped on its own, and a `CompareViewer` of the
    reference trace and the network's (first difference marked). The check box runs the network without
    the reset of its controller state at each call. Bad input gets the task's own error message in the
    widget, never a traceback.

    States (pictures of the environment) are recorded when the reference trace has at most `record_limit`
    steps; a problem whose reference needs more than `max_steps` steps is refused (it would take minutes).

        >>> p = Playground("addition", None, value="[96, 125")
        >>> p.buttons["run"].click()
        >>> print(p.describe())
        input: [96, 125
        error: not valid JSON (Expecting ',' delimiter at character 8). Example: [96, 125]
    """

    def __init__(
        self,
        task: Any,
        model: Any,
        formulation: str | None = None,
        value: str | None = None,
        reset: bool = True,
        max_steps: int = 100_000,
        record_limit: int = 3_000,
    ):
        import ipywidgets as w

        from .task import get_task

        self.task = get_task(task)
        self.example = self.task.input_example
        self.model, self.formulation = model, formulation
        self.max_steps, self.record_limit = max_steps, record_limit
        self.result: Any = None  # the last RunResult
        self.viewer: CompareViewer | None = None
        self.problem: Any = None
        self.error = ""
        self.expected: Any = None  # the reference's answer to the last problem run
        self._controller: Any = None
        self.inputs = self._make_inputs(w, value)
        self.reset_box = w.Checkbox(value=reset, description="reset h at every call", indent=False,
                                    layout=w.Layout(width="auto"))
        self.buttons = {"run": w.Button(description="▶ run", button_style="primary", layout=w.Layout(width="6em"))}
        self.buttons["run"].on_click(lambda _: self.run())
        self.message = w.HTML()
        self.output = w.VBox()
        self.widget = w.VBox([w.HBox(list(self.inputs.values()) + [self.buttons["run"], self.reset_box]),
                              self.message, self.output])
        self.widget.add_class("npi-playground")

    # -- input: one JSON text box here; BoxesPlayground has a box per part of the problem
    def _make_inputs(self, w: Any, value: str | None) -> dict[str, Any]:
        return {"problem": w.Text(value=self.example if value is None else value, placeholder=self.example,
                                  description="problem", layout=w.Layout(width="24em"))}

    def set_input(self, text: str) -> None:
        """Type `text` into the problem box."""
        self.inputs["problem"].value = text

    def input_text(self) -> str:
        return self.inputs["problem"].value

    def parse(self) -> Any:
        """The problem typed in the box, validated by the task (raises ValueError with the reason)."""
        import json

        text = self.input_text().strip()
        if not text:
            raise ValueError(f"type a problem first, as JSON. Example: {self.example}")
        try:
            value = json.loads(text)
        except json.JSONDecodeError as e:
            raise ValueError(f"not valid JSON ({e.msg} at character {e.pos}). Example: {self.example}") from None
        return self.task.parse_input(value)

    def label(self, problem: Any) -> str:
        """The problem as the summary shows it."""
        return _long_text(list(problem) if isinstance(problem, tuple) else problem)

    # -- running
    def run(self) -> None:
        """Parse the input, run the network on it and show the outcome (errors become a message)."""
        self.result, self.viewer, self.problem, self.error = None, None, None, ""
        self.output.children = ()
        try:
            self.problem = self.parse()
        except Exception as e:  # the task's own message says what would be valid
            return self._fail(str(e))
        try:
            self._run(self.problem)
        except _TooLong as e:
            return self._fail(str(e))
        except Exception as e:  # never a traceback in the widget
            return self._fail(f"the run failed: {type(e).__name__}: {e}")
        self.message.value = self._summary_html()
        self.output.children = (self.viewer.widget,)

    def _run(self, problem: Any) -> None:
        from .interpreter import as_step_function, run, step_limits

        formulation = self.task.formulation(self.formulation)
        reference, final = self.task.traced(problem, formulation, record_states=False)
        if len(reference) > self.max_steps:
            raise _TooLong(f"this problem needs {len(reference):,} steps; the playground runs at most "
                             f"{self.max_steps:,}. Use npi_lib.interpreter.run for it.")
        record = len(reference) <= self.record_limit
        if record:  # the same trace again, with a picture of the environment after every step
            reference = self.task.reference(problem, formulation)
        self.expected = self.task.output(final)
        if self._controller is None:  # built once: it caches the network's work per distinct input
            self._controller = as_step_function(self.model)
        max_steps, max_depth = step_limits(reference)
        self.result = run(self._controller, self.task, problem, formulation, max_steps=max_steps,
                          max_depth=max_depth, reset=self.reset_box.value, record_states=record)
        self.viewer = CompareViewer(reference, self.result.trace, self.task)

    def _fail(self, message: str) -> None:
        self.error = message
        self.message.value = f"<div style='color:{_WARN}'>⚠ {html.escape(message)}</div>"

    # -- what it shows
    def summary_lines(self) -> list[str]:
        """The outcome in words: answer, correct or not, steps, halted, how the traces compare."""
        if self.error:
            return [f"error: {self.error}"]
        if self.result is None:
            return ["not run yet: press ▶ run"]
        r = self.result
        verdict = "correct" if r.correct else f"incorrect: expected {_long_text(self.expected)}"
        stopped = f"halted: yes ({r.reason})" if r.halted else f"halted: no, stopped by {r.reason}"
        lines = [f"answer: {_long_text(r.output)} ({verdict})", f"steps: {r.steps:,} · {stopped}"]
        if not self.reset_box.value:
            lines.append("run without the reset: every callee starts from its caller's state")
        return lines + [self.viewer.summary()]  # type: ignore[union-attr]

    def _summary_html(self) -> str:
        lines = self.summary_lines()
        if self.viewer is not None:  # the viewer shows its own summary (how the traces compare) just below
            lines = lines[:-1]
        color = "green" if self.result is not None and self.result.correct else _WARN
        head = f"<div style='color:{color};font-weight:bold'>{html.escape(lines[0])}</div>"
        return head + "".join(f"<div>{html.escape(line)}</div>" for line in lines[1:])

    def describe(self, rows: int | None = 5) -> str:
        """The text of the view: the input, the outcome, and (after a run) the two traces around the
        selected step."""
        shown = self.label(self.problem) if self.problem is not None else self.input_text()
        parts = [f"input: {shown}"] + self.summary_lines()
        if self.viewer is not None:
            parts.append(self.viewer.describe(rows).split("\n", 1)[1])  # its first line is the summary above
        return "\n".join(parts)


class BoxesPlayground(Playground):
    """A playground with one text box per part of the problem, as the task's `input_form` declares (for
    addition, a box for each addend instead of JSON). Box values are given by name: `a="96", b="125"`;
    a box not given starts with its part of the task's `input_example`.

        >>> p = BoxesPlayground("addition", None, a="12", b="3x")
        >>> p.buttons["run"].click()
        >>> p.error
        "addend 2 '3x' is not a number: write it with the digits 0-9 only"
    """

    def __init__(self, task: Any, model: Any, formulation: str | None = None, **kwargs: Any):
        import json

        from .task import get_task

        task = get_task(task)
        form = task.input_form
        if form is None:
            raise ValueError(f"task {task.name!r} declares no input_form: use Playground (one JSON box)")
        example = json.loads(task.input_example)
        self.form = form
        self._initial = {box: str(kwargs.pop(box, part)) for box, part in zip(form.boxes, example)}
        super().__init__(task, model, formulation, **kwargs)

    def _make_inputs(self, w: Any, value: str | None) -> dict[str, Any]:
        return {name: w.Text(value=v, placeholder=self.form.hint, description=name, layout=w.Layout(width="18em"))
                for name, v in self._initial.items()}

    def set_input(self, *parts: Any) -> None:  # type: ignore[override]
        """Type one value into each box, in order (numbers of any length are typed in full)."""
        for name, part in zip(self.form.boxes, parts):
            self.inputs[name].value = _long_text(part, None)

    def input_text(self) -> str:
        return self.form.separator.join(self.inputs[name].value for name in self.form.boxes)

    def parse(self) -> Any:
        drop = str.maketrans("", "", self.form.ignore)
        parts = [self.inputs[name].value.strip().translate(drop) for name in self.form.boxes]
        for name, part in zip(self.form.boxes, parts):
            if not part:
                raise ValueError(f"box {name} is empty: type {self.form.hint}")
        return self.task.parse_input(parts)

    def label(self, problem: Any) -> str:
        return self.form.separator.join(_long_text(part) for part in problem)


def playground(task: Any, model: Any, formulation: str | None = None, **kwargs: Any) -> Playground:
    """A playground for any task: a `BoxesPlayground` when the task declares an `input_form` (addition: a
    box per addend), else a `Playground` with one JSON box."""
    from .task import get_task

    cls = BoxesPlayground if get_task(task).input_form is not None else Playground
    return cls(task, model, formulation, **kwargs)


class _TooLong(ValueError):
    """A problem whose reference trace is longer than the playground's `max_steps`."""


def _long_text(value: Any, limit: int | None = 60) -> str:
    """`str(value)`, numbers of any length included, shortened in the middle beyond `limit` characters
    (None: never)."""
    import sys

    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)  # sums of 5,000 digits: Python refuses to print ints past 4,300 digits
    try:
        text = str(value)
    finally:
        sys.set_int_max_str_digits(old)
    if limit is None or len(text) <= limit:
        return text
    keep = (limit - 5) // 2
    unit = "digits" if isinstance(value, int) else "characters"
    return f"{text[:keep]}…{text[-keep:]} ({len(text):,} {unit})"
