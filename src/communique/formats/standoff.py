"""brat standoff syntax: the one parser of ``.ann`` text, the ``AnnotatorNotes`` lists communique writes in
it, and the rule that keeps a field on one line. What the labels mean is :mod:`communique.formats.brat`'s.

A ``.ann`` file is lines of tab-separated fields, ``\\n`` ending each: text-bounds ``T1<TAB>Label 0 5;7 9<TAB>text``,
events ``E1<TAB>Label:T1 Role:T2 Role2:T3``, attributes ``A1<TAB>Name E1 value`` (``M`` lines too; a binary
attribute has no value), notes ``#1<TAB>AnnotatorNotes T1<TAB>text``, equivalences ``*<TAB>Equiv T1 T2``.
:func:`parse_standoff` reads each into a typed record with its line number; a line it cannot read is listed
in :attr:`Standoff.malformed`, and lines of other kinds (``R`` relations, ``N`` normalisations) by id in
:attr:`Standoff.others`, so each reader decides what they mean to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from communique.io.read import split_lines

__all__ = [
    "LINE_BREAKING",
    "Attribute",
    "Equiv",
    "Event",
    "Note",
    "NoteFields",
    "Standoff",
    "Textbound",
    "note_fields",
    "note_text",
    "note_value",
    "one_line",
    "parse_standoff",
]

#: what cannot stand in an .ann field: a tab, a line break (for brat, ``\\n``; for other readers also the
#: characters ``str.splitlines`` splits at) or another control character
LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(value: str) -> str:
    """``value`` as one .ann field: every tab, line break or other control character becomes a space, so
    free text can never end a field or a line (validation refuses them in names; this holds regardless).
    ``export brat`` writes a text-bound's text so, and the import compares it so: the offsets carry the
    exact text, which may hold any of these characters (``add`` accepts them)."""
    return LINE_BREAKING.sub(" ", value)


# -- notes: ``key=value; key="json string"``

#: one ``key=value`` of a note; a value with ``;`` or spaces at its ends is a JSON string
_NOTE_FIELD = re.compile(r'\s*(\w+)=("(?:[^"\\]|\\.)*"|[^;]*?)\s*(?:;|$)')


def note_value(value: str) -> str:
    """A value in an ``AnnotatorNotes`` ``key=value; ...`` list: as is when that reads back unchanged, else
    as a JSON string (:func:`note_fields` reads both)."""
    plain = re.fullmatch(r'[^;"\s](?:[^;"\t]*[^;"\s])?', value) and value.splitlines() == [value]
    if plain:
        return value
    # a character that would break the line is written as a JSON escape, so the value reads back exact
    return LINE_BREAKING.sub(lambda c: f"\\u{ord(c[0]):04x}", json.dumps(value, ensure_ascii=False))


def note_text(fields: list[tuple[str, str]]) -> str:
    """A note's text: ``key=value; ...`` in the order given."""
    return "; ".join(f"{k}={note_value(v)}" for k, v in fields)


@dataclass(frozen=True)
class NoteFields:
    """What a note says: its fields, and whether the whole note was such a list (``complete``)."""

    fields: dict[str, str]
    complete: bool


def note_fields(note: str) -> NoteFields:
    """``official=o1; name="Ali; Reza"`` -> ``{"official": "o1", "name": "Ali; Reza"}``; a note that is no
    such list gives what could be read before the first misfit, and ``complete`` false."""
    out: dict[str, str] = {}
    at, note = 0, note.strip()
    while at < len(note):
        match = _NOTE_FIELD.match(note, at)
        if match is None or match.end() == at:
            return NoteFields(out, False)
        value = match.group(2)
        if value.startswith('"'):
            try:
                value = str(json.loads(value))
            except ValueError:
                return NoteFields(out, False)
        out[match.group(1)] = value
        at = match.end()
    return NoteFields(out, True)


# -- the .ann lines


@dataclass(frozen=True)
class Textbound:
    """``T1<TAB>Label 0 5;7 9<TAB>text``: a labelled span (fragments, as brat splits one at line breaks)."""

    id: str
    label: str
    fragments: tuple[tuple[int, int], ...]
    text: str | None  # the third field, as written (None when the line has none)
    line: int


