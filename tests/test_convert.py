"""``communique convert``: each format read from output made by the real library where it installs here.

The documents are short texts written for these tests, in a corpus folder of their own.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from communique.bench import score
from communique.cli.main import main
from communique.corpus.build import make_document, serialise
from communique.formats.builder import Converted, prediction_json
from communique.formats.convert import convert_path
from communique.schema.errors import CommuniqueError
from communique.schema.models import SeedMetadata
from communique.schema.predictions import PredictedDocument

from .conftest import CORPUS, DOC_ID, GOLD

TEXT = (
    "Defence Minister Anna Berg met her Polish counterpart Jan Kowal in Oslo on Monday.\n\n"
    "“We will deepen our cooperation in the coming years,” Berg said.\n\n"
    "Kowal said that Poland would send observers to the exercise."
)
QUOTE_ONLY = "“We will deepen our cooperation,” Berg said."


def _write_corpus(folder: Path, docs: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for doc_id, text in docs.items():
        meta = SeedMetadata(
            id=doc_id,
            source_file=f"{doc_id}.txt",
            source_sha256="0" * 64,
            language="en",
            dateline=None,
            title=None,
            publication_date=None,
            url=None,
            publisher=None,
            licence=None,
        )
        (folder / f"{doc_id}.json").write_text(serialise(make_document(text.encode(), meta)), encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus", {"talks": TEXT, "quote": QUOTE_ONLY})


def _valid(line: dict[str, Any]) -> PredictedDocument:
    """The line is a prediction of format 2.0 (attributions, not quotes)."""
    assert "quotes" not in line and isinstance(line["attributions"], list)
    return PredictedDocument.model_validate(line)


def _at(text: str, piece: str, nth: int = 1) -> tuple[int, int]:
    start = -1
    for _ in range(nth):
        start = text.index(piece, start + 1)
    return start, start + len(piece)


def _span(text: str, piece: str, nth: int = 1) -> dict[str, Any]:
    start, end = _at(text, piece, nth)
    return {"start": start, "end": end, "text": piece}


def _lines(result: Converted) -> list[dict[str, Any]]:
    """The predictions of a conversion, as the JSON Lines ``convert`` writes hold them."""
    return [json.loads(prediction_json(line)) for line in result.lines]


def _mentions(line: dict[str, Any]) -> dict[str, list[str]]:
    return {o["name"]: [m["text"] for m in o["mentions"]] for o in line["officials"]}


# -- spaCy DocBin


def test_spacy_docbin_entities_become_mentions_and_span_groups_quotes(corpus: Path, tmp_path: Path):
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.tokens import DocBin, Span

    nlp = spacy.blank("en")  # no model: a blank pipeline, entities set by hand as a tagger would
    doc = nlp(TEXT)
    doc.ents = [
        doc.char_span(*_at(TEXT, "Anna Berg"), label="PERSON"),
        doc.char_span(*_at(TEXT, "Jan Kowal"), label="PERSON"),
        doc.char_span(*_at(TEXT, "Berg", 2), label="PERSON"),
        doc.char_span(*_at(TEXT, "Oslo"), label="GPE"),
    ]
    content = doc.char_span(*_at(TEXT, "“We will deepen our cooperation in the coming years,”"))
    doc.spans["quotes"] = [
        Span(doc, content.start, content.end, label="QUOTE"),
        doc.char_span(*_at(TEXT, "said"), label="CUE"),
        doc.char_span(*_at(TEXT, "Berg", 2), label="SPEAKER"),
    ]
    path = tmp_path / "talks.spacy"
    DocBin(docs=[doc], store_user_data=True).to_disk(path)

    result = convert_path("spacy", path, corpus)
    (line,) = _lines(result)
    _valid(line)
    assert line["document_id"] == "talks"  # found by its text
    assert _mentions(line) == {"Anna Berg": ["Anna Berg", "Berg"], "Jan Kowal": ["Jan Kowal"]}
    (quote,) = line["attributions"]
    assert quote["contents"] == [_span(TEXT, "“We will deepen our cooperation in the coming years,”")]
    assert quote["cues"] == [_span(TEXT, "said")]
    berg = next(o["id"] for o in line["officials"] if o["name"] == "Anna Berg")
    assert quote["speaker_id"] == berg
    assert [i.code for i in result.issues] == ["convert-label-skipped"]  # GPE has no place, and says so
    assert "GPE (1)" in result.issues[0].message


def test_spacy_docbin_by_document_id_with_another_text_goes_by_text(corpus: Path, tmp_path: Path):
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    other = TEXT.replace("\n\n", " ")  # a tool that joined the paragraphs
    doc = nlp(other)
    doc.ents = [doc.char_span(*_at(other, "Berg", 2), label="PERSON")]
    doc.user_data["document_id"] = "talks"
    path = tmp_path / "joined.spacy"
    DocBin(docs=[doc], store_user_data=True).to_disk(path)

    result = convert_path("spacy", path, corpus)
    (line,) = _lines(result)
    assert line["officials"][0]["mentions"] == [{"text": "Berg", "occurrence": 2, "form": "name"}]  # no offsets
    assert "text_sha256" not in line
    assert [i.code for i in result.issues] == ["convert-text-differs"]
    anchoring = score_lines(corpus, [line])
    assert anchoring.get("unanchored", 0) == 0 and sum(anchoring.values()) == 1


def score_lines(corpus: Path, lines: list[dict[str, Any]]) -> dict[str, int]:
    from communique.bench import parse_predictions

    parsed = parse_predictions(lines, corpus)
    assert [i for i in parsed.issues if i.severity.value == "error"] == []
    return dict(parsed.anchoring)


def test_spacy_unknown_document_and_not_a_docbin_are_errors(corpus: Path, tmp_path: Path):
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.tokens import DocBin

    path = tmp_path / "other.spacy"
    DocBin(docs=[spacy.blank("en")("A text that is in no corpus.")]).to_disk(path)
    with pytest.raises(CommuniqueError) as caught:
        convert_path("spacy", path, corpus)
    assert [i.code for i in caught.value.issues] == ["unknown-document"]
    assert caught.value.issues[0].file == str(path)

    garbage = tmp_path / "garbage.spacy"
    garbage.write_bytes(b"not msgpack at all")
    with pytest.raises(CommuniqueError) as caught:
        convert_path("spacy", garbage, corpus)
    assert [i.code for i in caught.value.issues] == ["convert-bad-input"]


# -- textacy


def _parsed_quote_doc() -> Any:
    """A parsed Doc of QUOTE_ONLY, attributes set by hand as a parser would (no model downloads here)."""
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.tokens import Doc

    words = ["“", "We", "will", "deepen", "our", "cooperation", ",", "”", "Berg", "said", "."]
    spaces = [False, True, True, True, True, False, False, True, True, False, False]
    pos = ["PUNCT", "PRON", "AUX", "VERB", "PRON", "NOUN", "PUNCT", "PUNCT", "PROPN", "VERB", "PUNCT"]
    deps = ["punct", "nsubj", "aux", "ccomp", "poss", "dobj", "punct", "punct", "nsubj", "ROOT", "punct"]
    heads = [3, 3, 3, 9, 5, 3, 9, 9, 9, 9, 9]
    lemmas = ["“", "we", "will", "deepen", "our", "cooperation", ",", "”", "Berg", "say", "."]
    doc = Doc(
        spacy.blank("en").vocab,
        words=words,
        spaces=spaces,
        pos=pos,
        deps=deps,
        heads=heads,
        lemmas=lemmas,
        sent_starts=[True] + [False] * 10,
        ents=["O"] * 8 + ["B-PERSON", "O", "O"],
    )
    assert doc.text == QUOTE_ONLY
    return doc


def test_textacy_direct_quotations_become_direct_quotes(corpus: Path, tmp_path: Path):
    pytest.importorskip("textacy", reason="textacy is in the `convert` and `test` extras")
    from spacy.tokens import DocBin
    from textacy.extract.triples import direct_quotations

    doc = _parsed_quote_doc()
    assert len(list(direct_quotations(doc))) == 1  # textacy's own function finds it
    path = tmp_path / "parsed.spacy"
    DocBin(docs=[doc], attrs=["POS", "TAG", "DEP", "HEAD", "LEMMA", "ENT_IOB", "ENT_TYPE", "SENT_START"]).to_disk(path)

    (line,) = _lines(convert_path("textacy", path, corpus))
    _valid(line)
    assert line["document_id"] == "quote"
    (quote,) = line["attributions"]
    assert quote["kind"] == "direct"
    assert quote["contents"] == [_span(QUOTE_ONLY, "“We will deepen our cooperation,”")]
    assert quote["cues"] == [_span(QUOTE_ONLY, "said")]
    assert quote["speaker_span"] == _span(QUOTE_ONLY, "Berg") and "speaker_id" not in quote  # no invented id
    assert line["officials"][0]["mentions"] == [{**_span(QUOTE_ONLY, "Berg"), "form": "name"}]


def test_textacy_bailing_out_on_a_document_is_a_warning(corpus: Path, tmp_path: Path):
    pytest.importorskip("textacy", reason="textacy is in the `convert` and `test` extras")
    from spacy.tokens import Doc, DocBin

    parsed = _parsed_quote_doc()
    words = [t.text for t in parsed][1:]  # drop the opening mark: an odd number of quotation marks
    doc = Doc(parsed.vocab, words=words, spaces=[bool(t.whitespace_) for t in parsed][1:],
              deps=[t.dep_ for t in parsed][1:], heads=[t.head.i - 1 if t.head.i else 2 for t in parsed][1:],
              pos=[t.pos_ for t in parsed][1:], lemmas=[t.lemma_ for t in parsed][1:])  # fmt: skip
    corpus_text = doc.text
    _write_corpus(corpus, {"unclosed": corpus_text})
    path = tmp_path / "unclosed.spacy"
    DocBin(docs=[doc], attrs=["POS", "DEP", "HEAD", "LEMMA", "SENT_START"]).to_disk(path)
    result = convert_path("textacy", path, corpus)
    # refused as a whole, then paragraph by paragraph: its one paragraph is refused too, and the warning says so
    assert [i.code for i in result.issues] == ["convert-per-paragraph"]
    assert "quotation marks" in result.issues[0].message and "paragraph(s) 1" in result.issues[0].message
    assert _lines(result)[0]["document_id"] == "unclosed" and _lines(result)[0]["attributions"] == []


def test_textacy_needs_a_parse(corpus: Path, tmp_path: Path):
    pytest.importorskip("textacy", reason="textacy is in the `convert` and `test` extras")
    import spacy
    from spacy.tokens import DocBin

    path = tmp_path / "unparsed.spacy"
    DocBin(docs=[spacy.blank("en")(QUOTE_ONLY)]).to_disk(path)
    with pytest.raises(CommuniqueError) as caught:
        convert_path("textacy", path, corpus)
    assert caught.value.issues[0].code == "convert-bad-input"
    assert "dependency parse" in caught.value.issues[0].message


# -- CoNLL / IOB2

CONLL = """-DOCSTART- talks

