"""One-to-one matching with priorities, on top of :func:`communique.compare.align.align`.

A matching often has to optimise several things in order: first the number of pairs that are correct
under a metric, then the number of pairs at all, then how well they overlap. :func:`match` turns such
ordered criteria ("tiers") into one weight per pair whose maximum-weight matching is optimal
lexicographically, and hands it to the Hungarian algorithm. Items are passed in canonical order, so the
result never depends on the order of the input.

Only candidate pairs are weighed (by default every pair); :func:`overlapping` finds the pairs whose
extents overlap with a sort and a sweep, so long documents do not cost a full cross product. Pairs only
compete within a connected group of candidates, and each group is solved on its own: the cost grows with
the number of candidate pairs, not with the product of the two sides, however much the predictions
overlap each other. Callers that can compute the tiers of many pairs at once (numpy) pass them as a
table (:func:`match_values`, :func:`match_values_in_groups`) instead of one Python call per pair.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from typing import TypeVar

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from communique.compare.align import assign
from communique.compare.annotations import Extent

__all__ = [
    "candidate_groups",
    "match",
    "match_in_groups",
    "match_values",
    "match_values_in_groups",
    "ordered_pairs",
    "overlapping",
]

A = TypeVar("A")
B = TypeVar("B")
Groups = list[tuple[list[int], list[int]]]

#: up to this many pairs the connected groups are found in Python, above it with scipy's connected
#: components: the partition is the same either way, only the cost differs
_SMALL = 256


def ordered_pairs(pairs: Iterable[tuple[int, int]]) -> np.ndarray:
    """Pairs ``(i, j)`` as a ``(k, 2)`` integer array in row-major order (the order of ``sorted``)."""
    listed = list(pairs)
    flat = np.fromiter(chain.from_iterable(listed), dtype=np.int64, count=2 * len(listed))
    at = flat.reshape(len(listed), 2)
    return at[np.lexsort((at[:, 1], at[:, 0]))]


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
    lone = {rows[0] for rows, cols in groups if len(rows) == 1 and len(cols) == 1}
    ordered = ordered_pairs(candidates)
    values = [() if i in lone else tuple(tiers(gold[i], pred[j])) for i, j in ordered.tolist()]
    depth = max((len(v) for v in values), default=0)
    table = np.array([v or (0.0,) * depth for v in values], dtype=float).reshape(len(values), depth)
    return match_values_in_groups(groups, ordered, table)


def match_values_in_groups(
    groups: Sequence[tuple[list[int], list[int]]], pairs: np.ndarray, values: np.ndarray
) -> list[tuple[int, int]]:
    """:func:`match_in_groups` with the tiers already computed: row ``k`` of ``values`` holds the tiers of
    the candidate ``pairs[k]`` (a ``(k, 2)`` array, each pair once). Each group is matched as :func:`match`
    would match it alone (its own scales), so a caller can compute the tiers of many pairs at once."""
    if not len(pairs):
        return []
    group_of = np.zeros(int(pairs[:, 0].max()) + 1, dtype=np.int64)
    # filled at once from Python lists (one numpy call each, not three per group); the rows of groups are disjoint
    group_of[[i for rows, _ in groups for i in rows]] = [n for n, (rows, _) in enumerate(groups) for _ in rows]
    sizes = np.array([min(len(rows), len(cols)) for rows, cols in groups], dtype=np.int64)
    lone = np.array([len(rows) == 1 and len(cols) == 1 for rows, cols in groups], dtype=bool)
    scope = group_of[pairs[:, 0]]
    single = lone[scope]
    weighed = ~single
    found = _assign(pairs[weighed], _weights(values[weighed], scope[weighed], sizes))
    return sorted([*map(tuple, pairs[single].tolist()), *found])


def candidate_groups(candidates: Iterable[tuple[int, int]] | np.ndarray) -> Groups:
    """The connected groups of candidate pairs: pairs compete for items only within a group."""
    at = candidates if isinstance(candidates, np.ndarray) else ordered_pairs(candidates)
    return _groups(at)


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
    pairs = np.array(list(table), dtype=np.int64).reshape(len(table), 2)
    return match_values(min(len(gold), len(pred)), pairs, np.array(list(table.values()), dtype=float))


def match_values(size: int, pairs: np.ndarray, values: np.ndarray) -> list[tuple[int, int]]:
    """:func:`match` with the tiers already computed: row ``k`` of ``values`` holds the tiers of the pair
    ``pairs[k]`` (a ``(k, 2)`` array, each pair once); ``size`` is the smaller of the two sides' lengths."""
    if not len(pairs):
        return []
    return sorted(_assign(pairs, _weights(values, np.zeros(len(pairs), dtype=np.int64), np.array([size]))))


