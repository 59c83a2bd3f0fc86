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
# # Lesson 06 — Bubble sort: three loops, three recursions, two encoders
#
# Addition had one loop; bubble sort has three, one inside the other: passes over the array, steps along
# a pass, and the walk back to the start. This lesson turns all three into recursions, as Cai, Shin & Song
# (2017) did, and shows what each one buys: the **fully recursive** NPI trained on 100 arrays of two digits
# sorts arrays of any length, while the **partially recursive** one, which keeps two of the loops, breaks at
# length 3, exactly where those loops are asked to run one step longer than in training. Then you swap the
# encoder: an NPI that sees only **comparison bits** never sees a value, so it sorts letters, words and
# floats as well as digits; its loop version fails on *short* arrays, and you will find out why.
#
# **Where you are:** previous: [05 learning to add with recursion](05_recursion.ipynb) · next:
# [07 topological sort](07_topological_sort.ipynb), then [08 quicksort](08_quicksort.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. describe bubble sort's environment (one row, three pointers) and the conventions the paper leaves open;
# 2. turn each of bubble sort's three loops into a tail recursion, and say how long its frames can get;
# 3. say what the partially recursive formulation makes recursive, what stays a loop, and why those loops
#    break at length 3;
# 4. read Tables 1 and 4 of the paper beside the course's numbers, with honest error bars;
# 5. explain why the comparison-bit encoder sorts any values that can be compared, and check it on words;
# 6. diagnose a loop model's failure frame by frame: what training never showed it;
# 7. leave comparisons out of the training set, and predict which arrays then fail.

# %% [markdown]
# ## Setup
#
# Models here are **shipped**: one checkpoint per model of the paper's Tables 1 and 4, trained with the
# course's recipe (`npi_lib.training.train`, seed 0; `python tools/ship_checkpoints.py` remakes them, a few
# seconds each). Models **trained here**: the comparison loop with three more seeds (section 8), your
# ablation of the training set (Exercise 5) and the deep dive's, a few seconds each.

# %%
# %matplotlib inline
import inspect
import random
from collections import Counter
from functools import partial

import matplotlib.pyplot as plt
import torch

from npi_lib import bubblesort
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.errors import ProblemError
from npi_lib.evaluation import evaluate, problems_for
from npi_lib.exercises import check_compswap_observations, check_function, check_program, check_run
from npi_lib.exercises import compare_observation_reference, dropped_pairs_report, off_by_hint
from npi_lib.interpreter import run
from npi_lib.plotting import draw_call_tree, plot_accuracy, plot_frame_lengths, plot_paper_comparison
from npi_lib.reproduce import evaluate_shipped, format_table
from npi_lib.trace import Tracer, first_difference, frames, longest_frame
from npi_lib.training import collect_frames, encode_frames, step_errors, train
from npi_lib.widgets import CompareViewer, playground

task, task_compare = bubblesort.TASK, bubblesort.TASK_COMPARE
torch.set_num_threads(1)  # one small step at a time: a second thread only adds waiting

# %% [markdown]
# ## 1. The row and its pointers
#
# Bubble sort (Cai, Shin & Song 2017, §4.2) works on one row: the values Q[1..N] between a start and an
# end token (`#`). Pointers i1 and i2 compare neighbours and swap them; i3 counts the passes, and the sort
# stops when i3 reaches the length. The digit encoder shows the network Q[i1], Q[i2] and whether
# i3 == length. The paper leaves the pointer bookkeeping open; `npi_lib/bubblesort.py` decides:
#
# - pointers are cell indices 0..N+1, **clamped** to the row: a move past an end leaves the pointer where
#   it is; at the start i1 = i2 = 0 (the start token) and i3 = 1;
# - a pass (`BUBBLE`) first separates i1 and i2 with `PTR(i2, RIGHT)`, then `BSTEP` compares, swaps if
#   needed (`COMPSWAP`) and shifts both right (`RSHIFT`) until i2 reaches the end token; the first
#   comparison, the start token against Q[1], never swaps;
# - `RESET` walks both pointers back with `LSHIFT` until *both* stand on the start token (i1 arrives first
#   and the clamp holds it there), then advances i3. Read literally, the paper's "until i1 is at the
#   start" would leave i2 one cell right, and every later pass would start one cell further right;
# - i3 starts on the first value, so N values get N − 1 passes; every base case is `NOP ⏎`.
#
# The row of (3, 1, 2) at the start, after the first pass, after the first `RESET`, and at the end:

# %%
bs_trace = bubblesort.reference((3, 1, 2), "recursive")
first_pass, first_reset = bs_trace.root.children[:2]
fig, axes = plt.subplots(1, 4, figsize=(12, 1.4))
for ax, state, title in zip(axes, [bs_trace.initial_state, first_pass.state, first_reset.state,
                                   bs_trace.root.state], ["start", "after BUBBLE", "after RESET", "end"]):
    bubblesort.draw(state, ax=ax, title=title)
