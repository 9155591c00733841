"""schedsim: simulate, trace, compare and draw how processes, threads and
coroutines share a machine.

The Python API mirrors the command line; see :mod:`schedsim.api`.
"""

__version__ = "0.1.0"
