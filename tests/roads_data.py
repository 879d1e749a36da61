"""Shared, cached real-data objects for the roads / travel-time tests (area: roads).

Not a test module: imported by tests/test_roads_*.py and tests/test_traveltime_*.py so the
real Kumamoto graph is parsed once per test session.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from geo.paths import data_root

KUMAMOTO_STEM = "kumamoto-chuo_drive_2023-01-05"


def kumamoto_osm_path(suffix: str = ".osm.pbf") -> Path:
    return data_root() / "roads" / f"{KUMAMOTO_STEM}{suffix}"


@cache
def kumamoto_graph(suffix: str = ".osm.pbf"):
    from geo.roads import load_roads

    return load_roads(kumamoto_osm_path(suffix))
