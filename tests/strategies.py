"""Hypothesis strategies for random SymPy expressions over calcopt's primitives.

Public API
----------
``X, Y, Z``
    The real symbols the expressions are built from (``sympy.symbols("x y z", real=True)``).
``SYMBOLS``
    ``(X, Y, Z)``: pass it as ``wrt`` so every generated expression has the same variables,
    whether or not it uses all three.
``expressions(max_depth=4)``
    A strategy of small SymPy expression trees (evaluated SymPy, i.e. in SymPy's canonical
    form) built from ``Add``, ``Mul``, ``Pow`` with small integer / rational exponents,
    ``exp``, ``log``, ``sin``, ``cos``, ``tanh``, ``atan``, ``sqrt``, ``Abs``, ``Max``,
    ``Min`` and small rational constants.
``canonical(e)``
    ``e`` rebuilt bottom-up with SymPy's evaluating constructors; every expression the
    strategy generates satisfies ``canonical(e) == e``.
``points(lo=-1.5, hi=1.5)``
    A strategy of points ``[x, y, z]`` (finite Python floats in ``[lo, hi]``), aligned with
    ``SYMBOLS``.
``rounding_sensitivity(e, point)``
    How strongly rounding errors are amplified when ``e`` is evaluated at ``point``: use it
    to widen a float tolerance at ill-conditioned points (``sin(exp(exp(3*x)))`` at
    ``x = 1``), which random trees do produce.

Every generated expression is real-valued at every real point: fractional and negative
powers and ``log`` are only applied to positive-definite arguments (``1 + u**2``,
``1 + exp(u)``), so the only way to leave the finite floats is overflow of nested ``exp``;
callers should ``hypothesis.assume`` a finite reference value.

Example
-------
>>> from hypothesis import given, settings
>>> import calcopt
>>> from strategies import expressions, points, SYMBOLS
>>> @settings(max_examples=5, deadline=None)
... @given(expressions(), points())
... def check(e, p):
...     assert calcopt.compile(e, wrt=SYMBOLS).to_sympy() == e
>>> check()
"""

from __future__ import annotations

import mpmath
import sympy as sp
from hypothesis import strategies as st

__all__ = ["X", "Y", "Z", "SYMBOLS", "expressions", "points", "constants", "canonical",
           "rounding_sensitivity"]

X, Y, Z = sp.symbols("x y z", real=True)
SYMBOLS = (X, Y, Z)

# Exponents allowed on any base (integers) and on positive-definite bases only.
_INT_EXPONENTS = (2, 3, 4)
_POS_EXPONENTS = (sp.Integer(-1), sp.Integer(-2), sp.Rational(1, 2), sp.Rational(1, 3),
                  sp.Rational(3, 2), sp.Rational(-1, 2), sp.Rational(2, 3))


def constants() -> st.SearchStrategy:
    """Small exact rational constants p/q with |p| <= 5, 1 <= q <= 4."""
    return st.builds(sp.Rational, st.integers(-5, 5), st.integers(1, 4))


def _positive(u: sp.Expr) -> sp.Expr:
    """A positive-definite expression built from ``u``."""
    return 1 + u**2


# One entry per kind of node: (number of subexpressions, extra strategy or None, builder).
# The builder gets the subexpressions and the drawn extra value.
_NODES: dict[str, tuple[int, st.SearchStrategy | None, object]] = {
    # n-ary arithmetic
    "add": (2, None, lambda u, _: u[0] + u[1]),
    "add3": (3, None, lambda u, _: u[0] + u[1] + u[2]),
    "mul": (2, None, lambda u, _: u[0] * u[1]),
    "scale": (1, constants(), lambda u, c: c * u[0]),
    "sub": (2, None, lambda u, _: u[0] - u[1]),
    # powers: integer exponents on anything, others on positive-definite bases only
    "pow": (1, st.sampled_from(_INT_EXPONENTS), lambda u, k: u[0]**k),
    "pow+": (1, st.sampled_from(_POS_EXPONENTS), lambda u, k: _positive(u[0])**k),
    "sqrt": (1, None, lambda u, _: sp.sqrt(_positive(u[0]))),
    # elementary functions
    "exp": (1, None, lambda u, _: sp.exp(u[0])),
    "log": (1, None, lambda u, _: sp.log(_positive(u[0]))),
    "softplus": (1, None, lambda u, _: sp.log(1 + sp.exp(u[0]))),
    "sin": (1, None, lambda u, _: sp.sin(u[0])),
    "cos": (1, None, lambda u, _: sp.cos(u[0])),
    "tanh": (1, None, lambda u, _: sp.tanh(u[0])),
    "atan": (1, None, lambda u, _: sp.atan(u[0])),
    # non-smooth
    "abs": (1, None, lambda u, _: sp.Abs(u[0])),
    "max": (2, None, lambda u, _: sp.Max(u[0], u[1])),
    "min": (2, None, lambda u, _: sp.Min(u[0], u[1])),
}
_KINDS = tuple(_NODES)

