"""Rigorous interval enclosures of every node of a graph over a box, and of its Hessian.

* :func:`enclosures`: one :class:`Enclosure` per node, computed from the leaves by the
  ``interval`` field of each node's primitive-table entry (rigorous, outward rounded; unbounded
  intervals such as ``[0, oo)`` are ordinary intervals).  An enclosure contains every value
  the node takes at the points of the box where it is defined; ``maybe_undefined`` says
  whether it (or an argument) may be undefined somewhere on the box.
* :func:`hessian_enclosure`: the enclosures of the exact Hessian graph's outputs.
* :func:`eigenvalue_bounds`: rigorous bounds on the Hessian's eigenvalues over the box by the
  scaled Gershgorin theorem for interval matrices (Adjiman, Dallwig, Floudas & Neumaier,
  *A global optimization method, alphaBB*, Comput. Chem. Eng. 22, 1998, eqs. 23-24), as exact
  Rationals.

Why python-flint ``arb`` (through :mod:`calcopt.interval.arith`) and not ``mpmath.iv``:
measured with ``python benchmarks/bench_intervals.py`` on the development machine (a 296-node
graph of ``exp``/``sin``/``cos``/``log``/``sqrt``/products/powers in 16 variables over a box
of widths 1, the same pre-extracted node list walked by both): float endpoints computed by
``arb`` at 53 bits and rounded outward took **3.3-4.9 ms** per sweep, ``mpmath.iv`` at 53 bits
**4.0-6.3 ms** (three runs on a shared 2-core machine; ``arb`` 1.2-1.3 times faster every
time), with identical output enclosures.  Both are rigorous (outward rounding), so the
faster one wins; besides, ``mpmath.iv`` has no ``asin``, ``acos``, ``atan``, ``sinh``,
``cosh``, ``tanh`` (each would have needed hand-written rounding), while ``arb`` has them all.
Plain ``arb`` balls are faster still (0.64-0.93 ms) but are not the interval type: a ball cannot
hold ``[0, oo)`` (``log(1 + x)`` on it is ``nan``; the endpoint version gives ``[0, oo)``),
``ball**2`` of a ball containing negatives is ``nan`` in python-flint 0.9, and balls
over-estimate more (output width 458 against 355).

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**4 + x**2 + y**2)
>>> lo, hi = hessian_enclosure(g, {x: (-1, 1), y: (-1, 1)})
>>> lo.tolist(), hi.tolist()
([[2.0, 0.0], [0.0, 2.0]], [[14.0, 0.0], [0.0, 2.0]])
>>> b = eigenvalue_bounds(g, {x: (-1, 1), y: (-1, 1)})
>>> b.lower, b.upper
(2, 14)
>>> [e for e in enclosures(calcopt.compile(sp.log(x)), {x: (0, None)})][-1]
Enclosure(lo=-inf, hi=inf, maybe_undefined=True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import sympy as sp

from ..interval import arith as ia
from ..primitives import PRIMITIVES, SYMBOL
from ..results import Result
from .domain import Domain, resolve_domain
from .smoothness import nonsmooth_node

if TYPE_CHECKING:
    from ..graph import Graph


@dataclass(frozen=True)
class Enclosure:
    """``[lo, hi]`` contains the node's value wherever it is defined on the box (floats,
    ``±inf`` allowed); ``maybe_undefined``: the node may be undefined somewhere there."""

    lo: float
    hi: float
    maybe_undefined: bool = False
    lo_open: bool = field(default=False, repr=False)  # lo is known not to be a value
    hi_open: bool = field(default=False, repr=False)

    @property
    def interval(self) -> ia.Interval:
        return ia.Interval(self.lo, self.hi, self.lo_open, self.hi_open)


def as_domain(g: "Graph", domain) -> Domain:
    """``domain`` itself when it is a :class:`Domain`, else :func:`resolve_domain` of it."""
    return domain if isinstance(domain, Domain) else resolve_domain(g, domain)


def box_intervals(domain: Domain) -> list[ia.Interval]:
    """Float intervals enclosing the domain (open ends stay open)."""
    out = []
    for iv in domain.intervals:
        lo = -ia.INF if iv.inf == -sp.oo else ia.from_number(iv.inf).lo
        hi = ia.INF if iv.sup == sp.oo else ia.from_number(iv.sup).hi
        out.append(ia.Interval(lo, hi, iv.left_open or lo == -ia.INF,
                               iv.right_open or hi == ia.INF))
    return out


def node_program(g: "Graph") -> list[tuple]:
    """``(primitive or None, argument ids, leaf value, enclosure of a constant)`` per node,
    read off the node table once per graph (cached with :meth:`calcopt.Graph.memo`)."""
    def build() -> list[tuple]:
        ops, args = g.table.ops, g.table.args
        prog = []
        for i in range(len(ops)):
            if ops[i] > SYMBOL:
                prog.append((PRIMITIVES[ops[i]], args[i], None, None))
            else:
                v = args[i]
                prog.append((None, (), v, None if isinstance(v, sp.Symbol)
                             else ia.from_number(v)))
        return prog

    return g.memo(("analysis", "node program"), build)


def node_enclosures(g: "Graph", variables: Mapping[sp.Symbol, ia.Interval]) -> list[Enclosure]:
    """Enclosures of every node of any graph (vector-valued too, e.g. a Hessian graph) for
    the given variable intervals; other symbols (parameters) range over all reals."""
    out: list[Enclosure] = []
    ivs: list[ia.Interval] = []
    consts: list = []
    for prim, args, leaf, fixed in node_program(g):
        if prim is None:
            iv = variables.get(leaf, ia.WHOLE) if fixed is None else fixed
            bad = False
            consts.append(None if fixed is None else leaf)
        else:
            a = [ivs[j] for j in args]
            c = [consts[j] for j in args]
            bad = prim.undefined(a, c) or any(out[j].maybe_undefined for j in args)
            iv = prim.interval(a, c)
            consts.append(None)
        ivs.append(iv)
        out.append(Enclosure(iv.lo, iv.hi, bool(bad), iv.lo_open, iv.hi_open))
    return out


def enclosures(g: "Graph", domain: Domain | Mapping | None = None) -> list[Enclosure]:
    """One :class:`Enclosure` per node id of the scalar graph ``g`` over the domain
    (a :class:`Domain`, or a ``domain=`` mapping as in :func:`resolve_domain`).

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x", positive=True)
    >>> enclosures(calcopt.compile(sp.exp(-x)))[-1]
    Enclosure(lo=0.0, hi=1.0, maybe_undefined=False)
    """
    dom = as_domain(g, domain)
    return node_enclosures(g, dict(zip(dom.wrt, box_intervals(dom))))


def hessian_enclosure(g: "Graph", domain: Domain | Mapping | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``(lo, hi)``: two ``(n, n)`` float arrays enclosing every entry of the exact Hessian
    (``g.hessian_graph()``) at the points of the domain where it is defined."""
    dom = as_domain(g, domain)
    H = g.hessian_graph()
    enc = node_enclosures(H, dict(zip(dom.wrt, box_intervals(dom))))
    n = len(dom.wrt)
    lo = np.array([enc[o].lo for o in H.outputs], dtype=float).reshape(n, n)
    hi = np.array([enc[o].hi for o in H.outputs], dtype=float).reshape(n, n)
    return lo, hi


