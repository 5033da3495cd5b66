"""The checks beyond types: the corpus a file refers to, the structure (from Pydantic's errors), identity
(unique ids, resolvable references, country codes) and consistency of a well-typed document.

Each check appends :class:`~communique.schema.errors.Issue`\\ s (unlocated: a JSON path, no line) to a list, so
that a file gets every problem at once. They serve both gold annotations and predictions (``root``).
"""

from __future__ import annotations

import difflib
import math
import re
import reprlib
from collections.abc import Iterator
from typing import Any

import pycountry
from pydantic import BaseModel, ValidationError

from communique.annotate.walk import RefNode, _strip, walk
from communique.corpus.store import CorpusStore, CorpusText, CorpusUnreadable
from communique.io.parse import JsonPath, format_path
from communique.schema.errors import Issue, Severity, issue
from communique.schema.models import ANNOTATION_LAYERS, FREE_TEXT_PATTERN, AnnotatedDocument, Span

QUOTE_OPENERS = '“"‘«„'


QUOTE_CLOSERS = '”"’»“'


def check_corpus(data: dict[str, Any], store: CorpusStore, issues: list[Issue]) -> CorpusText | None:
    document_id = data.get("document_id")
    if not isinstance(document_id, str):
        return None  # missing or mistyped: reported by the model validation
    try:
        corpus = store.text(document_id)
    except CorpusUnreadable as exc:
        issues.append(exc.as_issue())
        return None
    if corpus is None:
        close = difflib.get_close_matches(document_id, store.ids(), n=3)
        issues.append(
            issue(
                "unknown-document",
                f"no corpus document {document_id!r}",
                path="$.document_id",
                hint=f"did you mean {', '.join(map(repr, close))}?"
                if close
                else "run `communique corpus build`; documents live in corpus/<id>.json",
            )
        )
        return None
    sha = data.get("text_sha256")
    if isinstance(sha, str) and sha != corpus.sha256:
        issues.append(
            issue(
                "stale-hash",
                f"annotations were made against text {sha[:12]}…, the corpus document is {corpus.sha256[:12]}…",
                path="$.text_sha256",
                hint="the text changed: re-check every span, then update text_sha256",
            )
        )
    return corpus


_TYPE_ERRORS = {"missing": "missing-field", "extra_forbidden": "unknown-field"}


def structure_issues(exc: ValidationError, root: type[BaseModel] = AnnotatedDocument) -> Iterator[Issue]:
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if isinstance(p, (str, int)))
        kind = error["type"]
        code = _TYPE_ERRORS.get(kind) or ("type-error" if kind.endswith("_type") else "invalid-value")
        hint = None
        if code == "missing-field":
            message = f"required field {loc[-1]!r} is missing" if loc else "required field is missing"
        elif code == "unknown-field":
            allowed = fields_at(loc[:-1], root)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = f"unknown field {loc[-1]!r}"
            hint = f"did you mean {close[0]!r}?" if close else (f"allowed: {', '.join(allowed)}" if allowed else None)
        elif kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == FREE_TEXT_PATTERN:
            code, message, hint = "control-character", *_control_message(error.get("input"))
        else:
            message = f"{error['msg']} (got {show_value(error.get('input'))})"
        yield issue(code, message, path=format_path(loc), hint=hint)


_CONTROL = re.compile(FREE_TEXT_PATTERN.replace("[^", "[", 1).strip("^$*"))


def _control_message(value: Any) -> tuple[str, str]:
    found = _CONTROL.search(value) if isinstance(value, str) else None
    where = f"U+{ord(found[0]):04X} at position {found.start()} in {show_value(value)}" if found else "it"
    return (
        f"free text holds a control character: {where}",
        "names, titles and other free text are one line without tabs or control characters: use a space",
    )


