"""The one table of primitives.

Every operation calcopt knows is one :class:`Primitive` entry in :data:`PRIMITIVES`,
and the entry carries everything the system knows about it:

* ``sympy_types`` / ``to_sympy``: how it is read from and written back to SymPy;
* ``math`` / ``numpy``: the code it generates for the two numeric back ends;
* ``partials``: its local partial derivatives, as a rule that builds derivative
  nodes with a :class:`calcopt.ir.table.Builder` (used by forward *and* reverse mode);
* ``label``, ``domain``: how it is drawn and where it is defined;
* ``interval``, ``undefined``, ``monotonicity``, ``curvature``: what the analyses know
  about it over a box (rigorous interval extension, where it may be undefined, and its
  bound-aware monotonicity and curvature; see :mod:`calcopt.interval.arith` and
  :mod:`calcopt.interval.powers`, :mod:`calcopt.primitives.shape_rules` and
  :mod:`calcopt.primitives.composite_rules`).  Their defaults are sound: the whole line, "may be
  undefined", unknown.

Analyses add *fields* here, not new dispatch chains elsewhere.  Adding a primitive is
adding one entry.

Conventions at non-differentiable points (documented in ``docs/primitives.md``)
follow ``sympy.diff`` so exact results agree with SymPy:

* ``d|a|/da = sign(a)`` with ``sign(0) = 0``;
* ``d max(a, b)/da = Heaviside(a - b)`` with ``Heaviside(0) = 1/2`` (ties split);
* the derivatives of ``sign`` and ``Heaviside`` are taken as ``0`` (their classical
  derivative away from the jump; SymPy would return ``DiracDelta`` terms).
* at a switch point of ``Piecewise`` the derivative is that of the branch whose condition
  holds there; conditions have no derivative.

Examples
--------
>>> from calcopt.primitives import PRIMITIVES, BY_NAME
>>> BY_NAME["exp"].label, BY_NAME["exp"].numpy(["x0"], [None])
('exp', 'np.exp(x0)')
>>> len(PRIMITIVES) > 15
True
"""

from .catalog import (BY_NAME, BY_SYMPY_TYPE, CODE, LINEAR_FORM_MIN_TERMS, PRIMITIVES,
                      supported_operations)
from .primitive import CONST, SYMBOL, Primitive
from .runtime import MATH_NAMESPACE, NUMPY_NAMESPACE

__all__ = ["BY_NAME", "BY_SYMPY_TYPE", "CODE", "CONST", "LINEAR_FORM_MIN_TERMS", "MATH_NAMESPACE",
           "NUMPY_NAMESPACE", "PRIMITIVES", "Primitive", "SYMBOL", "supported_operations"]
