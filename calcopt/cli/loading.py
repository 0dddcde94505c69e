"""Objectives for the command line: a text expression (safe parser) or a Python script.

A text ``EXPR`` is read ONLY by :func:`calcopt.parse` (no ``eval``, no ``sympify`` on the
text); ``--domain`` is read by :func:`calcopt.parse_domain` and gives the symbols their sign
assumptions and the analyses their domain.

A path ending in ``.py`` is a script of the user's own that defines ``objective`` (a SymPy
expression) and optionally ``wrt``, ``params``, ``data``, ``x0`` and ``domain``.  Loading it
RUNS it, exactly like ``python objective.py`` would (with ``__name__`` set to
``"__calcopt_objective__"``, so an ``if __name__ == "__main__":`` block is skipped): only load
scripts you trust.

>>> obj = load_objective("x^2 + 3*x*y", domain="x > 0")
>>> obj.graph.wrt, obj.expr, obj.domain
((x, y), x**2 + 3*x*y, {'x': Interval.open(0, oo)})
>>> obj.wrt[0].is_positive
True
"""

from __future__ import annotations

import os
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import sympy as sp

from ..data.lazy import DaskData, as_dask_data
from ..data.load import load_data
from ..data.read import data_paths
from ..errors import InvalidInputError, OptionError
from ..graph import Graph, compile
from ..data.points import as_data
from ..text.parse import parse, symbol_factory
from ..text.domains import parse_domain, parse_point
from ..text.vocabulary import name_problem

SCRIPT_NAMES = ("objective", "wrt", "params", "data", "x0", "domain")


@dataclass
class Objective:
    """What the commands work on: the expression, its compiled graph and the optional extras
    of a script (``data`` for the ``params``, a start point ``x0``, a ``domain``)."""

    expr: sp.Expr
    graph: Graph
    domain: dict | None = None
    data: Any = None
    x0: Any = None
    source: str = "expression"

    @property
    def wrt(self) -> tuple[sp.Symbol, ...]:
        return self.graph.wrt

    @property
    def data_size(self) -> int | None:
        """The number of samples in ``data`` (``None`` without parameters)."""
        return sample_count(self.data, self.params) if self.params else None

    @property
    def params(self) -> tuple[sp.Symbol, ...]:
        return self.graph.params


def is_script(spec: str) -> bool:
    """Is the command-line ``EXPR`` a path to a Python script (by its ``.py`` suffix)?"""
    return spec.strip().lower().endswith(".py")


def split_names(text: str | None, option: str) -> list[str] | None:
    """``"x, y"`` -> ``["x", "y"]``; each must be a valid name (``OptionError`` otherwise).

    >>> split_names("x, y_1", "--wrt")
    ['x', 'y_1']
    """
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    for n in names:
        problem = name_problem(n) if n else "empty name"
        if problem:
            raise OptionError(f"{option}: {n!r}: {problem}; expected names separated by commas, "
                              "e.g. x,y")
    if len(set(names)) != len(names):
        raise OptionError(f"{option}: a name is given twice in {text!r}")
    return names


def _symbols(items: Any, free: set, make, what: str) -> list[sp.Symbol]:
    """Symbols from Symbols or names: a name is the free symbol of that name, else ``make``'s."""
    if isinstance(items, (str, sp.Symbol)):
        items = [items]
    by_name = {s.name: s for s in free}
    out = []
    for item in items:
        if isinstance(item, sp.Symbol):
            out.append(item)
        elif isinstance(item, str) and not name_problem(item):
            out.append(by_name.get(item) or make(item))
        else:
            raise InvalidInputError(f"{what}: {item!r} is not a SymPy Symbol or a name")
    return out


def load_objective(spec: str, wrt: str | None = None, domain: str | None = None) -> Objective:
    """The objective named on the command line: a text expression or a ``.py`` script.

    ``wrt`` (``"x,y"``) fixes the variables and their order (default: the free symbols by
    name, or the script's ``wrt``); ``domain`` (``"x > 0, y in [0, 1]"``) overrides a script's.
    """
    names = split_names(wrt, "--wrt")
    dom = parse_domain(domain) if domain is not None else None
    if is_script(spec):
        return _from_script(Path(spec), names, dom)
    expr = parse(spec, domain=dom)
    make = symbol_factory(domain=dom)
    variables = _symbols(names, expr.free_symbols, make, "--wrt") if names else None
    return Objective(expr, compile(expr, wrt=variables), dom)


def _run_script(path: Path) -> dict:
    if not path.is_file():
        raise InvalidInputError(f"no such file: {str(path)!r} (an EXPR ending in .py is read as "
                                "a Python script defining `objective`)")
    try:
        return runpy.run_path(str(path), run_name="__calcopt_objective__")
    except (Exception, SystemExit) as err:  # the user's own code: report it, do not crash
        raise InvalidInputError(f"{path}: running the script raised {type(err).__name__}: "
                                f"{err}") from err


