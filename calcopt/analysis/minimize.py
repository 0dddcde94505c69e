"""``calcopt.argmin``: the global minimiser when it can be proven, else a labelled numeric one.

Proofs tried, in order (each needs the exact stationary points of
:func:`~calcopt.analysis.stationary.stationary_points`):

1. **quadratic**: a constant Hessian with a negative eigenvalue, or a positive semidefinite one
   with no stationary point, means f is unbounded below on R^n (``value = -oo``); positive
   semidefinite plus a stationary point in the (convex) domain is a global minimiser.
2. **coercive polynomial** on R^n (:func:`coercive`: even pure powers dominate every other
   monomial, by weighted AM-GM), so a minimum exists and is a stationary point; with the
   complete list of stationary points, the least value wins.  A polynomial whose top-degree
   part is negative along some direction is unbounded below.
3. **polynomial on a compact box** (at most 4 variables): the least value among the critical
   points of every face (:mod:`~calcopt.analysis.boxmin`); also for quadratics.
4. **lower bound**: ``f - f(x*) >= 0`` proven on the domain (SymPy's sign rules: a sum of
   squares, ...) for a stationary point ``x*``.
5. **convexity** (``calcopt.convexity``) plus a stationary point in the domain.

No stationary point on an open domain (f and its gradient defined on it, no kinks) proves
that no minimiser exists (:mod:`~calcopt.analysis.unattained`): ``x = value = None``.
Functions with kinks (``abs``, ``max``, ...) get none of these: their gradients at kinks are
conventions.  Otherwise: a numeric local search (:mod:`~calcopt.analysis.localmin`), whose
point is only where the search stopped until :mod:`~calcopt.analysis.certify` proves a zero
of the gradient (or a KKT point on a bound) in a small box around it.  With f proven convex,
that is a global minimiser: ``certified=True``, ``exact=False``, ``explanation`` begins
"certified global minimiser" and gives the box radius.  Otherwise ``certified=False``:
``explanation`` begins "not certified" (nothing is proven there; f may have no minimiser at
all), or, for a non-convex f, "numeric local minimiser" with what the certificate proved (a
strict local minimiser, a stationary point).

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> calcopt.argmin(calcopt.compile((x - 1)**2 + 3*(y + 2)**2))
ArgMin(x=(1, -2), value=0, exact=True, certified=True, unique=True)
  explanation: convex quadratic + unique stationary point
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import TYPE_CHECKING, Any, Mapping

import sympy as sp

from .boxmin import box_minimum, is_compact_box
from .budget import BudgetExceeded, call_with_budget
from .certify import certify
from ..errors import OptionError
from .checks import check_timeout, require_no_params
from .conditioning import inertia
from .domain import Domain, resolve_domain
from .localmin import local_search
from .realsolve import is_rational_polynomial
from .signs import certified_sign
from .smoothness import nonsmooth_ops
from .stationary import stationary_points
from .unattained import no_minimiser
from ..results import Result

if TYPE_CHECKING:
    from ..graph import Graph


@dataclass(frozen=True)
class ArgMin(Result):
    """Result of :func:`argmin`: ``x`` (values in ``wrt`` order: exact SymPy numbers when
    proven, floats otherwise; ``None`` when there is no minimiser), ``value`` (f at ``x``;
    ``-oo`` when f is unbounded below), ``exact`` (a proven global minimiser, exactly),
    ``unique`` (``True``/``False``, ``None`` when not known), ``explanation`` (the proof or
    the method; ``how`` is its older name, a read-only alias) and ``certified``: a global
    minimiser provably exists and ``x`` is it (``exact``) or lies within the radius stated in
    ``explanation`` of it (float ``x``: a Krawczyk test on
    ``grad f`` plus proven convexity).  ``certified=False`` with a float ``x``: only where a
    numeric search stopped, and f may have no minimiser at all.  Default: ``exact`` and ``x``
    is not ``None``."""

    x: tuple | None
    value: Any
    exact: bool
    explanation: str
    unique: bool | None = None
    certified: bool | None = None

    _aliases = {"how": "explanation"}
    _repr_title_fields = ("x", "value", "exact", "certified", "unique")
    _repr_approx = ("x",)
    _repr_fields = ("explanation",)

    def __post_init__(self):
        if self.certified is None:
            object.__setattr__(self, "certified", bool(self.exact and self.x is not None))


def coercive(f: sp.Expr, wrt) -> bool:
    """A proof that ``f(x) -> oo`` as ``|x| -> oo`` (polynomial ``f``), or ``False`` (unknown).

    Sufficient test on a polynomial ``R``: every variable has a leading pure power
    ``a_i x_i^(d_i)``, ``d_i`` even, ``a_i > 0``; every other monomial ``c x^alpha`` either is
    nonnegative (even exponents, ``c > 0``) or has weight ``s = sum_i alpha_i / d_i <= 1``.
    Weight ``< 1`` makes it negligible against ``sum_i |x_i|^(d_i)``; weight exactly 1 is
    bounded by ``|c| sum_i (alpha_i / d_i) |x_i|^(d_i)`` (weighted AM-GM) and charged to the
    ``a_i``, which must stay positive.  Tried on ``f`` and on ``f`` minus the terms SymPy
    proves nonnegative and that are not monomials (a lower bound of ``f``).

    >>> x, y, z = sp.symbols("x y z")
    >>> coercive(x**4 + y**4 - x*y**3 + x**2, (x, y)), coercive(x**4 + y, (x, y))
    (True, False)
    >>> coercive((x - 1)**2*(y + 2)**2 + x**2 + y**2 + z**4 - z, (x, y, z))
    True
    """
    if not wrt:
        return False
    reals = {v: sp.Dummy(v.name, real=True) for v in wrt}

    def droppable(t: sp.Expr) -> bool:  # a compound term (not a monomial) proven >= 0
        return len(sp.Add.make_args(sp.expand(t))) > 1 and bool(t.xreplace(reals).is_nonnegative)

    rest = [t for t in sp.Add.make_args(f) if not droppable(t)]
    return _dominated(f, wrt) or (len(rest) < len(sp.Add.make_args(f))
                                  and _dominated(sp.Add(*rest), wrt))


def _dominated(R: sp.Expr, wrt) -> bool:
    if not is_rational_polynomial(R, wrt):
        return False
    terms = sp.Poly(R, *wrt).terms()
    lead: dict[int, tuple[int, sp.Rational]] = {}
    for mon, c in terms:
        used = [i for i, a in enumerate(mon) if a]
        if len(used) == 1 and mon[used[0]] > lead.get(used[0], (0, 0))[0]:
            lead[used[0]] = (mon[used[0]], c)
    if len(lead) < len(wrt) or any(d % 2 or c <= 0 for d, c in lead.values()):
        return False
    charged = [sp.S.Zero] * len(wrt)
    for mon, c in terms:
        used = [i for i, a in enumerate(mon) if a]
        if len(used) == 1 and mon[used[0]] == lead[used[0]][0]:
            continue  # a leading pure power itself
        if c > 0 and all(a % 2 == 0 for a in mon):
            continue  # nonnegative everywhere
        weight = sum(sp.Rational(mon[i], lead[i][0]) for i in used)
        if weight > 1:
            return False
        if weight == 1:
            for i in used:
                charged[i] += abs(c) * sp.Rational(mon[i], lead[i][0])
    return all(lead[i][1] > charged[i] for i in range(len(wrt)))


def unbounded_direction(f: sp.Expr, wrt) -> tuple | None:
    """A direction ``d`` (entries in {-1, 0, 1}) along which the top-degree homogeneous part
    of polynomial ``f`` is negative, proving ``f(t d) -> -oo``; ``None`` if none is found.

    >>> x, y = sp.symbols("x y")
    >>> unbounded_direction(x**3 + y**2, (x, y)), unbounded_direction(x**4 + y**2, (x, y))
    ((-1, 0), None)
    """
    if not wrt or not is_rational_polynomial(f, wrt):
        return None
    P = sp.Poly(f, *wrt)
    d = P.total_degree()
    top = [(mon, c) for mon, c in P.terms() if sum(mon) == d]
    n = len(wrt)
    if n <= 6:
        directions = product((0, 1, -1), repeat=n)
    else:
        directions = [tuple(s * (i == j) for j in range(n)) for i in range(n) for s in (1, -1)]
        directions += [(1,) * n, (-1,) * n]
    for dvec in directions:
        if any(dvec) and sum(c * sp.prod([v ** a for v, a in zip(dvec, mon)]) for mon, c in top) < 0:
            return tuple(dvec)
    return None


def _nonnegative(f: sp.Expr, dom: Domain) -> bool:
    """Is ``f >= 0`` on the domain, by SymPy's sign rules (symbols carry the domain's sign)?"""
    subs = {}
    for s, iv in zip(dom.wrt, dom.intervals):
        lo = iv.inf
        subs[s] = sp.Dummy(s.name, real=True, positive=True if lo.is_positive or (
            lo == 0 and iv.left_open) else None, nonnegative=True if lo.is_nonnegative else None)
    return bool(sp.expand(f).xreplace(subs).is_nonnegative or f.xreplace(subs).is_nonnegative)


def _least(points):
    """``(best, ties)``: a point of least value, proven by exact comparisons with every other
    point, and the points of equal value; ``None`` when a comparison cannot be decided."""
    best = min(points, key=lambda p: sp.re(sp.N(p.value, 50)))
    signs = [certified_sign(p.value - best.value) for p in points]
    if any(s is None or s < 0 for s in signs):
        return None
    return best, [p for p, s in zip(points, signs) if s == 0]


def _quadratic_proof(H: sp.Matrix, dom: Domain, sps, timeout: float) -> ArgMin | None:
    """Constant Hessian: convex + stationary point, or unbounded below (on R^n)."""
    inert = call_with_budget(inertia, H, timeout=timeout)
    if inert is None:
        return None
    isolated = [p for p in sps if not p.free]
    family = [p for p in sps if p.free]
    if inert[1] > 0:
        return ArgMin(None, -sp.oo, True, "unbounded below: the constant Hessian has a "
                      "negative eigenvalue") if dom.is_reals else None
    if isolated:
        return ArgMin(isolated[0].x, isolated[0].value, True,
                      "convex quadratic + unique stationary point", inert[2] == 0)
    if family and dom.is_reals:
        p = family[0]
        free = ", ".join(map(str, p.free))
        x = tuple(sp.sympify(c).subs({v: 0 for v in p.free}) for c in p.x)
        return ArgMin(x, p.value, True, f"convex quadratic; the minimisers form the set {p.x} "
                      f"(free {free}); x is its point with {free} = 0", False)
    if sps.complete and not sps.points and dom.is_reals:
        return ArgMin(None, -sp.oo, True, "unbounded below: convex quadratic without a "
                      "stationary point (f is linear along a null direction of H)")
    return None


def _polynomial_proof(f: sp.Expr, dom: Domain, sps) -> ArgMin | None:
    """On R^n: unbounded along a direction, or coercive with a complete list of points."""
    if not dom.is_reals:
        return None
    direction = unbounded_direction(f, dom.wrt)
    if direction is not None:
        return ArgMin(None, -sp.oo, True, "unbounded below: the top-degree part of the "
                      f"polynomial is negative along {direction}, so f(t*d) -> -oo")
    isolated = [p for p in sps if not p.free]
    if not (isolated and sps.complete and not sps.infinite and coercive(f, dom.wrt)):
        return None
    least = _least(isolated)
    if least is None:
        return None
    best, ties = least
    tie = f" ({len(ties)} tie)" if len(ties) > 1 else ""
    return ArgMin(best.x, best.value, True, "coercive polynomial (dominant pure powers): "
                  f"least value among its {len(isolated)} stationary points{tie}",
                  len(ties) == 1)


def _lower_bound_proof(f: sp.Expr, dom: Domain, sps, timeout: float) -> ArgMin | None:
    """``f >= f(x*)`` on the domain by SymPy's sign rules, for the lowest candidate ``x*``."""
    isolated = [p for p in sps if not p.free]
    candidates = [p for p in isolated if p.kind in ("minimum", "degenerate", None)]
    if not candidates:
        return None
    # only the lowest candidate can be a global minimiser: f >= v fails for any higher v
    p = min(candidates, key=lambda p: sp.re(sp.N(p.value, 50)))
    if not call_with_budget(_nonnegative, f - p.value, dom, timeout=timeout):
        return None
    open_domain = all((iv.left_open or not iv.inf.is_finite) and
                      (iv.right_open or not iv.sup.is_finite) for iv in dom.intervals)
    others = [q for q in isolated if q is not p and certified_sign(q.value - p.value) == 0]
    # on an open domain every minimiser is a stationary point, so the list settles uniqueness
    unique = True if (sps.complete and open_domain and not others) else None
    return ArgMin(p.x, p.value, True, f"lower bound attained: f >= {p.value} on the domain "
                  "(SymPy's sign rules), with equality at the stationary point x", unique)


