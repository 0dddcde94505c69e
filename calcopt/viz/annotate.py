"""Numbers for annotated diagrams: node values, adjoints, tangents and edge partials at a point.

Values, adjoints and tangents come from :meth:`Graph.backprop` / :meth:`Graph.tangents`, so a
diagram shows exactly what those methods return.  The local partial ``d node / d argument``
of each edge is built with the ``partials`` rule of the node's primitive-table entry (the
same rules forward and reverse mode use) on a copy of the node table, then evaluated by the
generated code: no per-operation logic lives here.

>>> import sympy as sp, calcopt
>>> from calcopt.viz.annotate import annotate
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x*y)
>>> a = annotate(g, [2.0, 3.0], adjoints=True, edge_partials=True)
>>> a.values[2], a.adjoints[0], a.partials[(2, 0)], a.partials[(2, 1)]
(6.0, 3.0, 3.0, 2.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import PointError
from ..graph import Graph
from ..primitives import CONST, PRIMITIVES, SYMBOL
from ..ir.table import Builder, NodeTable


@dataclass
class Annotations:
    """Numbers at one point, keyed by node id (``partials`` by ``(node, argument position)``)."""

    values: dict[int, float] = field(default_factory=dict)
    adjoints: dict[int, float] | None = None
    tangents: dict[int, float] | None = None
    partials: dict[tuple[int, int], float] | None = None


def node_table(g: Graph) -> NodeTable:
    """A copy of ``g``'s node table, to grow with derivative nodes (``g.table`` itself is
    never changed)."""
    return g.table.copy()


def annotate(g: Graph, at: Any, *, adjoints: bool = False, tangent: Any = None,
             edge_partials: bool = False, data: Any = None, cotangent: Any = None) -> Annotations:
    """Values of every node at ``at`` and, on request, adjoints, tangents and edge partials."""
    out = Annotations()
    if adjoints:
        bp = g.backprop(at, data=data, cotangent=cotangent)
        out.values, out.adjoints = bp.values, bp.adjoints
    if tangent is not None:
        tg = g.tangents(at, tangent, data=data)
        out.values, out.tangents = tg.values, tg.tangents
    if edge_partials or not out.values:
        values, partials = _values_and_partials(g, at, data, edge_partials)
        out.values = out.values or values
        out.partials = partials if edge_partials else None
    return out


def _values_and_partials(g: Graph, at: Any, data: Any, with_partials: bool):
    """Every node's value and, optionally, every edge's local partial, in one evaluation."""
    table = node_table(g)
    n = len(table)
    edges: list[tuple[int, int]] = []
    nodes: list[int] = []
    if with_partials:
        b = Builder(table)
        for i in range(n):
            op = table.ops[i]
            if op <= SYMBOL:
                continue
            args = table.args[i]
            # Constants are not differentiated (as in the sweeps); every other argument is.
            wanted = [table.ops[a] != CONST for a in args]
            for pos, d in enumerate(PRIMITIVES[op].partials(b, i, args, wanted)):
                if d is not None:
                    edges.append((i, pos))
                    nodes.append(d)
    outputs = list(range(n)) + nodes
    result = Graph(table, outputs, g.wrt, g.params, (len(outputs),)).value(at, data)
    result = np.asarray(result, dtype=float)
    if result.ndim != 1:
        raise PointError(f"a diagram is annotated at one point; got a batch of shape "
                         f"{result.shape[:-1]}")
    values = dict(enumerate(result[:n].tolist()))
    partials = dict(zip(edges, result[n:].tolist())) if with_partials else None
    return values, partials
