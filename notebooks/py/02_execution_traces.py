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
# traces**: the record of every call a program made, every primitive action it took on its
# environment, and what it could see at the moment it chose them. This lesson turns the Forth words of
# lesson 01 into such traces. You will read the trace of grade-school addition step by step, write one
# by hand, put the loop and the recursive version of the same program side by side, and find the one
# number that tells whether a network can learn a program for inputs of any size: the length of the
# longest **call frame**. Then you take a first look at the traces of bubble sort, topological sort and
# quicksort, the other three tasks of Cai, Shin & Song (2017), and at the training sets from which
# lessons 03–05 teach a network to run them.
#
# **Where you are:** previous: [01 stack machines and reverse Polish notation](01_stack_machines.ipynb)
# · next: [03 the NPI architecture](03_npi_architecture.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. read an execution trace as a tree of calls, and say which steps are primitives and which are calls;
# 2. write the trace of a small addition by hand;
# 3. split a trace into call frames and say what one frame sees and decides;
# 4. explain why a loop leaks the input's length into one frame and recursion does not, and measure it;
# 5. write a recursive reference program yourself;
# 6. say why a training set must *cover* the observations a program can meet, not just be large.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import inspect
import random

import matplotlib.pyplot as plt

from npi_lib import addition, bubblesort, quicksort, toposort
from npi_lib.exercises import check_function, check_program, check_trace_text
from npi_lib.plotting import draw_call_tree, plot_frame_lengths
from npi_lib.trace import Tracer, format_frame, frames, longest_frame, timeline
from npi_lib.widgets import TraceViewer

# %% [markdown]
# ## 1. From Forth words to NPI programs
#
# In [lesson 01](01_stack_machines.ipynb) (section 7) addition was a Forth word `ADD` that called `ADD1`
# (one column, maybe `CARRY`) and `LSHIFT` (move one column left). The NPI's programs have the same
# names and the same hierarchy (Reed & de Freitas 2016, §4.1). Three things change:
#
# - **The data live in an environment**, not on a stack. For addition it is a *scratch pad* of four rows
#   (input 1, input 2, carry, output) with one pointer per row, all starting at the rightmost column.
# - **A program sees only an observation**: the four cells under the pointers. That is all the NPI's
#   encoder `f_enc` gets; a program never reads the whole pad.
# - **Every step is a decision** made from that observation: run a *primitive* that acts on the
#   environment (`WRITE`, `PTR`, or `NOP`, which does nothing), or *call* a program (which opens a new
#   frame), with up to three small integer arguments, and a **return flag** that says "this is my last
#   step".
#
# Empty cells hold BLANK, an 11th cell value beside the digits 0–9 (shown as `_`, and as 10 in an
# observation).

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
# function `PROG(t, env)`: `t.act(...)` runs a primitive and `t.call(...)` runs a sub-program, and both
# record a step of the trace; `ret=True` sets the return flag. Every decision goes through
# `env.observe()`, exactly what the network will see. Here is the non-recursive formulation of
# Cai, Shin & Song (2017), in which `ADD` loops over the columns:

# %%
for program in (addition.ADD, addition.ADD1, addition.CARRY_, addition.LSHIFT):
    print(inspect.getsource(program))

# %% [markdown]
# (`CARRY_` has a trailing underscore because `CARRY` already names the carry row; `@program("CARRY")`
# gives the function its paper name in the trace.)
#
# Running `ADD` on the pad of 96 + 125 records its trace, a tree: each call's steps are indented under it,
# and ⏎ marks the step that carries the return flag. Two things to look for: `CARRY` writes its 1 into the
# *next* column of the carry row and comes back, and the loop ends with `NOP ⏎` once a column is blank
# in both inputs and the carry.

# %%
trace = addition.reference((96, 125), "non-recursive")
print(task.format(trace))
print("sum:", addition.run_reference((96, 125), "non-recursive").output(), "· steps:", len(trace))

# %% [markdown]
# Each call step keeps the state of the pad after the call returned. The first `ADD1` writes the 1 of
# 6 + 5 = 11 and carries into the tens; `LSHIFT` moves all four pointers one column left; the second
# `ADD1` reads that carry: 9 + 2 + 1 = 12.

