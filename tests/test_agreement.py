"""Agreement between annotation passes: identical passes agree fully; each difference is counted and listed."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scorch import scores as scorch_scores

from communique import load_annotations
from communique.bench.counting import count_document
from communique.bench.metrics import BY_KEY, Tally, compute
from communique.cli.main import main
from communique.compare.agreement import compare
from communique.compare.annotations import OfficialItem, from_gold
from communique.compare.officials import align_officials, ceaf_e
from communique.compare.scores import FAMILIES, family_scores
from communique.review.report import compare_sets
from communique.schema.models import Actor, AnnotatedDocument, Mention, Official, Span, UnresolvedSource

from .conftest import CORPUS, DOC_ID, FIXTURES, ROOT, SEED_GOLD


@pytest.fixture(scope="module")
def minimal():
    return load_annotations(FIXTURES / "valid" / "minimal.yaml", CORPUS)[0]


def test_a_pass_agrees_fully_with_itself(gold):
    result = compare(gold, gold)
    assert result.differences == []
    for layer, figures in result.layers.items():
        for name, value in figures.items():
            for key in ("f1", "rate"):
                if key in value and value[key] is not None:
                    assert value[key] == 1.0, (layer, name)


def test_hand_computed_disagreement(minimal):
    # pass b: drops one mention, retypes another, shifts the attribution content, relabels the commitment
    officials = [o.model_copy(update={"mentions": o.mentions[:1]}) if o.id == "babar" else o for o in minimal.officials]
    ashtiani = officials[1]
    pronoun = ashtiani.mentions[2].model_copy(update={"form": "nominal"})
    officials[1] = ashtiani.model_copy(update={"mentions": [*ashtiani.mentions[:2], pronoun]})
    attribution = minimal.attributions[0]
    shifted = attribution.contents[0].model_copy(update={"end": attribution.contents[0].end - 1})
    b = minimal.model_copy(
        update={
            "officials": officials,
            "attributions": [attribution.model_copy(update={"contents": [shifted]})],
            "commitments": [minimal.commitments[0].model_copy(update={"kind": "offer"})],
        }
    )
    result = compare(minimal, b).layers
    assert result["mentions"]["strict"] == {
        "a": 5,
        "b": 4,
        "matched": 4,
        "precision": 1.0,
        "recall": 0.8,
        "f1": pytest.approx(8 / 9),
    }
    assert result["mentions"]["form"] == {"agree": 3, "total": 4, "rate": 0.75}
    assert result["attributions"]["strict"]["matched"] == 0 and result["attributions"]["overlap"]["matched"] == 1
    assert result["attributions"]["source"]["rate"] == 1.0
    assert result["commitments"]["kind"] == {"agree": 0, "total": 1, "rate": 0.0}
    # CEAF-e: babar 2 vs 1 mentions -> phi4 = 2*1/3; ashtiani 3 vs 3 -> 1
    assert result["officials"]["ceaf_e"]["f1"] == pytest.approx((2 / 3 + 1) / 2)


def _renamed(doc: AnnotatedDocument, names: dict[str, str]) -> AnnotatedDocument:
    """The same annotation with its officials under other ids (as another annotator would name them)."""
    data = json.loads(doc.model_dump_json())
    for official in data["officials"]:
        official["id"] = names[official["id"]]
    for meeting in data["meetings"]:
        for participant in meeting["participants"]:
            participant["official_id"] = names[participant["official_id"]]
    for attribution in data["attributions"]:
        if attribution["source"]["type"] == "official":
            attribution["source"]["official_id"] = names[attribution["source"]["official_id"]]
    for act in [*data["commitments"], *data["stances"]]:
        for actor in act["actors"]:
            actor["official_id"] = names[actor["official_id"]]
    return AnnotatedDocument.model_validate_json(json.dumps(data))


def test_v2_fields_are_compared_through_the_alignments(minimal):
    # b names the officials o1/o2: sources, actors and participants still agree through the official alignment
    b = _renamed(minimal, {"babar": "o1", "ashtiani": "o2"})
    assert compare(minimal, b).differences == []
    # joint actors are a set: listed in another order they agree; one country changed is an actor_countries miss
    joint = minimal.commitments[0].model_copy(
        update={"actors": [Actor(official_id="babar", country="PAK"), Actor(official_id="ashtiani", country="IRN")]}
    )
    a = minimal.model_copy(update={"commitments": [joint]})
    swapped = joint.model_copy(
        update={"actors": [Actor(official_id="o2", country="IRN"), Actor(official_id="o1", country=None)]}
    )
    b = _renamed(a, {"babar": "o1", "ashtiani": "o2"}).model_copy(update={"commitments": [swapped]})
    layers = compare(a, b).layers["commitments"]
    assert layers["actors"] == {"agree": 1, "total": 1, "rate": 1.0}
    assert layers["actor_countries"] == {"agree": 0, "total": 1, "rate": 0.0}
    # an unresolved source, a speech act, a mode, a modality type and a broken attribution link each count once
    attribution = minimal.attributions[0].model_copy(
        update={"source": UnresolvedSource(type="unresolved", reason="ambiguous"), "speech_act": "expressive"}
    )
    meeting = minimal.meetings[0].model_copy(update={"mode": "in_person"})
    commitment = minimal.commitments[0].model_copy(update={"modality_type": "epistemic", "attribution_id": "q1"})
    b = minimal.model_copy(update={"attributions": [attribution], "meetings": [meeting], "commitments": [commitment]})
    result = compare(minimal, b)
    layers = result.layers
    assert layers["attributions"]["source"] == {"agree": 0, "total": 1, "rate": 0.0}
    assert layers["attributions"]["source_and_content"]["agree"] == 0
    assert layers["attributions"]["speech_act"]["agree"] == 0 and layers["attributions"]["kind"]["agree"] == 1
    assert layers["meetings"]["mode"] == {"agree": 0, "total": 1, "rate": 0.0}
    assert layers["commitments"]["modality_type"]["agree"] == 0 and layers["commitments"]["attribution"]["agree"] == 0
    assert {(d.layer, d.kind) for d in result.differences} == {
        ("attributions", "source"),
        ("attributions", "speech_act"),
        ("meetings", "mode"),
        ("commitments", "modality_type"),
        ("commitments", "attribution"),
    }
    shown = {d.kind: (d.a, d.b) for d in result.differences}
    assert shown["source"] == ("q1: ashtiani", "q1: unresolved:ambiguous")


def test_stances_and_a_commitment_condition_are_compared(minimal):
    """Stances are compared as commitments are; a commitment's condition is one more field."""
    condition = Span(start=6894, end=6901, text="he will")  # a span of the text, as a condition
    commitment = minimal.commitments[0].model_copy(update={"condition": condition})
    stance = minimal.stances[0].model_copy(update={"kind": "request"})
    b = minimal.model_copy(update={"commitments": [commitment], "stances": [stance]})
    result = compare(minimal, b)
    assert {(d.layer, d.kind) for d in result.differences} == {("commitments", "condition"), ("stances", "kind")}
    layers = result.layers
    assert layers["commitments"]["condition"] == {"agree": 0, "total": 1, "rate": 0.0}
    assert layers["stances"]["kind"] == {"agree": 0, "total": 1, "rate": 0.0}
    assert "condition" not in layers["stances"] and layers["stances"]["overlap"]["f1"] == 1.0
    # a stance only one pass has is listed, like any unmatched item
    only = compare(minimal, minimal.model_copy(update={"stances": []}))
    assert [(d.layer, d.kind) for d in only.differences] == [("stances", "only-a")]


