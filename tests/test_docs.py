"""The documentation: generated reference pages in step with the code, the README short and its links and
dependency table true. (``make test`` builds the site itself with ``mkdocs build --strict``.)"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shlex
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from markdown_it import MarkdownIt

from communique.bench.metrics import METRICS
from communique.cli.main import build_parser, main
from communique.schema.errors import CATALOGUE
from communique.schema.generate import render_schemas

from .conftest import ROOT

DOCS = ROOT / "docs"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _generator() -> ModuleType:
    """``docs/generate.py``, imported from its file (it is a script beside the pages, not a package module)."""
    spec = importlib.util.spec_from_file_location("communique_docs_generate", DOCS / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


GENERATE = _generator()


def _page(name: str) -> str:
    return (DOCS / "reference" / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(GENERATE.PAGES))
def test_each_generated_page_is_what_the_code_generates(name: str):
    assert _page(name) == GENERATE.PAGES[name](), f"docs/reference/{name} is out of date: run `make docs`"


def test_generate_check_reports_drift_and_writes_nothing(tmp_path: Path, monkeypatch, capsys):
    assert GENERATE.main(["--check"]) == 0
    monkeypatch.setattr(GENERATE, "REFERENCE", tmp_path)  # an empty folder: every page is missing
    assert GENERATE.main(["--check"]) == 1
    assert list(tmp_path.iterdir()) == []
    assert capsys.readouterr().err.count("is out of date") == len(GENERATE.PAGES)


def _section(page: str, command: str) -> str:
    """The part of the command reference under ``command``'s own heading, up to the next heading."""
    found = re.search(rf"^#+ {re.escape(command)}\n(.*?)(?=^#)", page + "\n#", re.M | re.S)
    assert found, f"the command reference has no section for {command}"
    return found[1]


def _visible_options(parser: argparse.ArgumentParser) -> set[str]:
    return {
        name
        for action in parser._actions
        if action.help != argparse.SUPPRESS and not isinstance(action, argparse._HelpAction)
        for name in action.option_strings
    }


def test_the_command_reference_lists_every_command_and_every_option_of_the_parser():
    """Read from the committed page, not from the generator: what a user reads must match the parser."""
    page = _page("commands.md")
    commands = GENERATE.leaf_parsers(build_parser())
    assert len(commands) >= 22 and {"guidelines", "export hf", "import brat", "bench"} <= set(commands)
    for command, (parser, _) in commands.items():
        section = _section(page, command)
        listed = set(re.findall(r"^\| `(--[a-z][a-z-]*)`", section, re.M))
        assert listed == _visible_options(parser), command
        synopsis = re.search(r"```text\n(.*?)```", section, re.S)
        assert synopsis and synopsis[1].startswith(f"communique {command} ")
        assert set(re.findall(r"--[a-z][a-z-]*", synopsis[1])) == _visible_options(parser), command


def test_the_error_page_lists_every_code_of_the_catalogue():
    listed = re.findall(r'<a id="([a-z0-9-]+)"></a>`\1`', _page("errors.md"))
    assert listed == list(CATALOGUE) and len(listed) > 50


def test_the_metrics_page_lists_every_metric_of_the_table():
    listed = re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", _page("metrics.md"), re.M)
    assert listed == [m.key for m in METRICS]


def test_the_format_pages_show_every_layer_with_an_example_and_every_definition():
    layers = GENERATE.layers()
    assert {"officials", "sources", "meetings", "attributions", "commitments"} <= set(layers)
    schemas = {name: json.loads(text) for name, text in render_schemas().items()}
    pages = (("annotation-format.md", "annotation.schema.json"), ("prediction-format.md", "prediction.schema.json"))
    for page, schema in pages:
        text = _page(page)
        for layer in layers:
            example = re.search(rf"^### {layer}\n\n```(yaml|json)\n(.*?)```", text, re.M | re.S)
            assert example and layer in example[2], (page, layer)
        definitions = list(schemas[schema]["$defs"])
        assert len(definitions) >= 10
        for definition in definitions:
            assert f"\n### {definition}\n" in text, (page, definition)


