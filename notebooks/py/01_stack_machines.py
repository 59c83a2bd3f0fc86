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
# takes its arguments off the top and puts its result back. It is the simplest computer there is, and
# it carries, in miniature, every idea this course needs later: programs made of **words** that call
# other words, a **call stack** that remembers where to return, and **recursion**, a word that calls
# itself. By the end of this lesson you will read and write reverse Polish notation, define Forth words,
# watch the return stack grow and shrink during a recursive call, and see grade-school addition written
# as a hierarchy of words: the program that lesson 02 turns into execution traces and lessons 03–05
# teach to a neural network.
#
# **Where you are:** previous: [00 course index](00_course_index.ipynb) · next:
# [02 programs as execution traces](02_execution_traces.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. explain why postfix notation needs no parentheses and no precedence rules;
# 2. evaluate RPN by hand and trace the stack after every token;
# 3. convert infix expressions to RPN (the shunting-yard algorithm);
# 4. use and define Forth words, and read a word's stack effect `( before -- after )`;
# 5. follow a recursive word on the return stack, and say what a call stack is for.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
import matplotlib.pyplot as plt

from npi_lib.errors import ForthError
from npi_lib.exercises import check_forth_word, check_rpn_translation, check_value
from npi_lib.forth import Forth
from npi_lib.plotting import draw_call_tree, draw_stack_history
from npi_lib.rpn import evaluate_rpn, infix_to_rpn, rpn_trace
from npi_lib.trace import format_tree, timeline
from npi_lib.widgets import forth_stepper, rpn_stepper

# %% [markdown]
# ## 1. Why postfix needs no parentheses
#
# In ordinary (*infix*) notation an operator stands between its operands, and we need two extra
# devices to say what is computed first: **precedence** (`*` before `+`) and **parentheses**.
# `5 + 3 * 2` is 11, but `(5 + 3) * 2` is 16.
#
# In *postfix* notation, also called **reverse Polish notation** (RPN, after the Polish logician Jan
# Łukasiewicz, who wrote operators first), an operator comes *after* its operands. Then the order of
# the operators in the text *is* the order in which they are applied, and nothing else is needed:
#
# | infix | RPN | value |
# |---|---|---|
# | `5 + 3 * 2` | `5 3 2 * +` | 11 |
# | `(5 + 3) * 2` | `5 3 + 2 *` | 16 |
#
# The library converts one into the other; we will see how in section 3.

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
# At the end, the one value left on the stack is the answer. There is never anything to look ahead
# for and never anything to remember except the stack. Here is the stack after each token of
# `5 3 + 2 *`, drawn from the trace the machine records as it runs:

# %%
trace = rpn_trace("5 3 + 2 *")
draw_stack_history(trace)
plt.show()

# %% [markdown]
# The same run, step by step. Use the buttons (or the slider) to move forward and back; the token being
# executed is highlighted. Widgets need a live kernel, so run the cell to see it. The cell after it
# prints the same view as text, two steps in.

# %%
# NBVAL_IGNORE_OUTPUT
rpn_view = rpn_stepper("5 3 + 2 *")
rpn_view

# %%
text_view = rpn_stepper("5 3 + 2 *")  # a second stepper, so the one above stays where you left it
text_view.go(2)  # the same as pressing ▶ twice from the start
print(text_view.describe())

# %% [markdown]
# Mistakes get a message that names the token and its position, and says what would be valid:

# %%
for bad in ["5 +", "4 0 /", "2 3 4 +", "5 x +"]:
    try:
        evaluate_rpn(bad)
    except ForthError as e:
        print(f"{bad!r:>10}: {e}")

# %% [markdown]
# ### Exercise 1 — evaluate by hand
#
# Work out the value of `2 3 4 * + 5 -` with pencil and paper: write the stack after each token.
# Return the number.

# %%
def value_by_hand():
    ### BEGIN SOLUTION
    return 9
    ### END SOLUTION


ex1 = check_value(
    "Exercise 1",
    value_by_hand,
    evaluate_rpn("2 3 4 * + 5 -"),
    hint=lambda got: "Remember: `*` applies to the two values on top of the stack, 3 and 4.",
)

