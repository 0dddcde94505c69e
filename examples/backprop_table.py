"""Backpropagation, node by node: forward values, tangents and adjoints of every node.

f = (x*y + sin(x)) * exp(y) at (x, y) = (1, 0.5). Each row is one node of the graph; the
adjoint column is d f / d node, computed by one reverse sweep; the tangent column is the
forward-mode derivative along (1, 0), i.e. d node / d x.

Run: python examples/backprop_table.py
"""

import sympy as sp

import calcopt


def main() -> None:
    x, y = sp.symbols("x y")
    g = calcopt.compile((x * y + sp.sin(x)) * sp.exp(y))
    point = [1.0, 0.5]
    bp = g.backprop(point)
    tg = g.tangents(point, [1.0, 0.0])
    print(f"{'node':>4}  {'op':<8} {'args':<8} {'expression':<24} {'value':>10} {'tangent':>10} {'adjoint':>10}")
    for i in range(len(g)):
        args = ",".join(map(str, g.args(i)))
        print(f"{i:>4}  {g.op(i):<8} {args:<8} {str(g.expr(i)):<24} {bp.values[i]:>10.5f} "
              f"{tg.tangents[i]:>10.5f} {bp.adjoints[i]:>10.5f}")
    print(f"\ngradient = adjoints of the variables = {[bp.adjoints[i] for i in g.variable_nodes]}")
    print(f"exact gradient: {list(g.gradient())}")


if __name__ == "__main__":
    main()
