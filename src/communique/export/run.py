"""Entry points of the exports: validate while streaming, refuse invalid input, write atomically."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from communique.annotate.validate import find_annotation_files, validate_file
from communique.corpus.store import CorpusStore
from communique.export.card import CardFacts, markdown_code, render_card, render_croissant
from communique.export.hf import DEFAULT_MAX_SHARD_BYTES, ExportResult, Shards, build_chunks, staged_export
from communique.io.write import write_atomic
from communique.review.agreement import compare, format_agreement
from communique.review.stats import compute_stats
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import AnnotatedDocument

MAX_DOCUMENT_COLUMNS = 5  # the card shows per-document statistics only for small corpora


def _duplicate(doc_id: str, first: str, again: str) -> Issue:
    return issue("duplicate-document", f"{doc_id!r} is also annotated in {first}", file=again, path="$.document_id")


def iter_valid(annotations: Path, corpus_dir: Path) -> Iterator[tuple[AnnotatedDocument, object]]:
    """Validated documents with (a fast view of) their corpus documents, one at a time.

    Every file is validated; if any has errors, nothing more is yielded and, at the end, a
    :class:`CommuniqueError` lists every problem in every file (so an export in progress is abandoned).
    """
    store = CorpusStore(corpus_dir)
    problems: list[Issue] = []
    seen: dict[str, str] = {}
    for path in find_annotation_files([annotations]):
        report = validate_file(path, store)
        problems.extend(report.errors)
        doc = report.document
        if doc is None:
            continue
        if doc.document_id in seen:
            problems.append(_duplicate(doc.document_id, seen[doc.document_id], report.path))
            continue
        seen[doc.document_id] = report.path
        if not problems:
            yield doc, store.view(doc.document_id)
    if problems:
        raise CommuniqueError(problems)
    if not seen:
        raise CommuniqueError([issue("file-not-found", "no annotation files to export", file=str(annotations))])


def _pass_documents(folder: Path, corpus_dir: Path) -> dict[str, AnnotatedDocument]:
    """One pass's validated documents by id (none for an empty folder); CommuniqueError lists every problem.
    Read with :func:`iter_valid` rather than the API, which sits above the exports."""
    if not any(find_annotation_files([folder])):
        return {}
    return {doc.document_id: doc for doc, _ in iter_valid(folder, corpus_dir)}


def agreement_markdown(passes: Path | None, corpus_dir: Path) -> str | None:
    """Agreement tables of the first two pass folders under ``passes``, per document they share."""
    if passes is None or not passes.is_dir():
        return None
    folders = sorted(p for p in passes.iterdir() if p.is_dir())[:2]
    if len(folders) < 2:
        return None
    a, b = _pass_documents(folders[0], corpus_dir), _pass_documents(folders[1], corpus_dir)
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
    jobs: int = 1,
) -> ExportResult:
    """Validate and export the gold under ``annotations`` to ``out`` (see :mod:`communique.export.hf`).

    Raises :class:`CommuniqueError` with every problem of every file, and writes nothing, when any file
    is invalid.
    """
    files = list(find_annotation_files([Path(annotations)]))
    if not files:
        raise CommuniqueError([issue("file-not-found", "no annotation files to export", file=str(annotations))])
    facts = CardFacts(stats=compute_stats([]), agreement_markdown=agreement_markdown(passes, corpus_dir))
    holder: dict[str, ExportResult] = {}

    def write(staging: Path) -> None:
        problems: list[Issue] = []
        seen: dict[str, str] = {}
        shards = Shards(staging, max_shard_bytes)
        for chunk in build_chunks(files, Path(corpus_dir), jobs):
            problems.extend(chunk.issues)
            for doc_id, path in chunk.documents:
                if doc_id in seen:
                    problems.append(_duplicate(doc_id, seen[doc_id], path))
                seen.setdefault(doc_id, path)
            for doc_id, counts in chunk.counts:
                if facts.documents < MAX_DOCUMENT_COLUMNS:
                    facts.stats["documents"][doc_id] = counts
                facts.documents += 1
                for layer, values in counts.items():
                    for label, n in values.items():
                        facts.stats["total"][layer][label] += n
            facts.units_per_split.update(chunk.units_per_split)
            facts.guidelines_versions |= chunk.guidelines_versions
            if not problems:
                shards.add(chunk)  # written as it comes: memory holds one chunk, not the corpus
        if problems:
            raise CommuniqueError(problems)
        result = shards.close()
        write_atomic(staging / "README.md", render_card(result, facts))
        write_atomic(staging / "croissant.json", render_croissant(result, facts))
        holder["result"] = result

    staged_export(Path(out), write)
    result = holder["result"]
    result.out = Path(out)
    return result