_LEAVES = st.one_of(st.sampled_from(SYMBOLS), constants())


@st.composite
def _trees(draw, depth: int) -> sp.Expr:
    # P(leaf) = 0.3 above depth 0; the draw shrinks towards 0, i.e. towards a leaf.
    if depth == 0 or draw(st.integers(0, 9)) < 3:
        return draw(_LEAVES)
    n_args, extra, build = _NODES[draw(st.sampled_from(_KINDS))]
    args = [draw(_trees(depth - 1)) for _ in range(n_args)]
    return build(args, None if extra is None else draw(extra))


def canonical(e: sp.Expr) -> sp.Expr:
    """``e`` rebuilt bottom-up with SymPy's evaluating constructors (``func(*args)``).

    SymPy sometimes builds non-canonical subexpressions internally with ``evaluate=False``
    (e.g. ``exp(-(x - y))`` with an unevaluated ``-(x - y)``, or ``Abs(Abs(z))``); rebuilding
    gives the canonical form (``exp(-x + y)``, ``Abs(z)``).  The walk is iterative.
    """
    done: dict = {}
    stack = [(e, False)]
    while stack:
        node, ready = stack.pop()
        if node in done:
            continue
        if not node.args:
            done[node] = node
        elif ready:
            done[node] = node.func(*[done[arg] for arg in node.args])
        else:
            stack.append((node, True))
            stack.extend((arg, False) for arg in node.args if arg not in done)
    return done[e]


def _is_canonical(e: sp.Expr) -> bool:
    return canonical(e) == e


def expressions(max_depth: int = 4) -> st.SearchStrategy:
    """Strategy of random SymPy expression trees of depth at most ``max_depth`` (default 4).

    The trees are over the real symbols ``X, Y, Z`` of this module, use only operations
    calcopt supports, and are SymPy-canonical (``canonical(e) == e``); see the module
    docstring for the guarantees on the domain.  Shrinks towards single leaves.
    """
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    # The rare trees SymPy builds non-canonically are mapped to their canonical form.
    return _trees(max_depth).map(canonical).filter(_is_canonical)


def points(lo: float = -1.5, hi: float = 1.5) -> st.SearchStrategy:
    """Strategy of points ``[x, y, z]`` of finite floats in ``[lo, hi]`` (aligned with SYMBOLS)."""
    coord = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
    return st.lists(coord, min_size=3, max_size=3)


def rounding_sensitivity(e: sp.Expr, point, symbols=SYMBOLS) -> float:
    """How strongly rounding errors are amplified when evaluating ``e`` at ``point``.

    ``e`` is evaluated with mpmath at 30 bits (relative rounding errors of 2**-30 in the
    inputs and in every operation) and at 200 bits; the returned difference is the amplified
    30-bit rounding error.  Double precision rounds 2**23 times more finely, so two float
    evaluations of ``e`` in *different operation orders* typically differ by about
    ``2**-23 * rounding_sensitivity(e, point)``; at well-conditioned points that is ~1e-16
    relative, i.e. no extra tolerance::

        atol = 1e-12 + 64 * 2.0**-23 * rounding_sensitivity(e, point)
    """
    f = sp.lambdify(symbols, e, modules="mpmath")
    with mpmath.workprec(200):
        hi = f(*[mpmath.mpf(v) for v in point])
    with mpmath.workprec(30):
        lo = f(*[mpmath.mpf(v) for v in point])
    return float(abs(lo - hi))
