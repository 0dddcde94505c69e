"""``calcopt run gd|sgd EXPR``: a run, its predicted worst case and the check of one against
the other (see ``docs/cli.md``).

The run is :func:`calcopt.gd` or :func:`calcopt.sgd` with a ``tqdm`` progress bar on stderr;
the prediction is :func:`calcopt.predict` with the same settings and the check
:func:`calcopt.check`.  When no prediction is possible (f not convex, no certified ``L``, a
step too long, ...) the output says why in one line and still shows the run.  Data for the
params come from ``--data FILE.csv`` (:func:`calcopt.cli.loading.read_csv`) or a script.

>>> from calcopt.cli import main
>>> main(["run", "gd", "(x - 1)^2", "--x0", "0", "--no-progress"])   # doctest: +ELLIPSIS
run gd: gd, fixed step 1/L = 0.5 (L from calcopt.conditioning)
...
  converged: gradient norm 0 <= tol = 1e-10 after 1 iterations
...
0
"""

from __future__ import annotations

import json
import math
import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from .. import numeric
from ..errors import CalcoptError, DataError, OptionError, PointError
from ..optim import Prediction, RateCheck, Run, check, gd, predict, sgd
from ..optim.constants import curvature
from ..optim.runs import start_point
from ..parse import parse
from ..parse_args import parse_box
from .formatting import num_json
from .loading import Objective, load_objective, point, read_csv, split_names, with_params

QUANTITY_WORDS = {"f_gap": "f(x_k) - f*", "distance": "||x_k - x*||",
                  "distance_squared": "||x_k - x*||^2"}
TABLE_ROWS = 8


@dataclass
class Outcome:
    """What ``calcopt run`` computed: the run, its settings, the prediction and the check, or
    the one-line reasons there are none."""

    method: str
    obj: Objective
    data: Any
    data_from: str | None
    x0: list[float]
    run: Run
    prediction: Prediction | None
    no_prediction: str | None
    check: RateCheck | None
    no_check: str | None
    plot: Path | None = None
    runs: list[Run] = field(default_factory=list)


# --- reading the options -------------------------------------------------------------------------

def _objective_and_data(args: argparse.Namespace) -> tuple[Objective, Any, str | None]:
    """The objective with its data params, the data (``{name: samples}`` or a script's) and
    where the data came from."""
    with_data = args.data is not None or args.params is not None
    obj = load_objective(args.objective, wrt=None if with_data else args.wrt, domain=args.domain)
    columns = read_csv(args.data) if args.data is not None else None
    names = split_names(args.params, "--params")
    if names is None and columns is not None and not obj.params:
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
    if columns is not None:
        missing = [n for n in params if n not in columns]
        if missing:
            raise DataError(f"{args.data} has no column for the params {missing}; its columns "
                            f"are {list(columns)} (the header row names them)")
        return obj, {n: columns[n] for n in params}, str(args.data)
    if params and obj.data is None:
        raise DataError(f"the objective has params {params} and no data: give --data FILE.csv "
                        "(a header row naming them, one row per sample)")
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
                              f"could not find: {_line(curv.how)}; give a number")
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
        raise DataError("calcopt run sgd samples a data set: give --data FILE.csv (its header "
                        "names the params) or a script with params and data")
    if args.iters is not None and args.epochs is not None:
        raise OptionError("give --iters or --epochs, not both")
    if args.schedule == "inverse" and args.step is not None:
        raise OptionError("--schedule inverse takes the steps beta/(gamma + k) with beta = 2/mu, "
                          "gamma = beta L - 1; drop --step (or use --schedule constant)")
    n = len(numeric.as_data(data, g.params)[0])
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
        runs = [sgd(g, data, x0, iters=args.iters, epochs=args.epochs, seed=seed,
                    record_every=args.record_every, progress=progress, **settings)
                for seed in seeds(args.seed, args.runs)]
        run = runs[0]
    p, no_p = _predict(g, args.method, x0, on_data, settings)
    c, no_c = _check(runs if len(runs) > 1 else run, p) if p is not None else (None, None)
    if plot is not None:
        from ..viz import plot_convergence
        # one legend entry per run: the method of each would not fit for many seeds
        labels = None if len(runs) == 1 else [
            f"seed {r.info['seed']}" if r.info.get("seed") is not None else f"run {i + 1}"
            for i, r in enumerate(runs)]
        plot_convergence(runs, p, path=plot, labels=labels)
    return Outcome(args.method, obj, data, data_from, x0, run, p, no_p, c, no_c, plot, runs)


