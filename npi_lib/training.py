"""Training an NPI from reference traces (Reed & de Freitas 2016; Cai et al. 2017), for any `Task`. Explained in lessons 04 and 05.

    >>> from npi_lib.addition import TASK
    >>> result = train(TASK, "recursive", problems=[(8, 2), (2, 3)], config=NPIConfig(hidden_size=32))
    >>> result.perfect, result.n_frames, result.n_unique_frames
    (True, 12, 11)

The recipe:
1. Every training problem is run by the task's reference program: one trace each.
2. A trace splits into frames, one per call (`npi_lib.trace.frames`): the controller state is reset at
   every call, so each frame is an independent sequence that starts from h = 0.
3. Identical frames (same program, arguments, observations and targets) are merged; each unique frame
   keeps its count as a weight, so the loss is exactly the loss over all copies (tested), and an epoch
   is shorter: addition's paper set has 2,211 frames in its recursive traces and 1,242 distinct ones
   (1,620 and 989 non-recursive); an epoch takes half the time (tools/bench_npi.py dedup).
4. Frames are padded to the longest frame of their mini-batch; padded steps are masked out of the loss.
5. Teacher forcing: at every step the network is given the true observation, program and arguments, and
   is asked for the true next program, next arguments and return flag. Loss per step = cross-entropy on
   the program + cross-entropy on each argument slot + binary cross-entropy on the return flag, equal
   weights, averaged over the (weighted) real steps.
6. Every `check_every` epochs, every training step is predicted with argmax (program, each argument)
   and r > 0.5; when all are right the run stops: the network reproduces its training traces.

Two checks of every training step, with the same definition of a wrong step:
- `step_errors` runs each frame, teacher-forced from a fresh state, through the step function that
  neural execution runs (`npi_lib.model.FastStep`), so it takes exactly the interpreter's decisions: a
  frame it finds right is one the network will run right. Lesson 05 proves a model correct with it.
- `train` checks between epochs with `_batch_step_errors`, all frames at once through `NPI.forward`:
  the same decisions except where a logit is within rounding of a tie, at a fraction of the cost
  (`tools/bench_npi.py check` and `checktrain` measure both). When it finds every step right, `train`
  confirms with `step_errors` before it stops, so a run reported perfect is one whose network executes
  every training frame exactly.

Choices where the papers are silent, each measured on addition (lesson 04 tells the story;
`tools/bench_npi.py replay`, `starved` and `sizes` measure them: the epochs of one run depend on the seed,
on torch's build and on its code paths, see npi_lib's docstring):
- Optimizer: AdamW, lr 5e-3 decaying by 1% an epoch, mini-batches of 64 frames, gradient norm clipped
  to 1. [NPI]'s lr 1e-4 with batch size 1 would take hours; [CAI] gives no numbers.
- Weight decay 0.1 (AdamW's). It pulls weights that no training step needs back toward zero. That
  matters on the starved set, where a frame meets observations it never saw at that step (LSHIFT's last
  step with digits left in the input rows, ADD's tail call with a full column): most seeds then go on to
  add long numbers built from seen columns (`tools/bench_npi.py starved` counts them).
- Replaying mistakes: a frame with a wrong step at a check is trained on `replay_mistakes` (8) extra
  times per epoch until the next check, twice as often if it is still wrong then (at most 128). The
  last steps to be learned are rare exceptions: ADD1 on (9, 9, carry 1) must write 9 while every
  neighbouring column it has seen writes 8, and the paper set shows it once among 5,880 steps. Replay
  is a frame-level form of [NPI]'s curriculum (which sampled programs by their error); it cuts the
  epochs to 100% several-fold (`tools/bench_npi.py replay` runs with and without). The loss of a step
  is unchanged; only how often a frame is seen changes.
- Initialization: the first layers start at unit scale (see `NPI._init_input_path`).
- Runs are deterministic: a seed fixes the initial weights and the order of the mini-batches,
  `torch.use_deterministic_algorithms` is on during training, the global random state is left alone,
  and the thread count is fixed (another count could group sums differently). One thread by default:
  these matrices are too small to gain from a second one, and on a busy 2-core machine a second thread
  made each mini-batch 10-20x slower. To use both cores, train two models at once (as `reproduce` does).
"""

from __future__ import annotations

import gc
import math
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import torch
from torch import Tensor
from torch.nn import functional as F

from .errors import ProblemError
from .model import NPI, NPIConfig, StepFunction, stepping
from .task import Task, get_task
from .progress import progress_reporter
from .trace import Frame, Trace, frames, pad_args

