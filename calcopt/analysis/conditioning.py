"""``calcopt.conditioning`` (owner: conditioning work; see issue #6)."""

from __future__ import annotations


class Conditioning:  # replaced by the real result class
    pass


def conditioning(g, at=None, box=None):
    raise NotImplementedError("calcopt.conditioning is being built")
