"""The safe file writer: regular files only, symlinks followed, mode kept, failures coded, old file intact."""

from __future__ import annotations

import codecs
import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.io.write import encode_like, write_atomic
from communique.schema.errors import CATALOGUE, CommuniqueError

from .conftest import CORPUS, ROOT

COMMUNIQUE = Path(sys.executable).with_name("communique")


def _code(excinfo: pytest.ExceptionInfo[CommuniqueError]) -> str:
    (found,) = excinfo.value.issues
    assert found.code in CATALOGUE
    return found.code


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


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
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(CommuniqueError) as excinfo:
        write_atomic(target, "new")
    assert _code(excinfo) == "write-failed"
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path):
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"


def test_mode_of_an_existing_file_is_kept(tmp_path: Path):
    target = tmp_path / "secret.yaml"
    target.write_text("old")
    target.chmod(0o600)
    write_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() == "new"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_owner_of_an_existing_file_is_kept(tmp_path: Path):
    target = tmp_path / "theirs.txt"
    target.write_text("old")
    os.chown(target, 4321, 4321)
    write_atomic(target, "new")
    assert (target.stat().st_uid, target.stat().st_gid) == (4321, 4321)


def test_a_read_only_file_is_refused_even_for_root(tmp_path: Path):
    target = tmp_path / "frozen.yaml"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(CommuniqueError) as excinfo:
        write_atomic(target, "new")
    assert _code(excinfo) == "output-read-only"
    assert target.read_text() == "old"


def test_a_read_only_folder_is_refused(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    with pytest.raises(CommuniqueError) as excinfo:
        write_atomic(folder / "x.txt", "new")
    assert _code(excinfo) == "output-read-only"
    assert list(folder.iterdir()) == []


def test_fifo_and_symlink_to_fifo_are_refused_without_blocking(tmp_path: Path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "to-pipe"
    link.symlink_to(fifo)
    for path in (fifo, link):
        with pytest.raises(CommuniqueError) as excinfo:
            write_atomic(path, "data")
        assert _code(excinfo) == "output-not-regular"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe", "to-pipe"]


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda d: str(d), "output-is-folder"),
        (lambda d: str(d) + "/", "output-is-folder"),
        (lambda d: ".", "output-invalid-path"),
        (lambda d: "..", "output-invalid-path"),
        (lambda d: "/", "output-invalid-path"),
        (lambda d: "", "output-invalid-path"),
        (lambda d: str(d / ("n" * 300)), "output-name-too-long"),
        (lambda d: str(d / "file.txt" / "x"), "output-not-folder"),
    ],
)
def test_bad_paths_are_coded_errors(tmp_path: Path, make, code: str):
    (tmp_path / "file.txt").write_text("keep")
    with pytest.raises(CommuniqueError) as excinfo:
        write_atomic(make(tmp_path), "data")
    assert _code(excinfo) == code
    assert (tmp_path / "file.txt").read_text() == "keep"
    assert _leftovers(tmp_path) == []


def test_a_long_name_that_fits_is_written(tmp_path: Path):
    target = tmp_path / ("n" * 250)  # the temporary name must not be longer than the target's
    write_atomic(target, "data")
    assert target.read_text() == "data"


def test_dash_means_stdout(capfd: pytest.CaptureFixture[str]):
    write_atomic("-", "to stdout\n")
    assert capfd.readouterr().out == "to stdout\n"


def _limit_file_size() -> None:  # runs in the child: a real EFBIG from the kernel, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def test_a_failing_write_is_detected_and_the_old_file_kept(tmp_path: Path):
    out = tmp_path / "baseline.jsonl"
    out.write_text("previous\n")
    done = subprocess.run(  # --force: an existing file is replaced only when asked
        [str(COMMUNIQUE), "extract", "--corpus", str(CORPUS), "--out", str(out), "--force"],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "[write-failed]" in done.stderr and str(out) in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "previous\n"
    assert (tmp_path / "baseline.jsonl.~1~").read_text() == "previous\n"  # the backup taken before the write
    assert _leftovers(tmp_path) == []


def test_without_a_limit_the_same_command_writes(tmp_path: Path):
    out = tmp_path / "baseline.jsonl"
    done = subprocess.run(
        [str(COMMUNIQUE), "extract", "--corpus", str(CORPUS), "--out", str(out)], capture_output=True, check=False
    )
    assert done.returncode == 0 and out.stat().st_size > 1000  # so the limit above really was exceeded


@given(
    lines=st.lists(
        st.text(alphabet=st.characters(exclude_characters="\r\n\ufeff", exclude_categories=("Cs",)), max_size=20),
        max_size=8,
    ),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_encode_like_keeps_bom_and_line_endings(lines: list[str], bom: bool, crlf: bool):
    newline = "\r\n" if crlf else "\n"
    original = (codecs.BOM_UTF8 if bom else b"") + newline.join(["a: 1", "b: 2", ""]).encode()
    text = "\n".join([*lines, ""])
    out = encode_like(text, original)
    assert out.startswith(codecs.BOM_UTF8) == bom
    body = out.removeprefix(codecs.BOM_UTF8)
    if crlf:
        assert body.count(b"\n") == body.count(b"\r\n")
    else:
        assert b"\r\n" not in body
    assert body.decode("utf-8").replace("\r\n", "\n") == text


def test_every_writer_goes_through_write_atomic():
    """No command writes a file any other way (the issue: writes that replaced devices and symlinks)."""
    offenders = []
    sources = sorted((ROOT / "src" / "communique").rglob("*.py"))
    assert len(sources) > 40  # the package was found: an empty glob would pass vacuously
    for path in sources:
        if path.parent.name == "io":
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{path.name}: {w}" for w in ("write_text(", "write_bytes(", "shutil.rmtree(") if w in text]
    assert offenders == []
