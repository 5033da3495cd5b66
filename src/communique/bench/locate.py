"""Finding a predicted text in the document: whole tokens, after a typographic normalisation.

Extractors rewrite typography: an LLM returns ``countries'`` for ``countries’``, ``--`` or ``-`` for an en
dash, one space for a line break. Both the document and the predicted text are compared in a normalised
form, and a match is mapped back to offsets in the original text:

* NFC (the corpus text is NFC already; the predicted text is brought to it);
* curly and other single quotes and apostrophes (‘ ’ ‚ ‛ ′ `) become ``'``; double ones (“ ” „ ‟ ″ « ») ``"``;
* dashes and hyphens (‐ ‑ ‒ – — ― −) become ``-``;
* every run of whitespace becomes one space.

A match must cover whole tokens: where the predicted text begins (ends) with a word character, the
document may not have a word character just before (after) it, so ``he`` is not found inside ``the``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

__all__ = ["MAX_ECHO", "WHITESPACE", "NormalisedText", "normalise", "shorten"]

#: longest stretch of predicted text echoed in a message or hint
MAX_ECHO = 80

_SUBSTITUTES = {
    **dict.fromkeys("‘’‚‛′`", "'"),
    **dict.fromkeys("“”„‟″«»", '"'),
    **dict.fromkeys("‐‑‒–—―−", "-"),
}


#: every character for which ``str.isspace`` is true
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


@cache
def _table() -> dict[int, str]:
    """The translation table: substitutes, and every whitespace character to a space."""
    return {**dict.fromkeys(map(ord, WHITESPACE), " "), **{ord(k): v for k, v in _SUBSTITUTES.items()}}


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def normalise(text: str) -> str:
    """``text`` in the normalised form used for matching (see the module docstring)."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            if not out or out[-1] != " ":
                out.append(" ")
        else:
            out.append(_SUBSTITUTES.get(char, char))
    return "".join(out)


def shorten(text: str, limit: int = MAX_ECHO) -> str:
    """``text`` cut to about ``limit`` characters, with the middle elided, for messages."""
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return f"{text[:half]}…{text[-half:]}"


@dataclass(frozen=True)
class NormalisedText:
    """A document text in normalised form, with the map back to original offsets."""

    original: str
    text: str
    starts: tuple[int, ...]  # original offset of each normalised character
    ends: tuple[int, ...]  # original offset one past each normalised character (a space covers its run)

    @classmethod
    def of(cls, original: str) -> NormalisedText:
        # the substitutions keep the length (str.translate, in C); only runs of whitespace shrink
        spaced = original.translate(_table())
        starts: list[int] = []
        ends: list[int] = []
        chars: list[str] = []
        done = 0
        for run in re.finditer(" {2,}", spaced):
            starts.extend(range(done, run.start() + 1))
            ends.extend(range(done + 1, run.start() + 1))
            ends.append(run.end())
            chars.append(spaced[done : run.start() + 1])
            done = run.end()
        starts.extend(range(done, len(spaced)))
        ends.extend(range(done + 1, len(spaced) + 1))
        chars.append(spaced[done:])
        return cls(original, "".join(chars), tuple(starts), tuple(ends))

    def find(self, needle: str, prefix: str | None = None, suffix: str | None = None) -> list[tuple[int, int]]:
        """Original ``[start, end)`` of every whole-token occurrence of ``needle`` that fits the context."""
        target = normalise(needle).strip()
        if not target:
            return []
        before, after = (normalise(prefix) if prefix else None), (normalise(suffix) if suffix else None)
        left, right = _is_word(target[0]), _is_word(target[-1])
        found: list[tuple[int, int]] = []
        i = self.text.find(target)
        while i != -1:
            j = i + len(target)
            if (
                not (left and i > 0 and _is_word(self.text[i - 1]))
                and not (right and j < len(self.text) and _is_word(self.text[j]))
                and (before is None or self.text[:i].rstrip().endswith(before.strip()))
                and (after is None or self.text[j:].lstrip().startswith(after.strip()))
            ):
                found.append((self.starts[i], self.ends[j - 1]))
            i = self.text.find(target, i + 1)
        return found

    def closest(self, needle: str) -> str | None:
        """The stretch of the document most like ``needle`` (for a hint), or ``None`` if nothing is alike."""
        from rapidfuzz import fuzz

        target = normalise(needle).strip()
        if not target or not self.text:
            return None
        folded = self.text.casefold()
        at = folded.find(target.casefold())
        if at != -1:  # the same letters in other capitals
            return self.original[self.starts[at] : self.ends[at + len(target) - 1]]
        found = fuzz.partial_ratio_alignment(target, self.text, score_cutoff=50)
        if found is None or found.dest_end <= found.dest_start:
            return None
        start, end = self.starts[found.dest_start], self.ends[found.dest_end - 1]
        while start > 0 and _is_word(self.original[start - 1]):  # widen to whole words
            start -= 1
        while end < len(self.original) and _is_word(self.original[end]):
            end += 1
        return self.original[start:end].strip()
