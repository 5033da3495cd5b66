"""PLOVER: ``communique export plover``, the gold's meetings and commitments as PLOVER 0.7b1 event records
(written only; nothing reads PLOVER back).

The vocabulary table is the guidelines' section 9, kept with the models because the Hugging Face export and
``migrate`` read it too: :data:`~communique.schema.models.PLOVER_KINDS` (commitment kind -> event type, mode
and contexts) and :func:`~communique.schema.models.consult_mode` (meetings); the record is
:class:`~communique.schema.plover.PloverEvent`, whose JSON Schema ``communique schema`` publishes. Where
the tables leave a choice to the text, the text is read narrowly:

* a ``request`` is DEMAND only when its cue or evidence holds a forceful verb (*demand*, *insist*); otherwise
  PLOVER does not code it, like ``predict``; such items are left out and counted;
* an ``offer`` is ``hypothetical`` only when its evidence is conditional (*if*, *unless*, *provided*);
* a DEMAND mode (assist, change, yield, meet) needs a reading of the content: it is left null;
* a commitment's recipient is the addressee of its attribution, else the other participants of its meeting;
* the date is the meeting's time as written (a commitment's: the time of the meeting it was made in), with the
  ISO value only where the annotation gives one (the text fixes it);
* the sector is GOV or MIL only when the title or rank as written says so;
* an attribution is coded through the commitment it carries; one that carries none is left out and counted.
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

#: a request becomes DEMAND when its cue or evidence holds one of these (guidelines 9.1: "demanded, insisted")
FORCEFUL = re.compile(r"\b(demand(s|ed|ing)?|insist(s|ed|ing)?)\b", re.IGNORECASE)
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
    if mode == "visit":  # visitor = source, host = recipient (guidelines 9.2); others without a role: sources
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


def _commitment_event(
    doc: AnnotatedDocument, c: Commitment, officials: dict[str, Official], sentences: _Sentences
) -> PloverEvent | None:
    mapping = PLOVER_KINDS[c.kind]
    attribution = next((a for a in doc.attributions if a.id == c.attribution_id), None)
    event = mapping.event
    if c.kind == "request":
        cues = " ".join(s.text for s in attribution.cues) if attribution else ""
        event = "DEMAND" if FORCEFUL.search(c.evidence.text) or FORCEFUL.search(cues) else None
    if event is None:
        return None
    contexts = [x for x in mapping.contexts if x != "hypothetical" or c.kind != "offer"]
    if c.kind == "offer" and CONDITIONAL.search(c.evidence.text):
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
            "event_type": event,
            "mode": mapping.mode,
            "context": contexts,
            "source": [_actor(officials[a.official_id], a.country) for a in c.actors],
            "recipient": recipient,
            "date": _date(meeting.time) if meeting is not None else None,
            "event_text": sentences.around(c.evidence),
            "document_id": doc.document_id,
            "item_id": c.id,
            "layer": "commitments",
            "kind": c.kind,
            "plover_version": PLOVER_VERSION,
        },
        strict=False,  # nested records are built as models above; the literals are checked all the same
    )


def plover_events(
    doc: AnnotatedDocument, corpus: CorpusLike, left_out: Counter[str] | None = None
) -> Iterator[PloverEvent]:
    """The PLOVER events of one validated document: meetings first, then commitments, in file order.

    Commitments PLOVER does not code are skipped and counted in ``left_out`` (keyed ``commitments/<kind>``);
    so are attributions that yield no commitment (keyed ``attributions/<speech act>``): the tables of the
    guidelines code an attribution only through the commitment it carries.
    """
    officials = {o.id: o for o in doc.officials}
    sentences = _Sentences(corpus)
    for meeting in doc.meetings:
        yield _meeting_event(doc, meeting, officials, sentences)
    for commitment in doc.commitments:
        event = _commitment_event(doc, commitment, officials, sentences)
        if event is None:
            if left_out is not None:
                left_out[f"commitments/{commitment.kind}"] += 1
            continue
        yield event
    if left_out is not None:
        carried = {c.attribution_id for c in doc.commitments}
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
