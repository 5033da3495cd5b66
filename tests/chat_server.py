"""A local OpenAI-compatible chat-completions server for the tests (no model runs on this machine).

It implements the protocol as the ``openai`` client uses it: ``POST /v1/chat/completions`` with a bearer
key, the request body validated (model, messages and their roles, temperature, ``response_format`` with a
``json_schema`` that must itself be a valid JSON Schema), OpenAI's error bodies, ``usage`` counts, and
faults on demand, queued per document id in :attr:`ChatServer.faults`:

* ``"429"`` (with ``retry-after-ms``) and ``"500"``;
* ``"hang"``: the request is read and never answered; ``"trickle"``: the headers, then one byte of a body
  that never ends every :attr:`ChatServer.trickle_seconds`; ``"trickle-headers"``: the status line, then one
  byte of a header that never ends. These end only when the client gives up or the server closes, so a test
  of the client's deadline does not depend on the machine's speed;
* :class:`Raw`: these bytes as the body (malformed answers: HTML, a JSON list, deep nesting...);
* :class:`Flood`: a body of a given size made chunk by chunk, never held whole (garbage, or a valid chat
  completion with an enormous answer), with or without ``Content-Length``.

What the "model" answers is a function of the request, given by the test.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import jsonschema

ROLES = {"system", "developer", "user", "assistant", "tool"}
Answer = Callable[[str, str, dict[str, Any]], str]  # (document_id, text, request) -> message content
CHUNK = 1 << 16


@dataclass
class Raw:
    """Serve ``body`` as it is."""

    body: bytes
    status: int = 200
    content_type: str = "application/json"
    length: bool = True  # send Content-Length (else the body ends when the connection closes)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Flood:
    """Serve ``size`` bytes, made chunk by chunk: ``garbage``, or ``answer``, a valid chat completion whose
    message content (a JSON object with one long string) makes the body about ``size`` bytes."""

    size: int
    kind: Literal["garbage", "answer"] = "garbage"
    length: bool = False


Fault = str | Raw | Flood


class ChatServer:
    """Serve on 127.0.0.1 (a free port) until :meth:`close`."""

    def __init__(self, answer: Answer, *, api_key: str = "test-key", trickle_seconds: float = 0.2):
        self.answer = answer
        self.api_key = api_key
        self.trickle_seconds = trickle_seconds
        self.faults: dict[str, list[Fault]] = {}  # document id -> faults to serve, in order
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()  # ends hanging and trickling answers
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next_fault(self, document_id: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(document_id, [])
            return queue.pop(0) if queue else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keeps connections alive unless the client asks to close

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in (headers or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
                    pass

            def _error(self, status: int, message: str, kind: str, param: str | None = None, **headers: str) -> None:
                error = {"message": message, "type": kind, "param": param, "code": None}
                self._send(status, {"error": error}, {k.replace("_", "-"): v for k, v in headers.items()})

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._error(404, f"unknown path {self.path}", "invalid_request_error")
                if self.headers.get("Authorization") != f"Bearer {server.api_key}":
                    return self._error(401, "Incorrect API key provided", "invalid_request_error")
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    return self._error(400, "Content-Type must be application/json", "invalid_request_error")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    return self._error(
                        400, "We could not parse the JSON body of your request.", "invalid_request_error"
                    )
                problem = validate_request(body)
                if problem:
                    return self._error(400, problem[1], "invalid_request_error", problem[0])
                last = body["messages"][-1]["content"]
                match = re.match(r"document_id: (\S+)\n\nText:\n", last)
                document_id = match.group(1) if match else "-"
                text = last[match.end() :] if match else last
                with server.lock:
                    server.requests.append(
                        {"document_id": document_id, "text": text, "body": body, "port": self.client_address[1]}
                    )
                fault = server._next_fault(document_id)
                if fault == "429":
                    return self._error(429, "Rate limit reached", "rate_limit_error", retry_after_ms="20")
                if fault == "500":
                    return self._error(500, "The server had an error", "server_error")
                if fault is not None:
                    return self._fault(fault)
                content = server.answer(document_id, text, body)
                prompt = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
                completion = len(content.split())
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content, "refusal": None},
                                "logprobs": None,
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {
                            "prompt_tokens": prompt,
                            "completion_tokens": completion,
                            "total_tokens": prompt + completion,
                        },
                    },
                )

            def _fault(self, fault: Fault) -> None:
                try:
                    if fault == "hang":
                        server.stopping.wait()
                    elif fault == "trickle":
                        self._head(200, "application/json", 10**6)
                        self._drip(b"{")
                    elif fault == "trickle-headers":
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                        self._drip(b"a")
                    elif isinstance(fault, Raw):
                        length = len(fault.body) if fault.length else None
                        self._head(fault.status, fault.content_type, length, fault.headers)
                        self.wfile.write(fault.body)
                    elif isinstance(fault, Flood):
                        self._head(200, "application/json", fault.size if fault.length else None)
                        for chunk in flood(fault):
                            self.wfile.write(chunk)
                    else:
                        raise ValueError(f"unknown fault {fault!r}")
                except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                    pass
                self.close_connection = True

            def _head(
                self, status: int, content_type: str, length: int | None, headers: dict[str, str] | None = None
            ) -> None:
                """The status line and headers (the connection closes after the body)."""
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if length is not None:
                    self.send_header("Content-Length", str(length))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Connection", "close")
                self.end_headers()

            def _drip(self, byte: bytes) -> None:
                """One byte every ``trickle_seconds`` until the client or the server gives up."""
                while not server.stopping.wait(server.trickle_seconds):
                    self.wfile.write(byte)
                    self.wfile.flush()

        return Handler


def flood(fault: Flood) -> Iterator[bytes]:
    """The body of a :class:`Flood`, in chunks of at most 64 KB."""
    if fault.kind == "garbage":
        unit = b"<garbage \x00\xff{["
        pattern = (unit * (CHUNK // len(unit) + 1))[:CHUNK]
        for start in range(0, fault.size, CHUNK):
            yield pattern[: min(CHUNK, fault.size - start)]
        return
    head = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "{\\"officials\\": [{\\"name\\": \\"'
    tail = b'\\"}]}"}, "finish_reason": "stop"}]}'
    yield head
    left = max(0, fault.size - len(head) - len(tail))
    while left:
        step = min(CHUNK, left)
        yield b"x" * step
        left -= step
    yield tail


def validate_request(body: Any) -> tuple[str, str] | None:
    """(param, message) of the first problem with a chat-completions request body, as OpenAI reports it."""
    if not isinstance(body, dict):
        return "body", "the body must be a JSON object"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model", "you must provide a model parameter"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages", "'messages' must be a non-empty array"
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"messages[{i}].role", f"invalid role in messages[{i}]"
        if not isinstance(message.get("content"), str | list):
            return f"messages[{i}].content", f"messages[{i}].content must be a string or an array"
    temperature = body.get("temperature", 1)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        return "temperature", "temperature must be between 0 and 2"
    fmt = body.get("response_format")
    if fmt is None:
        return "response_format", "this server requires structured output: response_format is missing"
    if fmt.get("type") != "json_schema":
        return "response_format.type", "response_format.type must be json_schema here"
    spec = fmt.get("json_schema")
    if not isinstance(spec, dict) or not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", str(spec.get("name", ""))):
        return "response_format.json_schema.name", "a name of letters, digits, _ and - is required"
    schema = spec.get("schema")
    if not isinstance(schema, dict):
        return "response_format.json_schema.schema", "schema must be an object"
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        return "response_format.json_schema.schema", f"invalid JSON Schema: {exc.message}"
    return None
