"""Curvature by composition rules: the standard cases are decided, and a verdict is never
contradicted by sampled midpoint (second-difference) tests."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.analysis import resolve_domain
from calcopt.analysis.composition import composition_curvature
from strategies import SYMBOLS, expressions

x, y, z = sp.symbols("x y z")
p, q = sp.symbols("p q", positive=True)

DECIDED = [
    (sp.log(sp.exp(x) + sp.exp(y)), None, "convex"),                  # log-sum-exp
    (sp.log(1 + sp.exp(x - 2 * y) + 3 * sp.exp(z)), None, "convex"),
    (x**2 / p, None, "convex"),                                         # quadratic over linear
    (3 * (x - y)**2 / (p + q), None, "convex"),
    (-x**2 / p + sp.log(q), None, "concave"),
    (p * sp.log(p), None, "convex"),                                    # negative entropy
    (-3 * p * sp.log(p) + sp.sqrt(q), None, "concave"),
    (sp.sqrt(x**2 + y**2), None, "convex"),                             # Euclidean norm
    (sp.sqrt((x - 1)**2 + 4 * y**2 + 1), None, "convex"),
    (sp.exp(x**2 + y) + sp.Abs(x - z), None, "convex"),
    (sp.Max(x, y, 0) + x**4, None, "convex"),
    (-sp.log(p) - sp.log(q) + p * 2, None, "convex"),
    (1 / p + p**sp.Rational(3, 2), None, "convex"),
    (sp.sqrt(p) + sp.log(q) + sp.Min(p, q), None, "concave"),
    (sp.sin(x), {x: (0, 3)}, "concave"),
    (sp.cos(x), {x: (2, 4)}, "convex"),
    (x**3, {x: (0, None)}, "convex"),
    (1 / x, {x: (-2, -1)}, "concave"),
    (sp.exp(-x) * 5 + 2**x, None, "convex"),
    (sp.Abs(x), {x: (1, 2)}, "affine"),
    (3 * x - 2 * y + 1, None, "affine"),
    (sp.Piecewise((x**2, x > 0), (-x, True)), {x: (1, 2)}, "convex"),
    (sp.cosh(x) + sp.tanh(y), {y: (None, 0)}, "convex"),
    (sp.atan(x) + sp.asin(y), {x: (0, None), y: (-1, 0)}, "concave"),
]


@pytest.mark.parametrize("expr,domain,expected", DECIDED)
def test_standard_cases_are_decided(expr, domain, expected):
    r = composition_curvature(calcopt.compile(expr), domain)
    assert r.curvature == expected, r.explanation
    assert r.explanation and len(r.node_curvature) == len(calcopt.compile(expr))


NOT_CONVEX = [  # each is non-convex somewhere on the domain (checked below by sampling)
    (x * y, None), (x**3, None), (sp.sin(x), None), (sp.sqrt(p), None),
    (sp.exp(x) * y, None), (-x**2 + y**2, None), (-sp.log(p) * p, {p: (0.1, 1)}),
    (sp.Min(x, y), None), (-sp.sqrt(x**2 + y**2), None), (sp.tanh(x), None),
    (sp.cos(x), {x: (-1, 1)}), (1 / x, {x: (-2, -1)}), (sp.atan(x), {x: (-1, 3)}),
    (sp.log(sp.exp(x) - sp.exp(y) + 10), {x: (0, 1), y: (0, 1)}),
    (sp.Abs(x) - x**2, {x: (-1, 1)}),
]


def _sample(g, domain, k, seed):
    return resolve_domain(g, domain).sample(k, seed)


def _midpoint_violation(g, domain, concave: bool, k: int = 300) -> bool:
    """Is there a sampled pair a, b with f((a+b)/2) > (f(a)+f(b))/2 (convex), or < for
    concave, by more than rounding?"""
    pts = _sample(g, domain, 2 * k, seed=3)
    a, b = pts[:k], pts[k:]
    sign = -1.0 if concave else 1.0
    with np.errstate(all="ignore"):
        fa, fb, fm = (sign * np.asarray(g.value(v, backend="numpy"), dtype=float)
                      for v in (a, b, (a + b) / 2))
        bad = fm > (fa + fb) / 2 + 1e-9 * (1 + abs(fa) + abs(fb))
    return bool(np.any(bad & np.isfinite(fa) & np.isfinite(fb) & np.isfinite(fm)))


@pytest.mark.parametrize("expr,domain", NOT_CONVEX)
def test_never_convex_where_not_convex(expr, domain):
    g = calcopt.compile(expr)
    assert _midpoint_violation(g, domain, concave=False)   # the case really is non-convex
    assert composition_curvature(g, domain).curvature not in ("convex", "affine", "constant")


@pytest.mark.parametrize("expr,domain,expected", DECIDED)
def test_decided_cases_pass_sampled_midpoint_tests(expr, domain, expected):
    g = calcopt.compile(expr)
    if expected in ("convex", "affine"):
        assert not _midpoint_violation(g, domain, concave=False)
    if expected in ("concave", "affine"):
        assert not _midpoint_violation(g, domain, concave=True)


BOX_ENDS = st.sampled_from([-3, -1, 0, sp.Rational(1, 2), 1, 2, None])


@st.composite
def domains(draw):
    out = {}
    for s in SYMBOLS:
        a, b = draw(BOX_ENDS), draw(BOX_ENDS)
        if a is not None and b is not None:
            if a == b:
                continue
            a, b = min(a, b), max(a, b)
        out[s] = (a, b)
    return out


@settings(max_examples=80, deadline=None)
@given(e=expressions(max_depth=3), domain=domains())
def test_random_verdicts_are_never_contradicted(e, domain):
    g = calcopt.compile(e, wrt=SYMBOLS)
    r = composition_curvature(g, domain)
    if r.curvature in ("convex", "affine", "constant"):
        assert not _midpoint_violation(g, domain, concave=False, k=60), (e, domain, r)
    if r.curvature in ("concave", "affine", "constant"):
        assert not _midpoint_violation(g, domain, concave=True, k=60), (e, domain, r)


def test_explanations_name_rule_and_node():
    r = composition_curvature(calcopt.compile(sp.log(sp.exp(x) + sp.exp(y))))
    assert "log-sum-exp" in r.explanation[-1] and "log(exp(x) + exp(y))" in r.explanation[-1]
    r = composition_curvature(calcopt.compile(sp.exp(x) * sp.exp(y) + x**2))
    assert r.curvature is None and "exp(x)*exp(y)" in r.explanation[0]


def test_undefined_somewhere_is_undecided():
    r = composition_curvature(calcopt.compile(sp.log(x) + x**2))
    assert r.curvature is None and "may be undefined" in r.explanation[0]
    assert composition_curvature(calcopt.compile(sp.log(x)), {x: (1, 2)}).curvature == "concave"
