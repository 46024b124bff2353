"""The scored run handed to report notebooks (``run_file``), which replaced the memo folder that was
passed through ``$XINYONG_MEMO_DIR``.

Issue 13: "data files are read and scored once on the client and the scored run is sent to the
workers once … the notebook receives the scored run through a parameter (e.g. ``run_file=``), so the
memo environment variable goes away."
"""
from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
import pytest

from xinyong.errors import XinyongError
from xinyong.report import load as L
from xinyong.report import load_run, read_run_file, save_run

from conftest import MINI, REPORT_MINI_CSV

CSV = REPORT_MINI_CSV


def test_the_memo_variable_is_gone():
    assert not hasattr(L, "MEMO_ENV") and not hasattr(L, "memoised") and not hasattr(L, "memo_folder")
    src = (Path(L.__file__)).read_text(encoding="utf-8")
    assert "XINYONG_MEMO_DIR" not in src and "os.environ" not in src


def test_run_file_round_trip_equals_a_fresh_run(tmp_path):
    """The score result, the alternative totals and the findings survive the file unchanged, and a
    notebook given ``run_file`` reads them without scoring anything."""
    fresh = load_run(MINI, CSV, period="2019")
    path = save_run(load_run(MINI, CSV, period="2019"), tmp_path / "run.pkl")
    again = load_run("mini", "does-not-exist.csv", period="2019", run_file=path)
    pd.testing.assert_frame_equal(again.result.units, fresh.result.units)
    pd.testing.assert_frame_equal(again.result.points, fresh.result.points)
    pd.testing.assert_frame_equal(again.result.status.astype(str), fresh.result.status.astype(str))
    pd.testing.assert_frame_equal(again.alternative_totals(), fresh.alternative_totals())
    assert "_alternatives" in again.__dict__ and "findings" in again.__dict__  # computed before saving
    assert again.data.sha256 == fresh.data.sha256 and again.data.path == fresh.data.path


def test_alternative_totals_are_computed_once_and_returned_as_copies(monkeypatch):
    run = load_run(MINI, CSV, period="2019")
    calls = []
    real = run._alternative_totals
    monkeypatch.setattr(run, "_alternative_totals", lambda: calls.append(1) or real())
    a = run.alternative_totals()
    a.loc[:, "total"] = -1.0
    b = run.alternative_totals()
    assert len(calls) == 1 and (b["total"] != -1.0).all()


def test_run_file_that_does_not_match_the_parameters_is_refused(tmp_path):
    path = save_run(load_run(MINI, CSV, period="2019"), tmp_path / "run.pkl")
    with pytest.raises(XinyongError, match="不一致") as ei:
        load_run(MINI, CSV, period="2020", run_file=path)
    assert "period" in ei.value.detail
    with pytest.raises(XinyongError, match="不一致"):
        load_run("other_scheme", CSV, period="2019", run_file=path)
    with pytest.raises(XinyongError, match="不一致"):
        load_run(MINI, CSV, period="2019", readings={"X": "y"}, run_file=path)


def test_foreign_or_damaged_run_files_are_refused(tmp_path):
    bad = tmp_path / "bad.pkl"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(XinyongError, match="无法读取"):
        read_run_file(bad)
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"format": "something/else"}))
    with pytest.raises(XinyongError, match="不是 xinyong"):
        read_run_file(other)
    old = tmp_path / "old.pkl"
    old.write_bytes(pickle.dumps({"format": L.RUN_FILE_FORMAT, "version": "0.0.0-other", "run": None}))
    with pytest.raises(XinyongError, match="另一版本"):
        read_run_file(old)


def test_a_file_read_already_is_not_read_again(monkeypatch):
    """A batch's client reads each period file once (to find invalid units) and hands what it read to
    load_run (``already_read``): the run equals one read from the file, and intake is not called again."""
    from xinyong.intake import read_inputs

    fresh = load_run(MINI, CSV, period="2019")
    got = read_inputs(fresh.scheme, CSV)
    monkeypatch.setattr("xinyong.intake.read_inputs", lambda *a, **k: pytest.fail("file read again"))
    again = load_run(MINI, CSV, period="2019", already_read={str(CSV): got})
    pd.testing.assert_frame_equal(again.result.units, fresh.result.units)
    assert again.data.sha256 == fresh.data.sha256
