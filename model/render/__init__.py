"""Pictures and pages: state diagrams, run timelines, Mermaid text, sweep charts, the docs site.

`diagram_model` (a neutral diagram, extracted once), `layout` (layered placement in points),
with `layered_graph` (ranks, crossing reduction, vertical order) and `layout_items` (the pieces
a layout is made of), `draw` (matplotlib), `mermaid` (stateDiagram-v2 text), `timeline` (a run
over days) with `timeline_layout` (what it shows and where, in points), `sweep_chart` (a
parameter sweep's probabilities), `palette` (the look of chart series), `site` (the generated
``docs/`` pages) and `explorer` (a static page per scenario that steps through it in the
browser, with its own script and style sheet in ``explorer_assets/``).
Matplotlib is imported only inside the functions that draw.
"""
