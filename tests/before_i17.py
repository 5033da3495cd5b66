"""The implementations that issue 17 replaced for cost, kept verbatim as references.

Each was quadratic (or a whole round-trip parse) on hostile input; ``tests/test_hostile_cost.py`` checks on
generated input that the replacements give exactly what these gave. Nothing else uses them.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from html import escape
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
from scipy.optimize import linear_sum_assignment
from syntok.segmenter import analyze

from communique.bench.outcomes import OUTCOMES
from communique.formats.html import Unit
from communique.io.parse import ParseFailure, PathPart, load_round_trip

A = TypeVar("A")
B = TypeVar("B")


# ------------------------------------------------------------------ bench/align.py and bench/matching.py


def align(left: Sequence[A], right: Sequence[B], weight: Callable[[A, B], float]) -> list[tuple[int, int]]:
    if not left or not right:
        return []
    scores = np.array([[weight(a, b) for b in right] for a in left], dtype=float)
    eps = 1e-9 / (len(left) + len(right))
    tie_break = -eps * np.abs(np.subtract.outer(np.arange(len(left)), np.arange(len(right))))
    rows, cols = linear_sum_assignment(np.where(scores > 0, scores + tie_break, 0.0), maximize=True)
    return sorted((int(i), int(j)) for i, j in zip(rows, cols) if scores[i, j] > 0)


def match_in_groups(
    gold: Sequence[A],
    pred: Sequence[B],
    tiers: Callable[[A, B], Sequence[float]],
    groups: Sequence[tuple[list[int], list[int]]],
    candidates: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    for rows, cols in groups:
        if len(rows) == 1 and len(cols) == 1:
            pairs.append((rows[0], cols[0]))
            continue
        inside = [(i, j) for i in rows for j in cols if (i, j) in candidates]
        found = match(
            [gold[i] for i in rows], [pred[j] for j in cols], tiers, [(rows.index(i), cols.index(j)) for i, j in inside]
        )
        pairs.extend((rows[a], cols[b]) for a, b in found)
    return sorted(pairs)


def candidate_groups(candidates: Iterable[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    return _groups(candidates)


def match(
    gold: Sequence[A],
    pred: Sequence[B],
    tiers: Callable[[A, B], Sequence[float]],
    candidates: Iterable[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    if not gold or not pred:
        return []
    considered = candidates if candidates is not None else ((i, j) for i in range(len(gold)) for j in range(len(pred)))
    table = {(i, j): values for i, j in considered if any(values := tuple(tiers(gold[i], pred[j])))}
    if not table:
        return []
    depth = len(next(iter(table.values())))
    size = min(len(gold), len(pred))
    scales = [1.0] * depth
    bound = size * max(v[-1] for v in table.values())
    for level in range(depth - 2, -1, -1):
        scales[level] = bound + 1
        bound += size * max(v[level] for v in table.values()) * scales[level]
    weights = {pair: sum(v * s for v, s in zip(values, scales)) for pair, values in table.items()}
    pairs: list[tuple[int, int]] = []
    for rows, cols in _groups(weights):
        if len(rows) == 1 and len(cols) == 1:
            pairs.append((rows[0], cols[0]))
            continue
        matrix = np.array([[weights.get((i, j), 0.0) for j in cols] for i in rows])

        def weight(a: int, b: int, m: np.ndarray = matrix) -> float:
            return float(m[a, b])

        pairs.extend((rows[a], cols[b]) for a, b in align(range(len(rows)), range(len(cols)), weight))
    return sorted(pairs)


def _groups(pairs: Iterable[tuple[int, int]]) -> list[tuple[list[int], list[int]]]:
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(node: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for i, j in pairs:
        parent[find((0, i))] = find((1, j))
    groups: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for node in sorted(parent):
        groups.setdefault(find(node), ([], []))[node[0]].append(node[1])
    return list(groups.values())


# ---------------------------------------------------------------------- review/render.py (the text body)


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i : i + 2], 16) // 2 for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def marked_text(text: str, units: list[Unit], colours: dict[str, str], headings: list[tuple[int, int]]) -> str:
    cuts = {0, len(text)} | {p for u in units for s in u.spans for p in (s.start, s.end)}
    cuts |= {p for h in headings for p in h}
    points = sorted(cuts)
    pieces: list[str] = []
    for start, end in itertools.pairwise(points):
        covering = [u for u in units if any(s.start <= start and end <= s.end for s in u.spans)]
        piece = html.escape(text[start:end])
        classes = sorted({c for u in covering for c in u.css.split()})
        if any(h[0] <= start and end <= h[1] for h in headings):
            classes.append("heading")
        if not classes:
            pieces.append(piece)
            continue
        style = ""
        mention = next((u for u in reversed(covering) if u.css == "mention"), None)
        if mention is not None and mention.official is not None:
            style = f' style="background:{colours[mention.official]}"'
        said = next((u for u in covering if u.css.startswith("attribution") and u.official), None)
        if said is not None and said.official is not None:
            colour = _darker(colours[said.official])
            style = (
                style[:-1] + f';text-decoration-color:{colour}"'
                if style
                else f' style="text-decoration-color:{colour}"'
            )
        attrs = ""
        if covering:
            title = html.escape("\n".join(u.label for u in covering), quote=True)
            attrs = f' data-ann="{" ".join(u.id for u in covering)}" title="{title}"'
        pieces.append(f'<span class="{" ".join(classes)}"{attrs}{style}>{piece}</span>')
    return "".join(pieces)


# --------------------------------------------------------------------------------- bench/html.py


def bench_marked(text: str, marks: list[tuple[int, int, str, str]]) -> str:
    rank = {o: i for i, o in enumerate(OUTCOMES)}
    cuts = sorted({0, len(text), *(s for s, _, _, _ in marks), *(e for _, e, _, _ in marks)})
    pending = sorted(marks, reverse=True)
    active: list[tuple[int, int, str, str]] = []
    out: list[str] = []
    for lo, hi in pairwise(cuts):
        while pending and pending[-1][0] <= lo:
            active.append(pending.pop())
        active = [m for m in active if m[1] > lo]
        covering = [m for m in active if hi <= m[1]]
        piece = escape(text[lo:hi])
        if not covering:
            out.append(piece)
            continue
        worst = max(covering, key=lambda m: rank[m[2]])[2]
        title = escape("; ".join(sorted({m[3] for m in covering})), quote=True)
        out.append(f'<mark class="o-{worst}" data-outcome="{worst}" title="{title}">{piece}</mark>')
    return "".join(out)


# --------------------------------------------------------------------------------- io/parse.py Locator


class Locator:
    def __init__(self, text: str):
        try:
            self._root: Any = load_round_trip(text)
        except ParseFailure:
            self._root = None

    def find(self, path: Sequence[PathPart]) -> tuple[int | None, int | None]:
        node = self._root
        found: tuple[int, int] = (0, 0)
        for part in path:
            lc = getattr(node, "lc", None)
            if lc is None:
                break
            try:
                if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
                    found = lc.item(part)
                    node = node[part]
                elif isinstance(part, str) and isinstance(node, dict) and part in node:
                    value = node[part]
                    found = lc.value(part) if not hasattr(value, "lc") else lc.key(part)
                    node = value
                else:
                    break
            except (KeyError, TypeError, IndexError):
                break
        return found[0] + 1, found[1] + 1


# ------------------------------------------------------------------ corpus/segment.py (sentences, tokens)

_NON_SPACE = re.compile(r"\S+")


def sentences_and_tokens(text: str, base: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    sentences: list[tuple[int, int]] = []
    tokens: list[tuple[int, int]] = []
    for paragraph in analyze(text):
        for sentence in paragraph:
            spans = [
                (tok.offset, tok.offset + len(tok.value))
                for tok in sentence
                if tok.value and text[tok.offset : tok.offset + len(tok.value)] == tok.value
            ]
            if spans:
                sentences.append((base + spans[0][0], base + spans[-1][1]))
                tokens.extend((base + s, base + e) for s, e in spans)
    return sentences, _fill_gaps(text, base, sorted(set(tokens)))


def _fill_gaps(text: str, base: int, tokens: list[tuple[int, int]]) -> list[tuple[int, int]]:
    covered = bytearray(len(text))
    for start, end in tokens:
        covered[start - base : end - base] = b"\x01" * (end - start)
    extra: list[tuple[int, int]] = []
    for match in _NON_SPACE.finditer(text):
        i = match.start()
        while i < match.end():
            if covered[i]:
                i += 1
                continue
            j = i
            while j < match.end() and not covered[j]:
                j += 1
            extra.append((base + i, base + j))
            i = j
    return sorted(tokens + extra)
