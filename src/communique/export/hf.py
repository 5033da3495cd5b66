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
tables by :func:`~communique.annotate.load.map_validated` (by the given workers). The tables are written in
chunk order into the final shards, so the output does not depend on the number of workers. The export is
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
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from communique.annotate.load import Validated, map_validated
from communique.annotate.stats import count_document
from communique.corpus.splits import Splitter
from communique.corpus.store import CorpusStore
from communique.export.features import Encoder, column_encoders
from communique.export.rows import CONFIGS, SECTIONS, SPLITS_OF, Config, DocumentRows, Values, sentence_tokens
from communique.io.folder import replace_folder
from communique.io.parallel import Workers
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


Encoders = dict[str, list[Encoder | None]]


@dataclass(frozen=True)
class ChunkContext:
    """What every worker needs: the label encoders of every config's columns, and the split policy in force."""

    encoders: Encoders
    splitter: Splitter


def make_context(splitter: Splitter, store: CorpusStore) -> ChunkContext:
    """The worker context; made once per worker."""
    return ChunkContext({c.name: column_encoders(c.features) for c in CONFIGS}, splitter)


def _table(config: Config, rows: list[Values], encoders: list[Encoder | None]) -> pa.Table:
    """The Arrow table of rows of one config: built column by column (labels encoded per column), which is
    what ``pa.Table.from_pylist`` does with rows as dicts, without the dicts."""
    columns = [
        list(values) if encode is None else list(map(encode, values))
        for values, encode in zip(zip(*rows, strict=True), encoders, strict=True)
    ]
    return pa.Table.from_arrays(columns, schema=config.features.arrow_schema)


