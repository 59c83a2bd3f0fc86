"""Topological sort by depth-first search (Cai, Shin & Song 2017 §4.3 and appendix).
A first look in lesson 02 (section 8); lesson 07 teaches it.

A DFS from every white start vertex, with an explicit stack instead of recursion in Python: a white child
turns grey, the active vertex is pushed and the child becomes active; when the active vertex has no white
child left it turns black, is written to the result, and the stack is popped. The result row holds the
vertices in DFS finishing order, so read backwards it is a topological order.

The environment holds Q_color (a colour per vertex), Q_result, Q_stack, the DAG as adjacency lists, the
pointers p_result, p_stack, p_start, the variables v_active and v_save, and childList[i], the index of
vertex i's next child to examine. The encoder sees three things only, never a vertex id:

    colour of p_start                  WHITE, GREY, BLACK, or INVALID past the last vertex
    colour of v_active's next child    WHITE, GREY, BLACK, or INVALID when none is left
    is the stack empty                 1 if empty, else 0

    >>> graph = parse_input({"n": 3, "edges": [[1, 3], [2, 3]]})
    >>> TASK.output(run_reference(graph, "recursive"))
    [2, 1, 3]
    >>> print(TASK.format(reference(graph, "recursive"), max_lines=10))
    TOPOSORT
      WRITE(ACTIVE_START)
      WRITE(COLOR_CURR, GREY)
      TRAVERSE
        CHECK_CHILD
          NOP  ⏎
        EXPLORE  ⏎
          WRITE(COLOR_NEXT, GREY)
          STACK(PUSH)
            WRITE(STACK_PUSH)
    ... (42 more steps)

Choices where the papers are silent or loose
(explained in lesson 07, tested in tests/test_toposort.py):
- EXPLORE calls CHECK_CHILD at the end of *both* branches of its loop, not only after a POP. After a push
  the new active vertex starts at its first child, which may already be black; without CHECK_CHILD the
  next iteration would see "no white child" and finish the vertex too early. Example: edges 1→2, 1→4,
  4→2, 4→3. Vertex 2 finishes first; then 4 becomes active, its first child 2 is black, and 4 would be
  written before its white child 3, giving the order 3, 1, 4, 2, which breaks the edge 4→3.
- EXPLORE's loop ends on "stack empty" right after the finished vertex is written: that decision is made
  while emitting MOVE(p_result, UP), so the MOVE carries the return flag (the stack-empty observation
  cannot change during the three steps before it). No NOP is needed there.
- A frame that has nothing to do (CHECK_CHILD when the next child is white or INVALID, NEXT_START when
  p_start is white or INVALID, TOPOSORT when p_start is INVALID) emits NOP with the return flag; the
  non-recursive loops end the same way, so both formulations run the same primitives.
- Children are examined in increasing vertex order (the adjacency lists are sorted), and start vertices
  in increasing order, so the DFS (and the trace) does not depend on how the edges were listed.
- Q_stack grows upward and p_stack points at the first free cell: STACK(PUSH) writes at p_stack then
  moves it UP, STACK(POP) reads and clears the cell below p_stack then moves it DOWN. "Stack empty" is
  p_stack == 0. Every pointer ranges over 0..len, len meaning "past the end".
- Vertex ids are 1..n for people (input, output, pictures, printed states) and 0..n-1 inside the
  environment and its snapshots.
- Arguments: WRITE(target, colour), MOVE(pointer, direction), STACK(op); the unused slots are 0.
    WRITE targets  COLOR_CURR=0 COLOR_NEXT=1 ACTIVE_START=2 ACTIVE_NEIGHB=3 ACTIVE_STACK=4 SAVE=5
                   STACK_PUSH=6 STACK_POP=7 RESULT=8; colour GREY=1 or BLACK=2 for the two COLOR_
                   targets (the other targets ignore the colour slot)
    MOVE pointers  p_result=0 p_stack=1 p_start=2 childList[v_active]=3 childList[v_save]=4; UP=0 DOWN=1
    STACK ops      PUSH=0 POP=1
  so `arg_sizes` is (9, 3, 1).
- Problems are `Graph(n, edges)`, frozen and hashable; `dataclasses.asdict(graph)` is JSON-ready and
  `parse_input` reads it back.
- Verification (lesson 09, `npi_lib.verify`): the model `DfsView` sees a frame's world as the colour under
  p_start, the colour of the next child, the stack's depth as 0, 1 or "more", whether v_active is the
  root and whether a vertex after p_start is known to exist; V has 53 sequences, and 25 graphs of at most
  5 vertices meet them all.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterator

from .errors import ActionError, ProblemError
from .task import Experiment, FrameModel, PaperResults, Probe, Task, VerificationSpec, code_name
from .trace import Trace, Tracer, first_difference, frames, program

WHITE, GREY, BLACK, INVALID = 0, 1, 2, 3
COLOR_NAMES = ("WHITE", "GREY", "BLACK", "INVALID")

# WRITE targets (argument slot 0 of WRITE); slot 1 is the colour for the two COLOR_ targets
COLOR_CURR, COLOR_NEXT, ACTIVE_START, ACTIVE_NEIGHB, ACTIVE_STACK, SAVE, STACK_PUSH, STACK_POP, RESULT = range(9)
TARGET_NAMES = (
    "COLOR_CURR", "COLOR_NEXT", "ACTIVE_START", "ACTIVE_NEIGHB", "ACTIVE_STACK",
    "SAVE", "STACK_PUSH", "STACK_POP", "RESULT",
)  # fmt: skip
# MOVE pointers (argument slot 0 of MOVE) and directions (slot 1)
P_RESULT, P_STACK, P_START, CHILD_ACTIVE, CHILD_SAVE = range(5)
POINTER_NAMES = ("p_result", "p_stack", "p_start", "childList[v_active]", "childList[v_save]")
UP, DOWN = 0, 1
# STACK operations (argument slot 0 of STACK)
PUSH, POP = 0, 1

PROGRAMS = ("TOPOSORT", "TRAVERSE", "CHECK_CHILD", "EXPLORE", "STACK", "NEXT_START", "WRITE", "MOVE", "NOP")
PRIMITIVES = frozenset({"WRITE", "MOVE", "NOP"})
FORMULATIONS = ("non-recursive", "recursive")


# ---------------------------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Graph:
    """A directed acyclic graph on vertices 1..n; `edges` are (u, v) pairs meaning u → v, sorted."""

    n: int
    edges: tuple[tuple[int, int], ...] = ()


def parse_input(value: object) -> Graph:
    """Validate `{"n": N, "edges": [[u, v], ...]}` (vertices 1..N): a DAG without self-loops or repeats.

    >>> parse_input({"n": 3, "edges": [[2, 3], [1, 3]]})
    Graph(n=3, edges=((1, 3), (2, 3)))
    """
    if isinstance(value, Graph):
        value = {"n": value.n, "edges": value.edges}
    if not isinstance(value, dict):
        raise ProblemError(f'topological sort takes a graph as {{"n": N, "edges": [[u, v], ...]}}; got {value!r}')
    missing = [k for k in ("n", "edges") if k not in value]
    if missing:
        keys = ", ".join(map(repr, missing))
        raise ProblemError(f"the graph is missing the key(s) {keys}; give both 'n' and 'edges'")
    unknown = sorted(str(k) for k in value if k not in ("n", "edges"))
    if unknown:
        keys = ", ".join(map(repr, unknown))
        raise ProblemError(f"the graph has unknown key(s) {keys}; the keys are 'n' and 'edges'")
    n, edges = value["n"], value["edges"]
    if not _is_int(n) or n < 1:
        raise ProblemError(f"n = {n!r} is not a positive integer: give the number of vertices, numbered 1..n")
    if not isinstance(edges, (list, tuple)):
        raise ProblemError(f"edges = {edges!r} is not a list of [u, v] pairs")
    seen: dict[tuple[int, int], int] = {}
    for i, e in enumerate(edges):
        if not isinstance(e, (list, tuple)) or len(e) != 2 or not all(_is_int(x) for x in e):
            raise ProblemError(f"edges[{i}] = {e!r} is not a pair of integers [u, v]")
        u, v = e
        for x in (u, v):
            if not 1 <= x <= n:
                raise ProblemError(f"edges[{i}] = {list(e)} names vertex {x}, but the vertices are 1..{n}")
        if u == v:
            raise ProblemError(
                f"edges[{i}] = {list(e)} is a self-loop on vertex {u}: a DAG has no edge from a vertex to itself"
            )
        if (u, v) in seen:
            raise ProblemError(f"edges[{i}] = {list(e)} repeats edges[{seen[(u, v)]}]: give each edge once")
        seen[(u, v)] = i
    graph = Graph(n, tuple(sorted(seen)))
    cycle = find_cycle(graph)
    if cycle:
        path = " → ".join(map(str, cycle + [cycle[0]]))
        raise ProblemError(f"the graph has a cycle {path}: topological sort needs a directed acyclic graph")
    return graph


def _is_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)  # True is an int to Python, not a vertex to us


def children(graph: Graph) -> list[list[int]]:
    """The adjacency lists, 0-based and sorted: the order in which the DFS examines the children.

    >>> children(Graph(3, ((1, 3), (2, 3))))
    [[2], [2], []]
    """
    adj: list[list[int]] = [[] for _ in range(graph.n)]
    for u, v in sorted(graph.edges):
        adj[u - 1].append(v - 1)
    return adj


def find_cycle(graph: Graph) -> list[int] | None:
    """The vertices (1-based) of one directed cycle, or None for a DAG.

    >>> find_cycle(Graph(4, ((1, 2), (2, 3), (3, 1), (3, 4))))
    [1, 2, 3]
    """
    adj = children(graph)
    color = [WHITE] * graph.n
    for s in range(graph.n):
        if color[s] != WHITE:
            continue
        color[s], path, todo = GREY, [s], [iter(adj[s])]  # iterative: long paths must not hit Python's limit
        while todo:
            for w in todo[-1]:
                if color[w] == GREY:
                    return [x + 1 for x in path[path.index(w) :]]
                if color[w] == WHITE:
                    color[w] = GREY
                    path.append(w)
                    todo.append(iter(adj[w]))
                    break
            else:
                color[path.pop()] = BLACK
                todo.pop()
    return None


def random_dag(n: int, rng: random.Random, density: float = 0.3) -> Graph:
    """A random DAG on n vertices: each pair, taken in the order of a random permutation, is an edge with
    probability `density` (so every DAG on n vertices can come out).

    >>> random_dag(4, random.Random(0), density=1.0).edges  # every pair of the order 3, 1, 2, 4
    ((1, 2), (1, 4), (2, 4), (3, 1), (3, 2), (3, 4))
    """
    if n < 1:
        raise ProblemError(f"a graph needs at least 1 vertex; got n = {n}")
    if not 0.0 <= density <= 1.0:
        raise ProblemError(f"density = {density} is a probability: give a number between 0 and 1")
    order = list(range(1, n + 1))
    rng.shuffle(order)
    edges = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < density]
    return Graph(n, tuple(sorted(edges)))


def random_problem(size: int, rng: random.Random) -> Graph:
    """A random DAG with `size` vertices and edge density 0.3 (see `random_dag`)."""
    return random_dag(size, rng)


def all_dags(n: int) -> Iterator[Graph]:
    """Every DAG on the vertices 1..n, in the order of a bit mask over the ordered pairs (u, v), u != v.

    >>> [len(list(all_dags(n))) for n in range(1, 5)]
    [1, 3, 25, 543]
    """
    pairs = [(u, v) for u in range(1, n + 1) for v in range(1, n + 1) if u != v]
    for mask in range(1 << len(pairs)):
        graph = Graph(n, tuple(p for i, p in enumerate(pairs) if mask >> i & 1))
        if find_cycle(graph) is None:
            yield graph



# ---------------------------------------------------------------------------------------------- environment
@dataclass(frozen=True)
class DagState:
    """A snapshot of the environment. Vertex ids here are 0-based; `str()` shows them 1-based.

    colors      Q_color: WHITE, GREY or BLACK per vertex
    child_list  childList: per vertex, the index of its next child to examine
    next_child  per vertex, the child childList points at (None when none is left): for viewers
    result      Q_result (None = empty cell);  stack: Q_stack (None = empty cell)
    """

    colors: tuple[int, ...]
    child_list: tuple[int, ...]
    next_child: tuple[int | None, ...]
    result: tuple[int | None, ...]
    stack: tuple[int | None, ...]
    p_result: int
    p_stack: int
    p_start: int
    v_active: int | None
    v_save: int | None

    def __str__(self) -> str:
        """Rows of cells, one column per vertex plus one "past the end" column; [brackets] mark
        p_start on the colour row, p_result and p_stack on theirs."""
        n = len(self.colors)
        w = len(str(n))

        def row(label: str, cells: list[str], ptr: int | None = None) -> str:
            text = "".join(f"[{c:>{w}}]" if i == ptr else f" {c:>{w}} " for i, c in enumerate(cells))
            return f"{label:>7} {text}".rstrip()

        return "\n".join(
            [
                row("vertex", [str(i + 1) for i in range(n)] + ["·"]),
                row("colour", [COLOR_NAMES[c][0] for c in self.colors] + ["·"], self.p_start),
                row("next", [_id(c, "-") for c in self.next_child]),
                row("result", [_id(v) for v in self.result] + [" "], self.p_result),
                row("stack", [_id(v) for v in self.stack] + [" "], self.p_stack),
                f"{'':>7} v_active={_id(self.v_active, '-')} v_save={_id(self.v_save, '-')}",
            ]
        )


def _id(v: int | None, empty: str = "_") -> str:
    return empty if v is None else str(v + 1)


class DagEnv:
    """The topological-sort environment for one graph; all vertices white, every pointer at 0.

        >>> env = DagEnv(Graph(3, ((1, 3), (2, 3))))
        >>> env.observe()            # colour of p_start, colour of the next child, stack empty
        (0, 3, 1)
        >>> env.apply("WRITE", (ACTIVE_START, 0, 0)); env.observe()   # vertex 1's next child is 3
        (0, 0, 1)
    """

    def __init__(self, graph: Graph | object):
        self.graph = graph if isinstance(graph, Graph) else parse_input(graph)
        self.n = self.graph.n
        self.adj = children(self.graph)
        self.color = [WHITE] * self.n
        self.child_list = [0] * self.n
        self.result: list[int | None] = [None] * self.n
        self.stack: list[int | None] = [None] * self.n
        self.p_result = self.p_stack = self.p_start = 0
        self.v_active: int | None = None
        self.v_save: int | None = None

    # -- what the encoder sees
    def next_child(self, v: int | None) -> int | None:
        """The child of v that childList[v] points at; None when v is unset or has none left."""
        if v is None or self.child_list[v] >= len(self.adj[v]):
            return None
        return self.adj[v][self.child_list[v]]

    def observe(self) -> tuple[int, int, int]:
        start = self.color[self.p_start] if self.p_start < self.n else INVALID
        child = self.next_child(self.v_active)
        return start, INVALID if child is None else self.color[child], int(self.p_stack == 0)

    # -- primitives
    def apply(self, name: str, args: tuple[int, ...]) -> None:
        """Run a primitive: WRITE(target, colour), MOVE(pointer, direction) or NOP."""
        if name == "NOP":
            return
        if name == "WRITE":
            self._write(args[0], args[1])
        elif name == "MOVE":
            self._move(args[0], args[1])
        else:
            raise ActionError(f"{name!r} is not a primitive of topological sort; the primitives are WRITE, MOVE, NOP")

    def _write(self, target: int, colour: int) -> None:
        if not 0 <= target < len(TARGET_NAMES):
            raise ActionError(f"WRITE target {target}: the targets are 0-8 ({', '.join(TARGET_NAMES)})")
        what = TARGET_NAMES[target]
        if target in (COLOR_CURR, COLOR_NEXT):
            if colour not in (GREY, BLACK):
                raise ActionError(f"WRITE({what}) of colour {colour}: write GREY ({GREY}) or BLACK ({BLACK})")
            v = self._active(what) if target == COLOR_CURR else self._next(what)
            self.color[v] = colour
        elif target == ACTIVE_START:
            if self.p_start >= self.n:
                raise ActionError(f"WRITE(ACTIVE_START) with p_start past the last vertex ({self.n})")
            self.v_active = self.p_start
        elif target == ACTIVE_NEIGHB:
            self.v_active = self._next(what)
        elif target == ACTIVE_STACK:
            top = self.stack[self.p_stack - 1] if self.p_stack > 0 else None
            if top is None:
                raise ActionError("WRITE(ACTIVE_STACK) on an empty stack: there is no vertex to pop")
            self.v_active = top
        elif target == SAVE:
            self.v_save = self._active(what)
        elif target == STACK_PUSH:
            if self.p_stack >= self.n:
                raise ActionError(f"WRITE(STACK_PUSH) with p_stack past the end of the stack ({self.n} cells)")
            self.stack[self.p_stack] = self._active(what)
        elif target == STACK_POP:
            if self.p_stack == 0:
                raise ActionError("WRITE(STACK_POP) on an empty stack (p_stack is 0)")
            self.stack[self.p_stack - 1] = None
        else:  # RESULT
            if self.p_result >= self.n:
                raise ActionError(f"WRITE(RESULT) with p_result past the end of the result ({self.n} cells)")
            self.result[self.p_result] = self._active(what)

    def _active(self, what: str) -> int:
        if self.v_active is None:
            raise ActionError(f"WRITE({what}) before any vertex is active: WRITE(ACTIVE_START) first")
        return self.v_active

    def _next(self, what: str) -> int:
        child = self.next_child(self._active(what))
        if child is None:
            v = self.v_active + 1  # type: ignore[operator]
            raise ActionError(f"WRITE({what}): vertex {v} has no next child left")
        return child

    def _move(self, pointer: int, direction: int) -> None:
        if not 0 <= pointer < len(POINTER_NAMES) or direction not in (UP, DOWN):
            raise ActionError(f"MOVE({pointer}, {direction}): pointer must be 0-4 and direction UP=0 or DOWN=1")
        step = 1 if direction == UP else -1
        if pointer in (CHILD_ACTIVE, CHILD_SAVE):
            var = "v_active" if pointer == CHILD_ACTIVE else "v_save"
            v = getattr(self, var)
            if v is None:
                raise ActionError(f"MOVE({POINTER_NAMES[pointer]}) while {var} is unset: no vertex to follow")
            new, end = self.child_list[v] + step, len(self.adj[v])
        else:
            new, end = getattr(self, POINTER_NAMES[pointer]) + step, self.n
        if not 0 <= new <= end:
            side = "past the end" if direction == UP else "below 0"
            raise ActionError(f"MOVE would move {POINTER_NAMES[pointer]} {side} (it ranges over 0..{end})")
        if pointer in (CHILD_ACTIVE, CHILD_SAVE):
            self.child_list[v] = new  # type: ignore[index]
        else:
            setattr(self, POINTER_NAMES[pointer], new)

    # -- viewers and answers
    def snapshot(self) -> DagState:
        return DagState(
            tuple(self.color),
            tuple(self.child_list),
            tuple(self.next_child(v) for v in range(self.n)),
            tuple(self.result),
            tuple(self.stack),
            self.p_result,
            self.p_stack,
            self.p_start,
            self.v_active,
            self.v_save,
        )

    def output(self) -> list[int] | None:
        """A topological order (1-based ids): Q_result read backwards; None while a cell is empty."""
        if any(v is None for v in self.result):
            return None
        return [v + 1 for v in reversed(self.result)]  # type: ignore[operator]


# Every decision below uses only env.observe(): what the NPI's encoder will see, nothing more.
def start_is_valid(env: DagEnv) -> bool:
    """p_start is still on a vertex (its colour is not INVALID)."""
    return env.observe()[0] != INVALID


def start_is_visited(env: DagEnv) -> bool:
    """p_start is on a grey or black vertex: not a place to start a new DFS."""
    return env.observe()[0] in (GREY, BLACK)


def next_child_is_white(env: DagEnv) -> bool:
    return env.observe()[1] == WHITE


def next_child_is_visited(env: DagEnv) -> bool:
    """The active vertex's next child is grey or black: skip it."""
    return env.observe()[1] in (GREY, BLACK)


