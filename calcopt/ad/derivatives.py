"""Derivative tables: the gradient, jvp, vjp, Jacobian, Hessian and Hessian-vector product of
a node table, and the all-node sweeps behind backprop and tangents.

Every builder takes the primal's table, its output nodes and its variable nodes, sweeps a
*copy* of the table (:mod:`calcopt.ad.sweeps`; the primal is never changed) and returns
``(table, outputs)``: the grown table and the node of each derivative output.  Derivative
nodes share the primal's nodes, so a gradient costs O(size of the table).  The facade
(:class:`calcopt.Graph`) keeps only the nodes the outputs need and caches the result.

Examples
--------
>>> import sympy as sp
>>> from calcopt.ir.compiler import compile_into
>>> from calcopt.ir.table import NodeTable, to_sympy
>>> x, y = sp.symbols("x y")
>>> t = NodeTable()
>>> [f] = compile_into(t, [x**2 * y])
>>> table, grads = gradient(t, [f], [t.symbol(x), t.symbol(y)])
>>> [to_sympy(table, g) for g in grads]
[2*x*y, x**2]
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import scipy.sparse
import sympy as sp

from ..ir.table import Builder, NodeTable
from .sweeps import forward, reverse

Built = tuple[NodeTable, list[int]]


def reverse_sweep(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int],
                  cotangents: Sequence[sp.Symbol] | None = None, all_nodes: bool = False):
    """One reverse sweep on a copy of ``table``, seeded with 1 per output or with cotangent
    symbols; ``all_nodes``: adjoints of every node, not only those on a path to a variable.
    Returns ``(table, builder, adjoint of each node)``."""
    table = table.copy()
    b = Builder(table)
    seeds = [b.one] * len(outputs) if cotangents is None else [b.symbol(u) for u in cotangents]
    active = bytearray(b"\x01") * len(table) if all_nodes else table.active(var_ids)
    return table, b, reverse(b, outputs, seeds, active)


def forward_sweep(table: NodeTable, outputs: Sequence[int], seeds: Mapping[int, sp.Symbol]):
    """One forward sweep on a copy of ``table``; ``seeds``: {variable node: tangent symbol}.
    Returns ``(table, builder, tangent of each node)``."""
    table = table.copy()
    b = Builder(table)
    tangent = forward(b, {v: b.symbol(t) for v, t in seeds.items()}, table.reachable(outputs))
    return table, b, tangent


def gradient(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int]) -> Built:
    """The gradient node of each variable (one reverse sweep from the single output)."""
    table, b, adjoint = reverse_sweep(table, outputs, var_ids)
    return table, [adjoint.get(v, b.zero) for v in var_ids]


def jvp(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int],
        tangents: Sequence[sp.Symbol]) -> Built:
    """The outputs, then their directional derivatives along the tangent symbols."""
    table, b, tangent = forward_sweep(table, outputs, dict(zip(var_ids, tangents)))
    return table, [*outputs, *(tangent.get(o, b.zero) for o in outputs)]


def vjp(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int],
        cotangents: Sequence[sp.Symbol]) -> Built:
    """The outputs, then ``u^T J`` for the cotangent symbols ``u`` (one per output)."""
    table, b, adjoint = reverse_sweep(table, outputs, var_ids, cotangents)
    return table, [*outputs, *(adjoint.get(v, b.zero) for v in var_ids)]


def every_node(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int], mode: str,
               directions: Sequence[sp.Symbol] | None) -> Built:
    """Every node, then the adjoint (``mode="reverse"``, seeded with 1 or the cotangent
    symbols) or the tangent (``"forward"``, along the tangent symbols) of every node."""
    n = len(table)
    if mode == "reverse":
        table, b, deriv = reverse_sweep(table, outputs, var_ids, directions, all_nodes=True)
    else:
        table, b, deriv = forward_sweep(table, outputs, dict(zip(var_ids, directions)))
    return table, [*range(n), *(deriv.get(i, b.zero) for i in range(n))]


def jacobian(table: NodeTable, outputs: Sequence[int], var_ids: Sequence[int],
             mode: str) -> Built:
    """The Jacobian entries, row-major: one reverse sweep per output (``"reverse"``) or one
    forward sweep per variable (``"forward"``)."""
    table = table.copy()
    b = Builder(table)
    if mode == "reverse":
        active = table.active(var_ids)
        rows = [reverse(b, [o], [b.one], active) for o in outputs]
        return table, [r.get(v, b.zero) for r in rows for v in var_ids]
    live = table.reachable(outputs)
    cols = [forward(b, {v: b.one}, live) for v in var_ids]
    return table, [c.get(o, b.zero) for o in outputs for c in cols]


def upper_pattern(pattern: scipy.sparse.sparray) -> tuple[list[int], list[int]]:
    """Rows and columns of the structural non-zeros with ``i <= j``, row-major."""
    upper = scipy.sparse.triu(pattern, format="coo")
    order = np.lexsort((upper.col, upper.row))
    return upper.row[order].tolist(), upper.col[order].tolist()


def hessian_entries(table: NodeTable, grads: Sequence[int], var_ids: Sequence[int],
                    colors: np.ndarray, n_colors: int, rows: Sequence[int],
                    cols: Sequence[int]) -> Built:
    """Hessian entries ``H[i, j]`` at ``(rows, cols)`` by coloured forward-over-reverse: one
    forward sweep of the gradient table (outputs ``grads``) per colour, seeded with every
    variable of that colour; entry ``(i, j)`` is read off the sweep of ``j``'s colour."""
    table = table.copy()
    b = Builder(table)
    live = table.reachable(grads)
    sweeps = [forward(b, {var_ids[j]: b.one for j in np.flatnonzero(colors == c)}, live)
              for c in range(n_colors)]
    return table, [sweeps[colors[j]].get(grads[i], b.zero) for i, j in zip(rows, cols)]


def hvp(table: NodeTable, grads: Sequence[int], var_ids: Sequence[int],
        directions: Sequence[sp.Symbol]) -> Built:
    """``H v``: one forward sweep of the gradient table along the symbols ``v``."""
    table, b, tangent = forward_sweep(table, grads, dict(zip(var_ids, directions)))
    return table, [tangent.get(o, b.zero) for o in grads]