Defence O
Minister O
Anna B-PER
Berg I-PER
met O
her O
Polish O
counterpart O
Jan B-PER
Kowal I-PER
in O
Oslo B-LOC
on O
Monday O
. O

“ B-QUOTE
We I-QUOTE
will I-QUOTE
deepen I-QUOTE
our I-QUOTE
cooperation I-QUOTE
in I-QUOTE
the I-QUOTE
coming I-QUOTE
years I-QUOTE
, I-QUOTE
” I-QUOTE
Berg B-PER
said B-CUE
. O
"""


def test_conll_iob2_tags_are_aligned_to_the_text(corpus: Path, tmp_path: Path):
    path = tmp_path / "talks.conll"
    path.write_text(CONLL, encoding="utf-8")
    result = convert_path("conll", path, corpus)
    (line,) = _lines(result)
    _valid(line)
    assert _mentions(line) == {"Anna Berg": ["Anna Berg", "Berg"], "Jan Kowal": ["Jan Kowal"]}
    (quote,) = line["attributions"]
    assert quote["contents"] == [_span(TEXT, "“We will deepen our cooperation in the coming years,”")]
    assert quote["cues"] == [_span(TEXT, "said")]
    assert [i.code for i in result.issues] == ["convert-label-skipped"]  # LOC


def test_conll_token_not_in_text_is_a_located_warning_and_a_missing_id_an_error(corpus: Path, tmp_path: Path):
    path = tmp_path / "bad.conll"
    path.write_text("# document_id = talks\nDefence O\nMinistre O\nAnna B-PER\nBerg I-PER\n", encoding="utf-8")
    result = convert_path("conll", path, corpus)
    assert [(i.code, i.line) for i in result.issues] == [("convert-token-unaligned", 3)]
    assert _mentions(_lines(result)[0]) == {"Anna Berg": ["Anna Berg"]}

    path.write_text("Defence O\nMinister O\n", encoding="utf-8")
    with pytest.raises(CommuniqueError) as caught:
        convert_path("conll", path, corpus)
    assert (caught.value.issues[0].code, caught.value.issues[0].line) == ("unknown-document", 1)


# -- Hugging Face token classification


def _pipeline_line(entities: list[dict[str, Any]]) -> str:
    return json.dumps({"document_id": "talks", "entities": entities}) + "\n"


def test_hf_pipeline_grouped_character_offsets(corpus: Path, tmp_path: Path):
    start, end = _at(TEXT, "Anna Berg")
    entities = [
        {"entity_group": "PER", "score": 0.98, "word": "Anna Berg", "start": start, "end": end},
        {
            "entity_group": "LOC",
            "score": 0.9,
            "word": "Oslo",
            "start": TEXT.index("Oslo"),
            "end": TEXT.index("Oslo") + 4,
        },
    ]
    path = tmp_path / "hf.jsonl"
    path.write_text(_pipeline_line(entities), encoding="utf-8")
    (line,) = _lines(convert_path("hf", path, corpus))
    (official,) = line["officials"]
    assert official["mentions"] == [{**_span(TEXT, "Anna Berg"), "form": "name", "confidence": 0.98}]


def test_hf_pipeline_per_token_words_without_offsets(corpus: Path, tmp_path: Path):
    entities = [
        {"entity": "B-PER", "score": 0.9, "index": 3, "word": "Anna"},
        {"entity": "I-PER", "score": 0.7, "index": 4, "word": "Be"},
        {"entity": "I-PER", "score": 0.8, "index": 5, "word": "##rg"},
        {"entity": "B-PER", "score": 0.6, "index": 9, "word": "Jan"},
        {"entity": "I-PER", "score": 0.6, "index": 10, "word": "Kowal"},
    ]
    path = tmp_path / "hf.jsonl"
    path.write_text(_pipeline_line(entities), encoding="utf-8")
    (line,) = _lines(convert_path("hf", path, corpus))
    anna = next(o for o in line["officials"] if o["name"] == "Anna Berg")
    assert [m["text"] for m in anna["mentions"]] == ["Anna Berg"]
    assert anna["mentions"][0]["confidence"] == pytest.approx(0.8)
    assert _mentions(line)["Jan Kowal"] == ["Jan Kowal"]


def test_hf_real_pipeline_output_converts(corpus: Path, tmp_path: Path):
    """A tiny, randomly initialised BERT built here: its labels are noise, its output format is real."""
    transformers = pytest.importorskip(
        "transformers", reason="transformers and torch are optional (`pip install -e .[hf]`, about 1 GB); not installed"
    )
    pytest.importorskip("torch", reason="the token-classification pipeline needs torch; not installed")
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = sorted({w for w in TEXT.replace("\n", " ").replace(".", " ").replace(",", " ").split()})
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]"
    )
    config = transformers.BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        id2label={0: "O", 1: "B-PER", 2: "I-PER"},
        label2id={"O": 0, "B-PER": 1, "I-PER": 2},
    )
    import torch

    torch.manual_seed(0)
    model = transformers.BertForTokenClassification(config)
    pipe = transformers.pipeline("token-classification", model=model, tokenizer=tokenizer, device="cpu")
    rows, lines = [], []
    for strategy in ("simple", "none"):  # one file each: one document may have one line only
        output = pipe(TEXT, aggregation_strategy=strategy)
        rows.append({"document_id": "talks", "entities": json.loads(json.dumps(output, default=float))})
        path = tmp_path / f"hf-{strategy}.jsonl"
        path.write_text(json.dumps(rows[-1]) + "\n", encoding="utf-8")
        result = convert_path("hf", path, corpus)
        assert len(_lines(result)) == 1
        lines.extend(_lines(result))
    grouped, per_token = lines
    for line in lines:
        _valid(line)
        for official in line["officials"]:
            for mention in official["mentions"]:
                assert TEXT[mention["start"] : mention["end"]] == mention["text"]
                assert 0 <= mention["confidence"] <= 1
    expected = {TEXT[e["start"] : e["end"]].strip() for e in rows[0]["entities"] if e["entity_group"] == "PER"}
    assert {m["text"] for o in grouped["officials"] for m in o["mentions"]} == expected - {""}
    tagged = [(e["start"], e["end"]) for e in rows[1]["entities"] if e["entity"] != "O"]
    for official in per_token["officials"]:
        for mention in official["mentions"]:  # each merged mention starts and ends on tagged tokens
            assert any(s == mention["start"] for s, _ in tagged) and any(e == mention["end"] for _, e in tagged)


# -- brat


def test_brat_export_of_the_gold_converts_back_to_a_perfect_score(tmp_path: Path):
    out = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(out), "--gold", str(GOLD), "--corpus", str(CORPUS)]) == 0
    result = convert_path("brat", out, CORPUS)
    lines = [line for line in _lines(result) if line["document_id"] == DOC_ID]
    assert lines, "the brat export holds the seed document"
    report = score(GOLD, lines, corpus=CORPUS, samples=10).report
    keys = (
        "mentions.strict",
        "officials.ceaf_e",
        "attributions.attributed",
        "meetings.identification",
        "meetings.mode",
    )
    for key in (
        *keys,
        "attributions.speech_act",
        "commitments.actors",
        "commitments.identification",
        "commitments.kind",
        "stances.actors",
        "stances.identification",
        "stances.kind",
    ):
        metric = report["metrics"][key]
        assert metric.get("f1", metric.get("accuracy")) == pytest.approx(1.0), key


def test_brat_stances_and_a_condition_convert_to_their_layers(tmp_path: Path):
    """`export brat` writes Stance events and a commitment's Condition; the converter puts them back."""
    v2 = Path(__file__).resolve().parent / "fixtures" / "v2"
    out = tmp_path / "brat"
    args = ["export", "brat", "--out", str(out), "--gold", str(v2 / "gold"), "--corpus", str(v2 / "corpus")]
    assert main(args) == 0
    result = convert_path("brat", out, v2 / "corpus")
    (line,) = _lines(result)
    assert line["schema_version"] == "2.1"
    assert [c["kind"] for c in line["commitments"]] == ["promise"]
    assert line["commitments"][0]["condition"]["text"] == "if Brazil asked for them"
    assert sorted(s["kind"] for s in line["stances"]) == sorted(
        ["praise", "invite", "request", "predict", "criticise", "reject"]
    )
    metrics = score(v2 / "gold", result.lines, corpus=v2 / "corpus", samples=10).report["metrics"]
    for key in ("commitments.condition_strict", "commitments.kind", "stances.kind", "stances.actors"):
        assert metrics[key]["f1"] == pytest.approx(1.0), key