def stack_is_empty(env: DagEnv) -> bool:
    return env.observe()[2] == 1


# ---------------------------------------------------------------------------------------------- programs
# Non-recursive: every loop runs inside one frame.
def TOPOSORT(t: Tracer, env: DagEnv) -> None:
    while start_is_valid(env):
        t.act("WRITE", ACTIVE_START)
        t.act("WRITE", COLOR_CURR, GREY)
        t.call(TRAVERSE)
        t.act("MOVE", P_START, UP)
        t.call(NEXT_START)
    t.act("NOP", ret=True)


def TRAVERSE(t: Tracer, env: DagEnv) -> None:
    t.call(CHECK_CHILD)
    t.call(EXPLORE, ret=True)


def CHECK_CHILD(t: Tracer, env: DagEnv) -> None:
    while next_child_is_visited(env):
        t.act("MOVE", CHILD_ACTIVE, UP)
    t.act("NOP", ret=True)


def EXPLORE(t: Tracer, env: DagEnv) -> None:
    while True:
        if next_child_is_white(env):  # go down: the child becomes active
            t.act("WRITE", COLOR_NEXT, GREY)
            t.call(STACK, PUSH)
            t.act("WRITE", SAVE)
            t.act("WRITE", ACTIVE_NEIGHB)
            t.act("MOVE", CHILD_SAVE, UP)
        else:  # no white child left: finish the active vertex, go back up
            t.act("WRITE", COLOR_CURR, BLACK)
            t.act("WRITE", RESULT)
            if stack_is_empty(env):  # the start vertex itself finished: this DFS is over
                return t.act("MOVE", P_RESULT, UP, ret=True)
            t.act("MOVE", P_RESULT, UP)
            t.call(STACK, POP)
        t.call(CHECK_CHILD)  # after a push too: the new active vertex's first child may be black


