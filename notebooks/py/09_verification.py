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
# # Lesson 09 — Provable generalization
#
# Lessons 05 to 08 ran the recursive models on long inputs and found them right, and checked them on
# every frame of a set V that training or a few inputs produce. This lesson turns that check into a
# **proof**, as Cai, Shin & Song (2017) propose: a theorem that says what a finite check implies for inputs
# of every size, a set V built so that nothing any input can produce is missing from it, and a check of
# the network on every element of V. You will build part of addition's V by hand, then all of it by a
# fixed point, compare its size with the paper's, verify each shipped model, break one and read the
# report, repair a failing one by adding the inputs the report names, watch a loop model pass every check
# at small sizes and fail at larger ones, and list what the proof does not cover.
#
# **Where you are:** previous: [08 quicksort](08_quicksort.ipynb) · next: the end of the course; the
# [course index](00_course_index.ipynb) lists every lesson. Lesson 05 (section 2) introduced V and the reset
# it rests on.
#
# **Learning goals.** After this lesson you can
# 1. state the theorem behind the verification, prove it by induction over calls from the deepest up, and
#    say what it assumes;
# 2. enumerate step-input sequences of addition by hand, and explain how `verify.build` finds them all;
# 3. compare the sizes of V and of its covering inputs S_V with the paper's, for each task;
# 4. verify a trained model, read its report, and turn a failure into a concrete input at any size;
# 5. run counterexample-guided training and say what each round adds;
# 6. explain why no finite check proves a loop model, and show one that is right on every input up to a
#    size and wrong beyond it.

# %% [markdown]
# ## Setup
#
# Everything here runs on the **shipped** checkpoints, trained by the course's recipe (seed 0; `python -m
# npi_lib reproduce TASK` retrains them), except in section 6 and Exercise 4, which train toposort models
# here (seconds each). Building addition's V and its covering inputs takes about half a minute; it is done
# once and kept for the rest of the notebook.

# %%
# %matplotlib inline
import copy
import itertools
import math
import random
from collections import Counter
from dataclasses import replace

import matplotlib.pyplot as plt
import torch

from npi_lib import addition, quicksort, toposort, verify
from npi_lib.batch import run_batch
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.errors import ProblemError
from npi_lib.evaluation import evaluate
from npi_lib.exercises import call_height_reference, check_counterexample, check_function, check_run
from npi_lib.exercises import off_by_hint, sequences_starting_reference
from npi_lib.interpreter import run
from npi_lib.task import get_task
from npi_lib.trace import first_difference

torch.set_num_threads(1)  # one small step at a time: a second thread only adds waiting
B = addition.BLANK
TASKS = [name for name in ("addition", "bubblesort", "bubblesort-compare", "toposort", "quicksort")
         if get_task(name).verification]
print("tasks with a verification model:", TASKS)

