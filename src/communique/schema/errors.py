"""The one catalogue of problems communique reports, with stable codes.

Codes are lower-kebab slugs (as in frictionless): they never change meaning once published, so users can
grep for them, filter on them and link to them. Every problem the toolkit reports is an :class:`Issue`
built from an entry of :data:`CATALOGUE`; nothing else prints errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Severity(str, Enum):  # noqa: UP042  (str() of a member must stay its qualified name)
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """A catalogue entry: a stable code, a default severity and what it means."""

    code: str
    severity: Severity
    summary: str


_ENTRIES = [
    # reading files
    Problem("file-not-found", Severity.ERROR, "The path does not exist or is not a readable file."),
    Problem("io-error", Severity.ERROR, "A file or folder could not be read or written (permissions, disk full...)."),
    Problem(
        "engine-unavailable",
        Severity.ERROR,
        "The --engine options cannot be used: Dask is not installed, the scheduler cannot be reached, "
        "or --scheduler was given without --engine dask.",
    ),
    Problem("encoding-error", Severity.ERROR, "The file is not valid UTF-8."),
    Problem("empty-file", Severity.ERROR, "The file holds no document."),
    Problem("yaml-syntax", Severity.ERROR, "The file is not well-formed YAML or JSON."),
    Problem("json-syntax", Severity.ERROR, "A line is not well-formed JSON."),
    Problem("too-deep", Severity.ERROR, "The document nests deeper than any valid document can."),
    Problem(
        "alias-expansion",
        Severity.ERROR,
        "YAML aliases expand the file far beyond what is written (more than max(10,000, 20 x its nodes)).",
    ),
    Problem(
        "yaml-unsupported",
        Severity.ERROR,
        "The file uses a YAML feature annotation files do not allow: a list or mapping as a key, a recursive alias.",
    ),
    Problem("number-too-large", Severity.ERROR, "An integer has more digits (over 4,300) than communique reads."),
    Problem(
        "number-not-finite", Severity.ERROR, "A JSON number is NaN or infinite (`NaN`, `Infinity`): JSON has neither."
    ),
    Problem(
        "input-not-regular",
        Severity.ERROR,
        "The input is a folder, FIFO, device or socket where a file is expected; only regular files are read.",
    ),
    Problem(
        "input-too-large",
        Severity.ERROR,
        "The input is larger than communique reads from such a file (documentation: Limits); nothing of it is read.",
    ),
    Problem(
        "decompressed-too-large",
        Severity.ERROR,
        "A compressed input (a spaCy DocBin) expands beyond what communique reads (documentation: Limits).",
    ),
    # structure (from the Pydantic models)
    Problem("missing-field", Severity.ERROR, "A required field is absent."),
    Problem("unknown-field", Severity.ERROR, "A field the schema does not define (often a typo)."),
    Problem("type-error", Severity.ERROR, "A value has the wrong type."),
    Problem("invalid-value", Severity.ERROR, "A value has the right type but is not allowed."),
    Problem(
        "control-character",
        Severity.ERROR,
        "Free text holds a control character (a tab, line break or other non-printing character).",
    ),
    # anchoring spans to the text
    Problem("span-not-found", Severity.ERROR, "The span's text does not occur in the document."),
    Problem("span-ambiguous", Severity.ERROR, "The span's text occurs more than once; say which."),
    Problem("span-unanchored", Severity.WARNING, "The span has text but no offsets; run `communique anchor`."),
    Problem("span-out-of-range", Severity.ERROR, "The offsets lie outside the document text."),
    Problem("span-text-mismatch", Severity.ERROR, "The span's text differs from the document at its offsets."),
    Problem(
        "span-context-mismatch", Severity.ERROR, "The span's prefix, suffix or occurrence contradicts its offsets."
    ),
    Problem("span-whitespace", Severity.ERROR, "The span starts or ends with whitespace."),
    # cross-references and consistency
    Problem("duplicate-id", Severity.ERROR, "Two items share an id."),
    Problem("dangling-reference", Severity.ERROR, "A reference names an id that does not exist."),
    Problem("unknown-document", Severity.ERROR, "No corpus document has this id."),
    Problem("stale-hash", Severity.ERROR, "The annotations were made against another version of the text."),
    Problem("unknown-country", Severity.ERROR, "Not an ISO 3166-1 alpha-3 country code."),
    Problem("duplicate-mention", Severity.ERROR, "The same span is a mention more than once."),
    Problem("duplicate-participant", Severity.ERROR, "An official is listed twice in one meeting."),
    Problem("direct-quote-unquoted", Severity.ERROR, "A direct quote's content is not inside quotation marks."),
    Problem("speaker-not-in-meeting", Severity.ERROR, "The speaker or actor is not a participant of the meeting."),
    Problem("self-addressed", Severity.ERROR, "A quote's addressee is its own speaker."),
    Problem("commitment-outside-quote", Severity.ERROR, "A commitment's content lies outside the quote it cites."),
    Problem("duplicate-document", Severity.ERROR, "Two files annotate the same document in one set."),
    Problem("duplicate-actor", Severity.ERROR, "An official is listed twice among a commitment's or stance's actors."),
    Problem(
        "quotation-marks",
        Severity.ERROR,
        "An attribution's kind contradicts its quotation marks (marks outside iff they enclose the whole content).",
    ),
    Problem(
        "commitment-outside-attribution",
        Severity.ERROR,
        "A commitment's content lies outside the contents of the attribution it cites.",
    ),
    Problem(
        "stance-outside-attribution",
        Severity.ERROR,
        "A stance's content lies outside the contents of the attribution it cites.",
    ),
    Problem(
        "schema-outdated", Severity.ERROR, "The file is in an older annotation format; run `communique migrate FILE`."
    ),
    Problem("schema-unknown", Severity.ERROR, "The file names an annotation format version communique does not know."),
    Problem(
        "review-draft",
        Severity.WARNING,
        "An item marked `review: draft` (made by an extractor) has not been checked; `--strict` fails on it.",
    ),
    # corpus
    Problem("seed-metadata", Severity.ERROR, "A seed's metadata file is missing or invalid."),
    Problem("seed-changed", Severity.ERROR, "A seed's bytes no longer match the sha256 in its metadata."),
    Problem("corpus-stale", Severity.ERROR, "A committed corpus document differs from what its seed builds."),
    Problem("corpus-invalid", Severity.ERROR, "A corpus document file cannot be read; rebuild it from its seed."),
    Problem("seed-empty", Severity.ERROR, "A text to add is empty (or only whitespace)."),
    Problem("seed-exists", Severity.ERROR, "A seed with this id is already in the project."),
    Problem("seed-duplicate-text", Severity.ERROR, "The same text is already in the project under another id."),
    # projects (communique.toml)
    Problem("config-invalid", Severity.ERROR, "communique.toml is malformed or holds an unknown or mistyped setting."),
    Problem("project-exists", Severity.ERROR, "The folder already holds a communique project."),
    Problem(
        "path-outside-project",
        Severity.ERROR,
        "A folder in communique.toml's [paths] is absolute or leads outside the project (by `..` or a symlink).",
    ),
    # drafts (communique draft)
    Problem(
        "draft-span-unanchored",
        Severity.WARNING,
        "A predicted span is not placed exactly once in the text; it is drafted without offsets.",
    ),
    Problem(
        "draft-item-skipped",
        Severity.WARNING,
        "A predicted item or reference lacks what the gold requires (a mention, two participants, an actor).",
    ),
    # predictions (communique bench)
    Problem(
        "prediction-span-not-found",
        Severity.WARNING,
        "A predicted span's text does not occur in the document; the prediction is scored as wrong.",
    ),
    Problem(
        "prediction-span-ambiguous",
        Severity.WARNING,
        "A predicted text-only span occurs more than once and nothing says which; scored as wrong.",
    ),
    Problem(
        "prediction-unknown-official",
        Severity.WARNING,
        "A predicted official's name matches no gold official (or several equally); scored as wrong.",
    ),
    Problem(
        "prediction-double-reference",
        Severity.ERROR,
        "An official is referenced more than one way (*_id, *_name, *_span); give one.",
    ),
    Problem(
        "prediction-old-stances",
        Severity.WARNING,
        "A line of prediction format 2.0 (or without a version) holds commitments of the kinds format 2.1 calls "
        "stances; they are read as stances.",
    ),
    Problem("prediction-duplicate-document", Severity.ERROR, "Two prediction lines are for the same document."),
    Problem(
        "prediction-missing-document",
        Severity.WARNING,
        "A gold document has no prediction line; scored as predicting nothing.",
    ),
    Problem(
        "prediction-unscored-document",
        Severity.WARNING,
        "A prediction is for a document without gold annotations; not scored.",
    ),
    Problem(
        "prediction-span-unresolved",
        Severity.WARNING,
        "A predicted *_span reference overlaps no mention of a gold or predicted official; scored as wrong.",
    ),
    # -- prediction codes go here --
    # imports from annotation tools (communique import label-studio / brat)
    Problem(
        "unknown-label", Severity.ERROR, "A label, relation or choice the communique configuration does not define."
    ),
    Problem("conflicting-values", Severity.ERROR, "Two places in a tool's export give different values for one field."),
    Problem("standoff-syntax", Severity.ERROR, "A brat .ann line is not well-formed standoff."),
    Problem("task-unannotated", Severity.WARNING, "A Label Studio task has no submitted annotation; it is skipped."),
    # exports
    # -- export codes go here --
    # writing files and folders (communique.io.write, communique.io.folder)
    Problem(
        "output-invalid-path", Severity.ERROR, "The output path cannot name a file or folder to write (`.`, `..`, `/`)."
    ),
    Problem("output-name-too-long", Severity.ERROR, "A name in the output path is longer than the file system allows."),
    Problem("output-is-folder", Severity.ERROR, "The output path is a folder where a file is expected."),
    Problem(
        "output-not-folder", Severity.ERROR, "The output path (or a parent of it) is a file where a folder is expected."
    ),
    Problem(
        "output-not-regular",
        Severity.ERROR,
        "The output path is a device, FIFO or socket; only regular files are written.",
    ),
    Problem("output-read-only", Severity.ERROR, "The output file or folder is read-only; it is left as it is."),
    Problem(
        "output-protected",
        Severity.ERROR,
        "The output folder is the working folder, a parent of it or a project folder.",
    ),
    Problem(
        "output-not-empty",
        Severity.ERROR,
        "The output folder holds files communique did not write; it is left as it is.",
    ),
    Problem("output-locked", Severity.ERROR, "Another communique process is writing the same output folder."),
    Problem(
        "output-exists",
        Severity.ERROR,
        "The output file exists and differs from what would be written; it is left as it is (--force replaces it "
        "and keeps it as FILE.~N~).",
    ),
    Problem(
        "write-failed",
        Severity.ERROR,
        "Writing the output failed (e.g. the disk is full); the previous file is intact.",
    ),
    # URLs: inputs and outputs on fsspec filesystems (communique.io.remote, communique.io.staging)
    Problem("url-unsupported", Severity.ERROR, "The path's protocol (`xyz://`) is not one fsspec knows."),
    Problem(
        "input-name-unsafe",
        Severity.ERROR,
        "An object under a remote folder has a name that cannot be a local file name (`..`, an empty part); "
        "it is not read.",
    ),
    Problem(
        "output-changed",
        Severity.ERROR,
        "A remote object changed after communique read it; it is left as it is and the result is not copied.",
    ),
    # converters (communique convert) and the LLM extractor (communique extract --method llm)
    Problem("missing-library", Severity.ERROR, "An optional library this feature needs is not installed."),
    Problem("convert-bad-input", Severity.ERROR, "The input is not in the format it was said to be in."),
    Problem(
        "convert-text-differs",
        Severity.WARNING,
        "The converted document's text differs from the corpus text; spans go by text and occurrence.",
    ),
    Problem("convert-token-unaligned", Severity.WARNING, "A token could not be found in the text; it is left out."),
    Problem("convert-label-skipped", Severity.WARNING, "Labels with no place in a prediction were left out."),
    Problem("convert-library-failed", Severity.WARNING, "The library failed on one document; its items are left out."),
    Problem(
        "convert-per-paragraph",
        Severity.WARNING,
        "The library refused a document as a whole (an odd number of quotation marks: a quotation that runs "
        "across paragraphs); it was run on each paragraph.",
    ),
    Problem(
        "convert-span-dropped",
        Severity.WARNING,
        "A span's offsets are negative, reversed or outside its text; the span is left out.",
    ),
    Problem(
        "convert-duplicate-document",
        Severity.ERROR,
        "Two documents of the input are for one corpus document (bench would refuse the lines); nothing is written.",
    ),
    Problem("llm-request-failed", Severity.WARNING, "No usable answer after retries; that part predicts nothing."),
    Problem("llm-invalid-json", Severity.WARNING, "The model's answer is not JSON; that document predicts nothing."),
    Problem(
        "llm-invalid-answer",
        Severity.WARNING,
        "The model's answer does not fit the prediction schema; that document predicts nothing.",
    ),
    Problem(
        "llm-invalid-response",
        Severity.WARNING,
        "The server's response is not a chat completion (not JSON, too deep, wrong shape, bad token counts); "
        "that document predicts nothing.",
    ),
    Problem(
        "llm-timeout",
        Severity.WARNING,
        "No complete answer within the request's deadline (--timeout, retries included); that document "
        "predicts nothing.",
    ),
    Problem(
        "llm-answer-too-large",
        Severity.WARNING,
        "The response is longer than --max-answer-bytes; it was refused unread or part-read, and that document "
        "predicts nothing.",
    ),
    Problem(
        "llm-cache-invalid",
        Severity.WARNING,
        "A cache entry is corrupt, keyless, stored for another request or edited (or cannot be written); it "
        "is not used and the request is sent again.",
    ),
    # nothing silently empty (issue 21)
    Problem(
        "split-empty",
        Severity.ERROR,
        "The split asked for holds no unit of the corpus (no document or section falls in it): nothing to score.",
    ),
    Problem(
        "nothing-imported",
        Severity.ERROR,
        "An import found no document to import (e.g. no task with a submitted annotation); nothing was written.",
    ),
    Problem(
        "participation-mismatch",
        Severity.ERROR,
        "An official's participation contradicts the meetings: `participant` iff it is among the participants "
        "of some meeting of the file.",
    ),
]

#: code -> catalogue entry
CATALOGUE: dict[str, Problem] = {p.code: p for p in _ENTRIES}


@dataclass(frozen=True)
class Issue:
    """One reported problem, located as precisely as the input allows.

    ``line`` and ``column`` are 1-based and refer to the file as written; ``path`` is a JSON path into the
    document (``$.officials[0].mentions[2].text``).
    """

    code: str
    message: str
    file: str = "-"
    line: int | None = None
    column: int | None = None
    path: str = "$"
    hint: str | None = None
    severity: Severity = field(default=Severity.ERROR)

    def __post_init__(self) -> None:
        if self.code not in CATALOGUE:  # a typo in a code is a bug in communique, caught by the tests
            raise ValueError(f"unknown issue code {self.code!r}")

    def located(self, file: str, line: int | None, column: int | None) -> Issue:
        return replace(self, file=file, line=line, column=column)

    def to_dict(self) -> dict[str, str | int | None]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def issue(
    code: str,
    message: str,
    *,
    path: str = "$",
    hint: str | None = None,
    file: str = "-",
    line: int | None = None,
    column: int | None = None,
) -> Issue:
    """Build an :class:`Issue` with the catalogue's severity for ``code``."""
    return Issue(code, message, file, line, column, path, hint, CATALOGUE[code].severity)


class CommuniqueError(Exception):
    """Raised by the API when input is invalid; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        first = issues[0] if issues else None
        super().__init__(f"{len(issues)} problem(s); first: [{first.code}] {first.message}" if first else "invalid")

    def __reduce__(self) -> tuple[type, tuple[list[Issue]]]:  # keep the issues across processes (--jobs)
        return (CommuniqueError, (self.issues,))
