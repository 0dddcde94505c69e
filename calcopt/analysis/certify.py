"""A proof that a zero of ``grad f`` lies near a numeric point: the Krawczyk test.

A local search stops where the gradient is *small*, which is not where it vanishes:
``exp(x + y) + (x - y)**2`` is strictly convex and has no minimiser (its infimum 0 is
approached as ``x = y -> -oo``), yet trust-exact stops near ``x = y = -5``.  So ``argmin``
reports a numeric point as a minimiser only after this test.

**Krawczyk** (R. Krawczyk, *Computing* 4, 1969; R. E. Moore, *SIAM J. Numer. Anal.* 14,
1977; A. Neumaier, *Interval Methods for Systems of Equations*, 1990, ch. 5): for a box ``X``
around ``c``, any real matrix ``Y`` (here the inverse of the numeric Hessian at ``c``), an
interval enclosure ``G(c)`` of ``grad f(c)`` and ``H(X)`` of the Hessian over ``X``, if

    K(X) = c - Y G(c) + (I - Y H(X)) (X - c)

lies in the interior of ``X``, then ``grad f`` has exactly one zero in ``X``, and it lies in
``K(X)``.  Every enclosure is outward rounded (:mod:`calcopt.interval.arith`, python-flint
``arb``); the products and sums of the formula are ``arb`` balls.  The test needs ``f`` twice
continuously differentiable on ``X`` (every node defined and smooth there, checked on the
enclosures) and ``X`` inside the domain.

**Points on a closed bound** (L-BFGS-B on a box domain): the coordinates at a bound are fixed
there (their intervals enclose the exact bound) and the test runs on the other coordinates'
partial derivatives; the fixed ones must have the sign of the KKT conditions over the box
(``>= 0`` at a lower bound, ``<= 0`` at an upper one).  For convex ``f`` on the box-shaped
domain such a KKT point is a global minimiser.

**Local minimality**: the interval Hessian of the free coordinates positive definite on ``X``
(scaled Gershgorin) and strict KKT signs make the point a strict local minimiser.

>>> import sympy as sp, calcopt
>>> from calcopt.analysis.domain import resolve_domain
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(sp.exp(x) + sp.exp(-2*x) + y**2)       # x* = log(2)/3, y* = 0
>>> cert = certify(g, resolve_domain(g), [0.231, 0.0])
>>> cert.ok, cert.local_min, abs(cert.point[0] - 0.2310490601866484) <= cert.radius < 1e-12
(True, True, True)
>>> g = calcopt.compile(sp.exp(x + y) + (x - y)**2)             # no minimiser at all
>>> print(certify(g, resolve_domain(g), [-5.25, -5.25]).explanation)
a Newton step from x has length 0.5 (grad f is small there but not close to a simple zero)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Sequence

import numpy as np
from flint import arb

from ..interval import arith as ia
from ..results import Result
from .domain import Domain
from .intervals import gershgorin, node_enclosures
from .smoothness import nonsmooth_node, nonsmooth_ops

if TYPE_CHECKING:
    from ..graph import Graph

_AT_BOUND = 1e-7    # relative distance to a closed bound that counts as on it (L-BFGS-B)
_RHO_MIN = 1e-10    # smallest relative box radius: above the rounding of G(c)
_RHO_MAX = 1e-4     # beyond this the point is not near a simple zero: no point growing X
_GROWTH = 100.0


@dataclass(frozen=True)
class Certificate(Result):
    """Result of :func:`certify`: ``ok`` (a zero of the gradient, or a KKT point, provably
    lies within ``radius`` of ``point`` in the max norm), ``point`` (the candidate after a
    few Newton steps; coordinates at a bound sit on it), ``active`` (names of the variables
    at a bound), ``local_min`` (it is provably a strict local minimiser) and ``explanation``
    (what was proven, or why the test failed; ``why``: its older name, a read-only alias)."""

    ok: bool
    point: np.ndarray
    radius: float | None
    explanation: str
    active: tuple[str, ...] = ()
    local_min: bool = False

    _aliases = {"why": "explanation"}


def _active_bounds(dom: Domain, c: np.ndarray) -> dict[int, tuple[ia.Interval, int, float]]:
    """Coordinates on a closed finite bound: ``{i: (enclosure of the bound, side, float)}``,
    side ``1`` at a lower bound and ``-1`` at an upper one."""
    out = {}
    for i, iv in enumerate(dom.intervals):
        for b, side, is_open in ((iv.inf, 1, iv.left_open), (iv.sup, -1, iv.right_open)):
            if b.is_finite and not is_open:
                bf = float(b)
                if abs(c[i] - bf) <= _AT_BOUND * (1 + abs(bf)):
                    out[i] = (ia.from_number(b), side, bf)
    return out


def _polish(g: "Graph", c: np.ndarray, free: list[int], dom: Domain) -> np.ndarray:
    """A few float Newton steps on the free coordinates, kept only while the gradient shrinks:
    the box can then be a few ulps wide instead of the search's tolerance."""
    if not free:
        return c
    with np.errstate(all="ignore"):
        for _ in range(4):
            gr = g.grad(c)[free]
            try:
                step = np.linalg.solve(g.hess(c)[np.ix_(free, free)], gr)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)) or \
                    np.max(np.abs(step) / (1 + np.abs(c[free]))) > _RHO_MAX:
                break
            new = c.copy()
            new[free] -= step
            inside = all(_inside_domain(dom, j, new[j], new[j]) for j in free)
            if not inside or np.array_equal(new, c) or \
                    not np.linalg.norm(g.grad(new)[free]) <= np.linalg.norm(gr):
                break
            c = new
    return c


