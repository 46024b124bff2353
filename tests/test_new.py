"""``xinyong new SCHEME_ID -o file.yaml`` (issue 12 §6): a commented starting file that loads, compiles,
checks clean and scores as it is written."""
from __future__ import annotations

import pandas as pd
import pytest

import xinyong
from xinyong.cli import main
from xinyong.errors import SchemeError
from xinyong.scheme.new import starter_yaml
from xinyong.scoring.scheme_audit import check_scheme


def test_new_writes_a_file_that_runs(tmp_path, capsys):
    out = tmp_path / "x" / "county_2025.yaml"
    assert main(["new", "county_2025", "-o", str(out), "--title", "某县2025年考核办法"]) == 0
    assert "已写出新方案起始文件" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# county_2025：新方案的起始文件") and "# bonus_cap:" in text and "# cap: {max: 40" in text
    s = xinyong.load_scheme(out)
    assert s.title == "某县2025年考核办法" and check_scheme(s) == []
    # 3 late reports: 40 − 1.5; 2 events, 1 rectified: 30 − 10 − 5; judged 20 → 38.5 + 15 + 20 = 73.5 (合格 by score),
    # but one event is not rectified: the veto grades it 不合格
    r = xinyong.score(s, pd.DataFrame([dict(unit_id="u", unit_kind="县直单位", late_reports=3, events=2, events_rectified=1,
                                            **{"judge:county_2025.1.3": 20, "why:county_2025.1.3": "较好"})]).set_index("unit_id"))
    assert r.unit("u").total == pytest.approx(73.5) and r.unit("u").grade == "不合格"


def test_new_keeps_an_existing_file(tmp_path):
    out = tmp_path / "s.yaml"
    out.write_text("mine", encoding="utf-8")
    assert main(["new", "s1", "-o", str(out)]) == 2
    assert out.read_text(encoding="utf-8") == "mine"
    assert main(["new", "s1", "-o", str(out), "--force"]) == 0


def test_new_refuses_a_bad_id():
    with pytest.raises(SchemeError) as e:
        starter_yaml("Shifan-2024")
    assert "方案编号“Shifan-2024”格式不对" in e.value.message


def test_starting_file_docs_and_default_say_the_same_of_a_vetoed_units_rank(tmp_path):
    """The starting file, docs/SCHEMES.md and ``Scheme.gate_consequence`` agree: a veto whose text says
    only the grade leaves ``exclude_from_ranking`` out, its units are not ranked, and check says so."""
    from conftest import ROOT

    text = starter_yaml("rank_default")
    assert "declared_total: 100        # 可选" in text and "# no_criteria: true" in text
    assert "不参加排名" in text and "排名按默认" in text
    silent = tmp_path / "rank_default.yaml"
    silent.write_text(text.replace("consequence: {grade: 不合格, exclude_from_ranking: true}",
                                   "consequence: {grade: 不合格}"), encoding="utf-8")
    s = xinyong.load_scheme(silent)
    assert s.gate_consequence(s.gates[0]).exclude_from_ranking is True
    assert [f.code for f in check_scheme(s)] == ["ranking_default"]
    docs = (ROOT / "docs" / "SCHEMES.md").read_text(encoding="utf-8")
    assert "排名按默认" in docs and "`declared_total` is **optional**" in docs and "`no_criteria: true`" in docs
