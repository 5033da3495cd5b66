"""Writing a whole output folder (``export hf``, ``export brat``) without ever losing or deleting data.

:func:`replace_folder` writes into a staging folder beside the output and then swaps it into place:

- the output must be missing, empty, or a previous export of communique's own, recognised by its marker file
  (:data:`MARKER`), whose manifest lists every file the export wrote; anything else is refused
  (``output-not-empty``) and left as it is. ``/``, the working folder, a parent of it, the home folder and a
  project's own folders (``seeds/``, ``corpus/``, ``annotations/`` ...) are never replaced (``output-protected``);
- the swap is atomic at every instant: Linux ``renameat2(RENAME_EXCHANGE)`` exchanges the staging folder and
  the output in one step, so the output path always holds the complete old export or the complete new one.
  Where the exchange is unavailable (another kernel or file system) two renames are used, and a run killed
  between them is recovered by the next run, which puts the old export back;
- an exclusive lock (``fcntl.flock`` on a lock file beside the output) makes a second concurrent export of the
  same folder fail at once with ``output-locked``;
- leftovers of killed runs (staging folders, set-aside old exports) are removed by the next run, but only
  folders that carry communique's markers or are empty.

For tests, :data:`FAULT_ENV` names a step at which the process kills itself with SIGKILL, and
:data:`NO_EXCHANGE_ENV` forces the two-rename fallback.

An export to a URL (``s3://bucket/dist/hf``: :mod:`communique.io.remote`) is written locally as above, then
published by :func:`publish_export`. Object stores have no folders to rename and no locks, so the rules become:

- the same refusals, checked before the export is built and again before it is published: the output must be
  missing, empty, or a previous export of communique's (its manifest, or the marker of an unfinished one, lists
  every object there); the root of a bucket and a folder holding a project are never written;
- the swap becomes an order: first the marker :data:`PARTIAL` (listing the old and the new objects) and the
  removal of the old manifest, then the new objects (each object is written whole), then the removal of old
  objects the new export does not have, then the manifest, last, and the marker goes. An export is complete
  when, and only when, its manifest is there; a reader that sees the marker must wait. A failure half-way
  leaves the marker, and the next export replaces what it lists;
- there is no lock: two exports to the same URL at once are not detected.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from communique.io.read import default_limit, read_input
from communique.io.remote import Remote, failure, open_url
from communique.io.write import (
    NAME_MAX,
    check_output_path,
    ensure_folder,
    is_read_only,
    os_error,
    output_error,
    sync_folder,
)
from communique.schema.errors import CommuniqueError

MARKER = ".communique-export.json"  # in a finished export: its manifest
PARTIAL = ".communique-partial"  # in a staging folder while it is being written
FAULT_ENV = "COMMUNIQUE_FOLDER_FAULT"
NO_EXCHANGE_ENV = "COMMUNIQUE_FOLDER_NO_EXCHANGE"
STEPS = ("staged", "exchanged", "moved-aside", "renamed")  # where FAULT_ENV may kill
# folders of a communique (or any Python) project that an export must never replace
PROTECTED_NAMES = frozenset(
    {"seeds", "corpus", "annotations", "schema", "src", "tests", "benchmarks", "docs", ".git", ".venv"}
)
PROJECT_FILES = ("pyproject.toml", ".git", "Makefile")
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def replace_folder(out: str | os.PathLike[str], write: Callable[[Path], None], *, kind: str) -> None:
    """Run ``write(staging)`` into a fresh staging folder, then swap it into place at ``out``.

    ``kind`` names the export in the manifest (``hf``, ``brat``). If ``write`` raises, the staging folder is
    removed and ``out`` is untouched. Raises :class:`~communique.schema.errors.CommuniqueError` for an
    output that may not be replaced.
    """
    shown = os.fspath(out)
    check_output_path(shown)
    real = Path(os.path.realpath(shown))  # a symlinked output folder: its target gets the export
    refuse_protected(real, shown)
    ensure_folder(real.parent, shown)
    with _locked(real, shown):
        recover_leftovers(real)
        check_replaceable(real, shown)
        staging = _sibling(real, f"tmp-{os.getpid()}")
        try:
            staging.mkdir()
            (staging / PARTIAL).touch()
        except OSError as exc:
            raise os_error(exc, shown, f"create the staging folder {staging}") from None
        try:
            try:
                write(staging)
                _seal(staging, kind)
            except OSError as exc:  # e.g. a full disk while writing parquet: the previous export is untouched
                raise os_error(exc, shown, f"write the export: {exc.filename or staging}") from None
            _fault("staged")
            _swap(staging, real, shown)
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # the failed new export, or the old one once swapped out


def refuse_protected(real: Path, shown: str) -> None:
    """Refuse ``/``, the home folder, the working folder and its parents, a project or a project's folder."""
    cwd = Path.cwd().resolve()
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no password entry
        home = None
    reason = None
    if real == Path(real.anchor):
        reason = "is the root folder"
    elif real == cwd or real in cwd.parents:
        reason = "is the working folder or a parent of it"
    elif real == home:
        reason = "is the home folder"
    elif _is_project(real):
        reason = "holds a project (pyproject.toml, .git, Makefile, or seeds/ and annotations/)"
    elif real.name in PROTECTED_NAMES and (real.parent == cwd or _is_project(real.parent)):
        reason = f"is the project's own {real.name}/ folder"
    if reason:
        raise output_error("output-protected", shown, f"{reason}; communique never replaces it", hint=_HINT)


