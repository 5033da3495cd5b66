"""Segmentation of a document text into paragraphs, headings, sections, sentences and tokens.

All offsets are code points into the text, half-open. The rules are deliberately simple and documented,
because every span in the corpus depends on them:

* a **paragraph** is a maximal run of non-blank lines, without its edge whitespace;
* a **heading** is a one-line paragraph of at most 120 characters that holds a letter and does not end in
  sentence or quotation punctuation (the seed's section titles);
* a **section** is a heading plus the paragraphs up to the next heading; paragraphs before the first
  heading form the lead section (no heading);
* **sentences** and **tokens** come from syntok, run on each paragraph; any non-space characters syntok
  leaves out (it drops the hyphen of "high-ranking") become tokens of their own, so tokens cover every
  non-space character of every paragraph exactly once. A very long paragraph goes to syntok in pieces cut
  where syntok cannot end a sentence (:data:`PIECE`), which gives the same sentences and tokens at a bounded
  memory cost.
"""

from __future__ import annotations

import itertools
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from syntok.segmenter import analyze

HEADING_MAX_CHARS = 120
_PARAGRAPH = re.compile(r"\S(?:.*\S)?(?:[ \t]*\n[ \t]*\S(?:.*\S)?)*")  # non-blank lines, edges trimmed
_NOT_HEADING_END = tuple(".!?:;,”\"’'")
_NON_SPACE = re.compile(r"\S+")
#: a paragraph longer than this (code points) goes to syntok in pieces of about this size, so that the
#: tokens syntok holds until a sentence ends stay bounded however long a sentence is
PIECE = 1 << 18
#: a piece ends in the middle of a run of 2 x this many plain words (letters and digits, one space apart).
#: syntok decides where a sentence ends only at a terminal or a bracket, looking at most about 52 tokens
#: ahead; with this many plain words on each side of the cut, nothing before it sees past it, and after it
#: syntok is mid-sentence again within one word: the pieces give exactly the sentences and tokens of the
#: whole paragraph once the sentence cut at each piece's end is joined to the next piece's first.
_PLAIN_WORDS = 64
_PLAIN_BLOCK = re.compile(rf"(?<!\S)(?:[^\W_]+ ){{1,{2 * _PLAIN_WORDS}}}")  # blocks of runs: a linear scan
_HALF_RUN = re.compile(rf"(?:[^\W_]+ ){{{_PLAIN_WORDS}}}")


class SpanArray:
    """``[start, end)`` pairs, kept compactly as two integer arrays (starts and lengths): a long text has
    millions of tokens, and a list of tuples costs about a hundred bytes a pair where this costs eight."""

    __slots__ = ("lengths", "starts")

    def __init__(self, typecode: str = "q", pairs: Iterable[tuple[int, int]] = ()) -> None:
        self.starts = array(typecode)
        self.lengths = array(typecode)
        for start, end in pairs:
            self.append(start, end)

    def append(self, start: int, end: int) -> None:
        self.starts.append(start)
        self.lengths.append(end - start)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> tuple[int, int]:
        start = self.starts[index]
        return start, start + self.lengths[index]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return ((s, s + n) for s, n in zip(self.starts, self.lengths))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SpanArray):
            return NotImplemented
        return list(self) == list(other)

    def __repr__(self) -> str:
        return f"SpanArray({list(self)!r})"


@dataclass(frozen=True)
class Segmentation:
    paragraphs: list[tuple[int, int]]
    headings: list[int]  # indices into paragraphs
    sections: list[tuple[int | None, list[int]]]  # (heading paragraph index or None, paragraph indices)
    sentences: SpanArray
    tokens: SpanArray


def find_paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]


def is_heading(paragraph: str) -> bool:
    return (
        "\n" not in paragraph
        and len(paragraph) <= HEADING_MAX_CHARS
        and any(ch.isalpha() for ch in paragraph)
        and not paragraph.endswith(_NOT_HEADING_END)
    )


