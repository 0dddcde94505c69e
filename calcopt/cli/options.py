"""The argument parser of ``calcopt``: commands, options, help texts with examples."""

from __future__ import annotations

import argparse

from .. import __version__


class UsageError(Exception):
    """Bad flags or arguments: ``main`` prints one line and exits with status 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is an exception (one line, exit 2), not ``sys.exit``."""

    def error(self, message: str):  # noqa: D401 (argparse's hook)
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")

    def _parse_optional(self, arg_string: str):
        # "-log(x)" (an EXPR) and "-1,2" (a point) are arguments, not options: every short
        # option is -h or -o, so a single dash followed by anything else is an argument.
        if arg_string[:1] == "-" and arg_string[:2] != "--" and len(arg_string) > 1 \
                and arg_string[:2] not in self._option_string_actions:
            return None
        return super()._parse_optional(arg_string)


class Formatter(argparse.HelpFormatter):
    """Wraps descriptions and help; keeps texts with line breaks (the examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


EXPR_HELP = (
    "the objective: a text expression such as \"(1 - x)^2 + 100*(y - x^2)^2\", read by the "
    "safe parser calcopt.parse (no eval: only numbers, names, + - * / ** ^ and the supported "
    "functions), or a path to a Python script ending in .py that defines `objective` (a SymPy "
    "expression) and optionally `wrt`, `params`, `data`, `x0`, `domain`. A script is RUN, "
    "exactly like `python objective.py`: load only scripts you trust")

ANALYSE_EXAMPLES = """\
examples:
  calcopt analyse "x^2 + 3*x*y + 5*y^2"
  calcopt analyse "(1 - x)^2 + 100*(y - x^2)^2" --at 1,1
  calcopt analyse "x - log(x) + (y - 1)^2" --domain "x > 0"
  calcopt analyse "x^4 + y^4" --box "x=-2:2, y=-1:3"
  calcopt analyse "log(exp(x) + exp(y))" --json
  calcopt analyse objective.py --at 0.5,0.5      (runs objective.py: see EXPR)
"""

GRAPH_EXAMPLES = """\
examples:
  calcopt graph "exp(x*y) + sin(x*y)" -o graph.svg
  calcopt graph "(x*y + sin(x))*exp(y)" --at 1,0.5 --adjoints -o backprop.svg
  calcopt graph "x^2*y" --at 1,2 --tangent 1,0 --format mermaid
  calcopt graph "x^2*y" --format json > graph.json
"""

REPORT_EXAMPLES = """\
examples:
  calcopt report                          (the built-in objectives -> calcopt-report/report.html)
  calcopt report "x^2 + 3*x*y + 5*y^2" --x0 1,1 -o out
  calcopt report "x - log(x) + (y - 1)^2" --domain "x > 0" --x0 2,0
  calcopt report objective.py             (runs objective.py: see EXPR)
"""

TOP_EXAMPLES = """\
commands:
  report     an HTML report (default: on the built-in objectives; the default command)
  analyse    gradient, Hessian, convexity, conditioning, stationary points, arg min
  graph      a diagram of the computational graph (SVG, PNG, PDF, DOT, Mermaid, JSON)
  run        a gd or sgd run, its predicted worst case and the check of one against the other

exit status: 0 success, 2 bad input (one line on stderr), 1 internal error
(the traceback with --debug).

examples:
  calcopt report
  calcopt analyse "x^2 + 3*x*y + 5*y^2" --at 1,2
  calcopt graph "exp(x*y) + sin(x*y)" -o graph.svg
  calcopt run gd "x^2/2 + 5*y^2" --x0 1,1 --step 1/L --plot conv.png
