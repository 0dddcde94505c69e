"""The linear-form primitive (issue #7): compiler and builder create it, every layer works on it
(exact derivatives three ways, Hessians, round trip, cost, sparsity, networkx view, both back
ends), and the sample-mean code turns it into one mat-vec ``X @ w`` and the gradient into one
``X^T s / N``, checked against hand-written NumPy and SymPy's lambdify."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import calcopt
from calcopt.codegen.program import sample_means
from calcopt.data.points import as_data
from calcopt.primitives import LINEAR_FORM_MIN_TERMS
from calcopt.ir.table import Builder, NodeTable, to_sympy
from helpers import assert_close, exact_equal, sympy_gradient

D = 9
W = sp.symbols(f"w0:{D}")
A = sp.symbols(f"a0:{D}")
b, lam = sp.symbols("b lam")


def dot(ws, As):
    return sp.Add(*[wi * ai for wi, ai in zip(ws, As)])


LOGISTIC = sp.log(1 + sp.exp(-b * dot(W, A)))
# Variables also outside the form, a constant term, pairs written param-first and
# variable-first, a form nested in another function, and a product of two forms.
OBJECTIVES = {
    "logistic": LOGISTIC,
    "ridge logistic": LOGISTIC + lam * sum(wi**2 for wi in W) / 2,
    "squared residual": (dot(W, A) - b) ** 2 + 3,
    "tanh of shifted form": sp.tanh(dot(W, A) + W[0] - 1) * W[1],
    "two forms": sp.sin(dot(W, A)) * dot(W[::-1], A),
}
PARAMS = [*A, b, lam]


def graph(name: str) -> calcopt.Graph:
    expr = OBJECTIVES[name]
    return calcopt.compile(expr, wrt=W, params=[p for p in PARAMS if p in expr.free_symbols])


def data_for(g: calcopt.Graph, n: int = 7, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    return {p: (rng.uniform(0.1, 1.0, n) if p == lam else rng.normal(size=n)) for p in g.params}


def lambdified_mean(expr, g: calcopt.Graph, x, data) -> np.ndarray:
    """Mean over the samples of SymPy's own numeric code for ``expr`` (a scalar or a Matrix)."""
    fn = sp.lambdify([*g.wrt, *g.params], expr, "numpy")
    vals = [np.asarray(fn(*x, *(data[p][i] for p in g.params)), dtype=float)
            for i in range(len(next(iter(data.values()))))]
    return np.mean(vals, axis=0).reshape(-1)


# --- structure ----------------------------------------------------------------------------------


def test_compiler_creates_one_linear_form_from_enough_pairs():
    g = graph("logistic")
    assert g.op_counts()["linear_form"] == 1
    assert g.op_counts()["mul"] == 1            # only -b * (form); no per-feature products
    short = calcopt.compile(dot(W[:LINEAR_FORM_MIN_TERMS - 1], A), params=A)
    assert "linear_form" not in short.op_counts()


def test_round_trip_is_the_input_expression():
    for name, expr in OBJECTIVES.items():
        assert graph(name).to_sympy() == expr, name


def test_builder_gathers_pair_products_into_a_linear_form():
    t = NodeTable()
    bld = Builder(t)
    ws = [bld.symbol(s) for s in W]
    As = [bld.symbol(s) for s in A]
    prods = [bld.mul(u, v) for u, v in zip(ws, As)]
    node = bld.add(*prods, bld.symbol(b), bld.one)
    names = [calcopt.PRIMITIVES[t.ops[a]].name for a in t.args[node]]
    assert sorted(names) == ["constant", "linear_form", "symbol"]
    assert sp.expand(to_sympy(t, node) - (dot(W, A) + b + 1)) == 0
    # Hash-consed: the same sum in another order is the same node.
    assert bld.add(*reversed(prods), bld.one, bld.symbol(b)) == node


def test_networkx_view_cost_and_sparsity():
    g = graph("logistic")
    G = g.nx
    [form] = [i for i in G if G.nodes[i]["op"] == "linear_form"]
    assert G.in_degree(form) == 2 * D and G.nodes[form]["label"] == "Σu·v"
    # f: the form (D products + D-1 additions), -b*form (2), exp, log (4 each), 1 + e (1).
    assert g.cost().f == (2 * D - 1) + 2 + 4 + 4 + 1
    assert g.hessian_sparsity().toarray().all()          # every w_i meets every w_j
    ridge_only = calcopt.compile(lam * dot(W, A), wrt=W, params=[*A, lam])
    assert ridge_only.hessian_sparsity().nnz == 0        # linear in w: zero Hessian


# --- exact derivatives, three ways ----------------------------------------------------------------


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_gradient_forward_reverse_and_sympy_agree(name):
    g, expr = graph(name), OBJECTIVES[name]
    symbols = [*g.wrt, *g.params]
    expected = sympy_gradient(expr, W)
    assert exact_equal(g.gradient("reverse"), expected, symbols, box=(-1, 1))
    assert exact_equal(g.gradient("forward"), expected, symbols, box=(-1, 1))