plt.show()

# %% [markdown]
# After every `RESET`, i1 and i2 are back on the start token (cell 0) and i3 has moved one value right:

# %%
long_trace = bubblesort.reference((5, 4, 3, 2, 1), "recursive")
resets = [s.state for _, s in long_trace.walk() if s.name == "RESET"]
print("(i1, i2, i3) after each RESET:", [(s.i1, s.i2, s.i3) for s in resets])
print("sorted:", long_trace.root.state.values)

# %% [markdown]
# ## 2. Three loops become three recursions
#
# The non-recursive formulation (the paper's, and Reed & de Freitas's) has three loops, each inside one
# frame: `BUBBLESORT` repeats a pass and a reset, `BUBBLE` repeats `BSTEP`, `RESET` repeats `LSHIFT`.

# %%
for prog in (bubblesort.BUBBLESORT, bubblesort.BUBBLE, bubblesort.BSTEP, bubblesort.RESET, bubblesort.LSHIFT):
    print(inspect.getsource(prog))

# %% [markdown]
# The recursive formulation turns each loop into a tail call, as `ADD` did in lesson 05: a frame does one
# iteration and calls its own program for the rest (the call carries the return flag ⏎), and a base case
# returns with `NOP ⏎`. `BUBBLESORT` recurses on passes; the loop over `BSTEP` moves *into* `BSTEP`, which
# now calls itself; `BUBBLE` keeps only its first step and one call:

# %%
for prog in (bubblesort.BUBBLESORT_recursive, bubblesort.BUBBLE_recursive, bubblesort.BSTEP_recursive,
             bubblesort.RESET_recursive):
    print(inspect.getsource(prog))

# %% [markdown]
# The third loop, `RESET`'s walk back, moves into `LSHIFT` in the same way: that one is yours to write.
# The **partially recursive** formulation sits in between: only `BUBBLESORT` calls itself; `BUBBLE` and
# `RESET` keep their loops. The beginning of the traces of (3, 1) in the loop and the fully recursive
# formulation: the loop's `BUBBLE` frame holds every `BSTEP`; the recursive one hands each on to a new
# `BSTEP` frame.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 6.2))
for ax, formulation in zip(axes, ("non-recursive", "recursive")):
    draw_call_tree(bubblesort.reference((3, 1), formulation), ax=ax, max_nodes=24, describe=bubblesort.describe)
    ax.set_title(formulation, fontsize=10)
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Exercise 1 — the recursive LSHIFT (3 points)
#
# In the fully recursive formulation, `LSHIFT` does the looping itself: if both pointers stand on the start
# token, it returns with `NOP ⏎`; otherwise it moves i1 and i2 one cell left and calls itself, as a tail
# call. Write it as a reference program. Decide only from `env.observe()`, which gives `(Q[i1], Q[i2],
# i3 == length)` with the tokens read as `bubblesort.EDGE`; the pointer numbers are `bubblesort.I1`,
# `bubblesort.I2` and the direction `bubblesort.LEFT`. The check runs your `LSHIFT` on rows after a pass
# and at the start, and compares its trace with the library's step by step.

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def LSHIFT(t, env):
    ### BEGIN SOLUTION
    q1, q2, _ = env.observe()
    if q1 == q2 == bubblesort.EDGE:  # both on the start token (at the end only i2 can be on a token)
        return t.act("NOP", ret=True)
    t.act("PTR", bubblesort.I1, bubblesort.LEFT)
    t.act("PTR", bubblesort.I2, bubblesort.LEFT)
    t.call(LSHIFT, ret=True)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def after_one_pass(values):
    env = bubblesort.BubbleArray(values)
    Tracer(env).run(bubblesort.BUBBLE_recursive)
    return env


cases = [(f"{v} after a pass", lambda v=v: after_one_pass(v)) for v in [(3, 1, 2), (7,), (9, 5, 8, 1, 0, 4)]]
cases.append(("(3, 1, 2) at the start", lambda: bubblesort.BubbleArray((3, 1, 2))))
ex1 = check_program("Exercise 1", LSHIFT, bubblesort.LSHIFT_recursive, cases, bubblesort.describe)
### BEGIN HIDDEN TESTS
def after_passes(values, passes):
    env = bubblesort.BubbleArray(values)
    for k in range(passes):
        if k:
            Tracer(env).run(bubblesort.RESET_recursive)
        Tracer(env).run(bubblesort.BUBBLE_recursive)
    return env


more_rows = [((1, 1), 1), ((4, 4, 2, 2), 1), ((2, 7, 7, 1, 5), 2), ((5, 5, 5), 2), ((0, 9), 1),
             ((8, 3, 6, 0, 9, 2, 5, 1, 7, 4, 6, 3), 3)]