# %% [markdown]
# ## 1. What is proved, and how
#
# Recall lesson 05 (section 2): the NPI resets its controller state at every call, so what a call decides
# at its step t depends on three things only: its program, its arguments, and the observations o_1 .. o_t
# it made since it started. Call that the call's **step-input sequence**, and let **V** be the set of
# step-input sequences that the reference program's calls can meet, on any input of any size.
#
# > **Theorem.** If, for every sequence (P, a, o_1 .. o_T) in V, the network started fresh on program P
# > with arguments a and fed o_1 .. o_t decides at every step t what the reference decides there (return
# > flag, next program, next arguments), then on every input the network's run *is* the reference run:
# > the same trace, the same answer.
#
# The proof goes by induction over the calls of the reference run, **from the deepest up**. Give each call
# a **height**: 0 for a call that makes no calls (only primitives), and h + 1 for a call whose highest
# callee has height h. The claim for height h: a call of height h, started in the environment where the
# reference starts it, is run by the network exactly as by the reference, and leaves the same environment.
#
# - Take a call of height h, and assume the claim for every smaller height (for h = 0 there is nothing to
#   assume). Its first observation is the reference's: same environment.
# - At each step the network, fed the reference's observations so far, decides as the reference does:
#   those observations begin a sequence of V, and V was checked.
# - A primitive then changes the environment as in the reference. A call starts a callee of smaller
#   height, with the reference's arguments, in the reference's environment; by the assumption it returns
#   leaving the reference's environment. Either way the next observation is the reference's too.
# - Step after step, until the call returns where the reference does.
#
# The entry call has the greatest height, so the whole run is the reference run. Nothing in the argument
# depends on how long the input is: a call of a 5,000-digit sum meets a sequence of V like any other.
#
# ### Exercise 1 — the heights of the calls (2 points)
#
# Write `height(call)`: the height of a call step of a trace (`step.is_call` tells a call from a
# primitive; a call's steps are `step.children`). The check compares with the heights of every call in
# four traces.

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def height(call):
    ### BEGIN SOLUTION
    return max((1 + height(c) for c in call.children if c.is_call), default=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
traces = {
    "addition 96 + 125": addition.reference((96, 125), "recursive"),
    "quicksort [3, 1, 2]": quicksort.reference([3, 1, 2], "recursive"),
    "toposort 1→2, 1→3": toposort.reference(toposort.Graph(3, ((1, 2), (1, 3))), "recursive"),
    "addition 96 + 125 (loop)": addition.reference((96, 125), "non-recursive"),
}
calls = [(s,) for t in traces.values() for _, s in t.walk() if s.is_call]
height_mistakes = [
    (lambda call: sum(1 for c in call.children if c.is_call), "that counts the calls a call makes; the height "
                                                              "is how deep the calls under it nest."),
    (lambda call: call_height_reference(call) + 1, "a call that makes only primitives has height 0."),
]
ex1 = check_function("Exercise 1", height, call_height_reference, calls, hint=off_by_hint(height_mistakes))
### BEGIN HIDDEN TESTS
from npi_lib import bubblesort

more_traces = [bubblesort.reference((3, 1, 2), "recursive"), bubblesort.reference((3, 1, 2), "non-recursive"),
               quicksort.reference((2, 5, 1, 4, 3), "recursive"), quicksort.reference((2, 5, 1, 4, 3), "non-recursive"),
               toposort.reference(toposort.STARVED, "recursive"), addition.reference((9999, 1), "recursive")]
more_calls = [(s,) for t in more_traces for _, s in t.walk() if s.is_call]
ex1 += check_function("Exercise 1 (more cases)", height, call_height_reference, more_calls,
                      hint=off_by_hint(height_mistakes))
### END HIDDEN TESTS
ex1.points(2)

# %% [markdown]
# The order of the induction on 96 + 125: each call with its height, the deepest calls (height 0) first
# proved, the entry `ADD` last.

# %%
for depth, step in traces["addition 96 + 125"].walk():
    if step.is_call:
        print(f"{'  ' * depth}{step.name:<8} height {ex1.use(step)}")

# %% [markdown]
# Every `CARRY`, every `LSHIFT` and the innermost `ADD` (the base case, `NOP ⏎`) have height 0; an `ADD1`
# that carries has height 1; each `ADD` is one higher than the `ADD` it calls. The proof needs V to be
# right about two things, and the next two sections build it so that it is:
#
# - **complete**: V holds every sequence any input can produce; a call meeting a sequence outside V
#   would break the induction.
# - **possible**: V holds nothing that cannot happen, else a model could be rejected for a sequence no
#   input produces. Each sequence gets a concrete input whose reference run meets it: these inputs are
#   **S_V**, the verification set.

# %% [markdown]
# ## 2. V for addition, by hand
#
# The recursive addition's frames (lesson 05, section 1): `ADD1` and `CARRY` see the column under the
# pointers; `LSHIFT` moves the four pointers left one at a time, so it sees the column, then the new
# column's cells appearing one by one; `ADD` does `ADD1`, `LSHIFT`, then calls itself. An observation is
# (in1, in2, carry, out), the four cells under the pointers, with BLANK = 10. The sequences of V whose
# program is `LSHIFT`, as the library's enumeration finds them (below), for the column 2 + 3 after `ADD1`
# wrote its 5:

# %%
V_add, cover_add = verify.verification_set("addition")  # built once per process: about 20 seconds
column = (2, 3, B, 5)
shown = sorted(s for s in V_add if s.program == "LSHIFT" and s.observations[0] == column)
print(len(shown), "LSHIFT sequences start at", column, "; the first two and the last:")
for s in shown[:2] + shown[-1:]:
    print("  ", " → ".join(map(str, s.observations)))

# %% [markdown]
# Each is one possible column to the left: its in1 cell appears at the second step, in2 at the third,
# the carry at the fourth (the output pointer moves last, and its new cell is never seen by `LSHIFT`).
# What can the left column hold? Lesson 05 (section 2) worked it out for the addends: a digit, or BLANK
# where the number has ended; after BLANK only BLANK; and a number ends on a 0 only if it is the number 0,
# so only in a first column without a carry coming in. Its rule, again:

# %%
def left_of(cell, column):
    """What a row can hold one column to the left of `cell`, the row's cell in `column` (lesson 05)."""
    if cell == B:
        return [B]  # a number that has ended stays ended
    can_end = cell != 0 or (column[2] == B and B not in column[:2])  # only the number 0 ends on a 0
    return [*range(10), B] if can_end else [*range(10)]


# %% [markdown]
# ### Exercise 2 — the LSHIFT sequences of a column (3 points)
#
# Write `lshift_sequences(column)`: every `LSHIFT` step-input sequence that starts at `column`, the
# observation (in1, in2, carry, out) after `ADD1` has written the column's output digit. Return a set of
# 4-tuples of observations. The left column's addend cells follow `left_of`; its carry cell holds 1 if
# this column carried (`CARRY` wrote it there), BLANK otherwise. The check compares with the sequences
# `verify.build` found, for six columns.

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lshift_sequences(column):
    ### BEGIN SOLUTION
    x, y, carry, out = column
    carried = sum(0 if c == B else c for c in (x, y, carry)) >= 10
    return {(column, (lx, y, carry, out), (lx, ly, carry, out), (lx, ly, 1 if carried else B, out))
            for lx in left_of(x, column) for ly in left_of(y, column)}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def lshift_hint(args, got, expected):
    if not isinstance(got, set):
        return "Return a set of tuples of 4 observations."
    missing, extra = expected - got, got - expected
    if missing and not extra:
        return f"{len(missing)} missing, e.g. {min(missing)}."
    more = f", and {len(missing)} missing." if missing else "."
    return f"{len(extra)} that V does not have, e.g. {min(extra)}" + more


columns = [(2, 3, B, 5), (8, 2, B, 0), (0, 0, B, 0), (0, 0, 1, 1), (B, 9, 1, 0), (B, B, 1, 1)]
ex2 = check_function("Exercise 2", lshift_sequences, lambda c: sequences_starting_reference(V_add, "LSHIFT", c),
                     [(c,) for c in columns], hint=lshift_hint)
### BEGIN HIDDEN TESTS
more_columns = [(9, 9, 1, 9), (5, 5, B, 0), (0, 5, B, 5), (0, B, B, 0), (0, B, 1, 1), (B, 0, 1, 1), (7, B, 1, 8),
                (9, B, 1, 0), (1, B, B, 1), (9, 0, 1, 0), (B, 9, B, 9), (4, 5, 1, 0)]
ex2 += check_function("Exercise 2 (more cases)", lshift_sequences,
                      lambda c: sequences_starting_reference(V_add, "LSHIFT", c), [(c,) for c in more_columns],
                      hint=lshift_hint)
### END HIDDEN TESTS
ex2.points(3)

# %%
for c in columns:
    print(f"column {str(c):<16} {len(ex2.use(c)):>3} LSHIFT sequences")

# %% [markdown]
# 121 sequences after a column of two digits (11 × 11 left columns), 100 after 0 + 0 with a carry coming in
# (a 0 that is not the number 0, so neither row can end there), 1 after the final carry (B, B, 1). An
# `ADD` sequence spans the same two columns in three steps: the column before `ADD1`, after it, and the
# left column where it calls the next `ADD`. So there is one `ADD` sequence per `LSHIFT` sequence, plus the
# base case that sees a blank column and returns:

# %%
by_program = V_add.by_program()
print(by_program)
print("ADD − LSHIFT =", by_program["ADD"] - by_program["LSHIFT"])
base = [s for s in V_add if s.program == "ADD" and len(s.observations) == 1]
print("the base case:", base)

# %% [markdown]
# These are the counts lesson 05 made by hand (24,418 column pairs, 241 `ADD1` entries, 102 `CARRY`
# frames): 49,180 sequences, for sums of every length.
#
# ## 3. V by a fixed point
#
# By hand we used facts about the pad (numbers end in BLANK, no leading zero, the carry goes left).
# `verify.build` uses the same facts, written once per task as a **frame model**
# (`npi_lib.task.FrameModel`): a finite description of the environment *as one call sees it*. For
# addition (`addition.PadView`) a state is the column under the pointers, the column to its left (each
# cell known or not yet seen), where each pointer is, and whether the column is the rightmost. The model
# says what each state is observed as and, for each primitive, every state it can lead to:

# %%
pad = get_task("addition").verification.model
start = next(s for s in pad.entries() if s.current[:2] == (2, 3))
print(len(pad.entries()), "entry states; one of them:", start, "observed as", pad.observe(start))
written = pad.apply(start, "WRITE", (addition.OUT, 5, 0))[0]
moved = pad.apply(written, "PTR", (addition.IN1, addition.LEFT, 0))
print("after WRITE(OUT, 5), PTR(IN1, LEFT) can lead to", len(moved), "states, observed as:")
print(sorted(pad.observe(s) for s in moved))

# %% [markdown]
# The pointer moved onto a cell nobody has seen: the model lists every value it can hold there (here any
# digit or BLANK), and `build` follows each. It runs the **reference program's own code** on these states,
# one call at a time: every (program, arguments, starting state) a call can start in is explored along
# every branch, recording its step-input sequence and the state it ends in. A call step continues from
# every final state the callee is known to reach, and when a callee's final states grow, its callers are
# explored again, until nothing grows: a **fixed point**. A recursive call runs a bounded number of steps
# over finitely many states, so the fixed point is reached.
#
# S_V comes from concrete inputs: `inputs_covering` runs the real reference on the task's candidate inputs,
# small ones first, keeps each one that meets a sequence no kept input meets, and fails loudly if a
# candidate meets a sequence outside V. For every task with a model, the sizes beside the paper's:

# %%
sets = {name: verify.verification_set(name) for name in TASKS}
print(f"{'task':<19}{'V':>8}{'S_V':>8}  covers all  the paper's verification set")
for name, (v, cover) in sets.items():
    paper = get_task(name).verification.paper
    print(f"{name:<19}{len(v):>8,}{len(cover.problems):>8,}  {not cover.uncovered!s:<10}  {paper}")

# %%
# NBVAL_IGNORE_OUTPUT
for name, (v, cover) in sets.items():
    print(f"{name:<19} V built in {v.seconds:.1f} s ({v.states:,} call states explored); S_V picked in "
          f"{cover.seconds:.1f} s from {cover.candidates:,} candidates")

# %%
fig, axes = plt.subplots(1, len(sets), figsize=(2.9 * len(sets), 2.8))
for ax, (name, (v, _)) in zip(axes, sets.items()):
    counts = v.by_program()
    ax.bar(list(counts), list(counts.values()), color="#0072B2")
    if len(v) > 1000:
        ax.set_yscale("log")  # addition's ADD and LSHIFT dwarf the rest
    ax.set_title(f"{name}: |V| = {len(v):,}", fontsize=10)
    ax.tick_params(axis="x", labelrotation=60, labelsize=7)
axes[0].set_ylabel("sequences of V")
plt.tight_layout()
plt.show()

# %% [markdown]
# Addition's V is dominated by the column pairs of `ADD` and `LSHIFT`, and the digit bubble sort's by
# `BSTEP` and `LSHIFT`, which see pairs and triples of neighbouring digits. Where the encoder sees only
# comparison bits or colours (bubble sort's comparison-bit encoder, topological sort, quicksort), V has a
# few dozen sequences. Our S_V is not the paper's: for addition a few thousand problems more (ours are
# picked greedily from a fixed list of candidates, and not minimized); for the comparison-bit bubble sort
# one array of 6 values where the paper used one of 10; for topological sort fewer graphs (25 of at most 5
# vertices instead of 73); for quicksort the same array. The paper verified bubble sort with the
# comparison-bit encoder only. Any S_V that meets all of V will do.
#
# Is V complete? The frame model's authors argue it case by case, and `cross_check` tests it: the real
# reference program, on random inputs of many sizes, must meet no sequence outside V.

# %%
for name, (v, _) in sets.items():
    c = verify.cross_check(v, sizes=(2, 5, 10, 30, 100), per_size=10)
    print(f"{name:<19} {c.problems} random inputs of sizes {c.sizes}: met {c.met:,} sequences, "
          f"{len(c.outside)} outside V")

# %% [markdown]
# ## 4. Verifying the shipped models
#
# `verify.verify(model, task)` does it all: V and S_V (kept from above), a cross-check, and the network run
# on every sequence of V from a fresh state, exactly as neural execution runs it (the same step function
# and settings, so the same floating-point numbers). The programs are listed in the order of the proof,
# callees before callers. The **margin** of a decision is how far it won: for the return flag, the
# distance of its logit from 0 on the right side; for the program and each argument, the right choice's
# logit minus the best other one. A positive smallest margin means every decision of V was won.

# %%
shipped = {name: shipped_checkpoint(name, "recursive", "paper") for name in TASKS}
reports = {name: verify.verify(c.model, name, label=c.describe()) for name, c in shipped.items()}
print(reports["addition"].format())

# %%
for name, report in reports.items():
    r = report.result
    print(f"{name:<19} {r.passed:>6,} of {r.sequences:>6,} sequences right · smallest margin {r.min_margin:+.3f} · "
          f"{'VERIFIED' if report.verified else 'NOT VERIFIED'}")

# %%
# NBVAL_IGNORE_OUTPUT
for name, report in reports.items():
    print(f"{name:<19}", ", ".join(f"{k} {s:.1f} s" for k, s in report.seconds.items()))

# %% [markdown]
# Each model is **proved** right on every input of its task, of every size: the addition model on every
# pair of numbers, the bubble sort models on every array (of digits; of any values of one kind, for the
# comparison-bit encoder), the toposort model on every DAG, the quicksort model on every array of digits. That is
# more than lesson 05's check (section 5) of the model trained on five one-digit sums, which covered only
# the 60 frames of sums built from their columns. On all of addition's V that model fails:

# %%
starved_add = shipped_checkpoint("addition", "recursive", "starved")
report = verify.verify(starved_add.model, "addition", label=starved_add.describe(), cross_sizes=None)
print(report.format(max_failures=2))

# %% [markdown]
# 1,221 failures, nearly all in columns the five sums never showed (`CARRY` after 1 + 9, ...): outside
# what five sums can teach (lesson 05, "A column never seen"). The report names, for each failure, the
# step, what the network saw, what the reference does and what the network did, and an input of S_V that
# meets it.

# %% [markdown]
# ## 5. Breaking a model, and reading the report
#
# The quicksort model's smallest margin, +0.235, is at one decision of V. Where, and of what kind?

# %%
qs = reports["quicksort"].result
seq, t = qs.closest
print(f"{seq.program}, step {t + 1}, seeing {seq.observations[t]}: the reference does "
      f"{quicksort.describe(*seq.decisions[t][1:])}, return flag {seq.decisions[t][0]}")

# %% [markdown]
# A step without the return flag, won by 0.235: the network's return logit there is −0.235. Raise the
# bias of `f_end` (the decoder of the return flag, lesson 03) by a bit more than that, on a copy: every
# return logit of every step rises by the same amount, and the first decision to flip is that one.

# %%
broken = copy.deepcopy(shipped["quicksort"].model)
with torch.no_grad():
    broken.f_end.bias += qs.min_margin + 0.01
v_qs, cover_qs = sets["quicksort"]
result = verify.check(broken, v_qs, cover_qs.witness)
print(len(result.failures), "failure(s):")
print(result.failures[0].describe(quicksort.TASK))

# %% [markdown]
# One failure: the closest decision, now returning too early. The input that meets it is S_V's one array,
# and indeed the broken network sorts it wrong; a random array of 30 too, since nearly every partition
# meets that step:

# %%
for array in (quicksort.VERIFICATION_ARRAY, quicksort.TASK.random_problem(30, random.Random(0))):
    r = run(broken, quicksort.TASK, array, "recursive")
    print(f"length {len(array)}: correct {r.correct}, first difference from the reference at step "
          f"{first_difference(r.trace, r.reference)}")

# %% [markdown]
# A failure can also hide behind right answers. The toposort model trained on the starved graph and the
# covering graph of lesson 07 (section 5) gets every random graph right, even large ones:

# %%
covering = shipped_checkpoint("toposort", "recursive", "starved-covering")
for r in evaluate(covering.model, toposort.TASK, "recursive", sizes=[5, 10, 20, 50], per_size=20):
    print(f"{r['size']:>3} vertices: {r['correct']} of {r['n']} right")

# %% [markdown]
# Verification does not pass it:

# %%
report = verify.verify(covering.model, "toposort", label=covering.describe(), cross_sizes=None)
print(report.format())

# %% [markdown]
# In two `CHECK_CHILD` sequences it drops the return flag on a tail call: its call `CHECK_CHILD` is not
# marked ⏎. When that callee returns, the frame takes another step the reference never takes, which
# happens to return at once: the answer is right, the trace is not, and nothing vouches for that extra
# step. The proof needs every decision right, not every answer.
#
# ### Exercise 3 — a counterexample of any size (2 points)
#
# One failed sequence of V means failures at every size: any input whose reference run meets it. Write
# `my_counterexample()`: a graph of **at least 10 vertices** (`toposort.Graph(n, edges)`, edges as
# (u, v) pairs, u → v) whose run by the starved-covering model leaves the reference's. Start from an input
# the report names. The check makes sure your graph meets a failed sequence and runs the network on it.

# %%
failed = report.result.failures


# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_counterexample():
    ### BEGIN SOLUTION
    return toposort.Graph(10, failed[0].witness.edges)  # the witness, with 7 vertices more and no new edge
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ex3 = check_counterexample("Exercise 3", my_counterexample, covering.model, toposort.TASK, "recursive", failed,
                           size=lambda graph: graph.n, at_least=10)
ex3.points(2)

# %% [markdown]
# ## 6. Counterexample-guided training
#
# A failed sequence comes with an input of S_V that meets it: a training example that shows the network
# exactly the step it gets wrong. That suggests a loop, this course's own addition (Cai, Shin & Song do not
# describe a model failing verification): train; verify; add the inputs that meet the failures to the
# training set; train the same model further; until it is verified. `verify.guided_training` does it. On
# the one starved graph of lesson 07, whose model fails 9 sequences:

# %%
guided = verify.guided_training("toposort", "recursive", "starved", seed=0, log=print)
print("verified:", guided.verified, "· final training set:", len(guided.problems), "graphs, of at most",
      max(g.n for g in guided.problems), "vertices")

# %% [markdown]
# Round 0 is the plain recipe: 9 of 53 sequences wrong. The graphs of S_V that meet them are added (8 of
# them: one graph meets two of the failures), the same model trains a few epochs more, and it is
# verified: on 9 graphs of at most 5 vertices, where the paper's recipe uses 6 of up to 7. A later round
# is short because it continues from the model it has.
# Nothing is guessed: the check decides what to add, and when to stop. It does not always stop
# verified: after `max_rounds` rounds it gives up, and `Guided.verified` says so.
#
# ### Exercise 4 — your own guided run
#
# Choose a training set (`"starved"`, or `"N"` for N random graphs of 5 to 7 vertices, such as `"2"`) and
# a seed, and **predict** before you run: will the plain recipe (round 0) be verified? How many rounds
# will the guided loop need? The cell trains (seconds per round); the check makes sure your settings were
# used and says what the rounds show. Try two or three.

# %%
MY_TRAIN_SET, MY_SEED = "starved", 1  # change me
mine = verify.guided_training("toposort", "recursive", MY_TRAIN_SET, seed=MY_SEED, log=print)
ran = {"training set": MY_TRAIN_SET, "seed": MY_SEED}  # what this run was given


# %%
def what_my_run_shows():
    first, last = mine.rounds[0], mine.rounds[-1]
    told = (f"Round 0 (the plain recipe, {first.problems} graphs): {first.failures} of 53 sequences wrong. ")
    if mine.plain_verified:
        return told + ("Verified without help: these graphs (and this seed) taught every sequence of V. Try "
                       "fewer graphs, or the starved one.")
    added = last.problems - first.problems
    if mine.verified:
        return told + (f"After {len(mine.rounds) - 1} round(s) and {added} graph(s) of S_V added, verified: "
                       "every added graph met a failing sequence, and the final model is proved right on "
                       "every graph of every size.")
    return told + (f"Still {last.failures} wrong after {len(mine.rounds) - 1} rounds and {added} graphs added: "
                   "not verified, so no guarantee. More rounds, or another seed, may get there.")


ex4 = check_run("Exercise 4", {"training set": MY_TRAIN_SET, "seed": MY_SEED}, ran, what_my_run_shows)

# %% [markdown]
# ## 7. Why a loop cannot be proven
#
# In the loop formulation one frame runs for as long as the input is long, and its step-input sequences
# grow with it. `build` notices: a frame of the model that does not return within 500 steps means a V
# without end.

# %%
for name in ("addition", "quicksort"):
    try:
        verify.build(name, "non-recursive")
    except verify.InfiniteV as e:
        print(f"{name}: InfiniteV: {e}\n")

# %% [markdown]
# So no finite set of checks covers a loop model. Can we not check it on *every* input up to some size?
# For quicksort that is possible: the observations are comparison bits, so an array's run depends only on
# the order pattern of its values (which are smaller, equal, larger), and the arrays 0 .. k−1 in every
# arrangement with ties give every pattern. All of them up to length 5, through the shipped loop model
# (trained on 4 arrays of length 5, lesson 08), and the distinct step-input sequences they meet in each
# formulation:

# %%
def patterns(n):
    """One array per order pattern of length n: the values 0 .. k-1, each used at least once."""
    return [a for a in itertools.product(range(n), repeat=n) if set(a) == set(range(max(a) + 1))]


loop_qs = shipped_checkpoint("quicksort", "non-recursive", "paper").model
met = {"recursive": set(), "non-recursive": set()}
growth = {f: [] for f in met}
for n in range(1, 6):
    arrays = patterns(n)
    right = sum(r.correct for r in run_batch(loop_qs, quicksort.TASK, arrays, "non-recursive", record_trace=False))
    for f, seen in met.items():
        for a in arrays:
            seen |= verify.reference_sequences(quicksort.TASK, a, f)
        growth[f].append(len(seen))
    print(f"length {n}: {len(arrays):>3} patterns, the loop model sorts {right} · sequences met so far: "
          f"recursive {growth['recursive'][-1]}, loop {growth['non-recursive'][-1]}")

# %% [markdown]
# The loop model sorts **every** array of up to 5 digits: an exhaustive check, a proof for those lengths.
# (Running the cell to length 7, four minutes, finds every one of the 47,293 patterns of length 7 sorted
# too.) And longer arrays:

# %%
for r in evaluate(loop_qs, quicksort.TASK, "non-recursive", sizes=[11, 20, 30], per_size=20):
    print(f"length {r['size']}: {r['correct']} of {r['n']} random arrays sorted")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for (f, counts), color in zip(growth.items(), ["#0072B2", "#D55E00"]):
    ax.plot(range(1, len(counts) + 1), counts, "o-", color=color, label=f)
ax.set(xlabel="every array up to this length", ylabel="distinct step-input sequences met", xticks=range(1, 6))
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# The recursive count stops at 25, the whole of V, by length 5: checking those proves every length. The
# loop's keeps growing, roughly doubling with each length: every length brings frames no shorter array
# has, so a check up to length n says nothing about length n + 1. Here the model is right up to length 7
# and wrong on most arrays of 20. That is the difference between a **check** (true of what was checked)
# and a **proof** (true of everything): recursion is what makes the second possible.

# %% [markdown]
# ## 8. What the proof does not cover
#
# A proof is as good as its assumptions. These are the theorem's, and where each could fail:
#
# - **The frame model must be sound.** V is what the frame model says can happen. A model that forgets a
#   possibility gives a V that misses sequences, and a "verified" network may meet one it was never
#   checked on. `cross_check` tests soundness on random inputs; it can find a gap, not prove there is none.
#   The argument for each model is in the task's module (`toposort.py`'s comment on `DfsView`), and the
#   task's tests replay real traces through the model step by step.
# - **V must hold only what can happen**: S_V witnesses every sequence with a concrete input
#   (`Cover.uncovered` must be empty).
# - **The environment's primitives are assumed correct**, and so is the reference program: the proof says
#   the network does what the reference does, not that the reference sorts. (The course's tests check
#   each reference against an independent oracle.)
# - **The observations are exact.** The encoder sees digits, colours, comparison bits: finitely many
#   values, read without error. For perceptual inputs (an image of a digit) the set of observations is
#   infinite and noisy, and no finite V exists.
# - **The observations are the task designer's choice.** They must hold everything the reference decides
#   from; `build` checks that the reference's decision is a function of what the network sees, and raises
#   an error otherwise.
# - **The same arithmetic.** The check runs the network exactly as neural execution does; another machine
#   or library could round differently, and a decision with a margin near 0 could flip. A large smallest
#   margin is a safety distance (the deep dive below measures it).
#
# The first assumption is the easiest to get wrong. A frame model for topological sort written by someone
# who thinks of a DAG as a tree: a child seen for the first time is white (not visited yet) or absent, never
# black. A wrapper around the real model's `apply` drops every black newcomer:

# %%
real = toposort.TASK.verification


def tree_thinking(state, name, args):
    """The real model's outcomes, without a black vertex coming into view as the next child."""
    black = toposort.BLACK
    return [s for s in real.model.apply(state, name, args) if s.child != black or state.child == black]


careless = replace(toposort.TASK, verification=replace(real, model=replace(real.model, apply=tree_thinking)))
v_careless = verify.build(careless)
print(f"V of the careless model: {len(v_careless)} sequences (the real one: {len(sets['toposort'][0])})")
c = verify.cross_check(v_careless, sizes=(3, 5, 8), per_size=10)
print(f"cross-check: {len(c.outside)} sequences outside it, the first met by {c.outside[0][0]}")
try:
    verify.inputs_covering(v_careless)
except ProblemError as e:
    print("inputs_covering:", str(e).split(": ")[0])  # the message goes on to name the sequence

# %% [markdown]
# The smallest graphs already show what it forgot: with the single edge 3 → 2, vertex 2 is finished
# (black) by its own search before the search from 3 reaches it. Both checks catch this model;
# a subtler slip might need more random inputs than the cross-check draws, which is why each frame model
# comes with an argument, not only with tests.
#
# The same verification runs from the command line, for any checkpoint (exit code 0 verified, 1 a failure
# found, 2 bad input): `python -m npi_lib verify toposort --train-set starved-covering`, or with
# `--checkpoint FILE`, `--end-to-end` (also run every input of S_V whole and compare the traces) and
# `--json`.

# %% [markdown]
# ## 9. Deep dive (optional): margins as a safety distance
#
# For the curious; nothing else depends on it. The smallest margin says how far the closest decision is
# from flipping. Every sequence's own smallest margin, for the two small tasks' verified models and for
# the starved-covering toposort model (one `check` per sequence):

# %%
def sequence_margins(model, name):
    v, cover = sets[name]
    return [verify.check(model, verify.V(v.task, v.formulation, [s], 0, 0.0)).min_margin for s in v]


margins = {"quicksort": sequence_margins(shipped["quicksort"].model, "quicksort"),
           "toposort": sequence_margins(shipped["toposort"].model, "toposort"),
           "toposort, starved-covering": sequence_margins(covering.model, "toposort")}
fig, ax = plt.subplots(figsize=(8, 2.6))
for i, (name, ms) in enumerate(margins.items()):
    ax.plot(ms, [i] * len(ms), "|", ms=18, mew=1.5)
    print(f"{name:<28} {len(ms)} sequences, smallest margins from {min(ms):+.2f} to {max(ms):+.2f}")
ax.axvline(0, color="0.3", lw=1)
ax.set(yticks=range(len(margins)), yticklabels=list(margins), xlabel="a sequence's smallest margin", ylim=(-0.6, 2.6))
plt.tight_layout()
plt.show()

# %% [markdown]
# Now push every return logit by the same amount δ (the bias of `f_end`), up (toward returning) or down,
# and count the sequences that fail. Until δ passes the smallest margin of a return decision, nothing
# fails; then failures come in, the sequences closest to the edge first:

# %%
nudges = [x / 4 for x in range(-16, 17)]
curves = {}
for name in ("quicksort", "toposort"):
    v, cover = sets[name]
    curves[name] = []
    for delta in nudges:
        net = copy.deepcopy(shipped[name].model)
        with torch.no_grad():
            net.f_end.bias += delta
        curves[name].append(len(verify.check(net, v, cover.witness).failures))
    safe = [d for d, n in zip(nudges, curves[name]) if n == 0]
    print(f"{name:<10} no failure for δ from {min(safe):+.2f} to {max(safe):+.2f}; at δ = ±4:",
          curves[name][0], "and", curves[name][-1], "of", len(v))

# %%
fig, ax = plt.subplots(figsize=(6, 3))
for name, counts in curves.items():
    ax.plot(nudges, [n / len(sets[name][0]) for n in counts], "o-", ms=3, label=name)
ax.set(xlabel="δ added to every return logit", ylabel="share of V failing")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Both models sit in a flat valley around δ = 0. Quicksort's is lopsided: its closest return decision
# (+0.235, section 5) lies on the side of returning, so a small push that way already breaks it, while
# toposort's valley is wide on both sides. A change of arithmetic far smaller than the valley cannot flip
# anything; a larger push flips the closest decisions first. The return flag is only
# one part of each decision; nudging a program's row of `M_key` or an argument's bias probes the others
# the same way.

# %% [markdown]
# ## Check your understanding
#
# 1. Why is the induction over calls ordered by height, and not by the order in which calls are made?
#    <details><summary>Answer</summary>A call's steps are right only if the calls it makes leave the
#    reference's environment; so those must be settled first. The calls it makes are all lower than it,
#    whichever order they run in.</details>
# 2. The check ran each sequence of V from a fresh state. Where does the proof use the reset?
#    <details><summary>Answer</summary>In "the network, fed the reference's observations so far, decides as
#    the reference does": the network's state at step t of a call is a function of the program, arguments
#    and o_1 .. o_t only because the call started from h = 0. Without the reset (lesson 05, section 6) it
#    would depend on the callers too, and V would not describe it.</details>
# 3. A model passes the check on V, but the frame model behind V forgot a possibility. What can go wrong?
#    <details><summary>Answer</summary>An input can produce a sequence outside V, on which the network was
#    never checked; there it may decide anything. The proof holds only for a sound frame model; the
#    cross-check looks for such inputs at random.</details>
# 4. The toposort starved-covering model gets every graph tried right. Why is it not verified, and does it
#    matter? <details><summary>Answer</summary>Two `CHECK_CHILD` sequences end with a call without the
#    return flag; the extra step that follows happens to return at once. Nothing checked that step, so
#    nothing guarantees it on other inputs: it is right by luck, and the proof cannot vouch for it.</details>
# 5. The quicksort loop model sorts every array up to length 7. Why is that not a proof for length 8?
#    <details><summary>Answer</summary>Length 8 brings loop frames no shorter array has (the loop's
#    sequences roughly double with each length), and the network was never run on them. A recursive
#    model's sequences stop growing: all 25 are met by length 5.</details>
#
# ## Summary
#
# - Because every call starts from a fresh state, what a call decides depends only on its program,
#   arguments and observations: its step-input sequence. If the network decides as the reference on every
#   sequence of V, it runs as the reference on every input, by induction over calls from the deepest up.
# - The proof needs V complete (every sequence an input can produce) and possible (each met by an input of
#   S_V). `verify.build` finds V by a fixed point of the reference program over a finite frame model of the
#   environment; `inputs_covering` picks S_V; `cross_check` tests the model on random inputs.
# - Addition's V has 49,180 sequences (the column pairs of `ADD` and `LSHIFT`, 241 `ADD1` and 102 `CARRY`
#   ones), bubble sort's 2,592 with the digit encoder and 30 with the comparison bits, topological sort's
#   53, quicksort's 25; S_V has 24,177 sums, 1,716 and 1 arrays, 25 graphs and the paper's one array.
#   The shipped recursive models are verified; the starved ones are not, and the report names each failure
#   with an input that meets it, which is a failure at every size.
# - A model can give right answers and still fail verification: the proof needs every decision.
# - Counterexample-guided training adds the inputs that meet the failures, and trains until the check
#   passes; on the starved toposort graph, one round and 8 added graphs.
# - A loop's V is infinite (`InfiniteV`): a loop model right on every input up to a length can fail beyond
#   it. Only the recursive formulations can be proved.
# - The proof assumes a sound frame model, correct primitives and reference, exact finite observations and
#   the same arithmetic.
#
# ## Further reading
#
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: the section on provably perfect generalization (V, its construction, and the
#   verification sets of each task).
# - Richard Shin, Dawn Song. *Learning what to learn in a neural program* (2018): enumerating the reference
#   program's behaviour over observations, and the smallest training sets that show all of it.
# - Patrick Cousot, Radhia Cousot. *Abstract interpretation* (POPL 1977): computing what a program can do
#   by a fixed point over a finite abstraction of its states, the idea behind `verify.build`.
# - Edmund Clarke et al. *Counterexample-guided abstraction refinement* (CAV 2000): the check-and-repair
#   loop in model checking, a relative of section 6's guided training.
