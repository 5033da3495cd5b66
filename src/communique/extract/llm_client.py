"""One chat-completions exchange at a bounded cost (``communique extract --method llm``).

The ``openai`` client builds and sends the request; everything that could cost without bound is ours:

* **A wall-clock deadline** for the whole exchange, retries and the waits between them included. Every
  attempt's socket timeouts are what is left of it, and a watchdog timer shuts the attempt's connections
  down when it passes, so a server that trickles its headers or its body one byte a second ends at the
  deadline all the same (``llm-timeout``). Each request asks for ``Connection: close``, so that every
  attempt opens its own connection and the watchdog sees its socket (through httpcore's ``trace``
  extension, set by an httpx request hook).
* **A size cap** on the answer: a ``Content-Length`` above it is refused before the body is read, and a body
  read in chunks is refused as soon as it passes the cap (``llm-answer-too-large``): at most the cap and one
  chunk are ever held. An error body is read no further than :data:`ERROR_BYTES`, for its message.
* **Retries** on connection failures, 408, 409, 429 and 5xx, waiting as the server's ``Retry-After`` says
  or with exponential backoff, never past the deadline (the ``openai`` client's own retries are off: they
  could wait past it).
* **The response parsed here**, never by the client: strictly and bounded in depth and integer size
  (:func:`communique.io.parse.parse_json`), its shape checked by :class:`ChatCompletion` (choices, a
  message whose content is a string, non-negative integer token counts), each failure an
  ``llm-invalid-response`` located by its JSON path in the response.
"""

from __future__ import annotations

import contextlib
import email.utils
import math
import random
import socket
import sys
import threading
import time
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from communique.io.parse import ParseFailure, decode_utf8, format_path, parse_json
from communique.schema.errors import Issue, issue

if TYPE_CHECKING:
    import openai


class _Headers(Protocol):
    def get(self, key: str, /) -> str | None: ...


class _Request(Protocol):
    """What the request hook touches of an HTTP request (of the httpx flavour ``openai`` is built on)."""

    @property
    def extensions(self) -> MutableMapping[str, object]: ...


class _Response(Protocol):
    """What is read of an HTTP response (httpx's or httpx2's, or the ``openai`` client's wrapper of one)."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> _Headers: ...

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]: ...


__all__ = ["ERROR_BYTES", "ChatCompletion", "Exchange", "Limits", "exchange", "http_client"]

#: bytes of an error response read for its message; the rest is not read
ERROR_BYTES = 1 << 16
#: largest token count believed (a trillion)
MAX_TOKENS = 10**12
#: chunk size of the body reads
CHUNK = 1 << 16
#: statuses worth another attempt (as the ``openai`` client retries them)
RETRY_STATUSES = frozenset({408, 409, 429})

TokenCount = Annotated[int, Field(strict=True, ge=0, le=MAX_TOKENS)]


class Usage(BaseModel):
    """``usage`` of a chat completion: token counts are integers, 0 or more, when given."""

    model_config = ConfigDict(extra="ignore")

    prompt_tokens: TokenCount | None = None
    completion_tokens: TokenCount | None = None
    total_tokens: TokenCount | None = None


class Message(BaseModel):
    """The assistant's message: its content is a string (the answer), or null with a refusal."""

    model_config = ConfigDict(extra="ignore", strict=True)

    content: str | None = None
    refusal: str | None = None


class Choice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message: Message


class ChatCompletion(BaseModel):
    """The parts of a chat-completions response that are used; anything else in it is ignored."""

    model_config = ConfigDict(extra="ignore")

    choices: list[Choice] = Field(min_length=1)
    usage: Usage | None = None


@dataclass(frozen=True)
class Limits:
    """What one exchange may cost."""

    deadline: float  # wall-clock seconds for the whole exchange, retries included
    max_bytes: int  # largest response body read
    max_retries: int  # attempts after the first


@dataclass
class Exchange:
    """The outcome of one exchange: the answer (message content) and its token counts, or a problem."""

    content: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    problem: Issue | None = None
    attempts: int = 0


class _Refused(Exception):
    """An attempt ended without a usable body; ``code`` and ``reason`` say why."""

    def __init__(self, code: str, reason: str, *, retry: bool = False, wait: float | None = None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.retry = retry
        self.wait = wait  # what the server asked to wait before the next attempt (Retry-After)


class _Attempt:
    """One attempt's connections, which a timer shuts down when the deadline passes.

    Shutting a socket down wakes a read blocked on it (closing it would not), so a trickling server is cut
    off mid-header or mid-body.
    """

    def __init__(self, deadline_at: float):
        self.sockets: list[socket.socket] = []
        self.expired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline_at - time.monotonic()), self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Attempt:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: Mapping[str, object]) -> None:
        """httpcore's ``trace`` callback: keep the socket of each connection the attempt opens."""
        if not event.endswith((".connect_tcp.complete", ".connect_unix_socket.complete", ".start_tls.complete")):
            return
        extra = getattr(info.get("return_value"), "get_extra_info", None)  # the connection's network stream
        sock = extra("socket") if callable(extra) else None
        if not isinstance(sock, socket.socket):
            return
        with self._lock:
            self.sockets.append(sock)
            expired = self.expired
        if expired:  # opened just as the deadline passed
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self.sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