# %%
fig, axes = plt.subplots(1, 4, figsize=(13, 2.2))
for ax, i in zip(axes, [0, 1, 2, 6]):
    step = trace.root.children[i]
    task.draw(step.state, ax=ax, title=f"after step {i + 1} of ADD: {step.name}")
plt.show()

# %% [markdown]
# Walk through the whole trace yourself: select a step (or use ◀ ▶) to see the pad after it and the
# observation the calling frame made when it chose the step; fold a call to hide its steps. Widgets need a
# live kernel, so run the cell to see it. The cell after it prints the same view as text.

# %%
# NBVAL_IGNORE_OUTPUT
viewer = TraceViewer(trace, task)
viewer

# %%
text_view = TraceViewer(trace, task)  # a second viewer, so the one above stays where you left it
text_view.go(3)  # the first CARRY: a call made by ADD1
print(text_view.describe())

# %% [markdown]
# ### Exercise 1 — a trace by hand
#
# Write the non-recursive trace of **7 + 5** as the cells above print it: one step a line, indented two
# spaces a level, the arguments spelled out (`WRITE(OUT, 2)`, `PTR(CARRY, LEFT)`). You may leave out the
# ⏎ marks. Work it out on paper first: how many columns does ADD1 visit?

# %%
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


ex1 = check_trace_text(
    "Exercise 1", trace_of_7_plus_5, addition.reference((7, 5), "non-recursive"), task.describe
)

# %% [markdown]
# ## 3. Choices the papers leave open
#
# The papers give the programs but not every detail of the pad. `npi_lib/addition.py` makes four
# choices, listed in its docstring; here is each one at work.
#
# **The pad is two columns wider than the longer addend.** One column takes a carry out of the top digit;
# the leftmost column stays blank, and there the loop finds "nothing left to add" and stops. So 99 + 1
# gets the extra column its sum needs. `addition.columns` lists the (in1, in2, carry) cells `ADD1` meets,
# right to left: the third is the carry alone.

# %%
print("ADD1 meets:", addition.columns(99, 1), " sum:", addition.run_reference((99, 1)).output())
trace_99 = addition.reference((99, 1))
fig, axes = plt.subplots(1, 2, figsize=(7, 2.2))
task.draw(trace_99.initial_state, ax=axes[0], title="99 + 1: before")
task.draw(trace_99.root.state, ax=axes[1], title="after: a third column for the carry")
plt.show()

# %% [markdown]
# **A missing carry is BLANK, not 0.** Only `CARRY` writes the carry row, so a column without a carry
# costs no step, and "nothing left to add" is one test: in1, in2 and carry all BLANK. In the observations
# above, `carry=10` is that BLANK.
#
# **"Nothing to do" is the primitive `NOP` with the return flag.** The network returns by emitting
# r = 1 *together with* a step (see section 4), so a frame with nothing to do still needs a step to carry
# the flag: `NOP` (Shin & Song 2018 do the same). The loop of the non-recursive `ADD` ends the same way,
# so both formulations run exactly the same primitives.
#
# **Arguments are small integers**, three of them for every step (Reed & de Freitas 2016): `WRITE(row,
# digit)` and `PTR(row, direction)` with rows IN1 = 0, IN2 = 1, CARRY = 2, OUT = 3 and directions
# LEFT = 0, RIGHT = 1; the third slot is unused. The network sees and predicts these numbers; `describe`
# spells them out for people.

# %%
for name, args in trace.primitives()[:5]:
    print(f"{name:<6} {str(args):<10} = {task.describe(name, args)}")
print("values per argument slot:", task.arg_sizes)

# %% [markdown]
# ### Exercise 2 — how many columns?
#
# Without running anything, how many times does `ADD` call `ADD1` to add `a` and `b`? Complete
# `add1_calls(a, b)`. (Think about 99 + 1, and about 0 + 0.)

# %%
def add1_calls(a, b):
    ### BEGIN SOLUTION
    return len(str(a + b))  # one output digit per ADD1, the carry out included
    ### END SOLUTION


def add1_calls_in_trace(a, b):
    return sum(f.program == "ADD1" for f in frames(addition.reference((a, b), record_states=False)))


