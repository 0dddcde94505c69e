"""Atoms that plain composition rules reject, known to the outer primitive (its ``composite``
field): log-sum-exp, Euclidean norms, quadratic over linear, negative entropy.

A rule gets ``view``, the analysis' read-only view of the nodes below the node (``op(j)``,
``args(j)``, and per node id ``curvature``, ``interval``, ``const``), and returns
``(curvature, explanation)`` or ``None``.  See :mod:`calcopt.analysis.composition`.
"""

from __future__ import annotations

import sympy as sp

from ..interval import arith as ia

_FLAT_OR_AFFINE = ("constant", "affine")


def no_composite(view, node: int) -> None:
    return None


def _positive_const(view, j: int) -> bool:
    return view.curvature[j] == "constant" and view.interval[j].lo > 0


def _exp_of_affine(view, t: int) -> bool:
    if view.op(t) == "mul":  # c * exp(a) = exp(a + log c) for a constant c > 0
        rest = [j for j in view.args(t) if not _positive_const(view, j)]
        return len(rest) == 1 and _exp_of_affine(view, rest[0])
    return view.op(t) == "exp" and view.curvature[view.args(t)[0]] in _FLAT_OR_AFFINE


def log_composite(view, node: int):
    """log-sum-exp: ``log(sum_i c_i exp(a_i) + c)`` with ``a_i`` affine, ``c_i > 0``, ``c >= 0``
    is convex (Boyd & Vandenberghe, *Convex Optimization*, 3.1.5)."""
    arg = view.args(node)[0]
    terms = view.args(arg) if view.op(arg) == "add" else (arg,)
    exps = [t for t in terms if _exp_of_affine(view, t)]
    if exps and all(_exp_of_affine(view, t) or _positive_const(view, t) for t in terms):
        return "convex", "log-sum-exp of affine arguments is convex"
    return None


def _square_of_affine(view, t: int) -> bool:
    if view.op(t) == "mul":  # c * u**2 = (sqrt(c) u)**2 for a constant c > 0
        rest = [j for j in view.args(t) if not _positive_const(view, j)]
        return len(rest) == 1 and _square_of_affine(view, rest[0])
    if view.op(t) != "pow":
        return False
    u, e = view.args(t)
    return view.const[e] == 2 and view.curvature[u] in _FLAT_OR_AFFINE


def pow_composite(view, node: int):
    """Euclidean norm: ``sqrt(sum_i c_i u_i**2 + c)`` with ``u_i`` affine, ``c_i > 0``,
    ``c >= 0`` is convex (the norm of an affine vector ``(sqrt(c_i) u_i, sqrt(c))``)."""
    base, e = view.args(node)
    if view.const[e] != sp.Rational(1, 2):
        return None
    terms = view.args(base) if view.op(base) == "add" else (base,)
    if any(_square_of_affine(view, t) for t in terms) and all(
            _square_of_affine(view, t) or (view.curvature[t] == "constant"
                                           and view.interval[t].lo >= 0) for t in terms):
        return "convex", "Euclidean norm of affine functions is convex"
    return None


def _constant_sign(view, factors) -> int | None:
    """The sign of the product of constant factors (+1 for none), ``None`` if unknown."""
    sign = 1
    for j in factors:
        iv = view.interval[j]
        if ia.positive(iv):
            continue
        if not ia.negative(iv):
            return None
        sign = -sign
    return sign


def mul_composite(view, node: int):
    """``c u**2 / v`` (quadratic over linear) with ``u`` affine, ``v`` concave (or affine) and
    positive on the box is convex (``u**2/v`` is jointly convex on ``v > 0`` and nonincreasing
    in ``v``); ``c u log(u)`` (negative entropy) with ``u`` affine and positive is convex;
    concave for a negative constant ``c``."""
    consts = [j for j in view.args(node) if view.curvature[j] == "constant"]
    rest = [j for j in view.args(node) if view.curvature[j] != "constant"]
    sign = _constant_sign(view, consts)
    if sign is None or len(rest) != 2:
        return None
    flip = {"convex": "convex", "concave": "concave"} if sign > 0 else \
        {"convex": "concave", "concave": "convex"}
    a, b = rest
    for u, w in ((a, b), (b, a)):
        if view.op(w) == "log" and view.args(w)[0] == u and \
                view.curvature[u] in _FLAT_OR_AFFINE and ia.positive(view.interval[u]):
            return flip["convex"], "u*log(u) with u affine and positive is convex"
        if _square_of_affine(view, u) and view.op(w) == "pow" and \
                view.const[view.args(w)[1]] == -1:
            v = view.args(w)[0]
            if view.curvature[v] in ("affine", "concave") and ia.positive(view.interval[v]):
                return flip["convex"], "quadratic over a positive concave function is convex"
    return None
