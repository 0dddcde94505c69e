"""The entries of the one table: :data:`PRIMITIVES`, one :class:`Primitive` per operation, and
its indexes (:data:`BY_NAME`, :data:`CODE`, :data:`BY_SYMPY_TYPE`).  Adding a primitive is
adding one entry here (with its rules in the sibling modules)."""

from __future__ import annotations

import sympy as sp

from ..interval import arith as ia
from ..interval import powers as ip
from . import composite_rules as cr
from . import shape_rules as sr
from .emitters import (
    call,
    emit_add,
    emit_bool_op,
    emit_linear_form,
    emit_mul,
    emit_piecewise_math,
    emit_pow,
    halves,
    max_math,
    max_np,
    min_math,
    min_np,
    no_code,
)
from .partials import (
    d_add,
    d_asin,
    d_linear_form,
    d_minmax,
    d_mul,
    d_none,
    d_piecewise,
    d_pow,
    d_zero,
    leaf_partials,
    square,
    unary,
)
from .primitive import CONST, SYMBOL, Primitive


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
        to_sympy=sympy_cls, math=call(math_fn), numpy=call(np_fn),
        partials=unary(rule), domain=domain, cost=cost,
        interval=lambda a, c: interval(a[0]), undefined=undefined,
        monotonicity=monotonicity, curvature=curvature, smooth=smooth, composite=composite,
    )


def _linear_form_to_sympy(*a: sp.Expr) -> sp.Expr:
    u, v = halves(a)
    return sp.Add(*[x * y for x, y in zip(u, v)])


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


