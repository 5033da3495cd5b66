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
  non-space character of every paragraph exactly once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from syntok.segmenter import analyze

HEADING_MAX_CHARS = 120
_PARAGRAPH = re.compile(r"\S(?:.*\S)?(?:[ \t]*\n[ \t]*\S(?:.*\S)?)*")  # non-blank lines, edges trimmed
_NOT_HEADING_END = tuple(".!?:;,”\"’'")
_NON_SPACE = re.compile(r"\S+")


@dataclass(frozen=True)
class Segmentation:
    paragraphs: list[tuple[int, int]]
    headings: list[int]  # indices into paragraphs
    sections: list[tuple[int | None, list[int]]]  # (heading paragraph index or None, paragraph indices)
    sentences: list[tuple[int, int]]
    tokens: list[tuple[int, int]]


def find_paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]


def is_heading(paragraph: str) -> bool:
    return (
        "\n" not in paragraph
        and len(paragraph) <= HEADING_MAX_CHARS
        and any(ch.isalpha() for ch in paragraph)
        and not paragraph.endswith(_NOT_HEADING_END)
    )


def _sentences_and_tokens(text: str, base: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    sentences: list[tuple[int, int]] = []
    tokens: list[tuple[int, int]] = []
    for paragraph in analyze(text):
        for sentence in paragraph:
            spans = [
                (tok.offset, tok.offset + len(tok.value))
                for tok in sentence
                if tok.value and text[tok.offset : tok.offset + len(tok.value)] == tok.value
            ]
            if spans:
                sentences.append((base + spans[0][0], base + spans[-1][1]))
                tokens.extend((base + s, base + e) for s, e in spans)
    return sentences, _fill_gaps(text, base, sorted(set(tokens)))


def _fill_gaps(text: str, base: int, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Add every run of non-space characters no token covers as a token of its own."""
    covered = bytearray(len(text))
    for start, end in tokens:
        covered[start - base : end - base] = b"\x01" * (end - start)
    extra: list[tuple[int, int]] = []
    for match in _NON_SPACE.finditer(text):
        i = match.start()
        while i < match.end():
            if covered[i]:
                i += 1
                continue
            j = i
            while j < match.end() and not covered[j]:
                j += 1
            extra.append((base + i, base + j))
            i = j
    return sorted(tokens + extra)


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
    sentences: list[tuple[int, int]] = []
    tokens: list[tuple[int, int]] = []
    for start, end in paragraphs:
        sents, toks = _sentences_and_tokens(text[start:end], start)
        sentences.extend(sents)
        tokens.extend(toks)
    return Segmentation(paragraphs, headings, sections, sentences, tokens)
