"""PLOVER: ``communique export plover``, the gold's meetings, commitments and stances as PLOVER event records
(written only; nothing reads PLOVER back).

PLOVER is followed as used for the POLECAT dataset (Halterman et al. 2023), which codes REQUEST, ACCUSE and
REJECT. The vocabulary table is the guidelines' section 10, kept with the models because the Hugging Face
export and ``migrate`` read it too: :data:`~communique.schema.models.PLOVER_KINDS` (commitment and stance kind
-> event type, mode and contexts) and :func:`~communique.schema.models.consult_mode` (meetings); the record is
:class:`~communique.schema.plover.PloverEvent`, whose JSON Schema ``communique schema`` publishes. Where the
tables leave a choice to the text, the text is read narrowly:

* every ``request`` is REQUEST (requests, appeals and calls; forceful demands too); its mode (assist, change,
  yield, meet) needs a reading of the content and is left null; ``oppose`` and ``criticise`` are ACCUSE with
  mode ``disapprove``; a ``predict`` is a comment PLOVER does not code: left out and counted;
* a commitment is ``hypothetical`` when it has a ``condition``, and an ``offer`` also when its evidence is
  conditional (*if*, *unless*, *provided*: the reading of files whose conditions are not annotated);
* the recipient of a commitment or stance is the addressee of its attribution, else the other participants of
  its meeting;
* the date is the meeting's time as written (a commitment's or stance's: the time of the meeting it was made
  in), with the ISO value only where the annotation gives one (the text fixes it);
* the sector is GOV or MIL only when the title or rank as written says so;
* an attribution is coded through the commitments and stances it carries; one that carries none is left out
  and counted.
"""

from __future__ import annotations

import bisect
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from communique.corpus.store import CorpusLike
from communique.io.write import write_atomic
from communique.schema.models import (
    PLOVER_KINDS,
    AnnotatedDocument,
    Commitment,
    Meeting,
    Official,
    Span,
    Stance,
    TimeExpression,
    consult_mode,
)
from communique.schema.plover import (
    PLOVER_VERSION,
    PloverActor,
    PloverDate,
    PloverEvent,
    PloverEventText,
    PloverSector,
)

__all__ = ["PloverResult", "export_plover", "plover_events"]

#: an offer is hypothetical when its evidence is conditional
CONDITIONAL = re.compile(r"\b(if|unless|provided|providing)\b", re.IGNORECASE)
#: titles and ranks that fix a sector; MIL is checked first (a general who is a minister is read by title: GOV)
GOVERNMENT = re.compile(
    r"\b(minister|president|prime minister|premier|ambassador|secretary|chancellor|envoy|governor|king|emir)\b",
    re.IGNORECASE,
)
MILITARY = re.compile(
    r"\b(army|navy|naval|air force|air staff|armed forces|military|chief of (the )?(general |defence |defense )?staff|"
    r"commander|general|admiral|marshal|colonel|brigadier|major|captain|lieutenant)\b",
    re.IGNORECASE,
)


@dataclass
class PloverResult:
    """What an export wrote: the number of records, and the items left out by (layer, kind)."""

    events: int = 0
    left_out: Counter[str] = field(default_factory=Counter)


def _sector(official: Official) -> PloverSector | None:
    """GOV or MIL when the title (or, without one, the rank) as written fixes it; else null."""
    if official.title and GOVERNMENT.search(official.title):
        return "GOV"
    if (official.title and MILITARY.search(official.title)) or official.rank:
        return "MIL"
    return None


def _actor(official: Official, country: str | None = None) -> PloverActor:
    return PloverActor(
        official_id=official.id,
        name=official.name,
        title=official.title,
        country=country or official.country,
        sector=_sector(official),
    )


def _date(time: TimeExpression | None) -> PloverDate | None:
    if time is None:
        return None
    return PloverDate(text=time.text, start=time.start, end=time.end, value=time.value)


class _Sentences:
    """The sentence(s) covering a span, by bisection over the corpus segmentation."""

    def __init__(self, corpus: CorpusLike):
        self.text = corpus.text
        self.sentences = list(corpus.sentences)
        self.starts = [s.start for s in self.sentences]

    def around(self, span: Span) -> PloverEventText:
        start, end = span.start, span.end
        if self.sentences:
            first = self.sentences[max(0, bisect.bisect_right(self.starts, span.start) - 1)]
            last = self.sentences[max(0, bisect.bisect_right(self.starts, max(span.start, span.end - 1)) - 1)]
            start, end = min(first.start, span.start), max(last.end, span.end)
        return PloverEventText(text=self.text[start:end], start=start, end=end)