def STACK(t: Tracer, env: DagEnv, op: int) -> None:
    if op == PUSH:
        t.act("WRITE", STACK_PUSH)
        t.act("MOVE", P_STACK, UP, ret=True)
    else:
        t.act("WRITE", ACTIVE_STACK)
        t.act("WRITE", STACK_POP)
        t.act("MOVE", P_STACK, DOWN, ret=True)


def NEXT_START(t: Tracer, env: DagEnv) -> None:
    while start_is_visited(env):
        t.act("MOVE", P_START, UP)
    t.act("NOP", ret=True)


# Recursive: TOPOSORT, CHECK_CHILD, EXPLORE and NEXT_START do one iteration, then tail-call themselves.
@program("TOPOSORT")
def TOPOSORT_recursive(t: Tracer, env: DagEnv) -> None:
    if not start_is_valid(env):
        return t.act("NOP", ret=True)
    t.act("WRITE", ACTIVE_START)
    t.act("WRITE", COLOR_CURR, GREY)
    t.call(TRAVERSE_recursive)
    t.act("MOVE", P_START, UP)
    t.call(NEXT_START_recursive)
    t.call(TOPOSORT_recursive, ret=True)


@program("TRAVERSE")
def TRAVERSE_recursive(t: Tracer, env: DagEnv) -> None:
    t.call(CHECK_CHILD_recursive)
    t.call(EXPLORE_recursive, ret=True)


