"""What text given to :func:`calcopt.parse` may name, and the limits it must keep.

Functions come from the table of primitives (:func:`text_functions`), plus documented aliases;
``pi`` and ``E`` are constants; a few names are reserved (:func:`name_problem`).

>>> "sqrt" in FUNCTIONS and "Heaviside" in FUNCTIONS, name_problem("e")
(True, '')
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import sympy as sp

from ..errors import ParseError
from ..primitives import PRIMITIVES, Primitive


@dataclass(frozen=True)
class Limits:
    """Size limits checked before SymPy computes anything (pass ``limits=`` to change them)."""

    length: int = 10_000          # characters of input
    nodes: int = 5_000            # syntax-tree nodes
    depth: int = 100              # nesting (brackets, calls, powers, unary signs)
    digits: int = 100             # characters of one numeric literal
    exponent: int = 10**6         # |constant exponent| of a power
    bits: int = 10_000            # bits of the numerator/denominator of any exact constant
    magnitude: float = 1e100      # |value| of any constant subexpression
    evaluated_arguments: int = 4  # calls with more arguments are built unevaluated


LIMITS = Limits()
GRAMMAR = ("accepted: numbers (exact: 0.1 is 1/10), names, + - * / ** (^ means **), unary - +, "
           "parentheses, calls f(a, ...) of: {funcs}; constants pi, E")

@dataclass(frozen=True)
class Func:
    build: Callable[..., Any]
    nargs: Any  # a SymPy set of accepted argument counts


def text_functions(primitives: Iterable[Primitive] = PRIMITIVES) -> dict[str, Func]:
    """Function names accepted in text: derived from the primitive table, plus aliases.

    Rule: a primitive is callable by name when its SymPy class follows SymPy's function
    protocol (an ``Expr`` class with ``nargs``), under both its table name and its SymPy class
    name (``abs``/``Abs``).  Operators (``add``, ``mul``, ``pow``) are written with symbols.

    >>> sorted(k for k in text_functions() if k.lower() == "max")
    ['Max', 'max']
    """
    funcs: dict[str, Func] = {}
    table = {p.name: p for p in primitives}
    for p in table.values():
        for cls in p.sympy_types:
            if p.arity != 0 and issubclass(cls, sp.Expr) and hasattr(cls, "nargs"):
                for name in (cls.__name__, p.name):
                    if name.isidentifier() and not keyword.iskeyword(name):
                        funcs.setdefault(name, Func(cls, cls.nargs))
    one = sp.FiniteSet(1)
    if "pow" in table:
        funcs.setdefault("sqrt", Func(lambda a: sp.Pow(a, sp.S.Half), one))
        funcs.setdefault("cbrt", Func(lambda a: sp.Pow(a, sp.Rational(1, 3)), one))
    for alias, target in (("ln", "log"), ("arcsin", "asin"), ("arccos", "acos"),
                          ("arctan", "atan")):
        if target in funcs:
            funcs.setdefault(alias, funcs[target])
    return funcs


FUNCTIONS = text_functions()
_RESERVED = {"I": "'I' (the imaginary unit) is reserved: calcopt works over the reals",
             "oo": "infinity is only accepted as a domain bound",
             "inf": "infinity is only accepted as a domain bound",
             "zoo": "'zoo' (complex infinity) is reserved", "nan": "'nan' is reserved"}
CONSTANTS = {"pi": sp.pi, "E": sp.E}
def fail(text: str, offset: int, index: int, reason: str) -> ParseError:
    """A ParseError at ``index`` (0-based) of ``text``, which starts at ``offset`` in the input."""
    col = offset + index + 1
    lo = max(0, index - 30)
    shown = text[lo:index + 30]
    pointer = " " * (index - lo) + "^"
    funcs = ", ".join(sorted(FUNCTIONS, key=str.lower))
    message = (f"column {col}: {reason}\n  {shown}\n  {pointer}\n"
               + GRAMMAR.format(funcs=funcs))
    return ParseError(message, column=col, reason=reason)


def name_problem(name: str, functions: Mapping[str, Any] = FUNCTIONS) -> str:
    """Why ``name`` cannot be a variable name (``""`` if it can).

    >>> name_problem("x1"), name_problem("sin")
    ('', "'sin' is a function; call it as sin(...)")
    """
    if not name.isidentifier() or keyword.iskeyword(name) or not name.isascii():
        return f"{name!r} is not a name (letters, digits, _; not a Python keyword)"
    if name.startswith("_"):
        return f"names starting with '_' are reserved: {name!r}"
    if name in functions:
        return f"{name!r} is a function; call it as {name}(...)"
    if name in CONSTANTS:
        return f"{name!r} is a constant"
    return _RESERVED.get(name, "")


__all__ = ["FUNCTIONS", "GRAMMAR", "LIMITS", "Limits", "name_problem", "text_functions"]
