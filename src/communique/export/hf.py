"""``communique export hf``: a folder that ``datasets.load_dataset`` reads offline.

Layout::

    README.md                      dataset card: YAML front matter (configs with exact file lists,
                                   dataset_info with features and split sizes) and prose
    croissant.json                 MLCommons Croissant metadata with sha256 of every file
    data/<config>/<split>-00000-of-00001-<sha256[:12]>.parquet

Parquet files carry their features in their own metadata (the ``huggingface`` key, as
``Dataset.to_parquet`` writes it), so they also load with ``data_files=``. Each shard name carries a hash
of its content: a changed export never hits a stale ``load_dataset`` cache (datasets#6465). Shards are cut
by size. The export is deterministic (byte-identical when nothing changed) and atomic: everything is
written into a temporary folder beside the target and moved into place at the end; a failure leaves the
previous export as it was.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from ..models import AnnotatedDocument, CorpusDocument
from .rows import CONFIGS, SPLITS_OF, Config

DEFAULT_MAX_SHARD_BYTES = 256 * 1024 * 1024  # of Arrow data, before compression
ROWS_PER_BATCH = 1000  # rows buffered before a row group is written; fixed so output is deterministic


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


class _SplitWriter:
    """Streams rows of one config and split into size-bounded parquet shards."""

    def __init__(self, root: Path, config: Config, split: str, max_bytes: int):
        self.root, self.config, self.split, self.max_bytes = root, config, split, max_bytes
        self.schema = config.features.arrow_schema
        self.buffer: list[dict[str, Any]] = []
        self.finished: list[tuple[Path, int, int]] = []  # (temp path, rows, arrow bytes)
        self.writer: pq.ParquetWriter | None = None
        self.rows = self.bytes = 0

    def add(self, row: dict[str, Any]) -> None:
        self.buffer.append(self.config.features.encode_example(row))
        if len(self.buffer) >= ROWS_PER_BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self.buffer:
            return
        table = pa.Table.from_pylist(self.buffer, schema=self.schema)
        self.buffer = []
        per_row = max(1, table.nbytes // max(1, table.num_rows))
        while table.num_rows:
            # cut the batch where the current shard reaches its size limit
            take = max(1, min(table.num_rows, (self.max_bytes - self.bytes) // per_row))
            part, table = table.slice(0, take), table.slice(take)
            if self.writer is None:
                self.path = self.root / "data" / self.config.name / f".{self.split}-{len(self.finished):05d}.partial"
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
            self.writer.write_table(part, row_group_size=ROWS_PER_BATCH)
            self.rows += part.num_rows
            self.bytes += part.nbytes
            if self.bytes >= self.max_bytes:
                self._close_shard()

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.finished.append((self.path, self.rows, self.bytes))
            self.writer, self.rows, self.bytes = None, 0, 0

    def close(self) -> list[Shard]:
        """Finish writing; give each shard its final, content-addressed name."""
        self._flush()
        self._close_shard()
        shards = []
        total = len(self.finished)
        for i, (path, rows, nbytes) in enumerate(self.finished):
            digest = _sha256(path)
            final = path.with_name(f"{self.split}-{i:05d}-of-{total:05d}-{digest[:12]}.parquet")
            path.rename(final)
            shards.append(Shard(final.relative_to(self.root).as_posix(), rows, nbytes, digest, final.stat().st_size))
        return shards


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_export(pairs: Iterable[tuple[AnnotatedDocument, CorpusDocument]], out: Path, *,
                 card: Any, max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES) -> ExportResult:
    """Write every config for the validated documents, then the card and Croissant file, atomically.

    ``card(result, root) -> dict[str, str]`` returns the extra files (name -> text) to write beside the
    data once the shards are known (the dataset card and Croissant metadata need their sizes and hashes).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        writers: dict[tuple[str, str], _SplitWriter] = {}
        for doc, corpus in pairs:
            for config in CONFIGS:
                for split, row in config.rows(doc, corpus):
                    key = (config.name, split)
                    if key not in writers:  # created on first row: a split with no rows gets no file
                        writers[key] = _SplitWriter(staging, config, split, max_shard_bytes)
                    writers[key].add(row)
        result = ExportResult(out)
        for config in CONFIGS:
            for split in SPLITS_OF[config.name]:
                if (config.name, split) in writers:
                    result.shards.setdefault(config.name, {})[split] = writers[(config.name, split)].close()
        for name, text in card(result, staging).items():
            (staging / name).write_text(text, encoding="utf-8")
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return result


def _swap_into_place(staging: Path, out: Path) -> None:
    """Replace ``out`` with ``staging``; if the second rename fails, the old export is put back."""
    os.chmod(staging, 0o755)  # mkdtemp makes 0700 folders
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
