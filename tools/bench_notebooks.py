"""Time each notebook and measure its peak memory: `make bench`.

Each notebook runs top to bottom in a fresh kernel, as "Restart and Run All" (and nbval) would, from its own
directory. While it runs, a thread samples the resident memory (RSS) of the kernel and every process it
started, every 50 ms; the peak of their sum is reported. Nothing is written back to the notebooks.

    .venv/bin/python tools/bench_notebooks.py notebooks/*.ipynb

Wall time includes starting the kernel (about a second). The sum of RSS counts shared libraries once per
process, so for a kernel with worker processes it overestimates; a peak shorter than 50 ms can be missed.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

MiB = 2**20


class PeakRSS:
    """Samples, in a background thread, the summed RSS of every descendant of this process."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in me.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:  # the process ended between listing and reading
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Result:
    notebook: Path
    cells: int
    seconds: float
    peak_rss: int
    slowest: str
    error: str = ""


def slowest_cell(nb: nbformat.NotebookNode) -> str:
    """'#k  t s' for the code cell that took longest, from the timings nbclient records in cell metadata."""
    best, best_k = -1.0, 0
    for k, cell in enumerate(nb.cells, 1):
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            took = (datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))).total_seconds()
            if took > best:
                best, best_k = took, k
    return f"#{best_k} {best:.1f} s" if best_k else "-"


def bench(path: Path, timeout: int) -> Result:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    error = ""
    start = time.perf_counter()
    with PeakRSS() as rss:
        try:
            client.execute()
        except CellExecutionError as e:
            error = f"{e.ename}: {e.evalue}"[:60]
        except (CellTimeoutError, DeadKernelError) as e:
            error = f"{type(e).__name__}: {str(e).splitlines()[0][:50]}"
    seconds = time.perf_counter() - start
    cells = sum(c.cell_type == "code" for c in nb.cells)
    return Result(path, cells, seconds, rss.peak, slowest_cell(nb), error)


def print_table(results: list[Result]) -> None:
    name_width = max([len("notebook")] + [len(str(r.notebook)) for r in results])
    head = f"{'notebook':<{name_width}}  {'code cells':>10}  {'wall s':>7}  {'peak RSS MiB':>12}  slowest cell"
    print(head)
    print("-" * len(head))
    for r in results:
        line = (f"{str(r.notebook):<{name_width}}  {r.cells:>10}  {r.seconds:>7.1f}  "
                f"{r.peak_rss / MiB:>12.0f}  {r.slowest}")
        print(line + (f"  FAILED: {r.error}" if r.error else ""))
    print("-" * len(head))
    total = sum(r.seconds for r in results)
    peak = max(r.peak_rss for r in results)
    print(f"{'all':<{name_width}}  {sum(r.cells for r in results):>10}  {total:>7.1f}  {peak / MiB:>12.0f}  (max)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=1800, help="seconds allowed per cell (default 1800)")
    args = parser.parse_args()
    if not args.notebooks:
        print("no notebooks to benchmark")
        return 0
    results = []
    for path in args.notebooks:
        print(f"running {path} ...", file=sys.stderr, flush=True)
        results.append(bench(path, args.timeout))
    print_table(results)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