@program("CHECK_CHILD")
def CHECK_CHILD_recursive(t: Tracer, env: DagEnv) -> None:
    if not next_child_is_visited(env):
        return t.act("NOP", ret=True)
    t.act("MOVE", CHILD_ACTIVE, UP)
    t.call(CHECK_CHILD_recursive, ret=True)


@program("EXPLORE")
def EXPLORE_recursive(t: Tracer, env: DagEnv) -> None:
    if next_child_is_white(env):
        t.act("WRITE", COLOR_NEXT, GREY)
        t.call(STACK, PUSH)
        t.act("WRITE", SAVE)
        t.act("WRITE", ACTIVE_NEIGHB)
        t.act("MOVE", CHILD_SAVE, UP)
    else:
        t.act("WRITE", COLOR_CURR, BLACK)
        t.act("WRITE", RESULT)
        if stack_is_empty(env):  # the base case
            return t.act("MOVE", P_RESULT, UP, ret=True)
        t.act("MOVE", P_RESULT, UP)
        t.call(STACK, POP)
    t.call(CHECK_CHILD_recursive)
    t.call(EXPLORE_recursive, ret=True)


@program("NEXT_START")
def NEXT_START_recursive(t: Tracer, env: DagEnv) -> None:
    if not start_is_visited(env):
        return t.act("NOP", ret=True)
    t.act("MOVE", P_START, UP)
    t.call(NEXT_START_recursive, ret=True)


