"""Rigorous interval enclosures of every node of a graph over a box (owner: intervals work).

CONTRACT (to be implemented; the names below are what other modules import):

* ``enclosures(g, domain) -> list[Enclosure]``: one enclosure per node id of ``g`` over the
  :class:`~calcopt.analysis.domain.Domain` (unbounded endpoints allowed), each computed by the
  ``interval`` field of the node's primitive-table entry with outward rounding.
  ``Enclosure`` has ``lo``/``hi`` (floats, ``±inf`` allowed, rigorous), ``maybe_undefined``
  (the primitive's domain may be violated somewhere on the box).
* ``hessian_enclosure(g, domain) -> (lo, hi)``: two ``(n, n)`` float arrays enclosing every
  Hessian entry over the domain (from the enclosures of ``g.hessian_graph()``).
* ``eigenvalue_bounds(g, domain) -> EigenvalueBounds``: fields ``lower`` (a rigorous lower
  bound on lambda_min of the Hessian over the domain, an exact SymPy Rational, or ``None``),
  ``upper`` (same for lambda_max), ``method`` ("scaled Gershgorin"), ``explanation``.
"""
