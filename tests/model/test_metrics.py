"""metrics(): per unit, per CPU and overall; the text table; traces without CPUs."""

from model_helpers import HEAD, run

from schedsim.model import format_metrics, metrics
from schedsim.trace import Header, Trace, Unit

TWO = HEAD + """machine: {cpus: 2, policy: rr, quantum: 5ms}
processes:
  p:
    threads:
      a: [{compute: 10ms}, {sleep: 5ms}, {compute: 1ms}]
      b: [{compute: 3ms}]
"""


def test_unit_cpu_and_process_sums():
    m = metrics(run(TWO))
    a, b, p = m.unit("p/a"), m.unit("b"), m.unit("p", "process")
    assert a["cpu"] == 11_000_000 and b["cpu"] == 3_000_000
    assert a["blocked"] > 5_000_000                   # sleep plus overshoot
    assert p["cpu"] == a["cpu"] + b["cpu"] and p["blocked"] == a["blocked"] + b["blocked"]
    assert m.overall["cpus"] == 2 and len(m.cpus) == 2


def test_table_lists_threads_cpus_and_the_summary():
    text = format_metrics(metrics(run(TWO)))
    lines = text.splitlines()
    assert lines[0].split()[:4] == ["unit", "kind", "cpu", "runnable"]
    assert any(line.startswith("p/a ") and "11.000 ms" in line for line in lines)
    assert "makespan" in lines[-1] and "2 CPU(s)" in lines[-1]


def test_metrics_of_a_trace_without_cpu_fields():
    trace = Trace(Header("real"), [Unit(0, "process", "p"), Unit(1, "thread", "t", 0)])
    trace.append(0, 1, "spawn")
    trace.append(0, 1, "run")
    trace.append(1_000, 1, "block", reason="sleep")
    trace.append(5_000, 1, "wake")
    trace.append(5_000, 1, "run")
    trace.append(6_000, 1, "exit")
    m = metrics(trace)
    t = m.unit("t")
    assert (t["cpu"], t["blocked"], t["switches_in"], t["switches_out"]) == (2_000, 4_000, 2, 2)
    assert m.cpus == [] and m.overall["makespan"] == 6_000
