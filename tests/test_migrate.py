"""Annotation formats 2.0 and 2.1: `communique migrate` (1 -> 2.0 -> 2.1), the schema version, drafts, the
discriminated source union, optional nullable fields, the consistency rules of commitments and stances and
`anchor` filling the text hash."""

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

from communique.annotate.migrate import KIND_MAP, MOVE_COMMENT, MOVED_KINDS, migrate_data
from communique.annotate.validate import validate_file
from communique.api import migrate_annotations
from communique.cli.main import main
from communique.corpus.build import make_document, serialise
from communique.corpus.store import CorpusStore
from communique.schema.errors import CommuniqueError
from communique.schema.models import (
    PLOVER_KINDS,
    AnnotatedDocument,
    CommitmentKind,
    SeedMetadata,
    StanceKind,
    labels,
)
from communique.schema.v1 import V1CommitmentKind
from communique.schema.v20 import V20CommitmentKind

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
        "schema_version": "2.1",
        "document_id": "talks",
        "text_sha256": SHA,
        "guidelines_version": "2.1",
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
        "stances": [
            {
                "id": "st1",
                "actors": [{"official_id": "o2"}],
                "kind": "predict",
                "content": _span('the bridge would "last"'),
                "evidence": _span('the bridge would "last"'),
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
    assert document.commitments[0].condition is None and document.stances[0].attribution_id is None


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
        # every rule of commitments holds for stances
        (
            lambda d: d["stances"][0]["actors"].append({"official_id": "o2"}),
            ("duplicate-actor", "$.stances[0].actors[1].official_id"),
        ),
        (
            lambda d: d["stances"][0].update(attribution_id="a1"),
            ("stance-outside-attribution", "$.stances[0].content"),
        ),
        (lambda d: d["stances"][0].update(attribution_id="a2"), None),  # inside a2's content
        (
            lambda d: d["stances"][0].update(actors=[{"official_id": "o1"}, {"official_id": "o9"}]),
            ("dangling-reference", "$.stances[0].actors[1].official_id"),
        ),
        (lambda d: d["stances"][0].update(meeting_id="m9"), ("dangling-reference", "$.stances[0].meeting_id")),
        (
            lambda d: d["stances"][0]["actors"][0].update(country="XYZ"),
            ("unknown-country", "$.stances[0].actors[0].country"),
        ),
        (lambda d: d["stances"][0].update(id="c1"), ("duplicate-id", "$.stances[0].id")),
        (lambda d: d["stances"][0].update(kind="promise"), ("invalid-value", "$.stances[0].kind")),
        (lambda d: d["commitments"][0].update(kind="praise"), ("invalid-value", "$.commitments[0].kind")),
        (
            lambda d: d["stances"][0].update(condition=_span("Berg")),
            ("unknown-field", "$.stances[0].condition"),
        ),
        # a condition is a span like any other: anchored, checked against the text
        (
            lambda d: d["commitments"][0].update(condition={**_span("Souza said"), "text": "Souza says"}),
            ("span-text-mismatch", "$.commitments[0].condition.text"),
        ),
        (lambda d: d["commitments"][0].update(condition=_span("Souza said")), None),
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
    assert list(PLOVER_KINDS) == labels(CommitmentKind) + labels(StanceKind)
    assert PLOVER_KINDS["praise"].event == "SUPPORT" and PLOVER_KINDS["request"].event == "REQUEST"
    assert (PLOVER_KINDS["criticise"].event, PLOVER_KINDS["criticise"].mode) == ("ACCUSE", "disapprove")
    assert PLOVER_KINDS["reject"].event == "REJECT" and PLOVER_KINDS["predict"].event is None


def test_a_text_only_condition_is_anchored(corpus: Path, tmp_path: Path):
    data = _required_only()
    data["commitments"][0]["condition"] = {"text": "Souza said"}
    path = tmp_path / "doc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    report = validate_file(path, CorpusStore(corpus))
    assert [(i.code, i.path) for i in report.issues] == [("span-unanchored", "$.commitments[0].condition")]
    assert report.document is not None
    condition = report.document.commitments[0].condition
    assert condition is not None and TEXT[condition.start : condition.end] == "Souza said"


# ---------------------------------------------------------------------------------------- versions


def test_v1_file_is_outdated_with_the_migrate_hint(tmp_path: Path, capsys):
    report = validate_file(V1_GOLD, CorpusStore(CORPUS))
    assert [(i.code, i.hint) for i in report.issues] == [("schema-outdated", "communique migrate FILE")]
    assert report.schema_version == "1"
    assert main(["validate", str(V1_GOLD), "--corpus", str(CORPUS), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["schemas"] == {str(V1_GOLD): "1"}


def test_a_2_0_file_is_outdated_with_the_migrate_hint(corpus: Path, tmp_path: Path):
    data = _required_only()
    data["schema_version"] = "2.0"
    assert _validate(data, corpus, tmp_path) == [("schema-outdated", "$.schema_version")]
    report = validate_file(tmp_path / "doc.yaml", CorpusStore(corpus))
    assert report.issues[0].hint == "communique migrate FILE" and report.schema_version == "2.0"


def test_validate_names_the_version_of_each_file(corpus: Path, tmp_path: Path, capsys):
    _validate(_required_only(), corpus, tmp_path)
    assert main(["validate", str(tmp_path / "doc.yaml"), "--corpus", str(corpus)]) == 0
    assert "(schema 2.1: 1 file(s))" in capsys.readouterr().out


def test_unknown_version_is_refused(corpus: Path, tmp_path: Path):
    data = _required_only()
    data["schema_version"] = "3.0"
    assert _validate(data, corpus, tmp_path) == [("schema-unknown", "$.schema_version")]


# ----------------------------------------------------------------------------------------- migrate


def _v20_with_every_kind() -> dict[str, Any]:
    """A 2.0 document with one commitment of each of the ten 2.0 kinds, ids c1..c10, in the kinds' order."""
    data = _required_only()
    data["schema_version"] = data["guidelines_version"] = "2.0"
    del data["stances"]
    template = data["commitments"][0]
    data["commitments"] = [
        {
            **template,
            "id": f"c{n}",
            "kind": kind,
            "actors": [{"official_id": "o1", "country": "NOR" if n % 2 else None}],
            "time": None,
            "modality": _span("will") if n % 3 else None,
            "modality_type": "deontic" if n % 3 else None,
            "attribution_id": "a1" if n % 2 else None,
            "meeting_id": "m1",
        }
        for n, kind in enumerate(labels(V20CommitmentKind), start=1)
    ]
    return data


def _with_comments(data: dict[str, Any]) -> str:
    """``data`` as YAML with a header comment, an end-of-line comment on every commitment's id, and a comment
    line before the layer."""
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
    for n in range(1, len(data["commitments"]) + 1):
        text = text.replace(f"- id: c{n}\n", f"- id: c{n}  # note {n}\n", 1)
    text = text.replace("commitments:\n", "# the acts of the two ministers\ncommitments:\n", 1)
    return "# A 2.0 file written for the test\n" + text


def test_migrating_2_0_moves_the_six_non_binding_kinds_to_stances_item_by_item(corpus: Path, tmp_path: Path):
    old = _v20_with_every_kind()
    target = tmp_path / "doc.yaml"
    target.write_text(_with_comments(old), encoding="utf-8")
    assert main(["migrate", str(target), "--check"]) == 1
    assert main(["migrate", str(target)]) == 0
    text = target.read_text(encoding="utf-8")
    report = validate_file(target, CorpusStore(corpus))
    assert report.issues == [] and report.document is not None  # valid, and nothing was marked draft
    new = yaml.safe_load(text)
    assert (new["schema_version"], new["guidelines_version"]) == ("2.1", "2.1")
    assert list(new)[-2:] == ["commitments", "stances"]
    assert MOVED_KINDS == ("propose", "request", "invite", "support", "praise", "predict")
    commitments, stances = iter(new["commitments"]), iter(new["stances"])
    for n, before in enumerate(old["commitments"], start=1):
        moved = before["kind"] in MOVED_KINDS
        after = next(stances if moved else commitments)
        assert after["id"] == (f"st{n}" if moved else f"c{n}")
        # every field as it was; a commitment gets `condition: null`, a stance none
        rest = {k: v for k, v in after.items() if k not in ("id", "condition")}
        assert rest == {k: v for k, v in before.items() if k != "id"}
        assert ("condition" in after) is not moved and after.get("condition") is None
        # the comment on the id line is kept; a moved item's says where it came from
        line = next(x for x in text.splitlines() if f"id: {after['id']} " in x or x.endswith(f"id: {after['id']}"))
        assert f"# note {n}" in line and (MOVE_COMMENT.format(old=f"c{n}") in line) is moved
    assert next(commitments, None) is None and next(stances, None) is None
    assert [c["kind"] for c in new["commitments"]] == labels(CommitmentKind)
    assert text.startswith("# A 2.0 file written for the test\n") and "# the acts of the two ministers\n" in text
    assert "review" not in text
    assert main(["migrate", str(target)]) == 0 and main(["migrate", str(target), "--check"]) == 0
    assert target.read_text(encoding="utf-8") == text  # idempotent


def test_migrating_2_0_json_and_a_taken_id(tmp_path: Path):
    data = _v20_with_every_kind()
    data["sources"][0]["id"] = "st5"  # the name the 5th commitment (propose) would get is taken: it keeps c5
    target = tmp_path / "doc.json"
    target.write_text(json.dumps(data), encoding="utf-8")
    assert migrate_annotations([tmp_path]) == [str(target)]
    new = json.loads(target.read_text(encoding="utf-8"))
    assert [s["id"] for s in new["stances"]] == ["c5", "st6", "st7", "st8", "st9", "st10"]
    assert [c["id"] for c in new["commitments"]] == ["c1", "c2", "c3", "c4"]
    assert list(new)[-2:] == ["commitments", "stances"] and new["schema_version"] == "2.1"
    assert migrate_annotations([tmp_path]) == []


def test_a_broken_2_0_file_is_reported_and_left_alone(tmp_path: Path):
    data = _v20_with_every_kind()
    data["commitments"][0]["kind"] = "oppose"  # a 2.1 stance kind, unknown to 2.0
    target = tmp_path / "doc.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(CommuniqueError) as caught:
        migrate_annotations([target])
    assert [(i.code, i.path) for i in caught.value.issues] == [("invalid-value", "$.commitments[0].kind")]
    assert caught.value.issues[0].line is not None and target.read_bytes() == before


def test_migrating_the_v1_gold_goes_through_2_0_keeps_comments_and_is_idempotent(tmp_path: Path, capsys):
    target = tmp_path / "gold.yaml"
    shutil.copy(V1_GOLD, target)
    assert main(["migrate", str(target), "--check"]) == 1
    assert target.read_bytes() == V1_GOLD.read_bytes()  # --check writes nothing
    capsys.readouterr()
    assert main(["migrate", str(target), "--format", "json"]) == 0
    (done,) = json.loads(capsys.readouterr().out)["migrated"]
    assert done["from"] == "1" and done["stances"] > 0 and done["drafts"] > 0
    once = target.read_bytes()
    text = once.decode("utf-8")
    assert text.startswith("# Gold annotations") and 'schema_version: "2.1"' in text
    assert "# guessed by communique migrate: speech_act" in text
    report = validate_file(target, CorpusStore(CORPUS))
    assert report.document is not None and report.schema_version == "2.1"
    assert {i.code for i in report.issues} == {"review-draft"}
    document = report.document
    v1 = yaml.safe_load(V1_GOLD.read_text(encoding="utf-8"))
    assert len(document.attributions) == len(v1["quotes"])
    assert (
        len(document.commitments) + len(document.stances)
        == len(v1["commitments"])
        == done["stances"] + len(document.commitments)
    )
    commitments, stances = iter(document.commitments), iter(document.stances)
    for old in v1["commitments"]:
        new = next(stances if KIND_MAP[old["kind"]] in MOVED_KINDS else commitments)
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
def test_migration_maps_every_v1_commitment_to_a_valid_commitment_or_stance(kinds: list[str], modal: bool):
    data = yaml.safe_load(V1_GOLD.read_text(encoding="utf-8"))
    template = data["commitments"][0]
    data["commitments"] = [
        {**template, "id": f"c{i}", "kind": kind, "modality": template["evidence"] if modal else None}
        for i, kind in enumerate(kinds)
    ]
    done = migrate_data(data)
    document = AnnotatedDocument.model_validate(data)
    expected = [KIND_MAP[k] for k in kinds]
    assert [c.kind for c in document.commitments] == [k for k in expected if k not in MOVED_KINDS]
    assert [c.kind for c in document.stances] == [k for k in expected if k in MOVED_KINDS]
    assert [s.id for s in document.stances] == [f"st{i}" for i, k in enumerate(expected) if k in MOVED_KINDS]
    acts = [*document.commitments, *document.stances]
    assert all((c.modality_type is not None) == modal for c in acts)
    assert done.drafts == len(data["meetings"]) + len(data["attributions"]) + (len(kinds) if modal else 0)
    assert done.stances == len(document.stances)


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
