"""``communique extract --method llm`` against a local chat-completions server (tests/chat_server.py).

No model runs here: the server answers from the text it is sent, as a model would, and serves faults on
demand. Everything else is real: the ``openai`` client, HTTP on 127.0.0.1, the retries and the deadline.
No test depends on the machine's speed: a request that must time out goes to a server that never answers,
and every other request has a deadline it cannot miss (a minute). Hostile answers and cache entries are in
``tests/test_hostile_llm.py``.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from communique.bench import parse_predictions
from communique.cli.main import main
from communique.corpus.build import load_corpus_document
from communique.extract import llm
from communique.extract.llm import EXAMPLES, LLMSettings, parts_of
from communique.schema.errors import Issue
from communique.schema.predictions import PredictedDocument, prediction_data

from .test_convert import _write_corpus

pytest.importorskip("openai", reason="openai is in the `llm` and `test` extras")
from .chat_server import ChatServer


def extract_llm(docs: list[Any], settings: LLMSettings, **options: Any) -> tuple[list[dict[str, Any]], list[Issue]]:
    """:func:`communique.extract.llm.extract_llm`, its lines (prediction models) as they are written."""
    lines, issues = llm.extract_llm(docs, settings, **options)
    assert all(isinstance(line, PredictedDocument) for line in lines)
    return [prediction_data(line) for line in lines], issues


SHORT = "“We will deepen our cooperation,” Defence Minister Anna Berg said in Oslo."
LONG = (
    "Berg in Warsaw\n\n"
    "Defence Minister Anna Berg met her Polish counterpart Jan Kowal in Warsaw on Monday.\n\n"
    "Talks in detail\n\n"
    "“We are ready to host a joint exercise next year,” Kowal said after the meeting.\n\n"
    "Outlook\n\n"
    "Anna Berg said that Norway would send observers, and “we will meet again soon,” she said."
)


def answer(document_id: str, text: str, request: dict[str, Any]) -> str:
    """What a good model would answer (prediction format 2.1): the officials by name, the direct quotes as
    attributions with their source, and each "will" in them as a commitment of the speaker; spans as text."""
    names = sorted(set(re.findall(r"(?:Anna Berg|Jan Kowal|Kowal|Berg)", text)), key=len, reverse=True)
    officials: list[dict[str, Any]] = []
    for name in names:
        if any(name in o["name"] for o in officials):
            continue
        officials.append({"id": name.split()[-1].lower(), "name": name, "mentions": [{"text": name, "form": "name"}]})
    attributions: list[dict[str, Any]] = []
    commitments: list[dict[str, Any]] = []
    for match in re.finditer(r"“([^”]+)”\s*,?\s*(\w+(?: \w+)*?) (said)", text):
        speaker = next((o["id"] for o in officials if o["name"].split()[-1] in match.group(2)), None)
        attribution: dict[str, Any] = {
            "id": f"a{len(attributions) + 1}",
            "contents": [{"text": match.group(1)}],
            "cues": [{"text": "said"}],
            "kind": "direct",
            "speech_act": "commissive" if " will " in f" {match.group(1)} " else "assertive",
        }
        attribution.update({"speaker_id": speaker} if speaker else {"source_unresolved": "no-antecedent"})
        attributions.append(attribution)
        will = re.search(r"\b(will|ready to) (.+?)[,.]?$", match.group(1))
        if will and speaker:
            commitments.append(
                {
                    "actors": [{"official_id": speaker}],
                    "kind": "offer" if will.group(1) == "ready to" else "intend",
                    "evidence": {"text": match.group(1).rstrip(",.")},
                    "content": {"text": will.group(2)},
                    "attribution_id": attribution["id"],
                }
            )
    found = {"officials": officials, "attributions": attributions, "commitments": commitments}
    return json.dumps({"document_id": "whatever-the-model-says", **found})


@pytest.fixture
def server() -> Iterator[ChatServer]:
    running = ChatServer(answer)
    yield running
    running.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus", {"short": SHORT, "long": LONG})


def _settings(server: ChatServer, tmp_path: Path, **changes: Any) -> LLMSettings:
    base = {
        "base_url": server.base_url,
        "model": "test-model",
        "api_key_env": "COMMUNIQUE_TEST_KEY",
        "cache": tmp_path / "cache",
        "timeout": 60.0,  # never reached by a server that answers; tests of the deadline set a short one
        "max_retries": 3,
        "max_chars": 120,
        "concurrency": 3,
    }
    return LLMSettings(**{**base, **changes})


def _docs(corpus: Path) -> list[Any]:
    return [load_corpus_document(corpus / f"{name}.json") for name in ("short", "long")]


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMUNIQUE_TEST_KEY", "test-key")


def test_long_documents_go_by_sections_and_merge_into_one_valid_line(server, corpus, tmp_path):
    docs = _docs(corpus)
    assert len(parts_of(docs[1], 120)) > 1  # the long text is sent in parts
    lines, issues = extract_llm(docs, _settings(server, tmp_path), progress=False)
    assert issues == []
    assert [line["document_id"] for line in lines] == ["short", "long"]
    parsed = parse_predictions(lines, corpus)
    assert parsed.issues == []
    # spans found once in their part get offsets; a "said" twice in one part is left to the bench's context
    assert parsed.anchoring["offsets"] > 0 and parsed.anchoring.get("unanchored", 0) == 0
    long = lines[1]
    text = docs[1].text
    for official in long["officials"]:
        for mention in official["mentions"]:
            assert text[mention["start"] : mention["end"]] == mention["text"]
    berg = [o for o in long["officials"] if "Berg" in o["name"]]
    assert len(berg) == 1 and len(berg[0]["mentions"]) == 2  # Anna Berg of parts 1 and 3: one official
    assert len(long["attributions"]) == 2
    # ids of items are prefixed by their part, and references follow them (commitment -> attribution, actor)
    (commitment,) = long["commitments"]
    cited = next(a for a in long["attributions"] if a["id"] == commitment["attribution_id"])
    assert cited["contents"][0]["text"] == "We are ready to host a joint exercise next year,"
    assert commitment["actors"] == [{"official_id": cited["speaker_id"]}] and cited["speaker_id"] in {
        o["id"] for o in long["officials"]
    }
    assert [x.get("source_unresolved") for x in long["attributions"]] == [None, "no-antecedent"]  # "she said"
    said = long["attributions"][0]["cues"][0]  # "said" occurs in parts 2 and 3: placed in part 2, where it was found
    assert text[said["start"] : said["end"]] == "said" and said["start"] > text.index("Talks in detail")
    meta = long["meta"]["llm"]
    assert meta["parts"] == len(parts_of(docs[1], 120)) and meta["cached_parts"] == 0
    assert meta["usage"]["total_tokens"] == meta["usage"]["prompt_tokens"] + meta["usage"]["completion_tokens"] > 0
    assert {r["body"]["response_format"]["json_schema"]["schema"]["title"] for r in server.requests} == {
        "PredictedDocument"
    }


def test_a_rerun_is_answered_from_the_cache(server, corpus, tmp_path):
    settings = _settings(server, tmp_path)
    first, _ = extract_llm(_docs(corpus), settings, progress=False)
    sent = len(server.requests)
    again, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert issues == [] and len(server.requests) == sent  # nothing sent
    assert [{k: v for k, v in x.items() if k != "meta"} for x in again] == [
        {k: v for k, v in x.items() if k != "meta"} for x in first
    ]
    assert all(x["meta"]["llm"]["cached_parts"] == x["meta"]["llm"]["parts"] for x in again)
    extract_llm(_docs(corpus), _settings(server, tmp_path, model="other"), progress=False)
    assert len(server.requests) > sent  # the model is part of the key


def test_429_and_500_are_retried(server, corpus, tmp_path):
    server.faults["short"] = ["429", "500"]
    lines, issues = extract_llm(_docs(corpus)[:1], _settings(server, tmp_path), progress=False)
    assert issues == []
    assert [r["document_id"] for r in server.requests] == ["short"] * 3
    assert lines[0]["attributions"]


def test_retries_run_out_as_a_located_warning(server, corpus, tmp_path):
    server.faults["short"] = ["500", "500", "500"]
    settings = _settings(server, tmp_path, max_retries=2, max_chars=10_000)
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-request-failed", "short")]
    assert "HTTP 500: The server had an error (after 3 attempts)" in issues[0].message
    assert [r["document_id"] for r in server.requests].count("short") == 3
    assert (lines[0]["officials"], lines[0]["attributions"], lines[0]["commitments"]) == ([], [], [])
    assert lines[0]["meta"]["llm"]["error"] == "llm-request-failed"
    assert lines[1]["attributions"] and "error" not in lines[1]["meta"]["llm"]  # the other is unaffected


def test_a_server_that_never_answers_meets_the_deadline(server, corpus, tmp_path):
    server.faults["long"] = ["hang"]
    settings = _settings(server, tmp_path, timeout=3.0, max_chars=10_000)
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-timeout", "long")]
    assert "no complete answer within the deadline of 3 s (1 attempt(s))" in issues[0].message
    assert lines[1]["meta"]["llm"]["error"] == "llm-timeout" and lines[1]["officials"] == []
    assert lines[0]["attributions"]  # the other document is answered


@pytest.mark.parametrize(
    ("content", "code", "path"),
    [
        ('{"officials": [', "llm-invalid-json", "$"),
        ('{"attributions": [{"contents": [], "kind": "shouted"}]}', "llm-invalid-answer", "$.attributions[0].contents"),
        ('{"officials": [{"mentions": [{"text": "Berg", "form": "title"}]}]}', "llm-invalid-answer", None),
        (
            '{"attributions": [{"speaker_id": "nobody", "contents": [{"text": "Berg"}]}]}',
            "llm-invalid-answer",
            "$.attributions[0].speaker_id",
        ),
        (  # an actor naming no official: the path goes down to the actor
            '{"commitments": [{"actors": [{"official_id": "nobody"}], "evidence": {"text": "Berg"}}]}',
            "llm-invalid-answer",
            "$.commitments[0].actors[0].official_id",
        ),
        ('{"commitments": [{"actors": [], "evidence": {"text": "Berg"}}]}', "llm-invalid-answer", None),
    ],
)
def test_a_bad_answer_is_a_located_warning_and_predicts_nothing(corpus, tmp_path, content, code, path):
    bad = ChatServer(lambda doc_id, text, request: content if doc_id == "short" else answer(doc_id, text, request))
    try:
        settings = _settings(bad, tmp_path)
        lines, issues = extract_llm(_docs(corpus), settings, progress=False)
        extract_llm(_docs(corpus), settings, progress=False)
        asked = [r["document_id"] for r in bad.requests]
    finally:
        bad.close()
    assert [(i.code, i.file) for i in issues] == [(code, "short")]
    if path:
        assert issues[0].path == path
    assert lines[0]["attributions"] == [] and lines[0]["meta"]["llm"]["error"] == code
    assert lines[1]["attributions"]  # the other document is unaffected
    assert asked.count("short") == 2  # a bad answer is not cached: it is asked again


def test_the_server_rejects_malformed_requests(server):
    """The fake is strict, so the client's accepted requests mean something."""

    def post(body: dict[str, Any], key: str = "test-key") -> tuple[int, dict[str, Any]]:
        request = urllib.request.Request(
            server.base_url + "/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    good = {
        "model": "m",
        "messages": [{"role": "user", "content": "document_id: short\n\nText:\nhi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": "object"}}},
    }
    assert post(good)[0] == 200
    assert post(good, key="wrong")[0] == 401
    for broken, param in [
        ({**good, "model": ""}, "model"),
        ({**good, "messages": [{"role": "robot", "content": "x"}]}, "messages[0].role"),
        ({k: v for k, v in good.items() if k != "response_format"}, "response_format"),
        (
            {**good, "response_format": {"type": "json_schema", "json_schema": {"name": "p", "schema": {"type": 5}}}},
            "response_format.json_schema.schema",
        ),
        ({**good, "temperature": 3}, "temperature"),
    ]:
        status, body = post(broken)
        assert (status, body["error"]["param"]) == (400, param)


