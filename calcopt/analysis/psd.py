"""Exact positive-semidefiniteness of Hessians: constant ones by exact eigenvalues, others by
principal minors under SymPy's sign assumptions.

A Hessian test proves convexity only where the function is twice continuously
differentiable: which operations of a graph have kinks or jumps (``abs``, ``max``,
``Piecewise``, ...) is :mod:`calcopt.analysis.smoothness`'s question (its ``is_smooth_op``
and ``nonsmooth_ops``, and :func:`calcopt.analysis.exact.is_total_op`, are re-exported here
under their old names).

Examples
--------
>>> import sympy as sp, calcopt
>>> r = constant_hessian_facts(sp.Matrix([[4, 1], [1, 2]]))
>>> r.lambda_min, r.lambda_max
(3 - sqrt(2), sqrt(2) + 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import sympy as sp

from .domain import rationalize
from .exact import is_total_op
from .signs import certified_sign
from .smoothness import is_smooth_op, nonsmooth_ops

__all__ = ["ConstantHessianFacts", "blocks", "constant_hessian_facts", "factor_signs_psd",
           "is_smooth_op", "is_total_op", "nonsmooth_ops", "proven_nonnegative",
           "quadratic_form", "symbolic_psd", "univariate_sign_ok"]


@dataclass(frozen=True)
class ConstantHessianFacts:
    """Exact facts about a constant symmetric matrix: extreme eigenvalues (SymPy numbers,
    ``None`` if undecided), their certified signs, and a rational direction of the most
    negative (``neg_direction``) and most positive (``pos_direction``) curvature."""

    lambda_min: Any
    lambda_max: Any
    sign_min: int | None
    sign_max: int | None
    neg_direction: tuple | None
    pos_direction: tuple | None


def _extreme(eigs: list) -> tuple[Any, Any]:
    """The smallest and largest of exact real numbers, each certified against the others."""
    approx = sorted(eigs, key=lambda e: float(sp.re(e.evalf(30))))
    lo, hi = approx[0], approx[-1]
    ok_lo = all(certified_sign(e - lo) in (0, 1) for e in eigs)
    ok_hi = all(certified_sign(hi - e) in (0, 1) for e in eigs)
    return (lo if ok_lo else None), (hi if ok_hi else None)


def _real_form(e: sp.Expr) -> sp.Expr:
    """Casus irreducibilis roots come with ``I``; a real root of a rational polynomial is
    rewritten as a ``CRootOf`` then, which SymPy compares exactly."""
    if not e.has(sp.I):
        return e
    simpler = sp.nsimplify(sp.simplify(e))
    if not simpler.has(sp.I):
        return simpler
    return e


def _eigenvalues(H: sp.Matrix) -> list:
    """Every eigenvalue exactly: roots of the factors of the characteristic polynomial, by
    radicals up to degree 2 and as ``CRootOf`` above (rational matrices); SymPy's
    ``eigenvals`` otherwise."""
    if all(v.is_Rational for v in H):
        roots = []
        for fp, _ in sp.factor_list(sp.Poly(H.charpoly().as_expr()))[1]:
            if fp.degree() <= 2:
                roots += sp.roots(fp, multiple=True)
            else:
                roots += [sp.CRootOf(fp, k) for k in range(fp.degree())]
        return roots
    return [_real_form(e) for e in H.eigenvals()]


def quadratic_form(H: sp.Matrix, d: tuple) -> sp.Expr:
    """``d^T H d`` exactly."""
    dv = sp.Matrix(d)
    return sp.expand((dv.T * H * dv)[0, 0])


def constant_hessian_facts(H: sp.Matrix) -> ConstantHessianFacts:
    """Eigenvalue facts of a constant symmetric SymPy matrix (exact; can be slow for large
    matrices with irrational spectra, so callers run it under a budget)."""
    eigs = _eigenvalues(H)
    lo, hi = _extreme(eigs)
    s_lo = certified_sign(lo) if lo is not None else None
    s_hi = certified_sign(hi) if hi is not None else None
    Hf = np.array(H.evalf(30).tolist(), dtype=float)
    neg = _simple_direction(H, Hf, -1)
    pos = _simple_direction(H, Hf, 1)
    return ConstantHessianFacts(lo, hi, s_lo, s_hi, neg, pos)


def _simple_direction(H: sp.Matrix, Hf: np.ndarray, which: int) -> tuple | None:
    """A rational direction of curvature of sign ``which`` (exactly checked), simplest first:
    coordinate axes, then ``e_i +- e_j``, then the extreme eigenvector rounded to 1, 2, 3, 6
    digits."""
    n = H.shape[0]
    unit = [tuple(sp.Integer(int(i == k)) for i in range(n)) for k in range(n)]
    cands = list(unit)
    for i, j in combinations(range(n), 2):
        for sgn in (1, -1):
            cands.append(tuple(u + sgn * v for u, v in zip(unit[i], unit[j])))
    w, V = np.linalg.eigh(Hf)
    v = V[:, 0 if which < 0 else -1]
    v = v / np.max(np.abs(v))
    cands += [tuple(rationalize(c, digits) for c in v) for digits in (1, 2, 3, 6)]
    for d in cands[:60]:
        if any(d) and certified_sign(quadratic_form(H, d)) == which:
            return d
    return None


def proven_nonnegative(m: sp.Expr, strict: bool) -> bool:
    """Is the expression proven >= 0 (> 0 when ``strict``)?  A constant by
    :func:`~calcopt.analysis.signs.certified_sign` (SymPy's assumptions on a constant come
    from floating-point digits); otherwise by SymPy's assumptions, trying cheaper forms first,
    then (one variable, rational function) by its real roots."""
    m = sp.sympify(m)
    if m.is_number:
        sign = certified_sign(m)
        return sign == 1 or (sign == 0 and not strict)
    for form in (lambda e: e, sp.cancel, sp.factor, sp.simplify):
        e = form(m)
        verdict = e.is_positive if strict else e.is_nonnegative
        if verdict:
            return True
    return univariate_sign_ok(m, strict)


def univariate_sign_ok(e: sp.Expr, strict: bool = False) -> bool:
    """A rational function with rational coefficients of one assumed Dummy (real, positive or
    nonnegative) proven >= 0 (> 0) on the Dummy's whole range: the real roots of numerator and
    denominator cut the range into pieces of constant sign; each piece is signed exactly at a
    rational point, each root of the numerator is a zero, and no root of the denominator may
    lie in the range.

    >>> t = sp.Dummy("t", real=True)
    >>> univariate_sign_ok(12*t**2 + 6*t + 2), univariate_sign_ok(t**2 - 1)
    (True, False)
    """
    free = e.free_symbols
    if len(free) != 1:
        return False
    (t,) = free
    if not e.is_rational_function(t):
        return False
    num, den = sp.fraction(sp.cancel(sp.together(e)))
    try:
        pn, pd = sp.Poly(num, t, domain="QQ"), sp.Poly(den, t, domain="QQ")
    except (sp.PolynomialError, sp.CoercionFailed):
        return False
    lo = 0 if (t.is_nonnegative or t.is_positive) else None
    inside = (lambda r: r > 0) if t.is_positive else (lambda r: r >= 0) if lo == 0 \
        else (lambda r: True)
    if any(inside(r) for r in sp.real_roots(pd)):
        return False
    zeros = sorted({r for r in sp.real_roots(pn) if inside(r)}, key=lambda r: float(r))
    if zeros and strict:
        return False
    # One exact rational test point strictly inside each piece between consecutive zeros.
    ends = ([sp.Integer(lo) if lo is not None else -sp.oo]
            + [z for z in zeros if lo is None or z > lo] + [sp.oo])
    tests = [sp.Integer(0)] if lo is not None and not t.is_positive else []
    for a, b in zip(ends, ends[1:]):
        if a == -sp.oo:
            q = sp.floor(b) - 1 if b != sp.oo else sp.Integer(0)
        elif b == sp.oo:
            q = sp.floor(a) + 1
        else:
            q = sp.Rational(str(round(float((a + b) / 2), 12)))
        if not (a < q < b):  # two zeros too close for a float midpoint: give up
            return False
        tests.append(q)
    for q in tests:
        v = pn.eval(q) / pd.eval(q)
        if v < 0 or (strict and v == 0):
            return False
    return True


def blocks(H: sp.Matrix) -> list[list[int]]:
    """Index sets of the diagonal blocks of ``H`` (connected components of its nonzero
    pattern): ``H`` is PSD (PD) exactly when every block is.

    >>> blocks(sp.Matrix([[1, 0, 2], [0, 3, 0], [2, 0, 5]]))
    [[0, 2], [1]]
    """
    n = H.shape[0]
    parent = list(range(n))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if H[i, j] != 0:
                parent[root(i)] = root(j)
    groups: dict = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def symbolic_psd(H: sp.Matrix, subs: dict, strict: bool = False) -> bool:
    """Is ``H`` (after ``subs``) positive semidefinite for all values the assumptions allow?

    Block by block (:func:`blocks`).  Semidefinite: every principal minor >= 0.  Definite
    (``strict``): the leading principal minors > 0 (Sylvester).  ``True`` is a proof;
    ``False`` only means "not proven".

    >>> x = sp.Symbol("x", real=True); y = sp.Dummy("y", positive=True)
    >>> H = sp.Matrix([[2/y, -2*x/y**2], [-2*x/y**2, 2*x**2/y**3]])
    >>> symbolic_psd(H, {}), symbolic_psd(H, {}, strict=True)
    (True, False)
    """
    M = H.xreplace(subs)
    for idx in blocks(M):
        B = M.extract(idx, idx)
        n = len(idx)
        if strict:
            if not all(proven_nonnegative(B[:k, :k].det(method="berkowitz"), True)
                       for k in range(1, n + 1)):
                return False
            continue
        for k in range(1, n + 1):
            for rows in combinations(range(n), k):
                minor = B.extract(list(rows), list(rows)).det(method="berkowitz")
                if not proven_nonnegative(minor, False):
                    return False
    return True


def _factor_sign(base: sp.Expr, wrt: tuple, dom: Any) -> int:
    """Certified sign (+1 / -1) of an expression over the whole domain from its interval
    enclosure (0: not certified: may vanish, change sign or be undefined)."""
    if base.is_number:
        s = certified_sign(base)
        return s if s in (1, -1) else 0
    from ..graph import compile as compile_graph
    from .intervals import enclosures

    try:
        g = compile_graph(base, wrt=list(wrt))
        enc = enclosures(g, dom)[g.outputs[0]]
    except Exception:  # a factor calcopt cannot compile: no certificate
        return 0
    if enc.maybe_undefined:
        return 0
    return 1 if enc.lo > 0 else (-1 if enc.hi < 0 else 0)


def _power_sign(factor: sp.Expr, wrt: tuple, dom: Any, strict: bool) -> int | None:
    """Sign of ``base**e`` on the domain: +1 (> 0, or >= 0 for an even power when not
    ``strict``), -1, or ``None`` when not certified."""
    base, e = factor.as_base_exp()
    if e.is_Integer and e > 0 and e % 2 == 0 and not strict:
        return 1
    s = _factor_sign(base, wrt, dom)
    if s == 0 or not e.is_Rational:
        return None
    if e.is_Integer:
        return s ** int(abs(e) % 2) if s == -1 else 1
    return 1 if s == 1 else None


def factor_signs_psd(H: sp.Matrix, dom: Any, strict: bool = False) -> bool:
    """PSD (PD with ``strict``) of ``H`` on the domain by principal (leading) minors whose
    factors are signed one by one: even powers are >= 0, any other factor needs an interval
    enclosure over the domain of one strict sign.  ``True`` is a proof.

    >>> from calcopt.analysis.domain import Domain
    >>> a, b, c = sp.symbols("a b c")
    >>> D = a*c - b**2
    >>> H = sp.hessian(-sp.log(D), (a, b, c))
    >>> half = sp.Rational(1, 2)
    >>> box = Domain((a, b, c), (sp.Interval(1, 2), sp.Interval(-half, half), sp.Interval(1, 2)))
    >>> factor_signs_psd(H, box), factor_signs_psd(H, box, strict=True)
    (True, True)
    """
    wrt = dom.wrt
    for idx in blocks(H):
        B = H.extract(idx, idx)
        n = len(idx)
        minors = ([B[:k, :k] for k in range(1, n + 1)] if strict else
                  [B.extract(list(r), list(r)) for k in range(1, n + 1)
                   for r in combinations(range(n), k)])
        for sub in minors:
            m = sp.factor(sp.cancel(sub.det(method="berkowitz")))
            if m == 0:
                if strict:
                    return False
                continue
            sign = 1
            for factor in sp.Mul.make_args(m):
                s = _power_sign(factor, wrt, dom, strict)
                if s is None:
                    return False
                sign *= s
            if sign < 0:
                return False
    return True
