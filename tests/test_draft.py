"""``communique draft`` and ``render --predictions``, on a small text written for these tests (not the seed)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from communique import load_annotations
from communique.annotate.draft import draft_annotations, drafted_document
from communique.cli.main import main
from communique.io.parse import parse_yaml
from communique.schema.models import ANNOTATION_LAYERS
from communique.schema.predictions import PredictedDocument

from .conftest import write_corpus_document

DOC = "lima-talks"
TEXT = (
    "Minister Rojas met Ambassador Ito in Lima on Friday.\n\n"
    "Rojas said the talks were useful. The ministry said trade would grow.\n\n"
    "Rojas and Ito agreed to meet again in May.\n"
)
PREDICTION: dict[str, Any] = {
    "document_id": DOC,
    "officials": [
        {"id": "R", "name": "Rojas", "mentions": [{"text": "Minister Rojas"}, {"text": "Rojas", "occurrence": 2}]},
        {"name": "Ito", "mentions": [{"text": "Ambassador Ito", "form": "name"}]},
    ],
    "meetings": [
        {
            "participants": [{"official_id": "R"}, {"official_name": "Ito"}],
            "evidence": [{"text": "met Ambassador Ito"}],
            "location": {"text": "Lima"},
            "mode": "in_person",
        }
    ],
    "attributions": [
        {
            "speaker_id": "R",
            "cues": [{"text": "said", "occurrence": 1}],
            "contents": [{"text": "the talks were useful"}],
            "speech_act": "assertive",
        },
        {
            "source_span": {"text": "The ministry"},
            "source_type": "institution",
            "contents": [{"text": "trade would grow"}],
            "kind": "indirect",
        },
        {"speaker_name": "Nobody Known", "contents": [{"text": "talks were useful"}]},
        {"speaker_id": "R", "contents": [{"text": "not in the text at all"}]},
    ],
    "commitments": [
        {
            "actors": [{"official_name": "Ito"}, {"official_span": {"text": "Rojas", "occurrence": 3}}],
            "kind": "agree",
            "evidence": {"text": "Rojas and Ito agreed to meet again in May"},
            "content": {"text": "meet again in May"},
        },
        {"actors": [{"official_name": "Nobody Known"}], "evidence": {"text": "trade would grow"}},
    ],
    "stances": [{"actors": [{"official_id": "R"}], "evidence": {"text": "the talks were useful"}}],
}


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A corpus of one document made from TEXT, and a prediction file for it."""
    write_corpus_document(tmp_path / "corpus", DOC, TEXT)
    (tmp_path / "pred.jsonl").write_text(json.dumps(PREDICTION) + "\n", encoding="utf-8")
    return tmp_path


