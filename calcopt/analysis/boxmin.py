"""The exact global minimum of a polynomial over a closed bounded box (used by ``argmin``).

A minimiser over a box lies in the relative interior of exactly one face (the box itself, a
facet, ..., a vertex), where it is a critical point of f restricted to that face.  So the
minimum is the least value among the critical points of every face: each face fixes some
variables at a bound and leaves the others free in their open intervals; its critical points
come from :func:`~calcopt.analysis.realsolve.real_solutions` (complete, exact).  A face with
infinitely many critical points makes the method give up (``None``): the minimum could sit on
a curve of critical points that the enumeration does not see.

>>> import sympy as sp
>>> x, y = sp.symbols("x y")
>>> best = box_minimum((x - 3)**2 + y**2, (x, y), (sp.Interval(0, 1), sp.Interval(-1, 1)))
>>> best.points, best.value, best.faces
([(1, 0)], 4, 9)
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Sequence

import sympy as sp

from .realsolve import NotZeroDimensional, is_rational_polynomial, real_solutions
from .signs import certified_sign


@dataclass(frozen=True)
class BoxMinimum:
    """``points``: every minimiser (exact), ``value``: the minimum, ``faces``: faces searched."""

    points: list[tuple]
    value: sp.Expr
    faces: int


def is_compact_box(intervals: Sequence[sp.Interval]) -> bool:
    """Closed and bounded with rational ends (the faces are then exact)."""
    return all(iv.inf.is_Rational and iv.sup.is_Rational and not iv.left_open
               and not iv.right_open for iv in intervals)


def _face_points(f: sp.Expr, wrt, intervals, choice) -> list[tuple[tuple, sp.Expr]]:
    fixed = {v: (iv.inf if c == "lo" else iv.sup)
             for v, c, iv in zip(wrt, choice, intervals) if c != "free"}
    free = [v for v, c in zip(wrt, choice) if c == "free"]
    h = sp.expand(f.xreplace(fixed))
    if not free:
        return [(tuple(fixed[v] for v in wrt), h)]
    grad = [sp.diff(h, v) for v in free]
    if all(gr == 0 for gr in grad):
        raise NotZeroDimensional("f is constant on a face")
    found = []
    ivs = dict(zip(wrt, intervals))
    for sol in real_solutions(grad, free):
        signs = [(sol.sign(v - ivs[v].inf), sol.sign(ivs[v].sup - v)) for v in free]
        if any(s is None for pair in signs for s in pair):
            raise NotZeroDimensional("domain membership undecided")
        if all(a == 1 and b == 1 for a, b in signs):   # relative interior of the face
            coords = dict(zip(free, sol.coords))
            found.append((tuple(coords.get(v, fixed.get(v)) for v in wrt), sol.value_of(h)))
    return found


def box_minimum(f: sp.Expr, wrt: Sequence[sp.Symbol],
                intervals: Sequence[sp.Interval]) -> BoxMinimum | None:
    """The minimum of polynomial ``f`` over the compact box, with all its minimisers; ``None``
    when ``f`` is not a rational polynomial, the box is not compact with rational ends, a face
    has infinitely many critical points, or a comparison cannot be decided."""
    wrt = tuple(wrt)
    if not wrt or not is_compact_box(intervals) or not is_rational_polynomial(f, wrt):
        return None
    candidates = []
    faces = 0
    for choice in product(("free", "lo", "hi"), repeat=len(wrt)):
        faces += 1
        try:
            candidates += _face_points(f, wrt, intervals, choice)
        except NotZeroDimensional:
            return None
    best = min(candidates, key=lambda c: sp.re(sp.N(c[1], 50)))
    signs = [certified_sign(v - best[1]) for _, v in candidates]
    if any(s is None or s < 0 for s in signs):
        return None
    points = [p for (p, _), s in zip(candidates, signs) if s == 0]
    return BoxMinimum(points, best[1], faces)
