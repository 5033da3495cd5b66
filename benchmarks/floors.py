"""The export floor: a plain script that writes the rows of ``communique export hf`` with pyarrow.

    python benchmarks/floors.py ANNOTATIONS CORPUS OUT [--unit document|section]

It does the work of the export that any exporter has to do, and nothing else, so that ``run.py`` can time
both as whole processes (start-up and imports included) on the same files:

* reads every annotation file (``*.json``, sorted) and its corpus document with :mod:`json`;
* builds the same rows as the export's configs (``documents``, ``mentions``, ``tokens``, ``sources``,
  ``attributions``, ``meetings``, ``commitments``, ``stances``: contexts, relative offsets, IOB2 tags,
  flattened sources, PLOVER columns), puts each in its split (the same hash of the unit id) and encodes the labels;
* writes one parquet file per config and split with the export's settings (zstd, row groups of 1,000 rows,
  a table per chunk of 200 documents).

It does not validate (no models, no anchoring, no validation records), hash files, cut shards, write a
card or Croissant metadata, or swap folders atomically. Only the Arrow schemas and the label encoder come
from communique. Rows are Python dicts, turned into tables with ``pa.Table.from_pylist``, as a plain script
would. ``run.py`` checks that the tables it wrote equal the export's, so the rows are the same.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from communique.export.features import make_encoder
from communique.export.rows import CONFIGS, MENTION_CONTEXT_MAX, MENTION_CONTEXT_RADIUS, SPLITS_OF
from communique.schema.models import PLOVER_KINDS

CHUNK = 200
RATIOS = (70, 15, 15)
SPLITS = ("train", "validation", "test")
FORMS = ("name", "nominal", "pronoun")


def split_of(unit: str) -> str:
    bucket = int(hashlib.sha256(unit.encode("utf-8")).hexdigest()[:8], 16) % 100
    return SPLITS[0] if bucket < RATIOS[0] else SPLITS[1] if bucket < RATIOS[0] + RATIOS[1] else SPLITS[2]


def spans(stored: dict[str, list[int]]) -> tuple[list[int], list[int]]:
    starts = stored["starts"]
    return starts, [s + n for s, n in zip(starts, stored["lengths"])]


class Doc:
    """One annotation file and its corpus document, as parsed JSON."""

    def __init__(self, ann: dict[str, Any], corpus: dict[str, Any], unit: str):
        self.ann, self.corpus, self.text, self.id = ann, corpus, corpus["text"], ann["document_id"]
        self.by_document = unit == "document"
        self.section_starts = [s["span"][0] for s in corpus["sections"]]
        self.par_starts, self.par_ends = spans(corpus["paragraphs"])
        self.officials = {o["id"]: o for o in ann.get("officials", [])}

    def place(self, offset: int) -> tuple[str, str]:
        if self.by_document:
            unit = self.id
        else:
            unit = f"{self.id}#s{max(0, bisect.bisect_right(self.section_starts, offset) - 1)}"
        return unit, split_of(unit)

    def item(self, item_id: str, spans_: list[dict[str, Any]]) -> tuple[str, dict[str, Any], int]:
        lo, hi = min(s["start"] for s in spans_), max(s["end"] for s in spans_)
        first = max(0, bisect.bisect_right(self.par_starts, lo) - 1)
        last = max(0, bisect.bisect_right(self.par_starts, max(lo, hi - 1)) - 1)
        start, end = min(self.par_starts[first], lo), max(self.par_ends[last], hi)
        unit, split = self.place(lo)
        row = {"id": item_id, "document_id": self.id, "unit": unit, "context": self.text[start:end]}
        row["context_start"] = start
        return split, row, start

    def official(self, official_id: str | None) -> dict[str, Any] | None:
        if official_id is None:
            return None
        o = self.officials[official_id]
        return {"id": o["id"], "name": o.get("name"), "title": o.get("title")}


def rel(span: dict[str, Any] | None, base: int) -> dict[str, Any] | None:
    if span is None:
        return None
    row = {"start": span["start"] - base, "end": span["end"] - base, "text": span["text"]}
    if "value" in span:
        row["value"] = span["value"]
    return row


def document_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    return [("full", {**d.ann, "text": d.text, "metadata": d.corpus["metadata"]})]


def mention_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    starts, ends = spans(d.corpus["sentences"])
    out = []
    for o in d.ann.get("officials", []):
        for j, m in enumerate(o["mentions"]):
            i = max(0, bisect.bisect_right(starts, m["start"]) - 1)
            lo, hi = (min(starts[i], m["start"]), max(ends[i], m["end"])) if starts else (m["start"], m["end"])
            if hi - lo > MENTION_CONTEXT_MAX:
                lo, hi = max(lo, m["start"] - MENTION_CONTEXT_RADIUS), min(hi, m["end"] + MENTION_CONTEXT_RADIUS)
            unit, split = d.place(m["start"])
            row = {"id": f"{o['id']}/{j}", "document_id": d.id, "unit": unit, "context": d.text[lo:hi]}
            row.update(context_start=lo, official_id=o["id"], official_name=o.get("name"))
            row.update(official_title=o.get("title"), official_country=o.get("country"), form=m["form"])
            row.update(start=m["start"] - lo, end=m["end"] - lo, text=m["text"])
            out.append((split, row))
    return out


def token_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    t_starts, t_ends = spans(d.corpus["tokens"])
    s_starts, s_ends = spans(d.corpus["sentences"])
    bounds = [(bisect.bisect_left(t_starts, s), bisect.bisect_left(t_starts, e)) for s, e in zip(s_starts, s_ends)]
    sentence_of = [-1] * len(t_starts)
    for index, (lo, hi) in enumerate(bounds):
        sentence_of[lo:hi] = [index] * (hi - lo)
    tags = ["O"] * len(t_starts)
    mentions = sorted((m["start"], m["end"], m["form"]) for o in d.ann.get("officials", []) for m in o["mentions"])
    for m_start, m_end, form in mentions:
        first, last = bisect.bisect_right(t_ends, m_start), bisect.bisect_left(t_starts, m_end)
        for k in range(first, last):
            if sentence_of[k] >= 0:
                opens = k == first or sentence_of[k - 1] != sentence_of[k]
                tags[k] = f"{'B' if opens else 'I'}-{form.upper()}"
    out = []
    for index, (lo, hi) in enumerate(bounds):
        base = s_starts[index]
        unit, split = d.place(base)
        row = {"id": f"s{index}", "document_id": d.id, "unit": unit, "context": d.text[base : s_ends[index]]}
        row.update(context_start=base, tokens=[d.text[s:e] for s, e in zip(t_starts[lo:hi], t_ends[lo:hi])])
        row.update(starts=[s - base for s in t_starts[lo:hi]], ends=[e - base for e in t_ends[lo:hi]])
        row["ner_tags"] = tags[lo:hi]
        out.append((split, row))
    return out


def source_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for s in d.ann.get("sources", []):
        split, row, base = d.item(s["id"], s["mentions"])
        row.update(type=s["type"], country=s.get("country"), mentions=[rel(m, base) for m in s["mentions"]])
        out.append((split, row))
    return out


def attribution_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    source_types = {s["id"]: s["type"] for s in d.ann.get("sources", [])}
    out = []
    for a in d.ann.get("attributions", []):
        found = [*a["contents"], *a["cues"], *([a["source_span"]] if a.get("source_span") else [])]
        split, row, base = d.item(a["id"], found)
        given = a["source"]
        source = {"type": given["type"], "official": None, "source_id": None, "source_type": None, "reason": None}
        if "official_id" in given:
            source["official"] = d.official(given["official_id"])
        elif "source_id" in given:
            source.update(source_id=given["source_id"], source_type=source_types[given["source_id"]])
        else:
            source["reason"] = given.get("reason")
        row.update(source=source, source_span=rel(a.get("source_span"), base))
        row.update(contents=[rel(s, base) for s in a["contents"]], cues=[rel(s, base) for s in a["cues"]])
        row.update(kind=a["kind"], speech_act=a["speech_act"], addressee=d.official(a.get("addressee_id")))
        row["meeting_id"] = a.get("meeting_id")
        out.append((split, row))
    return out


def meeting_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for m in d.ann.get("meetings", []):
        found = [*m["evidence"], *(m[k] for k in ("location", "time") if m.get(k))]
        split, row, base = d.item(m["id"], found)
        roles = sorted(p["role"] for p in m["participants"] if p.get("role"))
        mode = "phone" if m["mode"] in ("telephone", "video") else "visit" if roles == ["host", "visitor"] else None
        participants = [{**(d.official(p["official_id"]) or {}), "role": p.get("role")} for p in m["participants"]]
        row.update(participants=participants, location=rel(m.get("location"), base), time=rel(m.get("time"), base))
        row.update(evidence=[rel(s, base) for s in m["evidence"]], status=m["status"], mode=m["mode"])
        row["plover_mode"] = mode
        out.append((split, row))
    return out


def act_rows(d: Doc, layer: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for c in d.ann.get(layer, []):
        keys = ("time", "modality", "condition") if layer == "commitments" else ("time", "modality")
        found = [c["evidence"], c["content"], *(c[k] for k in keys if c.get(k))]
        split, row, base = d.item(c["id"], found)
        plover = PLOVER_KINDS[c["kind"]]
        actors = [{**(d.official(a["official_id"]) or {}), "country": a.get("country")} for a in c["actors"]]
        row.update(actors=actors, kind=c["kind"], content=rel(c["content"], base))
        row.update(evidence=rel(c["evidence"], base), time=rel(c.get("time"), base))
        row.update(modality=rel(c.get("modality"), base), modality_type=c.get("modality_type"))
        if layer == "commitments":
            row["condition"] = rel(c.get("condition"), base)
        row.update(plover_event=plover.event, plover_mode=plover.mode, plover_contexts=list(plover.contexts))
        row.update(attribution_id=c.get("attribution_id"), meeting_id=c.get("meeting_id"))
        out.append((split, row))
    return out


def commitment_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    return act_rows(d, "commitments")


def stance_rows(d: Doc) -> list[tuple[str, dict[str, Any]]]:
    return act_rows(d, "stances")


ROWS = {  # documents last: encoding its row turns the labels of the parsed annotation into ids, in place
    "mentions": mention_rows,
    "tokens": token_rows,
    "sources": source_rows,
    "attributions": attribution_rows,
    "meetings": meeting_rows,
    "commitments": commitment_rows,
    "stances": stance_rows,
    "documents": document_rows,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("annotations", type=Path)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--unit", choices=("document", "section"), default="document")
    args = parser.parse_args()
    schemas = {c.name: c.features.arrow_schema for c in CONFIGS}
    encoders = {c.name: make_encoder(c.features) for c in CONFIGS}
    writers: dict[tuple[str, str], pq.ParquetWriter] = {}
    files = sorted(args.annotations.glob("*.json"))
    for first in range(0, len(files), CHUNK):
        rows: dict[tuple[str, str], list[Any]] = {}
        for path in files[first : first + CHUNK]:
            ann = json.loads(path.read_bytes())
            corpus = json.loads((args.corpus / f"{ann['document_id']}.json").read_bytes())
            d = Doc(ann, corpus, args.unit)
            for name, make in ROWS.items():
                encode = encoders[name]
                for split, row in make(d):
                    rows.setdefault((name, split), []).append(encode(row))
        for name, splits in SPLITS_OF.items():
            for split in splits:
                if (name, split) not in rows:
                    continue
                table = pa.Table.from_pylist(rows.pop((name, split)), schema=schemas[name])
                if (name, split) not in writers:
                    (args.out / name).mkdir(parents=True, exist_ok=True)
                    path = args.out / name / f"{split}.parquet"
                    writers[(name, split)] = pq.ParquetWriter(path, schemas[name], compression="zstd")
                writers[(name, split)].write_table(table, row_group_size=1000)
    for writer in writers.values():
        writer.close()
    print(json.dumps({"documents": len(files), "files": len(writers)}))


if __name__ == "__main__":
    main()