# %% [markdown]
# ## 3. From infix to RPN: the shunting-yard algorithm
#
# Edsger Dijkstra's *shunting-yard* algorithm turns infix into RPN in one pass, with a stack for the
# operators (the railway siding of its name):
#
# - a number goes straight to the output;
# - an operator first sends to the output every operator waiting on the stack that binds at least as
#   tightly (higher or equal precedence: all our operators are left-associative), then waits on the
#   stack itself;
# - `(` waits on the stack; `)` sends operators to the output until the matching `(`, which is dropped;
# - at the end, the waiting operators go to the output, top first.
#
# Numbers keep their order; only the operators move. The library's `infix_to_rpn` is this algorithm,
# with unary minus and clear error messages added.

# %%
print(infix_to_rpn("1 + 2 * 3 - 4"))
print(infix_to_rpn("(1 + 2) * (3 - 4)"))
try:
    infix_to_rpn("(1 + 2")
except ForthError as e:
    print("error:", e)

# %% [markdown]
# ### Exercise 2 — convert infix to RPN
#
# Translate `(7 - 2) * (3 + 4)` into RPN by hand and return it as a string of tokens separated by
# spaces.

# %%
def my_rpn():
    ### BEGIN SOLUTION
    return "7 2 - 3 4 + *"
    ### END SOLUTION


ex2 = check_rpn_translation("Exercise 2", my_rpn, "(7 - 2) * (3 + 4)")

# %% [markdown]
# ## 4. Forth: a language made of stack words
#
# Forth (Chuck Moore, around 1970) is a whole programming language built on this machine. A program
# is a sequence of **words** separated by spaces. Numbers are pushed; every other word acts on the
# stack. Each word is documented by its **stack effect**, `( before -- after )`, top of the stack on
# the right:
#
# | word | effect | | word | effect |
# |---|---|---|---|---|
# | `DUP` | `( a -- a a )` | | `+ - * /` | `( a b -- a+b )` … (`/` floored) |
# | `DROP` | `( a -- )` | | `MOD` | `( a b -- a mod b )` |
# | `SWAP` | `( a b -- b a )` | | `=  <  >` | `( a b -- flag )`, true is -1 |
# | `OVER` | `( a b -- a b a )` | | `.` | `( a -- )` prints it |
# | `ROT` | `( a b c -- b c a )` | | `.S` | shows the stack, leaves it alone |
#
# The library's `Forth` class is a small Forth interpreter (see `npi_lib/forth.py`). `run` returns
# what the program printed; the interpreter keeps its stack and its dictionary between runs.

# %%
forth = Forth()
print(forth.run("1 2 3 .S"))
print(forth.run("ROT .S"))
print(forth.run("+ * ."))  # 2 + 3 = 5, then 1 * 5

# %% [markdown]
# ### Defining new words
#
# `: NAME ... ;` defines a new word: the words between the name and `;` are compiled, not run, and
# running `NAME` later runs them. New words are used exactly like built-in ones, so a Forth program
# grows a vocabulary for its problem. `see` shows what a definition was compiled to.

# %%
forth.run(": SQUARE ( n -- n*n )  DUP * ;")
forth.run(": SUM-OF-SQUARES ( a b -- a*a+b*b )  SQUARE SWAP SQUARE + ;")
print(forth.run("3 4 SUM-OF-SQUARES ."))
print(forth.see("SUM-OF-SQUARES"))

# %% [markdown]
# When one word calls another, the machine must remember where to continue afterwards. Forth keeps
# these **return addresses** on a second stack, the **return stack**. Step through the program below and
# watch it: each call of `SQUARE` pushes the address to return to (shown as `word:position`), and `;`
# pops it.

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
# A run's trace is a tree: a call of a word you defined is a node whose children are the words of its
# body; built-in words are leaves. Lesson 02 records the programs of a neural network in exactly this
# form.

# %%
trace = Forth().trace(source)
print(format_tree(trace))

# %% [markdown]
# ### Exercise 3 — define a word
#
# Define `CUBE ( n -- n*n*n )`. Return the Forth source of the definition as a string.

# %%
def cube_source():
    ### BEGIN SOLUTION
    return ": CUBE ( n -- n*n*n )  DUP DUP * * ;"
    ### END SOLUTION


