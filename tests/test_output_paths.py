"""Issue 14, from the command line: every command that writes refuses bad output paths with a located, coded
message and exit 1, never a traceback, and never deletes or replaces what communique did not write."""

from __future__ import annotations

import codecs
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from communique.cli.main import main

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD

HF = ["export", "hf", "--gold", str(GOLD), "--corpus", str(CORPUS), "--passes", "", "--no-verify"]
BRAT = ["export", "brat", "--gold", str(GOLD), "--corpus", str(CORPUS)]
PRED = FIXTURES / "predictions" / "valid" / "text-only.jsonl"
BENCH = ["bench", "--predictions", str(PRED), "--gold", str(GOLD), "--corpus", str(CORPUS), "--samples", "10"]
EXTRACT = ["extract", "--corpus", str(CORPUS)]
RENDER = ["render", DOC_ID, "--gold", str(GOLD), "--corpus", str(CORPUS)]  # one document of the corpus


def _refused(argv: list[str], code: str, capsys: pytest.CaptureFixture[str], where: str | None = None) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if f"[{code}]" in line]
    assert lines, err
    if where is not None:  # located: the path comes first, as in file:line:col (clickable in editors)
        assert any(line.startswith(f"{where}:") or line.startswith(f"{where}/") for line in lines), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_into_a_folder_with_other_files_keeps_them(tmp_path: Path, export, capsys):
    out = tmp_path / "d"
    out.mkdir()
    (out / "f").write_text("x\n")
    err = _refused([*export, "--out", str(out)], "output-not-empty", capsys, str(out))
    assert "(f)" in err
    assert sorted(p.name for p in out.iterdir()) == ["f"] and (out / "f").read_text() == "x\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d"]


@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_replaces_its_own_previous_export(tmp_path: Path, export, capsys):
    out = tmp_path / "out"
    assert main([*export, "--out", str(out)]) == 0
    first = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    assert main([*export, "--out", str(out)]) == 0
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == first
    assert ".communique-export.json" in first and len(first) > 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_export_into_the_working_folder_deletes_nothing(project: Path, capsys):
    before = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    assert before
    _refused([*HF, "--out", str(project)], "output-protected", capsys, str(project))
    _refused([*HF, "--out", "corpus"], "output-protected", capsys, "corpus")
    _refused([*HF, "--out", "annotations"], "output-protected", capsys, "annotations")
    _refused([*HF, "--out", "annotations/gold"], "output-not-empty", capsys, "annotations/gold")
    _refused([*BRAT, "--out", "."], "output-invalid-path", capsys, ".")
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == before


