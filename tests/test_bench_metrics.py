"""Hand-computed scores for every layer, the 0/0 policy, splits, the bootstrap and paired comparison."""

from __future__ import annotations

import copy

import pytest

from communique import load_annotations, load_corpus_document
from communique.bench import compare, score
from communique.corpus.splits import split_of, unit_at
from communique.io.parse import parse_yaml

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, SEED_GOLD

MINIMAL = FIXTURES / "valid" / "minimal.yaml"


@pytest.fixture(scope="module")
def minimal():
    return load_annotations(MINIMAL, CORPUS)


def _span(text: str, start: int, end: int, **extra) -> dict:
    return {"start": start, "end": end, "text": text[start:end], **extra}


@pytest.fixture(scope="module")
def prediction(corpus_text: str) -> dict:
    t = corpus_text
    return {
        "document_id": DOC_ID,
        "officials": [
            {
                "id": "a",
                "name": "Ashtiani",
                "mentions": [
                    _span(t, 182, 247, form="name"),  # strict COR
                    _span(t, 3348, 3372, form="pronoun"),  # same offsets, wrong form
                ],
            },  # 3381-3384 "his" missed
            {
                "id": "b",
                "mentions": [
                    _span(t, 37, 55, form="name"),  # overlaps gold 19-55, same form
                    _span(t, 3385, 3394, form="nominal"),  # overlaps gold 3385-3406, same form
                    _span(t, 586, 594, form="name"),  # spurious
                ],
            },
        ],
        "quotes": [
            {
                "speaker_id": "a",
                "cues": [_span(t, 595, 599)],
                "kind": "indirect",
                "contents": [_span(t, 601, 728)],
            },  # with its quotation marks: still the same content
            {"speaker_id": "b", "contents": [_span(t, 760, 867)], "kind": "indirect"},  # spurious
        ],
        "meetings": [
            {
                "participants": [{"official_name": "Babar"}, {"official_name": "Mohammad Reza Ashtiani"}],
                "location": {"text": "Iran", "prefix": "visited "},
                "time": {"text": "on Thursday"},
            },  # no evidence: matched by its participants
        ],
        "commitments": [
            {
                "actor_name": "Iranian defense minister",
                "kind": "offer",
                "evidence": {"text": "invited his Pakistani counterpart to visit Tehran"},
                "content": {"text": "his Pakistani counterpart to visit Tehran"},
            },
        ],
    }


def _counts(entry: dict) -> dict:
    keys = ("cor", "inc", "par", "mis", "spu", "tp", "fp", "fn", "correct", "total")
    keys += ("phi4", "gold", "pred") if "phi4" in entry else ()
    return {k: entry[k] for k in keys if k in entry}


