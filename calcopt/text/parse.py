"""Safe parsing of text into SymPy expressions: no ``eval``, no ``sympify`` of the raw text.

The text is read with Python's :mod:`ast` (after size checks) and the SymPy expression is
built bottom-up by hand from the few node kinds the grammar accepts: numbers, names,
``+ - * / **`` (``^`` also means power), unary ``-``/``+``, parentheses and calls of the
functions derived from the table of primitives.  Anything else is a :class:`ParseError`
naming the column and the reason.  See ``docs/parsing.md`` for the full grammar.

>>> parse("x^2 + 0.1*sin(y)")
x**2 + sin(y)/10
>>> parse("2*x", positive=["x"]).args[1].is_positive
True
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import sympy as sp

from ..errors import OptionError, ParseError  # noqa: F401 (the docstring's example)
from .domains import parse_domain, sign_assumptions
from .reader import Reader
from .vocabulary import FUNCTIONS, GRAMMAR, LIMITS, Limits, name_problem, text_functions


def symbol_factory(*, positive: Iterable[str] = (), nonnegative: Iterable[str] = (),
                   negative: Iterable[str] = (), nonpositive: Iterable[str] = (),
                   domain: str | Mapping[str, sp.Interval] | None = None,
                   symbols: Mapping[str, sp.Symbol] | Iterable[sp.Symbol] | None = None,
                   ) -> Callable[[str], sp.Symbol]:
    """``name -> Symbol`` with the assumptions the options give (see :func:`parse`).

    >>> make = symbol_factory(domain="0 <= t <= 1")
    >>> make("t").is_nonnegative, make("u").is_nonnegative
    (True, None)
    """
    given = _given_symbols(symbols)
    intervals: dict[str, sp.Interval] = {}
    lists = {"positive": (positive, sp.Interval.open(0, sp.oo)),
             "nonnegative": (nonnegative, sp.Interval(0, sp.oo)),
             "negative": (negative, sp.Interval.open(-sp.oo, 0)),
             "nonpositive": (nonpositive, sp.Interval(-sp.oo, 0))}
    if isinstance(domain, str):
        domain = parse_domain(domain)
    pieces = [(str(n), _interval(iv, n), "domain") for n, iv in dict(domain or {}).items()]
    for option, (names, iv) in lists.items():
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",") if n.strip()]
        pieces += [(n, iv, option) for n in names]
    for name, iv, option in pieces:
        if not isinstance(name, str) or name_problem(name):
            raise OptionError(f"{option}: {name!r}: "
                              + (name_problem(name) if isinstance(name, str) else "not a name"))
        if name in given:
            raise OptionError(f"{option}: the symbol {name!r} is given in symbols=; put the "
                              "assumptions on that Symbol instead")
        both = intervals.get(name, sp.S.Reals).intersect(iv)
        if both.is_empty or not isinstance(both, sp.Interval):
            raise OptionError(f"{option}: the assumptions on {name!r} contradict each other")
        intervals[name] = both
    cache: dict[str, sp.Symbol] = dict(given)

    def make(name: str) -> sp.Symbol:
        if name not in cache:
            cache[name] = sp.Symbol(name, **sign_assumptions(intervals.get(name, sp.S.Reals)))
        return cache[name]

    return make


def _interval(value: Any, name: Any) -> sp.Interval:
    """A domain entry: a ``sympy.Interval`` or a closed ``(lo, hi)`` pair (``None``: unbounded)."""
    if isinstance(value, sp.Interval):
        return value
    if isinstance(value, (tuple, list)) and len(value) == 2:
        lo, hi = (_bound(v, inf) for v, inf in zip(value, (-sp.oo, sp.oo)))
        return sp.Interval(lo, hi)
    raise OptionError(f"domain of {name}: expected a sympy.Interval or a (lo, hi) pair, got "
                      f"{value!r}")


def _bound(v: Any, infinity: sp.Expr) -> sp.Expr:
    if v is None:
        return infinity
    if isinstance(v, sp.Expr) and v.is_number:
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return sp.Integer(v) if isinstance(v, int) else sp.Float(v)
    raise OptionError(f"a domain bound must be a number or None, got {v!r}")


def _given_symbols(symbols: Any) -> dict[str, sp.Symbol]:
    if symbols is None:
        return {}
    items = symbols.items() if isinstance(symbols, Mapping) else ((str(s), s) for s in symbols)
    out = {}
    for name, sym in items:
        if not isinstance(sym, sp.Symbol):
            raise OptionError(f"symbols= must hold sympy Symbols; got {sym!r}")
        out[str(name)] = sym
    return out


def parse(text: str, *, positive: Iterable[str] = (), nonnegative: Iterable[str] = (),
          negative: Iterable[str] = (), nonpositive: Iterable[str] = (),
          domain: str | Mapping[str, sp.Interval] | None = None,
          symbols: Mapping[str, sp.Symbol] | Iterable[sp.Symbol] | None = None,
          floats: bool = False, limits: Limits = LIMITS) -> sp.Expr:
    """The SymPy expression the text denotes, built safely (see the module docstring).

    Names become real ``sympy.Symbol``s (``real=True``: calcopt works over the reals, and
    SymPy's simplification of nested functions of complex symbols can take exponential time),
    with the sign assumption that ``positive=[...]``, ``nonnegative=[...]``, ``negative=[...]``,
    ``nonpositive=[...]`` or ``domain="x>0, ..."`` implies; ``symbols=`` supplies the Symbol
    objects themselves.  Decimals are exact rationals unless ``floats=True``.  ``pi`` and
    ``E`` are the constants; ``e`` is an ordinary name.

    >>> parse("sqrt(x) + ln(2) - 1.5e-1")
    sqrt(x) - 3/20 + log(2)
    >>> try:
    ...     parse("x.__class__")
    ... except ParseError as err:
    ...     print(err.column, err.reason)
    2 not accepted: attribute access (a.b)
    """
    make = symbol_factory(positive=positive, nonnegative=nonnegative, negative=negative,
                          nonpositive=nonpositive, domain=domain, symbols=symbols)
    return Reader(text, limits=limits, symbol=make, floats=floats).expr()


__all__ = ["FUNCTIONS", "GRAMMAR", "LIMITS", "Limits", "name_problem", "parse", "symbol_factory",
           "text_functions"]