def _condition(name, sympy_cls, label, interval, *, args=None, math=None, numpy=None, arity=2):
    return Primitive(
        name=name, arity=arity, label=label, sympy_types=(sympy_cls,), to_sympy=sympy_cls,
        math=math or call("_" + name), numpy=numpy or call("_" + name), partials=d_none,
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
    Primitive("constant", 0, "const", (), lambda v: v, no_code, no_code, leaf_partials),
    Primitive("symbol", 0, "sym", (), lambda s: s, no_code, no_code, leaf_partials),
    Primitive("add", None, "+", (sp.Add,), sp.Add, emit_add, emit_add, d_add, commutative=True,
              interval=lambda a, c: ia.add(*a), undefined=sr.never,
              monotonicity=sr.add_monotonicity, curvature=sr.affine, smooth=sr.always),
    Primitive("mul", None, "×", (sp.Mul,), sp.Mul, emit_mul, emit_mul, d_mul, commutative=True,
              interval=lambda a, c: ia.mul(*a), undefined=sr.never,
              monotonicity=sr.mul_monotonicity, curvature=sr.mul_curvature, smooth=sr.always,
              composite=cr.mul_composite),
    Primitive("pow", 2, "^", (sp.Pow,), sp.Pow, emit_pow("math.sqrt", "math.pow"),
              emit_pow("np.sqrt", "np.power"), d_pow, cost=4,
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
              lambda b, n, a: b.add(b.one, square(b, n)), domain="cos(a) != 0",
              interval=ia.tan, curvature=sr.tan_curvature, monotonicity=sr.tan_monotonicity,
              undefined=sr.tan_undefined, smooth=sr.tan_smooth),
    _function("sinh", sp.sinh, "math.sinh", "np.sinh", lambda b, n, a: b.call("cosh", a),
              interval=ia.sinh, curvature=sr.convex_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("cosh", sp.cosh, "math.cosh", "np.cosh", lambda b, n, a: b.call("sinh", a),
              interval=ia.cosh, curvature="convex", monotonicity=sr.even_monotonicity,
              undefined=sr.never, smooth=sr.always),
    _function("tanh", sp.tanh, "math.tanh", "np.tanh",
              lambda b, n, a: b.add(b.one, b.neg(square(b, n))),
              interval=ia.tanh, curvature=sr.concave_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("asin", sp.asin, "math.asin", "np.arcsin", d_asin, domain="-1 <= a <= 1",
              interval=ia.asin, curvature=sr.convex_right, monotonicity=sr.INC,
              undefined=sr.unit_undefined, smooth=sr.unit_smooth),
    _function("acos", sp.acos, "math.acos", "np.arccos",
              lambda b, n, a: b.neg(d_asin(b, n, a)), domain="-1 <= a <= 1",
              interval=ia.acos, curvature=sr.concave_right, monotonicity=sr.DEC,
              undefined=sr.unit_undefined, smooth=sr.unit_smooth),
    _function("atan", sp.atan, "math.atan", "np.arctan",
              lambda b, n, a: b.pow(b.add(b.one, square(b, a)), b.minus_one),
              interval=ia.atan, curvature=sr.concave_right, monotonicity=sr.INC,
              undefined=sr.never, smooth=sr.always),
    _function("abs", sp.Abs, "abs", "np.abs", lambda b, n, a: b.call("sign", a), label="|·|",
              cost=1, interval=ia.abs_, curvature=sr.abs_curvature,
              monotonicity=sr.even_monotonicity, smooth=sr.abs_smooth, undefined=sr.never),
    Primitive("sign", 1, "sign", (sp.sign,), sp.sign, call("_sign"), call("np.sign"), d_zero,
              interval=lambda a, c: ia.sign(a[0]), undefined=sr.never,
              monotonicity=sr.sign_monotonicity, curvature=sr.step_curvature,
              smooth=sr.step_smooth),
    Primitive("heaviside", 2, "H", (sp.Heaviside,), sp.Heaviside, call("_heaviside"),
              call("np.heaviside"), d_zero,
              interval=lambda a, c: ia.heaviside(*a), undefined=sr.never,
              monotonicity=sr.heaviside_monotonicity, curvature=sr.step_curvature,
              smooth=sr.step_smooth),
    Primitive("max", None, "max", (sp.Max,), sp.Max, max_math, max_np, d_minmax("max"),
              commutative=True, interval=lambda a, c: ia.max_(*a), undefined=sr.never,
              monotonicity=_max_monotonicity, curvature=_max_curvature,
              smooth=sr.extremum_smooth(largest=True)),
    Primitive("min", None, "min", (sp.Min,), sp.Min, min_math, min_np, d_minmax("min"),
              commutative=True, interval=lambda a, c: ia.min_(*a), undefined=sr.never,
              monotonicity=_min_monotonicity, curvature=_min_curvature,
              smooth=sr.extremum_smooth(largest=False)),
    # Created by the compiler, never read from a SymPy class.  Analysis fields: the interval
    # sum of interval products, defined and smooth everywhere (a polynomial); monotonicity and
    # curvature keep the sound "unknown" defaults.
    Primitive("linear_form", None, "Σu·v", (), _linear_form_to_sympy, emit_linear_form,
              emit_linear_form, d_linear_form,
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
               math=emit_bool_op("and"), arity=None),
    _condition("or", sp.Or, "∨", lambda a, c: ia.max_(*a), args=_all_positions,
               math=emit_bool_op("or"), arity=None),
    _condition("not", sp.Not, "¬", lambda a, c: _not(a[0]), args=_all_positions,
               math=lambda a, c: f"(not {a[0]})", numpy=lambda a, c: f"(1.0 - {a[0]})", arity=1),
    Primitive("piecewise", None, "if", (sp.Piecewise,), _piecewise_to_sympy,
              emit_piecewise_math, call("_piecewise"), d_piecewise,
              domain="where the selected branch is; nan where no condition holds (no "
                     "otherwise branch) or a condition reached first is undefined",
              condition_args=_odd_positions, sympy_args=_piecewise_args,
              interval=lambda a, c: ia.piecewise(a), undefined=sr.piecewise_undefined,
              monotonicity=sr.piecewise_monotonicity, curvature=sr.piecewise_curvature,
              smooth=sr.piecewise_smooth),
)

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
