"""A scenario's state diagram as Mermaid ``stateDiagram-v2`` text (renders on GitHub).

Ids stay Mermaid's node ids; what is shown are the labels (`Scenario.labels`): every state is
declared with its label (``state "label" as id``, an outcome state's: its outcome's) and then
its stage's label (or ``outcome``) as a second description, which Mermaid draws as the box's
title over its body. Outcome states get the ``outcome`` class and an arrow to the end marker,
and every transition is one arrow labelled ``event (party)`` with the event's and the acting
party's labels (and the timing, its numbers under the default parameters), except that the
events of one self-loop share one arrow with one line per event (Mermaid would draw several
self-loop labels over each other).
Mermaid cannot draw arrows between states inside different composite states, so stages are
descriptions rather than boxes.
"""

from __future__ import annotations

import re

from model.base.textfmt import visible
from model.render.diagram_model import Diagram, diagram_of
from model.scenario.compiled import Scenario

RESERVED = frozenset(
    {
        *("state", "note", "direction", "class", "classdef", "style", "end", "as", "left"),
        *("right", "of", "fork", "join", "choice", "hide", "scale", "click", "default"),
        *("td", "tb", "bt", "lr", "rl"),
    }
)
"""Words Mermaid's state-diagram grammar treats specially; such state ids get a ``_``."""


def mermaid_id(state: str) -> str:
    return f"{state}_" if state.lower() in RESERVED else state


_ENTITIES = {
    "#": "#35;",  # starts an entity code itself
    ":": "#58;",  # separates a state from its description
    ";": "#59;",  # ends a statement
    "%": "#37;",  # %% starts a comment or a %%{init}%% directive
    "{": "#123;",
    "}": "#125;",
    "<": "#lt;",  # HTML in labels (<script>, <img onerror>)
    ">": "#gt;",
    "&": "#amp;",
    '"': "#quot;",
    "`": "#96;",  # a markdown string in labels; also keeps a ``` fence around the text intact
}
LINE_BREAK = "<br>"
"""Between the events of one self-loop's label (Mermaid renders it as a line break)."""
_SPECIAL = re.compile("[" + re.escape("".join(_ENTITIES)) + "]")


def _text(text: str) -> str:
    """User text for a Mermaid label or comment: on one line (every line break, ``\\r``,
    U+2028 and U+2029 included), control and bidi characters shown as escapes, and the
    characters Mermaid's syntax or HTML would act on written as Mermaid entity codes
    (``#58;`` for ``:``), which Mermaid renders as the characters themselves."""
    one_line = visible(" ".join(text.split()), newlines=False)
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], one_line)


def edge_label(event: str, actor: str, timing: str | None = None) -> str:
    """``event (actor)``; with a timing (scheduled events, deadlines, risks) ``event (actor,
    timing)``: ``release (schedule, every 7 days)``, ``violation (hamas, 1 in 20 a day)``."""
    return f"{event} ({actor}, {timing})" if timing else f"{event} ({actor})"


def to_mermaid(subject: Scenario | Diagram) -> str:
    """The ``stateDiagram-v2`` text of a scenario, one transition per arrow."""
    diagram = subject if isinstance(subject, Diagram) else diagram_of(subject)
    stage_names = {lane.id: lane.name for lane in diagram.lanes if not lane.is_outcomes}
    lines = ["stateDiagram-v2", "    direction LR", f"    %% {_text(diagram.title)}"]
    lines.append("    classDef outcome stroke-width:3px,font-weight:bold")
    for node in diagram.nodes:
        mid = mermaid_id(node.id)
        lines.append(f'    state "{_text(node.text)}" as {mid}')
        if node.outcome:
            lines.append(f"    {mid} : outcome")
        elif node.stage:
            lines.append(f"    {mid} : {_text(stage_names.get(node.stage, node.stage))}")
    lines.append(f"    [*] --> {mermaid_id(diagram.initial)}")
    party = {p.id: p.name for p in diagram.parties}
    for edge in diagram.edges:
        labels = [
            _text(edge_label(ev.label or ev.event, party.get(ev.actor, ev.actor), ev.timing))
            for ev in edge.events
        ]
        # Mermaid 11 draws several self-loop labels on one state on top of each other, so a
        # self-loop is one arrow with its events on separate lines (``<br>`` is never user
        # text: every ``<`` in a label is written ``#lt;``).
        arrows = [LINE_BREAK.join(labels)] if edge.source == edge.dest else labels
        for label in arrows:
            lines.append(f"    {mermaid_id(edge.source)} --> {mermaid_id(edge.dest)} : {label}")
    never = [ev.name for edge in diagram.edges for ev in edge.events if ev.never]
    if never:  # Mermaid has no per-arrow style in state diagrams: said in a comment
        lines.append(f"    %% no run takes (default parameters): {_text(', '.join(never))}")
    outcomes = [mermaid_id(n.id) for n in diagram.nodes if n.outcome]
    for mid in outcomes:
        lines.append(f"    {mid} --> [*]")
    if outcomes:
        lines.append(f"    class {','.join(outcomes)} outcome")
    return "\n".join(lines) + "\n"
