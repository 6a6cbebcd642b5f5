"""The time kinds drawn: scheduled events and deadlines with the schedule as actor and their
timing on the edge label, risks dotted with their chance per day, a legend entry for each
kind used, Mermaid labels, and the schedule's row on a run's timeline. (The shipped
scenarios' pictures are compared byte for byte elsewhere: tests/test_docs.py.)"""

from __future__ import annotations

import itertools

from conftest import ROOT
from test_diagram import geometry_problems

from model.render.diagram_model import diagram_of
from model.render.draw import SCHEDULE_STYLE, draw_diagram
from model.render.layout import WRAPS
from model.render.layout_items import wrap_name
from model.render.mermaid import to_mermaid
from model.render.timeline import draw_timeline, play
from model.scenario.compiled import SCHEDULE
from model.scenario.loader import load
from model.semantics.records import timing_label

TIME = ROOT / "tests" / "fixtures" / "time"
ALL_KINDS = TIME / "all_kinds.yaml"

# (acting party, text): the party is the marker before the line; numbers that read a
# parameter are its value (violation_chance = 1 by default).
LABELS = {
    "talks_begin": ("israel", "talks_begin"),
    "consultations_continue": ("mediators", "consultations_continue"),
    "first_release": ("schedule", "first_release (day 1 of the stage)"),
    "release_batch": ("schedule", "release_batch (every 3 days)"),
    "violation": ("hamas", "violation (1 in 20 a day)"),
    "talks_overdue": ("schedule", "talks_overdue (deadline: day 6)"),
    "truce_ends": ("schedule", "truce_ends (end of the stage)"),
}


def test_edge_labels_name_the_schedule_and_the_timing() -> None:
    diagram = diagram_of(load(ALL_KINDS))
    events = {ev.name: ev for e in diagram.edges for ev in e.events}
    for name, (actor, text) in LABELS.items():
        assert (events[name].actor, events[name].text) == (actor, text)
    assert SCHEDULE not in {p.id for p in diagram.parties}  # not a party
    assert {e.dest: e.is_risk for e in diagram.edges} == {
        "truce_in_force": False,
        "collapsed": True,
        "overdue": False,
        "ended": False,
    }
    # As written without the parameters' values (the docs pages' tables).
    assert timing_label(load(ALL_KINDS).transitions[events["violation"].index]) == (
        "violation_chance in 20 a day"
    )


def test_drawn_with_a_dotted_risk_and_a_legend_entry_for_each_kind() -> None:
    drawing = draw_diagram(load(ALL_KINDS))
    lay = drawing.layout
    assert geometry_problems(drawing) == [] and geometry_problems(drawing, dpi=72) == []
    assert {r.edge.dest: r.risk for r in lay.routes}["collapsed"] is True
    assert sum(r.risk for r in lay.routes) == 1
    assert lay.legend_title is not None
    risks = [e for e in lay.legend if e.line == "risk"]  # drawn with a sample of the line
    assert [e.text.text for e in risks] == ["dotted arrow: a daily risk (its chance in brackets)"]
    schedule = [e for e in lay.legend if e.party == SCHEDULE]
    assert [e.text.text for e in schedule] == [
        "schedule: scheduled events and deadlines (when, in brackets)"
    ]
    drawn = {" ".join(t.get_text().split()) for t, _ in drawing.texts}
    for _, text in LABELS.values():
        assert any(" ".join(wrap_name(text, w)) in drawn for w in WRAPS) or text in drawn
    # the schedule's marker is its own: no party's colour and shape
    patches = drawing.figure.axes[0].lines
    assert any(line.get_marker() == SCHEDULE_STYLE[1] for line in patches)


