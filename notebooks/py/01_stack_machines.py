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
# # Lesson 01 — Stack machines and reverse Polish notation
#
# A stack machine computes with nothing but a pile of numbers: it pushes values, and each operation
# takes its arguments off the top and pushes its result. This simplest of computers holds every idea the
# course needs: **words** that call other words, a **call stack** that remembers where to return, and
# **recursion**. The lesson ends with grade-school addition as a hierarchy of words: the program that
# lesson 02 turns into execution traces and lessons 03–05 teach to a neural network.
#
# **Where you are:** previous: [00 course index](00_course_index.ipynb) · next:
# [02 programs as execution traces](02_execution_traces.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. explain why postfix needs no parentheses or precedence;
# 2. evaluate RPN by hand, token by token;
# 3. convert infix to RPN with the shunting-yard algorithm;
# 4. use and define Forth words, and read a stack effect `( before -- after )`;
# 5. follow a recursive word on the return stack, and say what a call stack is for.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
from itertools import zip_longest

import matplotlib.pyplot as plt

from npi_lib import addition
from npi_lib.errors import ForthError
from npi_lib.exercises import check_forth_word, check_rpn_by_hand, check_rpn_translation, forth_reference
from npi_lib.forth import Forth
from npi_lib.plotting import draw_call_tree, draw_stack_history
from npi_lib.rpn import evaluate_rpn, infix_to_rpn, rpn_trace
from npi_lib.trace import format_step, format_tree, timeline
from npi_lib.widgets import forth_stepper, rpn_stepper

# %% [markdown]
# ## 1. Why postfix needs no parentheses
#
# In ordinary (*infix*) notation an operator stands between its operands, and two devices say what is
# computed first: **precedence** (`*` before `+`) and **parentheses**.
#
# In *postfix* notation, or **reverse Polish notation** (RPN, after the logician Jan Łukasiewicz, who
# wrote operators first), an operator comes *after* its operands. The order of the operators in the text
# *is* then the order in which they are applied. The library converts infix to RPN (section 3 shows how)
# and evaluates it:

# %%
for expression in ["5 + 3 * 2", "(5 + 3) * 2", "2 * (3 + 4) - 10 / 5"]:
    rpn = infix_to_rpn(expression)
    print(f"{expression:<22} ->  {rpn:<20} = {evaluate_rpn(rpn)}")

# %% [markdown]
# ## 2. Evaluating RPN with a stack
#
# The machine reads the tokens from left to right:
# - a **number** is pushed on the stack;
# - an **operator** pops two values (the top one is the *right* operand), applies itself, and pushes
#   the result.
#
# The one value left at the end is the answer. The stack after each token of `5 3 + 2 *`, from the
# trace the machine records as it runs:

# %%
trace = rpn_trace("5 3 + 2 *")
draw_stack_history(trace)
plt.show()

# %% [markdown]
# Step through the same run (widgets need a live kernel, so run the cell); the next cell prints the view
# as text, two steps in.

# %%
# NBVAL_IGNORE_OUTPUT
rpn_view = rpn_stepper("5 3 + 2 *")
rpn_view

# %%
text_view = rpn_stepper("5 3 + 2 *")  # a second stepper, so the one above stays where you left it
text_view.go(2)  # the same as pressing ▶ twice from the start
print(text_view.describe())

# %% [markdown]
# A mistake gets a message that names the token and its position:

# %%
for bad in ["5 +", "4 0 /", "2 3 4 +", "5 x +"]:
    try:
        evaluate_rpn(bad)
    except ForthError as e:
        print(f"{bad!r:>10}: {e}")

# %% [markdown]
# ### Exercise 1 — evaluate by hand (1 point)
#
# Work out the value of `2 3 4 * + 5 -` with pencil and paper: write the stack after each token.
# Return the number.

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def value_by_hand():
    ### BEGIN SOLUTION
    return 9
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ex1 = check_rpn_by_hand(
    "Exercise 1",
    value_by_hand,
    "2 3 4 * + 5 -",
    hint=lambda got: {
        15: "That is (2 + 3) * 4 - 5, the infix order. In RPN the first operator, `*`, takes the two values "
        "on top of the stack, 3 and 4.",
        -9: "`-` takes the top value as its *right* operand: `x 5 -` is x - 5, not 5 - x.",
    }.get(got, "Write the stack after each token; an operator takes the two values on top."),
)
ex1.points(1)

