"""The folder swap behind `export hf` and `export brat`: never deletes what communique did not write, atomic at
every kill point, locked against a second concurrent export, cleans up after killed runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from communique.io import folder as folder_module
from communique.io.folder import FAULT_ENV, MARKER, NO_EXCHANGE_ENV, PARTIAL, replace_folder
from communique.schema.errors import CommuniqueError

FILES = ("a.txt", "sub/b.txt", "sub/deeper/c.txt")

# A child process that exports FILES holding CONTENT into OUT; it may wait for a "go" file first.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from communique.io.folder import replace_folder
    from communique.schema.errors import CommuniqueError

    out, content, gate = sys.argv[1], sys.argv[2], sys.argv[3]

    def write(staging):
        if gate != "-":
            Path(gate + ".started").write_text("")
            while not Path(gate).exists():
                time.sleep(0.02)
        for name in {files!r}:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(content)

    try:
        replace_folder(out, write, kind="test")
    except CommuniqueError as exc:
        print(exc.issues[0].code, exc.issues[0].message, file=sys.stderr)
        sys.exit(1)
    """
).format(files=FILES)


def _run(out: Path, content: str, *, env: dict[str, str] | None = None, gate: str = "-") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), content, gate],
        env={**os.environ, **(env or {})},
        stderr=subprocess.PIPE,
        text=True,
    )


def _export(out: Path, content: str, **env: str) -> subprocess.CompletedProcess[str]:
    child = _run(out, content, env=env)
    _, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(child.args, child.returncode, "", err)


def _state(out: Path) -> str | None:
    """'old' or 'new' when ``out`` holds exactly one complete export; None when it is missing."""
    if not out.exists():
        return None
    manifest = json.loads((out / MARKER).read_text())
    present = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert present == sorted([*FILES, MARKER]) and manifest["files"] == sorted(FILES)
    contents = {(out / name).read_text() for name in FILES}
    assert len(contents) == 1, f"a mix of exports: {contents}"
    return contents.pop()


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir())


def test_missing_then_own_export_is_replaced(tmp_path: Path):
    out = tmp_path / "out"
    assert _export(out, "old").returncode == 0
    assert _state(out) == "old"
    assert _export(out, "new").returncode == 0
    assert _state(out) == "new"
    assert _siblings(out) == ["out"]  # no lock, staging or old folder left


def test_an_empty_folder_is_used(tmp_path: Path):
    out = tmp_path / "empty"
    out.mkdir()
    replace_folder(out, lambda s: (s / "x").write_text("x"), kind="test")
    assert (out / "x").read_text() == "x" and (out / MARKER).is_file()


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        (lambda out: (out.mkdir(), (out / "f").write_text("mine")), "output-not-empty"),
        (lambda out: out.write_text("mine"), "output-not-folder"),
        (lambda out: (out.mkdir(), (out / "f").write_text("mine"), out.chmod(0o555)), "output-read-only"),
        (lambda out: (out.mkdir(), (out / "pyproject.toml").write_text("mine")), "output-protected"),
    ],
)
def test_what_communique_did_not_write_is_refused_and_kept(tmp_path: Path, setup, code: str):
    out = tmp_path / "out"
    setup(out)
    before = sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_text()
    with pytest.raises(CommuniqueError) as excinfo:
        replace_folder(out, lambda s: (s / "x").write_text("x"), kind="test")
    (found,) = excinfo.value.issues
    assert found.code == code and found.file == str(out)
    assert (sorted(p.name for p in out.iterdir()) if out.is_dir() else out.read_text()) == before
    assert _siblings(out) == ["out"]


def test_a_file_added_to_a_previous_export_is_not_deleted(tmp_path: Path):
    out = tmp_path / "out"
    assert _export(out, "old").returncode == 0
    (out / "notes.md").write_text("mine")
    done = _export(out, "new")
    assert done.returncode == 1 and "output-not-empty" in done.stderr and "notes.md" in done.stderr
    assert (out / "notes.md").read_text() == "mine" and (out / "a.txt").read_text() == "old"


def test_working_folder_its_parents_and_project_folders_are_never_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    project = tmp_path / "project"
    (project / "corpus").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\n")
    (project / "work").mkdir()
    monkeypatch.chdir(project / "work")
    for out in (project / "work", project, tmp_path, project / "corpus"):
        with pytest.raises(CommuniqueError) as excinfo:
            replace_folder(out, lambda s: None, kind="test")
        assert excinfo.value.issues[0].code == "output-protected", out
    assert (project / "pyproject.toml").is_file() and (project / "corpus").is_dir()