@dataclass(frozen=True)
class EigenvalueBounds(Result):
    """Rigorous bounds on the Hessian's eigenvalues over a domain: ``lower <= lambda_min`` and
    ``lambda_max <= upper`` at every point (exact Rationals; ``None``: no finite bound)."""

    lower: sp.Rational | None
    upper: sp.Rational | None
    method: str = "scaled Gershgorin"
    explanation: str = ""
    scaling: tuple = field(default=(), repr=False)

    _repr_title_fields = ("lower", "upper")
    _repr_fields = ("method", "explanation")


def gershgorin(lo: np.ndarray, hi: np.ndarray, d: Sequence[Fraction]) -> tuple:
    """Scaled Gershgorin bounds, in exact arithmetic on the float endpoints: every matrix
    ``A`` in ``[lo, hi]`` has ``D^-1 A D`` similar to it, so each eigenvalue lies in a disc
    ``|lambda - a_ii| <= sum_j |a_ij| d_j / d_i``."""
    n = lo.shape[0]
    lows, highs = [], []
    for i in range(n):
        radius: Fraction | None = Fraction(0)
        for j in range(n):
            if j == i:
                continue
            m = max(abs(lo[i, j]), abs(hi[i, j]))
            if not np.isfinite(m):
                radius = None
                break
            if m:
                radius += Fraction(m) * d[j] / d[i]
        ok = radius is not None
        lows.append(Fraction(lo[i, i]) - radius if ok and np.isfinite(lo[i, i]) else None)
        highs.append(Fraction(hi[i, i]) + radius if ok and np.isfinite(hi[i, i]) else None)
    lower = None if any(v is None for v in lows) else min(lows, default=Fraction(0))
    upper = None if any(v is None for v in highs) else max(highs, default=Fraction(0))
    return lower, upper


