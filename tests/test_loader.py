"""Malformed scheme files are refused with an error naming the file, line, item id and field.

Structural problems (YAML, fields, ids, inputs, readings, gate tests) stop ``load_scheme``; rule
problems (kind, parameters, inputs a rule reads) stop ``compile``, which knows the rule kinds — with
the same ``file:line item.field`` error.
"""
from pathlib import Path

import pytest

import xinyong
from xinyong.errors import SchemeError
from xinyong.scoring.plan import compile

from conftest import MINI as MINI_PATH, SEEDS

MINI = MINI_PATH.read_text(encoding="utf-8")


def write(tmp_path, text):
    p = tmp_path / "bad.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def compiled(path):
    """Load (a pure YAML -> model step: rule kinds are not its business), then compile."""
    scheme = xinyong.load_scheme(path)
    return compile(scheme)


def test_missing_field_names_item_field_and_line(tmp_path):
    text = MINI.replace("        name: 比例\n        max_points: 2\n", "        name: 比例\n")
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, text))
    e = ei.value
    assert e.fields["item"] == "mini.1.3"
    assert e.fields["file"].endswith("bad.yaml")
    assert "max_points" in e.message
    assert e.fields["line"] == next(i for i, l in enumerate(text.splitlines(), 1) if "id: mini.1.3" in l)


def test_wrong_type_names_the_field(tmp_path):
    text = MINI.replace("max_points: 4\n", "max_points: 四分\n")
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, text))
    assert ei.value.fields["item"] == "mini.1.4"
    assert ei.value.fields["field"] == "max_points"


def test_unknown_rule_kind(tmp_path):
    text = MINI.replace("kind: stepwise", "kind: magic")
    path = write(tmp_path, text)
    xinyong.load_scheme(path)  # the loader knows no rule kind
    with pytest.raises(SchemeError) as ei:
        compiled(path)
    assert ei.value.fields["item"] == "mini.1.4"
    assert ei.value.fields["file"] == str(path)
    assert ei.value.fields["line"] == next(i for i, l in enumerate(text.splitlines(), 1) if "id: mini.1.4" in l)
    assert "magic" in ei.value.message and "rule.kind" in ei.value.fields["field"]
    assert ei.value.message.startswith("方案文件有误：bad.yaml 第")


def test_rule_reading_an_undeclared_input(tmp_path):
    text = MINI.replace('expr: "approved/total_depts*2"', 'expr: "approved/all_depts*2"')
    with pytest.raises(SchemeError) as ei:
        compiled(write(tmp_path, text))
    assert ei.value.fields["item"] == "mini.1.3"
    assert "all_depts" in ei.value.message


def test_formula_with_attribute_access_is_refused(tmp_path):
    text = MINI.replace('expr: "approved/total_depts*2"', 'expr: "approved.__class__"')
    with pytest.raises(SchemeError) as ei:
        compiled(write(tmp_path, text))
    assert ei.value.fields["item"] == "mini.1.3"


def test_formula_trying_import_is_refused(tmp_path):
    text = MINI.replace('expr: "approved/total_depts*2"', "expr: \"__import__('os').system('touch /tmp/pwned')\"")
    with pytest.raises(SchemeError):
        compiled(write(tmp_path, text))
    assert not Path("/tmp/pwned").exists()


def test_reading_option_with_invalid_params_is_refused_though_not_chosen(tmp_path):
    """Every reading option is compiled, chosen or not: choosing it later must not be the first time
    its parameters are read (mini A2 option continuous sets stepwise mode)."""
    text = MINI.replace("set: {mini.1.4: {mode: continuous}}", "set: {mini.1.4: {mode: sideways}}")
    with pytest.raises(SchemeError) as ei:
        compiled(write(tmp_path, text))
    assert ei.value.fields["item"] == "mini.1.4"
    assert ei.value.fields["field"].startswith("readings.A2.continuous.params")


def test_duplicate_key_and_duplicate_id(tmp_path):
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, MINI.replace("declared_total: 10\n", "declared_total: 10\ndeclared_total: 11\n")))
    assert "重复" in ei.value.message
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, MINI.replace("id: mini.1.3", "id: mini.1.2")))
    assert "mini.1.2" in ei.value.message


def test_reading_targeting_unknown_item(tmp_path):
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, MINI.replace("set: {mini.1.4: {mode: continuous}}", "set: {mini.9.9: {mode: continuous}}")))
    assert ei.value.fields["item"] == "A2"


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, "id: x\n  bad: [\n"))
    assert ei.value.fields["line"] >= 1


def test_dates_stay_strings(tmp_path):
    text = MINI.replace("name: 比例\n", "name: 比例\n        deadline: 2019-03-15\n")
    s = xinyong.load_scheme(write(tmp_path, text))
    assert s.item("mini.1.3").deadline == "2019-03-15"


def test_unknown_scheme_id_lists_known():
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme("nosuch")
    assert "city2019" in ei.value.message


def test_errors_pickle():
    import pickle

    e = SchemeError("消息", "detail", file="f.yaml", item="x.1", field="max_points", line=3)
    e2 = pickle.loads(pickle.dumps(e))
    assert (e2.message, e2.fields) == (e.message, e.fields)


def test_folded_chinese_text_loses_the_line_break_space_only():
    """YAML `>-` joins lines with a space: “都达到\n80%” keeps its space (Latin digits), “只评估\n中小微” loses it."""
    from xinyong.scheme.model import Reading

    r = Reading(id="X1", question="问 题？", chosen="a", why="开发区只评估 中小微企业，都达到 80%（“以上” 含本数）。 备选",
                options=[{"id": "a", "label": "甲 乙", "set": {}}])
    assert r.why == "开发区只评估中小微企业，都达到 80%（“以上”含本数）。备选"
    assert r.question == "问题？"
    assert r.options[0].label == "甲 乙"  # labels are single-line text, written as meant


