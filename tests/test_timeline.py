"""Run timelines: stage bands, events by actor, tracked integer variables; CLI; notebooks."""

from __future__ import annotations

import itertools
from pathlib import Path

from conftest import ROOT

from model.render.draw import figure_bytes
from model.render.timeline import draw_timeline, play, stage_bands
from model.render.timeline_layout import tracked_variables
from model.scenario.compiled import DAYS
from model.scenario.loader import load
from model.semantics.engine import Run
from model.timeline import main

TRUCE = ROOT / "scenarios" / "cairo_three_stage_truce.yaml"


def test_bands_follow_the_stages_the_run_went_through() -> None:
    run = play(load(TRUCE), seed=15)
    bands = stage_bands(run)
    assert [b.name for b in bands] == ["Talks", "Stage 1", "Stage 2", "Stage 3", "outcome"]
    assert bands[0].start == 0 and bands[-1].outcome
    assert all(a.end == b.start for a, b in itertools.pairwise(bands))
    assert bands[-1].end == run.day


def test_tracked_variables_are_the_integers_that_change() -> None:
    run = play(load(TRUCE), seed=15)
    tracked = tracked_variables(run)
    assert "held_in_gaza" in tracked and "released_from_prisons" in tracked
    assert "israel_accepts" not in tracked  # a boolean


def test_timeline_marks_every_event_with_its_actor() -> None:
    run = play(load(TRUCE), seed=15)
    fig = draw_timeline(run)
    events_axis = fig.axes[0]
    labels = [t.get_text() for t in events_axis.get_yticklabels()]
    assert set(labels) == {s.event.actor for s in run.history}
    markers = [
        line for line in events_axis.get_lines() if line.get_marker() not in ("None", None, "")
    ]
    # one marker per event; days passing with nothing happening are not events
    assert len(markers) == len([s for s in run.history if s.event.index != DAYS])
    # the series, by id, on the panels below the events (one panel per unit)
    lines = [line.get_gid() for ax in fig.axes[1:] for line in ax.get_lines()]
    assert {"held_in_gaza", "released_from_prisons"} <= set(lines)


def test_timeline_is_deterministic() -> None:
    scenario = load(ROOT / "scenarios" / "november_truce.yaml")
    a = figure_bytes(draw_timeline(play(scenario, seed=2)), "svg")
    b = figure_bytes(draw_timeline(play(scenario, seed=2)), "svg")
    assert a == b


def test_a_run_without_steps_or_integers_still_draws() -> None:
    run = Run(load(ROOT / "scenarios" / "hamas_position.yaml"))
    assert "<svg" in run._repr_svg_()  # notebook display of an unfinished run
    run.play(seed=1)
    assert tracked_variables(run) == []
    assert len(draw_timeline(run).axes) == 1


def test_finished_run_shows_its_timeline_in_a_notebook() -> None:
    run = play(load(TRUCE), seed=15)
    svg = run._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_cli(tmp_path: Path) -> None:
    assert main([str(TRUCE), "--seed", "4", "-o", str(tmp_path / "t.svg"), "--format", "svg"]) == 0
    assert (tmp_path / "t.svg").exists() and not (tmp_path / "t.png").exists()
    # -o with an extension writes that format only; without one, PNG and SVG.
    assert main([str(TRUCE), "--seed", "4", "-o", str(tmp_path / "u.png")]) == 0
    assert main([str(TRUCE), "--seed", "4", "-o", str(tmp_path / "u.pdf")]) == 0
    assert main([str(TRUCE), "--seed", "4", "-o", str(tmp_path / "v")]) == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert written == {"t.svg", "u.png", "u.pdf", "v.png", "v.svg"}
