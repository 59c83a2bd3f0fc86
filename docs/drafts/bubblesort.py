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
# # Draft — bubble sort as execution traces
#
# **Material for the later lesson that will teach the network bubble sort**, not a lesson yet. It was
# taken from lesson 02 (`notebooks/py/02_execution_traces.py`, old section 7, the bubble sort part of old
# sections 6 and 10, and its exercise 4) on 2026-12-02, when lesson 02 was cut down to addition in depth
# and one short look at each other task (issue 9). The text and code ran as part of lesson 02 then; check
# the printed numbers again before reusing the prose, since nothing re-executes this file.

# %%
# %matplotlib inline
import inspect
import random

import matplotlib.pyplot as plt

from npi_lib import bubblesort
from npi_lib.exercises import check_program
from npi_lib.plotting import draw_call_tree, plot_frame_lengths
from npi_lib.trace import Tracer, longest_frame

# %% [markdown]
# ## Bubble sort and the choices the paper leaves open
#
# Bubble sort (Cai, Shin & Song 2017, §4.2) works on one row: the values Q[1..N] between a start and an
# end token (`#`). Pointers i1 and i2 compare and swap neighbours; i3 counts the passes, and the sort
# stops when i3 reaches the length. The encoder sees Q[i1], Q[i2] and whether i3 == length. The paper
# leaves the pointer bookkeeping open; `npi_lib/bubblesort.py` decides:
#
# - pointers are cell indices 0..N+1, **clamped** to the row; i1 = i2 = 0 (on the start token) and i3 = 1
#   at the start;
# - a pass (`BUBBLE`) first separates i1 and i2 with `PTR(i2, RIGHT)`, then `BSTEP` compares, swaps if
#   needed and shifts both right until i2 reaches the end token (the first comparison, the start token
#   against Q[1], never swaps);
# - `RESET` walks both pointers back with `LSHIFT` until *both* stand on the start token (i1 arrives first
#   and waits, held by the clamp), then advances i3. Read literally, the paper's "until i1 is at the
#   start" would leave i2 one cell right, and every pass would start one cell further right (AlphaNPI's
#   environment uses the same convention as the library);
# - i3 starts on the first value, so N values get N − 1 passes; every base case is `NOP ⏎`; arguments
#   are `PTR(pointer 1–3, LEFT = 0 / RIGHT = 1)` and `SWAP(1, 2)`.
#
# The row of (3, 1, 2) at the start, after the first pass, after the first `RESET`, and at the end:

# %%
bs_trace = bubblesort.reference((3, 1, 2), "recursive")
first_pass, first_reset = bs_trace.root.children[:2]
fig, axes = plt.subplots(1, 4, figsize=(13, 1.5))
for ax, state, title in zip(axes, [bs_trace.initial_state, first_pass.state, first_reset.state,
                                   bs_trace.root.state], ["start", "after BUBBLE", "after RESET", "end"]):
    bubblesort.draw(state, ax=ax, title=title)
plt.show()

# %% [markdown]
# The convention at work: after every `RESET`, i1 and i2 are back on the start token (cell 0) and i3 has
# moved one value right, on a longer array too. (When run in lesson 02: `[(0, 0, 2), (0, 0, 3), (0, 0, 4),
# (0, 0, 5)]`.)

# %%
long_trace = bubblesort.reference((5, 4, 3, 2, 1), "recursive")
resets = [s.state for _, s in long_trace.walk() if s.name == "RESET"]
print("(i1, i2, i3) after each RESET:", [(s.i1, s.i2, s.i3) for s in resets])
print("sorted:", long_trace.root.state.values)

# %% [markdown]
# The beginning of the recursive trace of (3, 1, 2): `BUBBLE` calls `BSTEP`, and each `BSTEP` calls
# `COMPSWAP`, `RSHIFT` and then itself.

# %%
draw_call_tree(bs_trace, max_nodes=30, describe=bubblesort.describe)
plt.show()