@pytest.mark.parametrize("sid", xinyong.SCHEME_IDS)
def test_every_source_quote_is_verbatim_on_its_line_of_the_seed(sid):
    """Design card: every item carries `source` (seed file name + quoted clause). Each quote of each
    scheme, section, item, gate and condition is found on the stated line of docs/seeds/<file>."""
    seeds = SEEDS
    s = xinyong.load_scheme(sid)
    nodes = [*s.walk_sections(), *s.walk_items(), *s.gates, *(c for g in s.gates for c in g.conditions)]
    sources = [(n.id, n.source) for n in nodes if n.source is not None] + [(sid, s.source)]
    assert len(sources) > 10
    for node_id, src in sources:
        lines = (seeds / src.file).read_text(encoding="utf-8").splitlines()
        assert src.line and src.quote in lines[src.line - 1], (node_id, src.file, src.line, src.quote)


def test_libyaml_reads_what_the_python_parser_reads():
    """Schemes are parsed by libyaml when PyYAML has it (5× faster); the values, the line of every mapping
    and of every key must be what the pure-Python parser gives, or error locations would drift."""
    import yaml

    from xinyong.scheme.loader import LineDict, LineLoader, _ExactLoader, _parse

    def lines(x):
        if isinstance(x, LineDict):
            return [x.line, dict(x.key_lines), {k: lines(v) for k, v in x.items()}]
        if isinstance(x, list):
            return [lines(v) for v in x]
        return x

    path = Path(xinyong.__file__).parent / "scheme" / "data" / "jiaxian_township.yaml"
    text = path.read_text(encoding="utf-8")
    fast, exact = _parse(LineLoader, text, path), _parse(_ExactLoader, text, path)
    assert lines(fast) == lines(exact) and fast["sections"]
    assert LineLoader.__mro__[1] is getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def test_a_misspelt_input_id_gets_the_likely_one(tmp_path):
    """An author's typo in an input id ("all_dept" for "total_depts" is no typo; "totl_depts" is) names the
    declared id it most likely meant, in the item's inputs list and in its rule."""
    text = MINI.replace('expr: "approved/total_depts*2"', 'expr: "approved/totl_depts*2"')
    with pytest.raises(SchemeError) as ei:
        compiled(write(tmp_path, text))
    assert "totl_depts（是否想写 total_depts？）" in ei.value.message
    assert "did you mean 'total_depts'" in ei.value.detail


def test_an_ascii_comma_in_a_flow_mapping_says_to_quote(tmp_path):
    """`source: {quote: 每缺席一次扣1分, 最高得6分；}`: YAML ends the value at the ASCII comma, and the rest
    of the clause becomes a field name; the error says so and how to write it (quote it, or a Chinese comma)."""
    text = MINI.replace("source: {file: x.txt, quote: q}", "source: {file: x.txt, quote: 每缺席一次扣1分, 最高得6分；}", 1)
    assert text != MINI
    with pytest.raises(SchemeError) as ei:
        xinyong.load_scheme(write(tmp_path, text))
    assert "加上引号" in ei.value.message and "英文逗号" in ei.value.message
    assert "是否想写" not in ei.value.message


# ------------------------------------------------------------------------------------------ the cache
def _quzhou_beside_city2019(tmp_path, monkeypatch):
    """quzhou.yaml (it imports city2019 and quotes its items through ``ref``) and city2019.yaml copied to
    a folder the loader reads imports from."""
    from xinyong.scheme import loader

    for sid in ("quzhou", "city2019"):
        (tmp_path / f"{sid}.yaml").write_bytes(loader.scheme_path(sid).read_bytes())
    monkeypatch.setattr(loader, "scheme_path", lambda sid: tmp_path / f"{sid}.yaml")
    return tmp_path / "quzhou.yaml", tmp_path / "city2019.yaml"


def test_an_edit_to_an_imported_scheme_is_seen_on_the_next_load(tmp_path, monkeypatch):
    """The top file unchanged, its import edited: the next load reads both again (the cache is keyed on
    every file a scheme was read from, not on the top file's time alone)."""
    top, imported = _quzhou_beside_city2019(tmp_path, monkeypatch)
    ref = next(it for it in xinyong.load_scheme(top).walk_items() if it.ref == "city2019.10.3")
    text = imported.read_text(encoding="utf-8")
    old = next(it for it in xinyong.load_scheme(imported).walk_items() if it.id == "city2019.10.3").name
    assert ref.meta["ref_name"] == old
    imported.write_text(text.replace(f"name: {old}", f"name: {old}（修订）", 1), encoding="utf-8")
    again = next(it for it in xinyong.load_scheme(top).walk_items() if it.ref == "city2019.10.3")
    assert again.meta["ref_name"] == f"{old}（修订）"


def test_a_caller_changing_its_scheme_changes_nothing_the_next_caller_gets():
    first = xinyong.load_scheme("jiaxian_county_dept")
    item = first.items[0]
    was = item.max_points
    item.max_points = was + 100
    first.sections[0].items.clear()
    first.readings.clear()
    second = xinyong.load_scheme("jiaxian_county_dept")
    assert second.items[0].max_points == was and second.sections[0].items and second.readings
    assert second.origin is not None and second.origin.file == first.origin.file  # the copy keeps its lines