def _scalings(lo: np.ndarray, hi: np.ndarray, dom: Domain) -> list[tuple[str, list[Fraction]]]:
    """Positive diagonal scalings to try (each gives rigorous bounds; the best is kept):
    none, the box widths (alphaBB), and the Jacobi scaling ``1/sqrt|mid H_ii|``."""
    n = lo.shape[0]
    out = [("unscaled", [Fraction(1)] * n)]
    widths = [iv.sup - iv.inf for iv in dom.intervals]
    if all(w.is_finite and w > 0 for w in widths):
        out.append(("box widths", [Fraction(w.p, w.q) if w.is_Rational
                                   else Fraction(float(w)).limit_denominator(10**9)
                                   for w in widths]))
    diag = [(lo[i, i] + hi[i, i]) / 2 if np.isfinite(lo[i, i]) and np.isfinite(hi[i, i])
            else np.nan for i in range(n)]
    if all(np.isfinite(v) and abs(v) > 1e-12 for v in diag):
        out.append(("Jacobi", [Fraction(1 / np.sqrt(abs(v))).limit_denominator(10**9)
                               for v in diag]))
    return out


def eigenvalue_bounds(g: "Graph", domain: Domain | Mapping | None = None) -> EigenvalueBounds:
    """Rigorous ``lower <= lambda_min(H(x)) <= lambda_max(H(x)) <= upper`` for every ``x`` in
    the domain: scaled Gershgorin on the interval Hessian (:func:`hessian_enclosure`), the
    best of several positive diagonal scalings for each side.  Both bounds are ``None`` when
    ``f`` may be undefined or not twice differentiable somewhere on the domain (the Hessian
    is then not the second derivative there), one of them when it is infinite.

    >>> import sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> eigenvalue_bounds(calcopt.compile(sp.Abs(x) + y**2), {x: (-1, 1)}).lower is None
    True
    """
    dom = as_domain(g, domain)
    enc = node_enclosures(g, dict(zip(dom.wrt, box_intervals(dom))))
    bad = nonsmooth_node(g, enc)
    if bad is not None:
        return EigenvalueBounds(None, None, explanation=f"no bounds: {bad} on "
                                f"{dom.describe()}")
    lo, hi = hessian_enclosure(g, dom)
    best_lo = best_hi = None
    used = {}
    for name, d in _scalings(lo, hi, dom):
        lower, upper = gershgorin(lo, hi, d)
        if lower is not None and (best_lo is None or lower > best_lo):
            best_lo, used["lower"] = lower, name
        if upper is not None and (best_hi is None or upper < best_hi):
            best_hi, used["upper"] = upper, name
    as_rational = (lambda v: None if v is None else sp.Rational(v.numerator, v.denominator))
    parts = [f"{side} bound: {used[side]} scaling" for side in ("lower", "upper")
             if side in used]
    missing = [side for side, v in (("lower", best_lo), ("upper", best_hi)) if v is None]
    text = "; ".join([f"interval Hessian over {dom.describe()}"] + parts)
    if missing:
        text += f"; no finite {' or '.join(missing)} bound (an interval entry is unbounded)"
    return EigenvalueBounds(as_rational(best_lo), as_rational(best_hi), explanation=text,
                            scaling=tuple(used.items()))
