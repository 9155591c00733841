"""How far an actual trace may stray from the expected one and still pass.

The defaults are chosen for a model compared with a real run of the same
program: nothing may be missing, extra or out of order, and times may drift
by a few percent.  Where the drift comes from, measured on a 2-CPU VM
(``FIELD-NOTES.md``): each ``time.sleep(d)`` overshoots by ~0.1 ms at the
median (~0.5 ms at p99) whatever ``d`` is.  A real run at ``--time-scale
0.01`` divides those overshoots by 0.01 when compared in model time, so the
baozi example (five 1 s sleeps, run as 10 ms) drifts 10-15 ms of model time
per sleep: ~60 ms over its 5 s, about 1.2 %.  5 % of the makespan leaves room
for a loaded machine; the absolute floor (in the real trace's own time) keeps
very short programs from failing on timer noise alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Tolerances:
    """Limits a comparison must stay within to pass (all configurable).

    * ``max_missing`` / ``max_extra``: matched-by-label emits that only the
      expected / only the actual trace has.
    * ``max_misattributed``: matched emits printed by a unit that does not
      correspond to the expected one under the unit mapping.
    * ``max_out_of_order``: matched emits that must move to make the actual
      order acceptable (0: the order must agree).
    * ``timing_p95``: p95 of the per-event absolute timing error, as a
      fraction of the expected makespan; ``timing_max`` the same for the
      largest error (None: not checked).
    * ``makespan``: |actual - expected| makespan as a fraction of expected.
    * ``floor_ns``: an absolute allowance, in the actual trace's own time
      units (ns), under which timing and makespan errors always pass; it is
      converted to model time by dividing by the actual trace's time scale.
    * ``noise_factor``: with several real runs, the model is "within the noise"
      when each of its errors is at most this many times the worst
      real-vs-real error plus ``noise_min_ns`` (real time, like ``floor_ns``,
      but small: 20 µs, a scheduler wake-up's jitter, so that the large
      ``floor_ns`` does not hide a model error the runs themselves never
      show); 1.5 because a handful of runs underestimates the spread.  ``require_noise`` makes being beyond the
      noise a failure (off by default: the verdict says it either way).
    """

    max_missing: int = 0
    max_extra: int = 0
    max_misattributed: int = 0
    max_out_of_order: int = 0
    timing_p95: float = 0.05
    timing_max: float | None = 0.10
    makespan: float = 0.05
    floor_ns: int = 1_000_000
    noise_factor: float = 1.5
    noise_min_ns: int = 20_000
    require_noise: bool = False

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and not isinstance(value, bool) and value < 0:
                raise ValueError(f"tolerance {name!r} must not be negative, got {value!r}")

    def to_json(self) -> dict:
        """The tolerances as a plain dict."""
        return asdict(self)