def test_recorded_passes_are_comparable():
    (a,) = load_annotations(ROOT / "annotations" / "passes" / "a" / f"{DOC_ID}.yaml", CORPUS)
    (b,) = load_annotations(ROOT / "annotations" / "passes" / "b" / f"{DOC_ID}.yaml", CORPUS)
    result = compare(a, b)
    kinds = {(d.layer, d.kind) for d in result.differences}
    # differences the seed's adjudication log decides (D1 a mention, D4 nested attributions, D9 a stance's kind),
    # and as many as it says `agree` reported
    log = (ROOT / "annotations" / "adjudication" / f"{DOC_ID}.md").read_text(encoding="utf-8")
    assert {("mentions", "only-a"), ("attributions", "only-a"), ("stances", "kind")} <= kinds
    reported = re.search(r"All (\d+) differences that `agree` reported", log)
    assert reported and len(result.differences) == int(reported[1])
    assert result.layers["attributions"]["source"]["total"] == result.layers["attributions"]["overlap"]["matched"]
    assert set(result.layers) == {
        "mentions",
        "officials",
        "sources",
        "meetings",
        "attributions",
        "commitments",
        "stances",
    }
    assert ("stances", "content") in kinds  # D11 of the record: a stance since format 2.1


# ----------------------------------------------------------------------------- CEAF-e: one function, checked


def _clustered(clusters: list[list[int]]) -> AnnotatedDocument:
    """A document whose only layer is officials: cluster k holds mentions m, each at [10m, 10m+3)."""
    officials = [
        Official(
            id=f"o{k}",
            name=None,
            title=None,
            rank=None,
            country=None,
            organisation=None,
            participation="mentioned",
            mentions=[Mention(start=10 * m, end=10 * m + 3, text="abc", form="name") for m in cluster],
        )
        for k, cluster in enumerate(clusters)
    ]
    return AnnotatedDocument(
        schema_version="2.1",
        document_id="clusters",
        text_sha256="0" * 64,
        guidelines_version="2.1",
        annotators=["t"],
        officials=officials,
    )


