"""Deterministic, stable train / validation / test splits.

The unit of splitting is the **document** once a corpus has enough documents (``[splits]`` in
``communique.toml``: ``unit = "auto"`` and ``min_documents``), and the **section** below that (a heading and the
paragraphs under it; the lead is a section), so that a corpus of a few articles still gets three splits. Each unit
goes to a split by a hash of its id alone (``<document_id>`` or ``<document_id>#s<section index>``): under one
policy, adding documents never moves an existing unit, and no unit is in two splits. Every item (mention, quote,
meeting, commitment, sentence) goes with the unit in which its first span starts. Splitting by document keeps
every document whole in one split, so no article leaks between train and test; splitting by section does not
(sections of one article share officials and wording), which the dataset card states.

When splitting by document, ``[splits.assign]`` pins documents to a split (the bundled corpus pins every one, so
that a new document never moves an old one, and its seed is in test); a document it does not name goes by hash.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from communique.corpus.store import CorpusLike
from communique.io.project import SplitPolicy

SPLITS: tuple[str, ...] = ("train", "validation", "test")
#: percentage of the hash space given to each split, in SPLITS order
RATIOS: tuple[int, ...] = (70, 15, 15)


def unit_id(document_id: str, section_index: int) -> str:
    return f"{document_id}#s{section_index}"


def split_of(unit: str, ratios: Sequence[int] = RATIOS) -> str:
    """The split of a unit id; a pure function of the id (and the ratios)."""
    bucket = int(hashlib.sha256(unit.encode("utf-8")).hexdigest()[:8], 16) % 100
    edge = 0
    for name, share in zip(SPLITS, ratios):
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


@dataclass(frozen=True)
class Splitter:
    """The split policy in force for one export or benchmark: the unit, the ratios, and the documents pinned to a
    split (``assign``, document id -> split; used when the unit is the document)."""

    unit: Literal["section", "document"] = "section"
    ratios: tuple[int, ...] = RATIOS
    assign: dict[str, str] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, policy: SplitPolicy, documents: int) -> Splitter:
        """The splitter of a project's policy (``[splits]``) for a corpus of ``documents`` documents."""
        return cls(policy.unit_for(documents), policy.ratios, dict(policy.assign))

    def unit_at(self, doc: CorpusLike, offset: int) -> str:
        """The unit id of the item whose first span starts at ``offset``."""
        return doc.id if self.unit == "document" else unit_at(doc, offset)

    def units(self, doc: CorpusLike) -> list[str]:
        """Every unit of a document."""
        return [doc.id] if self.unit == "document" else [unit_id(doc.id, s.index) for s in doc.sections]

    def split_at(self, doc: CorpusLike, offset: int) -> str:
        return self.split_of(self.unit_at(doc, offset))

    def split_of(self, unit: str) -> str:
        """The split of a unit: its pinned split when it is a pinned document, else by hash."""
        if self.unit == "document" and unit in self.assign:
            return self.assign[unit]
        return split_of(unit, self.ratios)
