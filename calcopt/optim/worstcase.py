"""``predict(..., tight=True)``: the numerical worst case of the method from PEPit, beside the
closed-form bound.

A performance estimation problem (PEP) asks: over every function of the class the bound
assumes (L-smooth convex, L-smooth mu-strongly convex, or quadratic with Hessian eigenvalues
in [mu, L]) and every start with the same initial measure (``||x0 - x*||^2``, ``f(x0) - f*``
or ``f(x0) - f* + mu/2 ||x0 - x*||^2``, whichever the closed form starts from), how large can
the bounded quantity be after k iterations of exactly this method, with exactly these step and
momentum parameters?  That is a small semidefinite programme; PEPit (Goujaud et al.) builds it
and cvxpy solves it.  Its dual value is an upper bound on the worst case and its primal value
the worst case of an explicit function (to solver accuracy, about 1e-6 relative), so a tight
closed form matches it, and a loose one (Armijo's, Nesterov's, the heavy ball's prefactor)
shows how loose it is.  The worst case is homogeneous in the initial measure, so the PEP is
solved with measure 1 and scaled by this problem's ``R^2``, ``f0_gap`` ... .

Why PEPit and not our own SDP: it holds the interpolation conditions of each function class
(the hard part) and is the reference implementation of the method; calcopt only states the
iteration.  It is an optional extra (``pip install 'calcopt[pepit]'``), imported only here.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**2/2 + 5*y**2)                         # L = 10, mu = 1
>>> p = calcopt.predict(g, step=0.1, x0=[1.0, 1.0], tight=True, tight_iters=5)
>>> w = p.worst_case
>>> w.iters, round(w.closed_form[0] / w.value[0], 4)             # (1 - 1/kappa)^(2k) is tight
((5,), 1.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import MissingDependencyError, OptionError
from ..results import Result, show

PEPIT = ("Goujaud, Moucer, Glineur, Hendrickx, Taylor & Dieuleveut (2024), PEPit: computer-"
         "assisted worst-case analyses of first-order optimization methods in Python, Math. "
         "Program. Comput. 16; function classes: Taylor, Hendrickx & Glineur (2017), Smooth "
         "strongly convex interpolation and exact worst-case performance of first-order "
         "methods, Math. Program. 161")
MODELLED = ("fixed", "exact", "heavy_ball", "fista", "nesterov")
MAX_ITERS = 100  # the SDP has a Gram matrix of about k + 2 rows; beyond this it gets slow
ACCURACY = 1e-6  # absolute, on the problem normalised to initial measure 1
SOLVERS = (("CLARABEL", {}), ("SCS", {"eps": 1e-9, "max_iters": 50_000}))


@dataclass
class WorstCase(Result):
    """PEPit's worst case of ``quantity`` after each k in ``iters``, on this problem's scale.

    ``value``: the SDP's dual value (an upper bound, to solver accuracy); ``lower``: its
    primal value (attained by a function of the class); ``closed_form``: the Prediction's
    ``bound(k)`` at the same k; ``function_class`` and ``initial`` say what the worst case is
    taken over; ``solver`` which SDP solver cvxpy used at each k, or why none gave a
    trustworthy value (then ``value`` is nan: a worst case below the solvers' accuracy, or
    a failed solve).
    """

    iters: tuple[int, ...]
    value: tuple[float, ...]
    lower: tuple[float, ...]
    closed_form: tuple[float, ...]
    quantity: str
    function_class: str
    initial: str
    solver: tuple[str, ...]
    source: str = PEPIT

    _repr_fields = ("function_class", "initial", "value")

    @property
    def ratio(self) -> tuple[float, ...]:
        """closed form / worst case at each k: 1 when the closed form is tight, > 1 when loose."""
        return tuple(c / v if v > 0 else math.nan for c, v in zip(self.closed_form, self.value))

    def _repr_title(self) -> str:
        return f"WorstCase({self.quantity}; PEPit)"

    def per_k(self) -> list[str]:
        """One line per k: the worst case, the closed form, their ratio and the solver."""
        return [f"k={k}: {v:.6g} (closed form {c:.6g}, ratio {r:.4g}; {s})" if v == v else
                f"k={k}: {s} (closed form {c:.6g})" for k, v, c, r, s in
                zip(self.iters, self.value, self.closed_form, self.ratio, self.solver)]

    def _repr_value(self, name: str, value: Any) -> str | None:
        return "\n".join(self.per_k()) if name == "value" else show(value)


def iteration_counts(tight_iters: Any) -> tuple[int, ...]:
    items = tight_iters if isinstance(tight_iters, (list, tuple, range, np.ndarray)) else \
        [tight_iters]
    out = []
    for k in items:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or \
                not 1 <= k <= MAX_ITERS:
            raise OptionError(f"tight_iters must be an integer in [1, {MAX_ITERS}] or a list of "
                              f"them (the iteration counts PEPit solves for); got {k!r}")
        out.append(int(k))
    if not out:
        raise OptionError("tight_iters is empty; give at least one iteration count")
    return tuple(out)


def require_pepit():
    try:
        import PEPit
        from PEPit import functions
    except ImportError:
        raise MissingDependencyError(
            "predict(..., tight=True) asks PEPit for the worst case, and PEPit is not "
            "installed: pip install 'calcopt[pepit]' (or pip install PEPit)") from None
    return PEPit, functions


def worst_case(p, kind: str, step: float, beta: float | None, tight_iters: Any) -> WorstCase:
    """PEPit's worst case for Prediction ``p`` of a GD scheme of this ``kind`` (see
    ``calcopt.optim.descent.resolve``); an :class:`OptionError` for a method it cannot model
    here (Armijo backtracking, SGD)."""
    ks = iteration_counts(tight_iters)
    if kind not in MODELLED:
        raise OptionError(f"tight=True is available for fixed steps, exact line search, heavy "
                          f"ball and Nesterov/FISTA momentum; not for {p.method!r} (PEPit has no "
                          "model of it here); predict without tight=True")
    c = p.constants
    # a convex f whose certified mu is missing or a negative (loose) lower bound is in the
    # class of L-smooth convex functions: mu = 0 there
    mu = float(c["mu"]) if c.get("mu") is not None and math.isfinite(float(c["mu"])) else 0.0
    L, mu = float(c["L"]), max(mu, 0.0)
    start, scale = _initial(p, kind, mu)
    if scale is None:
        raise OptionError("tight=True needs x0 (the worst case is scaled by this problem's "
                          "distance or f-gap at x0); pass x0= to predict")
    PEPit, functions = require_pepit()
    cls, what = _function_class(functions, kind, mu)
    values, lowers, solvers = [], [], []
    for k in ks:
        tau, low, solver = _solve(PEPit, cls, L, mu, kind, step, beta, k, p.quantity, start)
        root = p.quantity == "distance"  # the PEP bounds ||x_k - x*||^2
        values.append(math.sqrt(tau) * scale if root else tau * scale)
        lowers.append(math.sqrt(max(low, 0.0)) * scale if root else low * scale)
        solvers.append(solver)
    closed = tuple(float(p.bound(k)) for k in ks)
    return WorstCase(ks, tuple(values), tuple(lowers), closed, p.quantity, what, start,
                     tuple(solvers))


def _initial(p, kind: str, mu: float) -> tuple[str, float | None]:
    """The initial measure the closed form starts from, and its value here (the PEP is
    solved with measure 1; the worst case scales linearly in it; for ``distance`` the
    measure is R^2 and the scale R)."""
    R, f0 = p.constants.get("R"), p.constants.get("f0_gap")
    if kind == "nesterov":
        return ("f(x0) - f* + mu/2 ||x0 - x*||^2",
                None if f0 is None else f0 + mu * R * R / 2)
    if p.quantity == "f_gap" and kind in ("exact", "fixed") and mu > 0:
        return "f(x0) - f*", f0
    return "||x0 - x*||^2", (None if R is None else R if p.quantity == "distance" else R * R)


def _function_class(functions, kind: str, mu: float):
    if kind == "heavy_ball":
        return (functions.SmoothStronglyConvexQuadraticFunction,
                "quadratics with Hessian eigenvalues in [mu, L]")
    if mu > 0:
        return functions.SmoothStronglyConvexFunction, "L-smooth mu-strongly convex functions"
    return functions.SmoothConvexFunction, "L-smooth convex functions"


def _build(PEPit, cls, L, mu, kind, step, beta, k, quantity, start):
    """The PEP of k iterations of the scheme exactly as ``descent._generic`` runs them
    (x_{-1} = x0; FISTA's t_1 = 1), with initial measure <= 1."""
    from PEPit.primitive_steps import exact_linesearch_step
    problem = PEPit.PEP()
    func = problem.declare_function(cls, L=L) if mu <= 0 and kind != "heavy_ball" else \
        problem.declare_function(cls, L=L, mu=mu)
    xs = func.stationary_point()
    fs = func(xs)
    x0 = problem.set_initial_point()
    measure = {"f(x0) - f*": func(x0) - fs, "||x0 - x*||^2": (x0 - xs) ** 2}.get(
        start, func(x0) - fs + mu / 2 * (x0 - xs) ** 2)
    problem.set_initial_condition(measure <= 1)
    x, prev, t_seq = x0, x0, 1.0
    for i in range(k):
        if kind == "fixed":
            new = x - step * func.gradient(x)
        elif kind == "exact":
            new, _, _ = exact_linesearch_step(x, func, [func.gradient(x)])
        elif kind == "heavy_ball":
            new = x - step * func.gradient(x) + beta * (x - prev)
        else:
            b = beta
            if kind == "fista":
                b = 0.0
                if i >= 1:
                    t_next = (1 + math.sqrt(1 + 4 * t_seq * t_seq)) / 2
                    b, t_seq = (t_seq - 1) / t_next, t_next
            y = x + b * (x - prev)
            new = y - step * func.gradient(y)
        prev, x = x, new
    problem.set_performance_metric(func(x) - fs if quantity == "f_gap" else (x - xs) ** 2)
    return problem


def _solve(PEPit, *pep) -> tuple[float, float, str]:
    """(dual value, primal value, solver) of the PEP, normalised to initial measure 1.

    An interior-point solve (Clarabel) first, then SCS at tight tolerances: each is accepted
    only when it reports an optimum and its dual and primal values agree; a worst case below
    ``ACCURACY`` is not resolved (SCS returns 0 there).  Otherwise (nan, nan, why)."""
    import warnings
    tried = []
    for solver, options in SOLVERS:
        problem = _build(PEPit, *pep)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tau = float(problem.solve(verbose=0, solver=solver, **options))
            low = float(problem.objective.eval())
            status = problem.wrapper.prob.status
        except Exception as exc:  # the solvers raise their own error types
            tried.append(f"{solver}: {type(exc).__name__}")
            continue
        if status not in ("optimal", "optimal_inaccurate") or not math.isfinite(tau) or \
                abs(tau - low) > ACCURACY + 1e-4 * abs(tau):
            tried.append(f"{solver}: status {status}, dual {tau:.3g}, primal {low:.3g}")
            continue
        if tau < ACCURACY:
            tried.append(f"{solver}: worst case {tau:.2g} times the initial measure, below the "
                         f"solver accuracy {ACCURACY:g}")
            continue
        return tau, low, solver
    return math.nan, math.nan, "not resolved (" + "; ".join(tried) + ")"
