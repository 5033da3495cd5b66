"""Entry points of the exports: validate while streaming, refuse invalid input, write atomically.

Items still marked ``review: draft`` are exported, but never without a word: :class:`Drafts` collects one
``review-draft`` warning per file (with the count), and with ``strict`` (``export ... --strict``, as
``validate --strict``) the export is refused and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from communique.annotate.load import iter_validated
from communique.annotate.stats import compute_stats
from communique.annotate.validate import find_annotation_files
from communique.compare.agreement import compare, format_agreement
from communique.corpus.splits import Splitter
from communique.corpus.store import CorpusView
from communique.export.card import CardFacts, markdown_code, render_card, render_croissant
from communique.export.hf import (
    DEFAULT_MAX_SHARD_BYTES,
    ExportResult,
    Shards,
    build_chunks,
    count_drafts,
    staged_export,
)
from communique.io.parallel import SERIAL, Workers
from communique.io.project import Dataset, SplitPolicy
from communique.io.write import write_atomic
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import AnnotatedDocument

MAX_DOCUMENT_COLUMNS = 5  # the card shows per-document statistics only for small corpora


@dataclass
class Drafts:
    """The exported files still holding ``review: draft`` items: one warning per file, and under ``strict``
    a refusal (raised by :meth:`check` before the export is put in place)."""

    strict: bool = False
    issues: list[Issue] = field(default_factory=list)

    def see(self, path: str, count: int) -> None:
        """Note that the file ``path`` holds ``count`` draft items (nothing when there are none)."""
        if count:
            self.issues.append(
                issue(
                    "review-draft",
                    f"{count} item(s) still marked `review: draft` (made by an extractor, not yet checked) "
                    + ("would be exported" if self.strict else "are exported"),
                    file=path,
                    hint="check them, remove `review: draft`, and export again; `--strict` refuses drafts",
                )
            )

    def check(self) -> None:
        """Under ``strict``, refuse the export when any file holds drafts."""
        if self.strict and self.issues:
            raise CommuniqueError(self.issues)


def iter_valid(
    annotations: Path, corpus_dir: Path, drafts: Drafts | None = None
) -> Iterator[tuple[AnnotatedDocument, CorpusView]]:
    """Validated documents with (a fast view of) their corpus documents, one at a time.

    Every file is validated; if any has errors, nothing more is yielded and, at the end, a
    :class:`CommuniqueError` lists every problem in every file (so an export in progress is abandoned).
    Items marked ``review: draft`` are counted in ``drafts``, which raises at the end under ``strict``.
    """
    if not any(find_annotation_files([annotations])):
        raise CommuniqueError([issue("file-not-found", "no annotation files to export", file=str(annotations))])
    for valid in iter_validated([annotations], corpus_dir):
        if drafts is not None:
            drafts.see(valid.path, count_drafts(valid.document))
        yield valid.document, valid.corpus
    if drafts is not None:
        drafts.check()


def pass_folders(passes: Path | None) -> list[Path]:
    """The first two pass folders under ``passes`` (each one annotation pass), if there are two."""
    if passes is None or not passes.is_dir():
        return []
    folders = sorted(p for p in passes.iterdir() if p.is_dir())[:2]
    return folders if len(folders) == 2 else []


def agreement_markdown(passes: Path | None, corpus_dir: Path) -> str | None:
    """Agreement tables of the first two pass folders under ``passes``, per document they share."""
    if passes is None or not passes.is_dir():
        return None
    folders = pass_folders(passes)
    if not folders:
        return None
    a = {v.document.document_id: v.document for v in iter_validated([folders[0]], corpus_dir)}
    b = {v.document.document_id: v.document for v in iter_validated([folders[1]], corpus_dir)}
    parts = [
        f"Agreement of pass {markdown_code(folders[1].name)} with pass {markdown_code(folders[0].name)} "
        f"on {markdown_code(doc_id)}:\n\n" + format_agreement(compare(a[doc_id], b[doc_id]), "markdown")
        for doc_id in sorted(a.keys() & b.keys())
    ]
    return "\n\n".join(parts) or None


def export_hf(
    annotations: Path,
    corpus_dir: Path,
    out: Path,
    *,
    passes: Path | None = None,
    max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES,
    workers: Workers = SERIAL,
    dataset: Dataset | None = None,
    splits: SplitPolicy | None = None,
    drafts: Drafts | None = None,
) -> ExportResult:
    """Validate and export the gold under ``annotations`` to ``out`` (see :mod:`communique.export.hf`).

    Raises :class:`CommuniqueError` with every problem of every file, and writes nothing, when any file
    is invalid (or holds drafts, under ``drafts.strict``). Files holding drafts are noted in ``drafts``.
    """
    files = list(find_annotation_files([Path(annotations)]))
    if not files:
        raise CommuniqueError([issue("file-not-found", "no annotation files to export", file=str(annotations))])
    policy = splits or SplitPolicy()
    splitter = Splitter.of(policy, len(files))
    folders = pass_folders(passes)
    adjudication = passes.parent / "ADJUDICATION.md" if passes is not None else None
    facts = CardFacts(
        stats=compute_stats([]),
        dataset=dataset or Dataset(),
        splitter=splitter,
        agreement_markdown=agreement_markdown(passes, corpus_dir),
        passes=[f.name for f in folders],
        adjudication=adjudication.name if adjudication is not None and adjudication.is_file() else None,
    )
    holder: dict[str, ExportResult] = {}

    def write(staging: Path) -> None:
        shards = Shards(staging, max_shard_bytes)
        for chunk in build_chunks(files, Path(corpus_dir), workers, splitter):  # raises with every problem, if any
            for doc_id, counts in chunk.counts:
                if facts.documents < MAX_DOCUMENT_COLUMNS:
                    facts.stats["documents"][doc_id] = counts
                facts.documents += 1
                for layer, values in counts.items():
                    for label, n in values.items():
                        facts.stats["total"][layer][label] += n
            for metadata, annotators in chunk.metadata:
                facts.add_document(metadata, annotators)
            facts.units_per_split.update(chunk.units_per_split)
            facts.guidelines_versions |= chunk.guidelines_versions
            for path, count in chunk.drafts:
                if drafts is not None:
                    drafts.see(path, count)
            shards.add(chunk)  # written as it comes: memory holds a few chunks, not the corpus
        if drafts is not None:
            drafts.check()  # under --strict: raises, and the staging folder is dropped with nothing in place
        result = shards.close()
        write_atomic(staging / "README.md", render_card(result, facts))
        write_atomic(staging / "croissant.json", render_croissant(result, facts))
        holder["result"] = result

    staged_export(Path(out), write)
    result = holder["result"]
    result.out = Path(out)
    return result