ENTRY = {"non-recursive": TOPOSORT, "recursive": TOPOSORT_recursive}


def frame_inputs(trace: Trace) -> set[tuple[str, tuple[int, ...]]]:
    """Every (frame program, observation) pair of a trace; the frame program is spelled with its
    argument, so STACK(PUSH) and STACK(POP) count apart.

    >>> sorted(frame_inputs(reference(Graph(1))))[:2]
    [('CHECK_CHILD', (1, 3, 1)), ('EXPLORE', (1, 3, 1))]
    """
    return {(describe(f.program, f.args), s.obs) for f in frames(trace) for s in f.steps}  # type: ignore[misc]


def step_inputs(trace: Trace) -> list[tuple[str, tuple[int, ...]] | None]:
    """The (frame program, observation) pair of every step, numbered as `npi_lib.trace.timeline` and the
    viewers number them: where a run is when it takes that step (lesson 07). None for the root call.

    >>> step_inputs(reference(Graph(1)))[:4]
    [None, ('TOPOSORT', (0, 3, 1)), ('TOPOSORT', (0, 3, 1)), ('TOPOSORT', (1, 3, 1))]
    """
    pairs: list[tuple[str, tuple[int, ...]] | None] = []
    path: list = []  # the calls enclosing the current step, the root first
    for depth, s in trace.walk():
        del path[depth:]
        pairs.append((describe(path[-1].name, path[-1].args), s.obs) if path else None)  # type: ignore[arg-type]
        path.append(s)
    return pairs


def first_wrong_step(reference_trace: Trace, network_trace: Trace) -> tuple[int, tuple[str, tuple[int, ...]]] | None:
    """Where a network's run first leaves the reference: (step index, the (frame program, observation)
    pair at that step), None when the traces agree. Up to that step both ran alike, so the pair is the
    network's as well as the reference's (lesson 07).

    >>> ref = reference(Graph(2, ((1, 2),)), record_states=False)
    >>> net = reference(Graph(2, ((1, 2),)), record_states=False)
    >>> net.root.children[1].args = (COLOR_CURR, BLACK, 0)
    >>> first_wrong_step(ref, net), first_wrong_step(ref, ref)
    ((2, ('TOPOSORT', (0, 0, 1))), None)
    """
    i = first_difference(reference_trace, network_trace)
    if i is None:
        return None
    pairs = step_inputs(reference_trace if i < len(reference_trace) + 1 else network_trace)
    return i, pairs[i]  # type: ignore[return-value]


def frame_of_step(trace: Trace, index: int):
    """The frame that takes step `index` (numbered as `step_inputs` numbers them) and the step's position
    in it: a `npi_lib.trace.Frame`, as `frames` cuts them (lesson 07).

    >>> frame, k = frame_of_step(reference(Graph(1)), 3)
    >>> frame.program, k, [s.obs for s in frame.steps]
    ('TOPOSORT', 2, [(0, 3, 1), (0, 3, 1), (1, 3, 1), (2, 3, 1), (3, 3, 1), (3, 3, 1)])
    """
    from .trace import Frame, FrameStep

    if not 1 <= index <= len(trace):
        raise ProblemError(
            f"step {index} is not a step of this trace: its steps are 1..{len(trace)} (0 is the root call)"
        )
    path: list = []
    for i, (depth, s) in enumerate(trace.walk()):
        del path[depth:]
        if i == index:
            caller = path[-1]
            steps = [FrameStep(c.obs, caller.name, caller.args, c.name, c.args, c.ret) for c in caller.children]
            position = next(k for k, c in enumerate(caller.children) if c is s)
            return Frame(caller.name, caller.args, steps, depth - 1), position
        path.append(s)
    raise AssertionError("unreachable: the index was checked against the trace's length")


def frame_pairs(frame) -> set[tuple[str, tuple[int, ...]]]:
    """The (frame program, observation) pairs of one frame (a `npi_lib.trace.Frame`), as `frame_inputs`
    spells them (lesson 07).

    >>> sorted(frame_pairs(frames(reference(Graph(1)))[0]))
    [('TOPOSORT', (0, 3, 1)), ('TOPOSORT', (1, 3, 1)), ('TOPOSORT', (2, 3, 1)), ('TOPOSORT', (3, 3, 1))]
    """
    return {(describe(frame.program, frame.args), s.obs) for s in frame.steps}  # type: ignore[misc]


@lru_cache(maxsize=None)
def all_frame_inputs(formulation: str = "recursive") -> frozenset[tuple[str, tuple[int, ...]]]:
    """The (frame program, observation) pairs that occur at all: those of every DAG on 1 to 4 vertices
    (tests/test_toposort.py checks that larger random graphs meet no others)."""
    seen: set = set()
    for n in range(1, 5):
        for graph in all_dags(n):
            seen |= frame_inputs(reference(graph, formulation, record_states=False))
    return frozenset(seen)


def coverage(problems: list[Graph], formulation: str = "recursive") -> tuple[int, int]:
    """How many of the possible (frame program, observation) pairs a set of graphs meets: (covered, total)."""
    seen = set().union(*(frame_inputs(reference(g, formulation, record_states=False)) for g in problems))
    possible = all_frame_inputs(formulation)
    return len(seen & possible), len(possible)


