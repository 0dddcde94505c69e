"""Shared plumbing of the matplotlib plots: a pyplot-free figure, saving by suffix, colours.

>>> fig = new_figure((4, 3))
>>> type(fig.canvas).__name__
'FigureCanvasAgg'
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from ..errors import OptionError

# Run colours: strong and distinguishable on a light background (tab10 without its grey).
RUN_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#bcbd22", "#17becf")


def new_figure(figsize: tuple[float, float], dpi: int = 100) -> Any:
    """A ``matplotlib.figure.Figure`` with an Agg canvas (no pyplot, no GUI, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: str | Path | None) -> None:
    """Save to ``path`` when given; the suffix picks the format (png, svg, pdf, ...)."""
    if path is None:
        return
    path = Path(path)
    formats = fig.canvas.get_supported_filetypes()
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in formats:
        raise OptionError(f"cannot tell the image format from {str(path)!r}: give a file name "
                          f"ending in one of {sorted('.' + f for f in formats)}")
    fig.savefig(path)


def run_colour(i: int) -> str:
    return RUN_COLOURS[i % len(RUN_COLOURS)]


def as_runs(runs: Any, what: str) -> list:
    """A Run or a sequence of Runs as a list, checked."""
    from ..optim import Run

    many = [runs] if isinstance(runs, Run) else list(runs) if runs is not None else []
    bad = [type(r).__name__ for r in many if not isinstance(r, Run)]
    if bad:
        raise OptionError(f"{what} takes a Run or a sequence of Runs (from calcopt.gd / "
                          f"calcopt.sgd); got {bad[0]}")
    return many


def run_labels(runs: list, labels: Any) -> list[str]:
    """The legend labels: ``labels`` when given (one per run), else each run's method."""
    if labels is None:
        methods = [r.method for r in runs]
        if len(set(methods)) < len(methods):  # e.g. SGD seeds: tell them apart
            methods = [f"{m}, seed {r.info['seed']}" if r.info.get("seed") is not None
                       else f"{m} (run {i + 1})" for i, (m, r) in enumerate(zip(methods, runs))]
        return [wrap(m) for m in methods]
    labels = [str(s) for s in labels]
    if len(labels) != len(runs):
        raise OptionError(f"labels has {len(labels)} entries for {len(runs)} runs; give one "
                          "label per run")
    return [wrap(s) for s in labels]


def wrap(text: str, width: int = 72) -> str:
    """A legend entry on lines of at most ``width`` characters (a long one would widen the
    figure's layout until the axes collapse)."""
    return textwrap.fill(text, width, subsequent_indent="  ")
