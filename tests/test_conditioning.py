"""calcopt.conditioning: exact global/point eigenvalues, certified box bounds, bad input.

Known answers are cross-checked against numpy's eigenvalues of calcopt's numeric Hessian.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.analysis import intervals
from calcopt.analysis.conditioning import exact_eigenvalues, exact_sign, inertia

x, y, z = sp.symbols("x y z")
ROSEN = (1 - x) ** 2 + 100 * (y - x**2) ** 2
HAS_BOUNDS = hasattr(intervals, "eigenvalue_bounds")


def test_quadratic_irrational_eigenvalues_exact_kappa():
    c = calcopt.conditioning(calcopt.compile(2 * x**2 + x * y + y**2))
    assert (c.exact, c.scope) == (True, "global")
    assert sp.simplify(c.L - (3 + sp.sqrt(2))) == 0
    assert sp.simplify(c.mu - (3 - sp.sqrt(2))) == 0
    assert sp.simplify(c.kappa - (3 + sp.sqrt(2)) / (3 - sp.sqrt(2))) == 0
    assert isinstance(c.kappa, sp.Expr) and not c.kappa.has(sp.Float)
    assert np.allclose([float(c.mu), float(c.L)], np.linalg.eigvalsh([[4, 1], [1, 2]]))
    assert "L = sqrt(2) + 3" in repr(c)


def test_default_objective_kappa_100():
    f = (x + y - 1) ** 2 / 2 + 50 * (x - y) ** 2
    c = calcopt.conditioning(calcopt.compile(f))
    assert (c.L, c.mu, c.kappa) == (200, 2, 100)


@pytest.mark.parametrize("f, mu, word", [(x**2 - y**2, -2, "not convex"),
                                         ((x + y) ** 2, 0, "not strongly convex")])
def test_no_kappa_when_mu_not_positive(f, mu, word):
    c = calcopt.conditioning(calcopt.compile(f))
    assert c.mu == mu and c.kappa is None and c.exact
    assert word in c.explanation


def test_quadratic_with_irrational_coefficients():
    f = sp.pi * x**2 + sp.sqrt(3) * x * y + y**2
    c = calcopt.conditioning(calcopt.compile(f))
    H = np.array([[2 * np.pi, np.sqrt(3)], [np.sqrt(3), 2]])
    assert c.exact and np.allclose([float(c.mu), float(c.L)], np.linalg.eigvalsh(H))


symmetric = st.integers(1, 3).flatmap(lambda n: st.lists(
    st.integers(-5, 5), min_size=n * n, max_size=n * n).map(
        lambda v: (lambda A: A + A.T)(sp.Matrix(n, n, v))))


@settings(max_examples=40, deadline=None)
@given(symmetric)
def test_exact_eigenvalues_and_inertia_match_numpy(A):
    n = A.shape[0]
    v = sp.Matrix(sp.symbols(f"v0:{n}"))
    g = calcopt.compile((v.T * A * v)[0] / 2, wrt=list(v))
    num = np.linalg.eigvalsh(np.array(A.tolist(), dtype=float))
    c = calcopt.conditioning(g)
    assert c.exact and np.isclose(float(c.L), num[-1]) and np.isclose(float(c.mu), num[0])
    eig = exact_eigenvalues(A)
    assert np.allclose([float(e) for e in eig], num)
    pos, neg, zero = inertia(A)
    assert (pos, neg, zero) == (sum(e.is_positive for e in eig), sum(e.is_negative for e in eig),
                                sum(e.is_zero for e in eig))
    assert (c.kappa is None) == (zero > 0 or neg > 0)


def test_at_exact_point_rosenbrock_minimum():
    g = calcopt.compile(ROSEN)
    c = calcopt.conditioning(g, at=[1, 1])
    assert (c.exact, c.scope) == (True, "point")
    assert sp.simplify(c.L - (501 + sp.sqrt(250601))) == 0
    num = np.linalg.eigvalsh(g.hess([1.0, 1.0]))
    assert np.allclose([float(c.mu), float(c.L)], num)
    assert np.isclose(float(c.kappa), num[1] / num[0])


def test_at_fractions_dicts_and_sympy_numbers_are_exact():
    g = calcopt.compile(ROSEN)
    a = calcopt.conditioning(g, at={"x": Fraction(1, 2), y: 0})
    b = calcopt.conditioning(g, at=(sp.Rational(1, 2), sp.Integer(0)))
    assert a.exact and b.exact and sp.simplify(a.L - b.L) == 0
    assert np.isclose(float(a.L), np.linalg.eigvalsh(g.hess([0.5, 0.0]))[-1])
    t = calcopt.conditioning(calcopt.compile(sp.exp(x) * y**2 + x**2), at=[0, sp.sqrt(2)])
    assert t.exact and not t.L.has(sp.Float)


def test_at_floats_are_numeric():
    g = calcopt.compile(ROSEN)
    c = calcopt.conditioning(g, at=[1.0, 1])
    assert not c.exact and isinstance(c.L, float)
    assert np.allclose([c.mu, c.L], np.linalg.eigvalsh(g.hess([1.0, 1.0])))


def test_non_quadratic_without_at_or_box_explains():
    c = calcopt.conditioning(calcopt.compile(ROSEN))
    assert c.L is None and c.mu is None and c.kappa is None and not c.exact
    assert "at=" in c.explanation and "box=" in c.explanation


@pytest.mark.skipif(not HAS_BOUNDS, reason="intervals.eigenvalue_bounds not available yet")
def test_box_bounds_enclose_sampled_eigenvalues():
    g = calcopt.compile(ROSEN)
    box = {x: (-1, 1), "y": sp.Interval(-1, 2)}
    c = calcopt.conditioning(g, box=box)
    assert (c.scope, c.exact) == ("box", False)
    rng = np.random.default_rng(1)
    pts = np.column_stack([rng.uniform(-1, 1, 200), rng.uniform(-1, 2, 200)])
    pts = np.vstack([pts, [[-1, -1], [1, -1], [-1, 2], [1, 2], [0, 0]]])
    eig = np.array([np.linalg.eigvalsh(g.hess(p)) for p in pts])
    assert c.L is not None and float(c.L) >= eig[:, -1].max()
    assert c.mu is not None and float(c.mu) <= eig[:, 0].min()
    assert c.kappa is None and "could not be certified" in c.explanation  # mu < 0 on this box


@pytest.mark.skipif(not HAS_BOUNDS, reason="intervals.eigenvalue_bounds not available yet")
def test_box_strongly_convex_gives_kappa_bound():
    g = calcopt.compile(x**4 + x**2 + y**2)
    c = calcopt.conditioning(g, box={x: (-1, 1), y: (-1, 1)})
    assert 0 < c.mu <= 2 and c.L >= 14          # Hessian diag(2 + 12 x^2, 2)
    assert c.kappa == c.L / c.mu and c.kappa >= 7


def test_box_with_positive_mu_but_no_finite_L_says_so():
    """Regression: -log(x) over (0, 1] has mu = 1 certified and L = +inf; the explanation
    used to say that the lower bound on lambda_min was not positive."""
    p = sp.Symbol("p", positive=True)
    c = calcopt.conditioning(calcopt.compile(-sp.log(p)), box={p: (0, 1)})
    assert c.L is None and c.mu == 1 and c.kappa is None          # Hessian 1/p^2 >= 1
    assert "no finite upper bound on lambda_max" in c.explanation
    assert "not positive" not in c.explanation


def test_box_where_f_may_be_undefined_says_why_there_are_no_bounds():
    """Regression: log(x) over [-1, 1] gave L = mu = None with only 'no finite lower bound
    on lambda_min'; the interval analysis knows why (log may be undefined there)."""
    c = calcopt.conditioning(calcopt.compile(sp.log(x)), box={x: (-1, 1)})
    assert (c.L, c.mu, c.kappa) == (None, None, None)
    assert "log(x) may be undefined on x in [-1, 1]" in c.explanation


