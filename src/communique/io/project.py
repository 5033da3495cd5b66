"""A corpus project: a folder holding ``communique.toml``, found from the current folder upward as git does.

``communique.toml`` names the dataset (name, description, licence of the annotations, citation), the split
policy and the folders of each stage. Every command takes its default paths from the project it runs in;
flags override. Outside any project the defaults are the conventional folders under the current directory.

::

    [dataset]
    name = "my-corpus"
    description = "..."
    licence = "CC-BY-4.0"        # of the annotations; each text's own licence is in its metadata
    citation = ""

    [paths]                      # relative to the folder holding communique.toml
    seeds = "seeds"
    corpus = "corpus"
    annotations = "annotations"
    gold = "annotations/gold"
    passes = "annotations/passes"  # double-annotation passes, one folder each (for agreement in the card)

    [splits]
    unit = "auto"                # "section", "document", or "auto": by document from min_documents on
    min_documents = 10
    ratios = [70, 15, 15]        # train / validation / test, percent

    [splits.assign]              # pinned documents (splitting by document); the others go by hash
    my-first-article = "test"
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import ID_PATTERN

CONFIG_NAME = "communique.toml"
SplitUnit = Literal["auto", "section", "document"]
SplitName = Literal["train", "validation", "test"]
#: ``[splits.assign]``: a document id (as the corpus spells ids) to the split it is pinned to
ASSIGN = TypeAdapter(dict[Annotated[str, Field(pattern=ID_PATTERN)], SplitName])
DEFAULT_RATIOS = (70, 15, 15)
DEFAULT_MIN_DOCUMENTS = 10
DEFAULT_PATHS = {
    "seeds": "seeds",
    "corpus": "corpus",
    "annotations": "annotations",
    "gold": "annotations/gold",
    "passes": "annotations/passes",
}


@dataclass(frozen=True)
class SplitPolicy:
    """How items are assigned to train / validation / test (see :mod:`communique.corpus.splits`)."""

    unit: SplitUnit = "auto"
    min_documents: int = DEFAULT_MIN_DOCUMENTS
    ratios: tuple[int, int, int] = DEFAULT_RATIOS
    #: ``[splits.assign]`` as (document id, split) pairs: pinned documents, when splitting by document
    assign: tuple[tuple[str, str], ...] = ()

    def unit_for(self, documents: int) -> Literal["section", "document"]:
        """The unit actually used for a corpus of ``documents`` documents."""
        if self.unit != "auto":
            return self.unit
        return "document" if documents >= self.min_documents else "section"


@dataclass(frozen=True)
class Dataset:
    """What the dataset card and Croissant say about the corpus as a whole."""

    name: str = "communique"
    description: str = ""
    licence: str | None = None
    citation: str = ""
    #: free text for the card's "Annotation process" (who the annotators were, how they worked)
    annotation_notes: str = ""


@dataclass(frozen=True)
class Project:
    """A corpus project; ``root`` is None outside any project (conventional folders under the cwd)."""

    root: Path | None
    dataset: Dataset = field(default_factory=Dataset)
    splits: SplitPolicy = field(default_factory=SplitPolicy)
    paths: dict[str, Path] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """The folder of one stage: ``seeds``, ``corpus``, ``annotations`` or ``gold``."""
        return self.paths[name]


def find_project(start: str | os.PathLike[str] | None = None) -> Project:
    """The project holding ``start`` (default: the current folder), searching upward; a bare project outside."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_project(folder / CONFIG_NAME)
    return Project(None, paths={k: Path(v) for k, v in DEFAULT_PATHS.items()})


