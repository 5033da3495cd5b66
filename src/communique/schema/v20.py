"""The annotation models of file format 2.0, frozen: used only to read 2.0 files for migration.

Do not change these classes: they describe files written under guidelines 2.0, where one ``commitments`` layer
held ten kinds. New code uses :mod:`communique.schema.models` (format 2.1: the binding kinds stay commitments,
the others are ``stances``); ``communique migrate`` converts 2.0 files. The layers format 2.1 did not change
(officials, sources, meetings, attributions) are the current models.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from communique.schema.models import (
    REVIEW_FIELD,
    SHA256_PATTERN,
    Actor,
    Attribution,
    AttributionId,
    FreeText,
    Id,
    Meeting,
    MeetingId,
    ModalityType,
    Official,
    Review,
    Source,
    Span,
    TimeExpression,
    _Model,
)

__all__ = ["V20_ANNOTATION_LAYERS", "V20_VERSION", "V20AnnotatedDocument", "V20Commitment", "V20CommitmentKind"]

V20_VERSION = "2.0"
V20CommitmentKind = Literal[
    "promise", "offer", "agree", "intend", "propose", "request", "invite", "support", "praise", "predict"
]
#: The annotation layers of a 2.0 document, in file order.
V20_ANNOTATION_LAYERS: tuple[str, ...] = ("officials", "sources", "meetings", "attributions", "commitments")


class V20Commitment(_Model):
    """An act that binds, proposes or takes a stance (guidelines 2.0, 7): one of ten kinds."""

    id: Id
    actors: list[Actor] = Field(min_length=1, description="The officials who perform the act, in id order.")
    kind: V20CommitmentKind = Field(description="The kind of act; see the guidelines' decision procedure (7.3).")
    content: Span = Field(description="What is committed to, proposed, requested, supported, praised or predicted.")
    evidence: Span = Field(description="The clause that expresses the act (guidelines 8.1).")
    time: TimeExpression | None = Field(default=None, description="When the act's content is to happen, as written.")
    modality: Span | None = Field(
        default=None, description="The modal or stance marker as written ('will', 'ready to')."
    )
    modality_type: ModalityType | None = Field(
        default=None,
        description="epistemic (likelihood, belief) or deontic (obligation, volition); null without modality.",
    )
    attribution_id: AttributionId | None = Field(
        default=None, description="The attribution whose content contains this content; null for narrative acts."
    )
    meeting_id: MeetingId | None = Field(default=None, description="The meeting in which the text places the act.")
    review: Review | None = REVIEW_FIELD


class V20AnnotatedDocument(_Model):
    """The gold annotations of one corpus document, file format 2.0."""

    schema_version: Literal["2.0"] = Field(description='Version of the annotation file format: "2.0".')
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
    commitments: list[V20Commitment] = Field(default_factory=list, description="Commitments, proposals and stances.")