@dataclass(frozen=True)
class Event:
    """``E1<TAB>Label:T1 Role:T2 Role2:T3``: its trigger and its arguments, roles without brat's numbering."""

    id: str
    label: str
    trigger: str
    args: tuple[tuple[str, str], ...]  # (role, target id) in order
    line: int


@dataclass(frozen=True)
class Attribute:
    """``A1<TAB>Name T1 value`` (or an ``M`` line); a binary attribute has no value."""

    id: str
    name: str
    target: str
    values: tuple[str, ...]
    line: int

    @property
    def value(self) -> str:
        """The value (``true`` for a binary attribute)."""
        return self.values[0] if self.values else "true"


@dataclass(frozen=True)
class Note:
    """``#1<TAB>AnnotatorNotes T1<TAB>text``."""

    id: str
    kind: str
    target: str
    text: str
    line: int


@dataclass(frozen=True)
class Equiv:
    """``*<TAB>Equiv T1 T2``: an equivalence (``kind`` is ``Equiv`` in every file brat writes)."""

    kind: str
    members: tuple[str, ...]
    line: int


@dataclass
class Standoff:
    """One ``.ann`` file, parsed; every record in file order (a repeated id: the later text-bound or event)."""

    textbounds: dict[str, Textbound] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    attributes: list[Attribute] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    equivs: list[Equiv] = field(default_factory=list)
    others: list[tuple[str, int]] = field(default_factory=list)  # (id, line) of lines of other kinds
    malformed: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of lines that are no standoff

    def attributes_of(self, target: str) -> dict[str, str]:
        """The attributes of one annotation, by name (a repeated name: the later value)."""
        return {a.name: a.value for a in self.attributes if a.target == target}


def _fragments(offsets: str) -> tuple[tuple[int, int], ...] | None:
    found = []
    for piece in offsets.split(";"):
        numbers = piece.split()
        if len(numbers) != 2:
            return None
        found.append((int(numbers[0]), int(numbers[1])))
    return tuple(found)


def _pair(token: str) -> tuple[str, str]:
    """``Role:T1`` -> ``("Role", "T1")``; anything else raises :class:`ValueError`."""
    left, right = token.split(":")
    return left, right


def _parse_line(ident: str, rest: str, number: int, ann: Standoff) -> None:
    """Add one line's record to ``ann``; raise :class:`ValueError` (or :class:`IndexError`) when it is no
    line of its kind."""
    if ident.startswith("T"):
        head, tab, text = rest.partition("\t")
        label, _, offsets = head.partition(" ")
        fragments = _fragments(offsets)
        if not label or fragments is None:
            raise ValueError(ident)
        ann.textbounds[ident] = Textbound(ident, label, fragments, text if tab else None, number)
    elif ident.startswith("E"):
        head, *args = rest.split()
        label, trigger = _pair(head)
        pairs = tuple((re.sub(r"\d+$", "", role), target) for role, target in map(_pair, args))
        ann.events[ident] = Event(ident, label, trigger, pairs, number)
    elif ident.startswith(("A", "M")):
        name, target, *values = rest.split()
        ann.attributes.append(Attribute(ident, name, target, tuple(values), number))
    elif ident.startswith("#"):
        head, _, text = rest.partition("\t")
        kind, target = head.split()
        ann.notes.append(Note(ident, kind, target, text, number))
    elif ident == "*":
        kind, *members = rest.split()
        ann.equivs.append(Equiv(kind, tuple(members), number))
    else:
        ann.others.append((ident, number))


def parse_standoff(text: str) -> Standoff:
    """Every line of an ``.ann`` text (lines end in ``\\n`` only; a ``\\r`` before it is dropped)."""
    ann = Standoff()
    for number, line in split_lines(text):
        if not line.strip():
            continue
        ident, tab, rest = line.partition("\t")
        try:
            if not tab:
                raise ValueError(line)
            _parse_line(ident, rest, number, ann)
        except (IndexError, ValueError):
            ann.malformed.append((number, line))
    return ann