@pytest.mark.parametrize(
    ("out", "code"),
    [
        (".", "output-invalid-path"),
        ("..", "output-invalid-path"),
        ("/", "output-invalid-path"),
        ("n" * 300, "output-name-too-long"),
        ("sub/" + "n" * 300, "output-name-too-long"),
    ],
)
@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_bad_out_paths_are_coded(tmp_path: Path, monkeypatch, export, out: str, code: str, capsys):
    monkeypatch.chdir(tmp_path)
    err = _refused([*export, "--out", out], code, capsys, out)
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_read_only_folder_is_left_alone(tmp_path: Path, export, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    _refused([*export, "--out", str(out)], "output-read-only", capsys, str(out))
    assert out.is_dir() and stat.S_IMODE(out.stat().st_mode) == 0o555


@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_onto_a_file_or_fifo_is_refused(tmp_path: Path, export, capsys):
    file = tmp_path / "file"
    file.write_text("mine")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    _refused([*export, "--out", str(file)], "output-not-folder", capsys, str(file))
    _refused([*export, "--out", str(fifo)], "output-not-folder", capsys, str(fifo))
    assert file.read_text() == "mine" and stat.S_ISFIFO(fifo.stat().st_mode)


def _file_commands(out: str) -> list[list[str]]:
    return [[*BENCH, "--out", out], [*EXTRACT, "--out", out], [*RENDER, "--out", out]]


@pytest.mark.parametrize("which", ["bench", "extract", "render"])
def test_file_outputs_refuse_fifos_symlinks_to_fifos_and_folders(tmp_path: Path, which: str, capsys):
    index = ["bench", "extract", "render"].index(which)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "stdout"  # what /dev/stdout is when stdout is a pipe: a link to a FIFO
    link.symlink_to(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    for out, code in ((fifo, "output-not-regular"), (link, "output-not-regular"), (folder, "output-is-folder")):
        err = _refused(_file_commands(str(out))[index], code, capsys, str(out))
        assert "wrote" not in err
    for out, code in ((".", "output-invalid-path"), ("/", "output-invalid-path"), ("x" * 300, "output-name-too-long")):
        _refused(_file_commands(out)[index], code, capsys, out)
    assert link.is_symlink() and stat.S_ISFIFO(fifo.stat().st_mode) and list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "folder", "stdout"]


@pytest.mark.parametrize("which", ["bench", "extract", "render"])
def test_file_outputs_write_through_a_symlink_and_dash_is_stdout(tmp_path: Path, which: str, capsys):
    index = ["bench", "extract", "render"].index(which)
    real = tmp_path / "real"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert main(_file_commands(str(link))[index]) == 1  # "old" may be the user's: replaced only with --force
    assert real.read_text() == "old" and "[output-exists]" in capsys.readouterr().err
    assert main([*_file_commands(str(link))[index], "--force"]) == 0
    assert link.is_symlink() and real.read_text() != "old" and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert (tmp_path / "real.~1~").read_text() == "old"  # the backup is beside the file whose content it keeps
    capsys.readouterr()
    assert main(_file_commands("-")[index]) == 0
    captured = capsys.readouterr()
    assert captured.out == real.read_text() and "wrote" not in captured.err


def test_schema_into_a_read_only_folder_is_coded(tmp_path: Path, capsys):
    out = tmp_path / "schema"
    out.mkdir()
    out.chmod(0o555)
    _refused(["schema", "--out", str(out)], "output-read-only", capsys, str(out))


def test_synth_onto_a_file_is_coded(tmp_path: Path, capsys):
    out = tmp_path / "file"
    out.write_text("mine")
    _refused(["synth", "--docs", "1", "--out", str(out)], "output-not-folder", capsys, str(out / "seeds"))
    assert out.read_text() == "mine"


def _text_only(tmp_path: Path, name: str = "doc.yaml") -> Path:
    target = tmp_path / name
    shutil.copy(FIXTURES / "valid" / "text-only.yaml", target)
    return target


def test_anchor_keeps_bom_and_crlf(tmp_path: Path, capsys):
    target = _text_only(tmp_path)
    target.write_bytes(codecs.BOM_UTF8 + target.read_bytes().replace(b"\n", b"\r\n"))
    assert main(["anchor", str(target), "--corpus", str(CORPUS)]) == 0
    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    assert data.count(b"\n") == data.count(b"\r\n") > 10  # every line ending is still CRLF
    assert b"start:" in data
    assert main(["validate", str(target), "--corpus", str(CORPUS), "--strict"]) == 0


def test_anchor_through_a_symlink_writes_the_real_file_and_keeps_its_mode(tmp_path: Path, capsys):
    real = _text_only(tmp_path, "real.yaml")
    real.chmod(0o600)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert main(["anchor", str(link), "--corpus", str(CORPUS)]) == 0
    assert link.is_symlink() and b"start:" in real.read_bytes()
    assert stat.S_IMODE(real.stat().st_mode) == 0o600


def test_anchor_leaves_a_read_only_file_alone(tmp_path: Path, capsys):
    target = _text_only(tmp_path)
    target.chmod(0o444)
    before = target.read_bytes()
    _refused(["anchor", str(target), "--corpus", str(CORPUS)], "output-read-only", capsys, str(target))
    assert target.read_bytes() == before


def _limit_file_size() -> None:  # in the child: the kernel refuses writes past 4 kB (EFBIG), as a full disk would
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@pytest.mark.parametrize("export", [HF, BRAT], ids=["hf", "brat"])
def test_export_on_a_full_disk_is_coded_and_keeps_the_previous_export(tmp_path: Path, export, capsys):
    out = tmp_path / "out"
    assert main([*export, "--out", str(out)]) == 0
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("communique")), *export, "--out", str(out)],
        capture_output=True,
        text=True,
        preexec_fn=_limit_file_size,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "[write-failed]" in done.stderr and "Traceback" not in done.stderr
    assert {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder or lock left
