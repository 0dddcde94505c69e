"""Contour plot of a 2-D objective with the trajectories of runs on it.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile(x**2 + 10*y**2)
>>> run = calcopt.gd(g, [1.0, 0.3], iters=20, tol=0)
>>> fig = calcopt.plot_contour(g, [run])
>>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
('x', 'y')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import OptionError
from ..graph import Graph
from .figures import as_runs, new_figure, run_colour, run_labels, save

_CHUNK = 2_000_000  # grid points x samples per vectorised call (memory of one evaluation)


def plot_contour(g: Graph, runs: Any = (), box: Any = None, levels: int | Sequence[float] = 18,
                 arrows: bool = False, path: str | Path | None = None, *, data: Any = None,
                 x_star: Any = None, labels: Sequence[str] | None = None,
                 title: str | None = None, resolution: int = 220,
                 figsize: tuple[float, float] = (7.2, 6.4), dpi: int = 100) -> Any:
    """Filled contours of a scalar objective of two variables, with each run's recorded
    iterates drawn as a path (start marked by a square).

    ``box``: the plotted region as ``((x_lo, x_hi), (y_lo, y_hi))``, ``{variable or name:
    (lo, hi)}`` or text ``"x=-1:2, y=0:1"``; default: the trajectories and the minimiser,
    with a margin.  ``levels``: a number of levels, spaced logarithmically in ``f - f_min``
    (so the valley around the minimum stays visible), or explicit values of ``f``.
    ``arrows``: directions of the negative gradient on a coarse grid (normalised: on an
    ill-conditioned function their lengths would differ by the condition number); the
    gradient comes from one vectorised ``g.grad`` call.  ``data``: for an objective with
    params, the samples it is the mean over (default: the data the runs were given).
    ``x_star``: the minimiser to mark; default the proven one of :func:`calcopt.argmin`
    (none is marked when it is not proven or the objective has params).

    Returns the ``Figure``; saves it to ``path`` when given (format from the suffix).
    """
    _check_graph(g)
    many = as_runs(runs, "plot_contour")
    names = run_labels(many, labels)
    data = _data_of(g, many, data)
    star = _minimiser(g, x_star)
    (x0, x1), (y0, y1) = _box(g, box, many, star)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    F = _values(g, np.stack([X, Y], axis=-1), data)
    finite = np.isfinite(F)
    if not finite.any():
        raise OptionError(f"the objective is not finite anywhere on the box {(x0, x1)} x "
                          f"{(y0, y1)}; choose another box")
    fig = new_figure(figsize, dpi)
    ax = fig.add_subplot()
    _filled(fig, ax, X, Y, np.where(finite, F, np.nan), _levels(F[finite], levels))
    if arrows:
        _arrows(ax, g, (x0, x1), (y0, y1), data)
    _paths(ax, many, names)
    if star is not None:
        ax.plot([star[0]], [star[1]], marker="*", color="gold", markersize=17,
                markeredgecolor="black", linestyle="none", label="minimiser x* (proven)",
                zorder=5 + len(many))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ratio = (y1 - y0) / (x1 - x0)
    if 0.2 <= ratio <= 5:  # true angles (the zig-zag is orthogonal steps) when it fits
        ax.set_aspect("equal")
    _labels(ax, g, title)
    if many or star is not None or arrows:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8.5,
                  ncols=1, frameon=False)
    save(fig, path)
    return fig


def _check_graph(g: Any) -> None:
    if not isinstance(g, Graph):
        raise OptionError(f"plot_contour needs a calcopt.Graph; got {type(g).__name__}")
    if not g.is_scalar or len(g.wrt) != 2:
        raise OptionError(f"plot_contour draws a scalar objective of exactly two variables; "
                          f"this graph has variables {[s.name for s in g.wrt]}"
                          + ("" if g.is_scalar else " and is vector-valued"))


def _data_of(g: Graph, runs: list, data: Any) -> Any:
    """The samples of an objective with params: ``data``, else those the runs were given."""
    if g.params and data is None:
        data = next((r.info.get("data") for r in runs if r.info.get("data") is not None), None)
        if data is None:
            raise OptionError("the objective has params: pass data= (the samples it is the "
                              "mean over)")
    return data


def _filled(fig, ax, X, Y, F, lv) -> None:
    """Filled contours of ``F`` (nan off the domain) at levels ``lv``, with a colour bar."""
    from matplotlib.colors import BoundaryNorm
    cmap = _cmap()
    filled = ax.contourf(X, Y, F, levels=lv, cmap=cmap, norm=BoundaryNorm(lv, cmap.N),
                         extend="max")
    ax.contour(X, Y, F, levels=lv, colors="#555555", linewidths=0.5, alpha=0.7)
    bar = fig.colorbar(filled, ax=ax, shrink=0.9)
    bar.set_label("f (levels spaced logarithmically above the minimum)")
    bar.ax.tick_params(labelsize=8)


def _paths(ax, runs: list, names: list) -> None:
    """Each run's recorded iterates as a path, its start marked by a square."""
    for i, (run, name) in enumerate(zip(runs, names)):
        pts = np.asarray(run.xs, dtype=float)
        z = 4 + len(runs) - i  # the first run on top: list the one to see first
        ax.plot(pts[:, 0], pts[:, 1], color=run_colour(i), linewidth=1.8 if i == 0 else 1.4,
                marker="o" if len(pts) <= 200 else None, markersize=3.5, zorder=z,
                label=f"{name} ({len(pts)} points)")
        ax.plot(pts[:1, 0], pts[:1, 1], "s", color=run_colour(i), markersize=8,
                markeredgecolor="black", zorder=z)


