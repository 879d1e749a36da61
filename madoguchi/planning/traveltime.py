"""Travel-time diagnostics: the demand x sites matrix of a region with its summary (`madoguchi traveltime`)."""

from __future__ import annotations

import math
import time

from core.errors import ParameterError
from madoguchi.planning.provider import provider_for


def _clean(v):
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def run_traveltime(region, sites_csv=None, links_csv=None, cutoff=None, use_cache=True) -> tuple[dict, object, object]:
    """Demand points x sites (the region's, or a CSV's) and the JSON summary.

    Parameters
    ----------
    region : geo.region.Region
    sites_csv : path, optional
        Sites CSV (name + lat,lon or address); rows without coordinates are listed, not used.
    links_csv : path, optional
        Ferry/bridge links.
    cutoff : float, optional
        Minutes (> 0).
    use_cache : bool
        Use the bundle's disk cache.

    Returns
    -------
    summary : dict
    tm : geo.traveltime.TravelMatrix
    sites : DataFrame
        The sites used (columns of `tm`).
    """
    from geo.traveltime import municipality_table, summarize

    if cutoff is not None and not (cutoff > 0):
        raise ParameterError("--cutoff は正の分数で指定してください。", "--cutoff must be a positive number of minutes")
    prov = provider_for(region, links_csv)
    sites = region.sites
    if sites_csv:
        from geo.sites import read_sites_csv

        sites = read_sites_csv(sites_csv, region)
    usable = sites["lon"].notna() & sites["lat"].notna()
    dropped = sites.loc[~usable, "name"].astype(str).tolist()
    sites = sites[usable]
    if len(sites) == 0:
        raise ParameterError("座標のある拠点がありません。", "no site with coordinates")
    t0 = time.perf_counter()
    tm = prov.matrix(sites, cutoff_min=cutoff, use_cache=use_cache)
    seconds = time.perf_counter() - t0
    out = summarize(tm, region.demand["population"].to_numpy(float), engine=prov.engine)
    out["seconds"] = round(seconds, 4)
    out["region"] = str(region.path)
    out["road_source"] = tm.meta.get("road_source") or "estimate"
    out["estimate_label"] = {"ja": "推定", "en": "estimate"}
    out["estimate_rule"] = tm.meta.get("estimate_rule")
    out["settings"] = tm.meta.get("settings")
    out["links"] = len(prov.links)
    out["links_on_roads"] = tm.meta.get("links_on_roads", 0)
    out["sites_without_coordinates"] = dropped
    out["cache"] = tm.meta.get("cache")
    mt = municipality_table(tm, region.demand, region.municipalities)
    out["municipalities"] = [{k: _clean(v) for k, v in r.items()} for r in mt.to_dict("records")]
    unreach = mt[mt["unreachable_points"] > 0]
    out["unreachable_municipalities"] = [
        {
            "code": r.code,
            "name": r.name,
            "demand_points": int(r.unreachable_points),
            "population": round(float(r.unreachable_population), 1),
        }
        for r in unreach.itertuples()
    ]
    out["mean_minutes_by_municipality_nan"] = int(mt["mean_minutes"].isna().sum())
    return out, tm, sites


def site_isochrones(region, sites, thresholds, links_csv=None):
    """Reach areas per site and threshold (geo.isochrones), clipped to the region's polygon.

    Returns
    -------
    geopandas.GeoDataFrame
        site_id, minutes, method ('road' | 'estimate'), area_km2, geometry (EPSG:4326).
    """
    import pandas as pd

    from geo.isochrones import isochrones

    eng = provider_for(region, links_csv).engine
    clip = region.union_polygon()
    return pd.concat(
        [
            isochrones(eng, float(r.lon), float(r.lat), thresholds, str(r.site_id), str(r.muni_code or ""), clip)
            for r in sites.itertuples()
        ],
        ignore_index=True,
    )