DEFAULT_THREADS = 1  # measured: these small matrices gain nothing from a second thread; see `train`


# ---------------------------------------------------------------------------------------------- data
@dataclass
class FrameBatch:
    """Frames as padded tensors: U frames of at most T steps, F observation fields.

    Inputs:  obs (U, T, F), args (U, T, 3), prog (U, T)          what the network is shown at each step
    Targets: next_prog (U, T), next_args (U, T, 3), ret (U, T)    what it must emit
    mask (U, T) is True on real steps, False on padding; weight (U,) is how many times each frame occurred.
    """

    obs: Tensor
    args: Tensor
    prog: Tensor
    next_prog: Tensor
    next_args: Tensor
    ret: Tensor
    mask: Tensor
    weight: Tensor

    def __len__(self) -> int:
        return self.obs.shape[0]

    def select(self, index: Tensor) -> FrameBatch:
        """The frames at `index`, trimmed to the longest of them."""
        t = int(self.mask[index].sum(1).max())
        return FrameBatch(
            *(x[index, :t] for x in (self.obs, self.args, self.prog, self.next_prog, self.next_args, self.ret, self.mask)),
            self.weight[index],
        )


def frame_key(frame: Frame) -> tuple:
    """Everything the loss sees of a frame: two frames with the same key are the same training example."""
    return (frame.program, frame.args, tuple((s.obs, s.next_program, s.next_args, s.ret) for s in frame.steps))


def collect_frames(traces: Sequence[Trace], dedup: bool = True) -> list[tuple[Frame, int]]:
    """The frames of all traces that have at least one step, each with its count (1 each if not `dedup`).

    >>> from npi_lib.addition import reference
    >>> [(f.program, n) for f, n in collect_frames([reference((1, 2)), reference((1, 2)), reference((3, 4))])]
    [('ADD', 2), ('ADD1', 2), ('LSHIFT', 2), ('ADD', 3), ('ADD', 1), ('ADD1', 1), ('LSHIFT', 1)]

    The last ADD frame of every sum (nothing left: NOP and return) is the same in all three.
    """
    all_frames = [f for t in traces for f in frames(t) if f.steps]
    if not dedup:
        return [(f, 1) for f in all_frames]
    counts = Counter(frame_key(f) for f in all_frames)
    out, seen = [], set()
    for f in all_frames:  # first-occurrence order: deterministic
        k = frame_key(f)
        if k not in seen:
            seen.add(k)
            out.append((f, counts[k]))
    return out


def encode_frames(task: Task, weighted_frames: Sequence[tuple[Frame, int]]) -> FrameBatch:
    """Frames (with counts) -> padded tensors, using the task's program ids."""
    if not weighted_frames:
        raise ProblemError("no training frames: give at least one problem whose trace makes a call")
    ids = {name: i for i, name in enumerate(task.programs)}
    n, t, f = len(weighted_frames), max(len(fr.steps) for fr, _ in weighted_frames), len(task.obs_sizes)
    obs = torch.zeros(n, t, f, dtype=torch.long)
    args = torch.zeros(n, t, 3, dtype=torch.long)
    prog = torch.zeros(n, t, dtype=torch.long)
    next_prog = torch.zeros(n, t, dtype=torch.long)
    next_args = torch.zeros(n, t, 3, dtype=torch.long)
    ret = torch.zeros(n, t)
    mask = torch.zeros(n, t, dtype=torch.bool)
    weight = torch.zeros(n)
    for i, (fr, count) in enumerate(weighted_frames):
        k = len(fr.steps)
        obs[i, :k] = torch.tensor([s.obs for s in fr.steps])
        args[i, :k] = torch.tensor(pad_args(fr.args))
        prog[i, :k] = ids[fr.program]
        next_prog[i, :k] = torch.tensor([ids[s.next_program] for s in fr.steps])
        next_args[i, :k] = torch.tensor([pad_args(s.next_args) for s in fr.steps])
        ret[i, :k] = torch.tensor([float(s.ret) for s in fr.steps])
        mask[i, :k] = True
        weight[i] = count
    return FrameBatch(obs, args, prog, next_prog, next_args, ret, mask, weight)


