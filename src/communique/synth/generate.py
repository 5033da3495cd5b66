"""``communique synth``: deterministic synthetic corpora for scale tests.

Each document is generated from templates by its own random generator (seeded by the corpus seed and the
document's index), so documents can be made in any order or in parallel and the output is a pure function
of ``(seed, index)``. A document is about 8,000 characters with about 150 annotations (mentions in all
three forms, stated in-person meetings with roles, direct and indirect attributions, commitments (promise,
intend, offer) and stances (propose, invite, support, predict)), and has
non-ASCII text (curly quotes, dashes, accented names) so that byte/character confusions show.

Written files (all pass ``communique validate``)::

    seeds/<id>.txt, seeds/<id>.meta.yaml      the texts and their (synthetic, mostly null) metadata
    corpus/<id>.json                          the corpus documents, built by the same code as the real ones
    annotations/<id>.json                     the gold, as JSON annotation files (format 2.1)
    predictions.jsonl                         gold-shaped predictions (format 2.1) with controlled error rates

The gold is built as models of format 2.1 (:class:`~communique.schema.models.AnnotatedDocument`) and written
with the fields the generator states, nulls included (an unnamed official's ``name``, a commitment's
``time`` and ``condition``); the predictions are the gold as a prediction
(:func:`~communique.schema.predictions.gold_as_prediction`) after perturbing it.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from communique.corpus.build import make_document, serialise, sha256_text
from communique.io.parallel import SERIAL, Workers, ordered_map, shared
from communique.io.write import check_new_or_forced, write_new_or_forced
from communique.schema.jsontypes import JsonObject
from communique.schema.models import (
    PLOVER_KINDS,
    SCHEMA_VERSION,
    Actor,
    AnnotatedDocument,
    Attribution,
    AttributionKind,
    Commitment,
    CommitmentKind,
    Meeting,
    Mention,
    MentionForm,
    Official,
    OfficialSource,
    Participant,
    SeedMetadata,
    Span,
    SpeechAct,
    Stance,
    StanceKind,
    TimeExpression,
    labels,
)
from communique.schema.predictions import gold_as_prediction

TARGET_CHARS = 8_000

COUNTRIES = [  # (ISO alpha-3, name, adjective, capital)
    ("CHL", "Chile", "Chilean", "Santiago"),
    ("TUR", "Türkiye", "Turkish", "Ankara"),
    ("POL", "Poland", "Polish", "Warsaw"),
    ("NOR", "Norway", "Norwegian", "Oslo"),
    ("CIV", "Côte d’Ivoire", "Ivorian", "Yamoussoukro"),
    ("VNM", "Viet Nam", "Vietnamese", "Hà Nội"),
    ("ISL", "Iceland", "Icelandic", "Reykjavík"),
    ("PER", "Peru", "Peruvian", "Lima"),
    ("DEU", "Germany", "German", "Berlin"),
    ("MEX", "Mexico", "Mexican", "Ciudad de México"),
]
GIVEN = ["José", "Zoë", "Łukasz", "Ayşe", "François", "Søren", "Nguyễn", "Ólafur", "Renée", "Jürgen", "Amara", "Kofi"]
FAMILY = ["Núñez", "Ødegaard", "Wróbel", "Yılmaz", "Lefèvre", "Þórsson", "Müller", "Ibáñez", "Dvořák", "Mensah"]
RANKS = ["Major General", "Rear Admiral", "Air Marshal", "Brigadier General", "Colonel"]
TITLES = ["Defence Minister", "Chief of the General Staff", "Foreign Minister", "Chief of Air Staff", "Navy Commander"]
ACTIONS = [
    "expand cooperation in cyber defence",
    "hold a joint naval exercise",
    "exchange military delegations",
    "open a joint research centre",
    "train pilots together",
    "share maritime surveillance data",
    "build a joint drone programme",
    "sign a logistics agreement",
    "coordinate border patrols",
]
TIMES = ["next year", "coming months", "near future", "next two years", "autumn"]
FILLER = [
    "The talks also covered trade, energy and the 1,130-kilometre border — a long-standing issue.",
    "Both delegations toured the naval academy, where cadets performed a short ceremony.",
    "Observers described the atmosphere as cordial, if cautious, after months of tension.",
    "The visit comes weeks after floods displaced thousands in the region’s river valleys.",
    "Analysts said the meeting reflected a broader realignment of regional security ties.",
]
HEADINGS = [
    "Cooperation enters a new phase",
    "Security ties at the centre",
    "Plans for joint exercises",
    "A message to the region",
    "Technology and training",
    "Looking ahead — next steps",
]


@dataclass
class _Official:
    id: str
    name: str | None
    rank: str | None
    title: str
    country: tuple[str, str, str, str]
    mentions: list[Mention] = field(default_factory=list)

    @property
    def surname(self) -> str:
        return (self.name or self.title).split()[-1]


class _Text:
    """Appends text and records spans of the pieces asked for."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> Span:
        span = Span(start=self.length, end=self.length + len(text), text=text)
        self.parts.append(text)
        self.length += len(text)
        return span

    def span(self, start: int, end: int) -> Span:
        """The span of text already written."""
        return Span(start=start, end=end, text=self.value()[start:end])

    def sentence(self, *pieces: str | tuple[str]) -> list[Span]:
        """Plain strings are text; 1-tuples are text whose span is returned, in order."""
        spans = []
        for piece in pieces:
            if isinstance(piece, tuple):
                spans.append(self.add(piece[0]))
            elif piece:
                self.add(piece)
        return spans

    def value(self) -> str:
        return "".join(self.parts)


