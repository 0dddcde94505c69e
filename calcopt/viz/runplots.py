"""matplotlib plots of optimisation runs: convergence against the predicted bound, and the
mini-batch gradient variance against sigma^2 / B.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**2/2 + 5*y**2)
>>> run = calcopt.gd(g, [1.0, 1.0], iters=40, tol=0)
>>> fig = calcopt.plot_convergence(run, calcopt.predict(g, x0=[1.0, 1.0]))
>>> fig.axes[0].get_yscale(), [line.get_label()[:11] for line in fig.axes[0].get_lines()]
('log', ['gd, fixed s', 'tight bound', 'classical b'])
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import OptionError
from .figures import as_runs, new_figure, run_colour, run_labels, save, wrap

QUANTITIES = ("f_gap", "distance", "distance_squared", "grad_norm")
AXIS_LABEL = {"f_gap": r"$f(x_k) - f^\star$", "distance": r"$\|x_k - x^\star\|$",
              "distance_squared": r"$\|x_k - x^\star\|^2$",
              "grad_norm": r"$\|\nabla f(x_k)\|$"}
WORDS = {"f_gap": "f-gap", "distance": "distance to x*", "distance_squared":
         "squared distance to x*", "grad_norm": "gradient norm"}
BOUND_STYLE = dict(color="black", linestyle="--", linewidth=1.8)


def plot_convergence(runs: Any, prediction: Any = None, quantity: str | None = None,
                     path: str | Path | None = None, *, x_star: Any = None,
                     f_star: float | None = None, labels: Sequence[str] | None = None,
                     title: str | None = None, figsize: tuple[float, float] = (7.5, 5.4),
                     dpi: int = 100) -> Any:
    """Log error against iteration for one or several runs, with the predicted bound.

    ``runs``: a :class:`calcopt.Run` or a sequence of them (one line each, labelled with
    ``labels`` or the run's method).  ``prediction``: ``None``, a :class:`calcopt.Prediction`
    (its ``bound(k)`` is drawn as a dashed line, labelled with its rate and source; a looser
    ``classical`` bound dotted, an SGD noise ``floor`` dash-dotted), a list of Predictions
    for the same quantity, one per run (``None`` for a run without one; each bound in its
    run's colour) or a
    :class:`calcopt.RateCheck` (its recorded ``bound``; without ``x*``/``f*`` the check's
    measured, seed-averaged ``error`` is drawn instead of the runs' own errors).

    ``quantity``: ``"f_gap"`` (f - f*), ``"distance"`` (||x - x*||), ``"distance_squared"`` or
    ``"grad_norm"``; default the prediction's quantity, else ``f_gap`` when ``f_star`` is
    given, ``distance`` when ``x_star`` is, else ``grad_norm``.  ``x_star``/``f_star`` default
    to the prediction's.  Values <= 0 (the error reached exactly zero, or rounding made an
    f-gap negative) cannot be drawn on a log axis and are left out.

    Returns the ``Figure``; with ``path`` also saves it (format from the suffix).

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x")
    >>> g = calcopt.compile(x**2)
    >>> run = calcopt.gd(g, [1.0], step=0.1, iters=30, tol=0)
    >>> ax = calcopt.plot_convergence(run, f_star=0.0).axes[0]
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('iteration k', '$f(x_k) - f^\\\\star$')
    """
    from ..optim import RateCheck

    many = as_runs(runs, "plot_convergence")
    names = run_labels(many, labels)
    check = prediction if isinstance(prediction, RateCheck) else None
    preds = [] if prediction is None or check is not None else _predictions(prediction, many)
    first = next((p for p in preds if p is not None), None)
    if first is not None:
        x_star = first.x_star if x_star is None else x_star
        f_star = first.f_star if f_star is None else f_star
    quantity = _quantity(quantity, check or first, x_star, f_star)
    if not many and check is None:
        raise OptionError("plot_convergence needs at least one Run (or a RateCheck)")
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    ax.set_yscale("log")
    _measured_lines(ax, many, names, check, quantity, x_star, f_star)
    kmax = max([int(r.recorded[-1]) for r in many if len(r.recorded)] or [1])
    for i, p in enumerate(preds):
        if p is not None:
            colour = "black" if len(preds) == 1 else run_colour(i)
            _prediction_lines(ax, p, np.arange(kmax + 1, dtype=float), colour)
    if check is not None:
        _check_lines(ax, check)
    ax.set_xlabel("iteration k")
    ax.set_ylabel(AXIS_LABEL[quantity])
    ax.set_title(title or _title(quantity, first if len(preds) == 1 else None),
                 fontsize=11)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    # below the axes: on a log plot of several runs every corner holds a line
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", fontsize=8.5,
               frameon=False)
    save(fig, path)
    return fig


def _measured_lines(ax, runs: list, names: list, check, quantity: str, x_star, f_star) -> None:
    """Each run's error; with a RateCheck and no ``x*``/``f*`` to measure the runs' own
    errors, the check's measured (seed-averaged) error instead."""
    own = check is None or _can_measure(quantity, x_star, f_star)
    for i, (run, name) in enumerate(zip(runs, names)):
        if own:
            err = error_of(run, quantity, x_star, f_star)
            _line(ax, run.recorded, err, name, run_colour(i), len(runs))
    if check is not None and not own:
        name = names[0] if len(runs) == 1 else f"measured (mean of {check.seeds} runs)"
        _line(ax, check.k, check.error, name, run_colour(0), 1)


def _check_lines(ax, check) -> None:
    """A RateCheck's recorded bound (and noise floor)."""
    rate = "" if check.predicted_rate is None else f": rate {check.predicted_rate:.4g}"
    measured = "" if check.measured_rate is None else f", measured {check.measured_rate:.4g}"
    ax.plot(check.k, _positive(check.bound), label=f"predicted bound{rate}{measured}",
            **BOUND_STYLE)
    if check.floor:
        ax.axhline(check.floor, color="grey", linestyle="-.", linewidth=1.2,
                   label=f"predicted noise floor {check.floor:.3g}")


def error_of(run: Any, quantity: str, x_star: Any = None, f_star: Any = None) -> np.ndarray:
    """The run's recorded error in ``quantity`` (see :func:`plot_convergence`)."""
    if quantity == "grad_norm":
        return np.asarray(run.grad_norm, dtype=float)
    if quantity == "f_gap":
        if f_star is None:
            raise OptionError("the f-gap needs f* (pass f_star= or a Prediction)")
        return np.asarray(run.f, dtype=float) - float(f_star)
    if x_star is None:
        raise OptionError(f"the {WORDS[quantity]} needs x* (pass x_star= or a Prediction)")
    xs = np.asarray(x_star, dtype=float)
    if xs.shape != run.xs.shape[1:]:
        raise OptionError(f"x_star has {xs.size} entries but the run has {run.xs.shape[1]} "
                          "variables")
    d = np.linalg.norm(run.xs - xs, axis=1)
    return d if quantity == "distance" else d * d


def plot_variance(result: Any, path: str | Path | None = None, *, title: str | None = None,
                  figsize: tuple[float, float] = (6.4, 4.6), dpi: int = 100) -> Any:
    """The measured mini-batch gradient variance against the batch size B on log-log axes,
    with error bars (two standard errors) and the predicted sigma^2 / B line (times the
    finite-population factor (N - B)/(N - 1) when the batches were drawn without
    replacement; then plain sigma^2 / B is drawn dotted for comparison).

    ``result``: the :class:`~calcopt.optim.variance.MinibatchVariance` of
    :func:`calcopt.minibatch_variance`.  Returns the ``Figure``; saves it to ``path`` when
    given.

    >>> import numpy as np, sympy as sp, calcopt
    >>> w, a = sp.symbols("w a")
    >>> g = calcopt.compile((w - a)**2 / 2, wrt=[w], params=[a])
    >>> data = {a: np.random.default_rng(0).normal(size=500)}
    >>> mv = calcopt.minibatch_variance(g, data, [0.0], [1, 4, 16, 64], samples=500, seed=0)
    >>> ax = calcopt.plot_variance(mv).axes[0]
    >>> ax.get_xscale(), ax.get_yscale(), ax.get_xlabel()
    ('log', 'log', 'batch size B')
    """
    from ..optim import MinibatchVariance
    from ..optim.variance import predicted_variance

    if not isinstance(result, MinibatchVariance):
        raise OptionError("plot_variance takes the result of calcopt.minibatch_variance; got "
                          f"{type(result).__name__}")
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_yscale("log")
    B = np.asarray(result.batch_sizes, dtype=float)
    dense = np.unique(np.concatenate([np.geomspace(B.min(), B.max(), 200), B]))
    pred = predicted_variance(result.sigma2, dense, result.N, result.replace)
    fpc = "" if result.replace else r" $\cdot\,(N - B)/(N - 1)$"
    ax.plot(dense, _positive(pred), color="black", linestyle="--", linewidth=1.8,
            label=rf"predicted $\sigma^2/B${fpc},  $\sigma^2$ = {result.sigma2:.4g}")
    if not result.replace:
        ax.plot(dense, result.sigma2 / dense, color="grey", linestyle=":", linewidth=1.2,
                label=r"$\sigma^2/B$ (sampling with replacement)")
    measured = np.asarray(result.measured, dtype=float)
    err = 2 * np.asarray(result.rel_se) * measured
    ax.errorbar(B, measured, yerr=np.minimum(err, 0.999 * measured), fmt="o",
                color=run_colour(0), markersize=6, capsize=3,
                label=f"measured: mean over {result.samples} mini-batches per B (+-2 s.e.)")
    ax.set_xlabel("batch size B")
    ax.set_ylabel(r"$E\,\|g_B - \nabla f\|^2$  (mini-batch gradient variance)")
    how = "with" if result.replace else "without"
    ax.set_title(title or f"Mini-batch gradient variance\nN = {result.N} samples, batches drawn "
                 f"{how} replacement", fontsize=11)
    ax.grid(True, which="major", color="#dddddd", linewidth=0.6)
    ax.legend(fontsize=8.5, loc="best", framealpha=0.9)
    save(fig, path)
    return fig


# --- helpers -------------------------------------------------------------------------------


def _quantity(quantity, prediction, x_star, f_star) -> str:
    if quantity is not None and quantity not in QUANTITIES:
        raise OptionError(f"unknown quantity {quantity!r}; expected one of {QUANTITIES}")
    if prediction is not None:
        if quantity is not None and quantity != prediction.quantity:
            raise OptionError(f"the prediction bounds {prediction.quantity!r}, not {quantity!r}; "
                              "leave quantity= out or predict that quantity "
                              "(calcopt.predict(..., quantity=...))")
        return prediction.quantity
    if quantity is not None:
        return quantity
    return "f_gap" if f_star is not None else "distance" if x_star is not None else "grad_norm"


def _predictions(prediction, runs) -> list:
    """A Prediction, or a sequence of them (``None`` for a run without one), checked."""
    from ..optim import Prediction

    single = isinstance(prediction, Prediction)
    preds = [prediction] if single else list(prediction) if isinstance(
        prediction, (list, tuple)) else None
    if preds is None or not all(p is None or isinstance(p, Prediction) for p in preds):
        raise OptionError("prediction must be None, a Prediction (calcopt.predict), a list of "
                          "them (one per run) or a RateCheck (calcopt.check); got "
                          f"{type(prediction).__name__}")
    if not single and len(preds) != len(runs):
        raise OptionError(f"{len(preds)} predictions for {len(runs)} runs: give one per run "
                          "(None for a run without one)")
    for p in preds:
        if p is not None and not p.applies:
            raise OptionError(f"the prediction for {p.method} does not apply, so it has no "
                              f"bound to draw: {p.explanation}")
    quantities = {p.quantity for p in preds if p is not None}
    if len(quantities) > 1:
        raise OptionError(f"the predictions bound different quantities {sorted(quantities)}; "
                          "one plot shows one quantity")
    return preds


def _can_measure(quantity, x_star, f_star) -> bool:
    return quantity == "grad_norm" or (f_star if quantity == "f_gap" else x_star) is not None


def _positive(values) -> np.ndarray:
    """Non-positive values as NaN: a log axis cannot show them (matplotlib would warn)."""
    v = np.asarray(values, dtype=float).copy()
    v[~(v > 0)] = np.nan
    return v


def _line(ax, k, err, label, colour, n_runs) -> None:
    k = np.asarray(k)
    marker = "o" if len(k) <= 40 else None
    ax.plot(k, _positive(err), color=colour, linewidth=1.6 if n_runs <= 5 else 1.0,
            alpha=1.0 if n_runs <= 5 else 0.6, marker=marker, markersize=3, label=label)


def _prediction_lines(ax, p, k: np.ndarray, colour: str) -> None:
    ax.plot(k, _positive(p.bound(k)), label=bound_label(p), **{**BOUND_STYLE, "color": colour})
    c = p.classical
    if c is not None and c.applies and c._bound is not None:
        ax.plot(k, _positive(c.bound(k)), color=colour, linestyle=":", linewidth=1.3,
                label=f"classical bound: rate {c.rate:.4g} per iteration (looser)")
    if p.floor:
        ax.axhline(p.floor, color="grey", linestyle="-.", linewidth=1.2,
                   label=f"predicted noise floor {p.floor:.3g}")


def bound_label(p) -> str:
    """``"tight bound: rate 0.81 per iteration (Taylor, Hendrickx & Glineur (2018))"``."""
    kind = "tight bound" if p.tight else "bound"
    rate = f"rate {p.rate:.4g} per iteration" if p.rate is not None else \
        f"O(k^{p.order:g})" if p.order is not None else "sublinear"
    return wrap(f"{kind}: {rate} ({short_source(p.source)})", 84)


def short_source(source: str) -> str:
    """The authors and year of a reference: the text up to its first ``(year)``."""
    m = re.match(r"[^()]*?\(\d{4}\)", source)
    return m.group(0) if m else source[:48] + ("..." if len(source) > 48 else "")


def _title(quantity, prediction) -> str:
    head = f"Convergence: {WORDS[quantity]} per iteration"
    method = getattr(prediction, "method", None)
    return f"{head}\n{method}" if method else head
