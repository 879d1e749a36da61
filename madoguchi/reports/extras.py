"""Optional report parts: outreach routes + calendar, partnership groups + cost shares, isochrones.

Each reads what the scenario stores (the models' to_dict() output) and returns tables/layers;
a scenario without that part yields nothing, so the report simply omits the section.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from madoguchi.reports.model import Table


def outreach_tables(scenario, region) -> list[Table]:
    """出張相談ルート and 訪問カレンダー tables, if the scenario has an outreach plan."""
    return []


def partnership_tables(scenario, region) -> list[Table]:
    """広域連携 (groups) and 費用負担 (cost shares) tables, if the scenario has a partnership plan."""
    return []


def layers(scenario, region) -> dict[str, gpd.GeoDataFrame]:
    """'routes' and 'groups' layers when present."""
    return {}


def isochrones_layer(region, scenario, links=None) -> gpd.GeoDataFrame | None:
    """Reach areas per hub and threshold (geo.isochrones), clipped to the region's land.

    Columns: hub_no, site_id, name, minutes, method ('road' | 'estimate'), area_km2.
    """
    from geo.isochrones import isochrones
    from geo.traveltime import region_engine

    if not scenario.hubs:
        return None
    eng = region_engine(region, links)
    clip = region.union_polygon()
    frames = []
    for i, h in enumerate(scenario.hubs):
        g = isochrones(eng, float(h.lon), float(h.lat), scenario.thresholds, str(h.site_id), None, clip)
        g.insert(0, "hub_no", i + 1)
        g.insert(2, "name", h.name)
        frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=4326)