def _weights(values: np.ndarray, scope: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """One weight per pair whose maximum-weight matching maximises the tiers (columns of ``values``)
    lexicographically: one unit of a tier outweighs all that the lower tiers can add up to. The scales
    are computed within each scope (``scope[k]`` of pair ``k``), in which a matching holds at most
    ``sizes[scope]`` pairs. A pair whose tiers are all 0 weighs 0. The arithmetic is that of a sum over
    the tiers in order, so the weights are those of the same computation pair by pair."""
    if not len(values):
        return np.zeros(0)
    depth = values.shape[1]
    top = np.zeros((len(sizes), depth))
    np.maximum.at(top, scope, values)  # each scope's largest value of each tier (tiers are non-negative)
    scales = np.ones((len(sizes), depth))
    bound = sizes * top[:, -1]
    for level in range(depth - 2, -1, -1):
        scales[:, level] = bound + 1  # one unit of this tier outweighs all the lower tiers can add up to
        bound = bound + sizes * top[:, level] * scales[:, level]
    per_pair = scales[scope]
    weights: np.ndarray = values[:, 0] * per_pair[:, 0]
    for level in range(1, depth):
        weights = weights + values[:, level] * per_pair[:, level]
    return weights


def _assign(pairs: np.ndarray, weights: np.ndarray) -> list[tuple[int, int]]:
    """A maximum-weight one-to-one matching of the pairs ``(i, j)`` that weigh more than 0.

    Pairs only compete within a connected group: each group is solved on its own (most are a single
    pair), which gives the same optimum as one big assignment at a fraction of the cost. A group's
    weight matrix is filled from its pairs (absent pairs weigh 0), so a few rows against many columns
    cost one step per pair, not one per cell."""
    kept = weights > 0
    pairs, weights = pairs[kept], weights[kept]
    if not len(pairs):
        return []
    listed = pairs.tolist()
    if len({i for i, _ in listed}) == len(listed) == len({j for _, j in listed}):
        return [(i, j) for i, j in listed]  # no item in two pairs: every pair is a group of its own, matched
    labels = _labels(pairs)
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels)
    found: list[tuple[int, int]] = [tuple(pair) for pair in pairs[sizes[labels] == 1].tolist()]
    for members in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        if len(members) == 1:
            continue
        rows, at_row = np.unique(pairs[members, 0], return_inverse=True)
        cols, at_col = np.unique(pairs[members, 1], return_inverse=True)
        matrix = np.zeros((len(rows), len(cols)))
        matrix[at_row, at_col] = weights[members]
        found.extend((int(rows[a]), int(cols[b])) for a, b in assign(matrix))
    return found


def _labels(pairs: np.ndarray) -> np.ndarray:
    """A label per pair ``(i, j)``: the connected group of the bipartite graph of the pairs it is in."""
    if len(pairs) <= _SMALL:
        group_of = {i: n for n, (rows, _) in enumerate(_union_find(pairs.tolist())) for i in rows}
        return np.array([group_of[i] for i in pairs[:, 0].tolist()], dtype=np.int64)
    left = int(pairs[:, 0].max()) + 1
    nodes = left + int(pairs[:, 1].max()) + 1
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], left + pairs[:, 1])), shape=(nodes, nodes))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels[pairs[:, 0]], dtype=np.int64)


def _groups(pairs: np.ndarray) -> Groups:
    """The connected components of a bipartite graph given by its edges (a ``(k, 2)`` array), each side in
    index order, the components in the order of their first row."""
    if len(pairs) <= _SMALL:
        return _union_find(pairs.tolist())
    labels = _labels(pairs)

    def members(side: int) -> list[list[int]]:
        # each group's distinct indices on one side, sorted; groups in label order
        span = int(pairs[:, side].max()) + 1
        keys = np.unique(labels * span + pairs[:, side])
        return [part.tolist() for part in np.split(keys % span, np.flatnonzero(np.diff(keys // span)) + 1)]

    return sorted(zip(members(0), members(1)), key=lambda group: group[0][0])


def _union_find(pairs: Iterable[Sequence[int]]) -> Groups:
    """:func:`_groups` for a few edges, in Python."""
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
    """Pairs ``(i, j)`` such that an extent of ``gold[i]`` shares a character with one of ``pred[j]``.

    A sweep over the extents by start: each side keeps its open extents in a heap by end, so closed ones
    leave in O(log n) and every open extent met is a pair found. The cost is O(n log n) plus the pairs
    found, however much the extents of one side overlap each other.
    """
    events = sorted(  # start >= 0: Extent.anchored, without a property call per extent
        [(e.start, e.end, 0, i) for i, extents in enumerate(gold) for e in extents if e.start >= 0]
        + [(e.start, e.end, 1, j) for j, extents in enumerate(pred) for e in extents if e.start >= 0]
    )
    open_: tuple[list[tuple[int, int]], list[tuple[int, int]]] = ([], [])  # per side: heap of (end, index)
    found: set[tuple[int, int]] = set()
    for start, end, side, index in events:
        if end <= start:
            continue  # an empty extent overlaps nothing
        for heap in open_:
            while heap and heap[0][0] <= start:
                heapq.heappop(heap)
        if side == 0:
            found.update((index, other) for _, other in open_[1])
        else:
            found.update((other, index) for _, other in open_[0])
        heapq.heappush(open_[side], (end, index))
    return found
