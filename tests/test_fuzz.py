"""Fuzzing the readers: mutated annotation files never raise, and every problem is located and coded.

Bounded: a fixed number of examples per property, no deadlines, so the suite stays fast and repeatable.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from communique import CATALOGUE
from communique.annotate.rewrite import anchor_file
from communique.annotate.validate import validate_file
from communique.corpus.store import CorpusStore

from .conftest import CORPUS, FIXTURES

VALID_TEXT = (FIXTURES / "valid" / "minimal.yaml").read_text(encoding="utf-8")
VALID_JSON = (FIXTURES / "valid" / "minimal.json").read_text(encoding="utf-8")
STORE = CorpusStore(CORPUS)
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@st.composite
def mutated(draw: st.DrawFn, source: str) -> bytes:
    data = source.encode("utf-8")
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(
            st.sampled_from(
                [
                    "delete-line",
                    "truncate",
                    "bytes",
                    "replace-value",
                    "shift-offset",
                    "huge",
                    "deep",
                    "duplicate-line",
                    "swap-type",
                ]
            )
        )
        lines = data.split(b"\n")
        i = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete-line":
            del lines[i]
        elif kind == "duplicate-line":
            lines.insert(i, lines[i])
        elif kind == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
            continue
        elif kind == "bytes":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
            continue
        elif kind == "replace-value" and b": " in lines[i]:
            key = lines[i].split(b": ", 1)[0]
            value = draw(st.sampled_from([b"null", b"[]", b"{}", b"-1", b"3.5", b"true", b"'x'", b'"\\u0000"', b"~"]))
            lines[i] = key + b": " + value
        elif kind == "shift-offset":
            lines[i] = lines[i].replace(b"start: ", b"start: 1", 1).replace(b'"start": ', b'"start": 1', 1)
        elif kind == "huge":
            lines[i] = lines[i].replace(b"end: ", b"end: 99999999999999999999999", 1)
        elif kind == "deep":
            depth = draw(st.integers(50, 400))  # deeper nesting: test_deeply_nested_json_is_reported
            lines.insert(i, b"x: " + b"[" * depth + b"]" * depth)
        elif kind == "swap-type":
            lines[i] = lines[i].replace(b"{", b"[", 1).replace(b"}", b"]", 1)
        data = b"\n".join(lines)
    return data


def _check(path: Path) -> None:
    report = validate_file(path, STORE)  # must not raise
    assert report.ok == (report.document is not None)
    for found in report.issues:
        assert found.code in CATALOGUE
        assert found.file == str(path) and found.line is not None and found.line >= 1 and found.column >= 1
        assert found.path.startswith("$") and found.message


@given(mutated(VALID_TEXT))
@FUZZ
def test_mutated_yaml_never_raises_and_is_located(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    _check(path)


@given(mutated(VALID_JSON))
@FUZZ
def test_mutated_json_never_raises_and_is_located(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.json"
    path.write_bytes(data)
    _check(path)


@given(st.binary(max_size=300))
@FUZZ
def test_random_bytes_never_raise(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    report = validate_file(path, STORE)
    assert not report.ok and report.issues


@given(mutated(VALID_TEXT.replace("{start: 182, end: 247, text:", "{text:")))
@settings(FUZZ, max_examples=40)  # each example may re-read the file with the (slower) round-trip parser
def test_anchor_never_raises_and_never_half_writes(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "doc.yaml"
    path.write_bytes(data)
    result = anchor_file(path, CORPUS)
    if result.issues or not result.changed:
        assert path.read_bytes() == data  # nothing written unless everything resolved
    else:  # written whole: it parses again, and nothing is left to anchor
        assert not any(i.code in ("yaml-syntax", "span-unanchored") for i in validate_file(path, STORE).issues)
        assert anchor_file(path, CORPUS).changed is False


def test_yaml_loading_constructs_no_objects(tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("!!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    report = validate_file(path, STORE)
    assert [i.code for i in report.issues] == ["yaml-syntax"]


def test_deeply_nested_json_is_reported(tmp_path: Path):
    path = tmp_path / "doc.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    report = validate_file(path, STORE)
    (found,) = report.issues
    assert found.code in ("too-deep", "type-error")
    assert (found.file, found.line, found.column) == (str(path), 1, 1)  # located, though the parser gave up
    assert json.loads(json.dumps(found.to_dict())) == found.to_dict()  # and fit for the JSON report


def test_deeply_nested_yaml_is_reported(tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("officials: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    report = validate_file(path, STORE)
    assert not report.ok and all(i.line is not None for i in report.issues)
