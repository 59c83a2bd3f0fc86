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
# # Lesson 02 — Programs as execution traces
#
# A Neural Programmer-Interpreter never sees a program's source code. It learns from **execution
# traces**: the record of every call a program made, every primitive action it took, and what it could
# see when it chose them. This lesson turns the Forth words of lesson 01 into such traces: you will read
# and write the trace of grade-school addition, set its loop and its recursive version side by side, and
# find the number that decides whether a network can learn a program for inputs of any size, the length
# of the longest **call frame**. Short looks at three more tasks and at training sets close the lesson.
#
# **Where you are:** previous: [01 stack machines and reverse Polish notation](01_stack_machines.ipynb)
# · next: [03 the NPI architecture](03_npi_architecture.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. read an execution trace as a tree of calls, and tell primitives from calls;
# 2. write the trace of a small addition by hand;
# 3. split a trace into call frames and say what one frame sees and decides;
# 4. explain why a loop leaks the input's length into one frame and recursion does not, and measure it;
# 5. tell a tail call, after which the caller has nothing left to do, from a call the caller returns to;
# 6. say why a training set must *cover* the observations a program can meet, not just be large.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import inspect
import random

import matplotlib.pyplot as plt

from npi_lib import addition, bubblesort, quicksort, toposort
from npi_lib.exercises import check_function, check_trace_text
from npi_lib.plotting import draw_call_tree, plot_frame_lengths
from npi_lib.trace import format_frame, frames, longest_frame, timeline
from npi_lib.widgets import TraceViewer

# %% [markdown]
# ## 1. From Forth words to NPI programs
#
# In [lesson 01](01_stack_machines.ipynb) (section 7) addition was a Forth word `ADD` that called `ADD1`
# (one column, maybe `CARRY`) and `LSHIFT` (move one column left). The NPI's programs keep these names and
# this hierarchy (Reed & de Freitas 2016, §4.1). Three things change:
#
# - **The data live in an environment**, not on a stack: for addition, a *scratch pad* of four rows
#   (input 1, input 2, carry, output), one pointer per row, all starting at the rightmost column.
# - **A program sees only an observation**: the four cells under the pointers.
# - **Every step is a decision** made from that observation: run a *primitive* that acts on the
#   environment (`WRITE`, `PTR`, or `NOP`, which does nothing) or *call* a program (which runs its own
#   steps until it returns), with up to three small integer arguments, and a **return flag** that says
#   "this is my last step".
#
# Empty cells hold BLANK, an 11th value beside the digits 0–9 (shown as `_`, and as 10 in an observation).

# %%
task = addition.TASK
print("programs:  ", [p for p in task.programs if p not in task.primitives])
print("primitives:", [p for p in task.programs if p in task.primitives])
pad = addition.ScratchPad(96, 125)
print("observation:", dict(zip(task.observation_fields, pad.observe())))
task.draw(pad.snapshot(), title="96 + 125 on the scratch pad")
plt.show()

# %% [markdown]
# ## 2. The addition trace, step by step
#
# The library's reference programs are plain Python that read like the paper's pseudocode. A program is a
# function `PROG(t, env)`: `t.act(...)` runs a primitive, `t.call(...)` a sub-program, and both record a
# step of the trace; `ret=True` sets the return flag. Every decision goes through `env.observe()`, exactly
# what the network will see. In the non-recursive formulation of Cai, Shin & Song (2017), `ADD` loops over
# the columns:

# %%
for program in (addition.ADD, addition.ADD1, addition.CARRY_, addition.LSHIFT):
    print(inspect.getsource(program))

# %% [markdown]
# (`CARRY_` has a trailing underscore because `CARRY` names the carry row.) Running `ADD` on 96 + 125
# records its trace, a tree: each call's steps are indented under it, and ⏎ marks the step that carries
# the return flag. Watch `CARRY` write its 1 into the *next* column of the carry row, and the loop end
# with `NOP ⏎` once a column is blank in both inputs and the carry.

# %%
trace = addition.reference((96, 125), "non-recursive")
print(task.format(trace))
print("sum:", addition.run_reference((96, 125), "non-recursive").output(), "· steps:", len(trace))