def _bench_ceaf(gold: AnnotatedDocument, pred: AnnotatedDocument) -> dict[str, float]:
    """CEAF-e as ``communique bench`` scores it: counted per document, then the metric's formula."""
    text = "abc       " * 20
    g, p = from_gold(gold, text), from_gold(pred, text)
    tally = Tally()
    count_document(g, p, align_officials(g, p), lambda _: "doc", tally)
    totals = tally.totals()
    metric = BY_KEY["officials.ceaf_e"]
    counts = {c: totals[f"{metric.key}|*|{c}"] for c in FAMILIES["ceaf"]}
    return {k: float(v) for k, v in compute(metric, counts).items()}


def _item(k: int, cluster: frozenset[int]) -> OfficialItem:
    return OfficialItem(f"o{k}", None, (), frozenset((m, m + 1) for m in cluster))


def test_the_issue_example_scores_the_same_in_bench_agreement_and_scorch():
    key, response = [[0, 5], [1], [2, 3, 7], [4, 6]], [[1, 4, 5], [2, 6, 8], [3], [7]]
    # phi4-optimal: {1}~{1,4,5} 0.5, {2,3,7}~{3} 0.5, {4,6}~{2,6,8} 0.4 -> 1.4 over 4 + 4 clusters
    agreement = compare(_clustered(key), _clustered(response)).layers["officials"]["ceaf_e"]
    bench = _bench_ceaf(_clustered(key), _clustered(response))
    recall, precision, f1 = scorch_scores.ceaf_e([set(c) for c in key], [set(c) for c in response])
    assert agreement["phi4_sum"] == pytest.approx(1.4)
    assert agreement["f1"] == pytest.approx(0.35) == bench["f1"] == pytest.approx(f1)
    assert agreement["precision"] == pytest.approx(bench["precision"]) == pytest.approx(precision)
    assert agreement["recall"] == pytest.approx(bench["recall"]) == pytest.approx(recall)


# each mention 0..11 is in no cluster (None) or in cluster 0..4 of a side: twinless mentions and singletons occur
_labels = st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=12)


