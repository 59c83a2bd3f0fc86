"""Trained NPI checkpoints shipped with npi_lib, one file per (task, formulation, training set):
`<task>-<formulation>-<train set>.pt`. Load them with `npi_lib.checkpoint.shipped_checkpoint`; remake
them with `python tools/bench_npi.py ship` (seed 0, default `NPIConfig`)."""
