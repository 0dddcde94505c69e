"""Rigorous interval arithmetic on float endpoints, computed by python-flint's ``arb``.

An :class:`Interval` is a pair of floats ``lo <= hi`` (``±inf`` allowed: half-lines and the
whole line are ordinary intervals) that encloses a set of real values.  Every endpoint is
computed by ``arb`` (ball arithmetic, rigorous error bounds) from exact float inputs and
converted back to a float outward (:func:`down`, :func:`up`: the nearest float, moved one ulp
outward only when an *exact* comparison shows it is on the wrong side), so no rounding is
written by hand.  Why endpoints and not ``arb`` balls throughout: a ball cannot represent
``[0, oo)`` (it becomes ``[+/- inf]`` and ``log`` of it is ``nan``), and a ball over a wide
interval is crude for non-monotone functions (``sin([1, 3])`` is ``[+/- 1.01]``).  Monotone
functions are evaluated at the endpoints; ``sin``/``cos``/``tan`` find their extrema and poles
with ``arb``'s rigorous ``contains_integer`` on the reduced argument.

The functions are the interval extensions of the primitive table (:mod:`calcopt.primitives`):
each takes argument intervals and returns an interval containing every value the operation
takes on the box *where it is defined* (whether it may be undefined is a separate field).
The measurements behind the choice of ``arb`` are in :mod:`calcopt.analysis.intervals`.

>>> x = Interval(0.0, math.inf, False, True)     # [0, oo)
>>> exp(x), log(x), sin(Interval(1.0, 3.0))
(Interval[1.0, inf), Interval(-inf, inf), Interval[0.14112000805986716, 1.0])
>>> exp(Interval(-math.inf, 0.0))                 # exp > 0: the endpoint 0 is open
Interval(0.0, 1.0]
>>> mul(Interval(-1.0, 2.0), Interval(3.0, math.inf))
Interval[-inf, inf]
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Callable, NamedTuple, Sequence

import sympy as sp
from flint import arb, fmpq

INF = math.inf
_MAXF = 1.7976931348623157e308


class Interval(NamedTuple):
    """An interval of the extended reals that encloses real values (``lo <= hi``).

    ``lo_open``/``hi_open``: the endpoint is known not to be a value (``(0, oo)``, or
    ``exp`` of anything); ``False`` is always sound.  Only strict signs use them."""

    lo: float
    hi: float
    lo_open: bool = False
    hi_open: bool = False

    def __repr__(self) -> str:
        return (f"Interval{'(' if self.lo_open else '['}{self.lo!r}, {self.hi!r}"
                f"{')' if self.hi_open else ']'}")


def positive(x: Interval) -> bool:
    """Every value is > 0."""
    return x.lo > 0 or (x.lo == 0 and x.lo_open)


def negative(x: Interval) -> bool:
    """Every value is < 0."""
    return x.hi < 0 or (x.hi == 0 and x.hi_open)


def may_be_zero(x: Interval) -> bool:
    return not positive(x) and not negative(x) and x.lo <= 0 <= x.hi


WHOLE = Interval(-INF, INF)
ZERO = Interval(0.0, 0.0)
ONE = Interval(1.0, 1.0)
BOOL = Interval(0.0, 1.0)  # a condition that may be false or true


def down(v: arb | float) -> float:
    """The largest float <= every value of the ball (``-inf`` for non-finite balls)."""
    if isinstance(v, float):
        return v
    if not v.is_finite():
        return -INF
    lo = v.lower()
    f = float(lo)
    if f == INF:
        return _MAXF
    if f != -INF and arb(f) > lo:
        f = math.nextafter(f, -INF)
    return f


def up(v: arb | float) -> float:
    """The smallest float >= every value of the ball (``inf`` for non-finite balls)."""
    if isinstance(v, float):
        return v
    if not v.is_finite():
        return INF
    hi = v.upper()
    f = float(hi)
    if f == -INF:
        return -_MAXF
    if f != INF and arb(f) < hi:
        f = math.nextafter(f, INF)
    return f


def enclose(v: arb) -> Interval:
    return Interval(down(v), up(v))


def arb_ball(x: Interval) -> arb:
    """A ball containing a finite interval."""
    return arb(x.lo).union(arb(x.hi))


@lru_cache(maxsize=4096)
def from_number(c: sp.Expr) -> Interval:
    """An interval containing an exact real SymPy number (rationals and floats exactly)."""
    if isinstance(c, sp.Rational):
        return enclose(arb(fmpq(int(c.p), int(c.q))))
    if isinstance(c, sp.Float):
        # A SymPy Float is a binary number: its exact rational value, enclosed.
        q = sp.Rational(c)
        return enclose(arb(fmpq(int(q.p), int(q.q))))
    if c in (sp.oo, -sp.oo) or not c.is_real:
        return WHOLE
    # pi, E, sqrt(2), ...: 40 correct digits from evalf, widened by far more than their error.
    v = sp.Rational(sp.N(c, 40))
    r = abs(v) * sp.Rational(1, 10**30) + sp.Rational(1, 10**300)
    return Interval(down(arb(fmpq(int((v - r).p), int((v - r).q)))),
                    up(arb(fmpq(int((v + r).p), int((v + r).q)))))


def hull(*xs: Interval) -> Interval:
    lo, hi = min(x.lo for x in xs), max(x.hi for x in xs)
    return Interval(lo, hi, all(x.lo_open for x in xs if x.lo == lo),
                    all(x.hi_open for x in xs if x.hi == hi))


def clip(x: Interval, lo: float, hi: float) -> Interval | None:
    """The part of ``x`` in ``[lo, hi]``, or ``None`` when it is empty."""
    a, b = max(x.lo, lo), min(x.hi, hi)
    if a > b:
        return None
    return Interval(a, b, x.lo_open and a == x.lo, x.hi_open and b == x.hi)


# --- arithmetic -------------------------------------------------------------------------------


def add(*xs: Interval) -> Interval:
    """Sum of intervals."""
    if any(x.lo == -INF for x in xs):
        lo = -INF
    else:
        s = arb(0)
        for x in xs:
            s += x.lo
        lo = down(s)
    if any(x.hi == INF for x in xs):
        hi = INF
    else:
        s = arb(0)
        for x in xs:
            s += x.hi
        hi = up(s)
    return Interval(lo, hi, any(x.lo_open for x in xs), any(x.hi_open for x in xs))


def neg(x: Interval) -> Interval:
    return Interval(-x.hi, -x.lo, x.hi_open, x.lo_open)


def _times(a: float, b: float) -> tuple[float, float]:
    """Enclosure of the product of two endpoints; ``0 * inf = 0`` (values are finite)."""
    if a == 0.0 or b == 0.0:
        return 0.0, 0.0
    if math.isinf(a) or math.isinf(b):
        v = INF if (a > 0) == (b > 0) else -INF
        return v, v
    p = arb(a) * b
    return down(p), up(p)


def mul2(x: Interval, y: Interval) -> Interval:
    prods = [_times(a, b) for a in (x.lo, x.hi) for b in (y.lo, y.hi)]
    lo, hi = min(p[0] for p in prods), max(p[1] for p in prods)
    above = (positive(x) and positive(y)) or (negative(x) and negative(y))
    below = (positive(x) and negative(y)) or (negative(x) and positive(y))
    return Interval(lo, hi, lo == 0 and above, hi == 0 and below)


def mul(*xs: Interval) -> Interval:
    """Product of intervals."""
    out = xs[0]
    for x in xs[1:]:
        out = mul2(out, x)
    return out


# --- monotone functions ------------------------------------------------------------------------


def monotone(fn: Callable[[arb], arb], x: Interval, increasing: bool,
             at_lo_inf: arb | float, at_hi_inf: arb | float,
             rng: tuple[float, float] = (-INF, INF)) -> Interval:
    """``fn`` strictly monotone on ``x``: evaluated at the endpoints (limits at infinite ones),
    clipped to the function's open range ``rng`` (rigorous bounds it never attains)."""
    a = at_lo_inf if x.lo == -INF else fn(arb(x.lo))
    b = at_hi_inf if x.hi == INF else fn(arb(x.hi))
    a_open, b_open = x.lo_open or x.lo == -INF, x.hi_open or x.hi == INF
    if not increasing:
        a, b, a_open, b_open = b, a, b_open, a_open
    lo, hi = down(a), up(b)
    if lo <= rng[0]:
        lo, a_open = rng[0], True
    if hi >= rng[1]:
        hi, b_open = rng[1], True
    return Interval(lo, hi, a_open, b_open) if lo <= hi else Interval(rng[0], rng[1])


