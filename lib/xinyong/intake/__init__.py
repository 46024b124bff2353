"""Intake: the workbook an analyst fills in, and reading it back with every problem named.

``write_template`` writes the fill-in workbook for a scheme; ``read_inputs`` reads a filled workbook
(or a wide CSV) into the frame :func:`xinyong.score` takes, collecting every problem.
"""
from .read import IntakeResult, read_inputs
from .template import UnitRow, build_template, save_workbook, workbook_bytes, write_template

__all__ = ["IntakeResult", "read_inputs", "UnitRow", "build_template", "save_workbook", "workbook_bytes",
           "write_template"]
