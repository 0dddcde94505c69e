"""Points and data sets given by the user, validated into what generated code takes.

:func:`as_point` turns a point (a sequence, an array, a dict keyed by symbol or name; a batch
``(..., n)``) into a float array aligned with the variables; :func:`as_data` turns data for the
parameters (a dict of columns, an ``(N, p)`` array, a dask collection) into one float column
per parameter, or a lazy :class:`calcopt.data.lazy.DaskData`.  Every check that raises a
:class:`calcopt.PointError` or :class:`calcopt.DataError` on user input lives here.
"""

from __future__ import annotations

import numbers
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from . import lazy as daskdata
from .lazy import DaskData
from ..errors import DataError, PointError


def _numeric_array(value: Any, what: str, error: type, copy: bool = True) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged nested lists, exotic objects
        raise error(f"{what} is not a numeric array: {exc}") from None
    if arr.dtype.kind == "O":
        # SymPy numbers, Fractions, Decimals are accepted; None would silently become nan.
        bad = [v for v in arr.flat if not _is_real_number(v)]
        if bad:
            raise error(f"{what} has non-numeric entries {bad[:3]!r}; expected real numbers")
    elif arr.dtype.kind not in "iuf":  # booleans, strings, complex numbers
        raise error(f"{what} must be real numbers; got dtype {arr.dtype} from {value!r}")
    try:
        out = arr.astype(float, copy=copy)
    except OverflowError:
        out = None
    # Real SymPy/Python numbers are finite, so an infinity here is an overflow (SymPy's own
    # float() of a huge Integer silently gives inf).
    if out is None or (arr.dtype.kind == "O" and np.isinf(out).any()):
        raise error(f"{what} has a number too large for a float: {value!r}")
    return out


def _is_real_number(v: Any) -> bool:
    if isinstance(v, sp.Basic):
        return bool(v.is_number and v.is_real)
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) or (
        isinstance(v, numbers.Number) and not isinstance(v, (complex, bool)))


def by_position(mapping: Mapping, symbols: Sequence[sp.Symbol], what: str, error: type,
                 missing_message: str = "{what} is missing values for {missing}") -> dict:
    """``{position: value}`` from a dict keyed by symbols or their names; every symbol once."""
    lookup: dict = {}
    for i, s in enumerate(symbols):
        lookup[s] = i
        lookup[s.name] = i
    names = [s.name for s in symbols]
    unknown = [k for k in mapping if k not in lookup]
    if unknown:
        raise error(f"{what} has unknown keys {unknown}; expected {names}")
    given: dict = {}
    for k, v in mapping.items():
        i = lookup[k]
        if i in given:
            raise error(f"{what} gives {names[i]!r} twice (as a symbol and as a name)")
        given[i] = v
    missing = [names[i] for i in range(len(symbols)) if i not in given]
    if missing:
        raise error(missing_message.format(what=what, missing=missing))
    return given


def as_point(point: Any, wrt: Sequence[sp.Symbol], what: str = "point",
             expected: str | None = None) -> np.ndarray:
    """``point`` as a float array of shape ``(..., n)`` aligned with ``wrt``.

    Accepts a sequence or array aligned with ``wrt`` (last axis), or a dict keyed by the
    symbols or their names.  A bare number is accepted when there is one entry.
    ``expected`` describes the entries in error messages (default: the variables).
    """
    n = len(wrt)
    expected = expected or f"{n} variables {[s.name for s in wrt]}"
    if isinstance(point, Mapping):
        given = by_position(point, wrt, what, PointError)
        cols = [_numeric_array(given[i], f"{what}[{wrt[i].name}]", PointError) for i in range(n)]
        try:
            return np.stack(np.broadcast_arrays(*cols), axis=-1) if cols else np.zeros(0)
        except ValueError as exc:
            raise PointError(f"{what} values have incompatible shapes: {exc}") from None
    arr = _numeric_array(point, what, PointError)
    if arr.ndim == 0:
        if n != 1:
            raise PointError(f"{what} is a single number but there are {expected}; "
                             f"give a sequence of {n} values")
        arr = arr.reshape(1)
    if arr.shape[-1] != n:
        raise PointError(f"{what} has {arr.shape[-1]} entries (shape {arr.shape}) but there are "
                         f"{expected}")
    return arr


