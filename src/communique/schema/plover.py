"""The PLOVER event record written by ``communique export plover``: one JSON object per event (JSON Lines).

The event types and modes are PLOVER's as used for the POLECAT dataset (Halterman et al. 2023, "PLOVER and
POLECAT: A New Political Event Ontology and Dataset"), which codes REQUEST, ACCUSE and REJECT. The fields follow
the PLOVER event data specification (``id``, ``event_type``, ``mode``, ``context``,
``source``/``recipient`` actors with ISO 3166-1 alpha-3 country codes and a sector, ``date``, ``event_text``)
plus the ids that tie a record back to the gold (``document_id``, ``item_id``, ``layer``, ``kind``). Nothing is
inferred beyond the text: a country, sector or normalised date the text does not fix is null.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["PLOVER_VERSION", "PloverActor", "PloverDate", "PloverEvent", "PloverEventText", "PloverSector"]

#: the PLOVER the records follow: as used for the POLECAT dataset (Halterman et al. 2023)
PLOVER_VERSION: Literal["POLECAT-2023"] = "POLECAT-2023"

#: the event types this export codes (CONSULT from meetings; the others from commitments and stances)
PloverEventType = Literal["CONSULT", "AGREE", "SUPPORT", "REQUEST", "ACCUSE", "REJECT"]
#: CONSULT modes, and ACCUSE's mode disapprove (oppose, criticise)
PloverMode = Literal["visit", "third-party", "multilateral", "phone", "disapprove"]
PloverContext = Literal["historical", "future", "hypothetical", "negation"]
#: PLOVER/CAMEO actor sectors this export can read off a title or rank: government, military
PloverSector = Literal["GOV", "MIL"]


class _Record(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class PloverActor(_Record):
    """One source or recipient actor: an annotated official, with country and sector where the text fixes them."""

    official_id: str = Field(description="The official's id in the gold.")
    name: str | None = Field(description="The official's name as written; null if unnamed.")
    title: str | None = Field(description="The office as written; null if not given.")
    country: str | None = Field(
        pattern=r"^[A-Z]{3}$",
        description="ISO 3166-1 alpha-3 code: the country spoken for in this act, else the country served; "
        "null when the text does not say.",
    )
    sector: PloverSector | None = Field(
        description="GOV (a minister, president, ambassador ...) or MIL (armed forces, military rank) when the "
        "title or rank as written fixes it; otherwise null."
    )


class PloverDate(_Record):
    """The date of the event as written, with its ISO 8601 value only when the text fixes a calendar date."""

    text: str = Field(description="The time expression as written.")
    start: int = Field(ge=0, description="Offset of its first character in the document (code points).")
    end: int = Field(ge=0, description="Offset one past its last character (half-open).")
    value: str | None = Field(
        pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$", description="ISO 8601 date when the text fixes one; otherwise null."
    )


class PloverEventText(_Record):
    """The sentence(s) the event is coded from, with their document offsets."""

    text: str = Field(description="The source sentence(s): document.text[start:end].")
    start: int = Field(ge=0, description="Offset of the first character (code points).")
    end: int = Field(ge=0, description="Offset one past the last character (half-open).")


class PloverEvent(_Record):
    """One PLOVER event coded from one gold meeting, commitment or stance."""

    id: str = Field(description="Unique record id: <document_id>/<item id>.")
    event_type: PloverEventType = Field(description="The PLOVER event type.")
    mode: PloverMode | None = Field(description="The PLOVER mode of the event type; null when none applies.")
    context: list[PloverContext] = Field(description="PLOVER contexts that apply (possibly none).")
    source: list[PloverActor] = Field(min_length=1, description="Source actor(s); compound actors are one list.")
    recipient: list[PloverActor] = Field(description="Recipient actor(s); empty when the text names none.")
    date: PloverDate | None = Field(description="When the event took place, as written; null when not given.")
    event_text: PloverEventText = Field(description="The source sentence(s) with offsets.")
    document_id: str = Field(description="The corpus document the event comes from.")
    item_id: str = Field(description="The id of the gold meeting, commitment or stance.")
    layer: Literal["meetings", "commitments", "stances"] = Field(description="The gold layer of the item.")
    kind: str = Field(description="'meeting', or the commitment or stance kind (promise, offer, ... request, reject).")
    plover_version: Literal["POLECAT-2023"] = Field(
        description="The PLOVER followed: as used for the POLECAT dataset (Halterman et al. 2023)."
    )
