"""Agreement between annotation passes: identical passes agree fully; each difference is counted and listed."""

from __future__ import annotations

import pytest

from communique import load_annotations
from communique.review.agreement import compare

from .conftest import CORPUS, FIXTURES, ROOT


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
    # pass b: drops one mention, retypes another, shifts the quote content, relabels the commitment
    officials = [o.model_copy(update={"mentions": o.mentions[:1]}) if o.id == "babar" else o for o in minimal.officials]
    ashtiani = officials[1]
    pronoun = ashtiani.mentions[2].model_copy(update={"form": "nominal"})
    officials[1] = ashtiani.model_copy(update={"mentions": [*ashtiani.mentions[:2], pronoun]})
    quote = minimal.quotes[0]
    shifted = quote.contents[0].model_copy(update={"end": quote.contents[0].end - 1})
    b = minimal.model_copy(
        update={
            "officials": officials,
            "quotes": [quote.model_copy(update={"contents": [shifted]})],
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
    assert result["quotes"]["strict"]["matched"] == 0 and result["quotes"]["overlap"]["matched"] == 1
    assert result["quotes"]["speaker"]["rate"] == 1.0
    assert result["commitments"]["kind"] == {"agree": 0, "total": 1, "rate": 0.0}
    # CEAF-e: babar 2 vs 1 mentions -> phi4 = 2*1/3; ashtiani 3 vs 3 -> 1
    assert result["officials"]["ceaf_e"]["f1"] == pytest.approx((2 / 3 + 1) / 2)


def test_recorded_passes_are_comparable():
    a = load_annotations(ROOT / "annotations" / "passes" / "a", CORPUS)[0]
    b = load_annotations(ROOT / "annotations" / "passes" / "b", CORPUS)[0]
    result = compare(a, b)
    kinds = {(d.layer, d.kind) for d in result.differences}
    assert ("meetings", "evidence") in kinds  # the differences ADJUDICATION.md resolves
    assert result.layers["quotes"]["speaker"]["total"] == result.layers["quotes"]["overlap"]["matched"]
