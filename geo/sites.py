"""Candidate and existing sites: one default candidate per municipality, plus user CSVs.

Default candidate (stated rule): the municipality's settlement point closest to the
population-weighted centroid of its settlement points inside the municipality — a stand-in
for the town hall (役場), labelled as such, because no town-hall coordinates ship with the data.
User CSVs: `name` plus `lat,lon` or a Japanese `address` (geocoded offline, see geo.geocode);
optional `kind` (candidate/existing), `capacity`, `site_id`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import InputFileError
from core.geodesy import haversine_m

SITE_COLUMNS = [
    "site_id",
    "name",
    "kind",
    "label",
    "muni_code",
    "lon",
    "lat",
    "match_level",
    "inside_region",
    "address",
    "matched",
    "capacity",
    "geometry",
]
TOWNHALL_LABEL = "役場の代替点（大字代表点）"
TOWNHALL_RULE_JA = "各市町村の大字・町丁目代表点のうち、人口加重重心に最も近い点を役場の代替点とする"
TOWNHALL_RULE_EN = "the settlement point nearest the population-weighted centroid of the municipality's points stands in for the town hall"
KINDS = ("candidate", "existing", "user")
MAX_OUTSIDE_KM = 100.0  # a site up to this far outside the region is kept (flagged: neighbouring offices, offshore test points); farther is refused


def _region_polygon(region):
    """The land of a Region, a GeoDataFrame of municipalities, or a shapely geometry (EPSG:4326)."""
    if hasattr(region, "union_polygon"):
        return region.union_polygon()
    if hasattr(region, "geometry") and not isinstance(region, shapely.Geometry):
        return shapely.union_all(np.asarray(region.geometry.values))
    return region


def distance_outside_km(lon, lat, region) -> np.ndarray:
    """Great-circle km from each point to the region's land (0 inside).

    Parameters
    ----------
    lon, lat : float or array-like
        Degrees (EPSG:4326).
    region : Region, GeoDataFrame of municipalities, or shapely geometry

    Returns
    -------
    numpy.ndarray of float (km); inf for non-finite coordinates
    """
    poly = _region_polygon(region)
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    out = np.full(lon.shape, np.inf)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    if not ok.any() or poly is None or poly.is_empty:
        return out
    x, y = lon[ok], lat[ok]
    d = np.zeros(x.size)
    outside = ~shapely.contains_xy(poly, x, y)
    if outside.any():
        lines = shapely.shortest_line(poly, shapely.points(x[outside], y[outside]))
        near = shapely.get_coordinates(lines)[0::2]  # each line starts on the land
        d[outside] = haversine_m(x[outside], y[outside], near[:, 0], near[:, 1]) / 1000.0
    out[ok] = d
    return out


def check_point_in_region(
    lon: float, lat: float, region, max_km: float = MAX_OUTSIDE_KM, name: str = "", path=None
) -> float:
    """Refuse a hub/site that lies far outside the region; return its distance outside (km, 0 inside).

    Parameters
    ----------
    lon, lat : float
        Degrees (EPSG:4326).
    region : Region, GeoDataFrame of municipalities, or shapely geometry
    max_km : float
        Largest accepted distance outside the region's land, km (default 100).
    name : str
        The site's name, for the message.
    path : path-like, optional
        The file it came from, for the message.

    Returns
    -------
    float
        km outside the land (0 inside); a point within `max_km` is kept and should be flagged.

    Raises
    ------
    ParameterError
        Non-finite, out-of-range, or farther than `max_km` from the region.
    """
    from core.errors import ParameterError

    d = float(distance_outside_km(lon, lat, region)[0])
    label = f"{name} " if name else ""
    if not np.isfinite(d):
        raise ParameterError(
            f"{label}の座標が不正です（lon={lon}, lat={lat}）。",
            f"{label}has invalid coordinates (lon={lon}, lat={lat})",
            path=path,
        )
    if d > max_km:
        raise ParameterError(
            f"{label}（lon={lon}, lat={lat}）は地域から {d:,.0f} km 離れています（上限 {max_km:g} km）。座標か緯度経度の順を確認してください。",
            f"{label}(lon={lon}, lat={lat}) is {d:,.0f} km outside the region (limit {max_km:g} km); check the coordinates "
            "and their order",
            path=path,
        )
    return d


def default_candidates(munis: gpd.GeoDataFrame, demand: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One candidate per municipality at its town-hall stand-in point (see module doc).

    Parameters
    ----------
    munis : GeoDataFrame
        Municipalities (``code``, ``name``, geometry).
    demand : GeoDataFrame
        Demand points (``muni_code``, ``lon``, ``lat`` degrees, ``population`` persons).

    Returns
    -------
    geopandas.GeoDataFrame
        Region.sites columns, kind 'candidate'.
    """
    rows = []
    for code, name in zip(munis["code"], munis["name"]):
        d = demand[demand["muni_code"] == code]
        inside = d[d["inside_muni"]]
        if len(inside):
            d = inside
        if d.empty:
            continue
        w = d["population"].to_numpy(dtype=float)
        if not np.isfinite(w).all() or w.sum() <= 0:
            w = np.ones(len(d))
        cx = np.average(d["lon"], weights=w)
        cy = np.average(d["lat"], weights=w)
        # nearest in a local equirectangular metric
        k = np.cos(np.radians(cy))
        i = int(np.argmin(((d["lon"].to_numpy() - cx) * k) ** 2 + (d["lat"].to_numpy() - cy) ** 2))
        p = d.iloc[i]
        town = (p["town"] or "") + (p["koaza"] or "")
        rows.append(
            {
                "site_id": f"C{code}",
                "name": f"{name}役場（代替点）",
                "kind": "candidate",
                "label": TOWNHALL_LABEL,
                "muni_code": code,
                "lon": float(p["lon"]),
                "lat": float(p["lat"]),
                "match_level": "座標",
                "inside_region": True,
                "address": f"{name}{town}",
                "matched": town or "（推定点）",
                "capacity": np.nan,
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in SITE_COLUMNS if c != "geometry"])
    return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326")


