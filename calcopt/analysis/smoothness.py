"""Is a graph twice continuously differentiable (on the whole line, or on a box)?

One question, read from the primitive table (:mod:`calcopt.primitives`), answered by
:func:`nonsmooth_nodes`; its two parameters are what the callers differ in:

* ``enclosures`` (the interval enclosure of every node over a box, from
  :mod:`calcopt.analysis.intervals`): without them, an operation is smooth when its table entry
  is smooth everywhere inside its own domain (:func:`is_smooth_op`: SymPy's first and second
  derivatives of the entry's ``to_sympy`` on real arguments contain no ``sign``,
  ``Heaviside``, ``DiracDelta``, ``Piecewise``, ``Abs``, ``Max``/``Min`` or unevaluated
  derivative).  With them, an operation with kinks still counts as smooth on the box when the
  table's ``smooth`` field (a predicate on the enclosures of its arguments) says its arguments
  stay away from the kinks there (``abs`` of a positive quantity).
* ``closed``: ``False`` asks about kinks and jumps only, where the function is defined (a
  Hessian test of convexity needs no more: definedness is checked on its own, and a
  function that is C2 inside its domain and continuous is convex when its Hessian is PSD
  there).  ``True`` asks whether every node is defined and C2 on the whole closed box, by the
  table's ``undefined`` and ``smooth`` fields alone (``log`` reaching 0 or ``x**(3/2)`` at 0
  fail): what interval Hessian bounds and the Krawczyk test need.

:func:`nonsmooth_ops` (the operation names, for explanations) and :func:`nonsmooth_node`
(one readable node, for the closed-box question) are views of it.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> from calcopt.analysis.intervals import enclosures
>>> g = calcopt.compile(abs(x) + sp.exp(y))
>>> nonsmooth_ops(g), nonsmooth_ops(g, enclosures(g, {x: (1, 2)}))
(['abs'], [])
>>> h = calcopt.compile(x**sp.Rational(3, 2))
>>> enc = enclosures(h, {x: (0, 1)})
>>> nonsmooth_ops(h, enc), nonsmooth_node(h, enc)
([], 'x**(3/2) may not be twice differentiable')
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import sympy as sp

from ..primitives import BY_NAME, CONST, PRIMITIVES, SYMBOL
from .text import short

if TYPE_CHECKING:
    from ..graph import Graph

_KINKS = (sp.sign, sp.Heaviside, sp.DiracDelta, sp.Piecewise, sp.Abs, sp.Max, sp.Min,
          sp.Derivative, sp.Subs)


@lru_cache(maxsize=None)
def is_smooth_op(name: str) -> bool:
    """Is the primitive twice continuously differentiable on the interior of its domain,
    everywhere (the SymPy probe of the module docstring)?"""
    prim = BY_NAME[name]
    if prim.arity == 0:
        return True
    args = sp.symbols(f"a0:{prim.arity or 3}", real=True)
    try:
        e = prim.to_sympy(*args)
        second = [sp.diff(e, a, b) for a in args for b in args] + [sp.diff(e, a) for a in args]
    except Exception:  # an entry that is not a plain function of real arguments
        return False
    return not any(d.has(*_KINKS) for d in second)


def _on_box(g: "Graph", i: int, enclosures: Sequence) -> tuple[list, list]:
    """The argument intervals and constants of node ``i``, as the table's fields take them."""
    ops, args = g.table.ops, g.table.args
    return ([enclosures[j].interval for j in args[i]],
            [args[j] if ops[j] == CONST else None for j in args[i]])


def nonsmooth_nodes(g: "Graph", enclosures: Sequence | None = None, *,
                    closed: bool = False) -> list[int]:
    """Ids of the operation nodes of ``g`` that may fail to be twice continuously
    differentiable: everywhere (``enclosures=None``) or on the box of the node
    ``enclosures``; with ``closed`` (needs ``enclosures``) also those that may be undefined
    or not C2 at the box's boundary.  See the module docstring."""
    if closed and enclosures is None:
        raise ValueError("closed=True asks about a box: pass its node enclosures")
    bad, ops = [], g.table.ops
    for i in range(len(ops)):
        if ops[i] <= SYMBOL:
            continue
        prim = PRIMITIVES[ops[i]]
        if closed:
            a, c = _on_box(g, i, enclosures)
            if prim.undefined(a, c) or not prim.smooth(a, c):
                bad.append(i)
        elif not is_smooth_op(prim.name) and (
                enclosures is None or not prim.smooth(*_on_box(g, i, enclosures))):
            bad.append(i)
    return bad


def nonsmooth_ops(g: "Graph", enclosures: Sequence | None = None) -> list[str]:
    """Sorted names of the operations of ``g`` that may have a kink or jump: everywhere, or
    on the box of the node ``enclosures`` (:func:`calcopt.analysis.intervals.enclosures`)."""
    return sorted({g.op(i) for i in nonsmooth_nodes(g, enclosures)})


def nonsmooth_node(g: "Graph", enclosures: Sequence) -> str | None:
    """A readable node of ``g`` that may be undefined or not twice differentiable on the
    closed box of the node ``enclosures``, or ``None`` when every node is defined and C2
    there."""
    bad = nonsmooth_nodes(g, enclosures, closed=True)
    if not bad:
        return None
    i = bad[0]
    what = "be undefined" if BY_NAME[g.op(i)].undefined(*_on_box(g, i, enclosures)) else \
        "not be twice differentiable"
    return f"{short(g.expr(i))} may {what}"
