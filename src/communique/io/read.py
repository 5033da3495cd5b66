"""The one way communique reads a file the user gives it, and the one JSON Lines reader.

:func:`read_input` (whole files) and :func:`open_input` (files read as a stream) read regular files only:

- ``-`` means standard input, where the caller allows it;
- a folder, FIFO, device or socket is refused at once (``input-not-regular``): the path is checked with
  ``stat`` before it is opened, and opened with ``O_NONBLOCK`` and checked again with ``fstat``, so a FIFO
  swapped in between cannot block the read;
- a file larger than its cap is refused (``input-too-large``) before it is read: :data:`MAX_INPUT_BYTES` for
  corpus-sized inputs (prediction files, annotation files, tool exports), smaller caps where the format
  implies it (:data:`MAX_TEXT_BYTES` for one document's text, :data:`MAX_SMALL_BYTES` for metadata and
  prompts). A file that grows past its cap while it is read is refused too.

:func:`json_lines` splits JSON Lines on ``\\n`` only (``str.splitlines`` also splits on U+2028, U+0085 and
others, which are valid inside JSON strings and which communique writes raw) and parses each line with the
strict, bounded :func:`~communique.io.parse.parse_json`; every failure is an issue located by line.

Every refusal is an :class:`InputRefused` (a :class:`~communique.schema.errors.CommuniqueError`) naming the
path, never a traceback.

A URL (``s3://bucket/predictions.jsonl``, ``memory://...``: :mod:`communique.io.remote`) is read through its
fsspec filesystem under the same rules, as far as a filesystem has them: only an object the filesystem calls a
file is read (a folder or prefix is ``input-not-regular``), its size as the filesystem reports it is checked
against the cap before anything is read, and the bytes are counted as they come (an object that grows past
the cap is refused). A missing object is ``file-not-found``; any other failure of the filesystem ``io-error``.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from communique.io.parse import ParseFailure, decode_utf8, parse_json
from communique.io.remote import Remote, failure, is_url, open_url
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.jsontypes import JsonValue

STDIN = "-"
MiB = 1 << 20
#: environment variable that changes :data:`MAX_INPUT_BYTES` (in MiB), for corpora whose files are larger
MAX_INPUT_ENV = "COMMUNIQUE_MAX_INPUT_MB"
#: corpus-sized inputs: prediction files, annotation files, Label Studio and brat exports, DocBins, CoNLL
MAX_INPUT_BYTES = 256 * MiB
#: one document's text: a seed given to ``communique add``, a brat ``.txt``
MAX_TEXT_BYTES = 64 * MiB
#: small files by nature: seed metadata, an LLM prompt
MAX_SMALL_BYTES = 1 * MiB
#: how much is read at a time: a file is never asked for more than it can hold plus this
_CHUNK = 4 * MiB
#: JSON's own whitespace (a line holding only these is blank); ``str.strip()`` would also strip U+2028 and others
JSON_WHITESPACE = " \t\r\n"


class InputRefused(CommuniqueError):
    """An input that is not read: missing, not a regular file, or too large. ``issue`` says which."""

    def __reduce__(self) -> tuple[type, tuple[list[Issue]]]:  # keep the issue across processes (--jobs)
        return (InputRefused, (self.issues,))

    @property
    def issue(self) -> Issue:
        return self.issues[0]


def default_limit() -> int:
    """:data:`MAX_INPUT_BYTES`, or what ``$COMMUNIQUE_MAX_INPUT_MB`` says (a positive number of MiB)."""
    raw = os.environ.get(MAX_INPUT_ENV, "").strip()
    if not raw:
        return MAX_INPUT_BYTES
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < 1 << 40:
        raise CommuniqueError(
            [
                issue(
                    "invalid-value",
                    f"${MAX_INPUT_ENV} must be a positive number of MiB, not {raw[:40]!r}",
                    file=MAX_INPUT_ENV,
                )
            ]
        )
    return int(value * MiB)


def _size(n: int) -> str:
    return f"{n / MiB:,.1f} MiB" if n >= MiB else f"{n:,} bytes"


def _too_large(name: str, size: str, limit: int) -> InputRefused:
    return InputRefused(
        [
            issue(
                "input-too-large",
                f"the input is {size}; communique reads at most {_size(limit)} from a file like this",
                file=name,
                hint=f"split it, or raise the limit with ${MAX_INPUT_ENV}"
                if limit == default_limit()
                else "no file of this kind needs to be that large",
            )
        ]
    )


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def not_regular(name: str, mode: int) -> InputRefused:
    """The refusal of a path whose ``st_mode`` is ``mode``, which is not a regular file."""
    return InputRefused(
        [
            issue(
                "input-not-regular",
                f"the input is {_kind(mode)}; only regular files are read",
                file=name,
                hint="give the path of a file (copy what a pipe produces into a file first)",
            )
        ]
    )


def _unreadable(name: str, exc: OSError) -> InputRefused:
    code = "file-not-found" if exc.errno in (errno.ENOENT, errno.ENOTDIR) else "io-error"
    return InputRefused([issue(code, f"cannot read: {exc.strerror or exc}", file=name)])


def check_regular(path: str | os.PathLike[str], limit: int | None = None) -> os.stat_result:
    """The ``stat`` of ``path`` if it is a regular file of at most ``limit`` bytes; else :class:`InputRefused`."""
    name = os.fspath(path)
    try:
        status = os.stat(path)
    except OSError as exc:
        raise _unreadable(name, exc) from None
    if not stat.S_ISREG(status.st_mode):
        raise not_regular(name, status.st_mode)
    cap = default_limit() if limit is None else limit
    if status.st_size > cap:
        raise _too_large(name, _size(status.st_size), cap)
    return status


def check_url(url: str, limit: int | None = None) -> tuple[Remote, int | None]:
    """The object at ``url`` opened, and its size as its filesystem reports it (``None`` if it does not), if it is
    a file within ``limit`` bytes; else :class:`InputRefused` (see the module's rules for URLs)."""
    try:
        remote = open_url(url)
        info = remote.fs.info(remote.path)
    except CommuniqueError as exc:
        raise InputRefused(exc.issues) from None
    except Exception as exc:  # FileNotFoundError, or a cloud client's own errors
        raise InputRefused([failure(exc, url, "read")]) from None
    kind = info.get("type")
    if kind != "file":
        raise not_regular(url, stat.S_IFDIR if kind == "directory" else 0)
    size = info.get("size")
    cap = default_limit() if limit is None else limit
    if isinstance(size, int) and size > cap:
        raise _too_large(url, _size(size), cap)
    return remote, size if isinstance(size, int) else None


def _open_url(url: str, limit: int | None) -> tuple[BinaryIO, int]:
    remote, size = check_url(url, limit)
    try:
        handle: BinaryIO = remote.fs.open(remote.path, "rb")
    except Exception as exc:
        raise InputRefused([failure(exc, url, "read")]) from None
    return handle, size or 0


def open_input(path: str | os.PathLike[str], limit: int | None = None) -> BinaryIO:
    """A regular file opened for reading in binary mode (see the module's rules); the caller closes it.

    The cap is checked on the file's size when it is opened; a reader that streams the file keeps to what
    it was told (:func:`read_input` checks the bytes it gets as well)."""
    if is_url(path):
        return _open_url(str(path), limit)[0]
    name = os.fspath(path)
    check_regular(path, limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _unreadable(name, exc) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):  # swapped for something else since the check above
            raise not_regular(name, status.st_mode)
        cap = default_limit() if limit is None else limit
        if status.st_size > cap:
            raise _too_large(name, _size(status.st_size), cap)
        os.set_blocking(fd, True)  # a regular file: blocking reads are the ordinary ones
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: str | os.PathLike[str], limit: int | None = None, *, stdin: bool = False) -> bytes:
    """The bytes of the regular file ``path`` (``-`` is standard input when ``stdin``), at most ``limit``
    bytes (default :func:`default_limit`); anything else is refused with :class:`InputRefused`."""
    name = os.fspath(path)
    cap = default_limit() if limit is None else limit
    if stdin and name == STDIN:
        return _read_capped(sys.stdin.buffer, "<stdin>", cap, 0)
    if is_url(path):
        handle, size = _open_url(name, cap)
        try:
            with handle:
                return _read_capped(handle, name, cap, size)
        except InputRefused:
            raise
        except Exception as exc:  # the connection failed half-way
            raise InputRefused([failure(exc, name, "read")]) from None
    with open_input(path, cap) as handle:
        return _read_capped(handle, name, cap, os.fstat(handle.fileno()).st_size)


