"""Atomic writes: the file appears whole or not at all, with the permissions open() would give."""
import os
import stat

import pytest

from xinyong.util import atomic_write_bytes, atomic_write_text


def test_atomic_write_replaces_and_leaves_no_temp(tmp_path):
    p = tmp_path / "a" / "报告.html"
    atomic_write_text(p, "旧")
    atomic_write_text(p, "新内容")
    assert p.read_text(encoding="utf-8") == "新内容"
    assert sorted(x.name for x in p.parent.iterdir()) == ["报告.html"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_atomic_write_mode_follows_umask_not_mkstemp(tmp_path):
    p = atomic_write_bytes(tmp_path / "x.bin", b"1")
    mode = stat.S_IMODE(p.stat().st_mode)
    assert mode & 0o044, oct(mode)  # group/other may read, as with open(); mkstemp would give 0600


def test_failed_write_leaves_old_file(tmp_path, monkeypatch):
    p = tmp_path / "x.txt"
    atomic_write_text(p, "old")

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write_text(p, "new")
    assert p.read_text() == "old"
    assert [x.name for x in tmp_path.iterdir()] == ["x.txt"]


def test_batch_workers_and_the_command_line_skip_rfc3987_syntax():
    """rfc3987_syntax costs 3 s of CPU per process at import and serves checks the notebook schema never
    asks for: a process xinyong owns does not import it, and jsonschema (nbformat's validator) still works."""
    import subprocess
    import sys

    code = ("from xinyong.util import skip_iri_checks; skip_iri_checks(); import nbformat, sys; "
            "nb = nbformat.v4.new_notebook(); nbformat.validate(nb); "
            "print(sys.modules.get('rfc3987_syntax') is None, 'jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True"]
    import inspect

    from xinyong import cli
    from xinyong.batch.worker import WarmUp

    assert "skip_iri_checks()" in inspect.getsource(WarmUp.setup) and "skip_iri_checks()" in inspect.getsource(cli.main)


def test_computed_once_keeps_one_result_and_hands_out_copies():
    """Run.alternative_totals, comparison_table and a unit's sections and gate conditions are computed once
    and shared by several report blocks: each gets a copy (editing it changes nothing for the next), the
    value lives in the instance's __dict__ (a pickled run file carries it), and None is kept as None."""
    import pandas as pd

    from xinyong.util import computed_once

    class Thing:
        calls = 0

        @computed_once("_kept")
        def table(self):
            Thing.calls += 1
            return pd.DataFrame({"a": [1, 2]})

        @computed_once("_none")
        def nothing(self):
            Thing.calls += 1
            return None

    t = Thing()
    first = t.table()
    first.loc[0, "a"] = 99
    assert t.table()["a"].tolist() == [1, 2] and Thing.calls == 1 and "_kept" in t.__dict__
    assert t.nothing() is None and t.nothing() is None and Thing.calls == 2
