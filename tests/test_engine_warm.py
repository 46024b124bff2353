"""The warm in-process papermill engine (``xinyong-warm``, report/engine.py): isolated and equivalent.

Issue 13, point 2: "Isolation and equivalence are proven, not assumed: for every scheme, report A
rendered after B in the same worker is byte-identical to A rendered alone, and the warm engine's HTML
equals the fresh-kernel engine's (except the generation-time line)." A report's HTML shows the time it
was generated (provenance block): that one line is masked, nothing else.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from xinyong.report import load_run, save_run
from xinyong.report import render as R

ROOT = Path(__file__).resolve().parents[1]
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?( [+-]\d{4})?")
GENERATED = re.compile(r"<tr><th>生成时间</th><td>[^<]*</td></tr>")

# the child renders a list of jobs in order, in one process, and writes each HTML to its file
CHILD = """
import json, sys
from pathlib import Path
from xinyong.report import render as R
for job in json.loads(Path(sys.argv[1]).read_text(encoding="utf-8")):
    r = R.render(job["notebook"], job["params"], job["title"], engine="warm")
    Path(job["out"]).write_text(r.html, encoding="utf-8")
"""


def masked(html: str) -> str:
    """Only the generation-time line differs between two renders of the same report."""
    out, n = GENERATED.subn("<tr><th>生成时间</th><td>…</td></tr>", html)
    assert n == 1, "the report should show its generation time exactly once"
    return out


def _child(jobs: list[dict], tmp: Path, name: str) -> None:
    spec = tmp / f"{name}.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run([sys.executable, "-c", CHILD, str(spec)], check=True, cwd=ROOT, timeout=900)


def _runs() -> dict[str, dict]:
    """The last demo run of every scheme (so the quarterly schemes have history)."""
    from xinyong.batch import load_params

    runs: dict[str, dict] = {}
    for r in load_params(ROOT / "params" / "demo.yaml"):
        runs[str(r["scheme"])] = r
    return runs


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """For every scheme: A alone (a fresh warm process each), A after B (one warm process for all
    schemes: B1 A1 B2 A2 …, so A also follows other schemes' reports), A with the kernel engine."""
    tmp = tmp_path_factory.mktemp("warm")
    jobs: dict[str, dict] = {}
    for scheme, r in _runs().items():
        run = load_run(scheme, r["data"], period=r["period"], readings=r["readings"], history=r["history"])
        run_file = save_run(run, tmp / f"{scheme}.pkl")
        units = list(map(str, run.units.index))
        a, b = units[0], units[-1]

        def job(unit: str, tag: str) -> dict:
            return {"notebook": R.UNIT_NOTEBOOK, "title": None,  # the page takes the header's title
                    "params": R.unit_params(scheme, r["period"], unit, r["data"], r["history"], r["readings"], run_file),
                    "out": str(tmp / f"{scheme}.{tag}.html")}

        jobs[scheme] = {"a": job(a, "alone"), "b": job(b, "b"), "a_after": job(a, "after")}
    for scheme, j in jobs.items():
        _child([j["a"]], tmp, f"alone-{scheme}")
    _child([x for j in jobs.values() for x in (j["b"], j["a_after"])], tmp, "after")
    out = {}
    for scheme, j in jobs.items():
        kernel = R.render(R.UNIT_NOTEBOOK, j["a"]["params"], j["a"]["title"], engine="kernel").html
        out[scheme] = {"alone": Path(j["a"]["out"]).read_text(encoding="utf-8"),
                       "after": Path(j["a_after"]["out"]).read_text(encoding="utf-8"),
                       "b": Path(j["b"]["out"]).read_text(encoding="utf-8"), "kernel": kernel}
    return out


SCHEMES = sorted(_runs())


def test_every_scheme_is_covered():
    assert set(SCHEMES) == {"wangyi", "city2019", "quzhou", "linyi", "jiaxian_county_dept", "jiaxian_township"}


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_after_b_in_one_warm_process_equals_a_alone(renders, scheme):
    r = renders[scheme]
    assert masked(r["after"]) == masked(r["alone"])
    assert masked(r["b"]) != masked(r["alone"])  # B is another report: the comparison can fail


@pytest.mark.slow
@pytest.mark.parametrize("scheme", SCHEMES)
def test_warm_html_equals_kernel_html(renders, scheme):
    r = renders[scheme]
    assert masked(r["alone"]) == masked(r["kernel"])
    assert "<img" in r["alone"] or scheme not in ("jiaxian_county_dept",)  # charts came through


# ------------------------------------------------------------------------------------------ engine
def _nb(tmp_path: Path, name: str, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nb.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _run(path: Path, **params):
    return pm.execute_notebook(str(path), str(path.with_suffix(".out.ipynb")), parameters=params,
                               engine_name="xinyong-warm", kernel_name="python3", progress_bar=False,
                               cwd=str(path.parent))


def test_engine_is_registered_through_the_entry_point():
    from papermill.engines import papermill_engines

    from xinyong.report.engine import WarmEngine

    assert papermill_engines.get_engine("xinyong-warm") is WarmEngine


def test_each_notebook_gets_a_fresh_namespace_and_its_outputs(tmp_path):
    main_before = sys.modules["__main__"]
    first = _nb(tmp_path, "first.ipynb", "x = 0", "leak = 42\nimport os\nos.getcwd()",
                "print('out'); import sys; print('err', file=sys.stderr)",
                "from IPython.display import display, HTML\ndisplay(HTML('<b>b</b>'))\n1 + 1")
    nb = _run(first, x=1)
    cells = nb.cells
    assert cells[2].outputs[0]["output_type"] == "execute_result"
    assert cells[2].outputs[0]["data"]["text/plain"] == repr(str(tmp_path))  # the notebook's cwd
    assert [(o["output_type"], o.get("name"), o.get("text")) for o in cells[3].outputs] == [
        ("stream", "stdout", "out\n"), ("stream", "stderr", "err\n")]
    assert [o["output_type"] for o in cells[4].outputs] == ["display_data", "execute_result"]
    assert cells[4].outputs[0]["data"]["text/html"] == "<b>b</b>"
    assert [c.execution_count for c in cells] == [1, 2, 3, 4, 5]  # injected parameters cell first
    second = _nb(tmp_path, "second.ipynb", "y = 0", "'leak' in dir(), 'x' in dir()")
    nb2 = _run(second)
    assert nb2.cells[1].outputs[0]["data"]["text/plain"] == "(False, False)"
    assert nb2.cells[1].execution_count == 2
    # IPython's user module is __main__ only while a notebook runs: left there, it broke the dask
    # nanny's spawn of a worker (tests/test_batch.py after this file, in one process)
    assert sys.modules["__main__"] is main_before


def test_main_module_is_the_notebooks_while_it_runs(tmp_path):
    nb = _run(_nb(tmp_path, "main.ipynb", "x = 0", "import sys\nz = 5\nsys.modules['__main__'].z"))
    assert nb.cells[1].outputs[0]["data"]["text/plain"] == "5"


def test_a_failing_cell_stops_the_notebook_with_papermills_error(tmp_path):
    path = _nb(tmp_path, "bad.ipynb", "n = 1", "raise ValueError(f'bad {n}')", "never = True")
    with pytest.raises(pm.PapermillExecutionError) as ei:
        _run(path)
    assert (ei.value.ename, ei.value.evalue) == ("ValueError", "bad 1")
    out = nbformat.read(path.with_suffix(".out.ipynb"), as_version=4)
    assert out.cells[-1].outputs == [] and out.cells[-1].execution_count is None  # not run


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["warm", "kernel"])
def test_report_error_has_structured_fields(tmp_path, engine):
    """ReportError, modelled on PapermillExecutionError: cell index, error name and value, the failed
    notebook kept (and its text, for a worker with no shared file system)."""
    mini = ROOT / "tests" / "fixtures" / "mini.yaml"
    csv = ROOT / "tests" / "fixtures" / "report_mini.csv"
    params = R.unit_params(mini, "2019", "no-such-unit", csv)
    with pytest.raises(R.ReportError) as ei:
        R.render(R.UNIT_NOTEBOOK, params, "t", engine=engine)
    e = ei.value
    assert (e.ename, e.fields["template"]) == ("XinyongError", R.UNIT_NOTEBOOK)
    assert "no-such-unit" in e.evalue and e.cell_index == 3  # markdown, parameters, injected, load cell
    kept = nbformat.reads(e.notebook_text, as_version=4)  # papermill adds a banner cell above the failed one
    errors = [o for c in kept.cells if c.cell_type == "code" for o in c.outputs if o["output_type"] == "error"]
    assert [o["ename"] for o in errors] == ["XinyongError"]
    assert "no-such-unit" in e.fields["traceback"] and "\x1b[" not in e.fields["traceback"]
    import pickle

    assert pickle.loads(pickle.dumps(e)).fields == e.fields


def test_outputs_are_what_nbformat_builds():
    """The warm engine builds outputs without nbformat's per-output schema check (issue 13): the same
    nodes as ``nbformat.v4.new_output``, and they pass that check."""
    import nbformat

    from xinyong.report.engine import _output

    cases = [("stream", dict(name="stderr", text="警告\n")),
             ("display_data", dict(data={"text/html": "<p>甲</p>", "text/plain": "甲"}, metadata={"a": {"b": 1}})),
             ("execute_result", dict(data={"text/plain": "1"}, metadata={}, execution_count=3)),
             ("error", dict(ename="ValueError", evalue="坏", traceback=["第一行", "第二行"]))]
    for kind, fields in cases:
        got, want = _output(kind, **fields), nbformat.v4.new_output(kind, **fields)
        assert got == want and type(got) is type(want)
        assert all(type(got[k]) is type(want[k]) for k in want)
        nbformat.v4.nbbase.validate(got, kind)
