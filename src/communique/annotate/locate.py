"""The one span resolver: where a text-only span lies in the document, for ``bench``, ``draft`` and ``anchor``.

A text-only span (``text``, optionally ``occurrence``, ``prefix``, ``suffix``) is found as whole tokens
(:func:`find_text_only`): exactly in a gold file (:func:`token_places`; the offsets written must slice to the
span's text), after a typographic normalisation in a prediction (:class:`NormalisedText`; the placed span
takes the document's own text). ``occurrence`` or ``prefix``/``suffix`` choose among several places;
otherwise the place nearest the item's other placed spans is taken (:func:`nearest`,
:func:`place_by_proximity`: the ``said`` next to its quote, a mention next to its official's other
mentions), and only a real tie (or an item with nothing placed) leaves the span ambiguous. A span whose
offsets are given is never searched for here: its offsets are checked against its text
(:func:`communique.annotate.anchor.resolve`), and it is never moved.

Predicted text is compared normalised, since extractors rewrite typography: an LLM returns ``countries'`` for
``countries’``, ``--`` or ``-`` for an en dash, one space for a line break. Both the document and the
predicted text are compared in a normalised form, and a match is mapped back to offsets in the original text:

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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from communique.io.parse import JsonPath

__all__ = [
    "MAX_ECHO",
    "WHITESPACE",
    "Found",
    "NormalisedText",
    "Place",
    "find_text_only",
    "item_of",
    "nearest",
    "normalise",
    "place_by_proximity",
    "shorten",
    "token_places",
]

#: ``[start, end)`` in code points of the original text
Place = tuple[int, int]

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


def token_places(text: str, quote: str, prefix: object = None, suffix: object = None) -> list[Place]:
    """Every exact, whole-token occurrence of ``quote`` in ``text`` that ``prefix`` ends right before and
    ``suffix`` starts right after (each when a string): the places of a gold text-only span."""
    if not quote:
        return []
    left, right, size = _is_word(quote[0]), _is_word(quote[-1]), len(quote)
    found: list[Place] = []
    i = text.find(quote)
    while i != -1:
        j = i + size
        if (
            not (left and i > 0 and _is_word(text[i - 1]))
            and not (right and j < len(text) and _is_word(text[j]))
            and (not isinstance(prefix, str) or text.endswith(prefix, 0, i))
            and (not isinstance(suffix, str) or text.startswith(suffix, j))
        ):
            found.append((i, j))
        i = text.find(quote, i + 1)
    return found


@dataclass(frozen=True)
class Found:
    """Where a text-only span may lie: every whole-token place that fits its ``prefix``/``suffix``, and the
    place its ``occurrence`` (or being the only one) chooses."""

    places: tuple[Place, ...]
    chosen: Place | None  # None: absent, several places and no occurrence, or occurrence beyond the places
    occurrence: int | None  # the occurrence given (a positive int), else None

    @property
    def ambiguous(self) -> bool:
        """Several places and nothing in the span to choose: the item's other spans may (:func:`nearest`)."""
        return self.chosen is None and self.occurrence is None and len(self.places) > 1


def find_text_only(document: str | NormalisedText, span: Mapping[str, object]) -> Found:
    """Find the text-only ``span`` (a raw mapping with a non-empty ``text``) in ``document``: exactly when it
    is a ``str`` (gold), typographically normalised when it is a :class:`NormalisedText` (predictions)."""
    quote, prefix, suffix, occurrence = span["text"], span.get("prefix"), span.get("suffix"), span.get("occurrence")
    if not isinstance(quote, str):  # read as it came: the models checked it is a string
        return Found((), None, None)
    if isinstance(document, str):
        places = token_places(document, quote, prefix, suffix)
    else:
        places = document.find(
            quote, prefix if isinstance(prefix, str) else None, suffix if isinstance(suffix, str) else None
        )
    given = occurrence if isinstance(occurrence, int) and not isinstance(occurrence, bool) and occurrence >= 1 else None
    if given is not None:
        chosen = places[given - 1] if given <= len(places) else None
    else:
        chosen = places[0] if len(places) == 1 else None
    return Found(tuple(places), chosen, given)


def _distance(candidate: Place, other: Place) -> int:
    """Code points between two places (0 when they touch or overlap)."""
    return max(0, other[0] - candidate[1], candidate[0] - other[1])


def nearest(candidates: Iterable[Place], context: Iterable[Place], siblings: Iterable[Place] = ()) -> Place | None:
    """The candidate nearest to any of the ``context`` places (an item's other placed spans); ``None`` when
    there is no context or two candidates are equally near (a real tie is ambiguous, never guessed).

    A candidate that is one of the context places, or overlaps one of ``siblings`` (the placed spans of the
    same list: an official's other mentions, an attribution's other cues), is never taken: spans of one
    list do not overlap, and a duplicate is never the one meant."""
    others = set(context)
    if not others:
        return None
    taken = list(siblings)
    free = [c for c in set(candidates) - others if not any(c[0] < e and s < c[1] for s, e in taken)]
    ranked = sorted((min(_distance(c, o) for o in others), c) for c in free)
    if not ranked or (len(ranked) > 1 and ranked[0][0] == ranked[1][0]):
        return None
    return ranked[0][1]


def item_of(path: JsonPath) -> JsonPath:
    """The item a span belongs to, by its JSON path: ``("attributions", 3)`` for its cues, contents and
    speaker; ``("officials", 0)`` for an official's mentions; ``("meetings", 1)`` for its participants."""
    return tuple(path[:2])


def place_by_proximity(
    ambiguous: Mapping[JsonPath, Sequence[Place]],
    placed: Mapping[JsonPath, Place],
    contents: Mapping[JsonPath, str] | None = None,
) -> dict[JsonPath, Place]:
    """Place each ambiguous span (path -> its candidates) at the candidate nearest its item's ``placed``
    spans (path -> place); a span with no placed neighbour in its item, or with a tie, is left out. Spans
    are placed list by list, each outside the places its list's members hold already (three mentions
    ``his`` of one official take three places, never one place three times); within a list in the order of
    their ``contents`` (path -> the span as a string) when given, so that the order of the list changes
    nothing, else in path order."""
    contents = contents or {}
    context: dict[JsonPath, list[Place]] = {}
    lists: dict[JsonPath, list[Place]] = {}  # the placed members of each list of spans
    for path, place in placed.items():
        context.setdefault(item_of(path), []).append(place)
        if isinstance(path[-1], int):
            lists.setdefault(path[:-1], []).append(place)
    out: dict[JsonPath, Place] = {}
    for path, candidates in sorted(
        ambiguous.items(), key=lambda pair: (_order(pair[0][:-1]), contents.get(pair[0], ""), _order(pair[0]))
    ):
        listed = isinstance(path[-1], int)
        chosen = nearest(candidates, context.get(item_of(path), ()), lists.get(path[:-1], ()) if listed else ())
        if chosen is not None:
            out[path] = chosen
            if listed:
                lists.setdefault(path[:-1], []).append(chosen)
    return out


def _order(path: JsonPath) -> tuple[tuple[int, int | str], ...]:
    """Document order of JSON paths (list indices as numbers)."""
    return tuple((0, p) if isinstance(p, int) else (1, p) for p in path)
