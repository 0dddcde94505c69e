"""Exact positive-semidefiniteness of Hessians: constant ones by exact eigenvalues, others by
principal minors under SymPy's sign assumptions.

A Hessian test proves convexity only where the function is twice continuously
differentiable, so :func:`nonsmooth_ops` says which operations of a graph have kinks or jumps
(``abs``, ``max``, ``Piecewise``, ...).  It is derived from SymPy, not from a list of names:
an operation is smooth when SymPy's first and second derivatives of it on real arguments
contain no ``sign``, ``Heaviside``, ``DiracDelta``, ``Piecewise``, ``Abs``, ``Max``/``Min``
or unevaluated derivative.  (A primitive-table field ``smooth`` overrides the probe.)

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> nonsmooth_ops(calcopt.compile(abs(x) + sp.exp(y)))
['abs']
>>> r = constant_hessian_facts(sp.Matrix([[4, 1], [1, 2]]))
>>> r.lambda_min, r.lambda_max
(3 - sqrt(2), sqrt(2) + 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from ..primitives import BY_NAME
from .domain import rationalize
from .exact import certified_sign

if TYPE_CHECKING:
    from ..graph import Graph

_KINKS = (sp.sign, sp.Heaviside, sp.DiracDelta, sp.Piecewise, sp.Abs, sp.Max, sp.Min,
          sp.Derivative, sp.Subs)


@lru_cache(maxsize=None)
def is_smooth_op(name: str) -> bool:
    """Is the primitive twice continuously differentiable on the interior of its domain?"""
    prim = BY_NAME[name]
    field = getattr(prim, "smooth", None)
    if field is not None:
        return bool(field)
    if prim.arity == 0:
        return True
    args = sp.symbols(f"a0:{prim.arity or 3}", real=True)
    try:
        e = prim.to_sympy(*args)
        second = [sp.diff(e, a, b) for a in args for b in args] + [sp.diff(e, a) for a in args]
    except Exception:  # an entry that is not a plain function of real arguments
        return False
    return not any(d.has(*_KINKS) for d in second)


def nonsmooth_ops(g: "Graph") -> list[str]:
    """Sorted names of the operations of ``g`` that are not smooth (see the module doc)."""
    return sorted({g.op(i) for i in range(len(g)) if g.kind(i) == "operation"
                   and not is_smooth_op(g.op(i))})


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


def _nonnegative(m: sp.Expr, strict: bool) -> bool:
    """Is the expression proven >= 0 (> 0 when ``strict``) by SymPy's assumptions, trying
    cheaper forms first?"""
    for form in (lambda e: e, sp.cancel, sp.factor, sp.simplify):
        e = form(m)
        verdict = e.is_positive if strict else e.is_nonnegative
        if verdict:
            return True
    return False


def symbolic_psd(H: sp.Matrix, subs: dict, strict: bool = False) -> bool:
    """Is ``H`` (after ``subs``) positive semidefinite for all values the assumptions allow?

    Semidefinite: every principal minor >= 0.  Definite (``strict``): the leading principal
    minors > 0 (Sylvester).  ``True`` is a proof; ``False`` only means "not proven".

    >>> x = sp.Symbol("x", real=True); y = sp.Dummy("y", positive=True)
    >>> H = sp.Matrix([[2/y, -2*x/y**2], [-2*x/y**2, 2*x**2/y**3]])
    >>> symbolic_psd(H, {}), symbolic_psd(H, {}, strict=True)
    (True, False)
    """
    M = H.xreplace(subs)
    n = M.shape[0]
    if strict:
        return all(_nonnegative(M[:k, :k].det(method="berkowitz"), True) for k in range(1, n + 1))
    for k in range(1, n + 1):
        for rows in combinations(range(n), k):
            minor = M.extract(list(rows), list(rows)).det(method="berkowitz")
            if not _nonnegative(minor, False):
                return False
    return True
