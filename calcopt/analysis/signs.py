"""The one sign decider for proofs: the certified sign of a real constant expression.

Every sign a "proven" verdict of :mod:`calcopt.analysis` rests on (convexity witnesses,
eigenvalue order, inertia, domain membership of exact stationary points, box minima) comes from
:func:`certified_sign`.  A sign it returns is proven:

* a rational number is signed exactly;
* a nonzero sign needs a rigorous ball (python-flint's ``arb``, at 64, 256 or 1024 bits) around
  the value that excludes 0 (``+``, ``*``, powers, ``pi``, ``E``, ``abs``, ``exp``, ``log``,
  trigonometric and hyperbolic functions and their inverses, ``LambertW``).  Real algebraic
  numbers given as ``CRootOf`` enter the ball arithmetic through their exact rational
  isolating interval;
* zero needs an exact proof: SymPy's structural ``is_zero``, ``radsimp``/``expand`` to 0, or
  ``equals(0)`` (which answers ``True`` only through exact algebra: minimal polynomials, a
  self-consistent surd);
* anything else is ``None`` (undecided), never a guess from floating-point digits.

>>> import sympy as sp
>>> certified_sign(sp.exp(sp.Rational(1, 2)) - (1 + sp.E) / 2)
-1
>>> certified_sign(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6)))
0
>>> x = sp.Symbol("x")
>>> certified_sign(sp.CRootOf(x**3 - 3*x + 1, 0)), certified_sign(x)
(-1, None)
"""

from __future__ import annotations

import flint
import sympy as sp

_UNARY = {
    sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh", sp.asin: "asin", sp.acos: "acos",
    sp.atan: "atan",
}


def _root_ball(v: sp.CRootOf, prec: int) -> "flint.arb | None":
    """A ball around a real ``CRootOf``: SymPy's ``eval_rational(dx)`` refines the root's
    exact isolating interval by rational bisection and returns a rational within ``dx`` of
    the root, so the ball of radius ``dx = 2**-prec`` around it holds the root."""
    if not v.is_real:
        return None
    mid = sp.Rational(v.eval_rational(dx=sp.Rational(1, 2**prec)))
    return flint.arb(int(mid.p)) / int(mid.q) + flint.arb(0, 1) * flint.arb(2) ** (-prec)


def _arb(v: sp.Expr, prec: int = 64) -> "flint.arb | None":
    """A rigorous ball around the real number ``v`` at the current precision, or ``None``."""
    if v.is_Integer:
        return flint.arb(int(v))
    if v.is_Rational:
        return flint.arb(int(v.p)) / int(v.q)
    if v is sp.pi:
        return flint.arb.pi()
    if v is sp.E:
        return flint.arb.const_e()
    if isinstance(v, sp.CRootOf):
        return _root_ball(v, prec)
    if v.is_Add or v.is_Mul:
        parts = [_arb(a, prec) for a in v.args]
        if any(p is None for p in parts):
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out + p if v.is_Add else out * p
        return out
    if v.is_Pow:
        base, expo = _arb(v.base, prec), v.exp
        if base is None:
            return None
        if expo.is_Integer:
            return base ** int(expo)
        e = _arb(expo, prec)
        return None if e is None or not base > 0 else base ** e
    if isinstance(v, sp.Abs):
        a = _arb(v.args[0], prec)
        return None if a is None else abs(a)
    if isinstance(v, sp.LambertW):
        branch = v.args[1] if len(v.args) > 1 else sp.Integer(0)
        a = _arb(v.args[0], prec)
        return None if a is None or branch not in (0, -1) else a.lambertw(int(branch))
    name = _UNARY.get(type(v))
    if name is not None:
        a = _arb(v.args[0], prec)
        return None if a is None else getattr(a, name)()
    return None


def _ball_sign(value: sp.Expr) -> int | None:
    """+1 / -1 when an ``arb`` ball around ``value`` excludes 0, else ``None``."""
    old = flint.ctx.prec
    try:
        for prec in (64, 256, 1024):
            flint.ctx.prec = prec
            ball = _arb(value, prec)
            if ball is None or not ball.is_finite():
                return None
            if ball > 0:
                return 1
            if ball < 0:
                return -1
    finally:
        flint.ctx.prec = old
    return None


def _proven_zero(value: sp.Expr) -> bool:
    """``value`` is 0 by exact algebra (never by numerical evidence)."""
    try:
        return sp.expand(sp.radsimp(value)) == 0 or value.equals(0) is True
    except (TypeError, ValueError, NotImplementedError, AttributeError):
        return False


def certified_sign(value: sp.Expr) -> int | None:
    """Sign (-1, 0, 1) of a real constant expression, proven; ``None`` when undecided.

    See the module docstring for what counts as a proof.

    >>> certified_sign(sp.sqrt(2) - sp.Rational(141421356, 10**8)), certified_sign(sp.Integer(0))
    (1, 0)
    >>> certified_sign(sp.pi - sp.Rational(355, 113))
    -1
    """
    value = sp.sympify(value)
    if value.is_Rational:
        return 1 if value.is_positive else (-1 if value.is_negative else 0)
    if not value.is_number or value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        return None
    if value.is_zero:
        return 0
    if not value.has(sp.I):
        sign = _ball_sign(value)
        if sign is not None:
            return sign
    return 0 if _proven_zero(value) else None
