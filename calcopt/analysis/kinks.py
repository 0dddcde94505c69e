"""Convexity of one-variable functions with kinks (``abs``, ``max``, ``Piecewise``, ...).

Theorem used: a function continuous on an interval, convex on each closed piece between
consecutive switch points, whose left derivative is <= its right derivative at every switch
point, is convex (its derivative is nondecreasing).  Everything comes from SymPy, with no list
of kink operations: the expression is rewritten with ``Piecewise`` (SymPy's own rewrite of
``Abs``, ``Max``, ``Heaviside``, ``sign``, ...); the *switch points* are the real roots of
``lhs - rhs`` of every relation in the conditions; on each open piece every ``Piecewise`` is
*frozen* to the branch that holds at a rational point of that piece (no condition changes
inside a piece), which leaves a smooth expression whose second derivative is signed under the
piece's sign assumptions.  Continuity and the one-sided derivatives at switch points are
compared exactly.

Examples
--------
>>> import sympy as sp
>>> x = sp.Symbol("x", real=True)
>>> huber = sp.Piecewise((x**2 / 2, sp.Abs(x) <= 1), (sp.Abs(x) - sp.Rational(1, 2), True))
>>> univariate_kink_verdict(huber, x, sp.S.Reals, convex=True)
"convex on (-oo, -1], [-1, 0], [0, 1], [1, oo); f continuous and f'(s-) <= f'(s+) at s = -1, 0, 1"
>>> univariate_kink_verdict(-abs(x), x, sp.S.Reals, convex=False)
"concave on (-oo, 0], [0, oo); f continuous and f'(s-) >= f'(s+) at s = 0"
>>> univariate_kink_verdict(abs(x - 1) - abs(x), x, sp.S.Reals, convex=True) is None
True
"""

from __future__ import annotations

import sympy as sp
from sympy.calculus.util import continuous_domain

from .domain import rationalize
from .psd import proven_nonnegative
from .signs import certified_sign


def switch_points(expr: sp.Expr, x: sp.Symbol, interval: sp.Interval) -> list | None:
    """Sorted real roots inside ``interval`` of every relation in the ``Piecewise`` form of
    ``expr``; ``None`` when some root set is not a finite set SymPy can list, or some
    ``lhs - rhs`` is not continuous on the interval."""
    points: set = set()
    for rel in expr.atoms(sp.core.relational.Relational):
        gap = rel.lhs - rel.rhs
        # A sign change without a root (a pole) would be missed: only continuous gaps.
        if continuous_domain(gap, x, interval) != interval:
            return None
        roots = sp.solveset(gap, x, sp.S.Reals)
        if not isinstance(roots, sp.FiniteSet):
            if roots is sp.S.EmptySet:
                continue
            return None
        for r in roots:
            if interval.contains(r) is sp.true and not r.has(sp.I):
                points.add(r)
    return sorted(points, key=lambda r: float(r))


def _freeze(expr: sp.Expr, x: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    """Every Piecewise replaced by its branch that holds at ``x = at`` (innermost first)."""
    def active(*pairs):
        for e, cond in pairs:
            held = cond.xreplace({x: at}) if isinstance(cond, sp.Basic) else cond
            if held is sp.true or held is True:
                return e
            if held is not sp.false and held is not False:
                raise ValueError("undecided condition")
        raise ValueError("no branch holds")

    try:
        return expr.replace(lambda e: isinstance(e, sp.Piecewise),
                            lambda e: active(*e.args))
    except ValueError:
        return None


def _inside(lo: sp.Expr, hi: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """A rational point of (lo, hi) and the open piece as an expression in a positive Dummy."""
    p = sp.Dummy("p", positive=True)
    if lo.is_finite and hi.is_finite:
        mid = (lo + hi) / 2
        point = mid if mid.is_Rational else rationalize(float(mid), 9)
        if not (lo < point < hi):  # rounding left the piece (a piece narrower than 1e-9)
            raise ValueError("piece too narrow")
        return point, (lo + hi * p) / (1 + p)
    if lo.is_finite:
        return sp.floor(lo) + 1, lo + p
    if hi.is_finite:
        return sp.ceiling(hi) - 1, hi - p
    return sp.Integer(0), sp.Dummy("r", real=True)


def univariate_kink_verdict(expr: sp.Expr, x: sp.Symbol, interval: sp.Interval,
                            convex: bool) -> str | None:
    """A proof (as text) that ``expr`` is convex (``convex=True``) or concave on the interval,
    or ``None`` when the theorem above cannot be applied.  The caller has proven ``expr``
    defined on the interval."""
    f = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    points = switch_points(f, x, sp.Interval(interval.inf, interval.sup))
    if points is None:
        return None
    inner = [s for s in points if interval.inf < s < interval.sup]
    edges = [interval.inf] + inner + [interval.sup]
    sgn = 1 if convex else -1
    pieces = []
    for lo, hi in zip(edges, edges[1:]):
        try:
            point, param = _inside(lo, hi)
        except ValueError:
            return None
        piece = _freeze(f, x, point)
        if piece is None or piece.has(sp.Piecewise, sp.Abs, sp.Max, sp.Min, sp.sign,
                                      sp.Heaviside):
            return None
        second = sgn * sp.diff(piece, x, 2)
        if second != 0 and not proven_nonnegative(second.xreplace({x: param}), False):
            return None
        pieces.append(piece)
    for k, s in enumerate(points):
        value = f.xreplace({x: s})
        sides = []
        if k_left := [j for j in range(len(edges) - 1) if edges[j + 1] == s]:
            sides.append(pieces[k_left[0]])
        if k_right := [j for j in range(len(edges) - 1) if edges[j] == s]:
            sides.append(pieces[k_right[0]])
        for piece in sides:  # continuity at s (from each side that lies in the interval)
            if sp.simplify(piece.xreplace({x: s}) - value) != 0:
                return None
        if len(sides) == 2:
            jump = sgn * (sp.diff(sides[1], x) - sp.diff(sides[0], x)).xreplace({x: s})
            if certified_sign(jump) not in (0, 1):
                return None
    closed = []
    for lo, hi in zip(edges, edges[1:]):
        closed.append(("[" if lo.is_finite else "(") + f"{lo}, {hi}" + ("]" if hi.is_finite
                                                                         else ")"))
    rel = "<=" if convex else ">="
    text = f"{'convex' if convex else 'concave'} on {', '.join(closed)}"
    if inner:
        text += (f"; f continuous and f'(s-) {rel} f'(s+) at s = "
                 + ", ".join(str(s) for s in inner))
    return text