# %% [markdown]
# ## 3. From infix to RPN: the shunting-yard algorithm
#
# Edsger Dijkstra's *shunting-yard* algorithm turns infix into RPN in one pass, with a stack for the
# operators (the railway siding of its name):
#
# - a number goes straight to the output;
# - an operator first sends out every operator waiting on top of the stack that binds at least as
#   tightly (higher or equal precedence: our operators are left-associative), stopping at a `(`; then
#   it waits on the stack itself;
# - `(` waits on the stack; `)` sends operators out until the matching `(`, which is dropped;
# - at the end, the waiting operators go out, top first.
#
# Numbers keep their order; only operators move. Here are the rules as a function that prints the output
# and the waiting operators after every token:

# %%
BINDS = {"+": 1, "-": 1, "*": 2, "/": 2}  # how tightly each operator binds (its precedence)


def shunting_yard(expression, show=True):
    out, waiting = [], []  # the output, and the operators waiting on the stack (top on the right)
    for token in expression.replace("(", " ( ").replace(")", " ) ").split():
        if token in BINDS:  # send out the waiting operators that bind at least as tightly, then wait
            while waiting and waiting[-1] != "(" and BINDS[waiting[-1]] >= BINDS[token]:
                out.append(waiting.pop())
            waiting.append(token)
        elif token == "(":
            waiting.append(token)
        elif token == ")":  # send out everything down to the matching "(", and drop it
            while waiting[-1] != "(":
                out.append(waiting.pop())
            waiting.pop()
        else:
            out.append(token)  # a number goes straight out
        if show:
            print(f"{token:>3}   output: {' '.join(out):<14} waiting: {' '.join(waiting)}")
    return " ".join(out + waiting[::-1])  # at the end, the waiting operators go out, top first


print(shunting_yard("1 + 2 * 3 - 4"))

# %% [markdown]
# Follow the `-`: `*` and `+` are waiting and bind at least as tightly, so both go out, top first. That
# is "multiply before adding" and, for `+` and `-`, "left to right". A `(` is a floor: nothing below it
# leaves before its `)`. The library's `infix_to_rpn` is the same algorithm plus unary minus, `mod` and
# error messages:

# %%
for expression in ["1 + 2 * 3 - 4", "(1 + 2) * (3 - 4)", "2 * (3 + 4) - 10 / 5"]:
    print(f"{expression:<22} ->  {infix_to_rpn(expression)}")
    assert shunting_yard(expression, show=False) == infix_to_rpn(expression)
try:
    infix_to_rpn("(1 + 2")
except ForthError as e:
    print("error:", e)

# %% [markdown]
# ### Exercise 2 — convert infix to RPN (1 point)
#
# Translate `(7 - 2) * (3 + 4)` into RPN by hand; return it as a string, tokens separated by spaces.

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_rpn():
    ### BEGIN SOLUTION
    return "7 2 - 3 4 + *"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ex2 = check_rpn_translation("Exercise 2", my_rpn, "(7 - 2) * (3 + 4)")
ex2.points(1)

# %% [markdown]
# ## 4. Forth: a language made of stack words
#
# Forth (Chuck Moore, around 1970) is a programming language built on this machine. A program is a
# sequence of **words** separated by spaces: numbers are pushed, every other word acts on the stack. A
# word's **stack effect** `( before -- after )` documents it, top of the stack on the right:
#
# | word | effect | | word | effect |
# |---|---|---|---|---|
# | `DUP` | `( a -- a a )` | | `+ - * /` | `( a b -- a+b )` … (`/` floored) |
# | `DROP` | `( a -- )` | | `MOD` | `( a b -- a mod b )` |
# | `SWAP` | `( a b -- b a )` | | `=  <  >` | `( a b -- flag )`, true is -1 |
# | `OVER` | `( a b -- a b a )` | | `.` | `( a -- )` prints it |
# | `ROT` | `( a b c -- b c a )` | | `.S` | shows the stack |
#
# Shorthands used below: `1+` and `1-` add or subtract one; `0=`, `0<` and `0>` compare the top value
# with zero, `( n -- flag )`; `2DUP ( a b -- a b a b )` and `2DROP ( a b -- )` work on the top pair.
#
# The library's `Forth` class (`npi_lib/forth.py`) is a small Forth; `run` returns what the program
# printed, and the stack and the words defined persist between runs. `.S` prints the depth in angle
# brackets, then the stack, bottom first.

