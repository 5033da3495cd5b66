"""Hand-computed scores for every layer, the 0/0 policy, splits, the bootstrap and paired comparison."""

from __future__ import annotations

import copy

import pytest

from communique import load_annotations, load_corpus_document
from communique.bench import compare, score
from communique.corpus.splits import split_of, unit_at
from communique.schema.models import Actor, Source, SourceReference, Span, UnresolvedSource
from communique.schema.predictions import gold_as_prediction

from .conftest import CORPUS, DOC_ID, FIXTURES, SEED_GOLD

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
        "attributions": [
            {
                "speaker_id": "a",
                "cues": [_span(t, 595, 599)],
                "kind": "indirect",
                "speech_act": "assertive",
                "contents": [_span(t, 601, 728)],
            },  # with its quotation marks: still the same content
            {"speaker_id": "b", "contents": [_span(t, 760, 867)], "kind": "indirect"},  # spurious
        ],
        "meetings": [
            {
                "participants": [{"official_name": "Babar"}, {"official_name": "Mohammad Reza Ashtiani"}],
                "location": {"text": "Iran", "prefix": "visited "},
                "time": {"text": "on Thursday"},
                "mode": "in_person",
            },  # no evidence: matched by its participants
        ],
        "commitments": [
            {
                "actors": [{"official_id": "b"}],
                "kind": "offer",  # gold: promise
                "evidence": {
                    "text": "he will send a team of experts to Iran for better implementation of joint programs"
                },
                "content": {"text": "a team of experts"},
                "condition": {"text": "for better implementation of joint programs"},  # gold: none
            },
        ],
        "stances": [
            {
                "actors": [{"official_name": "Iranian defense minister"}],
                "kind": "propose",  # gold: invite
                "evidence": {"text": "invited his Pakistani counterpart to visit Tehran"},
                "content": {"text": "his Pakistani counterpart to visit Tehran"},
            },
        ],
    }


def prediction_text() -> str:
    return load_corpus_document(CORPUS / f"{DOC_ID}.json").text


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


