"""`communique export plover`: PLOVER event records from the gold, valid against the published schema."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import load_annotations, load_corpus_document
from communique.cli.main import main
from communique.formats.plover import plover_events
from communique.schema.models import PLOVER_KINDS, MeetingMode, Participant, consult_mode, labels

from .conftest import CORPUS, FIXTURES, ROOT, SEED_GOLD

V2 = FIXTURES / "v2"
SCHEMA = json.loads((ROOT / "schema" / "plover-event.schema.json").read_text(encoding="utf-8"))


def _events(gold: Path, corpus: Path) -> tuple[list[dict], Counter[str], list]:
    left: Counter[str] = Counter()
    docs = load_annotations(gold, corpus)
    records = []
    for doc in docs:
        corpus_doc = load_corpus_document(corpus / f"{doc.document_id}.json")
        records += [e.model_dump(mode="json") for e in plover_events(doc, corpus_doc, left)]
    return records, left, docs


@pytest.fixture(scope="module")
def fixture_events():
    return _events(V2 / "gold", V2 / "corpus")


def test_every_record_of_every_document_is_valid_against_the_published_schema(fixture_events):
    seed, _, _ = _events(SEED_GOLD, CORPUS)
    records = [*seed, *fixture_events[0]]
    assert seed and fixture_events[0]
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for record in records:
        validator.validate(record)
    assert len({r["id"] for r in records}) == len(records)


def test_one_event_per_meeting_and_coded_commitment_or_stance_the_rest_counted(fixture_events):
    for gold, corpus in ((SEED_GOLD, CORPUS), (V2 / "gold", V2 / "corpus")):
        records, left, docs = _events(gold, corpus)
        meetings = sum(len(d.meetings) for d in docs)
        assert sum(r["layer"] == "meetings" for r in records) == meetings
        for layer in ("commitments", "stances"):
            acts = [(d, c) for d in docs for c in getattr(d, layer)]
            uncoded = Counter(f"{layer}/{c.kind}" for _, c in acts if PLOVER_KINDS[c.kind].event is None)
            # exactly the kinds PLOVER leaves uncoded are left out, every other act is one record
            assert Counter({k: n for k, n in left.items() if k.startswith(f"{layer}/")}) == uncoded
            assert sum(r["layer"] == layer for r in records) + sum(uncoded.values()) == len(acts)
        carried = {(d.document_id, c.attribution_id) for d in docs for c in [*d.commitments, *d.stances]}
        bare = Counter(
            f"attributions/{a.speech_act}" for d in docs for a in d.attributions if (d.document_id, a.id) not in carried
        )
        assert Counter({k: n for k, n in left.items() if k.startswith("attributions/")}) == bare


def test_mapping_follows_the_guidelines_tables(fixture_events):
    records, left, _ = fixture_events
    by_item = {r["item_id"]: r for r in records}
    visit = by_item["m1"]  # in person, visitor and host: visit, visitor = source, host = recipient
    assert (visit["event_type"], visit["mode"]) == ("CONSULT", "visit")
    assert [a["official_id"] for a in visit["source"]] == ["o2"]
    assert [a["official_id"] for a in visit["recipient"]] == ["o1"]
    assert visit["date"] == {"text": "12 March 2024", "start": 161, "end": 174, "value": "2024-03-12"}
    call = by_item["m2"]  # telephone, no roles: phone, all participants are sources
    assert (call["mode"], [a["official_id"] for a in call["source"]], call["recipient"]) == ("phone", ["o1", "o3"], [])
    assert call["date"] is None
    praise, invite = by_item["st1"], by_item["st2"]
    assert (praise["event_type"], praise["context"], praise["layer"]) == ("SUPPORT", [], "stances")
    assert (invite["event_type"], invite["context"]) == ("AGREE", ["future"])
    request = by_item["st3"]  # a request is REQUEST (as POLECAT codes it); the other participant of the call
    assert (request["event_type"], request["mode"], request["kind"]) == ("REQUEST", None, "request")
    assert [(a["official_id"], a["country"]) for a in request["source"]] == [("o3", "CHL")]
    assert [a["official_id"] for a in request["recipient"]] == ["o1"]
    assert "st4" not in by_item  # predict: a comment, not coded
    criticism, refusal = by_item["st5"], by_item["st6"]
    assert (criticism["event_type"], criticism["mode"]) == ("ACCUSE", "disapprove")
    assert (refusal["event_type"], refusal["mode"]) == ("REJECT", None)
    # a commitment with a condition is hypothetical; the layer and kind say where the record came from
    promise = by_item["c1"]
    assert (promise["event_type"], promise["context"], promise["layer"]) == (
        "AGREE",
        ["future", "hypothetical"],
        "commitments",
    )
    # the predict is not coded, nor are the embassy's and the unnamed officials' attributions, which carry none
    assert left == Counter({"stances/predict": 1, "attributions/expressive": 1, "attributions/assertive": 1})
    # an actor's own country for the act wins; without one, the country the official serves
    assert [a["country"] for a in by_item["st2"]["source"]] == ["NOR"]
    assert {r["plover_version"] for r in records} == {"POLECAT-2023"}


def test_every_request_is_coded_whatever_its_verb(tmp_path):
    """PLOVER as used for POLECAT codes requests, appeals and calls (REQUEST), not only forceful demands."""
    gold = tmp_path / "gold"
    gold.mkdir()
    text = (V2 / "gold" / "souza-berg-talks.yaml").read_text(encoding="utf-8")
    corpus = tmp_path / "corpus"
    old_sha, new_sha = shutil_copy_corpus(V2 / "corpus", corpus, "demanded", "implored")
    (gold / "doc.yaml").write_text(text.replace("demanded", "implored").replace(old_sha, new_sha), encoding="utf-8")
    records, left, _ = _events(gold, corpus)
    request = next(r for r in records if r["item_id"] == "st3")
    assert request["event_type"] == "REQUEST" and "implored" in request["event_text"]["text"]
    assert "stances/request" not in left and left["stances/predict"] == 1


def test_event_text_is_the_source_sentence_with_its_offsets(fixture_events):
    records, _, (doc,) = fixture_events
    text = load_corpus_document(V2 / "corpus" / f"{doc.document_id}.json").text
    evidence = {m.id: m.evidence[0] for m in doc.meetings} | {
        c.id: c.evidence for c in [*doc.commitments, *doc.stances]
    }
    for record in records:
        event_text = record["event_text"]
        assert text[event_text["start"] : event_text["end"]] == event_text["text"]
        span = evidence[record["item_id"]]
        assert event_text["start"] <= span.start and span.end <= event_text["end"]
        assert event_text["text"].endswith(".")  # whole sentences in this document
        if record["date"] is not None:
            assert text[record["date"]["start"] : record["date"]["end"]] == record["date"]["text"]


def shutil_copy_corpus(source: Path, target: Path, old: str, new: str) -> tuple[str, str]:
    """A one-document corpus copy with ``old`` replaced by ``new`` (same length, so every offset stays) and its
    hash renewed; returns the old and new hash."""
    import hashlib

    assert len(old) == len(new)
    target.mkdir()
    (path,) = source.glob("*.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    old_sha = data["sha256"]
    data = json.loads(json.dumps(data).replace(old, new))
    data["sha256"] = hashlib.sha256(data["text"].encode("utf-8")).hexdigest()
    (target / path.name).write_text(json.dumps(data), encoding="utf-8")
    return old_sha, data["sha256"]


def test_cli_writes_json_lines_and_reports_what_it_left_out(tmp_path, capsys):
    out = tmp_path / "events.jsonl"
    args = ["export", "plover", "--out", str(out), "--gold", str(V2 / "gold"), "--corpus", str(V2 / "corpus")]
    assert main(args) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and all(json.loads(line)["plover_version"] == "POLECAT-2023" for line in lines)
    err = capsys.readouterr().err
    assert "8 PLOVER event(s)" in err and "stances/predict 1" in err
    assert main([*args[:-4], "--gold", str(V2 / "gold"), "--corpus", str(V2 / "corpus"), "--out", "-"]) == 0
    assert capsys.readouterr().out.splitlines() == lines  # stdout carries the same records


def test_cli_refuses_invalid_gold_and_writes_nothing(tmp_path, capsys):
    gold = tmp_path / "gold"
    gold.mkdir()
    text = (V2 / "gold" / "souza-berg-talks.yaml").read_text(encoding="utf-8")
    (gold / "doc.yaml").write_text(text.replace("official_id: o3", "official_id: o9", 1), encoding="utf-8")
    out = tmp_path / "events.jsonl"
    code = main(["export", "plover", "--out", str(out), "--gold", str(gold), "--corpus", str(V2 / "corpus")])
    assert code == 1 and not out.exists()
    err = capsys.readouterr().err
    assert "doc.yaml" in err and "nothing was exported" in err


def test_cli_json_summary_needs_a_file_for_the_events(capsys):
    code = main(["export", "plover", "--format", "json", "--gold", str(V2 / "gold"), "--corpus", str(V2 / "corpus")])
    assert code == 2
    captured = capsys.readouterr()
    assert "--out" in captured.err and "event_type" not in captured.out  # no events mixed into the summary


_ROLES = st.sampled_from([None, "visitor", "host"])


@settings(max_examples=60, deadline=None)
@given(
    roles=st.lists(_ROLES, min_size=2, max_size=4),
    mode=st.sampled_from(labels(MeetingMode)),
)
def test_every_participant_is_a_source_or_a_recipient_and_the_record_is_valid(fixture_events, roles, mode):
    """Whatever the roles and the medium: each participant appears once, as source or recipient."""
    _, _, (doc,) = fixture_events
    corpus = load_corpus_document(V2 / "corpus" / f"{doc.document_id}.json")
    officials = [o.id for o in doc.officials]
    participants = [Participant(official_id=officials[i % len(officials)], role=r) for i, r in enumerate(roles)]
    if len({p.official_id for p in participants}) < len(participants):
        return  # a meeting names each official once (validation refuses the rest)
    meeting = doc.meetings[0].model_copy(update={"participants": participants, "mode": mode})
    changed = doc.model_copy(update={"meetings": [meeting], "commitments": [], "stances": [], "attributions": []})
    (event,) = plover_events(changed, corpus)
    record = event.model_dump(mode="json")
    jsonschema.Draft202012Validator(SCHEMA).validate(record)
    actors = [a["official_id"] for a in record["source"] + record["recipient"]]
    assert sorted(actors) == sorted(p.official_id for p in participants)
    assert record["mode"] == consult_mode(meeting)
    if record["mode"] == "visit":
        assert [a["official_id"] for a in record["recipient"]] == [
            p.official_id for p in participants if p.role == "host"
        ]
    else:
        assert record["recipient"] == []
