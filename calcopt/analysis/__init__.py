"""Analyses of a scalar objective: convexity, conditioning, stationary points and arg min.

Free functions taking a :class:`calcopt.Graph`, networkx style; exported at top level as
``calcopt.convexity``, ``calcopt.conditioning``, ``calcopt.stationary_points`` and
``calcopt.argmin``.  A verdict is a proof, a counterexample checked exactly, or ``None``
(unknown) with the reason: never a guess.

Modules, in data-flow order: ``domain`` (what the analysis is about), ``budget`` (time limits
that hold) and ``checks`` (the timeout and no-params checks), ``signs`` (the one certified sign
decider), ``smoothness`` (where a graph is twice differentiable), ``exact`` (exact values and
definedness at a point), ``intervals`` (rigorous enclosures of every node over a box, interval
Hessian), ``composition`` (curvature by composition rules), ``convexity``, ``conditioning``,
``stationary``, ``minimize`` (arg min) with ``localmin`` (its numeric search) and ``certify``
(the Krawczyk test that a numeric point is near a zero of the gradient); ``datamean`` (the
exact data mean of an objective with params).
"""

from .conditioning import Conditioning, conditioning
from .convexity import Convexity, convexity
from .datamean import data_mean
from .domain import Domain, resolve_domain
from .minimize import ArgMin, argmin
from .stationary import StationaryPoint, StationaryPoints, stationary_points

__all__ = ["ArgMin", "Conditioning", "Convexity", "Domain", "StationaryPoint", "StationaryPoints",
           "argmin", "conditioning", "convexity", "data_mean", "resolve_domain",
           "stationary_points"]