def _ball(x: ia.Interval) -> arb | None:
    return arb(x.lo).union(arb(x.hi)) if np.isfinite(x.lo) and np.isfinite(x.hi) else None


def _inside_domain(dom: Domain, j: int, lo: float, hi: float) -> bool:
    """Is ``[lo, hi]`` inside the domain's interval of variable ``j`` (rigorously)?"""
    iv = dom.intervals[j]
    if iv.inf.is_finite:
        b = ia.from_number(iv.inf).hi
        if lo < b or (lo == b and (iv.left_open or ia.from_number(iv.inf).lo != b)):
            return False
    if iv.sup.is_finite:
        b = ia.from_number(iv.sup).lo
        if hi > b or (hi == b and (iv.right_open or ia.from_number(iv.sup).hi != b)):
            return False
    return True


def _enclose(g: "Graph", variables: dict) -> list | None:
    """The enclosures of ``g``'s outputs, ``None`` if a node may be undefined or an output is
    unbounded."""
    enc = node_enclosures(g, variables)
    if any(e.maybe_undefined for e in enc):
        return None
    out = [enc[o] for o in g.outputs]
    return None if any(not (np.isfinite(e.lo) and np.isfinite(e.hi)) for e in out) else out


def _positive_definite(lo: np.ndarray, hi: np.ndarray) -> bool:
    """Every symmetric matrix in ``[lo, hi]`` is positive definite (scaled Gershgorin)."""
    k = lo.shape[0]
    if k == 0:
        return True
    diag = (lo.diagonal() + hi.diagonal()) / 2
    scalings = [[Fraction(1)] * k]
    if np.all(diag > 0):
        scalings.append([Fraction(1 / np.sqrt(v)).limit_denominator(10**9) for v in diag])
    return any((low := gershgorin(lo, hi, d)[0]) is not None and low > 0 for d in scalings)


def _upward(r: float) -> str:
    """``r`` to two digits, rounded up: the stated radius must not undercut the proven one."""
    if r == 0:
        return "0"
    text = f"{r:.1e}"
    while float(text) < r:
        mant, exp = text.split("e")
        text = f"{float(mant) + 0.1:.1f}e{exp}"
    return text


def _fail(c: np.ndarray, why: str, active=()) -> Certificate:
    return Certificate(False, c, None, why, tuple(active))


def certify(g: "Graph", dom: Domain, point: Sequence[float]) -> Certificate:
    """The Krawczyk test (module docstring) on boxes around ``point``, grown twice if needed.

    ``dom``: the resolved domain of ``g``; ``point``: floats in ``wrt`` order.

    >>> import sympy as sp, calcopt
    >>> from calcopt.analysis.domain import resolve_domain
    >>> x = sp.Symbol("x")
    >>> g = calcopt.compile(x**2)
    >>> on_bound = certify(g, resolve_domain(g, {x: (1, 2)}), [1.0])
    >>> on_bound.ok, on_bound.active, on_bound.radius
    (True, ('x',), 0.0)
    """
    c = np.array(point, dtype=float)
    wrt = dom.wrt
    if not np.all(np.isfinite(c)):
        return _fail(c, "x is not finite")
    if nonsmooth_ops(g):
        return _fail(c, f"f has kinks ({', '.join(nonsmooth_ops(g))}): no gradient to test")
    active = _active_bounds(dom, c)
    names = [str(wrt[i]) for i in sorted(active)]
    for i, (_, _, bf) in active.items():
        c[i] = bf
    free = [j for j in range(len(c)) if j not in active]
    c = _polish(g, c, free, dom)
    G, H = g.gradient_graph(), g.hessian_graph()
    fixed = {wrt[i]: enc for i, (enc, _, _) in active.items()}
    at_c = _enclose(G, {**fixed, **{wrt[j]: ia.Interval(c[j], c[j]) for j in free}})
    if at_c is None:
        return _fail(c, "grad f may be undefined or unbounded at x", names)
    gc = [_ball(at_c[j].interval) for j in free]
    try:
        Y = np.linalg.inv(g.hess(c)[np.ix_(free, free)]) if free else np.zeros((0, 0))
    except np.linalg.LinAlgError:
        return _fail(c, "the numeric Hessian at x is singular", names)
    if not np.all(np.isfinite(Y)):
        return _fail(c, "the numeric Hessian at x is singular or not finite", names)
    scale = 1 + np.abs(c[free])
    newton = np.abs(Y @ np.array([float(b.mid()) for b in gc])) if free else np.zeros(0)
    rho = max(_RHO_MIN, 4 * float(np.max(newton / scale, initial=0.0)))
    if rho > _RHO_MAX:
        return _fail(c, f"a Newton step from x has length {np.max(newton):.2g} (grad f is "
                     "small there but not close to a simple zero)", names)
    for _ in range(3):
        cert, grow = _krawczyk(g, G, H, dom, c, free, active, fixed, gc, Y, rho * scale)
        if isinstance(cert, Certificate):
            return Certificate(cert.ok, c, cert.radius, cert.explanation, tuple(names), cert.local_min)
        if not grow:
            break
        rho *= _GROWTH  # a larger box tolerates more rounding in G(c), if H stays tight
    return _fail(c, cert, names)


