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
# # Lesson 08 — Quicksort: recursion that waits
#
# In addition and bubble sort every recursive call is the last thing its frame does (a **tail call**):
# once it is made, the caller has nothing left to do, and the recursion is a loop in disguise. Quicksort is
# different. After sorting the left part, a `QUICKSORT` frame still has the right part to sort, so it must
# **wait** for its child and then carry on where it stopped. This lesson shows where each piece of that
# waiting lives in the NPI: the integers lo and hi on two stacks in the environment, the frame's place in
# its program in its LSTM state, kept on the NPI's call stack while the child runs from a fresh state. You
# will run Lomuto's partition as NPI programs, watch a frame wait, look at the state it keeps, break that
# state in two ways, check the recursive model on every frame it can ever meet, and see the loop
# formulation fail as arrays grow, as in Table 3 of Cai, Shin & Song (2017).
#
# **Where you are:** previous: [07 topological sort](07_topological_sort.ipynb) · next: [09 provable
# generalization](09_verification.ipynb), which turns the check on V of lesson 05 (section 5) and of section 5
# here into a proof, for every task.
#
# **Learning goals.** After this lesson you can
# 1. run Lomuto's partition by hand and read it as the NPI programs `PARTITION`, `COMPSWAP_LOOP`, `COMPSWAP`;
# 2. say what the encoder sees of the quicksort environment (four bits) and where lo and hi are kept;
# 3. tell a tail call from a call its frame must wait on, in a trace, and count both in three tasks;
# 4. explain what a waiting frame's LSTM state holds, why it must survive the child's run, and why the
#    child must start from h = 0;
# 5. check the recursive model on the 25 frames of V, and say what that check shows and what it assumes;
# 6. explain where the loop formulation fails and why it gets worse with length; compare with Table 3.

# %% [markdown]
# ## Setup
#
# The models here are **shipped** checkpoints, one per formulation, trained by the course's recipe (seed 0,
# the default settings, on the 4 arrays of length 5 of `training_set("paper")`; `python -m npi_lib
# reproduce quicksort` retrains them, a few seconds each). Exercise 5 trains a model **here**, on arrays
# you choose.

# %%
# %matplotlib inline
import inspect
import math
import random
from collections import Counter
from dataclasses import replace
from functools import partial

import matplotlib.pyplot as plt
import torch

from npi_lib import addition, bubblesort, quicksort
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.evaluation import evaluate, problems_for
from npi_lib.exercises import check_function, check_run, off_by_hint, partition_reference
from npi_lib.exercises import sorted_nesting_reference, self_calls_reference, state_only_steps_reference
from npi_lib.interpreter import run
from npi_lib.plotting import draw_call_stack, plot_frame_lengths, plot_paper_comparison, wilson_interval
from npi_lib.reproduce import evaluate_shipped, format_table
from npi_lib.trace import Trace, first_difference, format_frame, format_step, frames, longest_frame
from npi_lib.training import collect_frames, encode_frames, step_errors, train
from npi_lib.widgets import CompareViewer, playground

task = quicksort.TASK
torch.set_num_threads(1)  # one small step at a time: a second thread only adds waiting
shipped = {f: shipped_checkpoint("quicksort", f, "paper") for f in ("recursive", "non-recursive")}
for checkpoint in shipped.values():
    print(checkpoint.describe())

# %% [markdown]
# ## 1. Lomuto's partition as programs
#
# Quicksort sorts the range lo..hi of an array by **partitioning** it around a pivot value, then sorting
# the part left of the pivot and the part right of it. Lomuto's partition takes the pivot value
# A[hi]; an index `pivot` starts at lo, and an index `j` walks from lo to hi − 1: whenever A[j] ≤ A[hi],
# A[j] is swapped to position `pivot`, and `pivot` moves one right. At the end A[hi] is swapped into
# position `pivot`: everything left of it is ≤ it, everything right of it is greater.
#
# In the NPI version (Cai, Shin & Song 2017, §4.4; lesson 02, section 9 had a first look), `p_pivot` and
# `p_j` are pointers into the array, and the partition is three programs. `PARTITION` sets both pointers
# to lo, runs the loop, swaps A[hi] into place and sets `p_j` to null:

# %%
print(inspect.getsource(quicksort._partition))

# %% [markdown]
# The loop is tail-recursive here, as in lessons 05 and 06 (one step of `p_j`, then a call of itself
# carrying the return flag ⏎), and `COMPSWAP` is one comparison:

# %%
print(inspect.getsource(quicksort.COMPSWAP_LOOP_recursive))
print(inspect.getsource(quicksort.COMPSWAP))

# %% [markdown]
# Every decision reads `env.observe()`, the four bits the encoder will see (section 2): bit 0 is
# A[p_j] ≤ A[p_hi], bit 1 is p_j = p_hi.
#
# ### Exercise 1 — partition by hand (3 points)
#
# Write `partition(array)`: Lomuto's partition of the whole array (lo = 0, hi = n − 1) in plain Python.
# Return the array after it, as a tuple, and the index where the pivot value ended. The check compares
# with what the root `QUICKSORT` frame's `PARTITION` leaves in the environment, on arrays with repeated
# digits, sorted ones and reversed ones.

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def partition(array):
    ### BEGIN SOLUTION
    a, hi = list(array), len(array) - 1
    pivot = 0
    for j in range(hi):
        if a[j] <= a[hi]:
            a[pivot], a[j] = a[j], a[pivot]
            pivot += 1
    a[pivot], a[hi] = a[hi], a[pivot]
    return tuple(a), pivot
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def partition_hint(args, got, expected):
    if not isinstance(got, tuple) or len(got) != 2 or not isinstance(got[0], tuple):
        return "Return a pair: (the array after the partition, as a tuple; the pivot's index)."
    if got[0] == expected[0]:
        return "The array is right, the pivot's index is not: where did A[hi] go in the final swap?"
    if sorted(got[0]) != sorted(args[0]):
        return "Your array holds other digits than the input: a swap overwrote a cell?"
    return ("Compare with A[j] <= A[hi] (equal values go left too), and let j stop before hi: A[hi] is "
            "the pivot value, swapped into place at the very end.")


