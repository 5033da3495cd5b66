"""Anchoring spans to the document text (W3C TextPositionSelector + TextQuoteSelector).

A span is anchored when it carries ``start``/``end`` whose slice equals its ``text``. A hand-written span
may give only ``text``, disambiguated by ``occurrence`` or ``prefix``/``suffix``; :func:`resolve` finds its
offsets. Gold data is never re-anchored silently: a span whose offsets and text disagree is an error, with
the places where the text does occur as a hint.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeGuard

from communique.annotate.locate import Place, find_text_only, token_places
from communique.io.parse import JsonPath, format_path
from communique.schema.errors import Issue, issue

MAX_LISTED = 8  # candidate offsets listed in a hint
MAX_SHOWN = 200  # characters of a span's text echoed in a message (every ordinary span is shown whole)


def shown(value: str) -> str:
    """``repr`` of a span text for a message, cut after :data:`MAX_SHOWN` characters (a 6 MB span is not
    echoed whole)."""
    return repr(value) if len(value) <= MAX_SHOWN else repr(value[:MAX_SHOWN]) + "…"


def find_all(text: str, needle: str) -> list[int]:
    """Start offsets of every occurrence of ``needle`` in ``text``, overlapping ones included."""
    starts, i = [], text.find(needle)
    while i != -1:
        starts.append(i)
        i = text.find(needle, i + 1)
    return starts


def fits(text: str, start: int, end: int, prefix: object, suffix: object) -> bool:
    """Whether ``prefix`` ends right at ``start`` and ``suffix`` starts right at ``end`` (when given).

    Compared in place (no slice of the text is copied), so checking every candidate costs the length of
    the context, not of the text.
    """
    return (not isinstance(prefix, str) or text.endswith(prefix, 0, start)) and (
        not isinstance(suffix, str) or text.startswith(suffix, end)
    )


def _listing(starts: list[int], length: int) -> str:
    shown = ", ".join(f"[{s}, {s + length})" for s in starts[:MAX_LISTED])
    more = f" and {len(starts) - MAX_LISTED} more" if len(starts) > MAX_LISTED else ""
    return shown + more


@dataclass(frozen=True)
class Resolution:
    """Result of anchoring one span: offsets when found, and the issues met."""

    start: int | None
    end: int | None
    issues: tuple[Issue, ...]
    written: bool  # the offsets were in the file (not computed here)
    candidates: tuple[Place, ...] = ()  # an ambiguous span's places, for its item's other spans to choose from


def _int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def anchored(text: str, span: Mapping[str, object]) -> bool:
    """Whether a raw span is anchored with nothing to report: offsets given that cover exactly its text,
    no edge whitespace, no selector to check. Most spans of a file are; :func:`resolve` would find no issue
    and no offsets to write for them, so they need no search and no :class:`Resolution`."""
    quote, start, end = span.get("text"), span.get("start"), span.get("end")
    return (
        type(start) is int
        and type(end) is int
        and type(quote) is str
        and 0 <= start < end <= len(text)
        and end - start == len(quote)
        and text.startswith(quote, start)
        and not quote[0].isspace()
        and not quote[-1].isspace()
        and span.get("prefix") is None
        and span.get("suffix") is None
        and span.get("occurrence") is None
    )


def resolve(text: str, span: Mapping[str, object], path: JsonPath) -> Resolution | None:
    """Anchor one raw span mapping against ``text``; ``None`` when it is too malformed to try.

    Type problems (a missing ``text``, a string offset) are left to the model validation.
    """
    quote = span.get("text")
    if not isinstance(quote, str) or not quote:
        return None

    def at(field: str = "") -> str:  # the JSON path, formatted only when an issue needs it
        return format_path(path) + field

    problems: list[Issue] = []
    if quote != quote.strip():
        problems.append(
            issue(
                "span-whitespace",
                f"span text {shown(quote)} has whitespace at an edge",
                path=at(".text"),
                hint="trim the span",
            )
        )
    prefix, suffix, occurrence = span.get("prefix"), span.get("suffix"), span.get("occurrence")
    if not (_int(occurrence) and occurrence >= 1):
        occurrence = None  # a bad occurrence is reported by the model validation; do not index with it
    start, end = span.get("start"), span.get("end")
    if "start" in span or "end" in span:
        if not (_int(start) and _int(end)):
            return None  # missing or mistyped offsets: reported by the model validation
        if not 0 <= start <= end <= len(text):
            places = find_all(text, quote)
            problems.append(
                issue(
                    "span-out-of-range",
                    f"offsets [{start}, {end}) lie outside the text (length {len(text)})",
                    path=at(".start"),
                    hint=_occurs_hint(places, quote, text),
                )
            )
            return Resolution(None, None, tuple(problems), True)
        if text[start:end] != quote:
            places = find_all(text, quote)
            problems.append(
                issue(
                    "span-text-mismatch",
                    f"text at [{start}, {end}) is {shown(text[start:end])}, not {shown(quote)}",
                    path=at(".text"),
                    hint=_occurs_hint(places, quote, text),
                )
            )
            return Resolution(start, end, tuple(problems), True)
        if not fits(text, start, end, prefix, suffix):
            problems.append(
                issue("span-context-mismatch", "prefix or suffix does not match the text around the offsets", path=at())
            )
        elif _int(occurrence):
            places = [s for s, _ in token_places(text, quote, prefix, suffix)]
            if occurrence > len(places) or places[occurrence - 1] != start:
                problems.append(
                    issue(
                        "span-context-mismatch",
                        f"occurrence {occurrence} of {shown(quote)} is not at offset {start}",
                        path=at(".occurrence"),
                        hint=_occurs_hint(places, quote),
                    )
                )
        return Resolution(start, end, tuple(problems), True)

    found = find_text_only(text, span)
    places = [s for s, _ in found.places]
    context = " with this prefix/suffix" if isinstance(prefix, str) or isinstance(suffix, str) else ""
    if not places:
        if context and (anywhere := [s for s, _ in token_places(text, quote)]):
            hint: str | None = f"it occurs at {_listing(anywhere, len(quote))}, but not with this prefix/suffix"
        else:
            hint = _absent_hint(text, quote)
        problems.append(
            issue(
                "span-not-found",
                f"{shown(quote)} does not occur in the document as whole tokens{context}",
                path=at(".text"),
                hint=hint,
            )
        )
        return Resolution(None, None, tuple(problems), False)
    if found.occurrence is not None and found.chosen is None:
        problems.append(
            issue(
                "span-not-found",
                f"occurrence {found.occurrence} requested but {shown(quote)} occurs {len(places)} time(s){context}",
                path=at(".occurrence"),
                hint=_occurs_hint(places, quote),
            )
        )
        return Resolution(None, None, tuple(problems), False)
    if found.chosen is None:
        problems.append(
            issue(
                "span-ambiguous",
                f"{shown(quote)} occurs {len(places)} times as whole tokens{context}",
                path=at(".text"),
                hint=f"add occurrence (1-{len(places)}) or prefix/suffix; candidates: " + _listing(places, len(quote)),
            )
        )
        return Resolution(None, None, tuple(problems), False, found.places)
    chosen = found.chosen[0]
    problems.append(unanchored_issue(quote, found.chosen, path))
    return Resolution(chosen, chosen + len(quote), tuple(problems), False)


def unanchored_issue(quote: str, place: Place, path: JsonPath, *, by: str = "") -> Issue:
    """The warning for a text-only span that resolves to ``place`` (``by``: how, when not by its text alone)."""
    how = f", {by}" if by else ""
    return issue(
        "span-unanchored",
        f"{shown(quote)} has no offsets (resolves to [{place[0]}, {place[1]}){how})",
        path=format_path(path),
        hint="run `communique anchor` to write them",
    )


def _absent_hint(text: str, quote: str) -> str | None:
    """Why a text that does not occur may still be meant: another Unicode normalisation or capitalisation."""
    composed = unicodedata.normalize("NFC", quote)
    if composed != quote:
        found = find_all(text, composed)
        where = f"; in NFC it occurs at {_listing(found, len(composed))}" if found else ""
        return (
            "the span text is not in Unicode NFC (e.g. an accent written as a separate combining character), "
            f"while the corpus text is NFC-normalised{where}"
        )
    folded_text = text.casefold()
    if len(folded_text) != len(text):  # casefolding changed lengths: its offsets are not the text's
        return None
    folded_quote = quote.casefold()
    if len(folded_quote) != len(quote):
        return None
    other = [s for s in find_all(folded_text, folded_quote) if text[s : s + len(quote)] != quote]
    return "it occurs with other capitalisation at " + _listing(other, len(quote)) if other else None


def _occurs_hint(places: list[int], quote: str, text: str = "") -> str:
    if not places:
        absent = _absent_hint(text, quote) if text else None
        return f"{shown(quote)} does not occur anywhere in the document" + (f" ({absent})" if absent else "")
    return f"{shown(quote)} occurs at " + _listing(places, len(quote))
