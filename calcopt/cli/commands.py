"""The commands: ``analyse``, ``graph`` and ``report``; each returns the text it prints.

Each command is a function of parsed options (an ``argparse.Namespace``) to output text, so
tests and other programs can call them without a subprocess (or call
:func:`calcopt.cli.main` with a list of arguments).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from .. import viz
from ..viz.render import render
from ..analysis import (argmin, conditioning, convexity, data_mean, resolve_domain,
                        stationary_points)
from ..errors import DomainError, OptionError
from ..graph import Graph
from ..report import Problem, default_problems, html_report
from .formatting import (argmin_json, argmin_lines, conditioning_json, conditioning_lines,
                         convexity_json, convexity_lines, derivative_json, gradient_lines,
                         hessian_lines, num_json, num_text, point_text, shown, stationary_json,
                         stationary_lines)
from .loading import Objective, load_objective, point, point_values
from ..text.domains import parse_box


# --- analyse -------------------------------------------------------------------------------------

def exact_at(g: Graph, values: list[sp.Expr]) -> tuple[sp.Expr, list[sp.Expr]]:
    """f and its gradient at a point, exactly: the shared subexpressions (``cse=True``) are
    evaluated once each, in order, so the cost is O(graph size) and nothing blows up."""
    at = dict(zip(g.wrt, values))

    def evaluate(graph: Graph) -> list[sp.Expr]:
        reps, reduced = graph.to_sympy(cse=True)
        for name, e in reps:
            at[name] = e.xreplace(at)
        exprs = list(reduced[0]) if isinstance(reduced[0], sp.MatrixBase) else reduced
        return [e.xreplace(at) for e in exprs]

    value, grad = evaluate(g)[0], evaluate(g.gradient_graph())
    for e in (value, *grad):
        if not (e.is_extended_real is True and e.is_finite is True):
            raise DomainError(f"f or its gradient is not a finite real number at the point "
                              f"{tuple(values)} ({e}); choose a point where f is defined, or "
                              "a --domain")
    return value, grad


def analyse(obj: Objective, at: Any = None, box: dict | None = None,
            timeout: float = 10.0) -> dict:
    """Everything ``calcopt analyse`` reports, as Python objects (see :func:`analyse_text`)."""
    g = obj.graph
    out: dict[str, Any] = {"objective": obj, "domain": None, "point": None, "skipped": None}
    out["gradient"] = shown(g.gradient_graph())
    out["hessian"] = shown(g.hessian_graph())
    where = at if at is not None else obj.x0
    if where is not None:
        values = point_values(where, g.wrt)
        if g.params:
            value, grad = g.value(values, data=obj.data), g.grad(values, data=obj.data)
            if not np.all(np.isfinite(np.append(grad, value))):
                raise DomainError(f"f or its gradient is not finite at {tuple(values)}")
            out["point"] = {"x": values, "numeric": True, "value": float(value),
                            "gradient": [float(v) for v in grad]}
        else:
            value, grad = exact_at(g, values)
            out["point"] = {"x": values, "numeric": False, "value": value, "gradient": grad}
    out["averaged"] = None
    if g.params:
        if obj.data is None:
            out["skipped"] = (f"the objective has parameters {[p.name for p in g.params]} and "
                              "no data: the analyses need an objective without parameters")
            return out
        out["averaged"] = g = data_mean(obj.graph, obj.data)
    out["domain"] = resolve_domain(g, obj.domain)  # DomainError before any analysis
    out["convexity"] = convexity(g, domain=obj.domain, timeout=timeout)
    out["conditioning"] = conditioning(g, at=None if box else at, box=box, timeout=timeout)
    if box is not None and at is not None:   # both asked for: the box, and at the point
        out["conditioning_at_point"] = conditioning(g, at=at, timeout=timeout)
    out["stationary"] = stationary_points(g, domain=obj.domain, timeout=timeout)
    out["argmin"] = argmin(g, domain=obj.domain, timeout=timeout)
    return out


def _header(obj: Objective) -> list[str]:
    g = obj.graph
    args = ", ".join(map(str, g.wrt))
    if g.params:
        args += "; " + ", ".join(map(str, g.params))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(g.op_counts().items()))
    lines = [f"f({args}) = {obj.expr}"]
    if obj.source != "expression":
        lines.append(f"  from {obj.source}")
    return lines + [f"graph: {len(g)} nodes ({counts})"]


def analyse_text(res: dict) -> str:
    obj: Objective = res["objective"]
    wrt, lines = obj.wrt, _header(obj)
    if res["domain"] is not None:
        lines.append(f"domain: {res['domain'].describe()}")
    lines += ["", *gradient_lines(*res["gradient"], wrt),
              *hessian_lines(*res["hessian"], len(wrt))]
    p = res["point"]
    if p is not None:
        how = "numeric, averaged over the data" if p["numeric"] else "exact"
        lines += ["", f"at {point_text(p['x'], wrt)} ({how}):", f"  f      = {num_text(p['value'])}",
                  "  grad f = [" + ", ".join(num_text(v) for v in p["gradient"]) + "]"]
    if res["skipped"]:
        return "\n".join(lines + ["", f"not analysed: {res['skipped']}"])
    if res["averaged"] is not None:
        lines += ["", f"analysed: the mean over the {obj.data_size} samples of the data "
                  "(values read as exact decimals):", f"  F({', '.join(map(str, wrt))}) = "
                  f"{res['averaged'].to_sympy()}"]
    extra = res.get("conditioning_at_point")
    for block in (convexity_lines(res["convexity"]), conditioning_lines(res["conditioning"]),
                  *([conditioning_lines(extra)] if extra is not None else []),
                  stationary_lines(res["stationary"], wrt), argmin_lines(res["argmin"], wrt)):
        lines += ["", *block]
    return "\n".join(lines)


def analyse_json(res: dict) -> str:
    obj: Objective = res["objective"]
    g = obj.graph
    n = len(g.wrt)
    data: dict[str, Any] = {
        "objective": str(obj.expr), "source": obj.source,
        "wrt": [s.name for s in g.wrt], "params": [s.name for s in g.params],
        "domain": None if res["domain"] is None else res["domain"].describe(),
        "graph": {"nodes": len(g), "operations": dict(sorted(g.op_counts().items()))},
        "gradient": derivative_json(*res["gradient"]),
        "hessian": derivative_json(*res["hessian"], n_cols=n),
        "point": None, "skipped": res["skipped"],
        "averaged": None if res["averaged"] is None else str(res["averaged"].to_sympy())}
    p = res["point"]
    if p is not None:
        data["point"] = {"x": [num_json(v) for v in p["x"]], "value": num_json(p["value"]),
                         "gradient": [num_json(v) for v in p["gradient"]]}
    if not res["skipped"]:
        data["convexity"] = convexity_json(res["convexity"])
        data["conditioning"] = conditioning_json(res["conditioning"])
        if res.get("conditioning_at_point") is not None:
            data["conditioning_at_point"] = conditioning_json(res["conditioning_at_point"])
        data["stationary_points"] = stationary_json(res["stationary"])
        data["argmin"] = argmin_json(res["argmin"])
    return json.dumps(data, indent=2)


def run_analyse(args) -> str:
    if args.timeout <= 0:
        raise OptionError(f"--timeout must be a positive number of seconds; got {args.timeout}")
    obj = load_objective(args.objective, wrt=args.wrt, domain=args.domain)
    box = parse_box(args.box) if args.box is not None else None
    res = analyse(obj, at=point(args.at), box=box, timeout=args.timeout)
    return analyse_json(res) if args.json else analyse_text(res)


# --- graph ---------------------------------------------------------------------------------------

TEXT_FORMATS = {"dot": viz.to_dot, "mermaid": viz.to_mermaid, "json": viz.to_json,
                "graphml": viz.to_graphml}


def run_graph(args) -> str:
    """Write the diagram to ``-o`` (format from ``--format`` or the suffix) or stdout."""
    obj = load_objective(args.objective, wrt=args.wrt, domain=args.domain)
    g = obj.graph
    at = point(args.at)
    if at is None and (args.adjoints or args.tangent is not None):
        at = obj.x0
        if at is None:
            raise OptionError("--adjoints and --tangent need a point: give --at")
    options: dict[str, Any] = {}
    if at is not None:
        options["at"] = [float(v) for v in point_values(at, g.wrt)]
        if obj.data is not None:
            options["data"] = obj.data
    if args.adjoints:
        options["adjoints"] = True
    if args.tangent is not None:
        options["tangent"] = [float(v) for v in point_values(point(args.tangent), g.wrt)]
    fmt = args.format
    if args.output is None:
        fmt = fmt or "dot"
        if fmt in TEXT_FORMATS:
            return TEXT_FORMATS[fmt](g, **options).rstrip("\n")
        if fmt == "svg":
            return render(viz.to_dot(g, **options), "svg").decode("utf-8").rstrip("\n")
        raise OptionError(f"--format {fmt} is binary: give -o FILE.{fmt}")
    path = Path(args.output)
    if fmt is None or path.suffix.lower().lstrip(".") == fmt or (fmt, path.suffix) == ("mermaid", ".mmd"):
        viz.draw(g, path, **options)
    elif fmt in TEXT_FORMATS:
        path.write_text(TEXT_FORMATS[fmt](g, **options), encoding="utf-8")
    else:
        path.write_bytes(render(viz.to_dot(g, **options), fmt))
    return f"wrote {path} ({len(g)} nodes)"


# --- report --------------------------------------------------------------------------------------

def report_problems(args) -> list:
    """The objectives of ``calcopt report``: the built-in defaults, or EXPR / a script."""
    if args.objective is None:
        if args.wrt or args.domain or args.x0:
            raise OptionError("--wrt, --domain and --x0 go with an EXPR; the built-in "
                              "objectives have their own")
        return default_problems()
    obj = load_objective(args.objective, wrt=args.wrt, domain=args.domain)
    x0 = point(args.x0) if args.x0 is not None else obj.x0
    if x0 is not None:
        x0 = [float(v) for v in point_values(x0, obj.graph.wrt)]
    return [Problem(obj.graph, f"f = {obj.expr}", x0=x0, data=obj.data, domain=obj.domain,
                    about="" if obj.source == "expression" else f"From {obj.source}.")]


def run_report(args) -> str:
    """Write ``report.html`` into ``-o DIR`` and say where it is."""
    if args.timeout <= 0:
        raise OptionError(f"--timeout must be a positive number of seconds; got {args.timeout}")
    if args.iters < 1:
        raise OptionError(f"--iters must be a positive whole number; got {args.iters}")
    problems = report_problems(args)
    out_dir = Path(args.output)
    if out_dir.exists() and not out_dir.is_dir():
        raise OptionError(f"-o {args.output}: exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "report.html"
    doc = html_report(problems, path, timeout=args.timeout, iters=args.iters)
    titles = "; ".join(p.title for p in problems)
    return (f"calcopt report on {len(problems)} objective(s): {titles}\n"
            f"wrote {path.resolve()} ({len(doc) / 1e6:.1f} MB, self-contained): open it in a "
            "browser")


def write(text: str) -> None:
    sys.stdout.write(text + "\n")
