"""Scale benchmarks: CPU seconds per document of every stage, beside a floor that does the same work.

    .venv/bin/python benchmarks/run.py [--sizes 10000] [--jobs 2] [--work DIR] [--write]

For each corpus size N it makes a synthetic corpus (``communique synth``) and runs each command in a fresh
process, reading the CPU seconds (user + system) of its whole process tree from ``wait4`` (worker processes
included), the CPU seconds of each process of the tree (sampled from ``/proc``), the wall time, the peak
resident memory of the tree and the load average of the machine:

    validate         communique validate --jobs J                 floor: check-jsonschema on the same files
    export           communique export hf --jobs J                floor: benchmarks/floors.py (plain pyarrow)
    bench            communique bench --format json --jobs J      (the default, lean report)
    mention scoring  communique's mention scorer                  floor: nervaluate on the same spans

then, at the Dask size, validate, export and bench with ``--engine dask`` on a cluster of 1 and then 2
worker processes (``dask scheduler`` and ``dask worker`` started beforehand, as a user would, with the
validation records of the run): the CPU seconds of the workers, of the scheduler and of the client, the
tasks each worker ran, and the cost of an empty task. Validation records (one validation per pipeline)
are kept in the work folder, emptied before each size: validate records, export and bench trust them.

It prints the tables, checks the targets, and with ``--write`` puts them into benchmarks/README.md. Every
ratio is of CPU seconds measured in the same run, so the machine's load cannot decide it; wall times are
shown beside the load average during the command.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent
ANCHORS = HERE / "anchors.py"
FLOORS = HERE / "floors.py"
README = HERE / "README.md"
BEGIN, END = "<!-- results:start -->", "<!-- results:end -->"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "CI": "1"}  # CI=1: no progress bars
DASK_TASKS = 2000  # empty tasks timed for the per-task overhead
CHECK_JSONSCHEMA_FILES = 1000  # check-jsonschema takes about 35 ms a file: it checks the first this many
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")

# targets of issue 19, per document of about 8,000 characters and 150 annotations, whole process tree
CPU_TARGETS_MS = {"validate": 4.0, "export": 5.0, "bench": 6.0}


@dataclass
class Measure:
    wall: float
    cpu: float  # user + system seconds of the whole process tree (wait4)
    peak_mb: float
    procs: list[float] = field(default_factory=list)  # CPU seconds of each process of the tree, largest first
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and at the end
    inner: float | None = None  # seconds an anchor reported for its own timed section

    @property
    def second_share(self) -> float:
        """The share of the tree's CPU work done by its second-busiest process."""
        total = sum(self.procs)
        return self.procs[1] / total if len(self.procs) > 1 and total else 0.0


def _processes() -> dict[int, tuple[int, int, float]]:
    """Every process: pid -> (parent pid, resident bytes, CPU seconds)."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()
        found[int(entry)] = (int(fields[1]), int(statm[1]) * PAGE, (int(fields[11]) + int(fields[12])) / TICK)
    return found


def _tree(root: int, processes: dict[int, tuple[int, int, float]]) -> set[int]:
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, (ppid, _, _) in processes.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return tree


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (worker processes of --jobs included)."""
    processes = _processes()
    return sum(processes[pid][1] for pid in _tree(root, processes) if pid in processes)