SWAP_STEPS = [(True, "staged"), (True, "exchanged"), (False, "staged"), (False, "moved-aside"), (False, "renamed")]


def test_the_kill_tests_cover_every_step():
    assert {step for _, step in SWAP_STEPS} == set(folder_module.STEPS)


@pytest.mark.parametrize(
    ("exchange", "step"), SWAP_STEPS, ids=[f"{'renameat2' if e else 'renames'}-{s}" for e, s in SWAP_STEPS]
)
def test_sigkill_at_every_step_never_loses_the_export(tmp_path: Path, exchange: bool, step: str):
    if exchange and not folder_module.exchange(tmp_path, tmp_path):  # probe: a path exchanged with itself
        pytest.skip("renameat2(RENAME_EXCHANGE) is unavailable on this kernel or file system")
    env = {} if exchange else {NO_EXCHANGE_ENV: "1"}
    out = tmp_path / "out"
    assert _export(out, "old", **env).returncode == 0
    killed = _export(out, "new", **env, **{FAULT_ENV: step})
    assert killed.returncode == -9  # it really was killed at that step
    state = _state(out)
    if exchange:
        assert state in ("old", "new")  # atomic at every instant
    else:
        assert state in ("old", "new") or step == "moved-aside"  # the fallback's one window, recovered below
    assert len(_siblings(out)) > 1  # the kill left something behind for the next run to clean
    assert _export(out, "newer", **env).returncode == 0
    assert _state(out) == "newer"
    assert _siblings(out) == ["out"]


def test_a_run_killed_between_the_fallback_renames_gets_the_old_export_back(tmp_path: Path):
    out = tmp_path / "out"
    assert _export(out, "old").returncode == 0
    assert _export(out, "new", **{NO_EXCHANGE_ENV: "1", FAULT_ENV: "moved-aside"}).returncode == -9
    assert not out.exists()
    folder_module.recover_leftovers(out)
    assert _state(out) == "old"


def test_a_second_concurrent_export_fails_with_a_clear_message(tmp_path: Path):
    out = tmp_path / "out"
    gate = tmp_path / "go"
    first = _run(out, "first", gate=str(gate))
    try:
        while not Path(f"{gate}.started").exists():  # no deadline of its own: pytest-timeout ends a hang
            assert first.poll() is None, first.communicate()[1]
            time.sleep(0.02)
        second = _export(out, "second")
        assert second.returncode == 1
        assert "output-locked" in second.stderr and f"pid {first.pid}" in second.stderr
    finally:
        gate.write_text("")
        assert first.wait(timeout=30) == 0
    assert _state(out) == "first"


def test_only_leftovers_communique_made_are_removed(tmp_path: Path):
    out = tmp_path / "out"
    ours = tmp_path / ".out.tmp-99999"
    (ours / "data").mkdir(parents=True)
    (ours / PARTIAL).write_text("")
    empty = tmp_path / ".out.old-99998"
    empty.mkdir()
    theirs = tmp_path / ".out.tmp-99997"
    theirs.mkdir()
    (theirs / "precious.txt").write_text("mine")
    other = tmp_path / ".out.backup"
    other.mkdir()
    assert _export(out, "new").returncode == 0
    assert _siblings(out) == [".out.backup", ".out.tmp-99997", "out"]
    assert (theirs / "precious.txt").read_text() == "mine"


def test_a_failing_write_leaves_the_previous_export_and_no_staging(tmp_path: Path):
    out = tmp_path / "out"
    assert _export(out, "old").returncode == 0

    def broken(staging: Path) -> None:
        (staging / "a.txt").write_text("half")
        raise ValueError("invalid input found half way")

    with pytest.raises(ValueError):
        replace_folder(out, broken, kind="test")
    assert _state(out) == "old"
    assert _siblings(out) == ["out"]


def test_a_symlinked_output_folder_gets_the_export_and_stays_a_link(tmp_path: Path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    link.symlink_to(real)
    assert _export(link, "one").returncode == 0
    assert _export(link, "two").returncode == 0
    assert link.is_symlink() and _state(real) == "two"
