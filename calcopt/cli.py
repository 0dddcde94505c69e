"""The ``calcopt`` command line (a first version: the CLI issue completes it).

``calcopt`` or ``calcopt report`` prints the analysis of the built-in default objective:
graph size, value, exact gradient and Hessian, numeric gradient at a point, cost report.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np

from . import __version__
from .defaults import default_objective
from .graph import compile


def report_text() -> str:
    """The text report on the default objective.

    >>> print(report_text().splitlines()[0])
    calcopt report: built-in default objective
    """
    expr, wrt, point = default_objective()
    g = compile(expr, wrt=wrt)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(g.op_counts().items()))
    lines = [
        "calcopt report: built-in default objective",
        f"  f({', '.join(map(str, wrt))}) = {expr}",
        f"  graph: {len(g)} nodes ({counts})",
        f"  at {dict(zip(map(str, wrt), point))}:",
        f"    f        = {g.value(point):.6g}",
        f"    grad f   = {np.array2string(g.grad(point), precision=6)}",
        f"  exact gradient: {list(g.gradient())}",
        f"  exact Hessian:  {g.hessian().tolist()}",
        "",
        "cost report:",
        *("  " + line for line in str(g.cost()).splitlines()),
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="calcopt",
        description="Analyse optimisation objectives exactly and numerically.",
        epilog="Example: calcopt report   (analyses the built-in default objective)")
    parser.add_argument("--version", action="version", version=f"calcopt {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("report", help="report on the built-in default objective",
                   description="Print the analysis of the built-in default objective.")
    parser.parse_args(argv)
    print(report_text())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