def _box_proof(f: sp.Expr, dom: Domain, timeout: float) -> ArgMin | None:
    """A polynomial on a compact box (at most 4 variables: 3^n faces): every face searched."""
    if len(dom.wrt) > 4 or not is_compact_box(dom.intervals):
        return None
    try:
        best = call_with_budget(box_minimum, f, dom.wrt, dom.intervals, timeout=timeout)
    except BudgetExceeded:
        return None
    if best is None:
        return None
    return ArgMin(best.points[0], best.value, True, "polynomial on a compact box: least value "
                  f"among the critical points of all {best.faces} faces", len(best.points) == 1)


def _proof(g: "Graph", dom: Domain, sps, timeout: float) -> ArgMin | None:
    if nonsmooth_ops(g):
        return None  # gradients at kinks are conventions: no stationarity-based proof
    f, H = g.to_sympy(), g.hessian()
    if not H.free_symbols & set(dom.wrt):
        return _quadratic_proof(H, dom, sps, timeout) or _box_proof(f, dom, timeout)
    proven = _polynomial_proof(f, dom, sps) or _box_proof(f, dom, timeout) or \
        _lower_bound_proof(f, dom, sps, timeout)
    if proven is not None:
        return proven
    isolated = [p for p in sps if not p.free]
    if isolated:
        cv = _convexity(g, dom, timeout)
        if cv is not None and cv.is_convex:
            return ArgMin(isolated[0].x, isolated[0].value, True, "convex on the domain + "
                          "stationary point", True if cv.strictly else None)
    return None


