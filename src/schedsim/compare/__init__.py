"""Compare two traces (usually a simulation and a real run) and give a verdict.

* :func:`compare` — align emits by label, map units by what they print,
  report missing/extra lines, order, timing error and makespan error;
* :func:`happens_before` — the causal graph of a trace (networkx);
* :class:`Tolerances` — the limits of a PASS, all configurable;
* :class:`Comparison` — the result: ``ok``, ``failures``, ``format_text()``,
  ``to_json()``.

See ``docs/compare.md``.
"""

from .causal import happens_before
from .core import compare
from .result import Comparison
from .tolerances import Tolerances

__all__ = ["compare", "Comparison", "Tolerances", "happens_before"]