# ---------------------------------------------------------------------------------------------- loss
def step_losses(model: NPI, batch: FrameBatch) -> Tensor:
    """Per-step loss (U, T): CE(next program) + sum of CE(each argument slot) + BCE(return flag)."""
    out = model(batch.obs, batch.args, batch.prog)
    loss = F.cross_entropy(out.prog_logits.transpose(1, 2), batch.next_prog, reduction="none")
    for slot, logits in enumerate(out.arg_logits):
        loss = loss + F.cross_entropy(logits.transpose(1, 2), batch.next_args[..., slot], reduction="none")
    return loss + F.binary_cross_entropy_with_logits(out.end_logit, batch.ret, reduction="none")


def batch_loss(model: NPI, batch: FrameBatch) -> Tensor:
    """The training loss: the mean step loss over real steps, each frame counted `weight` times."""
    w = batch.mask * batch.weight[:, None]
    return (step_losses(model, batch) * w).sum() / w.sum()


def step_errors(model: NPI | StepFunction, batch: FrameBatch, *, threads: int | None = 1) -> Tensor:
    """(U, T) bool: True where the network's decision at a real step of a frame is wrong: its program,
    any of its arguments or its return flag differs from the target.

    The decisions are the ones neural execution takes: each frame is run by the model's step function
    (`NPI.fast_step()`, or `model` itself if it is a step function), from a fresh state, on the frame's
    true inputs, under the interpreter's settings (`npi_lib.model.stepping`). Frames that begin with the
    same (program, arguments, observations) share the steps of that beginning (a trie), and the step
    function caches its work per distinct input, so a check costs one step per distinct prefix.
    Real steps must come first in each row of the mask (as `encode_frames` makes them).
    """
    step = model.fast_step() if isinstance(model, NPI) else model
    net = model if isinstance(model, NPI) else getattr(model, "model", None)
    n_slots = len(net.arg_sizes) if isinstance(net, NPI) else 3  # the argument slots that are compared
    obs, args, prog = batch.obs.tolist(), batch.args.tolist(), batch.prog.tolist()
    next_prog, next_args, ret = batch.next_prog.tolist(), batch.next_args.tolist(), batch.ret.bool().tolist()
    wrong = torch.zeros(batch.mask.shape, dtype=torch.bool)
    # node of the trie: (parent node, the step's input) -> (node, state after the step, the step's decision)
    trie: dict[tuple, tuple[int, Any, tuple]] = {}
    with stepping(threads), _collector_paused():
        for i, length in enumerate(batch.mask.sum(1).tolist()):
            node, state = 0, None  # 0: the empty beginning, a fresh frame
            for t in range(length):
                key = (node, tuple(obs[i][t]), tuple(args[i][t]), prog[i][t])
                hit = trie.get(key)
                if hit is None:
                    (r, p, a), new_state = step(key[1], key[2], key[3], state)
                    hit = trie[key] = (len(trie) + 1, new_state, (r, p, list(a[:n_slots])))
                node, state, (r, p, a) = hit
                if r != ret[i][t] or p != next_prog[i][t] or a != next_args[i][t][:n_slots]:
                    wrong[i, t] = True
    return wrong & batch.mask


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off inside the block. `step_errors` makes thousands of small objects that
    form no cycles and live until it returns; without this the collector scans the whole heap several
    times per check, which cost about a third of its time."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


@torch.no_grad()
def _batch_step_errors(model: NPI, batch: FrameBatch) -> Tensor:
    """`step_errors` computed by `NPI.forward`, all frames at once: what `train` checks between epochs.
    The same decisions as `step_errors` but where a logit is within rounding of a tie (see the module's
    docstring)."""
    out = model(batch.obs, batch.args, batch.prog)
    wrong = out.prog_logits.argmax(-1) != batch.next_prog
    for slot, logits in enumerate(out.arg_logits):
        wrong |= logits.argmax(-1) != batch.next_args[..., slot]
    wrong |= (out.end_logit > 0) != batch.ret.bool()
    return wrong & batch.mask


def step_accuracy(model: NPI | StepFunction, batch: FrameBatch) -> float:
    """Fraction of the training steps (duplicates counted) on which every decision is right (`step_errors`)."""
    w = batch.mask * batch.weight[:, None]
    return 1.0 - float((step_errors(model, batch) * w).sum() / w.sum())


# ---------------------------------------------------------------------------------------------- training
@dataclass(frozen=True)
class TrainProgress:
    """What a progress callback receives after every epoch. `step_accuracy` is None between checks."""

    epoch: int
    max_epochs: int
    loss: float
    step_accuracy: float | None
    seconds: float