def test_hand_computed_mentions(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    expected = {  # gold: 5 mentions; prediction: 5
        "strict": {"cor": 1, "inc": 3, "par": 0, "mis": 1, "spu": 1},
        "exact": {"cor": 2, "inc": 2, "par": 0, "mis": 1, "spu": 1},
        "partial": {"cor": 2, "inc": 0, "par": 2, "mis": 1, "spu": 1},
        "type": {"cor": 3, "inc": 1, "par": 0, "mis": 1, "spu": 1},
    }
    for schema, counts in expected.items():
        assert _counts(metrics[f"mentions.{schema}"]) == counts, schema
    assert metrics["mentions.partial"]["precision"] == pytest.approx(3 / 5)  # (COR + PAR/2) / ACT
    assert metrics["mentions.strict"]["f1"] == pytest.approx(2 * 1 / 10)
    per_type = metrics["mentions.strict"]["per_type"]
    assert _counts(per_type["name"]) == {"cor": 1, "inc": 1, "par": 0, "mis": 0, "spu": 1}
    assert _counts(per_type["nominal"]) == {"cor": 0, "inc": 2, "par": 0, "mis": 0, "spu": 0}
    assert _counts(per_type["pronoun"]) == {"cor": 0, "inc": 0, "par": 0, "mis": 1, "spu": 0}
    assert metrics["mentions.strict"]["macro_f1"] == pytest.approx((2 * 1 / (2 + 3) + 0 + 0) / 3)  # name: POS 2, ACT 3


def test_hand_computed_officials(minimal, prediction):
    result = score(minimal, [prediction], corpus=CORPUS, samples=10).report
    # only a shares mentions exactly: phi4(ashtiani, a) = 2*2/(3+2); b shares none with babar
    assert _counts(result["metrics"]["officials.ceaf_e"]) == {"phi4": pytest.approx(0.8), "gold": 2, "pred": 2}
    assert result["metrics"]["officials.ceaf_e"]["f1"] == pytest.approx(0.4)
    assert result["predictions"]["officials"]["declared"] == 2
    assert result["predictions"]["officials"]["aligned_by_mentions"] == 2  # b by its overlapping mentions


def test_hand_computed_quotes(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    for key in ("attributed", "attributed_strict", "content_strict", "content_overlap"):
        assert _counts(metrics[f"quotes.{key}"]) == {"tp": 1, "fp": 1, "fn": 0}, key
    assert _counts(metrics["quotes.cue"]) == {"correct": 1, "total": 1}
    assert _counts(metrics["quotes.kind"]) == {"correct": 0, "total": 1}
    # the spurious quote is filed under its predicted kind, the correct one under the gold kind
    assert _counts(metrics["quotes.attributed"]["per_type"]["direct"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["quotes.attributed"]["per_type"]["indirect"]) == {"tp": 0, "fp": 1, "fn": 0}


def test_wrong_speaker_fails_attribution_only(minimal, prediction):
    wrong = copy.deepcopy(prediction)
    wrong["quotes"][0]["speaker_id"] = "b"
    metrics = score(minimal, [wrong], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["quotes.attributed"]) == {"tp": 0, "fp": 2, "fn": 1}
    assert _counts(metrics["quotes.content_strict"]) == {"tp": 1, "fp": 1, "fn": 0}


def test_hand_computed_meetings(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["meetings.identification"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.participants"]) == {"tp": 2, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.participant_set"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.location_strict"]) == {"tp": 1, "fp": 0, "fn": 0}
    # "on Thursday" (placed next to the location) overlaps the gold "Thursday" but is not the same span
    assert _counts(metrics["meetings.time_strict"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["meetings.time_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}


def test_hand_computed_commitments_and_the_zero_division_policy(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["commitments.identification"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["commitments.actor"]) == {"tp": 1, "fp": 0, "fn": 0}  # by name, via official a
    assert _counts(metrics["commitments.kind"]) == {"tp": 0, "fp": 1, "fn": 1}
    kinds = metrics["commitments.kind"]["per_type"]
    assert _counts(kinds["invitation"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(kinds["offer"]) == {"tp": 0, "fp": 1, "fn": 0}
    assert kinds["pledge"]["f1"] is None  # 0/0: undefined, and left out of the macro average
    assert metrics["commitments.kind"]["macro_types"] == ["offer", "invitation"]
    assert _counts(metrics["commitments.content_strict"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["commitments.content_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}
    time = metrics["commitments.time_strict"]  # no time on either side
    assert (time["precision"], time["recall"], time["f1"], time["f1_ci95"]) == (None, None, None, None)


def test_one_empty_side_gives_zero_not_undefined(minimal):
    metrics = score(minimal, [{"document_id": DOC_ID}], corpus=CORPUS, samples=10).report["metrics"]
    strict = metrics["mentions.strict"]
    assert (strict["precision"], strict["recall"], strict["f1"]) == (None, 0.0, 0.0)


def test_split_restricts_gold_and_predictions():
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    gold_data = parse_yaml((GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8"))
    for split in ("train", "validation", "test"):
        report = score(GOLD, [gold_data], corpus=CORPUS, split=split, samples=10).report
        mentions = [m for o in gold_data["officials"] for m in o["mentions"]]
        expected = sum(1 for m in mentions if split_of(unit_at(doc, m["start"])) == split)
        assert report["metrics"]["mentions.strict"]["cor"] == expected > 0
        assert report["metrics"]["mentions.strict"]["spu"] == 0
        assert report["settings"]["split"] == split
        sections = sum(1 for s in doc.sections if split_of(f"{DOC_ID}#s{s.index}") == split)
        assert report["settings"]["bootstrap"]["units"] == sections


def test_bootstrap_is_seeded_and_brackets_the_score(minimal, prediction):
    gold = load_annotations(SEED_GOLD, CORPUS)
    baseline = [prediction]
    first = score(gold, baseline, corpus=CORPUS, samples=200, seed=7).report["metrics"]
    again = score(gold, baseline, corpus=CORPUS, samples=200, seed=7).report["metrics"]
    other = score(gold, baseline, corpus=CORPUS, samples=200, seed=8).report["metrics"]
    assert first == again
    assert first["mentions.strict"]["f1_ci95"] != other["mentions.strict"]["f1_ci95"]
    lo, hi = first["mentions.strict"]["f1_ci95"]
    assert lo <= first["mentions.strict"]["f1"] <= hi


def test_paired_comparison(prediction):
    gold_data = parse_yaml((GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8"))
    same = compare(GOLD, [prediction], [prediction], corpus=CORPUS, samples=100).report["metrics"]
    assert same["mentions.strict"]["delta"] == 0 and same["mentions.strict"]["p_value"] == 1.0
    assert same["mentions.strict"]["better"] is None
    better = compare(GOLD, [prediction], [gold_data], corpus=CORPUS, samples=100).report["metrics"]
    row = better["mentions.strict"]
    assert row["b"] == 1.0 and row["delta"] == pytest.approx(1.0 - row["a"])
    assert row["better"] == "B" and row["p_value"] < 0.05 and row["ci95"][0] > 0
    worse = compare(GOLD, [gold_data], [prediction], corpus=CORPUS, samples=100).report["metrics"]
    assert worse["mentions.strict"]["better"] == "A" and worse["mentions.strict"]["delta"] < 0
