"""State diagrams: geometry measured on the drawn figure (matplotlib's own text extents), on
every shipped scenario and on generated ones; the CLI; notebook display; import isolation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SCENARIOS
from hypothesis import given
from matplotlib.transforms import Bbox
from strategies import scenario_data

from model.diagram import main
from model.render.diagram_model import diagram_of
from model.render.draw import PNG_DPI, Drawing, draw_diagram, figure_bytes, renderer, style
from model.render.layout_items import wrap_name
from model.scenario.loader import load, load_text

TOL = 0.5  # pixels


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 - TOL and b.x0 < a.x1 - TOL and a.y0 < b.y1 - TOL and b.y0 < a.y1 - TOL


def _inside(inner: Bbox, outer: Bbox) -> bool:
    return (
        inner.x0 >= outer.x0 - TOL
        and inner.x1 <= outer.x1 + TOL
        and inner.y0 >= outer.y0 - TOL
        and inner.y1 <= outer.y1 + TOL
    )


def geometry_problems(drawing: Drawing, dpi: float = PNG_DPI) -> list[str]:
    """Everything that breaks the diagram's guarantees, measured at ``dpi`` on the figure."""
    fig = drawing.figure
    problems = []
    with style():
        fig.set_dpi(dpi)
        r = renderer(fig)
        page = fig.bbox
        nodes = {k: p.get_window_extent(r) for k, p in drawing.node_patches.items()}
        labels = [p.get_window_extent(r) for p in drawing.label_patches]
        texts = [(t.get_window_extent(r), item) for t, item in drawing.texts]
    names = list(nodes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if _overlap(nodes[a], nodes[b]):
                problems.append(f"state boxes {a} and {b} overlap")
    for i, lab in enumerate(labels):
        for other in labels[i + 1 :]:
            if _overlap(lab, other):
                problems.append(f"label boxes overlap: {lab} {other}")
        for name, box in nodes.items():
            if _overlap(lab, box):
                problems.append(f"a label box overlaps state {name}")
    for box in [*nodes.values(), *labels]:
        if not _inside(box, page):
            problems.append(f"a box leaves the figure: {box}")
    for i, (bb, item) in enumerate(texts):
        if not _inside(bb, page):
            problems.append(f"text {item.text!r} leaves the figure")
        if item.role in ("state", "outcome_state"):
            if not any(_inside(bb, box) for box in nodes.values()):
                problems.append(f"state text {item.text!r} is not inside a box")
        else:
            for name, box in nodes.items():
                if _overlap(bb, box):
                    problems.append(f"text {item.text!r} overlaps state {name}")
            if item.role == "edge":
                if not any(_inside(bb, lab) for lab in labels):
                    problems.append(f"edge text {item.text!r} is not inside its label box")
            elif any(_overlap(bb, lab) for lab in labels):
                problems.append(f"text {item.text!r} overlaps a label box")
        for bb2, item2 in texts[i + 1 :]:
            if _overlap(bb, bb2):
                problems.append(f"texts {item.text!r} and {item2.text!r} overlap")
    return problems


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_diagrams_have_no_overlaps(path: Path) -> None:
    scenario = load(path)
    drawing = draw_diagram(scenario)
    assert geometry_problems(drawing) == []
    assert geometry_problems(drawing, dpi=72) == []
    # Every state and every transition (per source) is drawn, and nothing else.
    assert {n.node.id for n in drawing.layout.nodes} == {s.id for s in scenario.spec.states}
    drawn = sorted(
        (lab.edge.source, lab.edge.dest, line.event.name)
        for lab in drawing.layout.labels
        for line in lab.lines
    )
    declared = sorted((s, t.dest, t.name) for t in scenario.transitions for s in t.sources)
    assert drawn == declared
    # The Sugiyama ordering leaves no crossings in the shipped scenarios.
    assert drawing.layout.crossings == 0


@given(scenario_data())
def test_generated_diagrams_have_no_overlaps(data: dict[str, object]) -> None:
    scenario = load_text(yaml.safe_dump(data), base_dir=ROOT / "scenarios")
    drawing = draw_diagram(scenario)
    assert geometry_problems(drawing) == []
    labelled = sum(len(lab.lines) for lab in drawing.layout.labels)
    assert labelled == sum(len(t.sources) for t in scenario.transitions)


def test_lanes_follow_the_stage_order_and_outcomes_come_last() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    lay = draw_diagram(scenario).layout
    # In reading order (rows of lanes top to bottom, each left to right).
    headers = [((lane.band.y0, lane.band.x0), lane.header.text) for lane in lay.lanes]
    # Each stage's label, then its length under the default parameters (stage1_days = 42).
    assert [h.split(" · ")[0] for _, h in sorted(headers)] == [
        *(scenario.labels.stage(s.id) for s in scenario.spec.stages),
        "Outcomes",
    ]
    assert f"{scenario.labels.stage('stage_1')} · 42 days" in [h for _, h in headers]
    outcome_lane = next(lane for lane in lay.lanes if lane.is_outcomes)
    for node in lay.nodes:
        lane = next(lane for lane in lay.lanes if lane.band.contains(node.box))
        assert lane.is_outcomes == bool(node.node.outcome)
        if node.node.outcome:  # labelled by the outcome's label
            shown = node.texts[0].text.replace("_\n", "_").replace("\n", " ")
            assert shown == scenario.labels.outcome(node.node.outcome)
    reading = [(lane.band.y0, lane.band.x0) for lane in lay.lanes]
    assert (outcome_lane.band.y0, outcome_lane.band.x0) == max(reading)


def test_self_loops_and_parallel_events_share_one_stacked_label() -> None:
    scenario = load(ROOT / "scenarios" / "cairo_three_stage_truce.yaml")
    diagram = diagram_of(scenario)
    loop = next(e for e in diagram.edges if e.source == e.dest == "stage_1_in_force")
    assert {ev.event for ev in loop.events} == {
        "release_batch_from_gaza",
        "release_batch_from_prisons",
        "deploy_monitoring_force",
        "return_begins_under_monitoring",
    }
    parallel = next(
        e for e in diagram.edges if (e.source, e.dest) == ("negotiating", "no_agreement")
    )
    assert [(ev.actor, ev.event) for ev in parallel.events] == [
        ("israel", "israel_leaves_talks"),
        ("hamas", "hamas_leaves_talks"),
    ]
    lay = draw_diagram(diagram).layout
    label = next(lab for lab in lay.labels if lab.edge == loop)
    node = next(n for n in lay.nodes if n.node.id == "stage_1_in_force")
    assert label.box.y1 < node.box.y0  # the loop's label sits above its state
    route = next(r for r in lay.routes if r.edge == loop)
    assert route.loop and route.points[0][1] == route.points[-1][1] == node.box.y0


def test_opposite_edges_are_drawn_apart() -> None:
    lay = draw_diagram(load(ROOT / "scenarios" / "cairo_talks_process.yaml")).layout
    there = next(
        r
        for r in lay.routes
        if (r.edge.source, r.edge.dest) == ("round_in_cairo", "consultations_pending")
    )
    back = next(
        r
        for r in lay.routes
        if (r.edge.source, r.edge.dest) == ("consultations_pending", "round_in_cairo")
    )
    assert there.points[0] != back.points[-1] and there.points[-1] != back.points[0]


def test_wrap_name_breaks_after_underscores() -> None:
    assert wrap_name("short") == ["short"]
    assert wrap_name("return_monitored_and_deployments_pulled_back") == [
        "return_monitored_and_",
        "deployments_pulled_",
        "back",
    ] or all(len(line) <= 28 for line in wrap_name("return_monitored_and_deployments_pulled_back"))
    assert "".join(wrap_name("israel_ends_truce", 14)) == "israel_ends_truce"


def test_files_are_deterministic_and_carry_no_dates() -> None:
    scenario = load(ROOT / "scenarios" / "november_truce.yaml")
    for fmt in ("svg", "png", "pdf"):
        first = figure_bytes(draw_diagram(scenario).figure, fmt)
        assert first == figure_bytes(draw_diagram(scenario).figure, fmt)
    svg = figure_bytes(draw_diagram(scenario).figure, "svg").decode()
    assert "<dc:date>" not in svg


def test_cli_writes_png_and_svg_next_to_a_stem_without_extension(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "hostage_prisoner_exchange.yaml"
    assert main([str(path), "-o", str(tmp_path / "ex")]) == 0
    assert (tmp_path / "ex.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "ex.svg").read_text().lstrip().startswith("<?xml")
    assert main([str(path), "-o", str(tmp_path / "ex"), "--format", "pdf"]) == 0
    assert (tmp_path / "ex.pdf").read_bytes()[:5] == b"%PDF-"
    assert main([str(path), "--timeline", "--seed", "3", "-o", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run.png").exists() and (tmp_path / "run.svg").exists()


def test_an_extension_names_the_one_format_written(tmp_path: Path) -> None:
    path = ROOT / "scenarios" / "november_truce.yaml"
    for name in ("x.png", "x.svg", "x.pdf", "x.mmd"):
        before = set(tmp_path.iterdir())
        assert main([str(path), "-o", str(tmp_path / name)]) == 0
        assert set(tmp_path.iterdir()) - before == {tmp_path / name}
    assert (tmp_path / "x.mmd").read_text().startswith("stateDiagram-v2\n")
    # An unknown extension is part of the stem; --format lists the formats next to it.
    assert main([str(path), "-o", str(tmp_path / "y.v2"), "--format", "svg"]) == 0
    assert (
        main([str(path), "-o", str(tmp_path / "z.svg"), "--format", "svg", "--format", "pdf"]) == 0
    )
    assert {p.name for p in tmp_path.iterdir()} == {
        "x.png",
        "x.svg",
        "x.pdf",
        "x.mmd",
        "y.v2.svg",
        "z.svg",
        "z.pdf",
    }


@pytest.mark.parametrize(
    ("args", "existing"),
    [(["-o", "x.svg"], "x.svg"), (["-o", "x"], "x.png"), (["--timeline", "-o", "r.png"], "r.png")],
)
def test_refusing_to_overwrite_is_one_line_naming_the_file_and_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], existing: str
) -> None:
    path = str(ROOT / "scenarios" / "november_truce.yaml")
    target = tmp_path / existing
    target.write_bytes(b"keep")
    args = [a if a.startswith("-") else str(tmp_path / a) for a in args]
    assert main([path, *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(target) in err and "--force" in err
    assert "usage" not in err
    assert target.read_bytes() == b"keep"
    assert main([path, *args, "--force"]) == 0
    assert target.read_bytes() != b"keep"


def test_an_extension_other_than_the_format_asked_for_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(ROOT / "scenarios" / "november_truce.yaml")
    assert main([path, "-o", str(tmp_path / "x.png"), "--format", "svg"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.png" in err and "--format" in err
    assert list(tmp_path.iterdir()) == []


def test_cli_prints_mermaid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(ROOT / "scenarios" / "november_truce.yaml"), "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("stateDiagram-v2\n")


def test_cli_reports_invalid_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n")
    assert main([str(bad)]) == 2
    assert "problem" in capsys.readouterr().err


def test_scenario_shows_its_diagram_in_a_notebook() -> None:
    scenario = load(ROOT / "scenarios" / "november_truce.yaml")
    svg = scenario._repr_svg_()
    assert svg is not None and svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_without_a_registered_renderer_a_notebook_shows_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The scenario sits below the renderers: it asks model.base.display, which the package
    # wires to model.render; with nothing registered Jupyter gets None and shows the repr.
    from model.base import display

    monkeypatch.setattr(display, "_RENDERERS", {})
    assert load(ROOT / "scenarios" / "november_truce.yaml")._repr_svg_() is None


def test_simulate_does_not_import_matplotlib() -> None:
    code = (
        "import sys, runpy\n"
        "sys.argv = ['model.simulate', '--help']\n"
        "try:\n    runpy.run_module('model.simulate', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib was imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stderr


def test_the_geometry_check_finds_overlaps() -> None:
    drawing = draw_diagram(load(ROOT / "scenarios" / "november_truce.yaml"))
    a, b = list(drawing.node_patches.values())[:2]
    b.set_x(a.get_x() + 2)
    b.set_y(a.get_y() + 2)
    text, _ = drawing.texts[0]
    text.set_position((-50, -50))
    problems = geometry_problems(drawing)
    assert any("overlap" in p for p in problems)
    assert any("leaves the figure" in p for p in problems)
