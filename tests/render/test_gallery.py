"""The gallery: every scenario of the repository simulated and drawn."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PIL import Image

from schedsim.gallery import build

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_every_scenario_is_drawn_and_linked(tmp_path):
    page = tmp_path / "docs" / "gallery.md"
    gallery = build(SCENARIOS, tmp_path / "docs" / "img", page)
    scenarios = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert gallery.failures == [], gallery.failures
    assert sorted(e.file for e in gallery.entries) == scenarios
    text = page.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert links and all((page.parent / link).is_file() for link in links)
    for entry in gallery.entries:
        kinds = [d.kind for d in entry.diagrams]
        assert kinds[:2] == ["Gantt", "Topology"], entry.name
        assert f"## {entry.name}" in text
        for d in entry.diagrams:
            assert d.caption and d.caption in text
            assert d.path.stat().st_size > 3000
            with Image.open(d.path) as img:
                assert img.mode == "P"  # palette PNG: small enough to commit
    committed = SCENARIOS.parent / "docs" / "gallery.md"
    assert committed.read_text(encoding="utf-8") == text, \
        "docs/gallery.md is stale: rebuild it with 'python -m schedsim.gallery'"


def test_a_broken_scenario_is_listed_not_fatal(tmp_path):
    src = tmp_path / "scenarios"
    src.mkdir()
    shutil.copy(SCENARIOS / "baozi-coroutines.yaml", src)
    (src / "broken.yaml").write_text("schedsim: 1\nname: [unclosed\n", encoding="utf-8")
    gallery = build(src, tmp_path / "img", tmp_path / "gallery.md")
    assert [e.file for e in gallery.entries] == ["baozi-coroutines.yaml"]
    assert [f for f, _ in gallery.failures] == ["broken.yaml"]
    text = (tmp_path / "gallery.md").read_text(encoding="utf-8")
    assert "could not be drawn" in text and "`broken.yaml`" in text


def test_captions_speak_of_this_trace(baozi, two_threads):
    from schedsim.render import captions
    text = captions.gantt(baozi)
    assert text.startswith("When each of the 1 thread and 2 coroutines ran")
    # 24 switches of 1 µs in 5 s: 0.0005 % of the CPU
    assert "The CPU was busy under 0.01% of the time: the program mostly waits" in text
    assert captions.switches(baozi).startswith(
        "Who handed the CPU to whom: 24 switches (24 coroutine) costing 24 µs in total")
    topo = captions.topology(two_threads)
    assert "2 processes and 3 threads" in topo and "1 in-process channel" in topo
    assert captions.percent(0.37) == "37%" and captions.percent(1e-7) == "under 0.01%"
