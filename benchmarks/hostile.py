"""Hostile-input benchmarks: time and peak memory on inputs built to be expensive.

    .venv/bin/python benchmarks/hostile.py [--cases documents|cost|readers|llm|all] [--work DIR] [--write]

* **one huge document**: a single 6 MB sentence (``Babar Babar ...``) in which every word is a mention,
  1,000,000 mentions of 10 officials, synthesised here. It is validated, exported (``export hf``) and
  scored (``bench``, against predictions in which every tenth mention is stretched over two words, so
  officials are aligned by overlap as well as by exact mentions). Before the fixes, token rows were
  O(sentences x mentions), mention rows copied the 6 MB sentence each, and official overlap was O(m^2).
* **prefix anchoring**: one text-only span, disambiguated by its prefix, whose text occurs 1,000,001 times
  in that 6 MB text (before: every candidate copied the text before it).
* **alias bombs**: ``annotators: *a9`` with ten aliases per level (as in the issue), and 3,000
  aliased officials each holding 3,000 aliased mentions; both must be refused with
  ``[alias-expansion]`` by ``validate`` and by ``anchor``.

Those are ``--cases documents`` (issue 14). Issue 17 adds three groups:

* **hostile LLM servers** (``--cases llm``): ``extract --method llm``
  against the test suite's chat server (tests/chat_server.py, in this process) serving 200 MB of garbage, a
  60 MB answer (refused at the 4 MB cap; and read whole with the cap raised to 64 MB), a response and an
  answer nested 100,000 deep, and a body trickled a byte a second against ``--timeout 5``; each must end in
  its coded warning.
* **readers** (``--cases readers``): inputs that are no regular file (a FIFO given to ``add``, a
  FIFO ``.ann`` in an ``import brat`` folder), a sparse 2 GB prediction file (over the input cap), JSON
  Lines with a 5,000-digit integer, 100,000-deep nesting or ``NaN`` (``convert --from hf``), a 6 MB zlib
  bomb (6 GB of zeros) and a 60 KB DocBin unpacking into 60 million empty maps (``convert --from spacy``),
  a 12 MB Label Studio export whose 125,000 results all have string offsets, and a 4 MB hf line whose
  100,000 entities all lie outside the text; each must end with its coded message.

* **costs** (``--cases cost``), at the sizes of the issue: ``bench`` of 20,000 predicted mentions that all
  overlap each other (spans around one point of a document, over 20 gold mentions there: about 240,000
  overlapping pairs); the review page of a document with 8,000 mentions; one warning on a 4 MB prediction
  line (``bench``: the warning is located on that line); a 12 MB Label Studio export with errors (``import
  label-studio``: duplicate documents, an unknown label at the end); ``add`` of a 30 MB text (news text,
  repeated) and of a 30 MB text that is one sentence (5,000,000 words); ``migrate`` and ``anchor`` of 2 KB
  and 200 KB YAML files nested 1,000 and 100,000 deep.

Each command runs in a fresh process; the peak resident memory of its process tree is sampled as
``benchmarks/run.py`` does. With ``--write`` each group's table goes into benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from run import _tree_rss  # the same process-tree RSS sampling as the scale benchmarks

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
README = Path(__file__).resolve().parent / "README.md"
BEGIN, END = "<!-- hostile:start -->", "<!-- hostile:end -->"
BEGIN_17, END_17 = "<!-- hostile17:start -->", "<!-- hostile17:end -->"
SEED_TEXT = ROOT / "corpus" / "iran-pakistan-military-talks.json"
READERS_BEGIN, READERS_END = "<!-- hostile-readers:start -->", "<!-- hostile-readers:end -->"
LLM_BEGIN, LLM_END = "<!-- hostile-llm:start -->", "<!-- hostile-llm:end -->"
LLM_KEY = "COMMUNIQUE_BENCH_KEY"  # the chat server's key, for the child processes
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "CI": "1", LLM_KEY: "test-key"}
OFFICIALS = 10
WORD = "Babar"


@dataclass
class Result:
    name: str
    command: str
    seconds: float
    cpu: float  # user + system seconds of the process (and the children it waited for)
    peak_mb: float
    code: int
    note: str


def measure(name: str, args: list[str], expect: int, must_print: str | None = None, work: Path = ROOT) -> Result:
    """Run ``communique ARGS`` in a fresh process: wall time, peak RSS of its tree, exit code (checked)."""
    command = [str(BIN / "communique"), *args]
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=ENV, cwd=ROOT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(0.02)
        seconds = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        printed = out.read().decode("utf-8", "replace")
    if code != expect or (must_print is not None and must_print not in printed):
        raise SystemExit(f"{name}: exit {code} (expected {expect}):\n{printed[-3000:]}")
    note = next((line for line in printed.splitlines() if must_print and must_print in line), "")
    shown = " ".join(args).replace(str(work), "$WORK").replace(f"{ROOT}/", "")
    peak_mb = max(peak / 2**20, usage.ru_maxrss / 1024)
    cpu = usage.ru_utime + usage.ru_stime
    return Result(name, f"communique {shown}", seconds, cpu, peak_mb, code, note[:160])


def build_document(work: Path, mentions: int) -> tuple[str, list[tuple[int, int]]]:
    """The corpus document (one sentence of ``mentions`` words and a unique marker) and its word offsets."""
    from communique.corpus.build import make_document, serialise
    from communique.schema.models import SeedMetadata

    text = " ".join([WORD] * mentions) + f" Zed {WORD}.\n"
    raw = text.encode("utf-8")
    meta = SeedMetadata(
        id="hostile",
        source_file="hostile.txt",
        source_sha256=hashlib.sha256(raw).hexdigest(),
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )
    document = make_document(raw, meta)
    (work / "corpus").mkdir(parents=True, exist_ok=True)
    (work / "corpus" / "hostile.json").write_text(serialise(document), encoding="utf-8")
    step = len(WORD) + 1
    return document.sha256, [(i * step, i * step + len(WORD)) for i in range(mentions)]


def write_gold_and_predictions(work: Path, sha: str, words: list[tuple[int, int]]) -> None:
    per = len(words) // OFFICIALS

    def document(stretch: bool) -> dict[str, object]:
        officials = []
        for k in range(OFFICIALS):
            mentions = []
            for n, (s, e) in enumerate(words[k * per : (k + 1) * per]):
                if stretch and n % 10 == 5:  # overlaps the gold mention without being it
                    mentions.append({"start": s, "end": e + len(WORD) + 1, "text": f"{WORD} {WORD}", "form": "name"})
                else:
                    mentions.append({"start": s, "end": e, "text": WORD, "form": "name"})
            officials.append(
                {
                    "id": f"o{k}",
                    "name": f"{WORD} {k}",
                    "title": None,
                    "rank": None,
                    "country": None,
                    "organisation": None,
                    "participation": "mentioned",
                    "mentions": mentions,
                }
            )
        return {
            "document_id": "hostile",
            "text_sha256": sha,
            "guidelines_version": "1.0",
            "annotators": ["benchmark"],
            "officials": officials,
        }

    (work / "gold").mkdir(exist_ok=True)
    (work / "gold" / "hostile.json").write_text(json.dumps(document(False)), encoding="utf-8")
    (work / "pred.jsonl").write_text(json.dumps(document(True)) + "\n", encoding="utf-8")


def write_prefix_file(work: Path, sha: str) -> None:
    (work / "prefix").mkdir(exist_ok=True)
    (work / "prefix" / "hostile.yaml").write_text(
        f"""document_id: hostile
