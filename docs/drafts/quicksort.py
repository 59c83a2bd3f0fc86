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
# # Draft — quicksort as execution traces
#
# **Material for the later lesson that will teach the network quicksort**, not a lesson yet. It was taken
# from lesson 02 (`notebooks/py/02_execution_traces.py`, old section 9 and the quicksort part of old
# sections 6 and 10) on 2026-12-02, when lesson 02 was cut down to addition in depth and one short look at
# each other task (issue 9). The text and code ran as part of lesson 02 then; check the printed numbers
# again before reusing the prose, since nothing re-executes this file.

# %%
# %matplotlib inline
import random

import matplotlib.pyplot as plt

from npi_lib import quicksort
from npi_lib.plotting import plot_frame_lengths
from npi_lib.trace import format_frame, frames, longest_frame

# %% [markdown]
# ## Quicksort and its frame handling
#
# Quicksort with Lomuto's partition (Cai, Shin & Song 2017, §4.4) keeps its pending (lo, hi) ranges on
# two stacks in the environment, Q_stackLo and Q_stackHi; the encoder sees four bits only: A[p_j] ≤
# A[p_hi], p_j = p_hi, "the top range has lo < hi", and "the stacks are empty". Its recursion is not a
# tail call: after sorting the left part, a `QUICKSORT` frame still has the right part to do. So the
# NPI's call stack must keep the caller's state across the first recursive call, a real call stack and
# not just a loop in disguise.
#
# The text extraction of the paper that this course worked from (the arXiv PDF converted to text) is
# garbled in the quicksort pseudocode, so the structure was rebuilt from the algorithm and the paper's
# description, and `npi_lib/quicksort.py` settles the frame handling:
#
# - indices are 0-based, and the stacks start holding the range (0, n − 1) above a floor cell `⊥`;
# - `PUSH_CALL2` pushes the right part (p_pivot + 1, hi) first and `PUSH_CALL1` the left part
#   (lo, p_pivot − 1) on top, so the left part is sorted first;
# - the **callee** copies its range into p_lo / p_hi, after checking lo < hi, so an empty range such as
#   (0, −1) never reaches a pointer; the **caller** pops a child's range after the child returns. So a
#   frame always finds its own range on top of the stacks, and what lies below never changes what it
#   sees: that keeps the set of step sequences a recursive frame can run small (printed below).

# %%
print("step-input sequences a recursive frame can run:", len(quicksort.sequence_universe()))
print("met by the verification array", quicksort.VERIFICATION_ARRAY, ":",
      quicksort.coverage([quicksort.VERIFICATION_ARRAY], "recursive", "sequences"))

# %% [markdown]
# The environment of (3, 1, 2) at the start, and after the root frame has partitioned and pushed both
# parts:

# %%
qs_trace = quicksort.reference([3, 1, 2], "recursive")
fig, axes = plt.subplots(1, 2, figsize=(10, 2))
quicksort.draw(qs_trace.initial_state, ax=axes[0], title="start: the range (0, 2) on the stacks")
quicksort.draw(qs_trace.root.children[4].state, ax=axes[1], title="after PARTITION and both pushes")
plt.show()

# %% [markdown]
# The root frame's steps. The first recursive `QUICKSORT` has no ⏎: the frame continues after it. At
# most nine steps, for an array of any length. (Lesson 02 now shows this frame as its short look at
# quicksort.)

# %%
root_frame = frames(qs_trace)[0]
print(format_frame(root_frame, quicksort.describe))

# %% [markdown]
# ## The longest frame against the array's length
#
# The non-recursive `QUICKSORT` loop grows with the number of ranges it sorts (when this draft was
# written, the cell below printed 9, 23, 44, 93, 282, 632 steps at lengths 2, 5, 10, 20, 50, 100); the
# recursive frames stay at 9 steps at most.

# %%
rng = random.Random(0)
problems = [(n, quicksort.random_problem(n, rng)) for n in [2, 5, 10, 20, 50, 100]]
lengths = {f: [(n, longest_frame(quicksort.reference(p, f, record_states=False))) for n, p in problems]
           for f in quicksort.FORMULATIONS}
for formulation, points in lengths.items():
    print(f"{formulation:<14}", [length for _, length in points])
plot_frame_lengths(lengths)
plt.show()

# %% [markdown]
# ## The training set
#
# Cai, Shin & Song train quicksort on 4 arrays of length 5. The papers do not list them:
# `training_set("paper")` draws them greedily, each the best of a few random candidates at showing
# (program, observation) pairs the set has not shown yet (19 of 19 when run in lesson 02).

# %%
problems = quicksort.training_set("paper")
print(len(problems), "problems, coverage", quicksort.coverage(problems))