partition_cases = [((3, 1, 2),), ((2, 5, 1, 4, 3),), ((1, 4, 1, 3, 1),), ((0, 1, 2, 3),), ((9, 7, 5, 3),),
                   ((5, 5, 5),), (quicksort.VERIFICATION_ARRAY,)]
ex1 = check_function("Exercise 1", partition, partial(partition_reference, task), partition_cases, hint=partition_hint)
### BEGIN HIDDEN TESTS
more_rng = random.Random(1)
more_partitions = [((1, 0),), ((0, 1),), ((4, 4),), ((4, 5, 6, 7, 0),), ((0, 1, 2, 3, 9),), ((6, 2, 8, 6, 1, 6),),
                   ((9, 0, 9, 0, 9, 0),)] + [(task.random_problem(n, more_rng),) for n in (12, 20)]
ex1 += check_function("Exercise 1 (more cases)", partition, partial(partition_reference, task), more_partitions,
                      hint=partition_hint)
### END HIDDEN TESTS
ex1.points(3)

# %% [markdown]
# ## 2. The environment: an array and two stacks
#
# Which range a frame sorts is not an argument of the call: the NPI's arguments are three small integers,
# and lo and hi can be anything. The ranges live in the environment instead, on two stacks `Q_stackLo` and
# `Q_stackHi` that move together, one (lo, hi) pair per level. They start holding (0, n − 1) above a floor
# cell ⊥. A `QUICKSORT` frame sorts the range on top: it copies it into the pointers `p_lo` and `p_hi`,
# partitions, pushes the right part (pivot + 1, hi) and then the left part (lo, pivot − 1) with
# `STACK(PUSH_CALL2)` and `STACK(PUSH_CALL1)`, and calls `QUICKSORT` for the top one. Three moments of
# sorting (2, 5, 1, 4, 3), drawn by `quicksort.draw`:

# %%
example = (2, 5, 1, 4, 3)
qs_trace = quicksort.reference(example, "recursive")
root = qs_trace.root
child = root.children[5]  # the root frame's 6th step: the first recursive QUICKSORT
fig, axes = plt.subplots(1, 3, figsize=(15, 2.2))
quicksort.draw(qs_trace.initial_state, ax=axes[0], title="start: the range (0, 4) on the stacks")
quicksort.draw(root.children[4].state, ax=axes[1], title="root frame: partitioned, both parts pushed")
quicksort.draw(child.children[4].state, ax=axes[2], title="the first child (0, 1): partitioned, pushed")
plt.tight_layout()
plt.show()

# %% [markdown]
# In the middle picture the pivot value 3 is in its final place (index 2), and the stacks hold, bottom to
# top, the root's own range (0, 4), the right part (3, 4) and the left part (0, 1). The first child sorts
# (0, 1) and pushes its own parts on top, (1, 1) and the empty range (0, −1). The root's range is still
# there, under its children's: lo and hi wait **in the environment**.
#
# Three details are the course's choices (the paper's text is garbled at this point, so the structure was
# rebuilt from the algorithm; the docstring of `npi_lib/quicksort.py` lists them all): indices start at 0;
# the **callee** copies its range into `p_lo` and `p_hi`, after checking lo < hi, so an empty range such as
# (0, −1) never reaches a pointer; and the **caller** pops a child's range after the child returns. So a
# frame always finds its own range on top of the stacks while it works, and what lies below never changes
# what it sees; section 5 counts what that buys.
#
# The encoder sees none of these numbers. It gets four bits: A[p_j] ≤ A[p_hi], p_j = p_hi, "the top range
# has lo < hi" (something to sort), and "the stacks are empty". A trace stores, with every step, what its
# frame observed when it chose that step; at the three moments above, the next steps observed:

# %%
moments = {"start": root.children[0], "root, pushed": root.children[5], "child, pushed": child.children[5]}
for name, next_step in moments.items():
    print(f"{name:<14}", dict(zip(quicksort.OBSERVATION_FIELDS, next_step.obs)))

# %% [markdown]
# ## 3. A frame that waits
#
# The root frame's steps, as the network is given them (lesson 02, section 5): what it sees and what it
# must decide. It calls `QUICKSORT` twice, and **neither call carries ⏎**: after each one the frame
# still has a `STACK(POP)` to make, and after the first, a second call.

# %%
root_frame = frames(qs_trace)[0]
print(format_frame(root_frame, quicksort.describe))

# %% [markdown]
# The call stack over time (lesson 03, section 6), drawn for the `QUICKSORT` frames only: the steps made
# inside `PARTITION` and `STACK` calls are left out, so each column is one step of a `QUICKSORT` frame.
# The frame making the step is filled; a white box is a frame waiting for the frames above it; "h=0"
# marks a frame's first step, made from a fresh controller state.

# %%
def only_frames_of(trace, program):
    """The trace with every call of another program emptied: only `program`'s frames keep their steps."""
    def prune(step):
        if not step.is_call:
            return step
        return replace(step, children=[prune(c) for c in step.children] if step.name == program else [])
    return Trace(prune(trace.root), trace.initial_state, trace.kind)


ax = draw_call_stack(only_frames_of(qs_trace, "QUICKSORT"), describe=quicksort.describe)
ax.set_title(f"sorting {list(example)}: the QUICKSORT frames on the call stack, step by step", fontsize=10)
plt.show()