def _time(span: Span) -> TimeExpression:
    """A time expression as written; the generator's times fix no calendar date."""
    return TimeExpression(start=span.start, end=span.end, text=span.text, value=None)


def _attribution(
    qid: str, speaker: _Official, cue: Span, content: Span, kind: AttributionKind, act: SpeechAct, meeting: str | None
) -> Attribution:
    """A speaker's attribution; no addressee (the generator's speakers address no one in particular)."""
    return Attribution(
        id=qid,
        source=OfficialSource(type="official", official_id=speaker.id),
        cues=[cue],
        contents=[content],
        kind=kind,
        speech_act=act,
        addressee_id=None,
        meeting_id=meeting,
    )


#: a kind of act the generator writes: one that binds (a commitment) or one that does not (a stance)
_ActKind = CommitmentKind | StanceKind


def _commitment_or_stance(
    number: int,
    actor: _Official,
    country: str,
    kind: _ActKind,
    spans: tuple[Span, Span, Span],
    time: TimeExpression | None,
    attribution: str | None,
    meeting: str | None,
) -> Commitment | Stance:
    """A commitment ``c<number>`` when ``kind`` binds (with no condition: the generator states none), else a
    stance ``st<number>``: ``spans`` are its content, evidence and modality; every synthetic act binds or
    proposes (none predicts), so its modality is deontic."""
    content, evidence, modality = spans
    fields = {
        "actors": [Actor(official_id=actor.id, country=country)],
        "kind": kind,
        "content": content,
        "evidence": evidence,
        "time": time,
        "modality": modality,
        "modality_type": "deontic",
        "attribution_id": attribution,
        "meeting_id": meeting,
    }
    if kind in labels(CommitmentKind):  # validated: the kind is checked against the layer's kinds
        return Commitment.model_validate({"id": f"c{number}", **fields, "condition": None})
    return Stance.model_validate({"id": f"st{number}", **fields})


def _act(kind: _ActKind) -> SpeechAct:
    """The speech act of an attribution that holds a commitment or stance of ``kind``: the kind's Searle class."""
    return PLOVER_KINDS[kind].searle[0]


