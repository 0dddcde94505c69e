"""Tests of the foundation: compile(), the Graph facade, the node table and numeric evaluation.

Covers: the shared corpus (exact round trip, values against ``sympy.lambdify`` in both back
ends and batched), hash-consing / node sharing, the networkx view, wrt/params, exact
constants, vector-valued graphs, data (finite-sum objectives), IEEE semantics, and
property-based round trips / evaluation on random expression trees.
"""

from __future__ import annotations

import math
import warnings

import networkx as nx
import numpy as np
import pytest
import sympy as sp
from hypothesis import assume, given, settings

import calcopt
from calcopt.primitives import PRIMITIVES
from corpus import CORPUS
from strategies import SYMBOLS, expressions, points, rounding_sensitivity

x, y, z, w = sp.symbols("x y z w", real=True)
a, b = sp.symbols("a b", real=True)

RTOL = 1e-12
ATOL = 1e-12
BACKENDS = ("math", "numpy")


def close(actual, expected, rtol=RTOL, atol=ATOL) -> bool:
    """|actual - expected| <= atol + rtol * |expected|, elementwise (nan never matches)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    return actual.shape == expected.shape and bool(
        np.all(np.abs(actual - expected) <= atol + rtol * np.abs(expected)))


def corpus_points(index: int, n: int, box, k: int = 6) -> np.ndarray:
    """k reproducible random points of dimension n inside the box of a corpus entry."""
    rng = np.random.default_rng(1000 + index)
    lo, hi = box
    return rng.uniform(lo, hi, size=(k, n))


CORPUS_IDS = [f"{i}:{str(e)[:40]}" for i, (e, _) in enumerate(CORPUS)]
CORPUS_CASES = [pytest.param(i, e, box, id=CORPUS_IDS[i]) for i, (e, box) in enumerate(CORPUS)]


# --- 1. the corpus ------------------------------------------------------------------------------


@pytest.mark.parametrize("index, expr, box", CORPUS_CASES)
def test_corpus_round_trip_is_exact(index, expr, box):
    g = calcopt.compile(expr)
    back = g.to_sympy()
    assert back == expr
    assert sp.srepr(back) == sp.srepr(expr)  # same classes, not merely equal values


@pytest.mark.parametrize("index, expr, box", CORPUS_CASES)
def test_corpus_values_match_lambdify(index, expr, box):
    g = calcopt.compile(expr)
    assert set(g.wrt) == expr.free_symbols
    ref = sp.lambdify(g.wrt, expr, modules="math")
    pts = corpus_points(index, len(g.wrt), box)
    expected = np.array([float(ref(*p)) for p in pts])
    assert np.all(np.isfinite(expected))
    for backend in BACKENDS:
        got = np.array([g.value(p, backend=backend) for p in pts])
        assert close(got, expected), (backend, got, expected)
    for p, e in zip(pts, expected):  # the default ("auto") path, with a plain list
        v = g.value(list(p))
        assert isinstance(v, float)
        assert close(v, e)


@pytest.mark.parametrize("index, expr, box", CORPUS_CASES)
def test_corpus_batch_values_match_lambdify(index, expr, box):
    g = calcopt.compile(expr)
    ref = sp.lambdify(g.wrt, expr, modules="math")
    pts = corpus_points(index, len(g.wrt), box, k=7)
    expected = np.array([float(ref(*p)) for p in pts])
    got = g.value(pts)
    assert isinstance(got, np.ndarray) and got.shape == (7,)
    assert close(got, expected)
    assert close(g.value(pts, backend="numpy"), expected)
    # a (2, 3, n) batch keeps its batch shape
    got2 = g.value(pts[:6].reshape(2, 3, len(g.wrt)))
    assert got2.shape == (2, 3)
    assert close(got2.ravel(), expected[:6])


@pytest.mark.parametrize("index, expr, box", CORPUS_CASES)
def test_corpus_graph_structure(index, expr, box):
    g = calcopt.compile(expr)
    n = len(g)
    # topological order: every argument id is smaller than its user's id
    for i in range(n):
        for arg in g.args(i):
            assert 0 <= arg < i
        if g.kind(i) != "operation":
            assert g.args(i) == ()
    # the variables are exactly the free symbols, in order, as leaves of the table
    assert [g.leaf_value(v) for v in g.variable_nodes] == list(g.wrt)
    # hash-consing: no two nodes compute the same (op, args) / leaf
    keys = [(g.op(i), g.args(i)) if g.kind(i) == "operation"
            else (g.kind(i), type(g.leaf_value(i)), g.leaf_value(i)) for i in range(n)]
    assert len(set(keys)) == n
    # the networkx view has the same nodes and one edge per argument use
    G = g.nx
    assert G.number_of_nodes() == n
    assert G.number_of_edges() == sum(len(g.args(i)) for i in range(n))
    assert nx.is_directed_acyclic_graph(G)


# --- 2. hash-consing and node sharing ----------------------------------------------------------


def test_shared_product_is_one_node_with_two_users():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    muls = [i for i in range(len(g)) if g.op(i) == "mul"]
    assert len(muls) == 1
    m = muls[0]
    assert g.expr(m) == x * y
    G = g.nx
    assert G.out_degree(m) == 2
    assert sorted(G.nodes[s]["op"] for s in G.successors(m)) == ["exp", "sin"]
    users = [i for i in range(len(g)) if m in g.args(i)]
    assert sorted(g.op(i) for i in users) == ["exp", "sin"]
    assert len(g) == 6
    assert (G.number_of_nodes(), G.number_of_edges()) == (6, 6)
    assert nx.dag_longest_path_length(G) == 3


def test_nodes_are_numbered_left_to_right_bottom_up():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    assert [(i, g.op(i), g.args(i)) for i in range(len(g))] == [
        (0, "symbol", ()), (1, "symbol", ()), (2, "mul", (0, 1)), (3, "exp", (2,)),
        (4, "sin", (2,)), (5, "add", (3, 4))]
    assert g.outputs == (5,) and g.variable_nodes == (0, 1)
    assert [g.expr(i) for i in range(len(g))] == [
        x, y, x * y, sp.exp(x * y), sp.sin(x * y), sp.exp(x * y) + sp.sin(x * y)]


def test_unevaluated_square_keeps_both_argument_edges():
    sq = sp.Mul(x, x, evaluate=False)
    g = calcopt.compile(sq)
    assert len(g) == 2
    xid = g.variable_nodes[0]
    mid = g.outputs[0]
    assert g.op(mid) == "mul" and g.args(mid) == (xid, xid)
    edges = list(g.nx.edges(data=True))
    assert len(edges) == 2
    assert all(u == xid and v == mid for u, v, _ in edges)
    assert sorted(d["arg"] for _, _, d in edges) == [0, 1]
    assert g.nx.out_degree(xid) == 2
    assert g.value([3.0]) == 9.0
    assert g.value([3.0], backend="numpy") == 9.0


def test_unevaluated_input_keeps_its_structure_and_converts_back_canonically():
    """The table is the input node for node; to_sympy() rebuilds with SymPy's evaluating
    constructors, so an unevaluated input comes back in SymPy's canonical form."""
    e = sp.exp(sp.Mul(-1, x - y, evaluate=False))
    g = calcopt.compile(e)
    assert g.op(g.args(g.outputs[0])[0]) == "mul"  # -(x - y) kept as mul(-1, x - y)
    assert g.to_sympy() == sp.exp(y - x) and g.to_sympy() != e
    assert calcopt.compile(sp.Mul(x, x, evaluate=False)).to_sympy() == x**2
    assert close(g.value([0.5, 2.0]), math.exp(1.5))


