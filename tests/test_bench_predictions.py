"""Reading prediction files: the lenient format, anchoring, names, and located, coded problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique import CATALOGUE, CommuniqueError, load_annotations
from communique.bench import PredictedDocument, parse_predictions, read_predictions, score
from communique.io.parse import parse_yaml
from communique.schema.errors import Severity

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, SEED_GOLD

PREDICTIONS = FIXTURES / "predictions"
INVALID = sorted((PREDICTIONS / "invalid").glob("*.jsonl"))
WARNINGS = sorted((PREDICTIONS / "warnings").glob("*.jsonl"))
GOLD_DATA = parse_yaml((GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8"))


def _expected(folder: str) -> dict[str, dict]:
    return json.loads((PREDICTIONS / folder / "expected.json").read_text(encoding="utf-8"))


def test_fixture_folders_are_not_empty_and_all_have_expectations():
    assert len(INVALID) >= 15 and len(WARNINGS) >= 4
    assert sorted(p.name for p in INVALID) == sorted(_expected("invalid"))
    assert sorted(p.name for p in WARNINGS) == sorted(_expected("warnings"))
    assert (PREDICTIONS / "valid" / "text-only.jsonl").is_file()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_prediction_reports_exactly_its_fault(path: Path):
    expected = _expected("invalid")[path.name]
    predictions = read_predictions(path, CORPUS)
    assert [(i.code, i.path, i.line) for i in predictions.errors] == [
        (expected["code"], expected["path"], expected["line"])
    ]
    (found,) = predictions.errors
    assert found.file == str(path) and found.code in CATALOGUE and found.severity is Severity.ERROR
    with pytest.raises(CommuniqueError) as raised:  # the API refuses to score, with the same issue
        score(GOLD, path, corpus=CORPUS, samples=5)
    assert raised.value.issues[0] == found


@pytest.mark.parametrize("path", WARNINGS, ids=lambda p: p.stem)
def test_warning_prediction_is_scored_and_reported(path: Path):
    expected = _expected("warnings")[path.name]
    result = score(GOLD, path, corpus=CORPUS, samples=5)
    assert [(i.code, i.path, i.line, i.severity) for i in result.issues] == [
        (expected["code"], expected["path"], expected["line"], Severity.WARNING)
    ]
    assert result.report["predictions"]["warnings"] == 1
    assert result.report["issues"] == [i.to_dict() for i in result.issues]


def test_issue_columns_point_at_the_field(tmp_path: Path):
    line = json.dumps({"document_id": DOC_ID, "quotes": [{"contents": [{"text": "said"}], "kind": "quoted"}]})
    path = tmp_path / "p.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    (found,) = read_predictions(path, CORPUS).errors
    assert (found.code, found.line) == ("invalid-value", 2)
    assert line[found.column - 1 :].startswith('"quoted"')


def test_unanchorable_text_is_counted_as_a_wrong_prediction():
    result = score(GOLD, PREDICTIONS / "warnings" / "not-found.jsonl", corpus=CORPUS, samples=5)
    quotes = result.report["metrics"]["quotes.content_overlap"]
    assert (quotes["tp"], quotes["fp"]) == (0, 1)
    assert result.report["predictions"]["anchoring"]["unanchored"] == 1


def test_gold_document_as_json_is_a_valid_prediction():
    predictions = parse_predictions([GOLD_DATA], CORPUS)
    assert predictions.issues == [] and list(predictions.documents) == [DOC_ID]
    PredictedDocument.model_validate(GOLD_DATA)
    assert predictions.anchoring["offsets"] > 100 and predictions.anchoring["text"] == 0


def test_text_only_spans_are_anchored_and_ambiguous_ones_placed_by_their_item(corpus_text: str):
    line = {
        "document_id": DOC_ID,
        "quotes": [
            {
                "speaker_name": "Ashtiani",
                "cues": [{"text": "said"}],  # "said" occurs 5 times: placed by its content
                "contents": [
                    {
                        "text": "“Certainly, Afghanistan's solution to get out of the current situation is to form "
                        "an inclusive government with the participation of all ethnic groups.”"
                    }
                ],
            }
        ],
        "commitments": [
            {"evidence": {"text": "Tehran and Islamabad can hold a joint exercise"}, "modality": {"text": "can"}}
        ],
    }
    predictions = parse_predictions([line], CORPUS)
    assert predictions.issues == []
    (quote,) = predictions.documents[DOC_ID].quotes
    (content,) = quote.contents
    assert (content.start, content.end) == (2095, 2244)  # quotation marks stripped
    (cue,) = quote.cues
    assert corpus_text[cue.start : cue.end] == "said" and cue.start == 2415  # the "said" nearest the content
    assert predictions.anchoring == {"text": 2, "context": 2}


def test_name_references_resolve_to_declared_officials_first():
    line = {
        "document_id": DOC_ID,
        "officials": [
            {"id": "x", "name": "Mohammad Bagheri", "mentions": [{"text": "Major General Mohammad Bagheri"}]}
        ],
        "quotes": [
            {"speaker_name": "Bagheri", "contents": [{"text": "the battle scene has changed a lot"}]},
            {"speaker_name": "General Bajwa", "contents": [{"text": "Geopolitically", "occurrence": 1}]},
        ],
    }
    doc = parse_predictions([line], CORPUS).documents[DOC_ID]
    assert sorted(q.speaker for q in doc.quotes) == ["id:x", "name:general bajwa"]
    assert [o.ref for o in doc.officials if o.by_name] == ["name:general bajwa"]


def test_identical_duplicates_collapse_and_are_reported():
    mention = {"start": 586, "end": 594, "text": "Ashtiani", "form": "name"}
    content = {"start": 602, "end": 727, "text": GOLD_DATA["quotes"][0]["contents"][0]["text"]}
    quote = {"speaker_name": "Ashtiani", "contents": [content]}
    line = {
        "document_id": DOC_ID,
        "officials": [{"name": "Ashtiani", "mentions": [mention, mention]}],
        "quotes": [quote, quote, quote],
    }
    result = score(GOLD, [line], corpus=CORPUS, samples=5)
    assert result.report["predictions"]["collapsed_duplicates"] == {
        "officials": 0,
        "mentions": 1,
        "quotes": 2,
        "meetings": 0,
        "commitments": 0,
    }
    assert result.report["metrics"]["quotes.attributed"]["pred"] == 1


def test_missing_and_unscored_documents_are_warnings():
    result = score([], [GOLD_DATA], corpus=CORPUS, samples=5)
    assert [i.code for i in result.issues] == ["prediction-unscored-document"]
    result = score(GOLD, [], corpus=CORPUS, samples=5)
    assert [i.code for i in result.issues] == ["prediction-missing-document"]
    assert result.report["metrics"]["mentions.strict"]["recall"] == 0.0


def test_gold_problems_refuse_to_score():
    with pytest.raises(CommuniqueError) as raised:
        score(FIXTURES / "invalid" / "text-mismatch.yaml", [GOLD_DATA], corpus=CORPUS)
    assert raised.value.issues[0].code == "span-text-mismatch"


def test_documents_given_as_models_are_read_like_lines():
    (gold,) = load_annotations(SEED_GOLD, CORPUS)
    as_model = PredictedDocument.model_validate(gold.model_dump())
    assert (
        score([gold], [as_model], corpus=CORPUS, samples=5).headline
        == score([gold], [GOLD_DATA], corpus=CORPUS, samples=5).headline
    )


@pytest.mark.parametrize("name", ["prediction.schema.json", "prediction.flat.schema.json"])
def test_published_prediction_schemas_accept_what_the_bench_reads(name: str):
    import jsonschema

    from .conftest import ROOT

    text = (ROOT / "schema" / name).read_text(encoding="utf-8")
    validator = jsonschema.Draft202012Validator(json.loads(text))
    assert ('"$ref":' in text) is (name == "prediction.schema.json")  # the flat one inlines every reference
    for line in [GOLD_DATA, *map(json.loads, (PREDICTIONS / "valid" / "text-only.jsonl").read_text().splitlines())]:
        validator.validate(line)
    for fixture in ("unknown-field", "bad-label", "wrong-type", "missing-contents"):
        line = json.loads((PREDICTIONS / "invalid" / f"{fixture}.jsonl").read_text(encoding="utf-8"))
        assert list(validator.iter_errors(line)), fixture