ex3 = check_forth_word(
    "Exercise 3",
    cube_source,
    lambda: ": CUBE DUP DUP * * ;",
    "CUBE",
    cases=[([2], [8]), ([-3], [-27]), ([0], [0]), ([7, 10], [7, 1000])],
)

# %% [markdown]
# ## 5. Decisions and loops
#
# `IF ... ELSE ... THEN` takes a flag off the stack (0 is false, anything else true). Loops come in
# two kinds: `BEGIN ... UNTIL` repeats until a flag is true, and `limit start DO ... LOOP` counts, with
# `I` the loop index. Both are allowed only inside definitions.

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
# Each call of `FACT` waits for the one it made: its return address stays on the return stack until
# the inner call returns. The return stack *is* the call stack. Its depth over the run of `4 FACT`
# rises to four pending calls and falls back:

# %%
fact_trace = Forth().trace(": FACT DUP 1 > IF DUP 1- RECURSE * THEN ; 4 FACT")
depths = [len(m.state.rstack) for m in timeline(fact_trace)]
fig, ax = plt.subplots(figsize=(7, 2))
ax.step(range(len(depths)), depths, where="post")
ax.set_xlabel("step")
ax.set_ylabel("return-stack depth")
ax.set_title("4 FACT: one return address per pending call")
plt.show()

# %% [markdown]
# Step through it yourself, watching both stacks:

# %%
# NBVAL_IGNORE_OUTPUT
fact_view = forth_stepper(": FACT DUP 1 > IF DUP 1- RECURSE * THEN ; 4 FACT")
fact_view

# %% [markdown]
# The Fibonacci numbers call themselves twice, so the calls form a tree. Here is the call tree of
# `2 FIB` (built-in words as plain leaves, calls boxed):

# %%
fib = ": FIB ( n -- fib ) DUP 1 > IF DUP 1- RECURSE SWAP 2 - RECURSE + THEN ;"
print(Forth().run(fib + " 10 FIB ."))
draw_call_tree(Forth().trace(fib + " 2 FIB"))
plt.show()

# %% [markdown]
# A recursion without a base case never stops. A real machine runs out of return stack; this one stops
# at a limit and says so, and leaves the interpreter as it was before the failed line:

# %%
runaway = Forth()
try:
    runaway.run(": FOREVER ( -- ) RECURSE ;  FOREVER")
except ForthError as e:
    print("error:", e)
print("words defined after the failed line:", runaway.words())

# %% [markdown]
# ### Exercise 4 — a recursive word
#
# Define `SUMTO ( n -- 0+1+...+n )` **recursively** with `RECURSE` (no loop words): the sum of 0 is 0,
# and the sum up to n is n plus the sum up to n-1.

# %%
def sumto_source():
    ### BEGIN SOLUTION
    return ": SUMTO ( n -- sum )  DUP 0> IF DUP 1- RECURSE + THEN ;"
    ### END SOLUTION


ex4 = check_forth_word(
    "Exercise 4",
    sumto_source,
    lambda: ": SUMTO DUP 0> IF DUP 1- RECURSE + THEN ;",
    "SUMTO",
    cases=[([0], [0]), ([1], [1]), ([4], [10]), ([100], [5050])],
    must_use=["RECURSE"],
)

# %% [markdown]
# ## 7. Towards lesson 02: grade-school addition as a hierarchy of words
#
# Add 96 and 125 the way you learned at school: write the digit of the rightmost column, carry a 1
# into the next column if the column's sum reaches 10, move one column left, and repeat until nothing
# is left. The NPI paper calls these steps `ADD1` (one column), `CARRY` and `LSHIFT` (move left), and
# the whole procedure `ADD`. In Forth, with the stack holding `( result place a b )` — the result so far,
# the place value of the current column (1, 10, 100, …) and what is left of the two numbers — they
# become words. The carry is written as a 1 in the next column of `a`, just as you write a small 1
# above the next column on paper.

