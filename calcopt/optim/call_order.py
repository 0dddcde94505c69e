"""The deprecated argument order of :func:`calcopt.sgd`.

``sgd`` takes its arguments in the order of :func:`calcopt.gd`: ``sgd(g, x0, data, ...)``.
It used to take ``sgd(g, data, x0, ...)``; such calls still work, with a
``DeprecationWarning``.  A call is read in the old order only when no other reading can be
valid: the second argument can only be data and the third cannot (or the call passes the
data positionally and ``x0=`` by keyword).  Data for a graph with params is a dict keyed by
params (a start point's dict is keyed by the variables, and unknown keys are an error), an
``(N, p)`` array or table, or dask data (dask data other than a dict is 2-D too); a start
point is never 2-D.  So a valid call is never misread.

>>> import numpy as np, sympy as sp, warnings
>>> w, a = sp.symbols("w a")
>>> import calcopt
>>> g = calcopt.compile((w - a)**2, wrt=[w], params=[a])
>>> looks_like_data(g, {a: [1.0, 2.0]}), looks_like_data(g, {w: 0.0}), looks_like_data(g, [0.0])
(True, False, False)
>>> looks_like_data(g, np.ones((5, 1))), looks_like_data(g, [[1, 2], [3]])
(True, False)
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp

from ..data.lazy import DaskData

OLD_ORDER = ("calcopt.sgd(g, data, x0, ...) is deprecated: pass x0 before data, as for "
             "calcopt.gd: sgd(g, x0, data, ...) (or data=..., x0=... by keyword)")


def looks_like_data(g, value: Any) -> bool:
    """Can ``value`` only be data for ``g``'s params, never a start point?  A dict with a key
    naming a param (a symbol or its name), an object with two dimensions (an ``(N, p)``
    array, nested lists, a pandas or dask DataFrame, a 2-D dask array), a
    :class:`calcopt.data.lazy.DaskData`."""
    if isinstance(value, DaskData):
        return True
    if isinstance(value, Mapping):
        names = {s.name for s in g.params}
        return any(k in names or isinstance(k, sp.Symbol) and k.name in names for k in value)
    try:
        return np.ndim(value) == 2  # .ndim when there is one: a dask object is not computed
    except Exception:  # ragged nested lists and other objects NumPy cannot read
        return False


def in_new_order(g, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """``(args, kwargs)`` of an ``sgd`` call after ``g``, in the order ``x0, data, ...``; a
    call in the old order ``data, x0, ...`` is reordered, with a ``DeprecationWarning``."""
    if len(args) == 1 and "x0" in kwargs and "data" not in kwargs:
        old, args, kwargs = True, (), {**kwargs, "data": args[0]}  # sgd(g, data, x0=...)
    elif len(args) >= 2 and looks_like_data(g, args[0]) and not looks_like_data(g, args[1]):
        old, args = True, (args[1], args[0]) + args[2:]
    else:
        old = False
    if old:
        warnings.warn(OLD_ORDER, DeprecationWarning, stacklevel=3)
    return args, kwargs


def accepts_data_before_x0(fn):
    """``fn(g, x0, data, ...)`` that also accepts the old order ``fn(g, data, x0, ...)``
    (see :func:`in_new_order`); its signature and docstring stay ``fn``'s."""

    @functools.wraps(fn)
    def wrapper(g, *args, **kwargs):
        args, kwargs = in_new_order(g, args, kwargs)
        return fn(g, *args, **kwargs)

    return wrapper
