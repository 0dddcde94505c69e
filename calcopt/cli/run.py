"""``calcopt run gd|sgd EXPR``: a run, its predicted worst case and the check of one against
the other (see ``docs/cli.md``).

The run is :func:`calcopt.gd` or :func:`calcopt.sgd` with a ``tqdm`` progress bar on stderr;
the prediction is :func:`calcopt.predict` with the same settings and the check
:func:`calcopt.check`.  When no prediction is possible (f not convex, no certified ``L``, a
step too long, ...) the output says why in one line and still shows the run.  Data for the
params come from ``--data PATH`` (:func:`calcopt.load_data`, see
:func:`calcopt.cli.loading.data_option`) or a script.

>>> from calcopt.cli import main
>>> main(["run", "gd", "(x - 1)^2", "--x0", "0", "--no-progress"])   # doctest: +ELLIPSIS
run gd: gd, fixed step 1/L = 0.5 (L from calcopt.conditioning)
...
  converged: gradient norm 0 <= tol = 1e-10 after 1 iterations
...
0
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import sympy as sp

from ..data.read import data_columns
from ..errors import CalcoptError, DataError, OptionError, PointError
from ..optim import Prediction, RateCheck, Run, check, gd, predict, sgd
from ..optim.constants import curvature
from ..optim.runs import start_point
from ..text.parse import parse
from ..text.domains import parse_box
from .loading import (Objective, data_option, load_objective, point, sample_count, split_names,
                      with_params)
from .runoutput import Outcome, run_json, run_text

# --- reading the options -------------------------------------------------------------------------

def _objective_and_data(args: argparse.Namespace) -> tuple[Objective, Any, str | None]:
    """The objective with its data params, the data (``--data``'s or a script's) and where
    the data came from."""
    with_data = args.data is not None or args.params is not None
    obj = load_objective(args.objective, wrt=None if with_data else args.wrt, domain=args.domain)
    columns = data_columns(args.data) if args.data is not None else None
    names = split_names(args.params, "--params")
    if names is None and args.data is not None and not obj.params:
        if columns is None:
            raise OptionError(f"--data {args.data}: the file has no column names; name the "
                              "params its columns hold, in order, with --params, e.g. "
                              "--params a,t")
        symbols = {s.name for s in obj.expr.free_symbols}
        names = [n for n in columns if n in symbols]
        if not names:
            raise DataError(f"none of the columns {list(columns)} of {args.data} is a symbol of "
                            f"the objective {sorted(symbols)}; name the params with --params")
    if names is not None:
        obj = with_params(obj, names, split_names(args.wrt, "--wrt"), obj.domain)
    elif with_data and args.wrt is not None:
        obj = with_params(obj, [p.name for p in obj.params], split_names(args.wrt, "--wrt"),
                          obj.domain)
    params = [p.name for p in obj.params]
    if args.data is not None:
        missing = [n for n in params if columns is not None and n not in columns]
        if missing:
            raise DataError(f"{args.data} has no column for the params {missing}; its columns "
                            f"are {list(columns)}")
        return obj, data_option(args.data, params), str(args.data)
    if params and obj.data is None:
        raise DataError(f"the objective has params {params} and no data: give --data FILE "
                        "(e.g. a CSV file whose header row names them, one row per sample)")
    return obj, obj.data, (obj.source if obj.data is not None else None)


def _start(args: argparse.Namespace, obj: Objective) -> list[float]:
    """``--x0`` (exact text, read by ``calcopt.parse_point``), else the script's ``x0``."""
    given = point(args.x0) if args.x0 is not None else obj.x0
    if given is None:
        names = ",".join(["0"] * len(obj.wrt))
        raise OptionError(f"no start point: give --x0, e.g. --x0 {names} for the variables "
                          f"{[s.name for s in obj.wrt]} (or define x0 in an objective script)")
    try:
        if isinstance(given, dict):
            given = {k: float(v) for k, v in given.items()}
        elif isinstance(given, tuple) and any(isinstance(v, sp.Basic) for v in given):
            given = [float(v) for v in given]
    except (TypeError, ValueError):
        raise PointError(f"the start point {given!r}: every coordinate must be a real number"
                         ) from None
    return start_point(obj.graph, given)