def test_hand_computed_attributions(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    for key in ("attributed", "attributed_strict", "content_strict", "identification"):
        assert _counts(metrics[f"attributions.{key}"]) == {"tp": 1, "fp": 1, "fn": 0}, key
    assert _counts(metrics["attributions.cue"]) == {"correct": 1, "total": 1}
    assert _counts(metrics["attributions.kind"]) == {"correct": 0, "total": 1}
    assert _counts(metrics["attributions.speech_act"]) == {"correct": 1, "total": 1}
    assert _counts(metrics["attributions.speech_act"]["per_type"]["assertive"]) == {"correct": 1, "total": 1}
    assert metrics["attributions.speech_act"]["macro_accuracy"] == 1.0
    # the spurious attribution is filed under its predicted kind, the correct one under the gold kind
    assert _counts(metrics["attributions.attributed"]["per_type"]["direct"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["attributions.attributed"]["per_type"]["indirect"]) == {"tp": 0, "fp": 1, "fn": 0}


def test_wrong_speech_act_counts_against_accuracy_only(minimal, prediction):
    wrong = copy.deepcopy(prediction)
    wrong["attributions"][0]["speech_act"] = "directive"
    metrics = score(minimal, [wrong], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["attributions.speech_act"]) == {"correct": 0, "total": 1}
    assert _counts(metrics["attributions.attributed"]) == {"tp": 1, "fp": 1, "fn": 0}


def test_wrong_speaker_fails_attribution_only(minimal, prediction):
    wrong = copy.deepcopy(prediction)
    wrong["attributions"][0]["speaker_id"] = "b"
    metrics = score(minimal, [wrong], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["attributions.attributed"]) == {"tp": 0, "fp": 2, "fn": 1}
    assert _counts(metrics["attributions.content_strict"]) == {"tp": 1, "fp": 1, "fn": 0}


def test_unresolved_source_is_right_only_against_an_unresolved_gold(minimal, prediction):
    unresolved = copy.deepcopy(prediction)
    del unresolved["attributions"][0]["speaker_id"]
    unresolved["attributions"][0]["source_unresolved"] = "unnamed"
    metrics = score(minimal, [unresolved], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["attributions.attributed"]) == {"tp": 0, "fp": 2, "fn": 1}
    gold = minimal[0].model_copy(
        update={
            "attributions": [
                minimal[0]
                .attributions[0]
                .model_copy(update={"source": UnresolvedSource(type="unresolved", reason="ambiguous")})
            ]
        }
    )
    metrics = score([gold], [unresolved], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["attributions.attributed"]) == {"tp": 1, "fp": 1, "fn": 0}  # any reason counts


def test_hand_computed_meetings(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["meetings.identification"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.participants"]) == {"tp": 2, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.participant_set"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["meetings.location_strict"]) == {"tp": 1, "fp": 0, "fn": 0}
    # "on Thursday" (placed next to the location) overlaps the gold "Thursday" but is not the same span
    assert _counts(metrics["meetings.time_strict"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["meetings.time_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}
    # gold mode unspecified, predicted in_person: wrong, filed under the gold and the predicted mode
    assert _counts(metrics["meetings.mode"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["meetings.mode"]["per_type"]["unspecified"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(metrics["meetings.mode"]["per_type"]["in_person"]) == {"tp": 0, "fp": 1, "fn": 0}


def test_hand_computed_commitments_and_the_zero_division_policy(minimal, prediction):
    metrics = score(minimal, [prediction], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["commitments.identification"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["commitments.actors"]) == {"tp": 1, "fp": 0, "fn": 0}  # b is babar, by his mentions
    assert _counts(metrics["commitments.kind"]) == {"tp": 0, "fp": 1, "fn": 1}
    kinds = metrics["commitments.kind"]["per_type"]
    assert _counts(kinds["promise"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(kinds["offer"]) == {"tp": 0, "fp": 1, "fn": 0}
    assert kinds["agree"]["f1"] is None  # 0/0: undefined, and left out of the macro average
    assert set(kinds) == {"promise", "offer", "agree", "intend"}  # the four kinds that bind, no more
    assert metrics["commitments.kind"]["macro_types"] == ["promise", "offer"]
    assert _counts(metrics["commitments.content_strict"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["commitments.content_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}
    # a condition the gold does not state is a false alarm
    assert _counts(metrics["commitments.condition_strict"]) == {"tp": 0, "fp": 1, "fn": 0}
    assert _counts(metrics["commitments.condition_overlap"]) == {"tp": 0, "fp": 1, "fn": 0}
    time = metrics["commitments.time_strict"]  # no time on either side
    assert (time["precision"], time["recall"], time["f1"], time["f1_ci95"]) == (None, None, None, None)


def test_hand_computed_stances_are_scored_as_commitments_with_their_own_headline(minimal, prediction):
    report = score(minimal, [prediction], corpus=CORPUS, samples=10).report
    metrics = report["metrics"]
    assert _counts(metrics["stances.identification"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["stances.actors"]) == {"tp": 1, "fp": 0, "fn": 0}  # by name, via official a
    assert _counts(metrics["stances.actor_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["stances.kind"]) == {"tp": 0, "fp": 1, "fn": 1}
    kinds = metrics["stances.kind"]["per_type"]
    assert _counts(kinds["invite"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(kinds["propose"]) == {"tp": 0, "fp": 1, "fn": 0}
    assert metrics["stances.kind"]["macro_types"] == ["propose", "invite"]
    assert _counts(metrics["stances.content_strict"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["stances.content_overlap"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert "stances.condition_strict" not in metrics  # a stance has no condition
    assert report["headline"]["stances.identification"] == metrics["stances.identification"]["f1"] == 1.0
    assert report["headline"]["commitments.identification"] == 1.0
    # a stance predicted as a commitment is found in neither layer
    swapped = copy.deepcopy(prediction)
    swapped["commitments"] = [{**swapped["stances"].pop(), "kind": "offer"}]
    metrics = score(minimal, [swapped], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["stances.identification"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(metrics["commitments.identification"]) == {"tp": 0, "fp": 1, "fn": 1}


def test_joint_actors_are_compared_as_sets(minimal, prediction):
    joint = copy.deepcopy(prediction)
    # a second actor the gold does not have: the set is wrong, the overlap figure gives partial credit
    joint["stances"][0]["actors"].append({"official_id": "b"})
    metrics = score(minimal, [joint], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["stances.actors"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["stances.actor_overlap"]) == {"tp": 1, "fp": 1, "fn": 0}
    # the same two officials in the other order, and once more by name: still the same set
    gold_actors = [Actor(official_id="ashtiani"), Actor(official_id="babar")]
    gold = minimal[0].model_copy(update={"stances": [minimal[0].stances[0].model_copy(update={"actors": gold_actors})]})
    joint["stances"][0]["actors"] = [
        {"official_id": "b"},
        {"official_name": "Iranian defense minister"},
        {"official_span": _span(prediction_text(), 3381, 3384)},  # "his": a mention of ashtiani
    ]
    metrics = score([gold], [joint], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["stances.actors"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["stances.actor_overlap"]) == {"tp": 2, "fp": 0, "fn": 0}


def test_min_confidence_drops_a_doubtful_actor_from_the_set(minimal, prediction):
    joint = copy.deepcopy(prediction)
    joint["commitments"][0]["actors"].append({"official_id": "a", "confidence": 0.3})
    wrong = score(minimal, [joint], corpus=CORPUS, samples=10).report
    assert _counts(wrong["metrics"]["commitments.actors"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert wrong["sweep"] is not None  # an actor's confidence is enough for a sweep
    right = score(minimal, [joint], corpus=CORPUS, samples=10, min_confidence=0.5).report["metrics"]
    assert _counts(right["commitments.actors"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(right["commitments.identification"]) == {"tp": 1, "fp": 0, "fn": 0}  # the commitment stays


def test_non_official_sources_are_scored_by_overlap_with_a_mention(minimal, corpus_text):
    t = corpus_text
    # gold: the first attribution is attributed to a source with two mentions ("Iran", "Pakistan")
    source = Source(
        id="s1", type="group", mentions=[Span(start=102, end=106, text="Iran"), Span(start=0, end=3, text=t[0:3])]
    )
    base = minimal[0]
    gold = base.model_copy(
        update={
            "sources": [source],
            "attributions": [
                base.attributions[0].model_copy(update={"source": SourceReference(type="source", source_id="s1")})
            ],
        }
    )
    content = _span(t, 602, 727)
    right = {
        "document_id": DOC_ID,
        "attributions": [{"source_span": _span(t, 1, 3), "source_type": "institution", "contents": [content]}],
    }
    metrics = score([gold], [right], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["sources.attributed"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["sources.attributed"]["per_type"]["group"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["sources.type"]) == {"correct": 0, "total": 1}
    assert _counts(metrics["attributions.attributed"]) == {"tp": 1, "fp": 0, "fn": 0}
    # by a predicted source whose mentions overlap the gold source's: also right
    by_id = {
        "document_id": DOC_ID,
        "sources": [{"id": "x", "type": "group", "mentions": [_span(t, 102, 106)]}],
        "attributions": [{"source_id": "x", "contents": [content]}],
    }
    metrics = score([gold], [by_id], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["sources.attributed"]) == {"tp": 1, "fp": 0, "fn": 0}
    assert _counts(metrics["sources.type"]) == {"correct": 1, "total": 1}
    # a source span that overlaps none of its mentions, or an official as the source: wrong
    elsewhere = copy.deepcopy(right)
    elsewhere["attributions"][0]["source_span"] = _span(t, 19, 55)
    metrics = score([gold], [elsewhere], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["sources.attributed"]) == {"tp": 0, "fp": 1, "fn": 1}
    assert _counts(metrics["attributions.attributed"]) == {"tp": 0, "fp": 1, "fn": 1}
    official = {"document_id": DOC_ID, "attributions": [{"speaker_name": "Ashtiani", "contents": [content]}]}
    metrics = score([gold], [official], corpus=CORPUS, samples=10).report["metrics"]
    assert _counts(metrics["sources.attributed"]) == {"tp": 0, "fp": 0, "fn": 1}
    assert _counts(metrics["attributions.identification"]) == {"tp": 1, "fp": 0, "fn": 0}


def test_one_empty_side_gives_zero_not_undefined(minimal):
    metrics = score(minimal, [{"document_id": DOC_ID}], corpus=CORPUS, samples=10).report["metrics"]
    strict = metrics["mentions.strict"]
    assert (strict["precision"], strict["recall"], strict["f1"]) == (None, 0.0, 0.0)


def test_split_restricts_gold_and_predictions():
    doc = load_corpus_document(CORPUS / f"{DOC_ID}.json")
    gold_data = gold_as_prediction(load_annotations(SEED_GOLD, CORPUS)[0])
    for split in ("train", "validation", "test"):
        report = score(SEED_GOLD, [gold_data], corpus=CORPUS, split=split, samples=10).report
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
    gold_data = gold_as_prediction(load_annotations(SEED_GOLD, CORPUS)[0])
    same = compare(SEED_GOLD, [prediction], [prediction], corpus=CORPUS, samples=100).report["metrics"]
    assert same["mentions.strict"]["delta"] == 0 and same["mentions.strict"]["p_value"] == 1.0
    assert same["mentions.strict"]["better"] is None
    better = compare(SEED_GOLD, [prediction], [gold_data], corpus=CORPUS, samples=100).report["metrics"]
    row = better["mentions.strict"]
    assert row["b"] == 1.0 and row["delta"] == pytest.approx(1.0 - row["a"])
    assert row["better"] == "B" and row["p_value"] < 0.05 and row["ci95"][0] > 0
    worse = compare(SEED_GOLD, [gold_data], [prediction], corpus=CORPUS, samples=100).report["metrics"]
    assert worse["mentions.strict"]["better"] == "A" and worse["mentions.strict"]["delta"] < 0