def _ann(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def test_brat_v2_events_attributes_and_several_actors(corpus: Path, tmp_path: Path):
    """Format 2.0 brat as `export brat` writes it: Attribution events whose Source is an official's mention or
    a SourceMention, SpeechAct/Unresolved/MeetingMode/ModalityType attributes, numbered Actor roles with their
    countries in the note; format 1's names (Quote, Speaker, QuoteKind, kind pledge) are still read."""
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "talks.txt").write_text(TEXT, encoding="utf-8")
    t = {name: _at(TEXT, *piece) for name, piece in {
        "berg": ("Anna Berg",), "kowal": ("Jan Kowal",), "berg2": ("Berg", 2), "kowal2": ("Kowal", 2),
        "met": ("met her Polish counterpart Jan Kowal",), "said": ("said",), "said2": ("said", 2),
        "content": ("We will deepen our cooperation in the coming years,",),
        "content2": ("Poland would send observers to the exercise",), "will": ("will",),
        "deepen": ("deepen our cooperation in the coming years",),
    }.items()}  # fmt: skip
    ids = {name: f"T{i}" for i, name in enumerate(t, start=1)}
    label = {"met": "Meeting", "said": "Attribution", "said2": "Quote", "content": "AttributionContent",
             "content2": "QuoteContent", "will": "Modality", "deepen": "CommitmentContent"}  # fmt: skip
    lines = [f"{ids[n]}\t{label.get(n, 'Mention')} {s} {e}\t{TEXT[s:e]}" for n, (s, e) in t.items()]
    lines += [
        f"*\tEquiv {ids['berg']} {ids['berg2']}",
        f"*\tEquiv {ids['kowal']} {ids['kowal2']}",
        f"E1\tMeeting:{ids['met']} Participant:{ids['berg']} Participant2:{ids['kowal']}",
        "A1\tMeetingMode E1 in_person",
        "A2\tStatus E1 stated",
        f"E2\tAttribution:{ids['said']} Content:{ids['content']} Source:{ids['berg2']}",
        "A3\tAttributionKind E2 direct",
        "A4\tSpeechAct E2 commissive",
        f"E3\tQuote:{ids['said2']} Content:{ids['content2']} Speaker:{ids['kowal2']}",
        "A5\tQuoteKind E3 indirect",
        f"E4\tCommitment:{ids['content']} Actor:{ids['berg2']} Actor2:{ids['kowal2']} Content:{ids['deepen']}"
        f" Modality:{ids['will']}",
        "A6\tCommitmentKind E4 pledge",
        "A7\tModalityType E4 deontic",
        "#1\tAnnotatorNotes E4\tcommitment=c1; countries=-,POL",
        f"E5\tCommitment:{ids['content2']}",  # no actor: format 2.0 has no place for it
    ]
    (folder / "talks.ann").write_text(_ann(lines), encoding="utf-8")
    result = convert_path("brat", folder, corpus)
    (line,) = _lines(result)
    _valid(line)
    officials = {o["name"]: o["id"] for o in line["officials"]}
    (meeting,) = line["meetings"]
    assert (meeting["mode"], meeting["status"]) == ("in_person", "stated")
    assert [p["official_id"] for p in meeting["participants"]] == [officials["Anna Berg"], officials["Jan Kowal"]]
    direct, indirect = line["attributions"]
    assert (direct["speaker_id"], direct["kind"], direct["speech_act"]) == (
        officials["Anna Berg"],
        "direct",
        "commissive",
    )
    assert (indirect["kind"], indirect["contents"]) == (
        "indirect",
        [_span(TEXT, "Poland would send observers to the exercise")],
    )
    assert "speech_act" not in indirect  # not given: not guessed
    (commitment,) = line["commitments"]
    assert commitment["kind"] == "promise"  # format 1's pledge
    assert commitment["actors"] == [
        {"official_id": officials["Anna Berg"]},
        {"official_id": officials["Jan Kowal"], "country": "POL"},
    ]
    assert commitment["modality_type"] == "deontic"
    assert commitment["modality"] == _span(TEXT, "will")
    assert [i.code for i in result.issues] == ["convert-label-skipped"]
    assert "commitment without an actor (1)" in result.issues[0].message


