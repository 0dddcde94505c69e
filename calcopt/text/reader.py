"""The machinery behind :func:`calcopt.parse`: size checks, :mod:`ast`, hand-built SymPy.

The text is read with Python's :mod:`ast` (after checks of length, characters and bracket
depth) and the SymPy expression is built bottom-up by hand from the few node kinds the grammar
accepts; every constant subexpression is checked (finite, real, bounded size) before it is used,
so SymPy never computes an astronomically large number.  No ``eval``, no ``sympify``.

>>> Reader("2^10").expr()
1024
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import Any, Callable, Mapping

import sympy as sp

from ..errors import InvalidInputError, ParseError
from .vocabulary import CONSTANTS, FUNCTIONS, LIMITS, Limits, fail, Func, name_problem


_PAIR_ONLY = ("comparisons and True/False are accepted only as conditions in (value, condition) "
              "pairs")


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))
_RELATIONS = {ast.Lt: sp.StrictLessThan, ast.LtE: sp.LessThan, ast.Gt: sp.StrictGreaterThan,
              ast.GtE: sp.GreaterThan, ast.Eq: sp.Eq, ast.NotEq: sp.Ne}
_REJECTED = {
    "Attribute": "attribute access (a.b)", "Subscript": "subscripts (a[i])",
    "Lambda": "lambda expressions", "IfExp": "conditional expressions (a if c else b)",
    "ListComp": "comprehensions", "SetComp": "comprehensions", "DictComp": "comprehensions",
    "GeneratorExp": "comprehensions", "List": "lists", "Tuple": "tuples", "Dict": "dicts",
    "Set": "sets", "NamedExpr": "assignment expressions (:=)", "Starred": "starred arguments",
    "JoinedStr": "f-strings", "FormattedValue": "f-strings", "Await": "await",
    "Yield": "yield", "YieldFrom": "yield", "Slice": "slices", "BoolOp": "and/or",
    "Compare": "comparisons",
}
_NUMBER = re.compile(r"(?P<mant>[0-9_]*\.?[0-9_]*)(?:[eE](?P<exp>[+-]?[0-9_]+))?")


class Reader:
    """Parses one piece of text (starting at column ``offset + 1`` of the user's input)."""

    def __init__(self, text: str, offset: int = 0, *, limits: Limits = LIMITS,
                 symbol: Callable[[str], sp.Expr] | None = None, floats: bool = False,
                 functions: Mapping[str, Func] | None = None, infinity: bool = False):
        if not isinstance(text, str):
            raise InvalidInputError(f"expected a string to parse, got {type(text).__name__}")
        self.text, self.offset, self.limits = text, offset, limits
        self.symbol, self.floats, self.infinity = symbol, floats, infinity
        self.functions = FUNCTIONS if functions is None else functions
        self.source, self.cols = self._prepare(text)

    def fail(self, index: int, reason: str) -> ParseError:
        return fail(self.text, self.offset, index, reason)

    def node_fail(self, node: ast.AST, reason: str) -> ParseError:
        return self.fail(self.cols[min(self.where(node), len(self.cols) - 1)], reason)

    def where(self, node: ast.AST) -> int:
        """Source index to point at: the operator of a binary operation, the dot of ``a.b``,
        the bracket of ``a[i]``, the bracket of a call of a non-name."""
        if isinstance(node, ast.BinOp):
            i = node.left.end_col_offset
            while i < len(self.source) and self.source[i] in " )":
                i += 1
            return i
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return node.value.end_col_offset
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
            return self.where(node.func) if isinstance(node.func, ast.Attribute) \
                else node.func.end_col_offset
        return node.col_offset

    def _prepare(self, text: str) -> tuple[str, list[int]]:
        """Check length, characters and bracket depth; map ``^`` to ``**`` and newlines to
        spaces.  Returns the source for :func:`ast.parse` and, per source character, its index
        in ``text``."""
        lim = self.limits
        if len(text) > lim.length:
            raise self.fail(lim.length, f"input longer than {lim.length} characters")
        if not text.strip():
            raise self.fail(0, "empty input")
        out, cols, depth = [], [], 0
        for i, ch in enumerate(text):
            if not (" " <= ch <= "~" or ch in "\t\n\r"):
                raise self.fail(i, f"character {ch!r} is not accepted (ASCII only)")
            depth += (ch in "([{") - (ch in ")]}")
            if depth > lim.depth:
                raise self.fail(i, f"brackets nested deeper than {lim.depth} levels")
            piece = "**" if ch == "^" else (" " if ch in "\t\n\r" else ch)
            if piece == " " and not out:  # ast.parse("  x", mode="eval") is an indent error
                continue
            out.append(piece)
            cols.extend([i] * len(piece))
        cols.append(len(text))
        return "".join(out), cols

    def tree(self) -> ast.expr:
        """The syntax tree, with node count and nesting depth checked."""
        try:
            with warnings.catch_warnings():  # e.g. "invalid decimal literal": we say it better
                warnings.simplefilter("ignore")
                tree = ast.parse(self.source, mode="eval").body
        except SyntaxError as err:
            where = max(0, min((err.offset or 1) - 1, len(self.cols) - 1))
            raise self.fail(self.cols[where], f"invalid syntax ({err.msg})") from None
        except (RecursionError, MemoryError, ValueError, OverflowError) as err:
            raise self.fail(0, f"too deeply nested or too large to parse ({type(err).__name__})"
                            ) from None
        count, stack = 0, [(tree, 1)]
        while stack:
            node, depth = stack.pop()
            count += 1
            if count > self.limits.nodes:
                raise self.node_fail(node, f"more than {self.limits.nodes} syntax nodes")
            if depth > self.limits.depth:
                raise self.node_fail(node, f"nested deeper than {self.limits.depth} levels")
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop)):
                    continue
                stack.append((child, depth + (0 if _same_chain(node, child) else 1)))
        return tree

    # --- building ----------------------------------------------------------------------------
    # Each builder returns (expression, approx): approx is None for non-constants, else a
    # SymPy number approximating the constant (used to bound magnitudes cheaply).

    def expr(self) -> sp.Expr:
        value, _ = self.build(self.tree())
        return value

    def build(self, node: ast.expr, cond: bool = False) -> tuple[Any, Any]:
        kind = type(node).__name__
        if isinstance(node, ast.Constant):
            return self.constant(node, cond)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Compare) and cond:
            return self.compare(node)
        if kind in _REJECTED:
            extra = f"; {_PAIR_ONLY}" if kind == "Compare" else ""
            raise self.node_fail(node, f"not accepted: {_REJECTED[kind]}{extra}")
        raise self.node_fail(node, f"not accepted: {kind}")

    def constant(self, node: ast.Constant, cond: bool) -> tuple[Any, Any]:
        v = node.value
        if isinstance(v, bool):
            if cond:
                return sp.true if v else sp.false, None
            raise self.node_fail(node, f"{v} is not accepted; {_PAIR_ONLY}")
        if isinstance(v, (int, float)):
            literal = self.source[node.col_offset:node.end_col_offset]
            if len(literal) > self.limits.digits:
                raise self.node_fail(node, f"numeric literal longer than {self.limits.digits} "
                                           "characters")
            return self.checked(node, self.number(node, literal))
        what = {str: "strings", bytes: "bytes", complex: "imaginary numbers"}.get(type(v))
        raise self.node_fail(node, f"not accepted: {what or repr(v)}")

    def number(self, node: ast.Constant, literal: str) -> sp.Expr:
        if isinstance(node.value, int):
            return sp.Integer(node.value)
        m = _NUMBER.fullmatch(literal)
        if m is None:
            raise self.node_fail(node, f"cannot read the number {literal!r}")
        if m["exp"] and abs(int(m["exp"].replace("_", ""))) > 400:
            raise self.node_fail(node, "decimal exponent above 400 in a numeric literal")
        clean = literal.replace("_", "")
        return sp.Float(clean) if self.floats else sp.Rational(clean)

    def name(self, node: ast.Name) -> tuple[Any, Any]:
        n = node.id
        if n in CONSTANTS:
            return self.checked(node, CONSTANTS[n])
        if self.infinity and n in ("oo", "inf"):
            return sp.oo, None
        if name_problem(n, self.functions):
            raise self.node_fail(node, name_problem(n, self.functions))
        if self.symbol is None:
            raise self.node_fail(node, f"a number is expected here, not the name {n!r}")
        return self.symbol(n), None

    def unary(self, node: ast.UnaryOp) -> tuple[Any, Any]:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            op = {ast.Not: "not", ast.Invert: "~"}.get(type(node.op), "?")
            raise self.node_fail(node, f"unary operator {op!r} is not accepted")
        (a, approx), sign = self.build(node.operand), isinstance(node.op, ast.USub)
        if not sign:
            return a, approx
        return self.apply(node, lambda v: -v, [(a, approx)])

    def binop(self, node: ast.BinOp) -> tuple[Any, Any]:
        if type(node.op) not in _BINOPS:
            raise self.node_fail(node, f"operator {_op_text(node.op)} is not accepted")
        if isinstance(node.op, ast.Pow):
            base, expo = self.build(node.left), self.build(node.right)
            self.check_power(node, base[0], expo[0])
            return self.apply(node, sp.Pow, [base, expo])
        # A chain a + b - c ... is built as one Add (one Mul), iteratively: long sums stay flat.
        chain = next(c for c in _CHAINS if isinstance(node.op, c))
        parts, current = [], node
        while isinstance(current, ast.BinOp) and isinstance(current.op, chain):
            parts.append((current.op, current.right))
            current = current.left
        terms = [self.build(current)]
        for op, right in reversed(parts):
            value, approx = self.build(right)
            if isinstance(op, ast.Sub):
                value, approx = self.apply(right, lambda v: -v, [(value, approx)])
            elif isinstance(op, ast.Div):
                value, approx = self.apply(right, lambda v: sp.Pow(v, -1), [(value, approx)])
            terms.append((value, approx))
        return self.apply(node, sp.Add if chain[0] is ast.Add else sp.Mul, terms)

    def check_power(self, node: ast.BinOp, base: Any, expo: Any) -> None:
        """Refuse powers whose exact value would be astronomically large, before SymPy tries."""
        if not isinstance(expo, sp.Rational):
            return
        if abs(expo) > self.limits.exponent:
            raise self.node_fail(node, f"exponent {expo} is larger than {self.limits.exponent} "
                                       "in magnitude")
        if isinstance(base, sp.Rational) and base not in (0, 1, -1):
            bits = max(abs(base.p).bit_length(), base.q.bit_length())
            if abs(expo) * bits > self.limits.bits:
                raise self.node_fail(node, f"the power would have more than {self.limits.bits} "
                                           "bits")
            if expo.q != 1 and bits > 340:
                raise self.node_fail(node, "fractional power of a number with more than "
                                           "100 digits")

    def call(self, node: ast.Call) -> tuple[Any, Any]:
        if isinstance(node.func, ast.Attribute):
            raise self.node_fail(node.func, "not accepted: attribute access (a.b)")
        if not isinstance(node.func, ast.Name):
            raise self.node_fail(node, "only named functions can be called, as f(...)")
        name = node.func.id
        func = self.functions.get(name)
        if func is None:
            raise self.node_fail(node, f"unknown function {name!r}")
        if node.keywords:
            raise self.node_fail(node.keywords[0].value, "keyword arguments are not accepted")
        if not node.args or len(node.args) not in func.nargs:
            raise self.node_fail(node, f"{name} takes {_counts(func.nargs)} argument(s), "
                                       f"got {len(node.args)}")
        args = [self.pair(a) if isinstance(a, ast.Tuple) else self.build(a) for a in node.args]
        return self.apply(node, self.evaluation(func.build, args), args, label=name,
                          approximate=func.build)

    def evaluation(self, build: Callable, args: list) -> Callable:
        """SymPy simplifies ``Max``/``Min`` by pairwise comparisons (quadratic and slow: ~2 s for
        50 symbols), so a call with many arguments, counting those of nested calls of the same
        function that SymPy would flatten into it, is built unevaluated: same value."""
        if not isinstance(build, type):
            return build
        count = sum(len(v.args) if isinstance(v, build) else 1 for v, _ in args)
        if count <= self.limits.evaluated_arguments:
            return build
        return lambda *values: build(*values, evaluate=False)

    def pair(self, node: ast.Tuple) -> tuple[Any, Any]:
        """A ``(value, condition)`` argument (as in ``Piecewise((x, x < 0), (0, True))``)."""
        if len(node.elts) != 2:
            raise self.node_fail(node, "tuples are accepted only as (value, condition) pairs")
        value, _ = self.build(node.elts[0])
        condition, _ = self.build(node.elts[1], cond=True)
        return (value, condition), None

    def compare(self, node: ast.Compare) -> tuple[Any, Any]:
        if len(node.ops) != 1 or type(node.ops[0]) not in _RELATIONS:
            raise self.node_fail(node, "a condition is one comparison a < b (<, <=, >, >=, ==, "
                                       "!=)")
        left, right = self.build(node.left), self.build(node.comparators[0])
        return self.apply(node, _RELATIONS[type(node.ops[0])], [left, right])[0], None

    def apply(self, node: ast.AST, build: Callable, args: list, label: str = "",
              approximate: Callable | None = None) -> tuple:
        """``build(*values)``; for constants also the approximation (``approximate`` applied to
        the arguments' approximations, default ``build``), with limits checked."""
        values = [v for v, _ in args]
        try:
            value = build(*values)
        except Exception as err:  # SymPy raises many kinds; none may escape as a traceback
            raise self.node_fail(node, f"cannot build {label or 'this expression'}: "
                                       f"{type(err).__name__}") from None
        if not all(a is not None for _, a in args):
            return value, None
        return self.checked(node, value, [a for _, a in args], approximate or build)

    def checked(self, node: ast.AST, value: Any, approxs: list | None = None,
                build: Callable | None = None) -> tuple[Any, Any]:
        """Check an exact constant: finite, real, of bounded size; return it with an
        approximation (computed from the arguments' approximations, never by evalf of a tree)."""
        if not isinstance(value, sp.Expr):
            return value, None
        if value.is_extended_real is False or value.is_finite is False or value is sp.nan:
            raise self.node_fail(node, f"the constant {_short(value)} is not a finite real "
                                       "number (division by zero, log(0), sqrt(-1), ...?)")
        if isinstance(value, sp.Rational):
            if max(abs(value.p).bit_length(), value.q.bit_length()) > self.limits.bits:
                raise self.node_fail(node, f"a constant has more than {self.limits.bits} bits")
            approx = value
        elif build is None:
            approx = sp.Float(value, 30)
        else:
            try:
                approx = build(*(sp.Float(a, 30) for a in approxs))
            except Exception:
                approx = None
            approx = approx if isinstance(approx, sp.Expr) and approx.is_number else None
        if approx is not None and abs(approx) > self.limits.magnitude:
            raise self.node_fail(node, f"a constant is larger than {self.limits.magnitude:g} "
                                       "in magnitude")
        return value, approx


def _same_chain(parent: ast.AST, child: ast.AST) -> bool:
    """Is ``child`` the left operand of a chain ``a + b - c`` (``a * b / c``) with ``parent``?"""
    if not (isinstance(parent, ast.BinOp) and isinstance(child, ast.BinOp)):
        return False
    return child is parent.left and any(isinstance(parent.op, c) and isinstance(child.op, c)
                                        for c in _CHAINS)


def _op_text(op: ast.AST) -> str:
    names = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<",
             ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
    return repr(names.get(type(op), type(op).__name__))


def _counts(nargs: Any) -> str:
    if isinstance(nargs, sp.FiniteSet):
        return " or ".join(str(n) for n in sorted(nargs))
    return "one or more"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
