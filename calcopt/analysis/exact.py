"""Exact facts at rational points: node-by-node exact values, definedness.

Everything a convexity verdict of ``False`` (or a :class:`calcopt.DomainError`) rests on is
decided here, in exact arithmetic: a graph is evaluated node by node at a point with SymPy
rationals (so an undefined intermediate such as ``log(-1)`` is seen even when later nodes
would hide it).  Signs of the resulting constants are certified by
:func:`calcopt.analysis.signs.certified_sign` (re-exported here).

Examples
--------
>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x")
>>> g = calcopt.compile(-sp.log(x))
>>> exact_value(g, (sp.Integer(2),))
-log(2)
>>> undefined_node(g, (sp.Integer(-1),))
(2, 'log(x) = I*pi at the point')
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np
import sympy as sp

from ..primitives import BY_NAME, CONST, PRIMITIVES, SYMBOL
from .signs import certified_sign

__all__ = ["certified_sign", "defined_under_assumptions", "exact_value", "find_undefined_point",
           "is_total_op", "proven_real", "undefined_node"]

if TYPE_CHECKING:
    from ..graph import Graph
    from .domain import Domain

def _node_values(g: "Graph", point: Sequence[sp.Expr]):
    """Yield ``(node, exact value)`` bottom-up at the point (``wrt`` order)."""
    at = dict(zip(g.wrt, point))
    ops, args = g.table.ops, g.table.args
    values: list = []
    for i in range(len(ops)):
        if ops[i] == CONST:
            v = args[i]
        elif ops[i] == SYMBOL:
            if args[i] not in at:
                raise ValueError("graphs with parameters have no exact values at a point")
            v = at[args[i]]
        else:
            try:
                v = PRIMITIVES[ops[i]].to_sympy(*(values[a] for a in args[i]))
            except Exception:  # an entry whose to_sympy needs more than values
                v = g.expr(i).xreplace(at)
        values.append(v)
        yield i, v


def _status(v: sp.Expr) -> bool | None:
    """True: a finite real; False: proven not one (complex, infinite, nan); None: unknown."""
    if v.is_real or isinstance(v, sp.logic.boolalg.Boolean):  # conditions of Piecewise
        return True
    if v.is_extended_real is False or v.is_finite is False or v.has(sp.zoo, sp.nan):
        return False
    return None


def undefined_node(g: "Graph", point: Sequence[sp.Expr]) -> tuple[int, str] | None:
    """When the function is proven undefined at the exact point (its value is not a finite
    real: complex, infinite or nan), the first node proven undefined there, with a
    description; else ``None``.  (A node undefined only in an unselected branch of a
    ``Piecewise`` does not make the function undefined.)"""
    first = None
    out = g.outputs[0]
    for i, v in _node_values(g, point):
        bad = g.kind(i) == "operation" and _status(v) is False
        if bad and first is None:
            first = (i, f"{g.expr(i)} = {v} at the point")
        if i == out:
            return first if bad else None
    return None


def exact_value(g: "Graph", point: Sequence[sp.Expr]) -> sp.Expr | None:
    """The exact value of a scalar graph at a rational point, or ``None`` unless every node
    is proven a finite real there."""
    out = g.outputs[0]
    for i, v in _node_values(g, point):
        if _status(v) is not True:
            return None
        if i == out:
            return v
    return None


def proven_real(e: sp.Basic) -> bool:
    """SymPy proves ``e`` a finite real (or it is a condition).  A ``Piecewise`` without a
    ``True`` default is not trusted: SymPy calls ``Piecewise((x, x > 0))`` real, yet it is
    undefined for ``x <= 0``."""
    if isinstance(e, sp.logic.boolalg.Boolean):
        return True
    if any(p.args[-1].cond is not sp.true for p in e.atoms(sp.Piecewise)):
        return False
    return bool(e.is_real)


@lru_cache(maxsize=None)
def is_total_op(name: str) -> bool:
    """Is the primitive a finite real for all real arguments (``add``, ``exp``, ``<``)?  Probed
    on the table entry's ``to_sympy``: SymPy's ``is_real`` of the operation on real Dummies."""
    prim = BY_NAME[name]
    if prim.arity == 0:
        return True
    for k in ((prim.arity,) if prim.arity else (2, 3)):  # n-ary: with and without a default
        try:
            e = prim.to_sympy(*sp.symbols(f"a0:{k}", real=True))
        except Exception:
            return False
        if not proven_real(e):
            return False
    return True


def defined_under_assumptions(g: "Graph", subs: dict) -> bool:
    """Every node is a finite real for all values of the substituted variables that their
    assumptions allow (``subs`` maps each variable to an expression in assumed Dummies).
    Nodes of total operations (real for all real arguments: ``add``, ``exp``, ...) need no
    check: their arguments are checked."""
    ops = g.table.ops
    for i in range(len(ops)):
        if ops[i] > SYMBOL and not is_total_op(PRIMITIVES[ops[i]].name):
            if not proven_real(g.expr(i).xreplace(subs)):
                return False
    return True


def find_undefined_point(g: "Graph", dom: "Domain") -> tuple | None:
    """``(rational point of the domain, description)`` where the function is provably
    undefined, or ``None``: samples (and closed finite endpoints) where the numeric value is
    not finite are re-checked exactly with :func:`undefined_node`."""
    pts = list(dom.sample(80, seed=1))
    centre = dom.interior_point()
    for k, iv in enumerate(dom.intervals):  # closed finite endpoints belong to the domain
        for end, is_open in ((iv.inf, iv.left_open), (iv.sup, iv.right_open)):
            if end.is_finite and not is_open:
                pts.append([float(c) for c in centre[:k] + (end,) + centre[k + 1:]])
    fn = g.function("math")
    with np.errstate(all="ignore"):
        for p in pts:
            try:
                value = fn(list(p), ())
            except Exception:
                value = float("nan")
            if np.isfinite(value):
                continue
            exact = dom.rational_point(p, 6)
            if exact is None:
                continue
            bad = undefined_node(g, exact)
            if bad is not None:
                return exact, bad[1]
    return None
