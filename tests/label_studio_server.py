"""Starts a real Label Studio server for a test: its own virtualenv, a free port, a temporary data folder.

Label Studio is found in the virtualenv named by ``COMMUNIQUE_LABEL_STUDIO_VENV``, else in ``.venv-ls`` at
the repository root (what ``.ci/run`` creates), else in ``/opt/label-studio-venv``. The server runs on
127.0.0.1 with SQLite in the temporary folder, a user and legacy API token set by environment variables,
and everything that would reach the network switched off (the version check against PyPI, analytics,
Sentry). It is always stopped, with its whole process group.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
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
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "",
        "FRONTEND_SENTRY_DSN": "",
    }
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
