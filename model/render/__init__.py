"""Pictures and pages: state diagrams, run timelines, Mermaid text, sweep charts, the docs site.

`diagram_model` (a neutral diagram, extracted once), `layout` (layered placement in points),
with `layered_graph` (ranks, crossing reduction, vertical order) and `layout_items` (the pieces
a layout is made of), `draw` (matplotlib), `mermaid` (stateDiagram-v2 text), `timeline` (a run
over days) with `timeline_layout` (what it shows and where, in points), `sweep_chart` (a
parameter sweep's probabilities), `palette` (the look of chart series), the generated
``docs/`` pages: `site` (the pages), `site_sections` (the sections listing a scenario's parts),
`site_files` (the manifest and safe writing) and `markdown` (untrusted text made safe for
Markdown), and `explorer` (a static page per scenario that steps through it in the browser,
with its own script and style sheet in ``explorer_assets/``). Matplotlib is imported only
inside the functions that draw.
"""
