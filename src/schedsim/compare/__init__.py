"""Compare two traces (usually a simulation and a real run) and give a verdict.

* :func:`compare` — align emits by label, map units by what they print,
  report missing/extra lines, order, timing error and makespan error;
* :func:`happens_before` — the causal graph of a trace (networkx);
* :func:`compare_many` — the model against several real runs, judged against
  their real-vs-real spread (the noise floor);
* :func:`write_report` — a Markdown report (+ JSON) with diagrams embedded;
* :class:`Tolerances` — the limits of a PASS, all configurable;
* :class:`Comparison` — the result: ``ok``, ``failures``, ``format_text()``,
  ``to_json()``.

See ``docs/compare.md``.
"""

from .causal import happens_before
from .core import compare
from .many import ManyComparison, compare_many
from .report_md import write_report
from .result import Comparison
from .tolerances import Tolerances

__all__ = ["compare", "compare_many", "Comparison", "ManyComparison", "Tolerances",
           "happens_before", "write_report"]