def _convexity(g: "Graph", dom: Domain, timeout: float):
    """``calcopt.convexity`` on the domain, or ``None`` where it is unavailable."""
    try:
        from .convexity import convexity
        return convexity(g, dict(zip(dom.wrt, dom.intervals)), timeout=timeout)
    except (ImportError, NotImplementedError):
        return None


def _numeric(g: "Graph", dom: Domain, starts: int, seed: int, convex: bool, strictly: bool,
             note: str) -> ArgMin:
    """The local search, and the certificate that decides what its point may be called."""
    found = local_search(g, dom, starts, seed)
    ran = f"{starts} starts, {found.method}"
    if found.x is None:
        seen = "" if found.lowest is None else \
            f"; lowest value seen {found.lowest:.6g}, f may be unbounded below"
        why = "f is proven convex on the domain" if convex else f"not proven global: {note}"
        return ArgMin(None, None, False, f"numeric minimisation found no local minimiser from "
                      f"{starts} starts ({why}{seen})")
    cert = certify(g, dom, found.x)
    x = tuple(float(v) for v in cert.point)
    value = float(g.value(cert.point))
    if not cert.ok:
        claim = ("f is proven convex on the domain, but no minimiser is proven to exist: a "
                 "local search also stops far out where grad f is merely small") if convex \
            else f"not proven global: {note}"
        if found.open_end:
            claim += (f"; x sits at the open end of the domain in {', '.join(found.open_end)}: "
                      "the infimum is probably approached there and not attained")
        return ArgMin(x, value, False, f"not certified: {cert.explanation}; x is where a local search "
                      f"stopped ({ran}); {claim}", None, False)
    if convex:
        # a strict local minimiser of a convex f is its only minimiser (the set is convex)
        return ArgMin(x, value, False, f"certified global minimiser: {cert.explanation}, and f is "
                      f"proven convex on the domain (x from a local search, {ran})",
                      True if strictly or cert.local_min else None, True)
    kind = "a strict local minimiser" if cert.local_min else \
        "a stationary point (not proven a local minimiser)"
    return ArgMin(x, value, False, f"numeric local minimiser from {ran}, certified as {kind}: "
                  f"{cert.explanation}; not proven global: {note}", None, False)