_current = threading.local()  # the attempt the calling thread is making (each worker makes one at a time)


def _on_request(request: _Request) -> None:
    """httpx request hook: let the attempt under way see the connections opened for this request."""
    attempt = getattr(_current, "attempt", None)
    if attempt is not None:
        request.extensions["trace"] = attempt.trace


def _on_response(response: _Response) -> None:
    """httpx response hook: an error status ends the attempt here, before anything reads its whole body."""
    status = response.status_code
    if status < 400:
        return
    body = bytearray()
    try:
        for chunk in response.iter_bytes(CHUNK):
            body += chunk
            if len(body) >= ERROR_BYTES:
                break
    except _transport_errors():  # the message is a courtesy: a body that fails to arrive is not needed
        pass
    retry = status in RETRY_STATUSES or status >= 500
    raise _Refused(
        "llm-request-failed",
        f"HTTP {status}{_error_message(bytes(body[:ERROR_BYTES]))}",
        retry=retry,
        wait=_retry_after(response.headers) if retry else None,
    )


def _error_message(body: bytes) -> str:
    """``: MESSAGE`` from an OpenAI error body (``{"error": {"message": ...}}``), shortened; else nothing."""
    try:
        data = parse_json(body.decode("utf-8", "replace"))
    except ParseFailure:
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    text = " ".join(message.split())
    return f": {text[:200]}{'...' if len(text) > 200 else ''}"


def _retry_after(headers: _Headers) -> float | None:
    """Seconds the server asks to wait (``retry-after-ms``, ``retry-after`` in seconds or as a date)."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if not value or len(value) > 40:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            when = email.utils.parsedate_tz(value)
            if when is None:
                continue
            seconds = email.utils.mktime_tz(when) - time.time()
        if math.isfinite(seconds):
            return max(0.0, seconds)
    return None


def _backoff(retry: int) -> float:
    """The ``openai`` client's backoff: 0.5 s doubling up to 8 s, less up to a quarter of jitter."""
    return min(0.5 * 2.0 ** (retry - 1), 8.0) * (1 - 0.25 * random.random())  # not cryptography


def http_client() -> openai.DefaultHttpxClient:
    """An httpx client for ``openai.OpenAI(http_client=...)`` with the hooks the deadline needs (of the httpx
    flavour the installed ``openai`` is built on, hence ``openai.DefaultHttpxClient``)."""
    import openai

    return openai.DefaultHttpxClient(event_hooks={"request": [_on_request], "response": [_on_response]})


#: headers of every request: a connection per attempt (for the watchdog), no compressed bodies (for the cap)
HEADERS = {"Connection": "close", "Accept-Encoding": "identity"}


def _transport_errors() -> tuple[type[BaseException], ...]:
    """What reading a body may raise: OS errors and the HTTP errors of the httpx flavours loaded (``openai``
    1.x is built on httpx, later versions on httpx2)."""
    errors: list[type[BaseException]] = [OSError]
    for name in ("httpx", "httpx2"):
        base = getattr(sys.modules.get(name), "HTTPError", None)
        if isinstance(base, type) and issubclass(base, BaseException):
            errors.append(base)
    return tuple(errors)


def _read_body(response: _Response, limits: Limits, deadline_at: float, attempt: _Attempt) -> bytes:
    """The body, read in chunks: refused past the cap or the deadline."""
    declared = response.headers.get("content-length") or ""
    if declared.strip().isdigit() and (len(declared.strip()) > 18 or int(declared) > limits.max_bytes):
        raise _Refused(
            "llm-answer-too-large",
            f"the response announces {_size(declared.strip())}, more than --max-answer-bytes "
            f"({limits.max_bytes:,} bytes); nothing of it was read",
        )
    body = bytearray()
    for chunk in response.iter_bytes(CHUNK):
        if len(body) + len(chunk) > limits.max_bytes:
            raise _Refused(
                "llm-answer-too-large",
                f"the response is longer than --max-answer-bytes ({limits.max_bytes:,} bytes); reading stopped there",
            )
        body += chunk
        if time.monotonic() > deadline_at:
            break
    if attempt.expired or time.monotonic() > deadline_at:  # cut off: what was read may look complete
        raise _Refused("llm-timeout", "")
    return bytes(body)


