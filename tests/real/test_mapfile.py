"""The raw log's file: records through a shared map, safe against a kill."""

import os

from schedsim.real import mapfile
from schedsim.real.mapfile import INITIAL_SIZE, LENGTH, MappedFile, records


def test_records_round_trip_and_close_trims_the_zeros(tmp_path):
    path = str(tmp_path / "r.bin")
    f = MappedFile(path)
    data = [b"header", b"x" * 1000, b"last"]
    for d in data:
        f.append(d)
    assert os.path.getsize(path) == INITIAL_SIZE          # preallocated while open
    with open(path, "rb") as fh:
        assert list(records(fh.read())) == data           # readable before close (a kill)
    f.close()
    assert os.path.getsize(path) == sum(LENGTH.size + len(d) for d in data)
    with open(path, "rb") as fh:
        assert list(records(fh.read())) == data


def test_the_file_grows_past_its_first_size(tmp_path):
    path = str(tmp_path / "r.bin")
    f = MappedFile(path)
    big = [bytes([i]) * (INITIAL_SIZE // 3) for i in range(1, 8)]
    for d in big:
        f.append(d)
    f.close()
    with open(path, "rb") as fh:
        assert list(records(fh.read())) == big


def test_a_record_cut_short_ends_the_file():
    """The length is stored after the bytes: a kill between the two leaves a zero
    length, which reads as the end; a length beyond the data too."""
    whole = LENGTH.pack(3) + b"abc"
    assert list(records(whole + LENGTH.pack(0) + b"half")) == [b"abc"]
    assert list(records(whole + LENGTH.pack(99) + b"short")) == [b"abc"]


def test_a_descriptor_reused_by_the_program_is_left_alone(tmp_path):
    """If the program closes the log's descriptor and opens its own file under the same
    number, closing the log must not truncate (or close) the program's file."""
    f = MappedFile(str(tmp_path / "r.bin"))
    f.append(b"header")
    fd = f.fileno()
    os.close(fd)  # what a program closing every descriptor it did not open does
    mine = tmp_path / "users.txt"
    mine.write_text("precious")
    reused = os.open(mine, os.O_RDWR)
    try:
        assert reused == fd
        f.close()
        assert mine.read_text() == "precious"
        os.fstat(reused)  # still open
    finally:
        os.close(reused)



def test_raw_files_go_to_the_chosen_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("SCHEDSIM_RAW_DIR", str(tmp_path))
    assert mapfile.memory_dir() == str(tmp_path)
    monkeypatch.delenv("SCHEDSIM_RAW_DIR")
    monkeypatch.setattr(mapfile, "MEMORY_DIR", str(tmp_path / "absent"))
    assert mapfile.memory_dir() is None      # no memory directory: the system's temp dir
    monkeypatch.setattr(mapfile, "MEMORY_DIR", str(tmp_path))
    assert mapfile.memory_dir() == str(tmp_path)


def test_the_map_is_backed_before_the_first_write(tmp_path):
    f = mapfile.MappedFile(str(tmp_path / "raw.bin"))
    # blocks allocated up front: a write into the map cannot fault for a new block
    assert os.stat(tmp_path / "raw.bin").st_blocks * 512 >= mapfile.INITIAL_SIZE
    f.close()
