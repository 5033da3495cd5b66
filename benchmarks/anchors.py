"""Anchor measurements for benchmarks/run.py: the floors set by the libraries underneath.

Each subcommand does, on the same data as the communique stage it anchors, only the work of the
underlying library, and prints the seconds it took as JSON (loading the input is not timed):

    jsonschema DIR SCHEMA     structural validation of every annotation file with jsonschema alone
    pyarrow-write HF OUT      writing the exported rows to parquet with pyarrow directly
    pyarrow-read HF           reading every exported parquet file with pyarrow
    load-dataset HF CACHE     datasets.load_dataset of every config (what communique's export is read with)
    nervaluate GOLD PRED      nervaluate's four SemEval schemas on the mention spans
    mentions GOLD PRED        communique's mention scorer (optimal matching) on the same mention spans
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def jsonschema_validate(folder: Path, schema_path: Path) -> float:
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(schema_path.read_text(encoding="utf-8")))
    files = sorted(folder.glob("*.json"))
    start = time.perf_counter()
    for path in files:  # read + parse + validate, as `communique validate` does for each file
        errors = list(validator.iter_errors(json.loads(path.read_bytes())))
        assert not errors, (path, errors[:1])
    return time.perf_counter() - start


def pyarrow_write(export: Path, out: Path) -> float:
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for path in sorted(export.glob("data/*/*.parquet")):
        table = pq.read_table(path)
        tables.append((path, table.schema, table.to_pylist()))  # the rows as Python objects, like communique's
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for i, (_path, schema, rows) in enumerate(tables):
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / f"{i:05d}.parquet", compression="zstd")
    return time.perf_counter() - start


def pyarrow_read(export: Path) -> float:
    import pyarrow.parquet as pq

    start = time.perf_counter()
    rows = sum(pq.read_table(path).num_rows for path in sorted(export.glob("data/*/*.parquet")))
    assert rows > 0
    return time.perf_counter() - start


def load_dataset(export: Path, cache: Path) -> float:
    import datasets

    datasets.disable_progress_bars()
    configs = sorted(p.name for p in (export / "data").iterdir())
    start = time.perf_counter()
    for config in configs:
        loaded = datasets.load_dataset(str(export), config, cache_dir=str(cache))
        assert sum(split.num_rows for split in loaded.values()) > 0
    return time.perf_counter() - start


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "jsonschema":
        seconds = jsonschema_validate(Path(args[0]), Path(args[1]))
    elif command == "pyarrow-write":
        seconds = pyarrow_write(Path(args[0]), Path(args[1]))
    elif command == "pyarrow-read":
        seconds = pyarrow_read(Path(args[0]))
    elif command == "load-dataset":
        seconds = load_dataset(Path(args[0]), Path(args[1]))
    elif command == "nervaluate":
        from bench_anchor import nervaluate_seconds  # next to this file

        seconds = nervaluate_seconds(Path(args[0]), Path(args[1]))
    elif command == "mentions":
        from bench_anchor import communique_seconds

        seconds = communique_seconds(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(f"unknown anchor {command!r}")
    print(json.dumps({"seconds": seconds}))


if __name__ == "__main__":
    main(sys.argv[1:])
