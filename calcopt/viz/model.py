"""The diagram model: what a drawing of a graph shows, independent of the output format.

:func:`build` turns a :class:`~calcopt.Graph` (and optional numbers at a point) into a
:class:`Diagram`: nodes with a title, annotation lines and a style, edges (one per argument
use, so ``x*x`` has two), a legend and notes.  The writers in :mod:`calcopt.viz.writers`
only translate it to DOT, Mermaid or node-link JSON, so every format shows the same thing.

Operation titles are the ``label`` field of the primitive-table entries; nothing here
knows individual operations.

>>> import sympy as sp, calcopt
>>> from calcopt.viz.model import build
>>> x, y = sp.symbols("x y")
>>> d = build(calcopt.compile(sp.exp(x*y) + sp.sin(x*y)))
>>> [n.title for n in d.nodes]
['x', 'y', '×', 'exp', 'sin', '+']
>>> [(e.src, e.dst) for e in d.edges]        # x*y (n2) is drawn once and used twice
[('n0', 'n2'), ('n1', 'n2'), ('n2', 'n3'), ('n2', 'n4'), ('n3', 'n5'), ('n4', 'n5')]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Sequence

import sympy as sp

from ..errors import OptionError
from ..graph import Graph
from ..primitives import PRIMITIVES
from .annotate import Annotations, annotate
from .collapse import Selection, select


@dataclass(frozen=True)
class Style:
    """How one kind of node looks: a Graphviz shape name, fill and border colours."""

    shape: str
    fill: str
    border: str
    dashed: bool = False


#: One style per kind of node; writers map the shape names to their own formats.
STYLES: dict[str, Style] = {
    "variable": Style("ellipse", "#cfe2ff", "#1f4e9a"),
    "parameter": Style("parallelogram", "#d4f0d4", "#2e7d32"),
    "constant": Style("hexagon", "#eeeeee", "#666666"),
    "operation": Style("box", "#fff3cd", "#8a6d00"),
    "output": Style("box", "#ffd9d9", "#b00020"),
    "derivative": Style("box", "#eadcff", "#5b2c83", dashed=True),
    "collapsed": Style("box3d", "#f2f2f2", "#888888", dashed=True),
}
_KIND_TEXT = {
    "variable": "variable (ellipse)",
    "parameter": "parameter, data (parallelogram)",
    "constant": "constant (hexagon)",
    "operation": "operation (box)",
    "output": "output (double border)",
    "derivative": "node not in f (dashed)",
    "collapsed": "collapsed subexpression",
}
HEAT_LOW, HEAT_HIGH, NAN_FILL = "#ffffff", "#e34a33", "#bbbbbb"


@dataclass(frozen=True)
class DiagramNode:
    id: str                  # "n<node id>"; "c<id>"/"g<id>" for collapsed boxes
    node: int                # the graph node it draws
    kind: str                # a key of STYLES
    title: str               # operation symbol, variable name or constant
    lines: tuple[str, ...]   # annotation lines ("value 1.5", "adjoint 2", ...)
    style: Style
    outputs: tuple[int, ...] = ()               # output positions computed by this node
    output_names: tuple[str, ...] = ()
    numbers: tuple[tuple[str, float], ...] = ()  # ("value", 1.5), ... for JSON/GraphML

    @property
    def heading(self) -> str:
        """The title, with the names of the outputs it computes (``× → f``)."""
        return self.title + ("  → " + ", ".join(self.output_names) if self.output_names else "")


@dataclass(frozen=True)
class DiagramEdge:
    src: str
    dst: str
    arg: int                   # argument position in the user
    label: str = ""            # the local partial, when requested
    partial: float | None = None
    position: str = ""         # argument number for non-commutative operations with 2+ arguments


@dataclass(frozen=True)
class Diagram:
    nodes: tuple[DiagramNode, ...]
    edges: tuple[DiagramEdge, ...]
    legend: tuple[tuple[str, Style | None], ...]   # (text, style or None for a text-only row)
    notes: tuple[str, ...]
    direction: str                                  # "LR" or "TB"
    sources: tuple[str, ...]                        # ids drawn on the input side
    sinks: tuple[str, ...]                          # ids drawn on the output side


def fmt(v: float, digits: int = 4) -> str:
    """A number to ``digits`` significant digits (``-0`` printed as ``0``).

    >>> fmt(3.14159265), fmt(-0.0), fmt(float("nan")), fmt(123456.0)
    ('3.142', '0', 'nan', '1.235e+05')
    """
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}" + ("" if k == 1 else "s")


def build(g: Graph, at: Any = None, *, adjoints: bool = False, tangent: Any = None,
          edge_partials: bool = False, heat: str | None = None, digits: int = 4,
          data: Any = None, cotangent: Any = None, direction: str = "LR",
          max_nodes: int | None = 150, shared_with: Graph | None = None,
          output_names: Sequence[str] | None = None, legend: bool = True) -> Diagram:
    """The diagram of ``g``; see :func:`calcopt.to_dot` for the options."""
    _check_options(g, at, adjoints, tangent, edge_partials, heat, digits, direction, max_nodes,
                   output_names, shared_with)
    ann = None
    if at is not None:
        ann = annotate(g, at, adjoints=adjoints or heat == "adjoint", tangent=tangent,
                       edge_partials=edge_partials, data=data, cotangent=cotangent)
    sel = select(g, max_nodes)
    drawn, notes = sel.drawn, sel.notes
    shared = _shared_nodes(g, shared_with) if shared_with is not None else None
    names = _output_names(g, output_names)
    heat_max = _heat_max(ann, drawn) if heat else None

    out_pos: dict[int, tuple[int, ...]] = {}
    for k, o in enumerate(g.outputs):
        out_pos[o] = out_pos.get(o, ()) + (k,)
    nodes = []
    for i in drawn:
        nodes.append(_node(g, i, ann, adjoints, digits, names, out_pos.get(i, ()), shared,
                           heat_max))
    for i, size in sel.singles.items():
        nodes.append(DiagramNode(f"c{i}", i, "collapsed", _title(g, i, digits) + " ⋯",
                                 (_count(size, "node") + " collapsed",), STYLES["collapsed"]))
    for u, (missing, size) in sel.groups.items():
        nodes.append(DiagramNode(f"g{u}", u, "collapsed", f"⋯ {len(missing)} more arguments",
                                 (_count(size, "node") + " collapsed",), STYLES["collapsed"]))
    edges = _edges(g, sel, ann, digits)

    if shared is not None:
        k = sum(shared[i] for i in range(len(g)))
        notes.append(f"{k} of {len(g)} nodes also occur in f (solid); "
                     f"{len(g) - k} are new (dashed)")
    sources = tuple(f"n{i}" for i in drawn if g.kind(i) in ("variable", "parameter"))
    drawn_set = set(drawn)
    sinks = tuple(f"n{o}" for o in out_pos if o in drawn_set and g.kind(o) == "operation")
    rows = (_legend(g, nodes, ann, adjoints, tangent, edge_partials, heat_max, digits)
            if legend else ())
    return Diagram(tuple(nodes), tuple(edges), rows, tuple(notes), direction, sources, sinks)


def _check_options(g, at, adjoints, tangent, edge_partials, heat, digits, direction, max_nodes,
                   output_names, shared_with) -> None:
    if not isinstance(g, Graph):
        raise OptionError("expected a calcopt.Graph (from calcopt.compile); "
                          f"got {type(g).__name__}")
    if at is None and (adjoints or tangent is not None or edge_partials or heat):
        raise OptionError("adjoints=, tangent=, edge_partials= and heat= annotate numbers at a "
                          "point: pass the point as at=[...]")
    if shared_with is not None and not isinstance(shared_with, Graph):
        raise OptionError(f"shared_with must be a calcopt.Graph (the f whose nodes are shared); "
                          f"got {type(shared_with).__name__}")
    if heat not in (None, "adjoint"):
        raise OptionError(f"heat must be None or 'adjoint'; got {heat!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 17:
        raise OptionError(f"digits must be an integer from 1 to 17; got {digits!r}")
    if direction not in ("LR", "TB"):
        raise OptionError(f"direction must be 'LR' (left to right) or 'TB' (top to bottom); "
                          f"got {direction!r}")
    if max_nodes is not None and (isinstance(max_nodes, bool) or not isinstance(max_nodes, int)
                                  or max_nodes < 1):
        raise OptionError(f"max_nodes must be a positive integer or None; got {max_nodes!r}")
    if output_names is not None and len(output_names) != len(g.outputs):
        raise OptionError(f"output_names needs one name per output ({len(g.outputs)}); "
                          f"got {len(output_names)}")


def _output_names(g: Graph, names: Sequence[str] | None) -> list[str]:
    if names is not None:
        return [str(s) for s in names]
    return ["f"] if g.is_scalar else [f"out[{k}]" for k in range(len(g.outputs))]


def _shared_nodes(g: Graph, f: Graph) -> list[bool]:
    """For each node of ``g``: does the same subexpression occur in ``f``? (structural match
    through ``f``'s hash-consing index, in one topological pass)."""
    index, table = f.table.index, g.table
    in_f: list[int | None] = []
    for i in range(len(table)):
        op, payload = table.ops[i], table.args[i]
        if op > 1:
            mapped = tuple(in_f[a] for a in payload)
            in_f.append(None if None in mapped else index.get((op, mapped)))
        else:
            key = (op, type(payload), payload) if op == 0 else (op, payload)
            in_f.append(index.get(key))
    return [k is not None for k in in_f]


def _heat_max(ann: Annotations | None, drawn: list[int]) -> float:
    vals = [abs(ann.adjoints[i]) for i in drawn if math.isfinite(ann.adjoints[i])]
    return max(vals, default=0.0)


def heat_colour(t: float) -> str:
    """The colour at ``t`` in [0, 1] on the white-to-red heat scale.

    >>> heat_colour(0.0), heat_colour(1.0)
    ('#ffffff', '#e34a33')
    """
    lo = [int(HEAT_LOW[k:k + 2], 16) for k in (1, 3, 5)]
    hi = [int(HEAT_HIGH[k:k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(lo, hi))


def _title(g: Graph, i: int, digits: int) -> str:
    if g.kind(i) == "operation":
        return PRIMITIVES[g.table.ops[i]].label
    v = g.leaf_value(i)
    if isinstance(v, sp.Float):
        return fmt(float(v), digits)
    if isinstance(v, sp.NumberSymbol):
        return sp.pretty(v, use_unicode=True)
    return str(v)


def _node(g, i, ann, adjoints, digits, names, outputs, shared, heat_max) -> DiagramNode:
    kind = g.kind(i)
    style_kind = kind
    if kind == "operation" and shared is not None and not shared[i]:
        style_kind = "derivative"
    if outputs and kind == "operation":
        style_kind = "output" if shared is None or shared[i] else "derivative"
    style = STYLES[style_kind]
    title = _title(g, i, digits)
    lines: list[str] = []
    numbers: list[tuple[str, float]] = []
    if ann is not None:
        numbers.append(("value", ann.values[i]))
        if adjoints:
            numbers.append(("adjoint", ann.adjoints[i]))
        if ann.tangents is not None:
            numbers.append(("tangent", ann.tangents[i]))
        lines = [f"{name} {fmt(v, digits)}" for name, v in numbers]
    if heat_max is not None:
        a = abs(ann.adjoints[i])
        fill = NAN_FILL if not math.isfinite(a) else heat_colour(a / heat_max if heat_max else 0.0)
        style = replace(style, fill=fill)
    return DiagramNode(f"n{i}", i, style_kind, title, tuple(lines), style, outputs,
                       tuple(names[k] for k in outputs), tuple(numbers))


def _edges(g: Graph, sel: Selection, ann, digits) -> list[DiagramEdge]:
    drawn_set = set(sel.drawn)
    out = []
    for i in sel.drawn:
        if g.kind(i) != "operation":
            continue
        prim, args = PRIMITIVES[g.table.ops[i]], g.table.args[i]
        numbered = not prim.commutative and len(args) > 1
        grouped = set(sel.groups[i][0]) if i in sel.groups else set()
        for pos, a in enumerate(args):
            if a in grouped:  # one edge from the group box, at its first argument
                if a == sel.groups[i][0][0] and pos == args.index(a):
                    out.append(DiagramEdge(f"g{i}", f"n{i}", pos))
                continue
            src = f"n{a}" if a in drawn_set else f"c{a}"
            partial = None if ann is None or ann.partials is None else ann.partials.get((i, pos))
            out.append(DiagramEdge(src, f"n{i}", pos,
                                   "" if partial is None else fmt(partial, digits), partial,
                                   str(pos + 1) if numbered else ""))
    return out


def _legend(g, nodes, ann, adjoints, tangent, edge_partials, heat_max, digits):
    kinds = dict.fromkeys(n.kind for n in nodes)
    if any(n.outputs for n in nodes):  # an output drawn in another style still has two borders
        kinds["output"] = None
    rows: list[tuple[str, Style | None]] = [
        (_KIND_TEXT[k], STYLES[k]) for k in STYLES if k in kinds]
    if ann is not None:
        rows.append(("value: the node's value at the point", None))
    if adjoints:
        rows.append(("adjoint: ∂f/∂node (reverse sweep, g.backprop)", None))
    if tangent is not None:
        rows.append((f"tangent: ∂node/∂t along v = {_direction(tangent, digits)} "
                     "(forward sweep, g.tangents)", None))
    if edge_partials:
        rows.append(("edge label: local partial ∂node/∂argument", None))
    if heat_max is not None:
        rows.append((f"fill: |adjoint| from white (0) to red ({fmt(heat_max, digits)}), "
                     "replacing the kind colours",
                     Style("box", HEAT_HIGH, "#666666")))
    return tuple(rows)


def _direction(v: Any, digits: int) -> str:
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {fmt(float(t), digits)}" for k, t in v.items()) + "}"
    try:
        return "(" + ", ".join(fmt(float(t), digits) for t in v) + ")"
    except TypeError:
        return fmt(float(v), digits)
