"""Does the actual trace print the matched lines in the expected order?

The exact check: the matched emits, read in actual order, must be the
expected sequence.  Where they are not, the report names the first position
where the two sequences differ (with both traces' neighbouring lines) and
how many lines would have to move (matched count minus the longest run that
is already in order).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from .align import Match

#: lines shown on each side of a divergence
CONTEXT = 2


@dataclass
class Divergence:
    """Where the actual order first departs from what the model allows.

    ``position`` counts matched lines from 0 in actual order; ``early`` is the
    actual line that came too soon (or, in exact mode, the one found where
    ``expected`` was due); in causal mode ``expected`` is the first line it
    overtook, ``overtaken`` how many lines it overtook, and ``chain`` the events
    from the one that must come first to the one that came too early
    (``chain_events``: the whole path as expected-trace event indices, for
    drawing it).
    """

    position: int
    expected: Match
    early: Match
    expected_context: list[str]
    actual_context: list[str]
    chain: list[str] = field(default_factory=list)
    mode: str = "exact"
    overtaken: int = 0
    chain_events: list[int] = field(default_factory=list)

    def describe(self) -> str:
        """One line saying what came where."""
        where = f"at matched line {self.position + 1}"
        if self.mode == "causal":
            more = f" (and {self.overtaken - 1} more)" if self.overtaken > 1 else ""
            return (f"{where}: {self.early.actual.label!r} came before "
                    f"{self.expected.expected.label!r}{more}, which the model says happens first")
        return (f"{where}: expected {self.expected.expected.label!r}, "
                f"actual has {self.early.actual.label!r}")

    def to_json(self) -> dict:
        """A plain-dict view."""
        return {"mode": self.mode, "position": self.position, "expected_label": self.expected.expected.label,
                "actual_label": self.early.actual.label,
                "expected_context": self.expected_context,
                "actual_context": self.actual_context, "chain": self.chain,
                "chain_events": self.chain_events, "overtaken": self.overtaken}


@dataclass
class OrderResult:
    """The verdict on order: ``displaced`` lines out of place, the first divergence."""

    mode: str
    displaced: int
    divergence: Divergence | None

    def to_json(self) -> dict:
        """A plain-dict view."""
        return {"mode": self.mode, "displaced": self.displaced,
                "divergence": self.divergence.to_json() if self.divergence else None}


def context(seq: list[str], pos: int) -> list[str]:
    """The labels around ``pos``, the one at ``pos`` in brackets."""
    lo, hi = max(0, pos - CONTEXT), min(len(seq), pos + CONTEXT + 1)
    return [f"[{seq[i]}]" if i == pos else seq[i] for i in range(lo, hi)]


def longest_increasing(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    for v in values:
        k = bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
        else:
            tails[k] = v
    return len(tails)


def by_actual(matches: list[Match]) -> list[Match]:
    """The matches in the order the actual trace printed them."""
    return sorted(matches, key=lambda m: m.actual.index)


def check_exact(matches: list[Match]) -> OrderResult:
    """Exact order: the matched lines, in actual order, equal the expected sequence."""
    act = by_actual(matches)
    displaced = len(matches) - longest_increasing([m.actual.index for m in matches])
    for pos, (want, got) in enumerate(zip(matches, act)):
        if want is not got:
            div = Divergence(pos, want, got,
                             context([m.expected.label for m in matches], pos),
                             context([m.actual.label for m in act], pos))
            return OrderResult("exact", displaced, div)
    return OrderResult("exact", displaced, None)