@dataclass
class TrainResult:
    """A trained model and how it got there (what `npi_lib.checkpoint.save_checkpoint` writes down)."""

    model: NPI
    task: str
    formulation: str
    train_set: str
    seed: int
    data_seed: int
    config: NPIConfig
    losses: list[float]  # mean training loss of each epoch
    epochs: int
    seconds: float
    perfect: bool  # every training step predicted correctly at the last check
    step_accuracy: float  # fraction of training steps predicted correctly at the end
    n_problems: int
    n_frames: int  # frames in the traces (calls that made at least one step)
    n_unique_frames: int  # ... after merging identical ones
    n_steps: int  # steps in all frames
    threads: int
    checks: list[tuple[int, float]] = field(default_factory=list)  # (epoch, step accuracy) at each check

    def summary(self) -> dict:
        """The numbers worth keeping, JSON-ready."""
        return {
            "epochs": self.epochs,
            "seconds": round(self.seconds, 2),
            "perfect": self.perfect,
            "step_accuracy": self.step_accuracy,
            "final_loss": self.losses[-1] if self.losses else None,
            "n_problems": self.n_problems,
            "n_frames": self.n_frames,
            "n_unique_frames": self.n_unique_frames,
            "n_steps": self.n_steps,
            "threads": self.threads,
            # the arithmetic a run depends on: the same seed gives the same weights on the same build and CPU
            "torch": str(torch.__version__),  # a str subclass that a safe torch.load refuses
            "cpu": torch.backends.cpu.get_cpu_capability(),
        }

    def __str__(self) -> str:
        mark = "100% of training steps" if self.perfect else f"{self.step_accuracy:.2%} of training steps"
        return (
            f"{self.task} {self.formulation} on {self.train_set!r} ({self.n_problems} problems, "
            f"{self.n_unique_frames} unique frames of {self.n_frames}): {mark} after {self.epochs} epochs, "
            f"{self.seconds:.1f} s, final loss {self.losses[-1]:.2e}"
        )


Progress = Callable[[TrainProgress], Any]


def train(
    task: Task | str,
    formulation: str | None = None,
    problems: Sequence[Any] | None = None,
    *,
    traces: Sequence[Trace] | None = None,
    train_set: str | None = None,
    seed: int = 0,
    data_seed: int = 0,
    config: NPIConfig | None = None,
    model: NPI | None = None,
    dedup: bool = True,
    threads: int | None = DEFAULT_THREADS,
    progress: str | Progress | None = None,
) -> TrainResult:
    """Train an NPI on the reference traces of `problems` (default: `task.training_set(train_set, data_seed)`,
    train_set "paper" by default) until it predicts every training step correctly or `config.max_epochs` pass.

    traces    train on these traces instead of running the reference program on `problems`
    seed      fixes the initial weights and the order of the mini-batches
    model     continue training this model instead of a fresh one
    dedup     merge identical frames (same loss, shorter epochs)
    threads   torch threads while training (restored afterwards); None leaves torch's setting alone
    progress  None, "bar" (a tqdm bar on stderr), "lines" (a printed line at every check of the step
              accuracy: what a notebook shows) or a callable receiving a `TrainProgress` every epoch
    """
    task = get_task(task)
    formulation = task.formulation(formulation)
    config = config or (model.config if model is not None else NPIConfig())
    if traces is None:
        if problems is None:
            train_set = train_set or "paper"
            problems = task.training_set(train_set, data_seed)
        traces = [task.reference(p, formulation) for p in problems]
    train_set = train_set or "custom"  # a name for the checkpoint: problems or traces given by hand
    weighted = collect_frames(traces, dedup)
    data = encode_frames(task, weighted)
    report = progress_reporter(progress, config.max_epochs, "training", "epoch", _train_postfix, _train_line)

    with _torch_settings(threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if model is None:
            model = NPI.for_task(task, config)
        order = torch.Generator().manual_seed(seed)
        optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True)
        schedule = torch.optim.lr_scheduler.ExponentialLR(optimizer, config.lr_decay)
        losses: list[float] = []
        checks: list[tuple[int, float]] = []
        start, epoch, accuracy = time.perf_counter(), 0, 0.0
        model.train()
        replays = torch.zeros(len(data), dtype=torch.long)  # extra passes per epoch for each frame
        for epoch in range(1, config.max_epochs + 1):
            extra = torch.arange(len(data)).repeat_interleave(replays)
            losses.append(_one_epoch(model, data, optimizer, config.batch_size, config.grad_clip, order, extra))
            schedule.step()
            checked = None
            if epoch % config.check_every == 0 or epoch == config.max_epochs:
                errors = _batch_step_errors(model, data)
                if not errors.any():  # all right: confirm it on the path execution takes (a tie may differ)
                    errors = step_errors(model, data)
                replays = _replays(replays, errors.any(1), config.replay_mistakes)
                w = data.mask * data.weight[:, None]
                accuracy = checked = 1.0 - float((errors * w).sum() / w.sum())
                checks.append((epoch, accuracy))
            report(TrainProgress(epoch, config.max_epochs, losses[-1], checked, time.perf_counter() - start))
            if checked == 1.0:
                break
        seconds = time.perf_counter() - start
        report(None)
        model.eval()
        n_threads = torch.get_num_threads()

    return TrainResult(
        model=model,
        task=task.name,
        formulation=formulation,
        train_set=train_set,
        seed=seed,
        data_seed=data_seed,
        config=config,
        losses=losses,
        epochs=epoch,
        seconds=seconds,
        perfect=accuracy == 1.0,
        step_accuracy=accuracy,
        n_problems=len(traces),
        n_frames=int(data.weight.sum()),
        n_unique_frames=len(data),
        n_steps=int((data.mask * data.weight[:, None]).sum()),
        threads=n_threads,
        checks=checks,
    )


