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
# # Lesson 03 — The NPI architecture
#
# Lesson 02 showed what a Neural Programmer-Interpreter learns from: frames of execution traces, each step
# a decision made from one observation. This lesson builds the network that makes those decisions, one
# component at a time, with the shape of every tensor on the way: the encoder `f_enc` that reads the
# scratch pad, the LSTM core (introduced from scratch), the three decoders, and the program memory in which
# the next program is found by a key-value lookup. Then the network is put to work: the **RUN** loop calls
# programs, keeps a call stack and resets the controller state at every call. Nothing is trained yet: an
# untrained network runs 96 + 125 through the same interface the trained one will use, and fails in
# instructive ways, so that when lesson 04 trains it you will know exactly what is being learned.
#
# **Where you are:** previous: [02 programs as execution traces](02_execution_traces.ipynb) · next:
# [04 learning to add](04_learning_to_add.ipynb).
#
# **Learning goals.** After this lesson you can
# 1. name the inputs and outputs of one NPI step and match them to the frame steps of lesson 02;
# 2. write the equations of an LSTM cell, say what its state (h, c) holds, and follow a step through the
#    network with the shape of every tensor on the way;
# 3. explain the program memory as a key-value lookup, and the three decoders;
# 4. count the parameters of each component, and say why this course's model is smaller than the paper's;
# 5. run the RUN loop by hand: its call stack, the reset at every call, primitives and calls, the return
#    flag and tail calls;
# 6. batch the frames of a trace into padded tensors with a mask, the way training sees them.

# %% [markdown]
# ## Setup

# %%
# %matplotlib inline
from collections import Counter

import matplotlib.pyplot as plt
import torch

from npi_lib import addition
from npi_lib.exercises import check_function, check_tensor_function, check_width_experiment, off_by_hint
from npi_lib.interpreter import execute, run, step_limits
from npi_lib.model import NPI, NPIConfig, parameter_count
from npi_lib.plotting import draw_call_stack, draw_lstm_cell, draw_npi_step, draw_program_lookup
from npi_lib.task import get_task, task_names
from npi_lib.trace import Step, Trace, first_difference, frames, timeline
from npi_lib.training import batch_loss, collect_frames, encode_frames, step_accuracy
from npi_lib.widgets import CompareViewer

task = addition.TASK  # every model below is built right after torch.manual_seed: the same weights on every run

# %% [markdown]
# ## 1. The interface of one step
#
# The NPI is one function, applied once per step of a call frame. At step t of a frame it receives
#
# - the **observation** e_t: what the task's environment shows, for addition the four cells under the
#   pointers (in1, in2, carry, out);
# - the **arguments** a_t of the program that is running: three small integers;
# - the **program** that is running, as an id; the network looks up its embedding p_t;
#
# and the controller state h_{t-1} it left at the previous step of the same frame. It emits
#
# - r_t, the probability that the frame **returns** after this step;
# - k_t, a **key** that selects the next program (section 4);
# - a_{t+1}, the **arguments** of that next program.
#
# These are exactly the fields of the steps that `frames` cut a trace into in
# [lesson 02](02_execution_traces.ipynb) (section 5; their type is `npi_lib.trace.FrameStep`): inputs `obs`,
# `program`, `args`; outputs `next_program`, `next_args`, `ret`. Here are the first
# three frames of the recursive trace of 96 + 125, read as what the network is given and what it must say
# (BLANK = 10):

# %%
trace = addition.reference((96, 125), "recursive")
print(f"{'e_t (in1, in2, carry, out)':<28}{'program':<9}{'a_t':<11}->  {'next program':<14}{'a_t+1':<11}r_t")
for frame in frames(trace)[:3]:
    for s in frame.steps:
        inputs = f"{str(s.obs):<28}{s.program:<9}{str(s.args):<11}"
        print(f"{inputs}->  {s.next_program:<14}{str(s.next_args):<11}{s.ret:d}")
    print()

# %% [markdown]
# The first row is the very first decision: the `ADD` frame sees 6 and 5 under the input pointers and a blank
# carry and output, and must call `ADD1` without returning. The observation comes from the pad:

# %%
task.draw(trace.initial_state, title="e_1 = (6, 5, BLANK, BLANK): the cells under the four pointers")
plt.show()

# %% [markdown]
# Two things in the table matter for everything below. Within a frame, the same inputs can need different
# outputs: the first two steps of the `CARRY` frame see exactly the same observation, program and arguments,
# yet the first must move the carry pointer and the second must write the 1. That is what the controller
# state is for: it carries the frame's history from step to step ("I have moved already"). And the outputs name a
# *program*, not a primitive action: `WRITE` and `CARRY` come out of the same decoder, and only the RUN loop
# (section 6) treats them differently.

# %% [markdown]
# ## 2. The encoder f_enc
#
# The encoder is the only part of the NPI written for one task (Reed & de Freitas 2016, §3). It turns the
# observation and the arguments into a vector s_t of a fixed size D, the **state**. The papers do not say
# how arguments are coded; `npi_lib.model` codes every observation field and every argument slot
# **one-hot**, with as many positions as the field has values (`task.obs_sizes`, `task.arg_sizes`), and
# concatenates the codes:
#
# - four cells of 11 values each (digits 0–9 and BLANK): 4 × 11 = 44 positions;
# - the argument slots of addition take 4 values (a row), 10 (a digit or a direction) and 1 (the third slot
#   is unused: a one-value slot is always 0, so its single position is always on);
#
# 59 positions in all. A small MLP (Linear, ReLU, Linear) maps them to s_t. Nothing in this input says how
# long the numbers are, or which column the pointers are at.

# %%
torch.manual_seed(0)
model = NPI.for_task(task)  # an untrained NPI, sized for addition with the default NPIConfig
print(model.f_enc)
obs, args, prog = model.inputs([(6, 5, 10, 10)], [(0, 0, 0)], [task.program_id("ADD")])
x = model.one_hot(obs, args)
s = model.encode(obs, args)
print("obs", tuple(obs.shape), "args", tuple(args.shape), "-> one-hot", tuple(x.shape), "-> s_t", tuple(s.shape))
print("positions set in the one-hot code:", x[0].nonzero().flatten().tolist())
print("s_t starts with", [round(v, 3) for v in s[0, :5].tolist()])