def step_value(text: str | None, g, data: Any = None, box: dict | None = None) -> float | None:
    """``--step``: a number or an expression in ``L`` and ``mu`` (read by ``calcopt.parse``,
    never ``eval``), with the ``L`` and ``mu`` the run uses.

    >>> import sympy as sp, calcopt
    >>> x = sp.Symbol("x")
    >>> g = calcopt.compile(5*x**2)                               # L = mu = 10
    >>> step_value("1/L", g), step_value("2/(L + mu)", g), step_value("0.05", g)
    (0.1, 0.1, 0.05)
    """
    if text is None:
        return None
    expr = parse(text)
    names = {s.name for s in expr.free_symbols}
    if names - {"L", "mu"}:
        raise OptionError(f"--step {text!r}: unknown name(s) {sorted(names - {'L', 'mu'})}; the "
                          "step is a number or an expression in L and mu, e.g. 0.1, 1/L, "
                          "2/(L + mu)")
    if names:
        curv = curvature(g, data, box)
        values = {"L": curv.L, "mu": curv.mu}
        missing = sorted(n for n in names if values[n] is None)
        if missing:
            raise OptionError(f"--step {text!r} needs {' and '.join(missing)}, which calcopt "
                              f"could not find: {_line(curv.explanation)}; give a number")
        expr = expr.xreplace({s: sp.sympify(values[s.name]) for s in expr.free_symbols})
    try:
        value = float(expr)
    except TypeError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise OptionError(f"--step {text!r} is {expr}: the step must be a positive finite "
                          "number")
    return value


def _gd_settings(args: argparse.Namespace, g, data: Any) -> dict:
    """The keyword arguments of ``calcopt.gd`` and ``calcopt.predict`` from the options."""
    if args.line_search is not None and args.momentum is not None:
        raise OptionError("--line-search and --momentum cannot be combined; choose one")
    if args.line_search == "exact" and args.step is not None:
        raise OptionError("--line-search exact chooses every step itself; drop --step")
    box = parse_box(args.box) if args.box is not None else None
    return {"step": step_value(args.step, g, data, box), "line_search": args.line_search,
            "momentum": args.momentum, "box": box}


def _sgd_settings(args: argparse.Namespace, g, data: Any) -> dict:
    """The keyword arguments that ``calcopt.sgd`` and ``calcopt.predict`` share."""
    if not g.params:
        raise DataError("calcopt run sgd samples a data set: give --data FILE (e.g. a CSV "
                        "file whose header names the params) or a script with params and data")
    if args.iters is not None and args.epochs is not None:
        raise OptionError("give --iters or --epochs, not both")
    if args.schedule == "inverse" and args.step is not None:
        raise OptionError("--schedule inverse takes the steps beta/(gamma + k) with beta = 2/mu, "
                          "gamma = beta L - 1; drop --step (or use --schedule constant)")
    n = sample_count(data, g.params)
    size = min(32, n) if args.batch_size is None else args.batch_size
    return {"step": step_value(args.step, g, data), "batch_size": size,
            "schedule": args.schedule, "replace": args.replace}


def _plot_path(text: str | None) -> Path | None:
    """``--plot PATH``, checked before the run: an image suffix, an existing directory."""
    if text is None:
        return None
    from ..viz.figures import new_figure
    path = Path(text)
    formats = new_figure((1, 1)).canvas.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in formats:
        raise OptionError(f"--plot {text!r}: the suffix gives the image format; use one of "
                          f"{sorted('.' + f for f in formats)}")
    if not path.parent.is_dir():
        raise OptionError(f"--plot {text!r}: no such directory {str(path.parent)!r}")
    return path


# --- the command ---------------------------------------------------------------------------------