# ---------------------------------------------------------------------------------------------- training sets
STARVED = Graph(5, ((1, 2), (1, 5), (2, 4), (2, 5), (3, 5)))  # the single graph of Cai et al.'s Table 2
# A smallest graph that shows the 3 (frame program, observation) pairs STARVED never shows (see
# `coverage`; tests/test_toposort.py checks that the two together show all 34).
COVERING = Graph(3, ((2, 3), (3, 1)))


def training_set(name: str = "paper", seed: int = 0) -> list[Graph]:
    """The training graphs of Cai et al. (2017): "paper" (one 5-vertex and five 7-vertex graphs),
    "starved" (the one 5-vertex graph of their Table 2), "starved-covering" (that graph and `COVERING`),
    or "N" for N random graphs of 5-7 vertices.

    "paper" draws greedily: each graph is the best of 64 random candidates (edge density drawn between
    0.2 and 0.6) at meeting (frame program, observation) pairs not met yet. `coverage()` reports the result.

        >>> coverage(training_set("paper"))
        (34, 34)
    """
    if name == "starved":
        return [STARVED]
    if name == "starved-covering":
        return [STARVED, COVERING]
    rng = random.Random(seed)
    if name == "paper":
        missing, chosen = set(all_frame_inputs("recursive")), []
        for size in (5, 7, 7, 7, 7, 7):
            candidates = [_training_graph(size, rng) for _ in range(64)]
            if not missing:  # all covered already: any candidate will do
                chosen.append(candidates[0])
                continue
            met = [frame_inputs(reference(g, "recursive", record_states=False)) for g in candidates]
            best = max(range(len(candidates)), key=lambda i: len(missing & met[i]))
            chosen.append(candidates[best])
            missing -= met[best]
        return chosen
    if name.isdigit() and int(name) > 0:
        return [_training_graph(rng.randint(5, 7), rng) for _ in range(int(name))]
    raise ProblemError(f"unknown training set {name!r} for toposort; use 'paper', 'starved', 'starved-covering' or a count like '20'")


def _training_graph(size: int, rng: random.Random) -> Graph:
    return random_dag(size, rng, density=rng.uniform(0.2, 0.6))


# ---------------------------------------------------------------------------------------------- verification
# The environment as one call frame sees it, for `npi_lib.verify` (lesson 09). A frame's future observations
# depend on five things only, so a state of the model is
#
#     start         the colour under p_start (WHITE, GREY, BLACK, or INVALID past the last vertex)
#     child         the colour of v_active's next child (INVALID when none is left or v_active is unset)
#     depth         how many vertices the stack holds, as 0, 1 or 2 ("two or more"): STACK(POP) needs to know
#                   whether it takes the stack's last vertex (the DFS root, then under p_start), and whether
#                   the stack is empty afterwards; "two or more" pops to 1 or to "two or more", both possible
#     active_start  whether v_active is the vertex under p_start (then WRITE(COLOR_CURR) recolours p_start)
#     beyond        whether a vertex after p_start is known to exist: the DFS under way has greyed one. Every
#                   vertex before p_start is black (TOPOSORT starts a DFS at each white one it passes), so a
#                   vertex a DFS visits lies after its root, and p_start cannot step past the last vertex at
#                   its next move. Without this flag V would hold a TOPOSORT frame no graph shows: a root
#                   whose first child is white, yet which is the last vertex.
#
# at most 4 * 4 * 3 * 2 * 2 states, whatever the graph. Nothing a pointer moves onto is remembered: its colour
# is chosen when it comes into view, among every colour a DAG allows there (the `_UNSEEN_*` lists below).
#
# Why sound (every real frame is met): map a real environment to (colour at p_start, colour of v_active's
# next child, min(p_stack, 2), v_active == p_start). For every primitive the reference takes, the image of
# the environment afterwards is among `_view_apply`'s results for the image before (with `beyond` set only
# when a vertex after p_start exists; after a move of p_start it is reset to "not known", which rules
# nothing out). The cases are argued in `_view_apply`, and tests/test_toposort.py replays real traces to
# check them step by step. The facts used:
# - during a DFS the stack holds the path from the root (the vertex under p_start) down to v_active's parent,
#   and exactly those vertices and v_active are GREY; outside a DFS no vertex is GREY;
# - so a next child is never GREY (an edge to the path would close a cycle), except right after
#   WRITE(COLOR_NEXT, GREY) has greyed a white one, and it is never the root;
# - a vertex has been active only once it is GREY, so a white vertex's childList still points at its first
#   child; a parent's childList was moved past the child it pushed for (MOVE(childList[v_save])), so after
#   a pop its next child is the one after the vertex just finished - WHITE, BLACK or none - not that vertex.
# Why precise (nothing impossible): every choice is a colour some DAG puts there, and `inputs_covering`
# finds a concrete graph for every sequence of V (tests/test_toposort.py checks that none is left over).
@dataclass(frozen=True)
class DfsView:
    start: int
    child: int
    depth: int = 0
    active_start: bool = False
    beyond: bool = False


_UNSEEN_CHILD = (WHITE, BLACK, INVALID)  # a child not seen yet, or none: never GREY in a DAG
_UNSEEN_START = (WHITE, BLACK, INVALID)  # a vertex p_start moves onto between two DFS runs: nothing is GREY


def _view_entries() -> list[DfsView]:
    """A fresh environment: vertex 1 (there is at least one) is white, no vertex active, the stack empty."""
    return [DfsView(WHITE, INVALID)]


def _view_observe(v: DfsView) -> tuple[int, int, int]:
    return v.start, v.child, int(v.depth == 0)


