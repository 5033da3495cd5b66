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

Documents are processed in fixed-size chunks (``CHUNK_DOCS``), each validated and turned into Arrow
tables by :func:`~communique.annotate.load.map_validated` (in ``jobs`` processes). The tables are written in
chunk order into the final shards, so the output does not depend on the number of jobs. The export is
deterministic (byte-identical when nothing changed) and atomic: everything is written into a temporary
folder beside the target and moved into place at the end; a failure leaves the previous export as it was.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq

from communique.annotate.load import Validated, map_validated
from communique.corpus.splits import Splitter
from communique.corpus.store import CorpusStore
from communique.export.features import Row, make_encoder
from communique.export.rows import CONFIGS, SECTIONS, SPLITS_OF
from communique.io.folder import replace_folder
from communique.review.stats import count_document
from communique.schema.models import ANNOTATION_LAYERS, AnnotatedDocument

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
        return {
            config: {split: sum(s.num_examples for s in shards) for split, shards in splits.items()}
            for config, splits in self.shards.items()
        }


@dataclass
class ChunkResult:
    """What one chunk of valid documents produced: facts for the card, and one Arrow table per config/split."""

    counts: list[tuple[str, dict[str, dict[str, int]]]] = field(default_factory=list)
    units_per_split: Counter[str] = field(default_factory=Counter)
    guidelines_versions: set[str] = field(default_factory=set)
    metadata: list[tuple[dict[str, object], list[str]]] = field(default_factory=list)  # per document, for the card
    drafts: list[tuple[str, int]] = field(default_factory=list)  # (file, items marked review: draft), if any
    tables: dict[tuple[str, str], pa.Table] = field(default_factory=dict)


Encoders = dict[str, Callable[[Row], Row]]


@dataclass(frozen=True)
class ChunkContext:
    """What every worker needs: the row encoder of every config, and the split policy in force."""

    encoders: Encoders
    splitter: Splitter


def make_context(splitter: Splitter, store: CorpusStore) -> ChunkContext:
    """The worker context; made once per worker."""
    return ChunkContext({c.name: make_encoder(c.features) for c in CONFIGS}, splitter)


def count_drafts(document: AnnotatedDocument) -> int:
    """How many items of ``document`` are still marked ``review: draft``."""
    return sum(1 for layer in ANNOTATION_LAYERS for item in getattr(document, layer) if item.review == "draft")


def build_chunk(context: ChunkContext, valid: Iterator[Validated]) -> ChunkResult:
    """Turn the rows of a chunk of valid documents into one Arrow table per config/split."""
    result = ChunkResult()
    rows: dict[tuple[str, str], list[Row]] = {}
    for item in valid:
        doc, corpus = item.document, item.corpus
        drafts = count_drafts(doc)
        if drafts:
            result.drafts.append((item.path, drafts))
        result.counts.append((doc.document_id, count_document(doc)))
        result.units_per_split.update(context.splitter.split_of(u) for u in context.splitter.units(corpus))
        result.guidelines_versions.add(doc.guidelines_version)
        result.metadata.append((dict(corpus.metadata), list(doc.annotators)))
        for config in CONFIGS:
            encode = context.encoders[config.name]
            for split, row in config.rows(doc, corpus, context.splitter):
                rows.setdefault((config.name, split), []).append(encode(row))
    for config in CONFIGS:
        for split in SPLITS_OF[config.name]:
            if (config.name, split) in rows:  # a split with no rows gets no file
                result.tables[(config.name, split)] = pa.Table.from_pylist(
                    rows.pop((config.name, split)), schema=config.features.arrow_schema
                )
    return result


def build_chunks(
    files: list[Path], corpus_dir: Path, jobs: int, splitter: Splitter = SECTIONS
) -> Iterator[ChunkResult]:
    """Validate the annotation files and build their chunks, in chunk order, in ``jobs`` processes.

    Raises :class:`~communique.schema.errors.CommuniqueError` with every problem (after the last file);
    no chunk is yielded once a problem has been found.
    """
    setup = partial(make_context, splitter)
    return map_validated(files, Path(corpus_dir), build_chunk, setup=setup, jobs=jobs, batch=CHUNK_DOCS)


class ShardWriter:
    """Streams the tables of one config and split into size-bounded, content-addressed shards."""

    def __init__(self, root: Path, config: str, split: str, schema: pa.Schema, max_bytes: int):
        self.folder = root / "data" / config
        self.root, self.split, self.schema, self.max_bytes = root, split, schema, max_bytes
        self.staged: list[tuple[Path, int, int]] = []  # (path, rows, arrow bytes)
        self.writer: pq.ParquetWriter | None = None
        self.rows = self.bytes = 0

    def add(self, table: pa.Table) -> None:
        for batch in table.to_batches(max_chunksize=ROWS_PER_BATCH):
            piece_source = pa.Table.from_batches([batch], schema=self.schema)
            per_row = max(1, piece_source.nbytes // max(1, piece_source.num_rows))
            while piece_source.num_rows:
                take = max(1, min(piece_source.num_rows, (self.max_bytes - self.bytes) // per_row))  # fill the shard
                piece, piece_source = piece_source.slice(0, take), piece_source.slice(take)
                if self.writer is None:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self.current = self.folder / f".{self.split}-{len(self.staged):05d}.partial"
                    self.writer = pq.ParquetWriter(self.current, self.schema, compression=COMPRESSION)
                self.writer.write_table(piece, row_group_size=ROWS_PER_BATCH)
                self.rows += piece.num_rows
                self.bytes += piece.nbytes
                if self.bytes >= self.max_bytes:
                    self._close_shard()

    def _close_shard(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.staged.append((self.current, self.rows, self.bytes))
            self.writer, self.rows, self.bytes = None, 0, 0

    def close(self) -> list[Shard]:
        """Finish the last shard and give every shard its final name (index, count, content hash)."""
        self._close_shard()
        shards = []
        for i, (path, count, size) in enumerate(self.staged):
            digest = _sha256(path)
            final = path.with_name(f"{self.split}-{i:05d}-of-{len(self.staged):05d}-{digest[:12]}.parquet")
            path.rename(final)
            shards.append(Shard(final.relative_to(self.root).as_posix(), count, size, digest, final.stat().st_size))
        return shards


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Shards:
    """One :class:`ShardWriter` per config and split, fed chunk by chunk, in chunk order."""

    def __init__(self, root: Path, max_bytes: int):
        self.root, self.max_bytes = root, max_bytes
        self.writers: dict[tuple[str, str], ShardWriter] = {}
        self.schemas = {c.name: c.features.arrow_schema for c in CONFIGS}

    def add(self, chunk: ChunkResult) -> None:
        for (config, split), table in chunk.tables.items():
            if (config, split) not in self.writers:
                self.writers[(config, split)] = ShardWriter(
                    self.root, config, split, self.schemas[config], self.max_bytes
                )
            self.writers[(config, split)].add(table)
        chunk.tables.clear()  # written: do not keep them

    def close(self) -> ExportResult:
        result = ExportResult(self.root)
        for config in CONFIGS:
            for split in SPLITS_OF[config.name]:
                if (config.name, split) in self.writers:
                    result.shards.setdefault(config.name, {})[split] = self.writers[(config.name, split)].close()
        return result


def staged_export(out: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(staging)`` in a temporary folder beside ``out``, then swap it into place atomically."""
    replace_folder(out, write, kind="hf")


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
