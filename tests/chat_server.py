"""A local OpenAI-compatible chat-completions server for the tests (no model runs on this machine).

It implements the protocol as the ``openai`` client uses it: ``POST /v1/chat/completions`` with a bearer
key, the request body validated (model, messages and their roles, temperature, ``response_format`` with a
``json_schema`` that must itself be a valid JSON Schema), OpenAI's error bodies, ``usage`` counts, and
faults on demand: 429 (with ``retry-after-ms``), 500, and slow answers for the client's timeout. What the
"model" answers is a function of the request, given by the test.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jsonschema

ROLES = {"system", "developer", "user", "assistant", "tool"}
Answer = Callable[[str, str, dict[str, Any]], str]  # (document_id, text, request) -> message content


class ChatServer:
    """Serve on 127.0.0.1 (a free port) until :meth:`close`."""

    def __init__(self, answer: Answer, *, api_key: str = "test-key", slow_seconds: float = 2.0):
        self.answer = answer
        self.api_key = api_key
        self.slow_seconds = slow_seconds
        self.faults: dict[str, list[str]] = {}  # document id -> faults to serve, in order ("429", "500", "slow")
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _next_fault(self, document_id: str) -> str | None:
        with self.lock:
            queue = self.faults.get(document_id, [])
            return queue.pop(0) if queue else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
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
                    server.requests.append({"document_id": document_id, "text": text, "body": body})
                fault = server._next_fault(document_id)
                if fault == "429":
                    return self._error(429, "Rate limit reached", "rate_limit_error", retry_after_ms="20")
                if fault == "500":
                    return self._error(500, "The server had an error", "server_error")
                if fault == "slow":
                    time.sleep(server.slow_seconds)
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

        return Handler


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
