"""The one safe way communique writes a file.

:func:`write_atomic` writes regular files only and never replaces what it should write into:

- ``-`` means standard output;
- a device, FIFO or socket is refused (``output-not-regular``), a folder too (``output-is-folder``);
- a symlink is followed: its target gets the content and the link stays;
- an existing file keeps its mode (and owner, where the process may set it); a file or folder without any
  write permission bit is refused (``output-read-only``), even for root, who could otherwise write it;
- the content goes to a temporary file beside the target, is flushed and fsynced, and only then renamed over
  the target: a failing write or close (a full disk) is a ``write-failed`` error with the previous file
  intact and the temporary file removed.

Every refusal is a :class:`~communique.schema.errors.CommuniqueError` naming the path, never a traceback.

:func:`write_new_or_forced` adds the rule for files a user may have edited (``draft --out``, ``bench --out``,
an import's ``<document_id>.yaml``...): an existing file whose bytes differ is refused (``output-exists``)
unless ``force`` is given, and then its previous content is first kept as a GNU-style numbered backup
(``FILE.~1~``, ``FILE.~2~``, ..., as ``cp --backup=numbered`` names them; an earlier backup is never
replaced). A file that already holds exactly the new bytes is left as it is, so re-running a command is
harmless.

A URL (``s3://bucket/out.jsonl``, ``memory://...``: :mod:`communique.io.remote`) is written through its fsspec
filesystem, keeping what the filesystem allows: the content goes to a temporary object beside the target
(``.communique-<random>.tmp``) and is then moved over it, so a failed upload leaves the previous object as it
was (on an object store the move is a server-side copy: a reader sees the old object or the whole new one;
a run killed between the copy and the removal of the temporary object leaves that object behind). An existing
object is checked before it is written (``output-exists`` without ``--force``, a numbered backup
``OBJECT.~N~`` with it), and checked again just before the move when nothing may be replaced; object stores
have no conditional write, so an object created by someone else between that check and the move is replaced.
There are no permission bits, owners or fsyncs to keep: the filesystem's own durability applies.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import posixpath
import re
import secrets
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import overload

from communique.io.remote import Remote, failure, is_url, open_url
from communique.schema.errors import CommuniqueError, issue

STDOUT = "-"
NAME_MAX = 255  # bytes per path component on Linux, macOS and Windows file systems
PATH_MAX = 4096

# errno of a failed system call -> the catalogue code that explains it to a user
_CODES = {
    errno.ENOTDIR: "output-not-folder",
    errno.EEXIST: "output-not-folder",
    errno.EISDIR: "output-is-folder",
    errno.EACCES: "output-read-only",
    errno.EPERM: "output-read-only",
    errno.EROFS: "output-read-only",
    errno.ENAMETOOLONG: "output-name-too-long",
}


def output_error(code: str, path: str | os.PathLike[str], message: str, hint: str | None = None) -> CommuniqueError:
    """A :class:`CommuniqueError` with one issue about the output ``path``."""
    return CommuniqueError([issue(code, message, file=os.fspath(path), hint=hint)])


def os_error(exc: OSError, path: str | os.PathLike[str], doing: str) -> CommuniqueError:
    """Turn a failed system call into a coded error naming ``path``."""
    code = _CODES.get(exc.errno or 0, "write-failed")
    return output_error(code, path, f"cannot {doing}: {exc.strerror or exc}")


def check_output_path(path: str | os.PathLike[str]) -> None:
    """Refuse paths that cannot name something to write: empty, ``.``, ``..``, ``/`` and too long names."""
    raw = os.fspath(path)
    name = os.path.basename(raw.rstrip("/"))
    if not raw or name in ("", ".", ".."):
        raise output_error("output-invalid-path", raw or "''", "not a file or folder name to write to")
    too_long = [part for part in raw.split("/") if len(os.fsencode(part)) > NAME_MAX]
    if too_long:
        raise output_error(
            "output-name-too-long",
            raw,
            f"a name is {len(os.fsencode(too_long[0]))} bytes long; the file system allows {NAME_MAX}",
        )
    if len(os.fsencode(os.path.abspath(raw))) >= PATH_MAX:
        raise output_error("output-name-too-long", raw, f"the path is longer than {PATH_MAX} bytes")


def is_read_only(mode: int) -> bool:
    """True when no one may write: a deliberate protection that communique respects even as root."""
    return not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def ensure_folder(folder: Path, shown: str | os.PathLike[str]) -> None:
    """Create ``folder`` (and its parents) if needed; refuse files, read-only folders and failures by code."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mode = folder.stat().st_mode
    except FileExistsError as exc:  # mkdir found a file where a folder should be
        raise output_error("output-not-folder", shown, f"{exc.filename or folder} is not a folder") from None
    except OSError as exc:
        raise os_error(exc, shown, f"create folder {folder}") from None
    if not stat.S_ISDIR(mode):
        raise output_error("output-not-folder", shown, f"{folder} is not a folder")
    if is_read_only(mode):
        raise output_error("output-read-only", shown, f"the folder {folder} is read-only")