def test_node_table_hash_conses_operations_and_leaves():
    from calcopt.primitives import CODE
    from calcopt.ir.table import NodeTable

    t = NodeTable()
    xi, yi = t.symbol(x), t.symbol(y)
    assert t.symbol(x) == xi
    m = t.op(CODE["mul"], (xi, yi))
    assert t.op(CODE["mul"], (xi, yi)) == m
    assert t.op(CODE["mul"], (yi, xi)) != m  # argument order is kept, not canonicalised
    two_i, two_f = t.const(sp.Integer(2)), t.const(sp.Float(2.0))
    assert two_i != two_f and t.const(sp.Integer(2)) == two_i
    assert len(t) == 6


def test_sharing_across_outputs_of_a_vector_graph():
    g = calcopt.compile([x * y, sp.exp(x * y), x * y + 1])
    assert g.op_counts()["mul"] == 1
    assert g.outputs[0] in g.args(g.outputs[1])


@pytest.mark.parametrize("expr, params, n, counts", [
    (sp.exp(x * y) + sp.sin(x * y), (), 6,
     {"add": 1, "exp": 1, "mul": 1, "sin": 1, "variable": 2}),
    (x * y + sp.exp(x * y), (), 5, {"add": 1, "exp": 1, "mul": 1, "variable": 2}),
    (x + y + z, (), 4, {"add": 1, "variable": 3}),                      # n-ary stays n-ary
    (x * y + x * y * z, (), 6, {"add": 1, "mul": 2, "variable": 3}),
    (sp.Rational(1, 3) * x**2, (), 5, {"mul": 1, "pow": 1, "constant": 2, "variable": 1}),
    (x**2 + y**2, (), 6, {"add": 1, "pow": 2, "constant": 1, "variable": 2}),  # one shared 2
    (sp.sin(x)**2 + sp.cos(x)**2 + sp.sin(x), (), 7,
     {"add": 1, "pow": 2, "sin": 1, "cos": 1, "constant": 1, "variable": 1}),
    ((x - a)**2, (a,), 7,
     {"add": 1, "mul": 1, "pow": 1, "constant": 2, "variable": 1, "parameter": 1}),
    (2.0 * x + 2 * y, (), 7, {"add": 1, "mul": 2, "constant": 2, "variable": 2}),  # 2.0 != 2
    (sp.Integer(7), (), 1, {"constant": 1}),
])
def test_len_and_op_counts_exact(expr, params, n, counts):
    g = calcopt.compile(expr, params=params)
    assert len(g) == n
    assert dict(g.op_counts()) == counts
    assert sum(g.op_counts().values()) == len(g)