# %%
forth = Forth()
print(forth.run("1 2 3 .S"))
print(forth.run("ROT .S"))
print(forth.run("+ * ."))  # 3 + 1 = 4, then 2 * 4

# %% [markdown]
# ### Defining new words
#
# `: NAME ... ;` defines a word: the words up to `;` are compiled, not run, and `NAME` runs them later,
# like a built-in word. `see` shows the compiled definition. Text between `(` and `)` is a comment, by
# convention the stack effect; `\` comments out the rest of a line.

# %%
forth.run(": SQUARE ( n -- n*n )  DUP * ;")
forth.run(": SUM-OF-SQUARES ( a b -- a*a+b*b )  SQUARE SWAP SQUARE + ;")
print(forth.run("3 4 SUM-OF-SQUARES ."))
print(forth.see("SUM-OF-SQUARES"))

# %% [markdown]
# When a word calls another, the machine must remember where to continue. Forth keeps these **return
# addresses** on a second stack, the **return stack**: a call pushes the address to return to, and `;`
# pops it and jumps there. An address reads `word:position`, the next thing to run in that word; `main`
# is the source line itself, its tokens counted from 0.

# %%
# NBVAL_IGNORE_OUTPUT
source = ": SQUARE DUP * ; : SUM-OF-SQUARES SQUARE SWAP SQUARE + ; 3 4 SUM-OF-SQUARES"
square_view = forth_stepper(source)
square_view

# %%
text_view = forth_stepper(source)
text_view.go(7)  # DUP, inside the first SQUARE
print(text_view.describe())

# %% [markdown]
# Read it bottom up: when `SQUARE` ends, it returns to position 1 of `SUM-OF-SQUARES` (the `SWAP`, as
# `see` listed it); when `SUM-OF-SQUARES` ends, it returns to `main` after the token that called it.

# %% [markdown]
# A run's trace is a tree: a call of a word you defined is a node whose children are the words of its
# body; built-in words are leaves. Lesson 02 records the programs a neural network learns in this form.

# %%
trace = Forth().trace(source)
print(format_tree(trace))

# %% [markdown]
# ### Exercise 3 — define a word (2 points)
#
# Define `CUBE ( n -- n*n*n )`. Return the Forth source of the definition as a string.

# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cube_source():
    ### BEGIN SOLUTION
    return ": CUBE ( n -- n*n*n )  DUP DUP * * ;"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
ex3 = check_forth_word(
    "Exercise 3",
    cube_source,
    lambda: forth_reference("CUBE"),
    "CUBE",
    cases=[([2], [8]), ([-3], [-27]), ([0], [0]), ([7, 10], [7, 1000])],
)
### BEGIN HIDDEN TESTS
ex3 += check_forth_word("Exercise 3 (more cases)", cube_source, lambda: forth_reference("CUBE"), "CUBE",
                        cases=[([1], [1]), ([5], [125]), ([-1, 4], [-1, 64]), ([12], [1728])])
### END HIDDEN TESTS
ex3.points(2)

# %% [markdown]
# ## 5. Decisions and loops
#
# `IF ... ELSE ... THEN` takes a flag off the stack (0 is false, anything else true) and runs the words
# before `ELSE` if it is true, those after it if false. `limit start DO ... LOOP` counts, its index `I`
# running from `start` to `limit - 1`; `?DO` skips the loop when `start` equals `limit` (a plain `DO`
# would run it anyway). `BEGIN ... flag WHILE ... REPEAT` runs the words after `WHILE` and jumps back to
# `BEGIN` while the flag is true. All of these work only inside definitions.
#
# `SIGN` nests one decision inside another; `TRIANGLE` adds `I` for `I` from 1 to n into a sum that
# starts at 0 (`0 SWAP` puts the sum under n, `1+` makes the limit n + 1).

