"""Build step for schedsim's optional C speed-up; all metadata is in pyproject.toml.

The extension is optional: without a compiler, or on another Python than
CPython, the install still succeeds and the tracer uses its pure-Python hook.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("schedsim._speedups._genhook",
                             ["src/schedsim/_speedups/genhook.c"], optional=True)])
