"""Slide and paper sizes of the state diagram (issue 17): geometry measured on the drawn figure
with matplotlib's own text extents (no overlaps, everything inside the canvas, the smallest
text at least 14 px high when the slide PNG is shown 1920 px wide), on every shipped scenario
and on generated ones with long labels; the SVG keeps every state's and event's label as
``<text>``; the numbers of the proposal on the picture."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import scenario_data
from test_diagram import geometry_problems

from model.diagram import main
from model.render.draw import SIZES, Drawing, draw_diagram, drawing_bytes, renderer, style
from model.scenario.compiled import Scenario
from model.scenario.loader import load, load_text

SLIDE_PX = 1920  # the width a slide PNG is shown at
MIN_TEXT_PX = 14.0


def text_heights(drawing: Drawing, width_px: float = SLIDE_PX) -> list[tuple[float, str]]:
    """(height of one line in px, text) of every text on the figure shown ``width_px`` wide:
    the rendered extent's height over its number of lines."""
    fig = drawing.figure
    with style():
        fig.set_dpi(width_px / fig.get_figwidth())
        r = renderer(fig)
        out = []
        for t, item in drawing.texts:
            lines = t.get_text().count("\n") + 1
            out.append((t.get_window_extent(r).height / lines, item.text))
    return out


def svg_text(svg: bytes) -> str:
    """Every ``<text>`` element's text, in document order, as one line: the line breaks of a
    wrapped name (after an underscore or at a space) undone."""
    root = ET.fromstring(svg)
    parts = ["".join(el.itertext()).strip() for el in root.iter("{http://www.w3.org/2000/svg}text")]
    return re.sub(r"_ ", "_", " ".join(" ".join(parts).split()))


def shown_labels(scenario: Scenario) -> list[str]:
    """What the diagram must show: each state's label (an outcome state's: its outcome's)
    and each event's label."""
    labels = scenario.labels
    states = [
        labels.outcome(s.outcome) if s.outcome else labels.state(s.id) for s in scenario.spec.states
    ]
    return states + [labels.event(t.trigger) for t in scenario.transitions]


@pytest.fixture(scope="module")
def drawn() -> Callable[[Path, str], tuple[Scenario, Drawing]]:
    """Each shipped scenario drawn once per size in this module."""
    cache: dict[tuple[Path, str], tuple[Scenario, Drawing]] = {}

    def get(path: Path, size: str) -> tuple[Scenario, Drawing]:
        if (path, size) not in cache:
            scenario = load(path)
            cache[(path, size)] = (scenario, draw_diagram(scenario, size))
        return cache[(path, size)]

    return get


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_slides_are_legible_at_1920_px(drawn: Any, path: Path) -> None:
    _, drawing = drawn(path, "slide")
    fig = drawing.figure
    assert (fig.get_figwidth(), fig.get_figheight()) == (SIZES["slide"].width, 7.5)
    assert geometry_problems(drawing, dpi=SLIDE_PX / fig.get_figwidth()) == []
    smallest = min(text_heights(drawing))
    assert smallest[0] >= MIN_TEXT_PX, smallest


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_paper_figures_have_no_overlaps(drawn: Any, path: Path) -> None:
    _, drawing = drawn(path, "paper")
    assert geometry_problems(drawing, dpi=SIZES["paper"].dpi) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_svg_keeps_every_label_as_text(drawn: Any, path: Path) -> None:
    scenario, drawing = drawn(path, "slide")
    svg = drawing_bytes(drawing, "svg")
    root = ET.fromstring(svg)
    # No glyph drawn as a path (matplotlib's outlined text defines glyphs "DejaVuSans-61").
    assert not [el for el in root.iter() if el.get("id", "").startswith("DejaVu")]
    text = svg_text(svg)
    for label in shown_labels(scenario):
        assert " ".join(label.split()) in text, label
    # A font every machine has (it ships with matplotlib), then the generic family.
    assert "font-family: 'DejaVu Sans', sans-serif" in svg.decode()


WORDS = st.sampled_from(
    ["talks", "resume", "Israel", "accepts", "the", "framework", "release", "of", "all",
     "hostages", "withdrawal", "monitored", "return", "ceasefire", "extended", "OSCE",
     "verifies", "deadline", "missed", "north", "Gaza", "(point 6)", "day-by-day"]
)  # fmt: skip