NEWTEXTS = Path(__file__).resolve().parent / "fixtures" / "newtexts"


def test_brat_export_of_gold_with_sources_converts_back_to_a_perfect_score(tmp_path: Path):
    gold, corpus = NEWTEXTS / "gold" / "widened", NEWTEXTS / "corpus"  # "the ministry said", "the statement"
    out = tmp_path / "brat"
    assert main(["export", "brat", "--out", str(out), "--gold", str(gold), "--corpus", str(corpus)]) == 0
    result = convert_path("brat", out, corpus)
    assert result.issues == [] and len(_lines(result)) == 3
    assert any(line["sources"] for line in _lines(result))
    report = score(gold, result.lines, corpus=corpus, samples=10).report
    undefined = set()
    for key, metric in report["metrics"].items():
        value = metric.get("f1", metric.get("accuracy"))
        if value is None:  # 0/0: a field neither side has
            undefined.add(key)
            assert metric.get("gold", 0) == metric.get("pred", 0) == 0, key
        else:
            assert value == pytest.approx(1.0), key
    assert undefined == {"commitments.condition_strict", "commitments.condition_overlap"}  # the gold states none
    assert report["metrics"]["sources.attributed"]["f1"] == pytest.approx(1.0)
    assert report["metrics"]["stances.identification"]["tp"] > 0 and report["metrics"]["commitments.kind"]["tp"] > 0


