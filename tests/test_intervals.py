"""Rigorous interval extensions (calcopt.interval.arith, the ``interval`` field of every
primitive), node enclosures, the interval Hessian and its eigenvalue bounds.

The reference values are computed by mpmath at 60 digits at exact float points, so an
enclosure that misses a value by one ulp fails."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from sympy.core.evalf import PrecisionExhausted
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import calcopt
from calcopt.interval import powers as ip
from calcopt.interval import arith as ia
from calcopt.analysis.intervals import (eigenvalue_bounds, enclosures, hessian_enclosure,
                                        node_enclosures)
from calcopt.primitives import PRIMITIVES
from strategies import SYMBOLS, expressions

mp = mpmath.mp
mp.dps = 60
INF = math.inf
SETTINGS = settings(max_examples=40, deadline=None)

# --- reference values: name -> (argument count, exact value at mpf arguments or None where
# undefined).  Conditions are 1/0; piecewise args are (v1, c1, otherwise).


def _real(f):
    def value(*a):
        try:
            v = f(*a)
        except (ValueError, ZeroDivisionError):
            return None
        return v if isinstance(v, mpmath.mpf) and mpmath.isfinite(v) else None
    return value


def _pow(b, e):
    if b == 0:
        return None if e < 0 else (mpmath.mpf(1) if e == 0 else mpmath.mpf(0))
    if b < 0 and e != int(e):
        return None
    return b ** (int(e) if e == int(e) else e)


def _tan(a):
    return None if abs(mpmath.cos(a)) < mpmath.mpf(10) ** -50 else mpmath.tan(a)


REFERENCE = {
    "add": (3, lambda *a: sum(a)),
    "mul": (3, lambda *a: mpmath.fprod(a)),
    "pow": (2, _real(_pow)),
    "exp": (1, mpmath.exp),
    "log": (1, _real(lambda a: mpmath.log(a) if a > 0 else None)),
    "sin": (1, mpmath.sin), "cos": (1, mpmath.cos), "tan": (1, _tan),
    "sinh": (1, mpmath.sinh), "cosh": (1, mpmath.cosh), "tanh": (1, mpmath.tanh),
    "asin": (1, _real(lambda a: mpmath.asin(a) if -1 <= a <= 1 else None)),
    "acos": (1, _real(lambda a: mpmath.acos(a) if -1 <= a <= 1 else None)),
    "atan": (1, mpmath.atan),
    "abs": (1, abs),
    "sign": (1, lambda a: mpmath.mpf(mpmath.sign(a))),
    "heaviside": (2, lambda a, h: mpmath.mpf(1) if a > 0 else (mpmath.mpf(0) if a < 0 else h)),
    "max": (3, max), "min": (3, min),
    "lt": (2, lambda a, b: mpmath.mpf(a < b)), "le": (2, lambda a, b: mpmath.mpf(a <= b)),
    "gt": (2, lambda a, b: mpmath.mpf(a > b)), "ge": (2, lambda a, b: mpmath.mpf(a >= b)),
    "eq": (2, lambda a, b: mpmath.mpf(a == b)), "ne": (2, lambda a, b: mpmath.mpf(a != b)),
    "and": (2, lambda a, b: mpmath.mpf(bool(a) and bool(b))),
    "or": (2, lambda a, b: mpmath.mpf(bool(a) or bool(b))),
    "not": (1, lambda a: mpmath.mpf(not a)),
    "piecewise": (3, lambda v, c, w: v if c else w),
    "linear_form": (4, lambda u1, u2, v1, v2: u1*v1 + u2*v2),   # args u_1..u_k, v_1..v_k
}
BOOLEAN_ARGS = {"and": (0, 1), "or": (0, 1), "not": (0,), "piecewise": (1,)}


def test_every_primitive_has_a_reference():
    ops = {p.name for p in PRIMITIVES if p.arity != 0}
    assert ops == set(REFERENCE), "a new primitive needs a reference value in this test"


# --- random boxes, possibly unbounded, and points inside them --------------------------------

ENDS = st.one_of(st.floats(-30, 30, allow_nan=False), st.sampled_from([-1.0, 0.0, 1.0, 2.0]),
                 st.sampled_from([-INF, INF]))


@st.composite
def boxes(draw):
    a, b = draw(ENDS), draw(ENDS)
    lo, hi = min(a, b), max(a, b)
    assume(lo < INF and hi > -INF)
    return ia.Interval(lo, hi)


@st.composite
def truth_boxes(draw):
    return draw(st.sampled_from([ia.ZERO, ia.ONE, ia.BOOL]))


def _inside(draw, box: ia.Interval) -> float:
    lo = box.lo if box.lo > -INF else -1e6
    hi = box.hi if box.hi < INF else 1e6
    lo, hi = min(lo, hi), max(lo, hi)
    if box.lo == -INF and box.hi < INF:
        lo = min(box.hi - 1e6, box.hi)
        hi = box.hi
    if box.hi == INF and box.lo > -INF:
        lo, hi = box.lo, box.lo + 1e6
    choice = draw(st.sampled_from(["lo", "hi", "any"]))
    if choice == "lo" and box.lo > -INF:
        return box.lo
    if choice == "hi" and box.hi < INF:
        return box.hi
    return draw(st.floats(lo, hi, allow_nan=False, allow_infinity=False))


def _check_op(name: str, arg_boxes, points, consts=None):
    prim = next(p for p in PRIMITIVES if p.name == name)
    consts = consts or [None] * len(arg_boxes)
    enc = prim.interval(arg_boxes, consts)
    assert enc.lo <= enc.hi, (name, arg_boxes, enc)
    value = REFERENCE[name][1](*[mpmath.mpf(p) for p in points])
    if value is None:
        assert prim.undefined(arg_boxes, consts), (name, arg_boxes, points)
        return
    v = mpmath.mpf(value)
    assert enc.lo <= v <= enc.hi, (name, arg_boxes, points, enc, v)
    if v == 0:  # open endpoints claim strict signs (other values can round to an endpoint)
        assert not (enc.lo == 0 and enc.lo_open) and not (enc.hi == 0 and enc.hi_open), \
            (name, arg_boxes, points, enc)


@pytest.mark.parametrize("name", sorted(set(REFERENCE) - {"pow"}))
@SETTINGS
@given(data=st.data())
def test_interval_extension_contains_sampled_values(name, data):
    k = REFERENCE[name][0]
    flags = BOOLEAN_ARGS.get(name, ())
    arg_boxes = [data.draw(truth_boxes() if i in flags else boxes()) for i in range(k)]
    points = []
    for i, b in enumerate(arg_boxes):
        truths = [v for v in (0.0, 1.0) if b.lo <= v <= b.hi]
        points.append(data.draw(st.sampled_from(truths)) if i in flags else _inside(data.draw, b))
    _check_op(name, arg_boxes, points)


EXPONENTS = [sp.Integer(k) for k in (-3, -2, -1, 2, 3, 4, 5)] + [
    sp.Rational(1, 2), sp.Rational(3, 2), sp.Rational(-1, 2), sp.Rational(1, 3),
    sp.Rational(5, 2), sp.Float(2.0), sp.Float(0.7), sp.pi]


@SETTINGS
@given(data=st.data(), e=st.sampled_from(EXPONENTS))
def test_pow_constant_exponent(data, e):
    """Exact exponents (integers, integer-valued floats, rationals, pi) against mpmath."""
    base = data.draw(boxes())
    x = mpmath.mpf(_inside(data.draw, base))
    prim = next(p for p in PRIMITIVES if p.name == "pow")
    args, consts = [base, ia.from_number(e)], [None, e]
    enc = prim.interval(args, consts)
    integer = ip.integer_valued(e)
    if (x < 0 and not integer) or (x == 0 and e < 0):
        assert prim.undefined(args, consts), (base, x, e)
        return
    if x == 0:
        v = mpmath.mpf(0)
    else:
        v = x ** int(e) if integer else x ** mpmath.mpf(sp.N(e, 70))
    assert enc.lo <= v <= enc.hi, (base, x, e, enc, v)
    assert not (v == 0 and enc.lo == 0 and enc.lo_open), (base, x, e, enc)


@SETTINGS
@given(data=st.data())
def test_pow_varying_exponent(data):
    base, expo = data.draw(boxes()), data.draw(boxes())
    x, y = _inside(data.draw, base), _inside(data.draw, expo)
    assume(abs(y) < 50 and (x == 0 or abs(y * math.log(abs(x))) < 600))
    _check_op("pow", [base, expo], [x, y])


def test_open_endpoints_give_strict_signs():
    pos = ia.Interval(0.0, INF, True, True)
    assert ia.positive(ia.exp(ia.WHOLE)) and ia.positive(ia.mul(pos, pos))
    assert ia.positive(ip.pow_const(pos, sp.Integer(-1)))
    assert ia.positive(ia.add(pos, ia.exp(ia.Interval(-INF, 0.0))))
    assert not ia.positive(ia.abs_(ia.Interval(0.0, 1.0)))      # |0| = 0 is a value
    assert not ia.positive(ia.cosh(ia.Interval(0.0, 1.0))) or ia.cosh(ia.Interval(0.0, 1.0)).lo > 0
    assert not ia.positive(ip.pow_const(ia.Interval(0.0, 1.0), sp.Integer(2)))


def test_tan_pole_and_sin_extrema():
    assert ia.tan(ia.Interval(1.0, 2.0)) == ia.WHOLE and ia.tan_has_pole(ia.Interval(1.0, 2.0))
    t = ia.tan(ia.Interval(-1.0, 1.0))
    assert t.lo < -1.5574077 < 1.5574077 < t.hi < 1.5575
    assert ia.sin(ia.Interval(1.0, 2.0)).hi == 1.0                  # pi/2 inside
    assert ia.cos(ia.Interval(0.5, 3.0)).lo > -1                   # pi not inside


# --- whole graphs ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(e=expressions(max_depth=3), data=st.data())
def test_graph_enclosure_contains_values(e, data):
    g = calcopt.compile(e, wrt=SYMBOLS)
    box = [data.draw(boxes()) for _ in SYMBOLS]
    enc = node_enclosures(g, dict(zip(SYMBOLS, box)))[g.outputs[0]]
    for _ in range(3):
        pt = [_inside(data.draw, b) for b in box]
        try:
            # strict: correct digits or an error; without it, cancellation (cos(y) - 1 at
            # y ~ 1e-99) silently gives a reference value of the wrong sign.
            # subs= evaluates numerically: xreplace would rebuild the expression, and SymPy
            # can spend minutes deciding Max/Min of exact values with huge exponents.
            v = sp.N(e, 50, subs={s: sp.Rational(p) for s, p in zip(SYMBOLS, pt)},
                     strict=True)
        except (OverflowError, ValueError, PrecisionExhausted):
            continue
        if not (v.is_real and v.is_finite):
            continue
        assert enc.lo <= mpmath.mpf(v) <= enc.hi, (e, box, pt, enc, v)


def test_enclosures_of_positive_symbols_and_undefinedness():
    x = sp.Symbol("x", positive=True)
    y = sp.Symbol("y")
    enc = enclosures(calcopt.compile(sp.log(x) + 1 / x))
    assert not any(e.maybe_undefined for e in enc)
    enc = enclosures(calcopt.compile(sp.log(y)), {y: (-1, 1)})
    assert enc[-1].maybe_undefined and enc[-1].hi == 0.0
    assert not enclosures(calcopt.compile(sp.log(y)), {y: (1, 2)})[-1].maybe_undefined
    assert enclosures(calcopt.compile(sp.asin(y)), {y: (0, 2)})[-1].maybe_undefined
    assert enclosures(calcopt.compile(sp.sqrt(y)), {y: (-1, 2)})[-1].maybe_undefined


# --- interval Hessian and eigenvalue bounds ----------------------------------------------------

x, y, z = sp.symbols("x y z")
HESSIAN_CASES = [
    ((1 - x)**2 + 100 * (y - x**2)**2, {x: (-1, 1), y: (-1, 2)}),
    (sp.exp(x * y) + sp.sin(x + z) + z**4, {x: (-1, 1), y: (0, 1), z: (-2, 2)}),
    (sp.log(1 + x**2 + y**2) + x * y, {x: (-3, 3), y: (-1, 0.5)}),
    (x**2 / y + sp.sqrt(1 + x**2), {x: (-1, 1), y: (sp.Rational(1, 2), 2)}),
    (sp.cosh(x - y) * sp.atan(x), {x: (0, 2), y: (-1, 1)}),
]


@pytest.mark.parametrize("expr,box", HESSIAN_CASES)
def test_eigenvalue_bounds_enclose_sampled_eigenvalues(expr, box):
    g = calcopt.compile(expr)
    b = eigenvalue_bounds(g, box)
    assert isinstance(b.lower, sp.Rational) and isinstance(b.upper, sp.Rational)
    lo, hi = hessian_enclosure(g, box)
    rng = np.random.default_rng(0)
    bounds = [tuple(float(v) for v in box[s]) for s in g.wrt]
    pts = [[rng.uniform(a, c) for a, c in bounds] for _ in range(150)]
    pts += [[bounds[i][(k >> i) & 1] for i in range(len(bounds))] for k in range(2**len(bounds))]
    for p in pts:
        H = g.hess(p)
        assert np.all(lo <= H + 1e-9 * (1 + abs(H))) and np.all(H - 1e-9 * (1 + abs(H)) <= hi)
        eig = np.linalg.eigvalsh(H)
        assert float(b.lower) <= eig[0] + 1e-9 * (1 + abs(eig[0]))
        assert eig[-1] - 1e-9 * (1 + abs(eig[-1])) <= float(b.upper)


def test_eigenvalue_bounds_exact_for_separable_quadratic_and_unbounded():
    g = calcopt.compile(3 * x**2 + 5 * y**2)
    b = eigenvalue_bounds(g)   # all of R^2: constant Hessian diag(6, 10)
    assert (b.lower, b.upper) == (6, 10)
    b = eigenvalue_bounds(calcopt.compile(x**4 + y**2))   # diag(12 x^2, 2): min 0, no max
    assert b.lower == 0 and b.upper is None and "no finite upper" in b.explanation


def test_eigenvalue_bounds_refuse_kinks_and_undefined_points():
    assert eigenvalue_bounds(calcopt.compile(-sp.Abs(x) + y**2), {x: (-1, 1)}).lower is None
    b = eigenvalue_bounds(calcopt.compile(-sp.Abs(x) + y**2), {x: (1, 2)})
    assert b.lower == 0 and b.upper == 2                  # no kink inside: -|x| = -x there
    b = eigenvalue_bounds(calcopt.compile(sp.sqrt(x)), {x: (0, 1)})
    assert b.lower is None and "twice differentiable" in b.explanation


def test_scaling_improves_gershgorin():
    # Badly scaled coupling: unscaled discs are wide, box-width scaling tightens them.
    g = calcopt.compile(x**2 + 100 * y**2 + x * y / 2 + x**4)
    box = {x: (-10, 10), y: (-sp.Rational(1, 10), sp.Rational(1, 10))}
    b = eigenvalue_bounds(g, box)
    lo, hi = hessian_enclosure(g, box)
    unscaled = min(lo[i, i] - sum(max(abs(lo[i, j]), abs(hi[i, j])) for j in range(2) if j != i)
                   for i in range(2))
    assert float(b.lower) >= unscaled and b.lower > 0


def test_a_primitive_without_analysis_fields_is_sound_but_undecided():
    from calcopt.primitives.catalog import _function
    cot = _function("cot", sp.cot, "_cot", "_np_cot", lambda b, n, a: n)
    box, none = [ia.Interval(1.0, 2.0)], [None]
    assert cot.interval(box, none) == ia.WHOLE and cot.undefined(box, none)
    assert cot.curvature(box, none) is None and cot.monotonicity(box, none) == [None]
    assert not cot.smooth(box, none)


@settings(max_examples=25, deadline=None)
@given(e=expressions(max_depth=3), data=st.data())
def test_random_eigenvalue_bounds_enclose_sampled_eigenvalues(e, data):
    g = calcopt.compile(e, wrt=SYMBOLS)
    ends = st.sampled_from([-2, -1, 0, sp.Rational(1, 2), 1, 3])
    box = {}
    for s in SYMBOLS:
        a, c = data.draw(ends), data.draw(ends)
        assume(a != c)
        box[s] = (min(a, c), max(a, c))
    b = eigenvalue_bounds(g, box)
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(float(lo), float(hi), 40) for lo, hi in box.values()])
    for p in pts:
        with np.errstate(all="ignore"):
            H = g.hess(list(p))
        if not np.all(np.isfinite(H)):
            continue
        eig = np.linalg.eigvalsh(H)
        tol = 1e-9 * (1 + np.abs(eig).max())
        assert b.lower is None or float(b.lower) <= eig[0] + tol, (e, box, p, b)
        assert b.upper is None or eig[-1] - tol <= float(b.upper), (e, box, p, b)
