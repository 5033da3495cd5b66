"""Annotation format 2.0: `communique migrate`, the schema version, drafts, the discriminated source union,
optional nullable fields, the v2 consistency rules and `anchor` filling the text hash."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from communique.annotate.migrate import KIND_MAP, migrate_data
from communique.annotate.validate import validate_file
from communique.api import migrate_annotations
from communique.cli.main import main
from communique.corpus.build import make_document, serialise
from communique.corpus.store import CorpusStore
from communique.schema.errors import CommuniqueError
from communique.schema.models import PLOVER_KINDS, AnnotatedDocument, CommitmentKind, SeedMetadata, labels
from communique.schema.v1 import V1CommitmentKind

from .conftest import CORPUS, FIXTURES

V1_GOLD = FIXTURES / "v1" / "iran-pakistan-military-talks.yaml"

# a text written for these tests: a meeting, a direct quote, a mixed one and an indirect one
TEXT = 'Ana Souza met Lars Berg in Oslo.\n\nSouza said "we will build a bridge". Berg said the bridge would "last".'
SHA = hashlib.sha256(TEXT.encode("utf-8")).hexdigest()


def _span(text: str, occurrence: int = 1) -> dict[str, Any]:
    start = -1
    for _ in range(occurrence):
        start = TEXT.index(text, start + 1)
    return {"start": start, "end": start + len(text), "text": text}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    meta = SeedMetadata(id="talks", source_file="talks.txt", source_sha256="0" * 64)
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "talks.json").write_text(serialise(make_document(TEXT.encode("utf-8"), meta)), encoding="utf-8")
    return folder


def _required_only() -> dict[str, Any]:
    """A document with one item per layer and only the required fields: nullable ones are left out."""
    return {
        "schema_version": "2.0",
        "document_id": "talks",
        "text_sha256": SHA,
        "guidelines_version": "2.0",
        "annotators": ["test"],
        "officials": [
            {"id": "o1", "participation": "participant", "mentions": [{**_span("Ana Souza"), "form": "name"}]},
            {"id": "o2", "participation": "participant", "mentions": [{**_span("Lars Berg"), "form": "name"}]},
        ],
        "sources": [{"id": "s1", "type": "other", "mentions": [_span("Oslo")]}],
        "meetings": [
            {
                "id": "m1",
                "participants": [{"official_id": "o1"}, {"official_id": "o2"}],
                "evidence": [_span("Ana Souza met Lars Berg in Oslo")],
                "status": "stated",
                "mode": "in_person",
            }
        ],
        "attributions": [
            {
                "id": "a1",
                "source": {"type": "official", "official_id": "o1"},
                "cues": [_span("said")],
                "contents": [_span("we will build a bridge")],
                "kind": "direct",
                "speech_act": "commissive",
            },
            {
                "id": "a2",
                "source": {"type": "unresolved", "reason": "ambiguous"},
                "cues": [_span("said", 2)],
                "contents": [_span('the bridge would "last"')],
                "kind": "mixed",
                "speech_act": "assertive",
            },
        ],
        "commitments": [
            {
                "id": "c1",
                "actors": [{"official_id": "o1"}],
                "kind": "promise",
                "content": _span("build a bridge"),
                "evidence": _span("we will build a bridge"),
            }
        ],
    }


def _validate(data: dict[str, Any], corpus: Path, tmp_path: Path) -> list[tuple[str, str]]:
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = validate_file(path, CorpusStore(corpus))
    assert all(i.line is not None for i in report.issues)  # every problem is located
    return [(i.code, i.path) for i in report.issues]


# ------------------------------------------------------------------------------------------ the format


def test_a_file_with_only_required_fields_validates(corpus: Path, tmp_path: Path):
    data = _required_only()
    assert _validate(data, corpus, tmp_path) == []
    document = AnnotatedDocument.model_validate(data)
    assert document.officials[0].name is None and document.meetings[0].location is None
    assert document.attributions[0].source_span is None and document.commitments[0].modality_type is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"type": "source", "source_id": 3}, ("type-error", "$.attributions[0].source.source_id")),
        ({"type": "official"}, ("missing-field", "$.attributions[0].source.official_id")),
        (
            {"type": "official", "official_id": "o1", "reason": "unnamed"},
            ("unknown-field", "$.attributions[0].source.reason"),
        ),
        ({"type": "unresolved", "reason": "forgotten"}, ("invalid-value", "$.attributions[0].source.reason")),
        ({"type": "robot"}, ("invalid-value", "$.attributions[0].source")),
        ({"type": "source", "source_id": "s9"}, ("dangling-reference", "$.attributions[0].source.source_id")),
    ],
)
def test_source_union_errors_are_located_in_the_data(source, expected, corpus: Path, tmp_path: Path):
    data = _required_only()
    data["attributions"][0]["source"] = source
    assert _validate(data, corpus, tmp_path) == [expected]


def test_unknown_field_in_a_union_member_suggests_that_members_fields(corpus: Path, tmp_path: Path):
    data = _required_only()
    data["attributions"][0]["source"] = {"type": "source", "source_idd": "s1"}
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    found = {i.code: i for i in validate_file(path, CorpusStore(corpus)).issues}
    assert found["unknown-field"].hint == "did you mean 'source_id'?"


def _actor_outside_meeting(data: dict[str, Any]) -> None:
    data["officials"].append(
        {"id": "o3", "participation": "mentioned", "mentions": [{**_span("Souza", 2), "form": "name"}]}
    )
    data["commitments"][0].update(actors=[{"official_id": "o3"}], meeting_id="m1")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["attributions"][0].update(kind="indirect"), ("quotation-marks", "$.attributions[0].contents[0]")),
        (lambda d: d["attributions"][1].update(kind="indirect"), ("quotation-marks", "$.attributions[1].contents[0]")),
        (
            lambda d: d["attributions"][1].update(kind="direct"),
            ("direct-quote-unquoted", "$.attributions[1].contents[0]"),
        ),
        (
            lambda d: d["commitments"][0]["actors"].append({"official_id": "o1"}),
            ("duplicate-actor", "$.commitments[0].actors[1].official_id"),
        ),
        (
            lambda d: d["commitments"][0].update(content=_span("Berg"), attribution_id="a1"),
            ("commitment-outside-attribution", "$.commitments[0].content"),
        ),
        (_actor_outside_meeting, ("speaker-not-in-meeting", "$.commitments[0].actors[0]")),
        (
            lambda d: d["attributions"][0].update(meeting_id="m1", source={"type": "official", "official_id": "o3"}),
            ("dangling-reference", "$.attributions[0].source.official_id"),
        ),
        (
            lambda d: d["attributions"][0].update(meeting_id="m1", source={"type": "source", "source_id": "s1"}),
            None,  # a non-official source need not be a participant
        ),
    ],
)
def test_consistency_rules_of_format_2(change, expected, corpus: Path, tmp_path: Path):
    data = _required_only()
    change(data)
    assert _validate(data, corpus, tmp_path) == ([expected] if expected else [])


def test_review_draft_items_warn_and_strict_fails(corpus: Path, tmp_path: Path, capsys):
    data = _required_only()
    data["meetings"][0]["review"] = "draft"
    data["commitments"][0]["review"] = "draft"
    assert _validate(data, corpus, tmp_path) == [
        ("review-draft", "$.meetings[0].review"),
        ("review-draft", "$.commitments[0].review"),
    ]
    target = str(tmp_path / "doc.yaml")
    assert main(["validate", target, "--corpus", str(corpus)]) == 0
    assert main(["validate", target, "--corpus", str(corpus), "--strict"]) == 1
    assert "[review-draft]" in capsys.readouterr().err


def test_plover_table_covers_every_kind():
    assert list(PLOVER_KINDS) == labels(CommitmentKind)
    assert PLOVER_KINDS["praise"].event == "SUPPORT" and PLOVER_KINDS["request"].event is None


# ---------------------------------------------------------------------------------------- versions


def test_v1_file_is_outdated_with_the_migrate_hint(tmp_path: Path, capsys):
    report = validate_file(V1_GOLD, CorpusStore(CORPUS))
    assert [(i.code, i.hint) for i in report.issues] == [("schema-outdated", "communique migrate FILE")]
    assert report.schema_version == "1"
    assert main(["validate", str(V1_GOLD), "--corpus", str(CORPUS), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["schemas"] == {str(V1_GOLD): "1"}


def test_validate_names_the_version_of_each_file(corpus: Path, tmp_path: Path, capsys):
    _validate(_required_only(), corpus, tmp_path)
    assert main(["validate", str(tmp_path / "doc.yaml"), "--corpus", str(corpus)]) == 0
    assert "(schema 2.0: 1 file(s))" in capsys.readouterr().out


def test_unknown_version_is_refused(corpus: Path, tmp_path: Path):
    data = _required_only()
    data["schema_version"] = "3.0"
    assert _validate(data, corpus, tmp_path) == [("schema-unknown", "$.schema_version")]


# ----------------------------------------------------------------------------------------- migrate


def test_migrating_the_v1_gold_validates_keeps_comments_and_is_idempotent(tmp_path: Path, capsys):
    target = tmp_path / "gold.yaml"
    shutil.copy(V1_GOLD, target)
    assert main(["migrate", str(target), "--check"]) == 1
    assert target.read_bytes() == V1_GOLD.read_bytes()  # --check writes nothing
    assert main(["migrate", str(target)]) == 0
    once = target.read_bytes()
    text = once.decode("utf-8")
    assert text.startswith("# Gold annotations") and 'schema_version: "2.0"' in text
    assert "# guessed by communique migrate: speech_act" in text
    report = validate_file(target, CorpusStore(CORPUS))
    assert report.document is not None and report.schema_version == "2.0"
    assert {i.code for i in report.issues} == {"review-draft"}
    document = report.document
    v1 = yaml.safe_load(V1_GOLD.read_text(encoding="utf-8"))
    assert len(document.attributions) == len(v1["quotes"]) and len(document.commitments) == len(v1["commitments"])
    for old, new in zip(v1["commitments"], document.commitments, strict=True):
        assert new.kind == KIND_MAP[old["kind"]] and [a.official_id for a in new.actors] == [old["actor_id"]]
        assert new.attribution_id == old["quote_id"] and new.actors[0].country == old["country"]
        assert (new.modality_type is None) == (old["modality"] is None)
    assert all(m.mode == "unspecified" and m.review == "draft" for m in document.meetings)
    assert main(["migrate", str(target)]) == 0
    assert main(["migrate", str(target), "--check"]) == 0
    assert target.read_bytes() == once  # idempotent
    capsys.readouterr()


def test_migrating_json_writes_json(tmp_path: Path):
    target = tmp_path / "gold.json"
    target.write_text(json.dumps(yaml.safe_load(V1_GOLD.read_text(encoding="utf-8"))), encoding="utf-8")
    assert migrate_annotations([tmp_path]) == [str(target)]
    data = json.loads(target.read_text(encoding="utf-8"))
    assert list(data)[:2] == ["schema_version", "document_id"] and "quotes" not in data
    report = validate_file(target, CorpusStore(CORPUS))
    assert report.document is not None
    assert migrate_annotations([tmp_path]) == []


def test_a_broken_v1_file_is_reported_and_left_alone(tmp_path: Path):
    target = tmp_path / "broken.yaml"
    target.write_text(V1_GOLD.read_text(encoding="utf-8").replace("kind: pledge", "kind: plegde", 1), encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(CommuniqueError) as caught:
        migrate_annotations([target])
    assert [(i.code, i.path.split("].")[-1]) for i in caught.value.issues] == [("invalid-value", "kind")]
    assert caught.value.issues[0].line is not None
    assert target.read_bytes() == before


@given(st.lists(st.sampled_from(labels(V1CommitmentKind)), min_size=1, max_size=5), st.booleans())
@settings(max_examples=50, deadline=None)
def test_migration_maps_every_v1_commitment_to_a_valid_v2_one(kinds: list[str], modal: bool):
    data = yaml.safe_load(V1_GOLD.read_text(encoding="utf-8"))
    template = data["commitments"][0]
    data["commitments"] = [
        {**template, "id": f"c{i}", "kind": kind, "modality": template["evidence"] if modal else None}
        for i, kind in enumerate(kinds)
    ]
    drafts = migrate_data(data)
    document = AnnotatedDocument.model_validate(data)
    assert [c.kind for c in document.commitments] == [KIND_MAP[k] for k in kinds]
    assert all((c.modality_type is not None) == modal for c in document.commitments)
    assert drafts == len(data["meetings"]) + len(data["attributions"]) + (len(kinds) if modal else 0)


# ------------------------------------------------------------------------------------------ anchor


def test_anchor_fills_a_missing_hash_and_reports_a_stale_one(corpus: Path, tmp_path: Path, capsys):
    data = _required_only()
    del data["text_sha256"]
    target = tmp_path / "doc.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["anchor", str(target), "--corpus", str(corpus)]) == 0
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert list(written)[:3] == ["schema_version", "document_id", "text_sha256"] and written["text_sha256"] == SHA
    assert main(["validate", str(target), "--corpus", str(corpus), "--strict"]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace(SHA, "0" * 64), encoding="utf-8")
    before = target.read_bytes()
    assert main(["anchor", str(target), "--corpus", str(corpus)]) == 1
    assert target.read_bytes() == before
    assert "[stale-hash]" in (err := capsys.readouterr().err) and f"text_sha256: {SHA}" in err
