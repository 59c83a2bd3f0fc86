"""The Neural Programmer-Interpreter core (Reed & de Freitas 2016, §3), built for any `Task`.
Explained in lesson 03; trained by `npi_lib.training`, run by `npi_lib.interpreter`.

One step of the NPI reads the observation e_t, the current arguments a_t and the current program's
embedding p_t, updates the controller state h_t, and emits three decisions:

    s_t = f_enc(e_t, a_t)                   task-specific encoder: one-hot fields -> MLP -> state of size D
    h_t = f_lstm(fuse(s_t, p_t), h_{t-1})   task-agnostic core: a 2-layer LSTM
    r_t = f_end(h_t)                        probability that the frame returns after this step
    k_t = f_prog(h_t)                       a key; the next program is argmax_i M_key[i] . k_t
    a_t+1 = f_arg(h_t)                      the next program's arguments: one classifier per slot

    >>> from npi_lib.addition import TASK
    >>> model = NPI.for_task(TASK, NPIConfig(hidden_size=32))
    >>> out, state = model.step(*model.inputs([(6, 5, 10, 10)], [(0, 0, 0)], [TASK.program_id("ADD")]))
    >>> out.prog_logits.shape, out.end_logit.shape, [a.shape[-1] for a in out.arg_logits]
    (torch.Size([1, 7]), torch.Size([1]), [4, 10, 1])

Choices where the papers are silent (lesson 03 explains them, tests/test_model.py tests them):
- Encoding [NF]: each observation field and each argument slot is one-hot coded with the sizes the task
  declares (`Task.obs_sizes`, `Task.arg_sizes`); the codes are concatenated and an MLP (one hidden ReLU
  layer) maps them to s_t. Nothing about the input's length reaches the encoder.
- Fusion [V, NPI]: s_t and p_t are concatenated and passed through one Linear + ReLU layer, whose output
  is the LSTM's input.
- Decoders: f_end, f_prog and each f_arg slot are single linear layers on the top LSTM layer's output
  (logits; a sigmoid/softmax is applied by the loss or by argmax). "Return" means r_t > 0.5, i.e. a
  positive logit, in training and in execution alike.
- Program memory: M_prog (N x P) and M_key (N x K) are plain learned matrices, one row per program of the
  task (primitives included). Program logits are the dot products M_key @ k_t.
- Sizes: the defaults of `NPIConfig` were chosen by measurement on recursive addition (`tools/bench_npi.py
  sizes` prints the table). With LSTM layers of 64 units (about 107,000 parameters) the model learns
  the paper set and adds 1,000-digit numbers without a mistake; 128 units, or 256 (the paper's width,
  about 900,000 parameters), reach the same accuracy for several times the CPU time and run slower.
- The encoder is wider (256 hidden units): the last training steps to be learned are exceptions in
  ADD1's digit table, and a wider encoder memorizes them sooner. At execution time the encoder runs once
  per distinct input (see `FastStep`), so its width costs nothing there.

Two ways to run the same network:
- `NPI.forward` takes whole frames at once, padded into a batch (B, T, ...): how training computes its
  loss, with gradients.
- `FastStep` (made by `NPI.fast_step()`) takes one step of one frame, with Python integers in and out:
  `step(obs, args, prog, state) -> ((ret, next_prog, next_args), new_state)`, state None for a fresh
  frame (h = 0). It is the step function of lesson 03's RUN loop, and the only one that makes decisions:
  `npi_lib.interpreter` runs it, and `npi_lib.training.step_errors` checks training frames with it, so a
  check and a run decide alike to the last bit. It is fast because the LSTM's input
  fuse(f_enc(e, a), M_prog[p]) depends only on (observation, arguments, program), a small set, and is
  computed once per distinct triple and cached; the decoders f_end, M_key·f_prog and f_arg are stacked
  into one matrix; a step is then one `torch.lstm_cell` per layer and one matrix product. Its numbers
  agree with `NPI.forward`'s to rounding (the sums are grouped differently), not bit for bit.
  `FastStep.outputs_batch` and `decide_batch` step the top frames of many runs at once (`npi_lib.batch`),
  each row bit for bit what the one-frame step computes.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable, Iterator, NamedTuple, Sequence

import torch
from torch import Tensor, nn

from .task import Task


@dataclass(frozen=True)
class NPIConfig:
    """The hyper-parameters of one NPI and of its training run (saved inside every checkpoint).

    Model sizes (the papers' symbols):
    state_size     D, the size of s_t = f_enc(e_t, a_t)
    encoder_hidden width of f_enc's hidden layer
    program_size   P, the width of M_prog (a program's embedding p_t)
    key_size       K, the width of M_key and of the key k_t
    fusion_size    width of the Linear+ReLU layer that fuses s_t and p_t into the LSTM's input
    hidden_size    units per LSTM layer (256 in [NPI])
    lstm_layers    LSTM layers (2 in both papers)

    Training (npi_lib.training):
    lr             Adam's learning rate (AdamW: weight decay decoupled from the gradient step)
    lr_decay       the learning rate is multiplied by this after every epoch
    weight_decay   AdamW's weight decay: pulls weights no training step needs back toward zero
    grad_clip      the gradient's norm is clipped to this before every update (0: no clipping)
    batch_size     frames per mini-batch (a frame is one call's sequence of steps)
    max_epochs     passes over the training frames before giving up
    check_every    epochs between two checks "is every training step predicted correctly?" (early stop)
    replay_mistakes  a frame with a wrong step at a check is trained on this many extra times per epoch
                   until the next check, twice as many if it is still wrong then (0: off); a frame-level
                   form of [NPI]'s adaptive curriculum

        >>> NPIConfig(hidden_size=128).hidden_size
        128
    """

    state_size: int = 64
    encoder_hidden: int = 256
    program_size: int = 32
    key_size: int = 16
    fusion_size: int = 64
    hidden_size: int = 64
    lstm_layers: int = 2
    lr: float = 5e-3
    lr_decay: float = 0.99
    grad_clip: float = 1.0
    batch_size: int = 64
    max_epochs: int = 400
    check_every: int = 2
    replay_mistakes: int = 8
    weight_decay: float = 0.1

    def to_dict(self) -> dict:
        """Plain numbers, for a checkpoint."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> NPIConfig:
        """The inverse of `to_dict`; unknown keys are ignored, missing ones take the default."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class StepOutput(NamedTuple):
    """What one NPI step emits, as logits: the leading dimensions are the batch (and time) dimensions."""

    end_logit: Tensor  # (...,)          r_t = sigmoid(end_logit); the frame returns when r_t > 0.5
    prog_logits: Tensor  # (..., N)      M_key @ k_t: the next program is the argmax
    arg_logits: list[Tensor]  # per slot (..., arg_sizes[i]): the next arguments are the argmaxes

    @property
    def return_probability(self) -> Tensor:
        """r_t, the probability that the frame returns after this step (lesson 03, exercise 2)."""
        return torch.sigmoid(self.end_logit)


class NPI(nn.Module):
    """The NPI core for one task: f_enc, M_prog, M_key, f_lstm, f_end, f_prog, f_arg.

    `obs_sizes` and `arg_sizes` give the number of values of each observation field and argument slot;
    `n_programs` is the number of rows of the program memory (programs and primitives alike).
    """

    def __init__(
        self,
        obs_sizes: Sequence[int],
        arg_sizes: Sequence[int],
        n_programs: int,
        config: NPIConfig = NPIConfig(),
    ):
        super().__init__()
        self.obs_sizes, self.arg_sizes = tuple(obs_sizes), tuple(arg_sizes)
        self.n_programs, self.config = n_programs, config
        c = config
        one_hot_width = sum(self.obs_sizes) + sum(self.arg_sizes)
        self.f_enc = nn.Sequential(
            nn.Linear(one_hot_width, c.encoder_hidden), nn.ReLU(), nn.Linear(c.encoder_hidden, c.state_size)
        )
        # Small random rows, like an embedding table: programs start distinguishable from each other.
        self.M_prog = nn.Parameter(torch.randn(n_programs, c.program_size) * 0.5)
        self.M_key = nn.Parameter(torch.randn(n_programs, c.key_size) * 0.5)
        self.fuse = nn.Sequential(nn.Linear(c.state_size + c.program_size, c.fusion_size), nn.ReLU())
        self.f_lstm = LSTM(c.fusion_size, c.hidden_size, num_layers=c.lstm_layers, batch_first=True)
        self.f_end = nn.Linear(c.hidden_size, 1)
        self.f_prog = nn.Linear(c.hidden_size, c.key_size)
        self.f_arg = nn.ModuleList(nn.Linear(c.hidden_size, n) for n in self.arg_sizes)
        self._init_input_path()

    def _init_input_path(self) -> None:
        """Start the LSTM's input at unit scale. PyTorch's default initialization shrinks it about 100x
        on the way from the one-hot codes through three layers, so at first the LSTM's gates hear their
        biases and hardly the input. Measured on addition's paper set (3 seeds): 34-46 epochs to 100% of
        the training steps with this, 38-76 without."""
        n_fields = len(self.obs_sizes) + len(self.arg_sizes)
        # One weight column per one-hot value acts as an embedding of it; n_fields of them are summed.
        nn.init.normal_(self.f_enc[0].weight, 0.0, n_fields**-0.5)
        nn.init.zeros_(self.f_enc[0].bias)
        for layer in (self.f_enc[2], self.fuse[0]):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)

    @classmethod
    def for_task(cls, task: Task, config: NPIConfig = NPIConfig()) -> NPI:
        """An untrained NPI sized for `task` (its observation fields, argument slots and programs)."""
        return cls(task.obs_sizes, task.arg_sizes, len(task.programs), config)

    # ------------------------------------------------------------------------------------------ pieces
    def one_hot(self, obs: Tensor, args: Tensor) -> Tensor:
        """Concatenated one-hot codes of every observation field and argument slot: (..., F) -> (..., W)."""
        codes = [nn.functional.one_hot(obs[..., i], n) for i, n in enumerate(self.obs_sizes)]
        codes += [nn.functional.one_hot(args[..., i], n) for i, n in enumerate(self.arg_sizes)]
        return torch.cat(codes, dim=-1).float()

    def encode(self, obs: Tensor, args: Tensor) -> Tensor:
        """s_t = f_enc(e_t, a_t)."""
        return self.f_enc(self.one_hot(obs, args))

    def core_input(self, obs: Tensor, args: Tensor, prog: Tensor) -> Tensor:
        """The LSTM's input: s_t and p_t = M_prog[prog] concatenated and fused by a Linear+ReLU layer."""
        s = self.encode(obs, args)
        p = self.M_prog[prog]
        return self.fuse(torch.cat([s, p], dim=-1))

    def decode(self, h: Tensor) -> StepOutput:
        """The three decoders on the top LSTM layer's output h_t."""
        k = self.f_prog(h)
        return StepOutput(self.f_end(h).squeeze(-1), k @ self.M_key.T, [f(h) for f in self.f_arg])

    # ------------------------------------------------------------------------------------------ use
    def forward(self, obs: Tensor, args: Tensor, prog: Tensor) -> StepOutput:
        """Whole frames at once, from a fresh (zero) controller state: obs (B, T, F), args (B, T, 3) and
        prog (B, T) long tensors. This is how training sees the data (teacher forcing)."""
        h, _ = self.f_lstm(self.core_input(obs, args, prog))
        return self.decode(h)

    def step(
        self, obs: Tensor, args: Tensor, prog: Tensor, state: tuple[Tensor, Tensor] | None = None
    ) -> tuple[StepOutput, tuple[Tensor, Tensor]]:
        """One step for a batch: obs (B, F), args (B, 3), prog (B,); `state` is the LSTM's (h, c), each
        (layers, B, H), or None for a fresh frame. Returns the outputs and the new state."""
        x = self.core_input(obs, args, prog).unsqueeze(1)  # a sequence of length 1
        h, state = self.f_lstm(x, state)
        return self.decode(h.squeeze(1)), state

    def inputs(
        self, obs: Sequence[Sequence[int]], args: Sequence[Sequence[int]], prog: Sequence[int]
    ) -> tuple[Tensor, Tensor, Tensor]:
        """Python integers -> the long tensors `step` takes (a batch of B steps)."""
        return (
            torch.tensor(obs, dtype=torch.long),
            torch.tensor(args, dtype=torch.long),
            torch.tensor(prog, dtype=torch.long),
        )

    def zero_state(self, batch: int = 1) -> tuple[Tensor, Tensor]:
        """The controller state every call starts from (the reset at every call of Cai et al. 2017)."""
        shape = (self.config.lstm_layers, batch, self.config.hidden_size)
        return torch.zeros(shape), torch.zeros(shape)

    def fast_step(self) -> FastStep:
        """This network as a step function for one frame at a time (see `FastStep`): what runs it."""
        return FastStep(self)


def parameter_count(model: nn.Module) -> int:
    """Number of trainable numbers in a model.

    >>> from npi_lib.addition import TASK
    >>> parameter_count(NPI.for_task(TASK)) > 0
    True
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@contextmanager
def without_onednn() -> Iterator[None]:
    """Run torch's LSTM without oneDNN (MKL-DNN) inside the block. oneDNN picks its blocking, and so the order
    of its sums, from the processor's cache sizes: the same training run gave different numbers on
    different machines. Torch's own LSTM gives the same numbers everywhere (see `npi_lib`'s docstring)."""
    old = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    try:
        yield
    finally:
        torch.backends.mkldnn.enabled = old


class LSTM(nn.LSTM):
    """`torch.nn.LSTM`, always run without oneDNN (see `without_onednn`); the same parameters and results."""

    def forward(self, *args, **kwargs):  # type: ignore[override]
        with without_onednn():
            return super().forward(*args, **kwargs)


# ---------------------------------------------------------------------------------------------- one step at a time
Decision = tuple[bool, int, tuple[int, int, int]]  # (return?, next program id, next arguments)
FrameState = tuple[tuple[Tensor, Tensor], ...] | None  # per LSTM layer (h, c), each (1, H); None: a fresh frame
StepFunction = Callable[[tuple[int, ...], tuple[int, ...], int, Any], tuple[Decision, Any]]
"""What the RUN loop needs: step(obs, args, prog, state) -> ((ret, next_prog, next_args), new_state), with
state None for a fresh frame. A `FastStep` is one; so is lesson 03's lookup-table oracle."""


class FastStep:
    """An `NPI` as a step function for one frame at a time: the same weights, arranged for speed.

    `step(obs, args, prog, state)` takes the observation and the arguments as tuples of ints, the program
    id and the frame's state (None for a fresh frame: h = 0), and returns ((ret, next_prog, next_args),
    new_state): the return flag (r_t > 0.5, i.e. a positive logit), the argmax program and the argmax of
    each argument slot (padded to 3 slots). `outputs` gives the logits behind a decision, `decide` turns
    them into one. The weights are copied when it is made: after training the model further, make a new
    one. Inputs the model was not built for raise ValueError.

        >>> from npi_lib.addition import TASK
        >>> step = NPI.for_task(TASK, NPIConfig(hidden_size=8)).fast_step()
        >>> (ret, prog, args), state = step((6, 5, 10, 10), (0, 0, 0), 0, None)
        >>> isinstance(ret, bool), 0 <= prog < len(TASK.programs), len(args), len(state)
        (True, True, 3, 2)
        >>> step((6, 5, 10, 11), (0, 0, 0), 0, None)
        Traceback (most recent call last):
        ...
        ValueError: observation field 3 is 11 in (6, 5, 10, 11); the model takes values 0..10 there
    """

    def __init__(self, model: NPI):
        self.model = model
        m, c = model, model.config
        with torch.no_grad():
            # per LSTM layer: (W_ih, W_hh, b_ih, b_hh), as torch.lstm_cell takes them
            names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            self._layers = [
                tuple(getattr(m.f_lstm, f"{name}_l{k}").detach().clone() for name in names) for k in range(c.lstm_layers)
            ]
            # the decoders stacked: column 0 the return logit, then the N program logits (M_key @ f_prog(h)),
            # then each argument slot's logits
            weights = [m.f_end.weight, m.M_key @ m.f_prog.weight] + [f.weight for f in m.f_arg]
            self._w_out = torch.cat(weights).T.contiguous()
            self._b_out = torch.cat([m.f_end.bias, m.M_key @ m.f_prog.bias] + [f.bias for f in m.f_arg]).unsqueeze(0)
            # The LSTM's input x = ReLU(W_fuse [s; p] + b), s = f_enc(one-hot codes), computed once per distinct
            # (observation, arguments, program). Cheaply: f_enc's first layer applied to one-hot codes is a sum
            # of one weight column per field, and the program's share of the fusion layer,
            # W_fuse[:, D:] @ M_prog[p] + b, is one row of a table.
            enc1, enc2, fuse, d = m.f_enc[0], m.f_enc[2], m.fuse[0], c.state_size
            self._enc1_columns = enc1.weight.T.contiguous()
            self._enc1_bias, self._enc2 = enc1.bias.clone(), (enc2.weight.clone(), enc2.bias.clone())
            self._fuse_s = fuse.weight[:, :d].clone()
            self._fuse_prog = (m.M_prog @ fuse.weight[:, d:].T + fuse.bias).clone()  # (N, fusion_size)
        self._slices = [(1, 1 + m.n_programs)]  # where each decision's logits are in `outputs`
        for size in m.arg_sizes:
            self._slices.append((self._slices[-1][1], self._slices[-1][1] + size))
        zero = torch.zeros(1, c.hidden_size)
        self._fresh = tuple((zero, zero) for _ in self._layers)
        sizes = m.obs_sizes + m.arg_sizes
        self._offsets = [sum(sizes[:i]) for i in range(len(sizes))]
        self._cache: dict[tuple, Tensor] = {}

    def __call__(
        self, obs: tuple[int, ...], args: tuple[int, ...], prog: int, state: FrameState
    ) -> tuple[Decision, FrameState]:
        """One NPI step of a frame: (return?, next program id, next args), and the frame's new state."""
        out, state = self.outputs(obs, args, prog, state)
        return self.decide(out), state

    step = __call__

    def outputs(
        self, obs: tuple[int, ...], args: tuple[int, ...], prog: int, state: FrameState
    ) -> tuple[Tensor, FrameState]:
        """The step's logits in one row (1, 1 + N + sum(arg_sizes)): the end logit, the N program logits,
        each slot's argument logits (`split` names them). And the frame's new state."""
        x = self.core_input(obs, args, prog)
        new_state = []
        for weights, hc in zip(self._layers, state or self._fresh):
            hc = torch.lstm_cell(x, hc, *weights)
            new_state.append(hc)
            x = hc[0]
        return torch.addmm(self._b_out, x, self._w_out), tuple(new_state)

    def decide(self, out: Tensor) -> Decision:
        """Logits -> (return?, next program, next args): r_t > 0.5 (a positive logit) and the argmaxes."""
        values = out[0].tolist()
        (lo, hi), *arg_slices = self._slices
        nargs = tuple(_argmax(values, a, b) - a for a, b in arg_slices)
        nargs += (0,) * (3 - len(nargs))
        return values[0] > 0.0, _argmax(values, lo, hi) - lo, nargs  # type: ignore[return-value]

    def split(self, out: Tensor) -> StepOutput:
        """The row of `outputs` as a `StepOutput` (batch of 1), to compare with `NPI.forward` or `NPI.step`."""
        (lo, hi), *arg_slices = self._slices
        return StepOutput(out[:, 0], out[:, lo:hi], [out[:, a:b] for a, b in arg_slices])

    def core_input(self, obs: tuple[int, ...], args: tuple[int, ...], prog: int) -> Tensor:
        """The LSTM's input fuse(f_enc(obs, args), M_prog[prog]) (as `NPI.core_input`), (1, fusion_size), cached."""
        try:
            x = self._cache.get((obs, args, prog))
        except TypeError:  # lists, not tuples
            obs, args = tuple(obs), tuple(args)
            x = self._cache.get((obs, args, prog))
        if x is None:
            self._check(obs, args, prog)
            hot = torch.tensor([o + v for o, v in zip(self._offsets, obs + args)])
            s = torch.relu(self._enc1_columns[hot].sum(0) + self._enc1_bias)
            s = torch.addmv(self._enc2[1], self._enc2[0], s)
            x = torch.relu(torch.addmv(self._fuse_prog[prog], self._fuse_s, s)).unsqueeze(0)
            self._cache[(obs, args, prog)] = x
        return x

    # ------------------------------------------------------------------------------------ many frames at once
    # For `npi_lib.batch`, which steps the top frames of many runs together. Each row must come out bit for
    # bit as `outputs` computes it alone, or a near-tie could be decided differently in a batch: a matrix
    # product of B rows may group its sums differently from a product of one row. So every product is done
    # row by row, as a batch of one-row products (`_rows_matmul`), and the element-wise rest of
    # `torch.lstm_cell` is spelled out in its own order; tests/test_batch.py pins the rows equal.
    def outputs_batch(self, x: Tensor, states: Tensor) -> tuple[Tensor, Tensor]:
        """`outputs` for B frames at once: x (B, fusion_size), the LSTM inputs (rows of `core_input`), and
        states (B, 2 * layers, H), each row a `pack`ed frame state. Returns the logits (B, 1 + N + sum(arg
        sizes)) and the new packed states; row i equals what `outputs` gives for frame i alone, bit for bit."""
        new_state = []
        for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(self._layers):
            h, c = states[:, 2 * k], states[:, 2 * k + 1]
            # torch.lstm_cell's order: gates = linear_hh(h) + linear_ih(x), then its gate functions
            gates = _rows_matmul(b_hh, h, w_hh.T).add_(_rows_matmul(b_ih, x, w_ih.T))
            i, f, g, o = gates.unsafe_chunk(4, 1)
            i, f, g, o = i.sigmoid_(), f.sigmoid_(), g.tanh_(), o.sigmoid_()
            c = (f * c).add_(i * g)
            x = o * c.tanh()
            new_state += [x, c]
        return _rows_matmul(self._b_out, x, self._w_out), torch.stack(new_state, 1)

    def decide_batch(self, out: Tensor) -> list[Decision]:
        """`decide` for every row of `outputs_batch`'s logits. torch.argmax, like `decide`, takes the first of
        equal maxima; a NaN is where the two differ, so rows are decided by `decide` if there is one (and a
        few rows are quicker that way too)."""
        if len(out) < 4 or bool(out.isnan().any()):
            return [self.decide(row) for row in out.split(1)]
        (lo, hi), *arg_slices = self._slices
        columns = [(out[:, 0] > 0.0).tolist(), out[:, lo:hi].argmax(1).tolist()]
        columns += [out[:, a:b].argmax(1).tolist() for a, b in arg_slices]
        columns += [[0] * len(out)] * (3 - len(arg_slices))
        return [(ret, prog, tuple(args)) for ret, prog, *args in zip(*columns)]

    def pack(self, state: FrameState) -> Tensor:
        """A frame state as one tensor (2 * layers, H): h and c of each layer in turn (None: zeros)."""
        return torch.cat([t for hc in state or self._fresh for t in hc])

    def unpack(self, packed: Tensor) -> FrameState:
        """The inverse of `pack`."""
        rows = packed.unsqueeze(1)
        return tuple((rows[2 * k], rows[2 * k + 1]) for k in range(len(self._layers)))

    def _check(self, obs: tuple[int, ...], args: tuple[int, ...], prog: int) -> None:
        m = self.model
        if not 0 <= prog < m.n_programs:
            raise ValueError(f"program id {prog}: the model has programs 0..{m.n_programs - 1}")
        if len(obs) != len(m.obs_sizes):
            raise ValueError(f"observation {obs} has {len(obs)} fields; the model was built for {len(m.obs_sizes)}")
        if len(args) < len(m.arg_sizes):
            raise ValueError(f"arguments {args} have {len(args)} slots; the model was built for {len(m.arg_sizes)}")
        for what, values, sizes in (("observation field", obs, m.obs_sizes), ("argument slot", args, m.arg_sizes)):
            for i, (v, n) in enumerate(zip(values, sizes)):
                if not 0 <= v < n:
                    raise ValueError(f"{what} {i} is {v} in {values}; the model takes values 0..{n - 1} there")


def _rows_matmul(bias: Tensor, x: Tensor, w: Tensor) -> Tensor:
    """bias + x @ w for x (B, K), computed as B one-row products, each one bit for bit `torch.addmm(bias,
    x[i:i+1], w)`: a batched product over a weight repeated without copying (stride 0). Torch computes a
    batched product of fewer than 400 multiply-adds per row with its own loop instead of the BLAS that
    `addmm` calls, so such small ones (tiny test models) go one `addmm` per row."""
    if w.shape[0] * w.shape[1] < 400:
        return torch.cat([torch.addmm(bias, row, w) for row in x.split(1)])
    b = x.shape[0]
    return torch.baddbmm(bias.expand(b, 1, -1), x.unsqueeze(1), w.expand(b, -1, -1)).squeeze(1)


def _argmax(values: list[float], lo: int, hi: int) -> int:
    """Index of the largest of values[lo:hi] (the first one on a tie, like torch.argmax)."""
    return max(range(lo, hi), key=values.__getitem__)


@contextmanager
def stepping(threads: int | None = 1) -> Iterator[None]:
    """The settings every run of a step function uses (`npi_lib.interpreter.execute`, and the check
    `npi_lib.training.step_errors`, so that they compute alike): `torch.inference_mode` and `threads`
    torch threads (one is fastest for one small step at a time; None leaves torch's setting alone)."""
    old = torch.get_num_threads()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        with torch.inference_mode():
            yield
    finally:
        if threads is not None:
            torch.set_num_threads(old)
