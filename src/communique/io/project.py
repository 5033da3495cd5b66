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

    [splits.assign]              # pinned documents (splitting by document); the others go by hash
    my-first-article = "test"

The file is outside data like any other: it is read as every input is (:func:`communique.io.read.read_text`,
up to :data:`MAX_CONFIG_BYTES`), nesting deeper than :data:`MAX_CONFIG_DEPTH` or an integer of more than 4,300
digits is a located, coded error, and what it holds is validated by one Pydantic model, :class:`ProjectConfig`
(tables :class:`Dataset`, :class:`Paths`, :class:`SplitPolicy`). Every wrong field is an issue located at the
line and column of its key (``config-invalid``); a ``[paths]`` folder that is absolute or leads outside the
project (by ``..`` or a symlink) is refused (``path-outside-project``): a command only leaves the project where
its command line says so.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import os
import re
import reprlib
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, TypedDict

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from communique.io.parse import format_path
from communique.schema.errors import CommuniqueError, Issue, issue
from communique.schema.guidelines import GUIDELINES_NAME, guidelines_text
from communique.schema.models import FREE_TEXT_PATTERN, ID_PATTERN

CONFIG_NAME = "communique.toml"
SplitUnit = Literal["auto", "section", "document"]
SplitName = Literal["train", "validation", "test"]
#: a document id as the corpus spells ids (a key of ``[splits.assign]``)
DocumentId = Annotated[StrictStr, Field(pattern=ID_PATTERN)]
DEFAULT_RATIOS = (70, 15, 15)
DEFAULT_MIN_DOCUMENTS = 10
MAX_CONFIG_BYTES = 1024 * 1024  # a communique.toml is a few hundred bytes
MAX_CONFIG_DEPTH = 32  # a valid one nests arrays one level deep
MAX_DIGITS = 4300  # Python's limit for decimal integer conversion, which tomllib runs into
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
#: the hint of a [paths] folder that leaves the project
OUTSIDE_HINT = (
    "give a folder inside the project, relative to communique.toml; a path on the command line may go anywhere"
)


def dataset_value_problem(key: str, value: object) -> str | None:
    """What is wrong with ``value`` as ``[dataset] key``, or None: the one rule that both the model
    (:class:`Dataset`) and ``communique init`` apply (so ``init`` never writes a file that later commands refuse).

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


class _Table(BaseModel):
    """A table of ``communique.toml``: an unknown key is an error; values are read as TOML gives them (a
    string where a string is meant, an integer where an integer is: nothing is coerced)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Dataset(_Table):
    """``[dataset]``: what the dataset card and Croissant say about the corpus as a whole."""

    name: StrictStr = "communique"
    description: StrictStr = ""
    licence: StrictStr | None = None  # of the annotations; each text's own licence is in its metadata
    citation: StrictStr = ""
    #: free text for the card's "Annotation process" (who the annotators were, how they worked)
    annotation_notes: StrictStr = ""

    @field_validator("*")
    @classmethod
    def _free_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        wrong = None if value is None else dataset_value_problem(str(info.field_name), value)
        if wrong is not None:
            # the message goes on after "[dataset] KEY " (see config_issues); it quotes no user text
            raise PydanticCustomError("config_invalid", wrong.removeprefix(f"[dataset] {info.field_name} "))
        return value


NonNegative = Annotated[StrictInt, Field(ge=0)]


class SplitPolicy(_Table):
    """``[splits]``: how items are assigned to train / validation / test (see :mod:`communique.corpus.splits`)."""

    unit: SplitUnit = "auto"
    min_documents: Annotated[StrictInt, Field(ge=1)] = DEFAULT_MIN_DOCUMENTS
    ratios: tuple[NonNegative, NonNegative, NonNegative] = DEFAULT_RATIOS  # train / validation / test, percent
    #: ``[splits.assign]``: documents pinned to a split, when splitting by document; the others go by hash
    assign: dict[DocumentId, SplitName] = {}

    @field_validator("ratios", mode="before")
    @classmethod
    def _three(cls, value: object) -> object:
        if not isinstance(value, (list, tuple)) or len(value) != 3:  # in TOML, an array of three
            raise PydanticCustomError("config_invalid", "must be three integers, train / validation / test percent")
        return value

    @field_validator("ratios")
    @classmethod
    def _percent(cls, value: tuple[int, int, int]) -> tuple[int, int, int]:
        if sum(value) != 100:
            raise PydanticCustomError("config_invalid", "must add up to 100, not {total}", {"total": sum(value)})
        return value

    def unit_for(self, documents: int) -> Literal["section", "document"]:
        """The unit actually used for a corpus of ``documents`` documents."""
        if self.unit != "auto":
            return self.unit
        return "document" if documents >= self.min_documents else "section"


