"""The domain an analysis is about: one real interval per variable.

A domain comes from two places, intersected: the SymPy assumptions of each ``wrt`` symbol
(``positive=True`` gives ``(0, oo)``, ``nonnegative=True`` gives ``[0, oo)``, ...) and an
optional ``domain=`` mapping from variables (symbols or their names) to a
``sympy.Interval`` or a ``(lo, hi)`` pair (closed; ``None`` or ``±oo`` for no bound).
Variables not named keep what their assumptions say (all reals by default).

Every analysis resolves its ``domain=`` argument with :func:`resolve_domain` first, so bad
domains fail the same way everywhere, with a :class:`calcopt.DomainError`.

Examples
--------
>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x", positive=True)
>>> y = sp.Symbol("y")
>>> g = calcopt.compile(x * y)
>>> d = resolve_domain(g, {"y": (-1, 2)})
>>> d.intervals
(Interval.open(0, oo), Interval(-1, 2))
>>> d.bounded, d.contains([1, 2]), d.contains([0, 2])
(False, True, False)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import sympy as sp

from ..errors import DomainError, ShapeError

if TYPE_CHECKING:
    from ..graph import Graph


def assumption_interval(sym: sp.Symbol) -> sp.Interval:
    """The interval a symbol's assumptions confine it to (all reals without assumptions).

    >>> assumption_interval(sp.Symbol("t", nonnegative=True))
    Interval(0, oo)
    """
    if sym.is_positive:
        return sp.Interval.open(0, sp.oo)
    if sym.is_nonnegative:
        return sp.Interval(0, sp.oo)
    if sym.is_negative:
        return sp.Interval.open(-sp.oo, 0)
    if sym.is_nonpositive:
        return sp.Interval(-sp.oo, 0)
    return sp.Interval(-sp.oo, sp.oo)


def _bound(v: Any, what: str) -> sp.Expr:
    if v is None:
        return sp.oo if what == "upper" else -sp.oo
    if isinstance(v, bool):
        raise DomainError(f"{what} bound {v!r} is a boolean; expected a real number")
    try:
        b = sp.sympify(v, strict=True) if not isinstance(v, sp.Basic) else v
    except (sp.SympifyError, TypeError):
        raise DomainError(f"{what} bound {v!r} is not a real number") from None
    if not (b.is_real or b in (sp.oo, -sp.oo)):
        raise DomainError(f"{what} bound {v!r} is not a real number")
    return b


def as_interval(value: Any, name: str) -> sp.Interval:
    """A ``sympy.Interval`` from an Interval or a ``(lo, hi)`` pair (closed where finite).

    >>> as_interval((0, None), "x")
    Interval(0, oo)
    """
    if isinstance(value, sp.Interval):
        return value
    if isinstance(value, sp.Set) and value == sp.S.Reals:
        return sp.Interval(-sp.oo, sp.oo)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = _bound(value[0], "lower"), _bound(value[1], "upper")
        if lo.is_comparable and hi.is_comparable and lo > hi:
            raise DomainError(f"domain of {name}: lower bound {lo} > upper bound {hi}")
        return sp.Interval(lo, hi)
    raise DomainError(f"domain of {name} must be a sympy.Interval or a (lo, hi) pair; got "
                      f"{value!r}")


@dataclass(frozen=True)
class Domain:
    """One ``sympy.Interval`` per variable, in ``wrt`` order (see the module docstring)."""

    wrt: tuple[sp.Symbol, ...]
    intervals: tuple[sp.Interval, ...]

    @property
    def bounded(self) -> bool:
        """Every interval has finite endpoints (open or closed)."""
        return all(iv.inf.is_finite and iv.sup.is_finite for iv in self.intervals)

    @property
    def is_reals(self) -> bool:
        """No variable is restricted."""
        return all(iv == sp.S.Reals for iv in self.intervals)

    @property
    def is_open(self) -> bool:
        """Every finite endpoint is excluded (the domain is its own interior)."""
        return all((iv.left_open or not iv.inf.is_finite) and (iv.right_open or not iv.sup.is_finite)
                   for iv in self.intervals)

    def contains(self, point: Sequence[Any]) -> bool:
        """Is the point (aligned with ``wrt``; exact or float entries) in the domain?"""
        return all(bool(iv.contains(sp.nsimplify(v) if isinstance(v, float) else v))
                   for iv, v in zip(self.intervals, point))

    def interior_point(self) -> tuple[sp.Rational, ...]:
        """A rational point strictly inside the domain (midpoints of bounded intervals, a unit
        step inside half-lines, 0 on the whole line).

        >>> Domain(sp.symbols("x y"), (sp.Interval(0, 1), sp.Interval.open(2, sp.oo))).interior_point()
        (1/2, 3)
        """
        return tuple(_inner(iv) for iv in self.intervals)

    def sample(self, k: int, seed: int = 0) -> np.ndarray:
        """``(k, n)`` float points strictly inside the domain, reproducible from ``seed``.

        Each coordinate mixes typical values (0, +-1, +-2, ...), points close to finite
        endpoints (relative distances 1e-3 ... 1e-1) and random values on several scales, so
        that both the neighbourhood of the boundary and the far field of unbounded intervals are
        visited.  Coordinates are drawn independently.

        >>> pts = Domain(sp.symbols("x y"), (sp.Interval(0, 1), sp.Interval.open(0, sp.oo))).sample(50)
        >>> pts.shape, bool((pts > 0).all() and (pts[:, 0] < 1).all())
        ((50, 2), True)
        """
        rng = np.random.default_rng(seed)
        cols = [_sample_interval(iv, k, rng) for iv in self.intervals]
        return np.column_stack(cols) if cols else np.zeros((k, 0))

    def rational_point(self, point: Sequence[float], digits: int = 6) -> tuple | None:
        """The float point rationalised (denominators <= 10**digits), or ``None`` when that
        rational point is not in the domain."""
        out = tuple(rationalize(v, digits) for v in point)
        return out if self.contains(out) else None

    def assumption_supersets(self, interior: bool = False) -> list[dict]:
        """Substitutions ``{variable: expression in Dummies with sign assumptions}`` whose
        ranges contain the domain, for SymPy's assumption system (which knows signs, not
        boxes): ``(a, oo)`` gives ``a + p`` with ``p`` positive, ``[a, b]`` gives ``a + p``
        with ``p`` nonnegative (or ``b - p``), the whole line a real Dummy.  A proof for all
        values of the Dummies is a proof on the domain.  Two substitutions: lower bounds
        first, then upper bounds first.

        With ``interior=True`` they cover the interior only (every ``p`` positive), and the
        first one is exact: a bounded interval becomes ``(a + b p) / (1 + p)``, ``p > 0``.

        >>> d = Domain(sp.symbols("x y"), (sp.Interval.open(0, sp.oo), sp.Interval(-1, 2)))
        >>> [list(s.values()) for s in d.assumption_supersets()]
        [[_p0, _p1 - 1], [_p0, 2 - _p1]]
        >>> list(d.assumption_supersets(interior=True)[0].values())
        [_p0, (2*_p1 - 1)/(_p1 + 1)]
        """
        out, seen = [], set()
        if interior and any(iv.inf.is_finite and iv.sup.is_finite for iv in self.intervals):
            out.append({s: _open_interior(iv, i) for i, (s, iv) in
                        enumerate(zip(self.wrt, self.intervals))})
        for prefer_lower in (True, False):
            subs, choices = {}, []
            for i, (s, iv) in enumerate(zip(self.wrt, self.intervals)):
                lo, hi = iv.inf, iv.sup
                use_lower = lo.is_finite and (prefer_lower or not hi.is_finite)
                use_upper = hi.is_finite and not use_lower
                choices.append((use_lower, use_upper))
                if not (use_lower or use_upper):
                    subs[s] = sp.Dummy(f"r{i}", real=True)
                    continue
                is_open = interior or (iv.left_open if use_lower else iv.right_open)
                p = sp.Dummy(f"p{i}", positive=True) if is_open else sp.Dummy(
                    f"p{i}", nonnegative=True)
                subs[s] = lo + p if use_lower else hi - p
            if tuple(choices) not in seen:
                seen.add(tuple(choices))
                out.append(subs)
        return out

    def closure_cover(self, limit: int = 16) -> list[dict] | None:
        """Substitutions whose ranges together make up exactly the domain (a proof needs all
        of them): bounded intervals by ``(a + b p)/(1 + p)``, anchored at a closed end with
        ``p >= 0`` (two variants when both ends are closed), half-lines by shifts.  ``None``
        when more than ``limit`` substitutions would be needed.

        >>> d = Domain((sp.Symbol("x"),), (sp.Interval(0, 1),))
        >>> [list(s.values()) for s in d.closure_cover()]
        [[_p0/(_p0 + 1)], [1/(_p0 + 1)]]
        """
        options = []
        for i, iv in enumerate(self.intervals):
            lo, hi = iv.inf, iv.sup
            if lo.is_finite and hi.is_finite:
                ends = [end for end, closed in ((False, not iv.left_open),
                                                (True, not iv.right_open)) if closed]
                options.append([_mobius(iv, i, end) for end in ends] or [_mobius(iv, i, None)])
            else:
                closed_side = (lo.is_finite and not iv.left_open) or \
                    (hi.is_finite and not iv.right_open)
                p = sp.Dummy(f"p{i}", nonnegative=True) if closed_side else sp.Dummy(
                    f"p{i}", positive=True)
                options.append([lo + p if lo.is_finite else (hi - p if hi.is_finite
                                                              else sp.Dummy(f"r{i}", real=True))])
        count = 1
        for o in options:
            count *= len(o)
        if count > limit:
            return None
        return [dict(zip(self.wrt, combo)) for combo in itertools.product(*options)]

    def describe(self) -> str:
        """One line for explanations, e.g. ``x in (0, oo), y in [-1, 2]``."""
        if self.is_reals:
            return "all of R^%d" % len(self.wrt)
        parts = []
        for s, iv in zip(self.wrt, self.intervals):
            if iv == sp.S.Reals:
                continue
            lo = "(" if iv.left_open or not iv.inf.is_finite else "["
            hi = ")" if iv.right_open or not iv.sup.is_finite else "]"
            parts.append(f"{s} in {lo}{iv.inf}, {iv.sup}{hi}")
        return ", ".join(parts)


def _mobius(iv: sp.Interval, i: int, anchored_at_upper: bool | None) -> sp.Expr:
    """A bounded interval as ``(a + b p)/(1 + p)`` (``p > 0``: the open interval); anchored
    at the lower end (``p >= 0`` reaches ``a``) or, reversed, at the upper end."""
    lo, hi = iv.inf, iv.sup
    if anchored_at_upper is None:
        p = sp.Dummy(f"p{i}", positive=True)
        return (lo + hi * p) / (1 + p)
    p = sp.Dummy(f"p{i}", nonnegative=True)
    if anchored_at_upper:
        return (hi + lo * p) / (1 + p)
    return (lo + hi * p) / (1 + p)


def _open_interior(iv: sp.Interval, i: int) -> sp.Expr:
    """The interior of an interval exactly, as an expression in one assumed Dummy."""
    lo, hi = iv.inf, iv.sup
    if lo.is_finite and hi.is_finite:
        return _mobius(iv, i, None)
    if lo.is_finite or hi.is_finite:
        p = sp.Dummy(f"p{i}", positive=True)
        return lo + p if lo.is_finite else hi - p
    return sp.Dummy(f"r{i}", real=True)


def rationalize(v: float, digits: int = 6) -> sp.Rational:
    """A nearby rational with denominator <= 10**digits (exact for dyadic-free simple values).

    >>> rationalize(0.1), rationalize(-2.5)
    (1/10, -5/2)
    """
    f = Fraction(float(v)).limit_denominator(10 ** digits)
    return sp.Rational(f.numerator, f.denominator)


def _inner(iv: sp.Interval) -> sp.Rational:
    lo, hi = iv.inf, iv.sup
    if lo.is_finite and hi.is_finite:
        mid = (lo + hi) / 2
        return mid if mid.is_Rational else rationalize(float(mid), 9)
    if lo.is_finite:
        return sp.floor(lo) + 1
    if hi.is_finite:
        return sp.ceiling(hi) - 1
    return sp.Integer(0)


_TYPICAL = np.array([0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, -3.0, 10.0, -10.0, 0.1, -0.1])
_NEAR = np.array([1e-3, 1e-2, 0.1, 0.3, 0.5, 1.0, 2.0, 5.0, 10.0, 100.0])
_UNIT = np.array([0.5, 0.25, 0.75, 0.1, 0.9, 1e-2, 0.99, 1e-3, 0.999])
_UNIT_WEIGHT = np.array([4, 3, 3, 2, 2, 1, 1, 1, 1]) / 18  # central values first: nicer witnesses


def _sample_interval(iv: sp.Interval, k: int, rng: np.random.Generator) -> np.ndarray:
    lo, hi = float(iv.inf), float(iv.sup)
    third = k // 3
    if np.isfinite(lo) and np.isfinite(hi):
        rand = rng.uniform(0, 1, k)
        u = np.concatenate([rng.choice(_UNIT, third, p=_UNIT_WEIGHT), rand[: k - third]])
        vals = lo + (hi - lo) * u
        return np.clip(vals, np.nextafter(lo, hi), np.nextafter(hi, lo))
    if np.isfinite(lo) or np.isfinite(hi):
        steps = np.concatenate([rng.choice(_NEAR, third), 10 ** rng.uniform(-3, 2, k - third)])
        vals = lo + steps if np.isfinite(lo) else hi - steps
        return vals
    rand = rng.normal(size=k - third) * rng.choice([0.5, 2.0, 10.0], k - third)
    return np.concatenate([rng.choice(_TYPICAL, third), rand])


def resolve_domain(g: "Graph", domain: Mapping | None = None) -> Domain:
    """The :class:`Domain` of a scalar graph: assumptions of ``g.wrt`` intersected with ``domain``.

    Raises :class:`calcopt.DomainError` for keys that are not variables of ``g``, a key given
    twice (as a symbol and as its name), values that are not intervals, ``lo > hi``, or an
    empty intersection with the symbol's assumptions; :class:`calcopt.ShapeError` for a
    vector-valued graph.
    """
    if not g.is_scalar:
        raise ShapeError(f"analyses need a scalar objective; this graph has {len(g.outputs)} outputs")
    wrt = g.wrt
    intervals = [assumption_interval(s) for s in wrt]
    if domain is None:
        return Domain(wrt, tuple(intervals))
    if not isinstance(domain, Mapping):
        raise DomainError(f"domain must be a dict {{variable: Interval or (lo, hi)}}; got "
                          f"{type(domain).__name__}")
    position = {}
    for i, s in enumerate(wrt):
        position[s] = position[s.name] = i
    seen: set[int] = set()
    for key, value in domain.items():
        i = position.get(key)
        if i is None:
            name = getattr(key, "name", key)
            kind = "a parameter" if any(p.name == name for p in g.params) else "not a variable"
            raise DomainError(f"domain names {name!r}, which is {kind} of this graph; "
                              f"domains are given for the variables {[s.name for s in wrt]}")
        if i in seen:
            raise DomainError(f"domain gives {wrt[i].name!r} twice (as a symbol and as a name)")
        seen.add(i)
        given = as_interval(value, wrt[i].name)
        both = intervals[i].intersect(given)
        if not isinstance(both, sp.Interval):  # EmptySet, or a single point {c}
            raise DomainError(
                f"domain of {wrt[i].name} is {both}: {given} meets {intervals[i]} (from the "
                "symbol's assumptions) in no interval of positive length")
        intervals[i] = both
    return Domain(wrt, tuple(intervals))
