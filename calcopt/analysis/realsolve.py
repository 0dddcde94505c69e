"""All real solutions of a zero-dimensional polynomial system, exactly (used by ``stationary``).

Method (the shape lemma): make the ideal radical (add the square-free part of each variable's
eliminant, Seidenberg's lemma), add a separating linear form ``T = x1 + c2 x2 + ...`` and take
a lex Groebner basis with ``T`` last.  In shape position it reads
``x_i - p_i(T)`` (i = 1..n) and ``q(T)``, so the solutions are exactly
``x_i = p_i(r)`` for the roots ``r`` of ``q``; the real ones come from the real roots of ``q``.
Every point is then an element of a number field ``Q[T]/(m)`` (``m`` an irreducible factor of
``q``): zero tests are exact polynomial remainders, and signs of nonzero numbers come from
evaluation at the isolated real root (``CRootOf`` evaluation is certified).

Unlike ``sympy.solve`` (radicals with ``I`` for three real roots of a cubic, no guarantee that
every solution is found for some systems), this yields every real solution, each coordinate a
rational, a quadratic surd or a polynomial in a ``CRootOf``.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> sols = real_solutions([x**2 - 2, y - x], (x, y))
>>> [s.coords for s in sols]
[(-sqrt(2), -sqrt(2)), (sqrt(2), sqrt(2))]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Callable, Sequence

import sympy as sp

from .signs import certified_sign


class NotZeroDimensional(Exception):
    """The system has infinitely many complex solutions (or is not in reach of the method)."""


@dataclass
class AlgebraicPoint:
    """One real solution: ``coords`` (exact), and ``sign(p)`` for any polynomial in the
    variables (exact zero test, certified sign of nonzero values)."""

    coords: tuple[sp.Expr, ...]
    sign: Callable[[sp.Expr], int | None]
    value_of: Callable[[sp.Expr], sp.Expr]


def _is_polynomial_system(polys: Sequence[sp.Expr], wrt: Sequence[sp.Symbol]) -> bool:
    try:
        return all(sp.Poly(p, *wrt).domain.is_QQ or sp.Poly(p, *wrt).domain.is_ZZ
                   for p in polys)
    except sp.PolynomialError:
        return False


def is_rational_polynomial(expr: sp.Expr, wrt: Sequence[sp.Symbol]) -> bool:
    """Is ``expr`` a polynomial in ``wrt`` with rational coefficients?"""
    return _is_polynomial_system([expr], wrt)


def _lex(polys: list[sp.Expr], gens: tuple) -> sp.GroebnerBasis:
    """Lex Groebner basis of a zero-dimensional ideal: grevlex, then FGLM (much faster than
    Buchberger in lex order directly)."""
    return sp.groebner(polys, *gens, order="grevlex").fglm("lex")


def _radical(polys: list[sp.Expr], wrt: tuple[sp.Symbol, ...]) -> list[sp.Expr]:
    extra = []
    for v in wrt:
        others = [w for w in wrt if w != v]
        basis = _lex(polys, (*others, v))
        elim = [p for p in basis.exprs if p.free_symbols <= {v}]
        if elim:
            extra.append(sp.Poly(elim[-1], v).sqf_part().as_expr())
    return polys + extra


def _shape(polys: list[sp.Expr], wrt: tuple[sp.Symbol, ...], T: sp.Symbol):
    n = len(wrt)
    for coeffs in product(*[(1,)] + [(1, 2, -1, 3, -2, 5)] * (n - 1)):
        basis = _lex(polys + [T - sum(c * v for c, v in zip(coeffs, wrt))], (*wrt, T)).exprs
        if len(basis) != n + 1 or not basis[-1].free_symbols <= {T}:
            continue
        params = []
        for v, b in zip(wrt, basis):
            pb = sp.Poly(b, *wrt, T)
            if b.free_symbols - {v, T} or pb.degree(v) != 1:
                break
            lc = sp.Poly(b, v).coeff_monomial(v)
            if lc.free_symbols:
                break
            params.append(sp.Poly(sp.expand(-(b - lc * v) / lc), T))
        else:
            return params, sp.Poly(basis[-1], T)
    raise NotZeroDimensional("no separating linear form found")


def _roots_of(m: sp.Poly) -> list[sp.Expr]:
    if m.degree() <= 2:
        return sorted((r for r in sp.roots(m, filter="R")), key=lambda r: r.evalf(30))
    return [sp.CRootOf(m, k) for k in range(m.count_roots())]


def real_solutions(polys: Sequence[sp.Expr], wrt: Sequence[sp.Symbol]) -> list[AlgebraicPoint]:
    """Every real solution of ``polys = 0`` (rational coefficients, finitely many complex
    solutions), or :class:`NotZeroDimensional`."""
    wrt = tuple(wrt)
    polys = [sp.expand(p) for p in polys if sp.expand(p) != 0]
    if not _is_polynomial_system(polys, wrt):
        raise NotZeroDimensional("not a polynomial system with rational coefficients")
    if not polys:
        raise NotZeroDimensional("every point is a solution")
    basis = sp.groebner(polys, *wrt, order="grevlex")
    if basis.exprs == [1]:
        return []
    if not basis.is_zero_dimensional:
        raise NotZeroDimensional("infinitely many solutions")
    basis = basis.fglm("lex")
    T = sp.Dummy("T")
    params, q = _shape(_radical(list(basis.exprs), wrt), wrt, T)
    points = []
    for m, _ in q.factor_list()[1]:
        field = _Field(m, params, wrt, T)
        points += [field.point(r) for r in _roots_of(m)]
    return points


class _Field:
    """Arithmetic in ``Q[T]/(m)`` for the solutions ``x_i = p_i(T)``, ``m(T) = 0``: every
    polynomial in the variables reduces to a polynomial in ``T`` of degree < deg m (cached)."""

    def __init__(self, m: sp.Poly, params, wrt, T) -> None:
        self.m, self.params, self.wrt, self.T = m, [p.rem(m) for p in params], wrt, T
        self._powers: dict = {}
        self._reduced: dict = {}

    def power(self, i: int, k: int) -> sp.Poly:
        if k == 0:
            return sp.Poly(1, self.T, domain="QQ")
        key = (i, k)
        if key not in self._powers:
            self._powers[key] = (self.power(i, k - 1) * self.params[i]).rem(self.m)
        return self._powers[key]

    def reduce(self, expr: sp.Expr) -> sp.Poly:
        expr = sp.sympify(expr)
        if expr not in self._reduced:
            total = sp.Poly(0, self.T, domain="QQ")
            for mon, c in sp.Poly(expr, *self.wrt, domain="QQ").terms():
                term = sp.Poly(c, self.T, domain="QQ")
                for i, k in enumerate(mon):
                    if k:
                        term = (term * self.power(i, k)).rem(self.m)
                total += term
            self._reduced[expr] = total.rem(self.m)
        return self._reduced[expr]

    def point(self, r: sp.Expr) -> AlgebraicPoint:
        m, T = self.m, self.T

        def value_of(expr: sp.Expr) -> sp.Expr:
            red = self.reduce(expr)
            if m.degree() <= 2 or red.degree() < 1:
                return sp.expand(red.as_expr().subs(T, r))
            return _as_root(red, m, r, T)

        def sign(expr: sp.Expr) -> int | None:
            red = self.reduce(expr)
            return 0 if red.is_zero else certified_sign(red.as_expr().subs(T, r))

        return AlgebraicPoint(tuple(value_of(v) for v in self.wrt), sign, value_of)


_ROOT_VAR = sp.Symbol("t")


def _compose_mod(f: sp.Poly, p: sp.Poly, m: sp.Poly) -> sp.Poly:
    """``f(p(T)) mod m`` by Horner's rule, reducing at every step."""
    acc = sp.Poly(0, p.gens[0], domain="QQ")
    for c in f.all_coeffs():
        acc = (acc * p + c).rem(m)
    return acc


def _as_root(p: sp.Poly, m: sp.Poly, r: sp.Expr, T) -> sp.Expr:
    """``p(r)`` written as a ``CRootOf`` of its own minimal polynomial (readable, and SymPy
    compares and evaluates it directly); ``p(r)`` itself when that fails."""
    c = p.as_expr().subs(T, r)
    approx = c.evalf(50)
    res = sp.Poly(m.as_expr(), T, _ROOT_VAR).resultant(
        sp.Poly(_ROOT_VAR - p.as_expr(), T, _ROOT_VAR))
    for f, _ in sp.Poly(res.as_expr(), _ROOT_VAR).factor_list()[1]:
        if not _compose_mod(f, p, m).is_zero:
            continue  # f(p(r)) != 0 exactly: not the minimal polynomial of p(r)
        candidates = _roots_of(f)
        close = [z for z in candidates if abs(z.evalf(50) - approx) < sp.Float(10) ** -40]
        if len(close) == 1:
            return close[0]
    return c