ex1 += check_program("Exercise 1 (more cases)", LSHIFT, bubblesort.LSHIFT_recursive,
                     [(f"{v} after {k} pass{'es' * (k > 1)}", lambda v=v, k=k: after_passes(v, k)) for v, k in more_rows],
                     bubblesort.describe)
### END HIDDEN TESTS
ex1.points(3)

# %% [markdown]
# The program the check accepted (or the reference, if you skipped the exercise), walking (3, 1, 2) back
# after its first pass: one frame per shift, none longer than three steps.

# %%
draw_call_tree(Tracer(after_one_pass((3, 1, 2))).run(ex1.use), describe=bubblesort.describe)
plt.show()

# %% [markdown]
# ## 3. How long a frame can get
#
# Lesson 05 showed why frame length matters: the network's state is reset at every call, so a frame's
# behaviour depends on the frame alone, and bounded frames make the set of frames to get right finite.
# In the loop formulation the `BUBBLESORT` frame makes a `BUBBLE` and a `RESET` call per pass, N − 1 passes,
# and a final `NOP ⏎`: 2N − 1 steps.
#
# ### Exercise 2 — the partial formulation's longest frame (2 points)
#
# In the partially recursive formulation `BUBBLESORT` is recursive (at most 3 steps), but `BUBBLE` and
# `RESET` are still loops. How many steps has the longest frame of an array of n ≥ 2 values? Complete
# `partial_longest_frame(n)`; the check measures the traces for n = 2 to 10.

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def partial_longest_frame(n):
    ### BEGIN SOLUTION
    return n + 2  # BUBBLE: PTR, n BSTEPs, NOP ⏎; RESET: n + 1 LSHIFTs, PTR(i3) ⏎
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def measured(n):
    return longest_frame(bubblesort.reference(bubblesort.random_problem(n, random.Random(n)), "partial"))


partial_mistakes = [
    (lambda n: 2 * n - 1, "that is the loop's BUBBLESORT frame; in the partial formulation BUBBLESORT recurses."),
    (lambda n: 3, "that holds when every loop is a recursion; BUBBLE and RESET still loop here."),
    (lambda n: n + 1, "count BUBBLE again: PTR(i2, RIGHT), one BSTEP per value (the first compares the start "
                      "token with Q[1]), then NOP ⏎."),
    (lambda n: n, "a pass makes one BSTEP per value, and BUBBLE has two more steps than that."),
]
ex2 = check_function("Exercise 2", partial_longest_frame, measured, [(n,) for n in range(2, 11)],
                     hint=off_by_hint(partial_mistakes))
### BEGIN HIDDEN TESTS
ex2 += check_function("Exercise 2 (more cases)", partial_longest_frame, measured, [(n,) for n in (11, 15, 24, 40)],
                      hint=off_by_hint(partial_mistakes))
### END HIDDEN TESTS
ex2.points(2)

# %% [markdown]
# One random array per length, and the longest frame of each formulation:

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
# The loop's frames grow like 2N, the partial formulation's like N (its two loops), the fully recursive
# ones stay at 3 steps. Making only the outer loop recursive removes the longest frame but not the growth:
# a network running the partial formulation still meets frames longer than any it was trained on.

# %% [markdown]
# ## 4. The paper's Table 1 beside ours
#
# Cai, Shin & Song train on 100 arrays of length at most 2. The papers do not list them:
# `training_set("paper")` takes all 100 arrays of two digits, once each. `COMPSWAP`, the one decision that
# depends on the digits, meets every pair of cells it can ever meet (the 100 digit pairs, and the start
# token against each digit):

# %%
paper_set = bubblesort.training_set("paper")
print(len(paper_set), "arrays, e.g.", paper_set[:4], "· COMPSWAP pairs covered:", bubblesort.coverage(paper_set))

# %% [markdown]
# The shipped models, each run on 10 random arrays at lengths 2, 3, 4, 8 and 20 (`evaluate_shipped`
# runs the network step by step; about 15 seconds): the three of Table 1, and a fourth, trained on a
# `covering` set, which the end of this section explains. The paper's numbers are in brackets. The full table,
# with 30 arrays per length and lengths up to 90 (and 200 past the paper), comes from
# `python -m npi_lib reproduce bubblesort`, which retrains the models too; it takes minutes.

# %%
report = evaluate_shipped("bubblesort", per_size=10, max_size=20)
print(format_table(report, timing=False))  # without the run's time, which differs from run to run

# %%
ax = plot_paper_comparison(report, task.results, train_sizes=[2, 2])
ax.set_xlabel("array length")
ax.set_title("bubble sort, digit encoder: ours (lines) and the paper's Table 1 (squares)", fontsize=10)
plt.show()

