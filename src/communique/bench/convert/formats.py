"""Readers of external formats, each turning one input into prediction lines (JSON-ready dicts, format 2.0).

What the formats call a quote is an attribution of format 2.0, its speaker the attribution's source.

* ``spacy``: a spaCy ``DocBin`` (``.spacy``). Entities become mentions (``PERSON``/``PER`` labels; others
  are counted and left out); span groups become quotes where their spans are labelled (or their group is
  named) ``QUOTE``/``CONTENT``, with ``CUE`` and ``SPEAKER`` spans attached to the nearest quote.
* ``textacy``: a ``DocBin`` of *parsed* docs; textacy's ``direct_quotations`` runs on each, and every
  (speaker, cue, content) triple becomes a direct quote; entities become mentions as for ``spacy``.
* ``conll``: CoNLL/IOB2 token tags (token first, tag last; blank lines between sentences); documents start
  with ``-DOCSTART- ID`` or ``# document_id = ID``. Tokens are aligned to the corpus text in order.
* ``hf``: Hugging Face token-classification pipeline output, JSON Lines of
  ``{"document_id", "text"?, "entities": [...]}``; entities with ``start``/``end`` (character offsets) or with
  ``word`` alone (aligned in order), grouped (``entity_group``) or per token (``entity`` = ``B-PER``).
* ``brat``: a folder of ``.ann`` + ``.txt`` (or one ``.ann``), as ``communique export brat`` writes them:
  ``Attribution`` (or format 1's ``Quote``)/``Meeting``/``Commitment``/``Stance`` events, ``Equiv`` officials,
  ``SourceMention`` sources, ``Form``/``AttributionKind``/``SpeechAct``/``Unresolved``/``MeetingMode``/
  ``ModalityType``/... attributes and the notes (format 1's ``Quote``, ``Speaker``, ``QuoteKind`` too);
  plain entities are read by label like the other formats.
* ``labelstudio``: a Label Studio JSON export (a list of tasks); ``labels`` results are spans, ``relation``
  results tie a speaker or cue to its quote. Offsets that do not fit as code points are tried as UTF-16
  code units (what a browser counts).

A document is matched to the corpus by its id (file stem, ``user_data["document_id"]``, a ``document_id``
field) or, failing that, by its exact text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from communique.bench.convert.common import CorpusIndex, DocumentBuilder, Target, role_of
from communique.schema.errors import CommuniqueError, Issue, issue

__all__ = ["FORMATS", "Converted", "convert_path", "quotations_line"]


@dataclass
class Converted:
    """The prediction lines made from one input, and the warnings met on the way."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


Reader = Callable[[Path, CorpusIndex, Converted], None]


def _bad(where: str, message: str, *, line: int | None = None, hint: str | None = None) -> CommuniqueError:
    return CommuniqueError([issue("convert-bad-input", message, file=where, line=line, hint=hint)])


def _unknown(where: str, what: str, *, line: int | None = None) -> Issue:
    return issue(
        "unknown-document",
        f"no corpus document for {what}",
        file=where,
        line=line,
        hint="give its document id, or convert the exact corpus text",
    )