def _draft(world: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    out = world / "draft.yaml"
    code = main(
        ["draft", DOC, "--from", str(world / "pred.jsonl"), "--corpus", str(world / "corpus"), "--out", str(out)]
    )
    assert code == 0
    return out, capsys.readouterr().err


def test_draft_writes_a_valid_file_with_every_item_marked_and_commented(world: Path, capsys):
    out, err = _draft(world, capsys)
    text = out.read_text(encoding="utf-8")
    data = parse_yaml(text)
    items = [item for layer in ANNOTATION_LAYERS for item in data[layer]]
    # three officials (an actor span held by no drafted official is a new one), the source span became a
    # source; the attribution whose contents do not occur and the commitment without an actor are skipped
    assert len(items) == 3 + 1 + 1 + 3 + 1 + 1
    assert list(data)[-2:] == ["commitments", "stances"] and data["stances"][0]["id"] == "st1"
    assert all(item["review"] == "draft" for item in items)
    assert len(re.findall(r"review: draft  # from pred\.jsonl", text)) == len(items)
    assert "guessed: source, kind, speech_act" in text  # the third attribution predicted neither label
    # validate warns about every draft, and --strict (the CI mode) fails on them
    args = ["validate", str(out), "--corpus", str(world / "corpus")]
    assert main(args) == 0
    assert capsys.readouterr().err.count("[review-draft]") == len(items)
    assert main([*args, "--strict"]) == 1
    # the reference to an unknown official and the actor-less commitment are reported, not silently lost
    assert err.count("[draft-item-skipped]") == 4 and err.count("[draft-span-unanchored]") == 1


def test_drafted_spans_carry_offsets_and_their_text(world: Path, capsys):
    out, _ = _draft(world, capsys)
    (doc,) = load_annotations(out, world / "corpus")
    spans = [m for o in doc.officials for m in o.mentions]
    spans += [s for a in doc.attributions for s in (*a.contents, *a.cues)]
    assert spans and all(TEXT[s.start : s.end] == s.text for s in spans)
    rojas, ito, _ = doc.officials
    assert [(m.start, m.text) for m in rojas.mentions] == [(0, "Minister Rojas"), (TEXT.index("Rojas said"), "Rojas")]
    assert rojas.participation == ito.participation == "participant"
    assert ito.mentions[0].form == "name" and rojas.mentions[0].form == "name"  # guessed from the capital
    (meeting,) = doc.meetings
    assert {p.official_id for p in meeting.participants} == {rojas.id, ito.id} and meeting.mode == "in_person"
    first, second, third = doc.attributions
    assert first.source.type == "official" and first.source.official_id == rojas.id
    assert second.source.type == "source"
    (source,) = doc.sources
    assert source.type == "institution" and source.mentions[0].text == "The ministry"
    assert third.source.type == "unresolved"  # an unknown name: the reference was dropped
    (commitment,) = doc.commitments
    # the span "Rojas" (third occurrence) is a new mention of nobody drafted, so a new official; the set holds both
    assert len(commitment.actors) == 2 and ito.id in {a.official_id for a in commitment.actors}
    assert commitment.condition is None
    (stance,) = doc.stances  # its kind was not predicted: guessed, and said so
    assert stance.kind == "support" and stance.actors[0].official_id == rojas.id and stance.review == "draft"


def test_a_repeated_span_is_placed_by_its_item_else_stays_text_only_and_the_view_leaves_it_out(world: Path):
    from communique.corpus.store import CorpusStore

    doc = CorpusStore(world / "corpus").get(DOC)
    assert doc is not None
    line = {
        "document_id": DOC,
        "officials": [{"name": "Rojas", "mentions": [{"text": "Rojas"}]}],  # three times, nothing else to go by
        "attributions": [
            {"source_unresolved": "unnamed", "cues": [{"text": "said"}], "contents": [{"text": "talks were useful"}]}
        ],
    }
    prediction = PredictedDocument.model_validate(line)
    draft = draft_annotations(prediction, doc, "a test")
    data = parse_yaml(draft.text)
    (attribution,) = data["attributions"]
    said = TEXT.index("said")  # of "said" twice, the one next to its content, as bench places it
    assert attribution["cues"] == [{"start": said, "end": said + 4, "text": "said"}]
    at = TEXT.index("talks were useful")
    assert attribution["contents"] == [{"start": at, "end": at + 17, "text": "talks were useful"}]
    (official,) = data["officials"]
    assert official["mentions"] == [{"text": "Rojas", "form": "name"}]  # no offsets invented
    assert [i.code for i in draft.issues] == ["draft-span-unanchored"] and "3 times" in draft.issues[0].message
    viewed = drafted_document(prediction, doc, "a test")
    assert viewed.officials == [] and viewed.attributions[0].cues[0].start == said


def test_a_span_placed_by_no_hint_keeps_its_hints_for_anchor(world: Path):
    from communique.corpus.store import CorpusStore

    doc = CorpusStore(world / "corpus").get(DOC)
    assert doc is not None
    cue = {"text": "said", "suffix": " nothing", "occurrence": 2}  # the suffix matches no occurrence
    line = {
        "document_id": DOC,
        "attributions": [{"speaker_name": "Rojas", "cues": [cue], "contents": [{"text": "useful"}]}],
    }
    line["officials"] = [{"name": "Rojas", "mentions": [{"text": "Minister Rojas", "form": "name"}]}]
    draft = draft_annotations(PredictedDocument.model_validate(line), doc, "a test")
    assert "      - {text: said, occurrence: 2, suffix: ' nothing'}\n" in draft.text
    (attribution,) = parse_yaml(draft.text)["attributions"]
    assert attribution["cues"] == [cue] and attribution["source"] == {"type": "official", "official_id": "o1"}
    assert draft.document.attributions[0].cues == []  # the view leaves it out


def test_the_view_keeps_the_commitments_the_text_places(world: Path):
    from communique.corpus.store import CorpusStore

    doc = CorpusStore(world / "corpus").get(DOC)
    assert doc is not None
    draft = draft_annotations(PredictedDocument.model_validate(PREDICTION), doc, "a test")
    (commitment,) = draft.document.commitments  # the other one has no actor: not drafted
    assert (commitment.kind, commitment.content.text) == ("agree", "meet again in May")
    assert commitment.evidence.text == TEXT[commitment.evidence.start : commitment.evidence.end]
    assert {a.official_id for a in commitment.actors} <= {o.id for o in draft.document.officials}


def test_a_conditional_commitment_and_linked_stances_are_drafted_as_models(tmp_path: Path):
    from communique.corpus.store import CorpusStore
    from communique.schema.models import Commitment, Stance

    text = (
        "Minister Rojas met Ambassador Ito in Lima.\n\n"
        "Rojas said Peru would send ships if Chile asked. Ito praised it.\n"
    )
    write_corpus_document(tmp_path / "corpus", DOC, text)
    doc = CorpusStore(tmp_path / "corpus").get(DOC)
    assert doc is not None
    said = "Peru would send ships if Chile asked"
    line = {
        "document_id": DOC,
        "officials": [
            {"id": "R", "name": "Rojas", "mentions": [{"text": "Minister Rojas"}, {"text": "Rojas", "occurrence": 2}]},
            {"id": "I", "name": "Ito", "mentions": [{"text": "Ambassador Ito"}, {"text": "Ito", "occurrence": 2}]},
        ],
        "meetings": [
            {
                "id": "m1",
                "participants": [{"official_id": "R"}, {"official_id": "I"}],
                "evidence": [{"text": "met Ambassador Ito"}],
            }
        ],
        "attributions": [{"id": "a1", "speaker_id": "R", "cues": [{"text": "said"}], "contents": [{"text": said}]}],
        "commitments": [
            {
                "actors": [{"official_id": "R", "country": "PER"}],
                "kind": "promise",
                "evidence": {"text": said},
                "content": {"text": "send ships"},
                "condition": {"text": "if Chile asked"},
                "attribution_id": "a1",
            }
        ],
        "stances": [
            {
                "actors": [{"official_id": "I"}],
                "kind": "praise",
                "evidence": {"text": "Ito praised it"},
                "meeting_id": "m1",
            },
            {
                "actors": [{"official_id": "I"}],
                "evidence": {"text": "praised it"},
                "meeting_id": "m9",
            },  # no such meeting
        ],
    }
    draft = draft_annotations(PredictedDocument.model_validate(line), doc, "a test")
    (commitment,) = draft.document.commitments
    assert isinstance(commitment, Commitment) and commitment.review == "draft"
    condition = commitment.condition
    assert condition is not None and (condition.start, condition.text) == (text.index("if Chile"), "if Chile asked")
    assert text[condition.start : condition.end] == condition.text and commitment.attribution_id == "a1"
    praised, guessed = draft.document.stances
    assert all(isinstance(s, Stance) and s.review == "draft" for s in (praised, guessed))
    assert (praised.id, praised.kind, praised.meeting_id) == ("st1", "praise", "m1")
    assert (guessed.id, guessed.kind, guessed.meeting_id) == ("st2", "support", None)  # kind guessed, link dropped
    assert [i.code for i in draft.issues] == ["draft-item-skipped"] and "'m9'" in draft.issues[0].message
    data = parse_yaml(draft.text)
    assert data["commitments"][0]["condition"] == {
        "start": condition.start,
        "end": condition.end,
        "text": "if Chile asked",
    }
    assert "predicted links: attribution_id" in draft.text and "predicted links: meeting_id" in draft.text
    assert "guessed: content, kind" in draft.text  # the second stance: neither its content nor its kind predicted


def test_draft_from_rules_on_a_new_text(world: Path, capsys):
    out = world / "rules.yaml"
    assert main(["draft", DOC, "--from", "rules", "--corpus", str(world / "corpus"), "--out", str(out)]) == 0
    data = parse_yaml(out.read_text(encoding="utf-8"))
    assert data["officials"] and all(o["review"] == "draft" for o in data["officials"])
    assert "from the rules baseline" in out.read_text(encoding="utf-8")
    load_annotations(out, world / "corpus")  # valid


def test_draft_usage_and_bad_predictions(world: Path, capsys):
    corpus = ["--corpus", str(world / "corpus")]
    assert main(["draft", "no-such-doc", "--from", "rules", *corpus]) == 2
    assert main(["draft", DOC, "--from", str(world / "missing.jsonl"), *corpus]) == 2
    bad = world / "bad.jsonl"
    bad.write_text(json.dumps({"document_id": DOC, "attributions": [{"contents": [], "kind": "x"}]}) + "\n")
    assert main(["draft", DOC, "--from", str(bad), *corpus]) == 1
    err = capsys.readouterr().err
    assert "bad.jsonl:1:" in err and "Traceback" not in err
    other = world / "other.jsonl"
    other.write_text("\n")
    assert main(["draft", DOC, "--from", str(other), *corpus]) == 1
    assert "[prediction-missing-document]" in capsys.readouterr().err


def test_render_pred_shows_predictions_alone_or_beside_the_gold(world: Path, capsys):
    corpus = ["--corpus", str(world / "corpus")]
    alone = world / "alone.html"
    args = ["render", "--predictions", str(world / "pred.jsonl"), "--gold", str(world / "gold"), *corpus]
    assert main([*args, "--out", str(alone)]) == 0
    page = alone.read_text(encoding="utf-8")
    assert "<iframe" not in page and "Minister Rojas" in page and 'data-target="attribution:' in page
    # with gold: both pages side by side, each self-contained in its frame
    (world / "gold").mkdir()
    draft, _ = _draft(world, capsys)
    draft.rename(world / "gold" / f"{DOC}.yaml")
    both = world / "both.html"
    assert main([*args, "--out", str(both), DOC]) == 0
    page = both.read_text(encoding="utf-8")
    assert page.count("<iframe") == 2 and ">gold</h2>" in page and ">predictions</h2>" in page
    assert "http://" not in page and "https://" not in page  # nothing loaded from anywhere


# ------------------------------------------------------------------ from predictions to gold, no hand placement

TALKS = "accra-talks"
TALKS_TEXT = (
    "Foreign Minister Vale met Defence Minister Okafor in Accra on Tuesday.\n\n"
    "Vale said the visit was a turning point. Okafor said both sides would sign a defence pact on Tuesday next "
    "week.\n\n"
    "\u201cWe will deepen cooperation,\u201d Okafor said after the talks.\n\n"
    "The two ministers also agreed to hold a joint exercise on Tuesday, the ministry said.\n"
)
#: what an LLM writes: cues and times by their text alone, though "said" occurs four times and "on Tuesday" three
TALKS_PREDICTION: dict[str, Any] = {
    "document_id": TALKS,
    "officials": [
        {"id": "vale", "name": "Vale", "mentions": [{"text": "Foreign Minister Vale"}, {"text": "Vale"}]},
        {"id": "okafor", "name": "Okafor", "mentions": [{"text": "Defence Minister Okafor"}, {"text": "Okafor"}]},
    ],
    "meetings": [
        {
            "id": "talks",
            "participants": [{"official_id": "vale"}, {"official_id": "okafor"}],
            "evidence": [{"text": "met Defence Minister Okafor"}],
            "location": {"text": "Accra"},
            "time": {"text": "on Tuesday"},
            "status": "stated",
            "mode": "in_person",
        }
    ],
    "attributions": [
        {
            "id": "a1",
            "speaker_id": "vale",
            "cues": [{"text": "said"}],
            "contents": [{"text": "the visit was a turning point"}],
            "kind": "indirect",
            "speech_act": "assertive",
            "meeting_id": "talks",
        },
        {
            "id": "a2",
            "speaker_span": {"text": "Okafor", "occurrence": 2},
            "cues": [{"text": "said"}],
            "contents": [{"text": "both sides would sign a defence pact on Tuesday next week"}],
            "kind": "indirect",
            "speech_act": "commissive",
        },
        {
            "id": "a3",
            "speaker_id": "okafor",
            "cues": [{"text": "said"}],
            "contents": [{"text": "We will deepen cooperation,"}],
            "kind": "direct",
            "speech_act": "commissive",
        },
    ],
    "commitments": [
        {
            "actors": [{"official_id": "okafor"}],
            "kind": "promise",
            "evidence": {"text": "both sides would sign a defence pact on Tuesday next week"},
            "content": {"text": "sign a defence pact"},
            "time": {"text": "on Tuesday next week"},
            "attribution_id": "a2",
        },
        {
            "actors": [{"official_id": "vale"}, {"official_id": "okafor"}],
            "kind": "agree",
            "evidence": {"text": "The two ministers also agreed to hold a joint exercise on Tuesday"},
            "content": {"text": "hold a joint exercise"},
            "time": {"text": "on Tuesday"},
            "meeting_id": "talks",
        },
    ],
}


def test_text_only_predictions_draft_review_anchor_and_validate_strict_with_no_hand_placement(tmp_path: Path, capsys):
    write_corpus_document(tmp_path / "corpus", TALKS, TALKS_TEXT)
    predictions = tmp_path / "llm.jsonl"
    predictions.write_text(json.dumps(TALKS_PREDICTION) + "\n", encoding="utf-8")
    corpus = ["--corpus", str(tmp_path / "corpus")]
    gold = tmp_path / "gold" / f"{TALKS}.yaml"
    gold.parent.mkdir()
    assert main(["draft", TALKS, "--from", str(predictions), *corpus, "--out", str(gold)]) == 0
    assert "draft-span-unanchored" not in capsys.readouterr().err  # every span placed, none left out
    drafted = gold.read_text(encoding="utf-8")
    # the links the prediction makes are kept and named for the reviewer
    data = parse_yaml(drafted)
    assert [a["meeting_id"] for a in data["attributions"]] == ["talks", None, None]
    assert [(c["attribution_id"], c["meeting_id"]) for c in data["commitments"]] == [("a2", None), (None, "talks")]
    assert drafted.count("predicted links: ") == 3
    # review: the reviewer accepts every item, removing its mark
    reviewed = re.sub(r"\n *review: draft[^\n]*", "", drafted)
    assert "review: draft" in drafted and "\n  review:" not in reviewed and "  review:" not in reviewed
    gold.write_text(reviewed, encoding="utf-8")
    assert main(["anchor", str(gold), *corpus]) == 0
    capsys.readouterr()
    assert main(["validate", str(gold), *corpus, "--strict"]) == 0, capsys.readouterr().err
    (doc,) = load_annotations(gold, tmp_path / "corpus")
    said = [m.start() for m in re.finditer(r"\bsaid\b", TALKS_TEXT)]
    tuesday = [m.start() for m in re.finditer("on Tuesday", TALKS_TEXT)]
    assert len(said) == 4 and len(tuesday) == 3
    # each cue is the "said" next to its own content; each time the "on Tuesday" of its own clause
    assert [a.cues[0].start for a in doc.attributions] == said[:3]
    assert doc.meetings[0].time is not None and doc.meetings[0].time.start == tuesday[0]
    assert [c.time.start for c in doc.commitments if c.time is not None] == tuesday[1:]
    assert doc.attributions[1].source_span is not None and doc.attributions[1].source_span.text == "Okafor"
