"""Predictions: the lenient counterparts of the gold models of :mod:`communique.schema.models`.

The prediction models are separate classes, not subclasses of the gold ones: a field that is required and
strictly typed in the gold (offsets, ids, labels) is optional here, and a subclass may not widen the type
of the field it inherits. What the two sides share is only :class:`~communique.schema.models.SpanModel`,
a field-less base that tells the walk which models are spans. Relative to the gold:

* every layer and most fields are optional (an extractor may predict quotes and nothing else);
* a span may give ``text`` alone (LLMs return strings, not offsets); it is anchored to the document by
  whole tokens after a typographic normalisation (see :mod:`communique.bench.predictions`), with
  ``occurrence`` or ``prefix``/``suffix`` to say which occurrence;
* ids are free-form and optional;
* an official is referenced by exactly one of ``*_id`` (an official of the prediction), ``*_name`` (a name
  as written) or ``*_span`` (a stretch of the text, e.g. the pronoun "he" a quotation extractor returns);
* every item (official, mention, meeting, participant, quote, commitment) may carry a ``confidence`` in
  [0, 1] (``bench --min-confidence`` drops items below a threshold; the report sweeps thresholds);
* the document and every item may carry ``meta``, a free-form object that scoring ignores (model names,
  prompts, raw scores). Any other unknown field is an error.

A gold annotation document is therefore a valid prediction. ``schema/prediction.schema.json`` is generated
from :class:`PredictedDocument`; ``schema/prediction.flat.schema.json`` is the same schema with every
``$ref`` inlined, for structured-output APIs that do not resolve references.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from communique.schema.models import (
    SHA256_PATTERN,
    CommitmentKind,
    Country,
    Id,
    MeetingStatus,
    MentionForm,
    ParticipantRole,
    Participation,
    QuoteKind,
    Ref,
    SpanModel,
)

__all__ = [
    "NAME_FIELDS",
    "REFERENCE_FIELDS",
    "FlatPredictedDocument",
    "PredictedCommitment",
    "PredictedDocument",
    "PredictedMeeting",
    "PredictedMention",
    "PredictedOfficial",
    "PredictedParticipant",
    "PredictedQuote",
    "PredictedSpan",
    "PredictedTime",
    "inline_refs",
]

#: the ways an official may be referenced: id field -> (name field, span field); at most one is given
REFERENCE_FIELDS: dict[str, tuple[str, str]] = {
    "speaker_id": ("speaker_name", "speaker_span"),
    "addressee_id": ("addressee_name", "addressee_span"),
    "actor_id": ("actor_name", "actor_span"),
    "official_id": ("official_name", "official_span"),
}
#: reference fields that may instead be given by name: id field -> name field
NAME_FIELDS: dict[str, str] = {k: v[0] for k, v in REFERENCE_FIELDS.items()}

PredictionId = Annotated[
    str, Field(min_length=1, max_length=128, description="Any identifier, unique within the document.")
]
OfficialRef = Annotated[str, Field(min_length=1, max_length=128), Ref("officials")]
MeetingRef = Annotated[str, Field(min_length=1, max_length=128), Ref("meetings")]
QuoteRef = Annotated[str, Field(min_length=1, max_length=128), Ref("quotes")]
Name = Annotated[str, Field(min_length=1, max_length=256)]
Confidence = Annotated[
    float,
    Field(
        ge=0.0,
        le=1.0,
        description="How sure the extractor is, in [0, 1]; `bench --min-confidence` drops items below a "
        "threshold. Absent: always kept.",
    ),
]
Meta = Annotated[
    dict[str, Any],
    Field(description="Free-form data for the extractor's own use (model, prompt, raw scores); ignored by scoring."),
]


class _Lenient(BaseModel):
    # strict and closed like the gold models: a misspelt field is an error; `meta` is the place for extras
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PredictedSpan(SpanModel):
    """A span given by offsets and text, or by text alone (anchored to the document when scored).

    Give ``occurrence`` or a few words of ``prefix``/``suffix`` when the text occurs more than once;
    otherwise it is placed by the other spans of its item, or reported and scored as wrong.
    """

    start: int | None = Field(
        default=None,
        ge=0,
        description="Offset of the first character in Unicode code "
        "points; omit it to have `text` anchored to the document.",
    )
    end: int | None = Field(
        default=None,
        ge=0,
        description="Offset one past the last character (half-open), in code points; omit it with `start`.",
    )
    text: str = Field(min_length=1, description="The covered text; with offsets, must equal document.text[start:end].")
    occurrence: int | None = Field(
        default=None, ge=1, description="Which whole-token occurrence of `text` is meant (1 = first)."
    )
    prefix: str | None = Field(
        default=None, min_length=1, description="Text immediately before the span, to disambiguate it."
    )
    suffix: str | None = Field(
        default=None, min_length=1, description="Text immediately after the span, to disambiguate it."
    )


class PredictedTime(PredictedSpan):
    """A time expression as written (``value`` only when the text fixes a calendar date)."""

    value: str | None = Field(
        default=None,
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$",
        description="ISO 8601 date (YYYY, YYYY-MM or YYYY-MM-DD) when the text fixes one; otherwise null.",
    )


class PredictedMention(PredictedSpan):
    """One mention of an official; ``form`` may be left out."""

    form: MentionForm | None = Field(default=None, description="name, nominal or pronoun; null if not predicted.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedOfficial(_Lenient):
    """An official; every attribute is optional, and an official may be declared by name with no mentions."""

    id: PredictionId | None = Field(default=None, description="Needed only to reference the official by id.")
    name: str | None = Field(default=None, description="Full name as the text gives it.")
    title: str | None = Field(default=None, description="Title or role as the text gives it.")
    rank: str | None = Field(default=None, description="Rank as the text gives it.")
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-3 code of the country served.")
    organisation: str | None = Field(default=None, description="Organisation, as the text names it.")
    participation: Participation | None = Field(default=None, description="participant or mentioned.")
    mentions: list[PredictedMention] = Field(default_factory=list, description="Mentions of this official.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedParticipant(_Lenient):
    """A meeting participant, by exactly one of ``official_id``, ``official_name`` or ``official_span``."""

    official_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    official_name: Name | None = Field(
        default=None, description="The official's name as written (instead of official_id)."
    )
    official_span: PredictedSpan | None = Field(
        default=None,
        description="A mention of the official in the text (instead of official_id); resolves to the gold "
        "official with an overlapping mention, else to the predicted official holding it.",
    )
    role: ParticipantRole | None = Field(default=None, description="visitor or host; null when not predicted.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedMeeting(_Lenient):
    """A meeting; matched to the gold by its evidence, or by its participants when it gives no evidence."""

    id: PredictionId | None = None
    participants: list[PredictedParticipant] = Field(default_factory=list, description="The officials who meet.")
    location: PredictedSpan | None = Field(default=None, description="Where, as written.")
    time: PredictedTime | None = Field(default=None, description="When, as written.")
    evidence: list[PredictedSpan] = Field(default_factory=list, description="Text that states the meeting.")
    status: MeetingStatus | None = Field(default=None, description="stated or implied; null if not predicted.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedQuote(_Lenient):
    """A quote: contents required; the speaker by at most one of ``speaker_id``, ``speaker_name``, ``speaker_span``."""

    id: PredictionId | None = None
    speaker_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    speaker_name: Name | None = Field(
        default=None, description="The speaker's name as written (instead of speaker_id)."
    )
    speaker_span: PredictedSpan | None = Field(
        default=None,
        description="The speaker as a stretch of the text ('he', 'the minister'), as quotation extractors return "
        "it; resolves to the gold official with an overlapping mention, else to the predicted official holding it.",
    )
    cues: list[PredictedSpan] = Field(default_factory=list, description="Reporting verbs or phrases.")
    contents: list[PredictedSpan] = Field(
        min_length=1, description="What was said; quotation marks and edge whitespace are ignored when scoring."
    )
    kind: QuoteKind | None = Field(default=None, description="direct, indirect or mixed; null if not predicted.")
    addressee_id: OfficialRef | None = None
    addressee_name: Name | None = None
    addressee_span: PredictedSpan | None = None
    meeting_id: MeetingRef | None = None
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedCommitment(_Lenient):
    """A commitment: evidence required; the actor by at most one of ``actor_id``, ``actor_name``, ``actor_span``."""

    id: PredictionId | None = None
    actor_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    actor_name: Name | None = Field(default=None, description="The actor's name as written (instead of actor_id).")
    actor_span: PredictedSpan | None = Field(
        default=None, description="The actor as a stretch of the text (instead of actor_id)."
    )
    country: Country | None = None
    kind: CommitmentKind | None = Field(default=None, description="The kind; null if not predicted.")
    content: PredictedSpan | None = Field(default=None, description="What is committed to.")
    evidence: PredictedSpan = Field(description="The clause that expresses the commitment.")
    time: PredictedTime | None = None
    modality: PredictedSpan | None = None
    quote_id: QuoteRef | None = None
    meeting_id: MeetingRef | None = None
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedDocument(_Lenient):
    """One line of a prediction file (JSON Lines): an extractor's output for one corpus document."""

    document_id: Id = Field(description="Id of the corpus document (corpus/<document_id>.json).")
    text_sha256: str | None = Field(
        default=None,
        pattern=SHA256_PATTERN,
        description="sha256 of the text the predictions were made on; checked when given.",
    )
    guidelines_version: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    annotators: list[str] = Field(default_factory=list, description="Who or what made the predictions.")
    officials: list[PredictedOfficial] = Field(default_factory=list, description="Officials and their mentions.")
    meetings: list[PredictedMeeting] = Field(default_factory=list, description="Meetings between officials.")
    quotes: list[PredictedQuote] = Field(default_factory=list, description="Quotes.")
    commitments: list[PredictedCommitment] = Field(default_factory=list, description="Commitments.")
    meta: Meta | None = None


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every local ``$ref`` replaced by its definition and ``$defs`` dropped.

    The models are not recursive, so inlining terminates.
    """
    defs = schema.get("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return expand({**defs[ref.removeprefix("#/$defs/")], **rest})
            return {k: expand(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    out: dict[str, Any] = expand(schema)
    return out


class FlatPredictedDocument(PredictedDocument):
    """:class:`PredictedDocument` whose JSON Schema has no ``$ref`` (for APIs that cannot resolve them)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return inline_refs(PredictedDocument.model_json_schema(*args, **kwargs))