def resolve_output_file(path: str | os.PathLike[str]) -> tuple[Path, os.stat_result | None]:
    """The real file to write for ``path`` (symlinks followed) and its status if it exists.

    Raises a coded error for anything that is not a regular file or a missing one.
    """
    check_output_path(path)
    shown = os.fspath(path)
    if shown.endswith("/"):
        raise output_error("output-is-folder", shown, "names a folder; give a file name")
    real = Path(os.path.realpath(shown))
    try:
        status: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise os_error(exc, shown, "inspect the output") from None
    if status is not None:
        if stat.S_ISDIR(status.st_mode):
            raise output_error("output-is-folder", shown, "is a folder; give a file name inside it")
        if not stat.S_ISREG(status.st_mode):
            kind = "FIFO" if stat.S_ISFIFO(status.st_mode) else "socket" if stat.S_ISSOCK(status.st_mode) else "device"
            raise output_error(
                "output-not-regular", shown, f"is a {kind}, not a regular file", hint="use '-' for standard output"
            )
        if is_read_only(status.st_mode):
            raise output_error("output-read-only", shown, f"the file {real} is read-only")
    return real, status


def _pieces(data: bytes | str | Iterable[bytes | str]) -> Iterator[bytes]:
    """``data`` as bytes, a piece at a time (``str`` as UTF-8): a long output need not be one string."""
    for piece in (data,) if isinstance(data, bytes | bytearray | memoryview | str) else data:
        yield piece.encode("utf-8") if isinstance(piece, str) else bytes(piece)


def write_stdout(data: bytes | str | Iterable[bytes | str]) -> None:
    """Write ``data`` to standard output; a failing write (a full disk behind a redirect) is ``write-failed``."""
    try:
        sys.stdout.flush()
        for payload in _pieces(data):
            sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        raise  # the reader went away (`| head`): the CLI treats that as a normal end
    except OSError as exc:
        raise output_error("write-failed", STDOUT, f"cannot write to standard output: {exc.strerror or exc}") from None


def write_atomic(
    path: str | os.PathLike[str],
    data: bytes | str | Iterable[bytes | str],
    *,
    replace: bool = True,
    durable: bool = True,
) -> None:
    """Write ``data`` (``str`` as UTF-8; or an iterable of pieces, written as they come) to ``path`` safely; see
    the module docstring for the rules.

    With ``replace=False`` the file is created only if nothing is at ``path`` when the content is moved into
    place (a file appearing meanwhile is refused with ``output-exists``, not replaced). ``durable=False`` skips
    the two fsyncs (file and folder): the write is still atomic (a reader sees the old file or the whole new
    one), but a power cut may lose it. For caches only, where a lost file costs time.
    """
    if os.fspath(path) == STDOUT:
        write_stdout(data)
        return
    if is_url(path):
        _write_remote(str(path), data, replace=replace)
        return
    target, status = resolve_output_file(path)
    shown = os.fspath(path)
    if status is not None and not replace:
        raise exists_error(shown)
    ensure_folder(target.parent, shown)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".communique-", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise os_error(exc, shown, f"create a file in {target.parent}") from None
    try:
        try:
            _keep_mode_and_owner(fd, status)
            for payload in _pieces(data):
                view = memoryview(payload)
                while view:  # os.write may write less than asked
                    view = view[os.write(fd, view) :]
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)  # a failing close (NFS, quota) raises here and counts as a failed write
        if replace:
            os.replace(tmp, target)
        else:
            _create_from(tmp, target, shown)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise output_error(
            "write-failed", shown, f"cannot write {target}: {exc.strerror or exc}; the previous file is unchanged"
        ) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        sync_folder(target.parent)


