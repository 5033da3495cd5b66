"""A small corpus written for the annotation-tool tests: every layer and field, and the awkward cases.

The text has a character outside the Basic Multilingual Plane (JavaScript tools count it as two), spans
that cross a line break (brat splits them), an attribution without cues, an addressee, a time with a calendar
value, official attributes with characters that need quoting (``;`` and ``"``), and the v2 layers: a
non-official source, an unresolved attribution source, a joint commitment with two actors and a condition, a
stance, modality types, meeting modes and an item still marked ``review: draft``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from communique.api import build_corpus
from communique.schema.models import AnnotatedDocument

DOC_ID = "tool-round-trip"
TEXT = (
    "GENEVA, 3 May 2024 — Foreign Minister Ana Ruiz met Chinese envoy Li Wei in Geneva on Friday.\n"
    "Ruiz said: “We will send a delegation 🚀 next month\n"
    "to Beijing.”\n"
    "\n"
    "Li told Ruiz that China supports the plan.\n"
    "The UN agency called the meeting useful. Observers said the two sides would keep talking.\n"
    "Ruiz and Li agreed to meet again in June if the talks go well.\n"
)


def span(needle: str, nth: int = 1, **extra: Any) -> dict[str, Any]:
    """The ``nth`` occurrence of ``needle`` in :data:`TEXT` as a span."""
    at = -1
    for _ in range(nth):
        at = TEXT.index(needle, at + 1)
    return {"start": at, "end": at + len(needle), "text": needle, **extra}


def document_data() -> dict[str, Any]:
    return {
        "schema_version": "2.1",
        "document_id": DOC_ID,
        "text_sha256": hashlib.sha256(TEXT.encode("utf-8")).hexdigest(),
        "guidelines_version": "2.1",
        "annotators": ["tester"],
        "officials": [
            {
                "id": "ruiz",
                "name": "Ana Ruiz",
                "title": "Foreign Minister",
                "rank": None,
                "country": "ESP",
                "organisation": 'Ministry of "Foreign" Affairs; Spain',
                "participation": "participant",
                "mentions": [
                    span("Foreign Minister Ana Ruiz", form="name"),
                    span("Ruiz", 2, form="name"),
                    span("We", form="pronoun"),
                    span("Ruiz", 3, form="name"),
                    span("Ruiz", 4, form="name"),
                ],
            },
            {
                "id": "li",
                "name": "Li Wei",
                "title": "envoy",
                "rank": None,
                "country": "CHN",
                "organisation": None,
                "participation": "participant",
                "mentions": [
                    span("Chinese envoy Li Wei", form="nominal"),
                    span("Li", 2, form="name"),
                    span("Li", 3, form="name"),
                ],
            },
        ],
        "sources": [
            {"id": "un", "type": "institution", "country": None, "mentions": [span("The UN agency")]},
        ],
        "meetings": [
            {
                "id": "m1",
                "participants": [{"official_id": "ruiz", "role": None}, {"official_id": "li", "role": "host"}],
                "location": span("Geneva", 1),
                "time": span("Friday", value="2024-05-03"),
                "evidence": [span("met")],
                "status": "stated",
                "mode": "in_person",
            }
        ],
        "attributions": [
            {
                "id": "q1",
                "source": {"type": "official", "official_id": "ruiz"},
                "source_span": span("Ruiz", 2),
                "cues": [span("said")],
                "contents": [span("We will send a delegation 🚀 next month\nto Beijing.")],
                "kind": "direct",
                "speech_act": "commissive",
                "meeting_id": "m1",
            },
            {
                "id": "q2",
                "source": {"type": "official", "official_id": "li"},
                "source_span": span("Li", 2),
                "cues": [],
                "contents": [span("China supports the plan")],
                "kind": "indirect",
                "speech_act": "assertive",
                "addressee_id": "ruiz",
            },
            {
                "id": "q3",
                "source": {"type": "source", "source_id": "un"},
                "source_span": span("The UN agency"),
                "cues": [span("called")],
                "contents": [span("the meeting useful")],
                "kind": "indirect",
                "speech_act": "expressive",
            },
            {
                "id": "q4",
                "source": {"type": "unresolved", "reason": "unnamed"},
                "source_span": span("Observers"),
                "cues": [span("said", 2)],
                "contents": [span("the two sides would keep talking")],
                "kind": "indirect",
                "speech_act": "assertive",
                "review": "draft",
            },
        ],
        "commitments": [
            {
                "id": "c1",
                "actors": [{"official_id": "ruiz", "country": "ESP"}],
                "kind": "promise",
                "content": span("send a delegation 🚀 next month\nto Beijing"),
                "evidence": span("We will send a delegation 🚀 next month\nto Beijing"),
                "time": span("next month"),
                "modality": span("will"),
                "modality_type": "deontic",
                "attribution_id": "q1",
                "meeting_id": "m1",
            },
            {
                "id": "c3",
                "actors": [{"official_id": "li", "country": "CHN"}, {"official_id": "ruiz", "country": None}],
                "kind": "agree",
                "content": span("meet again in June"),
                "evidence": span("Ruiz and Li agreed to meet again in June"),
                "time": span("June", value=None),
                "condition": span("if the talks go well"),
                "review": "draft",
            },
        ],
        "stances": [
            {
                "id": "st2",
                "actors": [{"official_id": "li", "country": None}],
                "kind": "support",
                "content": span("the plan"),
                "evidence": span("China supports the plan"),
                "attribution_id": "q2",
            },
        ],
    }


def make_project(root: Path) -> tuple[Path, Path, AnnotatedDocument]:
    """Seeds, corpus and one annotation file under ``root``; returns (corpus, annotations, document)."""
    seeds, corpus, annotations = root / "seeds", root / "corpus", root / "annotations"
    seeds.mkdir(parents=True)
    raw = TEXT.encode("utf-8")
    (seeds / f"{DOC_ID}.txt").write_bytes(raw)
    meta = {
        "id": DOC_ID,
        "source_file": f"{DOC_ID}.txt",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "language": "en",
        "dateline": "GENEVA",
        "title": None,
        "publication_date": None,
        "url": None,
        "publisher": None,
        "licence": None,
    }
    (seeds / f"{DOC_ID}.meta.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    build_corpus(seeds, corpus)
    annotations.mkdir()
    data = document_data()
    (annotations / f"{DOC_ID}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return corpus, annotations, AnnotatedDocument.model_validate(data)
