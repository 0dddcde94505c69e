"""The calcopt exception hierarchy.

Every error calcopt raises on purpose derives from :class:`CalcoptError`, so
``except calcopt.CalcoptError`` catches all of them.  Each class also derives
from the matching built-in (``ValueError`` or ``TypeError``) so generic code
that expects those keeps working.

Examples
--------
>>> import sympy, calcopt
>>> x = sympy.Symbol("x")
>>> try:
...     calcopt.compile(sympy.gamma(x))
... except calcopt.UnsupportedOperationError as err:
...     print(str(err).splitlines()[0])
unsupported operation 'gamma' in gamma(x)
"""

from __future__ import annotations


class CalcoptError(Exception):
    """Base class of every error raised by calcopt."""


class InvalidInputError(CalcoptError, TypeError):
    """An argument has the wrong type (e.g. a string where a SymPy expression is expected)."""


class UnsupportedOperationError(CalcoptError, ValueError):
    """The expression uses an operation that has no entry in the primitive table."""


class ComplexValueError(UnsupportedOperationError):
    """The expression contains a complex or non-finite constant (``I``, ``oo``, ``nan``)."""


class UnevaluatedError(UnsupportedOperationError):
    """The expression contains an unevaluated ``Derivative``, ``Integral``, ``Sum``, ..."""


class RelationalError(UnsupportedOperationError):
    """The expression is a relation (``x < y``, ``Eq``) or a boolean, not a real value."""


class SymbolError(CalcoptError, ValueError):
    """``wrt``/``params`` are inconsistent: a symbol in both, an unbound symbol, a duplicate."""


class PointError(CalcoptError, ValueError):
    """A point, tangent or cotangent has the wrong length, shape, keys or non-numeric entries."""


class DataError(CalcoptError, ValueError):
    """Data for the parameters is missing, has unknown keys, unequal lengths or is not numeric."""


class OptionError(CalcoptError, ValueError):
    """An option has an unsupported value (a back end, a differentiation mode, a node id)."""


class ShapeError(CalcoptError, ValueError):
    """The operation needs a scalar graph (gradient, Hessian) but the graph is vector-valued."""


class DomainError(CalcoptError, ValueError):
    """A domain is invalid (unknown symbol, empty or reversed interval, lo > hi), a point lies
    outside it, or the function is undefined somewhere on it (``log(x)`` on all reals)."""


class MissingDependencyError(CalcoptError, ImportError):
    """A feature needs a package or program that is not installed (pygraphviz, or Graphviz's
    ``dot``, to render diagrams as SVG/PNG/PDF); the message says what to install."""


class ComputeError(CalcoptError, RuntimeError):
    """A computation over dask data failed after dask's own retries (a worker lost more often
    than ``distributed.scheduler.allowed-failures``, a storage read that failed); no partial
    result is returned."""


class ParseError(CalcoptError, ValueError):
    """Text given to :func:`calcopt.parse` (or a domain, box or point string) is outside the
    accepted grammar or over a size limit.  ``column`` (1-based, or ``None``) and ``reason``
    say where and why; the message adds the accepted grammar."""

    def __init__(self, message: str, column: int | None = None, reason: str | None = None):
        super().__init__(message)
        self.column = column
        self.reason = reason if reason is not None else message
