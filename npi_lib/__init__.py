"""npi_lib: the shared library of the course "From stack machines to recursive Neural
Programmer-Interpreters".

Importing `npi_lib` is cheap: torch is imported only by the modules that build or run a model
(`npi_lib.model`, `npi_lib.training`, `npi_lib.interpreter`), so the command-line tools for Forth, RPN
and traces start fast.

Same numbers on every machine. Training is a long chain of floating-point sums, and torch picks its
CPU code (and so the order of those sums) by what the processor offers: with another code path the same
seed can train for a different number of epochs and end with other weights. So that a lesson shows, on
any x86-64 computer (Binder, CI, a laptop), exactly the numbers stored in it and quoted in its text,
importing npi_lib fixes those choices for the process, unless you set the variables yourself first:

- `MKL_CBWR=COMPATIBLE,STRICT`: MKL's matrix products take the code path that gives the same results on
  every Intel and AMD processor (its "conditional numerical reproducibility" mode);
- `ATEN_CPU_CAPABILITY=avx2`: torch's own kernels use their AVX2 version, also on processors with
  AVX-512 (set only when the processor has AVX2 and FMA, as every x86-64 processor since 2013 does);
- and `npi_lib.model` runs the LSTM without oneDNN, whose kernels depend on the processor's cache sizes.

Both variables are read when torch first computes, so import npi_lib before computing anything with
torch. On other processors (ARM, such as Apple silicon) training still works and is still deterministic
on that machine, but its numbers can differ from the stored ones.
"""

import os as _os

__version__ = "0.1.0"


def _x86_with_avx2() -> bool:
    """True on an x86-64 Linux machine whose processor has AVX2 and FMA."""
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return {"avx2", "fma"} <= flags
    except OSError:
        pass
    return False


if _x86_with_avx2():
    _os.environ.setdefault("MKL_CBWR", "COMPATIBLE,STRICT")
    _os.environ.setdefault("ATEN_CPU_CAPABILITY", "avx2")
