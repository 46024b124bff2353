"""Report blocks (issue 6), on the mini scheme: numbers equal the scoring result, user text is escaped,
the action list holds every item short of full marks in order, charts draw Chinese glyphs.

Issue 6: "Text that comes from users (unit names, evidence titles, justifications) is escaped: a unit
named `<script>alert(1)</script>` shows as text." "Action list: every item not at full marks, with the
points still to win, the responsible unit, the deadline from the scheme ... sorted by points to win and
then deadline."
"""
from __future__ import annotations

import re
from pathlib import Path
import warnings

import numpy as np
import pandas as pd
import pytest

import xinyong
from xinyong.report import Overview, UnitReport, load_run
from xinyong.report import charts
from xinyong.report.narrative import num
from xinyong.report.overview import _safe_href
from xinyong.report.analysis import deadline_key

from conftest import MINI

EVIL = "<script>alert(1)</script>"


def frame(**over) -> pd.DataFrame:
    df = pd.DataFrame({
        "unit_id": ["a", "b", "c"], "unit_name": ["甲市", EVIL, "丙市"], "unit_kind": ["城市", "开发区", "城市"],
        "npl_rate": [2.6, 1.0, np.nan], "has_a": [1, 1, 0], "has_b": [1, 0, 1], "approved": [3, 4, 5],
        "total_depts": [5, 5, 5], "share": [70, 55, 90], "events": [1, 0, 3],
        "judge:mini.2.2": [1.5, np.nan, 2.0], "why:mini.2.2": ["<b>扎实</b>", "", "有创新"],
    })
    for k, v in over.items():
        df[k] = v
    return df


@pytest.fixture(scope="module")
def run():
    return load_run(MINI, frame(), period="2019", history=[{"period": "2018", "data": frame(share=[60, 55, 75])}])


def test_summary_states_total_grade_and_rank_of_the_result(run):
    res = run.result
    for u in res.unit_ids:
        html = UnitReport(run, u).summary().html
        row = res.units.loc[u]
        assert f'data-total="{num(row["total"])}"' in html
        assert f'data-grade="{row["grade"]}"' in html
        # a rank unknown points could move is 暂列 with its range; a settled one is 排名第 N
        if row["rank_best"] == row["rank_worst"]:
            assert f"排名第 {int(row['rank'])}" in html
        else:
            assert (f"暂列第 {int(row['rank'])} 名（名次未定：未知分数补齐后，可能在第 {int(row['rank_best'])} 至第 "
                    f"{int(row['rank_worst'])} 名之间）") in html


def test_summary_change_against_previous_period(run):
    prev = run.history[-1][1].units.loc["c", "total"]
    now = run.result.units.loc["c", "total"]
    html = UnitReport(run, "c").summary().html
    assert f"（2018年度，{prev:.2f} 分" in html  # periods as people write them, points with two decimals
    assert now != prev
    word = "提高" if now > prev else "下降"
    assert f"{word} {abs(now - prev):.2f} 分" in html


def test_summary_counts_unknown_points_never_as_zero(run):
    row = run.result.units.loc["b"]
    html = UnitReport(run, "b").summary().html
    assert row["unknown_points"] > 0
    assert f"仍有 {row['unknown_points']:.2f} 分尚未确定" in html
    assert f"{int(row['n_pending_judgement'])} 个条目待评审赋分" in html


def test_user_text_is_escaped_in_every_block(run):
    rep = UnitReport(run, "b")
    blocks = rep.blocks() + [rep.provenance()]
    page = "".join(b.html for b in blocks) + "".join(b.html for b in Overview(run, {"b": "b.html"}).blocks())
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_justification_is_escaped_in_the_item_table(run):
    html = UnitReport(run, "a").item_table().html
    assert "<b>扎实</b>" not in html and "&lt;b&gt;扎实&lt;/b&gt;" in html


def test_item_table_lists_every_item_with_its_points(run):
    html = UnitReport(run, "a").item_table().html
    res = run.result
    for it in run.scheme.walk_items():
        m = re.search(rf'id="item-{re.escape(it.id)}">(.*?)</tr>', html, re.S)
        assert m, it.id
        p = res.points.at["a", it.id]
        cells = re.findall(r'<td class="num">(.*?)</td>', m.group(1))
        st = res.status.at["a", it.id]
        # points with two decimals; unknown points read 未知 (missing is never 0), not applicable —
        assert cells[1] == ("—" if st == "not_applicable" else "未知" if pd.isna(p) else f"{p:.2f}")


