"""``calcopt.stationary_points``: exact solutions of grad f = 0, classified by the exact Hessian.

Three routes, most certain first, all inside one time budget (a forked child process,
:func:`~calcopt.analysis.budget.call_with_budget`, so SymPy can never hang the caller):

* **quadratic** (constant Hessian): ``sympy.linsolve`` on the exact gradient; complete.  A
  quadratic is its own second-order Taylor expansion, so a positive *semi*definite Hessian
  already proves a (non-strict) minimum; a solution set with free variables is a line (plane,
  ...) of stationary points, reported as one :class:`StationaryPoint` with ``free`` set.
* **polynomial** with rational coefficients and finitely many complex critical points: every
  real solution exactly (:mod:`~calcopt.analysis.realsolve`); complete.
* **anything else**: ``sympy.solveset`` (one variable) or ``sympy.solve``; complete only when
  ``solveset`` returns a finite set, otherwise ``complete=False`` (``solve`` may miss solutions
  of transcendental systems).

Only real points inside the domain are kept.  Classification of an isolated point uses the
inertia of the exact Hessian there: ``"minimum"`` (positive definite), ``"maximum"``,
``"saddle"`` (eigenvalues of both signs), ``"degenerate"`` (semidefinite and singular: the
second-order test cannot decide), or ``None`` when a sign cannot be decided.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> crit = calcopt.stationary_points(calcopt.compile(x**2 - y**2))
>>> crit.complete, [(p.x, p.kind) for p in crit]
(True, [((0, 0), 'saddle')])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import sympy as sp

from .budget import BudgetExceeded, call_with_budget
from .checks import check_timeout, require_no_params
from .conditioning import inertia, inertia_from_signs
from .domain import Domain, resolve_domain
from .realsolve import NotZeroDimensional, real_solutions
from .signs import certified_sign
from .smoothness import nonsmooth_ops
from ..results import Result

if TYPE_CHECKING:
    from ..graph import Graph

__all__ = ["StationaryPoint", "StationaryPoints", "stationary_points"]


@dataclass(frozen=True)
class StationaryPoint(Result):
    """One stationary point, or a family of them.

    ``x``: exact coordinates in ``wrt`` order (for a family they contain the ``free``
    variables: ``(-y, y)`` with ``free=(y,)`` is the line ``x = -y``); ``value``: f there;
    ``kind``: ``"minimum"``, ``"maximum"``, ``"saddle"``, ``"degenerate"`` or ``None``;
    ``explanation``: how the kind was decided (``note`` is its older name, a read-only alias).
    """

    x: tuple
    value: Any
    kind: str | None
    free: tuple = ()
    explanation: str = ""

    _aliases = {"note": "explanation"}
    _repr_title_fields = ("x", "value", "kind", "free")
    _repr_optional = ("free",)
    _repr_approx = ("x", "value")
    _repr_fields = ()  # the title says it all; the explanation is in the field


@dataclass(frozen=True)
class StationaryPoints(Result):
    """Result of :func:`stationary_points`: ``points`` (iterate over the result directly),
    ``complete`` (proven to be every stationary point in the domain), ``infinite`` (``True``:
    the set is infinite, a family or periodic solutions; ``False``: proven finite; ``None``:
    not known) and ``explanation``."""

    points: tuple[StationaryPoint, ...]
    complete: bool
    infinite: bool | None
    explanation: str

    _repr_fields = ("points", "explanation")

    def __iter__(self):
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, i: int) -> StationaryPoint:
        return self.points[i]

    def _repr_title(self) -> str:
        return (f"StationaryPoints(complete={self.complete}, infinite={self.infinite}, "
                f"{len(self.points)} point(s))")


def kind_from_inertia(inert: tuple[int, int, int] | None, quadratic: bool) -> str | None:
    """``"minimum"``, ``"maximum"``, ``"saddle"``, ``"degenerate"`` or ``None`` (unknown).

    >>> kind_from_inertia((2, 0, 0), False), kind_from_inertia((1, 0, 1), False)
    ('minimum', 'degenerate')
    >>> kind_from_inertia((1, 0, 1), True)        # exact for a quadratic: f - f* = d'Hd/2
    'minimum'
    """
    if inert is None:
        return None
    pos, neg, zero = inert
    if pos and neg:
        return "saddle"
    if zero == 0 or (quadratic and (pos or neg)):
        return "minimum" if pos else "maximum"
    return "degenerate"


def _in_domain(coords: Sequence[sp.Expr], dom: Domain, sign=None) -> bool | None:
    """Is the exact point in the domain?  ``None`` when a comparison cannot be decided."""
    answer: bool | None = True
    for c, v, iv in zip(coords, dom.wrt, dom.intervals):
        for bound, side, is_open in ((iv.inf, 1, iv.left_open), (iv.sup, -1, iv.right_open)):
            if not bound.is_finite:
                continue
            s = sign(v - bound) if sign is not None and bound.is_Rational else \
                certified_sign(c - bound)
            if s is None:
                answer = None
            elif side * s < 0 or (s == 0 and is_open):
                return False
    return answer


def _finish(points, dropped: int, complete: bool, infinite: bool, how: str) -> StationaryPoints:
    if dropped:
        how += f"; {dropped} solution(s) whose reality or domain membership could not be decided"
        complete = False
    return StationaryPoints(tuple(points), complete, infinite, how)


def _quadratic(f, grad, H, dom: Domain) -> StationaryPoints:
    wrt = dom.wrt
    sols = sp.linsolve(list(grad), list(wrt))
    kind = kind_from_inertia(inertia(H), quadratic=True)
    if sols == sp.S.EmptySet:
        return _finish([], 0, True, False, "f is quadratic and grad f = 0 has no solution")
    (sol,) = sols
    free = tuple(v for v in wrt if sol.has(v))
    value = sp.simplify(f.subs(dict(zip(wrt, sol)), simultaneous=True))
    if free:
        note = "a family: linsolve on the exact gradient of a quadratic"
        if not dom.is_reals:
            note += f" (only its points in {dom.describe()} count)"
        pt = StationaryPoint(tuple(sol), value, kind, free, note)
        return _finish([pt], 0, True, True, f"f is quadratic; {note}")
    inside = _in_domain(sol, dom)
    pts = [StationaryPoint(tuple(sol), value, kind, (), "constant Hessian")] if inside else []
    how = "f is quadratic: linsolve on the exact gradient"
    return _finish(pts, int(inside is None), True, False, how)


def _polynomial(f, grad, H, dom: Domain) -> StationaryPoints:
    wrt = dom.wrt
    coeffs = H.charpoly(sp.Dummy("lam")).all_coeffs()
    points, dropped = [], 0
    for sol in real_solutions(list(grad), wrt):
        inside = _in_domain(sol.coords, dom, sol.sign)
        if inside is None:
            dropped += 1
        elif inside:
            kind = kind_from_inertia(inertia_from_signs([sol.sign(c) for c in coeffs]), False)
            points.append(StationaryPoint(sol.coords, sol.value_of(f), kind, (),
                                          "inertia of the exact Hessian"))
    how = ("polynomial system with finitely many complex solutions: every real solution, "
           "exactly (Groebner basis in shape position)")
    return _finish(points, dropped, True, False, how)


def _component_without_zero(grad, dom: Domain) -> str | None:
    """Why ``grad f = 0`` has no solution, when one partial derivative depends on at most one
    variable and provably has no zero on that variable's interval (``exp(x) + y**2``: d/dx is
    ``exp(x)``); else ``None``.  The domain is a box, so that interval is its projection."""
    for v, d in zip(dom.wrt, grad):
        used = [(w, iv) for w, iv in zip(dom.wrt, dom.intervals) if d.has(w)]
        if not used:
            if certified_sign(d) in (-1, 1):
                return f"solveset: df/d{v} = {d} is never 0, so grad f = 0 has no solution"
            continue
        if len(used) == 1 and sp.solveset(d, used[0][0], domain=used[0][1]) == sp.S.EmptySet:
            w, iv = used[0]
            where = f"real {w}" if iv == sp.S.Reals else Domain((w,), (iv,)).describe()
            return (f"solveset: df/d{v} = {d} has no zero for {where}, so grad f = 0 has no "
                    "solution")
    return None


def _general(f, grad, H, dom: Domain) -> StationaryPoints:
    wrt = dom.wrt
    if len(wrt) == 1:
        found = sp.solveset(grad[0], wrt[0], domain=dom.intervals[0])
        if found == sp.S.EmptySet:
            return _finish([], 0, True, False, "solveset: grad f = 0 has no solution")
        if not isinstance(found, sp.FiniteSet):
            parts = found.args if isinstance(found, sp.Union) else (found,)
            periodic = all(isinstance(s, sp.ImageSet) and s.base_set == sp.S.Integers
                           for s in parts)
            infinite = True if periodic or found.is_finite_set is False else None
            return _finish([], 0, False, infinite,
                           f"solveset gives {found}, not a finite list of points")
        sols, complete, how = [{wrt[0]: v} for v in found], True, "solveset (complete)"
    else:
        blocked = _component_without_zero(grad, dom)
        if blocked is not None:
            return _finish([], 0, True, False, blocked)
        sols = sp.solve(list(grad), list(wrt), dict=True)
        complete, how = False, "sympy.solve (not proven complete for non-polynomial systems)"
    points, dropped = [], 0
    infinite: bool | None = False if complete else None
    for sol in sols:
        coords = tuple(sol.get(v, v) for v in wrt)
        free = tuple(v for v in wrt if any(sp.sympify(c).has(v) for c in coords))
        real = [0 if sp.sympify(c).is_real else certified_sign(sp.im(c)) for c in coords]
        if free:
            infinite = True
        elif any(r != 0 for r in real):
            dropped += any(r is None for r in real)
            continue
        inside = True if free else _in_domain(coords, dom)
        if inside is None:
            dropped += 1
            continue
        if not inside:
            continue
        Hs = H.subs(dict(zip(wrt, coords)), simultaneous=True)
        kind = None if Hs.free_symbols else kind_from_inertia(inertia(Hs), False)
        value = sp.simplify(f.subs(dict(zip(wrt, coords)), simultaneous=True))
        points.append(StationaryPoint(coords, value, kind, free, "inertia of the exact Hessian"))
    return _finish(points, dropped, complete, infinite, how)


def _analyse(f, grad, H, dom: Domain, kinks: list[str]) -> StationaryPoints:
    if kinks:
        res = _general(f, grad, H, dom)
        pts = [StationaryPoint(p.x, p.value, None, p.free, "f has kinks: not classified")
               for p in res]
        return StationaryPoints(tuple(pts), False, res.infinite, (
            f"f has kinks ({', '.join(kinks)}): zeros of the gradient by calcopt's conventions "
            "at kinks, unclassified; minimisers at kinks need not appear. " + res.explanation))
    if not H.free_symbols & set(dom.wrt):
        return _quadratic(f, grad, H, dom)
    try:
        return _polynomial(f, grad, H, dom)
    except NotZeroDimensional:
        return _general(f, grad, H, dom)


def stationary_points(g: "Graph", domain: Mapping | None = None,
                      timeout: float = 10.0) -> StationaryPoints:
    """The real stationary points of ``g`` in ``domain``, exact and classified.

    See the module docstring for the method.  Beyond ``timeout`` seconds the result is empty
    with ``complete=False`` and the reason.  Raises :class:`calcopt.DomainError` for a bad
    domain and :class:`calcopt.ShapeError` for a vector-valued graph.

    >>> import sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> line = calcopt.stationary_points(calcopt.compile((x + y)**2))
    >>> line.infinite, line[0].x, line[0].free, line[0].kind
    (True, (-y, y), (y,), 'minimum')
    """
    dom = resolve_domain(g, domain)
    require_no_params(g, "stationary_points")
    timeout = check_timeout(timeout)
    f, grad, H = g.to_sympy(), list(g.gradient()), g.hessian()
    if not dom.wrt:
        return StationaryPoints((StationaryPoint((), f, "degenerate", (), "no variables"),),
                                True, False, "f has no variables: it is a constant")
    try:
        return call_with_budget(_analyse, f, grad, H, dom, nonsmooth_ops(g), timeout=timeout)
    except BudgetExceeded as err:
        return StationaryPoints((), False, None, f"unknown: SymPy's solver {err}")
    except (NotImplementedError, ValueError, TypeError) as err:
        return StationaryPoints((), False, None, f"unknown: SymPy could not solve grad f = 0 "
                                f"({type(err).__name__}: {err})")