# %% [markdown]
# The recursive model sorts every array tried, as in the paper. The other two sort length 2 and break at
# length 3, where the paper's models break too. At length 3 ours still sort 60-70% of the arrays, more than the
# paper's 6.7-23% (which lie below our error bars): how many arrays a broken loop still happens to sort
# depends on how it breaks, and section 5 shows that these runs do not follow the reference. From length
# 4 on, neither sorts anything.
#
# The paper's set has a gap for the recursive model too. An array of two values is sorted after one pass,
# so while `RESET` walks the pointers back, its `LSHIFT` frames only ever observe *sorted* neighbours.
# Longer arrays show them unsorted ones at every pass but the last. `LSHIFT`'s decision does not depend on
# the digits, but the network sees them, and what it does with a pair it never saw is up to its weights.
# The shipped model (seed 0) happens to get them right; `python -m npi_lib reproduce bubblesort --seeds 10`
# counts how many of ten seeds do. `training_set("covering")` adds the 45 arrays (p, 9, q) with p > q: the
# first pass carries the 9 to the end and leaves p, q unsorted at the front, for `LSHIFT` to see:

# %%
for name in ("paper", "covering"):
    arrays = bubblesort.training_set(name)
    print(f"{name:>8}: {len(arrays)} arrays, unsorted pairs LSHIFT sees:",
          len(bubblesort.lshift_unsorted_pairs(arrays)))
longer = problems_for(task, [8], 30)[8]
print(f"30 arrays of length 8: unsorted pairs LSHIFT sees: {len(bubblesort.lshift_unsorted_pairs(longer))}")

# %% [markdown]
# ## 5. Why the loops that remain break at length 3
#
# A recursive model can be checked frame by frame (lesson 05): run the network on each frame of a reference
# trace, teacher-forced from a fresh state, and compare every decision. Do that for the loop models, per
# program: `frame_check` counts, for random arrays of each length, the distinct frames of each program and
# the ones with at least one wrong decision.

# %%
def frame_check(model, task, formulation, sizes, per_size=5):
    """{size: {program: (wrong, total)}} over the distinct frames of per_size random arrays of each size."""
    out = {}
    for size, problems in problems_for(task, sizes, per_size).items():
        weighted = collect_frames([task.reference(p, formulation, record_states=False) for p in problems])
        wrong = step_errors(model, encode_frames(task, weighted)).any(dim=1).tolist()
        counts = {}
        for (frame, _), bad in zip(weighted, wrong):
            w, n = counts.get(frame.program, (0, 0))
            counts[frame.program] = (w + bad, n + 1)
        out[size] = counts
    return out


def show_frame_check(checked, programs=("BUBBLESORT", "BUBBLE", "RESET")):
    print("length " + "".join(f"{p:>13}" for p in programs) + "   (wrong / distinct frames)")
    for size, counts in checked.items():
        print(f"{size:>6} " + "".join(f"{'%d / %d' % counts.get(p, (0, 0)):>13}" for p in programs))


# %%
digit_models = {f: shipped_checkpoint("bubblesort", f).model for f in bubblesort.FORMULATIONS}
for formulation in ("partial", "non-recursive"):
    print(f"--- {formulation}")
    show_frame_check(frame_check(digit_models[formulation], task, formulation, [2, 3, 4, 8]))

# %% [markdown]
# At length 2 every frame is right; from length 3 on, every `BUBBLE` and every `RESET` frame is wrong, and
# in the partial formulation nothing else is (its `BUBBLESORT` frames, now recursive, stay right). What did
# training show those two loops? Their frames in the 100 training traces, by length:

# %%
def loop_frames(task, formulation, problems, programs=("BUBBLESORT", "BUBBLE", "RESET")):
    traces = [task.reference(p, formulation, record_states=False) for p in problems]
    lengths = Counter((f.program, len(f.steps)) for t in traces for f in frames(t) if f.program in programs)
    return {p: sorted({n for q, n in lengths if q == p}) for p in programs}


print("frame lengths in training (partial):", loop_frames(task, "partial", paper_set))

# %% [markdown]
# Every `BUBBLE` and `RESET` frame the network was trained on has exactly 4 steps; at length 3 they need 5.
# The loop's exit is decided from the observation (i2 on the end token, both pointers on the start token)
# *and* the LSTM's state, which within a frame counts the steps made. Both "leave when the observation
# says so" and "leave at step 4" fit every training frame, and the network learned something closer to the
# second: at length 3 its first wrong decision is at step 4 of the 5, where a training frame would end.
# Some of these runs still leave a sorted row, the length-3 arrays of the table that come out right, but
# none of them follows the reference: the first difference of every length-3 run is in a `BUBBLE` frame:

# %%
def first_wrong_frame(result):
    """The program of the frame that makes the first step where the network's trace leaves the reference."""
    at, open_calls = first_difference(result.reference, result.trace), []
    for k, (depth, step) in enumerate(result.reference.walk()):
        del open_calls[depth:]
        if k == at:
            return open_calls[-1]
        open_calls.append(step.name)
    return "none"


