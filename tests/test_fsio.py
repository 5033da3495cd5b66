"""Atomic output: a failed write leaves the previous file intact and no temporary files behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from communique.io.write import write_atomic


def test_write_atomic_replaces_content(tmp_path: Path):
    target = tmp_path / "sub" / "out.json"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)


def test_failed_write_leaves_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    target = tmp_path / "out.json"
    write_atomic(target, "old")

    def boom(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]