"""


def _objective_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("objective", metavar="EXPR", help=EXPR_HELP)
    p.add_argument("--wrt", metavar="NAMES",
                   help="the variables, in order, separated by commas (default: the free "
                        "symbols sorted by name, or the script's `wrt`), e.g. --wrt x,y")
    p.add_argument("--domain", metavar="CONDITIONS",
                   help="the domain, e.g. \"x > 0, 0 <= y <= 1, z in [-1, 2]\": gives the "
                        "symbols their sign assumptions and the analyses their domain "
                        "(overrides a script's `domain`)")


def build_parser() -> Parser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="print the traceback of an internal error")
    parser = Parser(prog="calcopt", parents=[common],
                    description="Analyse optimisation objectives exactly and numerically.",
                    epilog=TOP_EXAMPLES, formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"calcopt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    _report_parser(sub, common)
    _analyse_parser(sub, common)
    _graph_parser(sub, common)
    _run_parser(sub, common)
    return parser


def _report_parser(sub, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser(
        "report", parents=[common], help="a self-contained HTML report (default: built-in objectives)",
        description="Write a self-contained HTML report (math as MathML, diagrams and plots as "
                    "inline SVG; nothing is fetched when it is viewed): the computational graph, "
                    "exact gradient and Hessian, convexity with its proof or witness, "
                    "conditioning, stationary points, arg min, gradient-descent runs against "
                    "their predicted rates and, for objectives with data, SGD and the "
                    "mini-batch variance. With no EXPR: the built-in defaults, an "
                    "ill-conditioned quadratic and logistic regression on a data set shipped "
                    "with calcopt.",
        epilog=REPORT_EXAMPLES, formatter_class=Formatter)
    report.add_argument("objective", metavar="EXPR", nargs="?", default=None,
                        help=EXPR_HELP + " (default: the built-in objectives)")
    report.add_argument("--wrt", metavar="NAMES", help="the variables, in order, e.g. --wrt x,y")
    report.add_argument("--domain", metavar="CONDITIONS",
                        help="the domain, e.g. \"x > 0, 0 <= y <= 1\" (as for analyse)")
    report.add_argument("--x0", metavar="POINT",
                        help="start point of the runs, e.g. \"1, -1/2\" (default: the script's "
                             "x0; without one the report has no runs)")
    report.add_argument("-o", "--output", metavar="DIR", default="calcopt-report",
                        help="the directory to write report.html into (default: calcopt-report)")
    report.add_argument("--iters", type=int, default=400, metavar="K",
                        help="gradient-descent iterations of each run (default 400)")
    report.add_argument("--timeout", type=float, default=10.0, metavar="S",
                        help="time budget in seconds of each exact analysis (default 10)")


def _analyse_parser(sub, common: argparse.ArgumentParser) -> None:
    analyse = sub.add_parser(
        "analyse", aliases=["analyze"], parents=[common],
        help="exact gradient, Hessian, convexity, conditioning, stationary points, arg min",
        description="Analyse one objective: graph size, exact gradient and Hessian (long ones "
                    "with shared subexpressions named w0, w1, ...), value and gradient at a "
                    "point, the convexity verdict with its proof or a counterexample, the "
                    "conditioning (global for quadratics, at --at, certified bounds over "
                    "--box), the stationary points and the arg min. Unknown is said as "
                    "unknown, with the reason.",
        epilog=ANALYSE_EXAMPLES, formatter_class=Formatter)
    _objective_options(analyse)
    analyse.add_argument("--at", metavar="POINT",
                         help="a point, \"1, 1/2\" or \"x=1, y=1/2\" (exact): f and the gradient "
                              "there, and the conditioning at it (default: the script's x0 for "
                              "f and the gradient)")
    analyse.add_argument("--box", metavar="BOX",
                         help="a box \"x=-2:2, y=-1:3\": certified bounds on the Hessian's "
                              "eigenvalues (L, mu, kappa) over it")
    analyse.add_argument("--timeout", type=float, default=10.0, metavar="S",
                         help="time budget in seconds of each exact analysis (default 10); "
                              "past it the answer is 'unknown' with the reason")
    analyse.add_argument("--json", action="store_true",
                         help="JSON for machines: exact values as strings, plus floats")


def _graph_parser(sub, common: argparse.ArgumentParser) -> None:
    graph = sub.add_parser(
        "graph", parents=[common], help="draw the computational graph",
        description="Draw the computational graph: one node per distinct subexpression, one "
                    "edge per argument use; with --at the values at the point, --adjoints "
                    "the reverse-mode adjoints df/dnode, --tangent the forward-mode tangents.",
        epilog=GRAPH_EXAMPLES, formatter_class=Formatter)
    _objective_options(graph)
    graph.add_argument("-o", "--output", metavar="FILE",
                       help="the file to write; the format is its suffix (.svg .png .pdf .dot "
                            ".mmd .json .graphml) unless --format is given (default: stdout)")
    graph.add_argument("--format", choices=["dot", "mermaid", "json", "graphml", "svg", "png",
                                            "pdf"],
                       help="output format (default: from the suffix of -o, else dot)")
    graph.add_argument("--at", metavar="POINT", help="annotate the values at this point")
    graph.add_argument("--adjoints", action="store_true",
                       help="annotate the adjoints of one reverse sweep (needs --at)")
    graph.add_argument("--tangent", metavar="VECTOR",
                       help="annotate the forward-mode tangents along this direction, e.g. 1,0 "
                            "(needs --at)")


RUN_EXAMPLES = """\
examples:
  calcopt run gd "x^2/2 + 5*y^2" --x0 1,1                       (step 1/L, L certified)
  calcopt run gd "x^2/2 + 5*y^2" --x0 1,1 --step "2/(L + mu)" --iters 100 --tol 0
  calcopt run gd "x^2/2 + 5*y^2" --x0 1,1 --momentum heavy_ball --plot conv.png
  calcopt run gd "(1 - x)^2 + 100*(y - x^2)^2" --x0 -1.2,1 --line-search armijo
  calcopt run gd "(w*a - t)^2" --x0 0 --data samples.csv          (the mean over the rows)
  calcopt run sgd "(w*a - t)^2" --x0 0 --data samples.csv --params a,t --batch-size 10 \\
      --epochs 20 --seed 1 --json
  calcopt run sgd objective.py --seed 1                            (runs objective.py)
