"""Differentiation: exact gradients/Hessians against SymPy, numeric derivatives against the
exact ones and finite differences, backprop/tangents, Jacobians, data, cost, bad input."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import sympy as sp

import calcopt
from corpus import CORPUS, a, b, x, y, z
from helpers import (assert_close, central_differences, evaluate, exact_equal, float_points,
                     no_floats, rational_points, sympy_gradient)

VAR_CORPUS = [(e, box) for e, box in CORPUS if e.free_symbols]
IDS = [str(e) for e, _ in VAR_CORPUS]
BACKENDS = ["math", "numpy"]


@functools.lru_cache(maxsize=None)
def compiled(i: int) -> calcopt.Graph:
    return calcopt.compile(VAR_CORPUS[i][0])


@functools.lru_cache(maxsize=None)
def sympy_hessian(i: int) -> sp.Matrix:
    e = VAR_CORPUS[i][0]
    return sp.hessian(e, compiled(i).wrt)


def corpus_params():
    return [pytest.param(i, id=IDS[i]) for i in range(len(VAR_CORPUS))]


def test_corpus_has_enough_entries():
    assert len(VAR_CORPUS) >= 45
    assert len(CORPUS) >= 48


# --- the comparison helpers themselves can fail ----------------------------------------------

def test_exact_equal_detects_differences():
    exact_equal(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), [x])
    exact_equal(sp.exp(x) * sp.exp(y), sp.exp(x + y), [x, y])
    with pytest.raises(AssertionError, match="differs"):
        exact_equal(sp.sin(x), x - x**3 / 6, [x], box=(-0.1, 0.1))
    with pytest.raises(AssertionError, match="differs"):   # differs by 1e-40 only
        exact_equal(x + sp.Rational(1, 10**40), x, [x])
    with pytest.raises(AssertionError, match="differs"):
        exact_equal(sp.Heaviside(x - y), sp.Heaviside(y - x), [x, y])
    with pytest.raises(AssertionError, match="shapes differ"):
        exact_equal(sp.Matrix([x, y]), sp.Matrix([[x, y]]), [x, y])
    # DiracDelta vanishes away from its kink, as the corpus comparisons rely on
    exact_equal(sp.DiracDelta(x) + 1, sp.Integer(1), [x], box=(0.3, 2))


def test_rational_points_are_inside_the_box_and_distinct():
    pts = rational_points([x, y, z], ((0.3, 2.0), (-0.8, 0.8), (-2, 2)), k=5, seed=3)
    for pt in pts:
        assert sp.Rational(3, 10) < pt[x] < 2 and sp.Rational(-4, 5) < pt[y] < sp.Rational(4, 5)
        assert all(isinstance(v, sp.Rational) for v in pt.values())
    assert len({tuple(p.values()) for p in pts}) == 5


# --- 1. the corpus: exact ---------------------------------------------------------------------

@pytest.mark.parametrize("i", corpus_params())
def test_corpus_gradient_exact(i):
    e, box = VAR_CORPUS[i]
    g = compiled(i)
    wrt = g.wrt
    assert set(wrt) == e.free_symbols
    reverse, forward = g.gradient(mode="reverse"), g.gradient(mode="forward")
    assert reverse.shape == forward.shape == (len(wrt), 1)
    expected = sympy_gradient(e, wrt)
    exact_equal(reverse, expected, wrt, box, seed=i)
    exact_equal(forward, expected, wrt, box, seed=i + 1000)
    exact_equal(reverse, forward, wrt, box, seed=i + 2000)
    assert g.gradient() == reverse   # default mode is reverse


@pytest.mark.parametrize("i", corpus_params())
def test_corpus_hessian_exact(i):
    e, box = VAR_CORPUS[i]
    g = compiled(i)
    n = len(g.wrt)
    H = g.hessian()
    assert isinstance(H, sp.MatrixBase) and H.shape == (n, n)
    exact_equal(H, sympy_hessian(i), g.wrt, box, seed=i)
    Hs = g.hessian(sparse=True)
    assert isinstance(Hs, sp.SparseMatrix) and Hs.shape == (n, n)
    exact_equal(sp.Matrix(Hs), H, g.wrt, box, seed=i + 1)
    # the non-zero entries lie inside the structural pattern
    pattern = g.hessian_sparsity().toarray()
    assert pattern.shape == (n, n)
    for (r, c) in Hs.todok():
        assert pattern[r, c], (r, c)


# --- 1. the corpus: numeric --------------------------------------------------------------------

@pytest.mark.parametrize("i", corpus_params())
def test_corpus_numeric_gradient(i):
    e, box = VAR_CORPUS[i]
    g = compiled(i)
    wrt = g.wrt
    exact = sympy_gradient(e, wrt)
    points = float_points(wrt, box, k=3, seed=i)
    for p in points:
        expected = evaluate(exact, wrt, p).ravel()
        for backend in BACKENDS:
            assert_close(g.grad(p, backend=backend), expected, 1e-10, f"grad {backend} at {p}")
        fd = central_differences(lambda q: g.value(q), p)
        assert_close(g.grad(p), fd, 1e-5, f"finite differences at {p}")
        assert_close(g.value(p), evaluate(e, wrt, p), 1e-12, "value")
    # a batch of points gives the row-wise gradients
    batch = g.grad(points)
    assert batch.shape == (3, len(wrt))
    for row, p in zip(batch, points):
        assert_close(row, g.grad(p, backend="math"), 1e-14, "batch row")


@pytest.mark.parametrize("i", corpus_params())
def test_corpus_numeric_hessian(i):
    e, box = VAR_CORPUS[i]
    g = compiled(i)
    wrt, n = g.wrt, len(g.wrt)
    exact = sympy_hessian(i)
    rng = np.random.default_rng(100 + i)
    for p in float_points(wrt, box, k=2, seed=i):
        expected = evaluate(exact, wrt, p)
        H = g.hess(p)
        assert H.shape == (n, n)
        assert_close(H, expected, 1e-10, f"hess at {p}")
        Hs = g.hess(p, sparse=True)
        assert Hs.shape == (n, n)
        assert_close(Hs.toarray(), H, 1e-13, "sparse hess")
        v = rng.standard_normal(n)
        for backend in BACKENDS:
            assert_close(g.hvp(p, v, backend=backend), H @ v, 1e-12, f"hvp {backend}")


@pytest.mark.parametrize("i", corpus_params())
def test_corpus_jvp_vjp(i):
    e, box = VAR_CORPUS[i]
    g = compiled(i)
    rng = np.random.default_rng(i)
    for p in float_points(g.wrt, box, k=2, seed=i + 7):
        grad = g.grad(p)
        f = g.value(p)
        v = rng.standard_normal(len(g.wrt))
        c = float(rng.standard_normal())
        for backend in BACKENDS:
            val, d = g.jvp(p, v, backend=backend)
            assert np.ndim(d) == 0
            assert_close(val, f, 1e-14, "jvp value")
            assert_close(d, grad @ v, 1e-12, f"jvp {backend}")
            val, gc = g.vjp(p, c, backend=backend)
            assert gc.shape == (len(g.wrt),)
            assert_close(val, f, 1e-14, "vjp value")
            assert_close(gc, c * grad, 1e-12, f"vjp {backend}")
        assert_close(g.vjp(p)[1], grad, 1e-14, "vjp default cotangent 1")


# --- 2. exactness ----------------------------------------------------------------------------

RATIONAL_CASES = [
    sp.Rational(1, 3) * x**3 + sp.Rational(2, 7) * x * y,
    sp.Rational(5, 11) * x**4 * y**2 - sp.Rational(3, 13) * y**3 + x / 9,
    (sp.Rational(1, 3) * x - sp.Rational(2, 5) * y) ** 3 / (1 + y**2),
]


@pytest.mark.parametrize("e", RATIONAL_CASES, ids=str)
def test_rationals_stay_rational(e):
    g = calcopt.compile(e)
    assert no_floats(e)
    for G in (g.gradient(), g.gradient("forward"), g.hessian(), sp.Matrix(g.hessian(sparse=True))):
        assert not G.atoms(sp.Float), G
    exact_equal(g.gradient(), sympy_gradient(e, g.wrt), g.wrt)
    exact_equal(g.hessian(), sp.hessian(e, g.wrt), g.wrt)
    # the exact result at an exact point is an exact rational number
    pt = rational_points(g.wrt, k=1, seed=5)[0]
    vals = g.hessian().xreplace(pt)
    assert all(isinstance(v, sp.Rational) for v in vals)
    assert vals == sp.hessian(e, g.wrt).xreplace(pt)


def test_first_derivative_of_rational_cubic_is_literal():
    g = calcopt.compile(sp.Rational(1, 3) * x**3 + sp.Rational(2, 7) * x * y)
    assert sp.expand(g.gradient()[0]) == x**2 + sp.Rational(2, 7) * y
    assert sp.expand(g.gradient()[1]) == sp.Rational(2, 7) * x
    assert g.hessian() == sp.Matrix([[2 * x, sp.Rational(2, 7)], [sp.Rational(2, 7), 0]])


THIRD = [sp.exp(x) * sp.sin(x), x**5, sp.log(1 + x**2), sp.atan(x), sp.tanh(x)]


@pytest.mark.parametrize("f", THIRD, ids=str)
def test_third_derivative_by_chained_derivative_graphs(f):
    g = calcopt.compile(f)
    gg = g.gradient_graph()
    assert isinstance(gg, calcopt.Graph) and not gg.is_scalar and gg.wrt == (x,)
    hg = gg.jacobian_graph()                   # 1 x 1 graph of f''
    tg = hg.jacobian_graph()                   # 1 x 1 graph of f'''
    exact_equal(gg.to_sympy(), sp.Matrix([sp.diff(f, x)]), [x], k=4)
    exact_equal(hg.to_sympy(), sp.Matrix([[sp.diff(f, x, 2)]]), [x], k=4)
    third = hg.jacobian()
    assert third.shape == (1, 1)
    exact_equal(third[0, 0], sp.diff(f, x, 3), [x], k=4, seed=1)
    exact_equal(tg.to_sympy(), third, [x], k=4, seed=2)
    # both jacobian modes agree, and the Hessian graph differentiates to the same thing
    exact_equal(hg.jacobian(mode="forward"), hg.jacobian(mode="reverse"), [x], k=4)
    exact_equal(g.hessian_graph().jacobian()[0, 0], sp.diff(f, x, 3), [x], k=4, seed=3)
    exact_equal(tg.jacobian()[0, 0], sp.diff(f, x, 4), [x], k=4, seed=4)
    # and the numeric code of the third-derivative graph agrees
    for p in (-0.7, 0.3, 1.4):
        expected = evaluate(sp.diff(f, x, 3), [x], [p])
        assert_close(np.ravel(hg.jacobian([p]))[0], expected, 1e-10, "f''' by jacobian")
        assert_close(np.ravel(tg.value([p]))[0], expected, 1e-10, "f''' by value")


def test_fourth_derivative_of_polynomial_is_exact_constant():
    g = calcopt.compile(sp.Rational(3, 7) * x**4 - x**2)
    d4 = g.gradient_graph().jacobian_graph().jacobian_graph().jacobian()
    assert sp.expand(d4[0, 0]) == sp.Rational(72, 7)


# --- 3. backprop and tangents ------------------------------------------------------------------

F_BP = (x * y + sp.sin(x)) * sp.exp(y)


def _node_adjoint(f, node_expr):
    """d f / d (node): the node's value replaced by a fresh symbol everywhere it is used."""
    t = sp.Dummy("t")
    return sp.diff(f.xreplace({node_expr: t}), t).xreplace({t: node_expr})


