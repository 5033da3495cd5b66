"""The numbers of the bundled gold corpus, from one run: agreement, the baseline's scores, a comparison.

    .venv/bin/python benchmarks/corpus_numbers.py [--samples 1000] [--write]

It runs the commands a user runs, in the project folder (so ``communique.toml`` and its splits are in force):

1. ``communique agree annotations/passes/a annotations/passes/b``: F1 of the two passes per document and
   micro over the corpus, layer by layer;
2. ``communique bench`` of the rules baseline (whatever ``extract --method rules`` is in this checkout) on the
   test split and on the whole corpus: the headline scores with their 95% paired-bootstrap intervals, how many
   documents were resampled, and the width of the ``attributions.attributed`` interval (issue 20's target: at
   most 0.14 on the whole corpus);
3. ``communique bench --compare`` of two variants of the baseline, on the test split and on the whole corpus:
   A, the baseline; B, the same baseline with its indirect-speech rule (``find_indirect_quotes``) turned off.

It prints one Markdown block (with the CPU seconds and peak memory of each command); ``--write`` puts it into
the site's page "The gold corpus" (``docs/explanation/corpus.md``) between the ``corpus-numbers`` markers.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGE = ROOT / "docs" / "explanation" / "corpus.md"
BEGIN, END = "<!-- corpus-numbers: begin -->", "<!-- corpus-numbers: end -->"
#: agreement columns: (layer, measure) of `communique agree --format json`, and the column's heading
AGREEMENT = (
    ("mentions", "strict", "mentions (strict)"),
    ("officials", "ceaf_e", "officials (CEAF-e)"),
    ("attributions", "overlap", "attributions (overlap)"),
    ("attributions", "source_and_content", "attribution source+content"),
    ("meetings", "overlap", "meetings (overlap)"),
    ("commitments", "overlap", "commitments (overlap)"),
    ("stances", "overlap", "stances (overlap)"),
)
TARGET_WIDTH = 0.14
#: the rule of the baseline that variant B turns off
RULE = "find_indirect_quotes"


class Measured:
    """The CPU seconds (user + system) and peak resident memory of the commands run so far, per command."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float, float]] = []

    def run(self, label: str, args: Sequence[str]) -> dict[str, Any]:
        """Run ``communique ARGS --format json`` in the project folder; its JSON result (exit 0 or 1 only)."""
        command = [str(BIN / "communique"), *args, "--format", "json"]
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            out.seek(0)
            err.seek(0)
            if process.returncode not in (0, 1):
                sys.exit(f"{' '.join(command)} exited {process.returncode}:\n{err.read().decode()}")
            result: dict[str, Any] = json.loads(out.read())
        self.rows.append((label, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024))
        return result


@contextmanager
def without_rule(name: str) -> Iterator[None]:
    """The rules baseline with one of its rules (a method of its extractor) turned into a no-op."""
    from communique.extract import rules

    extractor = getattr(rules, "_Extractor", None)
    if extractor is None or not callable(getattr(extractor, name, None)):
        sys.exit(f"the rules baseline has no rule {name!r}: choose another for variant B (RULE)")
    original = getattr(extractor, name)
    setattr(extractor, name, lambda self: None)
    try:
        yield
    finally:
        setattr(extractor, name, original)


def predictions(path: Path, make: Callable[[Any], Any]) -> Path:
    """One prediction line per corpus document, by ``make`` (a :class:`PredictedDocument` per document)."""
    from communique import load_corpus_document
    from communique.schema.predictions import prediction_line

    documents = sorted((ROOT / "corpus").glob("*.json"))
    if not documents:
        sys.exit("no corpus documents")
    path.write_text("".join(prediction_line(make(load_corpus_document(doc))) for doc in documents), encoding="utf-8")
    return path


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _f1(entry: dict[str, Any] | None) -> float | None:
    if not entry:
        return None
    value = entry.get("f1", entry.get("rate"))
    return None if value is None else float(value)


def agreement_table(agree: dict[str, Any]) -> list[str]:
    """Per document and micro: the F1 (or agreement rate) of each chosen layer and measure."""
    lines = [
        "| document | " + " | ".join(heading for _, _, heading in AGREEMENT) + " |",
        "|---|" + "---:|" * len(AGREEMENT),
    ]
    for doc_id, found in sorted(agree["documents"].items()):
        layers = found["layers"]
        cells = [_num(_f1(layers.get(layer, {}).get(measure))) for layer, measure, _ in AGREEMENT]
        lines.append(f"| {doc_id} | " + " | ".join(cells) + " |")
    micro = agree["micro"]["layers"]
    cells = [f"**{_num(_f1(micro.get(layer, {}).get(measure)))}**" for layer, measure, _ in AGREEMENT]
    lines.append(f"| **micro, {len(agree['documents'])} documents** | " + " | ".join(cells) + " |")
    return lines


def _interval(entry: dict[str, Any]) -> tuple[float | None, list[float] | None]:
    if "f1" in entry:
        return entry["f1"], entry.get("f1_ci95")
    return entry.get("accuracy"), entry.get("accuracy_ci95")


def _scored(entry: dict[str, Any]) -> str:
    value, ci = _interval(entry)
    return f"{_num(value)} [{_num(ci[0])}, {_num(ci[1])}]" if ci else f"{_num(value)} [–]"


