"""Train the checkpoints shipped in npi_lib/checkpoints/: every model of a task's results table, seed 0.

    .venv/bin/python tools/ship_checkpoints.py bubblesort toposort quicksort   # these tasks' models
    .venv/bin/python tools/ship_checkpoints.py --list                         # what would be trained

Each (formulation, training set) of `task.results` is trained with the course's recipe
(`npi_lib.training.train`, seed 0), as `python -m npi_lib reproduce` trains it, and saved to
`npi_lib.checkpoint.shipped_path(...)`. A task's lesson and `python -m npi_lib run/eval` load them.
Addition's four checkpoints are made by `tools/bench_npi.py ship`, the same way.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from npi_lib.checkpoint import save_checkpoint, shipped_path  # noqa: E402
from npi_lib.task import get_task  # noqa: E402


def models(task_name: str) -> list[tuple[str, str]]:
    results = get_task(task_name).results
    if results is None:
        raise SystemExit(f"error: task {task_name!r} declares no results table, so no models to ship")
    return list(dict.fromkeys((e.formulation, e.train_set) for e in results.experiments))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tasks", nargs="+")
    parser.add_argument("--list", action="store_true", help="only list the models")
    args = parser.parse_args()
    from npi_lib.training import train

    for name in args.tasks:
        for formulation, train_set in models(name):
            path = shipped_path(name, formulation, train_set)
            if args.list:
                print(path.name)
                continue
            start = time.perf_counter()
            result = train(name, formulation, train_set=train_set, seed=0)
            save_checkpoint(result, path)
            print(f"{path.name}: {result.epochs} epochs, perfect={result.perfect}, {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