def test_backprop_values_and_adjoints():
    g = calcopt.compile(F_BP)
    p = [0.7, -0.4]
    bp = g.backprop(p)
    out = g.outputs[0]
    assert_close(bp.value, evaluate(F_BP, g.wrt, p), 1e-14, "value")
    assert bp.adjoints[out] == 1.0
    grad = evaluate(sympy_gradient(F_BP, g.wrt), g.wrt, p).ravel()
    assert_close([bp.adjoints[v] for v in g.variable_nodes], grad, 1e-13, "variable adjoints")
    # by hand (chain rule): u = x*y + sin(x), f = u * exp(y)  =>  df/du = exp(y),
    # df/d(exp(y)) = u, df/d(x*y) = df/du * 1, df/d(sin x) = df/du * 1
    by_expr = {g.expr(i): i for i in range(len(g))}
    u, ey = x * y + sp.sin(x), sp.exp(y)
    assert u in by_expr and ey in by_expr and x * y in by_expr and sp.sin(x) in by_expr
    xv, yv = p
    assert_close(bp.adjoints[by_expr[u]], np.exp(yv), 1e-14, "adjoint of u")
    assert_close(bp.adjoints[by_expr[ey]], xv * yv + np.sin(xv), 1e-14, "adjoint of exp(y)")
    assert_close(bp.adjoints[by_expr[x * y]], np.exp(yv), 1e-14, "adjoint of x*y")
    assert_close(bp.adjoints[by_expr[sp.sin(x)]], np.exp(yv), 1e-14, "adjoint of sin(x)")
    # values of every node
    for i in range(len(g)):
        assert_close(bp.values[i], evaluate(g.expr(i), g.wrt, p), 1e-14, f"value of node {i}")