def test_action_list_every_item_short_of_full_marks_sorted(run):
    rep = UnitReport(run, "c")
    rows = rep.action_rows()
    res = run.result
    expect = set()
    for it in run.scheme.walk_items():
        st = str(res.status.at["c", it.id])
        if st == "not_applicable":
            continue
        if st != "scored" or res.points.at["c", it.id] < res.max_points.at["c", it.id] - 1e-9:
            expect.add(it.id)
    assert {r["item"] for r in rows} == expect
    wins = [r["to_win"] for r in rows]
    assert wins == sorted(wins, reverse=True)
    for r in rows:
        st = str(res.status.at["c", r["item"]])
        mx = res.max_points.at["c", r["item"]]
        assert r["to_win"] == pytest.approx(mx if st != "scored" else mx - res.points.at["c", r["item"]])
    missing = [r for r in rows if res.status.at["c", r["item"]] == "missing_input"]
    assert missing and all("不良贷款率" in r["todo"] for r in missing)  # c has no npl_rate


def test_deadline_order_follows_the_month_written():
    assert deadline_key("4月底前") < deadline_key("11月前") < deadline_key("全年持续工作") < deadline_key("")


def test_alternative_reading_totals_equal_a_fresh_score(run):
    """mini A2 (SEED_NOTES A2: 9.1 "每多10%加0.5分" stepwise vs continuous)."""
    alt = run.alternative_totals()
    fresh = xinyong.score(run.scheme, frame(), readings={"A2": "continuous"})
    for u in fresh.unit_ids:
        got = alt[(alt.reading == "A2") & (alt.option == "continuous") & (alt.unit == u)]["total"].iloc[0]
        assert got == pytest.approx(fresh.units.at[u, "total"])
    html = UnitReport(run, "a").readings_and_defects().html
    # the reading by its question, never its code (A2 is the scheme file's name for it)
    assert num(fresh.units.at["a", "total"]) in html and run.scheme.reading("A2").question in html
    assert "A2" not in re.sub(r"<[^>]+>", "", html)


def test_findings_of_the_checker_are_shown(run):
    from xinyong.scoring.scheme_audit import check_scheme

    html = UnitReport(run, "a").readings_and_defects().html
    fs = check_scheme(run.scheme)
    assert fs, "mini declares a total its items do not reach"
    for f in fs:
        assert f.message.split("，")[0].replace("<", "&lt;") in html


def test_gate_table_outcomes_equal_the_result(run):
    html = UnitReport(run, "a").gates().html
    g = run.result.gates
    for r in g[g.unit == "a"].itertuples():
        zh = {"pass": "通过", "fail": "未通过", "unknown": "尚无法判定"}[r.outcome]
        # the cell shows the document's numbering (mini.gate.1 → 1: "gate" is the file's grouping word),
        # the full id is its title
        assert re.search(rf'title="{re.escape(r.condition)}">{re.escape(r.condition.rsplit(".", 1)[1])}</td><td>[^<]*</td>'
                         rf'<td class="status">{re.escape(zh)}<', html)


def test_evidence_flagged_when_required_and_none_supplied():
    scheme = xinyong.load_scheme(MINI)
    scheme.item("mini.1.1").evidence = "人民银行出具的不良贷款率证明"
    scheme.item("mini.1.3").evidence = "部门实施清单"
    r = load_run(scheme, frame(), period="2019")
    r.data.evidence = pd.DataFrame([{"item": "mini.1.3", "unit_id": "a", "title": "<i>清单</i>", "link": "x.pdf",
                                     "date": "2019-03-01", "sheet_row": 2}])
    html = UnitReport(r, "a").evidence_table().html
    row11 = re.search(r'title="mini\.1\.1">1\.1</td>.*?</tr>', html, re.S).group(0)
    row13 = re.search(r'title="mini\.1\.3">1\.3</td>.*?</tr>', html, re.S).group(0)
    assert "无材料" in row11 and "无材料" not in row13
    assert "&lt;i&gt;清单&lt;/i&gt;" in row13
    assert "尚未登记任何材料的条目共 1 个" in html
    # said once, in the table (the row flagged 无材料 carries what is required), not again as a list above it
    assert "人民银行出具的不良贷款率证明" in row11 and html.count("人民银行出具的不良贷款率证明") == 1


def test_overview_links_only_relative():
    assert _safe_href("reports/a.html") == "reports/a.html"
    for bad in ("http://x/a.html", "https://x", "//host/a", "javascript:alert(1)", "data:text/html,x"):
        assert _safe_href(bad) is None


def test_overview_ranking_and_movement(run):
    ov = Overview(run)
    rows = ov.ranking_rows()
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    prev = run.history[-1][1].units
    for r in rows:
        assert r["delta"] == pytest.approx(r["total"] - prev.at[r["unit"], "total"])
    share = ov.share_table()
    assert ((share.fillna(0) >= 0) & (share.fillna(0) <= 100)).all().all()


def test_unit_by_name_and_unknown_unit(run):
    assert UnitReport(run, "甲市").unit == "a"
    with pytest.raises(xinyong.XinyongError, match="没有单位"):
        UnitReport(run, "无此单位")