# %% [markdown]
# ### Exercise — the recursive LSHIFT
#
# The non-recursive `RESET` loops over a two-step `LSHIFT` (shown below). In the fully recursive
# formulation `LSHIFT` does the looping itself: if both pointers stand on the start token, it returns
# with `NOP ⏎`; otherwise it moves i1 and i2 one cell left (the clamp holds i1 on the start token for
# the last shift) and calls itself, as a tail call.
# Write it as a reference program. Decide only from `env.observe()`, which gives `(Q[i1], Q[i2],
# i3 == length)` with the tokens read as `bubblesort.EDGE`; the pointer numbers are `bubblesort.I1`,
# `bubblesort.I2` and the direction is `bubblesort.LEFT`. The check runs your `LSHIFT` on rows after a
# pass and at the start, and compares its trace with the library's step by step.

# %%
print(inspect.getsource(bubblesort.RESET) + "\n" + inspect.getsource(bubblesort.LSHIFT))

# %%
def LSHIFT(t, env):
    ### BEGIN SOLUTION
    q1, q2, _ = env.observe()
    if q1 == q2 == bubblesort.EDGE:  # both on the start token (at the end only i2 can be on a token)
        return t.act("NOP", ret=True)
    t.act("PTR", bubblesort.I1, bubblesort.LEFT)
    t.act("PTR", bubblesort.I2, bubblesort.LEFT)
    t.call(LSHIFT, ret=True)
    ### END SOLUTION


# %%
def after_one_pass(values):
    env = bubblesort.BubbleArray(values)
    Tracer(env).run(bubblesort.BUBBLE_recursive)
    return env


cases = [(f"{v} after a pass", lambda v=v: after_one_pass(v)) for v in [(3, 1, 2), (7,), (9, 5, 8, 1, 0, 4)]]
cases.append(("(3, 1, 2) at the start", lambda: bubblesort.BubbleArray((3, 1, 2))))
ex_lshift = check_program("Exercise", LSHIFT, bubblesort.LSHIFT_recursive, cases, bubblesort.describe)

# %% [markdown]
# The program the check accepted (or the reference, if you skipped the exercise), walking (3, 1, 2) back
# after its first pass: one frame per shift, each at most three steps long.

# %%
draw_call_tree(Tracer(after_one_pass((3, 1, 2))).run(ex_lshift.use), describe=bubblesort.describe)
plt.show()

# %% [markdown]
# ## The longest frame against the array's length
#
# One random array per length (seeded), and the longest frame of each of the three formulations. When
# this draft was written, the loop's longest frame was 4, 5, 9, 19, 39, 79, 119 steps at lengths 2, 3, 5,
# 10, 20, 40, 60: the `BUBBLESORT` loop has 2N − 1
# steps (a `BUBBLE` and a `RESET` for each of its N − 1 passes). The partially recursive formulation grows
# too: only `BUBBLESORT` recurses, and `BUBBLE` and `RESET` keep their loops of about N steps. The fully
# recursive formulation stays at 3 steps.

# %%
rng = random.Random(0)
problems = [(n, bubblesort.random_problem(n, rng)) for n in [2, 3, 5, 10, 20, 40, 60]]
lengths = {f: [(n, longest_frame(bubblesort.reference(p, f, record_states=False))) for n, p in problems]
           for f in bubblesort.FORMULATIONS}
for formulation, points in lengths.items():
    print(f"{formulation:<14}", [length for _, length in points])
plot_frame_lengths(lengths)
plt.show()

# %% [markdown]
# ## The training set
#
# Cai, Shin & Song train bubble sort on 100 arrays of length at most 2. The papers do not list them:
# `training_set("paper")` takes all 100 arrays of two digits. Its coverage counts the cell pairs
# `COMPSWAP` compares (110 of 110 when run in lesson 02). The comparison-encoder variant
# (`TASK_COMPARE`, `training_set_compare`) trains on 3 arrays of lengths 7, 7 and 6.

# %%
problems = bubblesort.training_set("paper")
print(len(problems), "problems, coverage", bubblesort.coverage(problems))
