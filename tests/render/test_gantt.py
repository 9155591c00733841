"""The Gantt renderer: formats, page sizes, lanes, states, emits, arrows, CJK glyphs."""

from __future__ import annotations

import re
import struct
import zlib
import xml.etree.ElementTree as ET

import pytest

from schedsim.errors import RenderError
from schedsim.render import render_gantt
from schedsim.trace import links

SVG_NS = "{http://www.w3.org/2000/svg}"


def svg_ids(path) -> set[str]:
    return {el.get("id") for el in ET.parse(path).iter() if el.get("id")}


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def pdf_unicode_chars(path) -> set[str]:
    """Characters the PDF's embedded fonts map to (their ToUnicode CMaps)."""
    data = path.read_bytes()
    chars: set[str] = set()
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            text = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", text, re.S):
            for lo, _, targets in re.findall(rb"<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*\[([^\]]*)\]",
                                             block, re.I):
                chars |= {chr(int(h, 16)) for h in re.findall(rb"<([0-9a-f]+)>", targets, re.I)}
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            chars |= {chr(int(h, 16)) for h in re.findall(rb"<[0-9a-f]+>\s*<([0-9a-f]+)>",
                                                         block, re.I)}
    return chars


def test_lanes_group_process_thread_coroutine(baozi, two_threads):
    from schedsim.render.lanes import layout
    lanes = layout(baozi)
    assert [(l.label, l.depth, l.header) for l in lanes] == [
        ("main / main", 0, False), ("c1", 1, False), ("c2", 1, False)]
    lanes = layout(two_threads, [0, 1])
    assert [(l.label, l.depth, l.group) for l in lanes] == [
        ("CPU 0", 0, False), ("CPU 1", 0, False), ("app (process)", 0, True),
        ("worker-a", 1, False), ("worker-b", 1, False), ("child / main", 0, True)]
    tops = [l.top for l in lanes]
    assert tops == sorted(tops) and lanes[2].header


def test_unknown_extension_is_a_render_error(baozi, tmp_path):
    with pytest.raises(RenderError, match=r"\.jpg.*use \.svg, \.png or \.pdf"):
        render_gantt(baozi, tmp_path / "out.jpg")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("aspect,size", [("16:9", (2000, 1125)), ("4:3", (1500, 1125))])
def test_png_is_slide_sized(baozi, tmp_path, aspect, size):
    out = render_gantt(baozi, tmp_path / "g.png", aspect=aspect)
    assert out == tmp_path / "g.png"
    assert png_size(out) == size


def test_svg_has_a_lane_per_unit_states_emits_and_arrows(baozi, tmp_path):
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg"))
    assert {f"t0-lane-{u}" for u in (1, 2, 3)} <= ids
    assert "t0-lane-0" not in ids  # the one-thread process shares its thread's lane
    for unit, state in [(1, "blocked"), (1, "running"), (2, "suspended"), (3, "switching")]:
        assert f"t0-state-{unit}-{state}" in ids
    emits = baozi.indices("emit")
    assert {f"t0-emit-{i}" for i in emits} <= ids
    # every emit keeps a visible label at full view (staggered, not dropped)
    assert {f"t0-label-{i}-0" for i in emits} <= ids
    sends = {(l.src, baozi[l.dst].unit) for l in links(baozi)}
    assert {f"t0-send-{s}-{u}" for s, u in sends} <= ids
    assert "t0-hairline-switching" in ids  # 1 µs switches over 5 s are thinner than a pixel


def test_ansi_colour_span_becomes_its_own_text_run(baozi, tmp_path):
    root = ET.parse(render_gantt(baozi, tmp_path / "g.svg")).getroot()
    producer = baozi.indices("emit")[2]
    runs = {el.get("id"): el for el in root.iter() if el.get("id", "").startswith(
        f"t0-label-{producer}-")}
    assert sorted(runs) == [f"t0-label-{producer}-0", f"t0-label-{producer}-1"]
    first = ET.tostring(runs[f"t0-label-{producer}-0"]).decode()
    assert "#2e7d32" in first  # ANSI 32 (green) in the light theme


@pytest.mark.parametrize("ext", ["svg", "png"])
def test_output_is_deterministic(baozi, tmp_path, ext):
    a = render_gantt(baozi, tmp_path / f"a.{ext}").read_bytes()
    b = render_gantt(baozi, tmp_path / f"b.{ext}").read_bytes()
    assert a == b
    assert b"<dc:date>" not in a and b"Software" not in a