def _meeting_event(
    doc: AnnotatedDocument, meeting: Meeting, officials: dict[str, Official], sentences: _Sentences
) -> PloverEvent:
    mode = consult_mode(meeting)
    if mode == "visit":  # visitor = source, host = recipient (guidelines 10.2); others without a role: sources
        source = [_actor(officials[p.official_id]) for p in meeting.participants if p.role != "host"]
        recipient = [_actor(officials[p.official_id]) for p in meeting.participants if p.role == "host"]
    else:  # all participants are sources
        source = [_actor(officials[p.official_id]) for p in meeting.participants]
        recipient = []
    return PloverEvent(
        id=f"{doc.document_id}/{meeting.id}",
        event_type="CONSULT",
        mode=mode,  # type: ignore[arg-type]  # consult_mode returns one of the CONSULT modes
        context=[],
        source=source,
        recipient=recipient,
        date=_date(meeting.time),
        event_text=sentences.around(meeting.evidence[0]),
        document_id=doc.document_id,
        item_id=meeting.id,
        layer="meetings",
        kind="meeting",
        plover_version=PLOVER_VERSION,
    )


def _act_event(
    doc: AnnotatedDocument,
    layer: str,
    c: Commitment | Stance,
    officials: dict[str, Official],
    sentences: _Sentences,
) -> PloverEvent | None:
    """The event of a commitment or stance; ``None`` for a kind PLOVER does not code (``predict``)."""
    mapping = PLOVER_KINDS[c.kind]
    if mapping.event is None:
        return None
    attribution = next((a for a in doc.attributions if a.id == c.attribution_id), None)
    contexts = list(mapping.contexts)
    if isinstance(c, Commitment):  # hypothetical only when a condition is stated
        contexts = [x for x in contexts if x != "hypothetical"]
        if c.condition is not None or (c.kind == "offer" and CONDITIONAL.search(c.evidence.text)):
            contexts.append("hypothetical")
    meeting = next((m for m in doc.meetings if m.id == c.meeting_id), None)
    actors = {a.official_id for a in c.actors}
    if attribution is not None and attribution.addressee_id is not None:
        recipient = [_actor(officials[attribution.addressee_id])]
    elif meeting is not None:
        recipient = [_actor(officials[p.official_id]) for p in meeting.participants if p.official_id not in actors]
    else:
        recipient = []
    return PloverEvent.model_validate(
        {
            "id": f"{doc.document_id}/{c.id}",
            "event_type": mapping.event,
            "mode": mapping.mode,
            "context": contexts,
            "source": [_actor(officials[a.official_id], a.country) for a in c.actors],
            "recipient": recipient,
            "date": _date(meeting.time) if meeting is not None else None,
            "event_text": sentences.around(c.evidence),
            "document_id": doc.document_id,
            "item_id": c.id,
            "layer": layer,
            "kind": c.kind,
            "plover_version": PLOVER_VERSION,
        },
        strict=False,  # nested records are built as models above; the literals are checked all the same
    )


def plover_events(
    doc: AnnotatedDocument, corpus: CorpusLike, left_out: Counter[str] | None = None
) -> Iterator[PloverEvent]:
    """The PLOVER events of one validated document: meetings first, then commitments, then stances, in file
    order.

    Stances PLOVER does not code (``predict``) are skipped and counted in ``left_out`` (keyed
    ``stances/<kind>``); so are attributions that yield no commitment or stance (keyed
    ``attributions/<speech act>``): the tables of the guidelines code an attribution only through the acts it
    carries.
    """
    officials = {o.id: o for o in doc.officials}
    sentences = _Sentences(corpus)
    for meeting in doc.meetings:
        yield _meeting_event(doc, meeting, officials, sentences)
    acts: list[tuple[str, Commitment | Stance]] = [
        *(("commitments", c) for c in doc.commitments),
        *(("stances", s) for s in doc.stances),
    ]
    for layer, act in acts:
        event = _act_event(doc, layer, act, officials, sentences)
        if event is None:
            if left_out is not None:
                left_out[f"{layer}/{act.kind}"] += 1
            continue
        yield event
    if left_out is not None:
        carried = {act.attribution_id for _, act in acts}
        left_out.update(f"attributions/{a.speech_act}" for a in doc.attributions if a.id not in carried)


def export_plover(
    documents: Iterable[tuple[AnnotatedDocument, CorpusLike]], out: Path | None
) -> tuple[PloverResult, str]:
    """Every event of every document as JSON Lines; written atomically to ``out`` when given.

    Returns the counts and the JSON Lines text (for stdout when ``out`` is None). Nothing is written unless
    every document was valid (the documents iterator raises before the write otherwise).
    """
    result = PloverResult()
    lines: list[str] = []
    for doc, corpus in documents:
        for event in plover_events(doc, corpus, result.left_out):
            lines.append(json.dumps(event.model_dump(mode="json"), ensure_ascii=False, sort_keys=False))
            result.events += 1
    text = "".join(line + "\n" for line in lines)
    if out is not None:
        write_atomic(out, text)
    return result, text
