"""Tests of the code generator: generated source, shared temporaries, deep and wide expressions,
caching of the compiled functions, constants as literals, tracebacks into generated code."""

from __future__ import annotations

import ast
import linecache
import math
import re
import sys
import traceback

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt.codegen import source as codegen
from calcopt.ir.compiler import compile_into
from calcopt.ir.table import NodeTable

x, y, z = sp.symbols("x y z", real=True)
a = sp.Symbol("a", real=True)


def max_paren_depth(source: str) -> int:
    depth = best = 0
    for ch in source:
        if ch == "(":
            depth += 1
            best = max(best, depth)
        elif ch == ")":
            depth -= 1
    return best


# --- generated source -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["math", "numpy"])
def test_source_is_a_python_function_of_x_and_p(backend):
    g = calcopt.compile(sp.exp(x * y) + sp.log(1 + x**2) * a, params=[a])
    src = g.source(backend)
    assert isinstance(src, str)
    assert src.startswith("def f(x, p):\n")
    assert "    x0, x1, = x" in src
    assert "    p0, = p" in src
    tree = ast.parse(src)  # valid Python
    assert [type(n).__name__ for n in tree.body] == ["FunctionDef"]
    prefix = "math." if backend == "math" else "np."
    assert prefix + "exp(" in src and prefix + "log(" in src
    other = "np." if backend == "math" else "math."
    assert other not in src


def test_documented_source_exactly():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    assert g.source("math") == (
        "def f(x, p):\n"
        "    x0, x1, = x\n"
        "    t2 = (x0*x1)\n"
        "    return (math.exp(t2) + math.sin(t2))")
    assert g.source("numpy") == (
        "def f(x, p):\n"
        "    x0, x1, = x\n"
        "    t2 = (x0*x1)\n"
        "    return (np.exp(t2) + np.sin(t2))")
    assert g.source() == g.source("math")  # default back end


@pytest.mark.parametrize("backend", ["math", "numpy"])
def test_shared_node_gets_one_temporary(backend):
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y) + sp.cos(x * y))
    src = g.source(backend)
    assert src.count("x0*x1") == 1
    temps = re.findall(r"^\s+(t\d+) = ", src, flags=re.M)
    assert len(temps) == 1
    assert src.count(temps[0]) == 4  # one assignment, three uses


@pytest.mark.parametrize("backend", ["math", "numpy"])
def test_single_use_nodes_are_inlined(backend):
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * z))
    src = g.source(backend)
    assert not re.search(r"^\s+t\d+ = ", src, flags=re.M)
    assert src.count("x0*x1") == 1 and src.count("x0*x2") == 1


def test_shared_output_of_vector_graph_is_named_once():
    g = calcopt.compile([x * y, x * y + 1, sp.sin(x * y)])
    src = g.source()
    assert src.count("x0*x1") == 1
    assert src.rstrip().splitlines()[-1].lstrip().startswith("return (")
    assert np.allclose(g.value([2.0, 3.0]), [6.0, 7.0, math.sin(6.0)], rtol=1e-15)


def test_unused_variable_is_still_unpacked():
    g = calcopt.compile(x**2, wrt=[x, y])
    src = g.source()
    assert "    x0, x1, = x" in src
    assert "x1" not in src.split("= x", 1)[1]


def test_constant_graph_source():
    g = calcopt.compile(sp.Integer(7))
    src = g.source()
    assert src.splitlines()[-1].strip() == "return 7.0"
    assert g.function()([], ()) == 7.0


def test_unknown_backend_in_source_is_option_error():
    g = calcopt.compile(x + 1)
    with pytest.raises(calcopt.OptionError, match="unknown back end"):
        g.source("fortran")
    with pytest.raises(calcopt.OptionError, match="unknown back end"):
        g.function("fortran")


# --- the compiled functions ----------------------------------------------------------------------


def test_function_is_cached_per_backend():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    assert g.function() is g.function()
    assert g.function("math") is g.function()
    assert g.function("numpy") is g.function("numpy")
    assert g.function("math") is not g.function("numpy")
    assert g.source("math") is g.source("math")
    # evaluating does not rebuild it
    f = g.function("math")
    g.value([1.0, 2.0])
    g.value(np.ones((3, 2)))
    assert g.function("math") is f


