"""Batch runs: every unit's report of a scheme × period in parallel, resumable, with index pages.

``run_batch(scheme, period, data, out_dir)`` for one run, ``run_all(params_file, out_dir)`` for every
run of ``params/demo.yaml``; the CLI is ``xinyong batch`` (``commands.py``).
"""
from .model import BatchSummary, UnitOutcome
from .names import safe_component, unit_stems
from .params import load_params
from .runner import run_all, run_batch

__all__ = ["BatchSummary", "UnitOutcome", "load_params", "run_all", "run_batch", "safe_component", "unit_stems"]
