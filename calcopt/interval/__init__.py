"""Rigorous interval arithmetic: outward-rounded enclosures of real operations.

``arith`` holds the :class:`~calcopt.interval.arith.Interval` type and the elementary
functions (python-flint's ``arb`` where a rounding must be certified); ``powers`` the
power rules.  The primitives table uses both for its interval extensions; the analyses use
them to bound values, derivatives and Hessians over a box.
"""