def generate_document(seed: int, index: int) -> tuple[str, AnnotatedDocument]:
    """The text and the gold (offsets written) of document ``index`` of corpus ``seed``."""
    rng = random.Random(f"communique-synth:{seed}:{index}")
    home, away = rng.sample(COUNTRIES, 2)
    names = iter(rng.sample([f"{g} {f}" for g in GIVEN for f in FAMILY], 4))
    visitor = _Official("visitor", next(names), rng.choice(RANKS), rng.choice(TITLES), away)
    host = _Official("host", next(names), rng.choice(RANKS), rng.choice(TITLES), home)
    aide = _Official("aide", next(names), rng.choice(RANKS), rng.choice(TITLES), home)
    absent = _Official("absent", next(names), "General", rng.choice(TITLES), away)
    unnamed = _Official("unnamed", None, None, "commander of the " + home[2] + " Navy", home)
    officials = [visitor, host, aide, absent, unnamed]
    meetings: list[Meeting] = []
    quotes: list[Attribution] = []
    commitments: list[Commitment] = []
    stances: list[Stance] = []
    t = _Text()

    def add_act(
        actor: _Official,
        country: str,
        kind: _ActKind,
        spans: tuple[Span, Span, Span],
        time: TimeExpression | None,
        attribution: str | None,
        meeting: str | None,
    ) -> None:
        """Add a commitment or a stance (by its kind), numbered in its layer."""
        number = len(commitments if kind in labels(CommitmentKind) else stances) + 1
        act = _commitment_or_stance(number, actor, country, kind, spans, time, attribution, meeting)
        if isinstance(act, Commitment):
            commitments.append(act)
        else:
            stances.append(act)

    def mention(official: _Official, span: Span, form: MentionForm) -> None:
        official.mentions.append(Mention(start=span.start, end=span.end, text=span.text, form=form))

    # lead: a stated visit
    day = rng.choice(["Monday", "Tuesday", "Thursday"])
    name_v, place, time_s, name_h, title_h = t.sentence(
        f"{home[3].upper()}— {away[2]} ",
        (f"{visitor.rank} {visitor.name}",),
        " arrived in ",
        (home[1],),
        " on ",
        (day,),
        " and met ",
        (f"{host.rank} {host.name}",),
        ", the ",
        (host.title,),
        ".",
    )
    mention(visitor, name_v, "name")
    mention(host, name_h, "name")
    mention(host, title_h, "nominal")
    evidence = Span(start=name_h.start - len("met "), end=name_h.end, text="met " + name_h.text)
    meetings.append(
        Meeting(
            id="m1",
            participants=[
                Participant(official_id="visitor", role="visitor"),
                Participant(official_id="host", role="host"),
            ],
            location=place,
            time=_time(time_s),
            evidence=[evidence],
            status="stated",
            mode="in_person",  # "arrived in ... and met"
        )
    )
    t.add("\n\n")

    paragraph_kinds = ["direct", "indirect", "pronoun", "invitation", "filler", "greeting", "second_meeting"]
    second_meeting_done = False
    heading_every = rng.randint(4, 6)
    count = 0
    while t.length < TARGET_CHARS:
        count += 1
        if count % heading_every == 0:
            t.add(rng.choice(HEADINGS))
            t.add("\n\n")
        kind = rng.choice(paragraph_kinds)
        speaker = rng.choice([visitor, host, aide])
        side = speaker.country
        meeting_id = "m1" if speaker in (visitor, host) else None
        qid = f"q{len(quotes) + 1}"
        action = rng.choice(ACTIONS)
        when = rng.choice(TIMES)
        if kind == "direct":
            name_s, cue = t.sentence((speaker.surname,), " ", ("said",), ", “")
            mention(speaker, name_s, "name")
            we = t.add("We")
            modal = t.add(" will")
            modal = Span(start=modal.start + 1, end=modal.end, text="will")
            t.add(" ")
            act = t.add(action)
            t.add(" in the ")
            tm = t.add(when)
            t.add(", and I am confident our partners in ")
            t.add(rng.choice(COUNTRIES)[1])
            t.add(" will follow.")
            content = t.span(we.start, t.length)
            t.add("”")
            i_pos = content.start + content.text.index(", and I ") + len(", and ")
            mention(speaker, Span(start=i_pos, end=i_pos + 1, text="I"), "pronoun")
            ckind: _ActKind = rng.choice(["promise", "intend"])
            quotes.append(_attribution(qid, speaker, cue, content, "direct", _act(ckind), meeting_id))
            evidence = t.span(we.start, tm.end)
            add_act(speaker, side[0], ckind, (act, evidence, modal), _time(tm), qid, meeting_id)
        elif kind in ("indirect", "pronoun"):
            if kind == "pronoun":
                subject, cue, clause_country = t.sentence(
                    ("He",), " also ", ("noted",), " that ", (side[1],), " and its partners "
                )
                mention(speaker, subject, "pronoun")
                modality_word, ckind = "should", "propose"
            else:
                subject, cue, clause_country = t.sentence(
                    ("The " + speaker.title,), " ", ("stated",), " that ", (side[1],), " "
                )
                subject = Span(start=subject.start + 4, end=subject.end, text=speaker.title)
                mention(speaker, subject, "nominal")
                modalities: list[tuple[str, _ActKind]] = [
                    ("is ready to", "offer"),
                    ("can", "propose"),
                    ("supports efforts to", "support"),
                ]
                modality_word, ckind = rng.choice(modalities)
            modal = t.add(modality_word)
            t.add(" ")
            act = t.add(action)
            t.add(".")
            content = t.span(clause_country.start, act.end)
            quotes.append(_attribution(qid, speaker, cue, content, "indirect", _act(ckind), meeting_id))
            word = {"offer": "ready", "support": "supports"}.get(ckind, modality_word)
            at = modal.start + modal.text.index(word)
            modal_span = Span(start=at, end=at + len(word), text=word)
            add_act(speaker, side[0], ckind, (act, content, modal_span), None, qid, meeting_id)
        elif kind == "invitation":
            inviter = host
            name_i, modal, his, counterpart, city = t.sentence(
                (inviter.surname,),
                " ",
                ("invited",),
                " ",
                ("his",),
                " ",
                ("counterpart",),
                " to visit ",
                (home[3],),
                ".",
            )
            mention(inviter, name_i, "name")
            mention(inviter, his, "pronoun")
            mention(visitor, counterpart, "nominal")
            content = Span(start=city.start - len("visit "), end=city.end, text="visit " + city.text)
            evidence = t.span(name_i.start, city.end)
            add_act(inviter, home[0], "invite", (content, evidence, modal), None, None, "m1")
        elif kind == "greeting":
            open_q = t.add("“")
            i1, my, absent_name = t.sentence(
                ("I",), " would like to send ", ("my",), " greetings to ", (f"General {absent.name}",), ","
            )
            close = t.add("”")
            content = t.span(open_q.end, close.start)
            t.add(" ")
            name_s, cue = t.sentence((speaker.surname,), " ", ("added",), ".")
            mention(speaker, i1, "pronoun")
            mention(speaker, my, "pronoun")
            mention(absent, absent_name, "name")
            mention(speaker, name_s, "name")
            quotes.append(_attribution(qid, speaker, cue, content, "direct", "expressive", meeting_id))  # greetings
        elif kind == "second_meeting" and not second_meeting_done:
            name_v2, ev, title_u, where, day2 = _second_meeting(t, visitor, unnamed, day)
            mention(visitor, name_v2, "name")
            mention(unnamed, title_u, "nominal")
            meetings.append(
                Meeting(
                    id="m2",
                    participants=[
                        Participant(official_id="visitor", role="visitor"),
                        Participant(official_id="unnamed", role="host"),
                    ],
                    location=where,
                    time=_time(day2),
                    evidence=[ev],
                    status="stated",
                    mode="in_person",  # "met ... while visiting"
                )
            )
            second_meeting_done = True
        else:
            t.add(rng.choice(FILLER))
        if kind != "filler" and rng.random() < 0.6:  # background sentences keep the density realistic
            t.add(" " + rng.choice(FILLER))
        t.add("\n\n")
    text = t.value().rstrip("\n")
    # participation follows the meetings (guidelines; `validate` checks it): the aide takes part in some only
    met = {p.official_id for m in meetings for p in m.participants}
    gold = AnnotatedDocument(
        schema_version="2.1",
        document_id=document_id(seed, index),
        text_sha256=sha256_text(text),
        guidelines_version=SCHEMA_VERSION,  # acts split into commitments and stances as guidelines 2.1 do
        annotators=["synth"],
        officials=[
            Official(
                id=o.id,
                name=o.name,
                title=o.title,
                rank=o.rank,
                country=o.country[0],
                organisation=None,
                participation="participant" if o.id in met else "mentioned",
                mentions=sorted(o.mentions, key=lambda m: m.start),
            )
            for o in officials
            if o.mentions
        ],
        sources=[],
        meetings=meetings,
        attributions=quotes,
        commitments=commitments,
        stances=stances,
    )
    return text, gold