def test_chinese_glyphs_come_from_a_cjk_font_in_svg(baozi, tmp_path):
    from schedsim.render.fonts import cjk_family
    family = cjk_family()
    if family is None:
        pytest.skip("no CJK font installed")
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg"))
    assert any(i.startswith(family.replace(" ", "")) for i in ids)


def test_pdf_embeds_truetype_cjk_glyphs(baozi, tmp_path):
    from schedsim.render.fonts import cjk_family
    if cjk_family() is None:
        pytest.skip("no CJK font installed")
    out = render_gantt(baozi, tmp_path / "g.pdf")
    data = out.read_bytes()
    assert b"/FontFile2" in data  # TrueType embedding (pdf.fonttype 42), not Type 3
    chars = pdf_unicode_chars(out)
    for label in ("做好了新包子", "正在吃包子", "准备开始"):
        assert set(label) <= chars, set(label) - chars


def test_pdf_is_deterministic(baozi, tmp_path):
    a = render_gantt(baozi, tmp_path / "a.pdf").read_bytes()
    b = render_gantt(baozi, tmp_path / "b.pdf").read_bytes()
    assert a == b


def test_against_draws_both_traces_titled_by_source(baozi, baozi_real, tmp_path):
    out = render_gantt(baozi, tmp_path / "g.svg", against=baozi_real)
    ids = svg_ids(out)
    assert {"t0-lane-1", "t1-lane-1"} <= ids
    assert {f"t1-emit-{i}" for i in baozi_real.indices("emit")} <= ids


def test_against_shares_a_model_time_axis(baozi, baozi_real):
    from schedsim.render.canvas import new_figure, styled
    from schedsim.render.gantt import draw_stack
    from schedsim.render.style import LIGHT
    with styled(LIGHT):
        fig, measure = new_figure("16:9")
        sim, real = draw_stack(fig, measure, [baozi, baozi_real], LIGHT, window=None, title=None)
    assert sim.ax.get_xlim() == real.ax.get_xlim()
    assert sim.ax.get_title(loc="left") == "sim: scenarios/baozi-coroutines.yaml"
    assert real.ax.get_title(loc="left").startswith("real: examples/baozi/coroutines.py")
    # the real run slept 0.01 s per bun; in model time its buns line up with the sim's
    for i_sim, i_real in zip(baozi.indices("emit"), baozi_real.indices("emit")):
        assert sim.emits[i_sim][0] == pytest.approx(real.emits[i_real][0], abs=1e-3)


def test_window_limits_what_is_drawn(baozi, tmp_path):
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg", window=("0.9s", "1.1s")))
    emits = baozi.indices("emit")
    inside = [i for i in emits if 0.9e9 <= baozi[i].t <= 1.1e9]
    assert inside and {f"t0-emit-{i}" for i in inside} <= ids
    assert not {f"t0-emit-{i}" for i in emits if i not in inside} & ids
    # zoomed in to 30 µs, a 1 µs switch is a bar of its own width, not a hairline
    ids = svg_ids(render_gantt(baozi, tmp_path / "z.svg", window="0.99999s:1.00002s"))
    assert "t0-hairline-switching" not in ids
    assert "t0-state-2-switching" in ids


def test_bad_window_and_theme_and_aspect_are_render_errors(baozi, tmp_path):
    with pytest.raises(RenderError, match="window end"):
        render_gantt(baozi, tmp_path / "g.svg", window=("2s", "1s"))
    with pytest.raises(RenderError, match="theme"):
        render_gantt(baozi, tmp_path / "g.svg", theme="neon")
    with pytest.raises(RenderError, match="aspect"):
        render_gantt(baozi, tmp_path / "g.svg", aspect="21:9")
    with pytest.raises(RenderError, match="against"):
        render_gantt(baozi, tmp_path / "g.svg", matches=[(1, 2)])


def test_divergent_labels_are_marked(baozi, tmp_path):
    bad = "[c2] 正在吃包子 3"
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg", divergent={bad}))
    index = next(i for i in baozi.indices("emit") if baozi[i].label == bad)
    assert f"t0-divergent-{index}" in ids and f"t0-emit-{index}" not in ids


def test_dark_theme_paints_a_dark_page(two_threads, tmp_path):
    text = render_gantt(two_threads, tmp_path / "g.svg", theme="dark").read_text()
    assert "#16181d" in text
    assert "t0-state-2-gil_wait" in text


def test_empty_trace_still_renders(tmp_path):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="sim"))
    tr.new_unit("process", "p")
    out = render_gantt(tr, tmp_path / "g.png")
    assert png_size(out) == (2000, 1125)


