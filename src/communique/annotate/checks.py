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
from collections.abc import Iterator, Mapping, Sequence
from typing import get_args, get_origin

import pycountry
from pydantic import BaseModel, ValidationError

from communique.annotate.walk import RefNode, _strip, tagged_union, walk
from communique.corpus.store import CorpusStore, CorpusText, CorpusUnreadable
from communique.io.parse import JsonPath, format_path
from communique.schema.errors import Issue, Severity, issue
from communique.schema.guidelines import PRINT_COMMAND
from communique.schema.models import (
    ANNOTATION_LAYERS,
    FREE_TEXT_PATTERN,
    AnnotatedDocument,
    Attribution,
    Commitment,
    Meeting,
    OfficialSource,
    Span,
    Stance,
)

QUOTE_OPENERS = '“"‘«„'


QUOTE_CLOSERS = '”"’»“'
#: marks that show a quoted fragment inside a content: double marks, and the opening single mark ‘ (never an
#: apostrophe, which is ’); a straight ' counts only where it opens a quotation (guidelines 6.9: a quote inside
#: a quote is a quoted fragment), since inside a word or after one it is an apostrophe (d'Ivoire, countries')
FRAGMENT_MARKS = '“”"«»„‘'
_STRAIGHT_OPENER = re.compile(r"(?:^|[\s(\[—–“\"])'(?=\w)")


def has_quoted_fragment(text: str) -> bool:
    """Whether ``text`` holds quotation marks of a quoted fragment (not apostrophes)."""
    return any(ch in FRAGMENT_MARKS for ch in text) or _STRAIGHT_OPENER.search(text) is not None


def check_corpus(data: Mapping[str, object], store: CorpusStore, issues: list[Issue]) -> CorpusText | None:
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
                hint=f"the text changed: re-check every span, then set text_sha256: {corpus.sha256}",
            )
        )
    return corpus


_TYPE_ERRORS = {"missing": "missing-field", "extra_forbidden": "unknown-field"}


def structure_issues(exc: ValidationError, root: type[BaseModel] = AnnotatedDocument) -> Iterator[Issue]:
    for error in exc.errors(include_url=False):
        loc = data_path(tuple(p for p in error["loc"] if isinstance(p, (str, int))), root)
        kind = error["type"]
        code = _TYPE_ERRORS.get(kind) or ("type-error" if kind.endswith("_type") else "invalid-value")
        hint = None
        if code == "missing-field":
            message = f"required field {loc[-1]!r} is missing" if loc else "required field is missing"
        elif code == "unknown-field":
            allowed = _descend_fields(error["loc"], root)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message = f"unknown field {loc[-1]!r}"
            hint = f"did you mean {close[0]!r}?" if close else (f"allowed: {', '.join(allowed)}" if allowed else None)
        elif kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") == FREE_TEXT_PATTERN:
            code, message, hint = "control-character", *_control_message(error.get("input"))
        else:
            message = f"{error['msg']} (got {show_value(error.get('input'))})"
        yield issue(code, message, path=format_path(loc), hint=hint)


def _descend_fields(loc: tuple[int | str, ...], root: type[BaseModel]) -> list[str]:
    """Field names of the model holding the last part of a Pydantic error location."""
    model = _descend(tuple(p for p in loc[:-1] if isinstance(p, (str, int))), root)[1]
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


_CONTROL = re.compile(FREE_TEXT_PATTERN.replace("[^", "[", 1).strip("^$*"))


def _control_message(value: object) -> tuple[str, str]:
    found = _CONTROL.search(value) if isinstance(value, str) else None
    where = f"U+{ord(found[0]):04X} at position {found.start()} in {show_value(value)}" if found else "it"
    return (
        f"free text holds a control character: {where}",
        "names, titles and other free text are one line without tabs or control characters: use a space",
    )


def _descend(loc: JsonPath, root: type[BaseModel]) -> tuple[JsonPath, object]:
    """Follow a Pydantic error location through the models: the location in the data (without the tags
    Pydantic inserts after a discriminated union) and the model found at its end (``None`` if none)."""
    model: object = root
    out: list[str | int] = []
    union: dict[str, type[BaseModel]] | None = None
    for part in loc:
        if isinstance(part, int):
            out.append(part)
            continue
        if union is not None and part in union:  # the tag Pydantic adds: not a key of the data
            model, union = union[part], None
            continue
        out.append(part)
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            model, union = None, None
            continue
        core, _ = _strip(info.annotation)
        while get_origin(core) is list:
            core, _ = _strip(get_args(core)[0])
        tagged = tagged_union(core)
        model, union = (None, tagged[1]) if tagged is not None else (core, None)
    return tuple(out), model


def data_path(loc: JsonPath, root: type[BaseModel] = AnnotatedDocument) -> JsonPath:
    """The path in the data of a Pydantic error location (discriminated-union tags removed)."""
    return _descend(loc, root)[0]


