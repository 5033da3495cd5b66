"""textacy: ``direct_quotations`` run on each parsed doc of a spaCy ``DocBin`` (``communique convert --from
textacy``), and :func:`quotations_line` for triples you already have.

Vocabulary: textacy's (speaker, cue, content) triple. The content becomes a direct attribution
(``kind: direct``), the cue its cue, the speaker a mention and the attribution's speaker; the doc's entities
are read through the flat-label table (:data:`communique.formats.builder.LABELS`), as for spaCy. The DocBin
is read as :mod:`communique.formats.spacy` reads it, with its caps; it needs a dependency parse.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    Target,
    bad_input,
    finish_document,
    need_library,
    role_of,
)
from communique.formats.spacy import docbin_docs, target_of_doc, unreadable_doc
from communique.schema.errors import issue
from communique.schema.predictions import PredictedDocument

if TYPE_CHECKING:  # optional libraries (the `convert` extra)
    from spacy.tokens import Doc
    from textacy.extract.triples import DQTriple

__all__ = ["ANNOTATOR", "convert_textacy", "quotations_line"]

#: who the predictions are said to come from
ANNOTATOR = "textacy direct_quotations"


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive token indices as [first, last] runs."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _quotations(doc: Doc, target: Target, triples: Iterable[DQTriple], where: str = "-") -> DocumentBuilder:
    """A builder holding ``doc``'s entities as mentions and the ``triples`` as direct attributions."""
    builder = DocumentBuilder(target, doc.text, ANNOTATOR, where=where)
    builder.add_labelled([(e.start_char, e.end_char, e.label_, None) for e in doc.ents if role_of(e.label_)])
    for triple in triples:
        speaker = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.speaker)]
        for start, end in speaker:  # the speaker is a mention too, so that it can be scored
            builder.add_mention(start, end)
        cues = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.cue)]
        content = triple.content
        builder.add_attribution(
            [(content.start_char, content.end_char)],
            cues=cues,
            speaker=speaker[0] if speaker else None,
            kind="direct",
        )
    return builder


def quotations_line(doc: Doc, target: Target, triples: Iterable[DQTriple] | None = None) -> PredictedDocument:
    """One prediction from a parsed spaCy ``doc``: its entities as mentions and textacy's direct quotations
    (``triples``; by default ``textacy.extract.triples.direct_quotations(doc)``) as attributions."""
    if triples is None:
        triples = need_library("textacy.extract.triples").direct_quotations(doc)
    return _quotations(doc, target, triples).build()


def convert_textacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    triples = need_library("textacy.extract.triples")
    where = str(path)
    for number, doc in docbin_docs(path):
        if not doc.has_annotation("DEP"):
            raise bad_input(
                where,
                f"doc {number} has no dependency parse; textacy's direct_quotations needs one",
                hint="save the DocBin from a pipeline with a parser (attrs including DEP, POS, TAG)",
            )
        try:
            target = target_of_doc(doc, index, where, number, out)
        except Exception as exc:  # a tampered DocBin, as in convert_spacy
            out.issues.append(unreadable_doc(where, number, exc))
            continue
        if target is None:
            continue
        try:
            found = list(triples.direct_quotations(doc))
        except ValueError as exc:  # e.g. an odd number of quotation marks: textacy bails out on the document
            out.issues.append(
                issue("convert-library-failed", f"textacy on doc {number} ({target.id!r}): {exc}", file=where)
            )
            found = []
        try:
            builder = _quotations(doc, target, found, where)
        except Exception as exc:  # labels whose strings the (tampered) store lacks, and the like
            out.issues.append(unreadable_doc(where, number, exc))
            continue
        finish_document(out, builder, f"doc {number}")
