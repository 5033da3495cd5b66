"""Predictions: the gold models of :mod:`communique.schema.models`, made lenient where real extractors are.

Each class subclasses its gold counterpart and relaxes only what an extractor may not know:

* every layer and most fields are optional (an extractor may predict quotes and nothing else);
* a span may give ``text`` alone (LLMs return strings, not offsets); it is anchored to the document like a
  hand-written gold span (``occurrence``, ``prefix``/``suffix`` say which occurrence);
* ids are free-form and optional;
* officials may be referenced by ``*_id`` (an official of the prediction) or by ``*_name`` (a name as
  written, matched to the officials by name).

A gold annotation document is therefore a valid prediction. ``schema/prediction.schema.json`` is generated
from :class:`PredictedDocument`; ``schema/prediction.flat.schema.json`` is the same schema with every
``$ref`` inlined, for structured-output APIs that do not resolve references.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from communique.schema.models import (
    SHA256_PATTERN,
    AnnotatedDocument,
    Commitment,
    CommitmentKind,
    Country,
    Meeting,
    MeetingStatus,
    Mention,
    MentionForm,
    Official,
    Participant,
    ParticipantRole,
    Participation,
    Quote,
    QuoteKind,
    Ref,
    Span,
    TimeExpression,
)

__all__ = [
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

#: reference fields that may instead be given by name: id field -> name field
NAME_FIELDS: dict[str, str] = {
    "speaker_id": "speaker_name",
    "addressee_id": "addressee_name",
    "actor_id": "actor_name",
    "official_id": "official_name",
}

PredictionId = Annotated[
    str, Field(min_length=1, max_length=128, description="Any identifier, unique within the document.")
]
OfficialRef = Annotated[str, Field(min_length=1, max_length=128), Ref("officials")]
MeetingRef = Annotated[str, Field(min_length=1, max_length=128), Ref("meetings")]
QuoteRef = Annotated[str, Field(min_length=1, max_length=128), Ref("quotes")]
Name = Annotated[str, Field(min_length=1, max_length=256)]


class PredictedSpan(Span):
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


class PredictedTime(PredictedSpan, TimeExpression):
    """A time expression as written (``value`` only when the text fixes a calendar date)."""


class PredictedMention(PredictedSpan, Mention):
    """One mention of an official; ``form`` may be left out."""

    form: MentionForm | None = Field(default=None, description="name, nominal or pronoun; null if not predicted.")


class PredictedOfficial(Official):
    """An official; every attribute is optional, and an official may be declared by name with no mentions."""

    id: PredictionId | None = Field(default=None, description="Needed only to reference the official by id.")
    name: str | None = Field(default=None, description="Full name as the text gives it.")
    title: str | None = Field(default=None, description="Title or role as the text gives it.")
    rank: str | None = Field(default=None, description="Rank as the text gives it.")
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-3 code of the country served.")
    organisation: str | None = Field(default=None, description="Organisation, as the text names it.")
    participation: Participation | None = Field(default=None, description="participant or mentioned.")
    mentions: list[PredictedMention] = Field(default_factory=list, description="Mentions of this official.")


class PredictedParticipant(Participant):
    """A meeting participant, by ``official_id`` or by ``official_name`` (not both)."""

    official_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    official_name: Name | None = Field(
        default=None, description="The official's name as written (instead of official_id)."
    )
    role: ParticipantRole | None = Field(default=None, description="visitor or host; null when not predicted.")


class PredictedMeeting(Meeting):
    """A meeting; matched to the gold by its evidence, or by its participants when it gives no evidence."""

    id: PredictionId | None = None
    participants: list[PredictedParticipant] = Field(default_factory=list, description="The officials who meet.")
    location: PredictedSpan | None = Field(default=None, description="Where, as written.")
    time: PredictedTime | None = Field(default=None, description="When, as written.")
    evidence: list[PredictedSpan] = Field(default_factory=list, description="Text that states the meeting.")
    status: MeetingStatus | None = Field(default=None, description="stated or implied; null if not predicted.")


class PredictedQuote(Quote):
    """A quote: contents required; the speaker by ``speaker_id`` or ``speaker_name`` (not both)."""

    id: PredictionId | None = None
    speaker_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    speaker_name: Name | None = Field(
        default=None, description="The speaker's name as written (instead of speaker_id)."
    )
    cues: list[PredictedSpan] = Field(default_factory=list, description="Reporting verbs or phrases.")
    contents: list[PredictedSpan] = Field(
        min_length=1, description="What was said; quotation marks and edge whitespace are ignored when scoring."
    )
    kind: QuoteKind | None = Field(default=None, description="direct, indirect or mixed; null if not predicted.")
    addressee_id: OfficialRef | None = None
    addressee_name: Name | None = None
    meeting_id: MeetingRef | None = None


class PredictedCommitment(Commitment):
    """A commitment: evidence required; the actor by ``actor_id`` or ``actor_name`` (not both)."""

    id: PredictionId | None = None
    actor_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    actor_name: Name | None = Field(default=None, description="The actor's name as written (instead of actor_id).")
    country: Country | None = None
    kind: CommitmentKind | None = Field(default=None, description="The kind; null if not predicted.")
    content: PredictedSpan | None = Field(default=None, description="What is committed to.")
    evidence: PredictedSpan = Field(description="The clause that expresses the commitment.")
    time: PredictedTime | None = None
    modality: PredictedSpan | None = None
    quote_id: QuoteRef | None = None
    meeting_id: MeetingRef | None = None


class PredictedDocument(AnnotatedDocument):
    """One line of a prediction file (JSON Lines): an extractor's output for one corpus document."""

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

    return expand(schema)


class FlatPredictedDocument(PredictedDocument):
    """:class:`PredictedDocument` whose JSON Schema has no ``$ref`` (for APIs that cannot resolve them)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return inline_refs(PredictedDocument.model_json_schema(*args, **kwargs))
