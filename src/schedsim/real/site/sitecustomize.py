"""Started in every Python process below a traced program (on PYTHONPATH).

If the process descends from a program run by ``schedsim trace`` (the
environment says so), it traces itself into the run's raw directory; then
any other ``sitecustomize`` further down ``sys.path`` runs as usual.
"""

import importlib.machinery
import importlib.util
import os
import sys

if os.environ.get("SCHEDSIM_CHILD") and os.environ.get("SCHEDSIM_RAW_DIR"):
    try:
        from schedsim.real.child import start_subprocess_session
        start_subprocess_session()
    except ImportError as exc:  # schedsim not importable here: run untraced, say so
        print(f"schedsim: cannot trace process {os.getpid()}: {exc}", file=sys.stderr)


def _chain() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if os.path.abspath(p or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


_chain()