def _read_csv(path: Path) -> pd.DataFrame:
    from geo.population import read_csv_table

    df, _ = read_csv_table(path, "拠点 CSV ", "sites CSV")
    df.columns = [c.lower() for c in df.columns]
    ren = {
        "名称": "name",
        "住所": "address",
        "緯度": "lat",
        "経度": "lon",
        "lng": "lon",
        "longitude": "lon",
        "latitude": "lat",
        "種別": "kind",
    }
    return df.rename(columns={k: v for k, v in ren.items() if k in df.columns})


def read_sites_csv(
    path: str | Path, region: Any, default_kind: str = "candidate", id_prefix: str | None = None
) -> gpd.GeoDataFrame:
    """Read a sites CSV against a built Region: same columns as Region.sites.

    Rows with `lat,lon` are validated (numeric, in range, inside the region polygon, else
    inside_region=False). Rows with only `address` are geocoded offline (match_level
    '大字' / '市町村' / '一致なし'; the last has NaN coordinates and is not usable as a site).

    Parameters
    ----------
    path : str or Path
        The CSV (UTF-8, BOM or Shift-JIS).
    region : geo.region.Region
        A loaded bundle.
    default_kind : str
        Kind for rows without one ('candidate' / 'existing').
    id_prefix : str, optional
        Prefix of generated site ids.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    InputFileError
        Naming the file and row.
    """
    from geo.geocode import geocoder_for

    return read_sites_table(
        _read_csv(Path(path)), region.municipalities, geocoder_for(region), path, default_kind, id_prefix
    )


