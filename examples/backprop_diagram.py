"""Backpropagation, drawn: the graph of f = (x*y + sin(x)) * exp(y) with the value and the
adjoint d f / d node of every node at (x, y) = (1, 0.5).

The adjoints of the variables x and y are the gradient; the diagram shows how they are
assembled: each node's adjoint is the sum, over its uses, of the user's adjoint times the
local partial on the edge (drawn with --partials).  See also backprop_table.py.

Run: python examples/backprop_diagram.py [OUTPUT] [--partials]
     OUTPUT defaults to backprop_diagram.svg; .png, .pdf, .dot, .mmd, .json also work.
"""

import sys

import sympy as sp

import calcopt


def main(argv: list[str]) -> None:
    partials = "--partials" in argv
    paths = [a for a in argv if not a.startswith("--")]
    out = paths[0] if paths else "backprop_diagram.svg"
    x, y = sp.symbols("x y")
    g = calcopt.compile((x * y + sp.sin(x)) * sp.exp(y))
    point = [1.0, 0.5]
    path = calcopt.draw(g, out, at=point, adjoints=True, edge_partials=partials)
    bp = g.backprop(point)
    edges = sum(len(g.args(i)) for i in range(len(g)))
    print(f"wrote {path}: {len(g)} nodes, {edges} edges")
    print(f"f(1, 0.5) = {bp.value:.6f}")
    gradient = [round(bp.adjoints[i], 6) for i in g.variable_nodes]
    print(f"gradient = adjoints of x and y = {gradient}")


if __name__ == "__main__":
    main(sys.argv[1:])
