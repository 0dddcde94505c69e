"""The report's run sections: gradient descent in several variants against the predicted
bounds, the trajectories on the contours, and for finite sums mini-batch SGD against its
noise floor and the mini-batch gradient variance against sigma^2 / B.

Every run is evaluated by code generated from the same graph the analyses took; every
prediction comes from :func:`calcopt.predict` with the run's own settings, and
:func:`calcopt.check` says whether the measured run stays within it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import viz
from ..errors import CalcoptError
from ..optim import check, gd, minibatch_variance, predict, sgd
from .html import figure, figure_svg, table
from .problem import Problem

GD_VARIANTS = (("gradient descent, default step", {}),
               ("exact line search", {"line_search": "exact"}),
               ("Nesterov momentum", {"momentum": "nesterov"}),
               ("heavy-ball momentum", {"momentum": "heavy_ball"}))
SGD_BATCHES = (1, 8, 64)
SGD_SEEDS = 10
FIG = (6.0, 4.3)


def _constants(p: Problem) -> dict:
    return {} if p.L is None else {"L": p.L, "mu": p.mu}


def _fmt(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}"


def gd_runs(p: Problem, iters: int) -> list[dict]:
    """Each variant of :data:`GD_VARIANTS` that applies: run, prediction, check."""
    out = []
    extra = {"data": p.data} if p.graph.params else {}
    for label, options in GD_VARIANTS:
        try:
            run = gd(p.graph, p.x0, iters=iters, **extra, **_constants(p), **options)
        except CalcoptError as err:   # e.g. momentum without the constants it needs
            out.append({"label": label, "skipped": str(err)})
            continue
        pred = predict(p.graph, x0=p.x0, **extra, **_constants(p), **options)
        out.append({"label": label, "run": run, "prediction": pred,
                    "check": check(run, pred) if pred.applies else None})
    return out


def gd_html(p: Problem, results: list[dict]) -> str:
    rows, figs = [], []
    for r in results:
        if "skipped" in r:
            rows.append((r["label"], "not run", "-", "-", "-", "-", r["skipped"]))
            continue
        run, pred, chk = r["run"], r["prediction"], r["check"]
        why = chk.verdict if chk is not None else f"no prediction: {pred.explanation}"
        rows.append((r["label"], run.method, run.iters, f"{run.f[-1]:.10g}",
                     _fmt(chk.measured_rate if chk else None), _fmt(pred.rate), why))
        fig = viz.plot_convergence(run, pred if pred.applies else None, figsize=FIG,
                                   title=r["label"])
        caption = (f"{r['label']}: {run.method}. " + (f"Dashed: the predicted bound ({pred.source})."
                                                     if pred.applies else why))
        figs.append(figure(figure_svg(fig), caption))
    head = ["run", "method", "iterations", "final f", "measured rate", "predicted rate",
            "predicted vs measured"]
    text = ("<p>Rates are per iteration, in the quantity each prediction bounds (f - f*, or "
            "the distance to x*); a run may be faster than the worst case, never slower when "
            "the assumptions hold.</p>")
    return text + table(head, rows) + f'<div class="figures">{"".join(figs)}</div>'


def contour_html(p: Problem, results: list[dict]) -> str:
    runs = [r["run"] for r in results if "run" in r]
    labels = [r["label"] for r in results if "run" in r]
    extra = {"data": p.data} if p.graph.params else {}
    fig = viz.plot_contour(p.graph, runs, labels=labels, arrows=True, **extra,
                           title=f"{p.title}: the runs on the contours of f")
    return figure(figure_svg(fig), "The runs on the contours of f (log-spaced levels above the "
                  "minimum); arrows: directions of the negative gradient.")


def sgd_runs(p: Problem, epochs: int) -> list[dict]:
    """For each batch size: runs with :data:`SGD_SEEDS` seeds, the prediction, the check."""
    out = []
    for B in SGD_BATCHES:
        if B > p.samples:
            continue
        runs = [sgd(p.graph, p.x0, p.data, batch_size=B, epochs=epochs, seed=seed,
                    **_constants(p)) for seed in range(SGD_SEEDS)]
        pred = predict(p.graph, method="sgd", x0=p.x0, data=p.data, batch_size=B,
                       **_constants(p))
        out.append({"B": B, "runs": runs, "prediction": pred,
                    "check": check(runs, pred) if pred.applies else None})
    return out


def sgd_html(p: Problem, results: list[dict]) -> str:
    if not results:
        return "<p>No batch size fits the data.</p>"
    rows = []
    for r in results:
        pred, chk, run = r["prediction"], r["check"], r["runs"][0]
        rows.append((r["B"], run.method, run.iters, _fmt(pred.floor if pred.applies else None),
                     _fmt(chk.plateau if chk else None),
                     chk.verdict if chk else f"no prediction: {pred.explanation}"))
    preds = [r["prediction"] if r["prediction"].applies else None for r in results]
    fig = viz.plot_convergence([r["runs"][0] for r in results], preds, figsize=(7.5, 5.0),
                               labels=[f"B = {r['B']}" for r in results],
                               title="mini-batch SGD against the predicted bound and floor")
    text = (f"<p>Constant step 1/L, {SGD_SEEDS} seeds per batch size (the check averages "
            "them: the bound is on the expected f-gap). A larger batch divides the gradient "
            "noise, so the plateau (noise floor) drops like 1/B.</p>")
    head = ["batch size B", "method", "steps", "predicted floor", "measured plateau",
            "predicted vs measured"]
    source = results[0]["prediction"].source if results[0]["prediction"].applies else ""
    return (text + table(head, rows)
            + figure(figure_svg(fig), "f - f* of one run per batch size (solid), the predicted "
                     f"expected bound (dashed) and floor (dash-dotted). {source}"))


def variance_html(p: Problem, x_star: Any, seed: int = 0) -> str:
    sizes = [b for b in (1, 2, 4, 8, 16, 32, 64, 128) if b < p.samples]
    mv = minibatch_variance(p.graph, p.data, x_star, sizes, samples=400, seed=seed)
    fig = viz.plot_variance(mv, figsize=FIG)
    rows = [(B, f"{m:.4g}", f"{pr:.4g}") for B, m, pr in zip(mv.batch_sizes, mv.measured,
                                                             mv.predicted)]
    return (f"<p>At x*, the variance of the mini-batch gradient over {mv.samples} random "
            "batches per size, without replacement, against sigma^2/B (N-B)/(N-1).</p>"
            + table(["B", "measured variance", "sigma^2/B (N-B)/(N-1)"], rows)
            + figure(figure_svg(fig), "Mini-batch gradient variance against the batch size."))


def minimiser_of(results: list[dict]) -> np.ndarray | None:
    """x* as the predictions found it (exact, or numeric for data)."""
    for r in results:
        pred = r.get("prediction")
        if pred is not None and pred.x_star is not None:
            return np.asarray(pred.x_star, dtype=float)
    return None