def test_cli_extract_llm(server, corpus, tmp_path, capsys):
    out = tmp_path / "llm.jsonl"
    argv = ["extract", "--method", "llm", "--corpus", str(corpus), "--out", str(out)]
    options = ["--base-url", server.base_url, "--model", "m", "--api-key-env", "COMMUNIQUE_TEST_KEY"]
    assert main([*argv, *options, "--cache", str(tmp_path / "c"), "--few-shot", "2", "--max-chars", "100"]) == 0
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(x["document_id"] for x in lines) == ["long", "short"]
    err = capsys.readouterr().err
    assert "2 document(s)" in err and "tokens: completion" in err
    few_shot = server.requests[0]["body"]["messages"]
    assert [m["role"] for m in few_shot] == ["system", "user", "assistant", "user", "assistant", "user"]

    assert main([*argv, "--base-url", server.base_url]) == 2  # no --model
    assert "[missing-field] --method llm needs --model" in capsys.readouterr().err
    assert main([*argv, *options, "--prompt", str(tmp_path / "nope.txt")]) == 2


@pytest.mark.parametrize("number", range(len(EXAMPLES)))
def test_few_shot_examples_are_valid_predictions_of_their_text(number: int, tmp_path: Path):
    text, example = EXAMPLES[number]
    line = {"document_id": "example", **example}
    PredictedDocument.model_validate(line)  # format 2.1, as the model is asked to answer
    corpus = _write_corpus(tmp_path / "corpus", {"example": text})
    parsed = parse_predictions([line], corpus)
    assert parsed.issues == []  # every span is found in the text, every reference resolves
    assert parsed.anchoring.get("text", 0) > 0 and parsed.anchoring.get("unanchored", 0) == 0


def test_instructions_list_the_kinds_of_the_models_and_the_examples_use_both_layers():
    """The prompt's kind lists come from the models (no drift), one list per layer."""
    from communique.extract.llm import INSTRUCTIONS
    from communique.schema.models import CommitmentKind, StanceKind, labels

    commitments = INSTRUCTIONS[INSTRUCTIONS.index("- commitments:") : INSTRUCTIONS.index("- stances:")]
    stances = INSTRUCTIONS[INSTRUCTIONS.index("- stances:") :]
    assert f"({', '.join(labels(CommitmentKind))})" in " ".join(commitments.split())
    assert f"({', '.join(labels(StanceKind))})" in " ".join(stances.split())
    assert "{" not in INSTRUCTIONS.replace('{"text": ...}', "")  # every placeholder was filled
    answers = [answer for _, answer in EXAMPLES]
    assert any(a.get("commitments") for a in answers) and any(a.get("stances") for a in answers)
