"""Names and descriptions of officials: every word counts (name, office, nationality), in bench and draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from communique import load_annotations
from communique.annotate.draft import draft_annotations
from communique.annotate.names import countries_named, description_score
from communique.bench import score
from communique.corpus.store import CorpusStore
from communique.io.parse import parse_yaml
from communique.schema.predictions import PredictedDocument

from .conftest import write_corpus_document

DOC = "baltic-talks"
TEXT = (
    "Estonian Defence Minister Hanno Pevkur met Latvian Defence Minister Andris Spruds in Riga on Monday.\n\n"
    "Pevkur said the allies must spend more. Spruds said Riga agreed.\n"
)


def _at(piece: str, nth: int = 1) -> dict[str, Any]:
    start = -1
    for _ in range(nth):
        start = TEXT.index(piece, start + 1)
    return {"start": start, "end": start + len(piece), "text": piece}


def _flow(span: dict[str, Any], **extra: str) -> str:
    fields = {**span, **extra}
    return "{" + ", ".join(f"{k}: {v!r}" if isinstance(v, str) else f"{k}: {v}" for k, v in fields.items()) + "}"


GOLD = f"""schema_version: "2.0"
document_id: {DOC}
guidelines_version: "2.0"
annotators: [test]
officials:
  - id: pevkur
    name: Hanno Pevkur
    title: Defence Minister
    rank: null
    country: EST
    organisation: null
    participation: mentioned
    mentions:
      - {_flow(_at("Hanno Pevkur"), form="name")}
      - {_flow(_at("Pevkur", 2), form="name")}
  - id: spruds
    name: Andris Spruds
    title: Defence Minister
    rank: null
    country: LVA
    organisation: null
    participation: mentioned
    mentions:
      - {_flow(_at("Andris Spruds"), form="name")}
      - {_flow(_at("Spruds", 2), form="name")}
sources: []
meetings: []
attributions:
  - id: a1
    source: {{type: official, official_id: pevkur}}
    source_span: null
    cues: [{_flow(_at("said"))}]
    contents: [{_flow(_at("the allies must spend more"))}]
    kind: indirect
    speech_act: directive
    addressee_id: null
    meeting_id: null
commitments: []
"""


@pytest.fixture
def world(tmp_path: Path) -> Path:
    write_corpus_document(tmp_path / "corpus", DOC, TEXT)
    (tmp_path / "gold").mkdir()
    sha = CorpusStore(tmp_path / "corpus").get(DOC)
    assert sha is not None
    (tmp_path / "gold" / f"{DOC}.yaml").write_text(
        GOLD.replace(f"document_id: {DOC}\n", f"document_id: {DOC}\ntext_sha256: {sha.sha256}\n"), encoding="utf-8"
    )
    return tmp_path


def test_countries_named_and_the_office_left():
    assert countries_named("the Estonian defence minister") == (frozenset({"EST"}), "the defence minister")
    assert countries_named("Ghana's President") == (frozenset({"GHA"}), "President")
    assert countries_named("the South Korean envoy") == (frozenset({"KOR"}), "the envoy")
    assert countries_named("the defence minister") == (frozenset(), "the defence minister")


def test_a_description_uses_its_country_to_tell_two_ministers_apart():
    keys = ["Hanno Pevkur", "Defence Minister"]
    assert description_score("the Estonian defence minister", keys, "EST") == 1.0
    assert description_score("the Estonian defence minister", keys, "LVA") == 0.0
    # without a country word, or with an unknown country, it is the plain name match (or less)
    assert description_score("the defence minister", keys, "LVA") == description_score("defence minister", keys, "EST")
    assert 0 < description_score("the Estonian defence minister", keys, None) < 1.0
    # a country word that is part of the official's name is not a nationality
    assert description_score("Jordan", ["Michael Jordan"], "USA") > 0


def _bench(world: Path, speaker: str) -> tuple[int, list[Any]]:
    line = {
        "document_id": DOC,
        "attributions": [
            {"speaker_name": speaker, "cues": [{"text": "said"}], "contents": [{"text": "the allies must spend more"}]}
        ],
    }
    result = score(world / "gold", [line], corpus=world / "corpus", samples=0)
    tp: int = result.report["metrics"]["attributions.attributed"]["tp"]
    return tp, [i for i in result.issues if i.code == "prediction-unknown-official"]


def test_bench_credits_a_speaker_given_by_nationality_and_office(world: Path):
    assert load_annotations(world / "gold", world / "corpus")  # the gold is valid
    assert _bench(world, "the Estonian defence minister") == (1, [])
    assert _bench(world, "Pevkur") == (1, [])


def test_bench_says_whether_no_official_or_several_match(world: Path):
    tp, (several,) = _bench(world, "the defence minister")
    assert tp == 0 and "several gold officials match" in several.message
    assert "Andris Spruds" in several.message and "Hanno Pevkur" in several.message
    tp, (none,) = _bench(world, "the Moldovan envoy")
    assert tp == 0 and "no gold official matches" in none.message
    assert none.hint is not None and "source_span" in none.hint  # a speaker may be no official


def test_draft_resolves_a_description_and_says_why_one_does_not(world: Path):
    corpus = CorpusStore(world / "corpus").get(DOC)
    assert corpus is not None
    officials = [
        {
            "id": "p",
            "name": "Hanno Pevkur",
            "title": "Defence Minister",
            "country": "EST",
            "mentions": [_at("Hanno Pevkur")],
        },
        {
            "id": "s",
            "name": "Andris Spruds",
            "title": "Defence Minister",
            "country": "LVA",
            "mentions": [_at("Andris Spruds")],
        },
    ]
    content = [{"text": "the allies must spend more"}]
    attributions = [
        {"speaker_name": "the Estonian defence minister", "cues": [{"text": "said"}], "contents": content},
        {"speaker_name": "the defence minister", "contents": content},
        {"speaker_name": "the Moldovan envoy", "contents": content},
    ]
    prediction = PredictedDocument.model_validate(
        {"document_id": DOC, "officials": officials, "attributions": attributions}
    )
    draft = draft_annotations(prediction, corpus, "a test")
    sources = [a["source"] for a in parse_yaml(draft.text)["attributions"]]
    assert sources[0] == {"type": "official", "official_id": "p"}
    assert sources[1]["type"] == sources[2]["type"] == "unresolved"
    messages = {i.path: i for i in draft.issues if i.code == "draft-item-skipped"}
    assert "several drafted officials match it equally: p, s" in messages["$.attributions[1].speaker_name"].message
    found = messages["$.attributions[2].speaker_name"]
    assert "no drafted official matches" in found.message and found.hint is not None and "source_span" in found.hint
