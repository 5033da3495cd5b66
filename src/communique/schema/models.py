"""The schema: Pydantic v2 models, the single source of truth.

Everything else is derived from these classes: the JSON Schemas in ``schema/``, the label lists used by
exports, and the walk that anchors spans and resolves references during validation.

Conventions (see ``annotations/GUIDELINES.md``):

* offsets are Unicode code points, half-open ``[start, end)``, and every span carries its ``text``;
* references to other items end in ``_id``/``_ids`` and are declared with :class:`Ref`, which names the
  layer they point into;
* labels are lower_snake literals, declared once here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "ANNOTATION_LAYERS",
    "AnnotatedDocument",
    "Commitment",
    "CommitmentKind",
    "CorpusDocument",
    "Meeting",
    "MeetingStatus",
    "Mention",
    "MentionForm",
    "Official",
    "Participant",
    "ParticipantRole",
    "Participation",
    "Quote",
    "QuoteKind",
    "Ref",
    "Section",
    "SeedMetadata",
    "Span",
    "SpanModel",
    "TimeExpression",
    "labels",
]

#: Ids are short, readable and stable: lower-case letters, digits, ``_`` and ``-``.
ID_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"
#: ISO 3166-1 alpha-3 country codes; the validator also checks the code exists.
COUNTRY_PATTERN = r"^[A-Z]{3}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
#: Free text holds no control characters (C0, DEL, C1) and no line or paragraph separators: a tab or line
#: break in a name would break the line-based formats it is exported to (brat standoff, Markdown tables).
FREE_TEXT_PATTERN = r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$"


@dataclass(frozen=True)
class Ref:
    """Marks a string field as a reference to the ``id`` of an item in another layer."""

    layer: str


class _Model(BaseModel):
    # strict: no coercion ("3" is not 3); forbid: a misspelt field is an error, not silently dropped.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


Id = Annotated[str, Field(pattern=ID_PATTERN, description="Identifier, unique within the document.")]
OfficialId = Annotated[str, Field(pattern=ID_PATTERN), Ref("officials")]
MeetingId = Annotated[str, Field(pattern=ID_PATTERN), Ref("meetings")]
QuoteId = Annotated[str, Field(pattern=ID_PATTERN), Ref("quotes")]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN)]
FreeText = Annotated[str, Field(pattern=FREE_TEXT_PATTERN)]

MentionForm = Literal["name", "nominal", "pronoun"]
Participation = Literal["participant", "mentioned"]
ParticipantRole = Literal["visitor", "host"]
MeetingStatus = Literal["stated", "implied"]
QuoteKind = Literal["direct", "indirect", "mixed"]
CommitmentKind = Literal[
    "pledge", "offer", "invitation", "proposal", "intention", "expectation", "support", "readiness"
]


# --------------------------------------------------------------------------------------------- spans


class SpanModel(_Model):
    """Base of every span model (gold :class:`Span`, the lenient prediction spans): what the walk anchors.

    It holds no fields, so each span model types its own (a gold offset is required, a predicted one not).
    """


class Span(SpanModel):
    """A stretch of the document text: code-point offsets, half-open, with the text they cover.

    In hand-written files a span may give ``text`` alone, with ``occurrence`` or ``prefix``/``suffix`` when
    the text occurs more than once (W3C TextQuoteSelector); ``communique anchor`` then writes the offsets.
    """

    start: int = Field(ge=0, description="Offset of the first character, in Unicode code points.")
    end: int = Field(ge=0, description="Offset one past the last character (half-open), in code points.")
    text: str = Field(min_length=1, description="The covered text; must equal document.text[start:end].")
    occurrence: int | None = Field(
        default=None,
        ge=1,
        description="Which occurrence of `text` is meant (1 = first); used only to anchor text-only spans.",
    )
    prefix: str | None = Field(
        default=None, min_length=1, description="Text immediately before the span, to disambiguate it."
    )
    suffix: str | None = Field(
        default=None, min_length=1, description="Text immediately after the span, to disambiguate it."
    )


class TimeExpression(Span):
    """A time expression as written; ``value`` only when the text itself fixes a calendar date."""

    value: str | None = Field(
        default=None,
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD) when the text fixes one; otherwise null.",
    )


class Mention(Span):
    """One mention of an official in the text (ACE convention for its form)."""

    form: MentionForm = Field(description="name: a proper name; nominal: a title or description; pronoun: a pronoun.")


# ---------------------------------------------------------------------------------------- officials


class Official(_Model):
    """A person acting in an official capacity, named or not, with every mention of them."""

    id: Id
    name: FreeText | None = Field(
        description="Full name as the text gives it; null for an official the text does not name."
    )
    title: FreeText | None = Field(description="Title or role as the text gives it, e.g. 'Defense Minister'.")
    rank: FreeText | None = Field(description="Military or civil rank as the text gives it, e.g. 'Major General'.")
    country: Country | None = Field(description="ISO 3166-1 alpha-3 code of the country they serve.")
    organisation: FreeText | None = Field(description="Organisation they belong to, as the text names it.")
    participation: Participation = Field(
        description="participant: takes part in the reported events; mentioned: only talked about."
    )
    mentions: list[Mention] = Field(min_length=1, description="Every mention of this official.")


# ----------------------------------------------------------------------------------------- meetings


class Participant(_Model):
    """An official taking part in a meeting, with a role where the text supports one."""

    official_id: OfficialId = Field(description="The participating official.")
    role: ParticipantRole | None = Field(
        description="visitor or host (PLOVER CONSULT, mode visit); null when the text does not say."
    )


class Meeting(_Model):
    """A meeting between officials (PLOVER CONSULT)."""

    id: Id
    participants: list[Participant] = Field(min_length=2, description="The officials who meet; at least two.")
    location: Span | None = Field(description="Where the meeting took place, as written.")
    time: TimeExpression | None = Field(description="When the meeting took place, as written.")
    evidence: list[Span] = Field(min_length=1, description="Text that states or implies the meeting.")
    status: MeetingStatus = Field(
        description="stated: the text says the meeting took place; implied: only inferable from the text."
    )


# ------------------------------------------------------------------------------------------- quotes


class Quote(_Model):
    """An attribution: who said (source), how it is introduced (cue) and what (content)."""

    id: Id
    speaker_id: OfficialId = Field(description="The official to whom the words are attributed.")
    cues: list[Span] = Field(description="Reporting verbs or phrases ('said', 'stated, adding').")
    contents: list[Span] = Field(
        min_length=1, description="What was said; for direct quotes without the quotation marks."
    )
    kind: QuoteKind = Field(description="direct: verbatim in quotation marks; indirect: reported speech; mixed: both.")
    addressee_id: OfficialId | None = Field(default=None, description="The official spoken to, when the text says so.")
    meeting_id: MeetingId | None = Field(default=None, description="The meeting in which it was said.")


# -------------------------------------------------------------------------------------- commitments


class Commitment(_Model):
    """A forward-looking statement that binds, offers, invites, proposes, expects or supports."""

    id: Id
    actor_id: OfficialId = Field(description="The official who makes the commitment.")
    country: Country | None = Field(description="ISO 3166-1 alpha-3 code of the country the actor speaks for.")
    kind: CommitmentKind = Field(description="The kind of commitment; see the guidelines' test questions.")
    content: Span = Field(description="What is committed to.")
    evidence: Span = Field(description="The clause or sentence that expresses the commitment.")
    time: TimeExpression | None = Field(default=None, description="When it is to happen, as written.")
    modality: Span | None = Field(
        default=None, description="The modal or commissive cue ('will', 'can', 'should', 'expected', ...)."
    )
    quote_id: QuoteId | None = Field(default=None, description="The quote that carries the commitment.")
    meeting_id: MeetingId | None = Field(default=None, description="The meeting in which it was made.")


# --------------------------------------------------------------------------------------- documents

#: The annotation layers of a document, in file order; each is a list of items with an ``id``.
ANNOTATION_LAYERS: tuple[str, ...] = ("officials", "meetings", "quotes", "commitments")


class AnnotatedDocument(_Model):
    """The gold annotations of one corpus document."""

    document_id: Id = Field(description="Id of the corpus document (corpus/<document_id>.json).")
    text_sha256: str = Field(
        pattern=SHA256_PATTERN, description="sha256 of the document text the annotations were made against."
    )
    guidelines_version: str = Field(
        pattern=r"^\d+\.\d+$", description="Version of annotations/GUIDELINES.md that was followed."
    )
    annotators: list[FreeText] = Field(min_length=1, description="Who annotated (names or pseudonyms).")
    officials: list[Official] = Field(default_factory=list, description="Officials and their mentions.")
    meetings: list[Meeting] = Field(default_factory=list, description="Meetings between officials.")
    quotes: list[Quote] = Field(default_factory=list, description="Direct, indirect and mixed quotes.")
    commitments: list[Commitment] = Field(default_factory=list, description="Commitments made.")


class SeedMetadata(_Model):
    """What is known about a seed text beyond the text itself. Unknown facts stay null."""

    id: Id
    source_file: FreeText = Field(description="File name of the seed as it was received.")
    source_sha256: str = Field(pattern=SHA256_PATTERN, description="sha256 of the received bytes.")
    language: str = Field(default="en", pattern=r"^[a-z]{2,3}$", description="ISO 639 language code.")
    dateline: FreeText | None = Field(default=None, description="Dateline as printed at the start of the text.")
    title: FreeText | None = Field(default=None, description="Headline, if the text gives one.")
    publication_date: FreeText | None = Field(default=None, description="Publication date; null when unknown.")
    url: FreeText | None = Field(default=None, description="Where it was published; null when unknown.")
    publisher: FreeText | None = Field(default=None, description="Who published it; null when unknown.")
    licence: FreeText | None = Field(default=None, description="Licence of the text; null when unknown.")


class Section(_Model):
    """A section heading plus the paragraphs under it; the lead before the first heading is a section."""

    index: int = Field(ge=0, description="Position of the section in the document, from 0.")
    heading: Span | None = Field(description="The heading; null for the lead.")
    span: Span = Field(description="From the heading (or the start) to the end of the last paragraph.")
    paragraphs: list[int] = Field(description="Indices into `paragraphs`, heading paragraph included.")


class CorpusDocument(_Model):
    """A corpus document: the seed text, its hash and its segmentation. Generated; do not edit."""

    id: Id
    text: str = Field(description="The document text, after the documented normalisations.")
    sha256: str = Field(pattern=SHA256_PATTERN, description="sha256 of the UTF-8 encoded text.")
    normalisations: list[Literal["bom", "crlf", "nfc"]] = Field(
        description="Normalisations that changed the seed bytes (empty when it came through unchanged)."
    )
    metadata: SeedMetadata
    paragraphs: list[Span] = Field(description="Blocks separated by blank lines.")
    headings: list[Span] = Field(description="Paragraphs that are section headings.")
    sections: list[Section] = Field(description="Sections, in order; they tile the paragraphs.")
    sentences: list[Span] = Field(description="Sentences, within paragraphs.")
    tokens: list[Span] = Field(description="Tokens, within sentences; they cover every non-space character.")

    @model_validator(mode="before")
    @classmethod
    def _expand_stored(cls, data: Any) -> Any:
        """Read the stored form (:class:`CorpusFile`: offset arrays) into spans; the span form passes."""
        if isinstance(data, dict) and isinstance(data.get("tokens"), dict) and isinstance(data.get("text"), str):
            return expand_stored(data)
        return data


class Offsets(_Model):
    """Spans of the text, stored compactly: the i-th is ``[starts[i], starts[i] + lengths[i])`` (code points)."""

    starts: list[Annotated[int, Field(ge=0)]] = Field(description="Offset of each span's first character.")
    lengths: list[Annotated[int, Field(ge=1)]] = Field(description="Each span's length in code points.")


class StoredSection(_Model):
    """A :class:`Section` as stored: ``[start, end)`` pairs instead of spans."""

    index: int = Field(ge=0, description="Position of the section in the document, from 0.")
    heading: tuple[int, int] | None = Field(description="The heading's [start, end); null for the lead.")
    span: tuple[int, int] = Field(description="From the heading (or the start) to the end of the last paragraph.")
    paragraphs: list[int] = Field(description="Indices into `paragraphs`, heading paragraph included.")


class CorpusFile(_Model):
    """A corpus document as stored in ``corpus/<id>.json``: the text once, its segmentation as offset arrays.

    Every span's text is ``text[start:end]``, so it is not repeated; readers give :class:`CorpusDocument`.
    """

    id: Id
    text: str = Field(description="The document text, after the documented normalisations.")
    sha256: str = Field(pattern=SHA256_PATTERN, description="sha256 of the UTF-8 encoded text.")
    normalisations: list[Literal["bom", "crlf", "nfc"]] = Field(
        description="Normalisations that changed the seed bytes (empty when it came through unchanged)."
    )
    metadata: SeedMetadata
    paragraphs: Offsets = Field(description="Blocks separated by blank lines.")
    headings: Offsets = Field(description="Paragraphs that are section headings.")
    sections: list[StoredSection] = Field(description="Sections, in order; they tile the paragraphs.")
    sentences: Offsets = Field(description="Sentences, within paragraphs.")
    tokens: Offsets = Field(description="Tokens, within sentences; they cover every non-space character.")


SEGMENTATION = ("paragraphs", "headings", "sentences", "tokens")


def pairs_of(stored: Any, size: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` pairs of stored :class:`Offsets`; ``ValueError`` if they do not fit a text of ``size``."""
    if not isinstance(stored, dict) or set(stored) != {"starts", "lengths"}:
        raise ValueError("offsets must be an object with `starts` and `lengths`")
    starts, lengths = stored["starts"], stored["lengths"]
    if not (isinstance(starts, list) and isinstance(lengths, list)) or len(starts) != len(lengths):
        raise ValueError("`starts` and `lengths` must be lists of the same length")
    pairs = []
    for start, length in zip(starts, lengths):
        if type(start) is not int or type(length) is not int or start < 0 or length < 1 or start + length > size:
            raise ValueError(f"offset {start!r} with length {length!r} does not fit a text of {size} code points")
        pairs.append((start, start + length))
    return pairs