def fields_at(loc: JsonPath, root: type[BaseModel] = AnnotatedDocument, data: object = None) -> list[str]:
    """Field names of the model found at ``loc`` (a path in the data) inside a ``root`` document."""
    model: object = root
    node = data
    for part in loc:
        node = _child(node, part)
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return []
        core, _ = _strip(info.annotation)
        while get_origin(core) is list:
            core, _ = _strip(get_args(core)[0])
        tagged = tagged_union(core)
        if tagged is not None:  # the member named by the data's tag, when the data is at hand
            tag, members = tagged
            chosen = node.get(tag) if isinstance(node, dict) else None
            core = members.get(chosen) if isinstance(chosen, str) else None
        model = core
    return list(model.model_fields) if isinstance(model, type) and issubclass(model, BaseModel) else []


def _child(node: object, part: str | int) -> object:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def check_identity(
    data: Mapping[str, object],
    issues: list[Issue],
    root: type[BaseModel] = AnnotatedDocument,
    refs: list[RefNode] | None = None,
) -> None:
    """Unique ids, resolvable references (``refs``, or those found by walking ``data`` as ``root``),
    existing country codes."""
    seen: dict[str, JsonPath] = {}  # paths formatted only for a message
    ids: dict[str, set[str]] = {layer: set() for layer in ANNOTATION_LAYERS}
    for layer in ANNOTATION_LAYERS:
        items = data.get(layer)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            item_id = item.get("id") if isinstance(item, dict) else None
            if not isinstance(item_id, str):
                continue
            here = (layer, i, "id")
            if item_id in seen:
                issues.append(
                    issue(
                        "duplicate-id",
                        f"id {item_id!r} is already used",
                        path=format_path(here),
                        hint=f"first used at {format_path(seen[item_id])}",
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
    for path, code in _countries(data):
        if re.fullmatch(r"[A-Z]{3}", code) and pycountry.countries.get(alpha_3=code) is None:
            issues.append(
                issue("unknown-country", f"{code!r} is not an ISO 3166-1 alpha-3 code", path=format_path(path))
            )


#: the layers whose items are acts of officials (``actors``, ``content``, ``attribution_id``, ``meeting_id``)
ACT_LAYERS = ("commitments", "stances")


def _countries(data: Mapping[str, object]) -> Iterator[tuple[JsonPath, str]]:
    """Every country code in the raw data: of officials, sources and the actors of commitments and stances."""
    for layer in ("officials", "sources"):
        for i, item in enumerate(_items(data, layer)):
            country = item.get("country")
            if isinstance(country, str):
                yield (layer, i, "country"), country
    for layer in ACT_LAYERS:
        for i, item in enumerate(_items(data, layer)):
            actors = item.get("actors")
            for j, actor in enumerate(actors if isinstance(actors, list) else []):
                country = actor.get("country") if isinstance(actor, dict) else None
                if isinstance(country, str):
                    yield (layer, i, "actors", j, "country"), country


def _items(data: Mapping[str, object], layer: str) -> list[Mapping[str, object]]:
    items = data.get(layer)
    return [item if isinstance(item, dict) else {} for item in items] if isinstance(items, list) else []


def check_review(data: Mapping[str, object], issues: list[Issue]) -> None:
    """A warning for every item still marked ``review: draft`` (``validate --strict`` fails on them)."""
    for layer in ANNOTATION_LAYERS:
        for i, item in enumerate(_items(data, layer)):
            if item.get("review") == "draft":
                issues.append(
                    issue(
                        "review-draft",
                        f"{item.get('id', layer)!r} is a draft (made by an extractor, not yet checked)",
                        path=format_path((layer, i, "review")),
                        hint=f"check the item against the guidelines ({PRINT_COMMAND} prints them), then remove "
                        "`review: draft`",
                    )
                )


def check_consistency(doc: AnnotatedDocument, corpus: CorpusText, issues: list[Issue]) -> None:
    """The guidelines' rules across items of a well-typed document whose spans are anchored."""
    _check_duplicates(doc, issues)
    _check_participation(doc, issues)
    meetings = {m.id: m for m in doc.meetings}
    attributions = {a.id: a for a in doc.attributions}
    for i, attribution in enumerate(doc.attributions):
        speaker = attribution.source.official_id if isinstance(attribution.source, OfficialSource) else None
        if attribution.addressee_id is not None and attribution.addressee_id == speaker:
            issues.append(
                issue(
                    "self-addressed",
                    "the addressee is the source",
                    path=format_path(("attributions", i, "addressee_id")),
                )
            )
        if speaker is not None:
            _check_in_meeting(meetings, attribution.meeting_id, speaker, ("attributions", i, "meeting_id"), issues)
        _check_quotation_marks(corpus, attribution, i, issues)
    for layer, acts in _acts(doc):
        for i, act in enumerate(acts):
            for j, actor in enumerate(act.actors):
                _check_in_meeting(meetings, act.meeting_id, actor.official_id, (layer, i, "actors", j), issues)
            cited = attributions.get(act.attribution_id) if act.attribution_id else None
            if cited is not None and not any(
                c.start <= act.content.start and act.content.end <= c.end for c in cited.contents
            ):
                shown = ", ".join(f"[{c.start}, {c.end})" for c in cited.contents)
                what = "commitment" if layer == "commitments" else "stance"
                issues.append(
                    issue(
                        f"{what}-outside-attribution",
                        f"content [{act.content.start}, {act.content.end}) is inside none of the "
                        f"contents of {cited.id!r} ({shown})",
                        path=format_path((layer, i, "content")),
                        hint=f"the {what}'s content lies within one content of the attribution it cites",
                    )
                )


def _acts(doc: AnnotatedDocument) -> tuple[tuple[str, Sequence[Commitment | Stance]], ...]:
    """The layers of acts with their items: the rules for actors, contents and links are the same for both."""
    return (("commitments", doc.commitments), ("stances", doc.stances))


def _check_participation(doc: AnnotatedDocument, issues: list[Issue]) -> None:
    """``participation`` as the guidelines derive it from the meetings: ``participant`` iff the official is
    among the participants of some meeting of the file (a participant naming no official is a dangling
    reference, reported where the references are checked)."""
    meetings_of: dict[str, list[str]] = {}
    for meeting in doc.meetings:
        for participant in meeting.participants:
            meetings_of.setdefault(participant.official_id, []).append(meeting.id)
    for i, official in enumerate(doc.officials):
        met = meetings_of.get(official.id, [])
        if official.participation == "participant" and not met:
            message = f"{official.id!r} is marked participant but takes part in no meeting of this file"
            hint = "participation: mentioned, or add the official to the participants of its meeting"
        elif official.participation == "mentioned" and met:
            message = f"{official.id!r} is marked mentioned but is a participant of {', '.join(map(repr, met))}"
            hint = "participation: participant"
        else:
            continue
        issues.append(
            issue("participation-mismatch", message, path=format_path(("officials", i, "participation")), hint=hint)
        )


def _check_duplicates(doc: AnnotatedDocument, issues: list[Issue]) -> None:
    mention_at: dict[tuple[int, int], JsonPath] = {}  # paths formatted only for a message
    for i, official in enumerate(doc.officials):
        for j, mention in enumerate(official.mentions):
            key = (mention.start, mention.end)
            here = ("officials", i, "mentions", j)
            if key in mention_at:
                issues.append(
                    issue(
                        "duplicate-mention",
                        f"{mention.text!r} at [{key[0]}, {key[1]}) is already a mention",
                        path=format_path(here),
                        hint=f"first at {format_path(mention_at[key])}",
                    )
                )
            else:
                mention_at[key] = here
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
    for layer, acts in _acts(doc):
        for i, act in enumerate(acts):
            actors: set[str] = set()
            for j, actor in enumerate(act.actors):
                if actor.official_id in actors:
                    issues.append(
                        issue(
                            "duplicate-actor",
                            f"{actor.official_id!r} is listed twice",
                            path=format_path((layer, i, "actors", j, "official_id")),
                        )
                    )
                actors.add(actor.official_id)


def _check_quotation_marks(corpus: CorpusText, attribution: Attribution, i: int, issues: list[Issue]) -> None:
    """The quotation-mark rule: marks lie outside a content iff they enclose the whole of it (direct);
    a mixed content holds a quoted fragment, an indirect one none."""
    text = corpus.text
    for j, content in enumerate(attribution.contents):
        here = ("attributions", i, "contents", j)  # formatted only for a message
        enclosed = _inside_quotation_marks(text, corpus, content)
        marks_inside = has_quoted_fragment(content.text)
        if attribution.kind == "direct" and not enclosed:
            issues.append(
                issue(
                    "direct-quote-unquoted",
                    f"content {show_value(content.text)} is not enclosed in quotation marks",
                    path=format_path(here),
                    hint="direct content excludes the marks and runs up to the closing mark "
                    "(or the end of the paragraph when the mark is missing)",
                )
            )
        elif attribution.kind != "direct" and enclosed:
            issues.append(
                issue(
                    "quotation-marks",
                    f"{attribution.kind} content {show_value(content.text)} is wholly enclosed in quotation marks",
                    path=format_path(here),
                    hint="marks around the whole content make it direct (kind: direct)",
                )
            )
        elif attribution.kind == "indirect" and marks_inside:
            issues.append(
                issue(
                    "quotation-marks",
                    f"indirect content {show_value(content.text)} holds quotation marks",
                    path=format_path(here),
                    hint="a paraphrase with a quoted fragment is mixed (kind: mixed)",
                )
            )
    if attribution.kind == "mixed" and not any(has_quoted_fragment(c.text) for c in attribution.contents):
        issues.append(
            issue(
                "quotation-marks",
                "mixed attribution has no quoted fragment inside its contents",
                path=format_path(("attributions", i, "kind")),
                hint="keep the marks of the quoted fragment inside the content, or use kind: indirect",
            )
        )


def _check_in_meeting(
    meetings: Mapping[str, Meeting], meeting_id: str | None, official_id: str, path: JsonPath, issues: list[Issue]
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


def kind_of(value: object) -> str:
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


def show_value(value: object, limit: int = 60) -> str:
    """A short ``repr`` of ``value`` for a message, computed from a bounded prefix of it."""
    shown = _SHOW.repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
