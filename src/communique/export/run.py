"""Entry points of the exports: validate while streaming, refuse invalid input, write atomically."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..agreement import compare, format_agreement
from ..api import load_annotations
from ..errors import CommuniqueError, Issue, issue
from ..models import AnnotatedDocument, CorpusDocument
from ..splits import split_of, unit_id
from ..stats import compute_stats, count_document
from ..validate import CorpusStore, validate_paths
from .card import CardFacts, card_files
from .hf import DEFAULT_MAX_SHARD_BYTES, ExportResult, write_export


MAX_DOCUMENT_COLUMNS = 5


def iter_valid(annotations: Path, corpus_dir: Path) -> Iterator[tuple[AnnotatedDocument, CorpusDocument]]:
    """Validated documents with their corpus documents, one at a time.

    Every file is validated; if any has errors, nothing more is yielded and, at the end, a
    :class:`CommuniqueError` lists every problem in every file (so an export in progress is abandoned).
    """
    store = CorpusStore(corpus_dir)
    problems: list[Issue] = []
    seen: dict[str, str] = {}
    for report in validate_paths([annotations], corpus_dir):
        problems.extend(report.errors)
        doc = report.document
        if doc is None:
            continue
        if doc.document_id in seen:
            problems.append(issue("duplicate-document", f"{doc.document_id!r} is also annotated in {seen[doc.document_id]}",
                                  file=report.path, path="$.document_id"))
            continue
        seen[doc.document_id] = report.path
        if not problems:
            corpus = store.get(doc.document_id)
            assert corpus is not None  # validation found it
            yield doc, corpus
    if problems:
        raise CommuniqueError(problems)
    if not seen:
        raise CommuniqueError([issue("file-not-found", "no annotation files to export", file=str(annotations))])


def agreement_markdown(passes: Path | None, corpus_dir: Path) -> str | None:
    """Agreement tables of the first two pass folders under ``passes``, per document they share."""
    if passes is None or not passes.is_dir():
        return None
    folders = sorted(p for p in passes.iterdir() if p.is_dir())[:2]
    if len(folders) < 2:
        return None
    a = {d.document_id: d for d in load_annotations(folders[0], corpus_dir)}
    b = {d.document_id: d for d in load_annotations(folders[1], corpus_dir)}
    parts = [f"Agreement of pass `{folders[1].name}` with pass `{folders[0].name}` on `{doc_id}`:\n\n"
             + format_agreement(compare(a[doc_id], b[doc_id]), "markdown")
             for doc_id in sorted(a.keys() & b.keys())]
    return "\n\n".join(parts) or None


def export_hf(annotations: Path, corpus_dir: Path, out: Path, *, passes: Path | None = None,
              max_shard_bytes: int = DEFAULT_MAX_SHARD_BYTES) -> ExportResult:
    """Validate and export the gold under ``annotations`` to ``out`` (see :mod:`communique.export.hf`)."""
    facts = CardFacts(stats=compute_stats([]), agreement_markdown=agreement_markdown(passes, corpus_dir))

    def counted() -> Iterator[tuple[AnnotatedDocument, CorpusDocument]]:
        for doc, corpus in iter_valid(annotations, corpus_dir):
            counts = count_document(doc)
            if facts.documents < MAX_DOCUMENT_COLUMNS:  # the card shows per-document columns for small corpora
                facts.stats["documents"][doc.document_id] = counts
            for layer, values in counts.items():
                for label, n in values.items():
                    facts.stats["total"][layer][label] += n
            facts.units_per_split.update(split_of(unit_id(corpus.id, s.index)) for s in corpus.sections)
            facts.guidelines_versions.add(doc.guidelines_version)
            facts.documents += 1
            yield doc, corpus

    return write_export(counted(), out, card=card_files(facts), max_shard_bytes=max_shard_bytes)
