"""The result base: one ``repr``, one notebook table, one name for the explanation.

Every result of calcopt (``Convexity``, ``Conditioning``, ``StationaryPoints``, ``ArgMin``,
``Run``, ``Prediction``, ``RateCheck``, ``MinibatchVariance``, ``WorstCase``, ...) is a
dataclass deriving from :class:`Result`, in the spirit of scipy's ``OptimizeResult``: read the
fields; ``keys()`` lists them; ``repr`` shows a title line and aligned ``name: value`` lines
(exact values stay exact in the fields, and get their decimals on screen); ``_repr_html_``
shows the fields as a small HTML table in a notebook.  The human explanation of a result
(the proof, the method, why something is unknown or does not apply, why a run stopped) is
the field ``explanation`` in every result; the names older versions used (``reason``,
``how``, ``why``, ``failed``, ``note``) remain as read-only aliases, declared in
``_aliases``.  Plain HTML needs no drawing library, so this sits at the bottom of the layers
(it imports nothing from calcopt).  All HTML text is escaped with ``html.escape``.

A class says what differs from the defaults, never writes its own ``__repr__``:

* ``_repr_fields``: the fields (or properties) shown as lines, in order (default: every
  public field);
* ``_repr_title_fields``: shown in the title as ``name=value`` (default: none), and
  ``_repr_title()`` for a title of its own;
* ``_repr_optional``: lines and title fields left out when ``None`` or empty;
* ``_repr_approx``: title fields whose decimals follow the title when some value is an exact
  irrational number;
* ``_repr_value(name, value)``: the text of one line (``None`` leaves it out).

>>> from dataclasses import dataclass
>>> import sympy as sp
>>> @dataclass(frozen=True)
... class Bound(Result):
...     value: object
...     exact: bool
...     explanation: str
...     _aliases = {"how": "explanation"}      # the old name, read-only
...     _repr_title_fields = ("exact",)
>>> b = Bound(sp.sqrt(2), True, "x < y & z\\nby hand")
>>> b
Bound(exact=True)
        value: sqrt(2)  (~ 1.41421)
        exact: True
  explanation: x < y & z
               by hand
>>> b.keys(), b.how == b.explanation
(('value', 'exact', 'explanation'), True)
>>> page = b._repr_html_()
>>> ">x &lt; y &amp; z\\nby hand</td>" in page, "<b>Bound(exact=True)</b>" in page
(True, True)
"""

from __future__ import annotations

import dataclasses
import html
import math
from fractions import Fraction
from typing import Any, ClassVar, Mapping

_ARRAY_SHOW = 6   # arrays longer than this are shown as first values, ..., last value
_TEXT_MAX = 4000  # characters of one cell (proofs can be long; a notebook cell stays usable)


def finite_float(v: Any) -> float | None:
    """The float of a number (an exact SymPy value too), or ``None`` when it has none or it
    is not finite.

    >>> import sympy as sp
    >>> finite_float(sp.sqrt(2)), finite_float(sp.oo), finite_float("x")
    (1.4142135623730951, None, None)
    """
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def html_repr(obj: Any) -> str:
    """An HTML table of the public dataclass fields of ``obj``, captioned with the first line
    of its ``repr`` (fields whose name starts with ``_`` are internal and skipped)."""
    caption = repr(obj).splitlines()[0] if repr(obj) else type(obj).__name__
    rows = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)
            if not f.name.startswith("_")]
    return html_table(caption, rows)


class Result:
    """Base of the result dataclasses (see the module docstring for what a class declares)."""

    _aliases: ClassVar[Mapping[str, str]] = {}           # old name -> field, read-only
    _repr_fields: ClassVar[tuple[str, ...] | None] = None  # None: every public field
    _repr_title_fields: ClassVar[tuple[str, ...]] = ()
    _repr_optional: ClassVar[tuple[str, ...]] = ()
    _repr_approx: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for old, new in cls.__dict__.get("_aliases", {}).items():
            setattr(cls, old, _alias(old, new))
        if "__repr__" not in cls.__dict__:  # @dataclass keeps a __repr__ the class body has
            cls.__repr__ = Result.__repr__

    _repr_html_ = html_repr  # notebook display: a table of the fields

    def keys(self) -> tuple[str, ...]:
        """The names of the public fields, in order (aliases are not listed)."""
        return tuple(f.name for f in dataclasses.fields(self) if not f.name.startswith("_"))

    def __repr__(self) -> str:
        rows = []
        for name in self.keys() if self._repr_fields is None else self._repr_fields:
            value = getattr(self, name)
            text = None if self._left_out(name, value) else self._repr_value(name, value)
            if text is not None:
                rows.append((name, text.splitlines() or [""]))
        width = max((len(name) for name, _ in rows), default=0)
        lines = [self._repr_title()]
        for name, (first, *more) in rows:
            lines.append(f"  {name.rjust(width)}: {first}")
            lines += [" " * (width + 4) + line for line in more]
        return "\n".join(lines)

    def _repr_title(self) -> str:
        """``Name(field=value, ...)`` for the title fields, then their decimals if any."""
        shown = [n for n in self._repr_title_fields if not self._left_out(n, getattr(self, n))]
        inline = ", ".join(f"{n}={_inline(getattr(self, n))}" for n in shown)
        title = f"{type(self).__name__}({inline})" if shown else type(self).__name__
        values = {n: getattr(self, n) for n in self._repr_approx}
        flat = [v for value in values.values()
                for v in (value if isinstance(value, tuple) else (value,))]
        if flat and all(map(_is_number, flat)) and not all(map(_is_rational, flat)):
            title += "  ~ " + ", ".join(f"{n}={_decimals(v)}" for n, v in values.items())
        return title

    def _repr_value(self, name: str, value: Any) -> str | None:
        """The text after ``name:`` (may span lines); ``None`` leaves the line out."""
        return show(value)

    def _left_out(self, name: str, value: Any) -> bool:
        return name in self._repr_optional and (
            value is None or (isinstance(value, (str, tuple, list, dict)) and not value))