def _inside_project(value: str, info: ValidationInfo) -> str:
    """A ``[paths]`` folder stays inside the project (``info.context["root"]``, when given): not absolute, and
    not leading outside once ``..`` and symlinks are resolved."""
    if "\x00" in value:
        raise PydanticCustomError("config_invalid", "must not hold a NUL character")
    root = (info.context or {}).get("root")
    if root is None:
        return value
    if os.path.isabs(value):
        raise PydanticCustomError("path_outside_project", "is absolute: {value}", {"value": repr(value)})
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(Path(root) / value))
    if not real.is_relative_to(real_root):
        raise PydanticCustomError(
            "path_outside_project",
            "= {value} leads outside the project, to {real}",
            {"value": repr(value), "real": str(real)},
        )
    return value


Folder = Annotated[StrictStr, Field(min_length=1), AfterValidator(_inside_project)]


class Paths(_Table):
    """``[paths]``: the folder of each stage, relative to the folder holding ``communique.toml`` and inside it."""

    seeds: Folder = DEFAULT_PATHS["seeds"]
    corpus: Folder = DEFAULT_PATHS["corpus"]
    annotations: Folder = DEFAULT_PATHS["annotations"]
    gold: Folder = DEFAULT_PATHS["gold"]
    passes: Folder = DEFAULT_PATHS["passes"]  # double-annotation passes, one folder each


class ProjectConfig(_Table):
    """``communique.toml``; every table and key is optional. Validate it with ``context={"root": folder}`` to
    refuse ``[paths]`` folders outside the project (:func:`load_project` does)."""

    dataset: Dataset = Dataset()
    paths: Paths = Paths()
    splits: SplitPolicy = SplitPolicy()


@dataclass(frozen=True)
class Project:
    """A corpus project; ``root`` is None outside any project (conventional folders under the cwd)."""

    root: Path | None
    dataset: Dataset = field(default_factory=Dataset)
    splits: SplitPolicy = field(default_factory=SplitPolicy)
    paths: dict[str, Path] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        """The folder of one stage: ``seeds``, ``corpus``, ``annotations``, ``gold`` or ``passes``."""
        return self.paths[name]


