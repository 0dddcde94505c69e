"""calcopt.parse: exact results for accepted text, ParseError (never execution) for the rest."""

from __future__ import annotations

import builtins
import dataclasses
import os
import time

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.text.parse import symbol_factory
from calcopt.primitives import BY_NAME, PRIMITIVES
from calcopt.text.reader import Reader
from calcopt.text.vocabulary import FUNCTIONS, Limits, text_functions
from strategies import SYMBOLS, expressions

x, y, z, e, a, b, c = sp.symbols("x y z e a b c", real=True)
parse = calcopt.parse


@pytest.mark.parametrize("text, expected", [
    ("x^2 + 1", x**2 + 1),                     # ^ is power, with the precedence of **
    ("x^2^3", x**8),                           # right-associative like **
    ("-x**2", -(x**2)),                        # unary minus binds looser than **
    ("2**-1", sp.Rational(1, 2)),
    ("0.1 + x", sp.Rational(1, 10) + x),       # decimals are exact
    ("1.5e-3", sp.Rational(3, 2000)),
    ("2E+2", sp.Integer(200)),
    ("1_000", sp.Integer(1000)),
    ("x/y/z", x / (y * z)),
    ("a - b - c", a - b - c),
    ("sqrt(x)", sp.sqrt(x)), ("cbrt(x)", x**sp.Rational(1, 3)),
    ("ln(x) + log(y)", sp.log(x) + sp.log(y)), ("log(x, 2)", sp.log(x) / sp.log(2)),
    ("abs(x) + Abs(y)", sp.Abs(x) + sp.Abs(y)),
    ("max(x, y, 1) - Min(x, 0)", sp.Max(x, y, 1) - sp.Min(x, 0)),
    ("arctan(x) + atan(y)", sp.atan(x) + sp.atan(y)),
    ("Heaviside(x)", sp.Heaviside(x)), ("heaviside(x, 0)", sp.Heaviside(x, 0)),
    ("pi*E", sp.pi * sp.E),
    ("e*x", e * x),                            # e is a plain name; Euler's number is E
    ("exp(1)", sp.E),
    ("(\n x +\t y )", x + y),                  # newlines and tabs are spaces
    ("  x", x),
])
def test_accepted(text, expected):
    assert parse(text) == expected


def test_floats_only_when_asked():
    assert parse("0.1") == sp.Rational(1, 10)
    f = parse("0.1", floats=True)
    assert isinstance(f, sp.Float) and abs(f - sp.Rational(1, 10)) < 1e-15


def test_every_function_primitive_is_callable_by_table_and_sympy_name():
    for p in PRIMITIVES:
        for cls in p.sympy_types:
            if hasattr(cls, "nargs") and issubclass(cls, sp.Expr):
                assert FUNCTIONS[cls.__name__].build is cls
                assert FUNCTIONS[p.name].build is cls
    assert "add" not in FUNCTIONS and "Pow" not in FUNCTIONS and "constant" not in FUNCTIONS


def test_new_table_entries_need_no_parser_edit():
    """A Piecewise primitive (another branch adds one) becomes callable, with (value, cond)
    pairs, from its table entry alone."""
    fake = dataclasses.replace(BY_NAME["max"], name="piecewise", sympy_types=(sp.Piecewise,),
                               to_sympy=sp.Piecewise)
    funcs = text_functions(PRIMITIVES + (fake,))
    text = "Piecewise((x, x < 0), (x**2, True))"
    got = Reader(text, symbol=symbol_factory(), functions=funcs).expr()
    assert got == sp.Piecewise((x, x < 0), (x**2, True))
    # The real table has a piecewise entry now: the same text parses with no parser edit.
    assert parse(text) == sp.Piecewise((parse("x"), parse("x") < 0), (parse("x")**2, True))


