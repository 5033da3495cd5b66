"""One-to-one matching with priorities, on top of :func:`communique.bench.align.align`.

A matching often has to optimise several things in order: first the number of pairs that are correct
under a metric, then the number of pairs at all, then how well they overlap. :func:`match` turns such
ordered criteria ("tiers") into one weight per pair whose maximum-weight matching is optimal
lexicographically, and hands it to the Hungarian algorithm. Items are passed in canonical order, so the
result never depends on the order of the input.

Only candidate pairs are weighed (by default every pair); :func:`overlapping` finds the pairs whose
extents overlap with a sort and a sweep, so long documents do not cost a full cross product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import numpy as np

from communique.bench.align import align
from communique.bench.annotations import Extent

__all__ = ["candidate_groups", "match", "match_in_groups", "overlapping"]

A = TypeVar("A")
B = TypeVar("B")


def match_in_groups(
    gold: Sequence[A],
    pred: Sequence[B],
    tiers: Callable[[A, B], Sequence[float]],
    groups: Sequence[tuple[list[int], list[int]]],
    candidates: set[tuple[int, int]],
) -> list[tuple[int, int]]:
    """:func:`match`, given the connected groups of the candidate pairs (see :func:`candidate_groups`), so
    that several matchings over the same candidates (one per metric) share that work.

    Every candidate must have a positive tier (e.g. overlapping pairs, when overlap is a tier): a group of
    one pair is then matched without weighing it."""
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
    """The connected groups of candidate pairs: pairs compete for items only within a group."""
    return _groups(candidates)


def match(
    gold: Sequence[A],
    pred: Sequence[B],
    tiers: Callable[[A, B], Sequence[float]],
    candidates: Iterable[tuple[int, int]] | None = None,
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of a one-to-one matching that maximises the tiers lexicographically.

    ``tiers(g, p)`` returns non-negative numbers, most important first; all but the last must be whole
    numbers. A pair whose tiers are all 0, or that is not among ``candidates``, is never matched.
    """
    if not gold or not pred:
        return []
    considered = candidates if candidates is not None else ((i, j) for i in range(len(gold)) for j in range(len(pred)))
    table = {(i, j): values for i, j in considered if any(values := tuple(tiers(gold[i], pred[j])))}
    if not table:
        return []
    depth = len(next(iter(table.values())))
    size = min(len(gold), len(pred))  # a matching has at most this many pairs
    scales = [1.0] * depth
    bound = size * max(v[-1] for v in table.values())
    for level in range(depth - 2, -1, -1):
        scales[level] = bound + 1  # one unit of this tier outweighs all the lower tiers can add up to
        bound += size * max(v[level] for v in table.values()) * scales[level]
    weights = {pair: sum(v * s for v, s in zip(values, scales)) for pair, values in table.items()}
    # pairs only compete within a connected group of candidates: solve each group on its own (most are
    # a single pair), which gives the same optimum as one big assignment at a fraction of the cost
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
    """The connected components of a bipartite graph given by its edges, each side in index order."""
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


def overlapping(gold: Sequence[Sequence[Extent]], pred: Sequence[Sequence[Extent]]) -> set[tuple[int, int]]:
    """Pairs ``(i, j)`` such that an extent of ``gold[i]`` shares a character with one of ``pred[j]``."""
    events = sorted(
        [(e.start, e.end, 0, i) for i, extents in enumerate(gold) for e in extents if e.anchored]
        + [(e.start, e.end, 1, j) for j, extents in enumerate(pred) for e in extents if e.anchored]
    )
    open_: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])  # per side: (end, index) still open
    found: set[tuple[int, int]] = set()
    for start, end, side, index in events:
        if end <= start:
            continue  # an empty extent overlaps nothing
        for s in (0, 1):
            open_[s][:] = [(e, k) for e, k in open_[s] if e > start]
        for _, other in open_[1 - side]:
            found.add((index, other) if side == 0 else (other, index))
        open_[side].append((end, index))
    return found