def test_brat_sources_and_unresolved_sources(corpus: Path, tmp_path: Path):
    text = "The ministry said, according to a statement, that “talks will go on.” It was stated that all went well."
    corpus = _write_corpus(tmp_path / "corpus", {"ministry": text})
    folder = tmp_path / "ann"
    folder.mkdir()
    t = {n: _at(text, p) for n, p in {"ministry": "ministry", "statement": "statement", "said": "said",
         "stated": "stated", "c1": "talks will go on.", "c2": "all went well"}.items()}  # fmt: skip
    label = {"ministry": "SourceMention", "statement": "SourceMention", "said": "Attribution", "stated": "Attribution"}
    ids = {n: f"T{i}" for i, n in enumerate(t, start=1)}
    lines = [f"{ids[n]}\t{label.get(n, 'AttributionContent')} {s} {e}\t{text[s:e]}" for n, (s, e) in t.items()]
    lines += [
        "A1\tSourceType T1 institution",
        "A2\tSourceType T2 statement",
        "#1\tAnnotatorNotes T1\tsource=s7; country=NOR",
        "#2\tAnnotatorNotes T2\tsource=s8",
        f"E1\tAttribution:{ids['said']} Content:{ids['c1']} Source:{ids['ministry']}",
        f"E2\tAttribution:{ids['stated']} Content:{ids['c2']}",
        "A3\tUnresolved E2 unnamed",
    ]
    (folder / "ministry.ann").write_text(_ann(lines), encoding="utf-8")
    result = convert_path("brat", folder, corpus)
    assert result.issues == []  # the unused statement source is read, not skipped
    (line,) = _lines(result)
    _valid(line)
    ministry, statement = line["sources"]
    assert (ministry["type"], ministry["country"], ministry["mentions"]) == (
        "institution",
        "NOR",
        [_span(text, "ministry")],
    )
    assert statement["type"] == "statement" and "country" not in statement
    said, stated = line["attributions"]
    assert said["source_id"] == ministry["id"] and "speaker_id" not in said
    assert stated["source_unresolved"] == "unnamed"


def test_brat_plain_entities_and_a_bad_line(corpus: Path, tmp_path: Path):
    folder = tmp_path / "ann"
    folder.mkdir()
    (folder / "talks.txt").write_text(TEXT, encoding="utf-8")
    s, e = _at(TEXT, "Jan Kowal")
    (folder / "talks.ann").write_text(f"T1\tPerson {s} {e}\tJan Kowal\n", encoding="utf-8")
    (line,) = _lines(convert_path("brat", folder, corpus))
    assert _mentions(line) == {"Jan Kowal": ["Jan Kowal"]}

    (folder / "talks.ann").write_text("T1\tPerson x y\tJan\n", encoding="utf-8")
    with pytest.raises(CommuniqueError) as caught:
        convert_path("brat", folder, corpus)
    assert (caught.value.issues[0].code, caught.value.issues[0].line) == ("convert-bad-input", 1)