def test_assumptions():
    assert parse("x", positive=["x"]) == sp.Symbol("x", positive=True)
    assert parse("y", nonnegative="y") == sp.Symbol("y", nonnegative=True)
    assert parse("x*y", negative=["x"], nonpositive=["y"]).free_symbols == {
        sp.Symbol("x", negative=True), sp.Symbol("y", nonpositive=True)}
    assert parse("t", domain="0 <= t <= 1") == sp.Symbol("t", nonnegative=True)
    assert parse("t", domain="t > 2") == sp.Symbol("t", positive=True)
    assert parse("t", domain="-1 < t < 1") == sp.Symbol("t", real=True)
    assert parse("t") == sp.Symbol("t", real=True)
    assert parse("t", domain={"t": sp.Interval(-3, -1)}) == sp.Symbol("t", negative=True)
    assert parse("t", domain={sp.Symbol("t"): (0, None)}) == sp.Symbol("t", nonnegative=True)
    plain = sp.Symbol("x")
    assert parse("x + 1", symbols=[plain]) == plain + 1
    assert parse("x + 1", symbols={"x": plain}) == plain + 1
    assert parse("sqrt(x**2)", positive=["x"]) == sp.Symbol("x", positive=True)


@pytest.mark.parametrize("kwargs", [
    {"positive": ["x"], "negative": ["x"]},
    {"positive": ["x"], "domain": "x < -1"},
    {"positive": ["sin"]}, {"positive": ["__x"]}, {"positive": [1]},
    {"positive": ["x"], "symbols": [x]}, {"domain": {"x": ("0", 1)}}, {"domain": {"x": 3}},
    {"symbols": ["x"]},
])
def test_bad_assumption_options(kwargs):
    with pytest.raises(calcopt.OptionError):
        symbol_factory(**kwargs)


HOSTILE = [
    "__import__('os').system('touch SENTINEL')",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 1", "(lambda: 1)()", "[x for x in y]", "{x for x in y}", "(x for x in y)",
    "{x: 1}", "[x]", "{x}", "x.y", "x[0]", "x[1:2]", "'abc'", "b'abc'", "f'{x}'", "f(x=1)",
    "sin(x=1)", "9**9**9", "10**10**10", "2**(10**7)", "(" * 5000 + "x" + ")" * 5000,
    "x" * 1_000_000, "x if y else z", "x; y", "x = 1", "x += 1", "exec('1')", "eval('1')",
    "open('/etc/passwd')", "compile('1', 'f', 'eval')", "globals()", "getattr(x, 'y')",
    "(x := 1)", "...", "*x", "sin(*x)", "max(**x)", "@d\ndef f(): pass", "import os",
    "x and y", "not x", "~x", "x % 2", "x // 2", "x @ y", "x << 1", "x | y", "x & y",
    "x < 1", "True", "None", "1j", "x, y", "await x", "yield x", "__builtins__",
    "_x", "sin", "I", "oo", "nan", "1/0", "log(0)", "sqrt(-1)", "asin(2)", "x**(1/0)",
    "1" * 500, "1e99999999", "-" * 9000 + "x", "x**" * 3000 + "x", "+" * 9990 + "x",
    "\x00", "x\u0301", "\u2028", "", "   ", "sin(x)(y)", "Max()", "sin(x, y)",
    "exp(exp(10**30))", "Max(exp(exp(10**30)), exp(exp(10**30 + 1)))", "(10**99)**(10**5)",
    "(10**200)**(1/3)", "x.__class__.__mro__", "type(x)", "print(x)",
    "[].__class__", "x(1)", "Symbol('x')", "sympify('x')", "S('x')",
    "tanh(" * 200 + "x" + ")" * 200,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:30]))