class _TokenColumns:
    """The ``tokens`` config's columns of one split, kept flat: the values of every row's lists in one list
    each (built from :func:`~communique.export.rows.sentence_tokens`, without making a row or a list per row)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.document_ids: list[str] = []
        self.units: list[str] = []
        self.contexts: list[str] = []
        self.context_starts: list[int] = []
        self.sizes: list[int] = []  # tokens per row
        self.texts: list[str] = []
        self.starts: list[int] = []  # in document offsets: made relative to the context when the table is built
        self.ends: list[int] = []
        self.tags: list[int] = []

    def table(self, schema: pa.Schema) -> pa.Table:
        offsets = pa.array(np.concatenate([[0], np.cumsum(self.sizes, dtype=np.int64)]).astype(np.int32))
        bases = np.repeat(np.asarray(self.context_starts, dtype=np.int64), self.sizes)

        def listed(name: str, values: pa.Array) -> pa.Array:
            return pa.ListArray.from_arrays(offsets, values, type=schema.field(name).type)

        relative = {
            name: listed(name, pa.array(np.asarray(values, dtype=np.int64) - bases))
            for name, values in (("starts", self.starts), ("ends", self.ends))
        }
        columns = {
            "id": self.ids,
            "document_id": self.document_ids,
            "unit": self.units,
            "context": self.contexts,
            "context_start": self.context_starts,
            "tokens": listed("tokens", pa.array(self.texts, type=pa.string())),
            **relative,
            "ner_tags": listed("ner_tags", pa.array(self.tags, type=pa.int64())),
        }
        return pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)


def _add_tokens(document: DocumentRows, columns: dict[str, _TokenColumns]) -> None:
    """The ``tokens`` rows of one document, appended to the columns of their splits. Consecutive sentences of
    one split whose tokens follow each other are appended as one run."""
    tokens = sentence_tokens(document)
    text = document.text
    run: tuple[_TokenColumns, int, int] | None = None  # (columns, first token, end)

    def flush() -> None:
        if run is not None:
            into, lo, hi = run
            into.texts.extend(tokens.texts(text, lo, hi))
            into.starts.extend(tokens.token_starts[lo:hi])
            into.ends.extend(tokens.token_ends[lo:hi])
            into.tags.extend(tokens.tags[lo:hi])

    for index, (lo, hi) in enumerate(tokens.bounds):
        base = tokens.sentence_starts[index]
        unit, split = document.place(base)
        into = columns.get(split)
        if into is None:
            into = columns[split] = _TokenColumns()
        into.ids.append(f"s{index}")
        into.document_ids.append(document.document_id)
        into.units.append(unit)
        into.contexts.append(text[base : tokens.sentence_ends[index]])
        into.context_starts.append(base)
        into.sizes.append(hi - lo)
        if run is not None and run[0] is into and run[2] == lo:
            run = (into, run[1], hi)
        else:
            flush()
            run = (into, lo, hi)
    flush()


def count_drafts(document: AnnotatedDocument) -> int:
    """How many items of ``document`` are still marked ``review: draft``."""
    return sum(1 for layer in ANNOTATION_LAYERS for item in getattr(document, layer) if item.review == "draft")


def build_chunk(context: ChunkContext, valid: Iterator[Validated]) -> ChunkResult:
    """Turn the rows of a chunk of valid documents into one Arrow table per config/split."""
    result = ChunkResult()
    rows: dict[tuple[str, str], list[Values]] = {}
    tokens: dict[str, _TokenColumns] = {}
    for item in valid:
        doc, corpus = item.document, item.corpus
        drafts = count_drafts(doc)
        if drafts:
            result.drafts.append((item.path, drafts))
        result.counts.append((doc.document_id, count_document(doc)))
        result.units_per_split.update(context.splitter.split_of(u) for u in context.splitter.units(corpus))
        result.guidelines_versions.add(doc.guidelines_version)
        result.metadata.append((dict(corpus.metadata), list(doc.annotators)))
        document = DocumentRows(doc, corpus, context.splitter)
        for config in CONFIGS:
            if config.name == "tokens":
                _add_tokens(document, tokens)
                continue
            for split, values in config.values(document):
                rows.setdefault((config.name, split), []).append(values)
    for config in CONFIGS:
        for split in SPLITS_OF[config.name]:  # a split with no rows gets no file (a config with none: one)
            if config.name == "tokens" and split in tokens:
                result.tables[(config.name, split)] = tokens.pop(split).table(config.features.arrow_schema)
            elif (config.name, split) in rows:
                result.tables[(config.name, split)] = _table(
                    config, rows.pop((config.name, split)), context.encoders[config.name]
                )
    return result


def build_chunks(
    files: list[Path], corpus_dir: Path, workers: Workers, splitter: Splitter = SECTIONS
) -> Iterator[ChunkResult]:
    """Validate the annotation files and build their chunks, in chunk order, by ``workers``.

    Raises :class:`~communique.schema.errors.CommuniqueError` with every problem (after the last file);
    no chunk is yielded once a problem has been found.
    """
    setup = partial(make_context, splitter)
    return map_validated(files, Path(corpus_dir), build_chunk, setup=setup, workers=workers, batch=CHUNK_DOCS)


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

    def empty(self) -> None:
        """Write one shard of no rows (typed: the schema carries the features), so that the split loads. It
        holds no row group: ``datasets`` reads its batch size from the first one, and an empty one breaks it."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.current = self.folder / f".{self.split}-{len(self.staged):05d}.partial"
        self.writer = pq.ParquetWriter(self.current, self.schema, compression=COMPRESSION)
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
        """Finish every shard. A config with no row at all (a layer this corpus does not use) still gets one
        typed shard of no rows in its first split: its features travel with the export, and code that reads
        the config's files works on every corpus (``datasets.load_dataset`` cannot load a split of no rows,
        so the card does not declare it: see :func:`load_back`)."""
        result = ExportResult(self.root)
        for config in CONFIGS:
            splits = SPLITS_OF[config.name]
            if not any((config.name, split) in self.writers for split in splits):
                writer = ShardWriter(self.root, config.name, splits[0], self.schemas[config.name], self.max_bytes)
                writer.empty()
                self.writers[(config.name, splits[0])] = writer
            for split in splits:
                if (config.name, split) in self.writers:
                    result.shards.setdefault(config.name, {})[split] = self.writers[(config.name, split)].close()
        return result


def staged_export(out: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(staging)`` in a temporary folder beside ``out``, then swap it into place atomically."""
    replace_folder(out, write, kind="hf")


def load_back(out: Path, cache_dir: Path) -> dict[str, dict[str, int]]:
    """Load every config the card declares with ``datasets.load_dataset`` (offline), read the typed empty file
    of every config with no rows, and return their row counts."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    datasets.disable_progress_bars()
    sizes: dict[str, dict[str, int]] = {}
    declared = set(datasets.get_dataset_config_names(str(out)))
    for config in CONFIGS:
        folder = out / "data" / config.name
        if config.name in declared:
            loaded = datasets.load_dataset(str(out), config.name, cache_dir=str(cache_dir))
            sizes[config.name] = {split: loaded[split].num_rows for split in loaded}
        elif folder.exists():  # a config with no rows: its typed empty file, read as the card says
            for path in sorted(folder.glob("*.parquet")):
                split = path.name.split("-", 1)[0]
                sizes.setdefault(config.name, {})[split] = empty_config(path).num_rows
    return sizes


def empty_config(path: Path) -> datasets.Dataset:
    """The typed ``datasets.Dataset`` of a shard, with the config's features (from the file's own metadata):
    how a config with no rows is read, since ``load_dataset`` cannot build a split of no rows."""
    return datasets.Dataset(pq.read_table(path))
