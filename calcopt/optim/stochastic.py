"""``calcopt.sgd``: mini-batch stochastic gradient descent on the mean over a data set.

Each step evaluates the mini-batch gradient with **one** call of the generated ``"numpy"``
code of the gradient graph on the batch's samples (no Python loop over samples).  The full
objective (a pass over all N samples) is evaluated only where the run records: at ``x0``,
every ``record_every`` steps and at the final iterate.

>>> import numpy as np, sympy as sp, calcopt
>>> w, a, b = sp.symbols("w a b")
>>> g = calcopt.compile((w*a - b)**2 / 2, wrt=[w], params=[a, b])
>>> rng = np.random.default_rng(0)
>>> A = rng.normal(size=200); B = 3*A + 0.1*rng.normal(size=200)
>>> run = calcopt.sgd(g, [0.0], {a: A, b: B}, batch_size=20, step=0.1, epochs=20, seed=1)
>>> run.iters, run.recorded[:3].tolist(), bool(abs(run.x[0] - 3) < 0.05)
(200, [0, 10, 20], True)
"""

from __future__ import annotations

import math
from time import perf_counter
from typing import Any

import numpy as np

from ..codegen.program import sample_means
from ..data.lazy import DaskData
from ..data.points import as_data
from ..errors import DataError, OptionError, PointError
from . import call_order, runs
from .chunked import chunk_batches, chunk_batches_per_epoch
from .constants import curvature
from .results import Run

SCHEDULES = ("constant", "inverse")


def batch_mean(outs) -> np.ndarray:
    """The mean over the samples of each output of the generated numpy code (outputs that do
    not depend on the data come back as scalars)."""
    return np.array([o.mean() if type(o) is np.ndarray else float(o) for o in outs])


def gradient_code(g):
    """The generated numpy gradient ``f(x, p)``, always returning a tuple of outputs."""
    fn = g.gradient_graph().function("numpy")
    if len(g.wrt) == 1:
        return lambda x, p: (fn(x, p),)
    return fn


def data_columns(g, data: Any) -> tuple[np.ndarray, ...]:
    """The data as one ``(N,)`` float column per param (``g.params`` order), validated once;
    views of the caller's float arrays where possible (no copy of an ``(N, p)`` array)."""
    if not g.params:
        raise DataError("sgd and minibatch_variance sample the data of an objective with params "
                        "(calcopt.compile(..., params=[...])); this graph has none")
    return as_data(data, g.params)


def memory_batches(arrays: tuple, N: int, B: int, replace: bool, rng):
    """The mini-batches of in-memory data, endlessly: with replacement ``B`` independent draws
    each; without, a fresh permutation per epoch cut into ``N // B`` batches (views)."""
    per_epoch = N // B
    while True:
        if replace:
            idx = rng.integers(0, N, B)
            yield tuple(a[idx] for a in arrays)
            continue
        perm = rng.permutation(N)
        shuffled = tuple(a[perm] for a in arrays)
        for j in range(per_epoch):
            yield tuple(a[j * B:(j + 1) * B] for a in shuffled)


def batch_size_of(batch_size: Any, N: int) -> int:
    B = runs.count(batch_size, "batch_size", 1)
    if B > N:
        raise OptionError(f"batch_size {B} is larger than the number of samples N = {N}")
    return B


def schedule_of(g, data, schedule, step, beta, gamma, L, mu) -> tuple[str, Any, str]:
    """``(schedule, parameters, description)``: a step, or ``(beta, gamma)`` for
    ``beta / (gamma + k)`` at the k-th step (k = 1, 2, ...)."""
    runs.choice(schedule, "schedule", SCHEDULES)
    if schedule == "constant":
        if beta is not None or gamma is not None:
            raise OptionError("beta= and gamma= belong to schedule='inverse'")
        if step is None:
            curv = curvature(g, data, None, L, mu)
            if curv.L is None:
                raise OptionError(f"no L for a default step 1/L ({curv.explanation}); pass step=")
            step = 1 / runs.positive(curv.L, "L")
            return "constant", step, f"sgd, constant step 1/L = {step:.6g}"
        step = runs.positive(step, "step")
        return "constant", step, f"sgd, constant step {step:.6g}"
    if step is not None:
        raise OptionError("schedule='inverse' takes beta= and gamma= (steps beta/(gamma+k)), "
                          "not step=")
    if beta is None or gamma is None:
        curv = curvature(g, data, None, L, mu)
        muf = float(curv.mu) if curv.mu is not None else 0.0
        if curv.L is None or not muf > 0:
            raise OptionError("schedule='inverse' needs beta= and gamma=, or L and mu > 0 for "
                              f"the defaults beta = 2/mu, gamma = beta*L - 1 ({curv.explanation})")
        beta = 2 / muf if beta is None else beta
        gamma = max(beta * float(curv.L) - 1, 0.0) if gamma is None else gamma
    beta = runs.positive(beta, "beta")
    gamma_given, gamma = gamma, runs.as_real(gamma)
    if gamma is None or not (math.isfinite(gamma) and gamma >= 0):
        raise OptionError(f"gamma must be a finite number >= 0; got {gamma_given!r}")
    return "inverse", (beta, gamma), (f"sgd, steps beta/(gamma + k) with beta {beta:.6g}, "
                                      f"gamma {gamma:.6g}")