def test_function_computes_the_value():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    expected = math.exp(2.0) + math.sin(2.0)
    assert g.function("math")([1.0, 2.0], ()) == pytest.approx(expected, rel=1e-15)
    xs = np.array([1.0, 0.0, -1.0])
    ys = np.array([2.0, 5.0, 0.5])
    out = g.function("numpy")([xs, ys], ())
    assert np.allclose(out, np.exp(xs * ys) + np.sin(xs * ys), rtol=1e-15, atol=0)


def test_function_with_params_and_vector_outputs():
    g = calcopt.compile([x * a, x + a], params=[a])
    out = g.function("math")([2.0], [5.0])
    assert isinstance(out, tuple) and out == (10.0, 7.0)


def test_math_function_raises_on_domain_error_and_traceback_shows_generated_line():
    g = calcopt.compile(sp.log(x) + 1)
    f = g.function("math")
    with pytest.raises(ValueError) as info:
        f([-1.0], ())
    frames = traceback.extract_tb(info.value.__traceback__)
    last = frames[-1]
    assert last.filename.startswith("<calcopt-math-")
    assert "math.log" in linecache.getline(last.filename, last.lineno)
    assert "math.log" in (last.line or "")
    # the public value() turns it into IEEE nan
    assert math.isnan(g.value([-1.0]))


def test_backend_dispatch(monkeypatch):
    """One point without data runs the "math" code; the numpy code is built only for batches,
    data, an explicit backend="numpy", or to redo a point the math library refused."""
    built = []
    real_build = codegen.build
    monkeypatch.setattr(codegen, "build",
                        lambda source, backend, *r: built.append(backend) or real_build(
                            source, backend, *r))
    g = calcopt.compile(sp.log(x) + y)
    assert g.value([1.0, 2.0]) == 2.0
    assert g.value([1.0, 3.0], backend="math") == 3.0
    assert built == ["math"]
    assert math.isnan(g.value([-1.0, 2.0]))  # math.log refuses: redone by the numpy code
    assert built == ["math", "numpy"]
    g2 = calcopt.compile(x * y)
    g2.value(np.ones((3, 2)))
    assert built[-1] == "numpy" and built.count("math") == 1
    g3 = calcopt.compile(x * a, params=[a])
    g3.value([1.0], data={a: [1.0]})
    assert built[-1] == "numpy" and built.count("math") == 1


# --- constants as literals -------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (sp.Integer(2), "2.0"),
    (sp.Integer(-2), "(-2.0)"),
    (sp.Rational(1, 3), repr(1 / 3)),
    (sp.Rational(-1, 3), f"({-1 / 3!r})"),
    (sp.Float("0.1"), "0.1"),
    (sp.pi, repr(math.pi)),
    (sp.Integer(10)**400, "float('inf')"),
    (-sp.Integer(10)**400, "(-float('inf'))"),
    (sp.Rational(1, 10**400), "0.0"),
])
def test_literal(value, text):
    assert codegen.literal(value) == text
    literal_value = eval(text)
    if abs(value) < 10**300:
        assert literal_value == float(value)
    else:
        assert literal_value == (math.inf if value > 0 else -math.inf)


def test_constants_are_emitted_at_full_precision():
    g = calcopt.compile(sp.Rational(1, 3) * x + sp.pi)
    assert repr(1 / 3) in g.source() and repr(math.pi) in g.source()
    assert g.value([3.0]) == pytest.approx(1 + math.pi, rel=1e-15)


def test_negative_integer_power_and_sqrt_emission():
    src = calcopt.compile(x**-3 + sp.sqrt(y) + x ** sp.Rational(1, 3)).source()
    assert "(x0**-3)" in src
    assert "math.sqrt(x1)" in src
    assert "math.pow(x0, " in src


# --- deep and wide expressions ---------------------------------------------------------------------


def nested_sin(depth: int):
    e = x
    for _ in range(depth):
        e = sp.sin(e, evaluate=False)
    return e


def nested_sin_value(v: float, depth: int) -> float:
    for _ in range(depth):
        v = math.sin(v)
    return v


def test_compile_sin_applied_500_times():
    """Regression: compile() used SymPy's recursive ``free_symbols`` and hit RecursionError."""
    e = nested_sin(500)
    [out] = compile_into(NodeTable(), [e])  # the iterative compiler itself copes
    g = calcopt.compile(e)
    assert len(g) == 501
    assert g.value([0.7]) == pytest.approx(nested_sin_value(0.7, 500), rel=1e-12)
    assert g.value([0.7], backend="numpy") == pytest.approx(nested_sin_value(0.7, 500), rel=1e-12)


