"""The exceptions schedsim raises on bad input.

Every error a user can cause derives from :class:`SchedsimError`; the CLI turns
them into a message and an exit code in one place (``schedsim.cli``).  Each
carries enough location (file, line, field path) to be fixed without reading
a traceback.
"""

from __future__ import annotations


class SchedsimError(Exception):
    """Base of every error caused by the user's input or environment."""

    #: exit status the CLI uses for this error
    exit_code = 2


class ScenarioError(SchedsimError):
    """A scenario file is malformed or describes something the model forbids.

    ``path`` is the breadcrumb of keys/indices from the document root to the
    offending field, e.g. ``("processes", "main", "threads", "main", "program", 2)``.
    """

    #: what was invalid, for the first line of the message
    what = "invalid scenario"

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 path: tuple = ()) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.path = tuple(path)
        super().__init__(self.format())

    def format(self) -> str:
        """Render as ``FILE:LINE: error`` followed by a pre-commit style breadcrumb."""
        where = self.file or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        crumbs = "".join(
            f"\n==> At index {p}" if isinstance(p, int) else f"\n==> At key: {p}"
            for p in self.path)
        return f"{where}: {self.what}{crumbs}\n=====> {self.message}"


class ProfileError(ScenarioError):
    """A machine profile file is malformed, or no shipped profile has that name."""

    what = "invalid machine profile"


class TraceFormatError(SchedsimError):
    """A trace file cannot be read: bad JSON, wrong schema version, bad field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        where = file or "<trace>"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {message}")


class TracerError(SchedsimError):
    """The real tracer could not run the program (missing file, bad option)."""


class CalibrationError(SchedsimError):
    """Measuring the machine failed (the measuring interpreter did not finish)."""


class CompareError(SchedsimError):
    """Two traces cannot be compared (no common events, different programs)."""


class RenderError(SchedsimError):
    """A diagram cannot be drawn (unknown format, missing graphviz)."""
