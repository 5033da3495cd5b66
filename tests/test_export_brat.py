"""`communique export brat`: round trip through an independent brat reader (bratly)."""

from __future__ import annotations

import re
from pathlib import Path

import bratly.io.file_read_src as bratly_io  # declared test dependencies: absent, they fail (no skip)
import pytest
from bratly.annotation_types import (
    AttributeAnnotation,
    EntityAnnotation,
    EquivalenceAnnotation,
    EventAnnotation,
    NoteAnnotation,
)

from communique import load_annotations, load_corpus_document
from communique.cli.main import main
from communique.formats.brat import annotation_conf
from communique.schema.models import AttributionKind, CommitmentKind, MentionForm, SpeechAct, labels

from .conftest import CORPUS, DOC_ID, GOLD, ROOT, SEED_GOLD


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("brat")
    assert main(["export", "brat", "--out", str(out), "--gold", str(GOLD), "--corpus", str(CORPUS)]) == 0
    return out


@pytest.fixture(scope="module")
def parsed(exported: Path):
    text = (exported / f"{DOC_ID}.ann").read_text(encoding="utf-8")
    collection = bratly_io.parse_ann_file(
        text, str(exported / f"{DOC_ID}.ann"), no_duplicates=False, sorting=False, renumerotize=False
    )
    return text, collection.annotations


def test_text_is_byte_exact(exported):
    assert (exported / f"{DOC_ID}.txt").read_bytes() == (ROOT / "seeds" / f"{DOC_ID}.txt").read_bytes()


def test_reader_understands_every_line(parsed):
    text, annotations = parsed
    assert len(annotations) == len(text.splitlines())  # bratly returns None (drops) lines it cannot parse


def test_round_trip_rebuilds_the_gold(parsed):
    gold = load_annotations(SEED_GOLD, CORPUS)[0]
    corpus_text = load_corpus_document(CORPUS / f"{DOC_ID}.json").text
    _, annotations = parsed
    entities = {a.id: a for a in annotations if isinstance(a, EntityAnnotation)}
    attrs = {
        a.component.id: a.values[0] if a.values else None for a in annotations if isinstance(a, AttributeAnnotation)
    }
    notes = {a.component.id: a.value for a in annotations if isinstance(a, NoteAnnotation)}

    def spans(entity):
        return sorted((f.start, f.end) for f in entity.fragments)

    for entity in entities.values():  # offsets are code points into the same text
        assert " ".join(corpus_text[s:e] for s, e in spans(entity)) == entity.content

    # mentions, their forms and their officials
    mentions = {}
    for tid, entity in entities.items():
        if entity.label == "Mention":
            official = re.match(r"official=([^;]+)", notes[tid])[1]
            mentions[tid] = official
    expected = {(m.start, m.end, m.form, o.id) for o in gold.officials for m in o.mentions}
    found = {(*spans(entities[t])[0], attrs[t], o) for t, o in mentions.items()}
    assert found == expected
    clusters = [sorted(mentions[e.id] for e in a.entities) for a in annotations if isinstance(a, EquivalenceAnnotation)]
    assert all(len(set(c)) == 1 for c in clusters)
    assert len(clusters) == sum(len(o.mentions) > 1 for o in gold.officials)

    events = [a for a in annotations if isinstance(a, EventAnnotation)]

    def args(event):
        return {role.rstrip("0123456789"): target for role, target in event.args.items()}

    # each event has several attributes: (event id, attribute name) -> value
    named = {
        (a.component.id, a.label): a.values[0] if a.values else None
        for a in annotations
        if isinstance(a, AttributeAnnotation)
    }

    def source_of(event):
        target = args(event).get("Source")
        return mentions[target.id] if target is not None and target.id in mentions else None

    attributions = {
        (
            tuple(spans(entities[args(e)["Content"].id])),
            source_of(e),
            named[e.id, "AttributionKind"],
            named[e.id, "SpeechAct"],
        )
        for e in events
        if e.label == "Attribution"
    }
    assert attributions == {
        (
            tuple(sorted((s.start, s.end) for s in a.contents)),
            getattr(a.source, "official_id", None),
            a.kind,
            a.speech_act,
        )
        for a in gold.attributions
    }

    def actors(event):
        return tuple(mentions[t.id] for r, t in event.args.items() if r.rstrip("0123456789") == "Actor")

    commitments = {
        (spans(e.event_trigger)[0], actors(e), named[e.id, "CommitmentKind"]) for e in events if e.label == "Commitment"
    }
    assert commitments == {
        ((c.evidence.start, c.evidence.end), tuple(a.official_id for a in c.actors), c.kind) for c in gold.commitments
    }

    def where(event, role):
        target = args(event).get(role)
        return tuple(spans(entities[target.id])[0]) if target is not None else None

    meetings = {
        (
            tuple(spans(e.event_trigger)),
            where(e, "Location"),
            where(e, "Time"),
            frozenset((r.rstrip("0123456789"), mentions[t.id]) for r, t in e.args.items() if t.id in mentions),
        )
        for e in events
        if e.label == "Meeting"
    }
    assert meetings == {
        (
            tuple(sorted((s.start, s.end) for s in m.evidence)),
            (m.location.start, m.location.end) if m.location else None,
            (m.time.start, m.time.end) if m.time else None,
            frozenset((p.role.capitalize() if p.role else "Participant", p.official_id) for p in m.participants),
        )
        for m in gold.meetings
    }


def test_annotation_conf_is_generated_from_the_models(exported):
    conf = (exported / "annotation.conf").read_text(encoding="utf-8")
    assert conf == annotation_conf()
    assert f"Value:{'|'.join(labels(MentionForm))}" in conf
    assert f"Value:{'|'.join(labels(AttributionKind))}" in conf
    assert f"Value:{'|'.join(labels(SpeechAct))}" in conf
    assert f"Value:{'|'.join(labels(CommitmentKind))}" in conf
    for section in ("[entities]", "[relations]", "[events]", "[attributes]"):
        assert section in conf