# -- Label Studio


def _ls_result(rid: str, piece: str, label: str, nth: int = 1, text: str = TEXT) -> dict[str, Any]:
    s, e = _at(text, piece, nth)
    return {"id": rid, "type": "labels", "from_name": "label", "to_name": "text",
            "value": {"start": s, "end": e, "text": piece, "labels": [label]}}  # fmt: skip


def test_labelstudio_export_with_relations(corpus: Path, tmp_path: Path):
    results = [
        _ls_result("a", "Anna Berg", "Person"),
        _ls_result("b", "Berg", "Person", 2),
        _ls_result("q", "We will deepen our cooperation in the coming years,", "Quote"),
        _ls_result("c", "said", "Cue"),
        _ls_result("s", "Berg", "Speaker", 2),
        {"type": "relation", "from_id": "s", "to_id": "q", "direction": "right"},
        {"type": "relation", "from_id": "c", "to_id": "q", "direction": "right"},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 7, "data": {"text": TEXT}, "annotations": [{"result": results}]}]))
    (line,) = _lines(convert_path("labelstudio", path, corpus))
    _valid(line)
    (quote,) = line["attributions"]
    assert quote["speaker_id"] == line["officials"][0]["id"]
    assert quote["cues"] == [_span(TEXT, "said")]


def test_labelstudio_labels_of_the_communique_config(corpus: Path, tmp_path: Path):
    """The labels `communique export label-studio` configures ("Mention: name", "Attribution content", ...)."""
    results = [
        _ls_result("a", "Anna Berg", "Mention: name"),
        _ls_result("b", "Berg", "Mention: name", 2),
        _ls_result("q", "We will deepen our cooperation in the coming years,", "Attribution content"),
        _ls_result("c", "said", "Attribution cue"),
        _ls_result("s", "Berg", "Attribution source", 2),
        {"type": "relation", "from_id": "q", "to_id": "s", "labels": ["source"]},
        {"type": "relation", "from_id": "q", "to_id": "c"},
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps([{"id": 7, "data": {"text": TEXT}, "annotations": [{"result": results}]}]))
    result = convert_path("labelstudio", path, corpus)
    (line,) = _lines(result)
    _valid(line)
    assert result.issues == []
    (attribution,) = line["attributions"]
    assert attribution["speaker_id"] == line["officials"][0]["id"]
    assert attribution["cues"] == [_span(TEXT, "said")]


def test_labelstudio_utf16_offsets_are_converted(tmp_path: Path):
    text = "The minister 🇮🇷 Anna Berg spoke to the press at length about the talks."
    corpus = _write_corpus(tmp_path / "corpus", {"emoji": text})
    s, e = _at(text, "Anna Berg")
    flag = 2  # the flag is two code points, four UTF-16 units: a browser counts two more
    value = {"start": s + flag, "end": e + flag, "text": "Anna Berg", "labels": ["PER"]}
    task = {"data": {"text": text}, "annotations": [{"result": [{"id": "x", "type": "labels", "value": value}]}]}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([task]), encoding="utf-8")
    (line,) = _lines(convert_path("labelstudio", path, corpus))
    assert line["officials"][0]["mentions"][0] == {**_span(text, "Anna Berg"), "form": "name"}


# -- the command