# %% [markdown]
# The root frame (bottom row) makes 6 steps, then sits white through 11 columns while its first child
# and that child's two children run, then makes its 7th step, `STACK(POP)`, from where it stopped. Each
# child starts at h = 0. Compare the recursive addition of lesson 05: there every `ADD` frame ends with
# `ADD ⏎`, and a frame waiting on a call that carried ⏎ never makes another step; when the innermost
# frame returns, the whole chain returns at once.
#
# ### Exercise 2 — tail calls or not (2 points)
#
# Write `self_calls(trace)`: among the calls a program makes **to itself** in the trace, count the tail
# calls (the call step carries the return flag) and the others. Return `(tail, other)`. Use `frames(trace)`:
# each frame has a `program` and `steps`, each step a `next_program` and a `ret`.

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def self_calls(trace):
    ### BEGIN SOLUTION
    calls = [s.ret for f in frames(trace) for s in f.steps if s.next_program == f.program]
    return sum(calls), len(calls) - sum(calls)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
recursive_traces = {
    "addition 96 + 125": addition.reference((96, 125), "recursive"),
    "bubble sort [3, 1, 2]": bubblesort.reference([3, 1, 2], "recursive"),
    "quicksort [3, 1, 2]": quicksort.reference([3, 1, 2], "recursive"),
    "quicksort (2, 5, 1, 4, 3)": qs_trace,
}


def self_calls_hint(args, got, expected):
    if not isinstance(got, tuple) or len(got) != 2:
        return "Return a pair (tail calls, other calls)."
    if sum(got) != sum(expected):
        return "Count only the steps whose next_program is the frame's own program: calls of itself."
    return "A tail call is a self-call whose step carries the return flag (ret is True)."


ex2 = check_function("Exercise 2", self_calls, self_calls_reference, [(t,) for t in recursive_traces.values()],
                     hint=self_calls_hint)
### BEGIN HIDDEN TESTS
from npi_lib import toposort

more_traces = [addition.reference((96, 125), "non-recursive"), bubblesort.reference((5, 4, 3, 2, 1), "partial"),
               toposort.reference(toposort.STARVED, "recursive"), quicksort.reference((9, 7, 5, 3, 1, 0, 2, 4), "recursive"),
               quicksort.reference((3, 1, 2), "non-recursive")]
ex2 += check_function("Exercise 2 (more cases)", self_calls, self_calls_reference, [(t,) for t in more_traces],
                      hint=self_calls_hint)
### END HIDDEN TESTS
ex2.points(2)

# %%
for name, trace in recursive_traces.items():
    tail, other = ex2.use(trace)
    print(f"{name:<26} calls of a program to itself: {tail:>3} tail calls, {other:>3} that wait")

# %% [markdown]
# In addition and bubble sort every self-call is a tail call. Quicksort's tail calls are those of
# `COMPSWAP_LOOP`; its `QUICKSORT` calls all wait, two per frame that partitions.
#
# Every waiting frame keeps its LSTM state on the NPI's call stack: with the course's network, 2 layers ×
# (h, c) × 64 units, 256 numbers. How many can there be at once?
#
# ### Exercise 3 — how deep? (2 points)
#
# The array is already sorted: 0, 1, ..., n − 1. What is the largest number of `QUICKSORT` frames on the
# call stack at the same moment, while the recursive reference sorts it? Work it out on paper (what does
# the partition of a sorted range leave on each side?) and write `sorted_nesting(n)`. The check counts the
# frames in the traces for n = 1 to 10.

# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sorted_nesting(n):
    ### BEGIN SOLUTION
    return n  # the pivot A[hi] is the largest: the left part is lo..hi-1, down to a range of one element
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
nesting_mistakes = [
    (lambda n: n - 1, "the frame of the last range, a single element, is on the stack too: it returns with "
                      "NOP ⏎, but it is a QUICKSORT frame."),
    (lambda n: n + 1, "the empty right part (hi + 1, hi) of a range is sorted after its left part returns, "
                      "not on top of it."),
    (lambda n: 1, "a frame's children run while it waits: they are on the stack above it, not after it."),
    (lambda n: max(1, math.ceil(math.log2(n))), "that is the depth of a recursion that halves its range; in a "
                                                  "sorted array, what does each partition leave on its left?"),
]
ex3 = check_function("Exercise 3", sorted_nesting, partial(sorted_nesting_reference, task), [(n,) for n in range(1, 11)],
                     hint=off_by_hint(nesting_mistakes))
ex3.points(2)

# %% [markdown]
# So the waiting `QUICKSORT` frames pile up with the array, one per element for a sorted array. Waiting
# as such is nothing new: in addition, `ADD` waits on `ADD1` and then makes its next step. What is new is
# how many waiting frames still have steps to make. A frame waiting on a tail call never steps again (when
# its callee returns, it returns too), so an interpreter could drop it as soon as the call is made. Count,
# at every step of a run, the frames on the call stack that will make another step (the running frame, and
# every frame waiting on a call without ⏎), and take the largest count of the run:

# %%
def most_live_frames(trace):
    """The most frames on the call stack, at any step, that will still make a step."""
    most, path = 0, []  # path: the open calls, root first
    for depth, step in trace.walk():
        path = path[:depth] + [step]
        if depth:
            most = max(most, 1 + sum(not call.ret for call in path[1:depth]))
    return most


rng = random.Random(0)
sizes = [2, 5, 10, 20, 40]
live = {
    "addition (digits)": [addition.reference(addition.random_problem(n, rng), "recursive") for n in sizes],
    "bubble sort": [bubblesort.reference(bubblesort.random_problem(n, rng), "recursive") for n in sizes],
    "quicksort, random": [quicksort.reference(task.random_problem(n, rng), "recursive") for n in sizes],
    "quicksort, sorted": [quicksort.reference(sorted(task.random_problem(n, rng)), "recursive") for n in sizes],
}
live = {name: [(n, most_live_frames(t)) for n, t in zip(sizes, traces)] for name, traces in live.items()}
for name, points in live.items():
    print(f"{name:<18}", [count for _, count in points])

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, points in live.items():
    ax.plot(*zip(*points), marker="o", label=name)
