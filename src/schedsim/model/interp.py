"""The interpreter: runs a program (a list of :class:`~.spec.Op`) as a
SimPy generator on its thread.

Each operation has one handler ``op_<name>(ctx, op)``, a generator that
yields SimPy events (time passing) or coroutine markers.  Handlers that
need sync objects, I/O or the event loop live in :mod:`.sync` and
:mod:`.aio` and register themselves in :data:`HANDLERS`.
"""

from __future__ import annotations

import copy

from .cold import cold_extra
from .coro import DONE, RECV, Coro, drive
from .template import TemplateError, render


class Ctx:
    """What a running program can see: its thread, the unit it runs as
    (thread or coroutine), that unit's name and local variables."""

    __slots__ = ("thread", "unit", "name", "vars", "coro")

    def __init__(self, thread, unit: int, name: str, coro: Coro | None = None) -> None:
        self.thread = thread
        self.unit = unit
        self.name = name
        self.vars: dict = {"self": name, "thread": thread.spec.name,
                           "process": thread.process.name}
        self.coro = coro

    @property
    def sim(self):
        """The simulation this program runs in."""
        return self.thread.sim


HANDLERS: dict = {}


def handler(name: str):
    """Register ``fn`` as the handler of operation ``name``."""
    def register(fn):
        HANDLERS[name] = fn
        return fn
    return register


def run(ctx: Ctx, ops):
    """Run ``ops`` in order; completed async I/O callbacks run between two operations."""
    th = ctx.thread
    for op in ops:
        yield from HANDLERS[op.name](ctx, op)
        if th.due:
            yield from HANDLERS["__callbacks__"](th)


def value_of(ctx: Ctx, op, template):
    """Render ``template`` with ``ctx``'s variables; errors point at ``op``."""
    try:
        return render(template, ctx.vars)
    except TemplateError as exc:
        raise op.loc.error(f"{exc} (at t={ctx.thread.env.now} ns)") from None


@handler("emit")
def op_emit(ctx, op):
    """Print a line: the ``emit`` cost on the CPU (in a model of a traced run, the
    tracer's tap too: ``tap_line``, and ``cold_tap`` by how long ago the process
    last printed), then an ``emit`` event on the innermost running unit (a line
    is seen when its write completes)."""
    label = str(value_of(ctx, op, op.arg))
    costs = ctx.sim.costs
    yield from ctx.thread.spend(costs["emit"] + costs["tap_line"] + cold_extra(ctx.thread, "tap"))
    ctx.thread.check_on_cpu()
    ctx.thread.record("emit", unit=ctx.unit, label=label)


@handler("compute")
def op_compute(ctx, op):
    """Use the CPU."""
    ns = op.arg
    if isinstance(ns, dict):
        ns = ctx.sim.rng.randint(ns["min"], ns["max"])
    yield from ctx.thread.spend(ns)


@handler("sleep")
def op_sleep(ctx, op):
    """``time.sleep``: block the thread (releasing the GIL) for the time plus overshoot."""
    yield from sleep(ctx.thread, op.arg)


def sleep(th, ns: int):
    """Block ``th`` for ``ns`` plus the profile's sleep overshoot (recorded on ``wake``)."""
    over = th.sim.profile.sleep_overshoot(ns)
    ev = th.env.timeout(ns + over, value=(None, None, over))
    yield from th.block(ev, "sleep", value=ns)


@handler("repeat")
def op_repeat(ctx, op):
    """Run ``do`` N times, counting in ``as`` from ``from``."""
    name, first = op.opts["as"], op.opts["from"]
    for i in range(op.arg):
        if name:
            ctx.vars[name] = first + i
        yield from run(ctx, op.opts["do"])


@handler("loop")
def op_loop(ctx, op):
    """Run the operations forever."""
    while True:
        yield from run(ctx, op.arg)


# -- generator coroutines --------------------------------------------------------

def coroutine(ctx, op, name: str) -> Coro:
    """The generator ``name`` of ``ctx``'s thread."""
    return ctx.thread.coros[name]


@handler("start")
def op_start(ctx, op):
    """Create and prime generators: ``next(gen)`` runs each to its first ``recv``."""
    th = ctx.thread
    for name in op.arg:
        g = coroutine(ctx, op, name)
        if g.started:
            raise op.loc.error(f"generator {name!r} was already started")
        cost = th.sim.costs["spawn_coroutine"]
        yield from th.spend(cost)
        th.record("spawn", unit=g.unit, peer=ctx.unit, cost=cost)
        gctx = Ctx(th, g.unit, g.name, g)
        g.gen = run_coroutine(gctx, g)
        yield from transfer(ctx, op, g, "next", None)


