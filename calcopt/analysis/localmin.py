"""The numeric local search behind ``argmin`` when no exact proof applies.

``scipy.optimize.minimize`` from several starts with calcopt's generated ``g.grad`` and
``g.hess``: ``trust-exact`` on R^n, ``L-BFGS-B`` when there are bounds, derivative-free
``Powell`` when f has kinks (gradients at kinks are conventions).  Its result is only where
the search stopped; :mod:`~calcopt.analysis.certify` decides whether a minimiser is there.

>>> import sympy as sp, calcopt
>>> from calcopt.analysis.domain import resolve_domain
>>> x = sp.Symbol("x")
>>> g = calcopt.compile((x - 2)**2 + sp.cos(x))
>>> found = local_search(g, resolve_domain(g), 3, 0)
>>> found.method, round(float(found.x[0]), 4)
('trust-exact', 2.3542)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize

from .domain import Domain
from .smoothness import nonsmooth_ops

if TYPE_CHECKING:
    from ..graph import Graph


@dataclass(frozen=True)
class Search:
    """``x``, ``value``: the lowest point that looks like a local minimiser numerically
    (``None`` if no run converged to one); ``lowest``: the lowest finite value seen;
    ``method``: what ran; ``open_end``: variables where ``x`` sits at an open end of the
    domain."""

    x: np.ndarray | None
    value: float | None
    lowest: float | None
    method: str
    open_end: tuple[str, ...] = ()


def _starts(dom: Domain, k: int, rng: np.random.Generator):
    bounds = []
    for iv in dom.intervals:
        lo = float(iv.inf) if iv.inf.is_finite else None
        hi = float(iv.sup) if iv.sup.is_finite else None
        # open ends: stay a hair inside, where f is defined
        if lo is not None and iv.left_open:
            lo += 1e-9 * (1 + abs(lo))
        if hi is not None and iv.right_open:
            hi -= 1e-9 * (1 + abs(hi))
        bounds.append((lo, hi))
    centre = np.array([0.0 if (lo is None or lo <= 0) and (hi is None or hi >= 0) else
                       (lo + hi) / 2 if lo is not None and hi is not None else
                       (lo + 1 if lo is not None else hi - 1) for lo, hi in bounds])
    pts = [centre]
    for _ in range(k - 1):
        p = centre + 2.0 * rng.standard_normal(len(bounds))
        for j, (lo, hi) in enumerate(bounds):
            if lo is not None and hi is not None:
                p[j] = rng.uniform(lo, hi)
            else:
                p[j] = np.clip(p[j], lo if lo is not None else -np.inf,
                               hi if hi is not None else np.inf)
        pts.append(p)
    return bounds, pts


def _is_local_min(g: "Graph", r, bounds, smooth: bool) -> bool:
    """Did the run converge to a point that looks like a local minimiser (numerically)?"""
    if not (r.success and np.isfinite(r.fun) and np.all(np.isfinite(r.x))):
        return False
    if not smooth:
        return True  # Powell's own convergence test is all there is at a kink
    interior = all((lo is None or v > lo + 1e-7) and (hi is None or v < hi - 1e-7)
                   for v, (lo, hi) in zip(r.x, bounds))
    if not interior:
        return True  # on the boundary: first-order conditions are L-BFGS-B's business
    hess = g.hess(r.x)
    scale = 1.0 + np.abs(hess).max() if hess.size else 1.0
    return bool(np.all(np.isfinite(hess)) and
                (hess.size == 0 or np.linalg.eigvalsh(hess).min() >= -1e-6 * scale))


def _open_end(dom: Domain, x: np.ndarray) -> tuple[str, ...]:
    def near(v: float, b) -> bool:
        return abs(v - float(b)) <= 1e-7 * (1 + abs(float(b)))
    return tuple(str(v) for v, xv, iv in zip(dom.wrt, x, dom.intervals)
                 if (iv.left_open and iv.inf.is_finite and (xv <= iv.inf or near(xv, iv.inf)))
                 or (iv.right_open and iv.sup.is_finite and (xv >= iv.sup or near(xv, iv.sup))))


def local_search(g: "Graph", dom: Domain, starts: int, seed: int) -> Search:
    """The best of ``starts`` local searches (see the module docstring), seeded by ``seed``.

    >>> import sympy as sp, calcopt
    >>> from calcopt.analysis.domain import resolve_domain
    >>> x = sp.Symbol("x")
    >>> g = calcopt.compile(sp.exp(x))
    >>> found = local_search(g, resolve_domain(g, {x: (0, 1)}), 2, 0)
    >>> found.x.tolist(), found.method
    ([0.0], 'L-BFGS-B')
    """
    bounds, pts = _starts(dom, starts, np.random.default_rng(seed))
    bounded = any(b != (None, None) for b in bounds)
    kinks = nonsmooth_ops(g)
    best, lowest = None, None
    with np.errstate(all="ignore"):
        for x0 in pts:
            try:
                if kinks:  # derivative-free: gradients at kinks are conventions
                    r = optimize.minimize(g.value, x0, method="Powell",
                                          bounds=bounds if bounded else None,
                                          options={"xtol": 1e-10, "ftol": 1e-14})
                elif bounded:
                    r = optimize.minimize(g.value, x0, jac=g.grad, method="L-BFGS-B",
                                          bounds=bounds)
                else:
                    r = optimize.minimize(g.value, x0, jac=g.grad, hess=g.hess,
                                          method="trust-exact")
            except (ValueError, np.linalg.LinAlgError, ArithmeticError):
                continue
            if np.isfinite(r.fun) and (lowest is None or r.fun < lowest):
                lowest = float(r.fun)
            if _is_local_min(g, r, bounds, not kinks) and (best is None or r.fun < best.fun):
                best = r
    method = f"Powell, derivative-free: f has kinks ({', '.join(kinks)})" if kinks else \
        ("L-BFGS-B" if bounded else "trust-exact")
    if best is None:
        return Search(None, None, lowest, method)
    x = np.asarray(best.x, dtype=float)
    return Search(x, float(best.fun), lowest, method, _open_end(dom, x))