# %% [markdown]
# Each call step keeps the pad as it was when the call returned. The first `ADD1` writes the 1 of
# 6 + 5 = 11 and carries into the tens; `LSHIFT` moves all four pointers left; the second `ADD1` reads
# that carry: 9 + 2 + 1 = 12.

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 2.2))
for ax, i in zip(axes, [0, 1, 2, 6]):
    step = trace.root.children[i]
    task.draw(step.state, ax=ax, title=f"after step {i + 1} of ADD: {step.name}")
plt.show()

# %% [markdown]
# Walk through the trace yourself: select a step (or use ◀ ▶) to see the pad after it and what its caller
# observed when choosing it. The widget needs a live kernel; the next cell prints the same view as text.

# %%
# NBVAL_IGNORE_OUTPUT
viewer = TraceViewer(trace, task)
viewer

# %%
text_view = TraceViewer(trace, task)  # a second viewer, so the one above stays where you left it
text_view.go(3)  # the first CARRY: a call made by ADD1
print(text_view.describe())

# %% [markdown]
# ### Exercise 1 — a trace by hand (2 points)
#
# Write the non-recursive trace of **7 + 5** as the cells above print it: one step a line, indented two
# spaces a level, the arguments spelled out (as in `WRITE(OUT, 9)` or `PTR(IN2, RIGHT)`). You may leave out
# the ⏎ marks. Work it out on paper first: how many columns does `ADD1` visit?

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def trace_of_7_plus_5():
    ### BEGIN SOLUTION
    return """
ADD
  ADD1
    WRITE(OUT, 2)
    CARRY
      PTR(CARRY, LEFT)
      WRITE(CARRY, 1)
      PTR(CARRY, RIGHT)
  LSHIFT
    PTR(IN1, LEFT)
    PTR(IN2, LEFT)
    PTR(CARRY, LEFT)
    PTR(OUT, LEFT)
  ADD1
    WRITE(OUT, 1)
  LSHIFT
    PTR(IN1, LEFT)
    PTR(IN2, LEFT)
    PTR(CARRY, LEFT)
    PTR(OUT, LEFT)
  NOP
"""
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ex1 = check_trace_text(
    "Exercise 1", trace_of_7_plus_5, addition.reference((7, 5), "non-recursive"), task.describe
)
ex1.points(2)

# %% [markdown]
# ## 3. Choices the papers leave open
#
# The papers leave some details of the pad open; `npi_lib/addition.py` fills them (its docstring lists
# them). **The pad is two columns wider than the longer addend**: one column for a carry out of the top
# digit, and a blank one where the loop finds "nothing left to add" and stops.
# `addition.columns` lists the (in1, in2, carry) cells `ADD1` meets, right to left; for 99 + 1 the third
# is the carry alone:

# %%
print("ADD1 meets:", addition.columns(99, 1), " sum:", addition.run_reference((99, 1)).output())
trace_99 = addition.reference((99, 1))
fig, axes = plt.subplots(1, 2, figsize=(7, 2.2))
task.draw(trace_99.initial_state, ax=axes[0], title="99 + 1: before")
task.draw(trace_99.root.state, ax=axes[1], title="after: a third column for the carry")
plt.show()

# %% [markdown]
# **A missing carry is BLANK, not 0.** Only `CARRY` writes the carry row, so a column without a carry
# costs no step, and "nothing left to add" is one test: in1, in2 and carry all BLANK.
#
# **"Nothing to do" is `NOP` with the return flag.** A program returns by setting the flag *on* a step,
# so a call with nothing to do still needs a step to carry it (as in Shin & Song 2018). The loop of the
# non-recursive `ADD` ends the same way, so the recursive formulation (section 4) runs the same primitives.
#
# **Arguments are small integers**, three per step (Reed & de Freitas 2016): rows IN1 = 0, IN2 = 1,
# CARRY = 2, OUT = 3, directions LEFT = 0, RIGHT = 1; the third slot is unused. The network sees and
# predicts these numbers; `describe` spells them out:

# %%
for name, args in trace.primitives()[:5]:
    print(f"{name:<6} {str(args):<10} = {task.describe(name, args)}")
