"""Build step for schedsim's optional C speed-ups; all metadata is in pyproject.toml.

The extension is optional: without a compiler, or on another Python than
CPython, the install still succeeds and the tracer uses its pure-Python hook.
"""

from setuptools import Extension, setup

SPEEDUPS = "src/schedsim/_speedups/"

setup(ext_modules=[Extension("schedsim._speedups._genhook",
                             [SPEEDUPS + "genhook.c", SPEEDUPS + "evalhook.c"],
                             depends=[SPEEDUPS + "genhook.h"], optional=True),
                   # the trace's bulk column work (schedsim.trace.columns falls back to Python)
                   Extension("schedsim.trace._columns", ["src/schedsim/trace/columns.c"],
                             optional=True),
                   # events straight into the raw log's map (schedsim.real.mapfile falls back)
                   Extension("schedsim.real._mapwriter", ["src/schedsim/real/mapwriter.c"],
                             optional=True),
                   # a thread's counters read holding the GIL (schedsim.real.procfs falls back)
                   Extension("schedsim.real._procstat", ["src/schedsim/real/procstat.c"],
                             optional=True)])
