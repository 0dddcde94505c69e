"""The import graph of calcopt.analysis is acyclic, counting imports inside functions and
``if TYPE_CHECKING:`` blocks too; and no module imports another's private (``_x``) name."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import networkx as nx

import calcopt.analysis

PACKAGE = Path(calcopt.analysis.__file__).parent
MODULES = {p.stem: p for p in PACKAGE.glob("*.py")}


def _imports(path: Path):
    """``(imported module of the package, imported names)`` for every relative import
    (``from .x import y``, ``from . import x``) and absolute one (``from calcopt.analysis.x
    import y``) anywhere in the file."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level == 1 or (node.level == 0 and node.module
                               and node.module.startswith("calcopt.analysis")):
            rest = node.module or "" if node.level else node.module[len("calcopt.analysis"):]
            rest = rest.lstrip(".")
            if rest:
                yield rest.split(".")[0], [a.name for a in node.names]
            else:  # from . import x, y
                for a in node.names:
                    yield a.name, []


def import_graph() -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(MODULES)
    for name, path in MODULES.items():
        for target, _ in _imports(path):
            if target in MODULES and target != name:
                g.add_edge(name, target)
    return g


def test_import_graph_has_no_cycle():
    g = import_graph()
    # the graph is real: a function-level import and a TYPE_CHECKING one are edges
    assert g.has_edge("minimize", "convexity") and g.has_edge("unattained", "stationary")
    cycles = list(nx.simple_cycles(g))
    assert nx.is_directed_acyclic_graph(g), f"import cycles in calcopt.analysis: {cycles}"


def test_no_private_name_imported_across_modules():
    private = [(name, target, n) for name, path in MODULES.items()
               for target, names in _imports(path) for n in names
               if n.startswith("_") and target in MODULES]
    assert private == []


def test_old_names_are_the_new_homes():
    """Public names keep working where they were: each is the one object of its new home."""
    mod = {n: importlib.import_module(f"calcopt.analysis.{n}") for n in
           ("checks", "conditioning", "exact", "psd", "signs", "smoothness")}
    assert mod["conditioning"].exact_sign is mod["exact"].certified_sign \
        is mod["signs"].certified_sign
    assert mod["conditioning"].check_timeout is mod["checks"].check_timeout
    assert mod["conditioning"].require_no_params is mod["checks"].require_no_params
    assert mod["psd"].nonsmooth_ops is mod["smoothness"].nonsmooth_ops
    assert mod["psd"].is_smooth_op is mod["smoothness"].is_smooth_op
    assert mod["psd"].is_total_op is mod["exact"].is_total_op
