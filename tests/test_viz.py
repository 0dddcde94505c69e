"""Tests of the diagrams (calcopt.viz): DOT, Mermaid, JSON, GraphML, rendering, annotations.

Counts are checked against the graph (one node per graph node, one edge per argument use);
annotated numbers against ``g.backprop`` / ``g.tangents`` and, for edge partials, against
``sympy.diff`` of each primitive and the chain rule; images are rendered with no ``dot``
program on PATH (pygraphviz's bundled Graphviz).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
import types
import xml.etree.ElementTree as ET

import networkx as nx
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings

import calcopt
from calcopt.primitives import BY_NAME
from calcopt.viz.model import HEAT_HIGH, build

from corpus import CORPUS
from strategies import SYMBOLS, expressions, points

x, y = sp.symbols("x y")
F = (x * y + sp.sin(x)) * sp.exp(y)
AT = [1.0, 0.5]
NODE_LINE = re.compile(r"^  (n\d+) \[(.*)\];$", re.M)
EDGE_LINE = re.compile(r"^  ([ncg]\d+) -> (n\d+)( \[.*\])?;$", re.M)


def n_edges(g) -> int:
    return sum(len(g.args(i)) for i in range(len(g)))


def graphs():
    for expr, box in CORPUS:
        g = calcopt.compile(expr)
        yield g, [sum(box) / 2 + 0.1 * k for k in range(len(g.wrt))]


def dot_labels(text: str) -> dict[int, str]:
    """Node id -> the HTML label of that node in DOT text."""
    return {int(m.group(1)[1:]): re.search(r"label=<(.*)>", m.group(2)).group(1)
            for m in NODE_LINE.finditer(text)}


def number(label: str, name: str) -> float:
    return float(re.search(rf"{name} (\S+?)</FONT>", label).group(1))


# --- counts and structure ---------------------------------------------------------------------


def test_dot_mermaid_json_have_one_node_per_node_and_one_edge_per_use():
    for g, _ in graphs():
        dot = calcopt.to_dot(g)
        assert len(NODE_LINE.findall(dot)) == len(g)
        assert len(EDGE_LINE.findall(dot)) == dot.count(" -> ") == n_edges(g)
        mmd = calcopt.to_mermaid(g)
        assert len(re.findall(r"^  n\d+[\[\(\{]", mmd, re.M)) == len(g)
        assert mmd.count("-->") == n_edges(g)
        data = json.loads(calcopt.to_json(g))
        assert len(data["nodes"]) == len(g) and len(data["edges"]) == n_edges(g)


def test_shared_subexpressions_are_drawn_once_with_one_edge_per_use():
    g = calcopt.compile(sp.exp(x * y) + sp.sin(x * y))
    xy = next(i for i in range(len(g)) if g.expr(i) == x * y)
    dot = calcopt.to_dot(g)
    assert len(re.findall(rf"^  n{xy} \[", dot, re.M)) == 1      # drawn once
    assert len(re.findall(rf"^  n{xy} ->", dot, re.M)) == 2      # feeds exp and sin
    G = nx.node_link_graph(json.loads(calcopt.to_json(g)), edges="edges")
    assert G.out_degree(xy) == 2


def test_x_times_x_unevaluated_has_two_edges():
    with sp.evaluate(False):
        e = x * x
    g = calcopt.compile(e)
    assert g.args(g.outputs[0]) == (0, 0)
    assert calcopt.to_dot(g).count("n0 -> n1;") == 2
    assert calcopt.to_mermaid(g).count("n0 --> n1") == 2
    assert len(json.loads(calcopt.to_json(g))["edges"]) == 2


def test_operation_titles_come_from_the_primitive_table():
    g = calcopt.compile(sp.Abs(x) * sp.exp(y) + sp.Max(x, y))
    titles = {n.node: n.title for n in build(g).nodes}
    for i in range(len(g)):
        if g.kind(i) == "operation":
            assert titles[i] == BY_NAME[g.op(i)].label
    assert {"|·|", "exp", "×", "+", "max"} <= set(titles.values())


def test_kinds_have_distinct_styles_and_the_legend_names_them():
    a = sp.Symbol("a")
    g = calcopt.compile(a * x + 2, params=[a])
    d = build(g)
    styles = {n.kind: (n.style.shape, n.style.fill) for n in d.nodes}
    assert set(styles) == {"variable", "parameter", "constant", "operation", "output"}
    assert len(set(styles.values())) == 5
    legend = " ".join(text for text, _ in d.legend)
    for kind in styles:
        assert kind in legend
    dot = calcopt.to_dot(g)
    assert "rank=min; n" in dot and "rank=max; n" in dot and "rankdir=LR" in dot
    assert "rankdir=TB" in calcopt.to_dot(g, direction="TB")
    assert "graph [label=<" not in calcopt.to_dot(g, legend=False)


def test_output_is_deterministic():
    for expr, _ in CORPUS[:12]:
        opts = dict(at=[0.7] * len(calcopt.compile(expr).wrt), adjoints=True, edge_partials=True)
        texts = {calcopt.to_dot(calcopt.compile(expr), **opts) for _ in range(2)}
        assert len(texts) == 1
        g = calcopt.compile(expr)
        assert calcopt.to_mermaid(g) == calcopt.to_mermaid(g)
        assert calcopt.to_json(g, **opts) == calcopt.to_json(calcopt.compile(expr), **opts)
        assert calcopt.to_graphml(g) == calcopt.to_graphml(g)


def test_graphml_round_trips_through_networkx():
    g = calcopt.compile(F)
    G = nx.parse_graphml(calcopt.to_graphml(g, at=AT, adjoints=True))
    assert G.number_of_nodes() == len(g) and G.number_of_edges() == n_edges(g)
    bp = g.backprop(AT)
    assert G.nodes["0"]["adjoint"] == pytest.approx(bp.adjoints[0])


# --- annotations ----------------------------------------------------------------------------------


def test_annotated_labels_equal_backprop_and_tangents():
    for g, at in graphs():
        v = [1.0] + [0.5] * (len(g.wrt) - 1) if g.wrt else []
        dot = calcopt.to_dot(g, at=at, adjoints=True, tangent=v if g.wrt else None)
        bp = g.backprop(at)
        labels = dot_labels(dot)
        tg = g.tangents(at, v) if g.wrt else None
        for i in range(len(g)):
            assert number(labels[i], "value") == pytest.approx(bp.values[i], rel=1e-3, abs=1e-12)
            assert number(labels[i], "adjoint") == pytest.approx(bp.adjoints[i], rel=1e-3,
                                                                 abs=1e-12, nan_ok=True)
            if tg is not None:
                assert number(labels[i], "tangent") == pytest.approx(tg.tangents[i], rel=1e-3,
                                                                     abs=1e-12)


def test_json_carries_the_exact_floats_of_backprop():
    g = calcopt.compile(F)
    bp, tg = g.backprop(AT), g.tangents(AT, [0.0, 1.0])
    data = json.loads(calcopt.to_json(g, at=AT, adjoints=True, tangent=[0.0, 1.0]))
    for n in data["nodes"]:
        i = n["id"]
        assert (n["value"], n["adjoint"], n["tangent"]) == (bp.values[i], bp.adjoints[i],
                                                            tg.tangents[i])


def test_digits_option():
    g = calcopt.compile(sp.pi * x)
    labels = dot_labels(calcopt.to_dot(g, at=[1.0], digits=8))
    assert "value 3.1415927" in labels[g.outputs[0]]
    assert "value 3.142<" in dot_labels(calcopt.to_dot(g, at=[1.0]))[g.outputs[0]]


def _edge_partials(g, at):
    d = build(g, at=at, edge_partials=True, max_nodes=None)
    return {(int(e.dst[1:]), e.arg): e.partial for e in d.edges}


def test_edge_partials_agree_with_sympy_diff_of_each_primitive():
    for g, at in graphs():
        values = g.backprop(at).values
        for (i, pos), p in _edge_partials(g, at).items():
            args = g.args(i)
            if g.kind(args[pos]) == "constant":
                assert p is None
                continue
            ts = sp.symbols(f"t0:{len(args)}", real=True)
            # constants exact, as the graph has them (SymPy's d(t**2)/dt is then 2*t)
            local = BY_NAME[g.op(i)].to_sympy(*[g.leaf_value(a) if g.kind(a) == "constant"
                                                else t for t, a in zip(ts, args)])
            exact = sp.diff(local, ts[pos]).subs({t: values[a] for t, a in zip(ts, args)})
            assert p == pytest.approx(float(exact), rel=1e-9, abs=1e-12), (g.expr(i), pos)


def test_edge_partials_and_adjoints_satisfy_the_chain_rule():
    for g, at in graphs():
        bp = g.backprop(at)
        partials = _edge_partials(g, at)
        total = {i: 0.0 for i in range(len(g))}
        for (i, pos), p in partials.items():
            if p is not None:
                total[g.args(i)[pos]] += bp.adjoints[i] * p
        for i in range(len(g)):
            if g.kind(i) != "constant" and i not in g.outputs:
                assert total[i] == pytest.approx(bp.adjoints[i], rel=1e-9, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(expressions(max_depth=3), points(0.3, 1.2))
def test_chain_rule_on_random_graphs(expr, point):
    g = calcopt.compile(expr, wrt=SYMBOLS)
    bp = g.backprop(point)
    if not all(math.isfinite(v) for v in bp.adjoints.values()):
        return
    total = {i: 0.0 for i in range(len(g))}
    for (i, pos), p in _edge_partials(g, point).items():
        if p is not None:
            total[g.args(i)[pos]] += bp.adjoints[i] * p
    for v in g.variable_nodes:
        if v not in g.outputs:
            assert total[v] == pytest.approx(bp.adjoints[v], rel=1e-7, abs=1e-9)


def test_edge_labels_in_dot():
    g = calcopt.compile(F)
    dot = calcopt.to_dot(g, at=AT, edge_partials=True)
    assert len(EDGE_LINE.findall(dot)) == n_edges(g)
    assert 'n0 -> n3 [label=" 0.5403 "' in dot            # d sin(x)/dx = cos(1)


def test_heat_colours_the_largest_adjoint_red():
    g = calcopt.compile(F)
    d = build(g, at=AT, heat="adjoint")
    bp = g.backprop(AT)
    top = max(range(len(g)), key=lambda i: abs(bp.adjoints[i]))
    fills = {n.node: n.style.fill for n in d.nodes}
    assert fills[top] == HEAT_HIGH
    assert any("|adjoint|" in text for text, _ in d.legend)
    assert all(n.lines == (n.lines[0],) for n in d.nodes)      # heat alone prints values only


def test_vector_graph_with_cotangent_and_data():
    a = sp.Symbol("a")
    g = calcopt.compile([x * a, x + y], params=[a])
    data = {a: [1.0, 3.0]}
    dot = calcopt.to_dot(g, at=[2.0, 1.0], adjoints=True, cotangent=[1.0, 10.0], data=data)
    labels = dot_labels(dot)
    bp = g.backprop([2.0, 1.0], data=data, cotangent=[1.0, 10.0])
    assert number(labels[g.variable_nodes[0]], "adjoint") == 12.0 == bp.adjoints[
        g.variable_nodes[0]]                                    # 1 * mean(a) + 10 * 1
    assert "→ out[0]" in dot and "→ out[1]" in dot
    assert "→ u" in calcopt.to_dot(g, output_names=["u", "v"])


# --- derivative graphs, large graphs ------------------------------------------------------------


def test_gradient_graph_marks_what_it_shares_with_f():
    f = calcopt.compile(F)
    gg = f.gradient_graph()
    d = build(gg, shared_with=f)
    f_exprs = {f.expr(i) for i in range(len(f))}
    for n in d.nodes:
        new = n.kind == "derivative"
        if gg.kind(n.node) == "operation":
            assert new == (gg.expr(n.node) not in f_exprs), gg.expr(n.node)
    assert any(n.kind == "derivative" for n in d.nodes)
    assert any("also occur in f" in note for note in d.notes)
    dot = calcopt.to_dot(gg, shared_with=f)
    assert len(NODE_LINE.findall(dot)) == len(gg) and dot.count(" -> ") == n_edges(gg)


def test_large_graphs_are_capped_with_collapsed_boxes_and_a_note():
    xs = sp.symbols("x0:40")
    g = calcopt.compile(sum(100 * (xs[i + 1] - xs[i]**2)**2 + (1 - xs[i])**2 for i in range(39)))
    d = build(g, max_nodes=30)
    real = [n for n in d.nodes if n.kind != "collapsed"]
    boxes = [n for n in d.nodes if n.kind == "collapsed"]
    ops = [n for n in real if g.kind(n.node) == "operation"]
    assert len(ops) <= 30 <= len(real) <= 30 + 3 and boxes  # the cap, plus some leaves
    assert any("not drawn (max_nodes=30)" in note for note in d.notes)
    ids = {n.id for n in d.nodes}
    assert all(e.src in ids and e.dst in ids for e in d.edges)
    groups = {n.node: int(n.title.split()[1]) for n in boxes if n.id.startswith("g")}
    for n in real:   # every argument use is an edge, or several share one "k more" box
        if g.kind(n.node) == "operation":
            k = len(g.args(n.node))
            if n.node in groups:
                k -= groups[n.node] - 1
            assert sum(e.dst == n.id for e in d.edges) == k
    assert len(NODE_LINE.findall(calcopt.to_dot(g, max_nodes=None))) == len(g)


# --- rendering --------------------------------------------------------------------------------


@pytest.fixture
def no_dot_on_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("dot") is None


def test_svg_parses_and_contains_the_labels(no_dot_on_path, tmp_path):
    g = calcopt.compile(F)
    path = calcopt.draw(g, tmp_path / "f.svg", at=AT, adjoints=True)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    bp = g.backprop(AT)
    for word in ("×", "sin", "exp", "+", "value 2.212", f"adjoint {bp.adjoints[0]:.4g}"):
        assert word in text


def test_png_and_pdf_are_written_without_a_dot_program(no_dot_on_path, tmp_path):
    g = calcopt.compile(F)
    png = calcopt.draw(g, tmp_path / "f.PNG", at=AT, adjoints=True)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    pdf = calcopt.draw(g, tmp_path / "f.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_text_formats_by_suffix(tmp_path):
    g = calcopt.compile(F)
    for suffix in (".dot", ".mmd", ".json", ".graphml"):
        assert calcopt.draw(g, tmp_path / f"f{suffix}").stat().st_size > 100
    assert (tmp_path / "f.dot").read_text(encoding="utf-8") == calcopt.to_dot(g)


def test_missing_renderer_says_what_to_install(monkeypatch, no_dot_on_path, tmp_path):
    monkeypatch.setitem(sys.modules, "pygraphviz", None)    # import pygraphviz -> ImportError
    g = calcopt.compile(F)
    with pytest.raises(calcopt.MissingDependencyError, match="pip install 'pygraphviz>=2.0'"):
        calcopt.draw(g, tmp_path / "f.svg")
    assert calcopt.viz.repr_svg(g) is None                    # the notebook falls back to text
    assert calcopt.to_dot(g) and calcopt.to_mermaid(g) and calcopt.to_json(g)


def test_a_dot_program_on_path_is_used_without_pygraphviz(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pygraphviz", None)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "dot"      # records its arguments and echoes its input: the wiring is tested
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "args"}\nexec {shutil.which("cat")}\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    g = calcopt.compile(F)
    out = calcopt.draw(g, tmp_path / "f.svg")
    assert (tmp_path / "args").read_text().strip() == "-Tsvg"
    assert out.read_text(encoding="utf-8") == calcopt.to_dot(g)
    with pytest.raises(calcopt.MissingDependencyError, match="pygraphviz is not installed"):
        calcopt.draw(g, tmp_path / "f.png", renderer="pygraphviz")


def test_notebook_display():
    svg = calcopt.viz.repr_svg(calcopt.compile(F))
    assert ET.fromstring(svg.encode()).tag.endswith("svg")
    assert not hasattr(calcopt.Graph, "_repr_svg_")          # registered, never patched on


def test_notebook_display_is_registered_with_a_running_ipython(monkeypatch):
    registered = {}

    class Formatter:
        def for_type(self, cls, fn):
            registered[cls] = fn

    class Shell:
        display_formatter = type("DF", (), {"formatters": {"image/svg+xml": Formatter()}})

    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: Shell()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert calcopt.viz.register_notebook_display()
    assert registered == {calcopt.Graph: calcopt.viz.repr_svg}
    fake.get_ipython = lambda: None                            # IPython imported, no shell
    assert not calcopt.viz.register_notebook_display()


@pytest.mark.parametrize("kwargs, match", [
    (dict(adjoints=True), "pass the point as at="),
    (dict(at=AT, heat="value"), "heat must be"),
    (dict(digits=0), "digits must be"),
    (dict(direction="RL"), "direction must be"),
    (dict(max_nodes=0), "max_nodes must be"),
    (dict(output_names=["a", "b"]), "one name per output"),
    (dict(shared_with=F), "shared_with must be a calcopt.Graph"),
])
def test_bad_options(kwargs, match):
    with pytest.raises(calcopt.OptionError, match=match):
        calcopt.to_dot(calcopt.compile(F), **kwargs)


def test_bad_suffix_and_bad_graph(tmp_path):
    with pytest.raises(calcopt.OptionError, match="suffix '.jpg'"):
        calcopt.draw(calcopt.compile(F), tmp_path / "f.jpg")
    with pytest.raises(calcopt.OptionError, match="expected a calcopt.Graph"):
        calcopt.to_dot(F)
    with pytest.raises(calcopt.PointError):
        calcopt.to_dot(calcopt.compile(F), at=[[1.0, 2.0], [3.0, 4.0]])


# --- Hessian sparsity plot ------------------------------------------------------------------------


def test_sparsity_plot_is_written_and_labelled(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    xs = sp.symbols("x0:8")
    g = calcopt.compile(sum((xs[i + 1] - xs[i]**2)**2 for i in range(7)) + xs[0] * xs[7])
    path = tmp_path / "spy.png"
    fig = calcopt.plot_sparsity(g, path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
    ax = fig.axes[0]
    assert ax.get_xlabel() == "column j: variable" and ax.get_ylabel() == "row i: variable"
    nnz, k = g.hessian_sparsity().nnz, g.hessian_coloring().n_colors
    assert f"{nnz} of 64 entries" in ax.get_title()
    assert f"{k} colours" in ax.get_title()
    legend = fig.legends[0]
    assert len(legend.get_texts()) == k
    assert [t.get_text() for t in ax.get_xticklabels()] == [str(s) for s in xs]
    image = np.asarray(ax.images[0].get_array())
    assert (image >= 0).sum() == nnz                         # one coloured cell per non-zero


def test_sparsity_plot_of_a_vector_graph_is_refused():
    with pytest.raises(calcopt.ShapeError):
        calcopt.plot_sparsity(calcopt.compile([x, y]))