def load_project(config: Path) -> Project:
    """Read ``communique.toml``; every problem is reported at once, located by line where TOML gives one."""
    name = str(config)
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise CommuniqueError([issue("encoding-error", "not valid UTF-8", file=name)]) from None
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line, column = (int(where[1]), int(where[2])) if where else (None, None)
        message = str(exc).split(" (at ")[0]
        raise CommuniqueError([issue("config-invalid", message, file=name, line=line, column=column)]) from None
    text = config.read_text(encoding="utf-8")

    def at(table: str, key: str | None = None) -> dict[str, Any]:
        """file, line and JSON path of a table or key (tomllib gives no positions for valid TOML)."""
        return {"file": name, "line": _line_of(text, table, key), "path": f"$.{table}" + (f".{key}" if key else "")}

    problems: list[Any] = []
    known = {"dataset": {"name", "description", "licence", "citation", "annotation_notes"}, "paths": set(DEFAULT_PATHS)}
    known["splits"] = {"unit", "min_documents", "ratios", "assign"}
    for table, value in data.items():
        if table not in known or not isinstance(value, dict):
            problems.append(issue("config-invalid", f"unknown table [{table}]", **at(table)))
            continue
        for key in value:
            if key not in known[table]:
                problems.append(
                    issue(
                        "config-invalid",
                        f"unknown key {key!r} in [{table}]",
                        **at(table, key),
                        hint=f"allowed: {', '.join(sorted(known[table]))}",
                    )
                )
    ds = data.get("dataset", {}) if isinstance(data.get("dataset"), dict) else {}
    dataset = Dataset()
    for key in ("name", "description", "licence", "citation", "annotation_notes"):
        if key in ds:
            if not isinstance(ds[key], str):
                problems.append(issue("config-invalid", f"[dataset] {key} must be a string", **at("dataset", key)))
            else:
                dataset = replace(dataset, **{key: ds[key]})
    sp = data.get("splits", {}) if isinstance(data.get("splits"), dict) else {}
    policy = SplitPolicy()
    if "unit" in sp:
        if sp["unit"] not in ("auto", "section", "document"):
            problems.append(
                issue(
                    "config-invalid",
                    f"[splits] unit must be auto, section or document, not {sp['unit']!r}",
                    **at("splits", "unit"),
                )
            )
        else:
            policy = replace(policy, unit=sp["unit"])
    if "min_documents" in sp:
        if not isinstance(sp["min_documents"], int) or isinstance(sp["min_documents"], bool) or sp["min_documents"] < 1:
            problems.append(
                issue(
                    "config-invalid",
                    "[splits] min_documents must be a positive integer",
                    **at("splits", "min_documents"),
                )
            )
        else:
            policy = replace(policy, min_documents=sp["min_documents"])
    if "ratios" in sp:
        ratios = sp["ratios"]
        if (
            not isinstance(ratios, list)
            or len(ratios) != 3
            or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in ratios)
            or sum(ratios) != 100
        ):
            problems.append(
                issue(
                    "config-invalid",
                    "[splits] ratios must be three non-negative integers adding up to 100",
                    **at("splits", "ratios"),
                )
            )
        else:
            policy = replace(policy, ratios=(ratios[0], ratios[1], ratios[2]))
    if "assign" in sp:
        assign, wrong = _assign(sp["assign"], lambda key: at("splits.assign", key) if key else at("splits", "assign"))
        problems.extend(wrong)
        policy = replace(policy, assign=assign)
    paths = {k: config.parent / v for k, v in DEFAULT_PATHS.items()}
    for key, value in (data.get("paths", {}) if isinstance(data.get("paths"), dict) else {}).items():
        if key in paths:
            if not isinstance(value, str) or not value:
                problems.append(
                    issue("config-invalid", f"[paths] {key} must be a non-empty string", **at("paths", key))
                )
            else:
                paths[key] = config.parent / value
    if problems:
        raise CommuniqueError(problems)
    return Project(config.parent, dataset, policy, paths)


def _assign(value: object, at: Any) -> tuple[tuple[tuple[str, str], ...], list[Issue]]:
    """``[splits.assign]`` validated (:data:`ASSIGN`): the pinned pairs, and an issue per wrong entry, located at
    its key (``at(key)``; ``at(None)`` for the table)."""
    try:
        valid = ASSIGN.validate_python(value)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            key = str(error["loc"][0]) if error["loc"] else None
            if key is None:
                message = "[splits.assign] must be a table of document id = split name"
            elif error["type"] == "literal_error":
                message = f"[splits.assign] {key}: unknown split {error['input']!r}"
            else:
                message = f"[splits.assign] {key!r} is not a document id"
            problems.append(
                issue("config-invalid", message, **at(key), hint='a document id = "train", "validation" or "test"')
            )
        return (), problems
    return tuple(sorted(valid.items())), []


def unassigned_documents(project: Project, documents: Iterable[str]) -> list[Issue]:
    """A warning for each document ``[splits.assign]`` pins that is not among ``documents`` (the corpus): a
    misspelt id would otherwise leave the document it meant to the hash, silently."""
    known = set(documents)
    missing = [doc_id for doc_id in dict(project.splits.assign) if doc_id not in known]
    if not missing or project.root is None:
        return []
    config = project.root / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    return [
        issue(
            "split-assign-unknown-document",
            f"[splits.assign] pins {doc_id!r}, which is not a document of the corpus",
            file=str(config),
            line=_line_of(text, "splits.assign", doc_id),
            path=f"$.splits.assign.{doc_id}",
            hint="correct the id, or remove the line",
        )
        for doc_id in missing
    ]


def _line_of(text: str, table: str, key: str | None) -> int | None:
    """The line of ``[table]`` or of ``key = ...`` inside it (1-based); None when not found."""
    current = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped.split("#")[0].strip())
        if header:
            current = header[1]
            if key is None and current == table:
                return number
        elif key is not None and current == table and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def render_config(name: str, description: str = "", licence: str = "CC-BY-4.0") -> str:
    """The text of a new ``communique.toml`` (``communique init``)."""

    def q(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return f"""# communique project: every command run in this folder or below uses these settings; flags override.

[dataset]
name = {q(name)}
description = {q(description)}
licence = {q(licence)}  # licence of the annotations; each text's own licence is in its .meta.yaml
citation = ""

[paths]  # relative to this file
seeds = "seeds"
corpus = "corpus"
annotations = "annotations"
gold = "annotations/gold"
passes = "annotations/passes"  # double-annotation passes, one folder each (agreement figures in the card)

[splits]
unit = "auto"  # "section", "document", or "auto": by document once the corpus has min_documents documents
min_documents = {DEFAULT_MIN_DOCUMENTS}
ratios = [70, 15, 15]  # train / validation / test, percent
"""


def init_project(folder: Path, name: str | None = None, description: str = "") -> Path:
    """Create a project in ``folder``: ``communique.toml`` and the empty stage folders; return the config path.

    Refused (nothing written) when ``folder`` already holds a ``communique.toml``.
    """
    config = folder / CONFIG_NAME
    if config.exists():
        raise CommuniqueError([issue("project-exists", f"{config} exists", file=str(config))])
    from communique.io.write import write_atomic  # io/write is a sibling; imported here to keep this module light

    for key in ("seeds", "corpus", "gold"):
        (folder / DEFAULT_PATHS[key]).mkdir(parents=True, exist_ok=True)
    write_atomic(config, render_config(name or folder.resolve().name or "corpus", description))
    return config
