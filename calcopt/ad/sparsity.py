"""Hessian sparsity from the graph, and a colouring for direct recovery.

**Pattern.**  ``H[i, j]`` is structurally non-zero when the i-th gradient node depends on
variable ``j`` in the gradient graph (a propagation of dependency sets, no numeric probing).
The gradient graph is exactly simplified, so ``x*y`` gives ``grad = (y, x)`` and an empty
diagonal.

**Colouring.**  A *distance-2* colouring of the adjacency graph (``i ~ j`` when
``H[i, j] != 0``): variables within distance 2 get different colours.  In row ``i`` the
non-zero columns are ``i`` and its neighbours, all pairwise within distance 2, so they have
distinct colours: one Hessian-vector product with the 0/1 seed of each colour recovers every
entry *directly* (no triangular solve, no use of symmetry).  A star colouring would use
symmetry to need fewer colours on some patterns, at the price of a more delicate recovery.
Distance-2 was chosen because the recovery is a single lookup per entry, which is also what
lets the *exact* Hessian be read off the coloured forward-over-reverse sweeps entry by entry.
It is optimal on banded patterns (tridiagonal: 3 colours) and blocks (block size); its known
weakness is the arrow pattern, where every variable is within distance 2 of every other through
the hub, so it needs n colours where a star colouring needs 2 (recovery stays correct).
The colouring is computed with networkx
(``networkx.greedy_color`` on the distance-2 graph, the pattern of ``(A + I)^2``), taking the best of
several greedy orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import scipy.sparse

from ..primitives import SYMBOL
from ..ir.table import NodeTable

_EMPTY: frozenset = frozenset()


def dependencies(table: NodeTable, roots: Sequence[int], var_ids: Sequence[int]) -> list[frozenset]:
    """For each root, the set of variable positions it depends on."""
    position = {v: j for j, v in enumerate(var_ids)}
    live = table.reachable(roots)
    ops, args = table.ops, table.args
    deps: list[frozenset] = [_EMPTY] * len(ops)
    for i in range(len(ops)):
        if not live[i]:
            continue
        if ops[i] == SYMBOL:
            j = position.get(i)
            if j is not None:
                deps[i] = frozenset((j,))
        elif ops[i] > SYMBOL:
            sets = [deps[a] for a in args[i] if deps[a]]
            if not sets:
                continue
            first = sets[0]
            if all(s is first for s in sets):
                deps[i] = first  # share, do not copy: keeps sparse graphs cheap
            else:
                deps[i] = first.union(*sets[1:])
    return [deps[r] for r in roots]


def pattern_matrix(rows: Sequence[frozenset], n: int) -> scipy.sparse.csr_array:
    """Symmetric boolean n x n CSR pattern from the column sets of each row (read-only arrays).

    Symmetrised because a gradient entry may depend on a variable through a node whose
    derivative is zero by convention (``x*sign(y)``): the Hessian is symmetric, the
    structural dependence need not be.

    >>> pattern_matrix([frozenset({0, 1}), frozenset()], 2).toarray()
    array([[ True,  True],
           [ True, False]])
    """
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(r) for r in rows])
    indices = np.fromiter((j for r in rows for j in sorted(r)), dtype=np.int64,
                          count=int(indptr[-1]))
    data = np.ones(len(indices), dtype=bool)
    P = scipy.sparse.csr_array((data, indices, indptr), shape=(n, n))
    P = (P + P.T).tocsr()
    P.sort_indices()
    return _read_only(P)


def _read_only(P: scipy.sparse.csr_array) -> scipy.sparse.csr_array:
    """Freeze a cached matrix so a caller cannot corrupt later results through it."""
    for arr in (P.data, P.indices, P.indptr):
        arr.flags.writeable = False
    return P


@dataclass(frozen=True)
class Coloring:
    """A distance-2 colouring of the Hessian's adjacency graph.

    Attributes
    ----------
    colors:
        ``colors[j]`` is the colour of variable ``j`` (0-based).
    n_colors:
        Number of colours = number of Hessian-vector products for the whole Hessian.
    seeds:
        ``(n_colors, n)`` 0/1 array: row ``c`` is the seed direction of colour ``c``.
    method:
        How it was computed.
    """

    colors: np.ndarray
    n_colors: int
    seeds: np.ndarray
    method: str

    def __repr__(self) -> str:
        return f"Coloring(n_colors={self.n_colors}, n={len(self.colors)}, method={self.method!r})"


def _natural(G, colors):
    return sorted(G)


def distance2_coloring(pattern: scipy.sparse.csr_array) -> Coloring:
    """Greedy distance-2 colouring of the adjacency graph of a symmetric pattern (networkx).

    >>> import scipy.sparse
    >>> tridiagonal = scipy.sparse.csr_array(scipy.sparse.diags_array([1.0, 1.0, 1.0], offsets=[-1, 0, 1], shape=(6, 6)))
    >>> distance2_coloring(tridiagonal).colors
    array([0, 1, 2, 0, 1, 2])
    """
    import networkx as nx

    n = pattern.shape[0]
    # Variables within distance 2 of each other: the off-diagonal pattern of (A + I)^2,
    # one sparse product (networkx.power does the same with Python loops, ~10x slower).
    reach = scipy.sparse.csr_array(pattern, dtype=np.int64) + scipy.sparse.eye_array(n, dtype=np.int64, format="csr")
    G2 = nx.from_scipy_sparse_array(scipy.sparse.triu(reach @ reach, k=1, format="csr"))
    G2.add_nodes_from(range(n))
    # Row i's non-zeros need distinct colours: the densest row is a lower bound, and a
    # colouring that meets it is optimal, so the other orders are only tried when needed.
    lower = int(np.diff(pattern.indptr).max(initial=1)) if n else 0
    best = None
    for strategy in (_natural, "smallest_last", "largest_first"):
        coloring = nx.greedy_color(G2, strategy=strategy)
        k = max(coloring.values(), default=-1) + 1
        if best is None or k < best[0]:
            best = (k, coloring, getattr(strategy, "__name__", strategy).strip("_"))
        if k <= lower:
            break
    k, coloring, name = best
    colors = np.array([coloring[j] for j in range(n)], dtype=np.int64)
    seeds = np.zeros((k, n))
    seeds[colors, np.arange(n)] = 1.0
    colors.flags.writeable = seeds.flags.writeable = False  # cached on the graph: read-only
    return Coloring(colors, k, seeds, f"distance-2 greedy ({name} order, networkx)")
