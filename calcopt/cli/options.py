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

exit status: 0 success, 2 bad input (one line on stderr), 1 internal error
(the traceback with --debug).

examples:
  calcopt report
  calcopt analyse "x^2 + 3*x*y + 5*y^2" --at 1,2
  calcopt graph "exp(x*y) + sin(x*y)" -o graph.svg
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
    return parser
