"""Printing bench reports: a plain-text or Markdown table with the settings the scores depend on.

The JSON report is :attr:`BenchResult.report` itself; these tables are views of it. Every score is shown
with the counts it was computed from, and the header states the matcher, the 0/0 policy, the bootstrap
and the versions (TextEE's point: numbers without their matching rules are not comparable).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from communique.bench.metrics import METRICS, main_value
from communique.schema.jsontypes import JsonValue, json_at, json_object

__all__ = ["FORMATS", "format_comparison", "format_report", "headline", "score_table"]

FORMATS = ("table", "markdown", "json", "html")


def _num(value: JsonValue) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "n/a"


def _ci(value: JsonValue) -> str:
    if not isinstance(value, Sequence) or isinstance(value, str):
        return "n/a"
    return f"[{_num(value[0])}, {_num(value[1])}]"


def _counts(entry: Mapping[str, JsonValue]) -> str:
    if "cor" in entry:
        return " ".join(f"{k.upper()} {entry[k]}" for k in ("cor", "inc", "par", "mis", "spu"))
    if "tp" in entry:
        return f"TP {entry['tp']} FP {entry['fp']} FN {entry['fn']}"
    if "correct" in entry:
        return f"{entry['correct']:g}/{entry['total']} right"
    if "phi4" in entry:
        return f"phi4 {entry['phi4']:.2f} gold {entry['gold']} pred {entry['pred']}"
    return ""


def _render(rows: list[list[str]], fmt: str, numeric_from: int = 2) -> str:
    if fmt == "markdown":
        head = "| " + " | ".join(rows[0]) + " |"
        rule = (
            "|"
            + "|".join("---:" if i >= numeric_from and i < len(rows[0]) - 1 else "---" for i in range(len(rows[0])))
            + "|"
        )
        return "\n".join([head, rule, *("| " + " | ".join(r) + " |" for r in rows[1:])])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if numeric_from <= i < len(row) - 1 else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths))
        ).rstrip()
        for row in rows
    )


def score_table(report: Mapping[str, JsonValue], fmt: str = "table") -> str:
    """One row per metric: P, R, F1 (or accuracy), its 95% interval and the counts."""
    rows = [["layer", "metric", "P", "R", "F1/acc", "95% CI", "counts"]]
    for metric in METRICS:
        entry = json_object(json_at(report, "metrics", metric.key))
        value = main_value(metric)
        layer, name = metric.key.split(".", 1)
        rows.append(
            [
                layer,
                name + (" *" if metric.headline else ""),
                _num(entry.get("precision")),
                _num(entry.get("recall")),
                _num(entry[value]),
                _ci(entry.get(f"{value}_ci95")),
                _counts(entry),
            ]
        )
    return _render(rows, fmt)


def type_table(report: Mapping[str, JsonValue], fmt: str = "table") -> str:
    """Per-type rows of the metrics that have them, with each metric's macro F1."""
    rows = [["metric", "type", "P", "R", "F1", "counts"]]
    for metric in METRICS:
        entry = json_object(json_at(report, "metrics", metric.key))
        if "per_type" not in entry:
            continue
        for type_, found in json_object(entry["per_type"]).items():
            sub = json_object(found)
            # an accuracy metric (speech acts) has no P and R: its accuracy goes in the last score column
            main = sub.get("f1", sub.get("accuracy"))
            rows.append(
                [metric.key, type_, _num(sub.get("precision")), _num(sub.get("recall")), _num(main), _counts(sub)]
            )
        rows.append(
            [
                metric.key,
                "macro",
                "",
                "",
                _num(entry.get("macro_f1", entry.get("macro_accuracy"))),
                "mean over " + (", ".join(map(str, _list(entry["macro_types"]))) or "no type"),
            ]
        )
    return _render(rows, fmt)


def _list(value: JsonValue) -> Sequence[JsonValue]:
    return value if isinstance(value, list) else []


def _header(report: Mapping[str, JsonValue], fmt: str) -> list[str]:
    settings = json_object(report["settings"])
    boot = json_object(settings["bootstrap"])
    versions = ", ".join(f"{k} {v}" for k, v in json_object(settings["versions"]).items() if v)
    preds, gold = json_object(report["predictions"]), json_object(report["gold"])
    lines = [
        f"predictions: {preds['path']} ({preds['documents']} document(s), {preds['warnings']} warning(s)); "
        f"gold: {gold['path']} ({gold['documents']} document(s)); split: {settings['split'] or 'all'}",
        f"matcher: {settings['matcher']}",
        f"overlap: {settings['overlap']}; partial credit {settings['partial_credit']}; "
        f"attribution contents {settings['attribution_contents']}",
        f"official names: {settings['name_match']}",
        f"0/0: {settings['zero_division']}",
        f"95% CI: paired bootstrap, {boot['samples']} resamples of {boot['units']} {boot['unit']}(s), "
        f"seed {boot['seed']}, {boot['interval']} interval",
        f"versions: {versions}",
        "* headline (micro average)",
    ]
    return [f"- {line}" for line in lines] if fmt == "markdown" else lines


def format_report(report: Mapping[str, JsonValue], fmt: str = "table") -> str:
    """The settings, the score table, the per-type table and, last, the headline: what a terminal still
    shows when the run ends."""
    gap = "\n\n" if fmt == "markdown" else "\n"
    parts = ["\n".join(_header(report, fmt)), score_table(report, fmt), type_table(report, fmt)]
    return gap.join(parts) + "\n\n" + headline(report, fmt) + "\n"


def headline(report: Mapping[str, JsonValue], fmt: str = "table") -> str:
    """The starred scores, one line each, with their 95% intervals (micro averages)."""
    rows = [["headline *", "score", "95% CI"]]
    metrics = json_object(report["metrics"])
    for metric in METRICS:
        if metric.headline:
            entry = json_object(metrics[metric.key])
            value = main_value(metric)
            rows.append([f"{metric.key} ({value})", _num(entry[value]), _ci(entry.get(f"{value}_ci95"))])
    return _render(rows, fmt, numeric_from=1)


def format_comparison(report: Mapping[str, JsonValue], fmt: str = "table") -> str:
    """One row per metric: A, B, the difference B - A, its interval and the p-value."""
    rows = [["metric", "A", "B", "B - A", "95% CI", "p", "p (AR)", "better"]]
    samples = json_at(report, "settings", "bootstrap", "samples")
    assert isinstance(samples, int)
    for key, found in json_object(report["metrics"]).items():
        row = json_object(found)
        p, delta = row["p_value"], row["delta"]
        shown = "n/a" if p is None else (f"<{1 / samples:.3f}" if p == 0 else _num(p))
        change = f"{delta:+.3f}" if isinstance(delta, int | float) else "n/a"
        ar = row.get("p_value_randomisation")
        rows.append(
            [key, _num(row["a"]), _num(row["b"]), change, _ci(row["ci95"]), shown, _num(ar), str(row["better"] or "-")]
        )
    head = [f"A: {json_at(report, 'a', 'path')}", f"B: {json_at(report, 'b', 'path')}", f"test: {report['test']}"]
    head += [f"AR: {report['randomisation']}"] if "randomisation" in report else []
    head += [f"WARNING: {w}" for w in _list(report.get("cautions"))]
    if fmt == "markdown":
        head = [f"- {line}" for line in head]
    gap = "\n\n" if fmt == "markdown" else "\n"
    return gap.join(["\n".join(head), _render(rows, fmt, numeric_from=1)]) + "\n"