@st.composite
def labelled_scenario_data(draw: st.DrawFn, **kwargs: Any) -> dict[str, Any]:
    """A generated scenario whose states and events may carry labels of up to 48 characters
    (unique per kind, one per event)."""
    data: dict[str, Any] = draw(scenario_data(**kwargs))

    def label(i: int) -> str:
        words = " ".join(draw(st.lists(WORDS, min_size=1, max_size=9)))
        return f"{words[:42].strip()} {i}"

    for i, s in enumerate(data["states"]):
        if draw(st.booleans()):
            s["label"] = label(i)
    events: dict[str, str | None] = {}
    for t in data["transitions"]:
        if t["trigger"] not in events:
            events[t["trigger"]] = label(len(events)) if draw(st.booleans()) else None
        if events[t["trigger"]] is not None:
            t["label"] = events[t["trigger"]]
    return data


@settings(max_examples=25)
@given(labelled_scenario_data(time=True), st.sampled_from(sorted(SIZES)))
def test_generated_diagrams_are_legible_at_each_size(data: dict[str, Any], size: str) -> None:
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    drawing = draw_diagram(scenario, size)
    fig = drawing.figure
    assert geometry_problems(drawing, dpi=SIZES[size].dpi) == []
    if size == "slide":
        smallest = min(text_heights(drawing))
        assert smallest[0] >= MIN_TEXT_PX, smallest
    text = svg_text(drawing_bytes(drawing, "svg"))
    for label in shown_labels(scenario):
        assert " ".join(label.split()) in text, label
    assert fig.get_figwidth() == SIZES[size].width


def test_the_numbers_of_the_proposal_are_on_the_diagram(drawn: Any) -> None:
    """Stage lengths in the lane headers, timings with the parameters' values on the edges,
    and the parameters that are terms (not weights) with their values in the caption."""
    _, drawing = drawn(ROOT / "scenarios" / "cairo_three_stage_truce.yaml", "slide")
    texts = [" ".join(t.get_text().split()) for t, _ in drawing.texts]
    joined = re.sub(r"_ ", "_", " ".join(texts))
    for header in ("· 42 days", "· 70 days"):
        assert any(header in t for t in texts), header
    assert "every 7 days" in joined and "2 in 1000 a day" in joined
    caption = " ".join(item.text for item in drawing.layout.caption)
    assert caption.startswith("Parameters (defaults):")
    assert "= 133" in caption and "= 11" in caption  # the people held, the batch size
    assert "weight" not in caption  # simulation settings are left out


def test_set_changes_the_numbers_and_what_never_happens(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "positions_and_three_stage_truce.yaml"
    scenario = load(path)
    lay = draw_diagram(scenario).layout
    assert any(e.line == "never" for e in lay.legend)  # both positions block the truce
    changed = draw_diagram(
        scenario, params={"israel_rules_out_ending_war": "false", "stage1_days": "60"}
    ).layout
    assert not any(r.never for r in changed.routes if r.edge.dest == "stage_1_in_force")
    assert any("· 60 days" in lane.header.text for lane in changed.lanes)
    assert changed.caption[0].text.startswith("Parameters (as set):")
    out = tmp_path / "x.svg"
    november = str(ROOT / "scenarios" / "november_truce.yaml")
    assert main([november, "--set", "early_end_chance=7", "-o", str(out)]) == 0
    assert "7 in 1000 a day" in svg_text(out.read_bytes())


@pytest.mark.parametrize(("size", "pixels"), [("slide", (1920, 1080)), ("paper", (1950, 2550))])
def test_png_size_and_resolution_are_as_stated(size: str, pixels: tuple[int, int]) -> None:
    import io

    from PIL import Image

    drawing = draw_diagram(load(ROOT / "scenarios" / "november_truce.yaml"), size)
    image = Image.open(io.BytesIO(drawing_bytes(drawing, "png")))
    assert image.size == pixels
    dpi = image.info["dpi"]
    assert round(dpi[0]) == SIZES[size].dpi


def test_a_self_loop_is_one_curve_on_the_top_of_its_state() -> None:
    lay = draw_diagram(load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")).layout
    loops = [r for r in lay.routes if r.loop]
    assert loops
    for route in loops:
        node = next(n for n in lay.nodes if n.node.id == route.edge.source)
        (x0, y0), c1, c2, (x1, y1) = route.points  # one cubic curve
        assert y0 == y1 == node.box.y0 and node.box.x0 < x1 < x0 < node.box.x1
        assert c1[1] < node.box.y0 and c2[1] < node.box.y0  # it rises above the box
        label = next(lab for lab in lay.labels if lab.edge == route.edge)
        top = node.box.y0 - 0.75 * (node.box.y0 - c1[1])  # the curve's highest point
        assert label.box.y1 < top  # the label sits above the loop
