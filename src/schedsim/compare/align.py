"""Pair the emits of two traces: the k-th occurrence of a label in one with
the k-th in the other.

Occurrences are first paired within corresponding units (the k-th time
``c1`` prints a line with the k-th time ``consumer#1`` prints it), so two
units printing the same text are not confused when their lines interleave
differently; what is left of a label is then paired in trace order and
counted as *misattributed* (the right line, printed by the wrong unit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from .emits import Emit
from .units import UnitPair


class Match(NamedTuple):
    """An expected emit and the actual emit it was paired with."""

    expected: Emit
    actual: Emit
    same_unit: bool


@dataclass
class Alignment:
    """The outcome of pairing: matches in expected order, and the leftovers."""

    matches: list[Match] = field(default_factory=list)
    missing: list[Emit] = field(default_factory=list)
    extra: list[Emit] = field(default_factory=list)

    @property
    def misattributed(self) -> list[Match]:
        """Matches whose units do not correspond under the unit mapping."""
        return [m for m in self.matches if not m.same_unit]


def _by_label(emit_list: list[Emit]) -> dict[str, list[Emit]]:
    out: dict[str, list[Emit]] = {}
    for e in emit_list:
        out.setdefault(e.label, []).append(e)
    return out


def _pair_label(exp: list[Emit], act: list[Emit], unit_map: dict[int, int],
                out: Alignment) -> None:
    per_unit: dict[int, list[Emit]] = {}
    for a in act:
        per_unit.setdefault(a.unit, []).append(a)
    cursor = {u: 0 for u in per_unit}
    used: set[int] = set()
    left: list[Emit] = []
    for e in exp:
        u = unit_map.get(e.unit)
        k = cursor.get(u, 0)
        if u in per_unit and k < len(per_unit[u]):
            cursor[u] = k + 1
            used.add(per_unit[u][k].index)
            out.matches.append(Match(e, per_unit[u][k], True))
        else:
            left.append(e)
    rest = [a for a in act if a.index not in used]
    out.matches.extend(Match(e, a, False) for e, a in zip(left, rest))
    out.missing.extend(left[len(rest):])
    out.extra.extend(rest[len(left):])


def align(exp_emits: list[Emit], act_emits: list[Emit],
          units: dict[int, UnitPair]) -> Alignment:
    """Pair the two lists of emits by label (see the module docstring)."""
    unit_map = {e: p.actual for e, p in units.items()}
    exp_by, act_by = _by_label(exp_emits), _by_label(act_emits)
    out = Alignment()
    for label, exp in exp_by.items():
        _pair_label(exp, act_by.get(label, []), unit_map, out)
    out.extra.extend(a for label, act in act_by.items() if label not in exp_by for a in act)
    out.matches.sort(key=lambda m: m.expected.index)
    out.missing.sort(key=lambda e: e.index)
    out.extra.sort(key=lambda e: e.index)
    return out