"""


def _run_parser(sub, common: argparse.ArgumentParser) -> None:
    """``calcopt run gd|sgd``: the options both share, then each method's own."""
    run = sub.add_parser(
        "run", parents=[common], help="a gd or sgd run, checked against its predicted rate",
        description="Run gradient descent (gd) or mini-batch SGD (sgd) with a progress bar on "
                    "stderr, then print the run, the predicted worst-case bound for the same "
                    "settings (calcopt.predict) and the check of the measured errors against "
                    "it (calcopt.check). When no prediction is possible (f not convex, no "
                    "certified L, a step too long) the reason is said in one line.",
        epilog=RUN_EXAMPLES, formatter_class=Formatter)
    methods = run.add_subparsers(dest="method", metavar="METHOD", parser_class=Parser,
                                 required=True)
    gd = methods.add_parser("gd", parents=[common], help="gradient descent",
                            description="Gradient descent on EXPR (the mean over --data when "
                                        "it has params).", epilog=RUN_EXAMPLES,
                            formatter_class=Formatter)
    sgd = methods.add_parser("sgd", parents=[common], help="mini-batch SGD on the mean over data",
                             description="Mini-batch stochastic gradient descent on the mean of "
                                         "EXPR over the samples of --data (or a script's data).",
                             epilog=RUN_EXAMPLES, formatter_class=Formatter)
    for p in (gd, sgd):
        _objective_options(p)
        _run_common_options(p)
    gd.add_argument("--iters", type=int, metavar="N",
                    help="the maximum number of steps (default 1000)")
    gd.add_argument("--tol", type=float, default=1e-10, metavar="T",
                    help="stop when the gradient norm is <= T (default 1e-10; 0 runs every step)")
    gd.add_argument("--line-search", choices=["armijo", "exact"],
                    help="Armijo backtracking (from --step or 1) or exact line search (closed "
                         "form for quadratics); default: a fixed step")
    gd.add_argument("--momentum", choices=["heavy_ball", "nesterov"],
                    help="heavy ball (parameters optimal for quadratics, from L and mu) or "
                         "Nesterov (constant momentum from kappa, else the FISTA schedule)")
    gd.add_argument("--tight", metavar="K", nargs="?", const="10",
                    help="also PEPit's worst case of the method over the function class after "
                         "K iterations (a comma list, e.g. 1,5,10; default 10), beside the "
                         "closed-form bound; needs pip install \"calcopt[pepit]\"")
    gd.add_argument("--box", metavar="BOX",
                    help="take L and mu over this box, e.g. \"x=0.9:1.1, y=0.9:1.1\" (the "
                         "prediction then assumes every iterate stays in it)")
    sgd.add_argument("--batch-size", type=int, metavar="B",
                     help="samples per mini-batch (default min(32, N))")
    sgd.add_argument("--epochs", type=int, metavar="E",
                     help="passes over the data (default 10); or give --iters")
    sgd.add_argument("--iters", type=int, metavar="N", help="the number of steps (not with "
                                                            "--epochs)")
    sgd.add_argument("--seed", type=int, metavar="S",
                     help="the random seed: the same seed gives the same run (default: none)")
    sgd.add_argument("--schedule", choices=["constant", "inverse"], default="constant",
                     help="constant step (--step, default 1/L) or beta/(gamma + k) with "
                          "beta = 2/mu, gamma = beta L - 1 (default constant)")
    sgd.add_argument("--runs", type=int, default=1, metavar="R",
                     help="R runs with seeds S, S+1, ... (default 1): the bounds are on the "
                          "expectation, so the check averages the runs' errors")
    sgd.add_argument("--replace", action="store_true",
                     help="draw each mini-batch with replacement (default: a fresh permutation "
                          "per epoch)")
    sgd.add_argument("--record-every", type=int, metavar="K",
                     help="evaluate the full objective every K steps (default: once per epoch)")


