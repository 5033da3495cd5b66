"""`communique import brat`: the reverse of `export brat`; the round trip gives identical annotations."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import load_annotations
from communique.annotate.importers import strip_hints
from communique.cli.main import main
from communique.formats.brat import ATTRIBUTES, ENTITIES, EVENTS, ROLE_ARGS, annotation_conf, import_brat
from communique.formats.standoff import note_fields, note_value

from .conftest import CORPUS, GOLD, SEED_GOLD
from .tool_docs import DOC_ID, document_data, make_project


def _round_trip(annotations: Path, corpus: Path, tmp: Path) -> Path:
    assert (
        main(["export", "brat", "--out", str(tmp / "brat"), "--gold", str(annotations), "--corpus", str(corpus)]) == 0
    )
    out = tmp / "imported"
    assert main(["import", "brat", str(tmp / "brat"), "--out", str(out), "--corpus", str(corpus)]) == 0
    return out


def test_gold_round_trip_is_identical(tmp_path: Path):
    """Every gold document of the corpus comes back from brat as it went."""
    out = _round_trip(GOLD, CORPUS, tmp_path)
    # not --strict: a gold file may hold items marked `review: draft`, and the round trip keeps the marks
    assert main(["validate", "--corpus", str(CORPUS), str(out)]) == 0
    golds = {doc.document_id: doc for doc in load_annotations(GOLD, CORPUS)}
    back = {doc.document_id: doc for doc in load_annotations(out, CORPUS)}
    assert len(back) == len(list(GOLD.glob("*.yaml"))) > 1 and back.keys() == golds.keys()
    for doc_id, doc in back.items():
        assert doc == strip_hints(golds[doc_id]), doc_id  # every layer and field; anchoring hints are not annotations
    assert all(layer for doc in back.values() for layer in (doc.officials, doc.attributions))
    assert any(doc.meetings for doc in back.values()) and any(doc.commitments for doc in back.values())
    assert any(doc.stances for doc in back.values()) and any(doc.sources for doc in back.values())


def test_awkward_document_round_trip_is_identical(tmp_path: Path):
    corpus, annotations, original = make_project(tmp_path / "project")
    out = _round_trip(annotations, corpus, tmp_path)
    (back,) = load_annotations(out, corpus)
    assert back == original
    # brat did split the spans that cross a line break, and the attribution without cues used its content
    ann = (tmp_path / "brat" / f"{DOC_ID}.ann").read_text(encoding="utf-8")
    assert re.search(r"\tAttributionContent \d+ \d+;\d+ \d+\t", ann)
    assert 'organisation="Ministry of \\"Foreign\\" Affairs; Spain"' in ann


def test_stances_and_a_condition_round_trip_identical(tmp_path: Path):
    """Format 2.1: Stance events (kinds, modality) and a commitment's Condition read back as they were."""
    v2 = Path(__file__).resolve().parent / "fixtures" / "v2"
    out = _round_trip(v2 / "gold", v2 / "corpus", tmp_path)
    (original,) = load_annotations(v2 / "gold", v2 / "corpus")
    (back,) = load_annotations(out, v2 / "corpus")
    assert back == strip_hints(original)
    assert len(back.stances) == 6 and [c.condition is not None for c in back.commitments] == [True]
    ann = next((tmp_path / "brat").glob("*.ann")).read_text(encoding="utf-8")
    assert re.search(r"\tStance:T\d+ Actor:T\d+", ann) and re.search(r"\tCondition \d+ \d+\tif Brazil asked", ann)
    assert re.search(r"\tStanceKind E\d+ criticise\n", ann)


def _exported(tmp_path: Path) -> tuple[Path, Path, Path]:
    corpus, annotations, _ = make_project(tmp_path / "project")
    brat = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(brat), "--gold", str(annotations), "--corpus", str(corpus)]) == 0
    return corpus, brat, brat / f"{DOC_ID}.ann"


def _refused(brat: Path, corpus: Path, tmp_path: Path, capsys) -> str:
    out = tmp_path / "out"
    assert main(["import", "brat", str(brat), "--out", str(out), "--corpus", str(corpus)]) == 1
    assert not out.exists()  # nothing half-written
    return capsys.readouterr().err


def _edit(ann: Path, old: str, new: str) -> int:
    """Replace the first ``old`` in ``ann``; returns its 1-based line."""
    text = ann.read_text(encoding="utf-8")
    at = text.index(old)
    ann.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def test_moved_span_is_refused_not_reanchored(tmp_path: Path, capsys):
    corpus, brat, ann = _exported(tmp_path)
    first = ann.read_text(encoding="utf-8").splitlines()[0]  # T1	Mention s e	text
    start, end = map(int, first.split("\t")[1].split()[1:])
    line = _edit(ann, f"Mention {start} {end}", f"Mention {start + 1} {end + 1}")
    err = _refused(brat, corpus, tmp_path, capsys)
    assert f"{ann}:{line}:1: $: [span-text-mismatch]" in err


def test_unknown_label_is_refused(tmp_path: Path, capsys):
    corpus, brat, ann = _exported(tmp_path)
    line = _edit(ann, "\tForm T1 name", "\tForm T1 surname")
    err = _refused(brat, corpus, tmp_path, capsys)
    assert f"{ann}:{line}:1: $: [unknown-label]" in err
    _edit(ann, "\tForm T1 surname", "\tForm T1 name")
    line = _edit(ann, "\tMention ", "\tPerson ")
    assert f"{ann}:{line}:1: $: [unknown-label]" in _refused(brat, corpus, tmp_path, capsys)