ex2 = check_function(
    "Exercise 2", add1_calls, add1_calls_in_trace,
    [(7, 5), (3, 4), (96, 125), (0, 0), (99, 1), (12345, 678), (999, 1)],
    hint=lambda args, got, expected: "Each ADD1 call writes one digit of the sum.",
)

# %% [markdown]
# ## 4. The loop and the recursion, side by side
#
# In the recursive formulation (Cai, Shin & Song 2017, §3) the loop becomes a call of `ADD` to itself:
# one column, then `ADD` again for the rest. The recursive call is `ADD`'s last step, so it carries the
# return flag: a **tail call**. When the columns run out, the innermost `ADD` has nothing to do but
# return, and says so with `NOP ⏎`. `ADD1`, `CARRY` and `LSHIFT` are the same programs as before.

# %%
print(inspect.getsource(addition.ADD_recursive))
recursive = addition.reference((96, 125), "recursive")
print("same primitives in the same order:", recursive.primitives() == trace.primitives())

# %% [markdown]
# The two traces drawn as trees (calls boxed, ⏎ in orange). On the left, one `ADD` frame holds the whole
# computation; on the right, each `ADD` does one column and hands the rest to a fresh call.

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
# When the NPI calls a program it starts that program's controller state afresh (Cai, Shin & Song 2017,
# §3; lesson 03 builds it): the callee cannot see how much work its caller has done, and the caller waits,
# with its own state, until the callee returns. So the unit the network learns is the **frame**, the steps
# of one call. At each step it gets the observation, the current program and its arguments, and must
# produce the next program, its arguments and the return flag. `frames(trace)` cuts a trace into these.
#
# The one frame of the non-recursive `ADD` for 96 + 125 (observations as (in1, in2, carry, out),
# BLANK = 10):

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
# ### Exercise 3 — predict a frame's length
#
# How many steps does the non-recursive `ADD` frame take to add two `n`-digit numbers? `carry_out` says
# whether the top column carries (as in 99 + 99, and not in 10 + 10). Complete `add_frame_length`.

# %%
def add_frame_length(n, carry_out):
    ### BEGIN SOLUTION
    columns = n + (1 if carry_out else 0)
    return 2 * columns + 1  # ADD1 and LSHIFT per column, then NOP
    ### END SOLUTION


def add_frame_length_in_trace(n, carry_out):
    a = 10**n - 1 if carry_out else 10 ** (n - 1)  # 99..9 + 99..9 carries out, 10..0 + 10..0 does not
    return len(addition.reference((a, a), "non-recursive", record_states=False).root.children)


ex3 = check_function(
    "Exercise 3", add_frame_length, add_frame_length_in_trace,
    [(n, c) for n in (1, 2, 3, 10, 100) for c in (False, True)],
    hint=lambda args, got, expected: "Count the steps per column, then the step that ends the frame.",
)

# %% [markdown]
# ## 6. The longest frame against input size
#
# Your formula grows with `n`: a network that runs the loop must keep its state meaningful for 2n + 1
# steps of one frame, two for every column done so far, while it trained on frames of at most nine
# steps (three-digit sums). The recursive frames never grow. That is the heart of Cai, Shin & Song's
# result: with recursion, every frame the network will ever run is one of a **finite** set of short step
# sequences, so checking the network on all of them proves it correct on every input (lesson 05, section 5,
# does it for addition).
#
# Below, one random problem per size (seeded) for each of the four tasks, and the longest frame of each
# formulation's trace. Traces are recorded without state snapshots, which keeps a 1,000-digit addition
# fast.

# %%
rng = random.Random(0)
sizes = {
    addition: [1, 3, 10, 30, 100, 300, 1000], bubblesort: [2, 3, 5, 10, 20, 40, 60],
    toposort: [2, 5, 10, 20, 50, 100], quicksort: [2, 5, 10, 20, 50, 100],
}
longest = {}  # task name -> formulation -> [(size, longest frame)]
for module, ns in sizes.items():
    problems = [(n, module.random_problem(n, rng)) for n in ns]
    longest[module.TASK.name] = {
        f: [(n, longest_frame(module.reference(p, f, record_states=False))) for n, p in problems]
        for f in module.FORMULATIONS
    }

