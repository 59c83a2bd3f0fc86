"""Tests of npi_lib.checkpoint: saving, loading, every way loading can fail, and the shipped checkpoints."""

from __future__ import annotations

import random

import pytest
import torch

from npi_lib.addition import TASK, starved_problem
from npi_lib.checkpoint import (
    FORMAT_VERSION,
    load_checkpoint,
    save_checkpoint,
    shipped_checkpoint,
    shipped_checkpoints,
    shipped_path,
)
from npi_lib.errors import CheckpointError
from npi_lib.interpreter import run
from npi_lib.model import NPIConfig
from npi_lib.task import BUILTIN_TASKS, get_task
from npi_lib.training import train

# every model of every built-in task's results table is shipped (tools/ship_checkpoints.py)
SHIPPED = list(dict.fromkeys(
    (name, e.formulation, e.train_set) for name in BUILTIN_TASKS for e in get_task(name).results.experiments
))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    result = train(TASK, "non-recursive", problems=[(1, 2), (9, 9)], config=NPIConfig(hidden_size=8, max_epochs=3))
    path = save_checkpoint(result, tmp_path_factory.mktemp("ckpt") / "sub" / "tiny.pt")
    return result, path


def test_a_saved_model_loads_with_its_record_and_the_same_weights(tiny):
    result, path = tiny
    ckpt = load_checkpoint(path)
    assert (ckpt.task, ckpt.formulation, ckpt.train_set, ckpt.seed) == ("addition", "non-recursive", "custom", 0)
    assert ckpt.config == result.config
    assert ckpt.summary["epochs"] == result.epochs
    for (name, a), (_, b) in zip(result.model.state_dict().items(), ckpt.model.state_dict().items()):
        assert torch.equal(a, b), name


def test_checkpoints_hold_only_plain_data(tiny):
    _, path = tiny
    content = torch.load(path, weights_only=True)  # would raise on pickled objects
    assert content["format_version"] == FORMAT_VERSION and isinstance(content["config"], dict)


def test_missing_file_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="no such file"):
        load_checkpoint(tmp_path / "nothing.pt")
    with pytest.raises(CheckpointError, match="a folder"):
        load_checkpoint(tmp_path)


def test_garbage_bytes_are_a_checkpoint_error(tmp_path):
    path = tmp_path / "garbage.pt"
    path.write_bytes(bytes(random.Random(0).randrange(256) for _ in range(5000)))
    with pytest.raises(CheckpointError, match="corrupted, truncated"):
        load_checkpoint(path)


def test_truncated_checkpoint_is_a_checkpoint_error(tiny, tmp_path):
    _, path = tiny
    data = path.read_bytes()
    for keep in (10, len(data) // 2, len(data) - 100):
        cut = tmp_path / f"cut{keep}.pt"
        cut.write_bytes(data[:keep])
        with pytest.raises(CheckpointError, match="corrupted, truncated"):
            load_checkpoint(cut)


def test_a_torch_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(CheckpointError, match="not an npi_lib checkpoint"):
        load_checkpoint(path)


def test_a_torch_file_with_pickled_objects_is_refused_without_running_them(tmp_path):
    import datetime

    path = tmp_path / "objects.pt"
    torch.save({"format": "npi_lib-checkpoint", "when": datetime.date(2017, 4, 24)}, path)
    with pytest.raises(CheckpointError, match="Python objects other than plain data"):
        load_checkpoint(path)


def test_another_format_version_is_refused(tiny, tmp_path):
    _, path = tiny
    content = torch.load(path, weights_only=True)
    content["format_version"] = FORMAT_VERSION + 1
    torch.save(content, tmp_path / "future.pt")
    with pytest.raises(CheckpointError, match=f"format version {FORMAT_VERSION + 1}"):
        load_checkpoint(tmp_path / "future.pt")


def test_a_checkpoint_for_another_task_or_formulation_is_refused(tiny):
    _, path = tiny
    with pytest.raises(CheckpointError, match="trained for task 'addition', not 'bubblesort'"):
        load_checkpoint(path, task="bubblesort")
    with pytest.raises(CheckpointError, match="'non-recursive' formulation of addition, not 'recursive'"):
        load_checkpoint(path, task="addition", formulation="recursive")


def test_weights_that_do_not_fit_the_model_are_refused(tiny, tmp_path):
    _, path = tiny
    content = torch.load(path, weights_only=True)
    content["config"]["hidden_size"] = 16
    torch.save(content, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="do not fit"):
        load_checkpoint(tmp_path / "mismatch.pt")


# ---------------------------------------------------------------------------------------------- shipped
@pytest.mark.parametrize("which", SHIPPED)
def test_shipped_checkpoints_load_and_are_small(which):
    ckpt = shipped_checkpoint(*which)
    assert (ckpt.task, ckpt.formulation, ckpt.train_set) == which
    assert ckpt.summary["perfect"]
    assert shipped_path(*which).stat().st_size < 500_000


def test_shipped_checkpoints_are_listed():
    assert set(SHIPPED) <= set(shipped_checkpoints())


def test_a_missing_shipped_checkpoint_says_what_is_shipped():
    with pytest.raises(CheckpointError, match="addition/recursive/paper") as e:
        shipped_checkpoint("addition", "recursive", "tiny")
    assert "python -m npi_lib train" in str(e.value)


def test_retraining_reproduces_a_shipped_checkpoint():
    """Same seed, same settings, from scratch: the starved recursive model (5 traces, seconds to train)."""
    shipped = shipped_checkpoint("addition", "recursive", "starved")
    again = train(TASK, "recursive", train_set="starved", seed=shipped.seed, data_seed=shipped.data_seed, config=shipped.config)
    assert again.epochs == shipped.summary["epochs"]
    rng = random.Random(0)
    for size in (5, 40, 40, 200):
        problem = starved_problem(size, rng)
        a, b = run(shipped.model, TASK, problem), run(again.model, TASK, problem)
        assert (a.output, a.steps, a.correct) == (b.output, b.steps, True)
    # Bit-for-bit weights, when the arithmetic is the same: same torch build and same CPU instruction set.
    same_machine = shipped.summary.get("cpu") == torch.backends.cpu.get_cpu_capability()
    if same_machine and shipped.summary.get("torch") == torch.__version__:
        for (name, x), (_, y) in zip(shipped.model.state_dict().items(), again.model.state_dict().items()):
            assert torch.equal(x, y), name
