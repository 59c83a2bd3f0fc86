"""The task interface shared by the four tasks (npi_lib/task.py)."""

import subprocess
import sys

import pytest

from npi_lib.errors import ProblemError
from npi_lib.task import TASK_MODULES, get_task


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(ProblemError, match="unknown task 'multiplication'; choose one of addition"):
        get_task("multiplication")


def test_program_ids_follow_the_programs_tuple():
    task = get_task("addition")
    assert [task.program_id(p) for p in task.programs] == list(range(len(task.programs)))
    with pytest.raises(ProblemError, match="no program 'RSHIFT'"):
        task.program_id("RSHIFT")


@pytest.mark.parametrize("name", sorted(TASK_MODULES))
def test_every_registered_task_is_consistent(name):
    task = get_task(name)
    assert task.name == name
    assert task.primitives <= set(task.programs)
    assert "NOP" in task.primitives  # base cases return through NOP
    assert len(task.arg_sizes) == 3 and all(s >= 1 for s in task.arg_sizes)
    entry, args = task.entry(task.formulations[-1])
    assert entry in task.programs and entry not in task.primitives and len(args) == 3


def test_importing_the_library_and_tasks_does_not_import_torch():
    code = "import npi_lib.task as t, sys\nfor n in t.TASK_MODULES: t.get_task(n)\nprint('torch' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
