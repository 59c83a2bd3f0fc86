"""Saving and loading trained NPIs, and the checkpoints shipped with the course. Used from lesson 04 on.

    >>> ckpt = shipped_checkpoint("addition", "recursive")
    >>> ckpt.task, ckpt.formulation, ckpt.train_set, ckpt.summary["perfect"]
    ('addition', 'recursive', 'paper', True)

A checkpoint is a `torch.save` file holding one plain dict: the weights (tensors) and everything needed
to rebuild and judge the model (strings, numbers, lists): the task, its formulation and program names,
the training set's name and seed, the hyper-parameters (`NPIConfig`), a summary of the training run and a
format version. It loads with `torch.load(..., weights_only=True)`: no pickled code is ever run.

Every way loading can go wrong raises `CheckpointError` with a message that says what to do: a missing
file, a corrupted or truncated one, a file that is not an npi_lib checkpoint, a format version this code
does not read, and a checkpoint made for another task or formulation than the one asked for.

Shipped checkpoints live in `npi_lib/checkpoints/` as `<task>-<formulation>-<train set>.pt`;
`python -m npi_lib reproduce addition` (or tools/bench_npi.py) shows how they were made, and
tests/test_checkpoint.py retrains one from scratch and checks it behaves the same.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from . import __version__
from .errors import CheckpointError
from .model import NPI, NPIConfig
from .task import get_task
from .training import TrainResult

FORMAT = "npi_lib-checkpoint"
FORMAT_VERSION = 1
SHIPPED_DIR = Path(__file__).parent / "checkpoints"


@dataclass
class Checkpoint:
    """A loaded checkpoint: the model and what it was trained on."""

    model: NPI
    task: str
    formulation: str
    train_set: str
    seed: int
    data_seed: int
    config: NPIConfig
    summary: dict = field(default_factory=dict)
    path: str = ""

    def describe(self) -> str:
        """One line for people: what this model is."""
        s = self.summary
        trained = f", {s['epochs']} epochs, {s['seconds']} s" if "epochs" in s else ""
        return f"{self.task} {self.formulation} NPI trained on {self.train_set!r} (seed {self.seed}{trained})"


def save_checkpoint(result: TrainResult, path: str | os.PathLike) -> Path:
    """Write a trained model and its training record to `path` (parent folders are created).

    >>> import tempfile, pathlib
    >>> from npi_lib.training import train
    >>> from npi_lib.model import NPIConfig
    >>> r = train("addition", "recursive", problems=[(1, 2)], config=NPIConfig(hidden_size=8, max_epochs=1))
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = save_checkpoint(r, pathlib.Path(d) / "tiny.pt")
    ...     load_checkpoint(p).formulation
    'recursive'
    """
    model = result.model
    task = get_task(result.task)
    content = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "task": result.task,
        "formulation": result.formulation,
        "programs": list(task.programs),
        "obs_sizes": list(model.obs_sizes),
        "arg_sizes": list(model.arg_sizes),
        "train_set": result.train_set,
        "seed": result.seed,
        "data_seed": result.data_seed,
        "config": result.config.to_dict(),
        "summary": result.summary(),
        "versions": {"npi_lib": __version__, "torch": str(torch.__version__)},
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(content, path)
    return path


def load_checkpoint(path: str | os.PathLike, task: str | None = None, formulation: str | None = None) -> Checkpoint:
    """Read a checkpoint; with `task` (and `formulation`) given, insist that it was made for them."""
    path = Path(path)
    if not path.is_file():
        where = "a folder, not a file" if path.is_dir() else "no such file"
        raise CheckpointError(f"checkpoint {str(path)!r}: {where}. Train one with `python -m npi_lib train`.")
    try:
        content = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if not zipfile.is_zipfile(path):  # torch.save writes zip archives; anything else is not ours
            raise CheckpointError(
                f"checkpoint {str(path)!r} cannot be read: the file is corrupted, truncated, or not a torch file "
                f"(UnpicklingError: {_first_line(e)}). Re-download or retrain it."
            ) from None
        raise CheckpointError(
            f"{str(path)!r} holds Python objects other than plain data and tensors, which a safe load refuses "
            "to run; it was not written by npi_lib.checkpoint.save_checkpoint"
        ) from None
    except Exception as e:  # torch raises many types here: zip, EOF, runtime errors
        raise CheckpointError(
            f"checkpoint {str(path)!r} cannot be read: the file is corrupted, truncated, or not a torch file "
            f"({type(e).__name__}: {_first_line(e)}). Re-download or retrain it."
        ) from None
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise CheckpointError(
            f"{str(path)!r} is a torch file but not an npi_lib checkpoint (no 'format': {FORMAT!r} inside); "
            "save models with npi_lib.checkpoint.save_checkpoint"
        )
    version = content.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format version {version!r}; this npi_lib reads version "
            f"{FORMAT_VERSION}. Retrain it with this version of the course."
        )
    if task is not None and content["task"] != task:
        raise CheckpointError(
            f"checkpoint {str(path)!r} was trained for task {content['task']!r}, not {task!r}"
        )
    if formulation is not None and content["formulation"] != formulation:
        raise CheckpointError(
            f"checkpoint {str(path)!r} holds the {content['formulation']!r} formulation of "
            f"{content['task']}, not {formulation!r}"
        )
    return _rebuild(content, path)


def _rebuild(content: dict[str, Any], path: Path) -> Checkpoint:
    try:
        task = get_task(content["task"])
    except Exception as e:
        raise CheckpointError(f"checkpoint {str(path)!r} is for task {content['task']!r}, which npi_lib cannot load: {e}") from None
    if list(task.programs) != list(content["programs"]):
        raise CheckpointError(
            f"checkpoint {str(path)!r} was trained with the programs {', '.join(content['programs'])}; "
            f"task {task.name!r} now has {', '.join(task.programs)}. Retrain it."
        )
    config = NPIConfig.from_dict(content["config"])
    model = NPI(content["obs_sizes"], content["arg_sizes"], len(content["programs"]), config)
    try:
        model.load_state_dict(content["state_dict"])
    except RuntimeError as e:
        raise CheckpointError(f"checkpoint {str(path)!r}: the weights do not fit the model it describes ({_first_line(e)})") from None
    model.eval()
    return Checkpoint(
        model=model,
        task=content["task"],
        formulation=content["formulation"],
        train_set=content["train_set"],
        seed=content["seed"],
        data_seed=content.get("data_seed", 0),
        config=config,
        summary=dict(content.get("summary", {})),
        path=str(path),
    )


def _first_line(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else ""


# ---------------------------------------------------------------------------------------------- shipped
def shipped_path(task: str, formulation: str = "recursive", train_set: str = "paper") -> Path:
    """Where the shipped checkpoint for (task, formulation, training set) lives (it may not exist)."""
    return SHIPPED_DIR / f"{task}-{formulation}-{train_set}.pt"


def shipped_checkpoints() -> list[tuple[str, str, str]]:
    """(task, formulation, training set) of every checkpoint shipped with npi_lib.

    >>> ("addition", "recursive", "paper") in shipped_checkpoints()
    True
    """
    from .task import get_task

    out = []
    for p in sorted(SHIPPED_DIR.glob("*.pt")):
        for task in sorted(_task_names(), key=len, reverse=True):  # "bubblesort-compare" before "bubblesort"
            if p.stem.startswith(task + "-"):
                rest = p.stem[len(task) + 1 :]  # formulation-trainset; both may hold "-" ("non-recursive")
                formulations = sorted(get_task(task).formulations, key=len, reverse=True)
                formulation = next((f for f in formulations if rest.startswith(f + "-")), None)
                if formulation is not None:
                    out.append((task, formulation, rest[len(formulation) + 1 :]))
                break
    return out


def shipped_checkpoint(task: str, formulation: str = "recursive", train_set: str = "paper") -> Checkpoint:
    """Load a checkpoint shipped inside the package, by what it is rather than where it is."""
    path = shipped_path(task, formulation, train_set)
    if not path.is_file():
        have = ", ".join("/".join(c) for c in shipped_checkpoints()) or "none"
        raise CheckpointError(
            f"no shipped checkpoint for {task} / {formulation} / {train_set!r} (looked for {path.name}); "
            f"shipped: {have}. Train one with `python -m npi_lib train {task} --formulation {formulation} "
            f"--train-set {train_set} --out FILE`."
        )
    return load_checkpoint(path, task, formulation)


def _task_names() -> list[str]:
    from .task import task_names

    return list(task_names())