def test_compile_deep_horner_polynomial():
    """Regression: an ordinary (evaluated) Horner polynomial of degree 300 made compile() recurse
    through SymPy's ``free_symbols``."""
    try:
        e = sp.Integer(1)
        for i in range(300):
            e = e * x + sp.Rational(1, i + 2)
        compile_into(NodeTable(), [e])  # the iterative compiler itself copes
    except RecursionError:  # SymPy itself, not calcopt: report it as such
        pytest.fail("building the polynomial / compile_into recursed")
    g = calcopt.compile(e)
    v = 1.0
    for i in range(300):
        v = v * 0.9 + 1 / (i + 2)
    assert g.value([0.9]) == pytest.approx(v, rel=1e-12)


def test_compile_moderately_deep_expression():
    """Depth 150: the round trip through SymPy's evaluating constructors works too."""
    depth = 150
    g = calcopt.compile(nested_sin(depth))
    assert len(g) == depth + 1
    expected = nested_sin_value(0.7, depth)
    assert g.value([0.7]) == pytest.approx(expected, rel=1e-12)
    assert g.value([0.7], backend="numpy") == pytest.approx(expected, rel=1e-12)
    assert max_paren_depth(g.source()) <= 2 * codegen.MAX_INLINE_DEPTH + 4


@pytest.mark.parametrize("backend", ["math", "numpy"])
def test_codegen_of_very_deep_table_needs_no_recursion(backend):
    """The iterative compiler plus the generator handle depth 3000 (beyond the recursion limit)."""
    depth = 3000
    assert depth > sys.getrecursionlimit()
    table = NodeTable()
    [out] = compile_into(table, [nested_sin(depth)])
    assert len(table) == depth + 1
    src = codegen.generate(table, [out], [table.symbol(x)], [], backend)
    # single-use nodes are inlined only up to MAX_INLINE_DEPTH, then named
    assert max_paren_depth(src) <= 2 * codegen.MAX_INLINE_DEPTH + 4
    n_temps = len(re.findall(r"^\s+t\d+ = ", src, flags=re.M))
    assert depth // (codegen.MAX_INLINE_DEPTH + 1) <= n_temps <= depth // codegen.MAX_INLINE_DEPTH + 1
    f = codegen.build(src, backend)
    arg = [0.7] if backend == "math" else [np.array([0.7, -0.2])]
    out_val = f(arg, ())
    assert np.allclose(out_val, [nested_sin_value(v, depth) for v in np.atleast_1d(arg[0])],
                       rtol=1e-12, atol=0)


def test_sum_of_5000_terms():
    xs = sp.symbols("x0:5000", real=True)
    coeffs = [i % 7 + 1 for i in range(5000)]
    e = sp.Add(*[c * s**2 for c, s in zip(coeffs, xs)])
    g = calcopt.compile(e)
    assert g.wrt == xs  # x2 before x10, ..., x999 before x1000
    add = g.outputs[0]
    assert g.op(add) == "add" and len(g.args(add)) == 5000
    src = g.source()
    assert "sum((" in src
    pt = np.linspace(-1.0, 1.0, 5000)
    expected = float(np.dot(coeffs, pt**2))
    assert g.value(pt) == pytest.approx(expected, rel=1e-12)
    assert g.value(pt, backend="numpy") == pytest.approx(expected, rel=1e-12)
    batch = g.value(np.stack([pt, -pt, np.zeros(5000)]))
    assert batch.shape == (3,)
    assert np.allclose(batch, [expected, expected, 0.0], rtol=1e-12, atol=0)


def test_sum_of_1000_functions_of_one_variable():
    e = sp.Add(*[sp.sin(i * x) for i in range(1, 1001)])
    g = calcopt.compile(e)
    expected = math.fsum(math.sin(i * 0.3) for i in range(1, 1001))
    for backend in ("math", "numpy"):
        assert g.value([0.3], backend=backend) == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("backend", ["math", "numpy"])
def test_long_products_use_prod(backend):
    xs = sp.symbols("u0:40", real=True)
    g = calcopt.compile(sp.Mul(*xs))
    assert "_prod((" in g.source(backend)
    pt = np.linspace(0.5, 1.5, 40)
    assert g.value(pt, backend=backend) == pytest.approx(float(np.prod(pt)), rel=1e-13)


def test_short_sums_and_products_are_infix():
    src = calcopt.compile(x * y * z + x + y).source()
    assert "sum((" not in src and "_prod((" not in src
    assert "(x0*x1*x2)" in src