def execute(args: argparse.Namespace) -> Outcome:
    """Run, predict, check (and plot) as the parsed options say.

    >>> from calcopt.cli.options import build_parser
    >>> args = build_parser().parse_args(["run", "gd", "x^2", "--x0", "1", "--no-progress"])
    >>> out = execute(args)
    >>> out.run.x.tolist(), out.prediction.quantity, out.check.holds
    ([0.0], 'distance', True)
    """
    tight = _tight(getattr(args, "tight", None))  # before the run: a missing extra is bad input
    obj, data, data_from = _objective_and_data(args)
    g = obj.graph
    x0 = _start(args, obj)
    plot = _plot_path(args.plot)
    on_data = {"data": data} if g.params else {}
    progress = not args.no_progress
    if args.method == "gd":
        settings = _gd_settings(args, g, data if g.params else None)
        run = gd(g, x0, iters=1000 if args.iters is None else args.iters, tol=args.tol,
                 progress=progress, **settings, **on_data)
        runs = [run]
    else:
        settings = _sgd_settings(args, g, data)
        runs = [sgd(g, x0, data, iters=args.iters, epochs=args.epochs, seed=seed,
                    record_every=args.record_every, progress=progress, **settings)
                for seed in seeds(args.seed, args.runs)]
        run = runs[0]
    p, no_p = _predict(g, args.method, x0, on_data, {**settings, **tight})
    no_worst = None
    if tight and p is None:  # the method may have a bound PEPit cannot model (Armijo)
        p, again = _predict(g, args.method, x0, on_data, settings)
        no_worst, no_p = (no_p, None) if p is not None else (None, again)
    c, no_c = _check(runs if len(runs) > 1 else run, p) if p is not None else (None, None)
    if plot is not None:
        from ..viz import plot_convergence
        # one legend entry per run: the method of each would not fit for many seeds
        labels = None if len(runs) == 1 else [
            f"seed {r.info['seed']}" if r.info.get("seed") is not None else f"run {i + 1}"
            for i, r in enumerate(runs)]
        try:
            plot_convergence(runs, p, path=plot, labels=labels)
        except OSError as err:  # e.g. no permission: bad input, not a bug
            raise OptionError(f"--plot: cannot write {str(plot)!r}: {err.strerror or err}"
                              ) from None
    return Outcome(args.method, obj, data, data_from, x0, run, p, no_p, c, no_c, plot, runs,
                   no_worst)


def seeds(seed: int | None, count: int) -> list[int | None]:
    """The seeds of ``--runs`` SGD runs: ``seed, seed + 1, ...`` (fresh ones without a seed).

    >>> seeds(7, 3), seeds(None, 2)
    ([7, 8, 9], [None, None])
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise OptionError(f"--runs must be an integer >= 1; got {count!r}")
    return [None if seed is None else seed + i for i in range(count)]


def _tight(text: str | None) -> dict:
    """``predict``'s ``tight=True, tight_iters=[...]`` from ``--tight K,K,...``; PEPit is
    checked for first, so a missing extra is an error, not a missing prediction.

    >>> _tight(None), _tight("1, 5")
    ({}, {'tight': True, 'tight_iters': [1, 5]})
    """
    if text is None:
        return {}
    try:
        ks = [int(k) for k in text.split(",")]
    except ValueError:
        raise OptionError(f"--tight takes iteration counts, e.g. 10 or 1,5,10; got {text!r}"
                          ) from None
    from ..optim.worstcase import iteration_counts, require_pepit
    require_pepit()
    return {"tight": True, "tight_iters": list(iteration_counts(ks))}


def _predict(g, method, x0, on_data, settings) -> tuple[Prediction | None, str | None]:
    try:
        p = predict(g, method, x0=x0, **on_data, **settings)
    except CalcoptError as err:
        return None, _line(err)
    return (p, None) if p.applies else (None, _line(p.explanation))


def _check(run: Run, p: Prediction) -> tuple[RateCheck | None, str | None]:
    try:
        return check(run, p), None
    except CalcoptError as err:
        return None, _line(err)


def _line(text: Any) -> str:
    return " ".join(str(text).split())


def run_run(args: argparse.Namespace) -> str:
    """``calcopt run gd|sgd``: the text (or ``--json``) of :func:`execute`.

    >>> import json
    >>> from calcopt.cli.options import build_parser
    >>> argv = ["run", "gd", "x^2", "--x0", "1", "--no-progress", "--json"]
    >>> json.loads(run_run(build_parser().parse_args(argv)))["run"]["iters"]
    1
    """
    out = execute(args)
    return run_json(out) if args.json else run_text(out)


__all__ = ["execute", "run_run", "seeds", "step_value"]