@call_order.accepts_data_before_x0
def sgd(g, x0: Any, data: Any, batch_size: int = 32, step: Any = None,
        schedule: str = "constant", iters: int | None = None, epochs: int | None = None,
        seed: Any = None, replace: bool = False, record_every: int | None = None,
        progress: bool = False, *, beta: Any = None, gamma: Any = None, L: Any = None,
        mu: Any = None, client: Any = None) -> Run:
    """Mini-batch SGD on the mean of ``g`` over ``data`` (``{param: N samples}`` or an
    ``(N, p)`` array) from ``x0``.

    The arguments follow :func:`calcopt.gd`: ``g``, then ``x0``, then (required here) ``data``.
    The old order ``sgd(g, data, x0, ...)`` still works, with a ``DeprecationWarning``; it is
    recognised when the second argument can only be data (a dict keyed by params, a 2-D
    array or table, dask data) and the third cannot; any other call is read in the new order
    (a call that fits neither is an error about ``x0`` or ``data``).
    ``schedule="constant"``: step ``step`` (default ``1/L`` when ``g`` is quadratic in the
    variables, ``L`` from the data-mean Hessian, or ``L=``); ``"inverse"``: step
    ``beta/(gamma + k)`` at the k-th step (defaults ``beta = 2/mu``, ``gamma = beta L - 1``).
    Mini-batches: without replacement (``replace=False``) each epoch is a fresh random
    permutation cut into ``N // batch_size`` batches (a remainder is skipped); with replacement
    each batch is ``batch_size`` independent draws.  ``iters`` steps, or ``epochs`` times
    ``N // batch_size`` (default 10 epochs).  Reproducible for a given ``seed``.
    ``record_every`` (default: once per epoch; 0: never) sets where the full objective is
    evaluated.  Stops at a non-finite gradient (``diverged``) or Ctrl-C (``"interrupted"``).
    Dask ``data``: mini-batches are drawn inside one chunk at a time, chunks in a fresh random
    order per epoch (:func:`calcopt.optim.chunked.chunk_batches`, docs/scaling.md); the
    recorded full objective is a distributed pass; ``client``: a ``dask.distributed.Client``.
    """
    t_start = perf_counter()
    runs.require_scalar(g, "sgd")
    given = data
    data = runs.dask_ready(g, data, client)
    cols = data_columns(g, data)
    chunked = isinstance(cols, DaskData)
    N = cols.N if chunked else len(cols[0])
    x = np.array(runs.start_point(g, x0))
    B = batch_size_of(batch_size, N)
    per_epoch = chunk_batches_per_epoch(cols, B) if chunked else N // B
    iters, record_every = _counts(iters, epochs, record_every, per_epoch)
    kind, params, method = schedule_of(g, data, schedule, step, beta, gamma, L, mu)
    method += f", batch {B} of N = {N} " + ("with" if replace else "without") + " replacement"
    if chunked:
        method += f" inside shuffled chunks ({len(cols.chunk_sizes())} chunks)"
    grad, batches, full = _samplers(g, cols, chunked, N, B, replace, seed)
    trace = _Trace(full)
    if record_every and not trace.record(0, x):
        batches.close()
        # the data are finite (as_data checks): x0 is outside the objective's domain
        raise PointError(f"the objective or its gradient (the mean over the N = {N} samples) "
                         f"is not finite at x0 = {x.tolist()}: x0 is outside the domain of the "
                         "terms of some samples (e.g. the log of a negative number) or they "
                         "overflow there; the data are finite")
    bar = runs.progress_bar(progress, iters, method)
    x, k, why = _steps(x, grad, batches, kind, params, iters, record_every, trace, bar)
    x, k_last, why = trace.last(x, k, why, record_every)
    reason = {"iterations": f"{k} steps done ({k / per_epoch:.3g} epochs)",
              "interrupted": "interrupted",
              "nonfinite": f"diverged: a non-finite gradient or iterate at step {k + 1}; x is "
                           f"the last finite iterate recorded (step {k_last})"}[why]
    info = {"kind": "sgd", "schedule": kind, "step": params, "batch_size": B, "replace": replace,
            "seed": seed, "N": N, "x0": x0, "data": given,
            "sampling": "chunks" if chunked else "memory"}
    n = len(g.wrt)
    xs = np.array(trace.xs, dtype=float).reshape(len(trace.xs), n)
    return Run(x=np.asarray(x, dtype=float), xs=xs, f=np.array(trace.fs),
               grad_norm=np.array(trace.gns),
               steps=_schedule_steps(kind, params, k), recorded=np.array(trace.rec, dtype=int),
               iters=k, converged=False, diverged=why == "nonfinite", explanation=reason,
               method=method, time=perf_counter() - t_start, wrt=tuple(g.wrt), info=info)


