"""The layout is the data flow: the README's Layout list names every package of calcopt, in
an order where each imports only itself and the packages above it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "calcopt"
# The package root re-exports the public names of every layer; __main__ is `python -m calcopt`.
FACADES = {"calcopt", "calcopt.__main__"}


def readme_layers() -> list[str]:
    """``calcopt.errors``, ``calcopt.results``, ``calcopt.interval``, ... in README order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    names = re.findall(r"^calcopt/(\w+)(?:\.py|/)", block, re.M)
    return ["calcopt." + n for n in names]


def modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path, mods: dict | None = None) -> set[str]:
    """Every calcopt module ``name`` imports, at module level or inside functions (with
    ``mods``: ``from pkg import sub`` is an import of ``pkg.sub`` alone, not of ``pkg``)."""
    return {t for t, _ in imported_names(name, path, mods)}


def imported_names(name: str, path: Path, mods: dict | None = None) -> set[tuple[str, str]]:
    """``(module, name)`` for every ``from calcopt... import name`` (name ``""`` for a module)."""
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{target}.{a.name}"
                if mods is not None and sub in mods:
                    found.add((sub, ""))
                else:
                    found.add((target, a.name))
        elif isinstance(node, ast.Import):
            found.update((a.name, "") for a in node.names)
    return {(t, n) for t, n in found if t == "calcopt" or t.startswith("calcopt.")}


def layer_of(module: str, layers: list[str]) -> int | None:
    for i, layer in enumerate(layers):
        if module == layer or module.startswith(layer + "."):
            return i
    return None


def test_every_package_and_top_level_module_is_listed_once():
    layers = readme_layers()
    assert len(layers) == len(set(layers)), layers
    top = {".".join(p.relative_to(ROOT).with_suffix("").parts)
           for p in PKG.iterdir() if (p.suffix == ".py" or (p / "__init__.py").exists())}
    top -= {"calcopt.__init__"} | FACADES
    assert sorted(top) == sorted(layers)


def test_no_module_imports_a_layer_below_it_in_the_list():
    layers = readme_layers()
    mods = modules()
    upward = []
    for name, path in sorted(mods.items()):
        if name in FACADES:
            continue
        mine = layer_of(name, layers)
        assert mine is not None, f"{name} is in no layer of the README"
        for target in imports(name, path):
            if target in mods or target.rsplit(".", 1)[0] in mods:
                theirs = layer_of(target, layers)
                if theirs is not None and theirs > mine:
                    upward.append(f"{name} imports {target}")
    assert not upward, "upward imports:\n" + "\n".join(upward)


@pytest.mark.parametrize("layer", readme_layers())
def test_each_layer_imports(layer):
    __import__(layer)


def test_no_import_cycle():
    nx = pytest.importorskip("networkx")
    mods = modules()
    G = nx.DiGraph()
    for name, path in mods.items():
        if name in FACADES:
            continue
        G.add_node(name)
        G.add_edges_from((name, t) for t in imports(name, path, mods) if t in mods and t != name)
    cycles = list(nx.simple_cycles(G))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c + c[:1]) for c in cycles[:10])


def test_no_private_name_is_imported_from_another_module():
    mods = modules()
    private = sorted(f"{name} imports {t}.{n}" for name, path in mods.items()
                     for t, n in imported_names(name, path, mods)
                     if n.startswith("_") and not n.startswith("__"))
    assert not private, "\n".join(private)


def test_every_public_name_imports():
    import calcopt

    namespace: dict = {}
    exec("from calcopt import *", namespace)
    missing = [n for n in calcopt.__all__ if n not in namespace or namespace[n] is None]
    assert not missing and len(set(calcopt.__all__)) == len(calcopt.__all__)
    assert callable(calcopt.parse) and callable(calcopt.compile)     # functions, not modules