# %%
forth.run(": SIGN ( n -- s )  DUP 0< IF DROP -1 ELSE 0> IF 1 ELSE 0 THEN THEN ;")
print(forth.run("-5 SIGN . 0 SIGN . 42 SIGN ."))
forth.run(": TRIANGLE ( n -- 1+...+n )  0 SWAP 1+ 1 ?DO I + LOOP ;")
print(forth.run("10 TRIANGLE ."))

# %% [markdown]
# ## 6. Recursion and the return stack
#
# A word may call itself with `RECURSE`. The factorial `n! = n · (n-1)!` reads almost like its
# definition:

# %%
forth.run(": FACT ( n -- n! )  DUP 1 > IF DUP 1- RECURSE * THEN ;")
print(forth.run("5 FACT .  20 FACT ."))

# %% [markdown]
# Each call of `FACT` waits for the one it made, its return address on the return stack: the return
# stack *is* the call stack. Its depth during `4 FACT` rises by one per pending call, then falls back:

# %%
fact_trace = Forth().trace(": FACT DUP 1 > IF DUP 1- RECURSE * THEN ; 4 FACT")
depths = [len(m.state.rstack) for m in timeline(fact_trace)]
fig, ax = plt.subplots(figsize=(7, 2))
ax.step(range(len(depths)), depths, where="post")
ax.set_xlabel("step")
ax.set_ylabel("return-stack depth")
ax.set_title("4 FACT: one return address per pending call")
plt.show()
print("deepest:", max(depths), "return addresses, one for the call from main and one per RECURSE")

# %% [markdown]
# Step through it yourself, watching both stacks:

# %%
# NBVAL_IGNORE_OUTPUT
fact_view = forth_stepper(": FACT DUP 1 > IF DUP 1- RECURSE * THEN ; 4 FACT")
fact_view

# %% [markdown]
# `FIB` calls itself twice, so its calls form a tree. The call tree of `2 FIB` (calls boxed):

# %%
fib = ": FIB ( n -- fib ) DUP 1 > IF DUP 1- RECURSE SWAP 2 - RECURSE + THEN ;"
print(Forth().run(fib + " 10 FIB ."))
draw_call_tree(Forth().trace(fib + " 2 FIB"))
plt.show()

# %% [markdown]
# Without a base case, recursion never stops. This machine stops at a return-stack limit, says so, and
# leaves the interpreter as it was before the failed line:

# %%
runaway = Forth()
try:
    runaway.run(": FOREVER ( -- ) RECURSE ;  FOREVER")
except ForthError as e:
    print("error:", e)
print("words defined after the failed line:", runaway.words())

# %% [markdown]
# ### Exercise 4 — a recursive word (3 points)
#
# Define `SUMTO ( n -- 0+1+...+n )` **recursively** with `RECURSE`, without loops: the sum up to 0 is 0,
# and the sum up to n is n plus the sum up to n-1. `FACT` is a good model; remember that `IF` consumes
# its flag.

# %% nbgrader={"grade": false, "grade_id": "ex4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sumto_source():
    ### BEGIN SOLUTION
    return ": SUMTO ( n -- sum )  DUP 0> IF DUP 1- RECURSE + THEN ;"
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
ex4 = check_forth_word(
    "Exercise 4",
    sumto_source,
    lambda: forth_reference("SUMTO"),
    "SUMTO",
    cases=[([0], [0]), ([1], [1]), ([4], [10]), ([100], [5050])],
    must_use=["RECURSE"],
)
### BEGIN HIDDEN TESTS
ex4 += check_forth_word("Exercise 4 (more cases)", sumto_source, lambda: forth_reference("SUMTO"), "SUMTO",
                        cases=[([2], [3]), ([10], [55]), ([7, 3], [7, 6]), ([50], [1275])], must_use=["RECURSE"])
### END HIDDEN TESTS
ex4.points(3)

