"""The ordered parallel map behind every ``--jobs`` (io/parallel.py)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.annotate import validate
from communique.annotate.validate import find_annotation_files, validate_issues
from communique.corpus.build import build_corpus as build_all
from communique.io.parallel import Workers, ordered_map, shared
from communique.schema.errors import CommuniqueError, issue

from .conftest import CORPUS, FIXTURES, ROOT


class Counter:
    """A per-worker context that counts the tasks it served."""

    def __init__(self, offset: int):
        self.offset, self.calls = offset, 0


def make_counter(offset: int) -> Counter:
    return Counter(offset)


def add_offset(context: Counter, item: int) -> tuple[int, int, int]:
    context.calls += 1
    return item + context.offset, os.getpid(), context.calls


def square(context: None, item: int) -> int:
    return item * item


def refuse_odd(context: None, item: int) -> int:
    if item % 2:
        raise CommuniqueError([issue("yaml-syntax", f"item {item} is odd", file=f"item-{item}.yaml", line=item)])
    return item


def nothing() -> None:
    return None


@given(st.lists(st.integers(-1000, 1000), max_size=40), st.integers(1, 7))
def test_in_process_map_is_map(items: list[int], batch: int):
    assert list(ordered_map(square, items, setup=nothing, batch=batch)) == [i * i for i in items]


@pytest.mark.parametrize(("jobs", "batch"), [(2, 1), (2, 3), (3, 7)])
def test_results_come_back_in_input_order_whatever_the_jobs(jobs: int, batch: int):
    items = list(range(57))
    results = list(
        ordered_map(add_offset, items, setup=partial(make_counter, 1000), workers=Workers(jobs), batch=batch)
    )
    assert [value for value, _, _ in results] == [i + 1000 for i in items]
    # jobs processes did the work: jobs - 1 workers and this one (when it had nothing else to do)
    workers = {pid for _, pid, _ in results} - {os.getpid()}
    assert 1 <= len(workers) <= jobs - 1


def test_context_is_made_once_per_worker():
    results = list(ordered_map(add_offset, range(40), setup=shared(Counter(0)), workers=Workers(2), batch=2))
    calls_by_worker: dict[int, list[int]] = {}
    for _, pid, calls in results:
        calls_by_worker.setdefault(pid, []).append(calls)
    for calls in calls_by_worker.values():  # one context per worker: its count runs 1, 2, 3, ... without restart
        assert sorted(calls) == list(range(1, len(calls) + 1))
    assert sum(len(c) for c in calls_by_worker.values()) == 40


def test_a_workers_located_error_arrives_with_its_issues():
    with pytest.raises(CommuniqueError) as caught:
        list(ordered_map(refuse_odd, [2, 4, 5, 6], setup=nothing, workers=Workers(2)))
    (found,) = caught.value.issues
    assert (found.code, found.file, found.line) == ("yaml-syntax", "item-5.yaml", 5)
    assert multiprocessing.active_children() == []


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="engine"):
        Workers(2, "spark")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="jobs"):
        Workers(0)
    with pytest.raises(ValueError, match="scheduler"):
        Workers(2, "process", "tcp://127.0.0.1:8786")
    with pytest.raises(ValueError, match="batch"):
        list(ordered_map(square, [1], setup=nothing, batch=0))


def test_interrupt_stops_the_workers():
    results = ordered_map(square, range(10_000), setup=nothing, workers=Workers(2))
    assert next(results) == 0
    with pytest.raises(KeyboardInterrupt):
        results.throw(KeyboardInterrupt)
    assert multiprocessing.active_children() == []


def test_stopping_early_stops_the_workers():
    for value in ordered_map(square, range(10_000), setup=nothing, workers=Workers(2)):
        if value > 100:
            break
    assert multiprocessing.active_children() == []


def test_parallel_validation_gives_the_same_located_issues(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(validate, "VALIDATE_BATCH", 2)  # three batches: the workers do the work
    for name in ("dangling-reference.yaml", "stale-hash.yaml", "malformed-yaml.yaml", "not-found.yaml"):
        shutil.copy(FIXTURES / "invalid" / name, tmp_path / name)
    shutil.copy(FIXTURES / "valid" / "minimal.yaml", tmp_path / "ok.yaml")
    files = list(find_annotation_files([tmp_path]))
    serial = list(validate_issues(files, CORPUS))
    parallel = list(validate_issues(files, CORPUS, Workers(2)))
    assert parallel == serial
    located = [i for found in serial for i in found]
    assert len(located) >= 4 and all(i.file and i.line for i in located)


def test_parallel_corpus_build_reports_a_bad_seed_by_file(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    texts = sorted(seeds.glob("*.txt"))
    assert texts
    texts[0].write_bytes(b"caf\xe9 is not UTF-8\n")
    with pytest.raises(CommuniqueError) as caught:
        list(build_all(seeds, tmp_path / "corpus", workers=Workers(2)))
    assert any(i.file is not None and Path(i.file).name.startswith(texts[0].stem) for i in caught.value.issues)
    assert not (tmp_path / "corpus" / f"{texts[0].stem}.json").exists()


def test_ctrl_c_ends_a_parallel_command_cleanly(tmp_path: Path):
    """Ctrl-C reaches the whole process group: exit 130, no traceback from any process, no final output."""
    out = tmp_path / "syn"
    command = [sys.executable, "-m", "communique", "synth", "--docs", "5000", "--out", str(out), "--jobs", "2"]
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(600):  # until the workers are writing documents
            if (out / "corpus").is_dir() and len(list((out / "corpus").iterdir())) >= 4:
                break
            if process.poll() is not None:
                break
            time.sleep(0.1)
        assert process.poll() is None, "synth ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert b"Traceback" not in stderr
    assert not (out / "predictions.jsonl").exists()


def test_the_plain_install_needs_no_dask():
    """Dask is the optional `dask` extra: not a runtime dependency, and not imported unless asked for."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any(d.startswith(("dask", "distributed")) for d in project["dependencies"])
    assert any(d.startswith("distributed") for d in project["optional-dependencies"]["dask"])
    code = (
        "import sys; from communique.cli.main import main; "
        "status = main(['validate', sys.argv[1], '--corpus', sys.argv[2], '--jobs', '2']); "
        "assert status == 0, status; assert 'distributed' not in sys.modules and 'dask' not in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "annotations" / "gold"), str(CORPUS)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