print("values per argument slot:", task.arg_sizes)

# %% [markdown]
# ### Exercise 2 — how many columns? (2 points)
#
# Without running anything, how many times does `ADD` call `ADD1` to add `a` and `b`? Complete
# `add1_calls(a, b)`. (Think about 99 + 1, and about 0 + 0.)

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add1_calls(a, b):
    ### BEGIN SOLUTION
    return len(str(a + b))  # one output digit per ADD1, the carry out included
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def add1_calls_in_trace(a, b):
    return sum(f.program == "ADD1" for f in frames(addition.reference((a, b), record_states=False)))


ex2 = check_function(
    "Exercise 2", add1_calls, add1_calls_in_trace,
    [(7, 5), (3, 4), (96, 125), (0, 0), (99, 1), (12345, 678), (999, 1)],
    hint=lambda args, got, expected: "Add them on paper, column by column: which columns does ADD1 visit?",
)
### BEGIN HIDDEN TESTS
ex2 += check_function(
    "Exercise 2 (more cases)", add1_calls, add1_calls_in_trace,
    [(0, 5), (5, 0), (1, 999), (50, 50), (999999999999999999, 0), (500000000000000000, 499999999999999999),
     (10**20 - 1, 1)],
    hint=lambda args, got, expected: "Addends of different lengths, and long ones: count the digits of the sum "
    "exactly (a float such as log10 of an 18-digit number is rounded).",
)
### END HIDDEN TESTS
ex2.points(2)

# %% [markdown]
# ## 4. The loop and the recursion, side by side
#
# In the recursive formulation (Cai, Shin & Song 2017, §3) the loop becomes a call of `ADD` to itself:
# one column, then `ADD` again for the rest. The recursive call is `ADD`'s last step and carries the
# return flag: a **tail call**. When the columns run out, the innermost `ADD` returns with `NOP ⏎`.
# `ADD1`, `CARRY` and `LSHIFT` are unchanged.

# %%
print(inspect.getsource(addition.ADD_recursive))
recursive = addition.reference((96, 125), "recursive")
print("same primitives in the same order:", recursive.primitives() == trace.primitives())

# %% [markdown]
# The two traces as trees (calls boxed, ⏎ in orange): on the left one `ADD` does the whole computation;
# on the right each `ADD` does one column and hands the rest to a fresh call.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 8.8))
draw_call_tree(trace, ax=axes[0], describe=task.describe)
draw_call_tree(recursive, ax=axes[1], describe=task.describe)
axes[0].set_title("non-recursive: ADD loops", fontsize=10)
axes[1].set_title("recursive: ADD calls ADD", fontsize=10)
plt.show()

# %% [markdown]
# ## 5. What one call frame sees
#
# The network carries an internal state from step to step, its memory of what it has done so far. When
# the NPI calls a program it starts that state afresh for the callee (Cai, Shin & Song 2017, §3; lesson 03
# builds it), which therefore cannot see how much its caller has done; the caller waits, with its own
# state, until the callee returns. So the unit the network learns is the **frame**, the steps of one call:
# at each step, from the observation, the current program and its arguments, it must produce the next
# program, its arguments and the return flag. `frames(trace)` cuts a trace into frames. The one frame of
# the non-recursive `ADD` for 96 + 125 (observations as (in1, in2, carry, out), BLANK = 10):

# %%
loop_frame = frames(trace)[0]
print(format_frame(loop_frame))
print("frames:", len(frames(trace)), " steps per frame:", [len(f.steps) for f in frames(trace)])

# %% [markdown]
# The recursive trace has more frames, but every `ADD` frame has one step (`NOP ⏎`) or three
# (`ADD1`, `LSHIFT`, `ADD ⏎`), whatever the numbers:

# %%
add_frames = [f for f in frames(recursive) if f.program == "ADD"]
for f in add_frames:
    print(f"  ADD sees {[s.obs for s in f.steps]} -> {[s.next_program + ' ⏎' * s.ret for s in f.steps]}")
print("frames:", len(frames(recursive)), " longest:", longest_frame(recursive), "steps (LSHIFT)")