def test_networkx_view_is_cached_and_consistent():
    g = calcopt.compile((x - a)**2 + sp.exp(x * y) + sp.sin(x * y), params=[a])
    G = g.nx
    assert isinstance(G, nx.MultiDiGraph)
    assert g.nx is G  # cached: the same object on the second access
    assert G.number_of_nodes() == len(g)
    assert G.number_of_edges() == sum(len(g.args(i)) for i in range(len(g)))
    assert G.graph["outputs"] == list(g.outputs)
    assert G.graph["wrt"] == [x, y]
    assert G.graph["params"] == [a]
    for i in range(len(g)):
        attrs = G.nodes[i]
        assert attrs["kind"] == g.kind(i)
        assert attrs["op"] == g.op(i)
        if g.kind(i) == "operation":
            assert attrs["label"] == next(p.label for p in PRIMITIVES if p.name == g.op(i))
            assert "value" not in attrs
            # in-edges, ordered by argument position, are exactly the argument list
            ins = sorted((d["arg"], u) for u, _, d in G.in_edges(i, data=True))
            assert [pos for pos, _ in ins] == list(range(len(g.args(i))))
            assert tuple(u for _, u in ins) == g.args(i)
        else:
            assert attrs["value"] == g.leaf_value(i)
            assert attrs["label"] == str(g.leaf_value(i))
            assert G.in_degree(i) == 0
    kinds = {G.nodes[i]["kind"] for i in range(len(g))}
    assert kinds == {"variable", "parameter", "constant", "operation"}
    assert G.nodes[g.parameter_nodes[0]]["kind"] == "parameter"
    assert [G.nodes[v]["value"] for v in g.variable_nodes] == [x, y]
    out = g.outputs[0]
    assert G.nodes[out]["output"] == [0]
    assert all("output" not in G.nodes[i] for i in range(len(g)) if i != out)


def test_networkx_output_attribute_lists_repeated_output_positions():
    g = calcopt.compile(sp.Matrix([[x * y, x], [y, x * y]]))
    G = g.nx
    m = g.outputs[0]
    assert g.outputs == (m, g.variable_nodes[0], g.variable_nodes[1], m)
    assert G.nodes[m]["output"] == [0, 3]
    assert G.nodes[g.variable_nodes[0]]["output"] == [1]


