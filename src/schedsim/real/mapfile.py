"""An append-only file of length-prefixed records, written through a shared map.

The raw log must survive SIGKILL.  With ``write`` each write-out is a
system call on the program's own time (~30 µs on a CPU that has just
idled).  Here a record is copied into a
``MAP_SHARED`` mapping of the file instead: the copy is in the page cache
at once, so it survives the process being killed, and no system call is
made until the file must grow.  The file's blocks are allocated and its pages
mapped in up front (``posix_fallocate``, ``MAP_POPULATE``), so a write does
not take a page fault on the program's time either (10–30 µs each on ext4);
:func:`memory_dir` picks a directory in memory (``/dev/shm``) for the files.

Two writers make such files.  :class:`MappedFile` (Python) appends whole
records: the tracer buffers events in a list and writes them out in chunks
at each printed line, before each sleep and when the list fills.  The
compiled ``MapWriter`` of ``mapwriter.c`` (:func:`direct_writer`) also puts
each event into the file the moment it is recorded, so no write-out is ever
needed and a SIGKILL loses nothing.

Layout: records of an 8-byte little-endian length and that many bytes.
The length is stored after the bytes, so a record cut short by a kill reads
as a zero length, which ends the file (the unused tail of the file is zeros;
:meth:`MappedFile.close` trims it).
"""

from __future__ import annotations

import mmap
import os
import struct
from typing import Iterator

try:
    from . import _mapwriter
except ImportError:  # not built: MappedFile, and events buffered in Python
    _mapwriter = None

LENGTH = struct.Struct("<Q")
INITIAL_SIZE = 1 << 16   # grows by doubling (small: a fresh child maps it in)
#: environment variable: "python" forces the pure-Python writer (the default, "auto",
#: writes each event straight into the map when the compiled writer is built)
ENV_WRITER = "SCHEDSIM_WRITER"
#: where raw files go unless ``SCHEDSIM_RAW_DIR`` says otherwise (when usable)
MEMORY_DIR = "/dev/shm"


def memory_dir() -> str | None:
    """A directory for raw files: ``$SCHEDSIM_RAW_DIR``, else ``/dev/shm`` when it
    is writable, else None (the system's temporary directory)."""
    chosen = os.environ.get("SCHEDSIM_RAW_DIR")
    if chosen:
        return chosen
    if os.path.isdir(MEMORY_DIR) and os.access(MEMORY_DIR, os.W_OK | os.X_OK):
        return MEMORY_DIR
    return None


def direct_writer():
    """A compiled ``MapWriter`` (``mapwriter.c``) that writes each event into the
    file as it is recorded, or None: not built, or ``SCHEDSIM_WRITER=python``."""
    if _mapwriter is None or os.environ.get(ENV_WRITER, "auto").strip().lower() == "python":
        return None
    return _mapwriter.MapWriter()


def create(path: str) -> int:
    """A descriptor of a new file at ``path`` (which must not exist)."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)


def _mapped(fd: int, size: int) -> mmap.mmap:
    """A shared map of the first ``size`` bytes of ``fd``, backed and faulted in."""
    os.ftruncate(fd, size)
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError:    # a file system without fallocate: pages are allocated on first write
        pass
    flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
    return mmap.mmap(fd, size, flags=flags)


class MappedFile:
    """A new file at ``path`` (which must not exist) to append records to."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = create(path)
        st = os.fstat(self._fd)
        self._identity = (st.st_dev, st.st_ino)
        self._map = _mapped(self._fd, INITIAL_SIZE)
        # invariant: bytes [0, _end) hold whole records; the rest of the map is zeros
        self._end = 0

    def append(self, data: bytes) -> None:
        """Add one record (its bytes first, then its length)."""
        start = self._end + LENGTH.size
        end = start + len(data)
        if end + LENGTH.size > len(self._map):   # room for the terminating zero length
            self._grow(end + LENGTH.size)
        self._map[start:end] = data
        LENGTH.pack_into(self._map, self._end, len(data))
        self._end = end

    def fileno(self) -> int:
        """The file's descriptor."""
        return self._fd

    def _ours(self) -> bool:
        """Whether our descriptor still is our file: a program may close descriptors
        it does not know and open its own files under the same numbers."""
        try:
            st = os.fstat(self._fd)
        except OSError:
            return False
        return (st.st_dev, st.st_ino) == self._identity

    def _grow(self, need: int) -> None:
        if not self._ours():
            raise OSError(f"{self.path}: the traced program closed the raw log's descriptor")
        size = len(self._map)
        while size < need:
            size *= 2
        bigger = _mapped(self._fd, size)
        self._map.close()
        self._map = bigger

    def close(self) -> None:
        """Unmap, trim the zeros after the last record and close the file (when the
        descriptor still is ours; else the zeros stay, which readers skip)."""
        self._map.close()
        if self._ours():
            os.ftruncate(self._fd, self._end)
            os.close(self._fd)

    def forget(self) -> None:
        """In a forked child: drop the inherited map and descriptor (the parent's
        file stays as it is)."""
        self._map.close()
        if self._ours():
            os.close(self._fd)


def records(data: bytes) -> Iterator[bytes]:
    """The records of a file's ``data``: up to its end, a zero length or a cut-off one."""
    pos, size = 0, LENGTH.size
    while pos + size <= len(data):
        (length,) = LENGTH.unpack_from(data, pos)
        end = pos + size + length
        if length == 0 or end > len(data):
            return
        yield data[pos + size:end]
        pos = end
