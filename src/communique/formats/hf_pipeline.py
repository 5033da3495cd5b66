"""Hugging Face token-classification pipeline output read into predictions (``communique convert --from hf``).

JSON Lines of ``{"document_id", "text"?, "entities": [...]}``; entities with ``start``/``end`` (character
offsets) or with ``word`` alone (aligned to the text in order), grouped (``entity_group``) or per token
(``entity`` = ``B-PER``). The shapes are checked by :class:`HfLine` and :class:`HfEntity`. Vocabulary: the
entity types are read through the flat-label table :data:`communique.formats.builder.LABELS`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError, model_validator

from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    Labelled,
    Score,
    align_tokens,
    dropped_span,
    finish_document,
    note_unplaced,
    shape_issues,
    unknown_document,
)
from communique.io.read import json_lines, read_text

__all__ = ["HfEntity", "HfLine", "convert_hf"]


class HfEntity(BaseModel):
    """One entity of a token-classification pipeline's output (its other fields, such as ``index``, are
    ignored): grouped (``entity_group``) or per token (``entity``), with character offsets or ``word`` alone."""

    model_config = ConfigDict(extra="ignore")

    start: StrictInt | None = None
    end: StrictInt | None = None
    word: StrictStr = ""
    entity_group: StrictStr | None = None
    entity: StrictStr | None = None
    score: Score | None = None

    @model_validator(mode="after")
    def _offsets_together(self) -> HfEntity:
        if (self.start is None) != (self.end is None):
            raise ValueError("start and end are given together or not at all")
        return self


class HfLine(BaseModel):
    """One line of ``--from hf`` input."""

    model_config = ConfigDict(extra="ignore")

    document_id: StrictStr | None = None
    text: StrictStr | None = None
    entities: list[HfEntity]


def _pipeline_spans(entities: list[HfEntity], text: str, where: str, line: int, out: Converted) -> list[Labelled]:
    """Pipeline entities (grouped or per token, with or without offsets) -> labelled character spans;
    offsets that are no span of ``text`` are reported and left out."""
    offsets: list[tuple[int, int] | None]
    if any(e.start is None for e in entities):  # word form: align the words in order
        offsets = align_tokens(text, [(e.word, line) for e in entities], where, out)
    else:
        offsets = []
        for i, e in enumerate(entities):
            assert e.start is not None and e.end is not None  # checked just above
            dropped = dropped_span(where, f"entity {i}", e.start, e.end, len(text), line=line, path=("entities", i))
            if dropped is not None:
                out.issues.append(dropped)
            offsets.append(None if dropped else (e.start, e.end))
    if any(e.entity_group is not None for e in entities):
        return [
            (s[0], s[1], e.entity_group, e.score)
            for e, s in zip(entities, offsets)
            if s is not None and e.entity_group is not None
        ]
    spans: list[Labelled] = []
    scores: list[list[float]] = []
    previous_end = -2
    for e, s in zip(entities, offsets):
        if s is None:
            continue
        tag = e.entity or "O"
        prefix, _, kind = tag.partition("-") if "-" in tag else ("B", "", tag)
        joined = spans and spans[-1][2] == kind and not text[previous_end : s[0]].strip()
        if joined and (prefix.upper() == "I" or e.word.startswith("##")):
            spans[-1] = (spans[-1][0], s[1], kind, None)
            scores[-1].append(e.score or 0.0)
        elif prefix.upper() != "O":
            spans.append((s[0], s[1], kind, None))
            scores.append([e.score or 0.0])
        previous_end = s[1]
    return [(s, e, k, sum(sc) / len(sc)) for (s, e, k, _), sc in zip(spans, scores)]


def convert_hf(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    skipped: list[str] = []
    for line in json_lines(read_text(path), where):
        if line.problem is not None:
            out.issues.append(line.problem)
            continue
        try:
            record = HfLine.model_validate(line.value)
        except ValidationError as exc:
            out.issues.extend(shape_issues(exc, where, f"line {line.number}", line=line.number))
            continue
        target = index.find(document_id=record.document_id, text=record.text)
        if target is None:
            out.issues.append(
                unknown_document(where, repr(record.document_id or "a line without document_id"), line=line.number)
            )
            continue
        source = record.text if record.text is not None else target.text
        spans = _pipeline_spans(record.entities, source, where, line.number, out)
        builder = DocumentBuilder(target, source, "hf token-classification", where=where)
        skipped += builder.add_labelled(spans)
        finish_document(out, builder, f"line {line.number}", line=line.number)
    note_unplaced(out, where, skipped)
