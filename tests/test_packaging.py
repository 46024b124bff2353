"""The package as a user installs it: the same command line by ``python -m``, and the conda
environment in step with pyproject.toml (issue 15)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~\[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.slow  # a subprocess / a whole regeneration: in `make test`, not in the inner loop
def test_python_dash_m_is_the_command_line():
    out = subprocess.run([sys.executable, "-m", "xinyong", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("xinyong ")
    kinds = subprocess.run([sys.executable, "-m", "xinyong", "kinds"], capture_output=True, text=True, cwd=ROOT)
    assert kinds.returncode == 0 and "judgement" in kinds.stdout


def test_environment_yml_lists_what_pyproject_lists():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    # "dask[distributed]": conda-forge ships the extra as its own package
    wanted |= {x.strip().lower() for r in project["dependencies"] if "[" in r
               for x in r.split("[", 1)[1].split("]", 1)[0].split(",")}
    for extra in ("test", "lab"):
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-")}
        elif _name(dep) not in ("python", "pip"):
            listed.add(_name(dep))
    aliases = {"pyyaml": "pyyaml"}
    listed = {aliases.get(n, n) for n in listed}
    assert wanted - listed == set(), f"in pyproject.toml, missing from environment.yml: {sorted(wanted - listed)}"
    assert listed - wanted == set(), f"in environment.yml, not in pyproject.toml: {sorted(listed - wanted)}"


# ----------------------------------------------------------------------------- the nbconvert exporter
NETWORK = re.compile(r"""<(script|link|img|iframe)\b[^>]*\b(src|href)\s*=\s*["']?(https?:)?//""", re.I)


@pytest.mark.slow  # a subprocess / a whole regeneration: in `make test`, not in the inner loop
def test_nbconvert_to_xinyong_gives_the_report_page(tmp_path):
    """`jupyter nbconvert --to xinyong` (entry point) writes what `xinyong report` writes for the same
    executed notebook: the report template, code hidden, styles inline, nothing from the network."""
    import nbformat

    from xinyong.report.exporter import title_of
    from xinyong.report.render import to_html

    src = ROOT / "notebooks" / "unit_report.ipynb"
    nb = nbformat.read(src, as_version=4)
    expected = to_html(nb, title_of(nb, "unit_report"))
    out = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "xinyong", str(src),
                          "--output-dir", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    page = (tmp_path / "unit_report.html").read_text(encoding="utf-8")
    assert page == expected
    # the title a reader sees in the tab: the unit, the period in words, the scheme (from the header block)
    assert "<title>示例县人力资源和社会保障局 · 2022年第二季度 · 郏县县直单位季度考核</title>" in page
    assert 'class="xy-report"' in page
    assert "xr.load_run" not in page, "code cells must not be shown"
    assert not NETWORK.search(page), NETWORK.search(page)
    assert "<script" not in page


def test_title_comes_from_papermill_parameters():
    from xinyong.report.exporter import title_of

    nb = {"metadata": {"papermill": {"parameters": {"scheme": "jiaxian_county_dept", "period": "2022Q2",
                                                    "unit": "dept02"}}}}
    assert title_of(nb) == "dept02 · 2022年第二季度 · jiaxian_county_dept"  # period in words even in the fallback
    nb["metadata"]["papermill"]["parameters"].pop("unit")
    assert title_of(nb) == "jiaxian_county_dept · 2022年第二季度 · 总览"


# ----------------------------------------------------------------------------- the wheel, outside the clone
@pytest.mark.slow
def test_wheel_renders_reports_outside_the_repository(tmp_path):
    """Build the wheel, install it apart from the clone, and render a unit report and an overview from a
    folder that is not the repository: notebooks, templates, CSS and schemes must come from the package
    (issue 15: a non-editable install failed with 找不到报告模板笔记本)."""
    dist, site, work = tmp_path / "dist", tmp_path / "site", tmp_path / "work"
    work.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(dist)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("xinyong-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    # the installed copy comes first on the path, before the clone's editable install; kernels inherit it
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("XINYONG_NOTEBOOKS", None)
    where = subprocess.run([sys.executable, "-c", "import xinyong; print(xinyong.__file__)"], env=env, cwd=work,
                           capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(site)), where
    data = ROOT / "params" / "demo" / "jiaxian_county_dept" / "2022Q2.xlsx"
    run = [sys.executable, "-m", "xinyong"]
    rep = subprocess.run(run + ["report", "jiaxian_county_dept", "--period", "2022Q2", "--unit", "dept01",
                                "--data", str(data), "--out", "r"], env=env, cwd=work, capture_output=True, text=True)
    assert rep.returncode == 0, rep.stdout + rep.stderr
    ov = subprocess.run(run + ["overview", "jiaxian_county_dept", "--period", "2022Q2", "--data", str(data),
                               "--out", "r"], env=env, cwd=work, capture_output=True, text=True)
    assert ov.returncode == 0, ov.stdout + ov.stderr
    pages = sorted((work / "r").glob("*.html"))
    assert [p.name.rsplit("_", 1)[-1] for p in pages] == ["brief.html", "dept01.html", "overview.html"], pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert ('class="xy-report"' in text or "考核结果的通报" in text) and "示例县" in text
        assert not NETWORK.search(text)