def seeds(seed: int | None, count: int) -> list[int | None]:
    """The seeds of ``--runs`` SGD runs: ``seed, seed + 1, ...`` (fresh ones without a seed).

    >>> seeds(7, 3), seeds(None, 2)
    ([7, 8, 9], [None, None])
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise OptionError(f"--runs must be an integer >= 1; got {count!r}")
    return [None if seed is None else seed + i for i in range(count)]


def _predict(g, method, x0, on_data, settings) -> tuple[Prediction | None, str | None]:
    try:
        p = predict(g, method, x0=x0, **on_data, **settings)
    except CalcoptError as err:
        return None, _line(err)
    return (p, None) if p.applies else (None, _line(p.failed))


def _check(run: Run, p: Prediction) -> tuple[RateCheck | None, str | None]:
    try:
        return check(run, p), None
    except CalcoptError as err:
        return None, _line(err)


def _line(text: Any) -> str:
    return " ".join(str(text).split())


def run_run(args: argparse.Namespace) -> str:
    """``calcopt run gd|sgd``: the text (or ``--json``) of :func:`execute`.

    >>> from calcopt.cli.options import build_parser
    >>> argv = ["run", "gd", "x^2", "--x0", "1", "--no-progress", "--json"]
    >>> json.loads(run_run(build_parser().parse_args(argv)))["run"]["iters"]
    1
    """
    out = execute(args)
    return _run_json(out) if args.json else _run_text(out)


# --- output --------------------------------------------------------------------------------------

def _point(values: Any, wrt) -> str:
    return "(" + ", ".join(f"{s}={float(v):.6g}" for s, v in zip(wrt, values)) + ")"


def _seed_list(runs: list[Run]) -> str:
    first, last = runs[0].info.get("seed"), runs[-1].info.get("seed")
    return "fresh random seeds" if first is None else f"seeds {first}..{last}"


def _run_text(out: Outcome) -> str:
    run, obj = out.run, out.obj
    g = obj.graph
    args = ", ".join(map(str, g.wrt)) + ("; " + ", ".join(map(str, g.params)) if g.params else "")
    lines = [f"run {out.method}: {run.method}", f"  f({args}) = {obj.expr}"]
    if obj.source != "expression":
        lines.append(f"  from {obj.source}")
    if g.params:
        n = len(numeric.as_data(out.data, g.params)[0])
        lines.append(f"  data: {n} samples from {out.data_from}; f is the mean over them")
    if out.method == "sgd":
        seed = run.info.get("seed")
        lines.append(f"  seed: {seed}" if seed is not None else
                     "  seed: none (a fresh random run each time; --seed N repeats one)")
        if len(out.runs) > 1:
            lines.append(f"  runs: {len(out.runs)} ({_seed_list(out.runs)}); shown: the "
                         "first; the check averages their errors")
    state = "converged" if run.converged else "DIVERGED" if run.diverged else "stopped"
    reason = run.reason.removeprefix("diverged: ")
    lines += [f"  x0     = {_point(out.x0, g.wrt)}", f"  {state}: {reason}",
              f"  x      = {_point(run.x, g.wrt)}"]
    if len(run.f):
        lines += [f"  f      = {run.f[-1]:.6g}", f"  |grad| = {run.grad_norm[-1]:.6g}"]
    lines.append(f"  iterations: {run.iters}")
    lines += ["", *_prediction_lines(out)]
    if out.plot is not None:
        drawn = "with the predicted bound" if out.prediction is not None else \
            "no prediction to draw"
        lines += ["", f"wrote {out.plot} (convergence plot, {drawn})"]
    return "\n".join(lines)


def _prediction_lines(out: Outcome) -> list[str]:
    """The prediction, the check and its table of measured error against the bound."""
    p, c = out.prediction, out.check
    if p is None:
        return [f"prediction: none: {out.no_prediction}"]
    what = QUANTITY_WORDS[p.quantity]
    what = f"E[{what}]" if out.method == "sgd" else what
    rate = f"linear, rate {p.rate:.6g} per iteration" if p.rate is not None else \
        f"sublinear, O(k^{p.order:g})"
    tight = "tight: attained by some function of the class" if p.tight else "not tight"
    lines = [f"prediction: {what} <= bound(k), {rate} ({tight})"]
    if p.floor:
        lines.append(f"  noise floor: {p.floor:.6g} (the expected f-gap as k -> oo)")
    lines += [f"  assumes: {a}" for a in p.assumptions] + [f"  source: {p.source}"]
    if c is None:
        return lines + [f"check: not done: {out.no_check}"]
    lines.append(f"check: {c.verdict}")
    if out.method == "sgd" and c.seeds == 1:
        lines.append("  (one run against a bound on the expectation over mini-batches; "
                     "--runs R averages R seeds)")
    return lines + ["  " + row for row in c.table(TABLE_ROWS).splitlines()]


def _plain(v: Any) -> Any:
    """JSON-ready values: exact SymPy numbers as ``{"exact", "float"}``, no NaN or inf."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if isinstance(v, sp.Basic):
        return num_json(v)
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_plain(x) for x in v]
    return str(v)


def _prediction_json(p: Prediction | None) -> dict | None:
    if p is None:
        return None
    return _plain({"method": p.method, "quantity": p.quantity, "rate": p.rate,
                   "order": p.order, "tight": p.tight, "floor": p.floor,
                   "assumptions": list(p.assumptions), "source": p.source,
                   "constants": p.constants, "x_star": p.x_star, "f_star": p.f_star})


def _check_json(c: RateCheck | None) -> dict | None:
    if c is None:
        return None
    return _plain({"quantity": c.quantity, "holds": c.holds, "verdict": c.verdict,
                   "measured_rate": c.measured_rate, "predicted_rate": c.predicted_rate,
                   "ratio": c.ratio, "window": c.window, "first_violation": c.first_violation,
                   "k": c.k, "error": c.error, "bound": c.bound, "plateau": c.plateau,
                   "floor": c.floor, "seeds": c.seeds})


def _run_json(out: Outcome) -> str:
    g = out.obj.graph
    n = len(numeric.as_data(out.data, g.params)[0]) if g.params else None
    data = {"command": f"run {out.method}", "objective": str(out.obj.expr),
            "source": out.obj.source, "wrt": [s.name for s in g.wrt],
            "params": [s.name for s in g.params],
            "data": None if n is None else {"from": out.data_from, "N": n},
            "x0": out.x0, "run": out.run.as_dict(), "seed": out.run.info.get("seed"),
            "other_runs": [r.as_dict() for r in out.runs[1:]],
            "prediction": _prediction_json(out.prediction), "no_prediction": out.no_prediction,
            "check": _check_json(out.check), "no_check": out.no_check,
            "plot": None if out.plot is None else str(out.plot)}
    return json.dumps(_plain(data), indent=2)


__all__ = ["execute", "run_run", "seeds", "step_value"]