def _create_from(tmp: str, target: Path, shown: str) -> None:
    """Give the written temporary file the name ``target`` only if that name is free (a hard link fails on an
    existing name, where a rename would replace it), then drop the temporary name."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        Path(tmp).unlink(missing_ok=True)
        raise exists_error(shown) from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if target.exists() or target.is_symlink():  # no hard links here: check, then rename (a tiny race)
            Path(tmp).unlink(missing_ok=True)
            raise exists_error(shown) from None
        os.replace(tmp, target)
        return
    Path(tmp).unlink()


#: errno of a file system that has no hard links (FAT, some network and FUSE file systems) or refuses them
_NO_LINKS = {errno.EPERM, errno.EACCES, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


def exists_error(shown: str | os.PathLike[str]) -> CommuniqueError:
    """The refusal of an output file that exists and holds something else (``output-exists``)."""
    return output_error(
        "output-exists",
        shown,
        "exists and differs from what would be written; it may hold your work, so it is left as it is",
        hint="pass --force to replace it (its content is kept as a numbered backup FILE.~N~), or write elsewhere",
    )


@overload
def write_new_or_forced(path: Path, data: bytes | str, *, force: bool = False) -> Path | None: ...
@overload
def write_new_or_forced(
    path: str | os.PathLike[str], data: bytes | str, *, force: bool = False
) -> Path | str | None: ...
def write_new_or_forced(path: str | os.PathLike[str], data: bytes | str, *, force: bool = False) -> Path | str | None:
    """Write ``data`` to ``path`` unless that would replace a file holding something else, and return the
    backup made, if any.

    ``-`` is standard output (never refused). A missing file is created atomically (and a file appearing
    meanwhile is not replaced); a file already holding exactly ``data`` is left as it is; any other existing
    file is refused with ``output-exists`` unless ``force``, and then kept as ``FILE.~N~``
    (:func:`numbered_backup`) before the new content replaces it atomically. A URL's backup is returned as
    its URL.
    """
    if os.fspath(path) == STDOUT:
        write_stdout(data)
        return None
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if is_url(path):
        return _write_new_or_forced_remote(str(path), payload, force)
    target, status = resolve_output_file(path)
    if status is None:
        write_atomic(path, payload, replace=False)
        return None
    if holds(target, status, payload):
        return None
    if not force:
        raise exists_error(path)
    backup = numbered_backup(target, path)
    write_atomic(path, payload)
    return backup


def check_new_or_forced(path: str | os.PathLike[str], data: bytes | str, *, force: bool = False) -> None:
    """Raise what :func:`write_new_or_forced` would refuse, writing nothing: lets a command that writes several
    files check them all before it writes the first."""
    if os.fspath(path) == STDOUT:
        return
    if is_url(path):
        remote = _remote_file(str(path))
        if remote.kind() is not None and not force and not _remote_holds(remote, data):
            raise exists_error(path)
        return
    target, status = resolve_output_file(path)
    if status is not None and not force and not holds(target, status, data):
        raise exists_error(path)


def holds(target: Path, status: os.stat_result, data: bytes | str) -> bool:
    """True when the regular file ``target`` (of ``status``) holds exactly ``data``; read in blocks, and only
    when the sizes agree."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if status.st_size != len(payload):
        return False
    block = 1 << 20
    try:
        with open(target, "rb") as handle:
            for start in range(0, len(payload), block):
                if handle.read(block) != payload[start : start + block]:
                    return False
            return handle.read(1) == b""
    except OSError:
        return False


_BACKUP_NUMBER = re.compile(r"\.~([0-9]{1,18})~")


def numbered_backup(target: Path, shown: str | os.PathLike[str] | None = None) -> Path:
    """Keep the current content of ``target`` as ``target.~N~``, N one more than the highest numbered backup
    beside it (GNU ``--backup=numbered``), and return that path. An existing backup is never replaced: the
    name is taken with a hard link, which fails on an existing name (or, where hard links are unavailable, by
    an exclusive create and a copy)."""
    where = os.fspath(shown) if shown is not None else str(target)
    prefix = target.name
    highest = 0
    try:
        with os.scandir(target.parent) as entries:
            for entry in entries:
                if entry.name.startswith(prefix):
                    found = _BACKUP_NUMBER.fullmatch(entry.name, len(prefix))
                    if found:
                        highest = max(highest, int(found[1]))
    except OSError as exc:
        raise os_error(exc, where, f"list {target.parent} for backups") from None
    number = highest + 1
    while True:
        backup = target.with_name(f"{target.name}.~{number}~")
        if len(os.fsencode(backup.name)) > NAME_MAX:
            raise output_error(
                "output-name-too-long", where, f"the backup name {backup.name!r} would be longer than {NAME_MAX} bytes"
            )
        try:
            _link_or_copy(target, backup)
        except FileExistsError:
            number += 1
            continue
        except OSError as exc:
            raise os_error(exc, where, f"keep the previous file as {backup}") from None
        sync_folder(target.parent)
        return backup


def _link_or_copy(target: Path, backup: Path) -> None:
    """``backup`` becomes a second name of ``target``'s current file, or a copy of it; never replaces a file."""
    try:
        os.link(target, backup, follow_symlinks=False)
        return
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
    fd = os.open(backup, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IMODE(os.stat(target).st_mode))
    try:
        with open(target, "rb") as source, os.fdopen(fd, "wb", closefd=False) as sink:
            shutil.copyfileobj(source, sink)
            sink.flush()
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        backup.unlink(missing_ok=True)
        raise
    os.close(fd)


