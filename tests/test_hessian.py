"""Sparse Hessians: structural sparsity, distance-2 colourings, coloured exact and numeric
Hessians on banded, arrow and block-diagonal objectives."""

from __future__ import annotations

import functools
import random

import numpy as np
import pytest
import scipy.sparse
import sympy as sp

import calcopt
from helpers import assert_close, evaluate, exact_equal, float_points, rational_points


# --- objectives with known patterns -----------------------------------------------------------

def rosenbrock(n):
    xs = sp.symbols(f"x0:{n}", real=True)
    f = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    pattern = np.array([[abs(i - j) <= 1 for j in range(n)] for i in range(n)])
    return f, xs, pattern


def arrow(n):
    xs = sp.symbols(f"x0:{n}", real=True)
    f = sum((xs[0] * xs[i]) ** 2 + xs[i] ** 4 for i in range(1, n)) + sp.exp(xs[0])
    pattern = np.array([[i == j or i == 0 or j == 0 for j in range(n)] for i in range(n)])
    return f, xs, pattern


def blocks(n_blocks, size=3):
    n = n_blocks * size
    xs = sp.symbols(f"x0:{n}", real=True)
    f = 0
    for k in range(n_blocks):
        u = xs[k * size:(k + 1) * size]
        f += sp.exp(sp.Mul(*u) / 4) + (sum(u) - k) ** 4 + sp.Rational(1, k + 2) * u[0] ** 2
    pattern = np.array([[i // size == j // size for j in range(n)] for i in range(n)])
    return f, xs, pattern


def banded5(n):
    """Pentadiagonal: each term couples x_i and x_{i+2}, plus a chain x_i*x_{i+1}."""
    xs = sp.symbols(f"x0:{n}", real=True)
    f = sum(sp.sin(xs[i] * xs[i + 2]) for i in range(n - 2)) + \
        sum(xs[i] ** 2 * xs[i + 1] for i in range(n - 1))
    pattern = np.array([[abs(i - j) <= 2 for j in range(n)] for i in range(n)])
    return f, xs, pattern


PROBLEMS = {
    "rosenbrock8": lambda: rosenbrock(8),
    "rosenbrock30": lambda: rosenbrock(30),
    "arrow7": lambda: arrow(7),
    "blocks4x3": lambda: blocks(4),
    "banded5_9": lambda: banded5(9),
}


@functools.lru_cache(maxsize=None)
def problem(name):
    f, xs, pattern = PROBLEMS[name]()
    return f, xs, pattern, calcopt.compile(f, wrt=xs)


@functools.lru_cache(maxsize=None)
def sympy_hessian(name):
    f, xs, _, _ = problem(name)
    return sp.hessian(f, xs)


def numeric_nonzeros(H: sp.Matrix, xs, seed=0) -> np.ndarray:
    """Boolean pattern of H's non-zero entries at a random rational point (exact)."""
    pt = rational_points(xs, (-1.5, 1.5), k=1, seed=seed)[0]
    return np.array([[H[i, j].xreplace(pt) != 0 for j in range(H.cols)] for i in range(H.rows)])


# --- pattern -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PROBLEMS)
def test_sparsity_pattern_is_the_expected_structure(name):
    f, xs, expected, g = problem(name)
    S = g.hessian_sparsity()
    assert scipy.sparse.issparse(S) and S.shape == (len(xs), len(xs)) and S.dtype == bool
    P = S.toarray()
    assert (P == P.T).all()
    assert (P == expected).all(), np.argwhere(P != expected)
    # it covers every numeric non-zero of SymPy's Hessian, and for these objectives equals it
    numeric = numeric_nonzeros(sympy_hessian(name), xs, seed=1)
    assert not (numeric & ~P).any(), "structural pattern misses a non-zero"
    assert (numeric == P).all()


def test_pattern_is_a_superset_when_entries_cancel():
    x, y, z = sp.symbols("x y z", real=True)
    f = (x + y) ** 2 - x**2 - 2 * x * y + z**3 * y     # exactly y**2 + z**3*y
    g = calcopt.compile(f)
    P = g.hessian_sparsity().toarray()
    numeric = numeric_nonzeros(sp.hessian(f, (x, y, z)), (x, y, z))
    assert not (numeric & ~P).any()
    assert P.sum() >= numeric.sum()
    exact_equal(g.hessian(), sp.hessian(f, (x, y, z)), (x, y, z))
    exact_equal(sp.Matrix(g.hessian(sparse=True)), sp.hessian(f, (x, y, z)), (x, y, z))


def test_pattern_of_separable_and_linear_parts():
    xs = sp.symbols("x0:5", real=True)
    f = sum(sp.exp(v) for v in xs[:3]) + 3 * xs[3] - xs[4] / 2
    g = calcopt.compile(f, wrt=xs)
    assert (g.hessian_sparsity().toarray() == np.diag([1, 1, 1, 0, 0]).astype(bool)).all()
    assert g.hessian_coloring().n_colors == 1
    H = g.hess(np.zeros(5), sparse=True)
    assert H.nnz == 3
    assert_close(H.toarray(), np.diag([1.0, 1, 1, 0, 0]), 1e-15, "separable hess")


# --- colouring ----------------------------------------------------------------------------------

def assert_valid_distance2_coloring(P: np.ndarray, col) -> None:
    n = P.shape[0]
    colors = np.asarray(col.colors)
    assert colors.shape == (n,)
    assert col.n_colors == (colors.max() + 1 if n else 0)
    assert set(colors.tolist()) == set(range(col.n_colors)), "colours are 0..k-1, all used"
    for i in range(n):
        cols = np.flatnonzero(P[i])
        assert len(set(colors[cols].tolist())) == len(cols), \
            f"row {i}: columns {cols} share a colour"
    seeds = np.asarray(col.seeds)
    assert seeds.shape == (col.n_colors, n)
    assert set(np.unique(seeds).tolist()) <= {0.0, 1.0}
    assert (seeds.sum(axis=0) == 1).all()
    for j in range(n):
        assert seeds[colors[j], j] == 1


@pytest.mark.parametrize("name", PROBLEMS)
def test_coloring_is_valid_distance2(name):
    _, xs, expected, g = problem(name)
    col = g.hessian_coloring()
    assert_valid_distance2_coloring(g.hessian_sparsity().toarray(), col)
    assert col.n_colors >= expected.sum(axis=1).max()     # the densest row is a lower bound
    assert col.n_colors <= len(xs)


@pytest.mark.parametrize("n", [5, 10, 50, 200])
def test_rosenbrock_needs_at_most_three_colors(n):
    f, xs, pattern = rosenbrock(n)
    g = calcopt.compile(f, wrt=xs)
    col = g.hessian_coloring()
    assert col.n_colors <= 3
    assert_valid_distance2_coloring(g.hessian_sparsity().toarray(), col)
    assert (g.hessian_sparsity().toarray() == pattern).all()


def test_block_coloring_uses_block_size_colors():
    _, _, _, g = problem("blocks4x3")
    assert g.hessian_coloring().n_colors == 3


def test_arrow_coloring_is_valid_even_if_dense():
    # documented weakness of distance-2 colouring: the hub makes every pair distance 2
    _, xs, _, g = problem("arrow7")
    assert g.hessian_coloring().n_colors == len(xs)


@pytest.mark.parametrize("seed", range(5))
def test_coloring_valid_on_random_sparse_patterns(seed):
    rng = random.Random(seed)
    n = 12
    xs = sp.symbols(f"x0:{n}", real=True)
    f = sum(sp.sin(xs[i] * xs[j]) for i, j in
            {tuple(sorted(rng.sample(range(n), 2))) for _ in range(10)}) + xs[rng.randrange(n)] ** 3
    g = calcopt.compile(f, wrt=xs)
    P = g.hessian_sparsity().toarray()
    assert_valid_distance2_coloring(P, g.hessian_coloring())
    numeric = numeric_nonzeros(sp.hessian(f, xs), xs, seed=seed)
    assert (numeric == P).all()
    p = float_points(xs, (-1, 1), k=1, seed=seed)[0]
    assert_close(g.hess(p, sparse=True).toarray(), g.hess(p), 1e-13, "random pattern")


# --- coloured Hessians: exact and numeric ---------------------------------------------------------

@pytest.mark.parametrize("name", PROBLEMS)
def test_sparse_exact_hessian_equals_sympy(name):
    f, xs, expected, g = problem(name)
    Hs = g.hessian(sparse=True)
    assert isinstance(Hs, sp.SparseMatrix) and Hs.shape == (len(xs), len(xs))
    for (i, j) in Hs.todok():
        assert expected[i, j], (i, j)
    H = sympy_hessian(name)
    box = (-1.5, 1.5)
    exact_equal(sp.Matrix(Hs), H, xs, box, k=2)
    exact_equal(g.hessian(), H, xs, box, k=2, seed=1)
    assert not sp.Matrix(Hs).atoms(sp.Float)


@pytest.mark.parametrize("name", PROBLEMS)
def test_sparse_numeric_hessian_equals_dense(name):
    f, xs, expected, g = problem(name)
    n = len(xs)
    H_exact = sympy_hessian(name)
    for p in float_points(xs, (-1.5, 1.5), k=2, seed=3):
        dense = g.hess(p)
        Hs = g.hess(p, sparse=True)
        assert scipy.sparse.issparse(Hs) and Hs.shape == (n, n)
        rows, cols = Hs.nonzero()
        assert expected[rows, cols].all()
        assert_close(Hs.toarray(), dense, 1e-13, "sparse vs dense")
        assert_close(dense, dense.T, 1e-13, "symmetry")
        assert_close(dense, evaluate(H_exact, xs, p), 1e-10, "dense vs exact")
        v = np.random.default_rng(0).standard_normal(n)
        assert_close(g.hvp(p, v), dense @ v, 1e-12, "hvp")


def test_rosenbrock_hessian_entries_known_in_closed_form():
    n = 6
    f, xs, _ = rosenbrock(n)
    g = calcopt.compile(f, wrt=xs)
    p = np.linspace(-1.2, 1.3, n)
    H = g.hess(p, sparse=True).toarray()
    for i in range(n):
        d = 0.0
        if i < n - 1:
            d += 1200 * p[i] ** 2 - 400 * p[i + 1] + 2
        if i > 0:
            d += 200
        assert H[i, i] == pytest.approx(d, rel=1e-13)
        if i < n - 1:
            assert H[i, i + 1] == pytest.approx(-400 * p[i], rel=1e-13)
            assert H[i + 1, i] == pytest.approx(-400 * p[i], rel=1e-13)


def test_large_rosenbrock_sparse_hessian():
    n = 200
    f, xs, pattern = rosenbrock(n)
    g = calcopt.compile(f, wrt=xs)
    p = np.random.default_rng(1).uniform(-1, 1, n)
    Hs = g.hess(p, sparse=True)
    assert Hs.nnz == 3 * n - 2
    dense = g.hess(p)
    assert_close(Hs.toarray(), dense, 1e-13, "n=200")
    assert (np.abs(dense)[~pattern] == 0).all()


def test_hessian_with_data_sparse_and_dense():
    n = 6
    xs = sp.symbols(f"x0:{n}", real=True)
    a = sp.Symbol("a", real=True)
    f = sum((xs[i] - a * xs[i + 1]) ** 2 * sp.exp(a * xs[i]) for i in range(n - 1))
    g = calcopt.compile(f, wrt=xs, params=[a])
    A = np.array([0.5, -1.0, 2.0])
    p = np.linspace(-0.5, 0.7, n)
    H = g.hess(p, data={a: A})
    per = [evaluate(sp.hessian(f.subs(a, av), xs), xs, p) for av in A]
    assert_close(H, np.mean(per, axis=0), 1e-12, "mean of sample Hessians")
    assert_close(g.hess(p, data={a: A}, sparse=True).toarray(), H, 1e-13, "sparse with data")
    assert g.hessian_coloring().n_colors <= 3
