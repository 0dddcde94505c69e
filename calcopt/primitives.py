"""The one table of primitives.

Every operation calcopt knows is one :class:`Primitive` entry in :data:`PRIMITIVES`,
and the entry carries everything the system knows about it:

* ``sympy_types`` / ``to_sympy``: how it is read from and written back to SymPy;
* ``math`` / ``numpy``: the code it generates for the two numeric back ends;
* ``partials``: its local partial derivatives, as a rule that builds derivative
  nodes with a :class:`calcopt.table.Builder` (used by forward *and* reverse mode);
* ``label``, ``domain``: how it is drawn and where it is defined;
* ``interval``, ``undefined``, ``monotonicity``, ``curvature``: what the analyses know
  about it over a box (rigorous interval extension, where it may be undefined, and its
  bound-aware monotonicity and curvature; see :mod:`calcopt.intervalarith` and
  :mod:`calcopt.interval_powers`, :mod:`calcopt.shape_rules` and
  :mod:`calcopt.composite_rules`).  Their defaults are sound: the whole line, "may be
  undefined", unknown.

Analyses add *fields* here, not new dispatch chains elsewhere.  Adding a primitive is
adding one entry.

Conventions at non-differentiable points (documented in ``docs/primitives.md``)
follow ``sympy.diff`` so exact results agree with SymPy:

* ``d|a|/da = sign(a)`` with ``sign(0) = 0``;
* ``d max(a, b)/da = Heaviside(a - b)`` with ``Heaviside(0) = 1/2`` (ties split);
* the derivatives of ``sign`` and ``Heaviside`` are taken as ``0`` (their classical
  derivative away from the jump; SymPy would return ``DiracDelta`` terms).
* at a switch point of ``Piecewise`` the derivative is that of the branch whose condition
  holds there; conditions have no derivative.

Examples
--------
>>> from calcopt.primitives import PRIMITIVES, BY_NAME
>>> BY_NAME["exp"].label, BY_NAME["exp"].numpy(["x0"], [None])
('exp', 'np.exp(x0)')
>>> len(PRIMITIVES) > 15
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import reduce
from operator import mul as _mul
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from . import composite_rules as cr
from . import interval_powers as ip
from . import intervalarith as ia
from . import shape_rules as sr

Code = Sequence[str]
Consts = Sequence[Any]  # the exact constant of each argument, or None when it is not a constant


@dataclass(frozen=True)
class Primitive:
    """One operation: everything calcopt knows about it, in one place.

    Attributes
    ----------
    name:
        Identifier used in node tables, ``op_counts`` and the networkx view.
    arity:
        Number of arguments; ``None`` for n-ary operations (``add``, ``mul``, ``max``, ``min``);
        ``0`` for the two leaf kinds.
    label:
        Short symbol for diagrams (``+``, ``×``, ``exp``).
    sympy_types:
        SymPy classes compiled to this primitive.
    to_sympy:
        Rebuilds the SymPy expression from the SymPy expressions of the arguments.
    math, numpy:
        ``(argument code, argument constants) -> code`` for the ``"math"`` back end (Python
        floats) and the ``"numpy"`` back end (arrays).  Argument code is always an atom
        (a name, a literal or a parenthesised expression); the result must be one too.
    partials:
        ``(builder, node, args, wanted) -> list``: the local partial derivative of the node
        with respect to each argument, as node ids built with the builder; ``None`` where
        ``wanted[i]`` is false (the argument does not depend on any variable) and where the
        partial is structurally zero (the conditions of ``piecewise``).
    commutative:
        Argument order does not matter (the builder sorts the arguments to share more nodes).
    cost:
        Weight of one evaluation in the cost report (per extra argument for n-ary operations):
        1 for arithmetic-like operations, 4 for powers and transcendental functions, as in the
        weighted operation counts of Griewank & Walther, *Evaluating Derivatives*, ch. 4.
    domain:
        Where the operation is real-valued and finite, in words.
    sample_matvec:
        Only for linear forms ``sum u_i*v_i`` (arguments ``u_1..u_k, v_1..v_k``):
        ``(matrix code, vector code) -> code`` of the node as one matrix-vector product when
        each pair is one parameter and one variable; the matrix ``(samples, k)`` holds the
        parameter columns, stacked once per data set (see :func:`calcopt.meancode.generate_mean`).
    boolean:
        The value is a truth value (a condition: a relation, ``And``, ``Or``, ``Not``), not a
        real number.  Conditions are allowed only as conditions of ``piecewise``; numerically
        they are ``1.0``/``0.0``, or ``nan`` when undefined (a NaN argument).
    condition_args:
        ``(number of arguments) -> which argument positions are conditions``; ``None``: none.
    sympy_args:
        How the arguments are read from the SymPy object; ``None``: its ``args``
        (``Piecewise`` flattens its ``(expr, cond)`` pairs).
    interval:
        ``(argument intervals, argument constants) -> Interval``: a rigorous enclosure of
        the values the operation takes where it is defined, for arguments anywhere in their
        intervals (:class:`calcopt.intervalarith.Interval`, outward rounded; conditions give
        ``[1, 1]``, ``[0, 0]`` or ``[0, 1]``).  Default: the whole line.
    undefined:
        ``(argument intervals, constants) -> bool``: may the operation be undefined somewhere
        on the box (``log`` of an interval reaching 0)?  Default ``True``.
    monotonicity:
        ``(argument intervals, constants) -> list``: per argument ``"nondecreasing"``,
        ``"nonincreasing"``, ``"constant"`` or ``None`` (unknown) on the box.
    curvature:
        ``(argument intervals, constants) -> str | None``: ``"convex"``, ``"concave"``,
        ``"affine"`` or ``None``, jointly in the arguments whose constant is ``None``.
    smooth:
        ``(argument intervals, constants) -> bool``: twice continuously differentiable on the
        box (no kink, jump or infinite derivative there).  Default ``False``.
    composite:
        ``(view, node) -> (curvature, explanation) | None``: the curvature of compositions
        with this outer operation that the plain composition rule rejects (log-sum-exp,
        Euclidean norms, quadratic over linear); see :mod:`calcopt.shape_rules`.
    """

    name: str
    arity: int | None
    label: str
    sympy_types: tuple[type, ...]
    to_sympy: Callable[..., sp.Expr]
    math: Callable[[Code, Consts], str]
    numpy: Callable[[Code, Consts], str]
    partials: Callable[..., list]
    commutative: bool = False
    domain: str = "all reals"
    cost: int = 1
    sample_matvec: Callable[[str, str], str] | None = None
    # Conditions (Piecewise): see "Piecewise and conditions" in docs/primitives.md.
    boolean: bool = False
    condition_args: Callable[[int], Sequence[bool]] | None = None
    sympy_args: Callable[[sp.Basic], tuple] | None = None
    interval: Callable[[Sequence[ia.Interval], Consts], ia.Interval] = lambda a, c: ia.WHOLE
    undefined: Callable[[Sequence[ia.Interval], Consts], bool] = lambda a, c: True
    monotonicity: Callable[[Sequence[ia.Interval], Consts], list] = sr.unknown_monotonicity
    curvature: Callable[[Sequence[ia.Interval], Consts], str | None] = sr.unknown_curvature
    smooth: Callable[[Sequence[ia.Interval], Consts], bool] = lambda a, c: False
    composite: Callable[[Any, int], tuple[str, str] | None] = cr.no_composite


# --- helpers for generated code ------------------------------------------------------------
# These are placed in the namespace of generated "math" code.  They exist where Python's
# built-ins do not give IEEE semantics (NaN must propagate, never be silently dropped).


def _sign(a: float) -> float:
    if a != a:
        return a
    return 1.0 if a > 0 else (-1.0 if a < 0 else 0.0)


def _heaviside(a: float, h0: float) -> float:
    if a != a:
        return a
    return 1.0 if a > 0 else (0.0 if a < 0 else h0)


def _max(*values: float) -> float:
    for v in values:
        if v != v:
            return v
    return max(values)


def _min(*values: float) -> float:
    for v in values:
        if v != v:
            return v
    return min(values)


def _prod(values):
    return reduce(_mul, values)


MATH_NAMESPACE = {
    "math": math,
    "_sign": _sign,
    "_heaviside": _heaviside,
    "_max": _max,
    "_min": _min,
    "_prod": _prod,
}
NUMPY_NAMESPACE = {"np": np, "_prod": _prod}

# Chains longer than this become ``sum((...))`` so the Python compiler never meets a
# left-nested expression thousands of levels deep.
_LONG = 32


# --- code emitters ---------------------------------------------------------------------------


def _call(fname: str) -> Callable[[Code, Consts], str]:
    return lambda a, c: f"{fname}({', '.join(a)})"


def _emit_add(a: Code, c: Consts) -> str:
    return f"sum(({', '.join(a)},))" if len(a) > _LONG else "(" + " + ".join(a) + ")"


def _emit_mul(a: Code, c: Consts) -> str:
    if len(a) > _LONG:
        return f"_prod(({', '.join(a)},))"
    if c[0] == -1 and len(a) >= 2:  # SymPy writes -y as Mul(-1, y)
        return "(-" + "*".join(a[1:]) + ")"
    return "(" + "*".join(a) + ")"


def _is_int(v: Any) -> bool:
    return isinstance(v, sp.Integer)


def _emit_pow(sqrt: str, general: str) -> Callable[[Code, Consts], str]:
    def emit(a: Code, c: Consts) -> str:
        base, expo = a
        e = c[1]
        if _is_int(e) and abs(e) <= 2**31:  # larger ones overflow Python's int -> float
            return f"({base}**{int(e)})"
        if e == sp.Rational(1, 2):
            return f"{sqrt}({base})"
        return f"{general}({base}, {expo})"

    return emit


def _emit_minmax(builtin_math: str, ufunc: str) -> tuple[Callable, Callable]:
    def m(a: Code, c: Consts) -> str:
        return f"{builtin_math}({', '.join(a)})"

    def n(a: Code, c: Consts) -> str:
        return reduce(lambda acc, x: f"{ufunc}({acc}, {x})", a)

    return m, n


# --- local partial derivative rules ---------------------------------------------------------
# b is a calcopt.table.Builder; node is the id of the node, args its argument ids.


def _d_add(b, node, args, wanted):
    return [b.one if w else None for w in wanted]


def _d_mul(b, node, args, wanted):
    k = len(args)
    if k == 2:  # the common case: each partial is the other factor
        return [args[1] if wanted[0] else None, args[0] if wanted[1] else None]
    if k <= 4:
        return [b.mul(*(args[:i] + args[i + 1:])) if w else None for i, w in enumerate(wanted)]
    # Prefix and suffix products: O(k) nodes instead of O(k^2).
    prefix = [b.one]
    for a in args[:-1]:
        prefix.append(b.mul(prefix[-1], a))
    suffix = [b.one]
    for a in reversed(args[1:]):
        suffix.append(b.mul(a, suffix[-1]))
    suffix.reverse()
    return [b.mul(prefix[i], suffix[i]) if w else None for i, w in enumerate(wanted)]


def _d_pow(b, node, args, wanted):
    base, expo = args
    d_base = d_expo = None
    if wanted[0]:
        d_base = b.mul(expo, b.pow(base, b.add(expo, b.minus_one)))
    if wanted[1]:
        if b.ops[base] == CONST and b.vals[base] == 0:
            # 0**e is 0 for e > 0, 1 at e = 0, zoo for e < 0: the derivative 0 exists only
            # for e > 0 (SymPy's 0**e*log(0) is nan everywhere).
            d_expo = b.call("piecewise", b.zero, b.call("gt", expo, b.zero))
        else:
            d_expo = b.mul(node, b.call("log", base))
    return [d_base, d_expo]


def _unary(rule: Callable) -> Callable:
    """Wrap a rule for a one-argument primitive: ``rule(b, node, arg) -> partial``."""

    def partials(b, node, args, wanted):
        return [rule(b, node, args[0]) if wanted[0] else None]

    return partials


def _one_minus_square(b, a):
    return b.add(b.one, b.neg(b.pow(a, b.two)))


def _d_asin(b, node, a):
    return b.pow(_one_minus_square(b, a), b.const(sp.Rational(-1, 2)))


def _d_zero(b, node, args, wanted):
    return [b.zero if w else None for w in wanted]


def _d_minmax(which: str) -> Callable:
    """SymPy's rule: d max(a_i, others)/d a_i = Heaviside(a_i - max(others)), H(0) = 1/2.

    max(others) is max(prefix maximum, suffix maximum), so k arguments cost O(k) nodes;
    SymPy flattens nested Max, so the exact result is SymPy's ``Max(others)``.
    """

    def partials(b, node, args, wanted):
        k = len(args)
        # before[i] = max(args[:i]), after[i] = max(args[i+1:]); None when empty.
        before: list = [None] * k
        after: list = [None] * k
        for i in range(1, k):
            before[i] = args[0] if i == 1 else b.call(which, before[i - 1], args[i - 1])
        for i in range(k - 2, -1, -1):
            after[i] = args[k - 1] if i == k - 2 else b.call(which, args[i + 1], after[i + 1])
        out = []
        for i, w in enumerate(wanted):
            if not w:
                out.append(None)
                continue
            parts = [p for p in (before[i], after[i]) if p is not None]
            rest = parts[0] if len(parts) == 1 else b.call(which, *parts)
            gap = b.sub(args[i], rest) if which == "max" else b.sub(rest, args[i])
            out.append(b.call("heaviside", gap, b.half))
        return out

    return partials


def _leaf_partials(b, node, args, wanted):  # leaves have no arguments
    return []


def _no_code(a: Code, c: Consts) -> str:  # leaves are named or inlined by the code generator
    raise AssertionError("leaves generate no operation code")


def _function(name, sympy_cls, math_fn, np_fn, rule, domain="all reals", label=None, cost=4, *,
              interval=None, curvature=None, monotonicity=None, undefined=None, smooth=None,
              composite=cr.no_composite):
    """A one-argument function; ``interval`` maps one Interval to one Interval, ``curvature``
    and ``monotonicity`` are shape rules, or plain values that hold on every box.  Omitted
    analysis fields take the sound defaults: the whole line, unknown curvature and
    monotonicity, "may be undefined", not known to be smooth."""
    interval = interval or (lambda x: ia.WHOLE)
    undefined = undefined or (lambda a, c: True)
    smooth = smooth or (lambda a, c: False)
    if not callable(curvature):
        curvature = sr.constant_rule(curvature)
    if not callable(monotonicity):
        monotonicity = sr.constant_rule(monotonicity, monotonicity=True)
    return Primitive(
        name=name, arity=1, label=label or name, sympy_types=(sympy_cls,),
        to_sympy=sympy_cls, math=_call(math_fn), numpy=_call(np_fn),
        partials=_unary(rule), domain=domain, cost=cost,
        interval=lambda a, c: interval(a[0]), undefined=undefined,
        monotonicity=monotonicity, curvature=curvature, smooth=smooth, composite=composite,
    )


# --- the linear form: sum_i u_i * v_i as one node ---------------------------------------------
# Arguments are the two halves (u_1..u_k, v_1..v_k).  The compiler creates it for long sums of
# (symbol x symbol) products; the numpy code generator for sample means (meancode.generate_mean)
# turns one whose pairs are (variable, parameter) into one mat-vec X @ w over pre-stacked data.


def _halves(a: Sequence) -> tuple[Sequence, Sequence]:
    k = len(a) // 2
    return a[:k], a[k:]


def _emit_linear_form(a: Code, c: Consts) -> str:
    u, v = _halves(a)
    terms = [f"{x}*{y}" for x, y in zip(u, v)]
    return f"sum(({', '.join(terms)},))" if len(terms) > _LONG else "(" + " + ".join(terms) + ")"


def _linear_form_to_sympy(*a: sp.Expr) -> sp.Expr:
    u, v = _halves(a)
    return sp.Add(*[x * y for x, y in zip(u, v)])


def _d_linear_form(b, node, args, wanted):
    # d/du_i = v_i and d/dv_i = u_i: the partials are the other half, no new nodes.
    k = len(args) // 2
    return [args[(i + k) % (2 * k)] if w else None for i, w in enumerate(wanted)]


_max_math, _max_np = _emit_minmax("_max", "np.maximum")
_min_math, _min_np = _emit_minmax("_min", "np.minimum")


def _square(b, a):
    return b.pow(a, b.two)


# --- conditions and piecewise -----------------------------------------------------------------
# A condition is a truth value (docs/primitives.md, "Piecewise and conditions").  The "math"
# code uses Python booleans and raises ValueError when a condition meets a NaN (numeric.py then
# re-evaluates the point with the numpy code); the "numpy" code uses 1.0 / 0.0 / nan, nan
# meaning "undefined" (Kleene's three-valued logic for And/Or/Not), and a Piecewise that
# reaches an undefined condition is nan: a NaN never silently picks a branch.


def _nan_condition(a: float, b: float) -> ValueError:
    return ValueError(f"a condition compares {a} and {b}: undefined (NaN)")


def _lt(a: float, b: float) -> bool:
    if a < b:
        return True
    if a >= b:
        return False
    raise _nan_condition(a, b)


def _le(a: float, b: float) -> bool:
    if a <= b:
        return True
    if a > b:
        return False
    raise _nan_condition(a, b)


def _gt(a: float, b: float) -> bool:
    return _lt(b, a)


def _ge(a: float, b: float) -> bool:
    return _le(b, a)


def _eq(a: float, b: float) -> bool:
    if a == b:
        return True
    if a < b or a > b:
        return False
    raise _nan_condition(a, b)


def _ne(a: float, b: float) -> bool:
    return not _eq(a, b)


# numpy: array-API functions only (where, logical_or, minimum, maximum).
def _np_lt(a, b):
    return np.where(a < b, 1.0, np.where(a >= b, 0.0, np.nan))


def _np_le(a, b):
    return np.where(a <= b, 1.0, np.where(a > b, 0.0, np.nan))


def _np_gt(a, b):
    return _np_lt(b, a)


def _np_ge(a, b):
    return _np_le(b, a)


def _np_eq(a, b):
    return np.where(a == b, 1.0, np.where(np.logical_or(a < b, a > b), 0.0, np.nan))


def _np_ne(a, b):
    return 1.0 - _np_eq(a, b)


def _np_and(*conds):
    out = conds[0]
    for c in conds[1:]:  # false if any is false, else nan if any is nan, else true
        out = np.where(np.logical_or(out == 0.0, c == 0.0), 0.0, np.minimum(out, c))
    return out


def _np_or(*conds):
    out = conds[0]
    for c in conds[1:]:  # true if any is true, else nan if any is nan, else false
        out = np.where(np.logical_or(out == 1.0, c == 1.0), 1.0, np.maximum(out, c))
    return out


def _np_piecewise(*args):
    """``args = (v1, c1, v2, c2, ..., [otherwise])``: the first value whose condition is true;
    nan where a condition reached first is undefined, or where none holds without otherwise."""
    out = args[-1] if len(args) % 2 else np.nan
    for i in range(len(args) - 2 - len(args) % 2, -1, -2):
        out = np.where(args[i + 1] == 1.0, args[i], np.where(args[i + 1] == 0.0, out, np.nan))
    return out


def _emit_piecewise_math(a: Code, c: Consts) -> str:
    # A conditional expression: only the chosen branch is evaluated.
    out = a[-1] if len(a) % 2 else "math.nan"
    for i in range(len(a) - 2 - len(a) % 2, -1, -2):
        out = f"({a[i]} if {a[i + 1]} else {out})"
    return out


def _emit_bool_op(word: str) -> Callable[[Code, Consts], str]:
    return lambda a, c: "(" + f" {word} ".join(a) + ")"


MATH_NAMESPACE.update(_lt=_lt, _le=_le, _gt=_gt, _ge=_ge, _eq=_eq, _ne=_ne)
NUMPY_NAMESPACE.update(_lt=_np_lt, _le=_np_le, _gt=_np_gt, _ge=_np_ge, _eq=_np_eq, _ne=_np_ne,
                       _and=_np_and, _or=_np_or, _piecewise=_np_piecewise)


def _piecewise_to_sympy(*args: sp.Basic) -> sp.Expr:
    pairs = list(zip(args[0::2], args[1::2]))
    if len(args) % 2:
        pairs.append((args[-1], sp.true))
    return sp.Piecewise(*pairs)


def _piecewise_args(expr: sp.Piecewise) -> tuple:
    """``(v1, c1, ..., vn, cn)``; a final ``(vn, True)`` (SymPy puts True last) gives ``vn`` alone."""
    out: list = []
    for value, cond in expr.args:
        if cond is sp.true:
            out.append(value)
            break
        out += (value, cond)
    return tuple(out)


def _odd_positions(k: int) -> list[bool]:
    return [i % 2 == 1 for i in range(k)]


def _all_positions(k: int) -> list[bool]:
    return [True] * k


def _d_piecewise(b, node, args, wanted):
    """d/d v_i: the piecewise with the same conditions selecting 1 for branch i, 0 for the
    others (nan where the function is undefined).  Conditions have no derivative."""
    out = [None] * len(args)
    for i in range(0, len(args), 2):  # the values (and the otherwise value)
        if wanted[i]:
            sel = [b.zero if j % 2 == 0 else a for j, a in enumerate(args)]
            sel[i] = b.one
            out[i] = b.call("piecewise", *sel)
    return out


def _d_none(b, node, args, wanted):  # conditions: structurally zero partials
    return [None] * len(args)


def _condition(name, sympy_cls, label, interval, *, args=None, math=None, numpy=None, arity=2):
    return Primitive(
        name=name, arity=arity, label=label, sympy_types=(sympy_cls,), to_sympy=sympy_cls,
        math=math or _call("_" + name), numpy=numpy or _call("_" + name), partials=_d_none,
        commutative=name in ("eq", "ne", "and", "or"), boolean=True, condition_args=args,
        domain="all reals (undefined, nan, when an argument is nan)",
        interval=interval, undefined=sr.never, smooth=sr.always)


def _pow_interval(a, c):
    e = c[1]
    if e is not None and e.is_real:
        return ip.pow_const(a[0], e)
    return ip.pow_general(a[0], a[1])


def _not(x: ia.Interval) -> ia.Interval:
    return ia.Interval(1.0 - x.hi, 1.0 - x.lo)


_max_curvature, _max_monotonicity = sr.extremum_rules(largest=True)
_min_curvature, _min_monotonicity = sr.extremum_rules(largest=False)


PRIMITIVES: tuple[Primitive, ...] = (
    # Leaves first: their op codes are fixed (CONST = 0, SYMBOL = 1).
    Primitive("constant", 0, "const", (), lambda v: v, _no_code, _no_code, _leaf_partials),
    Primitive("symbol", 0, "sym", (), lambda s: s, _no_code, _no_code, _leaf_partials),
    Primitive("add", None, "+", (sp.Add,), sp.Add, _emit_add, _emit_add, _d_add, commutative=True,
              interval=lambda a, c: ia.add(*a), undefined=sr.never,
              monotonicity=sr.add_monotonicity, curvature=sr.affine, smooth=sr.always),
    Primitive("mul", None, "×", (sp.Mul,), sp.Mul, _emit_mul, _emit_mul, _d_mul, commutative=True,
              interval=lambda a, c: ia.mul(*a), undefined=sr.never,
              monotonicity=sr.mul_monotonicity, curvature=sr.mul_curvature, smooth=sr.always,
              composite=cr.mul_composite),
    Primitive("pow", 2, "^", (sp.Pow,), sp.Pow, _emit_pow("math.sqrt", "math.pow"),
              _emit_pow("np.sqrt", "np.power"), _d_pow, cost=4,
              domain="base > 0 for non-integer exponents; base != 0 for negative exponents",
              interval=_pow_interval, undefined=sr.pow_undefined,
              monotonicity=sr.pow_monotonicity, curvature=sr.pow_curvature,
              smooth=sr.pow_smooth, composite=cr.pow_composite),
    _function("exp", sp.exp, "math.exp", "np.exp", lambda b, n, a: n,
              interval=ia.exp, curvature="convex", monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("log", sp.log, "math.log", "np.log",
              lambda b, n, a: b.pow(a, b.minus_one), domain="a > 0",
              interval=ia.log, curvature="concave", monotonicity=sr.INC,
              undefined=sr.log_undefined, smooth=sr.log_smooth, composite=cr.log_composite),
    _function("sin", sp.sin, "math.sin", "np.sin", lambda b, n, a: b.call("cos", a),
              interval=ia.sin, curvature=sr.sin_curvature, monotonicity=sr.sin_monotonicity,
              undefined=sr.never, smooth=sr.always),
    _function("cos", sp.cos, "math.cos", "np.cos", lambda b, n, a: b.neg(b.call("sin", a)),
              interval=ia.cos, curvature=sr.cos_curvature, monotonicity=sr.cos_monotonicity,
              undefined=sr.never, smooth=sr.always),
    _function("tan", sp.tan, "math.tan", "np.tan",
              lambda b, n, a: b.add(b.one, _square(b, n)), domain="cos(a) != 0",
              interval=ia.tan, curvature=sr.tan_curvature, monotonicity=sr.tan_monotonicity,
              undefined=sr.tan_undefined, smooth=sr.tan_smooth),
    _function("sinh", sp.sinh, "math.sinh", "np.sinh", lambda b, n, a: b.call("cosh", a),
              interval=ia.sinh, curvature=sr.convex_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("cosh", sp.cosh, "math.cosh", "np.cosh", lambda b, n, a: b.call("sinh", a),
              interval=ia.cosh, curvature="convex", monotonicity=sr.even_monotonicity,
              undefined=sr.never, smooth=sr.always),
    _function("tanh", sp.tanh, "math.tanh", "np.tanh",
              lambda b, n, a: b.add(b.one, b.neg(_square(b, n))),
              interval=ia.tanh, curvature=sr.concave_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("asin", sp.asin, "math.asin", "np.arcsin", _d_asin, domain="-1 <= a <= 1",
              interval=ia.asin, curvature=sr.convex_right, monotonicity=sr.INC,
              undefined=sr.unit_undefined, smooth=sr.unit_smooth),
    _function("acos", sp.acos, "math.acos", "np.arccos",
              lambda b, n, a: b.neg(_d_asin(b, n, a)), domain="-1 <= a <= 1",
              interval=ia.acos, curvature=sr.concave_right, monotonicity=sr.DEC,
              undefined=sr.unit_undefined, smooth=sr.unit_smooth),
    _function("atan", sp.atan, "math.atan", "np.arctan",
              lambda b, n, a: b.pow(b.add(b.one, _square(b, a)), b.minus_one),
              interval=ia.atan, curvature=sr.concave_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("abs", sp.Abs, "abs", "np.abs", lambda b, n, a: b.call("sign", a), label="|·|",
              cost=1, interval=ia.abs_, curvature=sr.abs_curvature,
              monotonicity=sr.even_monotonicity, smooth=sr.abs_smooth, undefined=sr.never),
    Primitive("sign", 1, "sign", (sp.sign,), sp.sign, _call("_sign"), _call("np.sign"), _d_zero,
              interval=lambda a, c: ia.sign(a[0]), undefined=sr.never,
              monotonicity=sr.sign_monotonicity, curvature=sr.step_curvature,
              smooth=sr.step_smooth),
    Primitive("heaviside", 2, "H", (sp.Heaviside,), sp.Heaviside, _call("_heaviside"),
              _call("np.heaviside"), _d_zero,
              interval=lambda a, c: ia.heaviside(*a), undefined=sr.never,
              monotonicity=sr.heaviside_monotonicity, curvature=sr.step_curvature,
              smooth=sr.step_smooth),
    Primitive("max", None, "max", (sp.Max,), sp.Max, _max_math, _max_np, _d_minmax("max"),
              commutative=True, interval=lambda a, c: ia.max_(*a), undefined=sr.never,
              monotonicity=_max_monotonicity, curvature=_max_curvature,
              smooth=sr.extremum_smooth(largest=True)),
    Primitive("min", None, "min", (sp.Min,), sp.Min, _min_math, _min_np, _d_minmax("min"),
              commutative=True, interval=lambda a, c: ia.min_(*a), undefined=sr.never,
              monotonicity=_min_monotonicity, curvature=_min_curvature,
              smooth=sr.extremum_smooth(largest=False)),
    # Created by the compiler, never read from a SymPy class.  Analysis fields: the interval
    # sum of interval products, defined and smooth everywhere (a polynomial); monotonicity and
    # curvature keep the sound "unknown" defaults.
    Primitive("linear_form", None, "Σu·v", (), _linear_form_to_sympy, _emit_linear_form,
              _emit_linear_form, _d_linear_form,
              sample_matvec=lambda m, v: f"({m} @ {v})",
              interval=lambda a, c: ia.add(*(ia.mul(a[i], a[i + len(a) // 2])
                                             for i in range(len(a) // 2))),
              undefined=sr.never, smooth=sr.always),
    # Conditions and piecewise (docs/primitives.md, "Piecewise and conditions").
    _condition("lt", sp.StrictLessThan, "<", lambda a, c: ia.less(a[0], a[1], True)),
    _condition("le", sp.LessThan, "≤", lambda a, c: ia.less(a[0], a[1], False)),
    _condition("gt", sp.StrictGreaterThan, ">", lambda a, c: ia.less(a[1], a[0], True)),
    _condition("ge", sp.GreaterThan, "≥", lambda a, c: ia.less(a[1], a[0], False)),
    _condition("eq", sp.Equality, "=", lambda a, c: ia.equal(*a)),
    _condition("ne", sp.Unequality, "≠", lambda a, c: _not(ia.equal(*a))),
    _condition("and", sp.And, "∧", lambda a, c: ia.min_(*a), args=_all_positions,
               math=_emit_bool_op("and"), arity=None),
    _condition("or", sp.Or, "∨", lambda a, c: ia.max_(*a), args=_all_positions,
               math=_emit_bool_op("or"), arity=None),
    _condition("not", sp.Not, "¬", lambda a, c: _not(a[0]), args=_all_positions,
               math=lambda a, c: f"(not {a[0]})", numpy=lambda a, c: f"(1.0 - {a[0]})", arity=1),
    Primitive("piecewise", None, "if", (sp.Piecewise,), _piecewise_to_sympy,
              _emit_piecewise_math, _call("_piecewise"), _d_piecewise,
              domain="where the selected branch is; nan where no condition holds (no "
                     "otherwise branch) or a condition reached first is undefined",
              condition_args=_odd_positions, sympy_args=_piecewise_args,
              interval=lambda a, c: ia.piecewise(a), undefined=sr.piecewise_undefined,
              monotonicity=sr.piecewise_monotonicity, curvature=sr.piecewise_curvature,
              smooth=sr.piecewise_smooth),
)

CONST = 0
SYMBOL = 1
# A sum with at least this many (symbol x symbol) products gets them as one linear_form node,
# in the compiler and in the builder: w.a with d features is one mat-vec over the data
# instead of d products and a d-term sum.
LINEAR_FORM_MIN_TERMS = 8
BY_NAME: dict[str, Primitive] = {p.name: p for p in PRIMITIVES}
CODE: dict[str, int] = {p.name: i for i, p in enumerate(PRIMITIVES)}
BY_SYMPY_TYPE: dict[type, int] = {t: i for i, p in enumerate(PRIMITIVES) for t in p.sympy_types}

assert PRIMITIVES[CONST].name == "constant" and PRIMITIVES[SYMBOL].name == "symbol"


def supported_operations() -> list[str]:
    """Names of the operations calcopt can compile, for error messages and docs.

    >>> "exp" in supported_operations()
    True
    """
    return [p.name for p in PRIMITIVES if p.arity != 0 and p.sympy_types]
