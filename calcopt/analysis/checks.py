"""Argument checks shared by the analyses: the time budget and the "no data parameters" rule.

>>> check_timeout(2)
2.0
>>> check_timeout(0)
Traceback (most recent call last):
...
calcopt.errors.OptionError: timeout must be a positive number of seconds; got 0
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInputError, OptionError

if TYPE_CHECKING:
    from ..graph import Graph


def check_timeout(timeout: Any) -> float:
    """A positive number of seconds (any real number but a bool; ``nan`` is refused), or
    :class:`calcopt.OptionError`."""
    if isinstance(timeout, bool) or not isinstance(timeout, Real) or not timeout > 0:
        raise OptionError(f"timeout must be a positive number of seconds; got {timeout!r}")
    return float(timeout)


def require_no_params(g: "Graph", what: str) -> None:
    """Analyses are about ``f(x)`` alone: a graph with data parameters is refused
    (:class:`calcopt.InvalidInputError`)."""
    if g.params:
        raise InvalidInputError(
            f"{what} analyses an objective of the variables only; this graph has params "
            f"{[p.name for p in g.params]} (data parameters). Substitute the data (e.g. a sum "
            "over the samples), or make them variables, and compile that expression")