def test_chart_glyphs_are_in_the_font_no_tofu():
    """Every Chinese label is drawn from the shipped Noto Sans CJK SC: matplotlib warns 'Glyph ... missing'
    when it falls back to a box."""
    from matplotlib.ft2font import FT2Font

    from xinyong.report.fonts import font_path, setup_fonts

    setup_fonts()
    font = FT2Font(str(font_path()))
    labels = "各部分得分与满分组内中位数最高分单位得分率未知缺数据待评审总分变化趋势信用环境"
    assert all(font.get_char_index(ord(c)) for c in labels)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = charts.section_bars(["第一部分", "信用环境（附加）"], [1, 2], [0.5, 0], [3, 4], "各部分得分与满分")
    assert png.startswith(b"\x89PNG") and len(png) > 1500
    img = charts.img(png, "各部分得分与满分")
    assert img.startswith('<img class="chart" alt="各部分得分与满分"') and len(img) > 2000


def test_charts_draw_with_the_shipped_font_file_even_beside_a_system_font_of_that_name():
    """The same report draws the same pixels on every machine: the font is the file mplfonts ships, even
    where the system has a font of the same family name (Debian's fonts-noto-cjk: "Noto Sans CJK SC" in a
    .ttc, which matplotlib used to prefer)."""
    from matplotlib import font_manager as fm

    from xinyong.report.fonts import font_path, setup_fonts

    name = setup_fonts()
    prop = fm.FontProperties()
    prop.set_family("sans-serif")
    assert Path(fm.findfont(prop)) == font_path()
    assert [f.fname for f in fm.fontManager.ttflist if f.name == name] == [str(font_path())]


def test_charts_are_deterministic():
    a = charts.heat_map(pd.DataFrame({"一": [50.0, np.nan], "二": [100.0, 0.0]}, index=["甲", "乙"]), "热力图")
    b = charts.heat_map(pd.DataFrame({"一": [50.0, np.nan], "二": [100.0, 0.0]}, index=["甲", "乙"]), "热力图")
    assert a == b


def test_names_with_quotes_nest_as_single_quotes_and_stay_escaped():
    """004 附件1 六.2 is named “事中”信用监管: in prose it reads “‘事中’信用监管”, not ““事中”信用监管”."""
    from xinyong.report.narrative import quoted, render

    assert quoted("“事中”信用监管") == "“‘事中’信用监管”"
    assert quoted("组织建设情况") == "“组织建设情况”"
    # the sentence is the analysis's (OverviewAnalysis.gate_summary, built with quoted); the page escapes it
    html = render("overview_gates.html.j2", heading="否决", rows=[], summary=f"{quoted('<b>甲</b>“乙”')}未通过：1 个单位。")
    assert "“&lt;b&gt;甲&lt;/b&gt;‘乙’”未通过" in html


def _png(png: bytes):
    """A chart's PNG bytes (what every chart function returns) as a Pillow image."""
    import io

    from PIL import Image

    return Image.open(io.BytesIO(png))


def test_charts_are_palette_pngs_on_a_white_page():
    """Charts are written as 256-colour PNGs (a quarter of matplotlib's RGBA bytes); the palette's
    background entry is pure white, so no faint box shows around a chart on the white page."""
    im = _png(charts.section_bars(["第一部分", "第二部分"], [1, 2], [0.5, 0], [3, 4], "各部分得分与满分"))
    assert im.mode == "P"
    rgb = im.convert("RGB")
    assert rgb.getpixel((0, 0)) == rgb.getpixel((im.width - 1, im.height - 1)) == (255, 255, 255)
    assert len(rgb.getcolors(maxcolors=1024)) > 8  # the bars, the grey, the anti-aliased text: not flattened


def test_heat_map_height_stays_bounded_for_many_units():
    """Issue 13: the overview of 2,000 units drew a 70,000-pixel-tall heat map (2 GB in its worker).
    Beyond HEAT_ROWS units the rows get thinner: 600 units are drawn no taller than HEAT_ROWS units."""
    def height(n: int) -> int:
        share = pd.DataFrame({"一": np.linspace(0, 100, n), "二": np.linspace(100, 0, n)},
                             index=[f"单位{i}" for i in range(n)])
        return _png(charts.heat_map(share, "热力图")).height

    limit = height(charts.HEAT_ROWS)
    assert height(600) <= limit + 2
    assert height(10) < limit  # small maps keep their row height


def test_trend_value_goes_below_its_point_when_the_median_line_runs_just_above():
    """Seen in the demo's 郏县 教育局 2022Q4 trend: 82.57 written on the median's grey line (91.6). Below the
    point then; above otherwise (median below, far above, unknown), and never below a point by the axis."""
    from xinyong.report.charts import _label_below

    top = 92.88 * 1.15
    assert _label_below(82.57, 91.6, top)
    assert not _label_below(86.83, 84.5, top)  # median below: above, as always
    assert not _label_below(40.0, 91.6, top)  # the line is far above: room between them
    assert not _label_below(82.57, float("nan"), top) and not _label_below(float("nan"), 91.6, top)
    assert not _label_below(8.0, 12.0, top)  # too close to the axis to go below
