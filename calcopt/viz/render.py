"""Rendering diagrams to SVG, PNG and PDF, and notebook display.

The renderer is Graphviz's ``dot`` layout, through **pygraphviz**, whose wheels bundle
Graphviz itself: a plain ``pip install calcopt`` renders with no system package.  When
pygraphviz cannot be imported, a ``dot`` program on ``PATH`` is used instead; with neither,
:class:`calcopt.MissingDependencyError` says what to install.  DOT, Mermaid, JSON and
GraphML are text and need no renderer.

>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x")
>>> svg = calcopt.viz.render.repr_svg(calcopt.compile(sp.exp(x) * x))
>>> svg.lstrip().startswith("<svg") or svg.startswith("<?xml")
True
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..errors import MissingDependencyError, OptionError
from .model import build
from .writers import dot, graphml, mermaid, node_link_json, to_dot

_IMAGES = {".svg": "svg", ".png": "png", ".pdf": "pdf"}
_TEXTS = {".dot": "dot", ".gv": "dot", ".mmd": "mermaid", ".json": "json", ".graphml": "graphml"}
_INSTALL = ("rendering SVG/PNG/PDF needs pygraphviz (pip install 'pygraphviz>=2.0'; its wheels "
            "include Graphviz) or Graphviz's 'dot' program on PATH. DOT, Mermaid and JSON output "
            "(calcopt.to_dot, to_mermaid, to_json) need neither.")


def render(dot_text: str, fmt: str, renderer: str = "auto") -> bytes:
    """Lay out DOT text with Graphviz's ``dot`` and return the ``fmt`` ("svg", "png", "pdf")
    bytes.  ``renderer``: ``"auto"`` (pygraphviz, else a ``dot`` program), ``"pygraphviz"``
    or ``"dot"``."""
    if renderer not in ("auto", "pygraphviz", "dot"):
        raise OptionError(f"renderer must be 'auto', 'pygraphviz' or 'dot'; got {renderer!r}")
    if renderer in ("auto", "pygraphviz"):
        try:
            import pygraphviz
        except ImportError:
            if renderer == "pygraphviz":
                raise MissingDependencyError("pygraphviz is not installed. " + _INSTALL) from None
        else:
            return pygraphviz.AGraph(string=dot_text).draw(format=fmt, prog="dot")
    program = shutil.which("dot")
    if program is None:
        raise MissingDependencyError("no diagram renderer found. " + _INSTALL)
    done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                          timeout=120)
    if done.returncode != 0:
        raise MissingDependencyError(f"Graphviz 'dot' failed: {done.stderr.decode()[:500]}")
    return done.stdout


def draw(g, path: str | Path, *, renderer: str = "auto", **options: Any) -> Path:
    """Write a diagram of ``g`` to ``path``; the format is the suffix: ``.svg``, ``.png``,
    ``.pdf`` (rendered by Graphviz, see the module docstring), or the text formats ``.dot``/
    ``.gv``, ``.mmd`` (Mermaid), ``.json`` (node-link), ``.graphml``.  Options as for
    :func:`calcopt.to_dot`.  Returns the path.

    >>> import sympy as sp, calcopt, tempfile, pathlib
    >>> x, y = sp.symbols("x y")
    >>> g = calcopt.compile((x*y + sp.sin(x)) * sp.exp(y))
    >>> out = calcopt.draw(g, pathlib.Path(tempfile.mkdtemp()) / "f.png", at=[1.0, 0.5],
    ...                    adjoints=True)
    >>> out.read_bytes()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in _IMAGES:
        data = render(to_dot(g, **options), _IMAGES[suffix], renderer)
        path.write_bytes(data)
        return path
    if suffix not in _TEXTS:
        raise OptionError(f"cannot tell the format from the suffix {path.suffix!r} of "
                          f"{str(path)!r}; "
                          f"use one of {', '.join(sorted(_IMAGES) + sorted(_TEXTS))}")
    d = build(g, **options)
    writer = {"dot": dot, "mermaid": mermaid, "json": node_link_json, "graphml": graphml}
    path.write_text(writer[_TEXTS[suffix]](d), encoding="utf-8")
    return path


def repr_svg(g) -> str | None:
    """The SVG of ``g`` with default options, for Jupyter's ``_repr_svg_``; ``None`` (IPython
    then shows the text repr) when no renderer is installed."""
    try:
        return render(to_dot(g), "svg").decode("utf-8")
    except MissingDependencyError:
        return None


def register_notebook_display(shell=None) -> bool:
    """Show graphs as SVG diagrams in IPython/Jupyter: registers :func:`repr_svg` as the
    ``image/svg+xml`` formatter of :class:`calcopt.Graph` in ``shell`` (default: the running
    IPython shell).  Importing calcopt does this when IPython is already running; outside
    IPython it does nothing and imports nothing.  Returns whether a shell took it.

    >>> class Formatter(dict):
    ...     def for_type(self, cls, fn):
    ...         self[cls] = fn
    >>> class Shell:
    ...     class display_formatter:
    ...         formatters = {"image/svg+xml": Formatter()}
    >>> register_notebook_display(Shell())
    True
    >>> from calcopt import Graph
    >>> Shell.display_formatter.formatters["image/svg+xml"][Graph] is repr_svg
    True
    """
    if shell is None:
        ipython = sys.modules.get("IPython")  # not running unless already imported
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    from ..graph import Graph

    shell.display_formatter.formatters["image/svg+xml"].for_type(Graph, repr_svg)
    return True