# --- 3. wrt and params -------------------------------------------------------------------------


def test_default_wrt_sorts_names_with_numbers_compared_numerically():
    x1, x2, x10, bb = sp.symbols("x1 x2 x10 b")
    g = calcopt.compile(x10 + x2 + x1 + bb + a, params=[a])
    assert g.wrt == (bb, x1, x2, x10)  # plain string sorting would put x10 before x2
    assert g.params == (a,)
    assert calcopt.compile(x10 * x2).wrt == (x2, x10)
    assert calcopt.compile(z + y + x).wrt == (x, y, z)


def test_explicit_wrt_order_is_respected():
    g = calcopt.compile(x * y**2, wrt=[y, x])
    assert g.wrt == (y, x)
    assert g.value([2.0, 3.0]) == 12.0          # y = 2, x = 3
    assert g.value({x: 3.0, y: 2.0}) == 12.0
    assert g.value({"x": 3.0, "y": 2.0}) == 12.0
    assert [g.leaf_value(v) for v in g.variable_nodes] == [y, x]
    assert "x0, x1, = x" in g.source()


def test_wrt_symbol_absent_from_expression_is_kept():
    g = calcopt.compile(x**2, wrt=[x, y])
    assert g.wrt == (x, y)
    assert g.kind(g.variable_nodes[1]) == "variable"
    assert g.leaf_value(g.variable_nodes[1]) == y
    assert g.value([3.0, 100.0]) == 9.0
    assert g.value([3.0, -7.0], backend="numpy") == 9.0
    assert close(g.value(np.array([[3.0, 1.0], [2.0, 5.0]])), [9.0, 4.0])
    assert g.gradient() == sp.Matrix([2 * x, 0])
    assert close(g.grad([3.0, 5.0]), [6.0, 0.0])
    with pytest.raises(calcopt.PointError):
        g.value([3.0])  # y is still a variable: two entries are needed


def test_params_are_parameter_nodes_not_variables():
    g = calcopt.compile((x - a)**2 + b * y, params=[a, b])
    assert g.wrt == (x, y)
    assert g.params == (a, b)
    assert [g.kind(i) for i in g.parameter_nodes] == ["parameter", "parameter"]
    assert [g.leaf_value(i) for i in g.parameter_nodes] == [a, b]
    assert [g.kind(i) for i in g.variable_nodes] == ["variable", "variable"]


def test_explicit_wrt_with_params():
    g = calcopt.compile((x - a)**2 * y, wrt=[y, x], params=[a])
    assert g.wrt == (y, x) and g.params == (a,)
    assert g.value([2.0, 5.0], data={a: [1.0, 3.0]}) == pytest.approx((32.0 + 8.0) / 2)


# --- 4. exact constants ------------------------------------------------------------------------


def test_rationals_stay_rational():
    expr = sp.Rational(1, 3) * x**2
    g = calcopt.compile(expr)
    back = g.to_sympy()
    assert back == expr
    assert not back.atoms(sp.Float)
    consts = [g.leaf_value(i) for i in range(len(g)) if g.kind(i) == "constant"]
    assert sorted(consts) == [sp.Rational(1, 3), 2]
    assert all(isinstance(c, sp.Rational) for c in consts)
    assert g.value([3.0]) == pytest.approx(3.0, rel=1e-15)


def test_rational_corpus_entry_stays_rational():
    expr = sp.Rational(1, 3) * x**2 + sp.Rational(2, 7) * y
    back = calcopt.compile(expr).to_sympy()
    assert not back.atoms(sp.Float)
    assert back.atoms(sp.Rational) >= {sp.Rational(1, 3), sp.Rational(2, 7)}


def test_user_floats_stay_floats():
    expr = sp.Float("0.25") * x**2 + 1.5 * y
    back = calcopt.compile(expr).to_sympy()
    assert back == expr
    assert back.atoms(sp.Float) == {sp.Float("0.25"), sp.Float(1.5)}


