"""calcopt: analyse optimisation objectives exactly and numerically.

A SymPy expression is compiled into a computational graph (one node per distinct
subexpression); on that graph calcopt evaluates, differentiates (forward and reverse mode,
exact and numeric), analyses (convexity, conditioning, stationary points, arg min), runs
gradient descent and SGD against predicted rates, draws diagrams and writes the HTML report.
The subpackages follow the data flow (README, "Layout"): text -> ir -> ad -> data/codegen ->
graph -> analysis -> optim -> viz -> report -> cli.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
>>> g.value([0.0, 0.0]), g.grad([0.0, 0.0])
(1.0, array([-2.,  0.]))
"""

from .errors import (CalcoptError, ComplexValueError, ComputeError, DataError, DomainError, InvalidInputError,
                     MissingDependencyError, OptionError, ParseError, PointError, RelationalError,
                     ShapeError, SymbolError, UnevaluatedError, UnsupportedOperationError)
from .graph import Graph, compile
from .data.load import load_data
from .primitives import PRIMITIVES, supported_operations
from .text.parse import parse
from .text.domains import parse_box, parse_domain, parse_point
from .analysis import (ArgMin, Conditioning, Convexity, StationaryPoint, StationaryPoints, argmin,
                       conditioning, convexity, stationary_points)
from .optim import (MinibatchVariance, Prediction, RateCheck, Run, check, gd,
                    minibatch_variance, predict, sgd)
from . import viz
from .viz import (draw, plot_contour, plot_convergence, plot_sparsity, plot_variance, to_dot,
                  to_graphml, to_json, to_mermaid)
from . import report
from .report import html_report

__version__ = "0.1.0"

__all__ = [
    # the graph
    "Graph", "PRIMITIVES", "compile", "supported_operations",
    # data beyond one machine (dask; imported only when used)
    "load_data",
    # text
    "parse", "parse_box", "parse_domain", "parse_point",
    # analyses
    "ArgMin", "Conditioning", "Convexity", "StationaryPoint", "StationaryPoints", "argmin",
    "conditioning", "convexity", "stationary_points",
    # runs and rates
    "MinibatchVariance", "Prediction", "RateCheck", "Run", "check", "gd", "minibatch_variance",
    "predict", "sgd",
    # pictures
    "draw", "plot_contour", "plot_convergence", "plot_sparsity", "plot_variance", "to_dot",
    "to_graphml", "to_json", "to_mermaid",
    # the report
    "html_report",
    # errors
    "CalcoptError", "ComplexValueError", "ComputeError", "DataError", "DomainError", "InvalidInputError",
    "MissingDependencyError", "OptionError", "ParseError", "PointError", "RelationalError",
    "ShapeError", "SymbolError", "UnevaluatedError", "UnsupportedOperationError",
]
