"""Machinery shared by the runs: input checks (once per run), oracles over the generated code,
progress bars and assembling the :class:`~calcopt.optim.results.Run`.

An *oracle* is a plain function ``x (list of floats) -> (f, gradient list)`` over the generated
code of the value-and-gradient graph: the ``"math"`` code without data, the ``"numpy"`` code
averaged over the samples with data.  Domain errors and overflows come back as ``f = nan`` and
``gradient = None``, so a loop needs one finiteness test per step.
"""

from __future__ import annotations

import decimal
import math
import numbers
from typing import Any, Callable

import numpy as np
import sympy as sp

from ..data.lazy import DaskData, is_dask
from ..data.points import as_data, as_point
from ..errors import OptionError, PointError, ShapeError
from .results import Run

MATH_ERRORS = (ValueError, ZeroDivisionError, OverflowError)
Oracle = Callable[[list], tuple]


def require_scalar(g, what: str) -> None:
    if not g.is_scalar:
        raise ShapeError(f"{what} minimises a scalar objective; this graph has "
                         f"{len(g.outputs)} outputs")


def start_point(g, x0: Any) -> list[float]:
    """``x0`` as a list of finite floats aligned with ``g.wrt`` (a dict by name works too)."""
    x = as_point(x0, g.wrt, "x0")
    if x.ndim != 1:
        raise PointError(f"x0 must be one point with {len(g.wrt)} entries; got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise PointError(f"x0 must be finite; got {x.tolist()}")
    return [float(v) for v in x]


def as_real(value: Any) -> float | None:
    """``float(value)`` for a real number (Python, numpy, ``Decimal``, a real SymPy number, a
    0-d numpy array of them), else ``None``: never for a str, bytes or bool, which ``float()``
    would silently read or turn into 0/1."""
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, sp.Basic):
        if not (value.is_number and value.is_real):
            return None
    elif not isinstance(value, (numbers.Real, decimal.Decimal)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def positive(value: Any, what: str, allow_none: bool = False) -> float | None:
    """A positive finite float (``step``, ``L``, ``beta`` ...), else an :class:`OptionError`.

    >>> import sympy as sp
    >>> positive(sp.Rational(1, 10), "step"), positive(0.5, "step")
    (0.1, 0.5)
    >>> positive("0.1", "step")
    Traceback (most recent call last):
        ...
    calcopt.errors.OptionError: step must be a positive finite number; got '0.1'
    """
    if value is None and allow_none:
        return None
    v = as_real(value)
    if v is None or not (math.isfinite(v) and v > 0):
        raise OptionError(f"{what} must be a positive finite number; got {value!r}")
    return v


def count(value: Any, what: str, minimum: int = 0) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral,)):
        raise OptionError(f"{what} must be an integer >= {minimum}; got {value!r}")
    if value < minimum:
        raise OptionError(f"{what} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def choice(value: Any, what: str, allowed: tuple) -> Any:
    # by identity or string equality: `in` would compare an array elementwise (and raise)
    if not any(value is a or isinstance(value, str) and value == a for a in allowed):
        raise OptionError(f"{what} must be one of {allowed}; got {value!r}")
    return value


def _means(outs) -> list[float]:
    return [float(o.mean()) if type(o) is np.ndarray else float(o) for o in outs]


def dask_ready(g, data: Any, client: Any = None, persist: bool = True) -> Any:
    """``data`` unchanged unless it is dask data: then validated once, computed by ``client``
    (default: dask's current client or the local scheduler) and, with ``persist``, held in
    cluster memory when it fits there (:meth:`calcopt.data.lazy.DaskData.persisted`)."""
    if g.params and is_dask(data) or isinstance(data, DaskData):
        out = as_data(data, g.params).using(client)
        return out.persisted() if persist else out
    if client is not None:
        raise OptionError("client= computes on dask data; this data is in memory (pass a dask "
                          "collection, e.g. from calcopt.load_data or dask.array.from_array)")
    return data


def oracles(g, data: Any) -> tuple[Oracle, Callable[[list], float]]:
    """``(value_and_gradient, value)`` oracles; with data, means over all samples (dask data:
    one distributed pass per call, chunk by chunk)."""
    cols = as_data(data, g.params)
    if isinstance(cols, DaskData):
        return _dask_oracles(g, cols)
    vg = g.vjp_graph().function("math" if cols is None else "numpy")
    fv = g.function("math" if cols is None else "numpy")
    if cols is None:
        def fg(x):
            try:
                out = vg(x, ())
            except MATH_ERRORS:
                return math.nan, None
            return out[0], out[1:]

        def f(x):
            try:
                return fv(x, ())
            except MATH_ERRORS:
                return math.nan
        return fg, f

    def fg_data(x):
        with np.errstate(all="ignore"):
            out = _means(vg(x, cols))
        return out[0], out[1:]

    def f_data(x):
        with np.errstate(all="ignore"):
            v = fv(x, cols)
        return float(v.mean()) if type(v) is np.ndarray else float(v)
    return fg_data, f_data


def _dask_oracles(g, cols) -> tuple[Oracle, Callable[[list], float]]:
    vg, fv, n = g.vjp_graph().function("numpy"), g.function("numpy"), len(g.wrt)

    def fg(x):  # value and gradient: one dask graph, one pass over the data
        out = cols.program_mean(vg, np.asarray([x], dtype=float), 1 + n)[0]
        return float(out[0]), out[1:].tolist()

    def f(x):
        return float(cols.program_mean(fv, np.asarray([x], dtype=float), 1)[0, 0])
    return fg, f


def progress_bar(enabled: bool, total: int, desc: str):
    if not enabled:
        return None
    from tqdm.auto import tqdm
    # the method without its parenthesised details: a long one would wrap the bar's line
    return tqdm(total=total, desc=desc.split(" (")[0], leave=False)


def finish(g, xs: list, fs: list, gns: list, steps: list | np.ndarray, recorded: list | None,
           iters: int, converged: bool, diverged: bool, reason: str, method: str,
           time: float, last_x: list | None = None, info: dict | None = None) -> Run:
    """Assemble a Run; records cut to a common length (a Ctrl-C may land between appends)."""
    m = min(len(xs), len(fs), len(gns)) if recorded is None else \
        min(len(xs), len(fs), len(gns), len(recorded))
    n = len(g.wrt)
    xs_arr = (xs if isinstance(xs, np.ndarray) else np.array(xs[:m], dtype=float))[:m].reshape(m, n)
    rec = np.arange(m) if recorded is None else np.array(recorded[:m], dtype=int)
    x = np.array(last_x if last_x is not None else xs[m - 1], dtype=float)
    return Run(x=x, xs=xs_arr, f=np.asarray(fs[:m], dtype=float),
               grad_norm=np.asarray(gns[:m], dtype=float),
               steps=np.asarray(steps, dtype=float)[:iters], recorded=rec, iters=iters,
               converged=converged, diverged=diverged, explanation=reason, method=method,
               time=time, wrt=tuple(g.wrt), info=info or {})