def find_project(start: str | os.PathLike[str] | None = None) -> Project:
    """The project holding ``start`` (default: the current folder), searching upward; a bare project outside."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return load_project(folder / CONFIG_NAME)
    return Project(None, paths={k: Path(v) for k, v in DEFAULT_PATHS.items()})


def load_project(config: Path) -> Project:
    """Read ``communique.toml`` (bounded, as every input) and validate it as a :class:`ProjectConfig`; every
    problem is reported at once, each located at the line and column of its key."""
    name = str(config)
    text = _read_config(config)
    data = _parse_config(text, name)
    try:
        parsed = ProjectConfig.model_validate(data, context={"root": config.parent})
    except ValidationError as exc:
        raise CommuniqueError(config_issues(exc, text, name)) from None
    paths = {key: config.parent / value for key, value in parsed.paths.model_dump().items()}
    return Project(config.parent, parsed.dataset, parsed.splits, paths)


_TABLES = {name: info.annotation for name, info in ProjectConfig.model_fields.items()}


def config_issues(exc: ValidationError, text: str, file: str) -> list[Issue]:
    """The model's errors as located issues: one per key (the first error of each), at the key's line and
    column in ``text``, coded ``config-invalid`` (``path-outside-project`` for a folder that leaves it)."""
    where = _key_positions(text)
    found: dict[tuple[str | int, ...], Issue] = {}
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        if loc[-1:] == ("[key]",):  # pydantic's marker of a wrong key of a mapping: the path is the key's own
            loc = loc[:-1]
        # the table and the key in it; in [splits.assign], the document id too
        keys = tuple(str(part) for part in loc[: 3 if loc[:2] == ("splits", "assign") else 2])
        if keys in found:
            continue
        code = "path-outside-project" if error["type"] == "path_outside_project" else "config-invalid"
        found[keys] = issue(
            code,
            _message(error, keys),
            file=file,
            path=format_path(loc),
            hint=_hint(error, keys),
            **_located(where, keys),
        )
    return sorted(found.values(), key=lambda found: (found.line or 0, found.column or 0))


def _message(error: ErrorDetails, keys: tuple[str, ...]) -> str:
    kind, shown = error["type"], _shown(error.get("input"))
    if len(keys) == 1:
        if kind == "extra_forbidden":
            return f"unknown table [{keys[0]}]"
        return f"[{keys[0]}] must be a table, not {shown}"
    if len(keys) == 3:  # [splits.assign] document-id = split
        table, key = f"{keys[0]}.{keys[1]}", keys[2]
        if kind == "literal_error":
            return f"[{table}] {key}: unknown split {shown}; use train, validation or test"
        return f"[{table}] {key!r} is not a document id ({error['msg']})"
    table, key = keys[:2]
    if kind == "extra_forbidden":
        return f"unknown key {key!r} in [{table}]"
    if kind in ("config_invalid", "path_outside_project"):
        return f"[{table}] {key} {error['msg']}"
    return f"[{table}] {key}: {error['msg']} (got {shown})"


def _hint(error: ErrorDetails, keys: tuple[str, ...]) -> str | None:
    if error["type"] == "path_outside_project":
        return OUTSIDE_HINT
    if error["type"] != "extra_forbidden":
        return None
    if len(keys) == 1:
        return f"allowed: {', '.join(f'[{t}]' for t in _TABLES)}"
    model = _TABLES.get(keys[0])
    allowed = list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []
    close = difflib.get_close_matches(keys[1], allowed, n=1)
    return f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"


_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60


def _shown(value: object) -> str:
    """A short ``repr`` of a value from the file (which may be a long string)."""
    return _SHOW.repr(value)


# ------------------------------------------------------------------------------------- where keys are written

_BARE_OR_QUOTED = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\')'
_DOTTED = rf"{_BARE_OR_QUOTED}(?:[ \t]*\.[ \t]*{_BARE_OR_QUOTED})*"
_HEADER = re.compile(rf"\[\[?[ \t]*({_DOTTED})[ \t]*\]")
_ASSIGN = re.compile(rf"({_DOTTED})[ \t]*=")
_PART = re.compile(_BARE_OR_QUOTED)
_NEWLINE = re.compile(r"\n")
_BLANK = re.compile(r"[ \t]*")


def _key_names(dotted: str) -> tuple[str, ...]:
    """``dataset . "name"`` -> ``("dataset", "name")`` (quoted keys unquoted as TOML reads them)."""
    names = []
    for part in _PART.findall(dotted):
        if part[0] in "\"'":
            try:
                part = next(iter(tomllib.loads(f"{part} = 0")))
            except (tomllib.TOMLDecodeError, StopIteration):
                part = part[1:-1]
        names.append(part)
    return tuple(names)


def _statement_starts(text: str) -> Iterator[int]:
    """The offsets where a line of ``text`` starts outside strings, comments, arrays and inline tables: where a
    table header or a key may be written."""
    yield 0
    depth, last = 0, 0
    for token in _TOKENS.finditer(text):  # the gaps between strings, comments and brackets hold the line breaks
        if depth == 0:
            yield from (newline.end() for newline in _NEWLINE.finditer(text, last, token.start()))
        char = token[0]
        if char in "[{":
            depth += 1
        elif char in "]}":
            depth = max(0, depth - 1)
        last = token.end()
    if depth == 0:
        yield from (newline.end() for newline in _NEWLINE.finditer(text, last))


def _key_positions(text: str) -> dict[tuple[str, ...], dict[str, int]]:
    """Where each table header and each key is written in ``text`` (the line and column of its first
    character), by its full name: ``("splits",)`` for ``[splits]``, ``("splits", "ratios")`` for
    ``ratios = ...`` below it or for ``splits.ratios = ...``. A key-like text inside a string is no key; a key
    inside an inline table is found at the table's own key."""
    found: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    line_starts = [0, *(newline.end() for newline in _NEWLINE.finditer(text))]  # one pass: linear in the file
    for start in _statement_starts(text):
        at = _BLANK.match(text, start).end()  # type: ignore[union-attr]  # matches the empty string anywhere
        header = _HEADER.match(text, at)
        if header:
            table = _key_names(header[1])
            found.setdefault(table, header.start())  # the table at its opening bracket
        elif assign := _ASSIGN.match(text, at):
            found.setdefault(table + _key_names(assign[1]), assign.start(1))
    located = {}
    for keys, offset in found.items():
        line = bisect.bisect_right(line_starts, offset)
        located[keys] = {"line": line, "column": offset - line_starts[line - 1] + 1}
    return located


