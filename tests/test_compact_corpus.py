"""The compact corpus: the text once, spans as offset arrays, read back into the same spans (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from communique.corpus.build import make_document, serialise
from communique.corpus.store import CorpusStore, CorpusUnreadable, SpanLike
from communique.schema.models import CorpusDocument, SeedMetadata
from communique.synth.generate import synthesise

from .conftest import FIXTURES

META = {"id": "compact-doc", "source_file": "compact-doc.txt", "source_sha256": "0" * 64, "language": "en"}
SAMPLE = (
    "ANKARA — Minister Ayşe Kaya met General Okafor on Monday.\n\n"
    "Background\n\n"
    "“We will deepen our cooperation,” Kaya said. Okafor agreed; talks resume in 2026.\n"
)


def _document(text: str) -> CorpusDocument:
    return make_document(text.encode("utf-8"), SeedMetadata.model_validate(META))


words = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
texts = st.lists(st.lists(words, min_size=1, max_size=8).map(" ".join), min_size=1, max_size=6).map("\n\n".join)


@given(texts)
@settings(max_examples=60, deadline=None)
def test_stored_form_reads_back_to_the_same_document(text: str):
    document = _document(text)
    stored = serialise(document)
    again = CorpusDocument.model_validate_json(stored)
    assert again == document
    assert serialise(again) == stored  # deterministic: the build's --check compares these bytes


def test_spans_are_stored_once_and_a_news_article_takes_at_most_three_times_its_text(tmp_path: Path):
    list(synthesise(tmp_path, 3, 11))  # news-like articles of about 8,000 characters
    files = sorted((tmp_path / "corpus").glob("*.json"))
    assert len(files) == 3
    for path in files:
        stored = path.read_text(encoding="utf-8")
        document = CorpusDocument.model_validate_json(stored)
        assert set(json.loads(stored)["tokens"]) == {"starts", "lengths"} and len(document.tokens) > 1000
        assert len(stored.encode("utf-8")) <= 3 * len(document.text.encode("utf-8"))


def test_the_store_view_gives_the_spans_of_the_document(tmp_path: Path):
    document = _document(SAMPLE * 3)
    (tmp_path / "compact-doc.json").write_text(serialise(document), encoding="utf-8")
    view = CorpusStore(tmp_path).view("compact-doc")
    assert view is not None

    def triple(span: SpanLike | None) -> tuple[int, int, str] | None:
        return None if span is None else (span.start, span.end, span.text)

    for name in ("paragraphs", "headings", "sentences", "tokens"):
        assert [triple(s) for s in getattr(view, name)] == [triple(s) for s in getattr(document, name)], name
    assert [(triple(s.heading), triple(s.span), list(s.paragraphs)) for s in view.sections] == [
        (triple(s.heading), triple(s.span), s.paragraphs) for s in document.sections
    ]
    assert any(s.heading for s in view.sections) and len(view.tokens) > 50


def test_the_older_span_form_is_still_read(tmp_path: Path):
    legacy = sorted((FIXTURES / "newtexts" / "corpus").glob("*.json"))
    assert legacy
    data = json.loads(legacy[0].read_text(encoding="utf-8"))
    assert isinstance(data["tokens"], list)  # span objects, written before the compact form
    document = CorpusDocument.model_validate(data)
    assert CorpusDocument.model_validate_json(serialise(document)) == document


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["tokens"]["lengths"].pop(),  # arrays of different lengths
        lambda d: d["tokens"]["starts"].__setitem__(0, 10**6),  # past the end of the text
        lambda d: d["tokens"]["lengths"].__setitem__(0, 0),  # an empty span
        lambda d: d["sections"][0].__setitem__("span", [0]),
    ],
)
def test_bad_offsets_are_refused(tmp_path: Path, damage):
    data = json.loads(serialise(_document(SAMPLE)))
    damage(data)
    with pytest.raises(ValidationError):
        CorpusDocument.model_validate(data)
    (tmp_path / "compact-doc.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CorpusUnreadable):
        CorpusStore(tmp_path).view("compact-doc")