ax.set(xlabel="input length", ylabel="frames that will step again", xticks=sizes)
ax.set_title("the most live frames on the call stack during one run (recursive formulations)", fontsize=9)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# With tail recursion the live frames stay few, whatever the length: the rest of the call stack is a chain
# of frames that will only return. In quicksort every `QUICKSORT` frame under the running one is live:
# their number grows like the depth of the recursion, each holding an LSTM state that it will need again.
# For a sorted array that is n + 2 (n `QUICKSORT` frames, with `PARTITION` and `COMPSWAP_LOOP` on top).
# Random arrays stay shallower, but their count grows with the length too.

# %% [markdown]
# ## 4. What the waiting frame keeps
#
# Look again at the root frame's steps in section 3: all nine see the same observation, (0, 0, 1, 0), and
# the frame must make eight different decisions with it. The observation cannot tell them apart; only the
# controller state can: it must count how far the frame has got. (With [3, 1, 2] the last five steps see
# (0, 0, 0, 0) instead: the top range after the pushes depends on the array. Either way, the observation
# does not say where the frame is.)
#
# ### Exercise 4 — decisions only the state can make (3 points)
#
# Write `state_only_steps(frame)`: the indices (from 0) of the frame's steps whose observation the frame
# already met at an earlier step where it decided something else (program, arguments or return flag). For
# these steps, a network without memory would be stuck. The check runs it on the 25 distinct frames of the
# recursive formulation (section 5).

# %% nbgrader={"grade": false, "grade_id": "ex4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def state_only_steps(frame):
    ### BEGIN SOLUTION
    def decision(s):
        return s.next_program, tuple(s.next_args), s.ret

    return [t for t, s in enumerate(frame.steps)
            if any(e.obs == s.obs and decision(e) != decision(s) for e in frame.steps[:t])]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
V_frames = collect_frames([quicksort.reference(quicksort.VERIFICATION_ARRAY, "recursive", record_states=False)])


def state_only_hint(args, got, expected):
    if not isinstance(got, list):
        return "Return a list of step indices, in order."
    if set(got) > set(expected):
        return "A step whose observation came earlier with the same decision is no problem: leave it out."
    return "Compare each step with every earlier step of the same frame, not only the one just before."


ex4 = check_function("Exercise 4", state_only_steps, state_only_steps_reference, [(f,) for f, _ in V_frames],
                     hint=state_only_hint)
### BEGIN HIDDEN TESTS
from npi_lib import toposort

more_rng = random.Random(4)
more_frames = collect_frames([  # longer frames: the loop formulations, other tasks
    quicksort.reference(task.random_problem(8, more_rng), "non-recursive", record_states=False),
    quicksort.reference((4, 1, 3, 1, 2), "non-recursive", record_states=False),
    quicksort.reference(task.random_problem(12, more_rng), "recursive", record_states=False),
    bubblesort.reference((3, 1, 2), "non-recursive", record_states=False),
    addition.reference((96, 125), "non-recursive", record_states=False),
    toposort.reference(toposort.STARVED, "non-recursive", record_states=False),
    toposort.reference(toposort.STARVED, "recursive", record_states=False)])
ex4 += check_function("Exercise 4 (more cases)", state_only_steps, state_only_steps_reference,
                      [(f,) for f, _ in more_frames], hint=state_only_hint)
### END HIDDEN TESTS
ex4.points(3)

# %%
print("the root frame of section 3: steps", ex4.use(root_frame), "(from 0) need the state")
need = Counter(f.program for f, _ in V_frames if ex4.use(f))
print("frames of V with a decision that only the state can make:", dict(need), "of", len(V_frames))

# %% [markdown]
# In a run, the network's state at each step comes from the step function of lesson 03, step(obs, args,
# prog, state) → (decision, new state); the interpreter stores each frame's state in the frame's entry on
# its call stack, and passes None (h = 0) to a new frame. A small wrapper records every call of the step
# function, so we can follow the root frame's state through a real run of the shipped recursive model:

# %%
class Recorder:
    """A step function that calls `step` and remembers every call: (state in, state out, decision)."""

    def __init__(self, step):
        self.step, self.calls = step, []

    def __call__(self, obs, args, prog, state):
        decision, new = self.step(obs, args, prog, state)
        self.calls.append((state, new, decision))
        return decision, new


recorder = Recorder(shipped["recursive"].model.fast_step())
result = run(recorder, task, example, "recursive")
print("sorted:", result.output, "· correct:", result.correct, "·", result.steps, "steps")

# %% [markdown]
# The root frame is the first call (state None); each of its later steps is the call whose input state
# **is** the object its previous step returned. Follow that chain, and see where the first child starts:

# %%
root_steps = [0]
for i, (state_in, _, _) in enumerate(recorder.calls):
    if state_in is not None and state_in is recorder.calls[root_steps[-1]][1]:
        root_steps.append(i)
call_at, resume_at = root_steps[5], root_steps[6]  # the root's 6th step calls QUICKSORT; its 7th comes after
print("the root frame's steps are run steps", [i + 1 for i in root_steps])
print(f"run step {call_at + 1}: the root calls QUICKSORT; run step {call_at + 2}: the child's first step, "
      f"given state {recorder.calls[call_at + 1][0]} (h = 0)")
print(f"run step {resume_at + 1}: the root resumes, {resume_at - call_at - 1} run steps later, with the very "
      f"state it left with: {recorder.calls[resume_at][0] is recorder.calls[call_at][1]}")

# %% [markdown]
# The top layer's h after each of the root frame's nine steps (one row per step, 64 units; all nine see
# the same observation):

