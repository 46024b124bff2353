"""`xinyong notebook`: an analyst's parameterized copy of the report notebook (issue 15 §4)."""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from xinyong.errors import XinyongError
from xinyong.report.notebook import fill_parameters, write_notebook

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "params" / "demo" / "jiaxian_county_dept"


def _params(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))


def test_copy_has_relative_paths_and_the_unit_id(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for q in ("2022Q1", "2022Q2"):
        shutil.copy(DEMO / f"{q}.xlsx", data / f"{q}.xlsx")
    out = write_notebook("jiaxian_county_dept", "2022Q2", data / "2022Q2.xlsx", tmp_path / "work" / "my.ipynb",
                         unit="示例县财政局", history=[{"period": "2022Q1", "data": data / "2022Q1.xlsx"}])
    src = _params(out)
    assert 'unit = "dept02"' in src  # the name typed, the id written
    assert 'data = "../data/2022Q2.xlsx"' in src  # relative to the notebook's own folder
    assert 'history = [{"period": "2022Q1", "data": "../data/2022Q1.xlsx"}]' in src
    assert "# 被考核单位的编号或名称" in src  # the Chinese comments stay beside the values
    nb = nbformat.read(out, as_version=4)
    assert all(not c.outputs for c in nb.cells if c.cell_type == "code")


def test_unknown_unit_and_missing_file_are_named(tmp_path):
    with pytest.raises(XinyongError, match="数据中没有单位“无此单位”"):
        write_notebook("jiaxian_county_dept", "2022Q2", DEMO / "2022Q2.xlsx", tmp_path / "a.ipynb", unit="无此单位")
    with pytest.raises(XinyongError, match="找不到数据文件：.*nope.xlsx"):
        write_notebook("jiaxian_county_dept", "2022Q2", tmp_path / "nope.xlsx", tmp_path / "b.ipynb", unit="dept01")
    assert not list(tmp_path.glob("*.ipynb"))


def test_overview_copy_and_demo_paths_kept(tmp_path):
    out = write_notebook("jiaxian_county_dept", "2022Q2", "demo:jiaxian_county_dept/2022Q2.xlsx", tmp_path / "o.ipynb")
    src = _params(out)
    assert 'data = "demo:jiaxian_county_dept/2022Q2.xlsx"' in src and "unit_links" in src


def test_fill_parameters_refuses_a_cell_without_the_name():
    with pytest.raises(XinyongError, match="缺少参数：unit"):
        fill_parameters('scheme = "x"  # 方案', {"unit": "a"})


def test_notebook_command(tmp_path):
    from xinyong.cli import main

    out = tmp_path / "n" / "r.ipynb"
    assert main(["notebook", "jiaxian_county_dept", "--period", "2022Q2", "--unit", "dept03",
                 "--data", str(DEMO / "2022Q2.xlsx"), "-o", str(out)]) == 0
    assert 'unit = "dept03"' in _params(out)
    assert main(["notebook", "jiaxian_county_dept", "--period", "2022Q2", "--unit", "zz",
                 "--data", str(DEMO / "2022Q2.xlsx"), "-o", str(tmp_path / "x.ipynb")]) == 2