def test_integer_and_float_two_are_different_constants():
    expr = 2.0 * x + 2 * y
    g = calcopt.compile(expr)
    consts = [g.leaf_value(i) for i in range(len(g)) if g.kind(i) == "constant"]
    assert sorted(type(c).__name__ for c in consts) == ["Float", "Integer"]
    back = g.to_sympy()
    assert back == expr and sp.srepr(back) == sp.srepr(expr)


def test_number_symbols_are_exact_constants():
    g = calcopt.compile(sp.pi * x + sp.E)
    assert g.to_sympy() == sp.pi * x + sp.E
    consts = {g.leaf_value(i) for i in range(len(g)) if g.kind(i) == "constant"}
    assert consts == {sp.pi, sp.E}
    assert g.value([2.0]) == pytest.approx(2 * math.pi + math.e, rel=1e-15)


def test_python_numbers_compile_to_exact_constants():
    assert calcopt.compile(5).to_sympy() == sp.Integer(5)
    assert isinstance(calcopt.compile(5).to_sympy(), sp.Integer)
    assert isinstance(calcopt.compile(2.5).to_sympy(), sp.Float)
    assert calcopt.compile(5).value([]) == 5.0


# --- 5. vector-valued graphs -------------------------------------------------------------------

VECTOR = [x * y, x + y, sp.sin(x)]


def vector_reference(p):
    px, py = p
    return [px * py, px + py, math.sin(px)]


@pytest.mark.parametrize("container", [list, tuple])
def test_sequence_input_gives_tuple(container):
    g = calcopt.compile(container(VECTOR))
    assert not g.is_scalar
    assert len(g.outputs) == 3
    back = g.to_sympy()
    assert isinstance(back, tuple) and back == tuple(VECTOR)
    for backend in BACKENDS:
        v = g.value([2.0, 3.0], backend=backend)
        assert isinstance(v, np.ndarray) and v.shape == (3,)
        assert close(v, vector_reference([2.0, 3.0]))
    pts = np.array([[2.0, 3.0], [-1.0, 0.5], [0.0, 0.0], [1.5, -2.0]])
    batch = g.value(pts)
    assert batch.shape == (4, 3)
    assert close(batch, [vector_reference(p) for p in pts])


def test_matrix_input_gives_matrix_of_same_shape():
    M = sp.Matrix([[x * y, x], [sp.exp(y), x * y + 1]])
    g = calcopt.compile(M)
    back = g.to_sympy()
    assert isinstance(back, sp.MatrixBase)
    assert back.shape == (2, 2) and back == M
    v = g.value([2.0, 3.0])
    assert v.shape == (4,)
    assert close(v, [6.0, 2.0, math.exp(3.0), 7.0])  # row-major
    batch = g.value(np.array([[2.0, 3.0], [1.0, 0.0], [0.5, -1.0]]))
    assert batch.shape == (3, 4)
    assert close(batch[1], [0.0, 1.0, 1.0, 1.0])


@pytest.mark.parametrize("shape", [(3, 1), (1, 3)])
def test_row_and_column_matrices_keep_their_shape(shape):
    M = sp.Matrix(*shape, [x, x * y, y**2])
    g = calcopt.compile(M)
    back = g.to_sympy()
    assert isinstance(back, sp.MatrixBase) and back.shape == shape and back == M
    assert close(g.value([2.0, 3.0], backend="numpy"), [2.0, 6.0, 9.0])
    assert close(g.value([2.0, 3.0], backend="math"), [2.0, 6.0, 9.0])


def test_vector_with_leaf_and_constant_outputs():
    g = calcopt.compile([x, sp.Integer(3), x * y])
    assert g.to_sympy() == (x, 3, x * y)
    assert close(g.value([2.0, 5.0]), [2.0, 3.0, 10.0])
    batch = g.value(np.array([[1.0, 1.0], [2.0, 3.0]]))
    assert batch.shape == (2, 3)
    assert close(batch, [[1.0, 3.0, 1.0], [2.0, 3.0, 6.0]])


