"""Reading prediction files: the lenient format, anchoring, names, and located, coded problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from communique import CATALOGUE, CommuniqueError, load_annotations
from communique.bench import PredictedDocument, parse_predictions, read_predictions, score
from communique.schema.errors import Severity
from communique.schema.predictions import gold_as_prediction

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, SEED_GOLD

PREDICTIONS = FIXTURES / "predictions"
INVALID = sorted((PREDICTIONS / "invalid").glob("*.jsonl"))
WARNINGS = sorted((PREDICTIONS / "warnings").glob("*.jsonl"))
GOLD_DATA = gold_as_prediction(load_annotations(SEED_GOLD, CORPUS)[0])


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
        score(SEED_GOLD, path, corpus=CORPUS, samples=5)
    assert raised.value.issues[0] == found


@pytest.mark.parametrize("path", WARNINGS, ids=lambda p: p.stem)
def test_warning_prediction_is_scored_and_reported(path: Path):
    expected = _expected("warnings")[path.name]
    result = score(SEED_GOLD, path, corpus=CORPUS, samples=5)
    assert [(i.code, i.path, i.line, i.severity) for i in result.issues] == [
        (expected["code"], expected["path"], expected["line"], Severity.WARNING)
    ]
    assert result.report["predictions"]["warnings"] == 1
    assert result.report["issues"] == [i.to_dict() for i in result.issues]


def test_issue_columns_point_at_the_field(tmp_path: Path):
    line = json.dumps({"document_id": DOC_ID, "attributions": [{"contents": [{"text": "said"}], "kind": "quoted"}]})
    path = tmp_path / "p.jsonl"
    path.write_text("\n" + line + "\n", encoding="utf-8")
    (found,) = read_predictions(path, CORPUS).errors
    assert (found.code, found.line) == ("invalid-value", 2)
    assert line[found.column - 1 :].startswith('"quoted"')


def test_unanchorable_text_is_counted_as_a_wrong_prediction():
    result = score(SEED_GOLD, PREDICTIONS / "warnings" / "not-found.jsonl", corpus=CORPUS, samples=5)
    quotes = result.report["metrics"]["attributions.identification"]
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
        "attributions": [
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
            {
                "actors": [{"official_name": "Bagheri"}],
                "evidence": {"text": "Tehran and Islamabad can hold a joint exercise"},
                "modality": {"text": "can"},
            }
        ],
    }
    predictions = parse_predictions([line], CORPUS)
    assert predictions.issues == []
    (quote,) = predictions.documents[DOC_ID].attributions
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
        "attributions": [
            {"speaker_name": "Bagheri", "contents": [{"text": "the battle scene has changed a lot"}]},
            {"speaker_name": "General Bajwa", "contents": [{"text": "Geopolitically", "occurrence": 1}]},
        ],
    }
    doc = parse_predictions([line], CORPUS).documents[DOC_ID]
    assert sorted(q.speaker for q in doc.attributions) == ["id:x", "name:general bajwa"]
    assert [o.ref for o in doc.officials if o.by_name] == ["name:general bajwa"]


def test_identical_duplicates_collapse_and_are_reported():
    mention = {"start": 586, "end": 594, "text": "Ashtiani", "form": "name"}
    content = {k: GOLD_DATA["attributions"][0]["contents"][0][k] for k in ("start", "end", "text")}
    quote = {"speaker_name": "Ashtiani", "contents": [content]}
    line = {
        "document_id": DOC_ID,
        "officials": [{"name": "Ashtiani", "mentions": [mention, mention]}],
        "attributions": [quote, quote, quote],
    }
    result = score(SEED_GOLD, [line], corpus=CORPUS, samples=5)
    assert result.report["predictions"]["collapsed_duplicates"] == {
        "officials": 0,
        "mentions": 1,
        "attributions": 2,
        "meetings": 0,
        "commitments": 0,
        "stances": 0,
    }
    assert result.report["metrics"]["attributions.attributed"]["pred"] == 1


def test_missing_and_unscored_documents_are_warnings():
    result = score([], [GOLD_DATA], corpus=CORPUS, samples=5)
    assert [i.code for i in result.issues] == ["prediction-unscored-document"]
    result = score(GOLD, [], corpus=CORPUS, samples=5)
    documents = list(GOLD.glob("*.yaml"))
    assert documents and [i.code for i in result.issues] == ["prediction-missing-document"] * len(documents)
    assert result.report["metrics"]["mentions.strict"]["recall"] == 0.0


def test_gold_problems_refuse_to_score():
    with pytest.raises(CommuniqueError) as raised:
        score(FIXTURES / "invalid" / "text-mismatch.yaml", [GOLD_DATA], corpus=CORPUS)
    assert raised.value.issues[0].code == "span-text-mismatch"


def test_documents_given_as_models_are_read_like_lines():
    (gold,) = load_annotations(SEED_GOLD, CORPUS)
    as_model = PredictedDocument.model_validate(gold_as_prediction(gold))
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


def _act(name: str, kind: str, evidence: str) -> dict:
    return {"actors": [{"official_name": name}], "kind": kind, "evidence": {"text": evidence}}


def test_a_2_0_line_reads_stance_kinds_as_stances_and_locates_problems_as_written():
    """Prediction format 2.0 had one commitments layer of ten kinds: its stance kinds are scored as stances,
    and whatever is reported about them points at the line as it was written."""
    line = {
        "schema_version": "2.0",
        "document_id": DOC_ID,
        "commitments": [
            _act("the Iranian defense minister", "invite", "invited his Pakistani counterpart to visit Tehran"),
            _act("Nobody Known", "praise", "praised the resistance of the Iranian nation against the sanctions"),
            _act("Marshal Ahmad Babar", "promise", "he will send a team of experts to Iran for better implementation"),
        ],
    }
    result = score(SEED_GOLD, [line], corpus=CORPUS, samples=5)
    assert [(i.code, i.path, i.line) for i in result.issues] == [
        ("prediction-old-stances", "$.commitments[0].kind", 1),
        ("prediction-unknown-official", "$.commitments[1].actors[0].official_name", 1),
    ]
    assert "2 commitment(s) of stance kinds (invite, praise)" in result.issues[0].message
    metrics = result.report["metrics"]
    assert (metrics["stances.identification"]["tp"], metrics["stances.identification"]["fp"]) == (2, 0)
    assert (metrics["commitments.identification"]["tp"], metrics["commitments.identification"]["fp"]) == (1, 0)
    assert metrics["stances.actors"]["tp"] == 1  # the unknown official is no gold actor
    assert result.report["headline"]["stances.identification"] == metrics["stances.identification"]["f1"]
    # the same line in format 2.1 is refused: there a stance kind is no commitment kind
    refused = parse_predictions([{**line, "schema_version": "2.1"}], CORPUS)
    assert [(i.code, i.path) for i in refused.errors] == [
        ("invalid-value", "$.commitments[0].kind"),
        ("invalid-value", "$.commitments[1].kind"),
    ]