# %% [markdown]
# The one-hot code of this first step, field by field: one dark cell in each.

# %%
sizes = list(task.obs_sizes) + list(task.arg_sizes)
names = list(task.observation_fields) + ["arg 1", "arg 2", "arg 3"]
edges = [sum(sizes[:i]) for i in range(len(sizes) + 1)]
fig, ax = plt.subplots(figsize=(12, 1.2))
ax.imshow(x, cmap="Greys", aspect="auto", vmin=0, vmax=1)
for left in edges[1:-1]:
    ax.axvline(left - 0.5, color="#0072B2", lw=2)
ax.set_xticks([(left + right - 1) / 2 for left, right in zip(edges, edges[1:])],
              [f"{name} ({size})" for name, size in zip(names, sizes)])
ax.set_yticks([])
ax.set_title("f_enc's input for e_t = (6, 5, BLANK, BLANK), a_t = (0, 0, 0): 59 numbers, field (values)", fontsize=10)
plt.show()

# %% [markdown]
# ### Exercise 1 — the width of the encoder's input (2 points)
#
# Every task declares its own `obs_sizes` and `arg_sizes`. How many numbers does `f_enc` receive, as a
# function of the two? Complete `one_hot_width`; the check compares it with the width the library's model
# actually builds for each of the course's five task variants.

# %% nbgrader={"grade": false, "grade_id": "ex1_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def one_hot_width(obs_sizes, arg_sizes):
    ### BEGIN SOLUTION
    return sum(obs_sizes) + sum(arg_sizes)  # one position per value of every field and every slot
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def width_in_the_model(obs_sizes, arg_sizes):
    net = NPI(obs_sizes, arg_sizes, n_programs=2, config=NPIConfig(hidden_size=4))
    no_obs, no_args = torch.zeros(1, len(obs_sizes), dtype=torch.long), torch.zeros(1, 3, dtype=torch.long)
    return net.one_hot(no_obs, no_args).shape[-1]


mistakes = [
    (lambda o, a: sum(o), "the arguments are part of the encoder's input too."),
    (lambda o, a: len(o) + len(a), "one-hot codes have one position per *value*, not one per field."),
]
ex1 = check_function(
    "Exercise 1", one_hot_width, width_in_the_model,
    [(get_task(name).obs_sizes, get_task(name).arg_sizes) for name in task_names()],
    hint=off_by_hint(mistakes),
)
### BEGIN HIDDEN TESTS
ex1 += check_function("Exercise 1 (more cases)", one_hot_width, width_in_the_model,
                      [((2,), (1, 1, 1)), ((3, 5, 7), (2, 9, 4)), ((11,) * 6, (6, 6, 1)), ((1, 1), (1, 1, 1))],
                      hint=off_by_hint(mistakes))
### END HIDDEN TESTS
ex1.points(2)

# %% [markdown]
# ## 3. The core: fusing s_t and p_t, and the LSTM
#
# The core is the same for every task. The program's embedding p_t is row `id` of the **program memory**
# M_prog (N × P: one row per program, primitives included; section 4). Reed & de Freitas join s_t and p_t
# by concatenation followed by a small MLP; here one Linear layer with a ReLU (`fuse`) maps the D + P
# numbers to x_t, the input of the LSTM.
#
# ### The LSTM cell
#
# Section 1 showed that the network must remember, inside a frame, what it has already done. A **recurrent**
# layer does that: it keeps a state from one step to the next. The NPI's is an LSTM (long short-term memory,
# Hochreiter & Schmidhuber 1997). A layer of H units keeps two vectors of H numbers: the **cell** c, its
# memory, and the **output** h, which the layers above read and which the layer itself reads at the next step.
# At step t it combines its input x_t and its previous output h_{t-1} four times, each with its own weights
# (W for x_t, U for h_{t-1}, a bias b), then updates c and h:
#
# $$ i_t = \sigma(W_i x_t + U_i h_{t-1} + b_i), \quad f_t = \sigma(W_f x_t + U_f h_{t-1} + b_f), \quad
#    o_t = \sigma(W_o x_t + U_o h_{t-1} + b_o), \quad g_t = \tanh(W_g x_t + U_g h_{t-1} + b_g) $$
#
# $$ c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t) $$
#
# The sigmoid σ gives numbers between 0 and 1, and ⊙ multiplies entry by entry, so i, f and o are **gates**
# (near 0 closed, near 1 open): the **forget gate** f says how much of the old cell to keep, the **input
# gate** i how much of the **candidate** g (between −1 and 1) to add, the **output gate** o how much of the
# cell to show in h. "Keep a share, add a share" lets c hold a flag or a count over many steps. Before the
# first step of a frame, h and c are zero ("h = 0" for short: the reset of section 6).
#
# **Two layers**, as in both papers, are two such cells stacked: the first reads x_t, the second reads the
# first one's h_t, and each keeps its own (h, c). The decoders read the second layer's h: that is the paper's
# h_t. The controller state is therefore four vectors of H numbers: h and c of both layers.

# %%
draw_lstm_cell()
plt.show()

# %% [markdown]
# One step of the whole network, with symbols for the sizes (B is the number of steps in a batch; blue
# boxes compute, white boxes are values):

# %%
draw_npi_step()
plt.show()

# %% [markdown]
# The same step computed stage by stage, for a batch of the five steps of the first two frames above
# (each taken as the first step of a frame, so from a zero state), with the shapes our model gives the symbols:

# %%
first_steps = [s for frame in frames(trace)[:2] for s in frame.steps]
obs, args, prog = model.inputs([s.obs for s in first_steps], [s.args for s in first_steps],
                               [task.program_id(s.program) for s in first_steps])
