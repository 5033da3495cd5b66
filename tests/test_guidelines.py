"""The guidelines travel with the tool: shipped in the package (one source, ``annotations/GUIDELINES.md``),
printed or written by ``communique guidelines``, copied by ``init``, and named by drafts as a path that exists."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from communique.cli.main import main
from communique.schema.guidelines import PRINT_COMMAND, guidelines_text, guidelines_version

from .conftest import ROOT

SOURCE = ROOT / "annotations" / "GUIDELINES.md"
TEXT = "NAIROBI -- Kenyan Foreign Minister Grace Wanjiru met Finnish Foreign Minister Liisa Koskinen on Tuesday.\n"


def test_the_package_ships_the_repository_guidelines_byte_for_byte():
    assert guidelines_text() == SOURCE.read_text(encoding="utf-8")
    version = guidelines_version()
    assert SOURCE.read_text(encoding="utf-8").startswith(f"# communique annotation guidelines, version {version}\n")
    with pytest.raises(ValueError, match="do not start with"):
        guidelines_version("# Some other file\n")


def test_guidelines_prints_them_on_stdout_and_json_carries_the_version(capsys):
    assert main(["guidelines"]) == 0
    captured = capsys.readouterr()
    assert captured.out == guidelines_text()
    assert main(["guidelines", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["guidelines_version"], document["out"], document["text"]) == (
        guidelines_version(),
        None,
        guidelines_text(),
    )


def test_guidelines_out_writes_the_file_and_never_replaces_an_edited_one_without_force(tmp_path: Path, capsys):
    out = tmp_path / "GUIDELINES.md"
    assert main(["guidelines", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == guidelines_text()
    assert capsys.readouterr().out == ""  # the result went to the file; stderr says so
    assert main(["guidelines", "--out", str(out)]) == 0  # the same bytes: harmless
    out.write_text("# my own notes\n", encoding="utf-8")
    assert main(["guidelines", "--out", str(out)]) == 1
    assert "[output-exists]" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "# my own notes\n"
    assert main(["guidelines", "--out", str(out), "--force"]) == 0
    assert out.read_text(encoding="utf-8") == guidelines_text()
    assert (tmp_path / "GUIDELINES.md.~1~").read_text(encoding="utf-8") == "# my own notes\n"


def test_init_puts_the_guidelines_in_the_project_and_keeps_ones_already_there(tmp_path: Path, capsys):
    assert main(["init", str(tmp_path / "a"), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    copy = tmp_path / "a" / "annotations" / "GUIDELINES.md"
    assert document["guidelines"] == str(copy)
    assert copy.read_text(encoding="utf-8") == guidelines_text()
    mine = tmp_path / "b" / "annotations" / "GUIDELINES.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("# our house rules\n", encoding="utf-8")
    assert main(["init", str(tmp_path / "b")]) == 0
    assert mine.read_text(encoding="utf-8") == "# our house rules\n"
    assert "kept the" in capsys.readouterr().err


def _draft_header(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.chdir(root)
    source = root.parent / "nairobi.txt"
    source.write_text(TEXT, encoding="utf-8")
    assert main(["add", str(source), "--id", "nairobi"]) == 0
    capsys.readouterr()
    assert main(["draft", "nairobi", "--from", "rules"]) == 0
    return "".join(line for line in capsys.readouterr().out.splitlines(keepends=True) if line.startswith("#"))


def test_a_drafts_header_names_the_projects_copy_which_exists(tmp_path: Path, monkeypatch, capsys):
    assert main(["init", str(tmp_path / "p")]) == 0
    header = _draft_header(tmp_path / "p", monkeypatch, capsys)
    assert "(annotations/GUIDELINES.md)" in header
    assert (tmp_path / "p" / "annotations" / "GUIDELINES.md").is_file()


def test_without_a_copy_the_draft_names_the_command_that_prints_them(tmp_path: Path, monkeypatch, capsys):
    assert main(["init", str(tmp_path / "p")]) == 0
    (tmp_path / "p" / "annotations" / "GUIDELINES.md").unlink()
    header = _draft_header(tmp_path / "p", monkeypatch, capsys)
    assert f"({PRINT_COMMAND})" in header and "GUIDELINES.md" not in header


@pytest.mark.timeout(600)
def test_the_built_wheel_holds_the_guidelines_as_a_regular_file(tmp_path: Path):
    """The package's copy is a link to annotations/GUIDELINES.md in the repository; the wheel must carry the
    text itself. Built offline from a copy of the sources (the build writes beside them)."""
    tree = tmp_path / "tree"
    for name in ("src", "annotations"):
        shutil.copytree(ROOT / name, tree / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    assert (tree / "src" / "communique" / "schema" / "GUIDELINES.md").is_symlink()
    command = [sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "-w", str(tmp_path / "wheel")], check=True, capture_output=True)
    wheels = list((tmp_path / "wheel").glob("communique-*.whl"))
    assert len(wheels) == 1
    with zipfile.ZipFile(wheels[0]) as wheel:
        shipped = wheel.read("communique/schema/GUIDELINES.md").decode("utf-8")
    assert shipped == SOURCE.read_text(encoding="utf-8")
