"""``calcopt.html_report``: the whole self-contained HTML report on one or more objectives.

For each objective (a :class:`Problem`): the objective and its computational graph (drawn,
annotated with values and adjoints at the start point), the exact gradient and Hessian as
MathML, the convexity verdict with its proof or witness, the conditioning, the stationary
points and arg min, gradient descent runs against their predicted bounds with the
trajectories on the contours, and for finite sums SGD and the mini-batch variance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


from .defaults import default_logistic, default_objective
from ..errors import OptionError
from ..graph import Graph, compile
from . import analyses as A
from . import runs as R
from .html import esc, page
from .problem import Problem


def default_problems() -> list[Problem]:
    """The built-in defaults: an ill-conditioned quadratic (kappa = 100) and L2-regularised
    logistic regression on the shipped data set (:mod:`calcopt.report.defaults`)."""
    f, wrt, x0 = default_objective()
    quad = Problem(compile(f, wrt=wrt), "An ill-conditioned quadratic", x0=x0,
                   about="Hessian eigenvalues 2 and 200: the condition number is 100, and "
                         "gradient descent zig-zags across the narrow valley.")
    lr = default_logistic()
    logistic = Problem(compile(lr.expr, wrt=lr.wrt, params=lr.params),
                       "Logistic regression on a small data set", x0=lr.x0, data=lr.data,
                       about="L2-regularised logistic regression, averaged over the 200 "
                             "samples shipped with calcopt (calcopt/data/"
                             "logistic_regression.csv): a finite sum, so SGD applies.",
                       L=lr.L, mu=lr.mu, constants_how=lr.constants_how)
    return [quad, logistic]


def _as_problems(objectives: Any) -> list[Problem]:
    if isinstance(objectives, (Graph, Problem)):
        objectives = [objectives]
    out = []
    for i, o in enumerate(objectives):
        if isinstance(o, Graph):
            o = Problem(o, f"Objective {i + 1}")
        if not isinstance(o, Problem):
            raise OptionError(f"html_report takes calcopt.Graph or calcopt.report.Problem "
                              f"objects; got {type(o).__name__}")
        out.append(o)
    if not out:
        raise OptionError("html_report needs at least one objective")
    return out


def problem_sections(p: Problem, n: int, timeout: float, iters: int,
                     epochs: int) -> list[tuple[str, str, str]]:
    """The report sections of one objective (anchor, title, HTML)."""
    key = f"p{n}"
    res = A.analyse(p, timeout)
    body = [A.objective_html(p), "<h3>Computational graph</h3>", A.graph_html(p),
            A.derivatives_html(p), "<h3>Analyses</h3>"]
    if res["note"]:
        body.append(f'<p class="note">{esc(res["note"])}</p>')
    if "convexity" in res:
        body += ["<h4>Convexity</h4>", A.convexity_html(res["convexity"])]
    if "conditioning" in res:
        body += ["<h4>Conditioning</h4>", A.conditioning_html(res["conditioning"])]
    if "stationary" in res:
        body += ["<h4>Stationary points</h4>", A.stationary_html(res["stationary"], p.graph.wrt),
                 "<h4>Arg min</h4>", A.argmin_html(res["argmin"], p.graph.wrt)]
    sections = [(key, p.title, "".join(body))]
    if p.x0 is None:
        sections.append((f"{key}-runs", f"{p.title}: runs", "<p>No start point x0: no runs.</p>"))
        return sections
    gd = R.gd_runs(p, iters)
    x_star = R.minimiser_of(gd)
    runs = []
    if p.L is not None:
        runs += ["<h3>Constants of the data mean</h3>", A.given_constants_html(p, x_star)]
    runs += ["<h3>Gradient descent: predicted against measured</h3>", R.gd_html(p, gd)]
    if len(p.graph.wrt) == 2:
        runs += ["<h3>Trajectories</h3>", R.contour_html(p, gd)]
    if p.graph.params:
        runs += ["<h3>Mini-batch SGD</h3>", R.sgd_html(p, R.sgd_runs(p, epochs))]
        if x_star is not None:
            runs += ["<h3>Mini-batch gradient variance</h3>", R.variance_html(p, x_star)]
    runs += ["<h3>Cost of the derivatives</h3>", A.cost_html(p)]
    sections.append((f"{key}-runs", f"{p.title}: runs and rates", "".join(runs)))
    return sections


def html_report(objectives: Any = None, path: str | Path | None = None, *,
                title: str = "calcopt report", timeout: float = 10.0, iters: int = 400,
                epochs: int = 30) -> str:
    """The report as one self-contained HTML document (returned; also written to ``path``).

    ``objectives``: a :class:`calcopt.Graph`, a :class:`Problem` (a graph with its start
    point, data, domain) or a list of them; default :func:`default_problems`.  ``timeout``:
    the budget in seconds of each exact analysis; ``iters``: gradient-descent iterations;
    ``epochs``: SGD epochs.

    >>> import sympy as sp, calcopt
    >>> from calcopt.report import Problem
    >>> x, y = sp.symbols("x y")
    >>> doc = calcopt.html_report(Problem(calcopt.compile(x**2 + x*y + y**2), "A bowl",
    ...                                   x0=(1.0, -2.0)), iters=50)
    >>> doc.startswith("<!DOCTYPE html>"), "<math" in doc, doc.count("<svg") >= 3
    (True, True, True)
    """
    problems = default_problems() if objectives is None else _as_problems(objectives)
    sections = []
    for n, p in enumerate(problems, 1):
        sections += problem_sections(p, n, timeout, iters, epochs)
    intro = ("<p>Made by calcopt: exact derivatives from the computational graph, sound "
             "convexity verdicts (a proof, an exactly checked counterexample, or unknown), "
             "condition numbers, and runs of the generated code checked against the "
             "convergence rates theory predicts. The page is self-contained: math is MathML, "
             "pictures are inline SVG.</p>")
    doc = page(title, intro, sections)
    if path is not None:
        Path(path).write_text(doc, encoding="utf-8")
    return doc
