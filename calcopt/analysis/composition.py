"""Curvature by composition rules on the graph, bound-aware (owner: intervals work).

CONTRACT (to be implemented):

* ``composition_curvature(g, domain) -> CompositionResult``: fields ``curvature`` (one of
  ``"constant"``, ``"affine"``, ``"convex"``, ``"concave"`` or ``None`` when the rules cannot
  decide), ``explanation`` (list of readable lines: which rule applied at which node),
  ``node_curvature`` (per node id).  Sound: "convex" only when it is proven on the domain.
"""