def test_exact_sign():
    assert exact_sign(sp.sqrt(2) + sp.sqrt(3) - sp.sqrt(5 + 2 * sp.sqrt(6))) == 0
    assert exact_sign(sp.pi - sp.Rational(355, 113)) == -1
    assert exact_sign(sp.CRootOf(x**3 - 3 * x + 1, 0)) == -1


def test_signs_are_proven_or_none():
    """exact_sign is the one certified sign decider: a sign comes from exact arithmetic or an
    arb ball excluding 0 (CRootOf and LambertW included), never from floating-point digits."""
    w = sp.LambertW(sp.Rational(1, 2))
    assert exact_sign((2 + 4 * sp.exp(w)) * sp.exp(-w)) == 1
    r = sp.CRootOf(x**5 - x - 1, 0)
    assert exact_sign(r - sp.Rational(11673, 10000)) == 1 and exact_sign(r**5 - r - 1) == 0
    assert exact_sign(sp.gamma(sp.Rational(1, 3)) - 2) is None    # no ball for gamma: undecided
    assert exact_sign(x) is None and exact_sign(sp.zoo) is None


@pytest.mark.parametrize("kwargs, error, text", [
    ({"at": [1.0]}, calcopt.PointError, "entries"),
    ({"at": [[1.0, 2.0], [0.0, 0.0]]}, calcopt.PointError, "one point"),
    ({"at": [float("nan"), 1.0]}, calcopt.PointError, "non-finite"),
    ({"at": ["a", 1.0]}, calcopt.PointError, "real numbers"),
    ({"at": {"x": 1, "q": 2}}, calcopt.PointError, "unknown keys"),
    ({"at": [1, 1], "box": {x: (0, 1)}}, calcopt.OptionError, "not both"),
    ({"box": {x: (2, 1)}}, calcopt.DomainError, "lower bound 2 > upper bound 1"),
    ({"box": {"w": (0, 1)}}, calcopt.DomainError, "not a variable"),
    ({"box": {}}, calcopt.DomainError, "non-empty"),
])
def test_bad_input(kwargs, error, text):
    with pytest.raises(error, match=text):
        calcopt.conditioning(calcopt.compile(ROSEN), **kwargs)


