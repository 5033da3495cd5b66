"""`communique export label-studio` and `communique import label-studio`, through a real Label Studio server."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from communique import load_annotations
from communique.annotate.importers import strip_hints
from communique.cli.main import main
from communique.formats.label_studio import (
    CONTROLS,
    MENTION_LABELS,
    RELATIONS,
    SPAN_LABELS,
    Utf16Offsets,
    import_label_studio,
    labeling_config,
)
from communique.schema.models import MentionForm, labels

from .conftest import CORPUS, GOLD
from .label_studio_server import VERSION, find_venv, running_label_studio
from .tool_docs import DOC_ID, TEXT, make_project


@pytest.fixture
def both(tmp_path: Path, gold) -> tuple[Path, Path, dict[str, object]]:
    """A corpus and an annotation folder with the gold and the awkward test document; expected results."""
    corpus, annotations, awkward = make_project(tmp_path / "project")
    for path in CORPUS.glob("*.json"):
        shutil.copy(path, corpus / path.name)
    shutil.copy(GOLD / f"{gold.document_id}.yaml", annotations / f"{gold.document_id}.yaml")
    return corpus, annotations, {gold.document_id: strip_hints(gold), DOC_ID: awkward}


def _export(annotations: Path, corpus: Path, out: Path) -> Path:
    assert main(["export", "label-studio", "--out", str(out), "--gold", str(annotations), "--corpus", str(corpus)]) == 0
    return out


def _import(export: Path, corpus: Path, out: Path, *extra: str) -> int:
    return main(["import", "label-studio", str(export), "--out", str(out), "--corpus", str(corpus), *extra])


def test_config_is_generated_from_the_models():
    root = ET.fromstring(labeling_config())
    assert [e.get("value") for e in root.iter("Label")] == list(SPAN_LABELS)
    assert {MENTION_LABELS[form] for form in labels(MentionForm)} <= set(SPAN_LABELS)
    assert [e.get("value") for e in root.iter("Relation")] == list(RELATIONS)
    choices = {c.get("name"): tuple(e.get("value") for e in c.iter("Choice")) for c in root.iter("Choices")}
    assert choices == {name: control.values for name, control in CONTROLS.items() if control.choices}
    assert [t.get("name") for t in root.iter("TextArea")] == [n for n, c in CONTROLS.items() if not c.choices]
    assert all(c.get("perRegion") == "true" for c in [*root.iter("TextArea"), *root.iter("Choices")])


def test_pre_annotations_read_back_identical(both, tmp_path: Path):
    corpus, annotations, expected = both
    ls = _export(annotations, corpus, tmp_path / "ls")
    assert _import(ls / "tasks.json", corpus, tmp_path / "back", "--pre-annotations") == 0
    # not --strict: the documents hold items marked `review: draft`, and the round trip keeps the marks
    assert main(["validate", "--corpus", str(corpus), str(tmp_path / "back")]) == 0
    back = {d.document_id: d for d in load_annotations(tmp_path / "back", corpus)}
    assert back == expected


def test_stances_and_a_condition_read_back_identical(tmp_path: Path):
    """Format 2.1: `Stance ...` regions with their `stance_kind`, and a `Commitment condition`, read back."""
    v2 = Path(__file__).resolve().parent / "fixtures" / "v2"
    ls = _export(v2 / "gold", v2 / "corpus", tmp_path / "ls")
    assert _import(ls / "tasks.json", v2 / "corpus", tmp_path / "back", "--pre-annotations") == 0
    (original,) = load_annotations(v2 / "gold", v2 / "corpus")
    (back,) = load_annotations(tmp_path / "back", v2 / "corpus")
    assert back == strip_hints(original)
    assert len(back.stances) == 6 and [c.condition is not None for c in back.commitments] == [True]
    _, result = _results(ls / "tasks.json")
    shown = {r["value"]["labels"][0] for r in result if r["type"] == "labels"}
    assert {"Stance evidence", "Stance content", "Commitment condition"} <= shown
    kinds = sorted(r["value"]["choices"][0] for r in result if r.get("from_name") == "stance_kind")
    assert kinds == sorted(s.kind for s in original.stances)


def _task(tasks: list[dict], document_id: str) -> dict:
    return next(t for t in tasks if t["data"]["document_id"] == document_id)


def test_offsets_are_javascript_offsets(both, tmp_path: Path):
    corpus, annotations, _ = both
    tasks = json.loads((_export(annotations, corpus, tmp_path / "ls") / "tasks.json").read_text(encoding="utf-8"))
    regions = [r["value"] for r in _task(tasks, DOC_ID)["predictions"][0]["result"] if r["type"] == "labels"]
    li = next(v for v in regions if v["text"] == "Li")  # "Li told": after the rocket, two UTF-16 code units
    assert li["start"] == TEXT.index("Li told") + 1
    assert TEXT.encode("utf-16-le")[2 * li["start"] : 2 * li["end"]].decode("utf-16-le") == "Li"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40), st.data())
def test_utf16_offsets_round_trip(text: str, data):
    offsets = Utf16Offsets(text)
    at = data.draw(st.integers(0, len(text)))
    units = offsets.to_utf16(at)
    assert units == len(text[:at].encode("utf-16-le")) // 2
    assert offsets.to_code_points(units) == at


def _results(tasks_file: Path) -> tuple[list[dict], list[dict]]:
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    return tasks, tasks[0]["predictions"][0]["result"]


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_unknown_label_is_refused_with_its_place(both, tmp_path: Path, capsys):
    corpus, annotations, _ = both
    tasks_file = _export(annotations, corpus, tmp_path / "ls") / "tasks.json"
    tasks, results = _results(tasks_file)
    results[0]["value"]["labels"] = ["Mention: surname"]
    tasks_file.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    assert _import(tasks_file, corpus, tmp_path / "back", "--pre-annotations") == 1
    err = capsys.readouterr().err
    line = _line_of(tasks_file.read_text(encoding="utf-8"), "Mention: surname") - 1  # the `"labels": [` line
    assert f"{tasks_file}:{line}:" in err and "$[0].predictions[0].result[0].value.labels: [unknown-label]" in err
    assert not (tmp_path / "back").exists()


def test_moved_span_is_refused_not_reanchored(both, tmp_path: Path, capsys):
    corpus, annotations, _ = both
    tasks_file = _export(annotations, corpus, tmp_path / "ls") / "tasks.json"
    tasks, results = _results(tasks_file)
    results[0]["value"]["start"] += 1
    results[0]["value"]["end"] += 1
    tasks_file.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    assert _import(tasks_file, corpus, tmp_path / "back", "--pre-annotations") == 1
    assert "$[0].predictions[0].result[0].value.text: [span-text-mismatch]" in capsys.readouterr().err
    assert not (tmp_path / "back").exists()


def test_unknown_relation_and_broken_item_are_refused(both, tmp_path: Path, capsys):
    corpus, annotations, _ = both
    tasks_file = _export(annotations, corpus, tmp_path / "ls") / "tasks.json"
    tasks, results = _results(tasks_file)
    relation = next(i for i, r in enumerate(results) if r["type"] == "relation")
    results[relation]["labels"] = ["friend"]
    tasks_file.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    assert _import(tasks_file, corpus, tmp_path / "back", "--pre-annotations") == 1
    assert f"$[0].predictions[0].result[{relation}].labels: [unknown-label]" in capsys.readouterr().err


def test_imported_document_is_validated(both, tmp_path: Path, capsys):
    corpus, annotations, _ = both
    tasks_file = _export(annotations, corpus, tmp_path / "ls") / "tasks.json"
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    results = _task(tasks, DOC_ID)["predictions"][0]["result"]
    kind = next(r for r in results if r["from_name"] == "attribution_kind" and r["value"]["choices"] == ["indirect"])
    kind["value"]["choices"] = ["direct"]  # but its content is not inside quotation marks
    tasks_file.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    assert _import(tasks_file, corpus, tmp_path / "back", "--pre-annotations") == 1
    task = tasks.index(_task(tasks, DOC_ID))
    region = next(k for k, r in enumerate(results) if r["id"] == kind["id"] and r["type"] == "labels")
    where = f"$[{task}].predictions[0].result[{region}]: [direct-quote-unquoted]"
    assert where in capsys.readouterr().err  # placed at the attribution's content region in the export
    assert not (tmp_path / "back").exists()


def test_task_without_annotation_is_skipped_and_an_import_of_nothing_says_what_to_do(both, tmp_path: Path, capsys):
    corpus, annotations, _ = both
    tasks_file = _export(annotations, corpus, tmp_path / "ls") / "tasks.json"
    tasks = json.loads(tasks_file.read_text(encoding="utf-8"))
    assert len(tasks) >= 2
    # no submitted annotations, only pre-annotations: nothing to import is an error that points to the flag
    assert _import(tasks_file, corpus, tmp_path / "back") == 1
    err = capsys.readouterr().err
    assert err.count("[task-unannotated] warning:") == len(tasks)
    assert f"[nothing-imported] Label Studio export tasks.json holds no document to import: {len(tasks)} task(s)" in err
    assert "--pre-annotations" in err and "nothing was imported" in err
    assert not (tmp_path / "back").exists()
    # one task annotated: it is imported, the other skipped with its warning
    tasks[0]["annotations"] = tasks[0]["predictions"]
    tasks_file.write_text(json.dumps(tasks, ensure_ascii=False), encoding="utf-8")
    assert _import(tasks_file, corpus, tmp_path / "back") == 0
    err = capsys.readouterr().err
    assert err.count("[task-unannotated] warning:") == len(tasks) - 1 and "imported 1 document(s)" in err


def test_pre_annotations_from_a_predictions_file(gold, tmp_path: Path, capsys):
    predictions = tmp_path / "predictions.jsonl"
    from communique.schema.predictions import gold_as_prediction  # the prediction format 2.0 (v2-bench)

    # the gold, as an extractor's output
    predictions.write_text(json.dumps(gold_as_prediction(gold), ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "ls"
    assert (
        main(["export", "label-studio", "--predictions", str(predictions), "--out", str(out), "--corpus", str(CORPUS)])
        == 0
    )
    (task,) = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    assert task["data"]["document_id"] == gold.document_id and "annotators" not in task["data"]
    result = task["predictions"][0]["result"]
    regions = {
        (r["value"]["start"], r["value"]["end"], r["value"]["labels"][0]) for r in result if r["type"] == "labels"
    }
    mentions = {(m.start, m.end, MENTION_LABELS[m.form]) for o in gold.officials for m in o.mentions}
    contents = {(s.start, s.end, "Attribution content") for a in gold.attributions for s in a.contents}
    assert mentions | contents <= regions
    by_official = [a for a in gold.attributions if a.source.type == "official"]
    assert sum(r["labels"] == ["source"] for r in result if r["type"] == "relation") == len(by_official)
    # what an extractor does not predict (an official's participation) is left to the annotator: until then
    # the import refuses, saying where
    capsys.readouterr()
    code = _import(
        out / "tasks.json",
        CORPUS,
        tmp_path / "back",
        "--predictions",
        "--annotator",
        "me",
        "--guidelines-version",
        "2.0",
    )
    err = capsys.readouterr().err
    assert code == 1 and "participation: required field" in err and "[missing-field]" in err
    assert "annotators" not in err and "guidelines_version" not in err
    assert not (tmp_path / "back").exists()


@pytest.fixture
def label_studio(tmp_path_factory):  # one test uses it: the server stops as soon as that test ends
    venv = find_venv()
    if venv is None:
        pytest.skip(
            f"Label Studio is not installed: .ci/run installs label-studio=={VERSION} into /opt/label-studio-venv "
            "(or set COMMUNIQUE_LABEL_STUDIO_VENV to a virtualenv that has it)"
        )
    with running_label_studio(venv, tmp_path_factory.mktemp("label-studio-data")) as server:
        yield server


@pytest.mark.timeout(900)  # a cold start migrates a fresh database: up to READY_TIMEOUT (300 s) alone
def test_round_trip_through_a_real_label_studio_server(label_studio, both, tmp_path: Path):
    corpus, annotations, expected = both
    ls = _export(annotations, corpus, tmp_path / "ls")
    client = Path(__file__).with_name("label_studio_client.py")
    done = subprocess.run(
        [
            str(label_studio.python),
            str(client),
            label_studio.url,
            label_studio.token,
            str(ls / "config.xml"),
            str(ls / "tasks.json"),
            str(tmp_path / "from-server"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1]) | {"project": 0} == {"project": 0, "tasks": 2, "annotations": 2}
    export = tmp_path / "from-server" / "export.json"
    assert _import(export, corpus, tmp_path / "back") == 0  # the submitted annotations, as the server exports them
    # not --strict: the documents hold items marked `review: draft`, and the round trip keeps the marks
    assert main(["validate", "--corpus", str(corpus), str(tmp_path / "back")]) == 0
    back = {d.document_id: d for d in load_annotations(tmp_path / "back", corpus)}
    assert back == expected
    log = label_studio.log.read_text(encoding="utf-8", errors="replace")
    assert "Starting new HTTP" not in log  # the server reached nothing outside this machine


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10_000) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def exported_tasks(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("ls-fuzz")
    _export(GOLD, CORPUS, out)
    return json.loads((out / "tasks.json").read_text(encoding="utf-8"))


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_any_damage_to_an_export_is_reported_never_raised(exported_tasks, tmp_path_factory, data):
    """Whatever a tool or a hand edit does to an export, the import reports located issues; no traceback."""
    tasks = json.loads(json.dumps(exported_tasks))
    result = tasks[0]["predictions"][0]["result"]
    places = [tasks[0], tasks[0]["data"], *result[:60], *(r["value"] for r in result[:60] if "value" in r)]
    for _ in range(data.draw(st.integers(1, 3), label="damages")):
        target = places[data.draw(st.integers(0, len(places) - 1), label="place")]
        if isinstance(target, dict) and target:
            target[data.draw(st.sampled_from(sorted(target)), label="key")] = data.draw(_JSON, label="value")
    path = tmp_path_factory.mktemp("damaged") / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    outcome = import_label_studio(path, CORPUS, predictions=True)
    assert outcome.documents or outcome.issues
    assert all(i.file == str(path) and i.line is not None for i in outcome.issues)
