"""A corpus project: a folder holding ``communique.toml``, found from the current folder upward as git does.

``communique.toml`` names the dataset (name, description, licence of the annotations, citation), the split
policy and the folders of each stage. Every command takes its default paths from the project it runs in;
flags override. Outside any project the defaults are the conventional folders under the current directory.

::

    [dataset]
    name = "my-corpus"           # one line of free text, not empty
    description = "..."          # one line (a paragraph) of free text
    licence = "CC-BY-4.0"        # of the annotations; each text's own licence is in its metadata
    citation = ""                # may span lines (BibTeX)
    annotation_notes = ""        # may span lines: who annotated and how, for the card's "Annotation process"

    [paths]                      # relative to the folder holding communique.toml, and inside it
    seeds = "seeds"
    corpus = "corpus"
    annotations = "annotations"
    gold = "annotations/gold"
    passes = "annotations/passes"  # double-annotation passes, one folder each (for agreement in the card)

    [splits]
    unit = "auto"                # "section", "document", or "auto": by document from min_documents on
    min_documents = 10
    ratios = [70, 15, 15]        # train / validation / test, percent

The file is outside data like any other: it is read only up to :data:`MAX_CONFIG_BYTES`, nesting deeper
than :data:`MAX_CONFIG_DEPTH` or an integer of more than 4,300 digits is a located, coded error, and a
``[paths]`` folder that is absolute or leads outside the project (by ``..`` or a symlink) is refused
(``path-outside-project``): a command only leaves the project where its command line says so.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.models import FREE_TEXT_PATTERN

CONFIG_NAME = "communique.toml"
SplitUnit = Literal["auto", "section", "document"]
DEFAULT_RATIOS = (70, 15, 15)
DEFAULT_MIN_DOCUMENTS = 10
MAX_CONFIG_BYTES = 1024 * 1024  # a communique.toml is a few hundred bytes
MAX_CONFIG_DEPTH = 32  # a valid one nests arrays one level deep
MAX_DIGITS = 4300  # Python's limit for decimal integer conversion, which tomllib runs into
DATASET_KEYS = ("name", "description", "licence", "citation", "annotation_notes")
#: [dataset] values that may span lines; the others are one line of free text, as annotators' names are
MULTILINE_KEYS = frozenset({"citation", "annotation_notes"})
_ONE_LINE = re.compile(FREE_TEXT_PATTERN.removesuffix("]*$") + r"\ud800-\udfff]*$")
_MULTILINE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]*$")
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
    text = _read_config(config)
    data = _parse_config(text, name)

    def at(table: str, key: str | None = None) -> dict[str, Any]:
        """file, line and JSON path of a table or key (tomllib gives no positions for valid TOML)."""
        return {"file": name, "line": _line_of(text, table, key), "path": f"$.{table}" + (f".{key}" if key else "")}

    problems: list[Any] = []
    known = {"dataset": set(DATASET_KEYS), "paths": set(DEFAULT_PATHS)}
    known["splits"] = {"unit", "min_documents", "ratios"}
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
    for key in DATASET_KEYS:
        if key in ds:
            wrong = dataset_value_problem(key, ds[key])
            if wrong:
                problems.append(issue("config-invalid", wrong, **at("dataset", key)))
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
    paths = {k: config.parent / v for k, v in DEFAULT_PATHS.items()}
    for key, value in (data.get("paths", {}) if isinstance(data.get("paths"), dict) else {}).items():
        if key in paths:
            found = _project_path(config.parent, key, value, at("paths", key))
            if isinstance(found, Path):
                paths[key] = found
            else:
                problems.append(found)
    if problems:
        raise CommuniqueError(problems)
    return Project(config.parent, dataset, policy, paths)


def dataset_value_problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` as ``[dataset] key``, or None: the one rule that both the config loader
    and ``communique init`` apply (so ``init`` never writes a file that later commands refuse).

    ``name``, ``description`` and ``licence`` are one line of free text (no control character, line or
    paragraph separator: the rule of annotators' names), and ``name`` is not blank; ``citation`` and
    ``annotation_notes`` may also hold tabs and line breaks.
    """
    if not isinstance(value, str):
        return f"[dataset] {key} must be a string"
    if key == "name" and not value.strip():
        return "[dataset] name must not be empty"
    pattern = _MULTILINE if key in MULTILINE_KEYS else _ONE_LINE
    if pattern.fullmatch(value):  # fullmatch: `$` alone would let a final line break through
        return None
    at = next(i for i, char in enumerate(value) if not pattern.fullmatch(char))
    char = value[at]
    what = "a line break" if char in "\n\r\x85\u2028\u2029" else f"the control character U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        what = f"U+{ord(char):04X}, which is not a character (bytes that are not UTF-8)"
    kind = "text without control characters" if key in MULTILINE_KEYS else "one line of text"
    return f"[dataset] {key} holds {what} at character {at}; it must be {kind}"


