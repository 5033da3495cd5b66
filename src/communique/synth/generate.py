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
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communique.annotate.migrate import migrate_data
from communique.corpus.build import make_document, serialise, sha256_text
from communique.io.parallel import SERIAL, Workers, ordered_map, shared
from communique.io.write import check_new_or_forced, write_new_or_forced
from communique.schema.models import (
    ANNOTATION_LAYERS,
    AnnotatedDocument,
    CommitmentKind,
    Mention,
    MentionForm,
    SeedMetadata,
    Span,
    StanceKind,
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
    participation: str = "participant"
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


def _raw(span: Span, **extra: Any) -> dict[str, Any]:
    """A span as annotation data: offsets and text (and the subclass fields given)."""
    return {"start": span.start, "end": span.end, "text": span.text, **extra}


def generate_document(seed: int, index: int) -> tuple[str, dict[str, Any]]:
    """The text and gold annotation data (offsets written) of document ``index`` of corpus ``seed``."""
    rng = random.Random(f"communique-synth:{seed}:{index}")
    home, away = rng.sample(COUNTRIES, 2)
    names = iter(rng.sample([f"{g} {f}" for g in GIVEN for f in FAMILY], 4))
    visitor = _Official("visitor", next(names), rng.choice(RANKS), rng.choice(TITLES), away)
    host = _Official("host", next(names), rng.choice(RANKS), rng.choice(TITLES), home)
    aide = _Official("aide", next(names), rng.choice(RANKS), rng.choice(TITLES), home)
    absent = _Official("absent", next(names), "General", rng.choice(TITLES), away, participation="mentioned")
    unnamed = _Official("unnamed", None, None, "commander of the " + home[2] + " Navy", home)
    officials = [visitor, host, aide, absent, unnamed]
    meetings: list[dict[str, Any]] = []
    quotes: list[dict[str, Any]] = []
    commitments: list[dict[str, Any]] = []
    t = _Text()

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
        {
            "id": "m1",
            "participants": [{"official_id": "visitor", "role": "visitor"}, {"official_id": "host", "role": "host"}],
            "location": _raw(place),
            "time": _raw(time_s, value=None),
            "evidence": [_raw(evidence)],
            "status": "stated",
            "mode": "in_person",  # "arrived in ... and met"
        }
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
        qid, cid = f"q{len(quotes) + 1}", f"c{len(commitments) + 1}"
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
            quotes.append(
                {
                    "id": qid,
                    "speaker_id": speaker.id,
                    "cues": [_raw(cue)],
                    "contents": [_raw(content)],
                    "kind": "direct",
                    "addressee_id": None,
                    "meeting_id": meeting_id,
                }
            )
            commitments.append(
                {
                    "id": cid,
                    "actor_id": speaker.id,
                    "country": side[0],
                    "kind": rng.choice(["pledge", "intention"]),
                    "content": _raw(act),
                    "evidence": _raw(t.span(we.start, tm.end)),
                    "time": _raw(tm, value=None),
                    "modality": _raw(modal),
                    "quote_id": qid,
                    "meeting_id": meeting_id,
                }
            )
        elif kind in ("indirect", "pronoun"):
            if kind == "pronoun":
                subject, cue, clause_country = t.sentence(
                    ("He",), " also ", ("noted",), " that ", (side[1],), " and its partners "
                )
                mention(speaker, subject, "pronoun")
                modality_word, ckind = "should", "proposal"
            else:
                subject, cue, clause_country = t.sentence(
                    ("The " + speaker.title,), " ", ("stated",), " that ", (side[1],), " "
                )
                subject = Span(start=subject.start + 4, end=subject.end, text=speaker.title)
                mention(speaker, subject, "nominal")
                modality_word, ckind = rng.choice(
                    [("is ready to", "readiness"), ("can", "proposal"), ("supports efforts to", "support")]
                )
            modal = t.add(modality_word)
            t.add(" ")
            act = t.add(action)
            t.add(".")
            content = t.span(clause_country.start, act.end)
            quotes.append(
                {
                    "id": qid,
                    "speaker_id": speaker.id,
                    "cues": [_raw(cue)],
                    "contents": [_raw(content)],
                    "kind": "indirect",
                    "addressee_id": None,
                    "meeting_id": meeting_id,
                }
            )
            word = {"readiness": "ready", "support": "supports"}.get(ckind, modality_word)
            at = modal.start + modal.text.index(word)
            modal_span = Span(start=at, end=at + len(word), text=word)
            commitments.append(
                {
                    "id": cid,
                    "actor_id": speaker.id,
                    "country": side[0],
                    "kind": ckind,
                    "content": _raw(act),
                    "evidence": _raw(content),
                    "time": None,
                    "modality": _raw(modal_span),
                    "quote_id": qid,
                    "meeting_id": meeting_id,
                }
            )
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
            commitments.append(
                {
                    "id": cid,
                    "actor_id": inviter.id,
                    "country": home[0],
                    "kind": "invitation",
                    "content": _raw(content),
                    "evidence": _raw(t.span(name_i.start, city.end)),
                    "time": None,
                    "modality": _raw(modal),
                    "quote_id": None,
                    "meeting_id": "m1",
                }
            )
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
            quotes.append(
                {
                    "id": qid,
                    "speaker_id": speaker.id,
                    "cues": [_raw(cue)],
                    "contents": [_raw(content)],
                    "kind": "direct",
                    "speech_act": "expressive",  # greetings
                    "addressee_id": None,
                    "meeting_id": meeting_id,
                }
            )
        elif kind == "second_meeting" and not second_meeting_done:
            name_v2, ev, title_u, where, day2 = _second_meeting(t, visitor, unnamed, day)
            mention(visitor, name_v2, "name")
            mention(unnamed, title_u, "nominal")
            meetings.append(
                {
                    "id": "m2",
                    "participants": [
                        {"official_id": "visitor", "role": "visitor"},
                        {"official_id": "unnamed", "role": "host"},
                    ],
                    "location": _raw(where),
                    "time": _raw(day2, value=None),
                    "evidence": [_raw(ev)],
                    "status": "stated",
                    "mode": "in_person",  # "met ... while visiting"
                }
            )
            second_meeting_done = True
        else:
            t.add(rng.choice(FILLER))
        if kind != "filler" and rng.random() < 0.6:  # background sentences keep the density realistic
            t.add(" " + rng.choice(FILLER))
        t.add("\n\n")
    text = t.value().rstrip("\n")
    data = {
        "document_id": document_id(seed, index),
        "text_sha256": sha256_text(text),
        "guidelines_version": "1.1",  # mention boundaries follow 1.1 (rank and name in one mention)
        "annotators": ["synth"],
        "officials": [
            {
                "id": o.id,
                "name": o.name,
                "title": o.title,
                "rank": o.rank,
                "country": o.country[0],
                "organisation": None,
                "participation": o.participation,
                "mentions": [_raw(m, form=m.form) for m in sorted(o.mentions, key=lambda m: m.start)],
            }
            for o in officials
            if o.mentions
        ],
        "meetings": meetings,
        "quotes": quotes,
        "commitments": commitments,
    }
    return text, data


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


def perturb(gold: dict[str, Any], text: str, rng: random.Random, error_rate: float) -> dict[str, Any]:
    """A gold-shaped prediction (format 2.1) with controlled errors: each item is, with probability
    ``error_rate``, dropped, shifted by one character (its text updated), relabelled, or given a spurious twin."""
    pred = gold_as_prediction(AnnotatedDocument.model_validate(gold))
    kinds = {"commitments": labels(CommitmentKind), "stances": labels(StanceKind)}

    def shifted(span: dict[str, Any]) -> dict[str, Any]:
        start = min(span["start"] + 1, span["end"] - 1)
        return {
            **{k: v for k, v in span.items() if k not in ("occurrence", "prefix", "suffix")},
            "start": start,
            "text": text[start : span["end"]],
        }

    for official in pred["officials"]:
        kept = []
        for m in official["mentions"]:
            roll = rng.random()
            if roll < error_rate / 3:
                continue  # missed
            if roll < 2 * error_rate / 3 and m["end"] - m["start"] > 1:
                m = {**shifted(m), "form": m["form"]}
            kept.append(m)
        official["mentions"] = kept or official["mentions"][:1]
    pred["attributions"] = [a for a in pred["attributions"] if rng.random() >= error_rate / 2]
    attribution_ids = {a["id"] for a in pred["attributions"]}
    for layer in ("commitments", "stances"):
        for c in pred.get(layer, []):
            if rng.random() < error_rate:
                c["kind"] = rng.choice(kinds[layer])
            if c.get("attribution_id") not in attribution_ids:
                c.pop("attribution_id", None)
    return pred


def _write_document(settings: tuple[Path, int, float, bool], index: int) -> tuple[str, str, list[str]]:
    """Write one document's files; return its id, its prediction line and the backups kept of files it
    replaced (``force``; without it a file holding something else is refused). The generator builds each
    document in the shape of format 1 (quotes, actor_id) and :func:`_as_current` turns it into format 2.1."""
    out, seed, error_rate, force = settings
    text, data = generate_document(seed, index)
    doc_id = data["document_id"]
    gold = _as_current(data)
    AnnotatedDocument.model_validate(gold)  # a generator bug is caught here, not by users
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
        (out / "annotations" / f"{doc_id}.json", json.dumps(gold, ensure_ascii=False) + "\n"),
    ]
    for path, content in files:  # --out may be a folder of the user's: nothing that differs is replaced silently
        check_new_or_forced(path, content, force=force)
    backups = [str(b) for path, content in files if (b := write_new_or_forced(path, content, force=force)) is not None]
    prediction = perturb(gold, text, random.Random(f"pred:{seed}:{index}"), error_rate)
    return doc_id, json.dumps(prediction, ensure_ascii=False), backups


def _as_current(data: dict[str, Any]) -> dict[str, Any]:
    """The generated (format 1 shaped) gold in format 2.1, by the migration's mapping. Where the generator
    knows a field format 1 lacks (a meeting's ``mode``, a greeting's ``speech_act``), its value replaces the
    migration's guess; the other guesses follow the migration's rules (an attribution cited by a commitment
    takes the kind's Searle class) and are not marked draft: no person checks them."""
    gold: dict[str, Any] = json.loads(json.dumps(data))
    modes = [m.pop("mode", None) for m in gold.get("meetings", [])]
    acts = [q.pop("speech_act", None) for q in gold.get("quotes", [])]
    migrate_data(gold)
    for meeting, mode in zip(gold["meetings"], modes, strict=True):
        meeting["mode"] = mode or meeting["mode"]
    for attribution, act in zip(gold["attributions"], acts, strict=True):
        attribution["speech_act"] = act or attribution["speech_act"]
    for layer in ANNOTATION_LAYERS:
        for item in gold.get(layer, []):
            item.pop("review", None)
    return gold


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
