"""Pictures and pages: state diagrams, run timelines, Mermaid text, sweep charts and the docs site.

`diagram_model` (a neutral diagram, extracted once), `layout` (layered placement), `draw`
(matplotlib), `mermaid` (stateDiagram-v2 text), `timeline` (a run over days), `sweep_chart`
(a parameter sweep's probabilities) and `site` (the generated ``docs/`` pages). Matplotlib is
imported only inside the functions that draw.
"""
