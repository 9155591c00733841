"""Installing the tracer's wrappers into library modules, now or when imported.

The tracer observes blocking calls, queues, asyncio and multiprocessing by
wrapping a few library functions (never the program's own code).  Modules
the program has not imported yet are patched right after their first
import, through a finder on ``sys.meta_path``, so tracing a program that
never uses asyncio costs nothing for asyncio.
"""

from __future__ import annotations

import functools
import sys
from typing import Callable

Patch = Callable[[object], None]


def wrap_attr(owner, name: str, make: Callable) -> None:
    """Replace ``owner.name`` by ``make(original)``, keeping name and docstring."""
    original = getattr(owner, name)
    wrapper = make(original)
    functools.update_wrapper(wrapper, original)
    wrapper.__wrapped_by_schedsim__ = True
    setattr(owner, name, wrapper)


class _Loader:
    """Runs the real loader, then the patch (a loader by protocol; ``importlib.abc``
    is left unimported: it costs a traced process 15 ms of start-up)."""

    def __init__(self, loader, patch: Patch) -> None:
        self.loader = loader
        self.patch = patch

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        self.patch(module)

    def __getattr__(self, name: str):
        return getattr(self.loader, name)  # get_source, is_package, resource readers...


class PostImport:
    """Applies a patch to a module as soon as it is imported (or at once if it is).

    A meta path finder by protocol (``find_spec``).
    """

    def __init__(self) -> None:
        self.patches: dict[str, list[Patch]] = {}

    def add(self, name: str, patch: Patch) -> None:
        """Patch module ``name`` now if imported, else right after its import."""
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
            return
        self.patches.setdefault(name, []).append(patch)
        if self not in sys.meta_path:
            sys.meta_path.insert(0, self)

    def find_spec(self, fullname, path, target=None):
        """Find ``fullname`` with the other finders and wrap its loader."""
        patches = self.patches.get(fullname)
        if not patches:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        del self.patches[fullname]
        spec.loader = _Loader(spec.loader, lambda module: [p(module) for p in patches])
        return spec
