"""``calcopt.convexity``: sound convexity verdicts (owner: convexity work; see issue #6)."""

from __future__ import annotations


class Convexity:  # replaced by the real result class
    pass


def convexity(g, domain=None, timeout: float = 10.0):
    raise NotImplementedError("calcopt.convexity is being built")