def _counts(iters, epochs, record_every, per_epoch: int) -> tuple[int, int]:
    """``(iters, record_every)`` checked, with their defaults (10 epochs; once per epoch)."""
    if iters is not None and epochs is not None:
        raise OptionError("give iters= or epochs=, not both")
    iters = runs.count(iters, "iters") if iters is not None else \
        per_epoch * runs.count(10 if epochs is None else epochs, "epochs")
    record_every = per_epoch if record_every is None else runs.count(record_every, "record_every")
    return iters, record_every


def _samplers(g, cols, chunked: bool, N: int, B: int, replace: bool, seed):
    """``(grad, batches, full)``: the mini-batch gradient (the sample-mean code of
    :func:`calcopt.codegen.program.sample_means`, one call per mini-batch), the endless mini-batches
    and the full ``(f, gradient)`` over all samples (a distributed pass for dask data)."""
    grad_prog = sample_means(g, "gradient")
    full_prog = sample_means(g, "value_and_gradient")
    rng = np.random.default_rng(seed)
    if chunked:
        batches = chunk_batches(cols, grad_prog.layout, B, replace, rng)
        return grad_prog.function, batches, lambda xk: cols.sample_mean(full_prog, xk)
    shared: dict = {}  # both programs use one stacked (N, d) matrix (linear-form helper)
    arrays = grad_prog.prepare(cols, shared)
    full_arrays = full_prog.prepare(cols, shared)
    batches = memory_batches(arrays, N, B, replace, rng)
    return grad_prog.function, batches, lambda xk: full_prog(xk, full_arrays)


class _Trace:
    """The recorded iterates of a run, with the full objective and gradient norm at each."""

    def __init__(self, full):
        self.full = full
        self.xs: list = []
        self.fs: list = []
        self.gns: list = []
        self.rec: list = []

    def record(self, k: int, xk: np.ndarray) -> bool:
        """Record ``xk`` as step ``k``; ``False`` (nothing recorded) when not finite there."""
        out = self.full(xk)
        gn = float(np.sqrt(out[1:] @ out[1:]))
        if not (math.isfinite(out[0]) and math.isfinite(gn)):
            return False
        self.xs.append(xk)
        self.fs.append(float(out[0]))
        self.gns.append(gn)
        self.rec.append(k)
        return True

    def last(self, x, k: int, why: str, record_every: int):
        """``(x, k_last, why)`` at the end: the final iterate recorded (unless recorded last or
        diverged); after a divergence x is the last finite iterate recorded."""
        if record_every and (not self.rec or self.rec[-1] != k) and why != "nonfinite" \
                and not self.record(k, x):
            why = "nonfinite"
        if why == "nonfinite" and self.rec:
            return self.xs[-1], self.rec[-1], why
        return x, k, why


def _steps(x, grad, batches, kind, params, iters, record_every, trace, bar):
    """The SGD steps: ``(x, steps done, why stopped)``; closes ``batches`` and ``bar``."""
    constant = params if kind == "constant" else None
    why, k = "iterations", 0
    try:
        with np.errstate(all="ignore"):
            while k < iters:
                gk = grad(x, next(batches))
                alpha = constant if constant is not None else params[0] / (params[1] + k + 1)
                new = x - alpha * gk
                if not math.isfinite(new @ new):  # nan, inf or about to overflow
                    why = "nonfinite"
                    break
                x = new
                k += 1
                if record_every and k % record_every == 0 and k < iters \
                        and not trace.record(k, x):
                    why = "nonfinite"
                    break
                if bar is not None:
                    bar.update()
    except KeyboardInterrupt:
        why = "interrupted"
    finally:
        batches.close()
        if bar is not None:
            bar.close()
    return x, k, why


def _schedule_steps(kind: str, params, k: int) -> np.ndarray:
    """The first ``k`` steps of the schedule (never materialised ahead of time)."""
    return np.full(k, params) if kind == "constant" else \
        params[0] / (params[1] + np.arange(1, k + 1))
