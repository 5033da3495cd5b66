"""How long the Label Studio server of the round-trip test takes to start, and the round trip itself.

Starts the server exactly as ``tests/test_label_studio.py`` does (a fresh SQLite database, which Label
Studio migrates on first start: the cold start), stops it, starts it again on the same data folder (the
warm start), and times the round trip of the gold through it (create project, import tasks, submit
annotations, export; then ``communique import label-studio``)::

    .venv/bin/python benchmarks/label_studio.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from communique.cli.main import main  # noqa: E402
from label_studio_server import VERSION, find_venv, running_label_studio  # noqa: E402


def run() -> None:
    venv = find_venv()
    if venv is None:
        sys.exit(f"Label Studio is not installed: .ci/run installs label-studio=={VERSION} into .venv-ls")
    with tempfile.TemporaryDirectory(prefix="communique-ls-bench-") as scratch:
        root = Path(scratch)
        ls = root / "ls"
        assert main(["export", "label-studio", "--out", str(ls), "--gold", str(ROOT / "annotations/gold"),
                     "--corpus", str(ROOT / "corpus")]) == 0  # fmt: skip
        with running_label_studio(venv, root / "data") as server:
            cold = server.started_in
            began = time.monotonic()
            subprocess.run(
                [str(server.python), str(ROOT / "tests" / "label_studio_client.py"), server.url, server.token,
                 str(ls / "config.xml"), str(ls / "tasks.json"), str(root / "export")],
                check=True, capture_output=True,
            )  # fmt: skip
            server_side = time.monotonic() - began
        began = time.monotonic()
        assert main(["import", "label-studio", str(root / "export" / "export.json"), "--out", str(root / "back"),
                     "--corpus", str(ROOT / "corpus")]) == 0  # fmt: skip
        imported = time.monotonic() - began
        with running_label_studio(venv, root / "data") as server:
            warm = server.started_in
    print(f"Label Studio {VERSION}: cold start (fresh SQLite, migrations) {cold:.1f} s, warm start {warm:.1f} s")
    print(f"round trip of the gold: server side (SDK client process) {server_side:.1f} s, import {imported:.2f} s")


if __name__ == "__main__":
    run()
