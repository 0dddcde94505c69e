"""The reference pages cannot drift from the code.

* docs/api.md: every name of ``calcopt.__all__``, under the group it has in ``__all__`` (the
  comments in calcopt/__init__.py), each with its current signature; every public method and
  attribute of ``Graph``.
* docs/theory.md: every ``source`` string ``calcopt.predict`` can put in a Prediction is quoted.

``api_entry`` and ``graph_entry`` render the lines the page must contain; a failure message
shows the line expected, so the page is fixed by pasting it in.
"""

import ast
import inspect
import re
from pathlib import Path

import pytest

import calcopt
from calcopt.optim import rates

ROOT = Path(__file__).resolve().parents[1]
API = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
THEORY = (ROOT / "docs" / "theory.md").read_text(encoding="utf-8")


def plain_signature(obj) -> str:
    """The call signature without annotations; a long default is shown by its module-level
    name (``limits=LIMITS``) instead of its repr.

    >>> def f(a: int, b: str = "x", *, c=None) -> None: ...
    >>> plain_signature(f)
    "(a, b='x', *, c=None)"
    """
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    params = []
    module = vars(inspect.getmodule(obj) or calcopt)
    for p in sig.parameters.values():
        if p.name.startswith("_"):              # private fields of a dataclass
            continue
        if p.default is not p.empty and len(repr(p.default)) > 40:
            name = next((k for k, v in module.items() if v is p.default and k.isupper()), "...")
            p = p.replace(default=_Named(name))
        params.append(p.replace(annotation=p.empty))
    return str(sig.replace(parameters=params, return_annotation=sig.empty))


class _Named:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def api_entry(name: str) -> str:
    """The heading of ``calcopt.<name>`` in docs/api.md."""
    obj = getattr(calcopt, name)
    return f"### `calcopt.{name}{plain_signature(obj) if callable(obj) else ''}`"


def graph_entry(member: str) -> str:
    """The list item of ``Graph.<member>`` in docs/api.md (up to its colon)."""
    attr = inspect.getattr_static(calcopt.Graph, member)
    if isinstance(attr, (property,)) or not callable(attr):
        return f"- `g.{member}`:"
    sig = plain_signature(getattr(calcopt.Graph, member)).replace("(self, ", "(").replace(
        "(self)", "()")
    return f"- `g.{member}{sig}`:"


def all_groups() -> list[tuple[str, list[str]]]:
    """``__all__`` as (comment, names) groups, read from calcopt/__init__.py."""
    text = (ROOT / "calcopt" / "__init__.py").read_text(encoding="utf-8")
    block = text[text.index("__all__ = ["):]
    block = block[:block.index("]")]
    groups: list[tuple[str, list[str]]] = []
    for line in block.splitlines()[1:]:
        line = line.strip()
        if line.startswith("#"):
            groups.append((line[1:].strip(), []))
        else:
            groups[-1][1].extend(re.findall(r'"(\w+)"', line))
    return groups


def page_groups() -> list[tuple[str, list[str]]]:
    """docs/api.md as (section title, names) groups: ``## title`` then ``### `calcopt.name``."""
    groups: list[tuple[str, list[str]]] = []
    for line in API.splitlines():
        if line.startswith("## "):
            groups.append((line[3:].strip(), []))
        elif line.startswith("### `calcopt.") and groups:
            groups[-1][1].append(re.match(r"### `calcopt\.(\w+)", line).group(1))
    return groups


def test_all_groups_cover_all():
    assert [n for _, names in all_groups() for n in names] == list(calcopt.__all__)


def test_api_page_lists_every_name_grouped_as_in_all():
    expected = [(title.lower(), names) for title, names in all_groups()]
    found = [(title.lower(), names) for title, names in page_groups() if names]
    missing = set(calcopt.__all__) - {n for _, names in found for n in names}
    assert not missing, f"docs/api.md does not document {sorted(missing)}"
    assert found == expected


@pytest.mark.parametrize("name", calcopt.__all__)
def test_api_page_has_the_current_signature(name):
    line = api_entry(name)
    assert line in API.splitlines(), f"docs/api.md needs the heading\n{line}"


GRAPH_MEMBERS = [m for m in dir(calcopt.Graph) if not m.startswith("_")]


@pytest.mark.parametrize("member", GRAPH_MEMBERS)
def test_api_page_lists_every_graph_member(member):
    item = graph_entry(member)
    assert any(line.startswith(item) for line in API.splitlines()), \
        f"docs/api.md needs, under calcopt.Graph, the item\n{item} ..."


def squash(text: str) -> str:
    return " ".join(text.split())


def prediction_sources() -> set[str]:
    """Every ``source`` given to a Prediction in rates.py: the ``source`` argument of each
    ``Prediction(...)`` and ``RateContext.make(...)`` call (``c.make``), evaluated in the
    module (so a new constant or an inline string is found without a list to update here)."""
    tree = ast.parse(inspect.getsource(rates))
    found = set()
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef):
            continue
        forwarded = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
        for node in ast.walk(fn):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "Prediction":
                position = 5                    # (method, quantity, rate, tight, assumptions, source)
            elif isinstance(node.func, ast.Attribute) and node.func.attr == "make":
                position = 3                    # c.make(quantity, rate, tight, source, bound)
            else:
                continue
            arg = next((k.value for k in node.keywords if k.arg == "source"), None)
            if arg is None:
                arg = node.args[position]
            if isinstance(arg, ast.Name) and arg.id in forwarded:
                continue                        # make passes its caller's source on
            found.add(eval(compile(ast.Expression(arg), "rates.py", "eval"), vars(rates)))
    return found - {""}                         # "" is a Prediction that does not apply


def test_theory_quotes_every_source():
    sources = prediction_sources()
    assert len(sources) >= 11                   # the bounds listed in docs/runs.md
    page = squash(THEORY)
    missing = [s for s in sources if squash(s) not in page]
    assert not missing, f"docs/theory.md does not quote these sources: {missing}"


def test_the_sources_found_are_the_ones_predict_returns():
    """The AST walk above finds the strings predict really returns (a runtime cross-check)."""
    import sympy as sp
    x, y = sp.symbols("x y")
    g = calcopt.compile((x - 1)**2 / 2 + 5 * (y + 2)**2)
    ps = [calcopt.predict(g, x0=[0.0, 0.0], **kw) for kw in (
        {}, {"step": 2 / 11}, {"line_search": "exact"}, {"line_search": "armijo"},
        {"momentum": "heavy_ball"}, {"momentum": "nesterov"})]
    got = {p.source for p in ps} | {ps[0].classical.source}
    assert got <= prediction_sources()
    assert len(got) == 7