def expand_stored(data: dict[str, Any]) -> dict[str, Any]:
    """The span form of a stored corpus document (``text`` filled in from the document text)."""
    text = data["text"]

    def span(pair: Any) -> dict[str, Any]:
        if not (isinstance(pair, list | tuple) and len(pair) == 2 and all(type(x) is int for x in pair)):
            raise ValueError(f"a section's span must be [start, end], not {pair!r}")
        return {"start": pair[0], "end": pair[1], "text": text[pair[0] : pair[1]]}

    out = dict(data)
    for name in SEGMENTATION:
        out[name] = [{"start": s, "end": e, "text": text[s:e]} for s, e in pairs_of(data.get(name), len(text))]
    sections = data.get("sections")
    if isinstance(sections, list):
        out["sections"] = [
            {**section, "heading": None if section.get("heading") is None else span(section["heading"]),
             "span": span(section.get("span"))}
            if isinstance(section, dict) else section
            for section in sections
        ]  # fmt: skip
    return out


def stored_form(document: CorpusDocument) -> dict[str, Any]:
    """The :class:`CorpusFile` form of a corpus document, as plain JSON data."""

    def offsets(spans: list[Span]) -> dict[str, list[int]]:
        return {"starts": [s.start for s in spans], "lengths": [s.end - s.start for s in spans]}

    return {
        "id": document.id,
        "text": document.text,
        "sha256": document.sha256,
        "normalisations": list(document.normalisations),
        "metadata": document.metadata.model_dump(mode="json"),  # unknown facts are written out as null
        "paragraphs": offsets(document.paragraphs),
        "headings": offsets(document.headings),
        "sections": [
            {
                "index": s.index,
                "heading": [s.heading.start, s.heading.end] if s.heading else None,
                "span": [s.span.start, s.span.end],
                "paragraphs": s.paragraphs,
            }
            for s in document.sections
        ],
        "sentences": offsets(document.sentences),
        "tokens": offsets(document.tokens),
    }


def labels(literal: object) -> list[str]:
    """The label names of a ``Literal`` type, in declaration order (for ClassLabel, brat, enums)."""
    return list(get_args(literal))