def as_data(data: Any, params: Sequence[sp.Symbol]) -> tuple[np.ndarray, ...] | DaskData | None:
    """Data for ``params`` as a tuple of equal-length 1-D float arrays (``None`` without params).

    Accepts a dict keyed by the parameter symbols or their names, or an ``(N, p)`` array
    whose columns follow ``params``.  A dask collection (or a dict with dask arrays) becomes a
    lazy :class:`calcopt.data.lazy.DaskData` instead, validated without reading the data.
    """
    names = [s.name for s in params]
    if params and (isinstance(data, DaskData) or daskdata.is_dask(data)):
        given = by_position(data, params, "data", DataError, "missing data for params "
                             "{missing}") if isinstance(data, Mapping) else None
        return daskdata.as_dask_data(data, params, given)
    if not params:
        if data is not None and not (isinstance(data, Mapping) and not data):
            raise DataError("data was given but the graph has no params; data= supplies "
                            "values of params (see calcopt.compile(..., params=[...]))")
        return None
    if data is None:
        raise DataError(f"missing data for params {names}: pass data={{param: array of samples}}")
    checked = False
    if isinstance(data, Mapping):
        given = by_position(data, params, "data", DataError, "missing data for params {missing}")
        # Float columns are used as they are (no copy: data is only ever read; copying a
        # strided column of a large matrix costs more than a whole SGD run's set-up should).
        cols = [_numeric_array(given[i], f"data[{names[i]}]", DataError, copy=False)
                for i in range(len(params))]
    else:
        table = _numeric_array(data, "data", DataError, copy=False)
        if table.ndim != 2 or table.shape[1] != len(params):
            raise DataError(f"data array must have shape (N, {len(params)}) with columns "
                            f"{names}; got shape {table.shape}")
        cols = list(table.T)
        # one pass over the table (not p passes over strided columns) when it is all finite
        checked = bool(np.isfinite(table).all())
    cols = [c.reshape(1) if c.ndim == 0 else c for c in cols]
    for name, c in zip(names, cols):
        if c.ndim != 1:
            raise DataError(f"data[{name}] must be a 1-D array of samples; got shape {c.shape}")
    lengths = {len(c) for c in cols}
    if len(lengths) != 1:
        raise DataError(f"data arrays have unequal lengths {dict(zip(names, map(len, cols)))}")
    if 0 in lengths:
        raise DataError("data has no samples (N = 0); the mean over samples is undefined")
    if not checked:
        _require_finite(cols, names)
    return tuple(cols)


def _require_finite(cols: Sequence[np.ndarray], names: Sequence[str]) -> None:
    """A :class:`DataError` naming the first non-finite sample (a nan sample would make every
    mean nan).  One vectorised test per array, no copy."""
    for name, c in zip(names, cols):
        if not np.isfinite(c).all():
            i = int(np.argmin(np.isfinite(c)))
            raise DataError(f"data[{name}] has a non-finite value {float(c[i])} at sample "
                            f"{i}; every sample must be a finite number")


def joined(point: Any, wrt: Sequence[sp.Symbol], extra: Any, extra_symbols: Sequence[sp.Symbol],
           what: str, expected: str | None = None) -> np.ndarray:
    """``point`` and ``extra`` (a tangent or cotangent) side by side on the last axis, their
    batch shapes broadcast: the input of a derivative graph whose inputs are ``wrt`` then
    ``extra_symbols``.

    >>> import sympy as sp
    >>> x, y, v = sp.symbols("x y v")
    >>> joined([1.0, 2.0], (x, y), [[0.0, 1.0], [1.0, 0.0]], (x, y), "tangent")
    array([[1., 2., 0., 1.],
           [1., 2., 1., 0.]])
    """
    x = as_point(point, wrt)
    e = as_point(extra, extra_symbols, what, expected)
    try:
        batch = np.broadcast_shapes(x.shape[:-1], e.shape[:-1])
    except ValueError:
        raise PointError(f"point shape {x.shape} and {what} shape {e.shape} do not broadcast") from None
    return np.concatenate([np.broadcast_to(x, batch + x.shape[-1:]),
                           np.broadcast_to(e, batch + e.shape[-1:])], axis=-1)