def _cuts(text: str, start: int, end: int) -> list[int]:
    """Where to cut the paragraph ``text[start:end]`` for syntok (see :data:`PIECE`): none for an
    ordinary paragraph, nor where no run of plain words allows it."""
    cuts: list[int] = []
    at = start + PIECE
    while at < end - PIECE:
        cut = None
        for block in _PLAIN_BLOCK.finditer(text, at, end):
            if block.group().count(" ") == 2 * _PLAIN_WORDS:
                half = _HALF_RUN.match(text, block.start())
                cut = half.end() if half is not None else None
                break
        if cut is None:
            break
        cuts.append(cut)
        at = cut + PIECE
    return cuts


def _sentences_and_tokens(text: str, start: int, end: int, sentences: SpanArray, tokens: SpanArray) -> None:
    """Append the sentences and tokens of the paragraph ``text[start:end]`` (syntok's, and a token for each
    run of non-space characters syntok leaves out), in order."""
    found = SpanArray(tokens.starts.typecode)
    ordered = True  # syntok gives its tokens in order: then no sort is needed
    last = (-1, -1)
    bounds = [start, *_cuts(text, start, end), end]
    going_on: int | None = None  # start of the sentence a cut went through
    for lo, hi in itertools.pairwise(bounds):
        piece = text[lo:hi]
        spans: list[tuple[int, int]] = []
        for syntok_paragraph in analyze(piece):
            for sentence in syntok_paragraph:
                first = stop = None
                for tok in sentence:
                    value = tok.value
                    if value and piece.startswith(value, tok.offset):  # the token is the text at its offset
                        pair = (lo + tok.offset, lo + tok.offset + len(value))
                        if first is None:
                            first = pair[0]
                        stop = pair[1]
                        ordered = ordered and pair > last
                        last = pair
                        found.append(*pair)
                if first is not None and stop is not None:
                    spans.append((first, stop))
        if going_on is not None and spans:  # the first sentence of a piece goes on from the last one
            spans[0] = (going_on, spans[0][1])
            going_on = None
        if hi != end and spans:
            going_on = spans.pop()[0]
        for pair in spans:
            sentences.append(*pair)
    if not ordered:  # not seen with syntok 1.4.4; sorted and without repeats either way
        found = SpanArray(found.starts.typecode, sorted(set(found)))
    _fill_gaps(text, start, end, found, tokens)


def _fill_gaps(text: str, start: int, end: int, found: SpanArray, tokens: SpanArray) -> None:
    """Append to ``tokens``, in order, the tokens ``found`` (sorted) and, as tokens of their own, the runs
    of non-space characters of ``text[start:end]`` that no token covers.

    One merge of the sorted tokens with the runs: ``reach`` is the furthest end of the tokens that start
    at or before the current position, so a position is covered exactly when ``reach`` lies beyond it."""
    gaps = SpanArray(tokens.starts.typecode)
    count, k, reach = len(found), 0, -1
    starts = found.starts
    for run in _NON_SPACE.finditer(text, start, end):
        at, stop = run.span()
        while at < stop:
            while k < count and starts[k] <= at:
                reach = max(reach, starts[k] + found.lengths[k])
                k += 1
            if reach > at:  # covered: skip to where the covering tokens end
                at = reach
                continue
            upto = min(stop, starts[k]) if k < count else stop  # uncovered up to the next token
            gaps.append(at, upto)
            at = upto
    # merge the two sorted lists (a gap never starts where a token does: a token covers its start)
    i = j = 0
    while i < count or j < len(gaps):
        if j == len(gaps) or (i < count and found[i] < gaps[j]):
            tokens.append(*found[i])
            i += 1
        else:
            tokens.append(*gaps[j])
            j += 1


def segment(text: str) -> Segmentation:
    """Segment ``text``; deterministic for a given text and syntok version."""
    paragraphs = find_paragraphs(text)
    headings = [i for i, (s, e) in enumerate(paragraphs) if is_heading(text[s:e])]
    sections: list[tuple[int | None, list[int]]] = []
    heading_set = set(headings)
    for i in range(len(paragraphs)):
        if i in heading_set:
            sections.append((i, [i]))
        elif not sections:
            sections.append((None, [i]))
        else:
            sections[-1][1].append(i)
    typecode = "i" if len(text) < 2**31 else "q"  # 4-byte offsets whenever they fit
    sentences, tokens = SpanArray(typecode), SpanArray(typecode)
    for start, end in paragraphs:
        _sentences_and_tokens(text, start, end, sentences, tokens)
    return Segmentation(paragraphs, headings, sections, sentences, tokens)