# %% [markdown]
# ## 7. Towards lesson 02: grade-school addition as a hierarchy of words
#
# Add 96 and 125 as at school: add the rightmost column's two digits and the carry, write the sum's last
# digit, carry a 1 into the next column if the sum reached 10, move one column left, and repeat until
# nothing is left. The NPI paper calls these steps `ADD1` (one column), `CARRY` and `LSHIFT` (move left),
# and the whole procedure `ADD`. Lesson 02 runs them on a *scratch pad* whose rows hold the two numbers,
# the carries and the output; here the stack holds them, as `( r p a b c )`:
#
# - `a` and `b` are what is left of the two numbers; their current column is the last digit (`a 10 MOD`);
# - `c` is the carry into the current column, 0 or 1;
# - `r` is the result so far, and `p` the place value of the current column (1, 10, 100, …).
#
# Two new words park a value: `>R ( x -- )` moves the top value to the return stack,
# `R> ( -- x )` moves it back. They work only inside definitions, and each `>R` needs its `R>` before the
# word ends: `;` expects its return address on top.

# %%
adder = Forth()
adder.run(
    r"""
: SUM    ( a b c -- a b s )  >R 2DUP 10 MOD SWAP 10 MOD + R> + ;    \ digit of a + digit of b + carry
: WRITE  ( r p a b d -- r' p a b )  ROT ROT >R >R  OVER * ROT + SWAP  R> R> ;   \ r' = r + d * p
: CARRY  ( 0 -- 1 )  DROP 1 ;                                    \ the next column gets a carry of 1
: ADD1   ( r p a b c -- r' p a b c' )
    SUM DUP >R  10 MOD WRITE      \ write the sum's last digit, while the sum waits on the return stack
    0  R> 9 > IF CARRY THEN ;     \ the next column's carry: 0, or 1 if the sum reached 10
: LSHIFT ( r p a b c -- r p*10 a/10 b/10 c )  >R 10 / SWAP 10 / SWAP ROT 10 * ROT ROT R> ;
: DONE?  ( a b c -- a b c flag )  >R 2DUP + R> SWAP OVER + 0= ;     \ a + b + c = 0: all three 0?
: ADD    ( r p a b c -- sum )  DONE? IF 2DROP 2DROP ELSE ADD1 LSHIFT RECURSE THEN ;
"""
)
print(adder.run("0 1 96 125 0 ADD ."), adder.run("0 1 99999 1 0 ADD ."))

# %% [markdown]
# A sum starts with `r` = 0, `p` = 1 and carry 0. Here are the stacks after each word of `ADD1` for the
# first column of 47 + 38 (7 + 8): the sum waits on the return stack while `WRITE` puts its last digit
# into `r`, then `CARRY` turns the next column's carry from 0 into 1.

# %%
column = adder.trace("0 1 47 38 0 ADD1 2DROP 2DROP DROP")  # the 2DROPs and DROP empty the stack again
add1 = next(step for step in column.root.children if step.name == "ADD1")
for step in add1.children:
    data, ret = (" ".join(map(str, stack)) for stack in (step.state.stack, step.state.rstack))
    print(f"{step.name:>6}   data: {data:<18} return: {ret}")

# %% [markdown]
# `ADD` is recursive: one column, one shift, then `ADD` again, until `a`, `b` and the carry are all 0.
# Left, its trace for 96 + 125 (only the words we defined); right, the NPI's trace of the same sum from
# lesson 02, whose primitives `WRITE` and `PTR` write a digit and move a pointer on the pad (⏎ marks a
# program's last step). The rows are aligned on the programs both call:

# %%
def blocks(steps, shared, describe=None):  # a tree's lines, cut before each call of a shared program
    out = []
    for depth, s in steps:
        if (s.is_call and s.name in shared) or not out:
            out.append([])
        out[-1].append("  " * depth + format_step(s, describe))
    return out


add_trace = adder.trace("0 1 96 125 0 ADD .")
npi_trace = addition.reference((96, 125), "recursive")
called = [{s.name for _, s in trace.walk() if s.is_call} for trace in (add_trace, npi_trace)]
shared = called[0] & called[1]  # ADD, ADD1, CARRY, LSHIFT
forth_steps = [(d - 1, s) for d, s in add_trace.walk() if s.is_call and d > 0]  # the words we defined
print(f"{'Forth':<22}NPI")
for left, right in zip(blocks(forth_steps, shared), blocks(npi_trace.walk(), shared, addition.TASK.describe)):
    for forth_line, npi_line in zip_longest(left, right, fillvalue=""):
        print(f"{forth_line:<22}{npi_line}".rstrip())

