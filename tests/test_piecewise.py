"""Piecewise and its conditions as primitives: compile and round trip, both back ends, NaN
semantics, derivatives three ways (forward, reverse, sympy.diff) at exact rational points
including the switch points, Hessians, sparsity, cost, networkx view, backprop/tangents,
bad input; and the derivative of ``0**x`` (pow's exponent partial at a zero base)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.errors import RelationalError
from helpers import exact_equal, sympy_gradient

x, y, d = sp.symbols("x y d", real=True)
R = sp.Rational
NAN = float("nan")

HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= d), (d * (sp.Abs(x) - d / 2), True))
HUBER1 = HUBER.subs(d, 1)

# 2-D functions, and rational points on and off their switch points.
FUNCTIONS = {
    "x<y": (sp.Piecewise((x * y, x < y), (x**2 - y, True)),
            [(R(1, 3), R(1, 3)), (-1, -1), (R(1, 5), R(2, 7)), (R(3, 2), R(-1, 3))]),
    "and/otherwise": (sp.Piecewise((sp.exp(x) * y, (x > 0) & (y > 0)), (x + y**2, x > -1),
                                   (sp.sin(x * y), True)),
                      [(0, R(1, 2)), (R(1, 2), 0), (-1, R(1, 3)), (0, 0), (R(-3, 2), R(1, 5)),
                       (R(2, 3), R(3, 4))]),
    "eq/ne": (sp.Piecewise((x**2 + y**2, sp.Eq(x, y)), (x * y, sp.Ne(x, 0)), (y**3, True)),
              [(R(1, 2), R(1, 2)), (0, R(1, 3)), (R(1, 3), R(1, 5)), (0, 0)]),
    "not/or": (sp.Piecewise((x - y, ~((x > 0) & (y > 0)) | (x > 2)), (x * y**2, True)),
               [(0, R(1, 2)), (2, R(1, 2)), (R(1, 3), R(1, 7)), (R(-1, 3), R(1, 7))]),
    "max tie": (sp.Piecewise((sp.Max(x, y)**2, x + 2 * y <= 1), (sp.Abs(x * y), True)),
                [(R(1, 3), R(1, 3)), (R(1, 5), R(1, 5)), (1, 1), (R(1, 7), R(2, 3))]),
    "nested": (sp.Piecewise((sp.Piecewise((x, y > 0), (y, True))**2, x + y < 1),
                            (x * y, True)),
               [(R(1, 2), R(1, 2)), (R(1, 3), 0), (R(-1, 3), R(-1, 5)), (2, 3)]),
    "no otherwise": (sp.Piecewise((x**2, x > 0), (x * y, y > 1)),
                     [(R(1, 2), 0), (R(-1, 2), 2), (0, R(3, 2))]),
}
IDS = list(FUNCTIONS)


def _pts(points, symbols=(x, y)):
    return [dict(zip(symbols, map(sp.S, p))) for p in points]


# --- compile, round trip ----------------------------------------------------------------------

@pytest.mark.parametrize("expr", [HUBER, HUBER1] + [f for f, _ in FUNCTIONS.values()] + [
    sp.Piecewise((x, x > 0)),
    sp.Piecewise((1, sp.Eq(x, 1)), (sp.log(x), x > 0), (0, True)),
    sp.Piecewise((x, (x > 0) | (y < 0) | (x < y)), (y, True)) + sp.exp(x),
], ids=str)
def test_round_trip(expr):
    g = calcopt.compile(expr)
    assert g.to_sympy() == expr
    assert g.op_counts()["piecewise"] >= 1


def test_conditions_are_shared_graph_nodes():
    g = calcopt.compile(HUBER1 + sp.Piecewise((x, sp.Abs(x) <= 1), (0, True)))
    assert g.op_counts()["le"] == 1 and g.op_counts()["abs"] == 1
    le = next(i for i in range(len(g)) if g.op(i) == "le")
    assert g.expr(le) == (sp.Abs(x) <= 1)
    users = [i for i in range(len(g)) if le in g.args(i)]
    assert [g.op(i) for i in users] == ["piecewise", "piecewise"]


def test_otherwise_branch_is_the_last_argument():
    g = calcopt.compile(HUBER1)
    [out] = g.outputs
    assert [g.op(a) for a in g.args(out)][1] == "le" and len(g.args(out)) == 3
    assert len(g.args(g.outputs[0])) == 3     # (x**2/2, |x| <= 1, |x| - 1/2): True is implicit
    g2 = calcopt.compile(sp.Piecewise((x, x > 0)))
    assert len(g2.args(g2.outputs[0])) == 2   # no otherwise: nan where x <= 0


# --- bad input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("expr, match", [
    (x < y, "x < y is a relation or boolean"),
    (sp.And(x > 0, y > 0), "allowed only as conditions of a Piecewise"),
    (sp.exp(x < 1), "x < 1 in exp"),
    (sp.Piecewise((1, x), (0, True)), "x is used as a condition"),
    (sp.Piecewise((1, sp.And(x, y > 0)), (0, True)), "x is used as a condition"),
    (sp.Piecewise((1, sp.Xor(x > 0, y > 0)), (0, True)), "unsupported condition Xor"),
], ids=str)
def test_conditions_outside_piecewise_are_rejected(expr, match):
    with pytest.raises(RelationalError, match=match):
        calcopt.compile(expr)


# --- values: both back ends, switch points, NaN ------------------------------------------------

@pytest.mark.parametrize("name", IDS)
def test_values_match_sympy_exactly_at_switch_points(name):
    f, points = FUNCTIONS[name]
    g = calcopt.compile(f)
    for pt in points:
        exact = f.subs(dict(zip((x, y), pt)))
        p = [float(v) for v in pt]
        for backend in ("math", "numpy"):
            assert g.value(p, backend=backend) == pytest.approx(float(exact), rel=1e-15), (pt, backend)


@pytest.mark.parametrize("name", IDS)
def test_both_back_ends_match_lambdify(name):
    f, _ = FUNCTIONS[name]
    g = calcopt.compile(f)
    pts = np.random.default_rng(1).uniform(-2, 2, size=(40, 2))
    pts[:4] = [[0.5, 0.5], [0.0, 0.5], [1.0, 1.0], [-1.0, 0.25]]
    ref_f = sp.lambdify((x, y), f, "numpy")
    ref_g = sp.lambdify((x, y), list(sympy_gradient(f, (x, y))), "numpy")
    with np.errstate(all="ignore"):
        want = np.array([float(ref_f(*p)) for p in pts])
        want_grad = np.array([np.array(ref_g(*p), dtype=float) for p in pts])
    np.testing.assert_allclose(g.value(pts), want, rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose([g.value(p, backend="math") for p in pts], want, rtol=1e-13,
                               equal_nan=True)
    np.testing.assert_allclose(g.grad(pts), want_grad, rtol=1e-13, atol=1e-15, equal_nan=True)


def test_math_code_evaluates_only_the_chosen_branch():
    g = calcopt.compile(sp.Piecewise((sp.log(x), x > 0), (x**2, True)))
    src = g.source("math")
    assert " if " in src and "math.log" in src
    assert g.function("math")([-2.0], ()) == 4.0      # math.log(-2.0) never runs
    assert "_piecewise(" in g.source("numpy")
    assert g.value(-2.0, backend="numpy") == 4.0      # np.log(-2) = nan is discarded


def test_no_covering_branch_is_nan_like_log_of_negative():
    g = calcopt.compile(sp.Piecewise((x**2, x > 0), (x, x < -1)))
    for backend in ("math", "numpy"):
        assert g.value(2.0, backend=backend) == 4.0
        assert g.value(-2.0, backend=backend) == -2.0
        assert math.isnan(g.value(-0.5, backend=backend))
    np.testing.assert_array_equal(g.value([[2.0], [-0.5], [-2.0]]), [4.0, NAN, -2.0])
    assert math.isnan(g.grad(-0.5)[0]) and g.grad(2.0)[0] == 4.0


@pytest.mark.parametrize("expr, point, expected", [
    (sp.Piecewise((1, x > 0), (2, True)), [NAN, 0.0], NAN),           # never silently 2
    (sp.Piecewise((1, sp.Eq(x, 0)), (2, True)), [NAN, 0.0], NAN),
    (sp.Piecewise((1, sp.Ne(x, 0)), (2, True)), [NAN, 0.0], NAN),
    (sp.Piecewise((1, (x > 0) | (y > 0)), (2, True)), [NAN, 1.0], 1.0),  # true either way
    (sp.Piecewise((1, (x > 0) | (y > 0)), (2, True)), [NAN, -1.0], NAN),
    (sp.Piecewise((1, (x > 0) & (y > 0)), (2, True)), [NAN, -1.0], 2.0),  # false either way
    (sp.Piecewise((1, (x > 0) & (y > 0)), (2, True)), [NAN, 1.0], NAN),
    (sp.Piecewise((1, ~((x > 0) & (y > 0))), (2, True)), [NAN, 1.0], NAN),
    (sp.Piecewise((1, y > 0), (2, x > 0), (3, True)), [NAN, 1.0], 1.0),   # x > 0 not reached
    (sp.Piecewise((1, y > 0), (2, x > 0), (3, True)), [NAN, -1.0], NAN),
    (sp.Piecewise((x, y > 0), (2, True)), [NAN, 1.0], NAN),               # NaN in the value
    (sp.Piecewise((x, y > 0), (2, True)), [NAN, -1.0], 2.0),
], ids=repr)
def test_nan_in_a_condition_gives_nan(expr, point, expected):
    g = calcopt.compile(expr, wrt=[x, y])
    for backend in ("math", "numpy"):
        got = g.value(point, backend=backend)
        assert (math.isnan(got) and math.isnan(expected)) or got == expected, backend
    batch = g.value(np.array([point, [0.5, 0.5]]))
    assert np.array_equal(batch[:1], [expected], equal_nan=True)


def test_hot_math_function_raises_on_nan_condition():
    # As for math.log(-1): the hot-loop function raises; value() returns the IEEE result.
    g = calcopt.compile(sp.Piecewise((1, x > 0), (2, True)))
    with pytest.raises(ValueError, match="NaN"):
        g.function("math")([NAN], ())
    assert math.isnan(g.value(NAN))


def test_many_branches():
    f = sp.Piecewise(*[(k * x, x < k) for k in range(60)], (-x, True))
    g = calcopt.compile(f)
    for p in (-1.5, 0.5, 30.5, 59.5, 70.0):
        want = float(f.subs(x, R(p)))
        assert g.value(p, backend="math") == g.value(p, backend="numpy") == want


@settings(max_examples=60, deadline=None)
@given(st.floats(-1e6, 1e6) | st.sampled_from([-1.0, 1.0, 0.0, -0.0]))
def test_huber_values_and_gradients_everywhere(v):
    g = calcopt.compile(HUBER1)
    exact_value = v * v / 2 if abs(v) <= 1 else abs(v) - 0.5
    exact_grad = v if abs(v) <= 1 else math.copysign(1.0, v)
    for backend in ("math", "numpy"):
        assert g.value(v, backend=backend) == pytest.approx(exact_value, rel=1e-15)
        assert g.grad(v, backend=backend)[0] == pytest.approx(exact_grad, rel=1e-15)


# --- derivatives: forward, reverse and sympy.diff agree exactly --------------------------------

def _three_way(f, wrt, points, params=()):
    g = calcopt.compile(f, wrt=wrt, params=params)
    symbols = list(wrt) + list(params)
    ref = sympy_gradient(f, wrt)
    rev, fwd = g.gradient("reverse"), g.gradient("forward")
    exact_equal(rev, ref, symbols, points=points)
    exact_equal(fwd, ref, symbols, points=points)
    return g, rev, fwd, ref


HUBER_POINTS_1 = [-1, 1, 0, R(1, 2), R(-3, 2), R(5, 2), R(-1, 3)]
HUBER_POINTS_D = [(1, 1), (-2, 2), (R(1, 3), R(1, 2)), (3, 1), (0, 1), (R(-1, 2), R(1, 2)),
                  (R(2, 3), R(3, 5))]


def test_huber_gradient_three_ways_exactly():
    g, rev, fwd, ref = _three_way(HUBER1, [x], [{x: sp.S(v)} for v in HUBER_POINTS_1])
    for v in HUBER_POINTS_1:   # rational values: compare exactly, not to 60 digits
        assert rev[0].subs(x, v) == fwd[0].subs(x, v) == ref[0].subs(x, v)
    assert [rev[0].subs(x, v) for v in (-1, 1, 3, -3)] == [-1, 1, 1, -1]  # switch: |x| <= 1 holds


def test_huber_with_parameter_three_ways_exactly():
    pts = _pts(HUBER_POINTS_D, (x, d))
    g, rev, fwd, ref = _three_way(HUBER, [x], pts, params=[d])
    for pt in pts:
        assert rev[0].xreplace(pt) == fwd[0].xreplace(pt) == ref[0].xreplace(pt)
    # d as a variable too: the derivative wrt d is d(d*(|x| - d/2))/dd = |x| - d outside
    _three_way(HUBER, [x, d], pts)


@pytest.mark.parametrize("name", IDS)
def test_two_dimensional_three_ways_at_switch_points(name):
    f, points = FUNCTIONS[name]
    _three_way(f, [x, y], _pts(points))


@pytest.mark.parametrize("name", ["x<y", "and/otherwise", "not/or", "nested"])
def test_hessian_matches_sympy(name):
    f, points = FUNCTIONS[name]
    g = calcopt.compile(f)
    pts = _pts(points)
    ref = sp.hessian(f, (x, y))
    exact_equal(g.hessian(), ref, [x, y], points=pts)
    exact_equal(sp.Matrix(g.hessian(sparse=True)), ref, [x, y], points=pts)
    p = [float(v) for v in points[-1]]
    want = np.array(ref.subs(dict(zip((x, y), points[-1]))), dtype=float)
    np.testing.assert_allclose(g.hess(p), want, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(g.hess(p, sparse=True).toarray(), want, rtol=1e-13, atol=1e-15)


def test_huber_hessian_is_the_branch_indicator():
    g = calcopt.compile(HUBER1)
    [[h]] = g.hessian().tolist()
    assert [h.subs(x, v) for v in (-1, 0, R(1, 2), 1, R(3, 2), -5)] == [1, 1, 1, 1, 0, 0]
    assert g.hess([0.5])[0, 0] == 1.0 and g.hess([2.0])[0, 0] == 0.0


def test_selector_partials_share_the_condition_nodes():
    g = calcopt.compile(HUBER1)
    gg = g.gradient_graph()
    assert gg.op_counts()["le"] == 1          # the condition is shared, not rebuilt
    assert gg.op_counts()["piecewise"] == 2   # one selector per branch
    sel = [gg.expr(i) for i in range(len(gg)) if gg.op(i) == "piecewise"]
    assert set(sel) == {sp.Piecewise((1, sp.Abs(x) <= 1), (0, True)),
                        sp.Piecewise((0, sp.Abs(x) <= 1), (1, True))}


def test_condition_only_dependence_gives_zero_derivative():
    # y appears only in a condition: its partial is structurally zero (not DiracDelta)
    f = sp.Piecewise((x**2, y > 0), (x, True))
    g = calcopt.compile(f)
    assert g.gradient()[1] == 0 and g.gradient("forward")[1] == 0
    assert g.jvp([1.0, 1.0], [0.0, 1.0]) == (1.0, 0.0)


def test_untaken_branch_with_undefined_derivative():
    # Documented: reverse mode multiplies the untaken branch's derivative by an exact 0, and
    # 0 * nan is nan in IEEE arithmetic (as with jnp.where); guard the argument to fix it.
    bad = sp.Piecewise((x * sp.log(x), x > 0), (0, True))
    g = calcopt.compile(bad)
    assert g.value(-1.0) == 0.0 and math.isnan(g.grad(-1.0)[0])
    safe = sp.Piecewise((x * sp.log(sp.Piecewise((x, x > 0), (1, True))), x > 0), (0, True))
    gs = calcopt.compile(safe)
    assert gs.value(-1.0) == 0.0 and gs.grad(-1.0)[0] == 0.0
    assert gs.grad(math.e)[0] == pytest.approx(2.0, rel=1e-15)


# --- backprop, tangents, sparsity, cost, networkx ----------------------------------------------

def test_backprop_and_tangents():
    f = FUNCTIONS["and/otherwise"][0]
    g = calcopt.compile(f)
    p = [0.5, 0.25]
    bp = g.backprop(p)
    np.testing.assert_allclose([bp.adjoints[v] for v in g.variable_nodes], g.grad(p), rtol=1e-15)
    conds = [i for i in range(len(g)) if g.op(i) in ("gt", "and")]
    assert conds and all(bp.adjoints[i] == 0.0 for i in conds)
    assert all(bp.values[i] == 1.0 for i in conds)      # x > 0, y > 0, both: true
    tg = g.tangents(p, [1.0, 0.0])
    assert tg.tangents[g.outputs[0]] == pytest.approx(g.grad(p)[0], rel=1e-15)
    assert all(tg.tangents[i] == 0.0 for i in conds)
    assert math.isnan(g.backprop([NAN, 1.0]).values[conds[0]]) or \
        math.isnan(g.backprop([NAN, 1.0]).values[conds[1]])


def test_sparsity_and_coloring():
    z = sp.Symbol("z", real=True)
    f = sp.Piecewise((x**2, y > 0), (x, True)) + z**2
    g = calcopt.compile(f)
    # structural: grad_x depends on y through the condition (a sound over-estimate)
    assert g.hessian_sparsity().toarray().astype(int).tolist() == [[1, 1, 0], [1, 0, 0], [0, 0, 1]]
    np.testing.assert_array_equal(g.hess([1.0, 1.0, 1.0], sparse=True).toarray(),
                                  [[2, 0, 0], [0, 0, 0], [0, 0, 2]])


def test_cost_report_and_networkx_view():
    g = calcopt.compile(HUBER1)
    c = g.cost()
    # pow 4, mul 1, abs 1, add 1, le 1, piecewise with 3 arguments 2
    assert c.f == 10 and c.dag_nodes == len(g)
    assert c.vjp_sweep > c.f and c.gradient_ratio < 4
    G = g.nx
    out = g.outputs[0]
    assert G.nodes[out]["op"] == "piecewise"
    assert sorted(pos for _, _, pos in G.in_edges(out, data="arg")) == [0, 1, 2]
    le = next(n for n, op in G.nodes(data="op") if op == "le")
    assert G.nodes[le]["label"] == "≤" and G.has_edge(le, out)


# --- the derivative of 0**x ---------------------------------------------------------------------

def test_zero_base_exponent_partial():
    g = calcopt.compile(0**x)
    assert sp.diff(0**x, x) is sp.nan          # SymPy: 0**x*log(0), nan everywhere
    assert g.gradient() == sp.Matrix([sp.Piecewise((0, x > 0))])
    assert g.gradient("forward") == g.gradient()
    assert g.grad(2.0)[0] == 0.0 and g.grad(0.5, backend="numpy")[0] == 0.0
    assert math.isnan(g.grad(0.0)[0]) and math.isnan(g.grad(-1.0)[0])  # 1 at 0, inf below
    assert "zoo" not in str(calcopt.compile(y * 0**(x * y)).gradient())


def test_other_constant_bases_keep_exact_log():
    assert calcopt.compile(2**x).gradient()[0] == 2**x * sp.log(2)
    assert calcopt.compile(R(1, 3)**x).gradient()[0] == -(R(1, 3)**x) * sp.log(3)
    exact_equal(calcopt.compile(sp.pi**(x * y)).gradient(),
                sympy_gradient(sp.pi**(x * y), (x, y)), [x, y])