length3 = problems_for(task, [3], per_size=20)[3]
runs = [run(digit_models["partial"], task, p, "partial") for p in length3]
print("partial model, 20 arrays of length 3:", dict(Counter((first_wrong_frame(r), r.correct) for r in runs)),
      "· keys: (frame of the first difference, sorted?)")

# %% [markdown]
# No finite training set rules the count out for every length, and that is the paper's point: only when
# every loop is a recursion do all frames stay short and alike.

# %% [markdown]
# ## 6. The comparison-bit encoder
#
# For the verification experiments, Cai, Shin & Song (2017, appendix A.6) change the encoder: instead of
# two digits it shows four bits, `(Q[i1] <= Q[i2], 1 <= i1 <= N, 1 <= i2 <= N, i3 == N)`. The programs and
# the environment stay the same (`bubblesort.TASK_COMPARE`); only what the network observes changes. The
# start token counts as smaller than every value and the end token as larger, so the first bit is defined
# everywhere.
#
# ### Exercise 3 — the four bits, on words (2 points)
#
# Write `compare_observation(values, i1, i2, i3)`: the four bits for the row `# values #` with the pointers
# on cells i1, i2, i3 (cell 0 is the start token, cell len(values) + 1 the end token; Q[k] is
# `values[k - 1]`). The values may be numbers or strings. The check compares with the library's
# environment on a row of words.

# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compare_observation(values, i1, i2, i3):
    ### BEGIN SOLUTION
    n = len(values)

    def place(i):  # the start token first, then the values in their order, then the end token
        return (0,) if i == 0 else (2,) if i == n + 1 else (1, values[i - 1])

    return (int(place(i1) <= place(i2)), int(1 <= i1 <= n), int(1 <= i2 <= n), int(i3 == n))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
words = ["pear", "fig", "apple", "fig"]
positions = [(0, 0, 1), (0, 1, 1), (1, 2, 1), (2, 3, 2), (3, 4, 3), (4, 5, 4), (5, 5, 4), (3, 2, 2)]
ex3 = check_function("Exercise 3", compare_observation, partial(compare_observation_reference, task_compare),
                     [(words, *p) for p in positions])
### BEGIN HIDDEN TESTS
more_rows = [([3, 1, 2], [(0, 0, 1), (1, 2, 3), (3, 4, 2), (4, 4, 3), (2, 0, 1), (4, 1, 2)]),
             ([2.5, -1.0, 2.5], [(0, 1, 1), (1, 3, 2), (3, 1, 3), (2, 4, 1), (4, 0, 2)]),
             (["b", "b", "a"], [(1, 2, 1), (2, 3, 2), (3, 1, 3), (0, 4, 3)]),
             ([7], [(0, 0, 1), (0, 1, 1), (1, 2, 1), (2, 2, 1), (2, 1, 1)])]
ex3 += check_function("Exercise 3 (more cases)", compare_observation,
                      partial(compare_observation_reference, task_compare),
                      [(values, *p) for values, positions in more_rows for p in positions])
### END HIDDEN TESTS
ex3.points(2)

# %% [markdown]
# ### Exercise 4 — what COMPSWAP can see (2 points)
#
# Under the digit encoder `COMPSWAP` can start at 110 different observations (section 4). Under the
# comparison-bit encoder, at which observations can it start, over all arrays of any length and any
# values? Return them as a set of 4-tuples. Think about where i1 and i2 can stand when `BSTEP` calls
# `COMPSWAP`, and what i3 can be during a pass.

# %% nbgrader={"grade": false, "grade_id": "ex4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compswap_observations():
    ### BEGIN SOLUTION
    return {(1, 0, 1, 0), (1, 1, 1, 0), (0, 1, 1, 0)}  # start token vs Q[1]; two values in order; out of order
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
# the check enumerates every order of up to 4 values, ties included, in every formulation
ex4 = check_compswap_observations("Exercise 4", compswap_observations, task_compare)
ex4.points(2)

# %% [markdown]
# Three, for every array there is. That is why this encoder sorts **any values that can be compared**:
# nothing the network sees depends on what the values are, only on their order, so the decisions it must
# get right do not grow with the alphabet. The three arrays of the paper's training set (lengths 7, 7 and
# 6) show every decision the recursive programs ever make (tests/test_bubblesort.py checks it against every
# order of up to four values). The shipped recursive model, trained on those three arrays of digits, on
# letters, words and floats:

# %%
compare_models = {f: shipped_checkpoint("bubblesort-compare", f).model for f in ("non-recursive", "recursive")}
for values in [list("BUBBLESORT"), ["pear", "fig", "apple", "kiwi", "fig"], [3.14, -2.5, 1e6, 0.001, 2.71],
               list("thequickbrownfoxjumpsoverthelazydog")]:
    r = run(compare_models["recursive"], task_compare, task_compare.parse_input(values), "recursive")
    shown = "".join(r.output) if all(len(str(v)) == 1 for v in values) else r.output
    print(f"{r.steps:>6,} steps · correct: {r.correct} · {shown}")