@pytest.mark.parametrize("f", [
    F_BP,
    sp.exp(x * y) + sp.sin(x * y) * x,
    sp.log(1 + sp.exp(-x * y)) + (x - y) ** 2 * sp.cos(x * y),
    sp.sqrt(x**2 + y**2 + 1) * sp.atan(x / (1 + y**2)),
], ids=str)
def test_backprop_adjoint_of_every_operation_node(f):
    """adjoint(i) == d f / d(node i), the node's value perturbed for all of its users."""
    g = calcopt.compile(f)
    p = [0.6, -1.3]
    bp = g.backprop(p)
    checked = 0
    for i in range(len(g)):
        if g.kind(i) == "constant":
            continue
        expected = evaluate(_node_adjoint(f, g.expr(i)), g.wrt, p)
        assert_close(bp.adjoints.get(i, 0.0), expected, 1e-12, f"adjoint of node {i} {g.expr(i)}")
        checked += 1
    assert checked >= 5


def test_backprop_with_data_is_the_sample_mean():
    f = (x - a) ** 2 * y + sp.exp(b * y) * x
    g = calcopt.compile(f, params=[a, b])
    A = np.array([0.0, 1.0, 3.0, -0.5])
    B = np.array([0.2, -0.1, 0.4, 1.0])
    p = [1.0, 0.5]
    bp = g.backprop(p, data={a: A, b: B})
    per_value = []
    for av, bv in zip(A, B):
        fs = f.subs({a: av, b: bv})
        gs = calcopt.compile(fs, wrt=g.wrt)
        per_value.append(gs.value(p))
    assert_close(bp.value, np.mean(per_value), 1e-14, "mean value")
    grad = np.mean([evaluate(sympy_gradient(f.subs({a: av, b: bv}), g.wrt), g.wrt, p).ravel()
                    for av, bv in zip(A, B)], axis=0)
    assert_close([bp.adjoints[v] for v in g.variable_nodes], grad, 1e-13, "mean gradient")
    assert_close(g.grad(p, data={a: A, b: B}), grad, 1e-13, "grad with data")
    # every operation node: value and adjoint are means over samples
    for i in range(len(g)):
        if g.kind(i) != "operation":
            continue
        e = g.expr(i)
        vals = [evaluate(e.subs({a: av, b: bv}), g.wrt, p) for av, bv in zip(A, B)]
        adjs = [evaluate(_node_adjoint(f, e).subs({a: av, b: bv}), g.wrt, p)
                for av, bv in zip(A, B)]
        assert_close(bp.values[i], np.mean(vals), 1e-13, f"value of {e}")
        assert_close(bp.adjoints[i], np.mean(adjs), 1e-13, f"adjoint of {e}")
    # the parameter nodes carry the sample mean of their data
    for node, data in zip(g.parameter_nodes, (A, B)):
        assert_close(bp.values[node], data.mean(), 1e-15, "parameter value")


