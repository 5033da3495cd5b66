"""Scale benchmarks: wall time, throughput and peak memory of every stage, beside its anchor.

    .venv/bin/python benchmarks/run.py [--sizes 100 1000 10000] [--jobs 2] [--work DIR] [--write]

For each corpus size N it makes a synthetic corpus (``communique synth``) and runs, each in a fresh process
so that its peak resident memory (RSS) can be read from the operating system:

    corpus build   communique corpus build (seeds -> corpus documents)
    validate       communique validate --jobs J          anchor: jsonschema alone on the same JSON
    export         communique export hf --jobs J         anchor: writing the same rows with pyarrow
    load           datasets.load_dataset of the export   anchor: reading the same parquet with pyarrow
    bench          communique bench                      anchor: nervaluate on the same mention spans

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
    return Measure(seconds, peak_mb, inner)


def communique(*args: str) -> list[str]:
    return [str(BIN / "communique"), *args]


def anchor(*args: str) -> list[str]:
    return [sys.executable, str(ANCHORS), *args]


def measure_size(n: int, work: Path, jobs: int) -> dict[str, tuple[Measure, Measure | None]]:
    folder = work / f"n{n}"
    marker = folder / ".complete"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        run(communique("synth", "--docs", str(n), "--seed", "1", "--out", str(folder), "--jobs", str(jobs)))
        marker.touch()
    results: dict[str, tuple[Measure, Measure | None]] = {}
    shutil.rmtree(folder / "rebuilt", ignore_errors=True)
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
    results["validate"] = (
        run(
            communique("validate", str(folder / "annotations"), "--corpus", str(folder / "corpus"), "--jobs", str(jobs))
        ),
        run(anchor("jsonschema", str(folder / "annotations"), str(ROOT / "schema" / "annotation.schema.json"))),
    )
    results["export"] = (
        run(
            communique(
                "export",
                "hf",
                "--annotations",
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
    results["load"] = (
        run(anchor("load-dataset", str(folder / "hf"), str(folder / "cache"))),
        run(anchor("pyarrow-read", str(folder / "hf"))),
    )
    results["bench"] = (
        run(
            communique(
                "bench",
                "--pred",
                str(folder / "predictions.jsonl"),
                "--gold",
                str(folder / "annotations"),
                "--corpus",
                str(folder / "corpus"),
                "--format",
                "json",
                "--out",
                str(folder / "bench.json"),
                "--jobs",
                str(jobs),
            )
        ),
        None,
    )
    # identical inputs: the mention spans alone, scored under the four SemEval schemas by both
    results["mention scoring"] = (
        run(anchor("mentions", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
        run(anchor("nervaluate", str(folder / "annotations"), str(folder / "predictions.jsonl"))),
    )
    return results


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
                f"{_fmt(main.peak_mb, 0)} | {anchor_names.get(stage, '–')} | {_fmt(ref)} | "
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
        f"| export within 2x of the pyarrow floor (N={big:,}) | {export_ratio:.2f}x | "
        f"{'yes' if export_ratio <= 2 else 'no'} |"
    )
    bench_ratio = r["mention scoring"][0].inner / r["mention scoring"][1].inner
    out.append(
        f"| bench's mention scoring faster than nervaluate on the same spans (N={big:,}) | {bench_ratio:.2f}x | "
        f"{'yes' if bench_ratio < 1 else 'no'} |"
    )
    total = r["validate"][0].seconds + r["export"][0].seconds + r["bench"][0].seconds
    out.append(
        f"| validate + export + bench of N={big:,} under 180 s | {total:.0f} s | {'yes' if total < 180 else 'no'} |"
    )
    return "\n".join(out)


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
    args = parser.parse_args()
    all_results = {}
    for n in args.sizes:
        print(f"N = {n:,} …", file=sys.stderr, flush=True)
        all_results[n] = measure_size(n, Path(args.work), args.jobs)
    text = f"Machine: {machine(args.jobs)}.\n\n{report(all_results, args.jobs)}\n"
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        head, rest = readme.split(BEGIN, 1)
        readme = head + BEGIN + "\n" + text + END + rest.split(END, 1)[1]
        README.write_text(readme, encoding="utf-8")


if __name__ == "__main__":
    main()
