"""The built-in default objective that ``calcopt`` reports on when given no argument."""

from __future__ import annotations

import sympy as sp


def default_objective() -> tuple[sp.Expr, tuple[sp.Symbol, ...], tuple[float, ...]]:
    """An ill-conditioned quadratic with a shared subexpression, its variables and a point.

    f(x, y) = (x + y - 1)**2 / 2 + 50 * (x - y)**2 — Hessian eigenvalues 2 and 200, so the
    condition number is 100: gradient descent zig-zags on it.

    >>> f, wrt, point = default_objective()
    >>> wrt
    (x, y)
    """
    x, y = sp.symbols("x y")
    f = (x + y - 1) ** 2 / 2 + 50 * (x - y) ** 2
    return f, (x, y), (1.0, -0.5)