def _labels(ax, g: Graph, title: str | None) -> None:
    ax.set_xlabel(g.wrt[0].name)
    ax.set_ylabel(g.wrt[1].name)
    head = f"f({g.wrt[0].name}, {g.wrt[1].name}) = "
    if g.params:
        head += "mean over the data of "
    ax.set_title(title or head + _short(g), fontsize=11)


def _short(g: Graph, limit: int = 70) -> str:
    text = str(g.to_sympy())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _cmap():
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    # A light end of viridis: the trajectories (strong colours) must stand out on it.
    base = colormaps["viridis"](np.linspace(0.05, 1.0, 256))
    base[:, :3] = 0.45 * base[:, :3] + 0.55
    return ListedColormap(base)


def _minimiser(g: Graph, x_star: Any) -> np.ndarray | None:
    if x_star is not None:
        star = np.asarray(x_star, dtype=float).ravel()
        if star.shape != (2,):
            raise OptionError(f"x_star must have 2 entries; got {x_star!r}")
        return star
    if g.params:
        return None
    from ..analysis import argmin
    from ..errors import CalcoptError

    try:
        am = argmin(g, timeout=3.0, starts=1)
    except CalcoptError:
        return None
    if not am.certified or am.x is None or am.unique is False:
        return None
    try:
        return np.array([float(v) for v in am.x])
    except (TypeError, ValueError):  # a family of minimisers (free symbols)
        return None


def _box(g: Graph, box: Any, runs: list, star) -> tuple[tuple[float, float], ...]:
    if box is not None:
        return _given_box(g, box)
    pts = [np.asarray(r.xs, dtype=float) for r in runs if len(r.xs)]
    if star is not None:
        pts.append(star[None, :])
    if not pts:
        return (-1.0, 1.0), (-1.0, 1.0)
    P = np.concatenate(pts)
    P = P[np.isfinite(P).all(axis=1)]
    lo, hi = P.min(axis=0), P.max(axis=0)
    span = hi - lo
    span = np.where(span > 0, span, np.maximum(np.abs(lo), 1.0))
    width = max(span)  # no axis thinner than a fifth of the other: the valley's sides show
    span = np.maximum(span, width / 5)
    mid = (lo + hi) / 2
    half = 0.6 * span
    return tuple((float(m - h), float(m + h)) for m, h in zip(mid, half))


def _given_box(g: Graph, box: Any):
    if isinstance(box, str):
        from ..text.domains import parse_box
        box = parse_box(box)
    if isinstance(box, Mapping):
        names = {str(k): v for k, v in box.items()}
        missing = [s.name for s in g.wrt if s.name not in names]
        if missing:
            raise OptionError(f"box gives no range for {missing}; give (lo, hi) for each of "
                              f"{[s.name for s in g.wrt]}")
        box = [names[s.name] for s in g.wrt]
    try:
        (a, b), (c, d) = ((float(lo), float(hi)) for lo, hi in box)
    except (TypeError, ValueError):
        raise OptionError("box must be ((x_lo, x_hi), (y_lo, y_hi)), {variable: (lo, hi)} or "
                          f"text 'x=-1:1, y=-1:1'; got {box!r}") from None
    if not (np.isfinite([a, b, c, d]).all() and a < b and c < d):
        raise OptionError(f"box needs finite ranges with lo < hi; got {box!r}")
    return (a, b), (c, d)


def _values(g: Graph, P: np.ndarray, data: Any) -> np.ndarray:
    """f on the grid P (shape (m, m, 2)): one vectorised call, in row chunks with data."""
    if not g.params:
        return np.asarray(g.value(P, backend="numpy"), dtype=float)
    n_samples = len(next(iter(data.values()))) if isinstance(data, Mapping) else len(data)
    rows = max(1, _CHUNK // max(1, P.shape[1] * n_samples))
    return np.concatenate([np.asarray(g.value(P[i:i + rows], data=data), dtype=float)
                           for i in range(0, P.shape[0], rows)])


def _levels(F: np.ndarray, levels: Any) -> np.ndarray:
    if not isinstance(levels, (int, np.integer)):
        lv = np.unique(np.asarray(levels, dtype=float))
        if lv.size < 2 or not np.isfinite(lv).all():
            raise OptionError("levels must be a number of levels (>= 2) or at least two "
                              "finite values of f")
        return lv
    if levels < 2:
        raise OptionError(f"levels must be at least 2; got {levels}")
    fmin = float(F.min())
    gap = F - fmin
    top = float(np.quantile(gap, 0.97))
    low = float(np.quantile(gap, 0.002))
    if not top > 0:
        return fmin + np.linspace(0, 1, levels)   # (nearly) constant on the box
    low = min(max(low, top * 1e-6), top / 10)
    return fmin + np.concatenate([[0.0], np.geomspace(low, top, levels - 1)])


def _arrows(ax, g: Graph, xr, yr, data, m: int = 17) -> None:
    gx, gy = np.linspace(*xr, m + 2)[1:-1], np.linspace(*yr, m + 2)[1:-1]
    X, Y = np.meshgrid(gx, gy)
    G = np.asarray(g.grad(np.stack([X, Y], axis=-1), data=data, backend="numpy"), dtype=float)
    norm = np.linalg.norm(G, axis=-1)
    with np.errstate(all="ignore"):
        U, V = -G[..., 0] / norm, -G[..., 1] / norm
    ax.quiver(X, Y, U, V, color="#333333", alpha=0.55, angles="xy", pivot="mid",
              scale_units="width", scale=m * 1.4, width=0.003,
              label="direction of -grad f (normalised)")
