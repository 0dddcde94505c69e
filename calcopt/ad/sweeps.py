"""Forward and reverse mode as transforms of a node table.

Both modes use one rule per primitive, ``Primitive.partials``: the local partial derivative
of a node with respect to each argument, built as nodes of the same table (``None`` for an
argument that needs none or whose partial is structurally zero, like a Piecewise condition).

* **Reverse mode** (:func:`reverse`) walks the nodes once from the outputs back to the inputs,
  like micrograd's ``backward``: the adjoint of a node is the sum, over its users, of the
  user's adjoint times the local partial.  All users of a node come after it in the table,
  so by the time a node is reached its adjoint is complete.
* **Forward mode** (:func:`forward`) walks the nodes once from the inputs to the outputs:
  the tangent of a node is the sum, over its arguments, of the local partial times the
  argument's tangent.  Structurally zero tangents are never stored, so a sweep seeded with a
  few variables only touches what depends on them.

Both append the derivative nodes to the table through a :class:`~calcopt.ir.table.Builder`
(hash-consed, exactly simplified), so derivative nodes share the primal nodes and each
other; one sweep adds O(size of the table) nodes.  A derivative table is therefore an
ordinary node table: it can be differentiated again, compiled to numeric code, drawn.

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir.table import NodeTable, Builder, to_sympy
>>> from calcopt.ir.compiler import compile_into
>>> x, y = sp.symbols("x y")
>>> t = NodeTable()
>>> [f] = compile_into(t, [x**2 * sp.sin(y)])
>>> b = Builder(t)
>>> xs = [t.symbol(x), t.symbol(y)]
>>> adj = reverse(b, [f], [b.const(1)], t.active(xs))
>>> [to_sympy(t, adj[v]) for v in xs]
[2*x*sin(y), x**2*cos(y)]
"""

from __future__ import annotations

from typing import Mapping, Sequence

from ..primitives import PRIMITIVES, SYMBOL
from ..ir.table import Builder


def reverse(b: Builder, outputs: Sequence[int], cotangents: Sequence[int],
            active: Sequence[int]) -> dict[int, int]:
    """Adjoint node of every node the outputs depend on through ``active`` nodes.

    ``cotangents[k]`` seeds the adjoint of ``outputs[k]``; ``active`` is a mask of the nodes
    whose adjoint is wanted (normally: the nodes that depend on the variables).  Returns
    ``{node: adjoint node}``; a node missing from the result has adjoint zero.
    """
    table = b.table
    ops, args = table.ops, table.args
    zero = b.zero
    pending: dict[int, list[int]] = {}
    for out, cot in zip(outputs, cotangents):
        if active[out]:
            pending.setdefault(out, []).append(cot)
    adjoint: dict[int, int] = {}
    for node in range(max(outputs, default=-1), -1, -1):
        terms = pending.pop(node, None)
        if terms is None:
            continue
        adj = terms[0] if len(terms) == 1 else b.add_list(terms)
        adjoint[node] = adj
        op = ops[node]
        if op <= SYMBOL or adj == zero:
            continue
        node_args = args[node]
        wanted = [active[a] for a in node_args]
        if not any(wanted):
            continue
        partials = PRIMITIVES[op].partials(b, node, node_args, wanted)
        for a, w, p in zip(node_args, wanted, partials):
            if w and p is not None:  # None: structurally zero (a Piecewise condition)
                pending.setdefault(a, []).append(b.mul(adj, p))
    return adjoint


def forward(b: Builder, seeds: Mapping[int, int], live: Sequence[int]) -> dict[int, int]:
    """Tangent node of every node that depends on a seeded node.

    ``seeds`` maps input nodes to their tangent nodes.  Only the nodes in the mask ``live``
    are visited, normally ``table.reachable(outputs)`` taken *before* the first sweep: several
    sweeps on one table must not differentiate the derivative nodes earlier sweeps appended
    (that would make n sweeps cost exponential time).  Returns ``{node: tangent node}``; a
    node missing from the result has tangent zero.
    """
    table = b.table
    ops, args = table.ops, table.args
    zero = b.zero
    tangent = {k: v for k, v in seeds.items() if v != zero}
    for node in range(len(live)):
        if not live[node] or ops[node] <= SYMBOL:
            continue
        node_args = args[node]
        for a in node_args:
            if a in tangent:
                break
        else:
            continue  # no argument carries a tangent
        wanted = [a in tangent for a in node_args]
        partials = PRIMITIVES[ops[node]].partials(b, node, node_args, wanted)
        terms = [b.mul(p, tangent[a]) for a, w, p in zip(node_args, wanted, partials)
                 if w and p is not None]
        t = terms[0] if len(terms) == 1 else b.add_list(terms)
        if t != zero:
            tangent[node] = t
    return tangent
