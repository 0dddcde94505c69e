"""Comparison helpers shared by the differentiation tests.

Exact comparisons never trust floating point: ``exact_equal`` first tries ``expand`` on
small differences and otherwise evaluates the difference *exactly* at random rational
points (the expression is rebuilt with Rational values, so SymPy evaluates Heaviside,
sign, DiracDelta, Max, ... exactly) and only then rounds to 60 digits.

Random rational points use a different prime denominator for every coordinate, so they
never land on the kinks of the corpus (``x == 0``, ``x == y - 3``, ``2*y + 5 == 3*z + 10``):
a linear relation with small integer coefficients between two such numbers is impossible.
"""

from __future__ import annotations

import random
from typing import Iterable, Sequence

import numpy as np
import sympy as sp

PRIMES = [53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149]
TOL_EXACT = sp.Float("1e-45", 60)


def _as_rational(v) -> sp.Rational:
    if isinstance(v, sp.Basic):
        return sp.Rational(v)
    if isinstance(v, float):
        return sp.Rational(repr(v))  # the decimal literal, not the binary expansion
    return sp.Rational(v)


def rational_points(symbols: Sequence[sp.Symbol], box=(-2, 2), k: int = 3, seed: int = 0):
    """``k`` dicts {symbol: Rational} strictly inside ``box`` (one (lo, hi) or one per symbol)."""
    rng = random.Random(seed)
    boxes = _boxes(symbols, box)
    points = []
    for _ in range(k):
        qs = rng.sample(PRIMES, len(symbols)) if len(symbols) <= len(PRIMES) else \
            [rng.choice(PRIMES) for _ in symbols]
        pt = {}
        for s, (lo, hi), q in zip(symbols, boxes, qs):
            lo, hi = _as_rational(lo), _as_rational(hi)
            pt[s] = lo + (hi - lo) * sp.Rational(rng.randint(1, q - 1), q)
        points.append(pt)
    return points


def float_points(symbols: Sequence[sp.Symbol], box=(-2, 2), k: int = 3,
                 seed: int = 0) -> np.ndarray:
    """``(k, n)`` random floats strictly inside ``box`` (kept 2% away from its edges)."""
    rng = np.random.default_rng(seed)
    boxes = np.array(_boxes(symbols, box), dtype=float).reshape(len(symbols), 2)
    lo, hi = boxes[:, 0], boxes[:, 1]
    margin = 0.02 * (hi - lo)
    return rng.uniform(lo + margin, hi - margin, size=(k, len(symbols)))


def _boxes(symbols, box):
    if len(box) == 2 and not isinstance(box[0], (tuple, list)):
        return [tuple(box)] * len(symbols)
    assert len(box) == len(symbols)
    return [tuple(b) for b in box]


def _entries(a) -> list:
    if isinstance(a, (sp.MatrixBase, sp.NDimArray)):
        return list(a)
    if isinstance(a, (list, tuple)):
        return [e for item in a for e in _entries(item)]
    return [sp.sympify(a)]


def _shape(a):
    if isinstance(a, (sp.MatrixBase, sp.NDimArray)):
        return tuple(a.shape)
    if isinstance(a, (list, tuple)):
        return (len(a),)
    return ()


def exact_value(expr: sp.Expr, point: dict, digits: int = 60) -> sp.Float:
    """``expr`` at a rational ``point``, substituted exactly, then evaluated to ``digits``."""
    val = sp.sympify(expr).xreplace(point)
    num = sp.N(val, digits)
    if not num.is_number:
        raise AssertionError(f"{expr} at {point} does not evaluate to a number: {num}")
    re, im = num.as_real_imag()
    if not (re.is_Number and im.is_Number):   # e.g. DiracDelta(0): no value
        raise AssertionError(f"{expr} at {point} does not evaluate to a number: {num}")
    if im != 0 and abs(im) > TOL_EXACT:
        raise AssertionError(f"{expr} at {point} is not real: {num}")
    if not re.is_finite:
        raise AssertionError(f"{expr} at {point} is not finite: {num}")
    return re


