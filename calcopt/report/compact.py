"""Derivatives shown compactly, and exact expressions as MathML.

A derivative graph shares subexpressions that a SymPy tree would repeat in every entry, so
:func:`shown` prints the plain entries when they are short and otherwise the graph's shared
nodes named ``w0, w1, ...`` (``Graph.to_sympy(cse=True)``).  :func:`mathml` turns an exact
expression into presentation MathML (SymPy's printer), which browsers render natively.

>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x")
>>> shown(calcopt.compile(x**3).gradient_graph())
([], [3*x**2])
>>> mathml(sp.sqrt(2) / 3)
'<math display="inline"><mrow><mfrac><msqrt><mn>2</mn></msqrt><mn>3</mn></mfrac></mrow></math>'
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp
from sympy.printing.mathml import mathml as _sympy_mathml

from ..graph import Graph
from ..primitives import SYMBOL

COMPACT_CHARS = 300      # a derivative longer than this is printed with named subexpressions
TREE_NODES_CAP = 20_000  # beyond this tree size the plain form is never built as text


def tree_size(g: Graph, cap: int = TREE_NODES_CAP) -> int:
    """Nodes of the expression tree the graph's outputs expand to (shared nodes counted once
    per use), capped at ``cap``: O(graph size), without building the tree."""
    ops, args = g.table.ops, g.table.args
    size = [0] * len(ops)
    for i in range(len(ops)):
        size[i] = 1 if ops[i] <= SYMBOL else min(cap, 1 + sum(size[a] for a in args[i]))
    return min(cap, sum(size[o] for o in g.outputs))


def shown(dg: Graph, limit: int = COMPACT_CHARS) -> tuple[list, list[sp.Expr]]:
    """``(replacements, entries)`` of a derivative graph, entries flattened in row order:
    the plain expressions (no replacements) when they print in ``limit`` characters."""
    if tree_size(dg) < TREE_NODES_CAP:
        plain = list(sp.Matrix(dg.to_sympy()))
        if sum(len(str(e)) for e in plain) <= limit:
            return [], plain
    reps, reduced = dg.to_sympy(cse=True)
    entries = list(reduced[0]) if isinstance(reduced[0], sp.MatrixBase) else list(reduced)
    return reps, entries


def mathml(expr: Any, display: bool = False) -> str:
    """``expr`` (a SymPy object, or anything ``sympify`` takes from Python objects such as
    ints and Matrices: never text) as a presentation-MathML ``<math>`` element."""
    if isinstance(expr, str):
        raise TypeError("mathml takes SymPy objects, not text")
    body = _sympy_mathml(sp.sympify(expr), printer="presentation")
    return f'<math display="{"block" if display else "inline"}">{body}</math>'


def equation(lhs: Any, rhs: Any, display: bool = True) -> str:
    """``lhs = rhs`` as one MathML element (``lhs`` may be a Symbol or a name)."""
    left = sp.Symbol(lhs) if isinstance(lhs, str) else lhs
    inner = (_sympy_mathml(sp.sympify(left), printer="presentation") + "<mo>=</mo>"
             + _sympy_mathml(sp.sympify(rhs), printer="presentation"))
    return f'<math display="{"block" if display else "inline"}"><mrow>{inner}</mrow></math>'


def derivative_mathml(reps: list, entries: Sequence[sp.Expr], shape: tuple[int, int]) -> str:
    """The entries as a column vector or matrix of ``shape``, then ``where w_i = ...``."""
    rows, cols = shape
    out = mathml(sp.Matrix(rows, cols, list(entries)), display=True)
    if reps:
        out += '<p class="where">where</p>' + "".join(equation(name, e) for name, e in reps)
    return out
