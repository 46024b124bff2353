"""The package as a user installs it: the same command line by ``python -m``, and the conda
environment in step with pyproject.toml (issue 15)."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(req: str) -> str:
    return re.split(r"[\s<>=!~\[;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_python_dash_m_is_the_command_line():
    out = subprocess.run([sys.executable, "-m", "xinyong", "--version"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("xinyong ")
    kinds = subprocess.run([sys.executable, "-m", "xinyong", "kinds"], capture_output=True, text=True, cwd=ROOT)
    assert kinds.returncode == 0 and "judgement" in kinds.stdout


def test_environment_yml_lists_what_pyproject_lists():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for extra in ("test", "lab"):
        wanted |= {_name(r) for r in project["optional-dependencies"][extra]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    listed: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(r) for r in dep.get("pip", []) if not r.startswith("-")}
        elif not dep.startswith(("python", "pip")):
            listed.add(_name(dep))
    aliases = {"pyyaml": "pyyaml"}
    listed = {aliases.get(n, n) for n in listed}
    assert wanted - listed == set(), f"in pyproject.toml, missing from environment.yml: {sorted(wanted - listed)}"
    assert listed - wanted == set(), f"in environment.yml, not in pyproject.toml: {sorted(listed - wanted)}"
