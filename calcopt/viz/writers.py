"""Thin writers from a :class:`~calcopt.viz.model.Diagram` to DOT, Mermaid, node-link JSON and
GraphML.  Pure text, no renderer needed; the same diagram and options give the same text.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> print(calcopt.to_mermaid(calcopt.compile(x*y), legend=False), end="")
flowchart LR
  n0(["x"])
  n1(["y"])
  n2["×  → f"]
  n0 --> n2
  n1 --> n2
  classDef variable fill:#cfe2ff,stroke:#1f4e9a,color:#000
  classDef output fill:#ffd9d9,stroke:#b00020,color:#000,stroke-width:3px
  class n0,n1 variable
  class n2 output
"""

from __future__ import annotations

import json
import math
from html import escape
from typing import Any

from .model import STYLES, Diagram, DiagramNode, Style, build

_FONT = "Helvetica,Arial,sans-serif"


# --- DOT ---------------------------------------------------------------------------------------


def dot(d: Diagram) -> str:
    """Graphviz DOT text of a diagram; the legend and notes are the graph label (no nodes, no
    edges), so the DOT has exactly the diagram's nodes and edges."""
    lines = [
        "digraph calcopt {",
        f'  graph [rankdir={d.direction}, fontname="{_FONT}", fontsize=11, nodesep=0.3, '
        'ranksep=0.45, labelloc=b, labeljust=l];',
        f'  node [fontname="{_FONT}", fontsize=13, style=filled, margin="0.12,0.06"];',
        f'  edge [fontname="{_FONT}", fontsize=10, color="#555555", arrowsize=0.7];',
    ]
    label = _dot_legend(d)
    if label:
        lines.append(f"  graph [label=<{label}>];")
    for n in d.nodes:
        lines.append(f"  {n.id} [{_dot_node_attrs(n)}];")
    for e in d.edges:
        attrs = []
        if e.label:
            attrs.append(f'label=" {_dot_str(e.label)} ", fontcolor="#1a5fb4"')
        if e.position:
            attrs.append(f'headlabel="{e.position}", labelfontsize=8, labelfontcolor="#888888"')
        lines.append(f"  {e.src} -> {e.dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    if d.sources:
        lines.append("  { rank=min; " + " ".join(f"{s};" for s in d.sources) + " }")
    if d.sinks:
        lines.append("  { rank=max; " + " ".join(f"{s};" for s in d.sinks) + " }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_str(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _dot_node_attrs(n: DiagramNode) -> str:
    s = n.style
    style = "filled,dashed" if s.dashed else ("filled,rounded" if s.shape == "box" else "filled")
    title = f"<B>{escape(n.heading)}</B>"
    body = "".join(f'<BR/><FONT POINT-SIZE="10">{escape(line)}</FONT>' for line in n.lines)
    attrs = [f"shape={s.shape}", f'style="{style}"', f'fillcolor="{s.fill}"', f'color="{s.border}"',
             f"label=<{title}{body}>"]
    if n.outputs and n.kind in ("output", "derivative"):
        attrs.append("peripheries=2")
    return ", ".join(attrs)


def _dot_legend(d: Diagram) -> str:
    if not d.legend and not d.notes:
        return ""
    rows = []
    for text, style in d.legend:
        swatch = (f'<TD BGCOLOR="{style.fill}" WIDTH="18" BORDER="1" COLOR="{style.border}"> </TD>'
                  if style is not None else "<TD></TD>")
        rows.append(f'<TR>{swatch}<TD ALIGN="LEFT">{escape(text)}</TD></TR>')
    for note in d.notes:
        rows.append(f'<TR><TD></TD><TD ALIGN="LEFT"><I>{escape(note)}</I></TD></TR>')
    return ('<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" CELLPADDING="1">'
            + "".join(rows) + "</TABLE>")


# --- Mermaid -----------------------------------------------------------------------------------

_MERMAID_SHAPES = {
    "ellipse": '(["{}"])', "parallelogram": '[/"{}"/]', "hexagon": '{{{{"{}"}}}}',
    "box": '["{}"]', "box3d": '[["{}"]]',
}


def mermaid(d: Diagram) -> str:
    """Mermaid flowchart text of a diagram (node ids ``n<id>``; the legend, if any, is a
    separate subgraph of unconnected ``legend_*`` nodes)."""
    lines = [f"flowchart {d.direction}"]
    for n in d.nodes:
        text = "<br/>".join(_mermaid_str(t) for t in (n.heading, *n.lines))
        lines.append(f"  {n.id}" + _MERMAID_SHAPES[n.style.shape].format(text))
    for e in d.edges:
        label = e.label or e.position
        arrow = f'-->|"{_mermaid_str(label)}"|' if label else "-->"
        lines.append(f"  {e.src} {arrow} {e.dst}")
    styles: dict[str, Style] = {}
    members: dict[str, list[str]] = {}
    for n in d.nodes:
        cls = n.kind if n.style.fill == _base_fill(n) else f"{n.kind}_{n.style.fill[1:]}"
        styles.setdefault(cls, n.style)
        members.setdefault(cls, []).append(n.id)
    if d.legend or d.notes:
        lines.append('  subgraph legend ["legend"]')
        for k, (text, style) in enumerate(d.legend):
            lines.append(f'    legend_{k}["{_mermaid_str(text)}"]')
            if style is not None:
                cls = f"legend{k}"
                styles[cls] = style
                members[cls] = [f"legend_{k}"]
        for k, note in enumerate(d.notes):
            lines.append(f'    legend_note_{k}["{_mermaid_str(note)}"]')
        lines.append("  end")
    for cls, s in styles.items():
        extra = ",stroke-width:3px" if cls == "output" else ""
        dash = ",stroke-dasharray:4 3" if s.dashed else ""
        lines.append(f"  classDef {cls} fill:{s.fill},stroke:{s.border},color:#000{extra}{dash}")
    for cls, ids in members.items():
        lines.append(f"  class {','.join(ids)} {cls}")
    return "\n".join(lines) + "\n"


def _base_fill(n: DiagramNode) -> str:
    return STYLES[n.kind].fill


def _mermaid_str(s: str) -> str:
    return escape(s, quote=False).replace('"', "#quot;")


# --- networkx: node-link JSON and GraphML ------------------------------------------------------


def networkx_graph(d: Diagram):
    """The diagram as a ``networkx.MultiDiGraph`` with plain (str/int/float/bool) attributes.

    Node keys are the graph's node ids (ints) and ``"c<id>"`` for collapsed subexpressions;
    numbers that are not finite are left out (JSON has no ``nan``).
    """
    import networkx as nx

    G = nx.MultiDiGraph(direction=d.direction, notes=list(d.notes))
    key = {n.id: (n.node if n.id.startswith("n") else n.id) for n in d.nodes}
    for n in d.nodes:
        attrs: dict[str, Any] = {"kind": n.kind, "label": n.title, "shape": n.style.shape,
                                 "fill": n.style.fill, "border": n.style.border}
        if n.outputs:
            attrs["outputs"] = ", ".join(n.output_names)
        for name, v in n.numbers:
            if math.isfinite(v):
                attrs[name] = v
        if n.lines:
            attrs["text"] = "\n".join(n.lines)
        G.add_node(key[n.id], **attrs)
    for e in d.edges:
        attrs = {"arg": e.arg}
        if e.partial is not None and math.isfinite(e.partial):
            attrs["partial"] = e.partial
        G.add_edge(key[e.src], key[e.dst], **attrs)
    return G


def node_link_json(d: Diagram) -> str:
    """networkx node-link JSON: ``"nodes"`` (one per drawn node) and ``"edges"``."""
    import networkx as nx

    data = nx.node_link_data(networkx_graph(d), edges="edges")
    return json.dumps(data, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def graphml(d: Diagram) -> str:
    import networkx as nx

    G = networkx_graph(d)
    G.graph["notes"] = " | ".join(d.notes)
    return "\n".join(nx.generate_graphml(G)) + "\n"


# --- the public functions ----------------------------------------------------------------------

_OPTIONS_DOC = """
    Options (all keyword-only, shared by every format and :func:`calcopt.draw`):

    at: a point (as for ``g.value``): annotate every node with its value there.
    adjoints: also the adjoint ``d f / d node`` of every node (``g.backprop``; a vector graph
        needs ``cotangent=``).
    tangent: a direction: also the forward-mode tangent of every node (``g.tangents``).
    edge_partials: label each edge with the local partial ``d node / d argument``.
    heat: ``"adjoint"``: fill colour from white (0) to red (largest ``|adjoint|``).
    digits: significant digits of the numbers (default 4).
    data, cotangent: passed to ``g.backprop`` / ``g.tangents``.
    direction: ``"LR"`` (inputs left, output right; default) or ``"TB"`` (top to bottom).
    max_nodes: draw at most this many nodes (nearest the outputs); unused subexpressions
        become collapsed boxes with a note (default 150; ``None``: no limit).
    shared_with: a Graph ``f``: nodes of ``g`` that do not occur in ``f`` are drawn dashed
        (e.g. ``g = f.gradient_graph()``).
    output_names: one name per output (default ``f``, or ``out[k]``).
    legend: draw the legend and notes (default True).
"""


def _doc(f):
    f.__doc__ = f.__doc__.replace("    OPTIONS\n", _OPTIONS_DOC)
    return f


@_doc
def to_dot(g, **options) -> str:
    """Graphviz DOT text of a graph: one node per graph node, one edge per argument use.

    OPTIONS

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x")
    >>> text = calcopt.to_dot(calcopt.compile(x*x + 1))
    >>> text.count(" -> ")          # x*x has two edges: each use is drawn
    4
    """
    return dot(build(g, **options))


@_doc
def to_mermaid(g, **options) -> str:
    """Mermaid flowchart text of a graph (renders in GitHub/GitLab Markdown).

    OPTIONS
    """
    return mermaid(build(g, **options))


@_doc
def to_json(g, **options) -> str:
    """networkx node-link JSON: ``"nodes"`` (one per graph node, with ``kind``, ``label``,
    and ``value``/``adjoint``/``tangent`` when annotated) and ``"edges"`` (``arg``, ``partial``).

    OPTIONS

    >>> import json, sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> data = json.loads(calcopt.to_json(calcopt.compile(x*y), at=[2.0, 3.0], adjoints=True))
    >>> [(n["id"], n["label"], n["value"], n["adjoint"]) for n in data["nodes"]]
    [(0, 'x', 2.0, 3.0), (1, 'y', 3.0, 2.0), (2, '×', 6.0, 1.0)]
    """
    return node_link_json(build(g, **options))


@_doc
def to_graphml(g, **options) -> str:
    """GraphML text (through networkx), with the same attributes as :func:`to_json`.

    OPTIONS
    """
    return graphml(build(g, **options))