_HINT = "give a new or empty folder, e.g. dist/NAME"


def _is_project(folder: Path) -> bool:
    """A code project (pyproject.toml, .git, Makefile) or a communique data project (seeds/ and annotations/)."""
    return any((folder / name).exists() for name in PROJECT_FILES) or all(
        (folder / name).is_dir() for name in ("seeds", "annotations")
    )


def check_replaceable(real: Path, shown: str) -> None:
    """Refuse an output that is not missing, empty, or a complete previous export listed in its manifest."""
    try:
        mode = real.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise os_error(exc, shown, "inspect the output folder") from None
    if not stat.S_ISDIR(mode):
        raise output_error("output-not-folder", shown, "is a file, not a folder; communique leaves it as it is")
    if is_read_only(mode):
        raise output_error("output-read-only", shown, "the folder is read-only; communique leaves it as it is")
    try:
        if not any(real.iterdir()):
            return
    except OSError as exc:
        raise os_error(exc, shown, "list the output folder") from None
    listed = read_manifest(real)
    if listed is None:
        sample = ", ".join(sorted(p.name for p in real.iterdir())[:5])
        raise output_error(
            "output-not-empty",
            shown,
            f"holds files communique did not write ({sample}); it is not replaced",
            hint=_HINT,
        )
    extra = sorted(set(_files(real)) - set(listed) - {MARKER})
    if extra:
        raise output_error(
            "output-not-empty",
            shown,
            f"holds files that are not part of its previous export ({', '.join(extra[:5])}); it is not replaced",
            hint="move them elsewhere, or give another folder",
        )


def read_manifest(folder: Path) -> list[str] | None:
    """The files a communique export in ``folder`` lists in its marker, or None when it is not one."""
    try:
        manifest = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) and manifest.get("tool") == "communique" else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files


