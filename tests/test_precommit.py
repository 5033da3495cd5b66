"""The shipped pre-commit hooks, run by the real `pre-commit` in a scratch repository that, like most, also
holds CI workflows, package.json and other JSON: the hooks must look at the annotation files only.

Nothing is downloaded: the scratch config copies each shipped hook (id, files, types_or, entry) into a
`repo: local` hook with `language: system`, its entry pointing at this environment's `communique`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import CORPUS, DOC_ID, GOLD, ROOT

BIN = Path(sys.executable).parent
SHIPPED = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
OLD_FILES = r"\.(ya?ml|json)$"  # the pattern the hooks shipped with (issue 14, point 8)

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git, which is not installed")


def _scratch_repository(root: Path) -> Path:
    repo = root / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n")
    (repo / "package.json").write_text('{"name": "site", "version": "1.0.0"}\n')
    (repo / "corpus").mkdir()
    (repo / "corpus" / "x.json").write_text('{"unrelated": true}\n')
    shutil.copy(CORPUS / f"{DOC_ID}.json", repo / "corpus" / f"{DOC_ID}.json")
    (repo / "annotations").mkdir()
    # a checked annotation file: the gold without the draft markers `communique migrate` left for review
    gold = (GOLD / f"{DOC_ID}.yaml").read_text(encoding="utf-8")
    checked = "".join(line for line in gold.splitlines(keepends=True) if not line.lstrip().startswith("review: draft"))
    (repo / "annotations" / f"{DOC_ID}.yaml").write_text(checked, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    return repo


def _config(files: str | None = None) -> str:
    hooks = []
    for hook in SHIPPED:
        command, *args = hook["entry"].split()
        hooks.append(
            {
                "id": hook["id"],
                "name": hook["name"],
                "entry": " ".join([str(BIN / command), *args]),
                "language": "system",
                "files": files or hook["files"],
                "types_or": hook["types_or"],
            }
        )
    return yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]}, sort_keys=False)


def _pre_commit(repo: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(cache), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / "pre-commit"), "run", "--all-files", "--verbose", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_shipped_hooks_are_python_hooks_on_annotations():
    assert [h["id"] for h in SHIPPED] == ["communique-validate", "communique-anchor"]
    for hook in SHIPPED:
        assert hook["language"] == "python"  # installed from this repository by pre-commit
        assert hook["files"] == "^annotations/"


def test_hooks_run_on_the_annotation_file_only(tmp_path: Path):
    repo = _scratch_repository(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(_config())
    done = _pre_commit(repo, tmp_path / "cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("1 file(s) checked, no problems") == 2  # each hook was given one file
    for other in ("package.json", "ci.yml", "x.json", ".pre-commit-config.yaml"):
        assert other not in done.stdout


def test_the_old_pattern_sent_every_yaml_and_json_file_to_the_hooks(tmp_path: Path):
    repo = _scratch_repository(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(_config(files=OLD_FILES))
    done = _pre_commit(repo, tmp_path / "cache")
    assert done.returncode == 1
    assert "package.json" in done.stdout and "ci.yml" in done.stdout


def test_the_repositorys_own_config_uses_local_hooks_only():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for repo in config["repos"] for h in repo["hooks"]}
    assert {r["repo"] for r in config["repos"]} == {"local"}  # nothing to download
    assert {"ruff", "ruff-format", "mypy", "communique-validate", "communique-anchor"} <= hooks.keys()
    assert hooks["communique-validate"]["files"] == hooks["communique-anchor"]["files"] == "^annotations/"
