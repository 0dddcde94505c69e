"""Where each primitive may be undefined, its monotonicity and its curvature, bound-aware.

These are the analysis fields of the primitive table (:mod:`calcopt.primitives`), in the
style of SUSPECT (Ceccon, Siirola & Misener, 2020): each rule receives the enclosures of the
arguments over a box (:class:`calcopt.interval.arith.Interval`) and the exact constant of each
argument that is fixed (``None`` for an argument that varies), and answers for the operation
*as a function of its varying arguments* on that box:

* ``undefined(args, consts) -> bool``: may the operation be undefined somewhere on the box?
* ``monotonicity(args, consts) -> list``: per argument ``"nondecreasing"``,
  ``"nonincreasing"``, ``"constant"`` (the value does not depend on it there) or ``None``;
* ``curvature(args, consts) -> str | None``: ``"convex"``, ``"concave"``, ``"affine"`` or
  ``None`` (not known), jointly in the varying arguments;
* ``smooth(args, consts) -> bool``: is the operation twice continuously differentiable on
  the box (one-sided at its boundary), so that its derivatives by calcopt's conventions at
  kinks are the true ones there?

Every answer must hold on the whole box; ``None`` is always sound.

>>> from calcopt.interval.arith import Interval
>>> pow_curvature([Interval(0.0, 5.0), Interval(3.0, 3.0)], [None, sp.Integer(3)])
'convex'
>>> sin_curvature([Interval(0.5, 3.0)], [None]), sin_monotonicity([Interval(0.5, 3.0)], [None])
('concave', [None])
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import sympy as sp

from ..interval import arith as ia
from ..interval import powers as ip
from ..interval.arith import Interval

INC, DEC, FLAT = "nondecreasing", "nonincreasing", "constant"
Args = Sequence[Interval]
Consts = Sequence[Any]


def never(args: Args, consts: Consts) -> bool:
    return False


def unknown_monotonicity(args: Args, consts: Consts) -> list:
    return [None] * len(args)


def unknown_curvature(args: Args, consts: Consts) -> None:
    return None


def _by_sign(x: Interval, if_nonneg, if_nonpos):
    """The answer that holds where ``x >= 0`` or where ``x <= 0`` (``None`` across 0)."""
    return if_nonneg if x.lo >= 0 else (if_nonpos if x.hi <= 0 else None)


# --- sums and products ---------------------------------------------------------------------


def add_monotonicity(args: Args, consts: Consts) -> list:
    return [INC] * len(args)


def affine(args: Args, consts: Consts) -> str:
    return "affine"


def mul_monotonicity(args: Args, consts: Consts) -> list:
    """In factor i, the sign of the product of the others decides."""
    out = []
    for i in range(len(args)):
        rest = ia.mul(*(args[:i] + args[i + 1:])) if len(args) > 1 else ia.ONE
        out.append(_by_sign(rest, INC, DEC))
    return out


def mul_curvature(args: Args, consts: Consts) -> str | None:
    """A product with at most one varying factor is linear in it."""
    return "affine" if sum(c is None for c in consts) <= 1 else None


# --- powers ----------------------------------------------------------------------------------




def pow_undefined(args: Args, consts: Consts) -> bool:
    base, expo = args
    e = consts[1]
    if e is not None and e.is_real:
        f = ip.exponent(e)
        if f.integer:
            return f.sign < 0 and ia.may_be_zero(base)
        return base.lo < 0 or (f.sign < 0 and not ia.positive(base))
    return base.lo < 0 or (ia.may_be_zero(base) and expo.lo <= 0)


def _const_exponent(base: Interval, e: sp.Expr) -> tuple[str | None, str | None]:
    """(curvature, monotonicity) of ``x**e`` on ``base``."""
    f = ip.exponent(e)
    if f.sign == 0:
        return "affine", FLAT
    if f.one:
        return "affine", INC
    if f.integer:
        if f.sign > 0 and f.even:
            return "convex", _by_sign(base, INC, DEC)
        if f.sign > 0:
            return _by_sign(base, "convex", "concave"), INC
        if ia.positive(base):
            return "convex", DEC
        if ia.negative(base):
            return ("convex", INC) if f.even else ("concave", DEC)
        return None, None
    if base.lo < 0 or (f.sign < 0 and not ia.positive(base)):
        return None, None
    if f.above_one:
        return "convex", INC
    return ("concave", INC) if f.sign > 0 else ("convex", DEC)


def pow_curvature(args: Args, consts: Consts) -> str | None:
    base, expo = args
    b, e = consts
    if e is not None:
        return _const_exponent(base, e)[0] if b is None else "affine"
    if b is not None:  # b**y = exp(y log b)
        return "affine" if b == 1 else ("convex" if b > 0 else None)
    return None


def pow_monotonicity(args: Args, consts: Consts) -> list:
    base, expo = args
    b, e = consts
    if e is not None:
        return [_const_exponent(base, e)[1], FLAT]
    if not ia.positive(base):
        return [None, None]
    in_base = _by_sign(expo, INC, DEC)  # d/dx x**y = y x**(y-1)
    in_expo = INC if base.lo >= 1 else (DEC if base.hi <= 1 else None)  # x**y log x
    return [in_base, in_expo]


# --- one-argument functions ------------------------------------------------------------------


def constant_rule(value: str | None, monotonicity: bool = False) -> Callable:
    """A rule that ignores the bounds (a curvature, or the monotonicity of a one-argument
    function)."""
    if monotonicity:
        return lambda args, consts: [value]
    return lambda args, consts: value


def curvature_by_sign_of(f: Callable[[Interval], Interval], if_nonneg: str, if_nonpos: str):
    """Curvature decided by the sign of ``f`` over the argument (``sin'' = -sin``: concave
    where ``sin >= 0``)."""
    return lambda args, consts: _by_sign(f(args[0]), if_nonneg, if_nonpos)


def monotonicity_by_sign_of(f: Callable[[Interval], Interval], if_nonneg: str, if_nonpos: str):
    """Monotonicity decided by the sign of the derivative ``f`` over the argument."""
    return lambda args, consts: [_by_sign(f(args[0]), if_nonneg, if_nonpos)]


def _identity(x: Interval) -> Interval:
    return x


sin_curvature = curvature_by_sign_of(ia.sin, "concave", "convex")
sin_monotonicity = monotonicity_by_sign_of(ia.cos, INC, DEC)
cos_curvature = curvature_by_sign_of(ia.cos, "concave", "convex")
cos_monotonicity = monotonicity_by_sign_of(ia.sin, DEC, INC)
# Odd functions through 0 with f'' of one sign on each side.
convex_right = curvature_by_sign_of(_identity, "convex", "concave")    # sinh, asin
concave_right = curvature_by_sign_of(_identity, "concave", "convex")   # tanh, atan, acos
even_monotonicity = monotonicity_by_sign_of(_identity, INC, DEC)  # cosh, abs


def tan_curvature(args: Args, consts: Consts) -> str | None:
    if ia.tan_has_pole(args[0]):
        return None
    return _by_sign(ia.tan(args[0]), "convex", "concave")


def tan_monotonicity(args: Args, consts: Consts) -> list:
    return [None if ia.tan_has_pole(args[0]) else INC]


def log_undefined(args: Args, consts: Consts) -> bool:
    return not ia.positive(args[0])


def unit_undefined(args: Args, consts: Consts) -> bool:
    return args[0].lo < -1 or args[0].hi > 1


def tan_undefined(args: Args, consts: Consts) -> bool:
    return ia.tan_has_pole(args[0])


def abs_curvature(args: Args, consts: Consts) -> str:
    return "affine" if args[0].lo >= 0 or args[0].hi <= 0 else "convex"


# --- steps, max and min, piecewise -----------------------------------------------------------


def step_curvature(args: Args, consts: Consts) -> str | None:
    """sign, heaviside: constant where the first argument keeps a strict sign."""
    return "affine" if ia.positive(args[0]) or ia.negative(args[0]) else None


def sign_monotonicity(args: Args, consts: Consts) -> list:
    return [FLAT if step_curvature(args, consts) else INC]


def heaviside_monotonicity(args: Args, consts: Consts) -> list:
    x, h0 = args
    if step_curvature(args, consts):
        return [FLAT, FLAT]
    return [INC if 0 <= h0.lo and h0.hi <= 1 else None, INC if x.lo <= 0 <= x.hi else FLAT]


def _dominant(args: Args, largest: bool) -> int | None:
    """The argument that is the max (min) everywhere on the box, if one is."""
    for i, a in enumerate(args):
        others = args[:i] + args[i + 1:]
        if all((a.lo >= o.hi) if largest else (a.hi <= o.lo) for o in others):
            return i
    return None


def extremum_rules(largest: bool) -> tuple[Callable, Callable]:
    """(curvature, monotonicity) of max (convex) or min (concave), both nondecreasing."""
    def curvature(args: Args, consts: Consts) -> str:
        if _dominant(args, largest) is not None:
            return "affine"
        return "convex" if largest else "concave"

    def monotonicity(args: Args, consts: Consts) -> list:
        k = _dominant(args, largest)
        return [INC] * len(args) if k is None else [INC if i == k else FLAT
                                                     for i in range(len(args))]
    return curvature, monotonicity


def _selected_branch(args: Args) -> int | None:
    """The value argument a piecewise returns everywhere on the box, if its conditions are
    decided there."""
    for i in range(0, len(args) - 1, 2):
        cond = args[i + 1]
        if cond.lo >= 1:
            return i
        if cond.hi > 0:
            return None
    return len(args) - 1 if len(args) % 2 else None


def piecewise_curvature(args: Args, consts: Consts) -> str | None:
    return "affine" if _selected_branch(args) is not None else None


def piecewise_monotonicity(args: Args, consts: Consts) -> list:
    k = _selected_branch(args)
    return [None] * len(args) if k is None else [INC if i == k else FLAT
                                                  for i in range(len(args))]


def piecewise_undefined(args: Args, consts: Consts) -> bool:
    """Undefined where no condition holds and there is no otherwise value."""
    if len(args) % 2:
        return False
    return not any(args[i].lo >= 1 for i in range(1, len(args), 2))


# --- smoothness (is the Hessian by calcopt's conventions the true one on the box?) ----------


def always(args: Args, consts: Consts) -> bool:
    return True


def pow_smooth(args: Args, consts: Consts) -> bool:
    """Twice continuously differentiable on the box (one-sided at its boundary)."""
    base, expo = args
    e = consts[1]
    if e is None or not e.is_real:
        return ia.positive(base)
    f = ip.exponent(e)
    if f.integer:
        return f.sign >= 0 or not ia.may_be_zero(base)
    return ia.positive(base) or (f.at_least_two and base.lo >= 0)


def log_smooth(args: Args, consts: Consts) -> bool:
    return ia.positive(args[0])


def unit_smooth(args: Args, consts: Consts) -> bool:
    return args[0].lo > -1 and args[0].hi < 1


def tan_smooth(args: Args, consts: Consts) -> bool:
    return not ia.tan_has_pole(args[0])


def abs_smooth(args: Args, consts: Consts) -> bool:
    return args[0].lo >= 0 or args[0].hi <= 0


def step_smooth(args: Args, consts: Consts) -> bool:
    return step_curvature(args, consts) is not None


def extremum_smooth(largest: bool) -> Callable:
    return lambda args, consts: _dominant(args, largest) is not None


def piecewise_smooth(args: Args, consts: Consts) -> bool:
    return _selected_branch(args) is not None