# %% [markdown]
# The environment accepts numbers (integers and floats) or strings, all of one kind; values that cannot
# all be compared with each other are refused with the reason:

# %%
for bad in ([3, "a"], [1.5, float("nan")]):
    try:
        task_compare.parse_input(bad)
    except ProblemError as e:
        print(f"{bad}: {e}")

# %% [markdown]
# ## 7. The paper's Table 4 beside ours
#
# Both comparison-encoder models, trained on the paper's three arrays, on 10 random arrays per length up
# to 15 (about 15 seconds; `python -m npi_lib reproduce bubblesort-compare` makes the full table, length 70
# included):

# %%
report_compare = evaluate_shipped("bubblesort-compare", per_size=10, max_size=15)
print(format_table(report_compare, timing=False))

# %%
ax = plot_paper_comparison(report_compare, task_compare.results, train_sizes=[6, 7])
ax.set_xlabel("array length")
ax.set_title("bubble sort, comparison bits: ours (lines) and the paper's Table 4 (squares)", fontsize=10)
plt.show()

# %% [markdown]
# The recursive model sorts everything, as in the paper. The loop model fails past its training lengths,
# later than the paper's (12 against 8), and, unlike the paper's, it fails on every array of length 2, 3
# and 4, *shorter* than anything it was trained on. The next section finds out why.

# %% [markdown]
# ## 8. The comparison loop on short arrays
#
# The network's trace beside the reference on a 3-value array, in the viewer (run the cell to use the
# widget; the cell after it prints what it shows):

# %%
loop_run = run(compare_models["non-recursive"], task_compare, (3, 1, 2), "non-recursive", record_states=True)
print(f"correct: {loop_run.correct} · {loop_run.reason}")

# %%
# NBVAL_IGNORE_OUTPUT
CompareViewer(task_compare.reference((3, 1, 2), "non-recursive"), loop_run.trace, task_compare)

# %%
print(CompareViewer(task_compare.reference((3, 1, 2), "non-recursive"), loop_run.trace, task_compare).describe(rows=6))

# %% [markdown]
# The first pass goes well until i2 reaches the end token: the observation `(1, 1, 0, 0)` says "i2 is off
# the values", where the reference leaves the loop with `NOP ⏎`. The network makes the `NOP` but without the
# return flag, and goes on calling `BSTEP` until the depth limit stops the run. The frame check of section
# 5, on this model, lengths 2 to 15:

# %%
compare_check = frame_check(compare_models["non-recursive"], task_compare, "non-recursive", [*range(2, 11), 12, 15])
show_frame_check({n: compare_check[n] for n in (2, 3, 4, 5, 9, 10, 12, 15)})
print("frame lengths in training:", loop_frames(task_compare, "non-recursive", bubblesort.training_set_compare()))

# %% [markdown]
# The same story as section 5, from the other side. The three training arrays have 6 or 7 values, so every
# `BUBBLE` and `RESET` frame the network saw leaves its loop after 8 or 9 steps, and every `BUBBLESORT`
# frame after 11 or 13. On 2 or 3 values every loop reaches its exit observation much sooner than that,
# at a state the network never left from, and it does not leave (on 4 values, `RESET` already manages).
# From 5 to 9 values the frames are close enough to the trained ones; from 10 on, more and more `BUBBLE`
# frames, now longer than any in training, go wrong; at length 10 the runs leave the reference yet still
# sort every array tried, as the digit loops of section 5 sometimes do, and at 12 and 15 they stop
# sorting. What training never showed is an exit at an early step.
# The paper's model left at the observation on short arrays, ours does not, and nothing in three arrays of
# length 6 and 7 decides between the two. The share of `BUBBLE` frames right, per length, for this model and
# for the digit loop of section 5:

# %%
def bubble_frames_right(checked):
    return [{"size": n, "accuracy": 1 - c["BUBBLE"][0] / c["BUBBLE"][1], "n": c["BUBBLE"][1]}
            for n, c in checked.items()]


digit_check = frame_check(digit_models["non-recursive"], task, "non-recursive", range(2, 11))
fig, axes = plt.subplots(1, 2, figsize=(11, 3))
for ax, checked, trained, name in [(axes[0], digit_check, [2, 2], "digits, trained on length 2"),
                                   (axes[1], compare_check, [6, 7], "comparison bits, trained on lengths 6-7")]:
    plot_accuracy({"BUBBLE frames right": bubble_frames_right(checked)}, ax=ax, train_sizes=trained)
    ax.set(xlabel="array length", ylabel="frames right", title=f"the loop model, {name}")