# %% [markdown]
# Without this lesson's helpers (`DONE?`, `SUM`, and `WRITE`, which does the NPI's `WRITE(OUT, digit)`),
# the trees have the same shape: each `ADD` calls `ADD1`, `LSHIFT`, then `ADD`, and `ADD1` calls `CARRY`
# in each column that carries. Code checks that, for other sums too:

# %%
def calls(trace):  # the calls of the programs both traces share, in order
    return [s.name for _, s in trace.walk() if s.is_call and s.name in shared]


print("96 + 125 in both traces:", " ".join(calls(npi_trace)))
for a, b in [(96, 125), (99999, 1), (7, 5), (505, 595)]:
    forth_calls = calls(adder.trace(f"0 1 {a} {b} 0 ADD ."))
    assert forth_calls == calls(addition.reference((a, b), "recursive"))
    counts = ", ".join(f"{p} {forth_calls.count(p)}x" for p in ("ADD1", "CARRY", "LSHIFT"))
    print(f"{a:>5} + {b:<4} same calls in the same order: {counts}")

# %% [markdown]
# As a loop, the same procedure has a flat trace: one frame of `ADD-LOOP` calls `ADD1` and `LSHIFT` once
# per column, so it grows with the numbers, while every frame of the recursive `ADD` has the same few
# steps. Lesson 02 measures that difference; [lesson 05](05_recursion.ipynb) shows why it matters to a
# network that must add numbers of any length.

# %%
adder.run(": ADD-LOOP ( r p a b c -- sum )  BEGIN DONE? 0= WHILE ADD1 LSHIFT REPEAT 2DROP 2DROP ;")
print(adder.run("0 1 96 125 0 ADD-LOOP ."))
loop_trace = adder.trace("0 1 96 125 0 ADD-LOOP .")
print("\n".join("  " * (d - 1) + s.name for d, s in loop_trace.walk() if s.is_call and d > 0))

# %% [markdown]
# ## Check your understanding
#
# 1. Why does RPN need no parentheses? <details><summary>Answer</summary>The operators are applied in
#    the order of the text, each to the values on top of the stack, so there is nothing to group.</details>
# 2. What is on the stack after `1 2 3 ROT SWAP`? <details><summary>Answer</summary>`2 1 3`: `ROT`
#    gives `2 3 1`.</details>
# 3. What does the return stack hold during `4 FACT`, at its deepest? <details><summary>Answer</summary>
#    One return address per pending call: the top-level `FACT` and each `RECURSE` still waiting.</details>
# 4. In the shunting-yard algorithm, why does a `*` that arrives while a `+` is waiting not send the `+`
#    out first? <details><summary>Answer</summary>The `*` binds more tightly, so it must be applied
#    first, and in RPN what comes out first is applied first.</details>
# 5. Which words does one call of the recursive `ADD` run before it calls itself, however long the
#    numbers? <details><summary>Answer</summary>Always `DONE?`, `IF`, `ADD1`, `LSHIFT`, then `RECURSE`
#    (shown as a call of `ADD`). `ADD-LOOP`'s one frame runs them once per column.</details>
# 6. Why does 99999 + 1 call `ADD1` six times? <details><summary>Answer</summary>After five columns `a`
#    and `b` are 0 but the carry is 1, so `DONE?` is false and a sixth `ADD1` writes that carry as the
#    leading 1.</details>
#
# ## Summary
#
# - A stack machine evaluates postfix (RPN) in one pass, with no parentheses or precedence.
# - The shunting-yard algorithm converts infix to RPN: numbers keep their order, operators move.
# - Forth programs are words; `: ... ;` defines new ones, used like built-in ones.
# - A call pushes a return address on the return stack, which holds all pending calls; recursion is a
#   word calling itself.
# - Grade-school addition is a hierarchy of words: `ADD` → `ADD1` (→ `CARRY`), `LSHIFT`, and `ADD`
#   again, calling them in the same order as the NPI's trace. In [lesson 02](02_execution_traces.ipynb)
#   such hierarchies become the execution traces a neural network learns from.
#
# ## Further reading
#
# - Leo Brodie, *Starting Forth* (1981; free online): the classic introduction to Forth.
# - E. W. Dijkstra, *Algol 60 translation* (1961), where the shunting-yard algorithm appears.
# - The Forth-2012 standard, for the exact meaning of every word used here.
