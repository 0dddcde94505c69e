"""The built-in default objectives that ``calcopt report`` reports on when given no argument.

* :func:`default_objective`: an ill-conditioned quadratic (kappa = 100): everything about it
  is exact, and gradient descent zig-zags on it;
* :func:`default_logistic`: L2-regularised logistic regression on a small data set shipped
  with the package (``calcopt/data/logistic_regression.csv``, 200 samples): a finite-sum
  objective for SGD and the mini-batch variance.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import sympy as sp

LOGISTIC_DATA = "logistic_regression.csv"
RIDGE = sp.Rational(1, 10)   # the L2 weight lambda of default_logistic


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


@dataclass(frozen=True)
class FiniteSum:
    """A finite-sum objective: ``expr`` in the variables ``wrt`` and data ``params``, the
    ``data`` (one column per param), a start point ``x0`` and the smoothness and strong
    convexity constants ``L``, ``mu`` of the data mean with how they were obtained."""

    expr: sp.Expr
    wrt: tuple[sp.Symbol, ...]
    params: tuple[sp.Symbol, ...]
    data: dict
    x0: tuple[float, ...]
    L: float
    mu: sp.Expr
    constants_how: str


def logistic_data() -> np.ndarray:
    """The shipped data set as an ``(N, 3)`` float array with columns ``a1, a2, b``.

    >>> D = logistic_data()
    >>> D.shape, sorted(set(D[:, 2].tolist()))
    ((200, 3), [-1.0, 1.0])
    """
    text = resources.files("calcopt.data").joinpath(LOGISTIC_DATA).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    return np.array([[float(v) for v in row.split(",")] for row in rows[1:]])


def default_logistic() -> FiniteSum:
    """L2-regularised logistic regression on the shipped data set.

    f(w; a, b) = log(1 + exp(-b (w1 a1 + w2 a2))) + (w1**2 + w2**2) / 20, averaged over the
    200 samples.  Its constants come from the structure, not from a search: the logistic
    loss has second derivative sigma(z)(1 - sigma(z)) <= 1/4 and b**2 = 1, so the data-mean
    Hessian lies between lambda I and (1/4) mean(a a^T) + lambda I with lambda = 1/10:
    mu = 1/10, L = lambda_max(mean(a a^T)) / 4 + 1/10 (both hold on all of R^2).

    >>> p = default_logistic()
    >>> p.wrt, p.params, len(p.data[p.params[0]]), p.mu
    ((w1, w2), (a1, a2, b), 200, 1/10)
    >>> round(p.L, 4)
    0.3623
    """
    w1, w2, a1, a2, b = sp.symbols("w1 w2 a1 a2 b")
    expr = sp.log(1 + sp.exp(-b * (w1 * a1 + w2 * a2))) + RIDGE / 2 * (w1**2 + w2**2)
    D = logistic_data()
    A = D[:, :2]
    L = float(np.linalg.eigvalsh(A.T @ A / len(A))[-1] / 4 + float(RIDGE))
    how = ("from the structure: the logistic loss has second derivative at most 1/4 and the "
           "L2 term adds lambda = 1/10, so L = lambda_max(mean a a^T)/4 + 1/10 and mu = 1/10 "
           "hold on all of R^2 (L in floating point)")
    return FiniteSum(expr, (w1, w2), (a1, a2, b), {a1: D[:, 0], a2: D[:, 1], b: D[:, 2]},
                     (-2.0, 2.0), L, RIDGE, how)