def test_point_outside_domain_and_undefined_hessian():
    p = sp.Symbol("p", positive=True)
    with pytest.raises(calcopt.DomainError, match="outside the domain"):
        calcopt.conditioning(calcopt.compile(p**3), at=[-1])
    with pytest.raises(calcopt.DomainError, match="undefined"):
        calcopt.conditioning(calcopt.compile(sp.log(x**2 + y**2)), at=[0, 0])
    with pytest.raises(calcopt.DomainError, match="not finite"):
        calcopt.conditioning(calcopt.compile(sp.log(x**2 + y**2)), at=[0.0, 0.0])


def test_vector_graphs_and_params_are_refused():
    with pytest.raises(calcopt.ShapeError):
        calcopt.conditioning(calcopt.compile([x**2, y**2]))
    a = sp.Symbol("a")
    with pytest.raises(calcopt.InvalidInputError, match="params"):
        calcopt.conditioning(calcopt.compile(a * x**2, params=[a]))


def test_kinks_have_no_global_or_box_constants():
    g = calcopt.compile(sp.Abs(x) + x**2)
    for c in (calcopt.conditioning(g), calcopt.conditioning(g, box={x: (-1, 1)})):
        assert c.L is None and c.kappa is None and "kinks" in c.explanation
    away = calcopt.conditioning(g, at=[1])
    assert away.L == 2 and "kinks" in away.explanation


def test_quadratic_beyond_the_budget_falls_back_to_numeric():
    n = 12
    v = sp.symbols(f"v0:{n}")
    f = sum((i + 1) * v[i] ** 2 for i in range(n)) + sum(v[i] * v[i + 1] for i in range(n - 1)) / 3
    g = calcopt.compile(f)
    c = calcopt.conditioning(g, timeout=1e-4)
    num = np.linalg.eigvalsh(g.hess(np.zeros(n)))
    assert not c.exact and "numeric" in c.explanation
    assert np.isclose(c.L, num[-1]) and np.isclose(c.mu, num[0])


@pytest.mark.skipif(not HAS_BOUNDS, reason="intervals.eigenvalue_bounds not available yet")
def test_global_bounds_for_a_non_quadratic():
    c = calcopt.conditioning(calcopt.compile(x**2 + sp.sin(x) + y**2))  # Hessian diag(2 - sin x, 2)
    assert (c.scope, c.exact) == ("global", False)
    assert 0 < c.mu <= 1 and c.L >= 3 and c.kappa == c.L / c.mu
    assert "(~ " in repr(calcopt.conditioning(calcopt.compile(2 * x**2 + x * y + y**2)))