_PI = arb.pi()
# Closed ranges widened by one ulp, so that clipping to them never claims an open endpoint.
_HALF_PI = (math.nextafter(down(-_PI / 2), -INF), math.nextafter(up(_PI / 2), INF))
_ACOS = (math.nextafter(0.0, -INF), math.nextafter(up(_PI), INF))


def exp(x: Interval) -> Interval:
    return monotone(arb.exp, x, True, 0.0, INF, (0.0, INF))


def log(x: Interval) -> Interval:
    """log where defined (x > 0); the whole line when nowhere defined."""
    if x.hi <= 0:
        return WHOLE
    if x.lo <= 0:
        return Interval(-INF, INF if x.hi == INF else up(arb(x.hi).log()), True, x.hi_open)
    return monotone(arb.log, x, True, -INF, INF)


def sinh(x: Interval) -> Interval:
    return monotone(arb.sinh, x, True, -INF, INF)


def tanh(x: Interval) -> Interval:
    return monotone(arb.tanh, x, True, -1.0, 1.0, (-1.0, 1.0))


def atan(x: Interval) -> Interval:
    half = _PI / 2
    return monotone(arb.atan, x, True, -half, half, (down(-half), up(half)))


def asin(x: Interval) -> Interval:
    inside = clip(x, -1.0, 1.0)
    return WHOLE if inside is None else monotone(arb.asin, inside, True, 0.0, 0.0, _HALF_PI)


