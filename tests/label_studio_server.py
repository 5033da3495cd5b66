"""Starts a real Label Studio server for a test: its own virtualenv, a free port, a temporary data folder.

Label Studio is found in the virtualenv named by ``COMMUNIQUE_LABEL_STUDIO_VENV``, else in ``.venv-ls`` at
the repository root (what ``.ci/run`` creates), else in ``/opt/label-studio-venv``. The server runs on
127.0.0.1 with SQLite in the temporary folder, a user and legacy API token set by environment variables,
and everything that would reach the network switched off (the version check against PyPI, analytics,
Sentry). It is always stopped, with its whole process group.

Most of a start is Django migrating a fresh SQLite database (about a minute of CPU). ``.ci/run`` keeps a
migrated, empty database beside the virtualenv (``python tests/label_studio_server.py --prepare``, once per
Label Studio version): a server starting from a copy of it only creates its user and organisation. Without
it, the server migrates its own database, as before.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION = "1.23.2"  # the version .ci/run installs
READY_TIMEOUT = 300  # seconds: a fresh SQLite database is migrated on first start


def find_venv() -> Path | None:
    """The virtualenv holding Label Studio, or None when it is not installed."""
    candidates = [os.environ.get("COMMUNIQUE_LABEL_STUDIO_VENV"), ROOT / ".venv-ls", "/opt/label-studio-venv"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "bin" / "label-studio").is_file():
            return Path(candidate)
    return None


def migrated_database(venv: Path) -> Path:
    """Where the migrated, empty database of this Label Studio version is kept (beside its virtualenv)."""
    return venv / f"communique-migrated-{VERSION}.sqlite3"


def prepare_migrated_database(venv: Path) -> Path:
    """Migrate an empty database with Label Studio's own ``manage.py migrate`` and keep it (atomically) at
    :func:`migrated_database`; a kept one is left as it is."""
    target = migrated_database(venv)
    if target.is_file():
        return target
    manage = next((venv / "lib").glob("python*/site-packages/label_studio/manage.py"))
    with tempfile.TemporaryDirectory(prefix="communique-ls-migrate-") as scratch:
        env = {**os.environ, **_QUIET, "LABEL_STUDIO_BASE_DATA_DIR": scratch}
        subprocess.run([str(venv / "bin" / "python"), str(manage), "migrate", "--no-color", "-v", "0"], env=env,
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        staged = target.with_name(f".{target.name}.{os.getpid()}")
        shutil.copyfile(Path(scratch) / "label_studio.sqlite3", staged)
        os.replace(staged, target)
    return target


#: what would reach the network, switched off
_QUIET = {"LATEST_VERSION_CHECK": "false", "COLLECT_ANALYTICS": "false", "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": ""}


@dataclass(frozen=True)
class Server:
    url: str
    token: str
    python: Path  # Label Studio's interpreter, which also has label-studio-sdk
    log: Path
    started_in: float  # seconds from launch to a healthy /health


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_label_studio(venv: Path, data_dir: Path) -> Iterator[Server]:
    """A started server; raises RuntimeError (with the log's tail) if it does not come up in time."""
    port, token = _free_port(), secrets.token_hex(20)
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / "label-studio.log"
    env = {
        **os.environ,
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_USERNAME": "communique@example.com",
        "LABEL_STUDIO_PASSWORD": secrets.token_hex(12),
        "LABEL_STUDIO_USER_TOKEN": token,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        **_QUIET,
    }
    migrated = migrated_database(venv)
    if migrated.is_file():  # start from the kept migrated database: the server skips migrating
        shutil.copyfile(migrated, data_dir / "label_studio.sqlite3")
    command = [
        str(venv / "bin" / "label-studio"),
        "start",
        "--no-browser",
        "--internal-host",
        "127.0.0.1",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        "--enable-legacy-api-token",
    ]
    url = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() - began > READY_TIMEOUT:
                    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
                    raise RuntimeError(f"Label Studio did not start (exit {process.poll()}):\n{tail}")
                time.sleep(0.5)
            yield Server(url, token, venv / "bin" / "python", log, time.monotonic() - began)
        finally:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


if __name__ == "__main__":  # .ci/run: python tests/label_studio_server.py --prepare
    if sys.argv[1:] != ["--prepare"]:
        sys.exit("usage: python tests/label_studio_server.py --prepare")
    found = find_venv()
    if found is None:
        sys.exit("no Label Studio virtualenv (COMMUNIQUE_LABEL_STUDIO_VENV)")
    print(f"migrated Label Studio database: {prepare_migrated_database(found)}")
