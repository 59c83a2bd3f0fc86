# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Draft — topological sort as execution traces
#
# **Material for the later lesson that will teach the network topological sort**, not a lesson yet. It
# was taken from lesson 02 (`notebooks/py/02_execution_traces.py`, old section 8 and the topological sort
# part of old sections 6 and 10) on 2026-12-02, when lesson 02 was cut down to addition in depth and one
# short look at each other task (issue 9). The text and code ran as part of lesson 02 then; check the
# printed numbers again before reusing the prose, since nothing re-executes this file.

# %%
# %matplotlib inline
import random

import matplotlib.pyplot as plt

from npi_lib import toposort
from npi_lib.plotting import plot_frame_lengths
from npi_lib.trace import format_frame, frames, longest_frame, timeline

# %% [markdown]
# ## Topological sort and the extra CHECK_CHILD
#
# Topological sort (Cai, Shin & Song 2017, §4.3) runs a depth-first search with an explicit stack and
# colours: a white child turns grey and becomes the active vertex; a vertex with no white child left
# turns black and is written to the result. The encoder sees three things only: the colour under
# p_start, the colour of the active vertex's next child, and whether the stack is empty; never a vertex
# id.
#
# One choice in `npi_lib/toposort.py` fixes the paper's pseudocode rather than filling a gap: `EXPLORE`
# calls `CHECK_CHILD` after pushing a vertex, not only after popping one. `CHECK_CHILD` skips children
# that are already grey or black. Without it, a new active vertex whose *first* child is already black
# would look finished, and be written too early. The graph with edges 1→2, 1→4, 4→2, 4→3 shows it:
# vertex 2 finishes first; then 4 becomes active, and its first child, 2, is black.

# %%
graph = toposort.parse_input({"n": 4, "edges": [[1, 2], [1, 4], [4, 2], [4, 3]]})
topo_trace = toposort.reference(graph, "non-recursive")
moments = timeline(topo_trace)
skip = next(  # the first step that moves past a child already visited
    i for i, m in enumerate(moments) if m.step.name == "MOVE" and m.step.args[0] == toposort.CHILD_ACTIVE
)
fig, axes = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [1, 1.6]})
toposort.draw_graph(graph, moments[skip - 1].state, ax=axes[0], title="4 active, its next child 2 is black")
toposort.draw(moments[skip - 1].state, ax=axes[1])
plt.show()

# %% [markdown]
# `CHECK_CHILD` moves past the black child (observation: colour of p_start, colour of the next child,
# stack empty; WHITE = 0, GREY = 1, BLACK = 2, INVALID = 3), so 4 goes on to its white child 3 and
# finishes after it. The result row, read backwards, is a topological order (in lesson 02: `[1, 4, 3, 2]`):

# %%
skipping = [f for f in frames(topo_trace) if f.program == "CHECK_CHILD" and len(f.steps) > 1]
print(format_frame(skipping[0], toposort.describe))
order = toposort.TASK.output(toposort.run_reference(graph))
print("order:", order, " respects every edge:", toposort.TASK.check(graph, order))

# %% [markdown]
# The other choices (listed in the module's docstring): `EXPLORE` ends on "stack empty" with the return
# flag riding on `MOVE(p_result, UP)`, so no `NOP` is needed there; frames with nothing to do end with
# `NOP ⏎`; children and start vertices are taken in increasing order, so the trace does not depend on how
# the edges were listed; vertices are numbered 1..n for people, 0..n−1 inside the environment.
#
# ## The longest frame against the graph's size
#
# The non-recursive `EXPLORE` loop grows with the depth-first search, which depends on the graph's shape
# as well as its size (when this draft was written, the cell below printed 11, 26, 26, 102, 454, 960 steps
# at 2, 5, 10, 20, 50, 100 vertices; lesson 02, drawing other graphs, once printed 11, 25, 31, 190, 168,
# 564: a bigger graph can give a shorter frame). The recursive formulation stays at 7 steps at most (6 on
# the smallest graphs).

# %%
rng = random.Random(0)
problems = [(n, toposort.random_problem(n, rng)) for n in [2, 5, 10, 20, 50, 100]]
lengths = {f: [(n, longest_frame(toposort.reference(p, f, record_states=False))) for n, p in problems]
           for f in toposort.FORMULATIONS}
for formulation, points in lengths.items():
    print(f"{formulation:<14}", [length for _, length in points])
plot_frame_lengths(lengths)
plt.show()

# %% [markdown]
# ## The training set
#
# Cai, Shin & Song train on 6 graphs (one of 5 vertices, five of 7), and on a starved set of one 5-vertex
# graph. The papers do not list the graphs: `training_set("paper")` draws them greedily, each the best of a
# few random candidates at showing (program, observation) pairs the set has not shown yet (34 of 34 when
# run in lesson 02).

# %%
problems = toposort.training_set("paper")
print(len(problems), "problems, coverage", toposort.coverage(problems))
