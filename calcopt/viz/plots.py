"""matplotlib plots of a graph's structure: the Hessian sparsity pattern with its colouring.

matplotlib is imported when a plot is made, and figures are built with
``matplotlib.figure.Figure`` (no pyplot, no global state, no GUI backend needed).

>>> import sympy as sp, calcopt
>>> xs = sp.symbols("x0:5")
>>> f = sum((xs[i + 1] - xs[i]**2)**2 for i in range(4))
>>> fig = calcopt.plot_sparsity(calcopt.compile(f))
>>> fig.axes[0].get_xlabel()
'column j: variable'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import OptionError
from ..graph import Graph

_IMSHOW_MAX = 400   # beyond this many variables, non-zeros are drawn as markers (stay visible)
_NAMES_MAX = 24     # tick labels with variable names up to this many variables
_LEGEND_MAX = 12    # legend rows; more colours are summarised in one row


def plot_sparsity(g: Graph, path: str | Path | None = None, *, title: str | None = None,
                  figsize: tuple[float, float] | None = None, dpi: int = 100) -> Any:
    """Spy plot of the Hessian sparsity pattern (``g.hessian_sparsity()``), each structural
    non-zero ``H[i, j]`` coloured by the colour of column ``j`` in ``g.hessian_coloring()``:
    one Hessian-vector product per colour recovers all entries of that colour.

    Returns the matplotlib ``Figure``; with ``path`` also saves it there (format from the
    suffix, e.g. ``.png``, ``.svg``, ``.pdf``).

    >>> import sympy as sp, calcopt, tempfile, pathlib
    >>> x, y, z = sp.symbols("x y z")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "spy.png"
    >>> fig = calcopt.plot_sparsity(calcopt.compile(x*y + z**2), path)
    >>> path.stat().st_size > 1000, fig.axes[0].get_title().splitlines()[0]
    (True, 'Hessian sparsity: 3 of 9 entries structurally non-zero')
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(g, Graph):
        raise OptionError("expected a calcopt.Graph (from calcopt.compile); "
                          f"got {type(g).__name__}")
    pattern = g.hessian_sparsity().tocoo()
    coloring = g.hessian_coloring()
    n, k = pattern.shape[0], coloring.n_colors
    colours = _palette(k)
    # "compressed", not "constrained": the latter lets the outside legend push an equal-aspect
    # axes (and its title) off the top of the figure.
    fig = Figure(figsize=figsize or (6.4, 7.2), dpi=dpi, layout="compressed")
    FigureCanvasAgg(fig)  # a real canvas, so the layout measures text as it is drawn
    ax = fig.add_subplot()
    _draw_pattern(ax, pattern, np.asarray(coloring.colors), colours)
    names = [str(s) for s in g.wrt]
    if 0 < n <= _NAMES_MAX:
        size = 10 if n <= 12 else 8
        ax.set_xticks(range(n), names, rotation=90 if n > 8 else 0, fontsize=size)
        ax.set_yticks(range(n), names, fontsize=size)
    ax.set_xlabel("column j: variable")
    ax.set_ylabel("row i: variable")
    ax.set_title(title or (f"Hessian sparsity: {pattern.nnz} of {n * n} entries structurally "
                           f"non-zero\n{k} colours: {k} Hessian-vector products instead of {n}"),
                 fontsize=11)
    _legend(fig, coloring.colors, colours, names)
    if path is not None:
        fig.savefig(path)
    return fig


def _draw_pattern(ax, pattern, colors: np.ndarray, colours: list[str]) -> None:
    """The non-zeros of the ``n x n`` pattern (COO), each in the colour of its column: an
    image up to ``_IMSHOW_MAX`` variables (cell borders up to 60), markers beyond."""
    from matplotlib.colors import ListedColormap

    n, k = pattern.shape[0], len(colours)
    col_colour = colors[pattern.col] if n else np.zeros(0, int)
    if n > _IMSHOW_MAX:
        ax.scatter(pattern.col, pattern.row, c=[colours[c] for c in col_colour], marker="s",
                   s=max(9.0, (360 / n) ** 2), linewidths=0, clip_on=False, zorder=3)
        ax.set_xlim(-0.5, n - 0.5)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_aspect("equal")
        return
    grid = np.full((n, n), -1.0)
    grid[pattern.row, pattern.col] = col_colour
    cmap = ListedColormap(["#ffffff"] + colours)
    ax.imshow(grid, cmap=cmap, vmin=-1.5, vmax=k - 0.5, interpolation="nearest",
              extent=(-0.5, n - 0.5, n - 0.5, -0.5))
    if n <= 60:  # cell borders help reading small patterns
        ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
        ax.grid(which="minor", color="#dddddd", linewidth=0.5)
        ax.tick_params(which="minor", length=0)


def _legend(fig, colors, colours: list[str], names: list[str]) -> None:
    """One legend row per colour (its columns), up to ``_LEGEND_MAX`` rows."""
    from matplotlib.patches import Patch

    k = len(colours)
    handles = [Patch(facecolor=colours[c], edgecolor="#555555",
                     label=f"colour {c}: {_columns(colors, c, names)}")
               for c in range(min(k, _LEGEND_MAX))]
    if k > _LEGEND_MAX:
        handles.append(Patch(facecolor="#ffffff", edgecolor="#ffffff",
                             label=f"... {k - _LEGEND_MAX} more colours"))
    if handles:
        fig.legend(handles=handles, title="entry colour = the colour of its column: one "
                   "Hessian-vector product per colour", loc="outside lower center",
                   ncols=2 if k > 3 else 1, fontsize=9, title_fontsize=9, frameon=False)


def _palette(k: int) -> list[str]:
    """k distinct colours: tab10, then tab20, then evenly spaced hues."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if k <= 10:
        return [to_hex(c) for c in colormaps["tab10"].colors[:k]]
    if k <= 20:
        return [to_hex(c) for c in colormaps["tab20"].colors[:k]]
    return [to_hex(colormaps["hsv"](i / k)) for i in range(k)]


def _columns(colors, c: int, names: list[str], show: int = 4) -> str:
    cols = [names[j] for j in np.flatnonzero(np.asarray(colors) == c)]
    text = ", ".join(cols[:show]) + (f", ... ({len(cols)} columns)" if len(cols) > show else "")
    return text