def read_sites_table(
    df: pd.DataFrame,
    munis: gpd.GeoDataFrame,
    geocoder: Any,
    path: str | Path | None,
    default_kind: str = "candidate",
    id_prefix: str | None = None,
) -> gpd.GeoDataFrame:
    """Core of :func:`read_sites_csv` on a DataFrame (used by the region build before a Region exists).

    Parameters
    ----------
    df : DataFrame
        The rows.
    munis : GeoDataFrame
        Municipalities (polygons in EPSG:4326).
    geocoder : Geocoder
        For rows with only an address.
    path : str or Path
        Named in error messages.
    default_kind : str
        Kind for rows without one.
    id_prefix : str, optional
        Prefix of generated site ids.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    if "name" not in df.columns:
        raise InputFileError(
            f"列 name がありません（列: {', '.join(df.columns)}）。",
            f"missing column name (columns: {', '.join(df.columns)})",
            path=path,
        )
    has_xy = "lat" in df.columns and "lon" in df.columns
    if not has_xy and "address" not in df.columns:
        raise InputFileError(
            "列 lat,lon か address のどちらかが必要です。", "need columns lat,lon or address", path=path
        )
    if default_kind not in KINDS:
        raise InputFileError(f"kind が不正です: {default_kind}", f"bad kind {default_kind}", path=path)
    union = shapely.union_all(np.asarray(munis.geometry.values))
    shapely.prepare(union)
    rows = []
    for i, r in enumerate(df.to_dict("records")):
        line = i + 2
        name = str(r.get("name", "")).strip()
        if not name:
            raise InputFileError(f"{line} 行目: name が空です。", f"row {line}: empty name", path=path)
        kind = str(r.get("kind", "") or default_kind).strip().lower()
        kind = {"候補": "candidate", "既存": "existing"}.get(kind, kind)
        if kind not in KINDS:
            raise InputFileError(
                f"{line} 行目: kind は candidate / existing です（「{r.get('kind')}」）。",
                f"row {line}: kind must be candidate or existing, got '{r.get('kind')}'",
                path=path,
            )
        address = str(r.get("address", "") or "").strip()
        lat_s = str(r.get("lat", "") or "").strip() if has_xy else ""
        lon_s = str(r.get("lon", "") or "").strip() if has_xy else ""
        lon = lat = np.nan
        muni_code, level, matched = "", "一致なし", ""
        if lat_s or lon_s:
            try:
                lat, lon = float(lat_s), float(lon_s)
                if not (np.isfinite(lat) and np.isfinite(lon)):
                    raise ValueError(lat_s)
            except ValueError:
                raise InputFileError(
                    f"{line} 行目（{name}）: 緯度経度が数値ではありません（lat={lat_s}, lon={lon_s}）。",
                    f"row {line} ({name}): lat/lon not numeric (lat={lat_s}, lon={lon_s})",
                    path=path,
                ) from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise InputFileError(
                    f"{line} 行目（{name}）: 緯度経度が範囲外です（lat={lat}, lon={lon}。lat と lon が逆では？）。",
                    f"row {line} ({name}): lat/lon out of range (lat={lat}, lon={lon}; swapped?)",
                    path=path,
                )
            level = "座標"
        elif address:
            lon, lat, level, matched, muni_code = geocoder.geocode(address)
        cap = str(r.get("capacity", "") or "").strip()
        try:
            capacity = float(cap) if cap else np.nan
            if cap and not (np.isfinite(capacity) and capacity >= 0):
                raise ValueError(cap)
        except ValueError:
            raise InputFileError(
                f"{line} 行目（{name}）: capacity が数値ではありません: {cap}",
                f"row {line}: capacity not numeric: {cap}",
                path=path,
            ) from None
        sid = str(r.get("site_id", "") or "").strip()
        if not sid:
            sid = f"{id_prefix or ('E' if kind == 'existing' else 'U')}{i + 1:03d}"
        rows.append(
            {
                "site_id": sid,
                "name": name,
                "kind": kind,
                "label": str(r.get("label", "") or ""),
                "muni_code": muni_code,
                "lon": lon,
                "lat": lat,
                "match_level": level,
                "inside_region": False,
                "address": address,
                "matched": matched,
                "capacity": capacity,
            }
        )
    out = pd.DataFrame(rows, columns=[c for c in SITE_COLUMNS if c != "geometry"])
    if out["site_id"].duplicated().any():
        dup = out.loc[out["site_id"].duplicated(), "site_id"].tolist()
        raise InputFileError(
            f"site_id が重複しています: {', '.join(dup[:5])}", f"duplicate site_id: {', '.join(dup[:5])}", path=path
        )
    ok = out["lon"].notna().to_numpy()
    if ok.any():
        lon_a, lat_a = out.loc[ok, "lon"].to_numpy(float), out.loc[ok, "lat"].to_numpy(float)
        out.loc[ok, "inside_region"] = shapely.contains_xy(union, lon_a, lat_a)
        # municipality of coordinate rows
        for code, g in zip(munis["code"], munis.geometry):
            inside = shapely.contains_xy(g, lon_a, lat_a)
            idx = out.index[ok][inside]
            out.loc[idx, "muni_code"] = out.loc[idx, "muni_code"].where(out.loc[idx, "muni_code"] != "", code)
    out["inside_region"] = out["inside_region"].astype(bool)
    far = out["lon"].notna() & ~out["inside_region"]
    if far.any():
        dist = distance_outside_km(out.loc[far, "lon"], out.loc[far, "lat"], union)
        for idx, dkm in zip(out.index[far].tolist(), dist):
            if dkm > MAX_OUTSIDE_KM:
                r = out.loc[idx]
                raise InputFileError(
                    f"{idx + 2} 行目（{r['name']}）: 座標 lon={r['lon']}, lat={r['lat']} は地域から {dkm:,.0f} km 離れています"
                    f"（上限 {MAX_OUTSIDE_KM:g} km）。座標か緯度経度の順を確認してください。",
                    f"row {idx + 2} ({r['name']}): lon={r['lon']}, lat={r['lat']} is {dkm:,.0f} km outside the region "
                    f"(limit {MAX_OUTSIDE_KM:g} km); check the coordinates and their order",
                    path=path,
                )
    geom = gpd.points_from_xy(out["lon"].fillna(0), out["lat"].fillna(0))
    geom = [g if has else None for g, has in zip(geom, ok)]  # no coordinates -> no geometry
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geom, crs="EPSG:4326"), crs="EPSG:4326")


def usable_sites(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Rows that can be used as sites: with coordinates (match_level not '一致なし').

    Parameters
    ----------
    sites : GeoDataFrame
        Region.sites columns.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    return sites[sites["lon"].notna() & sites["lat"].notna()]


def sites_report(sites: gpd.GeoDataFrame) -> dict:
    """Counts by match level and the rows that need attention (for the manifest and CLI).

    Parameters
    ----------
    sites : GeoDataFrame
        Region.sites columns.

    Returns
    -------
    dict
    """
    user = sites[~sites["site_id"].astype(str).str.match(r"^C\d{5}$")]
    return {
        "by_match_level": {k: int(v) for k, v in user["match_level"].value_counts().items()},
        "no_match": user.loc[user["match_level"] == "一致なし", ["site_id", "name", "address"]].to_dict("records"),
        "outside_region": user.loc[
            user["lon"].notna() & ~user["inside_region"], ["site_id", "name", "lon", "lat"]
        ].to_dict("records"),
    }
