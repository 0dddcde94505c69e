"""``calcopt.stationary_points`` and ``calcopt.argmin`` (owner: stationary work; issue #6)."""

from __future__ import annotations


class StationaryPoint:  # replaced by the real result class
    pass


class ArgMin:  # replaced by the real result class
    pass


def stationary_points(g, domain=None, timeout: float = 10.0):
    raise NotImplementedError("calcopt.stationary_points is being built")


def argmin(g, domain=None):
    raise NotImplementedError("calcopt.argmin is being built")
