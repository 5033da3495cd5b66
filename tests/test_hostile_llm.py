"""Hostile servers and cache entries for ``extract --method llm`` (issue 17): each ends in a located, coded
warning (the document predicts nothing, or the request is sent again), never a traceback, never a hang.

The server is real (tests/chat_server.py, HTTP on 127.0.0.1) and so is the ``openai`` client. The sizes here
are small; benchmarks/hostile.py measures the big ones (200 MB of garbage, a 60 MB answer, 100,000-deep
nesting). No test depends on the machine's speed: the deadline tests use servers that never finish (a
hang, a trickle), and the others a deadline of a minute that an answering server cannot miss.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from communique.cli.main import main
from communique.corpus.build import load_corpus_document
from communique.extract.llm import LLMSettings
from communique.extract.llm_cache import answer_digest

from .test_convert import _write_corpus

pytest.importorskip("openai", reason="openai is in the `llm` and `test` extras")
from .chat_server import ChatServer, Flood, Raw
from .test_extract_llm import LONG, SHORT, answer, extract_llm

GOOD = answer("short", SHORT, {})  # what the model answers for the short text


def completion(content: Any = GOOD, **changes: Any) -> bytes:
    """A chat-completions body with ``content``, changed as given (``None`` values remove a key)."""
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    body.update(changes)
    return json.dumps({k: v for k, v in body.items() if v is not None}).encode()


def with_usage(**counts: Any) -> bytes:
    return completion(usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15, **counts})


def with_message(**message: Any) -> bytes:
    return completion(choices=[{"index": 0, "message": {"role": "assistant", **message}, "finish_reason": "stop"}])


BIG_INT = "7" * 5000
DEEP = "[" * 100_000

#: (id, the response, the warning's code, its JSON path, words of its message)
MALFORMED = [
    ("nesting-100000-deep", Raw(DEEP.encode()), "llm-invalid-response", "$", "levels deep"),
    (
        "5000-digit-integer",
        completion()[:-1] + f', "created": {BIG_INT}}}'.encode(),
        "llm-invalid-response",
        "$",
        "5000 digits",
    ),
    (
        "choice-without-message",
        completion(choices=[{"index": 0, "finish_reason": "stop"}]),
        "llm-invalid-response",
        "$.choices[0].message",
        "Field required",
    ),
    (
        "choices-as-object",
        completion(choices={"0": {"message": {"role": "assistant", "content": GOOD}}}),
        "llm-invalid-response",
        "$.choices",
        "valid list",
    ),
    ("no-choices", completion(choices=[]), "llm-invalid-response", "$.choices", "at least 1 item"),
    ("choices-missing", completion(choices=None), "llm-invalid-response", "$.choices", "Field required"),
    ("usage-as-text", with_usage(prompt_tokens="12"), "llm-invalid-response", "$.usage.prompt_tokens", "integer"),
    ("usage-negative", with_usage(completion_tokens=-5), "llm-invalid-response", "$.usage.completion_tokens", "than"),
    ("usage-fraction", with_usage(total_tokens=1.5), "llm-invalid-response", "$.usage.total_tokens", "integer"),
    ("usage-boolean", with_usage(prompt_tokens=True), "llm-invalid-response", "$.usage.prompt_tokens", "integer"),
    ("usage-absurd", with_usage(prompt_tokens=10**13), "llm-invalid-response", "$.usage.prompt_tokens", "less than"),
    ("usage-as-list", completion(usage=[1, 2]), "llm-invalid-response", "$.usage", "valid dictionary"),
    (
        "html-body",
        Raw(b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        "llm-invalid-response",
        "$",
        "not JSON we read",
    ),
    ("json-list-body", Raw(b'[{"choices": []}]'), "llm-invalid-response", "$", "valid dictionary"),
    ("empty-body", Raw(b""), "llm-invalid-response", "$", "not JSON we read"),
    ("not-utf8", Raw(b'{"choices": "\xff"}'), "llm-invalid-response", "$", "not valid UTF-8"),
    ("duplicate-keys", Raw(b'{"choices": [], "choices": []}'), "llm-invalid-response", "$", "duplicate key"),
    (
        "content-not-a-string",
        with_message(content=[{"type": "text", "text": GOOD}]),
        "llm-invalid-response",
        "$.choices[0].message.content",
        "valid string",
    ),
    ("content-a-number", with_message(content=5), "llm-invalid-response", "$.choices[0].message.content", "string"),
    (
        "content-null-refused",
        with_message(content=None, refusal="I cannot help with that."),
        "llm-invalid-response",
        "$.choices[0].message.content",
        "the model refused (I cannot help with that.)",
    ),
    ("content-missing", with_message(), "llm-invalid-response", "$.choices[0].message.content", "no content"),
    ("answer-json-list", completion("[1, 2]"), "llm-invalid-answer", "$", "is not of type 'object'"),
    ("answer-json-string", completion('"officials"'), "llm-invalid-answer", "$", "is not of type 'object'"),
    ("answer-100000-deep", completion(DEEP), "llm-invalid-json", "$", "levels deep"),
    (
        "answer-5000-digit-integer",
        completion(f'{{"officials": [], "meta": {{"n": {BIG_INT}}}}}'),
        "llm-invalid-json",
        "$",
        "5000 digits",
    ),
    (
        "answer-deep-but-parseable",  # meta is free-form: the depth is bounded here, not by the schema
        completion('{"officials": [], "meta": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}"),
        "llm-invalid-answer",
        "$",
        "more than 64 levels deep",
    ),
    (
        "error-status-deep-body",
        Raw(DEEP.encode(), status=400),
        "llm-request-failed",
        "$",
        "HTTP 400",
    ),
    (
        "error-status-huge-content-length",
        Raw(b"{}", length=False, headers={"Content-Length": "9" * 5000}),
        "llm-request-failed",
        "$",
        "APIConnectionError",
    ),
]


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMUNIQUE_TEST_KEY", "test-key")


@pytest.fixture
def server() -> Iterator[ChatServer]:
    running = ChatServer(answer)
    yield running
    running.close()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return _write_corpus(tmp_path / "corpus", {"short": SHORT, "long": LONG})


def _settings(server: ChatServer, tmp_path: Path, **changes: Any) -> LLMSettings:
    base: dict[str, Any] = {
        "base_url": server.base_url,
        "model": "test-model",
        "api_key_env": "COMMUNIQUE_TEST_KEY",
        "cache": tmp_path / "cache",
        "timeout": 60.0,  # never reached by a server that answers
        "max_retries": 0,
        "max_chars": 10_000,  # one part per document
        "max_answer_bytes": 1 << 20,
    }
    return LLMSettings(**{**base, **changes})


def _docs(corpus: Path) -> list[Any]:
    return [load_corpus_document(corpus / f"{name}.json") for name in ("short", "long")]


def _items(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "meta"}


@pytest.mark.parametrize(
    ("response", "code", "path", "words"), [case[1:] for case in MALFORMED], ids=[case[0] for case in MALFORMED]
)
def test_a_malformed_response_is_a_located_warning(server, corpus, tmp_path, response, code, path, words):
    server.faults["short"] = [response if isinstance(response, Raw) else Raw(response)]
    lines, issues = extract_llm(_docs(corpus), _settings(server, tmp_path), progress=False)
    assert [(i.code, i.file, i.path) for i in issues] == [(code, "short", path)]
    assert words in issues[0].message and issues[0].message.startswith("short (part 1, characters 0-")
    assert len(issues[0].message) < 500  # a bounded message, never the response itself
    assert lines[0]["meta"]["llm"]["error"] == code and lines[0]["officials"] == lines[0]["attributions"] == []
    assert lines[1]["attributions"] and "error" not in lines[1]["meta"]["llm"]  # the other document is answered
    assert [r["document_id"] for r in server.requests].count("short") == 1  # a bad 200 or a 400 is not retried
    assert not list((tmp_path / "cache").glob("*.json"))[1:]  # only the good answer is cached


def test_token_counts_are_summed_when_valid(server, corpus, tmp_path):
    server.faults["short"] = [Raw(with_usage(prompt_tokens=7, completion_tokens=0, total_tokens=7))]
    lines, issues = extract_llm(_docs(corpus)[:1], _settings(server, tmp_path), progress=False)
    assert issues == [] and lines[0]["meta"]["llm"]["usage"] == {
        "prompt_tokens": 7,
        "completion_tokens": 0,
        "total_tokens": 7,
    }
    server.faults["short"] = [Raw(completion(usage=None))]  # usage may be left out
    lines, issues = extract_llm(_docs(corpus)[:1], _settings(server, tmp_path, cache=None), progress=False)
    assert issues == [] and lines[0]["meta"]["llm"]["usage"] == {} and lines[0]["attributions"]


@pytest.mark.parametrize(
    ("flood", "words"),
    [
        (Flood(3 << 20), "reading stopped there"),  # garbage with no length: read up to the cap, then refused
        (Flood(3 << 20, "answer"), "reading stopped there"),  # a valid completion, too long
        (Flood(3 << 20, "answer", length=True), "announces 3,145,728 bytes"),  # refused before reading
    ],
    ids=["garbage", "answer", "answer-with-length"],
)
def test_a_response_over_the_cap_is_refused(server, corpus, tmp_path, flood, words):
    server.faults["short"] = [flood]
    settings = _settings(server, tmp_path, max_answer_bytes=256 << 10)
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-answer-too-large", "short")]
    assert "more than --max-answer-bytes (262,144 bytes)" in issues[0].message or "(262,144 bytes)" in issues[0].message
    assert words in issues[0].message
    assert lines[0]["meta"]["llm"]["error"] == "llm-answer-too-large" and lines[1]["attributions"]


@pytest.mark.parametrize("fault", ["hang", "trickle", "trickle-headers"])
def test_a_server_that_never_finishes_meets_the_deadline(server, corpus, tmp_path, fault):
    """The deadline is wall-clock for the whole request: a byte every 0.2 s resets no timer."""
    server.faults["short"] = [fault]
    settings = _settings(server, tmp_path, timeout=3.0, max_retries=4)
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-timeout", "short")]
    assert "no complete answer within the deadline of 3 s" in issues[0].message and issues[0].hint
    assert [r["document_id"] for r in server.requests].count("short") == 1  # no retry past the deadline
    assert lines[0]["meta"]["llm"]["error"] == "llm-timeout" and lines[1]["attributions"]


def test_each_attempt_has_its_own_connection_for_the_watchdog(server, corpus, tmp_path):
    """The watchdog sees the sockets an attempt opens: a kept-alive connection would escape it."""
    server.faults["long"] = ["500"]
    settings = _settings(server, tmp_path, concurrency=1, max_retries=1)
    _, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert issues == [] and len(server.requests) == 3  # short, long twice (a 500, then the answer)
    ports = [r["port"] for r in server.requests]
    assert len(set(ports)) == len(ports)
    assert {r["body"]["model"] for r in server.requests} == {"test-model"}


def test_a_prompt_file_that_is_not_utf8_is_a_located_error(server, corpus, tmp_path, capsys):
    prompt = tmp_path / "prompt.txt"
    prompt.write_bytes(b"Annotate\n\xff")
    argv = ["extract", "--method", "llm", "--corpus", str(corpus), "--base-url", server.base_url, "--model", "m"]
    assert main([*argv, "--prompt", str(prompt)]) == 1  # bad input, as every file that cannot be read
    assert f"{prompt}:2:1: $: [encoding-error]" in capsys.readouterr().err
    assert server.requests == []


@pytest.mark.parametrize("url", ["http://[::1", "ftp://example.org", "localhost:8000", "http://127.0.0.1:99999/v1"])
def test_a_base_url_that_is_not_one_is_a_usage_error(corpus, url, capsys):
    argv = ["extract", "--method", "llm", "--corpus", str(corpus), "--base-url", url, "--model", "m"]
    assert main(argv) == 2
    assert "[invalid-value] --base-url" in capsys.readouterr().err


@pytest.mark.parametrize("header", [{"retry-after": "600"}, {"retry-after-ms": "600000"}])
def test_a_retry_after_beyond_the_deadline_ends_the_request_at_once(server, corpus, tmp_path, header):
    server.faults["short"] = [Raw(b'{"error": {"message": "slow down"}}', status=429, headers=header)]
    _, issues = extract_llm(_docs(corpus)[:1], _settings(server, tmp_path, max_retries=4), progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-timeout", "short")]
    assert "the last failed: HTTP 429: slow down); the server asked to wait 600 s more" in issues[0].message
    assert len(server.requests) == 1


def test_an_error_body_is_read_no_further_than_its_message(server, corpus, tmp_path):
    body = json.dumps({"error": {"message": "bad\nrequest " + "x" * 500}}).encode() + b" " * (4 << 20)
    server.faults["short"] = [Raw(body, status=400)]
    _, issues = extract_llm(_docs(corpus)[:1], _settings(server, tmp_path), progress=False)
    assert [(i.code, i.path) for i in issues] == [("llm-request-failed", "$")]
    assert "HTTP 400: bad request xxx" in issues[0].message and len(issues[0].message) < 400


def test_cli_limits_are_checked_and_hostile_answers_end_in_warnings(server, corpus, tmp_path, capsys):
    out = tmp_path / "llm.jsonl"
    argv = ["extract", "--method", "llm", "--corpus", str(corpus), "--out", str(out)]
    options = ["--base-url", server.base_url, "--model", "m", "--api-key-env", "COMMUNIQUE_TEST_KEY"]
    for bad in (["--timeout", "0"], ["--timeout", "-1"], ["--max-answer-bytes", "0"], ["--max-answer-bytes", "1.5"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, *options, *bad])
        assert exit_info.value.code == 2
    capsys.readouterr()
    server.faults["short"] = [Raw(DEEP[:50_000].encode())]  # under the cap, and too deep
    server.faults["long"] = [Flood(1 << 20)]
    code = main([*argv, *options, "--timeout", "30", "--max-answer-bytes", "65536", "--retries", "0"])
    err = capsys.readouterr().err
    assert code == 0 and "Traceback" not in err
    assert "[llm-invalid-response]" in err and "[llm-answer-too-large]" in err and "(65,536 bytes)" in err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
    assert sorted(line["meta"]["llm"]["error"] for line in lines) == ["llm-answer-too-large", "llm-invalid-response"]


# -- the cache


def _entries(cache: Path) -> dict[str, Path]:
    """document id -> its cache entry (one part per document here)."""
    found = {json.loads(p.read_text(encoding="utf-8"))["data"]["document_id"]: p for p in cache.glob("*.json")}
    assert sorted(found) == ["long", "short"]
    return found


def _rewrite(path: Path, change: Any) -> None:
    entry = json.loads(path.read_text(encoding="utf-8"))
    change(entry)
    path.write_text(json.dumps(entry), encoding="utf-8")


def _forge_consistently(entry: dict[str, Any]) -> None:
    """An edit that keeps the digest right: only the schema check can catch it."""
    entry["data"]["officials"] = "nobody"
    entry["answer_sha256"] = answer_digest(entry["data"])


def _symlink(path: Path, other: Path) -> None:
    outside = path.parent.parent / "outside.json"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(outside)


def _fifo(path: Path, other: Path) -> None:
    path.unlink()
    os.mkfifo(path)


TAMPERING = [
    ("not-json", lambda p, o: p.write_text("{not json", encoding="utf-8"), "is not JSON we read", "$"),
    ("truncated", lambda p, o: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "is not JSON we read", "$"),
    ("empty", lambda p, o: p.write_bytes(b""), "is not JSON we read", "$"),
    ("not-utf8", lambda p, o: p.write_bytes(b"\xff" + p.read_bytes()), "not valid UTF-8", "$"),
    ("nested-100000-deep", lambda p, o: p.write_text(DEEP, encoding="utf-8"), "levels deep", "$"),
    (
        "5000-digit-integer",
        lambda p, o: (
            _rewrite(p, lambda e: e["data"].update(meta={"n": 1}))
            or p.write_text(p.read_text(encoding="utf-8").replace('"n": 1', f'"n": {BIG_INT}'), encoding="utf-8")
        ),
        "5000 digits",
        "$",
    ),
    ("a-list", lambda p, o: p.write_text("[]", encoding="utf-8"), "valid dictionary", "$"),
    (
        "keyless",  # the form of the entries before they held their key
        lambda p, o: _rewrite(p, lambda e: [e.pop(k) for k in ("format", "key", "answer_sha256")]),
        "holds no key",
        "$.key",
    ),
    ("data-a-list", lambda p, o: _rewrite(p, lambda e: e.update(data=[1])), "valid dictionary", "$.data"),
    ("bad-digest", lambda p, o: _rewrite(p, lambda e: e.update(answer_sha256="xyz")), "pattern", "$.answer_sha256"),
    ("unknown-format", lambda p, o: _rewrite(p, lambda e: e.update(format="other/1")), "format", "$.format"),
    ("extra-field", lambda p, o: _rewrite(p, lambda e: e.update(trusted=True)), "Extra inputs", "$.trusted"),
    (
        "another-requests-answer",  # the long document's entry filed under the short one's name
        lambda p, o: p.write_bytes(o.read_bytes()),
        "was stored for another request (its prompt_sha256, text_sha256 differs)",
        "$.key",
    ),
    (
        "another-model",
        lambda p, o: _rewrite(p, lambda e: e["key"].update(model="other")),
        "(its model differs)",
        "$.key",
    ),
    (
        "edited-answer",
        lambda p, o: _rewrite(p, lambda e: e["data"]["officials"][0].update(name="Someone Else")),
        "does not match its digest",
        "$.data",
    ),
    ("edited-consistently", lambda p, o: _rewrite(p, _forge_consistently), "no longer valid", "$.data.officials"),
    (
        "oversized",
        lambda p, o: p.write_bytes(b" " * (200 << 10) + p.read_bytes()),
        "more than any answer may",
        "$",
    ),
    ("symlink", _symlink, "not a regular file", "$"),
    ("fifo", _fifo, "not a regular file", "$"),
]


@pytest.mark.parametrize(
    ("tamper", "words", "path"), [case[1:] for case in TAMPERING], ids=[case[0] for case in TAMPERING]
)
def test_a_bad_cache_entry_is_reported_and_asked_again(server, corpus, tmp_path, tamper, words, path):
    settings = _settings(server, tmp_path, max_answer_bytes=64 << 10)
    first, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert issues == [] and len(server.requests) == 2
    entries = _entries(settings.cache)
    short = entries["short"]
    tamper(short, entries["long"])

    again, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file, i.path) for i in issues] == [("llm-cache-invalid", str(short), path)]
    assert words in issues[0].message and "the request is sent again" in issues[0].message
    assert [r["document_id"] for r in server.requests[2:]] == ["short"]  # the long one came from the cache
    assert [_items(line) for line in again] == [_items(line) for line in first]
    assert [line["meta"]["llm"]["cached_parts"] for line in again] == [0, 1]

    assert short.is_file() and not short.is_symlink()  # rewritten atomically, in place of a link or FIFO
    third, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert issues == [] and len(server.requests) == 3  # and now it verifies: nothing is sent
    assert [_items(line) for line in third] == [_items(line) for line in first]
    if tamper is _symlink:
        assert json.loads((tmp_path / "outside.json").read_text(encoding="utf-8"))["data"]["document_id"] == "short"


def test_a_consistent_forgery_that_breaks_the_merge_is_not_trusted_twice(server, corpus, tmp_path):
    """An entry edited with its digest recomputed passes the checks of one answer; if the document it makes
    is refused (a reference to no official), the entry is dropped, so the next run asks the server."""
    settings = _settings(server, tmp_path)
    first, _ = extract_llm(_docs(corpus), settings, progress=False)

    def dangling(entry: dict[str, Any]) -> None:
        entry["data"]["attributions"][0]["speaker_id"] = "nobody"
        entry["answer_sha256"] = answer_digest(entry["data"])

    short = _entries(settings.cache)["short"]
    _rewrite(short, dangling)
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file, i.path) for i in issues] == [
        ("llm-invalid-answer", "short", "$.attributions[0].speaker_id")
    ]
    assert lines[0]["attributions"] == [] and len(server.requests) == 2 and not short.exists()
    again, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert issues == [] and [r["document_id"] for r in server.requests[2:]] == ["short"]
    assert [_items(line) for line in again] == [_items(line) for line in first]


def test_a_cache_entry_holds_its_key_material_and_the_answers_digest(server, corpus, tmp_path):
    settings = _settings(server, tmp_path)
    extract_llm(_docs(corpus), settings, progress=False)
    entry = json.loads(_entries(settings.cache)["short"].read_text(encoding="utf-8"))
    assert entry["format"] == "communique-llm-cache/2"
    assert entry["key"]["model"] == "test-model"
    assert entry["key"]["text_sha256"] == hashlib.sha256(SHORT.encode()).hexdigest()
    assert len(entry["key"]["prompt_sha256"]) == 64
    assert entry["answer_sha256"] == answer_digest(entry["data"])


def test_an_unwritable_cache_entry_is_a_warning_and_the_answer_is_used(server, corpus, tmp_path):
    settings = _settings(server, tmp_path)
    first, _ = extract_llm(_docs(corpus), settings, progress=False)
    short = _entries(settings.cache)["short"]
    short.unlink()
    short.mkdir()  # a folder where the entry goes: neither read nor written, and no traceback
    lines, issues = extract_llm(_docs(corpus), settings, progress=False)
    assert [(i.code, i.file) for i in issues] == [("llm-cache-invalid", str(short))] * 2
    assert "not a regular file" in issues[0].message and "cannot be written" in issues[1].message
    assert [_items(line) for line in lines] == [_items(line) for line in first]
