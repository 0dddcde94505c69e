"""The report's analysis sections: the objective and its graph, exact derivatives,
convexity, conditioning, stationary points and arg min, the cost report.

Each function takes a :class:`~calcopt.report.problem.Problem` and what was computed, and
returns HTML.  An objective with params is analysed as its exact data mean
(:func:`calcopt.analysis.data_mean`), when the data is small enough for a closed form.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from ..analysis import argmin, conditioning, convexity, data_mean, stationary_points
from ..errors import CalcoptError, MissingDependencyError
from .. import viz
from .compact import derivative_mathml, equation, mathml, shown
from .html import dot_svg, esc, figure, pre, table
from .html import facts as facts_table
from .problem import Problem

DIAGRAM_NODES = 40   # larger graphs are drawn with subexpressions collapsed


def objective_html(p: Problem) -> str:
    g = p.graph
    parts = [f"<p>{esc(p.about)}</p>" if p.about else "",
             equation(sp.Function("f")(*g.wrt, *g.params), p.expr)]
    facts = [("variables", ", ".join(map(str, g.wrt)))]
    if g.params:
        facts += [("data parameters", ", ".join(map(str, g.params))),
                  ("samples", f"{p.samples} (the objective is the mean over them)")]
    if p.domain:
        facts.append(("domain", ", ".join(f"{k} in {v}" for k, v in p.domain.items())))
    if p.x0 is not None:
        facts.append(("start point x0", ", ".join(f"{v:g}" for v in p.x0)))
    return "".join(parts) + facts_table(facts)


def graph_html(p: Problem) -> str:
    g = p.graph
    counts = ", ".join(f"{k} {v}" for k, v in sorted(g.op_counts().items()))
    out = [f"<p>{len(g)} nodes ({esc(counts)}): one node per distinct subexpression, one edge "
           "per use of an argument.</p>"]
    options: dict[str, Any] = {"max_nodes": DIAGRAM_NODES}
    caption = "The computational graph"
    if p.x0 is not None:
        options.update(at=list(p.x0), adjoints=True)
        if g.params:
            options["data"] = p.data
        caption += (f" at x0 = {tuple(p.x0)}: each node shows its forward value and, below it,"
                    " the adjoint df/dnode of one reverse sweep")
        if g.params:
            caption += " (the values and adjoints are means over the samples)"
    try:
        out.append(figure(dot_svg(viz.to_dot(g, **options)), caption + "."))
    except MissingDependencyError as err:
        out.append(f'<p class="note">(diagram not drawn: {esc(err)})</p>')
    return "".join(out)


def derivatives_html(p: Problem) -> str:
    g = p.graph
    n = len(g.wrt)
    reps, grad = shown(g.gradient_graph())
    hreps, hess = shown(g.hessian_graph())
    note = " (per sample; the objective's is their mean)" if g.params else ""
    return (f"<h3>Gradient{esc(note)}</h3>" + derivative_mathml(reps, grad, (n, 1))
            + f"<h3>Hessian{esc(note)}</h3>" + derivative_mathml(hreps, hess, (n, n))
            + '<p class="note">Exact, by reverse mode on the graph (forward-over-reverse for '
              "the Hessian); long entries name the graph's shared subexpressions w0, w1, ...</p>")


def exact_target(p: Problem) -> tuple[Any, str]:
    """The graph the exact analyses take (the data mean for params), or None and why not."""
    if not p.graph.params:
        return p.graph, ""
    try:
        return data_mean(p.graph, p.data), (
            "The exact analyses below are of the data mean, each sample's values read as the "
            "exact decimals they print as.")
    except CalcoptError as err:
        return None, f"The exact analyses are skipped: {err}."


def analyse(p: Problem, timeout: float) -> dict:
    """Convexity, conditioning, stationary points and arg min (what applies)."""
    target, note = exact_target(p)
    res: dict[str, Any] = {"note": note, "target": target}
    if target is None:
        return res
    res["convexity"] = convexity(target, domain=p.domain, timeout=timeout)
    if not p.graph.params:   # data means: L, mu come with the problem, x* numerically
        res["conditioning"] = conditioning(target, timeout=timeout)
        res["stationary"] = stationary_points(target, domain=p.domain, timeout=timeout)
        res["argmin"] = argmin(target, domain=p.domain, timeout=timeout)
    return res


def _verdict_class(v: Any) -> str:
    return {True: "good", False: "bad"}.get(v, "unknown")


def convexity_html(c) -> str:
    word = c.curvature or "unknown"
    extras = (["strictly"] if c.strictly else []) + (
        [f"strongly, with modulus {c.strong_modulus}"] if c.strong_modulus is not None else [])
    head = word + (f" ({', '.join(extras)})" if extras else "")
    rows = [("is_convex", c.is_convex), ("is_concave", c.is_concave), ("method", c.method)]
    for name, w in (("non-convexity witness", c.nonconvex_witness),
                    ("non-concavity witness", c.nonconcave_witness)):
        if w is not None:
            rows.append((name, w))
    if c.reason:
        rows.append(("unknown because", c.reason))
    return (f'<p class="verdict {_verdict_class(c.is_convex)}">{esc(head)}</p>'
            + facts_table(rows) + pre(c.explanation, summary="The proof"))


def conditioning_html(c) -> str:
    cells = [(name, mathml(v) if isinstance(v, sp.Basic) else esc("unknown" if v is None else v))
             for name, v in (("L", c.L), ("mu", c.mu), ("kappa", c.kappa))]
    approx = [(n, h + (f" &nbsp;(&asymp; {float(v):.6g})" if isinstance(v, sp.Basic)
                       and not v.is_Integer else "")) for (n, h), v in zip(cells, (c.L, c.mu, c.kappa))]
    scope = f"{c.scope}, {'exact' if c.exact else 'certified bounds' if c.scope == 'box' else 'numeric'}"
    return (f"<p>Scope: {esc(scope)}.</p>" + facts_table(approx, raw=True)
            + pre(c.explanation))


def given_constants_html(p: Problem, x_star: Any) -> str:
    rows = [("L", f"{float(p.L):.6g}"), ("mu", str(p.mu)), ("kappa", f"{float(p.L) / float(p.mu):.6g}")]
    out = facts_table(rows) + f'<p class="note">{esc(p.constants_how)}</p>'
    if x_star is not None:
        eig = np.linalg.eigvalsh(p.graph.hess(x_star, data=p.data))
        out += (f"<p>At the minimiser the Hessian's eigenvalues are {eig[0]:.6g} and "
                f"{eig[-1]:.6g} (local kappa {eig[-1] / eig[0]:.6g}), inside [mu, L].</p>"
                if len(eig) == 2 else
                f"<p>At the minimiser the Hessian's eigenvalues lie in [{eig[0]:.6g}, "
                f"{eig[-1]:.6g}].</p>")
    return out


def stationary_html(s, wrt) -> str:
    status = "These are all of them (proven)." if s.complete else "Not proven complete."
    if not s.points:
        return f"<p>No stationary point found. {esc(status)}</p>" + pre(s.explanation)
    rows = [(", ".join(f"{n} = {v}" for n, v in zip(wrt, pt.x)), pt.kind or "unknown",
             pt.value, pt.explanation) for pt in s.points]
    return (table(["point", "kind", "f", "how the kind was decided"], rows)
            + f"<p>{esc(status)}</p>" + pre(s.explanation))


def argmin_html(a, wrt) -> str:
    if a.x is None:
        return f"<p>No minimiser found: {esc(a.explanation)}</p>"
    point = ", ".join(f"{n} = {v}" for n, v in zip(wrt, a.x))
    if not a.certified:  # not x*: only where a numeric search stopped
        return (f'<p class="verdict">No global minimiser proven; a numeric search stopped at '
                f'({esc(point)}), f = {esc(a.value)} <span class="unknown">[numeric, not '
                f'certified as x*]</span></p><p>How: {esc(a.explanation)}</p>')
    label = "proven global minimiser" if a.exact else \
        "certified global minimiser (within the radius below)"
    return (f'<p class="verdict">x* = ({esc(point)}), f(x*) = {esc(a.value)} '
            f'<span class="good">[{label}]</span></p><p>How: {esc(a.explanation)}</p>')


def cost_html(p: Problem) -> str:
    return ("<p>Operation counts (weighted: exp, log, pow cost 4, + and x cost 1) of what "
            "calcopt generates from the graph: reverse mode gives the whole gradient for a "
            "small multiple of the cost of f.</p>" + pre(str(p.graph.cost())))