def test_hostile_text_is_rejected_without_running_anything(text, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)

    def forbidden(*args, **kwargs):
        raise AssertionError("parse executed code")

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        import ast
        assert flags & ast.PyCF_ONLY_AST, "compile() used for something other than ast.parse"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    for name in ("eval", "exec", "open"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(os, "system", forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)
    start = time.perf_counter()
    with pytest.raises(calcopt.ParseError) as info:
        parse(text)
    elapsed = time.perf_counter() - start
    err = info.value
    assert isinstance(err, calcopt.CalcoptError) and isinstance(err, ValueError)
    assert err.column is not None and str(err).startswith(f"column {err.column}: ")
    assert "accepted:" in str(err)
    assert not (tmp_path / "SENTINEL").exists()
    assert elapsed < 10, f"rejecting {text[:30]!r} took {elapsed:.1f} s"  # a hang, not a timing


def test_accepted_text_needs_no_eval_either(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("parse executed code")

    for name in ("eval", "exec"):
        monkeypatch.setattr(builtins, name, forbidden)
    monkeypatch.setattr(sp, "sympify", forbidden)
    import sympy.parsing.sympy_parser as sympy_parser
    monkeypatch.setattr(sympy_parser, "parse_expr", forbidden)
    assert parse("sin(x)^2 + 0.5*Max(x, y)") == sp.sin(x)**2 + sp.Max(x, y) / 2


def test_many_arguments_are_built_unevaluated_with_the_same_value():
    names = sp.symbols("a0:12", real=True)
    text = "Max(" + ", ".join(map(str, names)) + ", Max(a0, 3))"
    got = parse(text)
    assert isinstance(got, sp.Max) and got.free_symbols == set(names)
    point = {s: sp.Rational(i, 3) for i, s in enumerate(names)}
    assert got.subs(point) == sp.Max(*names, 3).subs(point) == sp.Rational(11, 3)
    g = calcopt.compile(got, wrt=names)
    assert g.value([float(point[s]) for s in names]) == pytest.approx(11 / 3)
    assert parse("Max(x, y, 1, 2)") == sp.Max(x, y, 2)  # few arguments: SymPy simplifies


def test_enough_hostile_strings():
    assert len(set(HOSTILE)) >= 30


@pytest.mark.parametrize("text, column, reason", [
    ("x + y.z", 6, "attribute access"),
    ("x + a[0]", 6, "subscripts"),
    ("1 + 2 % x", 7, "operator '%'"),
    ("x + foo(1)", 5, "unknown function 'foo'"),
    ("sin(x, y=1)", 10, "keyword arguments"),
    ("x ^^ 2", 4, "invalid syntax"),
    ("x + 'a'", 5, "strings"),
    ("2 + 9**9**9", 6, "exponent 387420489"),
    ("x + \u00e9", 5, "ASCII only"),
    ("x + sin", 5, "'sin' is a function"),
    ("x + __import__", 5, "reserved"),
])
def test_column_and_reason(text, column, reason):
    with pytest.raises(calcopt.ParseError) as info:
        parse(text)
    assert info.value.column == column and reason in info.value.reason


def test_nested_functions_of_real_names_are_fast():
    """SymPy needs exponential time for tanh(tanh(...(x))) when x has no assumptions; parse's
    names are real.  (A hang here would be a failure, not a timing measurement.)"""
    for f in ("tanh", "sinh", "cosh", "Abs", "atan", "log", "sqrt"):
        got = parse(f"{f}(" * 60 + "x" + ")" * 60)
        assert got.free_symbols == {x}


def test_limits_are_options():
    with pytest.raises(calcopt.ParseError, match="longer than 5 characters"):
        parse("x + y + z", limits=Limits(length=5))
    assert parse("x**2000000", limits=Limits(exponent=10**7)) == x**2000000
    deep = "(" * 150 + "x" + ")" * 150
    with pytest.raises(calcopt.ParseError, match="deeper than 100"):
        parse(deep)
    assert parse("+".join(["x"] * 2000)) == 2000 * x  # long flat sums are not deep


def test_non_string_input():
    with pytest.raises(calcopt.InvalidInputError):
        parse(3)


# --- domains, boxes, points -------------------------------------------------------------------

def test_parse_domain():
    d = calcopt.parse_domain("x > 0, y >= 0, 0 <= w <= 1, 2 > v, u in [-1, 2], s in (0, oo)")
    assert d == {"x": sp.Interval.open(0, sp.oo), "y": sp.Interval(0, sp.oo),
                 "w": sp.Interval(0, 1), "v": sp.Interval.open(-sp.oo, 2),
                 "u": sp.Interval(-1, 2), "s": sp.Interval.open(0, sp.oo)}
    assert calcopt.parse_domain("x in [-oo, oo]") == {"x": sp.S.Reals}
    assert calcopt.parse_domain("t < pi/2, t >= -1.5") == {
        "t": sp.Interval.Ropen(sp.Rational(-3, 2), sp.pi / 2)}


@pytest.mark.parametrize("text, reason", [
    ("x > 0, x < -1", "no value"), ("x > y", "exactly one name"), ("x", "condition"),
    ("x == 1", "<, <=, >, >="), ("x in [2, 1]", "lower bound"), ("0 < 1 < x", "involve"),
    ("sin > 0", "function"), ("x > oo - oo", "a bound must be"), ("x > sin(oo)", "a bound"),
    ("x > __import__('os')", "unknown function"), ("__x > 0", "reserved"),
    ("x in [0, 1, 2]", "in [a"),
])
def test_parse_domain_errors(text, reason):
    with pytest.raises(calcopt.ParseError, match=reason.replace("[", r"\[")):
        calcopt.parse_domain(text)


def test_parse_box_and_point():
    assert calcopt.parse_box("x=-2:2, y=-1:3") == {"x": (-2, 2), "y": (-1, 3)}
    assert calcopt.parse_box("t = 0 : pi/2") == {"t": (0, sp.pi / 2)}
    assert calcopt.parse_point("1,2") == (1, 2)
    assert calcopt.parse_point("0.5, -1/3, sqrt(2)") == (sp.Rational(1, 2), sp.Rational(-1, 3),
                                                          sp.sqrt(2))
    assert calcopt.parse_point("x=1, y=2") == {"x": 1, "y": 2}


@pytest.mark.parametrize("func, text, column, reason", [
    (calcopt.parse_box, "x=0:1, y=2:1", 8, "lower bound"),
    (calcopt.parse_box, "x=0:1, y=0", 8, "name=lo:hi"),
    (calcopt.parse_box, "x=0:oo", 5, "infinity"),
    (calcopt.parse_box, "x=0:1, x=0:2", 8, "twice"),
    (calcopt.parse_point, "1, x", 4, "a number is expected"),
    (calcopt.parse_point, "x=1, 2", 1, "either all"),
    (calcopt.parse_point, "1,,2", 3, "empty entry"),
    (calcopt.parse_point, "1, 2.x", 5, "invalid syntax"),
    (calcopt.parse_point, "sin=1", 1, "function"),
])
def test_box_and_point_errors(func, text, column, reason):
    with pytest.raises(calcopt.ParseError) as info:
        func(text)
    assert info.value.column == column and reason in info.value.reason


# --- properties -------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(expressions())
def test_sympy_str_round_trips(expr):
    # Constants beyond the documented magnitude limit (exp(exp(6)) ~ e**403) are refused on
    # purpose; every other printed expression must come back equal.
    big = [c for c in expr.atoms(sp.Function, sp.Pow) if c.is_number and abs(c.evalf(15)) > 1e100]
    assume(not big)
    back = parse(str(expr))  # SYMBOLS are real, as parse's names are
    # equal, or equal up to SymPy's automatic evaluation of the re-read text (str prints
    # -(x + y)*sin(1), which SymPy evaluates to (-x - y)*sin(1) when it is built again)
    assert back == expr or sp.expand(back - expr) == 0


JUNK = st.one_of(st.text(alphabet="xy01.e^*/+-() ,_[]'=<:sinqrtlogmaxE9", max_size=40),
                 st.text(max_size=30))


@settings(max_examples=300, deadline=None)
@given(JUNK)
def test_junk_parses_or_raises_parse_error(text):
    for func in (parse, calcopt.parse_point, calcopt.parse_box, calcopt.parse_domain):
        try:
            func(text)
        except calcopt.ParseError:
            pass
