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
