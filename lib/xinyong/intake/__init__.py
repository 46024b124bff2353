"""Intake: the workbook an analyst fills in, and reading it back with every problem named.

``write_template`` writes the fill-in workbook for a scheme; ``read_inputs`` reads a filled workbook
(or a wide CSV) into the frame :func:`xinyong.score` takes, collecting every problem.

One reading path (read first: ``read``, then ``workbook``):

- ``sources``   a file opened once → grids of values: an .xlsx (``workbook``), a CSV (``csvfile``), or
                an .xls / password-protected / unknown file named as such
- ``workbook``  an .xlsx read step by step: the limits, the parts, each sheet scanned, the values by
                calamine, formula texts and percent formats by openpyxl's public read-only API
                (``styled``); ``open_workbook`` for anyone else who needs a workbook's cells
- ``grid``      what a sheet becomes (``Grid``; ``SheetRows``, calamine's rows kept a column at a time)
- ``limits``, ``scan``  what a hostile file is refused for, checked before anything is parsed
- ``sheets/``   one reader per sheet (说明, 单位, 输入, 评审, 证据) sharing a ``ReadContext``; every value
                goes through :func:`xinyong.scheme.values.coerce`, the coercer scoring uses too
- ``problems``  the problem log: each problem located and attributed to the unit its row names; the
                listing capped at ``MAX_LISTED`` with a count of the rest
- ``cells``     a cell as identifier text, as a date; near-miss suggestions
- ``read``      ``read_inputs`` and ``IntakeResult``: drives the above in a fixed order
- ``template``  the fill-in workbook and the layout both sides share
- ``submission/`` the office's quarter: one workbook per unit (``template --split``), the returned
                workbooks merged back with a receipt and their evidence files (``collect``)
"""
from .read import IntakeResult, read_inputs
from .template import UnitRow, build_template, save_workbook, workbook_bytes, write_template

__all__ = ["IntakeResult", "read_inputs", "UnitRow", "build_template", "save_workbook", "workbook_bytes",
           "write_template"]