def recover_leftovers(real: Path) -> None:
    """Clean up after killed runs for this output: put a set-aside old export back if the output is missing,
    and remove staging and old folders, but only those communique made (marked, or empty)."""
    prefix = _sibling(real, "").name
    pattern = re.compile(re.escape(prefix) + r"(tmp|old)-[0-9]+")
    for path in sorted(real.parent.iterdir()):
        found = pattern.fullmatch(path.name)
        if found is None or path.is_symlink() or not path.is_dir():
            continue
        marked = read_manifest(path) is not None
        if found.group(1) == "old" and marked and not real.exists():
            path.rename(real)  # killed between the fallback's two renames: the old export comes back
        elif marked or (path / PARTIAL).exists() or not any(path.iterdir()):
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _locked(real: Path, shown: str) -> Iterator[None]:
    lock = _sibling(real, "lock")
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise os_error(exc, shown, f"create the lock file {lock}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            os.close(fd)
            raise output_error(
                "output-locked",
                shown,
                f"another communique process (pid {holder}) is writing this folder",
                hint="wait for it to finish, then run again",
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed the file after we opened it: lock the current one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        lock.unlink(missing_ok=True)  # before unlocking, so that a waiter re-checks and locks a fresh file
        os.close(fd)


def _sibling(real: Path, suffix: str) -> Path:
    """A hidden name beside ``real`` for its staging, old and lock files (hashed when ``real``'s name is long)."""
    name = real.name
    if len(os.fsencode(name)) > NAME_MAX - 40:
        name = "communique-" + hashlib.sha256(os.fsencode(name)).hexdigest()[:16]
    return real.with_name(f".{name}.{suffix}")


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if not p.is_dir())


def _seal(staging: Path, kind: str) -> None:
    """Flush every file to disk and replace the partial marker with the manifest."""
    (staging / PARTIAL).unlink()
    files = _files(staging)
    manifest = {"tool": "communique", "kind": kind, "files": files}
    (staging / MARKER).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    for name in [*files, MARKER]:
        fd = os.open(staging / name, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    for folder in {(staging / name).parent for name in files} | {staging}:
        sync_folder(folder)


def _swap(staging: Path, real: Path, shown: str) -> None:
    """Put ``staging`` at ``real``; afterwards ``staging`` holds the old export (or nothing)."""
    try:
        if not real.exists():
            staging.rename(real)
        else:
            os.chmod(staging, stat.S_IMODE(real.stat().st_mode))  # the folder keeps its permissions
            if exchange(staging, real):
                _fault("exchanged")
            else:
                _swap_by_renames(staging, real)
    except OSError as exc:
        raise os_error(exc, shown, "move the new export into place") from None
    sync_folder(real.parent)


def _swap_by_renames(staging: Path, real: Path) -> None:
    old = _sibling(real, f"old-{os.getpid()}")
    real.rename(old)
    _fault("moved-aside")
    try:
        staging.rename(real)
    except BaseException:
        old.rename(real)
        raise
    _fault("renamed")
    old.rename(staging)  # so that the caller removes it


def exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux ``renameat2(RENAME_EXCHANGE)``; False where unavailable."""
    if os.environ.get(NO_EXCHANGE_ENV):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without renameat2 (glibc < 2.28)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):  # the kernel or file system cannot exchange
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))


def _fault(step: str) -> None:
    if os.environ.get(FAULT_ENV) == step:  # fault injection for the kill tests
        os.kill(os.getpid(), signal.SIGKILL)


# ------------------------------------------------------------------------------------------ URLs (fsspec)


def check_remote_export(url: str) -> None:
    """Refuse, before an export is built, a URL it may not be published to (see the module docstring)."""
    _remote_contents(open_url(url))


def publish_export(local: Path, url: str) -> int:
    """Copy the finished export in the local folder ``local`` (sealed by :func:`replace_folder`) to ``url``, in
    the order the module docstring gives; the number of objects written."""
    remote = open_url(url)
    present = _remote_contents(remote)  # again: it may have changed while the export was built
    listed = read_manifest(local)
    if listed is None:  # a bug: only a sealed export is published
        raise ValueError(f"{local} holds no finished export")
    kind = json.loads((local / MARKER).read_text(encoding="utf-8")).get("kind")
    ours = {MARKER, PARTIAL}
    old = set(present) - ours
    partial = {"tool": "communique", "kind": kind, "files": sorted(old | set(listed))}
    try:
        remote.fs.pipe_file(remote.child(PARTIAL).path, (json.dumps(partial, indent=1) + "\n").encode())
        if MARKER in present:
            remote.fs.rm_file(remote.child(MARKER).path)
        for name in listed:
            remote.fs.put_file(os.fspath(local / name), remote.child(name).path)
        for name in sorted(old - set(listed)):
            remote.fs.rm_file(remote.child(name).path)
        remote.fs.put_file(os.fspath(local / MARKER), remote.child(MARKER).path)
        remote.fs.rm_file(remote.child(PARTIAL).path)
    except Exception as exc:  # OSError, or a cloud client's own errors
        found = failure(exc, url, "publish the export", "write-failed")
        raise output_error(
            "write-failed",
            url,
            f"{found.message}; the objects there are marked unfinished ({PARTIAL}) and the next export replaces them",
        ) from None
    return len(listed)


def _remote_contents(remote: Remote) -> list[str]:
    """The objects under ``remote`` (relative names) if an export may be published there; else the refusal."""
    shown = remote.url
    if "/" not in remote.path.strip("/"):  # `s3://bucket`, `memory://name`: never replaced
        raise output_error("output-protected", shown, "is the root of a bucket or filesystem", hint=_HINT)
    kind = remote.kind()
    if kind is None:
        return []
    if kind != "directory":
        raise output_error("output-not-folder", shown, "is a file, not a folder; communique leaves it as it is")
    base = remote.path.rstrip("/") + "/"
    try:
        found = remote.fs.find(remote.path, withdirs=False)
    except Exception as exc:
        raise CommuniqueError([failure(exc, shown, "list the output folder")]) from None
    present = sorted(str(name)[len(base) :] for name in found if str(name).startswith(base))
    if not present:
        return []
    top = {name.split("/", 1)[0] for name in present}
    if top & set(PROJECT_FILES) or {"seeds", "annotations"} <= top:
        raise output_error(
            "output-protected", shown, "holds a project (pyproject.toml, .git, Makefile, or seeds/ and annotations/)"
        )
    listed = _remote_manifest(remote, MARKER)
    if listed is None:
        listed = _remote_manifest(remote, PARTIAL)
    if listed is None:
        raise output_error(
            "output-not-empty",
            shown,
            f"holds objects communique did not write ({', '.join(present[:5])}); it is not replaced",
            hint=_HINT,
        )
    extra = sorted(set(present) - set(listed) - {MARKER, PARTIAL})
    if extra:
        raise output_error(
            "output-not-empty",
            shown,
            f"holds objects that are not part of its previous export ({', '.join(extra[:5])}); it is not replaced",
            hint="move them elsewhere, or give another folder",
        )
    return present


def _remote_manifest(remote: Remote, name: str) -> list[str] | None:
    """The files listed by the manifest (or unfinished-export marker) ``name`` under ``remote``, if it is one."""
    try:
        manifest = json.loads(read_input(remote.child(name).url, default_limit()))
    except (CommuniqueError, ValueError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) and manifest.get("tool") == "communique" else None
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return files
