"""Exact facts at rational points: certified signs, node-by-node exact values, definedness.

Everything a convexity verdict of ``False`` (or a :class:`calcopt.DomainError`) rests on is
decided here, in exact arithmetic: a graph is evaluated node by node at a point with SymPy
rationals (so an undefined intermediate such as ``log(-1)`` is seen even when later nodes
would hide it), and the sign of a constant expression is certified with ball arithmetic
(python-flint's ``arb``: the ball must exclude 0), falling back on SymPy's exact assumptions.

Examples
--------
>>> import sympy as sp, calcopt
>>> certified_sign(sp.exp(sp.Rational(1, 2)) - (1 + sp.E) / 2)
-1
>>> x = sp.Symbol("x")
>>> g = calcopt.compile(-sp.log(x))
>>> exact_value(g, (sp.Integer(2),))
-log(2)
>>> undefined_node(g, (sp.Integer(-1),))
(2, 'log(x) = I*pi at the point')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import flint
import numpy as np
import sympy as sp

from ..primitives import BY_NAME

if TYPE_CHECKING:
    from ..graph import Graph
    from .domain import Domain

_UNARY = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.asin: "asin", sp.acos: "acos",
    sp.atan: "atan",
}


def _arb(v: sp.Expr) -> "flint.arb | None":
    """A rigorous ball around the real number ``v`` at the current precision, or ``None``."""
    if v.is_Integer:
        return flint.arb(int(v))
    if v.is_Rational:
        return flint.arb(int(v.p)) / int(v.q)
    if v is sp.pi:
        return flint.arb.pi()
    if v is sp.E:
        return flint.arb.const_e()
    if v.is_Add or v.is_Mul:
        parts = [_arb(a) for a in v.args]
        if any(p is None for p in parts):
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out + p if v.is_Add else out * p
        return out
    if v.is_Pow:
        base, expo = _arb(v.base), v.exp
        if base is None:
            return None
        if expo.is_Integer:
            return base ** int(expo)
        e = _arb(expo)
        return None if e is None or not base > 0 else base ** e
    if isinstance(v, sp.Abs):
        a = _arb(v.args[0])
        return None if a is None else abs(a)
    name = _UNARY.get(type(v))
    if name is not None:
        a = _arb(v.args[0])
        return None if a is None else getattr(a, name)()
    return None


def certified_sign(value: sp.Expr) -> int | None:
    """Sign (-1, 0, 1) of a real constant expression, certified; ``None`` when undecided.

    A nonzero sign needs an ``arb`` ball (at 64, 256 or 1024 bits) that excludes zero, or
    SymPy's own exact assumptions; zero needs SymPy to prove it.

    >>> certified_sign(sp.sqrt(2) - sp.Rational(141421356, 10**8)), certified_sign(sp.Integer(0))
    (1, 0)
    """
    value = sp.sympify(value)
    if value.is_Rational:
        return 1 if value.is_positive else (-1 if value.is_negative else 0)
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        return None
    old = flint.ctx.prec
    try:
        for prec in (64, 256, 1024):
            flint.ctx.prec = prec
            ball = _arb(value)
            if ball is None or not ball.is_finite():
                break
            if ball > 0:
                return 1
            if ball < 0:
                return -1
    finally:
        flint.ctx.prec = old
    if value.is_zero:
        return 0
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


def _node_values(g: "Graph", point: Sequence[sp.Expr]):
    """Yield ``(node, exact value)`` bottom-up at the point (``wrt`` order)."""
    at = dict(zip(g.wrt, point))
    values: list = []
    for i in range(len(g)):
        kind = g.kind(i)
        if kind == "constant":
            v = g.leaf_value(i)
        elif kind == "variable":
            v = at[g.leaf_value(i)]
        elif kind == "parameter":
            raise ValueError("graphs with parameters have no exact values at a point")
        else:
            try:
                v = BY_NAME[g.op(i)].to_sympy(*(values[a] for a in g.args(i)))
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


def defined_under_assumptions(g: "Graph", subs: dict) -> bool:
    """Every node is a finite real for all values of the substituted variables that their
    assumptions allow (``subs`` maps each variable to an expression in assumed Dummies).
    Nodes of total operations (real for all real arguments: ``add``, ``exp``, ...) need no
    check: their arguments are checked."""
    from .psd import is_total_op

    for i in range(len(g)):
        if g.kind(i) == "operation" and not is_total_op(g.op(i)):
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