def test_cpu_lanes_show_who_ran_and_switch_slivers(two_threads, tmp_path):
    ids = svg_ids(render_gantt(two_threads, tmp_path / "g.svg", cpus=True))
    assert {"t0-cpu-0", "t0-cpu-1", "t0-cpu-0-running", "t0-cpu-0-switching",
            "t0-cpu-1-switching", "t0-cpu-1-running"} <= ids
    assert "t0-state-2-gil_wait" in ids  # GIL wait stays a state of its own on the unit lane


def test_cpu_lanes_need_cpu_numbers(tmp_path):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="real"))
    th = tr.new_unit("thread", "t", tr.new_unit("process", "p").id).id
    tr.append(0, th, "run")
    tr.append(5, th, "exit")
    with pytest.raises(RenderError, match="CPU numbers"):
        render_gantt(tr, tmp_path / "g.svg", cpus=True)


def test_matched_emits_are_joined_across_the_two_traces(baozi, baozi_real, tmp_path):
    pairs = list(zip(baozi.indices("emit"), baozi_real.indices("emit")))
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg", against=baozi_real, matches=pairs[:5],
                               divergent={"[c2] 正在吃包子 5"}))
    assert {f"match-{a}-{b}" for a, b in pairs[:5]} <= ids
    assert not {f"match-{a}-{b}" for a, b in pairs[5:]} & ids
    last_sim, last_real = pairs[-1]
    assert f"t0-divergent-{last_sim}" in ids and f"t1-divergent-{last_real}" in ids


def test_describe_names_the_source_shortly(baozi, baozi_real):
    import os
    from schedsim.render import describe
    assert describe(baozi) == "sim: scenarios/baozi-coroutines.yaml"
    baozi_real.header.producer = {"program": os.path.abspath("examples/baozi/coroutines.py")}
    assert describe(baozi_real) == ("real: examples/baozi/coroutines.py, sleeps ×0.01 shown "
                                    "in model time")


def test_cpu_lane_names_are_unambiguous(two_threads, baozi):
    assert two_threads.short_names() == ["app", "worker-a", "worker-b", "child", "main"]
    assert baozi.short_names() == ["main", "main", "c1", "c2"]
    two_threads.new_unit("thread", "main", 0)  # a second 'main' thread, in app
    assert two_threads.short_names()[-2:] == ["child/main", "app/main"]


def test_switch_bursts_get_a_hairline_on_cpu_lanes_too(baozi, tmp_path):
    ids = svg_ids(render_gantt(baozi, tmp_path / "g.svg", cpus=True))
    assert {"t0-cpu-0-hairline", "t0-hairline-switching"} <= ids
    root = ET.parse(tmp_path / "g.svg").getroot()
    hair = next(el for el in root.iter() if el.get("id") == "t0-cpu-0-hairline")
    # 6 bursts of 4 switches (the primes, then each bun): one hairline each
    assert len([p for p in hair.iter() if p.tag == f"{SVG_NS}path"]) == 6


def test_dense_switch_slivers_get_no_hairlines(tmp_path):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="sim"))
    th = tr.new_unit("thread", "t", tr.new_unit("process", "p").id).id
    for k in range(400):  # a 1 µs switch every 3 µs: a dense texture, not 400 lines
        tr.append(3000 * k, th, "switch", level="thread", cost=1000, cpu=0)
        tr.append(3000 * k + 1000, th, "run", cpu=0)
    tr.append(10_000_000, th, "switch", level="thread", cost=1000, cpu=0)  # alone
    tr.append(10_001_000, th, "run", cpu=0)
    tr.append(12_000_000, th, "exit")
    ids = svg_ids(render_gantt(tr, tmp_path / "g.svg", cpus=True))
    assert "t0-hairline-switching" in ids and "t0-cpu-0-hairline" in ids
    root = ET.parse(tmp_path / "g.svg").getroot()
    hair = next(el for el in root.iter() if el.get("id") == "t0-hairline-switching")
    assert len([p for p in hair.iter() if p.tag == f"{SVG_NS}path"]) == 1  # only the lone one


def test_dollar_signs_and_long_labels_are_plain_text(tmp_path):
    from schedsim.trace import Header, Trace
    tr = Trace(Header(source="sim", producer={"program": "$HOME/a_b^c.py"}))
    th = tr.new_unit("thread", "w$1", tr.new_unit("process", "p").id).id
    tr.append(0, th, "run", cpu=0)
    tr.append(10, th, "emit", label="paid $\\foo{5}$ for x^2_i " + "very long " * 30)
    tr.append(20, th, "exit")
    out = render_gantt(tr, tmp_path / "g.png")  # mathtext would raise or mangle these
    assert png_size(out) == (2000, 1125)
