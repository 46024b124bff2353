"""One reader per sheet of the fill-in workbook (说明, 单位, 输入, 评审, 证据); a wide CSV is read as an
输入 sheet that also names the units. Readers share a :class:`~.context.ReadContext`."""
from .context import ReadContext
from .evidence import read_evidence
from .inputs import read_inputs_sheet
from .judge import read_judge
from .readme import read_readme
from .receipts import read_receipts
from .units import read_units

__all__ = ["ReadContext", "read_evidence", "read_inputs_sheet", "read_judge", "read_readme", "read_receipts", "read_units"]
