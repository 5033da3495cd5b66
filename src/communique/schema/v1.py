"""The v1 annotation models (file format before 2.0), frozen: used only to read v1 files for migration.

Do not change these classes: they describe files written under guidelines 1.x. New code uses
:mod:`communique.schema.models` (format 2.0); ``communique migrate`` converts v1 files.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from communique.schema.models import (
    SHA256_PATTERN,
    Country,
    FreeText,
    Id,
    MeetingId,
    MeetingStatus,
    Mention,
    OfficialId,
    ParticipantRole,
    Participation,
    Ref,
    Span,
    TimeExpression,
    _Model,
)

__all__ = [
    "V1_ANNOTATION_LAYERS",
    "V1AnnotatedDocument",
    "V1Commitment",
    "V1CommitmentKind",
    "V1Meeting",
    "V1Official",
    "V1Participant",
    "V1Quote",
    "V1QuoteKind",
]

V1QuoteId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_-]{0,63}$"), Ref("quotes")]
V1QuoteKind = Literal["direct", "indirect", "mixed"]
V1CommitmentKind = Literal[
    "pledge", "offer", "invitation", "proposal", "intention", "expectation", "support", "readiness"
]


# ---------------------------------------------------------------------------------------- officials


class V1Official(_Model):
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


class V1Participant(_Model):
    """An official taking part in a meeting, with a role where the text supports one."""

    official_id: OfficialId = Field(description="The participating official.")
    role: ParticipantRole | None = Field(
        description="visitor or host (PLOVER CONSULT, mode visit); null when the text does not say."
    )


class V1Meeting(_Model):
    """A meeting between officials (PLOVER CONSULT)."""

    id: Id
    participants: list[V1Participant] = Field(min_length=2, description="The officials who meet; at least two.")
    location: Span | None = Field(description="Where the meeting took place, as written.")
    time: TimeExpression | None = Field(description="When the meeting took place, as written.")
    evidence: list[Span] = Field(min_length=1, description="Text that states or implies the meeting.")
    status: MeetingStatus = Field(
        description="stated: the text says the meeting took place; implied: only inferable from the text."
    )


# ------------------------------------------------------------------------------------------- quotes


class V1Quote(_Model):
    """An attribution: who said (source), how it is introduced (cue) and what (content)."""

    id: Id
    speaker_id: OfficialId = Field(description="The official to whom the words are attributed.")
    cues: list[Span] = Field(description="Reporting verbs or phrases ('said', 'stated, adding').")
    contents: list[Span] = Field(
        min_length=1, description="What was said; for direct quotes without the quotation marks."
    )
    kind: V1QuoteKind = Field(
        description="direct: verbatim in quotation marks; indirect: reported speech; mixed: both."
    )
    addressee_id: OfficialId | None = Field(default=None, description="The official spoken to, when the text says so.")
    meeting_id: MeetingId | None = Field(default=None, description="The meeting in which it was said.")


# -------------------------------------------------------------------------------------- commitments


class V1Commitment(_Model):
    """A forward-looking statement that binds, offers, invites, proposes, expects or supports."""

    id: Id
    actor_id: OfficialId = Field(description="The official who makes the commitment.")
    country: Country | None = Field(description="ISO 3166-1 alpha-3 code of the country the actor speaks for.")
    kind: V1CommitmentKind = Field(description="The kind of commitment; see the guidelines' test questions.")
    content: Span = Field(description="What is committed to.")
    evidence: Span = Field(description="The clause or sentence that expresses the commitment.")
    time: TimeExpression | None = Field(default=None, description="When it is to happen, as written.")
    modality: Span | None = Field(
        default=None, description="The modal or commissive cue ('will', 'can', 'should', 'expected', ...)."
    )
    quote_id: V1QuoteId | None = Field(default=None, description="The quote that carries the commitment.")
    meeting_id: MeetingId | None = Field(default=None, description="The meeting in which it was made.")


# --------------------------------------------------------------------------------------- documents

#: The annotation layers of a document, in file order; each is a list of items with an ``id``.
V1_ANNOTATION_LAYERS: tuple[str, ...] = ("officials", "meetings", "quotes", "commitments")


class V1AnnotatedDocument(_Model):
    """The gold annotations of one corpus document."""

    document_id: Id = Field(description="Id of the corpus document (corpus/<document_id>.json).")
    text_sha256: str = Field(
        pattern=SHA256_PATTERN, description="sha256 of the document text the annotations were made against."
    )
    guidelines_version: str = Field(
        pattern=r"^\d+\.\d+$", description="Version of annotations/GUIDELINES.md that was followed."
    )
    annotators: list[FreeText] = Field(min_length=1, description="Who annotated (names or pseudonyms).")
    officials: list[V1Official] = Field(default_factory=list, description="Officials and their mentions.")
    meetings: list[V1Meeting] = Field(default_factory=list, description="Meetings between officials.")
    quotes: list[V1Quote] = Field(default_factory=list, description="Direct, indirect and mixed quotes.")
    commitments: list[V1Commitment] = Field(default_factory=list, description="Commitments made.")
