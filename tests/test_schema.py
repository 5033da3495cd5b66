"""The published JSON Schemas: generated from the models, committed, valid, and in agreement with them."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from communique.cli.main import main
from communique.io.parse import parse_yaml
from communique.schema.generate import SCHEMAS, render_schemas
from communique.schema.models import (
    AnnotatedDocument,
    AttributionKind,
    CommitmentKind,
    CorpusDocument,
    MentionForm,
    StanceKind,
    labels,
)

from .conftest import CORPUS, DOC_ID, FIXTURES, GOLD, ROOT

SCHEMA_DIR = ROOT / "schema"


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


ANNOTATION = _validator("annotation.schema.json")


def test_committed_schemas_match_the_models():
    for name, rendered in render_schemas().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == rendered, f"{name} drifted: run `communique schema`"
    assert main(["schema", "--check", "--out", str(SCHEMA_DIR)]) == 0


def test_schema_check_detects_drift(tmp_path, capsys):
    assert main(["schema", "--out", str(tmp_path)]) == 0
    (tmp_path / "annotation.schema.json").write_text("{}", encoding="utf-8")
    assert main(["schema", "--check", "--out", str(tmp_path)]) == 1
    assert "annotation.schema.json" in capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_are_valid_draft_2020_12(name: str):
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "communique" in schema["description"]


def test_annotation_schema_says_what_only_validate_checks():
    description = json.loads((SCHEMA_DIR / "annotation.schema.json").read_text())["description"]
    for check in ("sha256", "reference", "[start, end)", "anchor"):
        assert check in description


def test_labels_come_from_the_models():
    schema = json.loads((SCHEMA_DIR / "annotation.schema.json").read_text())
    assert schema["$defs"]["Mention"]["properties"]["form"]["enum"] == labels(MentionForm)
    assert schema["$defs"]["Attribution"]["properties"]["kind"]["enum"] == labels(AttributionKind)
    assert schema["$defs"]["Commitment"]["properties"]["kind"]["enum"] == labels(CommitmentKind)
    assert schema["$defs"]["Stance"]["properties"]["kind"]["enum"] == labels(StanceKind)
    assert "condition" in schema["$defs"]["Commitment"]["properties"]
    assert "condition" not in schema["$defs"]["Stance"]["properties"]
    assert schema["properties"]["schema_version"]["const"] == "2.1"
    # the prediction schema names the same kinds, each in its layer
    prediction = json.loads((SCHEMA_DIR / "prediction.schema.json").read_text())["$defs"]
    for model, literal in (("PredictedCommitment", CommitmentKind), ("PredictedStance", StanceKind)):
        kind = prediction[model]["properties"]["kind"]["anyOf"]
        assert [k for k in kind if "enum" in k] == [{"enum": labels(literal), "type": "string"}]


def test_committed_files_validate_structurally():
    committed = sorted((ROOT / "annotations").rglob("*.yaml"))
    assert GOLD / f"{DOC_ID}.yaml" in committed and len(committed) >= 3  # the gold and two passes at least
    for path in [*committed, FIXTURES / "valid" / "minimal.yaml"]:
        ANNOTATION.validate(parse_yaml(path.read_text(encoding="utf-8")))
    corpus_doc = json.loads((CORPUS / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    _validator("corpus-document.schema.json").validate(corpus_doc)


# ------------------------------------------------------------------ property tests: schema <=> models
# Two known, documented differences are kept out of the generated values, because they are properties of
# JSON Schema and of Python's `re`, not of our schema: JSON Schema's "integer" accepts 1.0, and Python's
# `re` lets `$` match before a trailing newline (ECMA-262 regexes, which the schema is written for, do not).

GOLD_DATA = parse_yaml((GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8"))
MINIMAL = parse_yaml((FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8"))

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10_000),
    st.sampled_from([0.5, -2.25]),
    st.text(alphabet=st.characters(exclude_characters="\n", codec="utf-8"), max_size=8),
    st.sampled_from(["name", "nominal", "direct", "pledge", "visitor", "stated", "IRN", "babar", "1.1", "m1", ""]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["start", "end", "text", "id", "form", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += _paths(value, (*prefix, i))
    return out


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    data = copy.deepcopy(draw(st.sampled_from([MINIMAL, GOLD_DATA])))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(data)))
        if not path:
            continue
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(VALUES)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "nmae", "start", "text", "value"]))] = draw(VALUES)
        else:
            parent.append(draw(VALUES))
    return data


def _model_accepts(data: Any) -> bool:
    try:
        AnnotatedDocument.model_validate(data)
        return True
    except ValidationError:
        return False


@given(mutated_documents())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_schema_and_models_accept_the_same_documents(data: Any):
    model_ok = _model_accepts(data)
    schema_errors = sorted(e.message for e in ANNOTATION.iter_errors(data))
    note(f"model accepts: {model_ok}; schema errors: {schema_errors[:3]}")
    assert model_ok == (not schema_errors)


@given(
    st.sampled_from(labels(MentionForm)),
    st.sampled_from(labels(AttributionKind)),
    st.sampled_from(labels(CommitmentKind)),
    st.sampled_from(labels(StanceKind)),
    st.integers(0, 10**9),
    st.text(min_size=1, max_size=20).filter(lambda s: "\n" not in s),
)
@settings(max_examples=100, deadline=None)
def test_every_label_and_offset_the_models_accept_the_schema_accepts(form, kind, commitment, stance, offset, text):
    data = copy.deepcopy(MINIMAL)
    data["officials"][0]["mentions"][0].update(form=form, start=offset, end=offset, text=text)
    data["attributions"][0]["kind"] = kind
    data["commitments"][0]["kind"] = commitment
    data["stances"][0]["kind"] = stance
    assert _model_accepts(data)
    ANNOTATION.validate(data)
    # the two kind lists are apart: a stance kind is no commitment kind, in the models and the schema alike
    data["commitments"][0]["kind"] = stance
    assert not _model_accepts(data)
    assert list(ANNOTATION.iter_errors(data))


def test_corpus_schema_agrees_with_model_on_committed_document():
    data = json.loads((CORPUS / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    CorpusDocument.model_validate(data)
    assert not list(_validator("corpus-document.schema.json").iter_errors(data))
    data["tokens"]["starts"][0] = "0"
    with pytest.raises(ValidationError):
        CorpusDocument.model_validate(data)
    assert list(_validator("corpus-document.schema.json").iter_errors(data))


def test_guidelines_examples_are_not_taken_from_the_seed():
    """Issue 12: the guidelines' examples are invented; none shares six consecutive words with the seed."""
    import re as _re

    words = lambda text: _re.findall(r"[\w’']+", text.lower())  # noqa: E731
    seed = words((ROOT / "seeds" / "iran-pakistan-military-talks.txt").read_text(encoding="utf-8"))
    guide = words((ROOT / "annotations" / "GUIDELINES.md").read_text(encoding="utf-8"))
    assert len(seed) > 1000 and len(guide) > 5000  # both files were read
    grams = {tuple(seed[i : i + 6]) for i in range(len(seed) - 5)}
    shared = [" ".join(guide[i : i + 6]) for i in range(len(guide) - 5) if tuple(guide[i : i + 6]) in grams]
    assert shared == []


def test_schema_check_passes_where_the_project_keeps_no_schemas(tmp_path, monkeypatch, capsys):
    # a project made by `init` has no schema files: nothing there can drift from the models
    assert main(["init", str(tmp_path / "mine")]) == 0
    monkeypatch.chdir(tmp_path / "mine")
    capsys.readouterr()
    assert main(["schema", "--check"]) == 0
    assert "no schema files in schema: nothing to check" in capsys.readouterr().err
    assert not (tmp_path / "mine" / "schema").exists()
    # once it keeps them, a missing one is drift again
    assert main(["schema"]) == 0
    (tmp_path / "mine" / "schema" / "annotation.schema.json").unlink()
    assert main(["schema", "--check"]) == 1
    assert "annotation.schema.json" in capsys.readouterr().err