def test_backprop_of_vector_graph_needs_a_cotangent():
    F = [x * y, sp.sin(x * y) + z]
    g = calcopt.compile(F)
    p = [0.5, 2.0, -1.0]
    with pytest.raises(calcopt.PointError, match="cotangent"):
        g.backprop(p)
    with pytest.raises(calcopt.PointError, match="cotangent"):
        g.backprop(p, cotangent=[1.0])
    u = np.array([2.0, -3.0])
    bp = g.backprop(p, cotangent=u)
    assert_close(bp.value, [1.0, np.sin(1.0) - 1.0], 1e-14, "values")
    J = evaluate(sp.Matrix(F).jacobian([x, y, z]), [x, y, z], p)
    assert_close([bp.adjoints[v] for v in g.variable_nodes], u @ J, 1e-13, "u^T J")
    # the x*y node is output 0 and is also used by output 1: its adjoint sums both
    xy = g.outputs[0]
    assert_close(bp.adjoints[xy], u[0] + u[1] * np.cos(1.0), 1e-14, "shared output adjoint")
    assert_close(bp.adjoints[g.outputs[1]], u[1], 1e-15, "output 1 adjoint")


def test_scalar_backprop_rejects_a_cotangent():
    g = calcopt.compile(F_BP)
    with pytest.raises(calcopt.PointError, match="seeded with 1"):
        g.backprop([0.1, 0.2], cotangent=2.0)


@pytest.mark.parametrize("f", [F_BP, sp.atan(x) * sp.tanh(y) - sp.asin(z / 3),
                               sp.exp(-(x**2 + y**2) / 2) * sp.cos(3 * x)], ids=str)
def test_tangents_are_directional_derivatives(f):
    g = calcopt.compile(f)
    n = len(g.wrt)
    rng = np.random.default_rng(4)
    p = rng.uniform(-1, 1, n)
    v = rng.standard_normal(n)
    t = g.tangents(p, v)
    grad = evaluate(sympy_gradient(f, g.wrt), g.wrt, p).ravel()
    assert_close(t.value, evaluate(f, g.wrt, p), 1e-14, "value")
    assert_close(t.tangents[g.outputs[0]], grad @ v, 1e-12, "output tangent")
    assert_close([t.tangents[i] for i in g.variable_nodes], v, 0, "seeds")
    for i in range(len(g)):
        if g.kind(i) == "operation":
            e = g.expr(i)
            d = evaluate(sympy_gradient(e, g.wrt), g.wrt, p).ravel() @ v
            assert_close(t.tangents[i], d, 1e-12, f"tangent of {e}")
            assert_close(t.values[i], evaluate(e, g.wrt, p), 1e-14, f"value of {e}")


def test_tangents_of_vector_graph():
    F = (sp.exp(x), x * y, y**2)
    g = calcopt.compile(F)
    t = g.tangents([0.3, -0.2], [1.0, 2.0])
    assert_close(t.value, [np.exp(0.3), -0.06, 0.04], 1e-14, "values")
    J = evaluate(sp.Matrix(F).jacobian([x, y]), [x, y], [0.3, -0.2])
    assert_close([t.tangents[o] for o in g.outputs], J @ [1.0, 2.0], 1e-14, "J v")


# --- 4. Jacobians of vector graphs -----------------------------------------------------------

VECTOR = [
    pytest.param([x * y, sp.sin(x * y) + z], [x, y, z], id="2x3-list"),
    pytest.param((sp.exp(x), x * y, y**2, sp.log(1 + x**2)), [x, y], id="4x2-tuple"),
    pytest.param(sp.Matrix([[x * y, x + y], [sp.sin(x), sp.cos(y) * x * z]]), [x, y, z],
                 id="2x2-matrix"),
    pytest.param([sp.Rational(1, 3) * x**2 * y, x - y / 7, sp.Integer(5)], [x, y],
                 id="3x2-rational-const"),
]


def _flat(F):
    return sp.Matrix(list(F))


@pytest.mark.parametrize("F, wrt", VECTOR)
def test_jacobian_exact_all_modes(F, wrt):
    g = calcopt.compile(F, wrt=wrt)
    assert not g.is_scalar
    expected = _flat(F).jacobian(wrt)
    for mode in ("forward", "reverse", "auto"):
        J = g.jacobian(mode=mode)
        assert J.shape == expected.shape
        exact_equal(J, expected, wrt, seed=len(mode))
        if no_floats(_flat(F)):
            assert not J.atoms(sp.Float)


