"""textacy: ``direct_quotations`` run on each parsed doc of a spaCy ``DocBin`` (``communique convert --from
textacy``), and :func:`quotations_line` for triples you already have.

Vocabulary: textacy's (speaker, cue, content) triple. The content becomes a direct attribution
(``kind: direct``), the cue its cue, and the speaker its ``speaker_span``: the bench resolves it against the
gold mentions, so a speaker written as *he* or *the minister* is credited to whoever it refers to, and no
official is invented for it. The speaker is also a mention, with its form from the parse (``name`` for a
proper noun, ``pronoun``, else ``nominal``); a pronoun or a nominal speaker is an official of its own
(never every *he* of a document merged into one person). The doc's entities are read through the
flat-label table (:data:`communique.formats.builder.LABELS`), as for spaCy, and the labels with no place
are counted in a ``convert-label-skipped`` warning.

textacy refuses a document with an odd number of quotation marks (news quotations that run across
paragraphs open each paragraph and close only the last). Such a document is read paragraph by paragraph,
with a ``convert-per-paragraph`` warning that says which paragraphs textacy still refused. The DocBin is
read as :mod:`communique.formats.spacy` reads it, with its caps; it needs a dependency parse.
"""

from __future__ import annotations

import re
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
)
from communique.formats.spacy import docbin_docs, target_of_doc, unreadable_doc
from communique.schema.errors import issue
from communique.schema.predictions import PredictedDocument

if TYPE_CHECKING:  # optional libraries (the `convert` extra)
    from spacy.tokens import Doc, Token
    from textacy.extract.triples import DQTriple

__all__ = ["ANNOTATOR", "convert_textacy", "quotations", "quotations_line", "speaker_form"]

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


#: paragraphs: text between blank lines
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\s*\n\s*\n|\s*$)", re.DOTALL)


def speaker_form(tokens: Iterable[Token]) -> str:
    """A speaker's mention form from its parse: ``name`` if it holds a proper noun, ``pronoun`` if it is
    one, else ``nominal`` (*the minister*)."""
    tags = [t.pos_ for t in tokens]
    if "PROPN" in tags:
        return "name"
    return "pronoun" if tags and all(t == "PRON" for t in tags) else "nominal"


def _quotations(doc: Doc, target: Target, triples: Iterable[Quotation], where: str = "-") -> DocumentBuilder:
    """A builder holding ``doc``'s entities as mentions and the quotations as direct attributions."""
    builder = DocumentBuilder(target, doc.text, ANNOTATOR, where=where)
    builder.skipped += builder.add_labelled([(e.start_char, e.end_char, e.label_, None) for e in doc.ents])
    for speaker, form, cues, content in triples:
        for start, end in speaker[:1]:  # the speaker is a mention too, so that it can be scored
            # a name joins the official its words name; a pronoun or a nominal is an official of its own
            key = None if form == "name" else f"speaker@{start}"
            builder.add_mention(start, end, official=key, form=form)
        builder.add_attribution(
            [content], cues=cues, speaker=speaker[0] if speaker else None, kind="direct", by_span=True
        )
    return builder


#: one quotation in character offsets: speaker runs, the speaker's form, cue runs, content
Quotation = tuple[list[tuple[int, int]], str, list[tuple[int, int]], tuple[int, int]]


def _offsets(triple: DQTriple, shift: int = 0) -> Quotation:
    """A textacy triple in character offsets of the whole text (``shift``: where its doc starts)."""
    doc = triple.content.doc
    speaker = [(doc[a].idx + shift, doc[b].idx + len(doc[b]) + shift) for a, b in _runs(t.i for t in triple.speaker)]
    cues = [(doc[a].idx + shift, doc[b].idx + len(doc[b]) + shift) for a, b in _runs(t.i for t in triple.cue)]
    content = (triple.content.start_char + shift, triple.content.end_char + shift)
    return speaker, speaker_form(triple.speaker), cues, content


def quotations(doc: Doc) -> tuple[list[Quotation], list[int] | None]:
    """textacy's direct quotations of ``doc``; when textacy refuses the whole document (an odd number of
    quotation marks), those of each paragraph, with the numbers (from 1) of the paragraphs it still refuses
    (``None`` when the whole document was read at once). Raise ``ValueError`` for other refusals."""
    triples = need_library("textacy.extract.triples")
    try:
        return [_offsets(t) for t in triples.direct_quotations(doc)], None
    except ValueError as exc:
        if "quotation marks" not in str(exc):
            raise
    found: list[Quotation] = []
    refused: list[int] = []
    for number, paragraph in enumerate(_PARAGRAPH.finditer(doc.text), start=1):
        span = doc.char_span(paragraph.start(), paragraph.end(), alignment_mode="expand")
        if span is None or not len(span):
            continue
        part = span.as_doc()
        try:
            found += [_offsets(t, span.start_char) for t in triples.direct_quotations(part)]
        except ValueError:
            refused.append(number)
    return found, refused


def quotations_line(doc: Doc, target: Target, triples: Iterable[DQTriple] | None = None) -> PredictedDocument:
    """One prediction from a parsed spaCy ``doc``: its entities as mentions and textacy's direct quotations
    (``triples``; by default those :func:`quotations` finds) as attributions."""
    found = quotations(doc)[0] if triples is None else [_offsets(t) for t in triples]
    return _quotations(doc, target, found).build()


def convert_textacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    need_library("textacy.extract.triples")
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
            found, refused = quotations(doc)
        except ValueError as exc:  # textacy bails out on the document for another reason
            out.issues.append(
                issue("convert-library-failed", f"textacy on doc {number} ({target.id!r}): {exc}", file=where)
            )
            found, refused = [], None
        if refused is not None:
            still = (
                f"; it still refuses paragraph(s) {', '.join(map(str, refused))}, whose quotations are left out"
                if refused
                else ""
            )
            out.issues.append(
                issue(
                    "convert-per-paragraph",
                    f"textacy refuses doc {number} ({target.id!r}) as a whole (an odd number of quotation marks: "
                    f"a quotation runs across paragraphs), so it was run on each paragraph{still}",
                    file=where,
                )
            )
        try:
            builder = _quotations(doc, target, found, where)
        except Exception as exc:  # labels whose strings the (tampered) store lacks, and the like
            out.issues.append(unreadable_doc(where, number, exc))
            continue
        finish_document(out, builder, f"doc {number}")