def _run_common_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--x0", metavar="POINT",
                   help="the start point, \"1, -2\" or \"x=1, y=-2\" (default: the script's x0)")
    p.add_argument("--step", metavar="STEP",
                   help="the step: a number or an expression in L and mu, e.g. 0.1, 1/L, "
                        "\"2/(L + mu)\" (read by the safe parser; L, mu as calcopt finds "
                        "them). Default: 1/L when L is certified, else Armijo backtracking")
    p.add_argument("--data", metavar="PATH",
                   help="samples of the params, read by calcopt.load_data: a CSV file (a header "
                        "row names the columns, one row of numbers per sample), Parquet "
                        "(.parquet, .pq), .npy (an (N, p) array: columns in --params order) or "
                        "Zarr (.zarr), or a quoted glob such as \"parts/*.csv\" (the files in "
                        "sorted order). Up to 256 MiB on disk read into memory; larger ones lazily, "
                        "chunk by chunk, with dask (data larger than memory works; pip install "
                        "\"calcopt[dask]\"). f is the mean over the rows")
    p.add_argument("--params", metavar="NAMES",
                   help="which symbols are data params, e.g. a,t (default: the script's params, "
                        "else the CSV or Parquet column names that occur in EXPR; needed for "
                        ".npy and Zarr, whose columns have no names)")
    p.add_argument("--plot", metavar="PATH",
                   help="write the convergence plot (log error against k, with the predicted "
                        "bound) to PATH; the format is its suffix (.png, .svg, .pdf)")
    p.add_argument("--json", action="store_true",
                   help="JSON for machines: the run's fields as lists, the prediction and the "
                        "check")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar on stderr")