def read_text(path: str | os.PathLike[str], limit: int | None = None, *, stdin: bool = False) -> str:
    """:func:`read_input` decoded as UTF-8 (a leading BOM dropped); a byte that is not UTF-8 is an
    ``encoding-error`` located in the file (a :class:`CommuniqueError`)."""
    raw = read_input(path, limit, stdin=stdin)
    try:
        return decode_utf8(raw)
    except ParseFailure as failure:
        name = "<stdin>" if stdin and os.fspath(path) == STDIN else os.fspath(path)
        raise CommuniqueError([failure.issue.located(name, failure.issue.line, failure.issue.column)]) from None


def too_large(name: str, size: int, limit: int) -> InputRefused:
    """The refusal of the input ``name`` of ``size`` bytes, over its cap ``limit``."""
    return _too_large(name, _size(size), limit)


def copy_capped(handle: BinaryIO, sink: BinaryIO, name: str, cap: int) -> tuple[int, str]:
    """Copy ``handle`` to ``sink`` a chunk at a time, refusing it once it has given more than ``cap`` bytes;
    the bytes copied and their sha256 (memory holds one chunk, whatever the size)."""
    digest = hashlib.sha256()
    got = 0
    while part := handle.read(min(_CHUNK, cap + 1 - got)):
        got += len(part)
        if got > cap:
            raise _too_large(name, f"more than {_size(cap)}", cap)
        digest.update(part)
        sink.write(part)
    return got, digest.hexdigest()


