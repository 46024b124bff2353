"""The batch's score memo (report.load.memoised): a report kernel reads what another computed, and only
when every part of the key matches; without $XINYONG_MEMO_DIR nothing is kept.

Issue 7: "a re-run of an unchanged quarter takes seconds" and the demo "must finish in a few minutes on
2 cores" — every unit's kernel scored the same period files (and each alternative reading) again.
"""
from __future__ import annotations

import pandas as pd
import pytest

import xinyong
from xinyong.report import load as L
from xinyong.report import load_run

from conftest import MINI, REPORT_MINI_CSV

CSV = REPORT_MINI_CSV


@pytest.fixture
def scheme():
    return xinyong.load_scheme(MINI)


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_no_folder_no_memo(scheme, tmp_path, monkeypatch):
    monkeypatch.delenv(L.MEMO_ENV, raising=False)
    compute, calls = counting("v")
    assert L.memoised("score", scheme, "abc", {}, compute) == "v"
    assert L.memoised("score", scheme, "abc", {}, compute) == "v"
    assert len(calls) == 2


def test_second_call_reads_the_first_and_keys_differ_by_data_and_readings(scheme, tmp_path, monkeypatch):
    monkeypatch.setenv(L.MEMO_ENV, str(tmp_path / "memo"))
    compute, calls = counting({"x": 1})
    assert L.memoised("score", scheme, "sha-1", {"A2": "stepwise"}, compute) == {"x": 1}
    assert L.memoised("score", scheme, "sha-1", {"A2": "stepwise"}, compute) == {"x": 1}
    assert len(calls) == 1
    L.memoised("score", scheme, "sha-2", {"A2": "stepwise"}, compute)  # other data
    L.memoised("score", scheme, "sha-1", {"A2": "continuous"}, compute)  # other reading
    L.memoised("alternatives", scheme, "sha-1", {"A2": "stepwise"}, compute)
    assert len(calls) == 4
    assert len(list((tmp_path / "memo").glob("*.pkl"))) == 4


def test_unknown_data_hash_is_never_memoised(scheme, tmp_path, monkeypatch):
    monkeypatch.setenv(L.MEMO_ENV, str(tmp_path / "memo"))
    compute, calls = counting(1)
    L.memoised("score", scheme, None, {}, compute)
    L.memoised("score", scheme, None, {}, compute)
    assert len(calls) == 2 and not (tmp_path / "memo").exists()


def test_damaged_entry_is_computed_again(scheme, tmp_path, monkeypatch):
    monkeypatch.setenv(L.MEMO_ENV, str(tmp_path / "memo"))
    compute, calls = counting("good")
    L.memoised("score", scheme, "s", {}, compute)
    (entry,) = (tmp_path / "memo").glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    assert L.memoised("score", scheme, "s", {}, compute) == "good"
    assert len(calls) == 2


def test_memoised_run_equals_a_fresh_one(tmp_path, monkeypatch):
    """The score result and the alternative totals survive the pickle round trip unchanged."""
    monkeypatch.delenv(L.MEMO_ENV, raising=False)
    fresh = load_run(MINI, CSV, period="2019")
    alt_fresh = fresh.alternative_totals()
    monkeypatch.setenv(L.MEMO_ENV, str(tmp_path / "memo"))
    load_run(MINI, CSV, period="2019").alternative_totals()  # fills the memo
    n = len(list((tmp_path / "memo").glob("*.pkl")))
    assert n == 3  # the file as read, the period's score, its alternatives
    again = load_run(MINI, CSV, period="2019")
    pd.testing.assert_frame_equal(again.result.units, fresh.result.units)
    pd.testing.assert_frame_equal(again.result.points, fresh.result.points)
    pd.testing.assert_frame_equal(again.result.status.astype(str), fresh.result.status.astype(str))
    pd.testing.assert_frame_equal(again.alternative_totals(), alt_fresh)
    assert len(list((tmp_path / "memo").glob("*.pkl"))) == n


def test_memo_folder_sets_and_restores_the_variable(monkeypatch):
    import os

    monkeypatch.setenv(L.MEMO_ENV, "/old")
    with L.memo_folder("/new"):
        assert os.environ[L.MEMO_ENV] == "/new"
    assert os.environ[L.MEMO_ENV] == "/old"
    with L.memo_folder(None):
        assert L.MEMO_ENV not in os.environ
    assert os.environ[L.MEMO_ENV] == "/old"
