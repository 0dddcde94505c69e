"""The constants that runs and rate predictions need: ``L``, ``mu`` and the minimiser ``x*``.

Explicit values win; otherwise they come from the analysis layer (``calcopt.conditioning``,
``calcopt.argmin``) for an objective without data.  An objective with data (``params``) is the
mean over the samples, which the exact analyses do not take: when it is quadratic in the
variables its Hessian is constant and ``L``, ``mu`` are the (floating-point) extreme
eigenvalues of the data-mean Hessian; ``x*`` is then found numerically and labelled so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from ..data.lazy import DaskData
from ..data.points import as_data, as_point
from ..errors import OptionError, PointError
from . import runs
from ..results import Result


@dataclass(frozen=True)
class Curvature(Result):
    """``L`` (smoothness), ``mu`` (strong convexity; may be <= 0 or None), whether they are
    exact, their scope (``"global"``, ``"box"``, ``"point"``, ``"data"``, ``"given"``) and the
    ``explanation`` of how they were obtained (``how``: its older name, a read-only alias)."""

    L: Any
    mu: Any
    exact: bool
    scope: str
    explanation: str

    _aliases = {"how": "explanation"}


@dataclass(frozen=True)
class Minimiser(Result):
    """``x`` (float array or None: no minimiser is known, or ``calcopt.argmin`` could not
    certify the point it found), ``f`` (f(x*) as float or None), ``exact`` (proven global
    minimiser, exactly), ``explanation`` (``how``: its older name, a read-only alias)."""

    x: np.ndarray | None
    f: float | None
    exact: bool
    explanation: str

    _aliases = {"how": "explanation"}


def is_quadratic(g) -> bool:
    """Is the Hessian constant in the variables (params may appear)?"""
    return not (g.hessian().free_symbols & set(g.wrt))


def curvature(g, data: Any = None, box=None, L: Any = None, mu: Any = None) -> Curvature:
    """``L`` and ``mu`` of ``g`` (of the mean over ``data`` when ``g`` has params)."""
    if L is not None:
        runs.positive(L, "L")
    if mu is not None:
        finite(mu, "mu")
    if L is not None and mu is not None:
        return Curvature(L, mu, isinstance(L, sp.Basic) and isinstance(mu, sp.Basic), "given",
                         "L and mu given explicitly")
    if g.params:
        cols = as_data(data, g.params)
        if is_quadratic(g):
            H = g.hess(np.zeros(len(g.wrt)), data=cols if isinstance(cols, DaskData)
                       else dict(zip(g.params, cols)))
            eig = np.linalg.eigvalsh(H)
            found = Curvature(float(eig[-1]), float(eig[0]), False, "data",
                              "extreme eigenvalues of the data-mean Hessian (f is quadratic in "
                              "the variables, so the Hessian is constant), in floating point")
        else:
            found = Curvature(None, None, False, "data",
                              "f with data is not quadratic in the variables: calcopt has no "
                              "certified L, mu for it; pass L= and mu=")
    else:
        from ..analysis import conditioning
        c = conditioning(g, box=box) if box is not None else conditioning(g)
        found = Curvature(c.L, c.mu, bool(c.exact), c.scope, c.explanation)
    if L is None and mu is None:
        return found
    return Curvature(L if L is not None else found.L, mu if mu is not None else found.mu,
                     False, "given", f"{'L' if L is not None else 'mu'} given explicitly; "
                     f"the other: {found.explanation}")


def finite(value: Any, what: str) -> float:
    """A finite real number (``mu``, ``f_star``), else an :class:`OptionError`."""
    v = runs.as_real(value)
    if v is None or not math.isfinite(v):
        raise OptionError(f"{what} must be a finite number; got {value!r}")
    return v


def minimiser(g, data: Any = None, x_star: Any = None, f_star: Any = None,
              start: Any = None) -> Minimiser:
    """The minimiser and minimum of ``g`` (explicit values win)."""
    if f_star is not None:
        f_star = finite(f_star, "f_star")
    if x_star is not None:
        x = as_point(x_star, g.wrt, "x_star")
        if x.ndim != 1:
            raise PointError(f"x_star must be one point; got shape {x.shape}")
        f = float(f_star) if f_star is not None else float(
            g.value(x, data=data) if g.params else g.value(x))
        return Minimiser(x, f, False, "x_star given explicitly")
    if g.params:
        return _numeric_minimiser(g, data, start, f_star)
    from ..analysis import argmin
    a = argmin(g)
    if a.x is None:
        return Minimiser(None, None, False, a.explanation)
    if not a.certified:  # where a search stopped, not x*: f may have no minimiser at all
        return Minimiser(None, None, False, f"no certified minimiser from calcopt.argmin "
                         f"(pass x_star= to assume one): {a.explanation}")
    x = np.array([float(v) for v in a.x])
    f = float(f_star) if f_star is not None else float(a.value)
    return Minimiser(x, f, bool(a.exact), a.explanation)


def _numeric_minimiser(g, data, start, f_star) -> Minimiser:
    from scipy import optimize
    x0 = np.zeros(len(g.wrt)) if start is None else np.asarray(start, dtype=float)
    res = optimize.minimize(lambda x: g.value(x, data=data), x0,
                            jac=lambda x: g.grad(x, data=data),
                            hess=lambda x: g.hess(x, data=data), method="trust-exact",
                            options={"gtol": 1e-12})
    xs = np.asarray(res.x, dtype=float)
    for _ in range(3):  # Newton polish: x* to rounding, so rates can be measured to the floor
        try:
            xs = xs - np.linalg.solve(g.hess(xs, data=data), g.grad(xs, data=data))
        except np.linalg.LinAlgError:
            break
    gn = float(np.linalg.norm(g.grad(xs, data=data)))
    f = float(f_star) if f_star is not None else float(g.value(xs, data=data))
    return Minimiser(xs, f, False, f"numeric minimiser of the data mean (scipy trust-exact "
                     f"and Newton steps, gradient norm {gn:.1e}); not a proof")