def _alias(old: str, new: str) -> property:
    def get(self: Any) -> Any:
        return getattr(self, new)
    return property(get, doc=f"Alias of ``{new}`` (the older name; read-only).")


def _inline(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) or getattr(v, "is_number", False) is True


def _is_rational(v: Any) -> bool:
    return isinstance(v, (int, Fraction)) or getattr(v, "is_Rational", False) is True


def _decimals(value: Any) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(f"{float(v):.6g}" for v in value) + ")"
    return f"{float(value):.6g}"


def html_table(caption: str, rows: list[tuple[str, Any]]) -> str:
    """A two-column table ``name | value`` with an escaped caption and escaped cells."""
    th = '<th style="text-align:left;vertical-align:top">'
    td = '<td style="text-align:left;white-space:pre-wrap">'
    body = "".join(f"<tr>{th}{html.escape(str(name))}</th>{td}{html.escape(cell(value))}</td></tr>"
                   for name, value in rows)
    return (f'<table class="calcopt-result"><caption style="text-align:left"><b>'
            f"{html.escape(caption)}</b></caption>{body}</table>")


def cell(value: Any) -> str:
    """:func:`show`, cut to a length a notebook cell can hold."""
    text = show(value)
    return text if len(text) <= _TEXT_MAX else text[:_TEXT_MAX] + " ..."


def show(value: Any) -> str:
    """Readable plain text for one value: exact numbers with their decimals, floats to 10
    digits, long arrays shortened, a nested result by its title line.

    >>> import sympy as sp
    >>> show(sp.Rational(1, 3)), show((1, sp.sqrt(2))), show(0.1 + 0.2)
    ('1/3  (~ 0.333333)', '(1, sqrt(2))  (~ (1, 1.41421))', '0.3')
    """
    if hasattr(value, "shape") and hasattr(value, "tolist"):  # a NumPy array, without numpy
        return _array(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(value).splitlines()[0]
    if isinstance(value, dict):
        return "\n".join(f"{k} = {show(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, str) or dataclasses.is_dataclass(v) for v in value):
            return "\n".join(show(v) for v in value)  # assumptions, points: one a line
        approx = [_approx(v) for v in value]
        text = "(" + ", ".join(str(v) if a else show(v) for v, a in zip(value, approx)) + ")"
        if any(approx):  # exact coordinates, then all their decimals together
            text += "  (~ (" + ", ".join(a or str(v) for v, a in zip(value, approx)) + "))"
        return text
    if isinstance(value, float):
        return f"{value:.10g}"
    text = str(value)
    approx = _approx(value)
    if approx is not None and approx != text:
        text += f"  (~ {approx})"
    return text


def _array(a: Any) -> str:
    if a.ndim == 0:
        return show(a.item())
    if a.ndim == 1 and a.size <= _ARRAY_SHOW:
        return "[" + ", ".join(show(v) for v in a.tolist()) + "]"
    if a.ndim == 1:
        head = ", ".join(f"{v:.6g}" if isinstance(v, float) else str(v)
                         for v in a[:3].tolist())
        last = a[-1].item()
        last = f"{last:.6g}" if isinstance(last, float) else str(last)
        return f"[{head}, ..., {last}] ({a.size} values)"
    return f"array of shape {tuple(a.shape)}"


def _approx(value: Any) -> str | None:
    """A decimal approximation of an exact SymPy number that is not an integer."""
    if getattr(value, "is_number", False) and not getattr(value, "is_Integer", True):
        try:
            return f"{float(value):.6g}"
        except (TypeError, ValueError):
            return None
    return None
