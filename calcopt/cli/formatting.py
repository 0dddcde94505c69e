"""Text and JSON renderings of what the commands computed.

Exact values are SymPy objects; text shows them with a decimal approximation where that
helps, JSON gives ``{"exact": "<sympy text>", "float": <number or null>}``.  Derivatives that
would print long (more than :data:`COMPACT_CHARS` characters) are shown with the graph's
shared subexpressions named (``Graph.to_sympy(cse=True)``).

>>> num_json(sp.sqrt(2))
{'exact': 'sqrt(2)', 'float': 1.4142135623730951}
>>> num_text(sp.Rational(1, 3)), num_text(sp.Integer(7)), num_text(None)
('1/3  (~ 0.333333)', '7', 'unknown')
"""

from __future__ import annotations

from typing import Any, Sequence

import sympy as sp

from ..results import finite_float
from ..report.compact import COMPACT_CHARS, shown, tree_size  # noqa: F401 (re-exported)



# --- numbers ------------------------------------------------------------------------------------

def num_json(v: Any) -> dict | None:
    """``{"exact": str or None, "float": float or None}``; a plain float has no exact form."""
    if v is None:
        return None
    if isinstance(v, float) or isinstance(v, sp.Float):
        return {"exact": None, "float": finite_float(v)}
    return {"exact": str(v), "float": finite_float(v)}


def num_text(v: Any) -> str:
    """A value, with its decimal approximation when the exact form is not an integer."""
    if v is None:
        return "unknown"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, sp.Expr) and v.is_number and not v.is_Integer and v.is_finite:
        return f"{v}  (~ {float(v):.6g})"
    return str(v)


def point_text(values: Sequence[Any], wrt: Sequence[sp.Symbol]) -> str:
    return "(" + ", ".join(f"{s}={v}" for s, v in zip(wrt, values)) + ")"


# --- derivatives ----------------------------------------------------------------------------------

def _where(reps: list, indent: str) -> list[str]:
    if not reps:
        return []
    return [f"{indent}where"] + [f"{indent}  {name} = {e}" for name, e in reps]


def gradient_lines(reps: list, entries: list, wrt: Sequence[sp.Symbol]) -> list[str]:
    lines = ["gradient:"] + [f"  df/d{s} = {e}" for s, e in zip(wrt, entries)]
    return lines + _where(reps, "  ")


def hessian_lines(reps: list, entries: list, n: int) -> list[str]:
    rows = [[str(e) for e in entries[i * n:(i + 1) * n]] for i in range(n)]
    width = [max(len(r[j]) for r in rows) for j in range(n)] if n else []
    lines = ["Hessian:"] + ["  [" + ", ".join(c.rjust(w) for c, w in zip(r, width)) + "]"
                            for r in rows]
    return lines + _where(reps, "  ")


def derivative_json(reps: list, entries: list, n_cols: int | None = None) -> dict:
    exprs = [str(e) for e in entries]
    body: Any = exprs if n_cols is None else [exprs[i:i + n_cols]
                                              for i in range(0, len(exprs), n_cols)]
    return {"replacements": [[str(name), str(e)] for name, e in reps],
            ("expressions" if n_cols is None else "matrix"): body}


# --- analysis results -----------------------------------------------------------------------------

def convexity_lines(c) -> list[str]:
    verdict = c.curvature or "unknown"
    extras = []
    if c.strictly:
        extras.append("strictly")
    if c.strong_modulus is not None:
        extras.append(f"strongly, modulus {num_text(c.strong_modulus)}")
    head = f"convexity: {verdict}" + (f" ({', '.join(extras)})" if extras else "")
    lines = [head, f"  is_convex={c.is_convex}, is_concave={c.is_concave}; method: {c.method}"]
    lines += [f"  {line}" for line in c.explanation.splitlines()]
    for w in (c.nonconvex_witness, c.nonconcave_witness):
        if w is not None and str(w) not in c.explanation:
            lines.append(f"  witness: {w}")
    if c.reason:
        lines.append(f"  unknown because: {c.reason}")
    return lines


def convexity_json(c) -> dict:
    return {"curvature": c.curvature, "is_convex": c.is_convex, "is_concave": c.is_concave,
            "strictly": c.strictly, "strong_modulus": num_json(c.strong_modulus),
            "method": c.method, "explanation": c.explanation, "reason": c.reason,
            "nonconvex_witness": None if c.nonconvex_witness is None else str(c.nonconvex_witness),
            "nonconcave_witness": (None if c.nonconcave_witness is None
                                   else str(c.nonconcave_witness))}


def conditioning_lines(c) -> list[str]:
    kind = "exact" if c.exact else "certified bounds" if c.scope == "box" else "not exact"
    return [f"conditioning ({c.scope}, {kind}):",
            f"  L     = {num_text(c.L)}", f"  mu    = {num_text(c.mu)}",
            f"  kappa = {num_text(c.kappa)}", f"  why: {c.explanation}"]


def conditioning_json(c) -> dict:
    return {"scope": c.scope, "exact": c.exact, "L": num_json(c.L), "mu": num_json(c.mu),
            "kappa": num_json(c.kappa), "explanation": c.explanation}


def stationary_lines(sp_result, wrt) -> list[str]:
    state = "complete" if sp_result.complete else "maybe incomplete"
    size = {True: ", infinitely many", False: "", None: ""}[sp_result.infinite]
    lines = [f"stationary points ({len(sp_result)} found, {state}{size}):"]
    for p in sp_result:
        fam = f" for all {', '.join(map(str, p.free))}" if p.free else ""
        lines.append(f"  {p.kind or 'unclassified'} at {point_text(p.x, wrt)}{fam}, "
                     f"f = {num_text(p.value)}")
    lines.append(f"  why: {sp_result.explanation}")
    return lines


def stationary_json(sp_result) -> dict:
    return {"complete": sp_result.complete, "infinite": sp_result.infinite,
            "explanation": sp_result.explanation,
            "points": [{"x": [num_json(v) for v in p.x], "value": num_json(p.value),
                        "kind": p.kind, "free": [str(s) for s in p.free]} for p in sp_result]}


def argmin_lines(a, wrt) -> list[str]:
    if a.x is None and a.value is None:
        head = "arg min: not found"
    elif a.x is None:
        head = f"arg min: none (inf f = {a.value})"
    else:
        head = f"arg min: {point_text(a.x, wrt)}, f = {num_text(a.value)}"
    status = "proven global minimiser" if a.exact else \
        "certified global minimiser" if a.certified else "not proven global"
    unique = {True: ", unique", False: ", not unique", None: ""}[a.unique]
    lines = [f"{head}  [{status}{unique}]", f"  how: {a.explanation}"]
    if a.x is not None and not all(sp.sympify(v).is_Rational for v in a.x):
        approx = ", ".join(str(v) if finite_float(v) is None else f"{finite_float(v):.6g}"
                           for v in a.x)
        lines.insert(1, f"  ~ ({approx})")
    return lines


def argmin_json(a) -> dict:
    return {"x": None if a.x is None else [num_json(v) for v in a.x],
            "value": num_json(a.value),
            "exact": a.exact, "certified": a.certified, "unique": a.unique, "how": a.explanation}


__all__ = ["COMPACT_CHARS", "num_json", "num_text", "shown", "tree_size"]
