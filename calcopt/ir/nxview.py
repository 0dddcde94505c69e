"""The networkx view of a node table: one ``MultiDiGraph`` node per table node, one edge per
argument use (``Graph.nx``; schema in ``docs/graph.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import sympy as sp

from ..primitives import CONST, PRIMITIVES, SYMBOL
from .table import NodeTable

if TYPE_CHECKING:
    import networkx


def node_kind(table: NodeTable, node: int, params: Sequence[sp.Symbol]) -> str:
    """'variable', 'parameter', 'constant' or 'operation'."""
    op = table.ops[node]
    if op == CONST:
        return "constant"
    if op == SYMBOL:
        return "parameter" if table.args[node] in params else "variable"
    return "operation"


def to_networkx(table: NodeTable, outputs: Sequence[int], wrt: Sequence[sp.Symbol],
                params: Sequence[sp.Symbol]) -> "networkx.MultiDiGraph":
    """Nodes are the node ids with attributes ``kind``, ``op``, ``label`` (``value`` for
    leaves, ``output`` positions for outputs); an edge ``a -> b`` per argument use, with
    attribute ``arg`` (its position).

    >>> import sympy as sp
    >>> from calcopt.ir.compiler import compile_into
    >>> x = sp.Symbol("x")
    >>> t = NodeTable()
    >>> out = compile_into(t, [x * x])
    >>> G = to_networkx(t, out, [x], [])
    >>> G.nodes[out[0]]["op"], G.number_of_edges()
    ('pow', 2)
    """
    import networkx as nx

    G = nx.MultiDiGraph(outputs=list(outputs), wrt=list(wrt), params=list(params))
    ops, args = table.ops, table.args
    out_pos: dict[int, list[int]] = {}
    for k, o in enumerate(outputs):
        out_pos.setdefault(o, []).append(k)
    for i in range(len(ops)):
        prim = PRIMITIVES[ops[i]]
        attrs = {"kind": node_kind(table, i, params), "op": prim.name}
        if ops[i] <= SYMBOL:
            attrs["value"], attrs["label"] = args[i], str(args[i])
        else:
            attrs["label"] = prim.label
        if i in out_pos:
            attrs["output"] = out_pos[i]
        G.add_node(i, **attrs)
        if ops[i] > SYMBOL:
            for pos, a in enumerate(args[i]):
                G.add_edge(a, i, arg=pos)
    return G
