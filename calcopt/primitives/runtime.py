"""What generated code calls: helpers with IEEE semantics (NaN propagates, never silently
dropped) and three-valued conditions, in the namespaces of the ``"math"`` and ``"numpy"`` back ends."""

from __future__ import annotations

import math
from functools import reduce
from operator import mul as _mul

import numpy as np

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
# --- conditions and piecewise -----------------------------------------------------------------
# A condition is a truth value (docs/primitives.md, "Piecewise and conditions").  The "math"
# code uses Python booleans and raises ValueError when a condition meets a NaN (codegen/program.py then
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

MATH_NAMESPACE.update(_lt=_lt, _le=_le, _gt=_gt, _ge=_ge, _eq=_eq, _ne=_ne)
NUMPY_NAMESPACE.update(_lt=_np_lt, _le=_np_le, _gt=_np_gt, _ge=_np_ge, _eq=_np_eq, _ne=_np_ne,
                       _and=_np_and, _or=_np_or, _piecewise=_np_piecewise)