plt.tight_layout()
plt.show()

# %% [markdown]
# Is it the recipe, or seed 0? The same recipe with three more seeds (a few seconds each), on 10 arrays of
# length 2, 3, 4 and 12:

# %%
seed_scores = {}
for seed in (0, 1, 2, 3):
    net = compare_models["non-recursive"] if seed == 0 else train(task_compare, "non-recursive", seed=seed).model
    seed_scores[seed] = evaluate(net, task_compare, "non-recursive", sizes=[2, 3, 4, 12], per_size=10)
for seed, records in seed_scores.items():
    print(f"seed {seed}: " + " · ".join(f"length {r['size']}: {r['correct']}/{r['n']}" for r in records))

# %% [markdown]
# Seed by seed and length by length, the short arrays come out all right or all wrong: which rule the
# network picks for the loop's exit is decided by its initial weights, not by the data, since three arrays
# of length 6 and 7 fit both. Seed 1 does what the paper's model did (100% at lengths 2 to 4); seed 0, the
# shipped one, does not. The recursive model plays no such lottery: its frames have at most three steps at
# every length, and the three training arrays show all of them.

# %% [markdown]
# ## 9. Playground
#
# Type an array as JSON (numbers or strings, all of one kind) and press ▶ run: the shipped recursive
# comparison-bit model sorts it, its trace beside the reference one, the first difference (if any) marked.
# Try a loop model too: `playground(task_compare, compare_models["non-recursive"], "non-recursive")`, or the
# digit encoder with `playground(task, digit_models["partial"], "partial")`. Widgets need a live kernel; the
# cell after it runs a separate playground and prints what it shows.

# %%
# NBVAL_IGNORE_OUTPUT
sorter = playground(task_compare, compare_models["recursive"], "recursive", value='["kiwi", "fig", "pear", "apple"]')
sorter.run()
sorter

# %%
demo = playground(task_compare, compare_models["recursive"], "recursive", value="[0.5, -3, 2.25, 1e-3]")
demo.run()
print(demo.describe(rows=4))

# %% [markdown]
# ## 10. Leaving comparisons out
#
# ### Exercise 5 — a training set with holes
#
# The paper's set shows `COMPSWAP` every pair of digits. Leave some out: `MY_DROPPED` is a set of pairs
# (a, b), and the arrays [a, b] are removed from the 100 training arrays. Then the recursive digit model is
# trained (a few seconds) and run on 40 random arrays of 6 digits. Before you run it, **predict**: which of
# the 40 arrays will fail? All of them, those whose sort makes `COMPSWAP` compare a missing pair, or none?
# The check makes sure the run used your set, splits the failures between those two groups and says what
# the split shows. Try two or three sets: one pair, both orders of one pair, a whole row such as every
# (9, b).

# %%
MY_DROPPED = {(9, b) for b in range(9)}  # change me: pairs (a, b) of digits whose array [a, b] is left out
used = [p for p in paper_set if p not in MY_DROPPED]
mine = train(task, "recursive", problems=used, seed=0)
print(f"{mine.n_problems} training arrays · COMPSWAP pairs covered: {bubblesort.coverage(used)} · "
      f"every training step right: {mine.perfect}")

# %%
test_arrays = problems_for(task, [6], per_size=40, seed=6)[6]
ex5 = check_run("Exercise 5", {"training arrays": len(set(paper_set) - set(MY_DROPPED))},
                {"training arrays": mine.n_problems},
                lambda: dropped_pairs_report(task, mine.model, MY_DROPPED, test_arrays))