def _view_apply(v: DfsView, name: str, args: tuple[int, ...]) -> list[DfsView]:
    """Every state a primitive can lead to. The reference uses each primitive in one situation only; the
    model knows that situation and says so (`_view_require`) if it is ever used in another."""
    if name == "NOP":
        return [v]
    what, arg = args[0], args[1]
    if name == "WRITE":
        if what == COLOR_CURR:  # v_active recoloured; its next child is another vertex (no self-loops)
            return [replace(v, start=arg)] if v.active_start else [v]
        if what == COLOR_NEXT:  # a white child greyed during a DFS: not the root, which is GREY already
            _view_require(v, v.start == GREY and v.child == WHITE and arg == GREY, "WRITE(COLOR_NEXT)")
            return [replace(v, child=GREY, beyond=True)]
        if what == ACTIVE_START:  # a white start vertex: never active, so its childList is at its first child
            _view_require(v, v.start == WHITE, "WRITE(ACTIVE_START)")
            return [replace(v, child=c, active_start=True) for c in _UNSEEN_CHILD]
        if what == ACTIVE_NEIGHB:  # the child just greyed: it was white, so it starts at its first child
            _view_require(v, v.start == GREY and v.child == GREY, "WRITE(ACTIVE_NEIGHB)")
            return [replace(v, child=c, active_start=False) for c in _UNSEEN_CHILD]
        if what == ACTIVE_STACK:  # the parent: its next child is the one after the child it pushed for
            _view_require(v, v.depth > 0, "WRITE(ACTIVE_STACK)")
            return [replace(v, child=c, active_start=v.depth == 1) for c in _UNSEEN_CHILD]
        return [v]  # SAVE, STACK_PUSH, STACK_POP, RESULT: cells no observation shows
    if name == "MOVE":
        if what == P_STACK and arg == UP:
            return [replace(v, depth=min(v.depth + 1, 2))]
        if what == P_STACK:
            _view_require(v, v.depth > 0, "MOVE(p_stack, DOWN)")
            return [replace(v, depth=d) for d in ((0,) if v.depth == 1 else (1, 2))]
        if what == P_START:  # onto the next vertex, which exists if the DFS visited one; v_active stays behind
            _view_require(v, v.start == BLACK, "MOVE(p_start)")
            colours = [c for c in _UNSEEN_START if not (v.beyond and c == INVALID)]
            return [replace(v, start=c, active_start=False, beyond=False) for c in colours]
        if what == CHILD_ACTIVE:
            _view_require(v, v.child in (WHITE, BLACK), "MOVE(childList[v_active])")
            return [replace(v, child=c) for c in _UNSEEN_CHILD]
        if what == CHILD_SAVE:  # the parent's childList (v_save is the vertex just pushed): unseen until it pops
            _view_require(v, not v.active_start and v.depth > 0, "MOVE(childList[v_save])")
            return [v]
        return [v]  # p_result: a cell no observation shows
    raise ProblemError(f"{name!r} is not a primitive of topological sort; the primitives are WRITE, MOVE, NOP")


def _view_require(v: DfsView, holds: bool, step: str) -> None:
    if not holds:
        raise ProblemError(
            f"{step} in the state {v}: the verification model knows this step only where the reference program "
            "takes it (see the comment above DfsView), so it cannot say what follows here"
        )


def verification_candidates(random_graphs: int = 5000, seed: int = 0) -> Iterator[Graph]:
    """Graphs from which `npi_lib.verify` picks S_V, the inputs whose runs meet every sequence of V.

    First every DAG on 1 to 4 vertices (572 of them; they meet all but two sequences), then seeded random
    DAGs: 5 vertices for the first three fifths, 6 or 7 after, with an edge density between 0.4 and 0.9. The
    two sequences left need five vertices: a vertex below the root whose children are a black one and then
    a white one, the black one finished through an earlier branch, so dense graphs find them soonest. The
    random part is bounded, so that a sequence no graph meets is reported instead of searched for forever."""
    for n in range(1, 5):
        yield from all_dags(n)
    rng = random.Random(seed)
    for i in range(random_graphs):
        n = 5 if i < random_graphs * 3 // 5 else rng.randint(6, 7)
        yield random_dag(n, rng, density=rng.uniform(0.4, 0.9))


VERIFICATION = VerificationSpec(
    model=FrameModel(entries=_view_entries, observe=_view_observe, apply=_view_apply),
    candidates=verification_candidates,
    paper="73 graphs",
)


# ---------------------------------------------------------------------------------------------- the task
def describe(name: str, args: tuple[int, ...]) -> str:
    """A step with its arguments spelled out.

    >>> describe("WRITE", (COLOR_NEXT, GREY, 0)), describe("WRITE", (SAVE, 0, 0))
    ('WRITE(COLOR_NEXT, GREY)', 'WRITE(SAVE)')
    >>> describe("MOVE", (P_START, UP, 0)), describe("STACK", (POP, 0, 0)), describe("EXPLORE", (0, 0, 0))
    ('MOVE(p_start, UP)', 'STACK(POP)', 'EXPLORE')
    """
    a = tuple(args) + (0, 0)
    if name == "WRITE":
        target = code_name(TARGET_NAMES, a[0])
        if a[0] in (COLOR_CURR, COLOR_NEXT):
            return f"WRITE({target}, {code_name(COLOR_NAMES, a[1])})"
        return f"WRITE({target})"
    if name == "MOVE":
        return f"MOVE({code_name(POINTER_NAMES, a[0])}, {code_name(('UP', 'DOWN'), a[1])})"
    if name == "STACK":
        return f"STACK({code_name(('PUSH', 'POP'), a[0])})"
    return name



FILLS = {WHITE: "white", GREY: "#BBBBBB", BLACK: "#777777"}  # black as dark grey: the ids stay readable


def draw(state: DagState, ax=None, title: str = ""):
    """The colour, next-child, result and stack rows with their pointers (matplotlib axes)."""
    from .plotting import draw_grid

    n = len(state.colors)
    cells = [
        [str(v + 1) for v in range(n)] + ["·"],
        [_id(c, "-") for c in state.next_child] + [""],
        [_id(v) for v in state.result] + [""],
        [_id(v) for v in state.stack] + [""],
    ]
    fills = {(0, v): FILLS[c] for v, c in enumerate(state.colors)}
    pointers = {"p_start": (0, state.p_start)}
    if state.v_active is not None:
        pointers["v_active"] = (0, state.v_active)
    if state.v_save is not None:
        pointers["v_save"] = (0, state.v_save)
    pointers["p_result"] = (2, state.p_result)
    pointers["p_stack"] = (3, state.p_stack)
    return draw_grid(cells, ("colour", "next", "result", "stack"), pointers, ax=ax, title=title, fills=fills)