@pytest.mark.parametrize("F, wrt", VECTOR)
def test_jacobian_numeric_and_products(F, wrt):
    g = calcopt.compile(F, wrt=wrt)
    m, n = len(_flat(F)), len(wrt)
    expected_exact = _flat(F).jacobian(wrt)
    rng = np.random.default_rng(9)
    for p in float_points(wrt, (-1.5, 1.5), k=2, seed=11):
        expected = evaluate(expected_exact, wrt, p)
        for mode in ("forward", "reverse", "auto"):
            J = g.jacobian(p, mode=mode)
            assert J.shape == (m, n)
            assert_close(J, expected, 1e-12, f"jacobian {mode}")
        v, u = rng.standard_normal(n), rng.standard_normal(m)
        for backend in BACKENDS:
            val, jv = g.jvp(p, v, backend=backend)
            assert_close(val, evaluate(_flat(F), wrt, p).ravel(), 1e-14, "jvp value")
            assert_close(jv, expected @ v, 1e-12, f"jvp {backend}")
            val, uj = g.vjp(p, u, backend=backend)
            assert_close(uj, u @ expected, 1e-12, f"vjp {backend}")


def test_jacobian_auto_picks_fewer_sweeps():
    wide = calcopt.compile([x * y * z, x + y + z])        # m=2 < n=3: reverse
    tall = calcopt.compile((sp.exp(x), x * y, y**2))       # m=3 > n=2: forward
    assert wide.jacobian_graph("auto") is wide.jacobian_graph("reverse")
    assert tall.jacobian_graph("auto") is tall.jacobian_graph("forward")


def test_jacobian_of_scalar_graph_is_gradient_row():
    f = sp.exp(x * y) + sp.sin(x * y)
    g = calcopt.compile(f)
    exact_equal(g.jacobian(), g.gradient().T, g.wrt)
    assert_close(g.jacobian([0.2, 0.9]), g.grad([0.2, 0.9])[None, :], 1e-14, "jacobian row")


SCALAR_ONLY = [
    ("gradient", ()), ("gradient_graph", ()), ("hessian", ()), ("hessian_graph", ()),
    ("hessian_sparsity", ()), ("hessian_coloring", ()), ("hvp_graph", ()),
    ("grad", ([0.1, 0.2, 0.3],)), ("hvp", ([0.1, 0.2, 0.3], [1.0, 0.0, 0.0])),
    ("hess", ([0.1, 0.2, 0.3],)),
]


@pytest.mark.parametrize("method, args", SCALAR_ONLY, ids=[m for m, _ in SCALAR_ONLY])
def test_scalar_only_methods_raise_shape_error(method, args):
    g = calcopt.compile([x * y, y + z])
    with pytest.raises(calcopt.ShapeError, match="scalar graph"):
        getattr(g, method)(*args)
    if method in ("hessian", "hess"):
        with pytest.raises(calcopt.ShapeError, match="scalar graph"):
            getattr(g, method)(*args, sparse=True)


# --- 5. data: finite-sum objectives -------------------------------------------------------------

F_DATA = sp.log(1 + sp.exp(-a * (x * b + y))) + sp.Rational(1, 10) * (x**2 + y**2) * b**2
A_DATA = np.array([1.0, -1.0, 1.0, 1.0, -1.0, -1.0, 1.0])
B_DATA = np.array([0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5])


def _per_sample(exprs, p):
    fn = sp.lambdify((x, y, a, b), exprs, "math")
    return np.array([np.array(fn(*p, av, bv), dtype=float) for av, bv in zip(A_DATA, B_DATA)])


def test_grad_with_data_is_mean_of_sample_gradients():
    g = calcopt.compile(F_DATA, params=[a, b])
    assert g.wrt == (x, y) and g.params == (a, b)
    grad_exprs = [sp.diff(F_DATA, v) for v in (x, y)]
    data = {a: A_DATA, b: B_DATA}
    for p in ([0.4, -0.3], [1.5, 0.8]):
        expected = _per_sample(grad_exprs, p).mean(axis=0)
        assert_close(g.grad(p, data=data), expected, 1e-13, "grad with data")
        assert_close(g.grad(p, data={"a": A_DATA, "b": B_DATA}), expected, 1e-13, "names")
        assert_close(g.grad(p, data=np.column_stack([A_DATA, B_DATA])), expected, 1e-13, "array")
        assert_close(g.value(p, data=data), _per_sample(F_DATA, p).mean(), 1e-13, "value")
        v = np.array([0.3, -2.0])
        assert_close(g.jvp(p, v, data=data)[1], expected @ v, 1e-13, "jvp with data")
        assert_close(g.vjp(p, 2.5, data=data)[1], 2.5 * expected, 1e-13, "vjp with data")
        # one-sample data is that sample
        one = _per_sample(grad_exprs, p)[0]
        assert_close(g.grad(p, data={a: A_DATA[:1], b: B_DATA[:1]}), one, 1e-13, "one sample")
    # exact gradient keeps the params as symbols
    exact_equal(g.gradient(), sp.Matrix(grad_exprs), [x, y, a, b])


def test_hvp_and_hess_with_data_are_sample_means():
    g = calcopt.compile(F_DATA, params=[a, b])
    H_exprs = sp.hessian(F_DATA, (x, y))
    data = {a: A_DATA, b: B_DATA}
    p = [0.4, -0.3]
    H = _per_sample(H_exprs.tolist(), p).mean(axis=0)
    assert_close(g.hess(p, data=data), H, 1e-13, "hess with data")
    assert_close(g.hess(p, data=data, sparse=True).toarray(), H, 1e-13, "sparse hess with data")
    v = np.array([1.0, -0.5])
    assert_close(g.hvp(p, v, data=data), H @ v, 1e-13, "hvp with data")
    exact_equal(g.hessian(), H_exprs, [x, y, a, b])


