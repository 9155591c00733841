"""docs/scenarios.md documents every operation, every key and every cost."""

from pathlib import Path

from schedsim.profile import COSTS
from schedsim.scenario import DOCUMENT, OPS
from schedsim.scenario.document import MACHINE, PROCESS, REAL, THREAD

DOC = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text("utf-8")


def test_every_operation_has_a_row():
    for name in OPS:
        assert f"| `{name}`" in DOC or f"`{name}` /" in DOC or f"/ `{name}`" in DOC, name


def test_every_key_is_documented():
    thread_map = THREAD.alternatives[1]
    for schema in (DOCUMENT, MACHINE, PROCESS, REAL, thread_map):
        for key in schema.fields:
            assert f"`{key}`" in DOC, key


def test_every_cost_is_documented():
    for name in COSTS:
        assert f"`{name}`" in DOC, name
