"""Extended Rosenbrock: graph size, exact gradient and sparse Hessian, colouring, cost report.

Run: python examples/rosenbrock.py [n]
"""

import sys
import time

import numpy as np
import sympy as sp

import calcopt


def main(n: int = 200) -> None:
    xs = sp.symbols(f"x0:{n}")
    f = sp.Add(*[100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1)])

    t = time.perf_counter()
    g = calcopt.compile(f)
    print(f"n = {n}: {len(g)} nodes, compiled in {time.perf_counter() - t:.3f} s")

    t = time.perf_counter()
    gradient = g.gradient_graph()
    print(f"exact gradient graph: {len(gradient)} nodes in {time.perf_counter() - t:.3f} s")
    print("  d f / d x1 =", g.gradient()[1])

    coloring = g.hessian_coloring()
    print(f"Hessian: {g.hessian_sparsity().nnz} structural non-zeros, {coloring.n_colors} colours "
          f"({coloring.method})")
    H = g.hessian(sparse=True)
    print("  H[1, 0:3] =", [H[1, j] for j in range(3)])

    ones = np.ones(n)
    print(f"at x = 1: f = {g.value(ones)}, |grad| = {np.linalg.norm(g.grad(ones))}")
    Hs = g.hess(ones, sparse=True)
    eig = np.linalg.eigvalsh(Hs.toarray())
    print(f"  Hessian eigenvalues in [{eig[0]:.4g}, {eig[-1]:.4g}], condition number {eig[-1] / eig[0]:.4g}")
    print()
    print(g.cost())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
