"""Rigorous interval extensions of powers ``x**e`` (constant or varying exponents), on the
endpoint intervals of :mod:`calcopt.interval.arith` (every endpoint computed by ``arb``).

``x**e`` is defined for ``x > 0``; for ``x = 0`` when ``e > 0`` (and ``0**0 = 1``); for
``x < 0`` only at integer ``e`` (an integer-valued SymPy ``Float`` counts: ``x**2.0`` is real).
Each function encloses the values where the power is defined.

>>> import math, sympy as sp
>>> pow_const(Interval(-1.0, 2.0), sp.Integer(2)), pow_const(Interval(0.0, 4.0), sp.Rational(1, 2))
(Interval[0.0, 4.0], Interval[0.0, 2.0])
>>> pow_const(Interval(0.0, math.inf, True, True), sp.Integer(-1))    # 1/x on (0, oo)
Interval(0.0, inf)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import sympy as sp
from flint import arb, fmpq

from .arith import (INF, ONE, WHOLE, ZERO, Interval, arb_ball, down, exp, from_number, hull, log,
                    may_be_zero, mul2, neg, up)


# --- powers -----------------------------------------------------------------------------------


def _positive_power(x: Interval, e: arb, increasing: bool) -> Interval:
    """``y**e`` for ``y`` in ``x`` (``0 <= x.lo``), ``y = 0`` excluded: the limit at 0+ is 0
    for ``e > 0`` and ``oo`` for ``e < 0``; every value is > 0."""
    def at(y: float) -> arb | float:
        if y == 0:
            return 0.0 if increasing else INF
        if y == INF:
            return INF if increasing else 0.0
        return arb(y) ** e

    a, b = at(x.lo), at(x.hi)
    a_open, b_open = x.lo_open or x.lo == 0, x.hi_open or x.hi == INF
    if not increasing:
        a, b, a_open, b_open = b, a, b_open, a_open
    lo = max(down(a), 0.0)
    return Interval(lo, up(b), a_open or lo == 0.0, b_open)


def integer_valued(e: Any) -> bool:
    """An exact integer, or a SymPy Float with an integer value (``x**2.0`` is defined for
    negative ``x``)."""
    return isinstance(e, sp.Integer) or (isinstance(e, sp.Float) and e.is_finite
                                         and sp.Rational(e).is_Integer)


class Exponent(NamedTuple):
    """What the power rules need to know about a constant real exponent (computed once)."""

    integer: bool    # integer-valued
    one: bool        # e == 1
    even: bool
    sign: int        # -1, 0, 1
    above_one: bool  # e > 1
    at_least_two: bool
    ball: arb        # an arb ball containing e


@lru_cache(maxsize=1024)
def exponent(e: sp.Expr) -> Exponent:
    integer = integer_valued(e)
    ball = (arb(fmpq(int(e.p), int(e.q))) if isinstance(e, sp.Rational)
            else arb_ball(from_number(e)))
    return Exponent(integer, integer and int(e) == 1, integer and int(e) % 2 == 0,
                    int(sp.sign(e)), bool(e > 1),
                    bool(e >= 2), ball)


def pow_const(x: Interval, e: sp.Expr) -> Interval:
    """``x**e`` for an exact real exponent ``e`` (where defined)."""
    f = exponent(e)
    if f.sign == 0:
        return ONE
    inc = f.sign > 0
    parts = []
    if x.hi > 0:
        pos = Interval(max(x.lo, 0.0), x.hi, x.lo > 0 and x.lo_open, x.hi_open)
        parts.append(_positive_power(pos, f.ball, inc))
    if may_be_zero(x) and inc:
        parts.append(ZERO)
    if x.lo < 0 and f.integer:
        p = _positive_power(Interval(max(-x.hi, 0.0), -x.lo, x.hi < 0 and x.hi_open, x.lo_open),
                            f.ball, inc)
        parts.append(p if f.even else neg(p))
    return hull(*parts) if parts else WHOLE


def pow_general(x: Interval, y: Interval) -> Interval:
    """``x**y`` with a varying exponent: ``exp(y log x)`` for ``x > 0``, ``0**y = 0`` for
    ``y > 0``, ``0**0 = 1``; negative bases (defined only at integer ``y``): the whole line."""
    if x.lo < 0:
        return WHOLE
    parts = []
    if x.hi > 0:
        parts.append(exp(mul2(y, log(Interval(max(x.lo, 0.0), x.hi, x.lo_open, x.hi_open)))))
    if x.lo == 0 and not x.lo_open:
        if y.hi > 0:
            parts.append(ZERO)
        if y.lo <= 0 <= y.hi:
            parts.append(ONE)
    return hull(*parts) if parts else WHOLE