MAX_REPLAYS = 128


def _replays(replays: Tensor, wrong: Tensor, first: int) -> Tensor:
    """Extra passes per epoch for each frame: `first` for a frame that was wrong at this check, twice as
    many as before for one that is still wrong (up to MAX_REPLAYS), none for a frame that is right.

    >>> _replays(torch.tensor([0, 8, 8, 128]), torch.tensor([True, True, False, True]), 8).tolist()
    [8, 16, 0, 128]
    """
    if first == 0:
        return torch.zeros_like(replays)
    grown = torch.clamp(torch.maximum(replays * 2, torch.full_like(replays, first)), max=MAX_REPLAYS)
    return torch.where(wrong, grown, torch.zeros_like(replays))


def _one_epoch(
    model: NPI,
    data: FrameBatch,
    optimizer: torch.optim.Optimizer,
    batch_size: int,
    clip: float,
    order: torch.Generator,
    extra: Tensor | None = None,
) -> float:
    """One pass over the frames (and the `extra` frame indices: replayed mistakes) in a random order;
    returns the epoch's mean loss (weighted by steps)."""
    total, weight = 0.0, 0.0
    frames = torch.arange(len(data)) if extra is None else torch.cat([torch.arange(len(data)), extra])
    for index in frames[torch.randperm(len(frames), generator=order)].split(batch_size):
        batch = data.select(index)
        loss = batch_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        if clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), clip, foreach=True)
        optimizer.step()
        w = float((batch.mask * batch.weight[:, None]).sum())
        total, weight = total + loss.item() * w, weight + w
    return total / weight


@contextmanager
def _torch_settings(threads: int | None) -> Iterator[None]:
    """Deterministic algorithms, a fixed thread count and no denormal floats during a training run."""
    _warn_if_code_path_differs()
    old_threads, old_det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    if threads is not None:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    # Late in training many numbers become tiny; CPUs compute with denormal floats up to 100x slower, and
    # epochs slowed down 5x over a run before this line. Flushing them to zero changes nothing we measure.
    torch.set_flush_denormal(True)
    try:
        yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)
        torch.set_flush_denormal(False)  # torch's default; there is no getter to restore from


def _warn_if_code_path_differs() -> None:
    """Say so when torch's kernels are not the ones npi_lib chose (see npi_lib's docstring): then training
    still works, but its numbers can differ from the course's stored ones."""
    import os
    import warnings

    wanted = os.environ.get("ATEN_CPU_CAPABILITY", "").upper()
    actual = torch.backends.cpu.get_cpu_capability()
    if wanted and wanted != actual:
        warnings.warn(
            f"torch runs its {actual} kernels, not {wanted}: it computed something before npi_lib was imported. "
            "Training works, but its numbers may differ from the lessons'. Import npi_lib first (restart the "
            "kernel) to get the same numbers.",
            stacklevel=3,
        )


def _train_line(p: TrainProgress) -> str | None:
    if p.step_accuracy is None:
        return None
    right = math.floor(1000 * p.step_accuracy) / 10  # rounded down: 100% only when every step is right
    return f"epoch {p.epoch:>3}: loss {p.loss:.3g} · training steps right {right:.1f}% · {p.seconds:.0f} s"


def _train_postfix(p: TrainProgress) -> dict:
    post = {"loss": f"{p.loss:.3g}"}
    if p.step_accuracy is not None:
        post["steps ok"] = f"{p.step_accuracy:.1%}"
    return post