def _size(digits: str) -> str:
    return f"{int(digits):,} bytes" if len(digits) <= 18 else f"a {len(digits)}-digit number of bytes"


def exchange(client: openai.OpenAI, request: dict[str, Any], limits: Limits, *, where: str, file: str) -> Exchange:
    """Send ``request`` (keyword arguments of ``chat.completions.create``) until an answer arrives, the
    retries run out or the deadline passes. Problems are warnings about ``file``, their message starting
    with ``where``."""
    import openai

    started = time.monotonic()
    deadline_at = started + limits.deadline
    attempts = 0
    last = ""
    failures: tuple[type[BaseException], ...] = (openai.APIConnectionError, *_transport_errors())
    while True:
        attempts += 1
        left = deadline_at - time.monotonic()
        try:
            if left <= 0:
                raise _Refused("llm-timeout", "")
            with _Attempt(deadline_at) as attempt:
                _current.attempt = attempt
                try:
                    with client.chat.completions.with_streaming_response.create(**request, timeout=left) as response:
                        body = _read_body(response, limits, deadline_at, attempt)
                except failures as exc:  # a timeout, a refused or cut connection (the watchdog's, or the server's)
                    if attempt.expired or time.monotonic() >= deadline_at:
                        raise _Refused("llm-timeout", "") from None
                    raise _Refused("llm-request-failed", _reason(exc), retry=True) from None
                except openai.OpenAIError as exc:  # anything else the client raises before the body
                    raise _Refused("llm-request-failed", _reason(exc)) from None
                finally:
                    _current.attempt = None
            content, usage = _parse(body, where, file)
            return Exchange(content, usage, attempts=attempts)
        except _Refused as refused:
            if refused.code == "llm-timeout":
                return _timed_out(limits, attempts, last, where, file)
            last = refused.reason
            if not refused.retry or attempts > limits.max_retries:
                more = f" (after {attempts} attempts)" if attempts > 1 else ""
                return Exchange(problem=issue(refused.code, f"{where}: {refused.reason}{more}", file=file))
            wait = refused.wait if refused.wait is not None else _backoff(attempts)
            if time.monotonic() + wait >= deadline_at:
                return _timed_out(limits, attempts, last, where, file, wait=refused.wait)
            time.sleep(wait)
        except _Invalid as invalid:
            return Exchange(problem=invalid.issue, attempts=attempts)


def _timed_out(
    limits: Limits, attempts: int, last: str, where: str, file: str, *, wait: float | None = None
) -> Exchange:
    asked = f"; the server asked to wait {wait:g} s more" if wait is not None else ""
    tried = f" ({attempts} attempt(s); the last failed: {last})" if last else f" ({attempts} attempt(s))"
    message = f"{where}: no complete answer within the deadline of {limits.deadline:g} s{tried}{asked}"
    return Exchange(
        problem=issue("llm-timeout", message, hint="raise --timeout if the model is slow", file=file),
        attempts=attempts,
    )


def _reason(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    cause = exc.__cause__ or exc.__context__
    detail = f" ({type(cause).__name__})" if cause is not None and not status else ""
    return f"HTTP {status}" if status else f"{type(exc).__name__}{detail}"


class _Invalid(Exception):
    def __init__(self, found: Issue):
        super().__init__(found.message)
        self.issue = found


def _parse(body: bytes, where: str, file: str) -> tuple[str, dict[str, int]]:
    """The message content and token counts of a chat-completions response body; :class:`_Invalid` if the
    body is not one."""
    try:
        data = parse_json(decode_utf8(body))
    except ParseFailure as failure:
        found = failure.issue
        at = f" at line {found.line}, column {found.column} of the response" if found.line else ""
        raise _Invalid(
            issue(
                "llm-invalid-response",
                f"{where}: the server's response is not JSON we read ({found.message}{at}; it starts {_start(body)})",
                file=file,
            )
        ) from None
    try:
        completion = ChatCompletion.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise _Invalid(
            issue(
                "llm-invalid-response",
                f"{where}: the server's response is not a chat completion: {first['msg']}{more}",
                file=file,
                path=format_path(first["loc"]),
            )
        ) from None
    message = completion.choices[0].message
    if message.content is None:
        refused = f": the model refused ({' '.join(message.refusal.split())[:200]})" if message.refusal else ""
        raise _Invalid(
            issue(
                "llm-invalid-response",
                f"{where}: the answer has no content{refused}",
                file=file,
                path="$.choices[0].message.content",
            )
        )
    usage = completion.usage.model_dump(exclude_none=True) if completion.usage else {}
    return message.content, usage


def _start(body: bytes) -> str:
    """The first bytes of a body, for a message (escaped, at most 40 characters)."""
    text = body[:40].decode("utf-8", "replace")
    return repr(text) + ("..." if len(body) > 40 else "") if body else "empty"
