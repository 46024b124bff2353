"""What the test modules share: the repository's paths, the mini scheme, the demo runs.

Paths are plain constants (``from conftest import MINI``) because many modules use them at import time,
in ``parametrize`` lists and helpers; loaded objects are fixtures.

Nothing here skips: a scheme file, a seed or a demo workbook that is missing makes the tests that read
it fail. Only a genuinely optional external tool (headless Chromium) or a platform feature (POSIX
permissions) may skip, with its reason.

Markers (pyproject.toml): ``slow`` for every test that runs a real batch or a papermill/nbconvert
render; ``browser`` for Chromium. ``make test-fast`` leaves both out, ``make test`` runs everything.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

# jsonschema (under nbformat, under papermill) imports ``rfc3987_syntax`` when it is installed (Jupyter's
# extras bring it), and that module builds some 40 lark Earley parsers at import: 3 s of CPU in every
# test process that imports nbformat, each pytest-xdist worker included. It serves only jsonschema's
# ``iri`` format checks, which nothing here uses (the notebook schema has no such format): the tests
# import without it, and jsonschema leaves those two format checks out, as it does when it is absent.
sys.modules.setdefault("rfc3987_syntax", None)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
MINI = FIXTURES / "mini.yaml"  # the small scheme every step is tested on (its rules: see the file)
REPORT_MINI_CSV = FIXTURES / "report_mini.csv"
SEEDS = ROOT / "docs" / "seeds"  # the source documents every scheme quotes
DEMO_YAML = ROOT / "params" / "demo.yaml"  # the runs of `make demo`, written by scripts/make_demo.py


def demo_runs() -> list[dict]:
    """The runs listed in params/demo.yaml (paths relative to the repository root)."""
    return yaml.safe_load(DEMO_YAML.read_text(encoding="utf-8"))["runs"]


@pytest.fixture(scope="session")
def mini_scheme():
    """The mini scheme, loaded once for the session. Shared: do not mutate it (load your own copy)."""
    import xinyong

    return xinyong.load_scheme(MINI)