def _second_meeting(t: _Text, visitor: _Official, unnamed: _Official, day: str) -> list[Span]:
    name_v = t.add(visitor.surname)
    t.add(" also ")
    met = t.add("met the ")
    title = t.add(unnamed.title)
    evidence = Span(start=met.start, end=title.end, text=met.text + title.text)
    t.add(" while visiting the ")
    where = t.add("naval base")
    t.add(" on ")
    when = t.add(day)
    t.add(".")
    return [name_v, evidence, title, where, when]


def document_id(seed: int, index: int) -> str:
    return f"synth-{seed}-{index:06d}"


def perturb(gold: AnnotatedDocument, text: str, rng: random.Random, error_rate: float) -> JsonObject:
    """A gold-shaped prediction line (format 2.1) with controlled errors: each mention is, with probability
    ``error_rate``, missed or shifted by one character (its text updated), each attribution dropped with half
    that probability, each commitment and stance relabelled within its layer (and its link to a dropped
    attribution cut)."""
    officials = []
    for official in gold.officials:
        kept = []
        for m in official.mentions:
            roll = rng.random()
            if roll < error_rate / 3:
                continue  # missed
            if roll < 2 * error_rate / 3 and m.end - m.start > 1:
                start = min(m.start + 1, m.end - 1)
                m = Mention(start=start, end=m.end, text=text[start : m.end], form=m.form)
            kept.append(m)
        officials.append(official.model_copy(update={"mentions": kept or official.mentions[:1]}))
    attributions = [a for a in gold.attributions if rng.random() >= error_rate / 2]
    attribution_ids = {a.id for a in attributions}
    commitments = []
    for c in gold.commitments:
        kind = rng.choice(labels(CommitmentKind)) if rng.random() < error_rate else c.kind
        linked = c.attribution_id if c.attribution_id in attribution_ids else None
        commitments.append(c.model_copy(update={"kind": kind, "attribution_id": linked}))
    stances = []
    for st in gold.stances:
        kind = rng.choice(labels(StanceKind)) if rng.random() < error_rate else st.kind
        linked = st.attribution_id if st.attribution_id in attribution_ids else None
        stances.append(st.model_copy(update={"kind": kind, "attribution_id": linked}))
    perturbed = gold.model_copy(
        update={"officials": officials, "attributions": attributions, "commitments": commitments, "stances": stances}
    )
    return gold_as_prediction(perturbed)