@pytest.mark.parametrize("name", ["logistic", "two forms"])
def test_hessian_matches_sympy(name):
    g, expr = graph(name), OBJECTIVES[name]
    assert exact_equal(g.hessian(), sp.hessian(expr, W), [*g.wrt, *g.params], box=(-1, 1), k=2)


def test_variable_by_variable_form_differentiates_both_halves():
    xs, ys = sp.symbols("x0:8"), sp.symbols("y0:8")
    expr = sp.exp(dot(xs, ys) / 10)
    g = calcopt.compile(expr)
    assert g.op_counts()["linear_form"] == 1
    assert exact_equal(g.gradient(), sympy_gradient(expr, g.wrt), g.wrt, box=(-1, 1))


# --- numeric values: both back ends, data, lambdify ---------------------------------------------


@pytest.mark.parametrize("name", list(OBJECTIVES))
def test_numeric_value_gradient_and_hvp_match_lambdify(name):
    g, expr = graph(name), OBJECTIVES[name]
    data = data_for(g)
    x = np.random.default_rng(1).normal(size=D)
    v = np.random.default_rng(2).normal(size=D)
    assert_close(g.value(x, data=data), lambdified_mean(expr, g, x, data)[0], 1e-12, "value")
    assert_close(g.grad(x, data=data), lambdified_mean(sympy_gradient(expr, W), g, x, data),
                 1e-12, "grad")
    assert_close(g.hvp(x, v, data=data),
                 lambdified_mean(sp.hessian(expr, W) * sp.Matrix(v), g, x, data), 1e-11, "hvp")


def test_math_back_end_one_point_without_data():
    xs, ys = sp.symbols("x0:8"), sp.symbols("y0:8")
    g = calcopt.compile(sp.log(1 + dot(xs, ys) ** 2))
    point = np.linspace(-1, 1, 16)
    expected = np.log(1 + (point[:8] @ point[8:]) ** 2)
    assert g.value(point, backend="math") == pytest.approx(expected, rel=1e-14)
    assert g.value(point, backend="numpy") == pytest.approx(expected, rel=1e-14)
    assert_close(g.grad(point, backend="math"), g.grad(point, backend="numpy"), 1e-14)


# --- sample means over pre-stacked data -------------------------------------------------------------


@pytest.mark.parametrize("name", list(OBJECTIVES))
@pytest.mark.parametrize("what", ["value", "gradient", "value_and_gradient"])
def test_sample_means_agree_with_graph_evaluation(name, what):
    g = graph(name)
    data = data_for(g, n=11)
    x = np.random.default_rng(3).normal(size=D)
    prog = sample_means(g, what)
    arrays = prog.prepare(as_data(data, g.params))
    expected = {"value": [g.value(x, data=data)], "gradient": g.grad(x, data=data),
                "value_and_gradient": np.concatenate([[g.value(x, data=data)],
                                                      g.grad(x, data=data)])}[what]
    assert_close(prog(x, arrays), expected, 1e-12, what)
    rows = np.array([4, 0, 4, 9])                    # a mini-batch, with a repeated row
    batch = {p: col[rows] for p, col in data.items()}
    assert_close(prog(x, tuple(a[rows] for a in arrays)),
                 {"value": [g.value(x, data=batch)], "gradient": g.grad(x, data=batch),
                  "value_and_gradient": np.concatenate([[g.value(x, data=batch)],
                                                        g.grad(x, data=batch)])}[what],
                 1e-12, f"{what} on a mini-batch")


def test_logistic_gradient_is_two_mat_vecs_and_matches_hand_numpy():
    g = graph("logistic")
    prog = sample_means(g, "gradient")
    assert prog.layout == [("column", (D,)), ("stack", tuple(range(D)))]
    assert prog.source.count("@") == 2 and "@ x)" in prog.source   # X @ w and s @ X
    rng = np.random.default_rng(4)
    X, y, w = rng.normal(size=(50, D)), np.sign(rng.normal(size=50)), rng.normal(size=D)
    arrays = prog.prepare(as_data(np.column_stack([X, y]), g.params))
    s = -y / (1 + np.exp(y * (X @ w)))
    assert_close(prog.function(w, arrays), X.T @ s / len(y), 1e-13, "X^T s / N")


def test_pairs_in_any_order_and_scaled_forms():
    # Pairs written both ways round, wrt in reverse, SymPy's distributed 1/4: one mat-vec on x.
    expr = sp.exp(sp.Add(*[A[i] * W[i] if i % 2 else W[i] * A[i] for i in range(D)]) / 4)
    g = calcopt.compile(expr, wrt=W[::-1], params=A)
    assert g.op_counts()["linear_form"] == 1 and g.to_sympy() == expr
    prog = sample_means(g)
    assert "(d0 @ x)" in prog.source and prog.layout == [("stack", tuple(range(D))[::-1])]
    data = data_for(g)
    x = np.linspace(-1, 1, D)
    assert_close(prog(x, prog.prepare(as_data(data, g.params))),
                 g.grad(x, data=data), 1e-12, "gradient")


