"""Graph.to_sympy(cse=True): common subexpressions read off the graph's shared nodes."""

import sympy as sp
from hypothesis import given, settings

import calcopt
from calcopt.ir.cse import expand_cse, table_cse, use_counts
from calcopt.ir.table import Builder, NodeTable
from strategies import SYMBOLS, expressions

x, y = sp.symbols("x y", real=True)


def _lse(n: int):
    xs = sp.symbols(f"x0:{n}", real=True)
    # dense: every variable in every exponent, so the gradient and Hessian repeat the sum
    return sp.log(sum(sp.exp(sum((i + j + 1) * xs[j] for j in range(n)) / n) for i in range(n))), xs


def test_round_trip_gradient_and_hessian_of_log_sum_exp():
    f, xs = _lse(5)
    g = calcopt.compile(f, wrt=xs)
    for dg in (g, g.gradient_graph(), g.hessian_graph()):
        reps, reduced = dg.to_sympy(cse=True)
        assert expand_cse(reps, reduced)[0] == dg.to_sympy()       # structurally identical
        assert all(name.name.startswith("w") for name, _ in reps)


def test_compact_for_dense_log_sum_exp_gradient():
    f, xs = _lse(6)
    gg = calcopt.compile(f, wrt=xs).gradient_graph()
    reps, reduced = gg.to_sympy(cse=True)
    assert reps, "the shared sum must be named"
    assert len(str(reps)) + len(str(reduced)) < len(str(gg.to_sympy())) / 3


def test_shape_matches_sympy_cse():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    for dg in (g, g.gradient_graph(), g.hessian_graph()):
        ours, theirs = dg.to_sympy(cse=True), sp.cse(dg.to_sympy())
        assert type(ours[1]) is type(theirs[1]) and len(ours[1]) == len(theirs[1])
        assert type(ours[1][0]) is type(theirs[1][0])


def test_names_avoid_the_expressions_own_symbols():
    w0, w1 = sp.symbols("w0 w1", real=True)
    g = calcopt.compile(sp.exp(w0 + w1) * sp.exp(w0 + w1) + sp.sin(sp.exp(w0 + w1) * w0))
    reps, reduced = g.gradient_graph().to_sympy(cse=True)
    assert reps and {name.name for name, _ in reps}.isdisjoint({"w0", "w1"})
    assert expand_cse(reps, reduced)[0] == g.gradient_graph().to_sympy()


def test_unshared_graph_has_no_replacements_and_leaves_are_never_named():
    assert calcopt.compile(x**2 + sp.sin(y)).to_sympy(cse=True) == ([], [x**2 + sp.sin(y)])
    t = NodeTable()
    b = Builder(t)
    xi = b.symbol(x)
    neg = b.neg(xi)                                   # -x used twice: too small to name
    assert table_cse(t, [b.add(b.call("exp", neg), b.call("sin", neg))])[0] == []


def test_use_counts_count_argument_positions_and_outputs():
    t = NodeTable()
    xi = t.symbol(x)
    sq = t.op(calcopt.primitives.CODE["mul"], (xi, xi))
    assert use_counts(t, [sq, sq]) == [2, 2]


@settings(max_examples=60, deadline=None)
@given(expressions(max_depth=4))
def test_round_trip_property(e):
    g = calcopt.compile(e, wrt=SYMBOLS)
    for dg in (g, g.gradient_graph()):
        reps, reduced = dg.to_sympy(cse=True)
        assert expand_cse(reps, reduced)[0] == dg.to_sympy()     # structurally identical
