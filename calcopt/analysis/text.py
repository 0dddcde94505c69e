"""Short readable forms of expressions for the explanations of :mod:`calcopt.analysis`.

>>> import sympy as sp
>>> short(sp.Symbol("x") + 1), short(sp.Symbol("a" * 80), 10)
('x + 1', 'aaaaaaa...')
"""

from __future__ import annotations

from typing import Any


def short(e: Any, width: int = 60) -> str:
    """``str(e)``, cut to ``width`` characters (with ``...``)."""
    s = str(e)
    return s if len(s) <= width else s[: width - 3] + "..."