# %%
adder = Forth()
adder.run(
    """
: DIGITS ( a b -- a b s )     2DUP 10 MOD SWAP 10 MOD + ;      \\ this column's digit sum
: CARRY  ( a b -- a+10 b )    SWAP 10 + SWAP ;                 \\ a 1 in the next column of a
: ADD1   ( r p a b -- r' p a' b )
    DIGITS DUP 9 > IF >R CARRY R> THEN 10 MOD    \\ r p a b d
    ROT ROT >R >R  OVER * ROT + SWAP  R> R> ;   \\ r += d * p
: LSHIFT ( r p a b -- r p*10 a/10 b/10 )  10 / SWAP 10 / SWAP ROT 10 * ROT ROT ;
: DONE?  ( a b -- a b flag )  2DUP + 0= ;
: ADD    ( r p a b -- sum )   DONE? IF 2DROP DROP EXIT THEN  ADD1 LSHIFT RECURSE ;
"""
)
print(adder.run("0 1 96 125 ADD ."), adder.run("0 1 99999 1 ADD ."))

# %% [markdown]
# `ADD` is recursive: it does one column, shifts, and calls itself for the rest. Its trace has the
# shape of the NPI traces of the next lesson: `ADD` calls `ADD1` and `LSHIFT`, `ADD1` sometimes calls
# `CARRY`, and each `ADD` ends by calling `ADD` again, until nothing is left.

# %%
add_trace = adder.trace("0 1 96 125 ADD")
print("\n".join("  " * (d - 1) + s.name for d, s in add_trace.walk() if s.is_call and d > 0))

# %% [markdown]
# The same procedure as a loop (`BEGIN ... WHILE ... REPEAT`) gives the same answer with a flat trace:
# one frame of `ADD-LOOP` calls `ADD1` and `LSHIFT` once per column, so the length of that one frame
# grows with the numbers. Lesson 02 shows why that difference decides whether a neural network can
# learn the procedure for numbers of any length.

# %%
adder.run(": ADD-LOOP ( r p a b -- sum )  BEGIN DONE? 0= WHILE ADD1 LSHIFT REPEAT 2DROP DROP ;")
loop_trace = adder.trace("0 1 96 125 ADD-LOOP")
print(adder.run("0 1 96 125 ADD-LOOP ."))
print("\n".join("  " * (d - 1) + s.name for d, s in loop_trace.walk() if s.is_call and d > 0))

# %% [markdown]
# ## Check your understanding
#
# 1. Why does RPN need no parentheses? <details><summary>Answer</summary>The order of the operators
#    in the text is the order in which they are applied, and each takes its operands from the stack,
#    so there is nothing to group.</details>
# 2. What is on the stack after `1 2 3 ROT SWAP`? <details><summary>Answer</summary>`2 1 3`
#    (`ROT` gives `2 3 1`, `SWAP` gives `2 1 3`).</details>
# 3. What does the return stack hold during `4 FACT`, at its deepest? <details><summary>Answer</summary>
#    The return address of every pending call: one for the top-level `FACT`, and one for each
#    `RECURSE` still waiting for its callee.</details>
# 4. In the recursive `ADD`, how many words does one call of `ADD` run before it calls itself, however
#    long the numbers are? <details><summary>Answer</summary>Always the same few: `DONE?`, `IF`,
#    `ADD1`, `LSHIFT`, then `RECURSE`. The loop version's single frame instead runs them once per
#    column.</details>
#
# ## Summary
#
# - A stack machine evaluates postfix (RPN) expressions in one pass, with no parentheses or precedence.
# - The shunting-yard algorithm converts infix to RPN: numbers keep their order, operators move.
# - Forth programs are words; new words are defined with `: ... ;` and used like built-in ones.
# - A call pushes a return address on the return stack; recursion is a word calling itself, and the
#   return stack holds all pending calls.
# - Grade-school addition is a hierarchy of words: `ADD` → `ADD1` (→ `CARRY`), `LSHIFT`, and `ADD`
#   again. Next, in [lesson 02](02_execution_traces.ipynb), such hierarchies become the execution
#   traces a neural network learns from.
#
# ## Further reading
#
# - Leo Brodie, *Starting Forth* (1981; free online): the classic introduction to Forth.
# - E. W. Dijkstra, *Algol 60 translation* (1961), where the shunting-yard algorithm appears.
# - The Forth-2012 standard, for the exact meaning of every word used here.
