"""``formats/``: each outside tool read by one parser, whichever command reads it (``import``, ``convert``),
and converters that build typed predictions from the tool's vocabulary.

The documents are short texts written for these tests, in corpus folders of their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.cli.main import main
from communique.formats.brat import ATTRIBUTES, ENTITIES, EVENTS, annotation_conf, import_brat, visual_conf
from communique.formats.builder import DocumentBuilder, Target
from communique.formats.convert import convert_path
from communique.formats.label_studio import (
    CONTROLS,
    SPAN_LABELS,
    Utf16Offsets,
    import_label_studio,
    labeling_config,
    read_export,
)
from communique.formats.standoff import parse_standoff
from communique.schema.errors import CommuniqueError
from communique.schema.models import AttributionKind, labels
from communique.schema.predictions import PredictedDocument

from .conftest import CORPUS, SEED_GOLD, write_corpus_document

TEXT = "Foreign Minister Anna Berg met Jan Kowal in Oslo.\nBerg said talks would go on."


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    write_corpus_document(folder, "talks", TEXT)
    return folder


def _at(piece: str, nth: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(nth):
        start = TEXT.index(piece, start + 1)
    return start, start + len(piece)


# -- brat: one parser for both readers

_ANN_LINE = st.one_of(
    st.text(alphabet=st.sampled_from("TEAM#*RN0123456789 \t:;=\r\"abMentionAttribution-"), max_size=30),
    st.builds(
        "T{}\t{} {} {}\t{}".format,
        st.integers(0, 9),
        st.sampled_from(["Mention", "Person", "Quote", ""]),
        st.integers(-2, 90),
        st.integers(-2, 90),
        st.text(max_size=5),
    ),
    st.builds("E{}\t{}:T{} {}:T{}".format, st.integers(0, 9), st.sampled_from(["Attribution", "Quote", ""]),
              st.integers(0, 9), st.sampled_from(["Content", "Source2", "Actor"]), st.integers(0, 9)),
)  # fmt: skip


@given(st.lists(_ANN_LINE, max_size=8))
def test_every_ann_line_is_read_once_or_reported(lines: list[str]):
    """The one standoff parser never raises, and accounts for every line that is not blank: a record of its
    kind, a line of another kind (by id), or a malformed line."""
    text = "\n".join(lines) + "\n"
    ann = parse_standoff(text)
    numbered = [
        *(t.line for t in ann.textbounds.values()),
        *(e.line for e in ann.events.values()),
        *(a.line for a in ann.attributes),
        *(n.line for n in ann.notes),
        *(q.line for q in ann.equivs),
        *(line for _, line in ann.others),
        *(line for line, _ in ann.malformed),
    ]
    written = [n for n, line in enumerate(text.split("\n"), 1) if line.removesuffix("\r").strip()]
    ids = [line.partition("\t")[0] for line in text.split("\n") if line.strip()]
    repeated = len(ids) - len(set(ids))  # a repeated text-bound or event id keeps the later line only
    assert len(numbered) <= len(written) and len(numbered) >= len(written) - repeated
    assert set(numbered) <= set(written)


def test_a_malformed_ann_line_is_reported_at_its_line_by_import_and_convert(tmp_path: Path, corpus: Path, capsys):
    folder = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(folder), "--gold", str(SEED_GOLD), "--corpus", str(CORPUS)]) == 0
    (ann,) = folder.glob("*.ann")
    lines = ann.read_text(encoding="utf-8").splitlines()
    lines.insert(2, "T999\tMention 5 x\tbroken")
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    imported = import_brat(folder, CORPUS)
    assert [(i.code, i.line) for i in imported.issues] == [("standoff-syntax", 3)]
    with pytest.raises(CommuniqueError) as caught:
        convert_path("brat", folder, CORPUS)
    assert [(i.code, i.line) for i in caught.value.issues] == [("convert-bad-input", 3)]


def test_brat_configuration_comes_from_the_vocabulary_table():
    conf = annotation_conf()
    for label, event in EVENTS.items():
        line = next(x for x in conf.splitlines() if x.startswith(f"{label}\t"))
        assert [a.split(":")[0].rstrip("?*+") for a in line.split("\t")[1].split(", ")] == list(event.roles)
    assert f"AttributionKind\tArg:Attribution, Value:{'|'.join(labels(AttributionKind))}" in conf
    assert set(ATTRIBUTES) == {x.split("\t")[0] for x in conf.split("[attributes]\n")[1].splitlines()}
    drawn = {x.split("\t")[0] for x in visual_conf().split("[drawing]\n")[1].splitlines()}
    assert drawn == set(ENTITIES) | set(EVENTS)


def test_brat_convert_refuses_a_label_the_models_do_not_have(tmp_path: Path, corpus: Path):
    """Converters build typed predictions: a value outside the model's Literal is a located error (it used to
    become a line that `bench` refused)."""
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "talks.txt").write_text(TEXT, encoding="utf-8")
    (s, e), (cs, ce) = _at("said"), _at("talks would go on")
    lines = [
        f"T1\tAttribution {s} {e}\tsaid",
        f"T2\tAttributionContent {cs} {ce}\ttalks would go on",
        "E1\tAttribution:T1 Content:T2",
        "A1\tAttributionKind E1 quoted",
    ]
    (folder / "talks.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CommuniqueError) as caught:
        convert_path("brat", folder, corpus)
    (problem,) = caught.value.issues
    assert (problem.code, problem.line) == ("convert-bad-input", 3) and "quoted" in problem.message
    lines[-1] = "A1\tAttributionKind E1 indirect"
    (folder / "talks.ann").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (line,) = convert_path("brat", folder, corpus).lines
    assert isinstance(line, PredictedDocument) and line.attributions[0].kind == "indirect"


def test_builder_records_a_value_the_prediction_format_refuses():
    builder = DocumentBuilder(Target("talks", TEXT, "0" * 64), None, "test", where="in.ann")
    builder.line = 7
    assert builder.add_mention(*_at("Anna Berg"), form="surname") is None
    assert builder.add_mention(*_at("Jan Kowal"), form="name") == "o1"
    (problem,) = builder.problems
    assert (problem.code, problem.file, problem.line) == ("convert-bad-input", "in.ann", 7)
    assert [m.text for o in builder.build().officials for m in o.mentions] == ["Jan Kowal"]


# -- Label Studio: one reader for both


def _server_style_export(tmp_path: Path, corpus: Path) -> Path:
    """An export as a Label Studio server writes it: the submitted annotation inlined, the task's
    predictions listed by id."""
    s, e = _at("Anna Berg")
    region = {"id": "r1", "type": "labels", "from_name": "label", "to_name": "text",
              "value": {"start": s, "end": e, "text": "Anna Berg", "labels": ["Mention: name"]}}  # fmt: skip
    item = {"id": "r1", "type": "textarea", "from_name": "item", "to_name": "text",
            "value": {"start": s, "end": e, "text": ["o1"]}}  # fmt: skip
    task = {
        "id": 3,
        "data": {"text": TEXT, "document_id": "talks", "annotators": ["me"], "guidelines_version": "2.0"},
        "annotations": [{"id": 9, "result": [region, item], "was_cancelled": False, "updated_at": "2024-05-01"}],
        "predictions": [4],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    return path


def test_a_server_export_listing_predictions_by_id_is_read_by_import_and_convert(tmp_path: Path, corpus: Path):
    path = _server_style_export(tmp_path, corpus)
    issues: list = []
    (only,) = read_export(path, code=lambda kind: "convert-bad-input").tasks(issues)
    assert issues == [] and only[1].predictions == [] and len(only[1].annotations) == 1
    imported = import_label_studio(path, corpus)
    assert [i.code for i in imported.issues] == ["missing-field"]  # participation: not given, and required
    assert "participation" in imported.issues[0].message and imported.issues[0].line is not None
    (line,) = convert_path("labelstudio", path, corpus).lines
    assert [m.text for o in line.officials for m in o.mentions] == ["Anna Berg"]


def test_labelstudio_shapes_are_located_for_import_and_convert(tmp_path: Path, corpus: Path):
    path = _server_style_export(tmp_path, corpus)
    tasks = json.loads(path.read_text(encoding="utf-8"))
    tasks[0]["annotations"][0]["result"][0]["value"]["start"] = "0"
    path.write_text(json.dumps(tasks, indent=1), encoding="utf-8")
    imported = import_label_studio(path, corpus)
    (problem,) = imported.issues
    assert problem.code == "type-error" and problem.path == "$[0].annotations[0].result[0].value.start"
    written = path.read_text(encoding="utf-8").splitlines()
    assert problem.line == next(n for n, line in enumerate(written, 1) if line.strip() == '"start": "0",')
    with pytest.raises(CommuniqueError) as caught:
        convert_path("labelstudio", path, corpus)
    (problem,) = caught.value.issues
    assert (problem.code, problem.path) == ("convert-bad-input", "$[0].annotations[0].result[0].value.start")


def test_labelstudio_offsets_past_the_text_are_dropped_not_clamped(tmp_path: Path):
    """UTF-16 offsets go through the one converter: an end past the text is no code point, so the span is
    reported and left out (it used to end at the text's end)."""
    text = "The minister 🇮🇷 Anna Berg spoke to the press at length about the talks."
    corpus = tmp_path / "corpus"
    write_corpus_document(corpus, "emoji", text)
    start = text.index("Anna Berg") + 2  # a browser counts the flag as four units
    value = {"start": start, "end": len(text) + 50, "text": "Anna Berg", "labels": ["PER"]}
    task = {"data": {"text": text}, "annotations": [{"result": [{"id": "x", "type": "labels", "value": value}]}]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    result = convert_path("labelstudio", path, corpus)
    assert [i.code for i in result.issues] == ["convert-span-dropped"] and result.issues[0].line is not None
    (line,) = result.lines
    assert line.officials == []


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30), st.data())
def test_utf16_offsets_inside_a_surrogate_pair_are_no_code_point(text: str, data):
    offsets = Utf16Offsets(text)
    units = len(text.encode("utf-16-le")) // 2
    at = data.draw(st.integers(-2, units + 2))
    points = offsets.to_code_points(at)
    if points is None:
        assert at < 0 or at > units or text.encode("utf-16-le")[: 2 * at].decode("utf-16-le", "replace")[-1] == "\ufffd"
    else:
        assert offsets.to_utf16(points) == at


def test_labelstudio_configuration_comes_from_the_vocabulary_table():
    config = labeling_config()
    for label in SPAN_LABELS:
        assert f'<Label value="{label}"' in config
    for name, control in CONTROLS.items():
        tag = "Choices" if control.choices else "TextArea"
        assert f'<{tag} name="{name}"' in config
        assert all(f'<Choice value="{v}"/>' in config for v in control.values)


def test_brat_document_fields_are_checked_where_communique_json_says_them(tmp_path: Path):
    folder = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(folder), "--gold", str(SEED_GOLD), "--corpus", str(CORPUS)]) == 0
    fields = json.loads((folder / "communique.json").read_text(encoding="utf-8"))
    (doc_id,) = fields
    fields[doc_id]["annotators"] = "me"  # a list of names
    (folder / "communique.json").write_text(json.dumps(fields, indent=2), encoding="utf-8")
    (problem,) = import_brat(folder, CORPUS).issues
    assert (problem.code, problem.file, problem.path) == (
        "type-error",
        str(folder / "communique.json"),
        f"$.{doc_id}.annotators",
    )
    assert problem.line == 5  # {, the document, text_sha256, guidelines_version, annotators