def test_vector_graph_with_data():
    g = calcopt.compile([x * a, x + a], params=[a])
    v = g.value([2.0], data={a: [1.0, 3.0]})
    assert v.shape == (2,) and close(v, [4.0, 4.0])
    batch = g.value(np.array([[2.0], [0.0], [1.0]]), data={a: [1.0, 3.0]})
    assert batch.shape == (3, 2)
    assert close(batch, [[4.0, 4.0], [0.0, 2.0], [2.0, 3.0]])


# --- 6. data: the mean over samples -------------------------------------------------------------

LOSS = (w * a - b)**2 + sp.sin(w * b)


@pytest.fixture(scope="module")
def samples():
    rng = np.random.default_rng(7)
    return rng.normal(size=25), rng.normal(size=25)


def loss_mean(wv, A, B):
    f = sp.lambdify((w, a, b), LOSS, modules="math")
    return sum(f(wv, ai, bi) for ai, bi in zip(A, B)) / len(A)


def test_data_value_is_mean_of_per_sample_values(samples):
    A, B = samples
    g = calcopt.compile(LOSS, params=[a, b])
    assert g.wrt == (w,)
    expected = loss_mean(0.7, A, B)
    assert close(g.value([0.7], data={a: A, b: B}), expected)
    # not the value at the mean sample, nor the first sample
    f = sp.lambdify((w, a, b), LOSS, modules="math")
    assert not close(expected, f(0.7, A.mean(), B.mean()), rtol=1e-6)
    assert close(g.value([0.7], data={a: A, b: B}, backend="numpy"), expected)


def test_data_keys_may_be_names_or_symbols(samples):
    A, B = samples
    g = calcopt.compile(LOSS, params=[a, b])
    expected = loss_mean(-1.3, A, B)
    for data in ({a: A, b: B}, {"a": A, "b": B}, {a: A, "b": B},
                 {"b": list(B), "a": list(A)}):
        assert close(g.value([-1.3], data=data), expected)


def test_data_as_n_by_p_array(samples):
    A, B = samples
    g = calcopt.compile(LOSS, params=[a, b])
    table = np.column_stack([A, B])
    assert close(g.value([0.4], data=table), loss_mean(0.4, A, B))
    # columns follow params order, not name order
    g_ba = calcopt.compile(LOSS, params=[b, a])
    assert close(g_ba.value([0.4], data=np.column_stack([B, A])), loss_mean(0.4, A, B))


def test_batch_of_points_with_data(samples):
    A, B = samples
    g = calcopt.compile(LOSS, params=[a, b])
    ws = np.array([[-1.0], [0.0], [0.5], [2.0]])
    out = g.value(ws, data={a: A, b: B})
    assert isinstance(out, np.ndarray) and out.shape == (4,)
    assert close(out, [loss_mean(v, A, B) for v in ws[:, 0]])


def test_data_with_several_variables_and_batch():
    g = calcopt.compile(x * a + y**2 * b, params=[a, b])
    A, B = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -1.0])
    # mean(x*a) + y^2 * mean(b) = 2x + y^2 * (-1/6)
    assert close(g.value([1.0, 3.0], data={a: A, b: B}), 2.0 - 1.5)
    pts = np.array([[1.0, 3.0], [0.0, 0.0], [2.0, 1.0]])
    out = g.value(pts, data={a: A, b: B})
    assert out.shape == (3,)
    assert close(out, 2 * pts[:, 0] - pts[:, 1]**2 / 6)


def test_single_sample_equals_substitution():
    g = calcopt.compile((x - a)**2, params=[a])
    assert g.value([5.0], data={a: [2.0]}) == 9.0
    assert g.value([5.0], data={a: 2.0}) == 9.0  # a scalar is one sample
    assert g.value([1.0], data={a: [0.0, 2.0, 4.0]}) == pytest.approx(11.0 / 3.0, rel=1e-15)


def test_data_for_param_not_in_expression_is_still_required():
    g = calcopt.compile(x**2, params=[a])
    assert g.value([3.0], data={a: [1.0, 2.0]}) == 9.0
    with pytest.raises(calcopt.DataError):
        g.value([3.0])


# --- 7. IEEE semantics -------------------------------------------------------------------------

NAN = math.nan
INF = math.inf

