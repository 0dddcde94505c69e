"""``calcopt.conditioning``: smoothness ``L``, strong convexity ``mu`` and ``kappa = L / mu``.

Three scopes, chosen by the arguments:

* **global** (no ``at``/``box``): for a quadratic (constant Hessian) the exact extreme
  eigenvalues of the Hessian as SymPy numbers.  Any other objective: certified bounds over the
  variables' own domain from the interval Hessian when they are finite; otherwise a result with
  ``L = mu = kappa = None`` whose explanation says to pass ``at=`` or ``box=`` (a non-quadratic
  has no single ``L`` and ``mu`` in general, so this is an answer, not an error).
* **point** (``at=``): the Hessian's extreme eigenvalues at one point; exact when every
  coordinate is exact (int, ``Fraction``, SymPy number), numeric (``exact=False``) for floats.
* **box** (``box={x: (lo, hi), ...}``): a certified upper bound ``L`` on lambda_max and lower
  bound ``mu`` on lambda_min over the box (``eigenvalue_bounds`` of the interval Hessian);
  ``kappa`` only when the ``mu`` bound is positive.

``kappa`` is ``None`` whenever ``mu <= 0`` (or unknown), with the reason in ``explanation``.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> c = calcopt.conditioning(calcopt.compile(2*x**2 + x*y + y**2))
>>> c.L, c.mu, c.exact, c.scope
(sqrt(2) + 3, 3 - sqrt(2), True, 'global')
>>> sp.expand(sp.radsimp(c.kappa))
6*sqrt(2)/7 + 11/7
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import sympy as sp

from ..data.points import as_point, by_position
from ..errors import DomainError, OptionError, PointError
from .budget import BudgetExceeded, call_with_budget
from .checks import check_timeout, require_no_params
from .domain import resolve_domain
from .signs import certified_sign
from .smoothness import nonsmooth_ops
from ..results import Result

if TYPE_CHECKING:
    from ..graph import Graph


@dataclass(frozen=True)
class Conditioning(Result):
    """Result of :func:`conditioning`.

    ``L`` (largest Hessian eigenvalue, or an upper bound on it), ``mu`` (smallest, or a lower
    bound), ``kappa = L / mu`` (``None`` unless ``mu > 0``), ``exact`` (``L`` and ``mu`` are
    the exact eigenvalues as SymPy numbers, not bounds or floats), ``scope`` (``"global"``,
    ``"point"`` or ``"box"``) and ``explanation``.
    """

    L: Any
    mu: Any
    kappa: Any
    exact: bool
    scope: str
    explanation: str

    _repr_title_fields = ("scope", "exact")
    _repr_fields = ("L", "mu", "kappa", "explanation")


# --- exact real algebra shared with ``stationary`` ------------------------------------------

exact_sign = certified_sign  # the old name of the one sign decider (calcopt.analysis.signs)


def inertia(H: sp.Matrix) -> tuple[int, int, int] | None:
    """``(positive, negative, zero)`` eigenvalue counts of a constant real symmetric matrix.

    Exact, without eigenvalues: the characteristic polynomial of a real symmetric matrix has
    only real roots, so Descartes' rule of signs counts its positive roots exactly (and, on
    ``p(-t)``, its negative ones).  ``None`` when the sign of a coefficient cannot be decided.

    >>> inertia(sp.Matrix([[1, 2], [2, 1]]))
    (1, 1, 0)
    """
    lam = sp.Dummy("lam")
    signs = [certified_sign(c) for c in H.charpoly(lam).all_coeffs()]
    return inertia_from_signs(signs)


def inertia_from_signs(signs: Sequence[int | None]) -> tuple[int, int, int] | None:
    """Inertia from the signs of the characteristic polynomial's coefficients (leading first),
    by Descartes' rule (exact: all roots are real); ``None`` if a sign is unknown.

    >>> inertia_from_signs([1, -1, 0])      # t**2 - t: roots 0 and 1
    (1, 0, 1)
    """
    if any(s is None for s in signs):
        return None
    n = len(signs) - 1
    zero = 0
    while zero < n and signs[n - zero] == 0:
        zero += 1
    kept = list(signs[: n + 1 - zero])

    def changes(seq: list[int]) -> int:
        nz = [s for s in seq if s != 0]
        return sum(a != b for a, b in zip(nz, nz[1:]))

    positive = changes(kept)
    # roots of p(-t): the coefficient of t^(n-k) picks up (-1)^(n-k)
    negative = changes([s * (-1) ** (len(kept) - 1 - k) for k, s in enumerate(kept)])
    return positive, negative, zero


def exact_eigenvalues(H: sp.Matrix) -> list[sp.Expr]:
    """The eigenvalues of a constant real symmetric matrix, exact, ascending, with multiplicity.

    Rational matrices: the real roots of the characteristic polynomial (radicals up to degree
    2 factors, ``CRootOf`` beyond).  Otherwise SymPy's ``eigenvals``; the eigenvalues are real
    mathematically, so only the real part of SymPy's radical form is kept.

    >>> exact_eigenvalues(sp.Matrix([[2, 1], [1, 2]]))
    [1, 3]
    """
    lam = sp.Dummy("lam")
    if all(e.is_Rational for e in H):
        return list(sp.real_roots(H.charpoly(lam)))
    values = []
    for ev, mult in H.eigenvals().items():
        ev = ev if ev.is_real else sp.re(sp.expand_complex(ev))
        values += [ev] * mult
    values.sort(key=lambda v: sp.re(v.evalf(60)))
    # the extremes must be certified, not just approximately sorted
    if any(certified_sign(v - values[0]) not in (0, 1)
           or certified_sign(values[-1] - v) not in (0, 1) for v in values):
        raise UndecidedOrder("the order of the eigenvalues could not be certified")
    return values


class UndecidedOrder(ArithmeticError):
    """Exact eigenvalues whose extreme ones cannot be told apart exactly."""


# --- the analysis ----------------------------------------------------------------------------


def _finish(L, mu, exact: bool, scope: str, where: str, bounds: bool = False) -> Conditioning:
    lname, mname = ("upper bound on lambda_max", "lower bound on lambda_min") if bounds else \
        ("lambda_max", "lambda_min")
    text = f"{lname} of the Hessian {where}: L = {L}; {mname}: mu = {mu}"
    sign = None if mu is None else (certified_sign(mu) if exact or bounds else int(np.sign(mu)))
    if sign == 1 and L is not None:
        kappa = L / mu
        text += "; kappa = L / mu" + (" (an upper bound on the condition number)" if bounds else "")
    else:
        kappa = None
        if mu is None:
            text += "; kappa unknown: no finite lower bound on lambda_min"
        elif sign == 1:  # mu > 0 is certified, but the Hessian is unbounded above (L None)
            text += "; kappa unknown: no finite upper bound on lambda_max"
        elif bounds:
            text += ("; kappa unknown: strong convexity could not be certified there (the "
                     "lower bound on lambda_min is not positive)")
        elif sign == 0:
            text += "; kappa undefined: mu = 0, so f is not strongly convex " + where
        else:
            text += "; kappa undefined: mu < 0, so f is not convex " + where
    return Conditioning(L, mu, kappa, exact, scope, text)


def _exact_entries(at: Any, wrt: Sequence[sp.Symbol]) -> list[sp.Expr] | None:
    """The exact coordinates of ``at`` (``None`` when any is a float: numeric path)."""
    if isinstance(at, Mapping):
        given = by_position(at, wrt, "at", PointError)
        raw = [given[i] for i in range(len(wrt))]
    else:
        raw = list(np.asarray(at, dtype=object).ravel())
    exact = []
    for v in raw:
        if isinstance(v, (bool, np.bool_)):
            return None  # as_point has already refused these
        if isinstance(v, (int, np.integer)):
            exact.append(sp.Integer(int(v)))
        elif isinstance(v, Fraction):
            exact.append(sp.Rational(v.numerator, v.denominator))
        elif isinstance(v, sp.Basic) and not isinstance(v, sp.Float):
            exact.append(v)
        else:
            return None
    return exact


def _at_point(g: "Graph", at: Any, timeout: float) -> Conditioning:
    wrt = g.wrt
    x = as_point(at, wrt, "at")
    if x.ndim != 1:
        raise PointError(f"at= takes one point; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise PointError(f"at= has non-finite entries {x.tolist()}; expected real numbers")
    exact = _exact_entries(at, wrt)
    dom = resolve_domain(g)
    if not dom.contains(exact if exact is not None else list(x)):
        raise DomainError(f"at= point {exact or x.tolist()} lies outside the domain "
                          f"({dom.describe()})")
    where = f"at {tuple(exact) if exact is not None else tuple(x.tolist())}"
    if exact is not None:
        H = g.hessian().subs(dict(zip(wrt, exact)))
        if any(e.has(sp.zoo, sp.nan, sp.oo, -sp.oo) for e in H):
            raise DomainError(f"the Hessian is undefined {where}")
        try:
            eig = call_with_budget(exact_eigenvalues, H, timeout=timeout)
            return _finish(eig[-1], eig[0], True, "point", where)
        except (BudgetExceeded, UndecidedOrder) as err:
            note = f" (exact eigenvalues: {err}; numeric values instead)"
    else:
        note = ""
    Hn = g.hess(x)
    if not np.all(np.isfinite(Hn)):
        raise DomainError(f"the Hessian is not finite {where}: {Hn.tolist()}")
    eig = np.linalg.eigvalsh(Hn)
    result = _finish(float(eig[-1]), float(eig[0]), False, "point", where + note)
    return result


def _on_box(g: "Graph", domain, scope: str, where: str) -> Conditioning:
    try:
        from .intervals import eigenvalue_bounds
    except ImportError:
        return Conditioning(None, None, None, False, scope,
                            "interval Hessian bounds (eigenvalue_bounds) are not available")
    b = eigenvalue_bounds(g, domain)
    result = _finish(b.upper, b.lower, False, scope, where, bounds=True)
    # a missing bound has a reason (f may be undefined there, an unbounded entry): say it
    how = b.method if b.lower is not None and b.upper is not None else \
        f"{b.method}: {b.explanation}"
    return Conditioning(result.L, result.mu, result.kappa, False, scope,
                        f"{result.explanation} [{how}]")


def _kinked(kinks: list[str], scope: str) -> Conditioning:
    return Conditioning(None, None, None, False, scope, (
        f"f has kinks ({', '.join(kinks)}): its gradient jumps there, so no Lipschitz constant "
        "L exists across a kink and Hessian bounds prove nothing; use at= away from kinks"))


def conditioning(g: "Graph", at: Any = None, box: Mapping | None = None,
                 timeout: float = 10.0) -> Conditioning:
    """Smoothness ``L``, strong convexity ``mu`` and condition number ``kappa`` of ``g``.

    See the module docstring for the three scopes.  ``timeout`` bounds the exact eigenvalue
    computation (beyond it, the eigenvalues are computed numerically, ``exact=False``, and the
    explanation says so).

    Raises :class:`calcopt.OptionError` for both ``at`` and ``box``,
    :class:`calcopt.PointError` for a malformed point, :class:`calcopt.DomainError` for a point
    outside the variables' domain or a bad box, :class:`calcopt.ShapeError` for a vector graph.

    >>> import sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> rosen = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
    >>> c = calcopt.conditioning(rosen, at=[1, 1])
    >>> c.L, c.mu, c.exact
    (sqrt(250601) + 501, 501 - sqrt(250601), True)
    >>> calcopt.conditioning(rosen).L is None
    True
    """
    domain = resolve_domain(g)  # ShapeError for vector graphs
    require_no_params(g, "conditioning")
    timeout = check_timeout(timeout)
    if at is not None and box is not None:
        raise OptionError("give at= (one point) or box= (a region), not both")
    kinks = nonsmooth_ops(g)
    if at is not None:
        result = _at_point(g, at, timeout)
        if kinks:
            note = (f" (f has kinks: {', '.join(kinks)}; the Hessian follows calcopt's "
                    "conventions and means nothing at a kink itself)")
            result = Conditioning(result.L, result.mu, result.kappa, result.exact, result.scope,
                                  result.explanation + note)
        return result
    if box is not None:
        if not isinstance(box, Mapping) or not box:
            raise DomainError("box= must be a non-empty dict {variable: (lo, hi) or Interval}")
        dom = resolve_domain(g, box)
        if kinks:
            return _kinked(kinks, "box")
        return _on_box(g, dom, "box", f"over the box {dom.describe()}")
    if kinks:
        return _kinked(kinks, "global")
    H = g.hessian()
    if not H.free_symbols & set(g.wrt):
        try:
            eig = call_with_budget(exact_eigenvalues, H, timeout=timeout)
        except (BudgetExceeded, UndecidedOrder) as err:
            eig = np.linalg.eigvalsh(np.array(H.evalf(), dtype=float))
            return _finish(float(eig[-1]), float(eig[0]), False, "global",
                           f"everywhere (f is quadratic; exact eigenvalues: {err}, so these are "
                           "numeric)")
        if not eig:
            return Conditioning(None, None, None, False, "global", "f has no variables")
        return _finish(eig[-1], eig[0], True, "global", "everywhere (f is quadratic: its Hessian is constant)")
    result = _on_box(g, domain, "global", f"over {domain.describe()}")
    if result.L is None and result.mu is None:
        return Conditioning(None, None, None, False, "global",
                            "f is not quadratic (its Hessian varies), so there are no global "
                            "L and mu in general and the interval Hessian gave no finite bound "
                            f"over {domain.describe()}: pass at= (a point) or box= (a region)")
    return result
