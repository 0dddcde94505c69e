"""Every deliberate error: the specific class, its message, and that it is a CalcoptError
(and the matching built-in ValueError / TypeError)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import numpy as np
import pytest
import sympy as sp

import calcopt
from calcopt import (CalcoptError, ComplexValueError, DataError, InvalidInputError, PointError,
                     RelationalError, SymbolError, UnevaluatedError, UnsupportedOperationError)

x, y, z = sp.symbols("x y z", real=True)
a, b = sp.symbols("a b", real=True)
k = sp.Symbol("k", integer=True)


@contextmanager
def raises(cls, match, builtin=ValueError):
    """``pytest.raises(cls, match=match)`` that also checks, on exit, that the error is exactly
    ``cls`` (not merely a subclass or base), a CalcoptError, and the matching built-in."""
    with pytest.raises(cls, match=match) as info:
        yield info
    err = info.value
    assert type(err) is cls, f"expected exactly {cls.__name__}, got {type(err).__name__}"
    assert isinstance(err, CalcoptError)
    assert isinstance(err, builtin)


# --- the hierarchy ------------------------------------------------------------------------------


def test_hierarchy():
    for cls in (InvalidInputError, UnsupportedOperationError, ComplexValueError,
                UnevaluatedError, RelationalError, SymbolError, PointError, DataError,
                calcopt.ShapeError):
        assert issubclass(cls, CalcoptError)
    for cls in (ComplexValueError, UnevaluatedError, RelationalError):
        assert issubclass(cls, UnsupportedOperationError)
    assert issubclass(InvalidInputError, TypeError)
    for cls in (UnsupportedOperationError, SymbolError, PointError, DataError):
        assert issubclass(cls, ValueError)


# --- unsupported operations ------------------------------------------------------------------------

UNSUPPORTED = [
    (sp.gamma(x), "gamma"),
    (sp.cot(x), "cot"),
    (sp.sec(x), "sec"),
    (sp.asinh(x), "asinh"),
    (sp.erf(x), "erf"),
    (sp.floor(x), "floor"),
    (sp.atan2(y, x), "atan2"),
    (sp.Function("f")(x), "f"),
    (sp.ceiling(x), "ceiling"),
    (x + sp.gamma(x * y), "gamma"),  # nested inside supported operations
]


def test_which_operations_are_supported():
    ops = calcopt.supported_operations()
    assert {"add", "mul", "pow", "exp", "log", "sin", "cos", "tan", "sinh", "cosh", "tanh",
            "asin", "acos", "atan", "abs", "sign", "heaviside", "max", "min",
            "lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not", "piecewise"} == set(ops)
    for _, name in UNSUPPORTED:
        assert name.lower() not in ops


@pytest.mark.parametrize("expr, name", UNSUPPORTED, ids=[n for _, n in UNSUPPORTED])
def test_unsupported_operation(expr, name):
    with raises(UnsupportedOperationError, f"unsupported operation '{name}'") as info:
        calcopt.compile(expr)
    msg = str(info.value)
    assert str(expr) in msg  # names the construct in context
    listed = re.search(r"supported operations: (.*?);", msg).group(1).split(", ")
    conditions = re.search(r"Piecewise conditions: (.*?);", msg).group(1).split(", ")
    assert sorted(listed + conditions) == sorted(calcopt.supported_operations())


def test_unsupported_inside_vector_graph():
    with raises(UnsupportedOperationError, "unsupported operation 'gamma'"):
        calcopt.compile([x, sp.gamma(y)])


# --- complex and non-finite constants -------------------------------------------------------------

COMPLEX = [
    (sp.I * x, "constant I"),
    (2 + 3 * sp.I, "constant I"),
    (x + sp.I, "constant I"),
    (sp.I, "constant I"),
    (sp.exp(sp.I * x), "constant I"),
    (sp.oo, "constant oo"),
    (-sp.oo, "constant -oo"),
    (x + sp.oo, "constant oo"),
    (sp.nan, "constant nan"),
    (sp.zoo, "constant zoo"),
    (sp.zoo * x, "constant zoo"),
    (float("inf"), "constant oo"),
    (float("nan"), "constant nan"),
]


@pytest.mark.parametrize("expr, match", COMPLEX, ids=[str(e) for e, _ in COMPLEX])
def test_complex_or_nonfinite_constant(expr, match):
    with raises(ComplexValueError, re.escape(match)) as info:
        calcopt.compile(expr)
    assert "reals" in str(info.value)


@pytest.mark.parametrize("value", [1j, 2 + 3j])
def test_python_complex(value):
    with raises(ComplexValueError, "complex"):
        calcopt.compile(value)
    with raises(ComplexValueError, "complex"):
        calcopt.compile([x, value])


# --- unevaluated constructs -------------------------------------------------------------------------

UNEVALUATED = [
    (sp.Derivative(x**2, x, evaluate=False), "Derivative"),
    (sp.Integral(x, x), "Integral"),
    (sp.Integral(x, (x, 0, y)), "Integral"),
    (y + sp.Integral(x**2, (x, 0, 1)), "Integral"),
    (sp.Sum(x**k, (k, 1, 3)), "Sum"),
    (sp.Product(x + k, (k, 1, 3)), "Product"),
    (sp.Limit(sp.sin(x) / x, x, 0), "Limit"),
]


@pytest.mark.parametrize("expr, name", UNEVALUATED, ids=[str(e) for e, _ in UNEVALUATED])
def test_unevaluated(expr, name):
    with raises(UnevaluatedError, f"unevaluated {name}") as info:
        calcopt.compile(expr)
    assert "doit()" in str(info.value)


def test_evaluated_derivative_compiles():
    assert calcopt.compile(sp.Derivative(x**2, x).doit()).to_sympy() == 2 * x


# --- relations and booleans -------------------------------------------------------------------------

RELATIONAL = [
    (x < y, "x < y"),
    (sp.Eq(x, 1), re.escape("Eq(x, 1)")),
    (sp.Ne(x, 1), re.escape("Ne(x, 1)")),
    (sp.And(x > 0, y > 0), "relation or boolean"),
    (sp.true, "boolean"),
    (sp.false, "boolean"),
    (True, "True is a boolean"),
    (False, "False is a boolean"),
]


@pytest.mark.parametrize("expr, match", RELATIONAL, ids=[repr(e) for e, _ in RELATIONAL])
def test_relational_or_boolean(expr, match):
    with raises(RelationalError, match):
        calcopt.compile(expr)


def test_relation_inside_vector_graph():
    with raises(RelationalError, "x < 1"):
        calcopt.compile([x, x < 1])


# --- invalid input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["x**2", None, object(), [], sp.Matrix([]),
                                 np.array([x, y], dtype=object)],
                         ids=["string", "None", "object", "empty list", "empty Matrix", "ndarray"])
def test_invalid_input(bad):
    match = "not a string" if isinstance(bad, str) else "cannot compile|empty sequence|empty Matrix"
    with raises(InvalidInputError, match, builtin=TypeError):
        calcopt.compile(bad)


@pytest.mark.parametrize("kw, match", [
    ({"wrt": "x"}, "not the string 'x'"),
    ({"wrt": [x**2]}, "must contain SymPy Symbols"),
    ({"params": ["a"]}, "must contain SymPy Symbols"),
])
def test_invalid_wrt_params(kw, match):
    with raises(InvalidInputError, match, builtin=TypeError):
        calcopt.compile(x, **kw)


# --- symbols --------------------------------------------------------------------------------------------


def test_symbol_in_both_wrt_and_params():
    with raises(SymbolError, r"\['a'\] listed in both wrt and params"):
        calcopt.compile(x * a, wrt=[x, a], params=[a])


def test_unbound_free_symbol():
    with raises(SymbolError, r"free symbols \['y'\] are neither in wrt nor in params"):
        calcopt.compile(x * y, wrt=[x])
    with raises(SymbolError, r"\['b'\]"):
        calcopt.compile(x * a + b, wrt=[x], params=[a])


def test_duplicate_in_wrt_or_params():
    with raises(SymbolError, r"wrt lists \['x'\] more than once"):
        calcopt.compile(x + y, wrt=[x, y, x])
    with raises(SymbolError, r"params lists \['a'\] more than once"):
        calcopt.compile(x + a, params=[a, a])


# --- points -----------------------------------------------------------------------------------------------

G2 = calcopt.compile(x * y + 1)


@pytest.mark.parametrize("point, match", [
    ([1.0], r"point has 1 entries .* 2 variables \['x', 'y'\]"),
    ([1.0, 2.0, 3.0], "point has 3 entries"),
    (np.ones((4, 3)), r"point has 3 entries \(shape \(4, 3\)\)"),
    (5.0, "single number but there are 2 variables"),
    ({"x": 1.0, "y": 2.0, "z": 3.0}, r"unknown keys \['z'\]"),
    ({x: 1.0, "q": 2.0, y: 1.0}, r"unknown keys \['q'\]"),
    ({"x": 1.0}, r"missing values for \['y'\]"),
    ({}, r"missing values for \['x', 'y'\]"),
    (["1", "2"], "must be real numbers"),
    ([1.0, "a"], "must be real numbers"),
    ({"x": "a", "y": 2.0}, "must be real numbers"),
    ([1 + 2j, 2.0], "must be real numbers"),
    ([sp.I, 1], "non-numeric entries"),
    ([[1.0, 2.0], [3.0]], "not a numeric array"),
])
@pytest.mark.parametrize("backend", ["auto", "math", "numpy"])
def test_bad_points(point, match, backend):
    with raises(PointError, match):
        G2.value(point, backend=backend)


@pytest.mark.parametrize("point", [[None, 2.0], {"x": None, "y": 2.0}, [1.0, [2.0]]],
                         ids=["None", "None in dict", "nested"])
def test_none_in_point_is_rejected(point):
    """Regression: None was silently converted to nan instead of being rejected."""
    with raises(PointError, "non-numeric|not a numeric array"):
        G2.value(point)


def test_exact_numbers_are_accepted_in_points():
    assert G2.value([sp.Integer(2), sp.Rational(1, 2)]) == 2.0
    from fractions import Fraction
    assert G2.value([Fraction(1, 2), 4]) == 3.0


def test_math_backend_rejects_batches():
    with raises(PointError, "'math' back end evaluates one point"):
        G2.value(np.ones((3, 2)), backend="math")


def test_math_backend_rejects_data():
    g = calcopt.compile(x * a, params=[a])
    with raises(PointError, "'math' back end evaluates one point without data"):
        g.value([1.0], data={a: [1.0, 2.0]}, backend="math")


@pytest.mark.parametrize("backend", ["fortran", "Math", ""])
def test_unknown_backend(backend):
    with pytest.raises(calcopt.OptionError, match="unknown back end"):
        G2.value([1.0, 2.0], backend=backend)
    with pytest.raises(calcopt.OptionError, match="unknown back end"):
        G2.value(np.ones((2, 2)), backend=backend)


# --- data --------------------------------------------------------------------------------------------------

GD = calcopt.compile((x - a)**2 + b, params=[a, b])


@pytest.mark.parametrize("data, match", [
    (None, r"missing data for params \['a', 'b'\]"),
    ({a: [1.0, 2.0]}, r"missing data for params \['b'\]"),
    ({"b": [1.0, 2.0]}, r"missing data for params \['a'\]"),
    ({a: [1.0], b: [1.0], "c": [1.0]}, r"unknown keys \['c'\]"),
    ({a: [1.0], b: [1.0], x: [1.0]}, r"unknown keys \[x\]"),
    ({a: [1.0, 2.0], b: [1.0, 2.0, 3.0]}, "unequal lengths"),
    ({a: [], b: []}, r"no samples \(N = 0\)"),
    (np.zeros((0, 2)), r"no samples \(N = 0\)"),
    (np.zeros((3, 3)), r"shape \(N, 2\)"),
    (np.zeros(3), r"shape \(N, 2\)"),
    ({a: [[1.0, 2.0]], b: [[1.0, 2.0]]}, "1-D array of samples"),
    ({a: ["u", "v"], b: [1.0, 2.0]}, "must be real numbers"),
    ({a: [1j, 2.0], b: [1.0, 2.0]}, "must be real numbers"),
    # regression: non-finite samples made the mean nan without a word
    ({a: [0.0, 1.0, 2.0, np.nan], b: [1.0] * 4},
     r"^data\[a\] has a non-finite value nan at sample 3; every sample must be a finite number$"),
    ({a: [1.0, 2.0], b: np.array([1.0, -np.inf])},
     r"data\[b\] has a non-finite value -inf at sample 1"),
    (np.array([[1.0, 1.0], [np.inf, np.nan]]), r"data\[a\] has a non-finite value inf at sample 1"),
    ({a: [sp.Integer(1), sp.Float(2)], b: [1.0, float("nan")]}, r"data\[b\].*nan at sample 1"),
])
def test_bad_data(data, match):
    with raises(DataError, match):
        GD.value([1.0], data=data)


def test_nonfinite_data_is_refused_by_every_consumer():
    # the runs and analyses reach the data through calcopt.data.points.as_data: the same DataError
    bad = {a: [1.0, 2.0, np.nan], b: [0.0, 0.0, 0.0]}
    for call in (lambda: GD.grad([1.0], data=bad), lambda: GD.hess([1.0], data=bad),
                 lambda: calcopt.gd(GD, [0.0], step=0.1, data=bad),
                 lambda: calcopt.sgd(GD, [0.0], bad, batch_size=1, step=0.1),
                 lambda: calcopt.minibatch_variance(GD, bad, [0.0], [1]),
                 lambda: calcopt.predict(GD, data=bad, x0=[0.0])):
        with raises(DataError, r"data\[a\] has a non-finite value nan at sample 2"):
            call()


def test_finite_data_outside_the_domain_is_still_ieee_nan():
    # not bad data: log of a negative sample is the objective's nan (docs/evaluation.md)
    g = calcopt.compile(sp.log(a) * x, params=[a])
    assert np.isnan(g.value([1.0], data={a: [1.0, -1.0]}))


def test_bad_data_with_batch_of_points():
    with raises(DataError, "unequal lengths"):
        GD.value(np.ones((4, 1)), data={a: [1.0, 2.0], b: [1.0]})


@pytest.mark.parametrize("data", [{a: [1.0]}, {"a": [1.0, 2.0]}, np.ones((2, 1))],
                         ids=["symbol key", "name key", "array"])
def test_data_for_graph_without_params(data):
    with raises(DataError, "graph has no params"):
        calcopt.compile(x**2).value([1.0], data=data)


@pytest.mark.parametrize("data", [5.0, np.float64(2.0), np.array(1.0)],
                         ids=["float", "numpy scalar", "0-d array"])
def test_scalar_data_for_graph_without_params(data):
    """Regression: a scalar data= for a graph without params raised a bare TypeError."""
    with raises(DataError, "no params"):
        calcopt.compile(x**2).value([1.0], data=data)


def test_empty_mapping_is_no_data():
    assert calcopt.compile(x**2).value([3.0], data={}) == 9.0


# --- messages ------------------------------------------------------------------------------------------------


def test_messages_name_the_variables():
    g = calcopt.compile(x + y + z)
    with raises(PointError, r"\['x', 'y', 'z'\]"):
        g.value([1.0, 2.0])
