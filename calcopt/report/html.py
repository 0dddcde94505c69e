"""The pieces of a self-contained HTML page: escaping, tables, figures inlined as SVG, the
page skeleton with its style sheet and table of contents.

Nothing is fetched when the page is viewed: math is MathML (rendered by the browser),
diagrams and plots are inline ``<svg>`` elements, the style sheet is in the page.

>>> table(["a", "b"], [["1 < 2", 3]])
'<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td>1 &lt; 2</td><td>3</td></tr></tbody></table>'
"""

from __future__ import annotations

import html
import io
import re
from typing import Any, Sequence

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.5em 2em 4em; color: #1d1d1f; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #ccd; padding-bottom: 0.2em; margin-top: 2.2em; }
h3 { margin-top: 1.6em; }
nav ul { columns: 2; }
pre { background: #f5f5f7; padding: 0.7em 1em; overflow-x: auto; font-size: 0.85em;
      white-space: pre-wrap; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #eef; }
math[display="block"] { margin: 0.5em 0; overflow-x: auto; overflow-y: hidden; }
.verdict { font-size: 1.1em; font-weight: 600; }
.good { color: #17612a; } .bad { color: #9b1c1c; } .unknown { color: #8a5a00; }
.figures { display: flex; flex-wrap: wrap; gap: 1em; }
figure { margin: 0.5em 0; } figure svg { max-width: 100%; height: auto; }
.figures figure { flex: 1 1 460px; max-width: 540px; }
details summary { cursor: pointer; margin: 0.4em 0; }
figcaption { font-size: 0.85em; color: #555; max-width: 760px; }
.where { margin: 0.2em 0; font-style: italic; }
.note { color: #555; font-size: 0.9em; }
"""


def esc(text: Any) -> str:
    """``str(text)`` escaped for HTML."""
    return html.escape(str(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], raw: bool = False) -> str:
    """A table; cells are escaped text unless ``raw`` (then they are HTML already)."""
    cell = (lambda v: str(v)) if raw else esc
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def facts(rows: Sequence[Sequence[Any]], raw: bool = False) -> str:
    """A two-column table of ``name, value`` rows, without a header row."""
    cell = (lambda v: str(v)) if raw else esc
    body = "".join(f"<tr><th>{esc(k)}</th><td>{cell(v)}</td></tr>" for k, v in rows)
    return f"<table><tbody>{body}</tbody></table>"


def pre(text: str, summary: str | None = None, fold: int = 25) -> str:
    """Preformatted text; longer than ``fold`` lines, it is folded under ``summary``."""
    block = f"<pre>{esc(text)}</pre>"
    lines = text.count("\n") + 1
    if summary is None or lines <= fold:
        return block
    return f"<details><summary>{esc(summary)} ({lines} lines)</summary>{block}</details>"


def _strip_prolog(svg: str) -> str:
    """The ``<svg>`` element alone: no XML declaration, DOCTYPE or comments before it."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def figure_svg(fig: Any) -> str:
    """A matplotlib Figure as an inline ``<svg>`` element; its text stays text (set in the
    page's sans-serif font), which keeps the page small and selectable."""
    from matplotlib import rc_context
    buf = io.StringIO()
    with rc_context({"svg.fonttype": "none"}):
        fig.savefig(buf, format="svg")
    return _strip_prolog(buf.getvalue())


def dot_svg(dot_text: str) -> str:
    """DOT text laid out by Graphviz as an inline ``<svg>`` element (raises
    ``MissingDependencyError`` when no renderer is installed)."""
    from ..viz.render import render
    svg = render(dot_text, "svg").decode("utf-8")
    return re.sub(r"<!--.*?-->", "", _strip_prolog(svg), flags=re.S)


def figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def section(anchor: str, title: str, body: str, level: int = 2) -> str:
    return f'<section id="{esc(anchor)}"><h{level}>{esc(title)}</h{level}>{body}</section>'


def page(title: str, intro: str, sections: Sequence[tuple[str, str, str]]) -> str:
    """The whole document: ``sections`` are ``(anchor, title, body html)``."""
    toc = "".join(f'<li><a href="#{esc(a)}">{esc(t)}</a></li>' for a, t, _ in sections)
    body = "".join(section(a, t, b) for a, t, b in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{esc(title)}</h1>{intro}<nav><ul>{toc}</ul></nav>{body}</body></html>\n")