# %%
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
# The loops grow with the input: addition 2n + 1 steps (2n + 3 with a carry out); bubble sort's
# `BUBBLESORT` loop 2N − 1 (a `BUBBLE` and a `RESET` for each of its N − 1 passes); quicksort's loop with
# the number of ranges it sorts; topological sort's `EXPLORE` loop with the depth-first search, which
# depends on the graph's shape as well as its size (hence the bumps). The partially recursive bubble sort
# grows too: only `BUBBLESORT` recurses, and `BUBBLE` and `RESET` keep their loops of about N steps. The
# fully recursive programs stay flat: 4 steps for addition (`LSHIFT`), 3 for bubble sort, 7 for
# topological sort, 9 for quicksort.

# %% [markdown]
# ## 7. Bubble sort
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
#   start" would leave i2 one cell right, and every pass would start one cell further right;
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
# moved one value right, on a longer array too.

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
# ### Exercise 4 — the recursive LSHIFT
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
ex4 = check_program("Exercise 4", LSHIFT, bubblesort.LSHIFT_recursive, cases, bubblesort.describe)

# %% [markdown]
# The program the check accepted (or the reference, if you skipped the exercise), walking (3, 1, 2) back
# after its first pass: one frame per shift, each at most three steps long.

# %%
draw_call_tree(Tracer(after_one_pass((3, 1, 2))).run(ex4.use), describe=bubblesort.describe)
plt.show()

# %% [markdown]
# ## 8. Topological sort
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
# finishes after it. The result row, read backwards, is a topological order:

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

# %% [markdown]
# ## 9. Quicksort
#
# Quicksort with Lomuto's partition (Cai, Shin & Song 2017, §4.4) keeps its pending (lo, hi) ranges on
# two stacks in the environment, Q_stackLo and Q_stackHi; the encoder sees four bits only: A[p_j] ≤
# A[p_hi], p_j = p_hi, "the top range has lo < hi", and "the stacks are empty". Its recursion is not a
# tail call: after sorting the left part, a `QUICKSORT` frame still has the right part to do. So the
# NPI's call stack must keep the caller's state across the first recursive call, a real call stack and
# not just a loop in disguise.
#
# The paper's text is garbled here, and `npi_lib/quicksort.py` settles the frame handling:
#
# - indices are 0-based, and the stacks start holding the range (0, n − 1) above a floor cell `⊥`;
# - `PUSH_CALL2` pushes the right part (p_pivot + 1, hi) first and `PUSH_CALL1` the left part
#   (lo, p_pivot − 1) on top, so the left part is sorted first;
# - the **callee** copies its range into p_lo / p_hi, after checking lo < hi, so an empty range such as
#   (0, −1) never reaches a pointer; the **caller** pops a child's range after the child returns. So a
#   frame always finds its own range on top of the stacks, and what lies below never changes what it
#   sees: that keeps the set of step sequences a recursive frame can run small (25 of them).
#
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
# most nine steps, for an array of any length.

# %%
root_frame = frames(qs_trace)[0]
print(format_frame(root_frame, quicksort.describe))

# %% [markdown]
# ## 10. Training sets: what the network will learn from
#
# Lessons 03–05 train the NPI on traces like these: every frame step is one training example
# (observation, program, arguments → next program, next arguments, return flag). Cai, Shin & Song train on
# very few, very small problems:
#
# | task | training problems | size |
# |---|---|---|
# | addition | 200 | at most 3 digits |
# | bubble sort | 100 | arrays of length ≤ 2 |
# | topological sort | 6 | one graph of 5 vertices, five of 7 |
# | quicksort | 4 | arrays of length 5 |
#
# (and "starved" variants: 5 one-digit sums for addition, one 5-vertex graph for topological sort).
# `training_set("paper")` of each task module gives such a set. The papers do not list their problems:
# the library takes all 100 arrays of two digits for bubble sort, and draws the others greedily, each
# problem the best of a few random candidates at showing something the set has not shown yet.

# %%
for module in (addition, bubblesort, toposort, quicksort):
    problems = module.training_set("paper")
    examples = sum(len(f.steps) for p in problems for f in frames(module.reference(p, record_states=False)))
    print(f"{module.TASK.name:<11} {len(problems):>4} problems, {examples:>6} frame steps (recursive),"
          f" coverage {module.coverage(problems)}")