IEEE_CASES = [
    (sp.log(x), -1.0, NAN),
    (sp.log(x), 0.0, -INF),
    (1 / x, 0.0, INF),
    (1 / x, -0.0, -INF),
    (x**-2, 0.0, INF),
    (sp.exp(x), 1000.0, INF),
    (sp.exp(-x), 1000.0, 0.0),
    (sp.cosh(x), 1000.0, INF),
    (x**2, 1e200, INF),
    (sp.sqrt(x), -1.0, NAN),
    (sp.asin(x), 2.0, NAN),
    (sp.acos(x), -2.0, NAN),
    (x ** sp.Rational(1, 3), -8.0, NAN),
    (x ** sp.Rational(3, 2), -1.0, NAN),
    (sp.sin(x), INF, NAN),
    (sp.log(x) + sp.exp(x), -1.0, NAN),
]


def _same_ieee(v, expected):
    if math.isnan(expected):
        return math.isnan(v)
    return v == expected and math.copysign(1.0, v) == math.copysign(1.0, expected)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, point, expected", IEEE_CASES,
                         ids=[f"{e}@{p}" for e, p, _ in IEEE_CASES])
def test_ieee_values_without_exceptions_or_warnings(expr, point, expected, backend):
    g = calcopt.compile(expr)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's RuntimeWarnings must not escape either
        v = g.value([point], backend=backend)
    assert isinstance(v, float)
    assert _same_ieee(v, expected), v


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr", [sp.Max(x, y), sp.Min(x, y), sp.Max(x, y, 0)],
                         ids=["max", "min", "max3"])