x = model.one_hot(obs, args)
s_t = model.f_enc(x)
p_t = model.M_prog[prog]
fused = model.fuse(torch.cat([s_t, p_t], dim=-1))
top, (h, c) = model.f_lstm(fused.unsqueeze(1))  # a sequence of length 1, from the zero state
h_t = top[:, 0]  # the second layer's output: what the decoders read
for name, tensor in [("obs", obs), ("args", args), ("prog", prog), ("one-hot", x), ("s_t", s_t), ("p_t", p_t),
                     ("fused", fused), ("h_t", h_t), ("state h", h), ("state c", c)]:
    print(f"{name:<9}{str(tuple(tensor.shape)):<14}{tensor.dtype}")

# %% [markdown]
# So W = 59, D = 64, P = 32, H = 64, and the state (h, c) holds both layers: (2, B, 64) each. The model's
# own `step` method does exactly these stages (and the decoders of the next section); it agrees:

# %%
out, (h_step, c_step) = model.step(obs, args, prog)
print("same h_t as model.step:", torch.allclose(h_step[-1], h_t), "·", "same c:", torch.allclose(c_step, c))

# %% [markdown]
# ## 4. The decoders and the program memory
#
# Three decoders read h_t; each is a single Linear layer in `npi_lib.model`:
#
# - `f_end` (H → 1) gives the logit of r_t; the frame returns when r_t = sigmoid(logit) > 0.5;
# - `f_arg` is one classifier per argument slot (H → 4, H → 10, H → 1 for addition); each slot's argument
#   is the argmax of its logits;
# - `f_prog` (H → K) gives the key k_t.
#
# The next program is found in the **program memory**, two matrices with one row per program:
# M_key (N × K) holds a key for each program, M_prog (N × P) its embedding. The next program is the one whose
# key best matches k_t,
#
# $$ i_{t+1} = \arg\max_i \; M_{key}[i] \cdot k_t , $$
#
# and its embedding M_prog[i] becomes p_t of the frame that runs it. It is a **key-value lookup**: keys in
# M_key, values in M_prog. As arithmetic it is just a linear classifier over programs, but the split keeps
# the core independent of the number of programs: a new program is a new row in the memory, and Reed & de
# Freitas (2016) teach an NPI new programs this way, with the core held fixed.
#
# The decoders of the untrained model for the five steps of section 3:

# %%
print("end logits (B,):      ", tuple(out.end_logit.shape), " r_t =",
      [round(r, 3) for r in torch.sigmoid(out.end_logit).tolist()])
print("program scores (B, N):", tuple(out.prog_logits.shape))
print("argument logits:      ", [tuple(a.shape) for a in out.arg_logits])
print("chosen programs:      ", [task.programs[i] for i in out.prog_logits.argmax(-1).tolist()])
print("reference wants:      ", [s.next_program for s in first_steps])
agree = sum(task.programs[i] == s.next_program for i, s in zip(out.prog_logits.argmax(-1).tolist(), first_steps))
print(f"agreements:            {agree} of {len(first_steps)}")

# %% [markdown]
# An untrained network has no opinion yet: every r_t is close to 0.5 (here a little above it, so every frame
# would return after its first step), and the program scores are small numbers whose argmax is whatever the
# random keys happen to favour. Where it agrees with the reference, that is chance.

# %% [markdown]
# ### Exercise 2 — the decoder f_end (2 points)
#
# Write `return_probability(model, h)`: for a batch of top-layer outputs h of shape (B, H), return r_t, one
# probability per step, of shape (B,), computed with the model's own decoder (section 4 says how).