def draw_graph(problem: Graph, state: DagState | None = None, ax=None, title: str = ""):
    """The DAG on a circle, vertices coloured as in `state` (all white without one); the active vertex
    has a thick ring and the edge to its next child is highlighted, both in v_active's colour in `draw`
    (matplotlib axes)."""
    import math

    import matplotlib.patches as patches

    from .plotting import POINTER_COLORS, new_axes

    graph = problem if isinstance(problem, Graph) else parse_input(problem)
    n = graph.n
    if ax is None:
        ax = new_axes(4.0, 4.0)
    radius = 0.13 if n <= 12 else max(0.04, 1.6 / n)  # vertex disc size, shrinking for big graphs
    pos = [(math.sin(2 * math.pi * i / n), math.cos(2 * math.pi * i / n)) for i in range(n)]  # clockwise from top
    colors = state.colors if state is not None else (WHITE,) * n
    active = state.v_active if state is not None else None
    current = (active, state.next_child[active]) if active is not None else None  # type: ignore[union-attr]
    for u, v in graph.edges:
        (x0, y0), (x1, y1) = pos[u - 1], pos[v - 1]
        d = math.hypot(x1 - x0, y1 - y0)
        dx, dy = (x1 - x0) / d * radius, (y1 - y0) / d * radius
        highlight = current == (u - 1, v - 1)
        ax.annotate(
            "",
            xy=(x1 - dx, y1 - dy),
            xytext=(x0 + dx, y0 + dy),
            arrowprops=dict(
                arrowstyle="-|>", color=POINTER_COLORS[1] if highlight else "0.35", lw=2.0 if highlight else 1.0,
                shrinkA=0, shrinkB=0, mutation_scale=12 if n <= 12 else 7,
            ),
        )  # fmt: skip
    for v, (x, y) in enumerate(pos):
        ring = POINTER_COLORS[1] if v == active else "0.2"  # v_active's colour in `draw`
        ax.add_patch(
            patches.Circle(
                (x, y), radius, facecolor=FILLS[colors[v]], edgecolor=ring, lw=3 if v == active else 1, zorder=3
            )
        )
        ax.text(x, y, str(v + 1), ha="center", va="center", fontsize=9 if n <= 12 else 6, zorder=4,
                color="white" if colors[v] == BLACK else "black")  # fmt: skip
    ax.set_xlim(-1.25, 1.25)
    ax.set_ylim(-1.25, 1.25)
    ax.set_aspect("equal")
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def draw_moments(problem: Graph, states: list[DagState], titles: list[str] | None = None):
    """The graph (`draw_graph`) above the environment's rows (`draw`) at each of several moments, one
    column per state (lesson 07); returns the matplotlib figure.

    >>> import matplotlib; matplotlib.use("Agg")
    >>> from npi_lib.trace import timeline
    >>> moments = timeline(reference(STARVED))
    >>> draw_moments(STARVED, [moments[5].state, moments[-1].state]).axes.__len__()
    4
    """
    import matplotlib.pyplot as plt

    k = len(states)
    fig, axes = plt.subplots(2, k, figsize=(3.6 * k, 5.4), gridspec_kw={"height_ratios": [1.25, 1]}, squeeze=False)
    for i, state in enumerate(states):
        draw_graph(problem, state, ax=axes[0][i], title=titles[i] if titles else "")
        draw(state, ax=axes[1][i])
    fig.tight_layout()
    return fig


def _check(problem: Graph, output: object) -> bool:
    """Is `output` a permutation of 1..n that puts u before v for every edge u → v?"""
    n = problem.n
    if not isinstance(output, (list, tuple)) or len(output) != n:
        return False
    if not all(_is_int(v) for v in output) or set(output) != set(range(1, n + 1)):
        return False
    position = {v: i for i, v in enumerate(output)}
    return all(position[u] < position[v] for u, v in problem.edges)


# What `python -m npi_lib reproduce toposort` regenerates: CAI Table 2 (one training graph) and the
# 6-graph result of their section 4, plus the one graph with the graph that covers what it misses.
SIZES = (5, 6, 7, 8, 70)
LARGE = (5, 6, 7, 8, 70, 120)
PAST_THE_PAPER = 500
RESULTS = PaperResults(
    title="Topological sort",
    source="Cai, Shin & Song (ICLR 2017), Table 2 and section 4",
    notes=f"'random': random DAGs with that many vertices. {PAST_THE_PAPER} vertices is past the paper's sizes (no\n"
    "bracket). 'starved-covering': the paper's one graph and one 3-vertex graph for the 3 observations it never shows.",
    experiments=(
        Experiment("recursive", "paper",
                   (Probe("random", (*LARGE, PAST_THE_PAPER), ("100",) * len(LARGE) + (None,)),)),
        Experiment("non-recursive", "paper", (Probe("random", LARGE, "100"),)),
        Experiment("recursive", "starved", (Probe("random", SIZES, "100"),)),
        Experiment("non-recursive", "starved", (Probe("random", SIZES, ("6.7", "6.7", "3.3", "0", "0")),)),
        Experiment("recursive", "starved-covering", (Probe("random", SIZES),)),
        Experiment("non-recursive", "starved-covering", (Probe("random", SIZES),)),
    ),
)

TASK = Task(
    name="toposort",
    programs=PROGRAMS,
    primitives=PRIMITIVES,
    arg_sizes=(9, 3, 1),
    obs_sizes=(4, 4, 2),
    reference_programs=ENTRY,
    make_env=DagEnv,
    check=_check,
    parse_input=parse_input,
    random_problem=random_problem,
    training_set=training_set,
    training_sets=("paper", "starved", "starved-covering"),
    input_example='{"n": 3, "edges": [[1, 2]]}',
    input_help="vertices 1..n, edges u -> v",
    results=RESULTS,
    verification=VERIFICATION,
    observation_fields=("color_start", "color_next", "stack_empty"),
    describe=describe,
    draw=draw,
)

# The reference trace of a graph, and the environment it leaves (built by `Task` from ENTRY and DagEnv)
reference = TASK.reference
run_reference = TASK.run_reference