# %% [markdown]
# ### Exercise 3 — predict a frame's length (2 points)
#
# How many steps does the non-recursive `ADD` frame take to add two `n`-digit numbers? `carry_out` says
# whether the top column carries (as in 99 + 99, and not in 10 + 10). Complete `add_frame_length`.

# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def add_frame_length(n, carry_out):
    ### BEGIN SOLUTION
    columns = n + (1 if carry_out else 0)
    return 2 * columns + 1  # ADD1 and LSHIFT per column, then NOP
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def add_frame_length_in_trace(n, carry_out):
    a = 10**n - 1 if carry_out else 10 ** (n - 1)  # 99..9 + 99..9 carries out, 10..0 + 10..0 does not
    return len(addition.reference((a, a), "non-recursive", record_states=False).root.children)


ex3 = check_function(
    "Exercise 3", add_frame_length, add_frame_length_in_trace,
    [(n, c) for n in (1, 2, 3, 10, 100) for c in (False, True)],
    hint=lambda args, got, expected: "Count the steps per column, then the step that ends the frame.",
)
### BEGIN HIDDEN TESTS
ex3 += check_function(
    "Exercise 3 (more cases)", add_frame_length, add_frame_length_in_trace,
    [(n, c) for n in (4, 5, 7, 25, 60) for c in (False, True)],
    hint=lambda args, got, expected: "Count the steps per column, then the step that ends the frame.",
)
### END HIDDEN TESTS
ex3.points(2)

# %% [markdown]
# ## 6. The longest frame against input size
#
# Your formula grows with `n`: a network running the loop must keep its state meaningful through one
# frame that gets longer with every column, though the paper's training sums (section 10) show it no
# frame longer than the first number printed below. The recursive frames never grow. That is the heart of
# Cai, Shin & Song's result: with recursion, every frame the network will ever run comes from a
# **finite** set, so checking the network on all of them proves it correct on every input (lesson 05
# does this for addition).

# %%
def longest_frames(module, sizes, rng):
    """{formulation: [(size, longest frame)]} for one random problem of each size."""
    problems = [(n, module.random_problem(n, rng)) for n in sizes]
    return {f: [(n, longest_frame(module.reference(p, f, record_states=False))) for n, p in problems]
            for f in module.FORMULATIONS}


rng = random.Random(0)
longest = {"addition": longest_frames(addition, [1, 3, 10, 30, 100, 300, 1000], rng)}
in_training = max(longest_frame(addition.reference(p, "non-recursive", record_states=False))
                  for p in addition.training_set("paper"))
print("longest non-recursive frame in the paper's training sums:", in_training)
print("digits:       ", [n for n, _ in longest["addition"]["recursive"]])
for formulation, points in longest["addition"].items():
    print(f"{formulation:<14}", [length for _, length in points])

# %%
ax = plot_frame_lengths(longest["addition"])
ax.axhline(in_training, color="0.5", ls="--", lw=1)
ax.set_title("addition: the longest frame", fontsize=10)
plt.show()

# %% [markdown]
# The loop's longest frame grows with the number of digits exactly as your formula of exercise 3 says
# (five of the seven sums drawn here carry out of the top column); the dashed line is the longest training
# frame. The recursive frames stay at 4 steps (`LSHIFT`), whatever the numbers.

# %% [markdown]
# ## 7. A first look at bubble sort
#
# Cai, Shin & Song teach the NPI three more tasks, each in a loop and a recursive formulation; a later
# lesson teaches the network each of them.
#
# **Bubble sort** (§4.2) sorts one row of digits between two `#` tokens. Pointers i1 and i2 compare
# neighbours and swap them if needed (`COMPSWAP`), stepping right (`BSTEP`) through a pass (`BUBBLE`);
# `RESET` walks them back, and i3 counts the passes. A program observes Q[i1], Q[i2] and whether i3 has
# reached the end. The row of (3, 1, 2) at the start, after the first pass and `RESET`, and at the end:

# %%
bs_trace = bubblesort.reference((3, 1, 2), "recursive")
first_pass, first_reset = bs_trace.root.children[:2]
fig, axes = plt.subplots(1, 4, figsize=(13, 1.5))
for ax, state, title in zip(axes, [bs_trace.initial_state, first_pass.state, first_reset.state,
                                   bs_trace.root.state], ["start", "after BUBBLE", "after RESET", "end"]):
    bubblesort.draw(state, ax=ax, title=title)
plt.show()

# %% [markdown]
# A third, *partially* recursive formulation lets only `BUBBLESORT` call itself; `BUBBLE` and `RESET` keep
# their loops. `npi_lib/bubblesort.py` documents the pointer bookkeeping the paper leaves open.

# %% [markdown]
# ## 8. A first look at topological sort
#
# **Topological sort** (§4.3) orders the vertices of a graph without cycles so that every edge points
# forward. A depth-first search turns a white (unvisited) child grey and makes it the active vertex; a
# vertex with no white child left turns black and goes into the result row (read backwards, the order).
# A program observes three things, never a vertex id: the colour under the start pointer, the colour of the
# active vertex's next child, and whether the stack is empty. Halfway through the paper's 5-vertex
# training graph:

# %%
graph = toposort.parse_input({"n": 5, "edges": [[1, 2], [1, 5], [2, 4], [2, 5], [3, 5]]})
moments = timeline(toposort.reference(graph, "recursive"))
halfway = moments[len(moments) // 2]
fig, axes = plt.subplots(1, 2, figsize=(9, 3), gridspec_kw={"width_ratios": [1, 1.6]})
toposort.draw_graph(graph, halfway.state, ax=axes[0], title="halfway through the trace")
toposort.draw(halfway.state, ax=axes[1])
plt.show()
print("result row read backwards:", toposort.TASK.output(toposort.run_reference(graph)))

# %% [markdown]
# Vertices 4 and 5 are finished (black, in the result row); 1 and 2 wait on the stack; 3 is still white.

# %% [markdown]
# ## 9. A first look at quicksort, and the four tasks side by side
#
# **Quicksort** (§4.4) with Lomuto's partition: `PARTITION` moves the values not above the last one (the
# pivot) to its left and puts the pivot between the two parts; `QUICKSORT` then sorts each part. Pending
# (lo, hi) ranges wait on two stacks in the environment; a program observes four yes/no bits. The first
# frame of the recursive trace of (3, 1, 2):

# %%
qs_trace = quicksort.reference([3, 1, 2], "recursive")
print(format_frame(frames(qs_trace)[0], quicksort.describe))

# %% [markdown]
# The frame copies its range from the stacks into p_lo and p_hi, partitions, pushes the ranges of the two
# parts, then sorts each part with a recursive call and pops its range. The first of these calls has no ⏎:
# it is **not** a tail call, since the frame has work left after it, so the NPI's call stack (lesson 03)
# must keep the caller's state meanwhile. `npi_lib/quicksort.py` documents the frame handling.
#
# The measurement of section 6 for all four tasks:

# %%
for module, sizes in [(bubblesort, [2, 3, 5, 10, 20, 40, 60]), (toposort, [2, 5, 10, 20, 50, 100]),
                      (quicksort, [2, 5, 10, 20, 50, 100])]:
    longest[module.TASK.name] = longest_frames(module, sizes, rng)
fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
for ax, (name, data) in zip(axes, longest.items()):
    plot_frame_lengths(data, ax=ax)
    ax.set_title(name, fontsize=10)
plt.tight_layout()
plt.show()

# %%
for name, data in longest.items():
    print(f"{name:<12} size: " + " ".join(f"{n:>5}" for n, _ in next(iter(data.values()))))
    for formulation, points in data.items():
        print(f"  {formulation:<14}    " + " ".join(f"{length:>5}" for _, length in points))

# %% [markdown]
# Every loop grows with the input (topological sort's also with the search's shape, hence the bumps), and
# so does the partially recursive bubble sort. The fully recursive frames never exceed 4, 3, 7 and 9 steps.

# %% [markdown]
# ## 10. Training sets: what the network will learn from
#
# Every frame step is one training example. Cai, Shin & Song train on very few, very small problems
# (lessons 04 and 05 do it for addition):
#
# | task | training problems | size |
# |---|---|---|
# | addition | 200 | at most 3 digits |
# | bubble sort | 100 | arrays of length ≤ 2 |
# | topological sort | 6 | one graph of 5 vertices, five of 7 |
# | quicksort | 4 | arrays of length 5 |
#
# The papers do not list their problems; each task module's `training_set("paper")` picks such a set.

# %%
for module in (addition, bubblesort, toposort, quicksort):
    problems = module.training_set("paper")
    examples = sum(len(f.steps) for p in problems for f in frames(module.reference(p, record_states=False)))
    print(f"{module.TASK.name:<11} {len(problems):>4} problems, {examples:>6} frame steps (recursive),"
          f" coverage {module.coverage(problems)}")

# %% [markdown]
# The last column is **coverage**: how many of the situations a program can meet the set shows. A set may
# be small, but it must show every situation. For addition: every (in1, in2, carry) `ADD1` can see on
# entry, 241 of them (100 digit pairs with and without a carry, 40 with one addend ended, and the lone
# final carry). The library's 200 problems show all 241; 200 drawn uniformly do not:

# %%
rng = random.Random(0)
paper = addition.training_set("paper")
uniform = [addition.random_problem(rng.randint(1, 3), rng) for _ in range(200)]
seen = {column for a, b in uniform for column in addition.columns(a, b)}
missing = sorted(addition.add1_entries() - seen)
print("uniform draws:", addition.coverage(uniform), "· training_set('paper'):", addition.coverage(paper))
print("missing, e.g.:", missing[:4], "...", missing[-3:])
print("missing with one addend ended:", sum(addition.BLANK in (x, y) for x, y, _ in missing), "of 40")

# %% [markdown]
# Addends of equal length never show a column where one number has ended (like the 1 of 99 + 1), and some
# digit pairs with a carry never come up. A network cannot learn a column it was never shown; lesson 04
# (section 6) shows what the missing columns cost. Count coverage, not problems.

# %% [markdown]
# ## Check your understanding
#
# 1. In the recursive `ADD`, which step carries the return flag, and why is there no separate "return"
#    step? <details><summary>Answer</summary>The tail call `ADD ⏎` (or `NOP ⏎` in the base case). The
#    flag rides on the frame's last step: the frame ends once that step, a whole sub-call included, is
#    done.</details>
# 2. In the non-recursive `ADD` frame, `ADD1` and `LSHIFT` alternate. What in the observation tells the
#    frame which comes next? <details><summary>Answer</summary>The output cell: BLANK before `ADD1` writes
#    the column's digit, a digit after. Yet the network's state still carries the frame's whole history,
#    2n + 1 steps: for large n, far beyond the frames it trained on.</details>
# 3. Why does the recursive quicksort need the NPI's call stack to hold the caller's state, while the
#    recursive addition would not? <details><summary>Answer</summary>Addition's recursion is a tail call:
#    the caller has nothing left to do after it. Quicksort's first recursive call returns to a frame that
#    still pops a range and sorts the right part.</details>
#
# ## Summary
#
# - An execution trace is a tree of calls and primitives; each step is a decision made from one
#   observation, and the return flag rides on a frame's last step.
# - The NPI's state starts afresh at every call, so it learns frame by frame: (observation, program,
#   arguments) → (next program, next arguments, return flag).
# - A loop puts the input's length into one frame (2n + 1 steps for n-digit addition); recursion keeps
#   every frame short (at most 4, 3, 7 and 9 steps for the four tasks), so the set of frames is finite.
# - After a tail call the caller has nothing left to do; after quicksort's first recursive call it has,
#   and the call stack holds its state.
# - A training set must cover every observation a program can meet: 241 for `ADD1`.
# - Next, in [lesson 03](03_npi_architecture.ipynb), the network that learns from these traces.
#
# ## Further reading
#
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016 (§4.1 addition, §4.3 sorting).
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: §3 on recursion in the NPI, the section on provably perfect generalization,
#   and §4 with the appendix for the four tasks' programs.
# - Shin & Song, *Learning what to learn in a neural program* (2018): the `NOP` base case, and minimal
#   training sets built from the observations a program can meet.