def _krawczyk(g, G, H, dom, c, free, active, fixed, gc, Y, r) -> tuple[Certificate | str, bool]:
    """One box of radii ``r`` (free coordinates): a certificate, or why it failed and whether
    a larger box could pass."""
    wrt = dom.wrt
    X = {}
    for j, rj in zip(free, r):
        lo, hi = ia.down(arb(c[j]) - float(rj)), ia.up(arb(c[j]) + float(rj))
        if not _inside_domain(dom, j, lo, hi):
            return f"the box around x leaves the domain in {wrt[j]}", False
        X[j] = (lo, hi)
    box = {**fixed, **{wrt[j]: ia.Interval(*X[j]) for j in free}}
    bad = nonsmooth_node(g, node_enclosures(g, box))
    if bad is not None:
        return f"f is not proven twice differentiable near x: {bad}", False
    grad, hess = _enclose(G, box), _enclose(H, box)
    if grad is None or hess is None:
        return "grad f or its Hessian may be undefined or unbounded near x", False
    n = len(wrt)
    k = len(free)
    HX = [[_ball(hess[a * n + b].interval) for b in free] for a in free]
    D = [(arb(X[j][0]) - c[j]).union(arb(X[j][1]) - c[j]) for j in free]
    radius = 0.0
    for a in range(k):
        Ka = arb(c[free[a]])
        for b in range(k):
            Ka -= float(Y[a, b]) * gc[b]
            M = arb(1 if a == b else 0)
            for m in range(k):
                M -= float(Y[a, m]) * HX[m][b]
            Ka += M * D[b]
        j = free[a]
        if not (Ka > arb(X[j][0]) and Ka < arb(X[j][1])):
            return (f"the Krawczyk test failed: K(X) is not inside the box X of radius "
                    f"{float(max(r)):.1e} around x"), True
        radius = max(radius, ia.up(Ka - c[j]), ia.up(c[j] - Ka))
    signs = []
    for i, (enc, side, bf) in sorted(active.items()):
        e = grad[i]
        into = e.lo if side == 1 else -e.hi  # the slope into the domain must be >= 0 (KKT)
        if into < 0:
            return (f"at the bound of {wrt[i]}, df/d{wrt[i]} in [{e.lo:.3g}, {e.hi:.3g}] is not "
                    "proven to have the KKT sign"), False
        signs.append(into > 0)
        radius = max(radius, enc.hi - bf, bf - enc.lo)  # the bound itself may not be a float
    lo = np.array([[hess[a * n + b].lo for b in free] for a in free]).reshape(k, k)
    hi = np.array([[hess[a * n + b].hi for b in free] for a in free]).reshape(k, k)
    local = all(signs) and _positive_definite(lo, hi)
    what = "a zero of grad f" if not active else "a KKT point (" + ", ".join(
        f"{wrt[i]} at its {'lower' if s == 1 else 'upper'} bound, df/d{wrt[i]} "
        f"{'>' if s == 1 else '<'}= 0 there" for i, (_, s, _) in sorted(active.items())) + (
        "; the other partial derivatives vanish)" if free else ")")
    return Certificate(True, c, radius, f"{what} lies within {_upward(radius)} of x (max norm; "
                       "Krawczyk test in interval arithmetic)", local_min=local), False