def _need(module: str, extra: str = "convert") -> Any:
    """Import an optional library, or stop with a message saying how to install it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise CommuniqueError(
            [
                issue(
                    "missing-library",
                    f"this format needs the {module!r} package: {exc}",
                    hint=f"pip install 'communique[{extra}]'",
                )
            ]
        ) from None


def _note_unplaced(out: Converted, where: str, labels: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    if counts:
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(counts.items()))
        out.issues.append(issue("convert-label-skipped", f"labels with no place in a prediction: {listed}", file=where))


def _finish(out: Converted, builder: DocumentBuilder) -> None:
    out.issues.extend(builder.text_issues())
    _note_unplaced(out, builder.where, builder.skipped)
    out.lines.append(builder.build())


# -- spaCy DocBin and textacy


def _docs(path: Path) -> Iterator[tuple[int, Any]]:
    spacy = _need("spacy")
    from spacy.tokens import DocBin

    try:
        docbin = DocBin(store_user_data=True).from_disk(path)
    except Exception as exc:  # spaCy raises several kinds on a file that is not a DocBin
        raise _bad(str(path), f"not a spaCy DocBin: {exc}") from None
    yield from enumerate(docbin.get_docs(spacy.blank("en").vocab), start=1)  # English lexical attributes (is_quote)


def _target_of_doc(doc: Any, index: CorpusIndex, where: str, number: int) -> Target:
    doc_id = doc.user_data.get("document_id") if isinstance(doc.user_data, dict) else None
    target = index.find(document_id=doc_id) if doc_id else index.find(text=doc.text)
    if target is None:
        raise CommuniqueError([_unknown(where, f"doc {number}" + (f" ({doc_id!r})" if doc_id else ""))])
    return target


def _spacy_spans(doc: Any) -> list[tuple[int, int, str, float | None]]:
    spans: list[tuple[int, int, str, float | None]] = [(e.start_char, e.end_char, e.label_, None) for e in doc.ents]
    for key, group in doc.spans.items():
        scores = list(group.attrs.get("scores", [])) if hasattr(group, "attrs") else []
        for i, span in enumerate(group):
            score = float(scores[i]) if i < len(scores) else None
            spans.append((span.start_char, span.end_char, span.label_ or key, score))
    return spans


def read_spacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    skipped: list[str] = []
    for number, doc in _docs(path):
        builder = DocumentBuilder(_target_of_doc(doc, index, str(path), number), doc.text, "spacy", where=str(path))
        skipped += builder.add_labelled(_spacy_spans(doc))
        _finish(out, builder)
    _note_unplaced(out, str(path), skipped)


def _runs(indices: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive token indices as [first, last] runs."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(indices)):
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def quotations_line(doc: Any, target: Target, triples: Iterable[Any] | None = None) -> dict[str, Any]:
    """One prediction line from a parsed spaCy ``doc``: its entities as mentions and textacy's direct
    quotations (``triples``; by default ``textacy.extract.triples.direct_quotations(doc)``) as quotes."""
    if triples is None:
        triples = _need("textacy.extract.triples").direct_quotations(doc)
    builder = DocumentBuilder(target, doc.text, "textacy direct_quotations")
    builder.add_labelled([(e.start_char, e.end_char, e.label_, None) for e in doc.ents if role_of(e.label_)])
    for triple in triples:
        speaker = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.speaker)]
        for start, end in speaker:  # the speaker is a mention too, so that it can be scored
            builder.add_mention(start, end)
        cues = [(doc[a].idx, doc[b].idx + len(doc[b])) for a, b in _runs(t.i for t in triple.cue)]
        content = triple.content
        builder.add_attribution(
            [(content.start_char, content.end_char)],
            cues=cues,
            speaker=speaker[0] if speaker else None,
            kind="direct",
        )
    return builder.build()


def read_textacy(path: Path, index: CorpusIndex, out: Converted) -> None:
    triples = _need("textacy.extract.triples")
    for number, doc in _docs(path):
        if not doc.has_annotation("DEP"):
            raise _bad(
                str(path),
                f"doc {number} has no dependency parse; textacy's direct_quotations needs one",
                hint="save the DocBin from a pipeline with a parser (attrs including DEP, POS, TAG)",
            )
        target = _target_of_doc(doc, index, str(path), number)
        try:
            found = list(triples.direct_quotations(doc))
        except ValueError as exc:  # e.g. an odd number of quotation marks: textacy bails out on the document
            out.issues.append(
                issue("convert-library-failed", f"textacy on doc {number} ({target.id!r}): {exc}", file=str(path))
            )
            found = []
        line = quotations_line(doc, target, found)
        if doc.text != target.text:
            out.issues.extend(DocumentBuilder(target, doc.text, "", where=str(path)).text_issues())
        out.lines.append(line)


# -- CoNLL / IOB2


def _align(text: str, tokens: list[tuple[str, int]], where: str, out: Converted) -> list[tuple[int, int] | None]:
    """Character offsets of each token in ``text``, found in order (None for one that is not there)."""
    offsets: list[tuple[int, int] | None] = []
    at = 0
    for token, line in tokens:
        word = re.sub(r"^(##|▁|Ġ)", "", token)
        found = text.find(word, at, at + max(64, 4 * len(word))) if word else -1
        if found == -1:
            out.issues.append(
                issue("convert-token-unaligned", f"token {token!r} not found in the text here", file=where, line=line)
            )
            offsets.append(None)
            continue
        offsets.append((found, found + len(word)))
        at = found + len(word)
    return offsets


def _entities(tags: list[str], offsets: list[tuple[int, int] | None]) -> list[tuple[int, int, str]]:
    """IOB2 tags (IOB1 and BIOES tolerated) over aligned tokens -> (start, end, type) spans."""
    spans: list[tuple[int, int, str]] = []
    current: list[Any] | None = None
    for tag, where in zip(tags, offsets):
        prefix, _, kind = tag.partition("-") if "-" in tag else (tag, "", "")
        if where is None or prefix.upper() == "O" or not kind:
            current = None
            continue
        if current is not None and prefix.upper() in ("I", "E") and current[2] == kind:
            current[1] = where[1]
        else:
            current = [where[0], where[1], kind]
            spans.append(current)  # type: ignore[arg-type]  # closed below
        if prefix.upper() in ("E", "S"):
            current = None
    return [(s[0], s[1], s[2]) for s in spans]


def read_conll(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(where, f"cannot read: {exc}") from None
    documents: list[tuple[str | None, int, list[tuple[str, str, int]]]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        head = re.match(r"^(?:-DOCSTART-|#\s*document_id\s*=)\s*(\S*)", line)
        if head:
            documents.append((head.group(1).removeprefix("-X-").strip() or None, number, []))
            continue
        if not line or line.startswith("#"):
            continue
        columns = line.split()
        if len(columns) < 2:
            raise _bad(where, "a token line needs a token and a tag", line=number, hint="TOKEN [...] TAG")
        if not documents:
            documents.append((None, number, []))
        documents[-1][2].append((columns[0], columns[-1], number))
    skipped: list[str] = []
    for doc_id, number, rows in documents:
        if not rows:
            continue
        target = index.find(document_id=doc_id) if doc_id else None
        if target is None:
            raise CommuniqueError(
                [_unknown(where, repr(doc_id) if doc_id else "tokens without a document id", line=number)]
            )
        offsets = _align(target.text, [(t, n) for t, _, n in rows], where, out)
        builder = DocumentBuilder(target, None, "conll", where=where)
        entities = _entities([tag for _, tag, _ in rows], offsets)
        skipped += builder.add_labelled([(s, e, kind, None) for s, e, kind in entities])
        _finish(out, builder)
    _note_unplaced(out, where, skipped)


# -- Hugging Face token-classification pipeline


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(where, f"cannot read: {exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise CommuniqueError([issue("json-syntax", exc.msg, file=where, line=number, column=exc.colno)]) from None


def _pipeline_spans(
    entities: list[dict[str, Any]], text: str, where: str, line: int, out: Converted
) -> list[tuple[int, int, str, float | None]]:
    """Pipeline entities (grouped or per token, with or without offsets) -> labelled character spans."""
    if entities and any(e.get("start") is None for e in entities):  # word form: align the words in order
        offsets = _align(text, [(str(e.get("word", "")), line) for e in entities], where, out)
    else:
        offsets = [(int(e["start"]), int(e["end"])) for e in entities]
    grouped = [e for e in entities if "entity_group" in e]
    if grouped:
        return [
            (s[0], s[1], str(e["entity_group"]), _score(e))
            for e, s in zip(entities, offsets)
            if s is not None and "entity_group" in e
        ]
    spans: list[tuple[int, int, str, float | None]] = []
    scores: list[list[float]] = []
    previous_end = -2
    for e, s in zip(entities, offsets):
        if s is None:
            continue
        tag = str(e.get("entity", "O"))
        prefix, _, kind = tag.partition("-") if "-" in tag else ("B", "", tag)
        joined = spans and spans[-1][2] == kind and not text[previous_end : s[0]].strip()
        subword = str(e.get("word", "")).startswith("##")
        if joined and (prefix.upper() == "I" or subword):
            spans[-1] = (spans[-1][0], s[1], kind, None)
            scores[-1].append(_score(e) or 0.0)
        elif prefix.upper() != "O":
            spans.append((s[0], s[1], kind, None))
            scores.append([_score(e) or 0.0])
        previous_end = s[1]
    return [(s, e, k, sum(sc) / len(sc)) for (s, e, k, _), sc in zip(spans, scores)]


def _score(entity: dict[str, Any]) -> float | None:
    value = entity.get("score")
    return float(value) if isinstance(value, int | float) else None


def read_hf(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    skipped: list[str] = []
    for number, record in _json_lines(path):
        if not isinstance(record, dict) or not isinstance(record.get("entities"), list):
            raise _bad(
                where, 'each line is {"document_id": ..., "text": ..., "entities": [pipeline output]}', line=number
            )
        text = record.get("text")
        target = index.find(document_id=record.get("document_id"), text=text)
        if target is None:
            raise CommuniqueError(
                [_unknown(where, repr(record.get("document_id", "a line without document_id")), line=number)]
            )
        source = text if isinstance(text, str) else target.text
        try:
            spans = _pipeline_spans(record["entities"], source, where, number, out)
        except (KeyError, TypeError, ValueError) as exc:
            raise _bad(where, f"an entity lacks a field or has a wrong type: {exc}", line=number) from None
        builder = DocumentBuilder(target, source, "hf token-classification", where=where)
        skipped += builder.add_labelled(spans)
        _finish(out, builder)
    _note_unplaced(out, where, skipped)


# -- brat standoff


@dataclass
class _Textbound:
    label: str
    fragments: list[tuple[int, int]]


def _parse_ann(
    text: str, where: str
) -> tuple[
    dict[str, _Textbound],
    list[tuple[str, str, list[tuple[str, str]]]],
    dict[str, dict[str, str]],
    list[list[str]],
    dict[str, str],
]:
    """Textbounds, events (id, label, trigger + args), attributes by target, Equiv groups, notes by target."""
    bounds: dict[str, _Textbound] = {}
    events: list[tuple[str, str, list[tuple[str, str]]]] = []
    attributes: dict[str, dict[str, str]] = {}
    equivs: list[list[str]] = []
    notes: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        ident, _, rest = line.partition("\t")
        try:
            if ident.startswith("T"):
                head, _, _ = rest.partition("\t")
                label, _, offsets = head.partition(" ")
                frags = [tuple(int(x) for x in f.split()) for f in offsets.split(";")]
                bounds[ident] = _Textbound(label, [(f[0], f[1]) for f in frags])
            elif ident.startswith("E"):
                parts = rest.split()
                label, _, trigger = parts[0].partition(":")
                args = [(re.sub(r"\d+$", "", r), t) for r, _, t in (p.partition(":") for p in parts[1:])]
                events.append((ident, label, [("Trigger", trigger), *args]))
            elif ident.startswith(("A", "M")):
                parts = rest.split()
                attributes.setdefault(parts[1], {})[parts[0]] = parts[2] if len(parts) > 2 else "true"
            elif ident == "*":
                parts = rest.split()
                if parts[0] == "Equiv":
                    equivs.append(parts[1:])
            elif ident.startswith("#"):
                head, _, value = rest.partition("\t")
                notes[head.split()[-1]] = value
        except (IndexError, ValueError):
            raise _bad(where, f"not a brat annotation line: {line!r}", line=number) from None
    return bounds, events, attributes, equivs, notes


def _brat_document(ann: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(ann)
    txt = ann.with_suffix(".txt")
    try:
        ann_text = ann.read_text(encoding="utf-8")
        source = txt.read_text(encoding="utf-8") if txt.is_file() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(where, f"cannot read: {exc}") from None
    target = index.find(document_id=ann.stem) or (index.find(text=source) if source is not None else None)
    if target is None:
        raise CommuniqueError([_unknown(where, repr(ann.stem))])
    bounds, events, attributes, equivs, notes = _parse_ann(ann_text, where)
    builder = DocumentBuilder(target, source, "brat", where=where)
    official_of = {tid: f"equiv{i}" for i, group in enumerate(equivs) for tid in group}
    in_event = {t for _, _, args in events for _, t in args}

    def frags(tid: str) -> list[tuple[int, int]]:
        return bounds[tid].fragments if tid in bounds else []

    def first(tid: str | None) -> tuple[int, int] | None:
        found = frags(tid) if tid else []
        return (found[0][0], found[-1][1]) if found else None

    for tid, bound in bounds.items():
        fields = note_fields(notes.get(tid, ""))
        span = first(tid)
        if span and role_of(bound.label) == "mention":
            builder.add_mention(
                *span,
                official=fields.get("official") or official_of.get(tid, tid),
                name=fields.get("name"),
                form=attributes.get(tid, {}).get("Form"),
            )
        elif span and bound.label == "SourceMention":
            builder.add_source_mention(
                *span,
                key=fields.get("source") or official_of.get(tid, tid),
                type_=attributes.get(tid, {}).get("SourceType"),
                country=fields.get("country"),
            )
    for eid, label, args in events:
        roles: dict[str, list[str]] = {}
        for role, tid in args:
            roles.setdefault(role, []).append(tid)
        attrs = attributes.get(eid, {})
        trigger = roles.get("Trigger", [""])[0]
        if label in ("Attribution", "Quote"):  # Quote: brat files of format 1
            contents = [f for t in roles.get("Content", []) for f in frags(t)]
            cues = frags(trigger) if frags(trigger) != contents else []
            source = next(iter(roles.get("Source") or roles.get("Speaker") or []), None)
            builder.add_attribution(
                contents,
                cues=cues,
                speaker=first(source),
                unresolved=attrs.get("Unresolved"),
                addressee=first(next(iter(roles.get("Addressee", [])), None)),
                kind=attrs.get("AttributionKind") or attrs.get("QuoteKind"),
                speech_act=attrs.get("SpeechAct"),
            )
        elif label == "Meeting":
            people = [
                (span, role.lower() if role in ("Visitor", "Host") else None)
                for role, tids in roles.items()
                if role not in ("Trigger", "Location", "Time")
                for t in tids
                if (span := first(t))
            ]
            builder.add_meeting(
                frags(trigger),
                participants=people,
                location=first(roles.get("Location", [None])[0]),
                time=first(roles.get("Time", [None])[0]),
                status=attrs.get("Status"),
                mode=attrs.get("MeetingMode"),
            )
        elif label in ("Commitment", "Stance") and (evidence := first(trigger)):
            fields = note_fields(notes.get(eid, ""))
            builder.add_commitment(
                evidence,
                # brat numbers a repeated role: Actor, Actor2, ...
                actors=[
                    s for r, tids in roles.items() if re.fullmatch(r"Actor\d*", r) for t in tids if (s := first(t))
                ],
                content=first(roles.get("Content", [None])[0]),
                modality=first(roles.get("Modality", [None])[0]),
                time=first(roles.get("Time", [None])[0]),
                kind=attrs.get(f"{label}Kind"),
                country=fields.get("country"),  # format 1: one country
                # format 2.0: the country each actor speaks for, in actor order ("-": not said)
                countries=[c if c != "-" else None for c in fields.get("countries", "").split(",") if c],
                modality_type=attrs.get("ModalityType"),
                condition=first(roles.get("Condition", [None])[0]),
                stance=label == "Stance",
            )
    loose = [
        (f[0], f[1], b.label, None)
        for tid, b in bounds.items()
        if tid not in in_event and role_of(b.label) not in (None, "mention")
        for f in b.fragments
    ]
    unplaced = builder.add_labelled(loose)
    loose_labels = [  # source mentions were read above
        b.label
        for t, b in bounds.items()
        if t not in in_event and role_of(b.label) is None and b.label != "SourceMention"
    ]
    _note_unplaced(out, where, unplaced + loose_labels)
    _finish(out, builder)


#: one ``key=value`` of an ``AnnotatorNotes`` list; a value with ``;`` or spaces at its ends is a JSON string
_NOTE_FIELD = re.compile(r'\s*(\w+)=("(?:[^"\\]|\\.)*"|[^;]*?)\s*(?:;|$)')


def note_fields(note: str) -> dict[str, str]:
    """``official=o1; name="Ali; Reza"`` -> ``{"official": "o1", "name": "Ali; Reza"}`` (as ``communique export
    brat`` writes notes); a note that is no such list gives what could be read before the first misfit."""
    out: dict[str, str] = {}
    at, note = 0, note.strip()
    while at < len(note) and (match := _NOTE_FIELD.match(note, at)) and match.end() > at:
        key, value = match.group(1), match.group(2)
        if value.startswith('"'):
            try:
                value = str(json.loads(value))
            except ValueError:
                break
        out[key] = value
        at = match.end()
    return out


def read_brat(path: Path, index: CorpusIndex, out: Converted) -> None:
    files = sorted(path.glob("*.ann")) if path.is_dir() else [path]
    if not files:
        raise _bad(str(path), "no .ann files in this folder")
    for ann in files:
        _brat_document(ann, index, out)


# -- Label Studio


def _utf16_to_points(text: str, offset: int) -> int:
    """A UTF-16 code-unit offset (what JavaScript counts) as a code-point offset."""
    units = 0
    for points, char in enumerate(text):
        if units >= offset:
            return points
        units += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def read_labelstudio(path: Path, index: CorpusIndex, out: Converted) -> None:
    where = str(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(where, f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CommuniqueError([issue("json-syntax", exc.msg, file=where, line=exc.lineno, column=exc.colno)]) from None
    if isinstance(tasks, dict):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise _bad(where, "a Label Studio export is a list of tasks")
    skipped: list[str] = []
    for number, task in enumerate(tasks, start=1):
        data = task.get("data", {}) if isinstance(task, dict) else {}
        text = (
            data.get("text")
            if isinstance(data.get("text"), str)
            else next((v for v in data.values() if isinstance(v, str) and len(v) > 40), None)
        )
        target = index.find(document_id=data.get("document_id"), text=text)
        if target is None or text is None:
            raise CommuniqueError(
                [
                    _unknown(
                        where, f"task {number} (id {task.get('id')!r})" if isinstance(task, dict) else f"task {number}"
                    )
                ]
            )
        sources = task.get("annotations") or task.get("predictions") or []
        results = [r for a in sources[:1] for r in a.get("result", [])]  # the first annotation of a task
        builder = DocumentBuilder(target, text, "label studio", where=where)
        spans: dict[str, tuple[int, int, str, float | None]] = {}
        for r in results:
            value = r.get("value", {})
            labels = value.get("labels") or value.get("hypertextlabels") or []
            if r.get("type") not in ("labels", "hypertextlabels") or not labels or "start" not in value:
                continue
            start, end = int(value["start"]), int(value["end"])
            if "text" in value and text[start:end] != value["text"]:
                start, end = _utf16_to_points(text, start), _utf16_to_points(text, end)
            spans[str(r.get("id", len(spans)))] = (start, end, str(labels[0]), _score(r) or _score(task))
        links = [(str(r["from_id"]), str(r["to_id"])) for r in results if r.get("type") == "relation"]
        skipped += _labelled_with_links(builder, spans, links)
        _finish(out, builder)
    _note_unplaced(out, where, skipped)


def _labelled_with_links(
    builder: DocumentBuilder, spans: dict[str, tuple[int, int, str, float | None]], links: list[tuple[str, str]]
) -> list[str]:
    """Flat spans, except that a quote linked to its speaker or cues takes those rather than the nearest."""
    linked: dict[str, dict[str, list[tuple[int, int]]]] = {}
    used: set[str] = set()
    for a, b in links:
        for quote, other in ((a, b), (b, a)):
            if quote in spans and other in spans and role_of(spans[quote][2]) == "content":
                role = role_of(spans[other][2])
                if role in ("cue", "speaker"):
                    linked.setdefault(quote, {"cue": [], "speaker": []})[role].append(spans[other][:2])
                    used.add(other)
    rest = [s for k, s in spans.items() if k not in used and k not in linked]
    for s, e, label, _ in rest:
        if role_of(label) == "mention":
            builder.add_mention(s, e, form="name")
    for key, parts in linked.items():
        s, e, _, confidence = spans[key]
        speaker = parts["speaker"][0] if parts["speaker"] else None
        builder.add_attribution([(s, e)], cues=parts["cue"], speaker=speaker, confidence=confidence)
    return builder.add_labelled([x for x in rest if role_of(x[2]) != "mention"])


#: format name -> reader
FORMATS: dict[str, Reader] = {
    "spacy": read_spacy,
    "textacy": read_textacy,
    "conll": read_conll,
    "hf": read_hf,
    "brat": read_brat,
    "labelstudio": read_labelstudio,
}


def convert_path(fmt: str, path: Path, corpus: Path) -> Converted:
    """Convert ``path`` (in format ``fmt``, see :data:`FORMATS`) into prediction lines for ``corpus``.

    Raise :class:`CommuniqueError` when the input cannot be read or a document is not in the corpus; the
    result's ``issues`` are warnings (a token that could not be aligned, labels left out)."""
    if not path.exists():
        raise CommuniqueError([issue("file-not-found", "no such file or folder", file=str(path))])
    out = Converted()
    FORMATS[fmt](path, CorpusIndex(corpus), out)
    return out
