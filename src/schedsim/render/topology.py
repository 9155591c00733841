"""The topology diagram: processes, threads, coroutines, memory, channels.

Read from the trace alone: units give the nesting; each process's address
space is a node its threads share (a child process gets its own, copied at
fork: isolated); ``send``/``recv`` events give the channels by their
``obj`` (a generator ``send``/``next`` is a direct hand-off between units;
any other ``obj`` is a channel node, inside its process when every user is
there, between processes when it is IPC).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from ..trace import Trace, Unit
from .clusters import add_clustered
from .dotout import new_digraph, short, text as dot_text, write_graph
from .style import Theme, theme as get_theme

TRANSFERS = ("send", "next")


def _recv_obj(trace: Trace, i: int) -> str | None:
    ev = trace[i]
    if ev.obj:
        return ev.obj
    return trace[ev.cause].obj if ev.cause is not None else None


def channel_use(trace: Trace) -> tuple[Counter, Counter, Counter]:
    """(direct hand-offs (src, dst, what), puts (unit, obj), gets (obj, unit)) with counts.

    An ``obj`` that something receives from is a channel (queue, pipe);
    a send naming a ``peer`` through anything else is a direct hand-off
    (a generator ``send``/``next``, a GIL or lock passed on); a send with
    neither is a put into a channel nobody reads.
    """
    gets: Counter = Counter()
    for i in trace.indices("recv"):
        obj = _recv_obj(trace, i)
        if obj and obj not in TRANSFERS:
            gets[(obj, trace[i].unit)] += 1
    read = {obj for obj, _ in gets}
    direct, puts = Counter(), Counter()
    for i in trace.indices("send"):
        ev = trace[i]
        if ev.obj in read:
            puts[(ev.unit, ev.obj)] += 1
        elif ev.peer is not None:
            direct[(ev.unit, ev.peer, ev.obj or "send")] += 1
        elif ev.obj:
            puts[(ev.unit, ev.obj)] += 1
    return direct, puts, gets


def _variables(trace: Trace) -> dict[int, list[str]]:
    """Variable names read or written per process (from ``mem`` events)."""
    out: dict[int, set[str]] = {}
    for i in trace.indices("mem"):
        ev = trace[i]
        proc = trace.process_of(trace.units[ev.unit])
        if proc is not None and ev.obj:
            out.setdefault(proc.id, set()).add(ev.obj)
    return {p: sorted(names) for p, names in out.items()}


def _memory_node(trace: Trace, proc: Unit, names: list[str], th: Theme) -> tuple[str, dict]:
    threads = [k for k in trace.children(proc.id) if k.kind == "thread"]
    shared = f"shared by {len(threads)} threads" if len(threads) > 1 else "one thread"
    label = f"address space\n{shared}"
    if names:
        label += "\nvars: " + short(", ".join(names), 24)
    return f"mem{proc.id}", {"label": dot_text(label), "shape": "folder", "style": "filled",
                             "fillcolor": th.page, "color": th.faint}


def _unit_node(unit: Unit, th: Theme) -> tuple[str, dict]:
    shape = "box" if unit.kind == "thread" else "ellipse"
    label = unit.name + (f"\ntid {unit.tid}" if unit.tid is not None else "")
    return f"u{unit.id}", {"label": dot_text(label), "shape": shape, "style": "rounded,filled",
                           "fillcolor": th.page, "color": th.ink if unit.kind == "thread"
                           else th.faint}


def _channel_home(trace: Trace, obj: str, puts: Counter, gets: Counter) -> int | None:
    """The process every user of channel ``obj`` lives in, else None (IPC)."""
    users = {u for (u, o) in puts if o == obj} | {u for (o, u) in gets if o == obj}
    procs = {getattr(trace.process_of(trace.units[u]), "id", None) for u in users}
    return procs.pop() if len(procs) == 1 else None


def _proc_label(unit: Unit) -> str:
    if unit.kind != "process":
        return dot_text(f"{unit.name} ({unit.kind})")
    pid = f", pid {unit.pid}" if unit.pid is not None else ""
    return dot_text(f"process {unit.name}{pid}")


def _legend(trace: Trace, direct: Counter, homes: dict, th: Theme) -> list:
    """Legend entries for the kinds of edge this trace has."""
    out = [(th.faint, "dashed", "threads share the address space")]
    if any(u.kind == "process" and u.parent is not None for u in trace.units):
        out.append((th.wake, "dashed", "fork: child gets a copy"))
    if direct or any(h is not None for h in homes.values()):
        out.append((th.send, "solid", "hand-off / in-process channel"))
    if any(h is None for h in homes.values()):
        out.append((th.divergent, "solid", "IPC channel (copies data)"))
    return out


def render_topology(trace: Trace, out: str | os.PathLike, *, title: str | None = None,
                    theme: str | Theme = "light", aspect: str = "16:9",
                    dot: bool = False) -> Path:
    """Draw who lives where and who talks to whom in ``trace`` to ``out``."""
    th = get_theme(theme)
    direct, puts, gets = channel_use(trace)
    channels = sorted({o for (_, o) in puts} | {o for (o, _) in gets})
    homes = {obj: _channel_home(trace, obj, puts, gets) for obj in channels}
    g = new_digraph(th, aspect, rankdir="LR", title=title or "topology: who lives where, "
                    "who talks to whom", legend=_legend(trace, direct, homes, th))
    variables = _variables(trace)
    nodes: dict[int, list] = {}
    for unit in trace.units:
        if unit.kind == "process":
            nodes.setdefault(unit.id, []).append(_memory_node(trace, unit, variables.get(
                unit.id, []), th))
        else:
            nodes.setdefault(unit.id, []).append(_unit_node(unit, th))
    for obj, home in homes.items():
        node = (_chan(channels, obj), {"label": dot_text(obj), "shape": "cds", "style": "filled",
                              "fillcolor": th.shade if home is None else th.page,
                              "color": th.send if home is not None else th.divergent})
        if home is not None:
            nodes.setdefault(home, []).append(node)
        else:
            g.node(node[0], **node[1])
    add_clustered(g, trace, nodes, th, _proc_label, leaves=False)
    _memory_edges(g, trace, th)
    _talk_edges(g, trace, direct, puts, gets, homes, th, channels)
    return write_graph(g, out, dot=dot)


def _memory_edges(g, trace: Trace, th: Theme) -> None:
    for unit in trace.units:
        if unit.kind == "thread" and unit.parent is not None:
            g.edge(f"mem{unit.parent}", f"u{unit.id}", dir="none", style="dashed",
                   color=th.faint)
        elif unit.kind == "process" and unit.parent is not None:
            parent = trace.process_of(trace.units[unit.parent])
            if parent is not None:
                g.edge(f"mem{parent.id}", f"mem{unit.id}", style="dashed", color=th.wake,
                       fontcolor=th.wake, label="fork: copy")


def _node(trace: Trace, unit: int) -> str:
    """A unit's node: its own, or its address space for a process."""
    return f"mem{unit}" if trace.units[unit].kind == "process" else f"u{unit}"


def _chan(channels: list[str], obj: str) -> str:
    """A channel's node id (``obj`` itself may hold ':' which graphviz reads as a port)."""
    return f"ch{channels.index(obj)}"


def _talk_edges(g, trace: Trace, direct: Counter, puts: Counter, gets: Counter, homes: dict,
                th: Theme, channels: list[str]) -> None:
    for (src, dst, what), n in sorted(direct.items()):
        what = f"{what}()" if what in TRANSFERS else what
        g.edge(_node(trace, src), _node(trace, dst), color=th.send, penwidth="1.8",
               label=dot_text(f"{what} ×{n}"))
    for (unit, obj), n in sorted(puts.items()):
        color = th.send if homes[obj] is not None else th.divergent
        g.edge(_node(trace, unit), _chan(channels, obj), color=color, penwidth="1.8", label=f"put ×{n}")
    for (obj, unit), n in sorted(gets.items()):
        color = th.send if homes[obj] is not None else th.divergent
        g.edge(_chan(channels, obj), _node(trace, unit), color=color, penwidth="1.8", label=f"get ×{n}")