def cpu_of(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (0 for one that is gone)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def run(command: list[str]) -> Measure:
    """Run ``command`` in a fresh process: CPU seconds of its tree (exact, from wait4), of each process in
    it (sampled every 50 ms, so a process's last 50 ms may be missed), wall time and peak memory."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        load = os.getloadavg()[0]
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=ENV, cwd=ROOT)
        peak, cpu = 0, {}
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            processes = _processes()
            tree = _tree(proc.pid, processes)
            peak = max(peak, sum(processes[p][1] for p in tree if p in processes))
            for p in tree:
                if p in processes:
                    cpu[p] = max(cpu.get(p, 0.0), processes[p][2])
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{err.read().decode()[-2000:]}")
        printed = out.read().decode()
    inner = json.loads(printed.strip().splitlines()[-1])["seconds"] if command[1:2] == [str(ANCHORS)] else None
    total = usage.ru_utime + usage.ru_stime
    procs = sorted(cpu.values(), reverse=True)
    if procs:  # the main process's own figure is exact: what the samples missed of the workers is theirs
        procs[0] = max(procs[0], total - sum(procs[1:]))
    # sampled only: wait4's ru_maxrss starts from this process's own size (Linux keeps the high-water mark of
    # the memory a child had before it exec'd, a copy of this one's), which would hide a child's own peak
    peak_mb = peak / 2**20
    measure = Measure(seconds, total, peak_mb, procs, (load, os.getloadavg()[0]), inner)
    # progress on stderr as each command ends, so a long run shows (and keeps in its log) what it measured
    print(
        f"  {total:8.2f} CPU s {seconds:8.2f} s {peak_mb:6.0f} MB load {load:.1f}  {' '.join(command[1:4])} …",
        file=sys.stderr,
        flush=True,
    )
    return measure


def communique(*args: str) -> list[str]:
    return [str(BIN / "communique"), *args]


def anchor(*args: str) -> list[str]:
    return [sys.executable, str(ANCHORS), *args]


def _unit(n: int) -> str:
    """The split unit the commands use for a corpus of ``n`` documents (they run in this repository)."""
    from communique.io.project import find_project

    return find_project(ROOT).splits.unit_for(n)


def synthesise(n: int, work: Path, jobs: int) -> Path:
    folder = work / f"n{n}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        run(communique("synth", "--docs", str(n), "--seed", "1", "--out", str(folder), "--jobs", str(jobs)))
        marker.touch()
    return folder


def _export_args(folder: Path, out: str) -> list[str]:
    return [
        "export",
        "hf",
        "--gold",
        str(folder / "annotations"),
        "--corpus",
        str(folder / "corpus"),
        "--out",
        str(folder / out),
        "--passes",
        "",
        "--no-verify",
    ]


def _bench_args(folder: Path, out: str) -> list[str]:
    return [
        "bench",
        "--predictions",
        str(folder / "predictions.jsonl"),
        "--gold",
        str(folder / "annotations"),
        "--corpus",
        str(folder / "corpus"),
        "--format",
        "json",
        "--out",
        str(folder / out),
    ]


def same_tables(export: Path, floor: Path) -> int:
    """How many tables the floor wrote; raises if any differs from the export's (its shards joined)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    compared = 0
    for path in sorted(floor.glob("*/*.parquet")):
        shards = sorted((export / "data" / path.parent.name).glob(f"{path.stem}-*.parquet"))
        expected = pa.concat_tables([pq.read_table(s) for s in shards])
        if not expected.equals(pq.read_table(path)):
            raise SystemExit(f"the floor's {path.parent.name}/{path.stem} differs from the export's")
        compared += 1
    if compared == 0:
        raise SystemExit("the floor wrote no table")
    return compared


def measure_size(n: int, work: Path, jobs: int, only: set[str] | None) -> dict[str, tuple[Measure, Measure | None]]:
    folder = synthesise(n, work, jobs)
    results: dict[str, tuple[Measure, Measure | None]] = {}
    shutil.rmtree(folder / "records", ignore_errors=True)  # validate makes them; export and bench trust them
    ENV["COMMUNIQUE_RECORDS"] = str(folder / "records")
    jobs_args = ["--jobs", str(jobs)]

    def wanted(stage: str) -> bool:
        return only is None or stage in only

    if wanted("validate"):
        files = sorted(str(p) for p in (folder / "annotations").glob("*.json"))[:CHECK_JSONSCHEMA_FILES]
        schema = str(ROOT / "schema" / "annotation.schema.json")
        floor = run([str(BIN / "check-jsonschema"), "--schemafile", schema, *files])
        floor.inner = float(len(files))  # how many files it checked: the per-document figure uses it
        own = run(communique("validate", str(folder / "annotations"), "--corpus", str(folder / "corpus"), *jobs_args))
        results["validate"] = (own, floor)
    if wanted("export"):
        shutil.rmtree(folder / "floor", ignore_errors=True)
        own = run(communique(*_export_args(folder, "hf"), *jobs_args))
        paths = [str(folder / x) for x in ("annotations", "corpus", "floor")]
        floor = run([sys.executable, str(FLOORS), *paths, "--unit", _unit(n)])
        # compared in a child process: loading every table here would make this process large (see run())
        subprocess.run(
            [sys.executable, __file__, "--same-tables", str(folder / "hf"), str(folder / "floor")], check=True
        )
        results["export"] = (own, floor)
    if wanted("bench"):
        results["bench"] = (run(communique(*_bench_args(folder, "bench.json"), *jobs_args)), None)
        size = (folder / "bench.json").stat().st_size
        results["bench"][0].inner = size / n  # bytes of the default JSON report per document
    # identical inputs: the mention spans alone, scored under the four SemEval schemas by both
    if wanted("mention scoring"):
        results["mention scoring"] = (
            run(anchor("mentions", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
            run(anchor("nervaluate", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
        )
    return results


# ------------------------------------------------------------------------------------------------ dask


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _noop(x: int) -> int:
    return x


@dataclass
class DaskRun:
    workers: int
    stage: str
    client: Measure  # the command's own process tree (it reads, reduces and writes)
    worker_cpu: list[float]  # CPU seconds of each worker process during the command
    scheduler_cpu: float
    tasks: list[int]  # tasks each worker ran

    @property
    def task_cpu_ms(self) -> float:
        return sum(self.worker_cpu) / max(1, sum(self.tasks)) * 1000

    @property
    def scheduler_ms(self) -> float:
        return self.scheduler_cpu / max(1, sum(self.tasks)) * 1000


def measure_dask(n: int, work: Path, jobs: int) -> tuple[list[DaskRun], dict[str, float]]:
    """validate, export and bench on a cluster of 1, then 2, worker processes, started as a user would."""
    from distributed import Client

    folder = synthesise(n, work, jobs)
    env = {**ENV, "COMMUNIQUE_RECORDS": str(folder / "records")}  # the workers validate and trust records
    runs: list[DaskRun] = []
    found: dict[str, float] = {}
    for workers in (1, 2):
        shutil.rmtree(folder / "records", ignore_errors=True)
        port = _free_port()
        address = f"tcp://127.0.0.1:{port}"
        dask = str(BIN / "dask")
        scheduler = subprocess.Popen(
            [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker = subprocess.Popen(
            [dask, "worker", address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with Client(address, timeout="60s") as client:
                client.wait_for_workers(workers, timeout=120)
                pids = client.run(os.getpid)  # worker address -> pid
                client.get_task_stream()  # registers the scheduler's task stream, which records who ran what
                for stage, args in (
                    ("validate", ["validate", str(folder / "annotations"), "--corpus", str(folder / "corpus")]),
                    ("export", _export_args(folder, f"hf-dask{workers}")),
                    ("bench", _bench_args(folder, f"bench-dask{workers}.json")),
                ):
                    before = {a: cpu_of([p]) for a, p in pids.items()}
                    scheduled = cpu_of([scheduler.pid])
                    began = time.time()
                    ENV["COMMUNIQUE_RECORDS"] = env["COMMUNIQUE_RECORDS"]
                    client_run = run(communique(*args, "--engine", "dask", "--scheduler", address))
                    tasks = client.get_task_stream(start=began)
                    ran = [
                        sum(1 for t in tasks if t["worker"] == a and "_run_dask_batch" in str(t["key"])) for a in pids
                    ]
                    runs.append(
                        DaskRun(
                            workers,
                            stage,
                            client_run,
                            [cpu_of([p]) - before[a] for a, p in pids.items()],
                            cpu_of([scheduler.pid]) - scheduled,
                            ran,
                        )
                    )
                if workers == 1:  # submit, run and gather one empty task at a time: the round trip of a task
                    client.submit(_noop, -1, pure=False).result()
                    start = time.perf_counter()
                    for i in range(200):
                        client.submit(_noop, i, pure=False).result()
                    found["task round trip ms"] = (time.perf_counter() - start) / 200 * 1000
                    scheduled = cpu_of([scheduler.pid])
                    start = time.perf_counter()  # many in flight: the scheduler's throughput per task
                    client.gather(client.map(_noop, range(DASK_TASKS), pure=False))
                    found["task overhead ms"] = (time.perf_counter() - start) / DASK_TASKS * 1000
                    found["scheduler CPU per empty task ms"] = (cpu_of([scheduler.pid]) - scheduled) / DASK_TASKS * 1000
        finally:
            for proc in (worker, scheduler):
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return runs, found


# ---------------------------------------------------------------------------------------------- report


def _fmt(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _load(m: Measure) -> str:
    return f"{m.load[0]:.1f}–{m.load[1]:.1f}"


FLOOR_NAMES = {
    "validate": "check-jsonschema (first {k:,} files)",
    "export": "plain pyarrow script (floors.py)",
    "mention scoring": "nervaluate",
}


def report(all_results: dict[int, dict[str, tuple[Measure, Measure | None]]], jobs: int) -> str:
    lines = [
        "| N | stage | CPU s | CPU ms/doc | wall s | CPU/wall | 2nd process share | peak RSS MB | load | floor "
        "| floor CPU ms/doc | stage / floor (CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n, results in all_results.items():
        for stage, (own, floor) in results.items():
            if stage == "mention scoring":
                continue
            per_doc = own.cpu / n * 1000
            floor_docs = floor.inner if stage == "validate" and floor is not None else n
            floor_ms = None if floor is None else floor.cpu / (floor_docs or n) * 1000
            name = FLOOR_NAMES.get(stage, "–").format(k=int(floor_docs or 0)) if floor else "–"
            lines.append(
                f"| {n:,} | {stage} | {own.cpu:.1f} | {per_doc:.2f} | {own.wall:.1f} | {own.cpu / own.wall:.2f} | "
                f"{own.second_share:.0%} | {own.peak_mb:.0f} | {_load(own)} | {name} | {_fmt(floor_ms)} | "
                f"{_fmt(None if floor_ms is None else per_doc / floor_ms)} |"
            )
    return "\n".join(lines)


def mention_table(all_results: dict[int, dict[str, tuple[Measure, Measure | None]]]) -> str:
    lines = [
        "| N | scorer | scoring s (in process) | whole process CPU s | load |",
        "|---|---|---|---|---|",
    ]
    for n, results in all_results.items():
        if "mention scoring" not in results:
            continue
        own, floor = results["mention scoring"]
        assert floor is not None
        for name, m in (("communique (optimal matching)", own), ("nervaluate (greedy)", floor)):
            lines.append(f"| {n:,} | {name} | {_fmt(m.inner)} | {m.cpu:.1f} | {_load(m)} |")
    return "\n".join(lines)


def targets(all_results: dict[int, dict[str, tuple[Measure, Measure | None]]], jobs: int) -> str:
    big = max(all_results)
    r = all_results[big]
    out = ["| target | measured | met |", "|---|---|---|"]

    def row(text: str, value: str, met: bool) -> None:
        out.append(f"| {text} | {value} | {'yes' if met else 'no'} |")

    total = 0.0
    for stage, limit in CPU_TARGETS_MS.items():
        if stage in r:
            ms = r[stage][0].cpu / big * 1000
            total += r[stage][0].cpu
            floor = r[stage][1] if stage == "export" else None  # export's target is read beside its fair floor
            beside = f" (the plain pyarrow floor: {floor.cpu / big * 1000:.2f} ms)" if floor is not None else ""
            row(
                f"{stage}: at most {limit:g} ms of CPU per document (N={big:,}, whole tree){beside}",
                f"{ms:.2f} ms",
                ms <= limit,
            )
    if all(s in r for s in CPU_TARGETS_MS):
        row(f"validate + export + bench of N={big:,}: at most 150 CPU s", f"{total:.0f} CPU s", total <= 150)
    if "validate" in r and r["validate"][1] is not None:
        own, floor = r["validate"]
        assert floor is not None and floor.inner
        ratio = (own.cpu / big) / (floor.cpu / floor.inner)
        row("validate: ahead of check-jsonschema (CPU per document)", f"{ratio:.2f}x", ratio < 1)
    if "export" in r and r["export"][1] is not None:
        own, floor = r["export"]
        assert floor is not None
        ratio = own.cpu / floor.cpu
        row("export: within 1.5x of the plain pyarrow floor (CPU, whole processes)", f"{ratio:.2f}x", ratio <= 1.5)
    if "mention scoring" in r:
        own, floor = r["mention scoring"]
        assert floor is not None and own.inner is not None and floor.inner is not None
        ratio = own.inner / floor.inner
        row("mention scoring: within 0.5x of nervaluate's time for the scoring", f"{ratio:.2f}x", ratio <= 0.5)
        ratio = own.cpu / floor.cpu
        row("mention scoring: under nervaluate as whole processes (CPU)", f"{ratio:.2f}x", ratio < 1)
    for stage in ("export", "bench"):
        if stage in r:
            m = r[stage][0]
            row(
                f"{stage} --jobs {jobs}: the second-busiest process does at least 40% of the CPU work",
                f"{m.second_share:.0%} ({', '.join(f'{p:.1f}' for p in m.procs[:3])} CPU s)",
                m.second_share >= 0.4,
            )
            row(
                f"{stage} --jobs {jobs}: CPU s / wall s at least 1.7 on an idle machine (load {_load(m)})",
                f"{m.cpu / m.wall:.2f}",
                m.cpu / m.wall >= 1.7,
            )
    if "bench" in r and r["bench"][0].inner is not None:
        kb = r["bench"][0].inner / 1024
        row("bench: the default JSON report under 20 KB per document", f"{kb:.1f} KB", kb < 20)
    return "\n".join(out)


def dask_tables(n: int, runs: list[DaskRun], found: dict[str, float]) -> str:
    lines = [
        f"Dask at N={n:,}, `dask scheduler` and `dask worker --nthreads 1` started beforehand with the run's "
        "validation records:\n",
        "| stage | workers | worker CPU s | scheduler CPU s | client CPU s | tasks per worker | worker CPU per task "
        "ms | scheduler CPU per task ms | wall s | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for d in runs:
        lines.append(
            f"| {d.stage} | {d.workers} | {sum(d.worker_cpu):.1f} | {d.scheduler_cpu:.2f} | {d.client.cpu:.1f} | "
            f"{' / '.join(str(t) for t in d.tasks)} | {d.task_cpu_ms:.0f} | {d.scheduler_ms:.2f} | "
            f"{d.client.wall:.1f} | {_load(d.client)} |"
        )
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    by = {(d.stage, d.workers): d for d in runs}
    for stage in ("validate", "export", "bench"):
        one, two = by.get((stage, 1)), by.get((stage, 2))
        if one is None or two is None:
            continue
        ratio = sum(two.worker_cpu) / max(1e-9, sum(one.worker_cpu))
        lines.append(
            f"| dask {stage}: total worker CPU of 2 workers at most 1.15x that of 1 "
            f"({sum(one.worker_cpu):.1f} → {sum(two.worker_cpu):.1f} CPU s) | {ratio:.2f}x | "
            f"{'yes' if ratio <= 1.15 else 'no'} |"
        )
        share = two.scheduler_ms / max(1e-9, two.task_cpu_ms)
        lines.append(
            f"| dask {stage}: scheduler CPU per task under 5% of a task's CPU ({two.scheduler_ms:.2f} ms of "
            f"{two.task_cpu_ms:.0f} ms) | {share:.1%} | {'yes' if share < 0.05 else 'no'} |"
        )
        least = min(two.tasks) / max(1, sum(two.tasks))
        lines.append(
            f"| dask {stage}: every one of 2 workers runs at least 40% of the tasks "
            f"({' / '.join(str(t) for t in two.tasks)}) | {least:.0%} | {'yes' if least >= 0.4 else 'no'} |"
        )
        lines.append(
            f"| dask {stage}: wall speed-up from 1 to 2 workers (reported; load {_load(one.client)} and "
            f"{_load(two.client)}) | {one.client.wall / two.client.wall:.2f}x | – |"
        )
    lines.append(
        f"| dask: an empty task (measured; {DASK_TASKS:,} in flight / one at a time; scheduler CPU each) | "
        f"{found['task overhead ms']:.2f} ms / {found['task round trip ms']:.2f} ms; "
        f"{found['scheduler CPU per empty task ms']:.2f} ms | – |"
    )
    return "\n".join(lines)


def estimate(n: int, folder: Path, results: dict[str, tuple[Measure, Measure | None]], runs: list[DaskRun]) -> str:
    """On paper: workers for a 10-million-document validate + export + bench in one hour, and its limits."""
    docs, hour = 10_000_000, 3600.0
    per_doc = {s: results[s][0].cpu / n for s in CPU_TARGETS_MS if s in results}
    total = sum(per_doc.values())
    workers = docs * total / hour
    annotation = sum(p.stat().st_size for p in (folder / "annotations").glob("*.json")) / n
    corpus = sum(p.stat().st_size for p in (folder / "corpus").glob("*.json")) / n
    read = docs * len(per_doc) * (annotation + corpus)  # each command reads every annotation and corpus file
    batches = {"validate": 64, "export": 200, "bench": 50}  # files per task (VALIDATE_BATCH, CHUNK_DOCS, CHUNK_FILES)
    tasks = sum(docs / batches[s] for s in per_doc)
    two = [d for d in runs if d.workers == 2]
    scheduler_ms = sum(d.scheduler_cpu for d in two) / max(1, sum(sum(d.tasks) for d in two)) * 1000
    scheduler = tasks * scheduler_ms / 1000
    return (
        f"Measured at N={n:,} with `--jobs`: {total * 1000:.1f} ms of CPU per document for validate + export + "
        f"bench ({' + '.join(f'{v * 1000:.1f}' for v in per_doc.values())} ms, whole process trees, start-up "
        f"included). 10,000,000 documents are {docs * total / 3600:,.0f} CPU-hours: **about {workers:,.0f} "
        f"single-threaded worker processes** to finish in one hour, {workers * 1.25:,.0f} with a quarter spare "
        f"for stragglers and restarts.\n\n"
        f"- *Scheduler*: {tasks:,.0f} tasks (batches of 64 files for validate, 200 for export, 50 for bench) at "
        f"the {scheduler_ms:.2f} ms of scheduler CPU per task measured above is {scheduler:,.0f} CPU s — "
        f"{scheduler / hour:.0%} of one core for the hour; the window of 2 batches per worker keeps "
        f"{2 * workers:,.0f} tasks in flight.\n"
        f"- *I/O*: each command reads every document ({annotation / 1024:.0f} KB of annotations + "
        f"{corpus / 1024:.0f} KB of corpus), {read / 2**40:.2f} TB in all, {read / hour / 2**20:,.0f} MB/s "
        f"sustained from the object store across the cluster — {read / hour / 2**20 / max(1, workers):.2f} "
        f"MB/s per worker.\n"
        f"- *Client*: export writes every shard and bench keeps one vector of counts per resampling unit for "
        f"the bootstrap in the client process, so the client, not the workers, is the first limit at 10 "
        f"million documents (the whole `--jobs` bench tree peaked at "
        f"{results['bench'][0].peak_mb if 'bench' in results else 0:,.0f} MB at N={n:,}).\n"
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--work", default=str(ROOT / "dist" / "bench"), help="scratch folder (default: dist/bench)")
    parser.add_argument("--write", action="store_true", help="write the results into benchmarks/README.md")
    parser.add_argument("--dask-size", type=int, help="N for the dask figures (default: the largest size)")
    parser.add_argument("--no-dask", action="store_true", help="leave the dask figures out")
    parser.add_argument(
        "--only", nargs="+", metavar="STAGE", help="measure only these stages (validate export bench 'mention scoring')"
    )
    parser.add_argument("--same-tables", nargs=2, metavar=("EXPORT", "FLOOR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.same_tables:
        print(f"the floor wrote the export's {same_tables(*map(Path, args.same_tables))} tables", file=sys.stderr)
        return
    work = Path(args.work).resolve()
    all_results = {}
    for n in args.sizes:
        print(f"N = {n:,} …", file=sys.stderr, flush=True)
        all_results[n] = measure_size(n, work, args.jobs, set(args.only) if args.only else None)
    big = max(args.sizes)
    runs: list[DaskRun] = []
    found: dict[str, float] = {}
    on_dask = args.dask_size or big
    if not args.no_dask:
        print(f"dask at N = {on_dask:,} …", file=sys.stderr, flush=True)
        runs, found = measure_dask(on_dask, work, args.jobs)
    parts = [
        f"Machine: {machine(args.jobs)}.",
        report(all_results, args.jobs),
        mention_table(all_results),
        targets(all_results, args.jobs),
    ]
    if runs:
        parts.append(dask_tables(on_dask, runs, found))
    parts.append(f"### 10 million documents, on paper\n\n{estimate(big, work / f'n{big}', all_results[big], runs)}")
    text = "\n\n".join(parts)
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        head, rest = readme.split(BEGIN, 1)
        readme = head + BEGIN + "\n" + text + END + rest.split(END, 1)[1]
        README.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
