"""Longest call frame and trace length per task, formulation and input size (issue: traces and tasks).

    .venv/bin/python tools/trace_table.py                # sizes 10, 100, 1000 (bubble sort: 10, 100, 300)
    .venv/bin/python tools/trace_table.py --sizes 5,50

One random problem per size (seed 0); traces are recorded without state snapshots.
"""

from __future__ import annotations

import argparse
import random
import time

from npi_lib.task import get_task
from npi_lib.trace import longest_frame

TASKS = ("addition", "bubblesort", "toposort", "quicksort")
# Bubble sort's traces grow as 9 n^2 steps: 1000 values take ~9 million steps and several GB.
LARGEST = {"bubblesort": 300}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'task':<11} {'formulation':<14} {'size':>6} {'longest frame':>14} {'trace length':>13} {'seconds':>8}")
    for name in TASKS:
        task = get_task(name)
        for formulation in task.formulations:
            for size in sizes:
                size = min(size, LARGEST.get(name, size))
                problem = task.random_problem(size, random.Random(0))
                start = time.perf_counter()
                trace = task.reference(problem, formulation, record_states=False)
                seconds = time.perf_counter() - start
                print(
                    f"{name:<11} {formulation:<14} {size:>6} {longest_frame(trace):>14} {len(trace):>13} {seconds:>8.2f}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