def _read_capped(handle: BinaryIO, name: str, cap: int, expected: int) -> bytes:
    """Read ``handle`` to its end, refusing it once it has given more than ``cap`` bytes."""
    parts: list[bytes] = []
    got = 0
    while True:
        # ask for what is expected (plus one byte, to see the end) in one read; then a chunk at a time
        want = min(cap + 1 - got, max(expected + 1 - got, _CHUNK))
        part = handle.read(want)
        if not part:
            break
        parts.append(part)
        got += len(part)
        if got > cap:
            raise _too_large(name, f"more than {_size(cap)}", cap)
    return parts[0] if len(parts) == 1 else b"".join(parts)


# ------------------------------------------------------------------------------------------ JSON Lines


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSON Lines text: its number, its text, and its value or the problem with it."""

    number: int
    text: str
    value: JsonValue = None
    problem: Issue | None = None


def split_lines(text: str, first: int = 1) -> Iterator[tuple[int, str]]:
    """``(number, line)`` for each line of ``text``, split on ``\\n`` only (a ``\\r`` before it is dropped)."""
    for number, line in enumerate(text.split("\n"), start=first):
        yield number, line.removesuffix("\r")


def parse_json_line(line: str, file: str, number: int) -> JsonValue:
    """One JSON Lines line parsed strictly (:func:`~communique.io.parse.parse_json`); a failure is a
    :class:`ParseFailure` whose issue is located at ``file``, line ``number``."""
    try:
        return parse_json(line)
    except ParseFailure as failure:
        found = failure.issue
        hint = found.hint or "each line must be one JSON value (JSON Lines)"
        raise ParseFailure(replace(found, file=file, line=number, hint=hint)) from None


def json_lines(text: str, file: str, first: int = 1) -> Iterator[JsonLine]:
    """The non-blank lines of a JSON Lines ``text``, each parsed (or its located problem); see the module."""
    for number, line in split_lines(text, first):
        if not line.strip(JSON_WHITESPACE):
            continue
        try:
            yield JsonLine(number, line, parse_json_line(line, file, number))
        except ParseFailure as failure:
            yield JsonLine(number, line, problem=failure.issue)
