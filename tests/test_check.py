"""`xinyong check`: every inconsistency in SEED_NOTES §1 is found, from the scheme data."""
import json

import pytest

import xinyong
from xinyong.cli import main
from xinyong.scoring.scheme_audit import check_scheme


def findings(sid):
    return check_scheme(xinyong.load_scheme(sid))


def by(fs, code):
    return {f.target: f for f in fs if f.code == code}


def test_county_dept_base_is_95_not_100():
    """004 附件1: “县直单位社会信用体系建设工作考核指标 (满分 100 分)”; items: 5+15+35+10+10+20 = 95,
    七 工作创新 (附加分) 5."""
    f = by(findings("jiaxian_county_dept"), "total_mismatch")["jiaxian_county_dept"]
    assert (f.declared, f.computed) == (100, 95)
    assert "附加分" in f.message


def test_county_dept_label_7_carries_17():
    """004 附件1 三.1: “信用贷款及“信易贷”工作落实情况 | 7” followed by two more rows of 5 and 5."""
    fs = findings("jiaxian_county_dept")
    hits = [f for f in fs if f.code in ("label_mismatch", "section_mismatch") and f.declared == 7 and f.computed == 17]
    assert hits, [f.as_dict() for f in fs]


def test_township_section_3_is_18_not_20_and_items_98_not_100():
    """004 附件2: “三、政务诚信建设（20分）” with items 5+4+5+4; “(满分 100 分)”."""
    fs = findings("jiaxian_township")
    sec = by(fs, "section_mismatch")["jiaxian_township.3"]
    assert (sec.declared, sec.computed) == (20, 18)
    tot = by(fs, "total_mismatch")["jiaxian_township"]
    assert tot.declared == 100 and "98" in tot.message


def test_township_3_3_max_5_unreachable_with_3_elements():
    """004 附件2 三.3: “……每项得1分，共5分” naming three elements; literal maximum of the scheme 96."""
    fs = findings("jiaxian_township")
    un = by(fs, "unreachable_max")
    assert (un["jiaxian_township.3.3"].declared, un["jiaxian_township.3.3"].computed) == (5, 3)
    assert un["jiaxian_township"].computed == 96


def test_township_sections_4_and_5_have_no_criteria():
    """004 附件2 四、诚信宣传教育 (20分) and 五、工作创新 (附加分 10分): no 评分标准 cells."""
    fs = findings("jiaxian_township")
    targets = {f.target for f in fs if f.code == "no_criteria"}
    assert any(t.startswith("jiaxian_township.4") for t in targets)
    assert any(t.startswith("jiaxian_township.5") for t in targets)


def test_linyi_two_rows_with_inferred_category():
    """003: rows 联合奖惩绩效测评 (26) and 严重失信事件监测评价 (21) lost their category cell."""
    fs = [f for f in findings("linyi") if f.code == "inferred_category"]
    assert sorted(f.computed for f in fs) == [21, 26]


def test_quzhou_states_no_total():
    """002: no total and no pass mark; guidance maxima under the 001 formulas sum to 54."""
    f = by(findings("quzhou"), "no_declared_total")["quzhou"]
    assert f.computed == 54


@pytest.mark.parametrize("sid", ["city2019", "wangyi"])
def test_consistent_documents_have_no_total_or_section_mismatch(sid):
    """SEED_NOTES §1: 000 and 001 are consistent (1分 = 1%; 001 sums to 100 + 10)."""
    fs = findings(sid)
    assert not [f for f in fs if f.code in ("total_mismatch", "section_mismatch", "bonus_mismatch")], fs


def test_cli_check_all_exits_zero_and_prints_chinese(capsys):
    assert main(["check", "--all"]) == 0
    out = capsys.readouterr().out
    assert "声明满分 100 分" in out


def test_cli_check_json_is_data(capsys):
    assert main(["check", "jiaxian_county_dept", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"code", "target", "message", "quote", "source_file"} <= set(data[0])


def test_cli_check_malformed_file_exits_nonzero(tmp_path, capsys):
    p = tmp_path / "bad.yaml"
    p.write_text("id: bad\ntitle: x\n", encoding="utf-8")
    assert main(["check", str(p)]) == 2
    assert "方案文件格式错误" in capsys.readouterr().err