def test_data_errors():
    g = calcopt.compile(F_DATA, params=[a, b])
    with pytest.raises(calcopt.DataError, match="missing data"):
        g.grad([0.1, 0.2])
    with pytest.raises(calcopt.DataError, match="unequal lengths"):
        g.grad([0.1, 0.2], data={a: [1.0, 2.0], b: [1.0]})
    with pytest.raises(calcopt.DataError, match="unknown keys"):
        g.grad([0.1, 0.2], data={a: [1.0], b: [1.0], "c": [1.0]})
    with pytest.raises(calcopt.DataError, match="no params"):
        calcopt.compile(x**2).grad([1.0], data={a: [1.0]})


# --- 7. cost report -----------------------------------------------------------------------------

def _rosenbrock(n):
    xs = sp.symbols(f"x0:{n}", real=True)
    return sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)), xs


def _check_cost_consistency(c, g):
    assert c.n == len(g.wrt)
    assert c.gradient_forward == c.n * c.jvp_sweep
    assert c.gradient_reverse == c.vjp_sweep
    assert c.hessian_dense == c.n * c.hvp
    assert c.hessian_colored == c.colors * c.hvp
    assert c.colors == g.hessian_coloring().n_colors
    assert c.dag_nodes == len(g)
    assert c.tree_nodes >= c.dag_nodes
    assert c.vjp_sweep >= c.f and c.jvp_sweep >= c.f
    assert c.gradient_ratio == c.vjp_sweep / max(c.f, 1)


@pytest.mark.parametrize("i", range(len(VAR_CORPUS)), ids=IDS)
def test_cost_report_corpus(i):
    g = compiled(i)
    c = g.cost()
    _check_cost_consistency(c, g)
    assert c.gradient_ratio <= 4, str(c)


def test_cost_report_rosenbrock_100():
    f, xs = _rosenbrock(100)
    g = calcopt.compile(f)
    c = g.cost()
    _check_cost_consistency(c, g)
    assert c.n == 100 and c.colors <= 3
    assert c.gradient_ratio <= 4
    assert c.gradient_forward > 50 * c.gradient_reverse      # why reverse mode wins
    assert c.hessian_colored * 10 < c.hessian_dense
    text = str(c)
    for name, value in c.rows():
        assert name in text and f"{value:,}" in text
    assert "cheap-gradient ratio" in text and f"{c.gradient_ratio:.2f}" in text
    assert len(text.splitlines()) == len(c.rows()) + 1


def _repeated_squaring(depth, evaluate_mul=True):
    u = x
    for _ in range(depth):
        u = (u * u if evaluate_mul else sp.Mul(u, u, evaluate=False)) + x
    return u


def test_cost_tree_much_larger_than_dag_for_shared_expression():
    g = calcopt.compile(_repeated_squaring(10, evaluate_mul=False))   # u*u kept as a product
    c = g.cost()
    _check_cost_consistency(c, g)
    assert c.dag_nodes <= 25
    assert c.tree_nodes == 2**12 - 3            # T(k) = 2 T(k-1) + 3, T(0) = 1
    assert c.tree_nodes > 100 * c.dag_nodes
    # SymPy writes u*u as u**2: then u appears once per level and the tree is only ~2x
    g2 = calcopt.compile(_repeated_squaring(10))
    c2 = g2.cost()
    _check_cost_consistency(c2, g2)
    assert c2.tree_nodes > c2.dag_nodes
    exact_equal(g.gradient(), g2.gradient(), [x], box=(-0.5, 0.5), k=2)


def _sin_chain(depth):
    u = x
    for _ in range(depth):
        u = sp.sin(2 * u)
    return u


def test_derivative_cost_linear_in_depth_for_plain_chains():
    for depth in (10, 40):
        u = x
        for _ in range(depth):
            u = sp.exp(sp.sin(u))
        c = calcopt.compile(u).cost()
        assert c.gradient_ratio <= 4 and c.hvp <= 10 * c.f, str(c)


@pytest.mark.parametrize("chain, depth", [("square", 10), ("square", 40), ("sin2u", 40)])
def test_derivative_cost_linear_in_depth(chain, depth):
    e = _repeated_squaring(depth) if chain == "square" else _sin_chain(depth)
    c = calcopt.compile(e).cost()
    # Derivative graphs are O(size of f): neither ratio may grow with the depth.
    assert c.gradient_ratio <= 4 and c.hvp <= 10 * c.f, str(c)
    assert c.hvp <= 10 * c.f, str(c)


# --- 8. bad input and documented conventions ----------------------------------------------------

G3 = x * y + sp.sin(z)


