"""Counterexamples to convexity (or concavity), found numerically and re-checked exactly.

A :class:`Witness` is a *midpoint violation*: rational points ``a``, ``b`` of the domain with
``f((a+b)/2) > (f(a) + f(b))/2`` (convexity fails) or ``<`` (concavity fails), the three values
evaluated exactly node by node and the sign of the gap certified (see :mod:`.exact`).  That
alone disproves convexity on any convex set containing ``a`` and ``b``, for smooth and
non-smooth functions alike.  When the function is smooth (no kinks) the witness also records
the exact second directional derivative ``d^T H(m) d`` at the midpoint along ``d = b - a``.

The search: sample the domain (:meth:`Domain.sample`); at each sample take the numeric
Hessian's extreme eigenvectors as candidate directions (plus random pairs of samples, for
non-smooth functions); shrink the step until the numeric midpoint gap has the wanted sign;
rationalise; verify exactly.  Only an exactly verified candidate becomes a witness.

Examples
--------
>>> import sympy as sp, calcopt
>>> from calcopt.analysis.domain import resolve_domain
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x * y)
>>> w = search(g, resolve_domain(g), convex=True, hessian=g.hessian())
>>> w.gap > 0, w.curvature < 0
(True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .domain import Domain, rationalize
from .exact import exact_value
from .psd import quadratic_form
from .signs import certified_sign

if TYPE_CHECKING:
    from ..graph import Graph


@dataclass(frozen=True)
class Witness:
    """An exactly checked midpoint violation (see the module docstring).

    ``a``, ``b``, ``midpoint``: points as ``{symbol: Rational}``; ``f_a``, ``f_b``, ``f_mid``:
    exact values; ``gap = f_mid - (f_a + f_b)/2`` (positive: convexity fails; negative:
    concavity fails); ``direction = b - a``; ``curvature``: exact second directional
    derivative at the midpoint along ``direction`` (``None`` when not applicable).
    """

    fails: str
    a: dict
    b: dict
    midpoint: dict
    f_a: Any
    f_b: Any
    f_mid: Any
    gap: Any
    direction: tuple
    curvature: Any = None

    def __str__(self) -> str:
        def pt(p):
            return "(" + ", ".join(f"{k}={v}" for k, v in p.items()) + ")"
        rel = ">" if self.gap > 0 else "<"
        text = (f"{self.fails} fails: f(m) {rel} (f(a)+f(b))/2 at a={pt(self.a)}, "
                f"b={pt(self.b)}, m={pt(self.midpoint)}; gap f(m)-(f(a)+f(b))/2 = "
                f"{_short(self.gap)}")
        if self.curvature is not None:
            text += (f"; second derivative at m along d={self.direction}: "
                     f"{_short(self.curvature)}")
        return text

    __repr__ = __str__


def _short(v: Any) -> str:
    s = str(v)
    return s if len(s) <= 60 else f"{sp.N(v, 8)} (exact value {len(s)} chars)"


def verify(g: "Graph", dom: Domain, a: tuple, b: tuple, convex: bool,
           hessian: sp.Matrix | None = None) -> Witness | None:
    """The witness ``(a, b)`` if it is exactly one (rational points of the domain, all three
    values finite reals, certified sign of the gap), else ``None``."""
    if a == b or not (dom.contains(a) and dom.contains(b)):
        return None
    m = tuple((p + q) / 2 for p, q in zip(a, b))
    values = [exact_value(g, p) for p in (a, b, m)]
    if any(v is None for v in values):
        return None
    fa, fb, fm = values
    gap = fm - (fa + fb) / 2
    if certified_sign(gap) != (1 if convex else -1):
        return None
    d = tuple(q - p for p, q in zip(a, b))
    curvature = None
    if hessian is not None:
        q = quadratic_form(hessian.xreplace(dict(zip(g.wrt, m))), d)
        if certified_sign(q) == (-1 if convex else 1):
            curvature = q
    return Witness("convexity" if convex else "concavity", dict(zip(g.wrt, a)),
                   dict(zip(g.wrt, b)), dict(zip(g.wrt, m)), fa, fb, fm, gap, d, curvature)


def _inside(dom: Domain, p: np.ndarray) -> bool:
    for v, iv in zip(p, dom.intervals):
        lo, hi = float(iv.inf), float(iv.sup)
        if not (lo < v < hi):
            return False
    return True


def _gap(fn, a, b) -> float:
    try:
        return fn((a + b) / 2) - (fn(a) + fn(b)) / 2
    except Exception:
        return float("nan")


def _candidates(g: "Graph", dom: Domain, pts: np.ndarray, convex: bool, smooth: bool,
                rng: np.random.Generator) -> list:
    """Numeric pairs ``(x, v)`` (``a = x - v``, ``b = x + v``), most promising first: negative
    curvature at samples in sample order (typical coordinates come first), then random pairs
    of samples by decreasing midpoint gap."""
    sign = 1.0 if convex else -1.0
    fn = g.function("math")

    def f(p):
        return fn(list(p), ())

    curved, pairs = [], []
    n = pts.shape[1]
    if smooth and n <= 400:  # dense numeric Hessians: n HVPs and an eigh per sample
        for x in pts[: max(10, 600 // max(n, 1))]:
            try:
                H = g.hess(list(x))
            except Exception:
                continue
            if not np.all(np.isfinite(H)):
                continue
            w, V = np.linalg.eigh((H + H.T) / 2)
            k = 0 if convex else -1
            if sign * w[k] >= -1e-9 * max(1.0, float(np.max(np.abs(w)))):
                continue
            d = V[:, k] / np.max(np.abs(V[:, k]))
            scale = max(1.0, float(np.max(np.abs(x))))
            for t in (scale, 0.25 * scale, 1 / 16 * scale, 1 / 256 * scale, 1 / 4096 * scale):
                if _inside(dom, x - t * d) and _inside(dom, x + t * d) \
                        and sign * _gap(f, x - t * d, x + t * d) > 0:
                    curved.append((x, t * d))
                    break
    # Random pairs: the only route for kinks (|x|, max, Piecewise), a cheap extra otherwise.
    for _ in range(min(len(pts), 200)):
        i, j = rng.integers(0, len(pts), 2)
        a, b = pts[i], pts[j]
        gap = sign * _gap(f, a, b)
        if gap > 0:
            pairs.append((gap / (1.0 + float(np.sum((b - a) ** 2))), (a + b) / 2, (b - a) / 2))
    pairs.sort(key=lambda c: -c[0])
    return curved[:3] + [(x, v) for _, x, v in pairs]


def _rational_pair(x: np.ndarray, v: np.ndarray, digits: int) -> tuple[tuple, tuple]:
    """Rational ``a = x - s*u``, ``b = x + s*u``: ``x`` and the unit-max direction ``u``
    rounded to ``digits`` digits, the step ``s`` to a power of two."""
    size = float(np.max(np.abs(v)))
    s = sp.Integer(2) ** int(np.round(np.log2(size)))
    rx = [rationalize(c, digits) for c in x]
    ru = [rationalize(c, digits) for c in v / size]
    return (tuple(c - s * u for c, u in zip(rx, ru)), tuple(c + s * u for c, u in zip(rx, ru)))


def search(g: "Graph", dom: Domain, convex: bool, hessian: sp.Matrix | None = None,
           samples: int = 60, deadline: float | None = None, smooth: bool = True,
           tries: int = 6, seed: int = 0) -> Witness | None:
    """An exactly verified witness that ``g`` is not convex (``convex=True``) or not concave
    on the domain, or ``None`` when the search finds none before ``deadline``."""
    rng = np.random.default_rng(seed)
    pts = dom.sample(samples, seed=seed)
    with np.errstate(all="ignore"):
        cands = _candidates(g, dom, pts, convex, smooth, rng)
    for x, v in cands[:tries]:
        if deadline is not None and time.monotonic() > deadline:
            return None
        if not np.any(v):
            continue
        for digits in (1, 2, 3, 6, 10):
            for shrink in range(6):  # rounding may push a or b out of the domain
                a, b = _rational_pair(x, v / 2**shrink, digits)
                if dom.contains(a) and dom.contains(b):
                    break
            w = verify(g, dom, a, b, convex, hessian if smooth else None)
            if w is not None:
                return w
    return None
