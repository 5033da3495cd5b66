"""Scale benchmarks: wall time, throughput and peak memory of every stage, beside its anchor.

    .venv/bin/python benchmarks/run.py [--sizes 100 1000 10000] [--jobs 2] [--work DIR] [--write]

For each corpus size N it makes a synthetic corpus (``communique synth``) and runs, each in a fresh process
so that its peak resident memory (RSS) can be read from the operating system:

    corpus build   communique corpus build (seeds -> corpus documents)
    validate       communique validate --jobs J          anchor: jsonschema alone on the same JSON
    export         communique export hf --jobs J         anchor: writing the same rows with pyarrow
    load           datasets.load_dataset of the export   anchor: reading the same parquet with pyarrow
    bench          communique bench --summary-only       anchor: nervaluate on the same mention spans

then, at the largest size, validate and bench with ``--engine dask`` on a LocalCluster of 1 and then 2
worker processes (started beforehand, so the cluster's start-up is not counted) and the per-task overhead of
that cluster, and the corpus's bytes on disk beside its text's. Validation records (one validation per
pipeline) are kept in the work folder, emptied before each size: validate records, export and bench trust.

It prints a table, checks the targets, and with ``--write`` puts both into benchmarks/README.md. Timings
on a shared machine are noisy: compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ANCHORS = Path(__file__).resolve().parent / "anchors.py"
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- results:start -->", "<!-- results:end -->"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "CI": "1"}  # CI=1: no progress bars
DASK_TASKS = 2000  # empty tasks timed for the per-task overhead


@dataclass
class Measure:
    seconds: float
    peak_mb: float
    inner: float | None = None  # seconds the anchor reported for its own timed section


PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (worker processes of --jobs included)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue  # gone meanwhile
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[int(entry)] = int(statm[1]) * PAGE
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def run(command: list[str]) -> Measure:
    """Run ``command`` in a fresh process: wall time, and the peak resident memory of its process tree
    (sampled every 20 ms, and at least the main process's own peak as the kernel reports it)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=ENV, cwd=ROOT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err.read().decode()[-2000:]}")
        printed = out.read().decode()
    inner = json.loads(printed.strip().splitlines()[-1])["seconds"] if command[1:2] == [str(ANCHORS)] else None
    peak_mb = max(peak / 2**20, usage.ru_maxrss / 1024)  # Linux reports ru_maxrss in KiB
    # progress on stderr as each stage ends, so a long run shows (and keeps in its log) what it has measured
    print(f"  {seconds:8.2f} s {peak_mb:7.0f} MB  {' '.join(command[1:4])} …", file=sys.stderr, flush=True)
    return Measure(seconds, peak_mb, inner)


def communique(*args: str) -> list[str]:
    return [str(BIN / "communique"), *args]


def anchor(*args: str) -> list[str]:
    return [sys.executable, str(ANCHORS), *args]


def measure_size(
    n: int, work: Path, jobs: int, only: set[str] | None = None
) -> dict[str, tuple[Measure, Measure | None]]:
    folder = work / f"n{n}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        run(communique("synth", "--docs", str(n), "--seed", "1", "--out", str(folder), "--jobs", str(jobs)))
        marker.touch()
    results: dict[str, tuple[Measure, Measure | None]] = {}
    shutil.rmtree(folder / "rebuilt", ignore_errors=True)
    shutil.rmtree(folder / "records", ignore_errors=True)  # validate makes them; export and bench trust them
    ENV["COMMUNIQUE_RECORDS"] = str(folder / "records")
    if only is None or "corpus build" in only:
        results["corpus build"] = (
            run(
                communique(
                    "corpus",
                    "build",
                    "--seeds",
                    str(folder / "seeds"),
                    "--corpus",
                    str(folder / "rebuilt"),
                    "--jobs",
                    str(jobs),
                )
            ),
            None,
        )
    if only is None or "validate" in only:
        results["validate"] = (
            run(
                communique(
                    "validate", str(folder / "annotations"), "--corpus", str(folder / "corpus"), "--jobs", str(jobs)
                )
            ),
            run(anchor("jsonschema", str(folder / "annotations"), str(ROOT / "schema" / "annotation.schema.json")))
            if only is None or "jsonschema" in only
            else None,
        )
    if only is None or "export" in only:
        results["export"] = (
            run(
                communique(
                    "export",
                    "hf",
                    "--gold",
                    str(folder / "annotations"),
                    "--corpus",
                    str(folder / "corpus"),
                    "--out",
                    str(folder / "hf"),
                    "--passes",
                    "",
                    "--no-verify",
                    "--jobs",
                    str(jobs),
                )
            ),
            run(anchor("pyarrow-write", str(folder / "hf"), str(folder / "floor"))),
        )
    shutil.rmtree(folder / "cache", ignore_errors=True)
    if only is None or "load" in only:
        results["load"] = (
            run(anchor("load-dataset", str(folder / "hf"), str(folder / "cache"))),
            run(anchor("pyarrow-read", str(folder / "hf"))),
        )
    if only is None or "bench" in only:
        results["bench"] = (
            run(
                communique(
                    "bench",
                    "--predictions",
                    str(folder / "predictions.jsonl"),
                    "--gold",
                    str(folder / "annotations"),
                    "--corpus",
                    str(folder / "corpus"),
                    "--format",
                    "json",
                    "--summary-only",
                    "--out",
                    str(folder / "bench.json"),
                    "--jobs",
                    str(jobs),
                )
            ),
            None,
        )
    # identical inputs: the mention spans alone, scored under the four SemEval schemas by both
    if only is None or "mention scoring" in only:
        results["mention scoring"] = (
            run(anchor("mentions", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
            run(anchor("nervaluate", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
        )
    return results


def corpus_bytes(folder: Path) -> tuple[int, int]:
    """Bytes of the corpus files on disk, and of their texts (UTF-8)."""
    stored = text = 0
    for path in (folder / "corpus").glob("*.json"):
        raw = path.read_bytes()
        stored += len(raw)
        text += len(json.loads(raw)["text"].encode("utf-8"))
    return stored, text


def _noop(x: int) -> int:
    return x


def measure_dask(n: int, work: Path) -> dict[str, float]:
    """validate and bench on a LocalCluster of 1, then 2, worker processes; and the cluster's per-task cost."""
    from distributed import Client, LocalCluster

    folder = work / f"n{n}"
    found: dict[str, float] = {}
    for workers in (1, 2):
        with (
            LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
            Client(cluster) as client,
        ):
            address = ["--engine", "dask", "--scheduler", cluster.scheduler_address]
            found[f"validate {workers}"] = run(
                communique("validate", str(folder / "annotations"), "--corpus", str(folder / "corpus"), *address)
            ).seconds
            found[f"bench {workers}"] = run(
                communique(
                    "bench",
                    "--predictions",
                    str(folder / "predictions.jsonl"),
                    "--gold",
                    str(folder / "annotations"),
                    "--corpus",
                    str(folder / "corpus"),
                    "--format",
                    "json",
                    "--summary-only",
                    "--out",
                    str(folder / f"bench-dask{workers}.json"),
                    *address,
                )
            ).seconds
            if workers == 1:  # submit, run and gather one empty task at a time: the round trip of a task
                client.submit(_noop, -1, pure=False).result()
                start = time.perf_counter()
                for i in range(200):
                    client.submit(_noop, i, pure=False).result()
                found["task round trip ms"] = (time.perf_counter() - start) / 200 * 1000
                start = time.perf_counter()  # many in flight: the scheduler's throughput per task
                client.gather(client.map(_noop, range(DASK_TASKS), pure=False))
                found["task overhead ms"] = (time.perf_counter() - start) / DASK_TASKS * 1000
    return found


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def report(all_results: dict[int, dict[str, tuple[Measure, Measure | None]]], jobs: int) -> str:
    lines = [
        "| N | stage | wall s | ms/doc | docs/s | peak RSS MB | anchor | anchor s | stage / anchor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    anchor_names = {
        "validate": "jsonschema",
        "export": "pyarrow write",
        "load": "pyarrow read",
        "mention scoring": "nervaluate",
    }
    for n, results in all_results.items():
        for stage, (main, anc) in results.items():
            ref = None if anc is None else (anc.inner if anc.inner is not None else anc.seconds)
            # the stage is timed as a whole process; so are load and its anchor's timed section
            own = main.inner if main.inner is not None else main.seconds
            lines.append(
                f"| {n:,} | {stage} | {_fmt(own)} | {_fmt(own / n * 1000)} | {_fmt(n / own, 0)} | "
                f"{_fmt(main.peak_mb, 0)} | {anchor_names.get(stage, '–') if anc else '–'} | {_fmt(ref)} | "
                f"{_fmt(None if ref is None else own / ref)} |"
            )
    return "\n".join(lines) + "\n\n" + targets(all_results)


def targets(all_results: dict[int, dict[str, tuple[Measure, Measure | None]]]) -> str:
    sizes = sorted(all_results)
    out = ["| target | measured | met |", "|---|---|---|"]
    if len(sizes) >= 2:
        small, big = sizes[-2], sizes[-1]
        for stage in all_results[big]:
            a, b = all_results[small][stage][0], all_results[big][stage][0]
            ta = (a.inner or a.seconds) / small
            tb = (b.inner or b.seconds) / big
            ratio = tb / ta
            out.append(
                f"| {stage}: time per doc at N={big:,} within 1.5x of N={small:,} | {ratio:.2f}x | "
                f"{'yes' if ratio <= 1.5 else 'no'} |"
            )
        for stage in ("validate", "export", "bench"):
            ratio = all_results[big][stage][0].peak_mb / all_results[small][stage][0].peak_mb
            out.append(
                f"| {stage}: peak RSS at N={big:,} within 1.5x of N={small:,} | {ratio:.2f}x | "
                f"{'yes' if ratio <= 1.5 else 'no'} |"
            )
    big = sizes[-1]
    r = all_results[big]
    export_ratio = r["export"][0].seconds / r["export"][1].inner
    out.append(
        f"| export within 3x of the pyarrow floor (N={big:,}) | {export_ratio:.2f}x | "
        f"{'yes' if export_ratio <= 3 else 'no'} |"
    )
    if "mention scoring" in r:
        bench_ratio = r["mention scoring"][0].inner / r["mention scoring"][1].inner
        out.append(
            f"| bench's mention scoring faster than nervaluate on the same spans (N={big:,}) | {bench_ratio:.2f}x | "
            f"{'yes' if bench_ratio < 1 else 'no'} |"
        )
    total = r["validate"][0].seconds + r["export"][0].seconds + r["bench"][0].seconds
    out.append(
        f"| validate + export + bench of N={big:,} under 90 s | {total:.0f} s | {'yes' if total < 90 else 'no'} |"
    )
    return "\n".join(out)


def scale_targets(big: int, stored: int, text: int, n: int, dask: dict[str, float]) -> str:
    out = ["| target | measured | met |", "|---|---|---|"]
    ratio = stored / text
    out.append(
        f"| corpus bytes within 3x of its text's (N={big:,}: {stored / 2**20:.1f} MB for {text / 2**20:.1f} MB) "
        f"| {ratio:.2f}x | {'yes' if ratio <= 3 else 'no'} |"
    )
    for stage in ("validate", "bench"):
        one, two = dask[f"{stage} 1"], dask[f"{stage} 2"]
        out.append(
            f"| dask {stage}: speed-up from 1 to 2 worker processes at least 1.7x (N={n:,}: {one:.1f} s, "
            f"{two:.1f} s) | {one / two:.2f}x | {'yes' if one / two >= 1.7 else 'no'} |"
        )
    out.append(
        f"| dask per-task overhead (measured; {DASK_TASKS:,} empty tasks in flight / one at a time) "
        f"| {dask['task overhead ms']:.2f} ms / {dask['task round trip ms']:.2f} ms | – |"
    )
    return "\n".join(out)


def estimate(n: int, folder: Path, stored: int, dask: dict[str, float], jobs_peak_mb: float, big: int) -> str:
    """On paper: workers for a 10-million-document validate + bench in one hour, and what limits it first."""
    docs, hour = 10_000_000, 3600.0
    per_doc = (dask["validate 1"] + dask["bench 1"]) / n  # seconds of one worker per document, both commands
    workers = docs * per_doc / hour
    annotation = sum(p.stat().st_size for p in (folder / "annotations").glob("*.json")) / n
    read = docs * 2 * (annotation + stored / n)  # both commands read every annotation and corpus file
    tasks = docs / 64 + docs / 50  # validate's batches of 64 files, bench's chunks of 50
    scheduler = tasks * dask["task overhead ms"] / 1000
    return (
        f"Measured at N={n:,} on one LocalCluster worker: {per_doc * 1000:.1f} ms of worker time per document "
        f"for validate + bench ({dask['validate 1'] / n * 1000:.1f} + {dask['bench 1'] / n * 1000:.1f} ms, "
        f"start-up included). 10,000,000 documents are {docs * per_doc / 3600:,.0f} worker-hours: "
        f"**about {workers:,.0f} worker processes** (single-threaded) to finish in one hour, "
        f"{workers * 1.25:,.0f} with a quarter spare for stragglers and restarts.\n\n"
        f"- *Scheduler*: {tasks:,.0f} tasks (batches of 64 files for validate, 50 for bench) at the measured "
        f"{dask['task overhead ms']:.2f} ms of scheduler time each is {scheduler:,.0f} s — "
        f"{scheduler / hour * 100:.0f}% of the hour; the window of 2 batches per worker keeps "
        f"{2 * workers:,.0f} tasks in flight.\n"
        f"- *I/O*: every document is read twice ({annotation / 1024:.0f} KB of annotations + "
        f"{stored / n / 1024:.0f} KB of corpus), {read / 2**40:.2f} TB in all, "
        f"{read / hour / 2**20:,.0f} MB/s sustained from the object store across the cluster — "
        f"{read / hour / 2**20 / max(1, workers):.2f} MB/s per worker.\n"
        f"- *Memory*: a worker holds one batch (a few documents and their corpus views, plus bench's per-unit "
        f"counts); the whole `--jobs 2` bench process tree peaked at {jobs_peak_mb:,.0f} MB at N={big:,}. "
        f"What grows with N is held by the client, not the workers: bench keeps one vector of counts per "
        f"resampling unit for the bootstrap (and validate the id of every document, to refuse duplicates), so "
        f"at 10 million documents the client's memory, not the workers', is the first limit (not measured "
        f"here: extrapolate from the bench peaks of the sizes above).\n"
    )


def machine(jobs: int) -> str:
    import datasets
    import pyarrow
    import pydantic

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, pydantic {pydantic.__version__}, datasets {datasets.__version__}, "
        f"pyarrow {pyarrow.__version__}; `--jobs {jobs}`; measured {time.strftime('%Y-%m-%d')}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", default=str(ROOT / "dist" / "bench"), help="scratch folder (default: dist/bench)")
    parser.add_argument("--write", action="store_true", help="write the results into benchmarks/README.md")
    parser.add_argument("--dask-size", type=int, help="N for the dask figures (default: the largest size; synthesised)")
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="STAGE",
        help="measure only these stages (e.g. validate export bench; add jsonschema for validate's anchor)",
    )
    args = parser.parse_args()
    all_results = {}
    for n in args.sizes:
        print(f"N = {n:,} …", file=sys.stderr, flush=True)
        all_results[n] = measure_size(n, Path(args.work), args.jobs, set(args.only) if args.only else None)
    big = max(args.sizes)
    on_dask = args.dask_size or big
    print(f"dask at N = {on_dask:,} …", file=sys.stderr, flush=True)
    dask = measure_dask(on_dask, Path(args.work))
    stored, text_bytes = corpus_bytes(Path(args.work) / f"n{big}")
    peak = all_results[big]["bench"][0].peak_mb
    text = (
        f"Machine: {machine(args.jobs)}.\n\n{report(all_results, args.jobs)}\n\n"
        f"{scale_targets(big, stored, text_bytes, on_dask, dask)}\n\n"
        f"### 10 million documents, on paper\n\n"
        f"{estimate(on_dask, Path(args.work) / f'n{on_dask}', stored * on_dask // big, dask, peak, big)}"
    )
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        head, rest = readme.split(BEGIN, 1)
        readme = head + BEGIN + "\n" + text + END + rest.split(END, 1)[1]
        README.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