def _from_script(path: Path, names: list[str] | None, dom: dict | None) -> Objective:
    ns = _run_script(path)
    if "objective" not in ns:
        raise InvalidInputError(f"{path} defines no `objective`; it must set objective = <a "
                                f"SymPy expression> (optional: {', '.join(SCRIPT_NAMES[1:])})")
    expr = ns["objective"]
    if isinstance(expr, (int, float)):
        expr = sp.sympify(expr)
    if not isinstance(expr, sp.Basic):
        raise InvalidInputError(f"{path}: `objective` is a {type(expr).__name__}, not a SymPy "
                                "expression")
    free = expr.free_symbols
    make = symbol_factory()
    given_wrt = names if names is not None else ns.get("wrt")
    variables = _symbols(given_wrt, free, make, "wrt") if given_wrt is not None else None
    params = _symbols(ns.get("params", ()), free, make, "params")
    if dom is None and ns.get("domain") is not None:
        dom = _script_domain(ns["domain"], path)
    graph = compile(expr, wrt=variables, params=params)
    x0 = ns.get("x0")
    return Objective(expr, graph, dom, ns.get("data"), x0, str(path))


def _script_domain(domain: Any, path: Path) -> dict:
    if isinstance(domain, str):
        return parse_domain(domain)
    if isinstance(domain, Mapping):
        return {getattr(k, "name", k): v for k, v in domain.items()}
    raise InvalidInputError(f"{path}: `domain` must be a string like 'x > 0, y in [0, 1]' or a "
                            f"dict {{name: (lo, hi)}}; got {type(domain).__name__}")


def point(text: str | None) -> tuple | dict | None:
    """A point from ``--at``/``--tangent`` text, exact (``"1, 1/2"`` or ``"x=1, y=2"``)."""
    return None if text is None else parse_point(text)


def point_values(p: Any, wrt: Sequence[sp.Symbol]) -> list[sp.Expr]:
    """The coordinates of a point (tuple, list or dict by name/symbol) in ``wrt`` order."""
    from ..data.points import by_position
    from ..errors import PointError
    if isinstance(p, Mapping):
        given = by_position(p, wrt, "point", PointError)
        return [sp.sympify(given[i]) for i in range(len(wrt))]
    values = list(np.asarray(p, dtype=object).ravel())
    if len(values) != len(wrt):
        raise PointError(f"the point has {len(values)} coordinates; expected {len(wrt)} for "
                         f"the variables {[s.name for s in wrt]}")
    return [sp.sympify(v) for v in values]


# --- data: --data PATH for the params ------------------------------------------------------------

def dask_installed() -> bool:
    """Can dask be imported (so that ``--data`` is read lazily)?"""
    try:
        import dask.array  # noqa: F401
    except ImportError:
        return False
    return True


IN_MEMORY_BYTES = 256 << 20  # --data files up to this size on disk are read into memory


def data_option(path: str, params: Sequence[str]) -> Any:
    """The data of ``--data PATH`` for ``params``, through :func:`calcopt.load_data`: files of
    at most :data:`IN_MEMORY_BYTES` on disk in all (or any size, without dask) are read into
    memory (``lazy=False``: no dask overhead per pass, and SGD samples the whole data set);
    larger ones lazily, chunk by chunk, so a data set larger than memory works (every chunk is
    read once now, so a bad cell is an error before the run, not in the middle of it).

    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = p.write_text("a,t\\n1,2\\n2,4\\n")
    >>> sample_count(data_option(str(p), ["t"]), ["t"])
    2
    """
    if dask_installed() and _bytes_on_disk(data_paths(path)) > IN_MEMORY_BYTES:
        return as_dask_data(load_data(path, params), [sp.Symbol(n) for n in params]).checked()
    return load_data(path, params, lazy=False)


def _bytes_on_disk(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        if os.path.isdir(path):  # a Zarr store
            total += sum(os.path.getsize(os.path.join(d, f))
                         for d, _, files in os.walk(path) for f in files)
        else:
            total += os.path.getsize(path)
    return total


def sample_count(data: Any, params: Sequence[Any]) -> int:
    """The number of samples in ``data`` (in memory or dask) for ``params``."""
    symbols = [p if isinstance(p, sp.Symbol) else sp.Symbol(p) for p in params]
    cols = as_data(data, symbols)
    return cols.N if isinstance(cols, DaskData) else len(cols[0])


def with_params(obj: Objective, params: Sequence[str], wrt: Sequence[str] | None = None,
                domain: dict | None = None) -> Objective:
    """The objective recompiled with these data ``params`` (names of its symbols) and the
    variables ``wrt`` (default: the other symbols, in the objective's order where it has one).

    >>> obj = with_params(load_objective("(w*a - t)^2"), ["a", "t"])
    >>> obj.graph.wrt, obj.graph.params
    ((w,), (a, t))
    """
    free = {s.name: s for s in obj.expr.free_symbols}
    unknown = [n for n in params if n not in free]
    if unknown:
        raise OptionError(f"--params: {unknown} do not occur in the objective; its symbols are "
                          f"{sorted(free)}")
    chosen = [free[n] for n in params]
    if wrt is not None:
        variables = _symbols(list(wrt), set(free.values()), symbol_factory(domain=domain),
                             "--wrt")
    else:
        kept = [s for s in obj.graph.wrt if s not in chosen]
        complete = set(kept) | set(chosen) >= set(free.values())
        variables = kept if complete else None
    graph = compile(obj.expr, wrt=variables, params=chosen)
    return Objective(obj.expr, graph, obj.domain, obj.data, obj.x0, obj.source)