def test_nan_propagates_through_max_and_min_in_any_position(expr, backend):
    g = calcopt.compile(expr, wrt=[x, y])
    assert math.isnan(g.value([NAN, 1.0], backend=backend))
    assert math.isnan(g.value([1.0, NAN], backend=backend))
    assert g.value([1.0, 2.0], backend=backend) == (2.0 if expr != sp.Min(x, y) else 1.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nan_from_inf_times_zero_propagates(backend):
    # inf*0 is nan without any exception in Python floats: max must not drop it
    g = calcopt.compile(sp.Max(x * y, 0))
    assert math.isnan(g.value([INF, 0.0], backend=backend))
    for expr in (sp.Abs(x), sp.sign(x), sp.Heaviside(x)):
        assert math.isnan(calcopt.compile(expr).value([NAN], backend=backend))


@pytest.mark.parametrize("backend", BACKENDS)
def test_ieee_two_variable_power(backend):
    g = calcopt.compile(x**y)
    assert math.isnan(g.value([-2.0, 0.5], backend=backend))
    assert g.value([-2.0, 3.0], backend=backend) == -8.0
    assert g.value([0.0, -1.0], backend=backend) == INF


@pytest.mark.parametrize("backend", BACKENDS)
def test_ieee_vector_graph_keeps_other_outputs(backend):
    g = calcopt.compile([sp.log(x), x, 1 / x])
    v = g.value([-1.0], backend=backend)
    assert math.isnan(v[0]) and v[1] == -1.0 and v[2] == -1.0


def test_batched_nan_only_where_out_of_domain():
    g = calcopt.compile(sp.sqrt(x))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = g.value(np.array([[4.0], [-4.0], [0.0], [9.0]]))
    assert np.isnan(out).tolist() == [False, True, False, False]
    assert out[[0, 2, 3]].tolist() == [2.0, 0.0, 3.0]

    g = calcopt.compile(sp.log(x))
    out = g.value(np.array([[-1.0], [0.0], [1.0], [math.e]]))
    assert np.isnan(out).tolist() == [True, False, False, False]
    assert out[1] == -INF and out[2] == 0.0 and out[3] == pytest.approx(1.0)

    g = calcopt.compile(1 / x)
    out = g.value(np.array([[0.0], [-0.0], [2.0]]))
    assert out.tolist() == [INF, -INF, 0.5]


def test_batched_random_domain_mask():
    rng = np.random.default_rng(3)
    pts = rng.uniform(-3.0, 3.0, size=(200, 2))
    g = calcopt.compile(sp.log(x) + sp.sqrt(y) + sp.asin(y / 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = g.value(pts)
    bad = (pts[:, 0] < 0) | (pts[:, 1] < 0)
    assert bad.any() and (~bad).any()
    assert np.array_equal(np.isnan(out), bad)
    good = ~bad
    ref = np.log(pts[good, 0]) + np.sqrt(pts[good, 1]) + np.arcsin(pts[good, 1] / 4)
    assert close(out[good], ref)


def test_batched_data_with_out_of_domain_samples():
    g = calcopt.compile(sp.log(x * a), params=[a])
    out = g.value(np.array([[1.0], [-1.0]]), data={a: [1.0, 2.0]})
    assert out[0] == pytest.approx(math.log(2.0) / 2)
    assert math.isnan(out[1])


# --- 10. property-based: random expression trees -------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(expressions())
def test_random_expressions_round_trip_exactly(e):
    g = calcopt.compile(e, wrt=SYMBOLS)
    assert g.wrt == SYMBOLS
    assert g.to_sympy() == e
    for i in range(len(g)):
        assert all(arg < i for arg in g.args(i))


@settings(max_examples=100, deadline=None)
@given(expressions(), points())
def test_random_expressions_evaluate_like_lambdify(e, p):
    ref_fn = sp.lambdify(SYMBOLS, e, modules="math")
    try:
        ref = float(ref_fn(*p))
    except (OverflowError, ValueError, ZeroDivisionError):
        ref = math.nan
    assume(math.isfinite(ref))
    # 1e-12 relative / absolute, widened only where the expression is ill-conditioned at p
    # (e.g. sin of a large argument): calcopt and lambdify may order n-ary sums differently.
    atol = ATOL + 64 * 2.0**-23 * rounding_sensitivity(e, p)
    g = calcopt.compile(e, wrt=SYMBOLS)
    for backend in BACKENDS:
        assert close(g.value(p, backend=backend), ref, atol=atol), backend
    assert close(g.value(np.array([p, p])), [ref, ref], atol=atol)


def test_rounding_sensitivity_is_small_for_well_conditioned_and_large_for_ill_conditioned():
    well = sp.exp(x) + y**2
    assert rounding_sensitivity(well, [0.5, 1.0, 0.0]) < 1e-8
    ill = sp.sin(sp.exp(x + sp.sqrt(x**2 + 1) + 6))
    assert rounding_sensitivity(ill, [1.393879450788969, 0.0, 0.0]) > 1e-7


def test_memo_builds_once_per_graph_and_key():
    x = sp.Symbol("x")
    g, h = calcopt.compile(x**2), calcopt.compile(x**3)
    built = []
    first = g.memo(("test", 1), lambda: built.append("g1") or object())
    assert g.memo(("test", 1), lambda: built.append("again") or object()) is first
    h.memo(("test", 1), lambda: built.append("h1"))
    g.memo(("test", 2), lambda: built.append("g2"))
    assert built == ["g1", "h1", "g2"]
    # derivative graphs are cached through the same hook
    assert g.gradient_graph() is g.gradient_graph() and g.memo("gradient", None) is g.gradient_graph()


def test_table_is_the_node_table_the_accessors_read():
    x, y = sp.symbols("x y")
    g = calcopt.compile(sp.exp(x * y) + x)
    t = g.table
    assert len(t) == len(g)
    assert [calcopt.PRIMITIVES[op].name for op in t.ops] == [g.op(i) for i in range(len(g))]
    assert all(t.args[i] == g.args(i) for i in range(len(g)) if g.kind(i) == "operation")


@pytest.mark.parametrize("mode", ["auto", "forward", "reverse"])
def test_jac_is_the_numeric_jacobian(mode):
    x, y = sp.symbols("x y")
    g = calcopt.compile([x * y, sp.sin(x) + y**2, x])
    pts = np.array([[0.5, -1.0], [2.0, 3.0]])
    J = g.jacobian(mode=mode)
    for p in pts:
        exact = np.array(J.subs({x: p[0], y: p[1]}).evalf(), dtype=float)
        assert np.allclose(g.jac(p, mode), exact, rtol=1e-14, atol=0)
        assert np.array_equal(g.jac(p, mode), g.jacobian(p, mode))
    assert g.jac(pts, mode).shape == (2, 3, 2)
