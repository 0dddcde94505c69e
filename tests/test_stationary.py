"""calcopt.stationary_points and calcopt.argmin: known answers, cross-checks, budgets, bad input.

Every exact stationary point is checked numerically (calcopt's generated gradient vanishes
there) and its classification against numpy's eigenvalues of the numeric Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

import calcopt
from calcopt.analysis.boxmin import box_minimum
from calcopt.analysis.minimize import coercive, unbounded_direction
from calcopt.analysis.realsolve import real_solutions

x, y = sp.symbols("x y")
ROSEN = (1 - x) ** 2 + 100 * (y - x**2) ** 2
HIMMELBLAU = (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
HIMMELBLAU_MINIMA = [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                     (3.584428, -1.848126)]


def numeric_kind(g, point):
    eig = np.linalg.eigvalsh(g.hess(point))
    tol = 1e-8 * (1 + np.abs(eig).max())
    if eig.min() > tol:
        return "minimum"
    if eig.max() < -tol:
        return "maximum"
    if eig.min() < -tol and eig.max() > tol:
        return "saddle"
    return "degenerate"


def check_points(g, result):
    """Each isolated point: real, grad ~ 0, value and classification agree numerically."""
    for p in result:
        if p.free:
            continue
        pt = np.array([float(v) for v in p.x])
        assert np.allclose(g.grad(pt), 0, atol=1e-8 * (1 + np.abs(pt).max() ** 4))
        assert np.isclose(float(p.value), g.value(pt), atol=1e-9)
        if p.kind is not None and p.kind != "degenerate":
            assert p.kind == numeric_kind(g, pt)


def test_rosenbrock():
    g = calcopt.compile(ROSEN)
    res = calcopt.stationary_points(g)
    assert res.complete and not res.infinite
    assert [(p.x, p.value, p.kind) for p in res] == [((1, 1), 0, "minimum")]
    a = calcopt.argmin(g)
    assert (a.x, a.value, a.exact, a.unique) == ((1, 1), 0, True, True)
    assert all(isinstance(v, sp.Integer) for v in a.x)


def test_himmelblau_four_minima_four_saddles_one_maximum():
    g = calcopt.compile(HIMMELBLAU)
    res = calcopt.stationary_points(g, timeout=60)
    assert res.complete, res.explanation
    kinds = sorted(p.kind for p in res)
    assert kinds == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    check_points(g, res)
    minima = sorted((float(p.x[0]), float(p.x[1])) for p in res if p.kind == "minimum")
    assert np.allclose(minima, sorted(HIMMELBLAU_MINIMA), atol=1e-6)
    assert all(p.value == 0 for p in res if p.kind == "minimum")   # exactly zero
    a = calcopt.argmin(g, timeout=60)
    assert a.exact and a.value == 0 and a.unique is False and "4 tie" in a.explanation
    assert any(np.allclose([float(v) for v in a.x], m, atol=1e-6) for m in HIMMELBLAU_MINIMA)


def test_himmelblau_on_a_quadrant_keeps_only_points_inside():
    g = calcopt.compile(HIMMELBLAU)
    everywhere = calcopt.stationary_points(g, timeout=60)
    inside = calcopt.stationary_points(g, {x: (0, None), y: (0, None)}, timeout=60)
    expected = [p for p in everywhere if float(p.x[0]) >= 0 and float(p.x[1]) >= 0]
    assert inside.complete and sorted(map(str, inside)) == sorted(map(str, expected))
    assert len(inside) == 3


def test_budget_exceeded_gives_unknown_not_a_hang():
    res = calcopt.stationary_points(calcopt.compile(HIMMELBLAU), timeout=1e-4)
    assert not res.complete and len(res) == 0 and "budget" in res.explanation
    assert res.infinite is None


def test_degenerate_x4_and_its_global_minimum():
    g = calcopt.compile(x**4)
    (p,) = calcopt.stationary_points(g)
    assert (p.x, p.kind) == ((0,), "degenerate")
    a = calcopt.argmin(g)
    assert (a.x, a.value, a.exact) == ((0,), 0, True)


def test_saddle_and_unbounded_quadratic():
    g = calcopt.compile(x**2 - y**2)
    (p,) = calcopt.stationary_points(g)
    assert (p.x, p.kind) == ((0, 0), "saddle")
    a = calcopt.argmin(g)
    assert a.x is None and a.value == -sp.oo and a.exact


def test_line_of_minimisers():
    g = calcopt.compile((x + y) ** 2)
    res = calcopt.stationary_points(g)
    assert res.complete and res.infinite
    (p,) = res
    assert p.free == (y,) and p.x == (-y, y) and p.kind == "minimum" and p.value == 0
    a = calcopt.argmin(g)
    assert a.exact and a.unique is False and a.value == 0 and sum(a.x) == 0
    assert "set" in a.explanation


def test_quadratic_exact_solution_and_argmin():
    g = calcopt.compile(2 * x**2 + x * y + y**2 - x)
    (p,) = calcopt.stationary_points(g)
    assert p.x == (sp.Rational(2, 7), sp.Rational(-1, 7)) and p.kind == "minimum"
    a = calcopt.argmin(g)
    assert (a.x, a.value, a.exact, a.unique) == (p.x, sp.Rational(-1, 7), True, True)
    assert "convex quadratic" in a.explanation


def test_convex_quadratic_without_stationary_point_is_unbounded():
    res = calcopt.stationary_points(calcopt.compile(x + y**2))
    assert res.complete and len(res) == 0
    assert calcopt.argmin(calcopt.compile(x + y**2)).value == -sp.oo


def test_unbounded_polynomial_and_coercivity_tests():
    a = calcopt.argmin(calcopt.compile(x**3 - 3 * x + y**2))
    assert a.value == -sp.oo and a.exact and "(-1, 0)" in a.explanation
    assert coercive(x**4 + y**4 - 3 * x**2 * y**2 / 2, (x, y))
    assert not coercive(x**4 + y**4 - 3 * x**2 * y**2, (x, y))  # x = y: -x**4 -> -oo
    assert coercive(x**6 + y**2 - 5 * x**3 * y, (x, y)) is False  # weight 1, 5/2 > 1: fails
    assert coercive(x**6 + y**2 + 7 * x**2 * y + x * y, (x, y))   # weights 5/6, 2/3 < 1
    assert unbounded_direction(x**4 + y**4 - 3 * x**2 * y**2, (x, y)) == (1, 1)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-4, 4), min_size=7, max_size=7), st.integers(1, 4),
       st.integers(1, 4))
def test_coercivity_claims_are_true(coeffs, a, b):
    """Whenever coercive() says so, f grows on circles of growing radius (a claimed proof is
    never contradicted numerically)."""
    c1, c2, c3, c4, c5, c6, c7 = coeffs
    f = (a * x**4 + b * y**2 + c1 * x**3 * y + c2 * x**2 * y + c3 * x * y**2 + c4 * x * y
         + c5 * x + c6 * y + c7 * x**2)
    if coercive(f, (x, y)):
        fn = sp.lambdify((x, y), f)
        t = np.linspace(0, 2 * np.pi, 721)
        lows = [fn(r * np.cos(t), r * np.sin(t)).min() for r in (10.0, 100.0, 1000.0)]
        assert lows[0] < lows[1] < lows[2] and lows[2] > 0


POLYS = [x**4 + y**4 - 4 * x * y + 1, x**3 - 3 * x * y + y**3, (x**2 - 1) ** 2 + (y**2 - 1) ** 2,
         x**4 - 2 * x**2 + y**2 + x * y, x**2 * y - y**3 / 3 + y**2]


@pytest.mark.parametrize("f", POLYS)
def test_polynomial_stationary_points_are_complete(f):
    """Numeric root finding of grad f = 0 from a grid of starts finds nothing the exact
    solver missed, and every exact point checks out numerically."""
    g = calcopt.compile(f, wrt=[x, y])
    res = calcopt.stationary_points(g, timeout=60)
    assert res.complete
    check_points(g, res)
    exact = np.array([[float(v) for v in p.x] for p in res])
    for x0 in np.array(np.meshgrid(np.linspace(-3, 3, 5), np.linspace(-3, 3, 5))).reshape(2, -1).T:
        r = optimize.root(g.grad, x0, jac=g.hess)
        if r.success and np.linalg.norm(g.grad(r.x)) < 1e-9:
            assert np.min(np.linalg.norm(exact - r.x, axis=1)) < 1e-6


def test_real_solutions_drops_complex_ones():
    assert real_solutions([x**2 + 1, y], (x, y)) == []
    sols = real_solutions([x**3 - 2, y - x], (x, y))
    assert len(sols) == 1 and sp.simplify(sols[0].coords[0] ** 3 - 2) == 0


def test_transcendental_one_variable():
    g = calcopt.compile(sp.cos(x))
    on_box = calcopt.stationary_points(g, {x: (0, 10)})
    assert on_box.complete
    assert [(p.x, p.kind) for p in on_box] == [((0,), "maximum"), ((sp.pi,), "minimum"),
                                               ((2 * sp.pi,), "maximum"), ((3 * sp.pi,), "minimum")]
    everywhere = calcopt.stationary_points(g)
    assert not everywhere.complete and everywhere.infinite is True
    assert "ImageSet" in everywhere.explanation
    unknown = calcopt.stationary_points(calcopt.compile(x**2 + sp.sin(x)))   # ConditionSet
    assert not unknown.complete and unknown.infinite is None
    assert calcopt.stationary_points(calcopt.compile(sp.exp(x))).complete


def test_numeric_fallback_is_labelled():
    g = calcopt.compile(x**2 + sp.sin(3 * x) + y**2)
    a = calcopt.argmin(g)
    assert not a.exact and "numeric local minimiser from 8 starts" in a.explanation
    assert all(isinstance(v, float) for v in a.x)
    assert np.allclose(g.grad(np.array(a.x)), 0, atol=1e-6)
    assert np.linalg.eigvalsh(g.hess(np.array(a.x))).min() > 0


def test_argmin_on_a_box():
    g = calcopt.compile((x - 3) ** 2 + y**2)
    inside = calcopt.argmin(g, {x: (0, 5)})
    assert inside.exact and inside.x == (3, 0)
    boundary = calcopt.argmin(g, {x: (0, 1)})          # y unbounded: numeric
    assert not boundary.exact and np.allclose(boundary.x, [1, 0]) and np.isclose(boundary.value, 4)
    box = calcopt.argmin(g, {x: (0, 1), y: (-1, 1)})   # compact: every face searched, exact
    assert (box.x, box.value, box.exact, box.unique) == ((1, 0), 4, True, True)


def test_polynomial_on_a_box_exact_with_ties_and_cross_check():
    g = calcopt.compile(x**3 - 3 * x + y**2 * x)        # unbounded below on R^2
    a = calcopt.argmin(g, {x: (-2, 2), y: (-1, 1)})
    grid = np.linspace(-2, 2, 201)[:, None], np.linspace(-1, 1, 101)[None, :]
    brute = (grid[0] ** 3 - 3 * grid[0] + grid[1] ** 2 * grid[0]).min()
    assert a.exact and "faces" in a.explanation and np.isclose(float(a.value), brute)
    assert a.value == -4 and a.unique is False and a.x in [(-2, -1), (-2, 1)]  # two corners


@pytest.mark.parametrize("call", [calcopt.stationary_points, calcopt.argmin])
def test_bad_input(call):
    g = calcopt.compile(ROSEN)
    with pytest.raises(calcopt.DomainError, match="not a variable"):
        call(g, {"w": (0, 1)})
    with pytest.raises(calcopt.DomainError, match="lower bound"):
        call(g, {x: (1, 0)})
    with pytest.raises(calcopt.ShapeError):
        call(calcopt.compile([x, y]))
    a = sp.Symbol("a")
    with pytest.raises(calcopt.InvalidInputError, match="params"):
        call(calcopt.compile(a * x**2, params=[a]))


def test_convexity_proves_transcendental_minimisers():
    a = calcopt.argmin(calcopt.compile(sp.exp(x) + x**2 + y**2))
    assert a.exact and a.x == (-sp.LambertW(sp.Rational(1, 2)), 0) and "convex" in a.explanation
    p = sp.Symbol("p", positive=True)
    b = calcopt.argmin(calcopt.compile(p * sp.log(p)))
    assert (b.x, b.value, b.exact) == ((sp.exp(-1),), -sp.exp(-1), True)


def test_convex_but_unsolvable_is_numeric_yet_global():
    g = calcopt.compile(sp.log(1 + sp.exp(x)) + x**2)
    a = calcopt.argmin(g)
    assert not a.exact and "proven convex" in a.explanation and a.unique is True
    assert abs(g.grad([a.x[0]])[0]) < 1e-8


def test_kinks_are_not_classified_and_minimised_derivative_free():
    res = calcopt.stationary_points(calcopt.compile(sp.Abs(x) + x**2))
    assert not res.complete and all(p.kind is None for p in res) and "kinks" in res.explanation
    a = calcopt.argmin(calcopt.compile(sp.Abs(x - 1) + y**2))
    assert not a.exact and "Powell" in a.explanation and np.allclose(a.x, [1, 0], atol=1e-6)


def test_three_variables():
    z = sp.Symbol("z")
    g = calcopt.compile(x**4 + y**4 + z**4 - 4 * x * y * z)
    res = calcopt.stationary_points(g, timeout=60)
    assert res.complete
    minima = sorted(p.x for p in res if p.kind == "minimum")
    assert minima == sorted([(1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)])
    assert [p.x for p in res if p.kind != "minimum"] == [(0, 0, 0)]
    check_points(g, res)


@settings(max_examples=5, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=7, max_size=7))
def test_random_polynomials_exact_points_check_out(c):
    """Random quartics: every exact point has grad ~ 0 and the right numeric classification;
    numeric root finding finds no stationary point the exact list lacks."""
    f = (x**4 + y**4 + c[0] * x**2 * y + c[1] * x * y**2 + c[2] * x**2 + c[3] * x * y
         + c[4] * y**2 + c[5] * x + c[6] * y)
    g = calcopt.compile(f)
    res = calcopt.stationary_points(g, timeout=30)
    if not res.complete:   # budget on a slow machine: unknown is allowed, wrong is not
        assert len(res) == 0 and "budget" in res.explanation
        return
    check_points(g, res)
    exact = np.array([[float(v) for v in p.x] for p in res])
    for x0 in [(-2, -2), (-2, 2), (2, -2), (2, 2), (0, 0), (1, -1)]:
        r = optimize.root(g.grad, np.array(x0, float), jac=g.hess)
        if r.success and np.linalg.norm(g.grad(r.x)) < 1e-10:
            assert np.min(np.linalg.norm(exact - r.x, axis=1)) < 1e-5
    a = calcopt.argmin(g, timeout=30)
    assert a.exact and coercive(f, (x, y))
    assert np.isclose(float(a.value), min(float(p.value) for p in res))


@pytest.mark.parametrize("kwargs", [{"timeout": "abc"}, {"timeout": -1}, {"timeout": None},
                                    {"timeout": float("nan")}])
def test_bad_timeouts(kwargs):
    for call in (calcopt.stationary_points, calcopt.argmin, calcopt.conditioning):
        with pytest.raises(calcopt.OptionError, match="timeout"):
            call(calcopt.compile(ROSEN), **kwargs)
    with pytest.raises(calcopt.OptionError, match="starts"):
        calcopt.argmin(calcopt.compile(ROSEN), starts=0)


def test_infimum_at_an_open_end_is_flagged():
    p = sp.Symbol("p", positive=True)
    # sympy.solve is not proven complete here, so no proof of non-attainment: numeric, flagged
    a = calcopt.argmin(calcopt.compile((p + 1) ** 2 + sp.log(1 + (y - p)**2)))
    assert not a.exact and a.unique is None and "open end" in a.explanation and 0 < a.x[0] < 1e-6


@pytest.mark.parametrize("expr", [sp.exp(x), 1 / sp.Symbol("p", positive=True),
                                  (sp.Symbol("p", positive=True) + 1) ** 2])
def test_no_stationary_point_on_an_open_domain_means_no_minimiser(expr):
    """Regression: exp(x) got a 'numeric local minimiser' near x = -10 with unique=True."""
    g = calcopt.compile(expr)
    assert calcopt.stationary_points(g).complete and len(calcopt.stationary_points(g)) == 0
    a = calcopt.argmin(g)
    assert (a.x, a.value, a.exact, a.unique) == (None, None, False, None)
    assert a.explanation.startswith("no minimiser: f is differentiable on the open domain")


@pytest.mark.parametrize("expr, why", [
    (sp.exp(x) + y**2, "df/dx = exp(x) has no zero for real x"),
    (x + sp.exp(y), "df/dx = 1 is never 0"),
    (sp.exp(x) * sp.cosh(y) + sp.exp(-sp.Symbol("p", positive=True)),
     "df/dp = -exp(-p) has no zero for p in (0, oo)")])
def test_a_partial_of_one_variable_without_zero_means_no_stationary_point(expr, why):
    """Regression: exp(x) + y**2 had an incomplete list (sympy.solve), so argmin returned a
    numeric 'minimiser' near x = -10 with unique=True; now there is no minimiser, proven."""
    g = calcopt.compile(expr)
    res = calcopt.stationary_points(g)
    assert (res.complete, res.infinite, len(res)) == (True, False, 0) and why in res.explanation
    a = calcopt.argmin(g)
    assert a.x is None and a.unique is None and a.explanation.startswith("no minimiser")


def test_a_partial_of_one_variable_with_zeros_decides_nothing():
    res = calcopt.stationary_points(calcopt.compile(sp.sin(x) + y**2))   # d/dx = cos(x)
    assert not res.complete and "no zero" not in res.explanation


@pytest.mark.parametrize("expr, domain", [
    ((x**2) ** sp.Rational(1, 3), None),           # minimiser 0: the gradient is undefined there
    (x**2, {x: (1, 2)}),                           # closed: the minimum is at the end x = 1
    (sp.Abs(x - 1) + x, None)])                    # kinks: Fermat needs a gradient
def test_no_minimiser_proof_needs_an_open_domain_and_a_defined_gradient(expr, domain):
    a = calcopt.argmin(calcopt.compile(expr), domain)
    assert not a.explanation.startswith("no minimiser")


@settings(max_examples=10, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=6, max_size=6))
def test_box_minimum_matches_a_fine_grid(c):
    """The exact box minimum is attained (its value is f at its points) and no grid point of
    the box is lower."""
    f = c[0] * x**3 + c[1] * y**3 + c[2] * x * y + c[3] * x**2 + c[4] * y**2 + c[5] * x
    best = box_minimum(f, (x, y), (sp.Interval(-1, 2), sp.Interval(-2, 1)))
    if best is None:   # a face with infinitely many critical points: allowed to give up
        return
    fn = sp.lambdify((x, y), f)
    for p in best.points:
        assert sp.simplify(f.subs(dict(zip((x, y), p))) - best.value) == 0
    X, Y = np.meshgrid(np.linspace(-1, 2, 301), np.linspace(-2, 1, 301))
    assert np.min(fn(X, Y)) >= float(best.value) - 1e-9
