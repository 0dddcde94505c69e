"""Diagrams of computational graphs and plots: the only layer that imports matplotlib and the
Graphviz renderer (pygraphviz), both lazily, so ``import calcopt`` stays light.

* :mod:`~calcopt.viz.model`: the diagram model (nodes, edges, labels, styles, legend) built
  from a Graph and optional numbers at a point (:mod:`~calcopt.viz.annotate`);
* :mod:`~calcopt.viz.writers`: DOT, Mermaid, node-link JSON, GraphML;
* :mod:`~calcopt.viz.render`: SVG/PNG/PDF through Graphviz, and notebook display;
* :mod:`~calcopt.viz.plots`: matplotlib plots (the Hessian sparsity spy plot);
* :mod:`~calcopt.viz.runplots`, :mod:`~calcopt.viz.contour`: plots of runs (convergence
  against the predicted bound, mini-batch variance, contours with trajectories).

>>> import sympy as sp, calcopt
>>> x = sp.Symbol("x")
>>> calcopt.to_dot(calcopt.compile(sp.sin(x))).count(" -> ")
1
"""

from .contour import plot_contour
from .plots import plot_sparsity
from .render import draw, register_notebook_display, repr_svg
from .runplots import plot_convergence, plot_variance
from .writers import to_dot, to_graphml, to_json, to_mermaid

# Notebook display through IPython's formatter registry, not a method patched onto Graph: the
# graph layer never imports the drawing layer.
register_notebook_display()

__all__ = ["draw", "plot_contour", "plot_convergence", "plot_sparsity", "plot_variance",
           "register_notebook_display", "repr_svg", "to_dot", "to_graphml", "to_json", "to_mermaid"]