def baseline_table(reports: dict[str, dict[str, Any]]) -> list[str]:
    """The headline metrics of the baseline, one column per report (split)."""
    first = next(iter(reports.values()))
    heads = [
        f"{name} ({r['settings']['bootstrap']['units']} {r['settings']['bootstrap']['unit']}s resampled)"
        for name, r in reports.items()
    ]
    lines = ["| metric | " + " | ".join(heads) + " |", "|---|" + "---|" * len(reports)]
    for key in first["headline"]:
        lines.append(f"| {key} | " + " | ".join(_scored(r["metrics"][key]) for r in reports.values()) + " |")
    return lines


def width(report: dict[str, Any], key: str = "attributions.attributed") -> float | None:
    _, ci = _interval(report["metrics"][key])
    return None if not ci else ci[1] - ci[0]


def _p(value: float | None, samples: int) -> str:
    """A p-value; one the resamples cannot tell from zero is shown as below 1/samples."""
    if value is None:
        return "–"
    return f"< {1 / samples:.3f}" if value == 0 else f"{value:.3f}"


def comparison_table(comparisons: dict[str, dict[str, Any]], keys: Sequence[str], samples: int) -> list[str]:
    """One row per metric and split (only the metrics where A and B differ somewhere)."""
    keys = [k for k in keys if any(report["metrics"][k]["delta"] for report in comparisons.values())]
    lines = [
        "| metric | split | A | B | B − A | 95% CI of B − A | p (bootstrap) | p (randomisation) |",
        "|---|---|---:|---:|---:|---|---:|---:|",
    ]
    for key in keys:
        for name, report in comparisons.items():
            row = report["metrics"][key]
            ci = row.get("ci95")
            lines.append(
                f"| {key} | {name} | {_num(row['a'])} | {_num(row['b'])} | {_num(row['delta'])} | "
                + (f"[{_num(ci[0])}, {_num(ci[1])}]" if ci else "–")
                + f" | {_p(row['p_value'], samples)} | {_p(row.get('p_value_randomisation'), samples)} |"
            )
    return lines


def numbers(samples: int) -> str:
    """Run everything; the Markdown block."""
    from communique import __version__
    from communique.extract import extract

    measured = Measured()
    agree = measured.run("agree", ["agree", "annotations/passes/a", "annotations/passes/b"])
    with tempfile.TemporaryDirectory(prefix="communique-numbers-") as work:
        a = predictions(Path(work) / "rules.jsonl", lambda doc: extract(doc, "rules"))
        with without_rule(RULE):
            b = predictions(Path(work) / "rules-without.jsonl", lambda doc: extract(doc, "rules"))
        bench = ["bench", "--samples", str(samples), "--summary-only"]
        reports = {
            "test split": measured.run("bench --split test", [*bench, "--pred", str(a), "--split", "test"]),
            "whole corpus": measured.run("bench", [*bench, "--pred", str(a)]),
        }
        compare = ["bench", "--samples", str(samples), "--compare", str(a), str(b)]
        comparisons = {
            "test": measured.run("bench --compare --split test", [*compare, "--split", "test"]),
            "all": measured.run("bench --compare", compare),
        }
    whole = reports["whole corpus"]
    documents = whole["settings"]["bootstrap"]["units"]
    wide = width(whole)
    verdict = "met" if wide is not None and wide <= TARGET_WIDTH else "not met"
    cautions = sorted({c for report in comparisons.values() for c in report["cautions"]})
    lines = [
        BEGIN,
        f"*From one run of `benchmarks/corpus_numbers.py --samples {samples}` (communique {__version__}); "
        "do not edit by hand.*",
        "",
        "**Agreement of the two passes** (`communique agree annotations/passes/a annotations/passes/b`): F1 of "
        "pass b against pass a (agreement rate for *source+content*), per document and micro over the corpus; "
        "– where neither pass has an item of the layer.",
        "",
        *agreement_table(agree),
        "",
        "**The rules baseline** (`communique extract --method rules`, then `communique bench`): headline scores "
        f"with 95% paired-bootstrap intervals ({samples} resamples of documents).",
        "",
        *baseline_table(reports),
        "",
        f"On the whole corpus, {documents} documents were resampled and the `attributions.attributed` interval is "
        f"{_num(wide)} wide (issue 20's target, at most {TARGET_WIDTH}: {verdict}); on the test split it is "
        f"{_num(width(reports['test split']))} wide.",
        "",
        f"**Two variants compared** (`communique bench --compare A B`): A is the rules baseline, B the same "
        f"baseline with its indirect-speech rule (`{RULE}`) turned off; paired bootstrap and paired "
        "randomisation over documents (the headline metrics where they differ, and `attributions.identification`; "
        "the others are equal).",
        "",
        *comparison_table(comparisons, [*whole["headline"], "attributions.identification"], samples),
        "",
        *(f"> `bench --compare` warns: {caution}" for caution in cautions),
        *([""] if cautions else []),
        "| command | CPU seconds | peak memory (MB) |",
        "|---|---:|---:|",
        *(f"| `communique {label}` | {cpu:.2f} | {rss:.0f} |" for label, cpu, rss in measured.rows),
        END,
    ]
    return "\n".join(lines)


def write_page(block: str) -> None:
    """Replace the block between the markers in the corpus page (atomically)."""
    from communique.io.write import write_atomic

    text = PAGE.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        sys.exit(f"{PAGE.relative_to(ROOT)} has no {BEGIN} ... {END} markers")
    before, rest = text.split(BEGIN, 1)
    after = rest.split(END, 1)[1]
    write_atomic(PAGE, before + block + after)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=1000, help="bootstrap resamples (default 1000)")
    parser.add_argument("--write", action="store_true", help="put the block into docs/explanation/corpus.md")
    args = parser.parse_args(argv)
    block = numbers(args.samples)
    print(block)
    if args.write:
        write_page(block)
        print(f"wrote {PAGE.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
