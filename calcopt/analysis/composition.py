"""Curvature by composition rules on the graph, bound-aware (disciplined convex programming
with the interval bounds of every node, in the style of SUSPECT).

From the leaves up, every node gets a curvature (``"constant"``, ``"affine"``, ``"convex"``,
``"concave"`` or ``None``), using what the primitive table knows about its operation over the
enclosures of its arguments (fields ``curvature`` and ``monotonicity``, see
:mod:`calcopt.primitives.shape_rules`) and the DCP composition rule (Grant, Boyd & Ye, 2006):
``h(g_1, ..., g_k)`` is convex when ``h`` is convex (or affine) on the box and each ``g_i`` is
affine, or convex where ``h`` is nondecreasing in it, or concave where ``h`` is nonincreasing
in it (arguments ``h`` does not depend on there are free); concave dually.  Some compositions
DCP rejects are atoms of their own, known to the outer primitive (field ``composite``:
log-sum-exp, Euclidean norms, quadratic over linear).

Sound: ``"convex"`` only when every step is a theorem on the domain; a function that may be
undefined somewhere on the domain gets ``None``.

Examples
--------
>>> import sympy as sp, calcopt
>>> x, y = sp.symbols("x y")
>>> r = composition_curvature(calcopt.compile(sp.exp(x**2 + y)))
>>> r.curvature
'convex'
>>> r.explanation[-1]
'exp(x**2 + y): exp is convex, nondecreasing in x**2 + y (convex) -> convex'
>>> composition_curvature(calcopt.compile(sp.sin(x)), {x: (0, 3)}).curvature
'concave'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

from ..primitives import shape_rules as sr
from ..results import Result
from .domain import Domain
from .intervals import as_domain, box_intervals, node_enclosures, node_program
from .text import short

if TYPE_CHECKING:
    from ..graph import Graph

_OPPOSITE = {"convex": "concave", "concave": "convex"}
_MAX_LINES = 12


@dataclass(frozen=True)
class CompositionResult(Result):
    """``curvature`` of the output (``None``: the rules do not decide), ``explanation`` (which
    rule applied at which node, output last), ``node_curvature`` (per node id)."""

    curvature: str | None
    explanation: list
    node_curvature: tuple

    _repr_title_fields = ("curvature",)
    _repr_fields = ("explanation",)


class _View:
    """What the ``composite`` rules of the primitive table may look at: operation names,
    arguments, curvature, enclosures and exact constants of the nodes below."""

    def __init__(self, prog, curv, ivs, consts):
        self._prog, self.curvature, self.interval, self.const = prog, curv, ivs, consts

    def op(self, j: int) -> str:
        prim = self._prog[j][0]
        return prim.name if prim is not None else "leaf"

    def args(self, j: int) -> tuple:
        return self._prog[j][1]


def _combine(side: str, F: str | None, mono: list, arg_curv: list) -> bool:
    """The DCP rule for one side: can ``h(g_1..g_k)`` be ``side`` (convex or concave)?"""
    if F not in (side, "affine"):
        return False
    for m, c in zip(mono, arg_curv):
        if c in ("constant", "affine") or m == sr.FLAT:
            continue
        if (c == side and m == sr.INC) or (c == _OPPOSITE[side] and m == sr.DEC):
            continue
        return False
    return True


def _describe(name: str, F: str | None, mono: list, args_text: list, arg_curv: list) -> str:
    parts = [f"{m or 'not monotone'} in {t} ({c or 'unknown'})"
             for m, t, c in zip(mono, args_text, arg_curv) if c != "constant"]
    return f"{name} is {F or 'of unknown curvature'}, " + ", ".join(parts)


def composition_curvature(g: "Graph", domain: Domain | Mapping | None = None
                          ) -> CompositionResult:
    """Curvature of the scalar graph ``g`` on the domain by composition rules (module doc).

    >>> import sympy as sp, calcopt
    >>> x, y = sp.symbols("x y")
    >>> composition_curvature(calcopt.compile(x * y)).curvature is None
    True
    """
    dom = as_domain(g, domain)
    enc = node_enclosures(g, dict(zip(dom.wrt, box_intervals(dom))))
    prog = node_program(g)
    out = g.outputs[0]
    if enc[out].maybe_undefined:
        first = next(i for i, e in enumerate(enc) if e.maybe_undefined)
        return CompositionResult(None, [f"{short(g.expr(first))} may be undefined on "
                                        f"{dom.describe()}: no composition rule applies"],
                                 (None,) * len(g))
    ivs = [e.interval for e in enc]
    variables = set(g.variable_nodes)
    varies = [False] * len(g)
    consts: list = [None] * len(g)
    curv: list = [None] * len(g)
    lines: list[str] = []
    failure = line = None
    view = _View(prog, curv, ivs, consts)
    for i, (prim, args, leaf, fixed) in enumerate(prog):
        if prim is None:
            varies[i] = i in variables
            curv[i] = "affine" if varies[i] else "constant"
            consts[i] = leaf if fixed is not None else None
            continue
        varies[i] = any(varies[j] for j in args)
        if not varies[i]:
            curv[i] = "constant"
            e = g.expr(i)
            consts[i] = e if e.is_number and not e.free_symbols else None
            continue
        a = [ivs[j] for j in args]
        c = [consts[j] if not varies[j] else None for j in args]
        F, mono = prim.curvature(a, c), prim.monotonicity(a, c)
        arg_curv = [curv[j] for j in args]
        convex, concave = (_combine(s, F, mono, arg_curv) for s in ("convex", "concave"))
        curv[i] = "affine" if convex and concave else (
            "convex" if convex else ("concave" if concave else None))
        text = _describe(prim.name, F, mono, [short(g.expr(j), 30) for j in args], arg_curv)
        if curv[i] is None:
            special = prim.composite(view, i)
            if special is not None:
                curv[i], rule = special
                text = rule
        line = f"{short(g.expr(i), 40)}: {text} -> {curv[i] or 'undecided'}"
        if curv[i] is None and failure is None:
            failure = line
        if curv[i] is not None and any(curv[j] != "constant" for j in args):
            lines.append(line)
    result = curv[out]
    if result is None:
        lines = [failure or "no rule applies"] + ([line] if line != failure else [])
    elif not lines:
        lines = [f"{short(g.expr(out))} is {'a variable' if result == 'affine' else 'constant'}"]
    elif len(lines) > _MAX_LINES:
        lines = lines[: _MAX_LINES // 2] + ["..."] + lines[-_MAX_LINES // 2:]
    return CompositionResult(result, lines, tuple(curv))
