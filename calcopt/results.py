"""Notebook display of result objects: ``_repr_html_`` as a small HTML table of the fields.

One helper for every result dataclass (``Convexity``, ``Conditioning``, ``ArgMin``,
``StationaryPoints``, ``Run``, ``Prediction``, ``RateCheck``, ``MinibatchVariance``), which
sets ``_repr_html_ = html_repr`` in its class body.  Plain HTML needs no drawing library, so
this sits at the bottom of the layers (it imports nothing from calcopt) and the result classes
own their display without importing ``calcopt.viz``.  All text is escaped with
``html.escape``.

>>> from dataclasses import dataclass
>>> @dataclass
... class Result:
...     verdict: str
...     _private: int = 0
...     _repr_html_ = html_repr
>>> page = Result("x < y & z")._repr_html_()
>>> ">x &lt; y &amp; z</td>" in page
True
>>> "_private" in page.split("</caption>")[1], "<b>Result(" in page
(False, True)
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

_ARRAY_SHOW = 6   # arrays longer than this are shown as first values, ..., last value
_TEXT_MAX = 4000  # characters of one cell (proofs can be long; a notebook cell stays usable)


def html_repr(obj: Any) -> str:
    """An HTML table of the public dataclass fields of ``obj``, captioned with the first line
    of its ``repr`` (fields whose name starts with ``_`` are internal and skipped)."""
    caption = repr(obj).splitlines()[0] if repr(obj) else type(obj).__name__
    rows = [(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)
            if not f.name.startswith("_")]
    return html_table(caption, rows)


def html_table(caption: str, rows: list[tuple[str, Any]]) -> str:
    """A two-column table ``name | value`` with an escaped caption and escaped cells."""
    th = '<th style="text-align:left;vertical-align:top">'
    td = '<td style="text-align:left;white-space:pre-wrap">'
    body = "".join(f"<tr>{th}{html.escape(str(name))}</th>{td}{html.escape(cell(value))}</td></tr>"
                   for name, value in rows)
    return (f'<table class="calcopt-result"><caption style="text-align:left"><b>'
            f"{html.escape(caption)}</b></caption>{body}</table>")


def cell(value: Any) -> str:
    """Readable plain text for one field (not yet escaped)."""
    if hasattr(value, "shape") and hasattr(value, "tolist"):  # a NumPy array, without numpy
        return _array(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return repr(value).splitlines()[0]
    if isinstance(value, dict):
        return "\n".join(f"{k} = {cell(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        if value and all(isinstance(v, str) or dataclasses.is_dataclass(v) for v in value):
            return "\n".join(cell(v) for v in value)  # assumptions, points: one a line
        approx = [_approx(v) for v in value]
        text = "(" + ", ".join(str(v) if a else cell(v) for v, a in zip(value, approx)) + ")"
        if any(approx):  # exact coordinates, then all their decimals together
            text += "  (~ (" + ", ".join(a or str(v) for v, a in zip(value, approx)) + "))"
        return text
    if isinstance(value, float):
        return f"{value:.10g}"
    text = str(value)
    approx = _approx(value)
    if approx is not None and approx != text:
        text += f"  (~ {approx})"
    return text if len(text) <= _TEXT_MAX else text[:_TEXT_MAX] + " ..."


def _array(a: Any) -> str:
    if a.ndim == 0:
        return cell(a.item())
    if a.ndim == 1 and a.size <= _ARRAY_SHOW:
        return "[" + ", ".join(cell(v) for v in a.tolist()) + "]"
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