def argmin(g: "Graph", domain: Mapping | None = None, timeout: float = 10.0,
           starts: int = 8, seed: int = 0) -> ArgMin:
    """The global minimiser of ``g`` over ``domain`` when provable, else a numeric one.

    See the module docstring for the proofs tried.  ``timeout`` bounds each exact step;
    ``starts`` and ``seed`` control the numeric fallback.

    >>> import sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> r = calcopt.argmin(calcopt.compile((1 - x)**2 + 100*(y - x**2)**2))
    >>> r.x, r.value, r.exact
    ((1, 1), 0, True)
    """
    dom = resolve_domain(g, domain)
    require_no_params(g, "argmin")
    timeout = check_timeout(timeout)
    if isinstance(starts, bool) or not isinstance(starts, int) or starts < 1:
        raise OptionError(f"starts must be a positive integer; got {starts!r}")
    if not dom.wrt:
        return ArgMin((), g.to_sympy(), True, "f has no variables: it is a constant", True)
    sps = stationary_points(g, domain, timeout)
    try:
        proven = _proof(g, dom, sps, timeout)
    except BudgetExceeded as err:
        proven, sps_note = None, f"exact step {err}"
    else:
        sps_note = sps.explanation
    if proven is not None:
        return proven
    unattained = no_minimiser(g, dom, sps)
    if unattained is not None:  # else the numeric search stops far out, where grad f is small
        return ArgMin(None, None, False, unattained)
    cv = None if nonsmooth_ops(g) else _convexity(g, dom, timeout)
    convex = cv is not None and bool(cv.is_convex)
    return _numeric(g, dom, starts, seed, convex, convex and bool(cv.strictly),
                    f"no exact proof; stationary points: {sps_note}")