text_sha256: {sha}
guidelines_version: "1.0"
annotators: [benchmark]
officials:
  - id: zed
    name: null
    title: null
    rank: null
    country: null
    organisation: null
    participation: mentioned
    mentions:
      - text: {WORD}
        prefix: "Zed "
        form: name
""",
        encoding="utf-8",
    )


def write_alias_bombs(work: Path) -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    (work / "bomb-levels.yaml").write_text(
        "document_id: hostile\n" + "\n".join(levels) + "\nannotators: *a9\n", encoding="utf-8"
    )
    mention = "m: &m {start: 0, end: 5, text: Babar, form: name}"
    mentions = "ms: &ms [" + ", ".join(["*m"] * 3000) + "]"
    official = "o: &o {id: o, name: null, title: null, rank: null, country: null, organisation: null, "
    official += "participation: mentioned, mentions: *ms}"
    (work / "bomb-wide.yaml").write_text(
        "\n".join(
            ["document_id: hostile", mention, mentions, official, "officials: [" + ", ".join(["*o"] * 3000) + "]"]
        )
        + "\n",
        encoding="utf-8",
    )


def run_all(work: Path, mentions: int) -> list[Result]:
    corpus = str(work / "corpus")
    many = f"{mentions:,} mentions"
    results = [
        measure(f"validate, {many}", ["validate", str(work / "gold"), "--corpus", corpus], 0, work=work),
        measure(
            f"export hf, {many}",
            [
                "export",
                "hf",
                "--gold",
                str(work / "gold"),
                "--corpus",
                corpus,
                "--out",
                str(work / "hf"),
                "--passes",
                "",
                "--no-verify",
            ],
            0,
            work=work,
        ),
        measure(
            f"bench, {many}",
            [
                "bench",
                "--predictions",
                str(work / "pred.jsonl"),
                "--gold",
                str(work / "gold"),
                "--corpus",
                corpus,
                "--samples",
                "100",
            ],
            0,
            work=work,
        ),
        measure(
            f"anchor: one prefix span, {mentions + 1:,} candidates",
            ["anchor", str(work / "prefix"), "--corpus", corpus, "--check"],
            1,
            "would anchor 1 span",
            work=work,
        ),
    ]
    for bomb in ("bomb-levels.yaml", "bomb-wide.yaml"):
        size = (work / bomb).stat().st_size
        for command in ("validate", "anchor"):
            results.append(
                measure(
                    f"{command}: {bomb} ({size / 1024:.1f} KB)",
                    [command, str(work / bomb), "--corpus", corpus],
                    1,
                    "[alias-expansion]",
                    work=work,
                )
            )
    return results


def _corpus_document(work: Path, doc_id: str, text: str) -> str:
    """Write ``corpus/<doc_id>.json`` for ``text`` under ``work``; its sha256."""
    from communique.corpus.build import make_document, serialise, sha256_text
    from communique.schema.models import SeedMetadata

    meta = SeedMetadata(id=doc_id, source_file=f"{doc_id}.txt", source_sha256=sha256_text(text))
    (work / "corpus").mkdir(parents=True, exist_ok=True)
    (work / "corpus" / f"{doc_id}.json").write_text(serialise(make_document(text.encode(), meta)), encoding="utf-8")
    return sha256_text(text)


def _gold(doc_id: str, sha: str, officials: list[tuple[str, list[tuple[int, int]]]], text: str) -> dict[str, object]:
    return {
        "schema_version": "2.1",
        "document_id": doc_id,
        "text_sha256": sha,
        "guidelines_version": "2.1",
        "annotators": ["benchmark"],
        "officials": [
            {
                "id": ref,
                "name": WORD,
                "participation": "mentioned",
                "mentions": [{"start": s, "end": e, "text": text[s:e], "form": "name"} for s, e in spans],
            }
            for ref, spans in officials
        ],
    }


def synthesise_17(work: Path, overlapping: int, rendered: int) -> None:
    """The inputs of issue 17's cases under ``work``."""
    # overlapping predictions: spans [c - 1 - a, c + 1 + b) around one point c, over 20 gold mentions there
    side = int(overlapping**0.5) + 1
    words = " ".join([WORD] * (side // 2 + 60))
    text = f"{words} met Zed in Paris. {words}.\n"
    sha = _corpus_document(work / "overlap", "overlap", text)
    c = len(text) // 2
    near = sorted((abs(m - c), m) for m in range(len(text)) if text.startswith(WORD, m))[:20]  # words around c
    gold = _gold("overlap", sha, [("babar", sorted((m, m + len(WORD)) for _, m in near))], text)
    (work / "overlap" / "gold").mkdir(parents=True, exist_ok=True)
    (work / "overlap" / "gold" / "overlap.json").write_text(json.dumps(gold), encoding="utf-8")
    spans = [(c - 1 - a, c + 1 + b) for a in range(side) for b in range(side)][:overlapping]
    pred = _gold("overlap", sha, [(f"p{k}", spans[k::10]) for k in range(10)], text)
    (work / "overlap" / "pred.jsonl").write_text(json.dumps(pred) + "\n", encoding="utf-8")

    # render: one mention per word, ten officials
    text = " ".join([WORD] * rendered) + ".\n"
    sha = _corpus_document(work / "render", "render", text)
    step = len(WORD) + 1
    officials = [(f"o{k}", [(i * step, i * step + len(WORD)) for i in range(k, rendered, 10)]) for k in range(10)]
    (work / "render" / "gold").mkdir(parents=True, exist_ok=True)
    (work / "render" / "gold" / "render.json").write_text(json.dumps(_gold("render", sha, officials, text)), "utf-8")

    # a 4 MB prediction line on the seed article, every mention found, and one text that is nowhere
    seed_text = json.loads(SEED_TEXT.read_text(encoding="utf-8"))["text"]
    mentions, size, width = [], 0, 0
    while size < 4_000_000:
        for start in range(0, len(seed_text) - 40, 7):
            end = start + 5 + width % 30
            if seed_text[start].isspace() or seed_text[end - 1].isspace():
                continue
            mention = {"start": start, "end": end, "text": seed_text[start:end], "form": "name"}
            mentions.append(mention)
            size += len(json.dumps(mention, ensure_ascii=False).encode()) + 2
        width += 1
    line = {
        "document_id": "iran-pakistan-military-talks",
        "officials": [{"id": "p", "mentions": mentions}],
        "attributions": [{"speaker_name": "Ashtiani", "contents": [{"text": "words that are nowhere in the text"}]}],
    }
    (work / "long-line.jsonl").write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")

    # a 12 MB Label Studio export: the seed's task again and again (duplicates), an unknown label at the end
    ls = work / "ls"
    subprocess.run(
        [
            str(BIN / "communique"),
            "export",
            "label-studio",
            "--out",
            str(ls),
            "--gold",
            str(ROOT / "annotations" / "gold"),
            "--corpus",
            str(ROOT / "corpus"),
        ],
        check=True,
        env=ENV,
        capture_output=True,
    )
    task = json.loads((ls / "tasks.json").read_text(encoding="utf-8"))[0]
    tasks = [task] * (12_000_000 // len(json.dumps(task)) + 1)
    last = json.loads(json.dumps(task))
    last["predictions"][0]["result"][0]["value"]["labels"] = ["Mention: surname"]
    (work / "ls-12mb.json").write_text(json.dumps([*tasks[:-1], last]), encoding="utf-8")

    # add: 30 MB of news text, and 30 MB that is a single sentence
    (work / "add").mkdir(exist_ok=True)
    repeats = 30_000_000 // len((seed_text + "\n\n").encode()) + 1
    (work / "add" / "news-30mb.txt").write_text((seed_text + "\n\n") * repeats, encoding="utf-8")
    (work / "add" / "sentence-30mb.txt").write_text(" ".join([WORD] * 5_000_000) + ".\n", encoding="utf-8")

    # deep YAML: 2 KB and 200 KB
    for depth in (1_000, 100_000):
        nested = "document_id: x\nofficials: " + "[" * depth + "]" * depth + "\n"
        (work / f"deep-{depth}.yaml").write_text(nested, encoding="utf-8")


def run_17(work: Path, overlapping: int, rendered: int) -> list[Result]:
    def kb(name: str) -> str:
        return f"{(work / name).stat().st_size / 1024:,.0f} KB"

    def mb(name: str) -> str:
        return f"{(work / name).stat().st_size / 1e6:.1f} MB"

    overlap = work / "overlap"
    results = [
        measure(
            f"bench, {overlapping:,} predicted mentions overlapping each other",
            [
                "bench",
                "--predictions",
                str(overlap / "pred.jsonl"),
                "--gold",
                str(overlap / "gold"),
                "--corpus",
                str(overlap / "corpus"),
                "--samples",
                "100",
            ],
            0,
            work=work,
        ),
        measure(
            f"render, {rendered:,} mentions",
            [
                "render",
                "--gold",
                str(work / "render" / "gold"),
                "--corpus",
                str(work / "render" / "corpus"),
                "--out",
                str(work / "render" / "page.html"),
            ],
            0,
            work=work,
        ),
        measure(
            f"bench, one warning on a {mb('long-line.jsonl')} prediction line",
            [
                "bench",
                "--predictions",
                str(work / "long-line.jsonl"),
                "--corpus",
                str(ROOT / "corpus"),
                "--gold",
                str(ROOT / "annotations" / "gold"),
                "--samples",
                "100",
            ],
            0,
            "[prediction-span-not-found]",
            work=work,
        ),
        measure(
            f"import label-studio, {mb('ls-12mb.json')} export with errors",
            [
                "import",
                "label-studio",
                str(work / "ls-12mb.json"),
                "--out",
                str(work / "ls-back"),
                "--corpus",
                str(ROOT / "corpus"),
                "--pre-annotations",
            ],
            1,
            "[unknown-label]",
            work=work,
        ),
    ]
    for name in ("news-30mb.txt", "sentence-30mb.txt"):
        results.append(
            measure(
                f"add, {mb('add/' + name)} ({name.split('-')[0]})",
                [
                    "add",
                    str(work / "add" / name),
                    "--seeds",
                    str(work / "add" / "seeds"),
                    "--corpus",
                    str(work / "add" / "corpus"),
                ],
                0,
                work=work,
            )
        )
    for depth in (1_000, 100_000):
        name = f"deep-{depth}.yaml"
        for command in ("migrate", "anchor"):
            extra = ["--corpus", str(ROOT / "corpus")] if command == "anchor" else []
            results.append(
                measure(
                    f"{command}: YAML nested {depth:,} deep ({kb(name)})",
                    [command, str(work / name), *extra],
                    1,
                    "[too-deep]",
                    work=work,
                )
            )
    return results


# ------------------------------------------------------------------------------------ readers (issue 17)

READERS_TEXT = "Defence Minister Anna Berg met Jan Kowal in Oslo.\n\nBerg said the talks went well.\n"


def synthesise_readers(work: Path) -> None:
    """The inputs of the reader cases under ``work/readers`` (FIFOs are made when the case runs)."""
    import struct
    import zlib

    from communique.corpus.build import make_document, serialise, sha256_text
    from communique.schema.models import SeedMetadata

    root = work / "readers"
    for folder in ("corpus", "seeds", "gold"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    meta = SeedMetadata(id="talks", source_file="talks.txt", source_sha256=sha256_text(READERS_TEXT))
    (root / "corpus" / "talks.json").write_text(
        serialise(make_document(READERS_TEXT.encode("utf-8"), meta)), encoding="utf-8"
    )
    with (root / "sparse.jsonl").open("wb") as handle:  # 2 GB that take no disk
        handle.truncate(2 << 30)
    lines = {
        "bigint.jsonl": '{"document_id": "talks", "entities": [{"start": ' + "1" * 5000 + ', "end": 3}]}\n',
        "deep.jsonl": '{"document_id": "talks", "entities": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        "nan.jsonl": '{"document_id": "talks", "entities": [{"start": 17, "end": 26, "score": NaN}]}\n',
    }
    for name, text in lines.items():
        (root / name).write_text(text, encoding="utf-8")
    outside = [{"start": 10_000 + i, "end": 10_005 + i, "entity_group": "PER"} for i in range(100_000)]
    (root / "dropped.jsonl").write_text(json.dumps({"document_id": "talks", "entities": outside}) + "\n")
    results = [
        {"id": f"r{i}", "type": "labels", "value": {"start": str(i), "end": str(i + 4), "labels": ["PERSON"]}}
        for i in range(125_000)
    ]
    task = {"id": 1, "data": {"document_id": "talks", "text": READERS_TEXT}, "annotations": [{"result": results}]}
    (root / "labelstudio.json").write_text(json.dumps([task]), encoding="utf-8")
    packer = zlib.compressobj(9)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(packer.compress(zeros) for _ in range(6 * 1024)) + packer.flush()
    (root / "zeros.spacy").write_bytes(bomb)
    maps = 60_000_000  # {"cats": [{}, {}, ...]}: one byte each, about 70 once built
    (root / "maps.spacy").write_bytes(zlib.compress(b"\x81\xa4cats\xdd" + struct.pack(">I", maps) + b"\x80" * maps, 9))
    (root / "brat").mkdir(exist_ok=True)
    (root / "brat" / "talks.txt").write_text(READERS_TEXT, encoding="utf-8")
    (root / "brat" / "communique.json").write_text(
        json.dumps({"talks": {"annotators": ["b"], "guidelines_version": "2.1"}}), encoding="utf-8"
    )


def run_readers(work: Path) -> list[Result]:
    root = work / "readers"
    corpus = ["--corpus", str(root / "corpus")]
    for fifo in (root / "fifo.txt", root / "brat" / "talks.ann"):
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo)  # nothing writes to them: a reader that opened one would wait forever

    def size(name: str) -> str:
        n = (root / name).stat().st_size
        return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{n / 1024:.1f} KB"

    def convert(fmt: str, name: str, code: str, expect: int = 1) -> Result:
        return measure(
            f"convert --from {fmt}: {name} ({size(name)})",
            ["convert", "--from", fmt, str(root / name), *corpus, "--out", str(root / "out.jsonl")],
            expect,
            f"[{code}]",
            work=work,
        )

    return [
        measure(
            "add: a FIFO",
            ["add", str(root / "fifo.txt"), "--seeds", str(root / "seeds"), *corpus],
            1,
            "[input-not-regular]",
            work,
        ),
        measure(
            "import brat: a FIFO .ann",
            ["import", "brat", str(root / "brat"), "--out", str(root / "imported"), *corpus],
            1,
            "[input-not-regular]",
            work,
        ),
        measure(
            "bench --predictions: a sparse 2 GB file",
            ["bench", "--predictions", str(root / "sparse.jsonl"), "--gold", str(root / "gold"), *corpus],
            1,
            "[input-too-large]",
            work,
        ),
        convert("hf", "bigint.jsonl", "number-too-large"),
        convert("hf", "deep.jsonl", "too-deep"),
        convert("hf", "nan.jsonl", "number-not-finite"),
        convert("hf", "dropped.jsonl", "convert-span-dropped", expect=0),
        convert("labelstudio", "labelstudio.json", "convert-bad-input"),
        convert("spacy", "zeros.spacy", "decompressed-too-large"),
        convert("spacy", "maps.spacy", "decompressed-too-large"),
    ]


def run_llm(work: Path) -> list[Result]:
    """``extract --method llm`` against hostile responses of a local chat server (one request each)."""
    from communique.corpus.build import make_document, serialise
    from communique.schema.models import SeedMetadata

    sys.path.insert(0, str(ROOT))
    from tests.chat_server import ChatServer, Flood, Raw  # the test suite's server: real HTTP on 127.0.0.1

    text = "Defence Minister Anna Berg met Jan Kowal in Warsaw.\n"
    meta = SeedMetadata(
        id="llm",
        source_file="llm.txt",
        source_sha256=hashlib.sha256(text.encode()).hexdigest(),
        language="en",
        dateline=None,
        title=None,
        publication_date=None,
        url=None,
        publisher=None,
        licence=None,
    )
    (work / "llm-corpus").mkdir(parents=True, exist_ok=True)
    (work / "llm-corpus" / "llm.json").write_text(serialise(make_document(text.encode(), meta)), encoding="utf-8")
    deep = "[" * 100_000
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": deep}}]}
    mb = 2**20
    cases = [
        ("200 MB of garbage, no length", Flood(200 * mb), [], "[llm-answer-too-large]"),
        ("a 60 MB answer, no length", Flood(60 * mb, "answer"), [], "[llm-answer-too-large]"),
        (
            "a 60 MB answer, cap raised to 64 MB",
            Flood(60 * mb, "answer"),
            ["--max-answer-bytes", str(64 * mb)],
            "1 document(s)",
        ),
        ("a response nested 100,000 deep", Raw(deep.encode()), [], "[llm-invalid-response]"),
        ("an answer nested 100,000 deep", Raw(json.dumps(body).encode()), [], "[llm-invalid-json]"),
        ("a byte a second, --timeout 5", "trickle", ["--timeout", "5"], "[llm-timeout]"),
    ]
    server = ChatServer(lambda *_: "{}", api_key="test-key", trickle_seconds=1.0)
    options = ["--base-url", server.base_url, "--model", "m", "--api-key-env", LLM_KEY, "--retries", "0"]
    options += ["--corpus", str(work / "llm-corpus"), "--out", str(work / "llm.jsonl")]
    results = []
    try:
        for name, fault, extra, must_print in cases:
            server.faults["llm"] = [fault]
            command = ["extract", "--method", "llm", *options, *extra]
            results.append(measure(f"extract llm: {name}", command, 0, must_print, work=work))
    finally:
        server.close()
    return results


def synthesise(work: Path, mentions: int) -> None:
    """Write every input under ``work`` (run in a child process, so that the measuring process stays small:
    a forked child starts with its parent's resident memory)."""
    sha, words = build_document(work, mentions)
    write_gold_and_predictions(work, sha, words)
    write_prefix_file(work, sha)
    write_alias_bombs(work)


def table(results: list[Result], what: str, load: float) -> str:
    import pydantic

    head = (
        f"Machine: {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}, "
        f"pydantic {pydantic.VERSION}; {what}; measured {time.strftime('%Y-%m-%d')}; "
        f"load average at the start: {load:.1f}.\n\n"
        "| case | command | wall s | CPU s | peak RSS MB | exit |\n|---|---|---|---|---|---|\n"
    )
    rows = [
        f"| {r.name} | `{r.command}` | {r.seconds:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} | {r.code} |" for r in results
    ]
    return head + "\n".join(rows)


def _write(text: str, begin: str, end: str, title: str) -> None:
    readme = README.read_text(encoding="utf-8")
    if begin in readme:
        before, rest = readme.split(begin, 1)
        readme = before + begin + "\n" + text + "\n" + end + rest.split(end, 1)[1]
    else:
        readme = readme.rstrip("\n") + f"\n\n## {title}\n\n{begin}\n{text}\n{end}\n"
    README.write_text(readme, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--cases",
        choices=(*CASES, "all"),
        default="all",
        help="which cases to run, each into its own table in benchmarks/README.md (default: all)",
    )
    parser.add_argument("--mentions", type=int, default=1_000_000, help="documents: mentions in the one sentence")
    parser.add_argument("--overlapping", type=int, default=20_000, help="cost: overlapping predicted mentions")
    parser.add_argument("--rendered", type=int, default=8_000, help="cost: mentions on the review page")
    parser.add_argument("--work", type=Path, help="keep the inputs here (default: a temporary folder)")
    parser.add_argument("--write", action="store_true", help="put the tables into benchmarks/README.md")
    parser.add_argument("--synthesise-only", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.synthesise_only == "documents":
        synthesise(args.work, args.mentions)
        return
    if args.synthesise_only == "cost":
        synthesise_17(args.work, args.overlapping, args.rendered)
        return
    if args.synthesise_only == "readers":
        synthesise_readers(args.work)
        return
    chosen = CASES if args.cases == "all" else (args.cases,)
    with tempfile.TemporaryDirectory() as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        for case in chosen:
            where = work / case
            where.mkdir(exist_ok=True)
            if case != "llm":  # inputs are written by a child process, so that this one stays small
                started = time.perf_counter()
                synth = [sys.executable, __file__, "--synthesise-only", case, "--work", str(where),
                         "--mentions", str(args.mentions), "--overlapping", str(args.overlapping),
                         "--rendered", str(args.rendered)]  # fmt: skip
                subprocess.run(synth, check=True, env=ENV)
                print(f"{case}: inputs synthesised in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            load = os.getloadavg()[0]
            if case == "documents":
                what = f"{args.mentions:,} mentions in one {args.mentions * (len(WORD) + 1) / 1e6:.1f} MB sentence"
                text, begin, end, title = table(run_all(where, args.mentions), what, load), BEGIN, END, "Hostile input"
            elif case == "cost":
                results = run_17(where, args.overlapping, args.rendered)
                text, begin, end, title = (
                    table(results, "issue 17's sizes", load),
                    BEGIN_17,
                    END_17,
                    "Hostile input, issue 17",
                )
            elif case == "readers":
                text = table(run_readers(where), "the reader cases", load)
                begin, end, title = READERS_BEGIN, READERS_END, "Hostile readers"
            else:
                text, begin, end, title = llm_table(run_llm(where)), LLM_BEGIN, LLM_END, "Hostile LLM servers"
            print(text)
            if args.write:
                _write(text, begin, end, title)


#: the groups of cases, each measured into its own table
CASES = ("documents", "cost", "readers", "llm")


def llm_table(results: list[Result]) -> str:
    head = (
        f"Machine: {os.cpu_count()} cores, Linux {platform.release()}, Python {platform.python_version()}; "
        f"measured {time.strftime('%Y-%m-%d')}; load average at the start: {os.getloadavg()[0]:.1f}. "
        "Each command makes one request (`--retries 0`) to a local server; the default cap is 4 MB.\n\n"
        "| case | wall s | CPU s | peak RSS MB | exit | warning |\n|---|---|---|---|---|---|\n"
    )
    rows = [
        f"| {r.name} | {r.seconds:.1f} | {r.cpu:.1f} | {r.peak_mb:.0f} | {r.code} | {_warning(r.note)} |"
        for r in results
    ]
    return head + "\n".join(rows)


def _warning(note: str) -> str:
    """The code of a warning line (``... [llm-timeout] warning: ...`` -> ``llm-timeout``)."""
    return note.split("[", 1)[1].split("]", 1)[0] if "[" in note else "–"


if __name__ == "__main__":
    main()
