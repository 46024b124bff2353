"""The office's quarter, on the intake side: one workbook per unit out (:mod:`.split`), the returned
workbooks back in (:mod:`.collect`).

- ``units``    the units file (单位编号, 单位名称, 单位类型; CSV in UTF-8 or GBK, or a workbook) and the
               manifest 报送名单.csv that ``split`` writes beside the workbooks and ``collect`` reads
- ``answers``  what a unit answers for: the items, inputs and evidence rows of its own workbook
- ``split``    ``xinyong template SCHEME --period P --units units.csv --split -o dir/``
- ``collect``  ``xinyong collect SCHEME --period P dir/ -o period.xlsx``: every returned file read with
               :func:`xinyong.intake.read_inputs`, merged into one period workbook in the template's layout,
               with the receipt table 报送情况 and the evidence files copied beside it
- ``merge``    the merged workbook ``collect`` writes: values, 报送状态, evidence rows, the receipt
"""
from .collect import CollectError, CollectResult, collect
from .split import SplitResult, split
from .units import MANIFEST_NAME, Manifest, read_manifest, read_units

__all__ = ["CollectError", "CollectResult", "collect", "SplitResult", "split", "MANIFEST_NAME", "Manifest",
           "read_manifest", "read_units"]
