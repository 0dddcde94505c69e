"""calcopt: analyse optimisation objectives exactly and numerically.

A SymPy expression is compiled into a computational graph (one node per distinct
subexpression); on that graph calcopt evaluates, differentiates (forward and reverse mode,
exact and numeric) and, in later releases, analyses and runs optimisers.

>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> g = calcopt.compile((1 - x)**2 + 100*(y - x**2)**2)
>>> g.value([0.0, 0.0]), g.grad([0.0, 0.0])
(1.0, array([-2.,  0.]))
"""

from .errors import (CalcoptError, ComplexValueError, DataError, DomainError, InvalidInputError,
                     OptionError,
                     PointError, RelationalError, ShapeError, SymbolError, UnevaluatedError,
                     UnsupportedOperationError)
from .graph import Graph, compile
from .analysis import (ArgMin, Conditioning, Convexity, argmin, conditioning, convexity,
                       stationary_points)
from .primitives import PRIMITIVES, supported_operations
from .optim import (MinibatchVariance, Prediction, RateCheck, Run, check, gd,
                    minibatch_variance, predict, sgd)

__version__ = "0.1.0"

__all__ = [
    "ArgMin", "Conditioning", "Convexity", "argmin", "conditioning", "convexity",
    "stationary_points",
    "CalcoptError", "ComplexValueError", "DataError", "DomainError", "Graph", "InvalidInputError", "OptionError",
    "PointError",
    "PRIMITIVES", "RelationalError", "ShapeError", "SymbolError", "UnevaluatedError",
    "UnsupportedOperationError", "compile", "supported_operations",
    "MinibatchVariance", "Prediction", "RateCheck", "Run", "check", "gd", "minibatch_variance",
    "predict", "sgd",
]
