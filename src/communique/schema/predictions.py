"""Predictions: the lenient counterparts of the gold models of :mod:`communique.schema.models`.

The prediction models are separate classes, not subclasses of the gold ones: a field that is required and
strictly typed in the gold (offsets, ids, labels) is optional here, and a subclass may not widen the type
of the field it inherits. What the two sides share is only :class:`~communique.schema.models.SpanModel`,
a field-less base that tells the walk which models are spans. Relative to the gold:

* every layer and most fields are optional (an extractor may predict attributions and nothing else);
* a span may give ``text`` alone (LLMs return strings, not offsets); it is anchored to the document by
  whole tokens after a typographic normalisation (see :mod:`communique.bench.predictions`), with
  ``occurrence`` or ``prefix``/``suffix`` to say which occurrence;
* ids are free-form and optional;
* an official is referenced by exactly one of ``*_id`` (an official of the prediction), ``*_name`` (a name
  as written) or ``*_span`` (a stretch of the text, e.g. the pronoun "he" a quotation extractor returns);
* an attribution's source is one of an official (``speaker_id``, ``speaker_name``, ``speaker_span``), a
  predicted non-official source (``source_id``), a non-official source as written (``source_span``, with an
  optional ``source_type``), or ``source_unresolved``; two together are an error, none leaves it unattributed;
  the ``actors`` of a commitment or stance each reference an official;
* a line in prediction format 2.0 (or without a version) may hold commitments of the kinds 2.1 calls stances:
  the bench reads them as stances and says so (:mod:`communique.bench.predictions`);
* every item (official, source, mention, meeting, participant, attribution, actor, commitment, stance) may carry a
  ``confidence`` in [0, 1] (``bench --min-confidence`` drops items below a threshold; the report sweeps thresholds);
* the document and every item may carry ``meta``, a free-form object that scoring ignores (model names,
  prompts, raw scores). Any other unknown field is an error.

A gold annotation document becomes a valid prediction through :func:`gold_as_prediction`.
``schema/prediction.schema.json`` is generated from :class:`PredictedDocument`;
``schema/prediction.flat.schema.json`` is the same schema with every ``$ref`` inlined, for structured-output
APIs that do not resolve references.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from communique.schema.jsontypes import JsonObject, JsonValue, json_object
from communique.schema.models import (
    ANNOTATION_LAYERS,
    SHA256_PATTERN,
    AnnotatedDocument,
    AttributionKind,
    CommitmentKind,
    Country,
    Id,
    MeetingMode,
    MeetingStatus,
    MentionForm,
    ModalityType,
    ParticipantRole,
    Participation,
    Ref,
    SourceType,
    SpanModel,
    SpeechAct,
    StanceKind,
    UnresolvedReason,
    labels,
)

#: the version of the prediction format these models describe
PREDICTION_VERSION: Final = "2.1"
#: earlier versions still read: in 2.0 the stance kinds were commitment kinds
OLD_PREDICTION_VERSIONS = ("2.0",)

__all__ = [
    "NAME_FIELDS",
    "OLD_PREDICTION_VERSIONS",
    "PREDICTION_VERSION",
    "REFERENCE_FIELDS",
    "SOURCE_FIELDS",
    "FlatPredictedDocument",
    "PredictedActor",
    "PredictedAttribution",
    "PredictedCommitment",
    "PredictedDocument",
    "PredictedMeeting",
    "PredictedMention",
    "PredictedOfficial",
    "PredictedParticipant",
    "PredictedSource",
    "PredictedSpan",
    "PredictedStance",
    "PredictedTime",
    "gold_as_prediction",
    "inline_refs",
    "prediction_data",
    "prediction_line",
    "read_old_stances",
]

#: the ways an official may be referenced: id field -> (name field, span field); at most one is given
REFERENCE_FIELDS: dict[str, tuple[str, str]] = {
    "speaker_id": ("speaker_name", "speaker_span"),
    "addressee_id": ("addressee_name", "addressee_span"),
    "official_id": ("official_name", "official_span"),
}
#: the ways an attribution's source is given; exactly one of them
SOURCE_FIELDS: tuple[str, ...] = (
    "speaker_id",
    "speaker_name",
    "speaker_span",
    "source_id",
    "source_span",
    "source_unresolved",
)
#: reference fields that may instead be given by name: id field -> name field
NAME_FIELDS: dict[str, str] = {k: v[0] for k, v in REFERENCE_FIELDS.items()}

PredictionId = Annotated[
    str, Field(min_length=1, max_length=128, description="Any identifier, unique within the document.")
]
OfficialRef = Annotated[str, Field(min_length=1, max_length=128), Ref("officials")]
MeetingRef = Annotated[str, Field(min_length=1, max_length=128), Ref("meetings")]
SourceRef = Annotated[str, Field(min_length=1, max_length=128), Ref("sources")]
AttributionRef = Annotated[str, Field(min_length=1, max_length=128), Ref("attributions")]
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
    mode: MeetingMode | None = Field(
        default=None, description="in_person, telephone, video or unspecified; null if not predicted."
    )
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedSource(_Lenient):
    """A non-official source (a body, statement, document, group or other person); every field optional."""

    id: PredictionId | None = Field(default=None, description="Needed only to reference the source by id.")
    type: SourceType | None = Field(default=None, description="institution, statement, document, group or other.")
    country: Country | None = Field(
        default=None, description="ISO 3166-1 alpha-3 code when the text makes it explicit."
    )
    mentions: list[PredictedSpan] = Field(default_factory=list, description="Spans that refer to this source.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedAttribution(_Lenient):
    """A reported speech act: contents required; the source by at most one of ``speaker_id``, ``speaker_name``,
    ``speaker_span`` (an official), ``source_id`` (a predicted source), ``source_span`` (a non-official source
    as written) or ``source_unresolved``."""

    id: PredictionId | None = None
    speaker_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    speaker_name: Name | None = Field(
        default=None, description="The speaking official's name as written (instead of speaker_id)."
    )
    speaker_span: PredictedSpan | None = Field(
        default=None,
        description="The speaking official as a stretch of the text ('he', 'the minister'), as quotation "
        "extractors return it; resolves to the gold official with an overlapping mention, else to the predicted "
        "official holding it.",
    )
    source_id: SourceRef | None = Field(default=None, description="Id of a non-official source of this prediction.")
    source_span: PredictedSpan | None = Field(
        default=None, description="A non-official source as written ('the ministry', 'a statement')."
    )
    source_type: SourceType | None = Field(
        default=None, description="The type of the source given by source_span; null if not predicted."
    )
    source_unresolved: UnresolvedReason | None = Field(
        default=None, description="The source cannot be resolved: no-antecedent, ambiguous or unnamed."
    )
    cues: list[PredictedSpan] = Field(default_factory=list, description="Reporting verbs or phrases.")
    contents: list[PredictedSpan] = Field(
        min_length=1, description="What is attributed; quotation marks and edge whitespace are ignored when scoring."
    )
    kind: AttributionKind | None = Field(default=None, description="direct, indirect or mixed; null if not predicted.")
    speech_act: SpeechAct | None = Field(
        default=None, description="Searle class: assertive, directive, commissive, expressive, declarative."
    )
    addressee_id: OfficialRef | None = None
    addressee_name: Name | None = None
    addressee_span: PredictedSpan | None = None
    meeting_id: MeetingRef | None = None
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedActor(_Lenient):
    """An official performing a commitment or taking a stance, by exactly one of ``official_id``,
    ``official_name`` or ``official_span``."""

    official_id: OfficialRef | None = Field(default=None, description="Id of an official of this prediction.")
    official_name: Name | None = Field(default=None, description="The official's name as written.")
    official_span: PredictedSpan | None = Field(
        default=None, description="A mention of the official in the text (instead of official_id)."
    )
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-3 code of the country spoken for.")
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedCommitment(_Lenient):
    """A commitment (an act that binds the actor's side): evidence and at least one actor required."""

    id: PredictionId | None = None
    actors: list[PredictedActor] = Field(min_length=1, description="The officials who perform the act.")
    kind: CommitmentKind | None = Field(default=None, description="The kind of act that binds; null if not predicted.")
    content: PredictedSpan | None = Field(default=None, description="What the actor's side binds itself to.")
    evidence: PredictedSpan = Field(description="The clause that expresses the commitment.")
    time: PredictedTime | None = None
    modality: PredictedSpan | None = None
    modality_type: ModalityType | None = Field(default=None, description="epistemic or deontic; null if not predicted.")
    condition: PredictedSpan | None = Field(
        default=None, description="The clause stating a condition the commitment depends on ('if ...')."
    )
    attribution_id: AttributionRef | None = None
    meeting_id: MeetingRef | None = None
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedStance(_Lenient):
    """A stance (a position that does not bind the actor's side): evidence and at least one actor required."""

    id: PredictionId | None = None
    actors: list[PredictedActor] = Field(min_length=1, description="The officials who take the position.")
    kind: StanceKind | None = Field(default=None, description="The kind of position; null if not predicted.")
    content: PredictedSpan | None = Field(default=None, description="What is proposed, requested, supported ...")
    evidence: PredictedSpan = Field(description="The clause that expresses the stance.")
    time: PredictedTime | None = None
    modality: PredictedSpan | None = None
    modality_type: ModalityType | None = Field(default=None, description="epistemic or deontic; null if not predicted.")
    attribution_id: AttributionRef | None = None
    meeting_id: MeetingRef | None = None
    confidence: Confidence | None = None
    meta: Meta | None = None


class PredictedDocument(_Lenient):
    """One line of a prediction file (JSON Lines): an extractor's output for one corpus document."""

    schema_version: Literal["2.1", "2.0"] | None = Field(
        default=None,
        description='Version of the prediction format, "2.1" when given (it may be left out); in "2.0" (and '
        "without a version) commitments of stance kinds are read as stances.",
    )
    document_id: Id = Field(description="Id of the corpus document (corpus/<document_id>.json).")
    text_sha256: str | None = Field(
        default=None,
        pattern=SHA256_PATTERN,
        description="sha256 of the text the predictions were made on; checked when given.",
    )
    guidelines_version: str | None = Field(default=None, pattern=r"^\d+\.\d+$")
    annotators: list[str] = Field(default_factory=list, description="Who or what made the predictions.")
    officials: list[PredictedOfficial] = Field(default_factory=list, description="Officials and their mentions.")
    sources: list[PredictedSource] = Field(default_factory=list, description="Non-official sources.")
    meetings: list[PredictedMeeting] = Field(default_factory=list, description="Meetings between officials.")
    attributions: list[PredictedAttribution] = Field(default_factory=list, description="Reported speech acts.")
    commitments: list[PredictedCommitment] = Field(
        default_factory=list, description="Commitments: acts that bind the actor's side."
    )
    stances: list[PredictedStance] = Field(
        default_factory=list, description="Stances: positions that do not bind the actor's side."
    )
    meta: Meta | None = None


def prediction_data(prediction: PredictedDocument) -> JsonObject:
    """``prediction`` as the JSON object of one prediction line: the fields its producer set, null ones
    included (an extractor's ``title`` it looked for and did not find), in the schema's order."""
    data: JsonObject = prediction.model_dump(mode="json", exclude_unset=True)
    return data


def prediction_line(prediction: PredictedDocument) -> str:
    """``prediction`` as one line of a prediction file (JSON Lines), with its newline."""
    return json.dumps(prediction_data(prediction), ensure_ascii=False) + "\n"


def inline_refs(schema: JsonObject) -> JsonObject:
    """``schema`` with every local ``$ref`` replaced by its definition and ``$defs`` dropped.

    The models are not recursive, so inlining terminates.
    """
    defs = json_object(schema.get("$defs", {}))

    def expand(node: JsonValue) -> JsonValue:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return expand({**json_object(defs[ref.removeprefix("#/$defs/")]), **rest})
            return {k: expand(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    return {k: expand(v) for k, v in schema.items() if k != "$defs"}


class FlatPredictedDocument(PredictedDocument):
    """:class:`PredictedDocument` whose JSON Schema has no ``$ref`` (for APIs that cannot resolve them)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # pydantic's, whatever its version
        return inline_refs(PredictedDocument.model_json_schema(*args, **kwargs))


def gold_as_prediction(doc: AnnotatedDocument) -> JsonObject:
    """A gold document as prediction data (JSON-ready): what a perfect extractor would output.

    The two formats differ only where the gold is stricter: an attribution's ``source`` union becomes
    ``speaker_id``, ``source_id`` or ``source_unresolved``; ``review`` marks are dropped.
    """
    data = doc.model_dump(mode="json", exclude_none=True)
    for layer in ANNOTATION_LAYERS:
        for item in data.get(layer, []):
            item.pop("review", None)
    for attribution in data.get("attributions", []):
        source = attribution.pop("source")
        attribution.pop("source_span", None)  # a prediction gives the source by one field only
        if source["type"] == "official":
            attribution["speaker_id"] = source["official_id"]
        elif source["type"] == "source":
            attribution["source_id"] = source["source_id"]
        else:
            attribution["source_unresolved"] = source["reason"]
    return data


def read_old_stances(data: JsonObject) -> dict[tuple[str, int], tuple[str, int]]:
    """Read a line of an older prediction format (2.0, or no ``schema_version``) as 2.1, in place: its commitments
    of stance kinds move, in order, to the end of ``stances``.

    Returns where each moved or renumbered item was written: ``(layer, index) now -> (layer, index) as
    written`` (to locate problems in the line as written); empty when nothing moved. A 2.1 line is never
    changed: there a stance kind among the commitments is an error."""
    version = data.get("schema_version")
    commitments, stances = data.get("commitments"), data.get("stances", [])
    if version not in (None, *OLD_PREDICTION_VERSIONS) or not isinstance(commitments, list):
        return {}
    if not isinstance(stances, list):
        return {}
    kinds = set(labels(StanceKind))
    moving = [i for i, c in enumerate(commitments) if isinstance(c, dict) and c.get("kind") in kinds]
    if not moving:
        return {}
    moved = set(moving)
    kept = [i for i in range(len(commitments)) if i not in moved]
    where = {("commitments", new): ("commitments", old) for new, old in enumerate(kept) if new != old}
    where |= {("stances", len(stances) + n): ("commitments", old) for n, old in enumerate(moving)}
    data["stances"] = [*stances, *(commitments[i] for i in moving)]
    data["commitments"] = [commitments[i] for i in kept]
    return where
