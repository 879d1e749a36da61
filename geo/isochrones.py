"""Isochrones: the area from which a site is reached within 15/30/45/60 minutes.

Road mode (the site is on the road network): one Dijkstra from the site on the reversed
graph; the area is the streets whose both ends are reached within the time, buffered by
`buffer_m` (150 m) and unioned. In a region with partial road data the road isochrone shows
only the roads in the data. Estimate mode (推定: no road data at the site): a circle of radius
minutes x estimate_speed / circuity, kept to the site's landmass (no crossing water without a
link; with links, circles continue from the far end of each link with the time left).
Everything is clipped to `clip` (e.g. the region's land) when given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

DEFAULT_THRESHOLDS = (15, 30, 45, 60)


def isochrones(
    engine: Any,
    lon: float,
    lat: float,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    site_id: str = "",
    muni_code: str | None = None,
    clip: Any = None,
    buffer_m: float = 150.0,
) -> Any:
    """Areas reachable from one site within each threshold.

    Parameters
    ----------
    engine : TravelTimeEngine
        The engine (roads, settings, landmasses).
    lon, lat : float
        Site, degrees.
    thresholds : sequence of float
        Minutes.
    site_id : str
        Written to the output rows.
    muni_code : str, optional
        Municipality of the site (its landmass).
    clip : shapely geometry, optional
        Land to clip to (EPSG:4326).
    buffer_m : float
        Metres: the reached streets are buffered by this and unioned (road mode).

    Returns
    -------
    geopandas.GeoDataFrame
        site_id, minutes, method, area_km2, geometry (EPSG:4326); one row per threshold.
    """
    import geopandas as gpd

    thresholds = sorted(float(t) for t in thresholds)
    codes = None if muni_code in (None, "") else [muni_code]
    site = engine.points([lon], [lat], codes)
    if engine.roads is not None and site.on_network[0]:
        geoms = _road_polygons(engine, site, thresholds, buffer_m)
        method = "road"
    else:
        geoms = _estimate_polygons(engine, site, thresholds)
        method = "estimate"
    gdf = gpd.GeoDataFrame(
        {"site_id": [site_id] * len(thresholds), "minutes": thresholds, "method": [method] * len(thresholds)},
        geometry=geoms,
        crs="EPSG:4326",
    )
    if clip is not None:
        gdf["geometry"] = gdf.geometry.intersection(clip)
    utm = gdf.estimate_utm_crs() if len(gdf) and not gdf.geometry.is_empty.all() else "EPSG:3099"
    gdf["area_km2"] = gdf.to_crs(utm).area / 1e6
    return gdf


def _local(lon0, lat0):
    """Local equirectangular projection (metres) around (lon0, lat0): forward and inverse."""
    from core.geodesy import local_projection

    return local_projection(lon0, lat0)


def _to_lonlat(geom, inv):
    import shapely

    return shapely.transform(geom, lambda xy: np.column_stack(inv(xy[:, 0], xy[:, 1])))


def _road_polygons(engine, site, thresholds, buffer_m):
    import shapely
    from scipy.sparse.csgraph import dijkstra

    s = engine.settings
    r = engine.roads
    g = engine.graph_link_t if engine.graph_link_t is not None else engine.graph_t
    acc = s.access_speed_kmh * 1000.0 / 60.0  # metres per minute
    start = site.snap_m[0] / acc
    tmin = dijkstra(g, directed=True, indices=int(site.node[0]), limit=(thresholds[-1] - start) * 60.0) / 60.0 + start
    fwd, inv = _local(float(site.lon[0]), float(site.lat[0]))
    # one undirected segment per street: both ends reached decides
    a = np.minimum(r.u, r.v).astype(np.int64)
    b = np.maximum(r.u, r.v).astype(np.int64)
    key = np.unique(a * r.n_nodes + b)
    a, b = key // r.n_nodes, key % r.n_nodes
    t_edge = np.maximum(tmin[a], tmin[b])
    x, y = fwd(r.lon, r.lat)
    out, acc_poly, done = [], None, np.zeros(a.size, dtype=bool)
    for T in thresholds:  # nested: add only the newly reached streets
        new = (t_edge <= T) & ~done
        done |= new
        if new.any():
            lines = shapely.linestrings(
                np.stack([np.column_stack([x[a[new]], y[a[new]]]), np.column_stack([x[b[new]], y[b[new]]])], axis=1)
            )
            part = shapely.union_all(shapely.buffer(lines, buffer_m, quad_segs=1))
            acc_poly = part if acc_poly is None else shapely.union(acc_poly, part)
        if acc_poly is None:
            x0, y0 = fwd(site.lon[0], site.lat[0])
            out.append(_to_lonlat(shapely.Point(float(x0), float(y0)).buffer(buffer_m, quad_segs=4), inv))
        else:
            out.append(_to_lonlat(acc_poly, inv))
    return out


def _estimate_polygons(engine, site, thresholds):
    import shapely

    s = engine.settings
    v = s.estimate_speed_kmh * 1000.0 / 60.0 / s.circuity  # straight-line metres per minute
    fwd, inv = _local(float(site.lon[0]), float(site.lat[0]))
    land = _landmass_geoms(engine)
    lm = int(site.landmass[0])
    # time from the site to each portal (link end) and on through the portal graph
    starts = []
    if engine.portal_lon.size:
        from geo.traveltime import estimate_minutes

        to_p = estimate_minutes(site.lon[0], site.lat[0], engine.portal_lon, engine.portal_lat, s)
        to_p = np.where(engine.portal_lm == lm, to_p, np.inf)
        via = np.min(to_p[:, None] + engine.portal_dist, axis=0)
        starts = [
            (engine.portal_lon[q], engine.portal_lat[q], via[q], int(engine.portal_lm[q]))
            for q in range(via.size)
            if np.isfinite(via[q]) and engine.portal_lm[q] != lm
        ]
    out = []
    for T in thresholds:
        parts = []
        x0, y0 = fwd(site.lon[0], site.lat[0])
        c = _to_lonlat(shapely.Point(float(x0), float(y0)).buffer(T * v, quad_segs=16), inv)
        parts.append(c.intersection(land[lm]) if lm in land else c)
        for plon, plat, t0, plm in starts:
            if t0 < T:
                px, py = fwd(plon, plat)
                c = _to_lonlat(shapely.Point(float(px), float(py)).buffer((T - t0) * v, quad_segs=16), inv)
                parts.append(c.intersection(land[plm]) if plm in land else c)
        out.append(shapely.union_all(parts))
    return out


def _landmass_geoms(engine) -> dict:
    import shapely

    lm = engine.landmasses
    if lm is None:
        return {}
    cache = getattr(lm, "_geoms_by_label", None)
    if cache is None:
        cache = {
            int(k): shapely.union_all([g for g, lab in zip(lm.geoms, lm.label) if lab == k])
            for k in np.unique(lm.label)
        }
        lm._geoms_by_label = cache
    return cache


def region_isochrones(
    region: Any,
    site_ids: Sequence[str] | None = None,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    links: Any = None,
) -> Any:
    """Isochrones for the region's sites (all, or `site_ids`), clipped to the region's land.

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.
    site_ids : sequence of str, optional
        Sites to draw (default all).
    thresholds : sequence of float
        Minutes.
    links : Links or path, optional
        Links to use.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`isochrones`, one block of rows per site.
    """
    import pandas as pd

    from geo.traveltime import region_engine

    eng = region_engine(region, links)
    sites = region.sites if site_ids is None else region.sites[region.sites["site_id"].isin(list(site_ids))]
    clip = region.union_polygon()
    frames = [
        isochrones(eng, float(r.lon), float(r.lat), thresholds, str(r.site_id), str(r.muni_code or ""), clip)
        for r in sites.itertuples()
    ]
    if not frames:
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {"site_id": [], "minutes": [], "method": [], "area_km2": []}, geometry=[], crs="EPSG:4326"
        )
    return pd.concat(frames, ignore_index=True)
