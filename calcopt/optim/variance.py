"""``calcopt.minibatch_variance``: the variance of mini-batch gradients against sigma^2 / B.

The per-sample gradients at ``x`` come from one vectorised call of the generated gradient
code over all N samples; sigma^2 is their population variance (the mean squared distance to
the full gradient, summed over coordinates).  A mini-batch of B samples drawn with
replacement has variance sigma^2 / B; without replacement, sigma^2 / B * (N - B) / (N - 1)
(the finite-population correction).

>>> import numpy as np, sympy as sp, calcopt
>>> w, a = sp.symbols("w a")
>>> g = calcopt.compile((w - a)**2 / 2, wrt=[w], params=[a])
>>> data = {a: np.random.default_rng(0).normal(size=1000)}
>>> mv = calcopt.minibatch_variance(g, data, [0.0], [1, 10, 100], samples=4000, seed=0)
>>> bool(np.all(abs(mv.ratio - 1) < 0.1)), mv.sigma2 > 0.9
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import Any, Sequence

import numpy as np

from ..errors import OptionError
from . import runs
from ..data.lazy import DaskData
from .chunked import batch_deviations, draw_indices, gradient_spread
from .stochastic import batch_mean, batch_size_of, data_columns, gradient_code
from ..results import Result, show


def sample_gradients(g, D: np.ndarray, x: Any) -> np.ndarray:
    """The gradient of every sample at ``x``: an ``(N, n)`` array (one vectorised call)."""
    with np.errstate(all="ignore"):
        outs = gradient_code(g)(np.asarray(x, dtype=float), tuple(D))
    N = D.shape[1]
    return np.stack([np.broadcast_to(np.asarray(o, dtype=float), (N,)) for o in outs], axis=1)


def predicted_variance(sigma2: float, B: int | np.ndarray, N: int, replace: bool):
    """sigma^2 / B, times (N - B)/(N - 1) without replacement."""
    B = np.asarray(B, dtype=float)
    return sigma2 / B * (1.0 if replace else (N - B) / max(N - 1, 1))


@dataclass
class MinibatchVariance(Result):
    """Result of :func:`minibatch_variance`: for each ``batch_sizes[i]``, the ``measured``
    variance of the mini-batch gradient (mean over ``samples`` draws of its squared distance to
    the full gradient), the ``predicted`` sigma^2 / B (with the finite-population correction
    without replacement), ``ratio = measured / predicted``, its standard error ``rel_se``
    (relative), and ``seconds_per_sample`` of one vectorised mini-batch evaluation.  Where
    the predicted variance is 0 (B = N without replacement: every batch is the whole data set;
    or sigma^2 = 0) the measured one is 0 up to rounding, and ``ratio`` and ``rel_se`` are
    nan: the table says "exact" instead of a ratio."""

    batch_sizes: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray
    ratio: np.ndarray
    rel_se: np.ndarray
    seconds_per_sample: np.ndarray
    sigma2: float
    N: int
    replace: bool
    samples: int

    _repr_fields = ("table",)

    def table(self) -> str:
        head = (f"{'B':>7} {'measured':>12} {'sigma^2/B':>12} {'ratio':>8} {'+-':>6} "
                f"{'s/sample':>10}")
        rows = [f"{b:>7d} {m:>12.5g} {p:>12.5g} " + (
                    f"{r:>8.4f} {s:>6.3f}" if p > 0 else f"{self._exact(b):>15}") + f" {t:>10.3g}"
                for b, m, p, r, s, t in zip(self.batch_sizes, self.measured, self.predicted,
                                            self.ratio, self.rel_se, self.seconds_per_sample)]
        return "\n".join([head, *rows])

    def _exact(self, B: int) -> str:
        return "exact (B = N)" if B == self.N and not self.replace else "exact (sigma^2 = 0)"

    def _repr_title(self) -> str:
        how = "with" if self.replace else "without (finite-population correction)"
        return (f"MinibatchVariance(N={self.N}, sigma2={self.sigma2:.6g}, {self.samples} draws "
                f"per B, sampling {how} replacement)")

    def _repr_value(self, name: str, value: Any) -> str | None:
        return value() if name == "table" else show(value)


def minibatch_variance(g, data: Any, x: Any, batch_sizes: Sequence[int], samples: int = 1000,
                       seed: Any = None, replace: bool = False,
                       client: Any = None) -> MinibatchVariance:
    """Measured variance of the mini-batch gradient of ``g`` at ``x`` for each batch size,
    against sigma^2 / B; and the time per sample of one vectorised mini-batch gradient.
    Dask ``data``: sigma^2 and the full gradient are distributed passes; the mini-batches are
    drawn as ``sgd`` draws them there (inside one chunk, :mod:`calcopt.optim.chunked`), so
    ``ratio`` far from 1 shows chunks that differ systematically."""
    runs.require_scalar(g, "minibatch_variance")
    data = runs.dask_ready(g, data, client)
    cols = data_columns(g, data)
    chunked = isinstance(cols, DaskData)
    N = cols.N if chunked else len(cols[0])
    x = np.array(runs.start_point(g, x))
    sizes = [batch_size_of(b, N) for b in np.atleast_1d(np.asarray(batch_sizes, dtype=object))]
    if not sizes:
        raise OptionError("batch_sizes is empty; give one or more batch sizes")
    samples = runs.count(samples, "samples", 2)
    rng = np.random.default_rng(seed)
    if chunked:
        full, sigma2 = gradient_spread(g, cols, x)
        devs, batches = batch_deviations(g, cols, x, full, sizes, samples, rng, replace)
    else:
        D = np.stack(cols)
        per = sample_gradients(g, D, x)
        full = per.mean(axis=0)
        sigma2 = float(((per - full) ** 2).sum(axis=1).mean())
        devs, batches = [], []
        for B in sizes:
            idx = draw_indices(rng, N, B, samples, replace)
            # the batch means of the per-sample gradients are the mini-batch gradients
            devs.append(((per[idx].mean(axis=1) - full) ** 2).sum(axis=1))
            batches.append(tuple(D[:, idx[0]]))
    grad = gradient_code(g)
    measured, se, secs = [], [], []
    for B, dev, batch in zip(sizes, devs, batches):
        measured.append(dev.mean())
        se.append(dev.std(ddof=1) / np.sqrt(samples) / max(dev.mean(), 1e-300))
        with np.errstate(all="ignore"):
            secs.append(_best_time(lambda: batch_mean(grad(x, batch))) / B)
    Bs = np.array(sizes)
    pred = predicted_variance(sigma2, Bs, N, replace)
    measured = np.array(measured)
    # a predicted 0 (B = N without replacement, or sigma^2 = 0) is met exactly, up to the
    # rounding of the measured variance: no ratio (it would be inf or nan)
    exact = pred <= 0
    with np.errstate(all="ignore"):
        ratio = np.where(exact, np.nan, measured / np.where(exact, 1.0, pred))
    se = np.where(exact, np.nan, np.array(se))
    return MinibatchVariance(Bs, measured, pred, ratio, se, np.array(secs), sigma2, N,
                             replace, samples)


def gradient_variance(g, data: Any, x: Any) -> tuple[float, int]:
    """``(sigma^2, N)``: the population variance of the per-sample gradients at ``x`` (summed
    over coordinates); dask data in two distributed passes."""
    cols = data_columns(g, data)
    if isinstance(cols, DaskData):
        return gradient_spread(g, cols, np.asarray(x, dtype=float))[1], cols.N
    per = sample_gradients(g, np.stack(cols), x)
    return float(((per - per.mean(axis=0)) ** 2).sum(axis=1).mean()), per.shape[0]


def _best_time(fn, repeats: int = 5) -> float:
    best = np.inf
    for _ in range(repeats):
        t0 = perf_counter()
        fn()
        best = min(best, perf_counter() - t0)
    return best
