"""The HTML report: ``calcopt.html_report`` and the ``calcopt report`` command's page.

* :mod:`~calcopt.report.compact`: derivatives shown compactly, exact expressions as MathML;
* :mod:`~calcopt.report.html`: page pieces (escaping, tables, inline SVG, the skeleton);
* :mod:`~calcopt.report.problem`: :class:`Problem`, one objective with its data and start;
* :mod:`~calcopt.report.analyses`, :mod:`~calcopt.report.runs`: the sections;
* :mod:`~calcopt.report.build`: :func:`html_report` and the built-in defaults.
"""

from .build import default_problems, html_report
from .problem import Problem

__all__ = ["Problem", "default_problems", "html_report"]
