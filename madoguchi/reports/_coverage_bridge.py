"""The one place the report gets its numbers: the same calls as `madoguchi coverage --json`."""
from __future__ import annotations


def coverage_for(region, scenario):
    """(coverage dict with a normalised '_summary', PointTimes) for a scenario's hubs."""
    raise NotImplementedError("coverage model not wired yet")
