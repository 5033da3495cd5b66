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

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import islice
from operator import add, le
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from communique.schema.jsontypes import JsonObject

__all__ = [
    "ANNOTATION_LAYERS",
    "PLOVER_CONSULT",
    "PLOVER_KINDS",
    "SCHEMA_VERSION",
    "Actor",
    "AnnotatedDocument",
    "Attribution",
    "AttributionKind",
    "AttributionSource",
    "Commitment",
    "CommitmentKind",
    "ConsultRule",
    "CorpusDocument",
    "FreeText",
    "Meeting",
    "MeetingMode",
    "MeetingStatus",
    "Mention",
    "MentionForm",
    "ModalityType",
    "Official",
    "OfficialSource",
    "Participant",
    "ParticipantRole",
    "Participation",
    "PloverMapping",
    "Ref",
    "Review",
    "Section",
    "SeedMetadata",
    "Source",
    "SourceReference",
    "SourceType",
    "Span",
    "SpanModel",
    "SpeechAct",
    "Stance",
    "StanceKind",
    "TimeExpression",
    "UnresolvedReason",
    "UnresolvedSource",
    "consult_mode",
    "corpus_file_problems",
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
SourceId = Annotated[str, Field(pattern=ID_PATTERN), Ref("sources")]
AttributionId = Annotated[str, Field(pattern=ID_PATTERN), Ref("attributions")]
Country = Annotated[str, Field(pattern=COUNTRY_PATTERN)]
FreeText = Annotated[str, Field(pattern=FREE_TEXT_PATTERN)]

MentionForm = Literal["name", "nominal", "pronoun"]
Participation = Literal["participant", "mentioned"]
ParticipantRole = Literal["visitor", "host"]
MeetingStatus = Literal["stated", "implied"]
MeetingMode = Literal["in_person", "telephone", "video", "unspecified"]
SourceType = Literal["institution", "statement", "document", "group", "other"]
AttributionKind = Literal["direct", "indirect", "mixed"]
QuoteKind = AttributionKind  # the v1 name, kept while the prediction models move to 2.0
SpeechAct = Literal["assertive", "directive", "commissive", "expressive", "declarative"]
UnresolvedReason = Literal["no-antecedent", "ambiguous", "unnamed"]
#: Acts that bind the actor's side (Searle: commissives); the ``commitments`` layer (guidelines 7).
CommitmentKind = Literal["promise", "offer", "agree", "intend"]
#: Positions that do not bind the actor's side; the ``stances`` layer (guidelines 8).
StanceKind = Literal["propose", "request", "invite", "support", "oppose", "praise", "criticise", "predict", "reject"]
ModalityType = Literal["deontic", "epistemic"]
#: ``draft``: made by an extractor and not yet checked by a person; absent once checked.
Review = Literal["draft"]
REVIEW_FIELD: Any = Field(
    default=None, description="draft: made by an extractor, not yet checked (validate warns); absent once checked."
)


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
    """A person acting in an official capacity, named or not, with every mention of them (guidelines 2)."""

    id: Id
    name: FreeText | None = Field(
        default=None, description="Fullest form of the name in the text, without title or rank; null if unnamed."
    )
    title: FreeText | None = Field(
        default=None, description="The office as written, without name, rank, determiner or country expression."
    )
    rank: FreeText | None = Field(default=None, description="Military, police or diplomatic grade as written.")
    country: Country | None = Field(
        default=None, description="ISO 3166-1 alpha-3 code of the country served, only when the text says it."
    )
    organisation: FreeText | None = Field(
        default=None, description="Organisation from a phrase outside the title (guidelines 2.3); else null."
    )
    participation: Participation = Field(
        description="participant: in the participants of some meeting of this file; otherwise mentioned."
    )
    mentions: list[Mention] = Field(min_length=1, description="Every mention of this official, in text order.")
    review: Review | None = REVIEW_FIELD


# ------------------------------------------------------------------------------------------ sources


class Source(_Model):
    """A non-official source of attributions: a body, statement, document, group or other person (section 4)."""

    id: Id
    type: SourceType = Field(description="institution, statement, document, group or other (guidelines 4).")
    country: Country | None = Field(
        default=None, description="ISO 3166-1 alpha-3 code when the text makes it explicit."
    )
    mentions: list[Span] = Field(min_length=1, description="Every span that refers to this source.")
    review: Review | None = REVIEW_FIELD


# ----------------------------------------------------------------------------------------- meetings


class Participant(_Model):
    """An official taking part in a meeting, with a role where the text supports one."""

    official_id: OfficialId = Field(description="The participating official.")
    role: ParticipantRole | None = Field(
        default=None, description="visitor or host (PLOVER CONSULT, mode visit); null when the text does not say."
    )


class Meeting(_Model):
    """A meeting between officials that took place (PLOVER CONSULT; guidelines 5)."""

    id: Id
    participants: list[Participant] = Field(min_length=2, description="The officials who meet; at least two.")
    location: Span | None = Field(default=None, description="Where the meeting took place, as written.")
    time: TimeExpression | None = Field(default=None, description="When the meeting took place, as written.")
    evidence: list[Span] = Field(min_length=1, description="Each clause whose main predicate is the meeting.")
    status: MeetingStatus = Field(
        description="stated: a clause asserts the meeting; implied: the text only entails it."
    )
    mode: MeetingMode = Field(description="in_person, telephone, video, or unspecified when the medium is not given.")
    review: Review | None = REVIEW_FIELD


# ------------------------------------------------------------------------------------- attributions


class OfficialSource(_Model):
    """The source of an attribution is an annotated official."""

    type: Literal["official"]
    official_id: OfficialId = Field(description="The official the content is attributed to.")


class SourceReference(_Model):
    """The source of an attribution is a non-official source of the ``sources`` layer."""

    type: Literal["source"]
    source_id: SourceId = Field(description="The source the content is attributed to.")


class UnresolvedSource(_Model):
    """The source of an attribution cannot be resolved to an annotated item (guidelines 6.2)."""

    type: Literal["unresolved"]
    reason: UnresolvedReason = Field(
        description="no-antecedent: nothing to resolve to; ambiguous: several candidates; unnamed: not expressed."
    )


#: Who an attribution is attributed to; ``type`` decides which member applies.
AttributionSource = Annotated[OfficialSource | SourceReference | UnresolvedSource, Field(discriminator="type")]


class Attribution(_Model):
    """A reported speech act (PARC 3.0): source, cue and content, with its Searle class (guidelines 6)."""

    id: Id
    source: AttributionSource = Field(description="Who said it: an official, a source, or unresolved.")
    source_span: Span | None = Field(
        default=None, description="The expression that is the source in this relation; null when unexpressed."
    )
    cues: list[Span] = Field(description="Reporting verbs or phrases ('said', 'called for', 'in her view').")
    contents: list[Span] = Field(
        min_length=1, description="What is attributed; for direct contents without the quotation marks."
    )
    kind: AttributionKind = Field(
        description="direct: the whole content quoted; indirect: nothing quoted; mixed: part quoted."
    )
    speech_act: SpeechAct = Field(
        description="Searle class: assertive, directive, commissive, expressive, declarative."
    )
    addressee_id: OfficialId | None = Field(default=None, description="The official addressed, when the text says so.")
    meeting_id: MeetingId | None = Field(
        default=None, description="The meeting in which (or right after which) the text places the act."
    )
    review: Review | None = REVIEW_FIELD


# ------------------------------------------------------------------------------ commitments, stances


class Actor(_Model):
    """An official performing a commitment or taking a stance, with the country spoken for in this act."""

    official_id: OfficialId = Field(description="The official who performs the act.")
    country: Country | None = Field(
        default=None, description="ISO 3166-1 alpha-3 code of the country spoken for; null if not explicit."
    )


# Commitments and stances share every field but ``kind`` (and a commitment's ``condition``): the same rules for
# actors, content, evidence, time, modality and links apply to both (guidelines 7 and 8).
ACTORS_FIELD: Any = Field(min_length=1, description="The officials who perform the act, in id order.")
EVIDENCE_FIELD: Any = Field(description="The clause that expresses the act (guidelines 9.1).")
TIME_FIELD: Any = Field(default=None, description="When the act's content is to happen, as written.")
MODALITY_FIELD: Any = Field(default=None, description="The modal or stance marker as written ('will', 'ready to').")
MODALITY_TYPE_FIELD: Any = Field(
    default=None,
    description="epistemic (likelihood, belief) or deontic (obligation, volition); null without modality.",
)
ATTRIBUTION_FIELD: Any = Field(
    default=None, description="The attribution whose content contains this content; null for narrative acts."
)
MEETING_FIELD: Any = Field(default=None, description="The meeting in which the text places the act.")


class Commitment(_Model):
    """An act that binds the actor's side to a future action or state (guidelines 7): promise, offer, agree
    or intend."""

    id: Id
    actors: list[Actor] = ACTORS_FIELD
    kind: CommitmentKind = Field(description="The kind of act that binds; see the guidelines' decision procedure.")
    content: Span = Field(description="What the actor's side binds itself to.")
    evidence: Span = EVIDENCE_FIELD
    time: TimeExpression | None = TIME_FIELD
    modality: Span | None = MODALITY_FIELD
    modality_type: ModalityType | None = MODALITY_TYPE_FIELD
    condition: Span | None = Field(
        default=None,
        description="The clause stating a condition the commitment depends on, with its subordinator "
        "('if ...', 'provided that ...', 'unless ...'); null when none is stated.",
    )
    attribution_id: AttributionId | None = ATTRIBUTION_FIELD
    meeting_id: MeetingId | None = MEETING_FIELD
    review: Review | None = REVIEW_FIELD


class Stance(_Model):
    """A position an official takes that does not bind the actor's side (guidelines 8): one of nine kinds."""

    id: Id
    actors: list[Actor] = ACTORS_FIELD
    kind: StanceKind = Field(description="The kind of position; see the guidelines' decision procedure.")
    content: Span = Field(description="What is proposed, requested, supported, opposed, praised, predicted ...")
    evidence: Span = EVIDENCE_FIELD
    time: TimeExpression | None = TIME_FIELD
    modality: Span | None = MODALITY_FIELD
    modality_type: ModalityType | None = MODALITY_TYPE_FIELD
    attribution_id: AttributionId | None = ATTRIBUTION_FIELD
    meeting_id: MeetingId | None = MEETING_FIELD
    review: Review | None = REVIEW_FIELD


# --------------------------------------------------------------------------------------- documents

#: The version of the annotation file format these models describe.
SCHEMA_VERSION = "2.1"

#: The annotation layers of a document, in file order; each is a list of items with an ``id``.
ANNOTATION_LAYERS: tuple[str, ...] = ("officials", "sources", "meetings", "attributions", "commitments", "stances")


class AnnotatedDocument(_Model):
    """The gold annotations of one corpus document, file format 2.1."""

    schema_version: Literal["2.1"] = Field(description='Version of the annotation file format: "2.1".')
    document_id: Id = Field(description="Id of the corpus document (corpus/<document_id>.json).")
    text_sha256: str = Field(
        pattern=SHA256_PATTERN, description="sha256 of the document text the annotations were made against."
    )
    guidelines_version: str = Field(
        pattern=r"^\d+\.\d+$", description="Version of annotations/GUIDELINES.md that was followed."
    )
    annotators: list[FreeText] = Field(min_length=1, description="Who annotated (names or pseudonyms).")
    officials: list[Official] = Field(default_factory=list, description="Officials and their mentions.")
    sources: list[Source] = Field(default_factory=list, description="Non-official sources of attributions.")
    meetings: list[Meeting] = Field(default_factory=list, description="Meetings between officials.")
    attributions: list[Attribution] = Field(default_factory=list, description="Reported speech acts.")
    commitments: list[Commitment] = Field(
        default_factory=list, description="Acts that bind the actor's side: promises, offers, agreements, intentions."
    )
    stances: list[Stance] = Field(
        default_factory=list, description="Positions that do not bind the actor's side: proposals, requests, ..."
    )


# ------------------------------------------------------------------------------------ PLOVER mapping


@dataclass(frozen=True)
class PloverMapping:
    """How a commitment or stance kind maps to Searle and PLOVER as used for POLECAT (guidelines 10.1)."""

    searle: tuple[SpeechAct, ...]  # the speech-act classes the kind belongs to
    event: str | None  # the PLOVER event type; None where PLOVER does not code the act
    mode: str | None  # the PLOVER mode; None when verbal / not applicable
    contexts: tuple[str, ...]  # PLOVER contexts that apply
    note: str  # the exception or basis, as the guidelines state it


#: Commitment and stance kind -> Searle class, PLOVER event, mode and contexts (guidelines 10.1): the commitment
#: kinds first, then the stance kinds, each in declaration order. One source for exports and docs.
PLOVER_KINDS: dict[str, PloverMapping] = {
    "promise": PloverMapping(("commissive",), "AGREE", None, ("future",), "AGREE: promise, willingness to cooperate"),
    "offer": PloverMapping(
        ("commissive",), "AGREE", None, ("future", "hypothetical"), "AGREE: offer; hypothetical if conditional"
    ),
    "agree": PloverMapping(
        ("commissive",), "AGREE", None, ("future",), "a signed agreement is SUPPORT (CAMEO 057), no context"
    ),
    "intend": PloverMapping(("commissive",), "AGREE", None, ("future",), "CAMEO 030-039 express intent -> AGREE"),
    "propose": PloverMapping(
        ("directive",), "AGREE", None, ("future", "hypothetical"), "AGREE: the proposer's own willingness"
    ),
    "request": PloverMapping(
        ("directive",), "REQUEST", None, ("future",), "REQUEST: requests, appeals and calls, forceful demands too"
    ),
    "invite": PloverMapping(("directive",), "AGREE", None, ("future",), "CAMEO 036 express intent to meet"),
    "support": PloverMapping(
        ("assertive", "expressive"), "SUPPORT", None, (), "SUPPORT: approve a policy, position, action or cause"
    ),
    "oppose": PloverMapping(
        ("assertive", "expressive"), "ACCUSE", "disapprove", (), "ACCUSE, mode disapprove: oppose a policy or action"
    ),
    "praise": PloverMapping(("expressive",), "SUPPORT", None, (), "CAMEO 051 praise or endorse"),
    "criticise": PloverMapping(("expressive",), "ACCUSE", "disapprove", (), "CAMEO 111 criticize or denounce"),
    "predict": PloverMapping(("assertive",), None, None, ("future",), "comments (CAMEO 01) are not coded"),
    "reject": PloverMapping(
        ("commissive",), "REJECT", None, (), "REJECT: refuse a proposal, request, demand, offer or invitation"
    ),
}


@dataclass(frozen=True)
class ConsultRule:
    """One row of the meeting -> PLOVER CONSULT table (guidelines 10.2)."""

    mode: MeetingMode
    roles: Literal["visitor-host", "none", "any"]  # one visitor and one host / all null / whatever
    setting: str  # the location or setting the row applies to, as the guidelines put it
    consult_mode: str | None  # the PLOVER CONSULT mode; None: no mode
    source_recipient: str


#: Meeting mode + roles (+ setting) -> PLOVER CONSULT mode, in the guidelines' order (the multilateral row wins).
PLOVER_CONSULT: tuple[ConsultRule, ...] = (
    ConsultRule(
        "in_person",
        "any",
        "within a summit, alliance or IGO meeting named for this encounter",
        "multilateral",
        "as the other rows (with visit too if roles are given)",
    ),
    ConsultRule(
        "in_person", "visitor-host", "host's country or not stated", "visit", "visitor = source, host = recipient"
    ),
    ConsultRule(
        "in_person",
        "none",
        "a third country, or hosted by a non-participant",
        "third-party",
        "all participants = sources",
    ),
    ConsultRule(
        "in_person",
        "none",
        "not stated, or a participant's own country without a host named",
        None,
        "all participants = sources",
    ),
    ConsultRule("telephone", "any", "-", "phone", "all participants = sources"),
    ConsultRule("video", "any", "-", "phone", "all participants = sources"),
    ConsultRule("unspecified", "none", "-", None, "all participants = sources"),
    ConsultRule("unspecified", "visitor-host", "-", "visit", "visitor = source, host = recipient"),
)


def consult_mode(meeting: Meeting) -> str | None:
    """The PLOVER CONSULT mode decidable from the meeting's fields alone (mode and roles).

    The ``multilateral`` and ``third-party`` rows depend on the setting, which only the text gives: they are
    not decided here.
    """
    roles = sorted(p.role for p in meeting.participants if p.role is not None)
    if meeting.mode in ("telephone", "video"):
        return "phone"
    if roles == ["host", "visitor"]:
        return "visit"
    return None


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
    def _expand_stored(cls, data: object) -> object:
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


def pairs_of(stored: object, size: int) -> list[tuple[int, int]]:
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


#: The keys of a corpus document file (:class:`CorpusFile`), in the order they are written.
CORPUS_FILE_KEYS = tuple(CorpusFile.model_fields)
SPAN_KEYS = frozenset({"start", "end", "text"})
SPAN_FORM_KEYS = frozenset(Span.model_fields)  # a span in the span form may carry Span's optional fields
NORMALISATIONS = frozenset(get_args(get_args(CorpusFile.model_fields["normalisations"].annotation)[0]))


def corpus_file_problems(data: object, document_id: str | None = None) -> list[tuple[str, str]]:
    """What is wrong with a parsed corpus document file, as ``(JSON path, message)`` pairs (none: it is sound).

    The one structural check every reader of ``corpus/<id>.json`` goes through, so that no later stage meets a
    corrupt document unannounced: every key present and none unknown; ``id`` (the file's, when
    ``document_id`` is given); ``text`` and its ``sha256``; ``normalisations``; ``metadata`` (a
    :class:`SeedMetadata` of the same id); the offset arrays of ``paragraphs``, ``headings``, ``sentences``
    and ``tokens`` (integers, sorted, not overlapping, inside the text; either stored form) and ``sections``.
    One linear pass, mostly in C; the first problem of each key is reported.
    """
    if not isinstance(data, dict):
        return [("$", f"a corpus document must be a JSON object, not {type(data).__name__}")]
    problems = [(f"$.{key}", "required key is missing") for key in CORPUS_FILE_KEYS if key not in data]
    problems += [(f"$.{key}", "unknown key") for key in data if key not in CORPUS_FILE_KEYS]
    doc_id, text = data.get("id"), data.get("text")
    if "id" in data and (not isinstance(doc_id, str) or not re.fullmatch(ID_PATTERN, doc_id)):
        problems.append(("$.id", f"{_shown(doc_id)} is not a document id"))
    elif document_id is not None and doc_id is not None and doc_id != document_id:
        problems.append(("$.id", f"{_shown(doc_id)} is not the file's id {document_id!r}"))
    if "text" in data and not isinstance(text, str):
        problems.append(("$.text", f"must be a string, not {type(text).__name__}"))
        text = None
    if "sha256" in data and isinstance(text, str):
        sha = data["sha256"]
        try:
            actual = hashlib.sha256(text.encode("utf-8")).hexdigest()
        except UnicodeEncodeError:  # a lone surrogate (\ud800) in the JSON
            problems.append(("$.text", "holds a lone surrogate: not Unicode text"))
        else:
            if sha != actual:
                problems.append(("$.sha256", f"{_shown(sha)} is not the sha256 of the text ({actual})"))
    normalisations = data.get("normalisations", [])
    if not isinstance(normalisations, list) or not all(isinstance(n, str) for n in normalisations):
        problems.append(("$.normalisations", "must be a list of names"))
    elif unknown := sorted(set(normalisations) - NORMALISATIONS):
        problems.append(("$.normalisations", f"unknown normalisation {unknown[0]!r}"))
    if "metadata" in data:
        problems += _metadata_problems(data["metadata"], doc_id)
    if text is None:
        return problems  # offsets cannot be checked against a text there is not
    paragraphs = 0
    for name in SEGMENTATION:
        if name in data:
            found, count = _offsets_problem(data[name], text)
            if found is not None:
                problems.append((f"$.{name}{found[0]}", found[1]))
            elif name == "paragraphs":
                paragraphs = count
    if "sections" in data:
        problems += _sections_problems(data["sections"], len(text), paragraphs, text)
    return problems


def _shown(value: object) -> str:
    """A value for a message, cut short: a corrupt file may hold anything."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _metadata_problems(metadata: object, doc_id: object) -> list[tuple[str, str]]:
    if not isinstance(metadata, dict):
        return [("$.metadata", f"must be an object, not {type(metadata).__name__}")]
    try:
        SeedMetadata.model_validate(metadata)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
        return [(f"$.metadata{where}", str(error["msg"]))]
    if isinstance(doc_id, str) and metadata["id"] != doc_id:
        return [("$.metadata.id", f"{_shown(metadata['id'])} is not the document's id {doc_id!r}")]
    return []


def _offsets_problem(stored: object, text: str) -> tuple[tuple[str, str] | None, int]:
    """The first problem of one segmentation (the compact :class:`Offsets`, or a list of span objects in
    older files) as ``(path below the key, message)``, and the number of spans."""
    size = len(text)
    if isinstance(stored, list):  # the span form: [{start, end, text}, ...]
        previous = 0
        for i, span in enumerate(stored):
            if not isinstance(span, dict) or not SPAN_KEYS <= span.keys() <= SPAN_FORM_KEYS:
                return (f"[{i}]", "a span must be an object with start, end and text"), 0
            start, end = span["start"], span["end"]
            if type(start) is not int or type(end) is not int:
                return (f"[{i}]", "start and end must be integers"), 0
            if not previous <= start < end <= size:
                return (f"[{i}]", f"[{start}, {end}) is out of order, empty or outside the text ({size})"), 0
            if span["text"] != text[start:end]:
                return (f"[{i}].text", "is not the text at its offsets"), 0
            previous = end
        return None, len(stored)
    if not isinstance(stored, dict) or set(stored) != {"starts", "lengths"}:
        return ("", "must be an object with exactly `starts` and `lengths`"), 0
    starts, lengths = stored["starts"], stored["lengths"]
    if not isinstance(starts, list) or not isinstance(lengths, list):
        return ("", "`starts` and `lengths` must be lists"), 0
    if len(starts) != len(lengths):
        return (".lengths", f"has {len(lengths)} entries for {len(starts)} starts"), 0
    if not starts:
        return None, 0
    # the fast path, all in C: integers; lengths >= 1; each span starts at or after the previous end
    if (
        set(map(type, starts)) == {int}
        and set(map(type, lengths)) == {int}
        and starts[0] >= 0
        and min(lengths) >= 1
        and all(map(le, (ends := list(map(add, starts, lengths))), islice(starts, 1, None)))
        and ends[-1] <= size
    ):
        return None, len(starts)
    return _offsets_located(starts, lengths, size), 0


def _offsets_located(starts: list[object], lengths: list[object], size: int) -> tuple[str, str]:
    """Where the fast check of :func:`_offsets_problem` failed (the slow path: only for a broken file)."""
    previous = 0
    for i, (start, length) in enumerate(zip(starts, lengths, strict=True)):
        if type(start) is not int:
            return f".starts[{i}]", f"{_shown(start)} is not an integer"
        if type(length) is not int:
            return f".lengths[{i}]", f"{_shown(length)} is not an integer"
        if start < 0:
            return f".starts[{i}]", f"{start} is negative"
        if length < 1:
            return f".lengths[{i}]", f"{length} is not a length (at least 1)"
        if start < previous:
            return (
                f".starts[{i}]",
                f"{start} is before the end of the previous span ({previous}): unsorted or overlapping",
            )
        if start + length > size:
            return f".lengths[{i}]", f"the span [{start}, {start + length}) ends past the text ({size} code points)"
        previous = start + length
    raise AssertionError("the fast check failed on sound offsets")  # pragma: no cover


def _pair_problem(pair: object, size: int, text: str) -> str | None:
    """What is wrong with a section's ``[start, end)`` (or a span object, in the span form)."""
    if isinstance(pair, dict):  # the span form
        if not SPAN_KEYS <= pair.keys() <= SPAN_FORM_KEYS:
            return "a span must be an object with start, end and text"
        start, end = pair["start"], pair["end"]
        if type(start) is int and type(end) is int and 0 <= start < end <= size and pair["text"] != text[start:end]:
            return "its text is not the text at its offsets"
    elif isinstance(pair, list) and len(pair) == 2:
        start, end = pair
    else:
        return f"must be [start, end], not {_shown(pair)}"
    if type(start) is not int or type(end) is not int or not 0 <= start < end <= size:
        return f"[{_shown(start)}, {_shown(end)}) is not a stretch of the text ({size} code points)"
    return None


def _sections_problems(sections: object, size: int, paragraphs: int, text: str) -> list[tuple[str, str]]:
    if not isinstance(sections, list):
        return [("$.sections", f"must be a list, not {type(sections).__name__}")]
    for i, section in enumerate(sections):
        where = f"$.sections[{i}]"
        if not isinstance(section, dict) or set(section) != {"index", "heading", "span", "paragraphs"}:
            return [(where, "a section must be an object with exactly index, heading, span and paragraphs")]
        if type(section["index"]) is not int or section["index"] != i:
            return [(f"{where}.index", f"{_shown(section['index'])} is not the section's position {i}")]
        for key in ("heading", "span"):
            if key == "heading" and section[key] is None:
                continue
            if (problem := _pair_problem(section[key], size, text)) is not None:
                return [(f"{where}.{key}", problem)]
        members = section["paragraphs"]
        if not isinstance(members, list) or not all(type(p) is int and 0 <= p < paragraphs for p in members):
            return [(f"{where}.paragraphs", f"must be indices of the document's {paragraphs} paragraphs")]
    return []


def expand_stored(data: Mapping[str, object]) -> dict[str, object]:
    """The span form of a stored corpus document (``text`` filled in from the document text)."""
    text = data["text"]
    if not isinstance(text, str):
        raise ValueError(f"a corpus document's text must be a string, not {type(text).__name__}")

    def span(pair: object) -> dict[str, object]:
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


def stored_form(document: CorpusDocument) -> JsonObject:
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