def _keep_mode_and_owner(fd: int, status: os.stat_result | None) -> None:
    if status is None:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; a new file gets the usual permissions
        return
    os.fchmod(fd, stat.S_IMODE(status.st_mode))
    with contextlib.suppress(PermissionError):  # only root (or the owner, for the group) may; mode is kept anyway
        os.fchown(fd, status.st_uid, status.st_gid)


def sync_folder(folder: Path) -> None:
    """fsync a folder so that a rename in it survives a power cut (best effort: not every system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def encode_like(text: str, original: bytes) -> bytes:
    """Encode ``text`` as UTF-8 with the byte order mark and line endings (CRLF or LF) of ``original``.

    Used when rewriting a user's file: a YAML dumper writes ``\\n`` and no BOM, whatever the file had.
    """
    text = text.replace("\r\n", "\n")
    crlf = original.count(b"\r\n")
    if crlf and crlf >= original.count(b"\n") - crlf:  # mostly CRLF: the file is a CRLF file
        text = text.replace("\n", "\r\n")
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    return bom + text.encode("utf-8")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ------------------------------------------------------------------------------------------ URLs (fsspec)


def _remote_file(url: str) -> Remote:
    """The object ``url`` names, if it can name a file to write: not a folder (``output-is-folder``), nor
    anything else the filesystem does not call a file (``output-not-regular``)."""
    remote = open_url(url)
    if url.endswith("/"):
        raise output_error("output-is-folder", url, "names a folder; give a file name")
    if remote.name in ("", ".", ".."):
        raise output_error("output-invalid-path", url, "not a file name to write to")
    kind = remote.kind()
    if kind == "directory":
        raise output_error("output-is-folder", url, "is a folder; give a file name inside it")
    if kind not in (None, "file"):
        raise output_error("output-not-regular", url, f"is a {kind}, not a file")
    return remote


def _write_remote(url: str, data: bytes | str | Iterable[bytes | str], *, replace: bool) -> None:
    """:func:`write_atomic` for a URL (see the module docstring for what each rule becomes there)."""
    remote = _remote_file(url)
    if not replace and remote.kind() is not None:
        raise exists_error(url)
    tmp = remote.parent().child(f".communique-{secrets.token_hex(8)}.tmp")
    try:
        with remote.fs.open(tmp.path, "wb") as handle:
            for payload in _pieces(data):
                handle.write(payload)
        if not replace and remote.kind() is not None:  # appeared meanwhile (checked again: no conditional write)
            raise exists_error(url)
        remote.fs.mv(tmp.path, remote.path)
    except CommuniqueError:
        _remove_quietly(tmp)
        raise
    except Exception as exc:  # OSError, or a cloud client's own errors
        _remove_quietly(tmp)
        found = failure(exc, url, "write")
        raise output_error(
            "write-failed", url, f"{found.message.removeprefix('cannot write: ')}; the previous object is unchanged"
        ) from None
    except BaseException:
        _remove_quietly(tmp)
        raise


def _remove_quietly(remote: Remote) -> None:
    with contextlib.suppress(Exception):  # best effort: the object may not have been made
        remote.fs.rm_file(remote.path)


def _remote_holds(remote: Remote, data: bytes | str) -> bool:
    """True when the object holds exactly ``data`` (read up to one byte more than ``data``)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with remote.fs.open(remote.path, "rb") as handle:
            return bool(handle.read(len(payload) + 1) == payload)
    except Exception:
        return False


def _write_new_or_forced_remote(url: str, payload: bytes, force: bool) -> str | None:
    remote = _remote_file(url)
    if remote.kind() is None:
        _write_remote(url, payload, replace=False)
        return None
    if _remote_holds(remote, payload):
        return None
    if not force:
        raise exists_error(url)
    backup = _remote_backup(remote)
    _write_remote(url, payload, replace=True)
    return backup


def _remote_backup(remote: Remote) -> str:
    """Copy the object to ``OBJECT.~N~``, N one more than the highest backup beside it; the backup's URL.
    (Checked, then copied: an object store cannot refuse an existing name, so this is not race-free.)"""
    folder = remote.parent()
    try:
        names = [posixpath.basename(str(n).rstrip("/")) for n in folder.fs.ls(folder.path, detail=False)]
    except Exception as exc:
        raise CommuniqueError([failure(exc, folder.url, "list the folder for backups")]) from None
    prefix = remote.name
    numbers = [int(m[1]) for n in names if n.startswith(prefix) and (m := _BACKUP_NUMBER.fullmatch(n, len(prefix)))]
    number = max(numbers, default=0) + 1
    while True:
        backup = Remote(remote.fs, f"{remote.path}.~{number}~", f"{remote.url}.~{number}~")
        if backup.kind() is None:
            break
        number += 1
    try:
        remote.fs.copy(remote.path, backup.path)
    except Exception as exc:
        raise CommuniqueError(
            [failure(exc, remote.url, f"keep the previous object as {backup.url}", "write-failed")]
        ) from None
    return backup.url
