"""``communique export hf``: a folder that ``datasets.load_dataset`` reads offline.

Layout::

    README.md                      dataset card: YAML front matter (configs with exact file lists,
                                   dataset_info with features and split sizes) and prose
    croissant.json                 MLCommons Croissant metadata with sha256 of every file
    data/<config>/<split>-00000-of-00001-<sha256[:12]>.parquet

Parquet files carry their features in their own metadata (the ``huggingface`` key, as
``Dataset.to_parquet`` writes it), so they also load with ``data_files=`` and in any Parquet reader. Each
shard name carries a hash of its content: a changed export never hits a stale ``load_dataset`` cache
(datasets#6465). Shards are cut by size.

Documents are processed in fixed-size chunks (``CHUNK_DOCS``), each writing its own part files; with
``jobs > 1`` chunks run in parallel processes. Parts are then merged in chunk order into the final shards,
so the output does not depend on the number of jobs. The export is deterministic (byte-identical when
nothing changed) and atomic: everything is written into a temporary folder beside the target and moved
into place at the end; a failure leaves the previous export as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import Issue
from ..splits import split_of, unit_id
from ..stats import count_document
from ..validate import CorpusStore, validate_file
from .features import make_encoder
from .rows import CONFIGS, SPLITS_OF

DEFAULT_MAX_SHARD_BYTES = 256 * 1024 * 1024  # of Arrow data, before compression
ROWS_PER_BATCH = 1000  # rows per row group; fixed so output is deterministic
CHUNK_DOCS = 200  # documents per unit of (parallel) work; fixed so output does not depend on --jobs
COMPRESSION = "zstd"


@dataclass
class Shard:
    path: str  # relative to the export folder
    num_examples: int
    num_bytes: int  # Arrow (uncompressed) bytes, as datasets counts them
    sha256: str
    size: int  # bytes on disk


@dataclass
class ExportResult:
    out: Path
    shards: dict[str, dict[str, list[Shard]]] = field(default_factory=dict)

    def split_sizes(self) -> dict[str, dict[str, int]]:
        return {config: {split: sum(s.num_examples for s in shards) for split, shards in splits.items()}
                for config, splits in self.shards.items()}


@dataclass
class ChunkResult:
    """What one chunk of documents produced: problems, facts for the card, and its part files."""

    issues: list[Issue] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (document id, file)
    counts: list[tuple[str, dict[str, dict[str, int]]]] = field(default_factory=list)
    units_per_split: Counter[str] = field(default_factory=Counter)
    guidelines_versions: set[str] = field(default_factory=set)
    parts: dict[tuple[str, str], Path] = field(default_factory=dict)


def build_chunk(index: int, files: list[Path], corpus_dir: Path, staging: Path) -> ChunkResult:
    """Validate a chunk of annotation files and write their rows as part files (one per config/split)."""
    store = CorpusStore(corpus_dir)
    result = ChunkResult()
    rows: dict[tuple[str, str], list[dict[str, Any]]] = {}
    encoders = {c.name: make_encoder(c.features) for c in CONFIGS}
    for path in files:
        report = validate_file(path, store)
        result.issues.extend(report.errors)
        doc = report.document
        if doc is None or result.issues:
            continue  # once anything is wrong nothing will be written: only keep validating
        corpus = store.view(doc.document_id)
        assert corpus is not None  # validation resolved it
        result.documents.append((doc.document_id, report.path))
        result.counts.append((doc.document_id, count_document(doc)))
        result.units_per_split.update(split_of(unit_id(corpus.id, s.index)) for s in corpus.sections)
        result.guidelines_versions.add(doc.guidelines_version)
        for config in CONFIGS:
            encode = encoders[config.name]
            for split, row in config.rows(doc, corpus):
                rows.setdefault((config.name, split), []).append(encode(row))
    if result.issues:
        return result
    for config in CONFIGS:
        for split in SPLITS_OF[config.name]:
            if (config.name, split) in rows:  # a split with no rows gets no file
                part = staging / "parts" / f"{index:06d}" / config.name / f"{split}.parquet"
                part.parent.mkdir(parents=True, exist_ok=True)
                table = pa.Table.from_pylist(rows.pop((config.name, split)), schema=config.features.arrow_schema)
                pq.write_table(table, part, row_group_size=ROWS_PER_BATCH, compression=COMPRESSION)
                result.parts[(config.name, split)] = part
    return result


def _build_chunk_star(args: tuple[int, list[Path], Path, Path]) -> ChunkResult:
    return build_chunk(*args)


def build_chunks(files: list[Path], corpus_dir: Path, staging: Path, jobs: int) -> Iterator[ChunkResult]:
    """Chunk results in chunk order, computed in ``jobs`` processes."""
    tasks = [(i, files[start:start + CHUNK_DOCS], corpus_dir, staging)
             for i, start in enumerate(range(0, len(files), CHUNK_DOCS))]
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(_build_chunk_star, tasks)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from pool.map(_build_chunk_star, tasks)


def merge_parts(parts: list[Path], root: Path, config: str, split: str, schema: pa.Schema, max_bytes: int) -> list[Shard]:
    """Concatenate part files (in order) into size-bounded, content-addressed shards."""
    staged: list[tuple[Path, int, int]] = []  # (path, rows, arrow bytes)
    writer: pq.ParquetWriter | None = None
    rows = nbytes = 0
    folder = root / "data" / config
    folder.mkdir(parents=True, exist_ok=True)
    current = folder / f".{split}-{len(staged):05d}.partial"

    def batches() -> Iterator[pa.Table]:
        for part in parts:
            for batch in pq.ParquetFile(part).iter_batches(batch_size=ROWS_PER_BATCH):
                yield pa.Table.from_batches([batch], schema=schema)

    for table in batches():
        per_row = max(1, table.nbytes // max(1, table.num_rows))
        while table.num_rows:
            take = max(1, min(table.num_rows, (max_bytes - nbytes) // per_row))  # cut where the shard is full
            piece, table = table.slice(0, take), table.slice(take)
            if writer is None:
                current = folder / f".{split}-{len(staged):05d}.partial"
                writer = pq.ParquetWriter(current, schema, compression=COMPRESSION)
            writer.write_table(piece, row_group_size=ROWS_PER_BATCH)
            rows += piece.num_rows
            nbytes += piece.nbytes
            if nbytes >= max_bytes:
                writer.close()
                staged.append((current, rows, nbytes))
                writer, rows, nbytes = None, 0, 0
    if writer is not None:
        writer.close()
        staged.append((current, rows, nbytes))
    shards = []
    for i, (path, count, size) in enumerate(staged):
        digest = _sha256(path)
        final = path.with_name(f"{split}-{i:05d}-of-{len(staged):05d}-{digest[:12]}.parquet")
        path.rename(final)
        shards.append(Shard(final.relative_to(root).as_posix(), count, size, digest, final.stat().st_size))
    return shards


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def merge_all(results: Iterable[ChunkResult], root: Path, max_bytes: int) -> ExportResult:
    parts: dict[tuple[str, str], list[Path]] = {}
    for chunk in results:
        for key, path in chunk.parts.items():
            parts.setdefault(key, []).append(path)
    result = ExportResult(root)
    for config in CONFIGS:
        for split in SPLITS_OF[config.name]:
            if (config.name, split) in parts:
                result.shards.setdefault(config.name, {})[split] = merge_parts(
                    parts[(config.name, split)], root, config.name, split, config.features.arrow_schema, max_bytes)
    shutil.rmtree(root / "parts", ignore_errors=True)
    return result


def staged_export(out: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(staging)`` in a temporary folder beside ``out``, then move it into place atomically."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write(staging)
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging``; if the second rename fails, the old export is put back."""
    if not out.exists():
        staging.rename(out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        old.rename(out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def load_back(out: Path, cache_dir: Path) -> dict[str, dict[str, int]]:
    """Load every config and split with ``datasets.load_dataset`` (offline) and return their row counts."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    datasets.disable_progress_bars()
    sizes: dict[str, dict[str, int]] = {}
    for config in CONFIGS:
        if not (out / "data" / config.name).exists():
            continue
        loaded = datasets.load_dataset(str(out), config.name, cache_dir=str(cache_dir))
        sizes[config.name] = {split: loaded[split].num_rows for split in loaded}
    return sizes