# %% [markdown]
# The last column is **coverage**: of the situations a program can meet, how many the set shows
# (each module counts what matters for its task: `ADD1`'s entry observations, the cell pairs `COMPSWAP`
# compares, (program, observation) pairs). Small is fine, but a training set must show the network every
# situation it will meet. For addition that means every (in1, in2, carry) that `ADD1` can see on entry:
# 241 of them (100 digit pairs with and without a carry, 40 with one addend already ended, and the lone
# carry at the end). The library draws its 200 problems so that all 241 appear. Uniformly drawn problems
# of 1 to 3 digits do not:

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
# Two addends of equal length never show a column where one number has ended (like the 1 of 99 + 1 in its
# second column), and some digit pairs with a carry never come up. In a run made while preparing this
# course, a network trained on such a set to near-zero loss still wrote wrong digits in those columns,
# and failed on random 3-digit sums. Count coverage, not problems.

# %% [markdown]
# ## Check your understanding
#
# 1. In the recursive `ADD`, which step carries the return flag, and why is there no separate "return"
#    step? <details><summary>Answer</summary>The tail call `ADD ⏎` (or `NOP ⏎` in the base case). The
#    flag rides on the frame's last step: the frame ends as soon as that step, a whole sub-call included,
#    is done.</details>
# 2. In the non-recursive `ADD` frame, `ADD1` and `LSHIFT` alternate. What in the observation tells the
#    frame which of the two comes next? <details><summary>Answer</summary>The output cell: BLANK before
#    `ADD1` writes the column's digit, a digit after it; `LSHIFT` then moves to a blank output cell. The
#    observation suffices, yet the network's state still carries the frame's whole history, 2n + 1 steps
#    long: for large n, far beyond the frames it trained on.</details>
# 3. Why is the scratch pad two columns wider than the longer addend? <details><summary>Answer</summary>
#    One column for a carry out of the top digit (99 + 1 = 100), and one all-blank column where the
#    frame sees in1, in2 and carry BLANK and stops.</details>
# 4. Why does the recursive quicksort need the NPI's call stack to hold the caller's state, while the
#    recursive addition would not? <details><summary>Answer</summary>Addition's recursion is a tail call:
#    the caller has nothing left to do after it. Quicksort's first recursive call returns to a frame that
#    still pops the left part's range and sorts the right part.</details>
# 5. 200 random problems of 1 to 3 digits, both addends of the same length: which `ADD1` observations
#    can they never show? <details><summary>Answer</summary>The 40 in which one addend has ended and the
#    other has not, (x, BLANK, carry) and (BLANK, y, carry).</details>
#
# ## Summary
#
# - A program's execution trace is a tree: calls open frames, primitives act on the environment, and each
#   step is a decision made from one observation, with a return flag on the frame's last step.
# - The NPI learns frame by frame, because its state starts afresh at every call. A frame step is one
#   training example: (observation, program, arguments) → (next program, next arguments, return flag).
# - A loop puts the input's length into one frame (2n + 1 steps for n-digit addition); recursion keeps
#   every frame short (at most 4, 3, 7 and 9 steps for the four tasks), so the set of frames is finite.
# - Where the papers are silent, the library chooses and documents: the pad's width and BLANK carry, `NOP`
#   base cases, argument codes; bubble sort's clamped pointers and RESET; topological sort's extra
#   `CHECK_CHILD`; quicksort's callee-copies, caller-pops frames.
# - Training sets should cover every observation a program can meet: 241 for `ADD1`.
# - Next, in [lesson 03](03_npi_architecture.ipynb), the network that learns from these traces: its encoder,
#   its LSTM core, its program memory and the RUN loop with its call stack.
#
# ## Further reading
#
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016 (§4.1 addition, §4.3 sorting).
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: §3 on recursion in the NPI, the section on provably perfect generalization,
#   and §4 with the appendix for the four tasks' programs.
# - Shin & Song, *Learning what to learn in a neural program* (2018): the `NOP` base case, and minimal
#   training sets built from the observations a program can meet.
# - Thomas Pierrot et al. *Learning Compositional Neural Programs with Recursive Tree Search and
#   Planning* (AlphaNPI, NeurIPS 2019): a bubble sort environment with the same pointer convention.