def fields_at(loc: JsonPath, root: type[BaseModel] = AnnotatedDocument) -> list[str]:
    """Field names of the model found at ``loc`` inside a ``root`` document."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return []
        core, _ = _strip(info.annotation)
        while getattr(core, "__origin__", None) is list:
            core, _ = _strip(core.__args__[0])
        model = core
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def check_identity(
    data: dict[str, Any],
    issues: list[Issue],
    root: type[BaseModel] = AnnotatedDocument,
    refs: list[RefNode] | None = None,
) -> None:
    """Unique ids, resolvable references (``refs``, or those found by walking ``data`` as ``root``),
    existing country codes."""
    seen: dict[str, str] = {}
    ids: dict[str, set[str]] = {layer: set() for layer in ANNOTATION_LAYERS}
    for layer in ANNOTATION_LAYERS:
        items = data.get(layer)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            here = format_path((layer, i, "id"))
            if item_id in seen:
                issues.append(
                    issue(
                        "duplicate-id",
                        f"id {item_id!r} is already used",
                        path=here,
                        hint=f"first used at {seen[item_id]}",
                    )
                )
            else:
                seen[item_id] = here
            ids[layer].add(item_id)
    for node in refs if refs is not None else walk(root, data):
        if isinstance(node, RefNode) and isinstance(node.value, str) and node.value not in ids[node.layer]:
            close = difflib.get_close_matches(node.value, sorted(ids[node.layer]), n=1)
            issues.append(
                issue(
                    "dangling-reference",
                    f"{node.value!r} is not the id of any of the {node.layer}",
                    path=format_path(node.path),
                    hint=f"did you mean {close[0]!r}?" if close else None,
                )
            )
    for layer in ("officials", "commitments"):
        for i, item in enumerate(data.get(layer) or []):
            code = item.get("country") if isinstance(item, dict) else None
            if (
                isinstance(code, str)
                and re.fullmatch(r"[A-Z]{3}", code)
                and pycountry.countries.get(alpha_3=code) is None
            ):
                issues.append(
                    issue(
                        "unknown-country",
                        f"{code!r} is not an ISO 3166-1 alpha-3 code",
                        path=format_path((layer, i, "country")),
                    )
                )


def check_consistency(doc: AnnotatedDocument, corpus: CorpusText, issues: list[Issue]) -> None:
    text = corpus.text
    mention_at: dict[tuple[int, int], str] = {}
    for i, official in enumerate(doc.officials):
        for j, mention in enumerate(official.mentions):
            key = (mention.start, mention.end)
            here = format_path(("officials", i, "mentions", j))
            if key in mention_at:
                issues.append(
                    issue(
                        "duplicate-mention",
                        f"{mention.text!r} at [{key[0]}, {key[1]}) is already a mention",
                        path=here,
                        hint=f"first at {mention_at[key]}",
                    )
                )
            else:
                mention_at[key] = here
    meetings = {m.id: m for m in doc.meetings}
    for i, meeting in enumerate(doc.meetings):
        seen: set[str] = set()
        for j, participant in enumerate(meeting.participants):
            if participant.official_id in seen:
                issues.append(
                    issue(
                        "duplicate-participant",
                        f"{participant.official_id!r} is listed twice",
                        path=format_path(("meetings", i, "participants", j, "official_id")),
                    )
                )
            seen.add(participant.official_id)
    quotes = {q.id: q for q in doc.quotes}
    for i, quote in enumerate(doc.quotes):
        if quote.addressee_id is not None and quote.addressee_id == quote.speaker_id:
            issues.append(
                issue("self-addressed", "the addressee is the speaker", path=format_path(("quotes", i, "addressee_id")))
            )
        _check_in_meeting(meetings, quote.meeting_id, quote.speaker_id, ("quotes", i, "meeting_id"), issues)
        if quote.kind == "direct":
            for j, content in enumerate(quote.contents):
                if not _inside_quotation_marks(text, corpus, content):
                    issues.append(
                        issue(
                            "direct-quote-unquoted",
                            f"content {show_value(content.text)} is not enclosed in quotation marks",
                            path=format_path(("quotes", i, "contents", j)),
                            hint="direct content excludes the marks and runs up to the closing mark "
                            "(or the end of the paragraph when the mark is missing)",
                        )
                    )
    for i, commitment in enumerate(doc.commitments):
        _check_in_meeting(
            meetings, commitment.meeting_id, commitment.actor_id, ("commitments", i, "meeting_id"), issues
        )
        if commitment.quote_id is not None and commitment.quote_id in quotes:
            quote = quotes[commitment.quote_id]
            holders = [*quote.contents, *quote.cues]
            lo = min(s.start for s in holders)
            hi = max(s.end for s in holders)
            if not (lo <= commitment.content.start and commitment.content.end <= hi):
                issues.append(
                    issue(
                        "commitment-outside-quote",
                        f"content [{commitment.content.start}, {commitment.content.end}) is outside quote "
                        f"{quote.id!r} [{lo}, {hi})",
                        path=format_path(("commitments", i, "content")),
                    )
                )


def _check_in_meeting(
    meetings: dict[str, Any], meeting_id: str | None, official_id: str, path: JsonPath, issues: list[Issue]
) -> None:
    meeting = meetings.get(meeting_id) if meeting_id is not None else None
    if meeting is not None and official_id not in {p.official_id for p in meeting.participants}:
        issues.append(
            issue(
                "speaker-not-in-meeting",
                f"{official_id!r} is not a participant of {meeting_id!r}",
                path=format_path(path),
            )
        )


def _inside_quotation_marks(text: str, corpus: CorpusText, span: Span) -> bool:
    """An opening mark right before the span, and a closing mark right after it or the paragraph's end."""
    opened = span.start > 0 and text[span.start - 1] in QUOTE_OPENERS
    closed = span.end < len(text) and text[span.end] in QUOTE_CLOSERS
    return opened and (closed or span.end in corpus.paragraph_ends)


def has_errors(issues: list[Issue]) -> bool:
    return any(i.severity is Severity.ERROR for i in issues)


def kind_of(value: Any) -> str:
    names: dict[type, str] = {dict: "a mapping", list: "a list", str: "a string"}
    return names.get(type(value), type(value).__name__)


class _BoundedRepr(reprlib.Repr):
    """``repr`` that looks at a bounded part of a value: a few items per level, a few levels, the start of
    a string and no decimal conversion of a huge integer (aliased or huge inputs cost nothing extra)."""

    def __init__(self) -> None:
        super().__init__()  # keyword arguments only from Python 3.12
        self.maxlevel, self.maxstring, self.maxother = 3, 60, 60
        self.maxlist = self.maxdict = self.maxtuple = self.maxset = 4

    def repr_str(self, x: str, level: int) -> str:
        return repr(x[: self.maxstring + 1])  # cut at the end (by show_value), not in the middle

    def repr_int(self, x: int, level: int) -> str:
        if x.bit_length() > 200:  # about 60 digits: converting a huge integer to decimal is quadratic
            return f"<integer of about {int(x.bit_length() * math.log10(2)) + 1} digits>"
        return super().repr_int(x, level)


_SHOW = _BoundedRepr()


def show_value(value: Any, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for a message, computed from a bounded prefix of it."""
    shown = _SHOW.repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
