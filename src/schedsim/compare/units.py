"""Which unit of one trace is which unit of the other.

A scenario calls a generator ``c1`` where a real run calls it
``consumer#1``; what they print is what they share.  Units that emit are
paired by a maximum-weight bipartite matching on the overlap of their
emitted label multisets (ties broken by same kind, then same name, then
closest order of first emit, then unit id: always the same answer for the
same traces).  Units that print nothing are then paired through the
structure: the parents of paired units, and same-named children of paired
parents.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import networkx as nx

from ..trace import Trace
from .emits import Emit


class UnitPair(NamedTuple):
    """An expected unit and the actual unit it corresponds to.

    Names are :meth:`~schedsim.trace.Trace.short_names`: ``c1/main`` where
    several processes have a thread ``main``.

    ``how`` is ``"emits"`` (paired by what they print, ``shared`` lines in
    common), ``"parent"`` (parents of a paired couple) or ``"name"``
    (same-named children of a paired couple).
    """

    expected: int
    actual: int
    expected_name: str
    actual_name: str
    shared: int
    how: str


def _label_counts(emit_list: list[Emit]) -> dict[int, Counter]:
    per_unit: dict[int, Counter] = {}
    for e in emit_list:
        per_unit.setdefault(e.unit, Counter())[e.label] += 1
    return per_unit


def _first_rank(emit_list: list[Emit]) -> dict[int, int]:
    rank: dict[int, int] = {}
    for e in emit_list:
        rank.setdefault(e.unit, len(rank))
    return rank


def _overlaps(exp: dict[int, Counter], act: dict[int, Counter]) -> dict[tuple[int, int], int]:
    by_label: dict[str, list[int]] = {}
    for a, counts in act.items():
        for label in counts:
            by_label.setdefault(label, []).append(a)
    shared: dict[tuple[int, int], int] = {}
    for e, counts in exp.items():
        for label, n in counts.items():
            for a in by_label.get(label, ()):
                shared[e, a] = shared.get((e, a), 0) + min(n, act[a][label])
    return shared


def _match_emitters(expected: Trace, actual: Trace, exp_emits: list[Emit],
                    act_emits: list[Emit]) -> dict[int, tuple[int, int]]:
    """expected unit -> (actual unit, shared lines), maximising the total shared."""
    shared = _overlaps(_label_counts(exp_emits), _label_counts(act_emits))
    if not shared:
        return {}
    rank_e, rank_a = _first_rank(exp_emits), _first_rank(act_emits)
    n = max(len(rank_e), len(rank_a)) + 1
    # lexicographic weight: shared lines >> same kind >> same name >> order closeness;
    # a lower tier summed over a whole matching stays below one step of the tier above
    name_scale = n ** 3
    kind_scale = name_scale * 2 * n
    shared_scale = kind_scale * 2 * n
    graph = nx.Graph()
    for (e, a), count in sorted(shared.items()):
        ue, ua = expected.units[e], actual.units[a]
        weight = (count * shared_scale + (ue.kind == ua.kind) * kind_scale
                  + (ue.name == ua.name) * name_scale + (n - abs(rank_e[e] - rank_a[a])) * n)
        graph.add_edge(("e", e), ("a", a), weight=weight)
    pairs = {}
    for x, y in nx.max_weight_matching(graph):
        (_, a), (_, e) = sorted([x, y])  # ("a", ...) sorts before ("e", ...)
        pairs[e] = (a, shared[e, a])
    return pairs


def _extend_by_structure(expected: Trace, actual: Trace, pairs: dict[int, UnitPair]) -> None:
    """Pair units that print nothing through their paired parents and children."""
    taken = {p.actual for p in pairs.values()}
    names_e, names_a = expected.short_names(), actual.short_names()

    def add(e: int, a: int, how: str) -> None:
        pairs[e] = UnitPair(e, a, names_e[e], names_a[a], 0, how)
        taken.add(a)

    changed = True
    while changed:
        changed = False
        for pair in sorted(pairs.values()):
            pe, pa = expected.units[pair.expected].parent, actual.units[pair.actual].parent
            if (pe is not None and pa is not None and pe not in pairs and pa not in taken
                    and expected.units[pe].kind == actual.units[pa].kind):
                add(pe, pa, "parent")
                changed = True
        for pair in sorted(pairs.values()):
            free = {(u.kind, u.name): u.id for u in reversed(actual.children(pair.actual))
                    if u.id not in taken}
            for child in expected.children(pair.expected):
                a = free.get((child.kind, child.name))
                if child.id not in pairs and a is not None and a not in taken:
                    add(child.id, a, "name")
                    changed = True


def map_units(expected: Trace, actual: Trace, exp_emits: list[Emit],
              act_emits: list[Emit]) -> dict[int, UnitPair]:
    """Expected unit id -> its :class:`UnitPair` (units with no counterpart are left out)."""
    names_e, names_a = expected.short_names(), actual.short_names()
    pairs = {e: UnitPair(e, a, names_e[e], names_a[a], shared, "emits")
             for e, (a, shared) in _match_emitters(expected, actual, exp_emits, act_emits).items()}
    _extend_by_structure(expected, actual, pairs)
    return dict(sorted(pairs.items()))