def _bad_cases():
    g = calcopt.compile(G3)
    gv = calcopt.compile([x * y, y + z])
    p = [1.0, 2.0, 3.0]
    return [
        ("short point", lambda: g.grad([1.0, 2.0]), calcopt.PointError, "2 entries"),
        ("long point", lambda: g.value([1.0, 2.0, 3.0, 4.0]), calcopt.PointError, "4 entries"),
        ("string entry", lambda: g.grad(["a", 1.0, 2.0]), calcopt.PointError, "real numbers"),
        ("object entry", lambda: g.grad([object(), 1.0, 2.0]), calcopt.PointError, "non-numeric"),
        ("None entry", lambda: g.grad([None, 1.0, 2.0]), calcopt.PointError, "non-numeric"),
        ("complex entry", lambda: g.grad([1j, 1.0, 2.0]), calcopt.PointError, "real numbers"),
        ("unknown key", lambda: g.grad({"x": 1, "y": 2, "w": 3}), calcopt.PointError,
         "unknown keys"),
        ("missing key", lambda: g.grad({"x": 1, "y": 2}), calcopt.PointError, "missing values"),
        ("bare number", lambda: g.grad(1.0), calcopt.PointError, "single number"),
        ("short tangent", lambda: g.jvp(p, [1.0, 2.0]), calcopt.PointError,
         "tangent has 2 entries"),
        ("string tangent", lambda: g.jvp(p, ["a", 1.0, 2.0]), calcopt.PointError, "tangent"),
        ("short v", lambda: g.hvp(p, [1.0]), calcopt.PointError, "1 entries"),
        ("tangents short", lambda: g.tangents(p, [1.0]), calcopt.PointError, "tangent"),
        ("vector cotangent short", lambda: gv.vjp(p, [1.0]), calcopt.PointError, "cotangent"),
        ("vector cotangent long", lambda: gv.vjp(p, [1.0, 2.0, 3.0]), calcopt.PointError,
         "cotangent"),
        ("vector cotangent default", lambda: gv.vjp(p), calcopt.PointError, "cotangent"),
        ("scalar cotangent vector", lambda: g.vjp(p, [1.0, 2.0]), calcopt.PointError, "cotangent"),
        ("scalar cotangent 2d", lambda: g.vjp(p, [[1.0]]), calcopt.PointError, "one number"),
        ("scalar cotangent str", lambda: g.vjp(p, "a"), calcopt.PointError, "cotangent"),
        ("hess batch", lambda: g.hess(np.ones((2, 3))), calcopt.PointError, "one point"),
        ("backprop batch", lambda: g.backprop(np.ones((2, 3))), calcopt.PointError, "one point"),
        ("math batch", lambda: g.grad(np.ones((2, 3)), backend="math"), calcopt.PointError, "math"),
        ("mode", lambda: g.gradient(mode="sideways"), calcopt.OptionError, "mode must be"),
        ("mode auto", lambda: g.gradient(mode="auto"), calcopt.OptionError, "mode must be"),
        ("jacobian mode", lambda: gv.jacobian(mode="sideways"), calcopt.OptionError, "mode must be"),
        ("backend", lambda: g.grad(p, backend="fortran"), calcopt.OptionError, "back end"),
        ("jacobian point", lambda: gv.jacobian([1.0, 2.0]), calcopt.PointError, "2 entries"),
    ]


BAD = _bad_cases()


@pytest.mark.parametrize("idx", range(len(BAD)), ids=[c[0] for c in BAD])
def test_bad_input(idx):
    _, call, exc, fragment = BAD[idx]
    with pytest.raises(exc, match=fragment):
        call()


def test_point_errors_are_value_errors_and_calcopt_errors():
    g = calcopt.compile(G3)
    with pytest.raises(ValueError):
        g.grad([1.0])
    with pytest.raises(calcopt.CalcoptError):
        g.hvp([1.0, 2.0, 3.0], [1.0])


def test_cotangent_error_message_talks_about_outputs():
    gv = calcopt.compile([x * y, y + z])
    with pytest.raises(calcopt.PointError) as info:
        gv.vjp([1.0, 2.0, 3.0], [1.0])
    msg = str(info.value)
    assert "u0" not in msg and "output" in msg, msg


def test_points_as_dicts_and_numbers():
    g = calcopt.compile(G3)
    p = [0.3, -1.1, 0.8]
    ref = g.grad(p)
    assert_close(g.grad({x: 0.3, y: -1.1, z: 0.8}), ref, 0, "symbol keys")
    assert_close(g.grad({"x": 0.3, "y": -1.1, "z": 0.8}), ref, 0, "name keys")
    assert_close(g.grad([sp.Rational(3, 10), -1.1, sp.Float(0.8)]), ref, 1e-15, "sympy numbers")
    g1 = calcopt.compile(sp.sin(x))
    assert_close(g1.grad(0.5), [np.cos(0.5)], 1e-15, "bare number")


def test_abs_at_zero_has_zero_derivative():
    g = calcopt.compile(sp.Abs(x))
    assert sp.diff(sp.Abs(x), x).subs(x, 0) == 0           # SymPy's convention sign(0) = 0
    assert g.gradient().subs(x, 0) == sp.Matrix([0])
    assert g.gradient("forward").subs(x, 0) == sp.Matrix([0])
    for backend in BACKENDS:
        assert g.grad([0.0], backend=backend).tolist() == [0.0]
        assert g.jvp([0.0], [1.0], backend=backend)[1] == 0.0
    assert g.grad([-0.0]).tolist() == [0.0]
    assert g.grad([-2.0]).tolist() == [-1.0] and g.grad([3.0]).tolist() == [1.0]
    assert g.hess([0.0]).tolist() == [[0.0]]
    g2 = calcopt.compile(sp.Abs(x) * y + sp.Abs(y - 1))
    assert g2.grad([0.0, 1.0]).tolist() == [0.0, 0.0]
    assert g2.gradient().subs({x: 0, y: 1}) == sp.Matrix([0, 0])