# %%
h_top = torch.stack([recorder.calls[i][1][-1][0][0] for i in root_steps])
fig, ax = plt.subplots(figsize=(11, 3))
image = ax.imshow(h_top, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
labels = [f"{t + 1}: sees {s.obs} → {quicksort.describe(s.next_program, s.next_args)}{' ⏎' * s.ret}"
          for t, s in enumerate(root_frame.steps)]
ax.set_yticks(range(len(labels)), labels, fontsize=7, family="monospace")
ax.axhline(5.5, color="k", lw=2)  # between steps 6 and 7 the frame waits: its child runs, from its own h = 0
ax.set(xlabel="unit of the top LSTM layer")
ax.set_title("the root QUICKSORT frame's h after each step (black line: it waits for its first child)", fontsize=10)
fig.colorbar(image, ax=ax, fraction=0.02)
plt.show()

# %% [markdown]
# The rows differ although the input is the same at every step: the state moves on at every step, and
# that is how the frame knows whether it is at step 6, 7, 8 or 9. The black line is where the frame
# waited, 37 run steps; the row after it continues from the row before it, as if the child had taken no
# time at all.
#
# Two ways to break this, each run on 10 random arrays of 5 and of 10 digits:
#
# - **no reset**: `run(..., reset=False)` starts each callee from its caller's state instead of h = 0
#   (lesson 05, section 6);
# - **forget on resume**: a `QUICKSORT` frame gets a fresh state when a recursive `QUICKSORT` it called
#   returns, as if its entry on the call stack kept only the program and the arguments. A wrapper around the
#   step function does it: the state a `QUICKSORT` frame hands out with a decision to call `QUICKSORT`,
#   when it comes back, is replaced by None.

# %%
class ForgetOnResume:
    """A step function that gives a QUICKSORT frame h = 0 again when it resumes after calling QUICKSORT."""

    def __init__(self, step):
        self.step, self.waiting = step, []  # the states of the QUICKSORT frames waiting on a QUICKSORT

    def __call__(self, obs, args, prog, state):
        if any(state is w for w in self.waiting):
            self.waiting = [w for w in self.waiting if w is not state]
            state = None
        decision, new = self.step(obs, args, prog, state)
        if prog == decision[1] == task.program_id("QUICKSORT"):
            self.waiting.append(new)
        return decision, new


# %%
net = shipped["recursive"].model
settings = {"as trained": {}, "no reset": {"reset": False}}
for name, kwargs in settings.items():
    records = evaluate(net, task, "recursive", sizes=[5, 10], per_size=10, **kwargs)
    print(f"{name:<18}", "  ".join(f"length {r['size']}: {r['correct']}/{r['n']}" for r in records))
forgetful = [run(ForgetOnResume(net.fast_step()), task, task.random_problem(n, random.Random(100 * n + i)))
             for n in (5, 10) for i in range(10)]
print(f"{'forget on resume':<18}", "  ".join(f"length {n}: {sum(r.correct for r in forgetful[k * 10:k * 10 + 10])}/10"
                                             for k, n in enumerate((5, 10))))

# %% [markdown]
# Both break the sort, for opposite reasons. Without the reset, a child's first step starts from a state
# the network never started a frame from, and no array comes out right. Forgetting on resume, a frame
# comes back after its first child at h = 0, the state of a first step. What does a frame do at its first
# step? On (2, 5, 1, 4, 3):

# %%
forgot = run(ForgetOnResume(net.fast_step()), task, example, "recursive")
k = first_difference(forgot.reference, forgot.trace)
print(f"{list(example)} -> {forgot.output}, correct: {forgot.correct}; first difference at step {k}:")
print("reference:", format_step(list(forgot.reference.walk())[k][1], quicksort.describe),
      "· network:", format_step(list(forgot.trace.walk())[k][1], quicksort.describe))
print(format_frame(frames(forgot.trace)[0], quicksort.describe))

# %% [markdown]
# The first child, sorting (0, 1), calls its own first child on the empty range (0, −1). When that returns,
# the child comes back at h = 0 and sees what the first step of a frame on an empty range sees (the empty
# range is still on top: the caller pops it), so it does what such a frame does: `NOP ⏎`, the base case.
# It returns with its right part unsorted, the root comes back at h = 0 to the same sight and returns
# too: the root frame above ends after seven steps. Here the partitions had already put every digit in
# place, so the answer is right while the trace is not; of the 10 arrays of 5 above, 4 come out right
# that way, and none of the 10 arrays of 10.
#
# So the two halves of the NPI's call handling work together: the **reset** gives each call a fresh start
# that depends on nothing outside it, and the **call stack** keeps the caller's state until the call
# returns. Every task needs both (`ADD` waits on `ADD1`, lesson 05); what quicksort adds is that the
# callers waiting with a state they need are its own recursive frames, as many as the recursion is deep.

# %% [markdown]
# ## 5. A finite V, checked
#
# Lesson 05 (section 2) showed why the reset makes the set V of step-input sequences a recursive frame can
# meet finite, and why a model right on all of V is right on every input. The waiting changes nothing in
# that argument: a frame's decisions depend on its own inputs only, and the waiting frames below it are
# not among them. For quicksort, V has 25 sequences (`quicksort.sequence_universe()`, which enumerates
# every order pattern of up to 5 elements), and one array of length 10, the verification array of Cai,
# Shin & Song, meets them all; so does the training set:

# %%
print("V:", len(quicksort.sequence_universe()), "step-input sequences, by program:",
      dict(sorted(Counter(program for program, _, _ in quicksort.sequence_universe()).items())))
print("met by the verification array", quicksort.VERIFICATION_ARRAY, ":",
      quicksort.coverage([quicksort.VERIFICATION_ARRAY], "recursive", "sequences"))
print("met by the 4 training arrays", quicksort.training_set("paper"), ":",
      quicksort.coverage(quicksort.training_set("paper"), "recursive", "sequences"))

# %% [markdown]
# Check the shipped recursive model on each of the 25, teacher-forced from h = 0 exactly as it runs them
# (`step_errors`, lesson 05, section 5):

# %%
V_batch = encode_frames(task, V_frames)


def wrong_frames(model):
    """The frames of V in which the network gets at least one step wrong (teacher-forced, from h = 0)."""
    return [f for (f, _), bad in zip(V_frames, step_errors(model, V_batch).any(dim=1).tolist()) if bad]


print("frames of V the shipped recursive model gets wrong:", len(wrong_frames(shipped["recursive"].model)))

# %% [markdown]
# None. If these 25 are every sequence a run can meet, the argument of lesson 05 says this network sorts
# every array of digits, of any length; [lesson 09](09_verification.ipynb) turns that into a proof. Two long
# arrays, as a spot check of that claim (the deepest call stack is the tail-recursive `COMPSWAP_LOOP` of
# the root's partition, one frame per element, under `PARTITION` and the root):

# %%
for n in (100, 300):
    r = run(shipped["recursive"].model, task, task.random_problem(n, random.Random(n)), "recursive")
    print(f"length {n}: correct {r.correct} · {r.steps:,} steps · deepest call stack {r.depth} frames")

# %% [markdown]
# ### Exercise 5 — train on arrays of your choice
#
# The paper's set has 4 arrays of length 5 and meets all of V. What if you train on less? Set `MY_ARRAYS`
# to a list of your own (digits 0 to 9; try one array of length 3, or `[(2, 1)]`, or two arrays of length
# 4) and **predict** before you run: how many of the 25 sequences will your arrays meet? Will the model be
# right on the sequences it never saw? The cell trains the recursive model on them (seconds); the check
# makes sure your arrays were used, checks the model on all of V, runs it on 10 arrays of length 10 and of
# length 30, and says what that shows. Try two or three sets.

# %%
MY_ARRAYS = [(3, 1, 2)]  # change me
mine = train(task, "recursive", problems=MY_ARRAYS, seed=0)
trained_on = [tuple(a) for a in MY_ARRAYS]  # what this run was given
print(f"{mine.n_problems} arrays, {mine.n_unique_frames} distinct frames; every training step right: "
      f"{mine.perfect}, after {mine.epochs} epochs")


# %%
def what_my_arrays_show():
    covered, total = quicksort.coverage(trained_on, "recursive", "sequences")
    wrong = wrong_frames(mine.model)
    scores = evaluate(mine.model, task, "recursive", sizes=[10, 30], per_size=10)
    told = (f"Your arrays meet {covered} of the {total} sequences of V; the model is wrong on {len(wrong)} of V; "
            f"arrays right: {scores[0]['correct']}/10 at length 10, {scores[1]['correct']}/10 at length 30. ")
    if not mine.perfect:
        return told + "The training did not even get its own steps right: the numbers above mean little."
    if not wrong:
        return told + ("Right on all of V, so right on every array: the long arrays had to come out right. "
                       + ("Training never showed some of V: the network extended it to them by itself, which "
                          "depends on the arrays and the seed (try another set)." if covered < total else ""))
    where = ", ".join(f"{n} {p}" for p, n in sorted(Counter(f.program for f in wrong).items()))
    return told + (f"Wrong on {where} frames of V, found without running one long array; every array "
                   "whose run needs one of them may fail.")


ex5 = check_run("Exercise 5", {"arrays": [tuple(a) for a in MY_ARRAYS], "number of arrays": len(MY_ARRAYS)},
                {"arrays": trained_on, "number of arrays": mine.n_problems}, what_my_arrays_show)

# %% [markdown]
# ## 6. The loop, and where it fails
#
# The non-recursive formulation sorts with one `QUICKSORT` frame that loops while the stacks are not empty:
# it pops a range and, if it has something to sort, partitions it and pushes both parts. The same
# partition, the same stacks; but no frame ever waits, so the loop must keep everything in **one** LSTM
# state across the whole sort:

# %%
print(inspect.getsource(quicksort.QUICKSORT))

# %% [markdown]
# The longest frame of a run against the array's length, in both formulations (one random array per
# length): the recursive frames stay at 9 steps at most, the loop's frame grows with the number of ranges.

# %%
rng = random.Random(0)
arrays = [(n, task.random_problem(n, rng)) for n in (2, 5, 10, 20, 50, 100)]
lengths = {f: [(n, longest_frame(quicksort.reference(a, f, record_states=False))) for n, a in arrays]
           for f in quicksort.FORMULATIONS}
for formulation, points in lengths.items():
    print(f"{formulation:<14}", [length for _, length in points])
plot_frame_lengths(lengths)
plt.show()

# %% [markdown]
# Table 3 of Cai, Shin & Song beside ours: both shipped models on 10 random arrays per length up to 30
# (the paper used 30 per length, up to 70; `python -m npi_lib reproduce quicksort` runs the whole table,
# and retrains the models first). The paper's numbers are in brackets.

# %%
report = evaluate_shipped(task, per_size=10, max_size=30)
print(format_table(report, timing=False))

# %%
# NBVAL_IGNORE_OUTPUT
print(f"the table took {report['seconds']:.0f} s on one core")

# %%
ax = plot_paper_comparison(report, task.results, train_sizes=[5, 5])
ax.set_xlabel("array length")
ax.set_title("quicksort, trained on 4 arrays of length 5 (squares: Cai, Shin & Song, Table 3)", fontsize=10)
plt.show()

# %% [markdown]
# The loop model degrades with length much as the paper's did: perfect up to 7, then fewer and fewer
# arrays right; the recursive one is right everywhere, as section 5's check on V predicts. Ten arrays per
# length make our percentages coarse; the bars are 95% Wilson intervals (lesson 04). Where does the
# paper's number fall outside ours?

# %%
for row, experiment in zip(report["rows"], task.results.experiments):
    for r in row["results"]:
        paper = experiment.probes[0].paper_at(r["size"])
        low, high = wilson_interval(r["accuracy"], r["n"])
        if paper is not None and not low <= float(paper) / 100 <= high:
            print(f"{row['formulation']}, length {r['size']}: ours {r['accuracy']:.0%} of {r['n']} "
                  f"(interval {low:.0%} to {high:.0%}), the paper's {paper}% of 30")

# %% [markdown]
# Only there; and the paper's own 1 of 30 is uncertain too (its interval, `wilson_interval(1 / 30, 30)`,
# reaches 17%). Close enough to call it reproduced.
#
# Where does the loop go wrong? Its one frame makes a partition block of six steps (`WRITE`, `WRITE`,
# `STACK(POP)`, `PARTITION`, `STACK(PUSH_CALL2)`, `STACK(PUSH_CALL1)`) for each range with something to
# sort, "P" below, and a single `STACK(POP)` for each empty one, "e". The order of these blocks is the
# frame's history, and its state is a summary of it. The histories of the training arrays, and for the
# failing runs of length 11 to 30, the history up to the first wrong step, and that step:

# %%
def history(trace, steps=None):
    """The loop frame's blocks in order: P a partition (it starts with WRITE(p_hi, ...)), e an empty range."""
    out = ""
    for k, s in enumerate(trace.root.children[:steps]):
        if s.name == "WRITE" and s.args[0] == quicksort.T_HI:
            out += "P"
        elif s.name == "STACK" and s.args[0] == quicksort.POP and (k == 0 or trace.root.children[k - 1].name != "WRITE"):
            out += "e"
    return out


seen = {history(quicksort.reference(a, "non-recursive")) for a in quicksort.training_set("paper")}
print("training histories:", sorted(seen))

# %%
def root_step_at(trace, k):
    """Which step of the root frame step k of the trace (in walk order, the root call 0) belongs to."""
    end = 1
    for j, s in enumerate(trace.root.children):
        end += len(Trace(s)) + 1  # the step and everything under it
        if k < end:
            return j


net, failures = shipped["non-recursive"].model, []
for n in (11, 15, 20, 25, 30):
    for i in range(10):
        array = task.random_problem(n, random.Random(1000 * n + i))
        r = run(net, task, array, "non-recursive")
        if not r.correct:
            k = first_difference(r.reference, r.trace)
            step = root_step_at(r.reference, k)
            failures.append((n, array, history(r.reference, step + 1), step, list(r.trace.walk())[k][1], r.reason))
print(len(failures), "failures of 50 runs")
for n, _, h, step, went, _ in failures[:8]:
    print(f"length {n:>2}: history {h:<16} step {step + 1:>2} of the frame, network: "
          f"{format_step(went, quicksort.describe)}")

# %%
prefixes = {h[:i] for h in seen for i in range(len(h) + 1)}  # every history a training array passes through
print("the network's wrong steps:", dict(Counter(format_step(went, quicksort.describe) for *_, went, _ in failures)))
print("how the runs ended:", dict(Counter(reason.split(" at step")[0] for *_, reason in failures)))
print("the most frequent histories up to the wrong step:", Counter(h for _, _, h, *_ in failures).most_common(3))
print("failures at a history that training showed:", sum(h in prefixes for _, _, h, *_ in failures), "of", len(failures))
length_7 = problems_for(task, [7], per_size=10)[7]  # the arrays of length 7 in the table above
print("arrays of length 7 whose whole history training showed:",
      sum(history(quicksort.reference(a, "non-recursive")) in prefixes for a in length_7), "of", len(length_7))

# %% [markdown]
# Every failure is the same mistake, at the start of a partition block: the network copies p_hi from the
# top of `Q_stackLo` instead of `Q_stackHi`, and the run goes wrong from there until an invalid action
# stops it. And every failure comes after the history has left the training's: most
# often at the third partition in a row, "PPP", which none of the four training arrays shows (each of
# their histories begins "PPe" or "PeP"). A loop frame's state summarizes its whole history, so a new
# history can take it anywhere. The network copes with many new histories (all 10 arrays of length 7 come
# out right, and none of their histories is one training showed), but the longer the array, the
# longer and more varied its history, and the more chances that one state lands on the wrong side of a
# decision. This is the unbounded set of lesson 05 again: no finite set of arrays shows every history a
# loop frame can have, while the recursive frames have nothing but their own nine steps.

# %% [markdown]
# The network's trace beside the reference, for the first failure, both run again with a picture of the
# environment at every step (run the cell for the widget and select a step to see it; the cell after it
# prints the comparison):

# %%
# NBVAL_IGNORE_OUTPUT
problem = failures[0][1]  # the array of the first failure
loop_run = run(net, task, problem, "non-recursive", record_states=True)
CompareViewer(quicksort.reference(problem, "non-recursive"), loop_run.trace, task)

# %%
print(CompareViewer(quicksort.reference(problem, "non-recursive"), loop_run.trace, task).describe(rows=6))

# %% [markdown]
# ## 7. Playground
#
# Type an array of digits as JSON and press ▶ run: the shipped recursive model sorts it, its trace beside
# the reference, the first difference (if any) marked. Untick "reset h at every call" to break the reset.
# Widgets need a live kernel; the cell after it runs a separate playground and prints what it shows.

# %%
# NBVAL_IGNORE_OUTPUT
sorter = playground(task, shipped["recursive"].model, "recursive", value="[2, 5, 1, 4, 3]")
sorter.run()
sorter

# %%
demo = playground(task, shipped["recursive"].model, "recursive", value=str(list(quicksort.VERIFICATION_ARRAY)))
demo.run()
print(demo.describe(rows=4))

# %% [markdown]
# ## 8. Deep dive (optional): how close the loop comes to its mistake
#
# For the curious; nothing else depends on it. Every failure of the loop model is the same decision, the
# first step of a partition block: copy p_hi from `Q_stackHi`'s top, not `Q_stackLo`'s. Feed the loop
# frame its reference inputs step by step (teacher forcing, as in training) and read, at the start of each
# partition block, the margin between the two: the logit of the right source minus the logit of the wrong
# one, in the second argument slot. Positive means the right choice.

# %%
step_fn = shipped["non-recursive"].model.fast_step()


def write_margins(array):
    """At each partition block of the loop frame (teacher-forced): its index in the frame, and the margin of
    WRITE(p_hi, Q_stackHi top) over WRITE(p_hi, Q_stackLo top)."""
    state, margins = None, []
    for t, s in enumerate(frames(quicksort.reference(array, "non-recursive", record_states=False))[0].steps):
        logits, state = step_fn.outputs(s.obs, s.args, task.program_id(s.program), state)
        if s.next_program == "WRITE" and s.next_args[0] == quicksort.T_HI:
            source = step_fn.split(logits).arg_logits[1][0]
            margins.append((t, float(source[quicksort.S_STACK_HI_TOP] - source[quicksort.S_STACK_LO_TOP])))
    return margins


training_margins = [m for a in quicksort.training_set("paper") for m in write_margins(a)]
test_margins = {n: [write_margins(a) for a in problems_for(task, [n], per_size=10)[n]] for n in (11, 20, 30)}
print(f"training: {len(training_margins)} partition blocks, smallest margin {min(m for _, m in training_margins):.1f}")
for n, runs in test_margins.items():
    blocks = [m for run_ in runs for _, m in run_]
    print(f"length {n}: {len(blocks) / len(runs):.0f} partition blocks per array, {sum(m < 0 for m in blocks)} of "
          f"{len(blocks)} with a negative margin; arrays with none: {sum(all(m > 0 for _, m in r) for r in runs)} of 10")

# %%
fig, ax = plt.subplots(figsize=(9, 3))
for (n, runs), color in zip(test_margins.items(), ["#009E73", "#E69F00", "#D55E00"]):
    ax.plot(*zip(*[m for r in runs for m in r]), "o", ms=3, alpha=0.6, color=color, label=f"arrays of length {n}")
ax.plot(*zip(*training_margins), "ks", ms=6, mfc="none", label="the 4 training arrays")
ax.axhline(0, color="0.3", lw=1)
ax.set(xlabel="step of the loop frame where a partition block starts", ylabel="margin of the right source")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# In training every margin is 2 or more. On longer arrays most partition blocks get one of the same few
# margins again, but some histories never seen in training (three partitions in a row, among others) put
# it below zero. The arrays with no negative margin are exactly as many as the table's correct runs at
# these lengths (9, 3 and 2 of 10): this one decision is the whole story of the loop's failures. Each
# partition block is one more draw, an array of length 30 makes about 22 of them, and the share of bad
# draws grows too (1 block in 76 at length 11, 18 in 218 at length 30), since longer arrays bring longer
# and more varied histories; one negative margin is enough to fail. So the loop degrades gradually with
# length rather than breaking at one length. (Margins after a first negative one are those the network
# would have needed had it not failed there: teacher forcing keeps it on the reference path.)

# %% [markdown]
# ## Check your understanding
#
# 1. Why are lo and hi kept on stacks in the environment rather than passed as the arguments of the call?
#    <details><summary>Answer</summary>The NPI's arguments are three small integers from a fixed range, and
#    a range of a long array can be anything; the stacks hold numbers of any size, and the encoder only
#    ever sees comparisons (lo < hi, A[p_j] ≤ A[p_hi]), so nothing the network sees grows with the
#    array.</details>
# 2. In the recursive addition of lesson 05, the interpreter keeps 1,000 `ADD` frames on its call stack for a
#    1,000-digit sum. Could it keep none of them? Could it for quicksort? <details><summary>Answer</summary>
#    Each `ADD` frame waits on a tail call: it will never make another step, so its state could be dropped
#    as soon as the call is made. A `QUICKSORT` frame waiting on its first child will make three more
#    steps, and needs its state to make them.</details>
# 3. The steps of the root `QUICKSORT` frame in section 3 all see the same observation. What tells the
#    network which step it is at, and what would happen if that were lost while a child runs?
#    <details><summary>Answer</summary>The frame's LSTM state, which moves on at every step like a counter.
#    Lost (section 4, forget on resume), the frame comes back at h = 0 with its child's range still on top
#    of the stacks, and does what a frame does at its first step.</details>
# 4. The waiting frames make the call stack grow with the array. Does that make V infinite?
#    <details><summary>Answer</summary>No. V is about what one frame is given: its program, arguments and
#    observations. The frames waiting below never enter its computation, so V stays at 25 sequences
#    however deep the recursion goes.</details>
# 5. The loop model is right on every array of length 7 it was tried on. Does that show it sorts every
#    array of length 7? <details><summary>Answer</summary>No: 10 of the 10⁷ arrays of length 7 were tried,
#    and each brings its own history to the loop frame. Even checking all of them would say nothing about
#    length 8. The recursive model's 25 sequences cover every length at once.</details>
#
# ## Summary
#
# - Quicksort with Lomuto's partition is three programs for the partition (`PARTITION`, a tail-recursive
#   `COMPSWAP_LOOP`, `COMPSWAP`) and a `QUICKSORT` that pushes both parts on two stacks in the environment
#   and calls itself for each. The encoder sees four bits; lo and hi never reach the network.
# - Its recursion is **general**: each `QUICKSORT` frame waits on both of its recursive calls, while in
#   addition and bubble sort every self-call is a tail call. So the frames on the NPI's call stack that
#   will step again grow with the depth of the recursion (n + 2 for a sorted array), where tail recursion
#   keeps them at two or three.
# - A waiting frame's LSTM state is its place in the program: its steps can see the same observation, and
#   only the state tells them apart. The call stack keeps it across the child's run; the child starts from
#   h = 0. Break either (no reset, or forget on resume) and no array of 10 comes out right.
# - V has 25 sequences, met by the verification array and by the 4 training arrays; the shipped recursive
#   model is right on all of them, hence, if V is complete, on every array. One array of length 3 meets
#   only 11 of them, and a model trained on it fails: the check on V says so without a single long run.
# - The loop's single frame carries one state through a history that grows with the array. It fails more
#   often the longer the array, as in Table 3, always by the same decision at the start of a partition, and
#   only after its history has left every history training showed.
#
# ## Further reading
#
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: §4.4 and the appendix (quicksort, Table 3), and the section on provably perfect
#   generalization (the verification array).
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016: §3, the call stack that
#   keeps the caller's state.
# - Thomas H. Cormen, Charles E. Leiserson, Ronald L. Rivest, Clifford Stein. *Introduction to
#   Algorithms*, chapter 7: quicksort with Lomuto's partition, and why sorted arrays make it recurse n deep.