def _partition(labels: list[int | None]) -> list[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for mention, label in enumerate(labels):
        if label is not None:
            found.setdefault(label, set()).add(mention)
    return [frozenset(c) for _, c in sorted(found.items())]


@given(_labels, _labels)
def test_ceaf_e_equals_scorch(key_labels, response_labels):
    key, response = _partition(key_labels), _partition(response_labels)
    golds, preds = [_item(k, c) for k, c in enumerate(key)], [_item(k, c) for k, c in enumerate(response)]
    result = ceaf_e(golds, preds)
    scores = {
        k: float(v)
        for k, v in family_scores("ceaf", {"phi4": result.phi4, "gold": result.gold, "pred": result.pred}).items()
    }
    assert (result.gold, result.pred) == (len(key), len(response))
    if any(k & r for k in key for r in response):
        recall, precision, f1 = scorch_scores.ceaf_e([set(c) for c in key], [set(c) for c in response])
        assert scores["recall"] == pytest.approx(recall)
        assert scores["precision"] == pytest.approx(precision)
        assert scores["f1"] == pytest.approx(f1)
    else:  # scorch's harmonic mean raises on P = R = 0; nothing shared: phi4 0, F1 0 unless both sides are empty
        assert result.phi4 == 0 and result.pairs == ()
        assert scores["f1"] == 0.0 if key or response else math.isnan(scores["f1"])
    # the alignment is one-to-one and its phi4 values are the clusters' Dice coefficients
    assert len({i for i, _, _ in result.pairs}) == len({j for _, j, _ in result.pairs}) == len(result.pairs)
    for i, j, phi in result.pairs:
        assert phi == pytest.approx(2 * len(key[i] & response[j]) / (len(key[i]) + len(response[j])))


@given(_labels, _labels)
def test_agreement_and_bench_give_the_same_ceaf_e(key_labels, response_labels):
    key, response = _partition(key_labels), _partition(response_labels)
    a, b = _clustered([sorted(c) for c in key]), _clustered([sorted(c) for c in response])
    agreement = compare(a, b).layers["officials"]["ceaf_e"]
    bench = _bench_ceaf(a, b)
    for name in ("precision", "recall", "f1"):
        assert (agreement[name] is None) == math.isnan(bench[name])
        if agreement[name] is not None:
            assert agreement[name] == pytest.approx(bench[name])


# ------------------------------------------------------------------------------------------ many documents


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    """Three documents with their annotations (JSON): the seed's corpus entry and gold under three ids."""
    corpus, annotations = tmp_path / "corpus", tmp_path / "annotations"
    corpus.mkdir()
    annotations.mkdir()
    entry = json.loads((CORPUS / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    (gold,) = load_annotations(SEED_GOLD, CORPUS)
    for k in range(3):
        doc_id = f"doc-{k}"
        entry["id"] = entry["metadata"]["id"] = doc_id
        (corpus / f"{doc_id}.json").write_text(json.dumps(entry), encoding="utf-8")
        copy = gold.model_copy(update={"document_id": doc_id})
        (annotations / f"{doc_id}.json").write_text(copy.model_dump_json(exclude_none=True), encoding="utf-8")
    return tmp_path


def _pass_b(root: Path) -> tuple[Path, str, str]:
    """Pass b: two of the three documents, one of them without its first commitment (or attribution)."""
    files = sorted((root / "annotations").glob("*.json"))
    assert len(files) == 3
    b = root / "b"
    b.mkdir()
    edited = json.loads(files[0].read_text(encoding="utf-8"))
    layer = "commitments" if edited["commitments"] else "attributions"
    assert edited[layer], "the document has something to drop"
    edited[layer] = edited[layer][1:]
    (b / files[0].name).write_text(json.dumps(edited), encoding="utf-8")
    shutil.copy(files[1], b / files[1].name)
    left_out = json.loads(files[2].read_text(encoding="utf-8"))["document_id"]
    return b, layer, left_out


def test_agree_pairs_documents_and_sums_them_micro(synthetic: Path, capsys):
    b, layer, left_out = _pass_b(synthetic)
    args = [str(synthetic / "annotations"), str(b), "--corpus", str(synthetic / "corpus")]
    assert main(["agree", *args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["only_a"] == [left_out] and report["only_b"] == []
    documents = report["documents"]
    assert len(documents) == report["micro"]["documents"] == 2
    dropped = [d for doc in documents.values() for d in doc["differences"] if d["kind"] == "only-a"]
    assert [d["layer"] for d in dropped] == [layer]
    assert report["micro"]["differences"] == sum(len(doc["differences"]) for doc in documents.values()) >= 1
    # micro figures are the summed counts, and the scores are recomputed from them
    for name, figure in report["micro"]["layers"]["mentions"].items():
        for count in ("a", "b", "matched", "agree", "total"):
            if count in figure:
                assert figure[count] == sum(doc["layers"]["mentions"][name][count] for doc in documents.values())
    counts = report["micro"]["layers"][layer]["overlap"]
    assert counts["matched"] == counts["b"] == counts["a"] - 1
    assert counts["f1"] == pytest.approx(2 * counts["matched"] / (counts["a"] + counts["b"]))
    ceaf = report["micro"]["layers"]["officials"]["ceaf_e"]
    assert ceaf["f1"] == 1.0 and ceaf["a"] == sum(d["layers"]["officials"]["ceaf_e"]["a"] for d in documents.values())

    assert main(["agree", *args]) == 0
    text = capsys.readouterr().out
    assert "micro over 2 documents" in text and f"only in A\n\n- {left_out}" in text
    assert all(f"document {doc_id}" in text for doc_id in documents)


def test_agree_without_a_common_document_is_a_usage_error(synthetic: Path, capsys):
    files = sorted((synthetic / "annotations").glob("*.json"))
    code = main(["agree", str(files[0]), str(files[1]), "--corpus", str(synthetic / "corpus")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and "no document in common" in captured.err


def test_agree_reports_an_invalid_pass_without_a_traceback(synthetic: Path, capsys):
    broken = synthetic / "broken.json"
    broken.write_text('{"document_id": 3}', encoding="utf-8")
    code = main(["agree", str(synthetic / "annotations"), str(broken), "--corpus", str(synthetic / "corpus")])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == "" and "broken.json" in captured.err


def test_compare_sets_lists_one_sided_documents(minimal):
    other = minimal.model_copy(update={"document_id": "another-document"})
    report = compare_sets([minimal], [minimal, other])
    assert (
        list(report.documents) == [minimal.document_id] and report.only_a == [] and report.only_b == [other.document_id]
    )
    assert report.as_dict()["micro"]["layers"] == report.documents[minimal.document_id].layers


def test_swapping_the_passes_swaps_precision_and_recall():
    a = load_annotations(ROOT / "annotations" / "passes" / "a", CORPUS)[0]
    b = load_annotations(ROOT / "annotations" / "passes" / "b", CORPUS)[0]
    forward, backward = compare(a, b), compare(b, a)
    assert len(forward.differences) == len(backward.differences) > 0
    for layer, figures in forward.layers.items():
        for name, value in figures.items():
            other = backward.layers[layer][name]
            if "precision" in value:
                assert (value["precision"], value["recall"]) == (other["recall"], other["precision"]), (layer, name)
                assert value["f1"] == other["f1"], (layer, name)
            else:
                assert value == other, (layer, name)
