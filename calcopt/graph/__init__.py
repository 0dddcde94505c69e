"""The user-facing :class:`Graph` and :func:`compile`.

A :class:`Graph` is a node table (:mod:`calcopt.ir.table`) plus the roles of its leaves
(``wrt`` variables, ``params`` data symbols) and its outputs.  It is a thin facade over the
layers below: :mod:`calcopt.ir.compiler` builds the table, :mod:`calcopt.ad.derivatives`
differentiates it, :mod:`calcopt.codegen.program` evaluates it.  Derivative graphs are Graphs
too, so their numeric code and further derivatives come for free.

Naming rule: the **exact** derivatives (SymPy) have full names — ``gradient``, ``jacobian``,
``hessian`` — and the **numeric** ones at a point short names — ``grad``, ``jac``, ``hess``
(also ``jvp``, ``vjp``, ``hvp``); ``*_graph`` is the derivative as a Graph.

Layers above interpret a graph through :attr:`Graph.table` (the node table, read-only by
convention) and cache per-graph results with :meth:`Graph.memo`; new capabilities are free
functions taking a Graph (networkx style), never new methods.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(sp.exp(x*y) + sp.sin(x*y))
>>> len(g), g.wrt
(6, (x, y))
>>> g.op_counts()["mul"]
1
>>> round(g.value([1.0, 2.0]), 6)
8.298354
>>> g.gradient()         # one adjoint for the shared x*y node: y*(...), x*(...)
Matrix([
[y*(exp(x*y) + cos(x*y))],
[x*(exp(x*y) + cos(x*y))]])
"""

from .graph import Graph, compile
from .numeric import Backprop, Tangents

__all__ = ["Backprop", "Graph", "Tangents", "compile"]