def _project_path(root: Path, key: str, value: object, where: dict[str, Any]) -> Path | Issue:
    """The folder ``value`` of ``[paths] key`` below ``root``, or the issue that refuses it: not a non-empty
    string, absolute, or leading outside the project after ``..`` and symlinks are resolved."""
    if not isinstance(value, str) or not value or "\x00" in value:
        return issue("config-invalid", f"[paths] {key} must be a non-empty string", **where)
    hint = "give a folder inside the project, relative to communique.toml; a path on the command line may go anywhere"
    if os.path.isabs(value):
        return issue("path-outside-project", f"[paths] {key} is absolute: {value!r}", hint=hint, **where)
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(root / value))
    if not real.is_relative_to(real_root):
        return issue(
            "path-outside-project",
            f"[paths] {key} = {value!r} leads outside the project, to {real}",
            hint=hint,
            **where,
        )
    return root / value


def _read_config(config: Path) -> str:
    """The text of ``config``, read up to :data:`MAX_CONFIG_BYTES` (a larger file is refused)."""
    name = str(config)
    try:
        with config.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise CommuniqueError([issue("io-error", f"cannot read: {exc.strerror or exc}", file=name)]) from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise CommuniqueError(
            [
                issue(
                    "config-invalid",
                    f"larger than {MAX_CONFIG_BYTES // 1024} KiB; a communique.toml is a few lines",
                    file=name,
                )
            ]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CommuniqueError([issue("encoding-error", "not valid UTF-8", file=name)]) from None


def _parse_config(text: str, name: str) -> dict[str, Any]:
    """``text`` parsed as TOML; nesting too deep, huge integers and syntax errors are located, coded errors."""
    deep = _too_deep(text)
    if deep is not None:
        message = f"nests deeper than {MAX_CONFIG_DEPTH} levels (a communique.toml nests one)"
        raise CommuniqueError([issue("too-deep", message, file=name, **_position(text, deep))])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        located: dict[str, Any] = {"line": int(where[1]), "column": int(where[2])} if where else {}
        message = str(exc).split(" (at ")[0]
        raise CommuniqueError([issue("config-invalid", message, file=name, **located)]) from None
    except ValueError:  # int() refused a decimal integer of more than 4,300 digits
        digits = re.search(rf"[0-9][0-9_]{{{MAX_DIGITS},}}", text)
        message = f"an integer has more than {MAX_DIGITS:,} digits"
        located = _position(text, digits.start()) if digits else {}
        raise CommuniqueError([issue("number-too-large", message, file=name, **located)]) from None
    except RecursionError:  # a nesting the scan missed: still an error, never a traceback
        raise CommuniqueError([issue("too-deep", "nests too deeply to read", file=name)]) from None


# What the depth scan steps over: strings (all four TOML kinds) and comments, or a bracket it counts. Every
# alternative matches wherever it starts (an unterminated string runs to the end of its line, or of the
# text), and the loops are possessive, so the scan never restarts inside a string: linear in any input.
_TOKENS = re.compile(
    r'"""(?:[^\\]|\\.|\\\Z)*?(?:"""|\Z)'
    r"|\'\'\'.*?(?:\'\'\'|\Z)"
    r'|"(?:[^"\\\n]|\\[^\n]|\\)*+(?:"|(?=\n)|\Z)'
    r"|\'[^\'\n]*+(?:\'|(?=\n)|\Z)"
    r"|#[^\n]*+"
    r"|[\[\]{}]",
    re.DOTALL,
)


def _too_deep(text: str) -> int | None:
    """The offset where arrays and inline tables nest deeper than :data:`MAX_CONFIG_DEPTH`, or None: a scan
    in linear time that the parser's recursion would otherwise make a traceback."""
    depth = 0
    for token in _TOKENS.finditer(text):
        char = token[0]
        if char in "[{":
            depth += 1
            if depth > MAX_CONFIG_DEPTH:
                return token.start()
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def _position(text: str, offset: int) -> dict[str, Any]:
    """1-based ``line`` and ``column`` of ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": text.count("\n", 0, offset) + 1, "column": offset - line_start + 1}


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


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def render_config(name: str, description: str = "", licence: str = "CC-BY-4.0") -> str:
    """The text of a new ``communique.toml`` (``communique init``): every key the README documents."""
    q = toml_string
    return f"""# communique project: every command run in this folder or below uses these settings; flags override.

[dataset]
name = {q(name)}
description = {q(description)}
licence = {q(licence)}  # licence of the annotations; each text's own licence is in its .meta.yaml
citation = ""
annotation_notes = ""  # who annotated and how, for the dataset card's "Annotation process"

[paths]  # relative to this file, and inside this folder
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

    Refused, with nothing written, when ``folder`` already holds a ``communique.toml``, when a value is one
    the config loader would refuse (:func:`dataset_value_problem`, the same rule), or when the folder cannot
    take it (read-only, a file in the way). A failure midway removes what this call created: a refused
    ``init`` leaves nothing half-made.
    """
    config = folder / CONFIG_NAME
    chosen = name if name is not None else (folder.resolve().name or "corpus")
    problems = [
        issue(
            "config-invalid",
            f"--{option}: {wrong}" + ("" if name is not None or option != "name" else " (from the folder's name)"),
            file=str(config),
            path=f"$.dataset.{option}",
            hint="pass --name" if option == "name" and name is None else None,
        )
        for option, value in (("name", chosen), ("description", description))
        if (wrong := dataset_value_problem(option, value))
    ]
    if problems:
        raise CommuniqueError(problems)
    if config.exists() or config.is_symlink():
        raise CommuniqueError([issue("project-exists", f"{config} exists", file=str(config))])
    text = render_config(chosen, description)
    from communique.io.write import write_atomic  # io/write is a sibling; imported here to keep this module light

    created: list[Path] = []  # folders this call made, parents first: removed again if anything fails
    try:
        for stage in (folder, *(folder / DEFAULT_PATHS[key] for key in ("seeds", "corpus", "gold"))):
            _make_folders(stage, str(folder), created)
        write_atomic(config, text, replace=False)
    except BaseException as exc:
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()
        if isinstance(exc, OSError):
            from communique.io.write import os_error

            raise os_error(exc, folder, f"create the project in {folder}") from None
        raise
    return config


def _make_folders(folder: Path, shown: str, created: list[Path]) -> None:
    """Create ``folder`` and its missing parents one by one (recorded in ``created``), refusing a file in the
    way and a read-only parent (which root could otherwise write into)."""
    from communique.io.write import is_read_only, output_error

    missing: list[Path] = []
    here = folder
    while not here.exists() and not here.is_symlink():
        missing.append(here)
        here = here.parent
    if not here.is_dir():
        raise output_error("output-not-folder", shown, f"{here} is not a folder")
    for made in reversed(missing):
        if is_read_only(made.parent.stat().st_mode):
            raise output_error("output-read-only", shown, f"the folder {made.parent} is read-only")
        made.mkdir()
        created.append(made)
    if is_read_only(folder.stat().st_mode):
        raise output_error("output-read-only", shown, f"the folder {folder} is read-only")