def test_cli_convert_writes_lines_and_reports_bad_input(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    path = tmp_path / "talks.conll"
    path.write_text(CONLL, encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    assert main(["convert", "--from", "conll", str(path), "--out", str(out), "--corpus", str(corpus)]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["document_id"] for x in lines] == ["talks"]
    assert "[convert-label-skipped]" in capsys.readouterr().err

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"document_id": "talks", "entities": [\n', encoding="utf-8")
    out2 = tmp_path / "never.jsonl"
    assert main(["convert", "--from", "hf", str(bad), "--out", str(out2), "--corpus", str(corpus)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "[json-syntax]" in err and "Traceback" not in err
    assert not out2.exists()
    assert main(["convert", "--from", "hf", str(tmp_path / "missing.jsonl"), "--corpus", str(corpus)]) == 2
    assert main(["convert", "--from", "conll", str(path), "--corpus", str(corpus), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["command"], document["from"], document["documents"]) == ("convert", "conll", 1)
    assert [p["document_id"] for p in document["predictions"]] == ["talks"]
    assert [p["code"] for p in document["problems"]] == ["convert-label-skipped"]


def test_conll_written_by_spacys_own_iob_functions(corpus: Path, tmp_path: Path):
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.training import biluo_to_iob, offsets_to_biluo_tags

    doc = spacy.blank("en")(TEXT)
    entities = [(*_at(TEXT, "Anna Berg"), "PER"), (*_at(TEXT, "Jan Kowal"), "PER"), (*_at(TEXT, "Berg", 2), "PER")]
    tags = biluo_to_iob(offsets_to_biluo_tags(doc, entities))
    rows = [f"{token.text} {tag}" for token, tag in zip(doc, tags) if not token.is_space]
    path = tmp_path / "spacy.iob"
    path.write_text("# document_id = talks\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = convert_path("conll", path, corpus)
    assert result.issues == []
    assert _mentions(_lines(result)[0]) == {"Anna Berg": ["Anna Berg", "Berg"], "Jan Kowal": ["Jan Kowal"]}


def test_the_command_offers_every_format():
    from communique.cli.convert import FORMAT_NAMES
    from communique.formats.convert import FORMATS

    assert set(FORMAT_NAMES) == set(FORMATS)


@given(
    text=st.text(alphabet="ab \n“”é🇮", min_size=1, max_size=40),
    bounds=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    same=st.booleans(),
)
def test_builder_spans_are_exact_or_point_back_to_their_occurrence(text: str, bounds: tuple[int, int], same: bool):
    from communique.formats.builder import DocumentBuilder, Target

    start, end = sorted(bounds)
    target = Target("t", text if same else text + "x", "0" * 64)
    span = DocumentBuilder(target, text, "test").span(start, end)
    if span is None:
        assert end > len(text) or not text[start:end].strip()
        return
    assert span.text == span.text.strip() and span.text in text[start:end]
    if same:
        assert span.start is not None and span.end is not None and text[span.start : span.end] == span.text
    else:  # the occurrence-th occurrence in the source is where the span was
        found, at = [], -1
        while (at := text.find(span.text, at + 1)) != -1:
            found.append(at)
        lead = len(text[start:end]) - len(text[start:end].lstrip())
        assert span.occurrence is not None and found[span.occurrence - 1] == start + lead


# a news text whose last quotation runs across two paragraphs: the first opens without closing, as news
# writing does, so the document has an odd number of quotation marks and textacy refuses it as a whole
NEWS_PARAGRAPHS: list[list[tuple[str, str, str, int, str]]] = [
    # (word, part of speech, dependency, head index in the paragraph, lemma); a space follows every word
    # unless the next one is punctuation that closes
    [
        ("“", "PUNCT", "punct", 3, "“"),
        ("We", "PRON", "nsubj", 3, "we"),
        ("will", "AUX", "aux", 3, "will"),
        ("deepen", "VERB", "ccomp", 10, "deepen"),
        ("our", "PRON", "poss", 5, "our"),
        ("cooperation", "NOUN", "dobj", 3, "cooperation"),
        (",", "PUNCT", "punct", 10, ","),
        ("”", "PUNCT", "punct", 10, "”"),
        ("the", "DET", "det", 9, "the"),
        ("minister", "NOUN", "nsubj", 10, "minister"),
        ("said", "VERB", "ROOT", 10, "say"),
        (".", "PUNCT", "punct", 10, "."),
    ],
    [
        ("“", "PUNCT", "punct", 4, "“"),
        ("Our", "PRON", "poss", 2, "our"),
        ("navies", "NOUN", "nsubj", 4, "navy"),
        ("will", "AUX", "aux", 4, "will"),
        ("train", "VERB", "ccomp", 9, "train"),
        ("together", "ADV", "advmod", 4, "together"),
        (",", "PUNCT", "punct", 9, ","),
        ("”", "PUNCT", "punct", 9, "”"),
        ("he", "PRON", "nsubj", 9, "he"),
        ("said", "VERB", "ROOT", 9, "say"),
        (".", "PUNCT", "punct", 9, "."),
    ],
    [
        ("“", "PUNCT", "punct", 3, "“"),
        ("The", "DET", "det", 2, "the"),
        ("talks", "NOUN", "nsubj", 3, "talk"),
        ("were", "AUX", "ROOT", 3, "be"),
        ("useful", "ADJ", "acomp", 3, "useful"),
        ("and", "CCONJ", "cc", 4, "and"),
        ("long", "ADJ", "conj", 4, "long"),
        (".", "PUNCT", "punct", 3, "."),
    ],
    [
        ("“", "PUNCT", "punct", 3, "“"),
        ("We", "PRON", "nsubj", 3, "we"),
        ("will", "AUX", "aux", 3, "will"),
        ("meet", "VERB", "ccomp", 10, "meet"),
        ("again", "ADV", "advmod", 3, "again"),
        ("in", "ADP", "prep", 3, "in"),
        ("Oslo", "PROPN", "pobj", 5, "Oslo"),
        (",", "PUNCT", "punct", 10, ","),
        ("”", "PUNCT", "punct", 10, "”"),
        ("Kowal", "PROPN", "nsubj", 10, "Kowal"),
        ("said", "VERB", "ROOT", 10, "say"),
        (".", "PUNCT", "punct", 10, "."),
    ],
]


def _news_doc() -> Any:
    """A parsed Doc of the four paragraphs, every attribute set by hand as a parser sets it (no model is
    installed here: the English models are not on the package registry)."""
    spacy = pytest.importorskip("spacy", reason="spaCy is in the `convert` and `test` extras")
    from spacy.tokens import Doc

    words: list[str] = []
    spaces: list[bool] = []
    pos: list[str] = []
    deps: list[str] = []
    heads: list[int] = []
    lemmas: list[str] = []
    starts: list[bool] = []
    for number, paragraph in enumerate(NEWS_PARAGRAPHS):
        base = len(words)
        if number:  # the blank line: a whitespace token, attached to the paragraph before, as spaCy does
            words.append("\n\n")
            spaces.append(False)
            pos.append("SPACE")
            deps.append("dep")
            heads.append(heads[-1])
            lemmas.append("\n\n")
            starts.append(False)
            base += 1
        for i, (word, tag, dep, head, lemma) in enumerate(paragraph):
            following = paragraph[i + 1][0] if i + 1 < len(paragraph) else None
            words.append(word)
            spaces.append(following is not None and word != "“" and following not in {",", ".", "”"})
            pos.append(tag)
            deps.append(dep)
            heads.append(base + head)
            lemmas.append(lemma)
            starts.append(i == 0)
    ents = ["B-GPE" if w == "Oslo" else "B-PERSON" if w == "Kowal" else "O" for w in words]
    doc = Doc(
        spacy.blank("en").vocab,
        words=words,
        spaces=spaces,
        pos=pos,
        deps=deps,
        heads=heads,
        lemmas=lemmas,
        sent_starts=starts,
        ents=ents,
    )
    assert doc.text == NEWS
    return doc


NEWS = (
    "“We will deepen our cooperation,” the minister said.\n\n"
    "“Our navies will train together,” he said.\n\n"
    "“The talks were useful and long.\n\n"
    "“We will meet again in Oslo,” Kowal said."
)


def _news_gold(folder: Path, corpus: Path) -> Path:
    """The gold of NEWS: the minister (Lars Berg) said the first two quotations, Kowal the last."""
    from communique.corpus.store import CorpusStore

    document = CorpusStore(corpus).get("news")
    assert document is not None

    def span(piece: str) -> str:  # the first whole-token occurrence ("he", not the end of "the")
        found = re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", NEWS)
        assert found is not None
        start, end = found.span()
        return f"{{start: {start}, end: {end}, text: {json.dumps(piece, ensure_ascii=False)}}}"

    def said(nth: int) -> str:
        start = [i for i in range(len(NEWS)) if NEWS.startswith(" said", i)][nth - 1] + 1
        return f"{{start: {start}, end: {start + 4}, text: said}}"

    gold = f"""schema_version: "2.1"
document_id: news
text_sha256: {document.sha256}
guidelines_version: "2.1"
annotators: [test]
officials:
  - {{id: berg, name: Lars Berg, title: Defence Minister, rank: null, country: NOR, organisation: null,
     participation: mentioned,
     mentions: [{span("the minister")[:-1]}, form: nominal}}, {span("he")[:-1]}, form: pronoun}}]}}
  - {{id: kowal, name: Jan Kowal, title: null, rank: null, country: POL, organisation: null,
     participation: mentioned, mentions: [{span("Kowal")[:-1]}, form: name}}]}}
sources: []
meetings: []
attributions:
  - {{id: a1, source: {{type: official, official_id: berg}}, source_span: null, cues: [{said(1)}],
     contents: [{span("We will deepen our cooperation,")}], kind: direct, speech_act: commissive,
     addressee_id: null, meeting_id: null}}
  - {{id: a2, source: {{type: official, official_id: berg}}, source_span: null, cues: [{said(2)}],
     contents: [{span("Our navies will train together,")}], kind: direct, speech_act: commissive,
     addressee_id: null, meeting_id: null}}
  - {{id: a3, source: {{type: official, official_id: kowal}}, source_span: null, cues: [{said(3)}],
     contents: [{span("The talks were useful and long.")}, {span("We will meet again in Oslo,")}],
     kind: direct, speech_act: assertive, addressee_id: null, meeting_id: null}}
commitments: []
stances: []
"""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "news.yaml").write_text(gold, encoding="utf-8")
    return folder


def test_textacy_per_paragraph_quotations_score_as_the_same_quotations_given_by_speaker_span(tmp_path: Path):
    pytest.importorskip("textacy", reason="textacy is in the `convert` and `test` extras")
    from spacy.tokens import DocBin
    from textacy.extract.triples import direct_quotations

    corpus = _write_corpus(tmp_path / "corpus", {"news": NEWS})
    gold = _news_gold(tmp_path / "gold", corpus)
    doc = _news_doc()
    with pytest.raises(ValueError, match="quotation marks"):  # textacy refuses the document as a whole
        list(direct_quotations(doc))
    path = tmp_path / "news.spacy"
    attrs = ["POS", "TAG", "DEP", "HEAD", "LEMMA", "ENT_IOB", "ENT_TYPE", "SENT_START"]
    DocBin(docs=[doc], attrs=attrs).to_disk(path)
    result = convert_path("textacy", path, corpus)
    assert [i.code for i in result.issues] == ["convert-per-paragraph", "convert-label-skipped"]
    assert "paragraph(s) 3" in result.issues[0].message and "GPE (1)" in result.issues[1].message
    (converted,) = _lines(result)
    _valid(converted)

    # the same quotations given by hand, by speaker span: textacy's own triples, paragraph by paragraph
    by_hand = []

    def place(start: int, end: int) -> dict[str, Any]:
        return {"start": start, "end": end, "text": NEWS[start:end]}

    for paragraph in NEWS.split("\n\n"):
        shift = NEWS.index(paragraph)
        part = doc.char_span(shift, shift + len(paragraph)).as_doc()
        try:
            triples = list(direct_quotations(part))
        except ValueError:  # the paragraph that opens a quotation and does not close it
            continue
        for triple in triples:
            (speaker,) = triple.speaker
            (cue,) = triple.cue
            content = triple.content
            by_hand.append(
                {
                    "speaker_span": place(shift + speaker.idx, shift + speaker.idx + len(speaker)),
                    "cues": [place(shift + cue.idx, shift + cue.idx + len(cue))],
                    "contents": [place(shift + content.start_char, shift + content.end_char)],
                    "kind": "direct",
                }
            )
    assert [a["speaker_span"]["text"] for a in by_hand] == ["minister", "he", "Kowal"]

    def attributed(line: dict[str, Any]) -> int:
        report = score(gold, [line], corpus=corpus, samples=0).report
        tp: int = report["metrics"]["attributions.attributed"]["tp"]
        return tp

    # the same score either way; every speaker resolves through the gold mentions it overlaps
    assert attributed(converted) == attributed({"document_id": "news", "attributions": by_hand}) == 3
    forms = {m["text"]: m["form"] for o in converted["officials"] for m in o["mentions"]}
    assert forms == {"minister": "nominal", "he": "pronoun", "Kowal": "name"}
    # each speaker is credited on its own: the title, the pronoun and the name
    credited = {
        a["speaker_span"]["text"]: attributed({**converted, "attributions": [a]}) for a in converted["attributions"]
    }
    assert credited == {"minister": 1, "he": 1, "Kowal": 1}