@pytest.mark.parametrize("op", [sp.Max, sp.Min])
def test_max_min_ties_split_half_half(op):
    g = calcopt.compile(op(x, y))
    expected = [sp.Rational(1, 2), sp.Rational(1, 2)]
    assert sp.Heaviside(0) == sp.Rational(1, 2)
    assert [sp.diff(op(x, y), v).subs({x: 1, y: 1}) for v in (x, y)] == expected
    assert list(g.gradient().subs({x: 1, y: 1})) == expected
    assert list(g.gradient("forward").subs({x: 1, y: 1})) == expected
    assert list(g.gradient().subs({x: sp.Rational(2, 3), y: sp.Rational(2, 3)})) == expected
    for backend in BACKENDS:
        assert g.grad([1.0, 1.0], backend=backend).tolist() == [0.5, 0.5]
        assert g.grad([-0.25, -0.25], backend=backend).tolist() == [0.5, 0.5]
    big = [1.0, 0.0] if op is sp.Max else [0.0, 1.0]
    assert g.grad([2.0, 1.0]).tolist() == big
    assert g.hess([1.0, 1.0]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_max_of_expressions_tie_follows_heaviside_half():
    f = sp.Max(x**2, 2 * y)                 # tie at x = 1, y = 1/2
    g = calcopt.compile(f)
    expected = [sp.diff(f, v).subs({x: 1, y: sp.Rational(1, 2)}) for v in (x, y)]
    assert expected == [1, 1]                # 2x * 1/2, 2 * 1/2
    assert list(g.gradient().subs({x: 1, y: sp.Rational(1, 2)})) == expected
    assert g.grad([1.0, 0.5]).tolist() == [1.0, 1.0]


def test_three_way_max_tie_matches_sympy():
    # documented convention: d max(a_i, others)/d a_i = Heaviside(a_i - max(others)), like
    # sympy.diff -- at a three-way tie every partial is 1/2 (they do not sum to 1)
    f = sp.Max(x, y, z)
    g = calcopt.compile(f)
    at = {x: 1, y: 1, z: 1}
    assert [sp.diff(f, v).subs(at) for v in (x, y, z)] == [sp.Rational(1, 2)] * 3
    assert list(g.gradient().subs(at)) == [sp.Rational(1, 2)] * 3
    assert g.grad([1.0, 1.0, 1.0]).tolist() == [0.5, 0.5, 0.5]


def test_sign_and_heaviside_have_zero_derivative():
    f = sp.sign(x) * y + sp.Heaviside(x - 1) * y**2
    g = calcopt.compile(f)
    exact_equal(g.gradient(), sp.Matrix([0, sp.sign(x) + 2 * y * sp.Heaviside(x - 1)]), [x, y])
    assert g.grad([0.5, 2.0]).tolist() == [0.0, 1.0]
    assert g.grad([2.0, 2.0]).tolist() == [0.0, 5.0]


def test_unused_variable_has_zero_derivatives():
    g = calcopt.compile(x**3 + sp.sin(x), wrt=[x, y])
    assert g.gradient() == sp.Matrix([3 * x**2 + sp.cos(x), 0])
    assert g.gradient("forward") == g.gradient()
    assert g.hessian() == sp.Matrix([[6 * x - sp.sin(x), 0], [0, 0]])
    assert g.hessian_sparsity().toarray().tolist() == [[True, False], [False, False]]
    assert_close(g.grad([0.5, 7.0]), [0.75 + np.cos(0.5), 0.0], 1e-15, "grad")
    assert_close(g.hess([0.5, 7.0], sparse=True).toarray(), [[3 - np.sin(0.5), 0], [0, 0]],
                 1e-15, "hess")
    assert g.jvp([0.5, 7.0], [0.0, 1.0])[1] == 0.0


def test_constant_graph():
    e, _ = next(item for item in CORPUS if not item[0].free_symbols)
    g = calcopt.compile(e)
    assert g.wrt == ()
    assert g.gradient().shape == (0, 1) and g.hessian().shape == (0, 0)
    assert g.value([]) == 7.0
    assert g.jvp([], []) == (7.0, 0.0)
    assert g.vjp([])[1].shape == (0,)
    assert g.hess([], sparse=True).shape == (0, 0)
    c = g.cost()
    _check_cost_consistency(c, g)
    assert c.n == 0 and c.gradient_forward == 0 and c.gradient_ratio <= 4


@pytest.mark.parametrize("call, shape", [
    (lambda g: g.grad([], backend="math"), (0,)),
    (lambda g: g.grad([], backend="numpy"), (0,)),
    (lambda g: g.hess([]), (0, 0)),
    (lambda g: g.hvp([], []), (0,)),
    (lambda g: g.jacobian([]), (1, 0)),
], ids=["grad-math", "grad-numpy", "hess", "hvp", "jacobian"])
def test_constant_graph_numeric_derivative_shapes(call, shape):
    g = calcopt.compile(sp.Integer(7))
    assert np.shape(call(g)) == shape