def test_form_over_scattered_variables_gathers_them():
    xs = sp.symbols("x0:16")
    expr = sp.cos(dot(xs[::2], A[:8])) + xs[1] ** 2
    g = calcopt.compile(expr, wrt=xs, params=A[:8])
    prog = sample_means(g, "value_and_gradient")
    assert "@ np.take(x, _i" in prog.source
    data = data_for(g)
    x = np.linspace(-1, 1, 16)
    expected = np.concatenate([[g.value(x, data=data)], g.grad(x, data=data)])
    assert_close(prog(x, prog.prepare(as_data(data, g.params))), expected, 1e-12, "vg")


def test_sample_means_without_params_and_of_a_vector_graph():
    xs = sp.symbols("x0:3")
    g = calcopt.compile(xs[0] ** 2 + xs[1] * xs[2])
    prog = sample_means(g, "value_and_gradient")
    assert prog.layout == [] and prog.prepare(None) == ()
    assert_close(prog(np.array([1.0, 2.0, 3.0]), ()), [7.0, 2.0, 3.0, 2.0], 0, "no data")
    vec = calcopt.compile([xs[0] * b, xs[1] + 1], wrt=xs[:2], params=[b])
    prog = sample_means(vec, "value")
    arrays = prog.prepare(as_data({b: [1.0, 3.0]}, vec.params))
    assert_close(prog(np.array([2.0, 5.0]), arrays), [4.0, 6.0], 0, "vector value")


def test_sample_means_rejects_unknown_what():
    with pytest.raises(calcopt.OptionError, match="what must be one of"):
        sample_means(graph("logistic"), "hessian")


@settings(max_examples=15, deadline=None)
@given(k=st.integers(LINEAR_FORM_MIN_TERMS, 12), seed=st.integers(0, 2**16),
       flips=st.lists(st.booleans(), min_size=12, max_size=12))
def test_property_form_value_and_gradient(k, seed, flips):
    ws, As = sp.symbols(f"w0:{k}"), sp.symbols(f"a0:{k}")
    expr = sp.Add(*[(As[i] * ws[i] if flips[i] else ws[i] * As[i]) for i in range(k)]) ** 2
    g = calcopt.compile(expr, wrt=ws, params=As)
    assert g.op_counts()["linear_form"] == 1
    rng = np.random.default_rng(seed)
    X, w = rng.normal(size=(5, k)), rng.normal(size=k)
    z = X @ w
    assert_close(g.value(w, data=X), np.mean(z**2), 1e-12, "value")
    prog = sample_means(g)
    assert_close(prog(w, prog.prepare(as_data(X, g.params))), 2 * X.T @ z / 5, 1e-12,
                 "gradient")


def test_sum_with_two_differently_scaled_forms():
    expr = dot(W, A) / 3 - 2 * dot(W, A[::-1]) + b * W[0] ** 2
    g = calcopt.compile(expr, wrt=W, params=[*A, b])
    assert g.op_counts()["linear_form"] == 2 and g.to_sympy() == expr
    assert exact_equal(g.gradient(), sympy_gradient(expr, W), [*W, *A, b])


def test_generic_numpy_code_broadcasts_forms_over_points_and_samples():
    g = graph("squared residual")
    data = data_for(g, n=5)
    points = np.random.default_rng(5).normal(size=(3, D))
    batch = g.value(points, data=data)
    assert_close(batch, [g.value(p, data=data) for p in points], 1e-13, "value batch")
    assert_close(g.grad(points, data=data), [g.grad(p, data=data) for p in points], 1e-13, "grad")


def test_backprop_adjoints_of_the_variables_are_the_gradient():
    g = graph("logistic")
    data = data_for(g, n=6)
    x = np.linspace(-0.5, 0.5, D)
    bp = g.backprop(x, data=data)
    assert_close([bp.adjoints[v] for v in g.variable_nodes], g.grad(x, data=data), 1e-13, "bp")


def test_prepare_uses_columns_of_one_matrix_in_place_and_copies_otherwise():
    g = graph("logistic")
    prog = sample_means(g)
    rng = np.random.default_rng(6)
    Xy = rng.normal(size=(20, D + 1))
    [_, view] = prog.prepare(as_data(Xy, g.params))
    assert np.shares_memory(view, Xy) and not view.flags.writeable
    assert np.array_equal(view, Xy[:, :D])
    # Columns out of order, or from separate arrays: a fresh C-ordered copy.
    data = {**{a: Xy[:, D - 1 - j] for j, a in enumerate(A)}, b: Xy[:, D]}
    [_, copy] = prog.prepare(as_data(data, g.params))
    assert not np.shares_memory(copy, Xy) and copy.flags.c_contiguous
    assert np.array_equal(copy, Xy[:, D - 1::-1])
    shared: dict = {}
    first = prog.prepare(as_data(data, g.params), shared)
    again = sample_means(g, "value_and_gradient").prepare(
        as_data(data, g.params), shared)
    assert first[1] is again[1]