def test_legend_names_only_the_kinds_used() -> None:
    lay = draw_diagram(load(TIME / "variable_length.yaml")).layout
    assert [e.text.text for e in lay.legend if e.party == SCHEDULE] == [
        "schedule: scheduled events (when, in brackets)"
    ]
    assert lay.legend_title is not None and not [e for e in lay.legend if e.line == "risk"]
    assert not [e for e in lay.legend if "risk" in e.text.text]
    lay = draw_diagram(load(ROOT / "tests" / "fixtures" / "broken" / "deadline_missed.yaml")).layout
    assert [e.text.text for e in lay.legend if e.party == SCHEDULE] == [
        "schedule: scheduled events and deadlines (when, in brackets)"
    ]


def test_wrapped_timing_keeps_its_spaces() -> None:
    for width in range(8, 40):
        lines = wrap_name("hamas: violation (violation_chance in 20 a day)", width)
        assert (
            " ".join(lines).replace("_ ", "_") == "hamas: violation (violation_chance in 20 a day)"
        )


def test_mermaid_labels_carry_the_timing() -> None:
    text = to_mermaid(load(ALL_KINDS))
    # The state's self-loop events share one arrow, one line (split by <br>) per event.
    loop = next(ln for ln in text.splitlines() if "truce_in_force --> truce_in_force : " in ln)
    loop_lines = loop.split(" : ", 1)[1].split("<br>")
    assert "first_release (schedule, day 1 of the stage)" in loop_lines
    assert "talks_begin (Israel)" in loop_lines  # the party's label (its name)
    # the risk's chance under the default parameters (violation_chance = 1)
    assert "truce_in_force --> collapsed : violation (Hamas, 1 in 20 a day)" in text
    assert "truce_in_force --> overdue : talks_overdue (schedule, deadline#58; day 6)" in text


def test_timeline_puts_the_schedule_on_a_row_of_its_own() -> None:
    run = play(load(ALL_KINDS), seed=0)  # postponed talks, releases, the deadline on day 6
    fig = draw_timeline(run)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["schedule", "israel"]
    assert ax.get_ylabel() == "acting party or schedule"
    hexagons = [line for line in ax.lines if line.get_marker() == SCHEDULE_STYLE[1]]
    # first_release on day 1, release_batch on days 3 and 6, the deadline on day 6
    assert sorted(float(line.get_xdata()[0]) for line in hexagons) == [1, 3, 6, 6]
    assert all(float(line.get_ydata()[0]) < 0.5 for line in hexagons)  # the bottom row
    # the postponement is one bar from day 0 to day 6 (cut by the deadline), with no marker
    bars = [line.get_xdata() for line in ax.lines if len(line.get_xdata()) == 2]
    spans = sorted((float(x[0]), float(x[1])) for x in bars if x[0] != x[1])  # not day lines
    assert spans[0][0] == 0 and spans[-1][1] == 6
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert not [line for line in ax.lines if line.get_marker() == "o"]  # israel: no marker


def test_timeline_of_a_run_with_a_risk_and_quiet_days() -> None:
    for seed in (1, 3):  # a violation on day 7; days passing with no event
        run = play(load(ALL_KINDS), seed=seed)
        fig = draw_timeline(run)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert "schedule" in labels and "days pass" not in labels


def test_scenario_page_lists_the_events_in_time() -> None:
    from model.render.site import scenario_page

    page, pictures = scenario_page(ALL_KINDS)
    assert "## Events in time" in page and "[the semantics of time](../semantics.md)" in page
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert "| `talks_overdue` | deadline | `schedule` (obliged: `israel`) | deadline: day 6 |" in (
        "\n".join(rows)
    )
    assert "| `consultations_continue` | activity | `mediators` | takes 2 days |" in "\n".join(rows)
    assert "| `violation` | risk | `hamas` | violation_chance in 20 a day |" in "\n".join(rows)
    assert "a risk's arrow is dotted" in page
    assert "odds: the chances of 1 risk (violation) are per day" in page
    assert set(pictures) == {"time_all_kinds.svg", "time_all_kinds-timeline.svg"}