def test_the_guidelines_page_includes_the_one_source():
    assert '--8<-- "annotations/GUIDELINES.md"' in (DOCS / "explanation" / "guidelines.md").read_text("utf-8")
    assert '--8<-- "CHANGELOG.md"' in (DOCS / "changelog.md").read_text("utf-8")


def test_every_page_is_in_the_sites_navigation():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    assert len(pages) > 25
    for page in pages:
        assert f": {page}\n" in config, page


# ------------------------------------------------------------------------------------------------- README


def test_the_readme_reads_in_two_minutes_and_keeps_the_two_commands():
    assert len(README.encode("utf-8")) < 10 * 1024
    block = re.search(r"## The two commands\n.*?```sh\n(.*?)```", README, re.S)
    assert block
    assert [line.split()[:2] for line in block[1].splitlines()] == [["make", "run"], ["make", "test"]]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run: ", makefile, re.M) and re.search(r"^test: ", makefile, re.M)
    assert re.search(r"^test:.*(?:\n\t.*)*\n\t\$\(BIN\)/mkdocs build --strict", makefile, re.M)


def test_every_relative_link_of_the_readme_leads_to_a_file():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    relative = [link for link in links if "://" not in link]
    assert len(relative) > 15 and any(link.startswith("docs/") for link in relative)
    for link in relative:
        assert (ROOT / link).exists(), link


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def test_the_dependency_table_is_one_table_listing_every_dependency():
    section = README[README.index("## Dependencies and why each is there") :]
    tokens = MarkdownIt("commonmark").enable("table").parse(section)
    tables = [t for t in tokens if t.type == "table_open"]
    assert len(tables) == 1, "one table: a blank line would cut it in two"
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert len([t for t in tokens if t.type == "tr_open"]) == len(rows) - 1  # every line is a row (less the rule)
    listed: set[str] = set()
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert len(cells) == 3 and all(cells), row
        if "not in `pyproject.toml`" in cells[2]:
            continue
        listed.update(_requirement_name(name.strip()) for name in cells[0].split(","))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_requirement_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        declared.update(_requirement_name(r) for r in extra)
    assert listed == declared


def test_the_readme_quick_start_runs_as_written(tmp_path: Path, monkeypatch, capsys):
    """Every `communique` line of the quick start, in order, in a fresh folder; the editor step is what an
    annotator does after checking each item (removing its `review: draft`)."""
    block = re.search(r"## Quick start[^\n]*\n\n```sh\n(.*?)```", README, re.S)
    assert block
    text = tmp_path / "talks.txt"
    text.write_text(
        "OSLO -- Norwegian Defence Minister Lars Berg met his Swedish counterpart Anna Holm in Oslo on Monday.\n\n"
        "\u201cWe will hold a joint naval exercise next year,\u201d Berg said.\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    ran = []
    for line in block[1].splitlines():
        command = shlex.split(line, comments=True)
        if command[:1] == ["cd"]:
            monkeypatch.chdir(tmp_path / command[1])
        elif command[:1] == ["$EDITOR"]:
            gold = Path(command[1])
            drafted = gold.read_text(encoding="utf-8")
            assert "review: draft" in drafted
            gold.write_text(re.sub(r"\n\s*review: draft[^\n]*", "", drafted), encoding="utf-8")
        elif command[:1] == ["communique"]:
            argv = [str(text) if arg == "~/texts/talks.txt" else arg for arg in command[1:]]
            argv = argv[: argv.index("|")] if "|" in argv else argv
            assert main(argv) == 0, line
            ran.append(argv[0])
    capsys.readouterr()
    assert ran[:3] == ["init", "add", "draft"] and {"validate", "bench", "guidelines"} <= set(ran)


def test_the_compact_examples_are_the_same_json():
    value = {"a": [{"start": 0, "end": 5, "text": "x"}], "b": {"c": [1, 2], "d": {"e": [{"f": [None]}]}}, "g": []}
    for indent in (0, 2, 200):
        assert json.loads(GENERATE.compact_json(value, indent)) == value
    assert '{"start": 0, "end": 5, "text": "x"}' in GENERATE.compact_json(value)  # a span on one line