# %% [markdown]
# ## Check your understanding
#
# 1. Why does the fully recursive `BSTEP` frame have at most 3 steps, while the loop's `BUBBLE` frame has
#    N + 2? <details><summary>Answer</summary>The recursive `BSTEP` compares one pair (`COMPSWAP`), shifts
#    (`RSHIFT`) and hands the rest of the pass to a new `BSTEP` call, whose steps are in a new frame (or
#    returns with `NOP ⏎` at the end). The loop's `BUBBLE` makes every `BSTEP` of the pass in its own frame,
#    plus its first `PTR` and its final `NOP ⏎`.</details>
# 2. In the partial formulation `BUBBLESORT` recurses. Why does the model still break at length 3?
#    <details><summary>Answer</summary>`BUBBLE` and `RESET` are still loops whose frames grow with the length
#    (N + 2 steps). Trained on arrays of 2 values, all their frames had 4 steps; at length 3 they need 5,
#    and the network leaves the loop one step early.</details>
# 3. Why can the comparison-bit model sort words it has never seen, when the digit model cannot sort the
#    number 10? <details><summary>Answer</summary>The comparison-bit encoder never shows a value, only
#    whether Q[i1] <= Q[i2] and where the pointers stand, so any values of one kind with an order give the
#    same observations as digits in the same order. The digit encoder shows the digits themselves, one of
#    11 symbols per cell: 10 is not among them.</details>
# 4. The comparison loop model trained on arrays of 6 and 7 values fails on arrays of 2. How can a
#    *shorter* array be harder? <details><summary>Answer</summary>A loop's frame on a shorter array is
#    shorter: the exit observation comes at an earlier step, with an LSTM state the network never left the
#    loop from. Training never showed an early exit; whether the network takes it depends on the seed.
#    </details>
# 5. With `MY_DROPPED` = every (9, b), the arrays that never make `COMPSWAP` compare a 9 with a smaller
#    digit came out sorted. What would it take to be sure of that at every length, and why is that a finite
#    check? <details><summary>Answer</summary>The network must be right on every frame such a sort can
#    contain, teacher-forced from h = 0 (lesson 05). The recursive frames have at most three steps and see
#    one or two cells each, so there are finitely many of them, whatever the length; a longer array is just
#    more of the same frames. The test arrays only sample them: the deep dive shows a frame the paper's set
#    never shows.</details>
#
# ## Summary
#
# - Bubble sort's three nested loops (passes, steps along a pass, the walk back) become three tail
#   recursions: `BUBBLESORT`, `BSTEP` and `LSHIFT` each do one iteration and call themselves; every frame
#   then has at most 3 steps at any length. In the loop formulation the `BUBBLESORT` frame has 2N − 1 steps;
#   in the partial one the longest frame has N + 2.
# - Trained on the 100 arrays of two digits, the fully recursive model sorts every array tried; the
#   partial and loop models break at length 3, because their remaining loops learned to leave after the
#   number of steps training showed them (Table 1's pattern).
# - The comparison-bit encoder shows only order, so `COMPSWAP` sees 3 observations instead of 110 and the
#   model sorts any values that can be compared: letters, words, floats. Its recursive model, trained on 3
#   arrays, sorts everything tried.
# - Its loop model fails on arrays shorter *and* longer than the training ones: the same loop-exit story
#   from the other side, and a lottery over seeds, as the paper's 100% and our 0% at lengths 2-4 show.
# - A comparison the training set never shows is outside what any model can be expected to know: leave
#   pairs out, and the arrays that fail are those whose sort meets them.
#
# ## Further reading
#
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: §4.2 (bubble sort, Table 1, partial against full recursion) and appendix A.6
#   (the comparison-bit encoder, Table 4, and the verification set of one array of length 10).
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016: §4.3, bubble sort learned
#   from 64 traces per length up to 20, correct up to about length 60.
# - Richard Shin, Dawn Song. *Learning what to learn in a neural program* (2018): a minimal training set of
#   137 bubble-sort traces built from the reference program's behaviour on every observation.
# - Thomas Pierrot et al. *Learning Compositional Neural Programs with Recursive Tree Search and Planning*
#   (AlphaNPI). NeurIPS 2019: a bubble-sort environment with the same pointer convention, learned without
#   traces.

# %% [markdown]
# ## Deep dive (optional): a frame the paper's set never shows
#
# Exercise 5 splits failures by the pairs `COMPSWAP` meets. Some training sets also break arrays that never
# meet a missing pair. Leave out both orders of one pair, [7, 3] and [3, 7], and train with seed 0:

# %%
both_orders = {(7, 3), (3, 7)}
holed = train(task, "recursive", problems=[p for p in paper_set if p not in both_orders], seed=0)
print(dropped_pairs_report(task, holed.model, both_orders, test_arrays))

# %% [markdown]
# The first difference is in a `BUBBLESORT` frame. The recursive `BUBBLESORT` frame has three steps:
# `BUBBLE`, `RESET`, then the tail call `BUBBLESORT ⏎`. What does its third step see in training, and in
# the first frame of an array of three values?

# %%
def third_steps(problems):
    traces = [task.reference(p, "recursive", record_states=False) for p in problems]
    return {f.steps[2].obs for t in traces for f in frames(t) if f.program == "BUBBLESORT" and len(f.steps) == 3}


print("in the paper's training set:", third_steps(paper_set), "· in (3, 1, 2):", third_steps([(3, 1, 2)]))

# %% [markdown]
# An array of two values needs one pass, so after its first `RESET` the pass counter always says
# i3 == length: the training set never shows a `BUBBLESORT` frame whose third step sees a sort that is not
# finished. Every longer array needs that frame. The decision is the same either way (call `BUBBLESORT`
# with ⏎), and the network can carry it over, as the shipped model did; without [7, 3] and [3, 7] this
# seed did not. In lesson 05's terms, this is a frame of V that the paper's set lacks, and counting
# (program, observation) pairs does not find it: `(BUBBLESORT, (10, 10, 0))` *is* in training, as the first
# step of every frame. Checking a recursive model on every frame of V, as lesson 05 did, catches it.