def exact_equal(a, b, symbols: Sequence[sp.Symbol], box=(-2, 2), k: int = 3, seed: int = 0,
                points: Iterable[dict] | None = None) -> bool:
    """Do ``a`` and ``b`` (expressions, Matrices or sequences of them) agree exactly?

    Proved by ``expand(a - b) == 0`` for small differences; otherwise ``a - b`` is evaluated
    exactly at ``k`` random rational points in ``box`` (or at ``points``) and must vanish
    there (|.| < 1e-45 * max(1, |a|, |b|) after evaluation to 60 digits).  Raises
    AssertionError with the offending entry and point when they differ; returns True.
    """
    if _shape(a) != _shape(b):
        raise AssertionError(f"shapes differ: {_shape(a)} != {_shape(b)}\n{a}\n{b}")
    ea, eb = _entries(a), _entries(b)
    pending = []
    for idx, (u, v) in enumerate(zip(ea, eb)):
        d = sp.sympify(u) - sp.sympify(v)
        if d == 0:
            continue
        if sp.count_ops(d) <= 60:
            try:
                if sp.expand(d) == 0:
                    continue
            except Exception:  # pragma: no cover - expansion trouble falls back to points
                pass
        pending.append((idx, u, v, d))
    if not pending:
        return True
    pts = list(points) if points is not None else rational_points(symbols, box, k, seed)
    for idx, u, v, d in pending:
        extra = d.free_symbols - set(symbols)
        if extra:
            raise AssertionError(f"entry {idx}: difference has unexpected symbols {extra}")
        for pt in pts:
            val = exact_value(d, pt)
            if abs(val) < TOL_EXACT:
                continue
            scale = max(abs(exact_value(u, pt)), abs(exact_value(v, pt)), 1)
            if abs(val) >= TOL_EXACT * scale:   # relative for values far above 1
                raise AssertionError(
                    f"entry {idx} differs at {pt}:\n  a = {u}\n  b = {v}\n  a - b = {val}")
    return True


def no_floats(expr) -> bool:
    return all(not e.atoms(sp.Float) for e in _entries(expr))


def evaluate(expr, symbols: Sequence[sp.Symbol], point: Sequence[float],
             digits: int = 30) -> np.ndarray:
    """Exact expression(s) evaluated at a float point (each float taken exactly), as floats."""
    sub = {s: sp.Float(float(p), 40) for s, p in zip(symbols, point)}
    out = []
    for e in _entries(expr):
        v = sp.N(sp.sympify(e).xreplace(sub), digits)
        re, im = v.as_real_imag()
        assert abs(im) < 1e-25, f"{e} at {point} is not real: {v}"
        out.append(float(re))
    shape = _shape(expr)
    arr = np.array(out, dtype=float)
    return arr.reshape(shape) if shape else arr[0]


def assert_close(actual, expected, rtol: float, what: str = "") -> None:
    """Normwise-relative comparison: |actual - expected| <= rtol * max(1, max|expected|).

    ``1`` in the scale keeps exactly-zero entries from demanding an exact zero from
    floating point; it never relaxes entries of size >= 1.
    """
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert np.all(np.isfinite(actual)) and np.all(np.isfinite(expected)), \
        f"{what}: non-finite values\n{actual}\n{expected}"
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    err = float(np.max(np.abs(actual - expected), initial=0.0))
    assert err <= rtol * scale, (f"{what}: max error {err:.3e} > {rtol:.1e} * {scale:.3e}\n"
                                 f"actual   {actual}\nexpected {expected}")


def central_differences(f, point: Sequence[float], h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a scalar function of a point (step scaled per coordinate)."""
    p = np.asarray(point, dtype=float)
    out = np.empty(len(p))
    for i in range(len(p)):
        step = h * max(1.0, abs(p[i]))
        up, dn = p.copy(), p.copy()
        up[i] += step
        dn[i] -= step
        out[i] = (f(up) - f(dn)) / (up[i] - dn[i])
    return out


def sympy_gradient(expr, wrt) -> sp.Matrix:
    return sp.Matrix([sp.diff(expr, v) for v in wrt])