def test_changed_text_is_refused(tmp_path: Path, capsys):
    corpus, brat, _ = _exported(tmp_path)
    txt = brat / f"{DOC_ID}.txt"
    txt.write_text(txt.read_text(encoding="utf-8").replace("Geneva", "Genf"), encoding="utf-8")
    assert "[stale-hash]" in _refused(brat, corpus, tmp_path, capsys)


def test_imported_document_is_validated(tmp_path: Path, capsys):
    corpus, brat, ann = _exported(tmp_path)
    _edit(ann, "attribution=q2", "attribution=q1")  # two attributions with one id
    text = ann.read_text(encoding="utf-8")
    event = re.findall(r"AnnotatorNotes (E\d+)\tattribution=q1", text)[1]  # the second one, once q2
    line = text[: text.index(f"\n{event}\t") + 1].count("\n") + 1
    err = _refused(brat, corpus, tmp_path, capsys)
    assert f"{ann}:{line}:1: $: [duplicate-id] in the imported document at $.attributions[1].id" in err


def test_mention_without_note_takes_its_official_from_equiv(tmp_path: Path):
    corpus, brat, ann = _exported(tmp_path)
    lines = ann.read_text(encoding="utf-8").splitlines()
    # the note on the second mention of ruiz (T2) goes; Equiv still ties it to the others
    kept = [line for line in lines if line.split("\t")[1] != "AnnotatorNotes T2"]
    assert len(kept) == len(lines) - 1
    ann.write_text("\n".join(kept) + "\n", encoding="utf-8")
    result = import_brat(brat, corpus)
    assert result.ok, result.issues
    (back,) = result.documents
    ruiz = next(o for o in back.officials if o.id == "ruiz")
    assert len(ruiz.mentions) == len(next(o for o in document_data()["officials"] if o["id"] == "ruiz")["mentions"])


def test_importer_knows_every_label_of_annotation_conf():
    """The importer's vocabulary and the generated annotation.conf must not drift apart."""
    conf = annotation_conf()
    entities = conf.split("[entities]")[1].split("[relations]")[0].split()
    assert sorted(entities) == sorted(ENTITIES)
    events = conf.split("[events]")[1].split("[attributes]")[0].strip().splitlines()
    for line in events:
        label, args = line.split("\t")
        roles = {a.split(":")[0].rstrip("*?+") for a in args.split(", ")}
        assert roles == set(EVENTS[label].roles)
    assert set(ROLE_ARGS.values()) <= set(EVENTS["Meeting"].roles)
    attributes = conf.split("[attributes]")[1].strip().splitlines()
    assert {line.split("\t")[0]: tuple(line.split("Value:")[1].split("|")) for line in attributes} == {
        name: attribute.values for name, attribute in ATTRIBUTES.items()
    }


@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), st.text(min_size=1), max_size=5))
def test_note_values_read_back(fields: dict[str, str]):
    note = "; ".join(f"{k}={note_value(v)}" for k, v in fields.items())
    assert "\t" not in note and note.split("\n") == [note]  # one .ann line
    read = note_fields(note)
    assert read.complete and read.fields == fields


@pytest.mark.parametrize("folder", ["missing", "empty"])
def test_import_needs_a_brat_folder(tmp_path: Path, capsys, folder: str):
    path = tmp_path / folder
    if folder == "empty":
        path.mkdir()
    code = main(["import", "brat", str(path), "--out", str(tmp_path / "out"), "--corpus", str(CORPUS)])
    assert code == (2 if folder == "missing" else 1)
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def brat_export(tmp_path_factory) -> Path:
    brat = tmp_path_factory.mktemp("brat-export")
    assert main(["export", "brat", "--out", str(brat), "--gold", str(SEED_GOLD), "--corpus", str(CORPUS)]) == 0
    return brat


_WORD = st.sampled_from(["Mention", "Attribution", "Meeting", "Time", "Form", "name", "Source", "T1", "E1", "x", ""])
_LINE = st.one_of(
    st.text(alphabet=st.sampled_from('TEA#*R0123456789 \t:;="abcMentionAttributionForm-'), max_size=40),
    st.builds(
        "{}\t{} {} {}\t{}".format,
        st.sampled_from(["T900", "E900", "A900", "#900", "*", "R1", "N1"]),
        _WORD,
        st.integers(-3, 9000),
        st.integers(-3, 9000),
        _WORD,
    ),
    st.builds("{}\t{}:{} {}:{}".format, st.just("E901"), _WORD, _WORD, _WORD, _WORD),
    st.builds("#902\tAnnotatorNotes {}\t{}".format, _WORD, st.text(max_size=20)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_LINE, max_size=6))
def test_any_ann_text_is_reported_never_raised(brat_export: Path, tmp_path_factory, lines: list[str]):
    """Arbitrary .ann lines (appended to a good export) give located issues, never a traceback."""
    brat = tmp_path_factory.mktemp("brat-fuzz") / "brat"
    shutil.copytree(brat_export, brat)
    (ann,) = brat.glob("*.ann")
    with ann.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    result = import_brat(brat, CORPUS)
    assert result.documents or result.issues
    assert all(i.file == str(ann) and i.line is not None for i in result.issues)


def test_json_format_lists_what_was_written(tmp_path: Path, capsys):
    corpus, annotations, _ = make_project(tmp_path / "project")
    brat = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(brat), "--gold", str(annotations), "--corpus", str(corpus)]) == 0
    capsys.readouterr()
    out = tmp_path / "imported"
    assert main(["import", "brat", str(brat), "--out", str(out), "--corpus", str(corpus), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["command"] == "import brat" and document["errors"] == 0
    assert document["written"] == [str(out / f"{DOC_ID}.yaml")] and document["out"] == str(out)
