"""Deterministic, stable train / validation / test splits.

The unit of splitting is the **section** (a heading and the paragraphs under it; the lead is a section), so
a corpus of a single article still gets three splits. Each unit goes to a split by a hash of its id alone
(``<document_id>#s<section index>``): adding documents never moves an existing unit, and no unit is in two
splits. Every item (mention, quote, meeting, commitment, sentence) goes with the section in which its first
span starts.
"""

from __future__ import annotations

import bisect
import hashlib

from communique.corpus.store import CorpusLike

SPLITS: tuple[str, ...] = ("train", "validation", "test")
#: percentage of the hash space given to each split, in SPLITS order
RATIOS: tuple[int, ...] = (70, 15, 15)


def unit_id(document_id: str, section_index: int) -> str:
    return f"{document_id}#s{section_index}"


def split_of(unit: str) -> str:
    """The split of a unit id; a pure function of the id."""
    bucket = int(hashlib.sha256(unit.encode("utf-8")).hexdigest()[:8], 16) % 100
    edge = 0
    for name, share in zip(SPLITS, RATIOS):
        edge += share
        if bucket < edge:
            return name
    return SPLITS[-1]


def section_at(doc: CorpusLike, offset: int) -> int:
    """Index of the section containing ``offset`` (text between sections belongs to the one before)."""
    starts = [s.span.start for s in doc.sections]
    return max(0, bisect.bisect_right(starts, offset) - 1)


def unit_at(doc: CorpusLike, offset: int) -> str:
    return unit_id(doc.id, section_at(doc, offset))