def _located(where: dict[tuple[str, ...], dict[str, int]], keys: tuple[str, ...]) -> dict[str, int]:
    """``line`` and ``column`` of the key ``keys`` (else of its table; nothing when neither is written)."""
    for known in (keys, keys[:2], keys[:1]):
        if known in where:
            return where[known]
    return {}


def _read_config(config: Path) -> str:
    """The text of ``config``, read as every input is (a regular file, at most :data:`MAX_CONFIG_BYTES`, UTF-8)."""
    from communique.io.read import read_text  # imported here to keep this module light

    return read_text(config, MAX_CONFIG_BYTES)


def _parse_config(text: str, name: str) -> dict[str, object]:
    """``text`` parsed as TOML; nesting too deep, huge integers and syntax errors are located, coded errors."""
    deep = _too_deep(text)
    if deep is not None:
        message = f"nests deeper than {MAX_CONFIG_DEPTH} levels (a communique.toml nests one)"
        raise CommuniqueError([issue("too-deep", message, file=name, **_position(text, deep))])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        located: _Position = {"line": int(where[1]), "column": int(where[2])} if where else {}
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


class _Position(TypedDict, total=False):
    """Where a problem is in the text (both keys, or neither when it cannot be told)."""

    line: int
    column: int


def _position(text: str, offset: int) -> _Position:
    """1-based ``line`` and ``column`` of ``offset`` in ``text``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return {"line": text.count("\n", 0, offset) + 1, "column": offset - line_start + 1}


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


def unassigned_documents(project: Project, documents: Iterable[str]) -> list[Issue]:
    """A warning for each document ``[splits.assign]`` pins that is not among ``documents`` (the corpus): a
    misspelt id would otherwise leave the document it meant to the hash, silently."""
    known = set(documents)
    missing = [doc_id for doc_id in dict(project.splits.assign) if doc_id not in known]
    if not missing or project.root is None:
        return []
    config = project.root / CONFIG_NAME
    where = _key_positions(_read_config(config))
    return [
        issue(
            "split-assign-unknown-document",
            f"[splits.assign] pins {doc_id!r}, which is not a document of the corpus",
            file=str(config),
            path=f"$.splits.assign.{doc_id}",
            hint="correct the id, or remove the line",
            **_located(where, ("splits", "assign", doc_id)),
        )
        for doc_id in missing
    ]


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

[splits.assign]  # documents pinned to a split when splitting by document (my-article = "test"); the rest by hash
"""


def init_project(folder: Path, name: str | None = None, description: str = "") -> Path:
    """Create a project in ``folder``: ``communique.toml``, the empty stage folders and a copy of the annotation
    guidelines (:func:`guidelines_path`); return the config path.

    Refused, with nothing written, when ``folder`` already holds a ``communique.toml``, when a value is one
    the config loader would refuse (:func:`dataset_value_problem`, the same rule), or when the folder cannot
    take it (read-only, a file in the way). A failure midway removes what this call created: a refused
    ``init`` leaves nothing half-made. Guidelines already at that path (the user's own, perhaps edited) are
    left as they are.
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
    written: list[Path] = []  # files this call made: removed again if anything fails
    guidelines = guidelines_path(folder)
    try:
        for stage in (folder, *(folder / DEFAULT_PATHS[key] for key in ("seeds", "corpus", "gold"))):
            _make_folders(stage, str(folder), created)
        if not os.path.lexists(guidelines):
            write_atomic(guidelines, guidelines_text(), replace=False)
            written.append(guidelines)
        write_atomic(config, text, replace=False)
    except BaseException as exc:
        for made_file in written:
            with contextlib.suppress(OSError):
                made_file.unlink()
        for made in reversed(created):
            with contextlib.suppress(OSError):
                made.rmdir()
        if isinstance(exc, OSError):
            from communique.io.write import os_error

            raise os_error(exc, folder, f"create the project in {folder}") from None
        raise
    return config


def guidelines_path(folder: Path) -> Path:
    """Where ``init`` puts the guidelines in the project ``folder``: ``annotations/GUIDELINES.md``."""
    return folder / DEFAULT_PATHS["annotations"] / GUIDELINES_NAME


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