def run_coroutine(gctx: Ctx, g: Coro):
    """A generator coroutine's whole life: its program, then ``stop``/``exit``."""
    yield from run(gctx, g.spec.program)


@handler("send")
def op_send(ctx, op):
    """``gen.send(value)``: transfer control to the generator until its next ``recv``."""
    g = coroutine(ctx, op, op.arg["to"])
    value = value_of(ctx, op, op.arg["value"])
    if not g.started:
        if value is not None:
            raise op.loc.error(f"generator {g.name!r} was never started: start it first "
                               f"(Python: can't send non-None value to a just-started "
                               f"generator)")
        g.gen = run_coroutine(Ctx(ctx.thread, g.unit, g.name, g), g)
    yield from transfer(ctx, op, g, "send" if value is not None else "next", value)


def transfer(ctx, op, g: Coro, obj: str, value):
    """R→G→R: the generator transfer pattern of the trace contract."""
    th = ctx.thread
    if g.done:
        raise op.loc.error(f"generator {g.name!r} has finished; sending to it raises "
                           f"StopIteration (at t={th.env.now} ns)")
    if g.running:
        raise op.loc.error(f"generator {g.name!r} is already running "
                           f"(ValueError: generator already executing)")
    th.check_on_cpu()
    cost = th.sim.costs["generator_switch"]
    cause = th.record("send", unit=ctx.unit, peer=g.unit, obj=obj, value=value)
    th.record("switch", unit=g.unit, peer=ctx.unit, level="coroutine", cost=cost, cpu=th.cpu)
    th.stack.append(g.unit)      # from here on g is on its thread (stops if the thread does)
    yield from th.spend(cost)
    th.record("run", unit=g.unit, cause=cause, cpu=th.cpu)
    if value is not None:
        th.record("recv", unit=g.unit, cause=cause, value=value)
    g.running = True
    first, g.started = not g.started, True
    result = yield from drive(g.gen, None if first else value)
    g.running = False
    th.stack.pop()
    if result is DONE:
        finish_coroutine(th, g)
    elif result is not RECV:
        raise op.loc.error(f"generator {g.name!r} used 'await' (only asyncio tasks may)")
    th.record("switch", unit=ctx.unit, peer=g.unit, level="coroutine", cost=cost, cpu=th.cpu)
    yield from th.spend(cost)
    th.record("run", unit=ctx.unit, cpu=th.cpu)


def close_suspended(th, g: Coro):
    """Python closes a generator left suspended when its last reference goes (here:
    when its thread's program ends): ``GeneratorExit`` is thrown in at its yield and
    it ends.  A transfer like a ``send``, with ``obj: close``."""
    cost = th.sim.costs["generator_switch"]
    cause = th.record("send", peer=g.unit, obj="close")
    th.record("switch", unit=g.unit, peer=th.unit, level="coroutine", cost=cost, cpu=th.cpu)
    th.stack.append(g.unit)
    yield from th.spend(cost)
    th.record("run", unit=g.unit, cause=cause, cpu=th.cpu)
    th.stack.pop()
    finish_coroutine(th, g)
    th.record("switch", peer=g.unit, level="coroutine", cost=cost, cpu=th.cpu)
    yield from th.spend(cost)
    th.record("run", cpu=th.cpu)


def finish_coroutine(th, g: Coro) -> None:
    """Record a coroutine's end: ``stop`` (exit) then ``exit``."""
    g.done = True
    th.record("stop", unit=g.unit, reason="exit")
    g.exit_index = th.record("exit", unit=g.unit)


@handler("recv")
def op_recv(ctx, op):
    """``x = yield``: suspend this generator until the next send."""
    if ctx.coro is None:
        raise op.loc.error("recv (x = yield) only works inside a generator coroutine")
    name = op.arg if isinstance(op.arg, str) else (op.arg or {}).get("as", "value")
    ctx.thread.record("stop", unit=ctx.unit, reason="yield")
    ctx.vars[name] = yield RECV


# -- memory ----------------------------------------------------------------------

@handler("read")
def op_read(ctx, op):
    """Read a variable of the process's address space; record the value seen."""
    var = op.arg if isinstance(op.arg, str) else op.arg["var"]
    name = var if isinstance(op.arg, str) else (op.arg["as"] or var)
    value = ctx.thread.process.memory[var]
    ctx.thread.record("mem", unit=ctx.unit, reason="read", obj=var, value=value)
    ctx.vars[name] = copy.deepcopy(value)
    return
    yield


@handler("write")
def op_write(ctx, op):
    """Write a variable of the process's address space."""
    var = op.arg["var"]
    value = value_of(ctx, op, op.arg["value"])
    ctx.thread.process.memory[var] = value
    ctx.thread.record("mem", unit=ctx.unit, reason="write", obj=var, value=value)
    return
    yield