def acos(x: Interval) -> Interval:
    inside = clip(x, -1.0, 1.0)
    return WHOLE if inside is None else monotone(arb.acos, inside, False, 0.0, 0.0, _ACOS)


def _even(fn: Callable[[arb], arb], x: Interval, at_inf: float, minimum: float) -> Interval:
    """An even function, strictly increasing on [0, oo), with ``fn(0) = minimum``."""
    if x.lo >= 0 or x.hi <= 0:
        r = monotone(fn, x, x.lo >= 0, at_inf, at_inf)
        return Interval(max(r.lo, minimum), r.hi, r.lo_open, r.hi_open)
    m = max(-x.lo, x.hi)
    return Interval(minimum, INF if m == INF else up(fn(arb(m))), False, m == INF)


def cosh(x: Interval) -> Interval:
    return _even(arb.cosh, x, INF, 1.0)


def abs_(x: Interval) -> Interval:
    return _even(abs, x, INF, 0.0)


def _contains_point(x: Interval, shift: arb, period: arb) -> bool:
    """Does ``x`` (finite) contain ``shift + k period`` for an integer ``k``?  (``True`` may
    be an over-approximation; ``False`` is certain.)"""
    return ((arb_ball(x) - shift) / period).contains_integer()


def _periodic(fn: Callable[[arb], arb], x: Interval, peak: arb, trough: arb) -> Interval:
    """sin/cos: maximum 1 at ``peak + 2 pi k``, minimum -1 at ``trough + 2 pi k``."""
    if math.isinf(x.lo) or math.isinf(x.hi):
        return Interval(-1.0, 1.0)
    a, b = fn(arb(x.lo)), fn(arb(x.hi))
    hi = 1.0 if _contains_point(x, peak, 2 * _PI) else min(max(up(a), up(b)), 1.0)
    lo = -1.0 if _contains_point(x, trough, 2 * _PI) else max(min(down(a), down(b)), -1.0)
    return Interval(lo, hi)


def sin(x: Interval) -> Interval:
    return _periodic(arb.sin, x, _PI / 2, -_PI / 2)


def cos(x: Interval) -> Interval:
    return _periodic(arb.cos, x, arb(0), _PI)


def tan_has_pole(x: Interval) -> bool:
    return math.isinf(x.lo) or math.isinf(x.hi) or _contains_point(x, _PI / 2, _PI)


def tan(x: Interval) -> Interval:
    """tan between two poles (increasing); the whole line when a pole may be inside."""
    return WHOLE if tan_has_pole(x) else monotone(arb.tan, x, True, 0.0, 0.0)


# --- kinks, steps, max/min --------------------------------------------------------------------


def sign(x: Interval) -> Interval:
    parts = [v for v, possible in ((Interval(-1.0, -1.0), x.lo < 0), (ZERO, may_be_zero(x)),
                                   (ONE, x.hi > 0)) if possible]
    return hull(*parts)


def heaviside(x: Interval, h0: Interval) -> Interval:
    parts = [v for v, possible in ((ZERO, x.lo < 0), (h0, may_be_zero(x)), (ONE, x.hi > 0))
             if possible]
    return hull(*parts)


def max_(*xs: Interval) -> Interval:
    return Interval(max(x.lo for x in xs), max(x.hi for x in xs))


def min_(*xs: Interval) -> Interval:
    return Interval(min(x.lo for x in xs), min(x.hi for x in xs))


# --- conditions (truth values 1/0; [0, 1] when undecided) -----------------------------------


def _truth(true: bool, false: bool) -> Interval:
    return ONE if true else (ZERO if false else BOOL)


def less(x: Interval, y: Interval, strict: bool) -> Interval:
    if strict:
        return _truth(x.hi < y.lo, x.lo >= y.hi)
    return _truth(x.hi <= y.lo, x.lo > y.hi)


def equal(x: Interval, y: Interval) -> Interval:
    return _truth(x.lo == x.hi == y.lo == y.hi, x.hi < y.lo or y.hi < x.lo)


def piecewise(args: Sequence[Interval]) -> Interval:
    """Hull of the values whose condition may be the first that holds."""
    parts = []
    for i in range(0, len(args) - 1, 2):
        value, cond = args[i], args[i + 1]
        if cond.hi >= 1:
            parts.append(value)
        if cond.lo >= 1:
            return hull(*parts)
    if len(args) % 2:
        parts.append(args[-1])
    return hull(*parts) if parts else WHOLE
