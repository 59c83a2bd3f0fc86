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
# # From stack machines to recursive neural programs
#
# This course takes you from the humble stack calculator to a neural network that *learns to run
# programs*, and then to the result that makes such networks trustworthy: when the programs it learns
# are **recursive**, the network generalizes to inputs of any size, and that can be **proved** by
# checking a finite set of cases. Everything runs on a laptop CPU: each lesson's code in under three
# minutes.
#
# You write the central pieces yourself, in short exercises, and a small library, `npi_lib`, holds the
# rest: in lesson 01 you evaluate reverse Polish notation and define Forth words, run by the library's
# Forth interpreter; in lesson 02 you read and write execution traces, addition's in depth, with a first
# look at the other three tasks of Cai, Shin & Song (ICLR 2017); in lesson 03 you assemble the Neural Programmer-Interpreter (NPI) of Reed &
# de Freitas (ICLR 2016) in PyTorch; in lessons 04 and 05 you train it on addition, without and with
# recursion, and measure how far it generalizes. The paper's addition results are reproduced today
# (`python -m npi_lib reproduce addition` retrains the four models and prints their accuracy beside the
# paper's); the library already traces the sorting and graph tasks, and later lessons will train the
# network on them.
#
# **Who it is for.** You know Python and have met a neural network (a layer, a loss, a training
# loop). No knowledge of Forth, LSTMs or program synthesis is assumed; each is introduced when it is
# needed.

# %% [markdown]
# ## Learning goals of the course
#
# By the end you will be able to
#
# 1. evaluate and write programs for a stack machine, and explain why reverse Polish notation needs no
#    parentheses;
# 2. describe a program as a hierarchy of calls and record its **execution trace**;
# 3. build the NPI in PyTorch: its encoder, its LSTM core, its program memory and its three decoders,
#    and the interpreter loop with its call stack;
# 4. train it from traces, and measure how far past the training lengths it still computes correctly;
# 5. explain why a loop leaks the input's length into the network's state and recursion does not, and
#    what that means for provable generalization.

# %% [markdown]
# ## The lessons
#
# | lesson | what you learn | time |
# |---|---|---|
# | **00** course index (this notebook) | how the course works; a check that your setup runs | 15 min |
# | [**01** stack machines and reverse Polish notation](01_stack_machines.ipynb) | postfix evaluation, Forth words and definitions, recursion and the return stack | 70 min |
# | [**02** programs as execution traces](02_execution_traces.ipynb) | addition as a hierarchy of programs, step by step; recursive and non-recursive traces; what one call frame sees; a first look at the other three tasks | 60 min |
# | [**03** the NPI architecture](03_npi_architecture.ipynb) | `f_enc`, the LSTM cell and core, `M_key`/`M_prog`, `f_end`/`f_prog`/`f_arg`; the RUN loop and its call stack, drawn | 115 min |
# | [**04** learning to add without recursion](04_learning_to_add.ipynb) | training on traces; accuracy against length; where the loop breaks | 115 min (+15 optional) |
# | [**05** learning to add with recursion](05_recursion.ipynb) | the reset at every call; generalization to thousands of digits; learning from five examples; a playground | 110 min (+10 optional) |
#
# Times are estimates from each lesson's length (`tools/reading_time.py`): its prose at 150 words a
# minute, its code at 10 lines a minute, 8 minutes an exercise and 3 minutes to run it; optional deep
# dives are counted apart. Skipping an exercise saves about 8 minutes.
#
# Later lessons, on sorting, topological sort and the verification of learned programs, follow the same
# pattern; the library already contains their environments and traces.
#
# Each lesson says where it sits in the series, what you will learn, and ends with a summary and
# further reading. Lessons build on each other: take them in order.

# %% [markdown]
# ## How to use these notebooks
#
# - **Run the cells in order** (Shift-Enter), or *Run → Run All Cells*. Every notebook runs from top
#   to bottom in under three minutes on a laptop or on Binder; where training would take longer, the
#   lesson loads a checkpoint that ships with the library and says so.
# - **Short code cells, a library behind them.** The notebooks import `npi_lib`, the course's own
#   library. Each of its functions says which lesson explains it; open the source when you are curious
#   (`npi_lib/` in the repository, or `??function_name` in a cell).
# - **Exercises** are marked *Exercise*. You complete a function between the lines
#   `### BEGIN SOLUTION` and `### END SOLUTION` (in the student version of a lesson, that region
#   holds `raise NotImplementedError()`). The cell after it checks your answer and tells you what is
#   wrong, not just *that* something is wrong. If you skip an exercise, the check says so and
#   carries on with the reference solution, so *Run All* never stops halfway.
# - **Widgets** (step buttons, trace viewers) need a live kernel: they appear when you run the cell.
# - **Binder**: the badge in the README opens this course in JupyterLab in your browser, with nothing
#   to install. Binder gives one CPU and about 2 GB of memory, which is enough for every lesson; your
#   changes are lost when the session ends, so download notebooks you want to keep.

# %% [markdown]
# ## Setup check
#
# The next cell imports the libraries the course uses and prints their versions. If it fails, see
# the README's set-up section: `make lab` creates a virtual environment with exactly these versions.

# %%
import platform

import ipywidgets
import matplotlib
import numpy
import torch

import npi_lib

print(f"Python      {platform.python_version_tuple()[0]}.{platform.python_version_tuple()[1]}")
for name, module in [
    ("npi_lib", npi_lib),
    ("torch", torch),
    ("numpy", numpy),
    ("matplotlib", matplotlib),
    ("ipywidgets", ipywidgets),
]:
    print(f"{name:<11} {module.__version__}")
print("GPU         not needed" + (" (one is available)" if torch.cuda.is_available() else ""))

# %% [markdown]
# A first taste of lesson 01: the library's stack machine evaluates an expression written in reverse
# Polish notation. `5 3 + 2 *` means "push 5, push 3, add them, push 2, multiply":

# %%
from npi_lib.rpn import evaluate_rpn

evaluate_rpn("5 3 + 2 *")

# %% [markdown]
# If you see `16`, everything works. Continue with **[lesson 01: stack machines and reverse Polish
# notation](01_stack_machines.ipynb)**.
#
# ## Further reading
#
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016. arXiv:1511.06279.
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017. arXiv:1704.06611.
