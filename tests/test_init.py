"""Tests of npi_lib/__init__.py: importing npi_lib fixes torch's CPU code paths, so that training gives the
same numbers on every x86-64 machine (see the package docstring)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import npi_lib

ROOT = Path(__file__).resolve().parent.parent
needs_avx2 = pytest.mark.skipif(not npi_lib._x86_with_avx2(), reason="an x86-64 Linux processor with AVX2 and FMA")


def python(code: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("MKL_CBWR", "ATEN_CPU_CAPABILITY")} | (env_extra or {})
    return subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@needs_avx2
def test_importing_npi_lib_pins_torchs_code_paths():
    r = python("import os, npi_lib, torch; torch.ones(2).sum(); "
               "print(os.environ['MKL_CBWR'], torch.backends.cpu.get_cpu_capability())")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["COMPATIBLE,STRICT", "AVX2"]


@needs_avx2
def test_a_users_own_setting_wins():
    r = python("import os, npi_lib, torch; torch.ones(2).sum(); print(torch.backends.cpu.get_cpu_capability())",
               {"ATEN_CPU_CAPABILITY": "default"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "DEFAULT"


@needs_avx2
def test_training_warns_when_torch_computed_before_npi_lib_was_imported():
    code = ("import torch; torch.ones(2).sum(); import npi_lib\n"
            "from npi_lib.addition import TASK; from npi_lib.model import NPIConfig; from npi_lib.training import train\n"
            "train(TASK, 'recursive', problems=[(1, 2)], config=NPIConfig(hidden_size=8, max_epochs=1))")
    r = python(code)
    if r.returncode == 0:  # a processor whose best kernels are the AVX2 ones anyway: nothing to warn about
        pytest.skip("torch's default kernels on this processor are already the AVX2 ones")
    assert r.returncode == 1 and "before npi_lib was imported" in r.stderr


def test_the_lstm_runs_without_onednn_and_restores_the_setting():
    import torch

    from npi_lib.model import without_onednn

    before = torch.backends.mkldnn.enabled
    with without_onednn():
        assert torch.backends.mkldnn.enabled is False
    assert torch.backends.mkldnn.enabled == before