def _write_document(settings: tuple[Path, int, float, bool], index: int) -> tuple[str, str, list[str]]:
    """Write one document's files; return its id, its prediction line and the backups kept of files it
    replaced (``force``; without it a file holding something else is refused)."""
    out, seed, error_rate, force = settings
    text, gold = generate_document(seed, index)
    doc_id = gold.document_id
    raw = text.encode("utf-8")
    meta = SeedMetadata(
        id=doc_id,
        source_file=f"{doc_id}.txt",
        source_sha256=hashlib.sha256(raw).hexdigest(),
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )
    files: list[tuple[Path, str | bytes]] = [
        (out / "seeds" / f"{doc_id}.txt", raw),
        (
            out / "seeds" / f"{doc_id}.meta.yaml",
            "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in meta.model_dump().items()),
        ),
        (out / "corpus" / f"{doc_id}.json", serialise(make_document(raw, meta))),
        (out / "annotations" / f"{doc_id}.json", json.dumps(_gold_data(gold), ensure_ascii=False) + "\n"),
    ]
    for path, content in files:  # --out may be a folder of the user's: nothing that differs is replaced silently
        check_new_or_forced(path, content, force=force)
    backups = [str(b) for path, content in files if (b := write_new_or_forced(path, content, force=force)) is not None]
    prediction = perturb(gold, text, random.Random(f"pred:{seed}:{index}"), error_rate)
    return doc_id, json.dumps(prediction, ensure_ascii=False), backups


def _gold_data(gold: AnnotatedDocument) -> JsonObject:
    """The gold as a JSON annotation file: the fields the generator states, nulls included, in the schema's
    order (no ``review``: no person checks synthetic gold)."""
    data: JsonObject = gold.model_dump(mode="json", exclude_unset=True)
    return data


def synthesise(
    out: Path,
    docs: int,
    seed: int,
    *,
    error_rate: float = 0.1,
    workers: Workers = SERIAL,
    force: bool = False,
    kept: list[str] | None = None,
) -> Iterator[str]:
    """Write a synthetic corpus of ``docs`` documents under ``out``; yields each document id in order.

    Every document depends only on ``(seed, index)``, so the output is the same for any ``workers``. A file
    already in ``out`` holding something else is refused (``output-exists``) unless ``force``, which keeps
    it as ``FILE.~N~`` (the backups' paths are appended to ``kept``); a rerun with the same settings writes
    the same bytes and is never refused.
    """
    predictions: list[str] = []
    settings = (Path(out), seed, error_rate, force)
    made = ordered_map(_write_document, range(docs), setup=shared(settings), workers=workers, batch=32)
    for doc_id, line, backups in made:
        predictions.append(line)
        if kept is not None:
            kept.extend(backups)
        yield doc_id
    backup = write_new_or_forced(Path(out) / "predictions.jsonl", "\n".join(predictions) + "\n", force=force)
    if backup is not None and kept is not None:
        kept.append(str(backup))
