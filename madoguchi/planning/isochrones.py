"""Reach areas of a set of hubs (geo.isochrones per hub, unioned per threshold)."""

from __future__ import annotations

from madoguchi.planning.provider import provider_for


def hub_isochrones(region, hubs, thresholds, links=None):
    """Reach areas of `hubs`: one row per threshold (hubs unioned) and whether any part is an estimate.

    Road isochrones where a hub is on the road network, else the stated estimate area kept to the
    region's land. Per-hub areas are memoised in the region's travel-time provider.

    Parameters
    ----------
    region : geo.region.Region
    hubs : list of Hub
    thresholds : iterable of float
        Minutes.
    links : str or Path, optional

    Returns
    -------
    gdf : geopandas.GeoDataFrame
        Columns `minutes`, geometry (EPSG:4326).
    estimate : bool
        True if any part is an estimate (推定).
    """
    import geopandas as gpd
    import shapely

    thresholds = sorted(float(x) for x in thresholds)
    if not hubs:
        return gpd.GeoDataFrame({"minutes": []}, geometry=[], crs="EPSG:4326"), True
    prov = provider_for(region, links)
    per_hub, estimate = [], False
    for h in hubs:
        geoms, est = prov.hub_isochrones(h.lon, h.lat, thresholds)
        per_hub.append(geoms)
        estimate = estimate or est
    geoms = [shapely.union_all([g[i] for g in per_hub]) for i in range(len(thresholds))]
    return gpd.GeoDataFrame({"minutes": thresholds}, geometry=geoms, crs="EPSG:4326"), estimate