# %% nbgrader={"grade": false, "grade_id": "ex2_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def return_probability(model, h):
    ### BEGIN SOLUTION
    return torch.sigmoid(model.f_end(h)).squeeze(-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def r_hint(args, got, expected):
    if tuple(getattr(got, "shape", ())) == (*expected.shape, 1):
        return "f_end has one output unit, so its output ends in a dimension of size 1; r_t has shape (B,)."
    return "r_t is a probability between 0 and 1, not f_end's logit."


hs = [h_t.detach(), torch.randn(1, 64, generator=torch.Generator().manual_seed(1)), torch.zeros(3, 64)]
labels = [f"h of shape {tuple(h.shape)}" for h in hs]
ex2 = check_tensor_function("Exercise 2", return_probability, lambda m, h: m.decode(h).return_probability,
                            [(model, h) for h in hs], labels=labels, hint=r_hint)
### BEGIN HIDDEN TESTS
with torch.random.fork_rng():  # another task's network, 16 units wide, 8-number keys; the seed of later cells is kept
    torch.manual_seed(2)
    other = NPI.for_task(get_task("quicksort"), NPIConfig(hidden_size=16, key_size=8))
other_hs = [(other, torch.randn(5, 16, generator=torch.Generator().manual_seed(2))), (other, torch.zeros(2, 16)),
            (model, 10 * h_t.detach())]
other_labels = ["a quicksort network with H = 16, h of shape (5, 16)", "the same network, h of shape (2, 16)",
                "our network, h of shape (5, 64) with large values"]
ex2 += check_tensor_function("Exercise 2 (more cases)", return_probability,
                             lambda m, h: m.decode(h).return_probability, other_hs, labels=other_labels, hint=r_hint)
### END HIDDEN TESTS
ex2.points(2)

# %% [markdown]
# ### Exercise 3 — the program lookup (2 points)
#
# Write `program_scores(model, h)`: for each of the B steps, the score of every program as section 4 defines
# it, from the model's `f_prog` and `M_key`. Return a tensor of shape (B, N): one row per step, one score per
# program (the next program is the argmax of a row).

# %% nbgrader={"grade": false, "grade_id": "ex3_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def program_scores(model, h):
    ### BEGIN SOLUTION
    k = model.f_prog(h)  # (B, K)
    return k @ model.M_key.T  # (B, K) @ (K, N) -> (B, N): every key against every program's key
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3_check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
def scores_hint(args, got, expected):
    if tuple(getattr(got, "shape", ())) == tuple(reversed(expected.shape)):
        return "That is one row per program: the result needs one row per step."
    return "A program's score is the dot product of the step's key with that program's row of M_key."


ex3 = check_tensor_function("Exercise 3", program_scores, lambda m, h: m.decode(h).prog_logits,
                            [(model, h) for h in hs], labels=labels, hint=scores_hint)
### BEGIN HIDDEN TESTS
ex3 += check_tensor_function("Exercise 3 (more cases)", program_scores, lambda m, h: m.decode(h).prog_logits,
                             other_hs, labels=other_labels, hint=scores_hint)
### END HIDDEN TESTS
ex3.points(2)

# %% [markdown]
# Your lookup (or the reference, if you skipped the exercise) for the very first step of 96 + 125: the dot
# product of k_1 with each program's key. The tallest bar is the program the untrained network calls; the
# reference calls `ADD1`. Training will pull k_1 towards M_key[ADD1] and away from the other keys.

# %%
scores = ex3.use(model, h_t[:1].detach())[0]
chosen = int(scores.argmax())
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.bar(task.programs, scores.tolist(), color=["#D55E00" if i == chosen else "#0072B2" for i in range(len(scores))])
ax.axhline(0, color="0.3", lw=0.8)
ax.set_ylabel("$M_{key}[i] \\cdot k_1$")
ax.set_title(f"first step of ADD on 96 + 125: the untrained network picks {task.programs[chosen]}, the reference ADD1",
             fontsize=10)
plt.show()

# %% [markdown]
# ## 5. How many parameters?
#
# Every component's parameters, for our model and for one of the paper's size. Reed & de Freitas (2016) use
# an LSTM of 2 layers × 256 units; later work (Shin & Song 2018) used P = 256 and K = 32. The papers do not
# give the encoder's or the fusion layer's widths: the "paper-sized" model below guesses 128 and 256.

# %%
PAPER_SIZED = NPIConfig(state_size=128, encoder_hidden=128, program_size=256, key_size=32, fusion_size=256,
                        hidden_size=256)


def parameters_per_component(net):
    return {name: sum(p.numel() for p in child.parameters()) for name, child in net.named_children()} | {
        "M_prog": net.M_prog.numel(), "M_key": net.M_key.numel()}


torch.manual_seed(0)
ours, paper = parameters_per_component(model), parameters_per_component(NPI.for_task(task, PAPER_SIZED))
components = ["f_enc", "M_prog", "fuse", "f_lstm", "f_end", "f_prog", "M_key", "f_arg"]  # in the order of a step
print(f"{'component':<10}{'ours':>10}{'paper-sized':>14}")
for name in components:
    print(f"{name:<10}{ours[name]:>10,}{paper[name]:>14,}")
print(f"{'total':<10}{parameter_count(model):>10,}{sum(paper.values()):>14,}")

# %%
fig, ax = plt.subplots(figsize=(8, 2.8))
ax.barh(components, [paper[n] for n in components], color="0.8", label="paper-sized")
ax.barh(components, [ours[n] for n in components], color="#0072B2", height=0.5, label="ours")
ax.set_xscale("log")
ax.set_xlabel("parameters (log scale)")
ax.legend(loc="lower right")
ax.invert_yaxis()
plt.show()

# %% [markdown]
# The LSTM holds most of the parameters in both; ours has about 11 times fewer in all. Only its encoder is
# wider than the guess for the paper's (256 hidden units: the last training steps to be learned are
# exceptions in ADD1's digit table, which a wider encoder memorizes sooner; `npi_lib.model` explains). The
# smaller core is measured to be better here: a core of 64 units learns every step of the addition training
# set in less CPU time than one of 128 or 256, and all three add 1,000-digit numbers without a mistake
# (`python tools/bench_npi.py sizes` measures it again and prints the table). The task is small: 7 programs,
# frames of at most 4 steps in the recursive formulation. Reed & de Freitas trained one core for addition,
# sorting and the canonicalization of 3D car models at once, which needs more room.
#
# ### Exercise 4 — count an LSTM's parameters (3 points)
#
# Count from the equations of section 3: per layer, the four of i, f, o and g each have their W, U and b.
# One detail is PyTorch's: `nn.LSTM` keeps **two** bias vectors per gate, `b_ih` and `b_hh` (only their sum
# matters; the second exists for compatibility with NVIDIA's cuDNN). Write
# `lstm_parameters(input_size, hidden_size, layers)`, the number of parameters of `layers` stacked layers.

# %% nbgrader={"grade": false, "grade_id": "ex4_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def lstm_parameters(input_size, hidden_size, layers):
    ### BEGIN SOLUTION
    def one_layer(n_in):
        return 4 * hidden_size * (n_in + hidden_size) + 2 * 4 * hidden_size  # 4 gates: W_ih, W_hh, b_ih, b_hh

    return one_layer(input_size) + (layers - 1) * one_layer(hidden_size)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def lstm_in_torch(input_size, hidden_size, layers):
    return parameter_count(torch.nn.LSTM(input_size, hidden_size, num_layers=layers))


mistakes = [  # (the count a mistake gives, what went wrong); n is the number of layers
    (lambda i, h, n: lstm_in_torch(i, h, n) - 4 * h * n, "PyTorch keeps two bias vectors per gate: b_ih and b_hh."),
    (lambda i, h, n: lstm_in_torch(i, h, n) - 8 * h * n, "did you forget the biases (two vectors per gate)?"),
    (lambda i, h, n: lstm_in_torch(i, h, n) // 4, "an LSTM layer has four gates, each with its own weights and biases."),
    (lambda i, h, n: lstm_in_torch(i, h, n) - 4 * h * h * n,
     "each gate also reads the previous h, through a hidden_size × hidden_size matrix."),
    (lambda i, h, n: lstm_in_torch(i, h, n) + 4 * h * (i - h) * (n - 1),
     "the layers above the first read the layer below them: their input size is hidden_size."),
]
ex4 = check_function("Exercise 4", lstm_parameters, lstm_in_torch,
                     [(64, 64, 2), (96, 256, 2), (10, 3, 1), (5, 7, 3)], hint=off_by_hint(mistakes))
### BEGIN HIDDEN TESTS
ex4 += check_function("Exercise 4 (more cases)", lstm_parameters, lstm_in_torch,
                      [(1, 1, 1), (3, 100, 2), (128, 32, 4), (256, 256, 2), (59, 64, 1)], hint=off_by_hint(mistakes))
### END HIDDEN TESTS
ex4.points(3)

# %%
print("f_lstm of our model:", f"{ex4.use(64, 64, 2):,}", "· paper-sized:", f"{ex4.use(256, 256, 2):,}")

# %% [markdown]
# ## 6. The RUN loop: calls, the call stack and the reset
#
# The network decides; the **RUN** loop carries the decisions out (Reed & de Freitas 2016, §3).
# In words, for one call of a program with some arguments:
#
# ```
# RUN(program, args):                      one call = one frame
#     h, c = 0                             the reset: every call starts from a fresh controller state
#     repeat
#         e = observe the environment
#         r, k, next_args, h = one NPI step from (e, args, program, h)
#         next = argmax_i M_key[i] · k
#         if next is a primitive: apply next(next_args) to the environment
#         else:                   RUN(next, next_args)     this frame waits, its (h, c) kept, until the callee returns
#     until r > 0.5                        the flag came with the step just carried out
# ```
#
# - **Primitives and calls.** The decoders do not distinguish them: a primitive (`WRITE`, `PTR`, `NOP`) is a
#   program whose row in the memory is marked as acting on the environment. A call opens a new frame.
#   (Both papers' pseudocode tests whether the *current* program is a primitive; what works, and what the
#   library does, is to test the *next* one.)
# - **The call stack.** While a callee runs, each caller waits with its own h, program and arguments: one
#   frame per pending call, exactly the return stack of [lesson 01](01_stack_machines.ipynb).
# - **The reset.** A callee starts from h = c = 0. It cannot see how much its caller has done, so inside one
#   frame the network's computation never depends on how long the input is. Cai, Shin & Song (2017, §3)
#   make this the key to generalization; lesson 05 removes it and watches what breaks.
# - **The return flag rides on the step.** r_t comes out together with the step's action: the action (or the
#   whole sub-call) is carried out first, then the frame returns. A **tail call** is a call step with r = 1:
#   the recursive `ADD` of lesson 02 ends each frame with `ADD ⏎`, and returns as soon as that callee has.
#
# The line `next = argmax ...` closes a loop that the diagram of section 3 leaves open: the key of one step
# picks a row of the program memory, and for a call that row's embedding becomes p_t of a new frame, which
# starts from a zero state:

# %%
draw_program_lookup(task.programs, [p for p in task.programs if p in task.primitives])
plt.show()

# %% [markdown]
# The loop needs nothing but a step function with the network's signature. To see it work before any
# network is trained, give it a stand-in: a lookup table built from the reference trace, whose "controller
# state" is the list of observations the frame has made so far. That list is exactly what the LSTM's h must
# summarize, and the reset is exactly "start the list afresh".

# %%
def oracle(reference):
    """A step function that answers from a reference trace: state = the frame's observations so far."""
    table = {}
    for frame in frames(reference):
        for i, s in enumerate(frame.steps):
            history = tuple(x.obs for x in frame.steps[: i + 1])
            table[frame.program, frame.args, history] = (s.ret, task.program_id(s.next_program), s.next_args)

    def step(obs, args, prog, state):
        history = (state or ()) + (obs,)  # state None: a fresh frame
        return table[task.programs[prog], args, history], history

    return step

# %% [markdown]
# And the RUN loop itself, as in the pseudocode. It records what it does as a trace, in the `Step` type of
# lesson 02, so that it can be compared with the reference:

# %%
def RUN(step, env, prog, args, node):
    """Run program `prog` (an id) with `args` on `env`; record the frame's steps as children of `node`."""
    state = None  # h = 0: a fresh controller state at every call
    while True:
        obs = env.observe()
        (ret, nxt, next_args), state = step(obs, args, prog, state)
        name = task.programs[nxt]
        child = Step(name, next_args, ret, obs, children=None if name in task.primitives else [])
        node.children.append(child)
        if child.is_call:
            RUN(step, env, nxt, next_args, child)  # the caller waits here, its state on Python's call stack
        else:
            env.apply(name, next_args)
        if ret:  # the flag came with the step just carried out: this frame is done
            return

# %%
pad = addition.ScratchPad(96, 125)
root = Step("ADD", (0, 0, 0), children=[])
RUN(oracle(trace), pad, task.program_id("ADD"), (0, 0, 0), root)
print("sum on the pad:", pad.output(), "· same trace as the reference:", first_difference(Trace(root), trace) is None)
print(task.format(Trace(root), max_lines=12))

# %% [markdown]
# Here is the call stack at every step of a shorter run, RUN on 7 + 5. Each column is one step: its boxes are
# the frames on the stack, the first call at the bottom; the filled box is the frame that makes the step,
# written under the column (orange: it carries the return flag ⏎). "h=0" marks a frame's first step, made
# from a fresh state.

# %%
small = Step("ADD", (0, 0, 0), children=[])
RUN(oracle(addition.reference((7, 5), "recursive")), addition.ScratchPad(7, 5), task.program_id("ADD"), (0, 0, 0), small)
draw_call_stack(Trace(small), describe=task.describe).set_title("the call stack of RUN on 7 + 5", fontsize=10)
plt.show()

# %% [markdown]
# Read it from left to right. `ADD` calls `ADD1`, which writes the 2 and calls `CARRY`: three frames, each
# opened with h = 0. `CARRY` makes three steps while `ADD1` and `ADD` wait below it; its last step carries ⏎,
# and so did `ADD1`'s call of it, so both return together and `ADD` makes its next step. At the end the three
# `ADD` frames are stacked: the innermost says `NOP ⏎`, and since each of the others called it with ⏎
# (a tail call), all three return at once and the stack is empty.
#
# For a longer sum, 314159 + 271828, the height of the stack at each step: the recursive `ADD` goes one frame
# deeper for every column; the loop of the non-recursive `ADD` never goes deeper than `ADD` → `ADD1` →
# `CARRY`, and keeps its progress in one long frame instead.

# %%
fig, axes = plt.subplots(2, 1, figsize=(9, 3.8), sharex=True, sharey=True)
for ax, formulation, color in zip(axes, ["recursive", "non-recursive"], ["#0072B2", "#D55E00"]):
    depths = [m.depth for m in timeline(addition.reference((314159, 271828), formulation))][1:]  # steps only
    ax.step(range(1, len(depths) + 1), depths, where="post", color=color)
    ax.set(ylabel="frames", yticks=[1, 3, 5, 7])
    ax.set_title(f"{formulation} ADD: deepest {max(depths)}", fontsize=10)
axes[1].set_xlabel("step")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### The library's interpreter
#
# `npi_lib.interpreter.execute` (and `run`, which sets up the pad first) runs the same loop, with the same
# kind of step function: give it the oracle and it adds 96 + 125 exactly as `RUN` did. Given a network, it
# takes the network's own step function, `model.fast_step()`, which computes what `model.step` computes,
# one frame at a time and faster (lesson 05 uses it directly). Two differences matter in practice.
#
# - **An explicit stack instead of Python recursion.** A list holds one record per pending frame (program,
#   arguments, LSTM state, and whether its call step carried ⏎); a return pops records down to the first
#   caller that was not waiting on a tail call. Depth then costs list entries, not Python's own call stack,
#   whose limit of 1,000 frames a recursive addition of 5,000 digits would exceed five times over.
# - **Limits.** A network that never returns would hang the loop above. `execute` stops after `max_steps`
#   steps or at `max_depth` nested frames, and also when the environment rejects an action (a pointer off the
#   pad, a digit written to an input row). Each ends the run with `halted=False` and a reason. `run` sets the
#   limits from the reference trace of the same problem: 4 × its steps + 100, 4 × its depth + 100.

# %%
by_library = run(oracle(trace), task, (96, 125))
print("the oracle through run: sum", by_library.output, "· same trace as RUN's:", first_difference(by_library.trace, Trace(root)) is None)

# %%
print("reference: steps", len(trace), "· depth", max(d for d, _ in trace.walk()))
print("limits (max_steps, max_depth):", step_limits(trace))

# %% [markdown]
# ## 7. An untrained network runs 96 + 125
#
# Everything is in place to run the network of section 2. It has never seen a trace. `run` builds the pad,
# calls the entry program `ADD` and lets the network decide every step:

# %%
result = run(model, task, (96, 125))
print("halted:", result.halted, "· steps:", result.steps, "· output:", result.output, "· correct:", result.correct)
print("why it stopped:", result.reason)
print("\n".join(task.format(result.trace).splitlines()[:8]))
print("   ... (the same call, deeper and deeper)")

# %% [markdown]
# It never does any work: `ADD` calls `LSHIFT`, which calls `ADD`, which calls `ADD`, and so on, each call
# with the return flag and nothing ever written on the pad, until the depth limit stops it. Other initial
# weights fail in other ways. Forty of them (seeds 0 to 39), each run on 96 + 125:

# %%
max_steps, max_depth = step_limits(trace)


def outcome(r):
    if r.halted:
        return "returned, right sum" if r.correct else "returned, wrong answer"
    return "step limit" if r.steps >= max_steps else "depth limit" if r.depth >= max_depth else "invalid action"


first_seed, outcomes = {}, Counter()
for seed in range(40):
    torch.manual_seed(seed)
    kind = outcome(run(NPI.for_task(task), task, (96, 125)))
    outcomes[kind] += 1
    first_seed.setdefault(kind, seed)
for kind, count in outcomes.most_common():
    print(f"{kind:<24}{count:>3} of 40   (first: seed {first_seed[kind]})")

# %% [markdown]
# None adds correctly, and most end at a limit or on an invalid action: the limits are what turns a runaway
# network into a clean failure. Seed 1 runs into the depth limit. Here is its trace beside the reference:
# select a step in either pane (or use ◀ ▶) to see the pad and the observation at that step. Widgets need a
# live kernel, so run the cell to see it; the cell after it prints the same view as text.

# %%
torch.manual_seed(1)
seed_1 = NPI.for_task(task)
runaway = run(seed_1, task, (96, 125), record_states=True)
print(runaway.reason)

# %%
# NBVAL_IGNORE_OUTPUT
viewer = CompareViewer(addition.reference((96, 125)), runaway.trace, task)
viewer

# %%
text_view = CompareViewer(addition.reference((96, 125)), runaway.trace, task)  # the one above keeps its place
print(text_view.describe())

# %% [markdown]
# Why does it call `ADD` again and again, with the same arguments? Because of the reset. The first step of
# every frame starts from h = 0, so it depends only on (e_t, a_t, program). The first `ADD` frame writes an 8
# in the carry row and calls `LSHIFT(2, 8, 0)` (arguments that mean nothing to `LSHIFT`), which calls
# `ADD(2, 8, 0)`. That frame writes the same 8 in the same cell, so the pad does not change, and calls
# `ADD(2, 8, 0)`: a new frame, from h = 0, with the same program, the same arguments and the same pad as the
# one before it. It makes the same two decisions, and so does every frame after it. Among all its steps,
# only four (program, arguments, observation) triples occur:

# %%
calls = {(s.name, s.args, s.obs) for _, s in runaway.trace.walk() if s.obs is not None}
print("distinct (program, arguments, observation) among its", len(runaway.trace), "steps:")
for call in sorted(calls):  # sorted: a set's order changes from one Python process to the next
    print("  ", call)

# %% [markdown]
# The library's explicit stack has no trouble with such depth. With the limit raised to 5,000 frames, the same
# network simply goes on until it hits it (nothing in Python's own call stack grows):

# %%
deep = execute(seed_1, task, addition.ScratchPad(96, 125), "ADD", max_depth=5000, max_steps=10_000)
print(deep.reason, "· deepest frame:", deep.depth)

# %% [markdown]
# ## 8. Looking ahead: frames as the unit of training
#
# Lesson 04 trains the network, and it does not run RUN to do so. Because the state is reset at every call,
# each frame of a trace is an independent sequence that starts from h = 0 (lesson 02, section 5). Training
# feeds the network each frame's true inputs, step after step, and asks for the true outputs: this is
# **teacher forcing**. The network never acts on the pad during training; a wrong decision costs loss, not a
# derailed run. And since frames are independent, many of them can be processed at once as one batch.
#
# Frames have different lengths (1 to 4 steps in the recursive addition, more in the loop), so a batch is
# **padded**: every frame is extended with dummy steps to the longest one, and a **mask** marks the real
# steps, so that the padding never counts in the loss.
#
# ### Exercise 5 — pad frames into a batch (3 points)
#
# Write `pad_frames(frame_list, task)`: for U frames of at most T steps, return
#
# - `obs`, a long tensor (U, T, F) of the observations, F = the number of observation fields, zero where padded;
# - `prog`, a long tensor (U, T): the id of the frame's program (`task.program_id`) at every real step, zero
#   where padded;
# - `mask`, a bool tensor (U, T): True on the real steps.

# %% nbgrader={"grade": false, "grade_id": "ex5_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pad_frames(frame_list, task):
    ### BEGIN SOLUTION
    U, T, F = len(frame_list), max(len(f.steps) for f in frame_list), len(task.obs_sizes)
    obs = torch.zeros(U, T, F, dtype=torch.long)
    prog = torch.zeros(U, T, dtype=torch.long)
    mask = torch.zeros(U, T, dtype=torch.bool)
    for i, frame in enumerate(frame_list):
        n = len(frame.steps)
        obs[i, :n] = torch.tensor([s.obs for s in frame.steps])
        prog[i, :n] = task.program_id(frame.program)
        mask[i, :n] = True
    return obs, prog, mask
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5_check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
def padded_by_the_library(frame_list, task):
    batch = encode_frames(task, [(f, 1) for f in frame_list])
    return batch.obs, batch.prog, batch.mask


loop_trace = addition.reference((96, 125), "non-recursive")
cases = [frames(trace), frames(loop_trace), frames(addition.reference((7, 5), "non-recursive"))[1:3]]
ex5 = check_tensor_function("Exercise 5", pad_frames, padded_by_the_library, [(c, task) for c in cases],
                            names=("obs", "prog", "mask"),
                            labels=["the frames of 96 + 125 (recursive)", "the frames of 96 + 125 (loop)",
                                    "two frames of 7 + 5"],
                            hint=lambda *_: "Padded steps hold zeros in obs and prog; mask is True on real steps.")
### BEGIN HIDDEN TESTS
graph = get_task("toposort").parse_input({"n": 4, "edges": [[1, 2], [1, 3], [3, 4]]})
other_cases = [(frames(get_task(name).reference(problem, "recursive")), get_task(name))
               for name, problem in [("bubblesort", (3, 1, 2)), ("toposort", graph), ("quicksort", [3, 1, 2])]]
other_cases.append((frames(trace)[3:4], task))
ex5 += check_tensor_function("Exercise 5 (more cases)", pad_frames, padded_by_the_library, other_cases,
                             names=("obs", "prog", "mask"),
                             labels=["the frames of bubble sort on (3, 1, 2)", "the frames of a 4-vertex toposort",
                                     "the frames of quicksort on [3, 1, 2]", "one frame alone"],
                             hint=lambda *_: "Other tasks have other observation fields (task.obs_sizes) and "
                             "frames of other lengths.")
### END HIDDEN TESTS
ex5.points(3)

# %% [markdown]
# The library's `encode_frames` does the same, and adds the targets (next program, next arguments, return flag)
# and a weight per frame: `collect_frames` merges identical frames and counts them. Three small additions give
# these tensors:

# %%
problems = [(96, 125), (7, 5), (99, 1)]
weighted = collect_frames([addition.reference(p, "recursive") for p in problems])
batch = encode_frames(task, weighted)
print(len(batch), "distinct frames of", sum(n for _, n in weighted))
for name in ["obs", "args", "prog", "next_prog", "next_args", "ret", "mask", "weight"]:
    tensor = getattr(batch, name)
    print(f"{name:<10}{str(tuple(tensor.shape)):<13}{tensor.dtype}")

# %%
obs, prog, mask = ex5.use([f for f, _ in weighted], task)
fig, ax = plt.subplots(figsize=(3.5, 6))
ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.4, aspect="auto")
ax.set(yticks=range(len(weighted)), yticklabels=[f"{f.program} ×{n}" for f, n in weighted],
       xticks=range(mask.shape[1]), xlabel="step t", title="the mask: real steps (blue), padding (white)")
plt.show()

# %% [markdown]
# With teacher forcing the whole batch goes through the network in one call, every frame from h = 0, and
# every output has a time dimension: (U, T, ...). The loss adds, per real step, the cross-entropy of the next
# program, of each argument slot, and the binary cross-entropy of the return flag. For the untrained network:

# %%
with torch.no_grad():  # nothing is learned here: no gradients needed
    out = model(batch.obs, batch.args, batch.prog)
    loss = batch_loss(model, batch)
print("program scores", tuple(out.prog_logits.shape), "· end logits", tuple(out.end_logit.shape),
      "· argument logits", [tuple(a.shape) for a in out.arg_logits])
print("loss:", round(loss.item(), 2), "· steps entirely right:", f"{step_accuracy(model, batch):.0%}")

# %% [markdown]
# A network that knows nothing spreads its probability evenly: the loss is then ln 7 (programs) + ln 4 + ln 10
# + ln 1 (the three argument slots) + ln 2 (the return flag) ≈ 6.3, close to what we measured. Lesson 04 brings
# it to nearly zero.
#
# ### Exercise 6 — a network of another width (1 point)
#
# The lesson's network has H = 64 units per LSTM layer. Choose another width (a tiny one such as 2, a large
# one such as 512, anything), set `MY_HIDDEN_SIZE` to it and run the cell: it builds an untrained network of
# that width (seed 0, every other size as before), counts its parameters beside the lesson's, computes its
# loss on the batch above and runs it on 96 + 125. Then complete `changed_components`: the components whose
# number of parameters changed. Before you run the check, say why those and only those. The check accepts
# any width, verifies that your network was built with it, and says what your run shows.

# %%
MY_HIDDEN_SIZE = 256  # your choice: units per LSTM layer

torch.manual_seed(0)
mine = NPI.for_task(task, NPIConfig(hidden_size=MY_HIDDEN_SIZE))
my_counts = parameters_per_component(mine)
with torch.no_grad():
    my_loss = batch_loss(mine, batch).item()
my_outcome = outcome(run(mine, task, (96, 125)))
print(f"{'component':<10}{'H = 64':>10}{f'H = {MY_HIDDEN_SIZE}':>12}")
for name in components:
    print(f"{name:<10}{ours[name]:>10,}{my_counts[name]:>12,}")
print(f"loss on the batch: {my_loss:.2f} · on 96 + 125: {my_outcome}")

# %% nbgrader={"grade": false, "grade_id": "ex6_answer", "locked": false, "schema_version": 3, "solution": true, "task": false}
def changed_components():
    """The components whose number of parameters changed: a set of names from `components`."""
    ### BEGIN SOLUTION
    return {"f_lstm", "f_end", "f_prog", "f_arg"}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6_check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
ex6 = check_width_experiment("Exercise 6", changed_components, MY_HIDDEN_SIZE, mine, ours, my_counts, my_loss, my_outcome)
ex6.points(1)

# %% [markdown]
# ## Check your understanding
#
# 1. Which parts of the NPI depend on the task, and which are shared? <details><summary>Answer</summary>The
#    encoder f_enc (its input width comes from the task's observation fields and argument slots), the sizes
#    of the argument decoders, and the number of rows of the program memory. The fusion layer, the LSTM and
#    f_end, f_prog are the same for every task.</details>
# 2. The two steps of the `ADD1` frame have the same program and arguments. What tells the network which
#    step it is at? And in the `CARRY` frame, whose first two steps see the same observation too?
#    <details><summary>Answer</summary>In `ADD1`, the observation: the output cell is blank before the
#    `WRITE` and holds the digit after it. In `CARRY`, nothing in the inputs differs; only the controller
#    state h, which has seen the frame's earlier steps, can tell "not moved yet" from "moved
#    already".</details>
# 3. How many numbers make up the controller state that our model carries from one step of a frame to the
#    next, and which of them do the decoders read? <details><summary>Answer</summary>h and c of each of the
#    two layers, 64 numbers each: 4 × 64 = 256 (section 3 printed them as two tensors (2, B, 64)). The
#    decoders read only the second layer's h, the paper's h_t; the cells c are the layers' private
#    memory.</details>
# 4. What is the difference between M_key and M_prog? <details><summary>Answer</summary>M_key[i] is the key
#    that k_t is compared with to choose program i; M_prog[i] is the embedding p_t that the frame running
#    program i is given. One selects, the other describes.</details>
# 5. The untrained network of seed 1 recursed until the depth limit. Why would a *trained* recursive
#    network not do the same when it calls `ADD` from `ADD`? <details><summary>Answer</summary>Because
#    between the calls `ADD1` and `LSHIFT` change the pad: the new frame's first observation is the next
#    column, not the same one. Only when the columns run out does it see all blanks, and then it returns
#    with `NOP`.</details>
# 6. In a batch of frames of lengths 1, 3 and 4, how many entries of the mask are False? <details>
#    <summary>Answer</summary>The batch is 3 × 4; the real steps are 1 + 3 + 4 = 8, so 4 entries are padding.
#    </details>
# 7. Why is the initial loss close to ln 7 + ln 4 + ln 10 + ln 2, and why does the third argument slot add
#    nothing? <details><summary>Answer</summary>An untrained network gives every class about the same
#    probability, and the cross-entropy of a uniform guess over n classes is ln n. The third slot has a single
#    value: its probability is 1, its cross-entropy ln 1 = 0.</details>
#
# ## Summary
#
# - One NPI step maps (observation e_t, arguments a_t, program p_t, state h_{t-1}) to (return probability
#   r_t, key k_t, next arguments a_{t+1}, state h_t): the inputs and outputs of a frame step of lesson 02.
# - `f_enc` one-hot codes the observation fields and argument slots (59 numbers for addition) and maps them
#   through an MLP to s_t; `fuse` joins s_t and p_t; a 2-layer LSTM updates (h, c); three linear decoders read
#   h_t.
# - An LSTM layer keeps a cell c and an output h; gates (input, forget, output) decide what the cell keeps,
#   adds and shows. Two layers are two cells stacked; the decoders read the top layer's h.
# - The program memory is a key-value lookup: the next program is argmax_i M_key[i] · k_t, and M_prog[i]
#   becomes the callee's p_t.
# - Our model has 106,992 parameters, most in the LSTM; a paper-sized one about 11 times more. Smaller trains
#   faster here and generalizes as well.
# - RUN applies primitives and opens a frame for every call, with p_t = M_prog[i] and (h, c) reset to zero;
#   callers wait on the call stack; the return flag rides on the step, so a tail call is a call step with
#   r = 1. The library's interpreter keeps an explicit stack and stops runaway networks with step and depth
#   limits.
# - Untrained, the network runs through exactly this interface, and fails: invalid actions, endless
#   recursion, wrong answers.
# - Training works on frames: padded into batches with a mask, fed with teacher forcing. That is
#   [lesson 04](04_learning_to_add.ipynb).
#
# ## Further reading
#
# - Scott Reed, Nando de Freitas. *Neural Programmer-Interpreters.* ICLR 2016: §3 (the model, its inference
#   algorithm and training); the experiments on learning new programs with a fixed core.
# - Jonathon Cai, Richard Shin, Dawn Song. *Making Neural Programming Architectures Generalize via
#   Recursion.* ICLR 2017: §3 on recursion in the NPI and why the reset at every call matters.
# - Richard Shin, Dawn Song. *Learning what to learn in a neural program* (2018): an NPI with P = 256,
#   K = 32, and the `NOP` return step.
# - Sepp Hochreiter, Jürgen Schmidhuber. *Long Short-Term Memory.* Neural Computation 9(8), 1997: the LSTM.
# - Christopher Olah, *Understanding LSTM Networks* (2015, colah.github.io): the four gates, drawn.
