"""The dask engine (``--engine dask``) on a real ``distributed.LocalCluster`` with worker processes.

Outputs must be byte-identical to the serial run, whatever the workers do — including a worker killed in the
middle of a run, whose tasks Dask reruns elsewhere. Clusters are small (2 workers); pytest-timeout bounds every
test, so a stuck cluster fails the test instead of hanging CI (nothing here measures time).
"""

from __future__ import annotations

import hashlib
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from communique.annotate.validate import find_annotation_files, validate_issues
from communique.cli.main import main
from communique.io.parallel import Workers, connected, ordered_map
from communique.synth.generate import synthesise

distributed = pytest.importorskip("distributed", reason="the dask engine needs the `dask` extra (in `test`)")


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=40
    ) as made:
        yield made


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".communique-export.json"  # the export's record names its own folder
    }


def slow_square(context: int, item: int) -> tuple[int, int]:
    time.sleep(0.02)  # long enough that a worker is killed with tasks in hand
    return item * item + context, os.getpid()


def seven() -> int:
    return 7


def test_dask_map_is_ordered_and_runs_on_workers(cluster: distributed.LocalCluster):
    with connected(Workers(2, "dask", cluster.scheduler_address)) as workers:
        assert workers.client is not None  # one client, shared by every map run with these workers
        results = list(ordered_map(slow_square, range(30), setup=seven, workers=workers, batch=4))
        again = list(ordered_map(slow_square, range(5), setup=seven, workers=workers))
    assert [value for value, _ in results] == [i * i + 7 for i in range(30)]
    assert [value for value, _ in again] == [i * i + 7 for i in range(5)]
    assert os.getpid() not in {pid for _, pid in results}
    assert workers.client.status == "closed"  # closed on the way out
    # workers that are not connected: the map makes its own client, and closes it
    alone = list(ordered_map(slow_square, range(6), setup=seven, workers=Workers(2, "dask", cluster.scheduler_address)))
    assert [value for value, _ in alone] == [i * i + 7 for i in range(6)]


@pytest.mark.timeout(600)  # real clusters: about 40 s on a quiet machine
def test_commands_on_dask_match_the_serial_run_byte_for_byte(tmp_path: Path, cluster: distributed.LocalCluster):
    address = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
    serial, spread = tmp_path / "serial", tmp_path / "dask"
    assert main(["synth", "--docs", "6", "--seed", "5", "--out", str(serial)]) == 0
    assert main(["synth", "--docs", "6", "--seed", "5", "--out", str(spread), *address]) == 0
    assert _tree(serial) and _tree(serial) == _tree(spread)
    corpus = str(spread / "corpus")
    assert main(["corpus", "build", "--seeds", str(spread / "seeds"), "--corpus", corpus, "--check", *address]) == 0
    assert main(["validate", str(spread / "annotations"), "--corpus", corpus, *address]) == 0
    out_serial, out_dask = tmp_path / "hf-serial", tmp_path / "hf-dask"
    common = ["--gold", str(serial / "annotations"), "--corpus", str(serial / "corpus"), "--passes", ""]
    assert main(["export", "hf", *common, "--out", str(out_serial)]) == 0
    assert main(["export", "hf", *common, "--out", str(out_dask), *address]) == 0
    assert _tree(out_serial) and _tree(out_serial) == _tree(out_dask)


def _bench(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["bench", *args, "--format", "json"]) == 0
    return capsys.readouterr().out


def test_bench_on_dask_matches_the_serial_report(tmp_path: Path, cluster, capsys):
    root = tmp_path / "s"
    assert main(["synth", "--docs", "5", "--seed", "2", "--out", str(root)]) == 0
    capsys.readouterr()
    args = [
        "--gold",
        str(root / "annotations"),
        "--corpus",
        str(root / "corpus"),
        "--predictions",
        str(root / "predictions.jsonl"),
    ]
    serial = _bench(args, capsys)
    spread = _bench([*args, "--engine", "dask", "--scheduler", cluster.scheduler_address], capsys)
    assert '"f1"' in serial and spread == serial


def test_a_bad_document_on_a_worker_is_located_and_the_others_still_checked(tmp_path: Path, cluster, capsys):
    root = tmp_path / "s"
    assert main(["synth", "--docs", "4", "--seed", "1", "--out", str(root)]) == 0
    files = sorted(find_annotation_files([root / "annotations"]))
    assert len(files) == 4
    files[1].write_text(files[1].read_text(encoding="utf-8").replace('"annotators":', '"annotatorz":', 1), "utf-8")
    capsys.readouterr()
    status = main(["validate", str(root / "annotations"), "--corpus", str(root / "corpus"), "--engine", "dask",
                   "--scheduler", cluster.scheduler_address])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1
    assert f"{files[1]}:" in err and "[unknown-field]" in err and "Traceback" not in err
    per_file = list(validate_issues(files, root / "corpus", Workers(2, "dask", cluster.scheduler_address)))
    assert [bool(found) for found in per_file] == [False, True, False, False]  # the others were validated


@pytest.mark.timeout(600)  # real clusters: about 40 s on a quiet machine
def test_a_worker_killed_mid_run_changes_nothing(tmp_path: Path):
    serial = tmp_path / "serial"
    serial_ids = list(synthesise(serial, 40, 9))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=50
        ) as cluster,
        distributed.Client(cluster) as client,
        connected(Workers(2, "dask", cluster.scheduler_address)) as workers,
    ):
        pids = list(client.run(os.getpid).values())
        assert len(pids) == 2
        squares = ordered_map(slow_square, range(60), setup=seven, workers=workers, batch=3)
        got = [next(squares)]
        os.kill(pids[0], signal.SIGKILL)  # tasks in flight on it are lost: the scheduler reruns them
        got.extend(squares)
        assert [value for value, _ in got] == [i * i + 7 for i in range(60)]
        spread = tmp_path / "dask"
        ids = synthesise(spread, 40, 9, workers=workers)
        first = next(ids)
        pids = list(client.run(os.getpid).values())
        os.kill(pids[-1], signal.SIGKILL)
        assert [first, *ids] == serial_ids
    assert _tree(serial) and _tree(serial) == _tree(spread)


def test_engine_options_misused_are_usage_errors(tmp_path: Path, capsys):
    assert main(["validate", str(tmp_path), "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "[engine-unavailable]" in capsys.readouterr().err
