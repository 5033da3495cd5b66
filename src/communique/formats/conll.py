"""CoNLL/IOB2 token tags read into predictions (``communique convert --from conll``).

Token first, tag last, blank lines between sentences; documents start with ``-DOCSTART- ID`` or
``# document_id = ID``. Tokens are aligned to the corpus text in order. Vocabulary: the tags' types are read
through the flat-label table :data:`communique.formats.builder.LABELS` (``PER`` -> mention, ``QUOTE`` ->
attribution content, ...); IOB2 is read, IOB1 and BIOES tolerated.
"""

from __future__ import annotations

import re
from pathlib import Path

from communique.formats.builder import (
    Converted,
    CorpusIndex,
    DocumentBuilder,
    align_tokens,
    bad_input,
    finish_document,
    note_unplaced,
    unknown_document,
)
from communique.io.read import read_text, split_lines

__all__ = ["convert_conll"]


def _entities(tags: list[str], offsets: list[tuple[int, int] | None]) -> list[tuple[int, int, str]]:
    """IOB2 tags (IOB1 and BIOES tolerated) over aligned tokens -> (start, end, type) spans."""
    spans: list[tuple[int, int, str]] = []
    extending = False  # whether the last span may still grow
    for tag, where in zip(tags, offsets):
        prefix, _, kind = tag.partition("-") if "-" in tag else (tag, "", "")
        if where is None or prefix.upper() == "O" or not kind:
            extending = False
            continue
        if extending and prefix.upper() in ("I", "E") and spans[-1][2] == kind:
            spans[-1] = (spans[-1][0], where[1], kind)
        else:
            spans.append((where[0], where[1], kind))
            extending = True
        if prefix.upper() in ("E", "S"):
            extending = False
    return spans


def convert_conll(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    documents: list[tuple[str | None, int, list[tuple[str, str, int]]]] = []
    for number, raw in split_lines(read_text(path)):  # \n only: a token may hold U+2028 or U+0085
        line = raw.strip()
        head = re.match(r"^(?:-DOCSTART-|#\s*document_id\s*=)\s*(\S*)", line)
        if head:
            documents.append((head.group(1).removeprefix("-X-").strip() or None, number, []))
            continue
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        if len(columns) < 2:
            raise bad_input(where, "a token line needs a token and a tag", line=number, hint="TOKEN [...] TAG")
        if not documents:
            documents.append((None, number, []))
        documents[-1][2].append((columns[0], columns[-1], number))
    skipped: list[str] = []
    for doc_id, number, rows in documents:
        if not rows:
            continue
        target = index.find(document_id=doc_id) if doc_id else None
        if target is None:
            out.issues.append(
                unknown_document(where, repr(doc_id) if doc_id else "tokens without a document id", line=number)
            )
            continue
        offsets = align_tokens(target.text, [(t, n) for t, _, n in rows], where, out)
        builder = DocumentBuilder(target, None, "conll", where=where)
        entities = _entities([tag for _, tag, _ in rows], offsets)
        skipped += builder.add_labelled([(s, e, kind, None) for s, e, kind in entities])
        finish_document(out, builder, f"the document on line {number}", line=number)
    note_unplaced(out, where, skipped)
