"""Hub editing for the app (plain Python, tested without a browser): add, move, remove a hub,
the editable hub table, and the check that a point lies in the region.

Default names of hand-placed hubs are made in the language of the screen that placed them
(`madoguchi.i18n.t("manual_hub_name")`); a name the user typed is kept as typed.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import ParameterError
from madoguchi.app.state import load_region
from madoguchi.i18n import t
from madoguchi.planning.scenario import Hub, Scenario

# --------------------------------------------------------------------------- hub editing (pure)


def muni_name_at(region, lon: float, lat: float) -> str:
    """Name of the municipality containing (lon, lat), else of the nearest one ('' without a region)."""
    if region is None:
        return ""
    import shapely

    m = region.municipalities
    inside = shapely.contains_xy(np.asarray(m.geometry.values), float(lon), float(lat))
    if inside.any():
        return str(m["name"].iloc[int(np.flatnonzero(inside)[0])])
    d = shapely.distance(np.asarray(m.geometry.values), shapely.Point(float(lon), float(lat)))
    return str(m["name"].iloc[int(np.argmin(d))])


def _manual_id(sc: Scenario) -> str:
    used = {h.site_id for h in sc.hubs}
    k = 1
    while f"manual-{k}" in used:
        k += 1
    return f"manual-{k}"


def add_hub(sc: Scenario, lon: float, lat: float, name: str | None = None, region=None, *, lang_: str = "ja") -> Hub:
    """Add a hand-placed hub at (lon, lat) in degrees, named after its municipality in `lang_`
    unless `name` is given; the point must lie in the region (ParameterError otherwise)."""
    _check_point(lon, lat, region)
    k = 1 + sum(1 for h in sc.hubs if h.source == "manual")
    where = muni_name_at(region, lon, lat)
    default = t("manual_hub_name", lang_, k=k, where=where) if where else t("manual_hub_name_bare", lang_, k=k)
    h = Hub(site_id=_manual_id(sc), name=name or default, lon=float(lon), lat=float(lat), fixed=False, source="manual")
    sc.hubs.append(h)
    return h


def move_hub(sc: Scenario, index: int, lon: float, lat: float, region=None, *, lang_: str = "ja") -> Hub:
    """Move hub `index` to (lon, lat). A moved model hub is no longer at its candidate site, so it
    becomes a hand-placed hub with its own id, named after where it now stands."""
    if not (0 <= index < len(sc.hubs)):
        raise ParameterError("移動する拠点を選んでください。", "choose a hub to move")
    _check_point(lon, lat, region)
    h = sc.hubs[index]
    h.lon, h.lat = float(lon), float(lat)
    if h.source != "existing":
        h.source = "manual"
        h.site_id = _manual_id(sc)
        where = muni_name_at(region, lon, lat)
        if where:
            h.name = t("moved_hub_name", lang_, where=where)
    return h


def nearest_hub(sc: Scenario, lon: float, lat: float, max_km: float = 5.0) -> int | None:
    """Index of the hub nearest to (lon, lat) within `max_km`, else None (for removing by a click)."""
    if not sc.hubs:
        return None
    lo = np.array([h.lon for h in sc.hubs])
    la = np.array([h.lat for h in sc.hubs])
    k = np.cos(np.radians(lat))
    dkm = np.hypot((lo - lon) * 111.32 * k, (la - lat) * 110.574)
    i = int(np.argmin(dkm))
    return i if dkm[i] <= max_km else None


def remove_hub(sc: Scenario, index: int) -> Hub:
    if not (0 <= index < len(sc.hubs)):
        raise ParameterError("削除する拠点を選んでください。", "choose a hub to remove")
    return sc.hubs.pop(index)


def _check_point(lon, lat, region) -> None:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ParameterError("緯度・経度は数値で入力してください。", "latitude/longitude must be numbers") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ParameterError("緯度・経度の値が範囲外です。", "latitude/longitude out of range")
    if region is not None:
        import shapely

        if not shapely.contains_xy(_land_tolerant(str(region.path)), lon, lat):
            raise ParameterError(
                "地域の外の地点です。地図上の地域内（市町村の境界の内側）をクリックしてください。",
                "the point is outside the region; click inside the municipal boundaries on the map",
            )


@st.cache_resource(show_spinner=False, max_entries=8)
def _land_tolerant(path: str):
    """The region's land grown by ~1 km (the boundaries are simplified), prepared for fast tests."""
    import shapely

    g = load_region(path).union_polygon().buffer(0.01)
    shapely.prepare(g)
    return g


def hubs_from_table(df: pd.DataFrame, old: list[Hub], region=None, *, lang_: str = "ja") -> list[Hub]:
    """Hubs from the edited table (name, lat, lon editable; rows added or removed; the `source`
    column is display only and not read)."""
    out = []
    by_id = {h.site_id: h for h in old}
    for i, row in enumerate(df.to_dict("records")):
        lon, lat = row.get("lon"), row.get("lat")
        if (
            lon is None
            or lat is None
            or (isinstance(lon, float) and math.isnan(lon))
            or (isinstance(lat, float) and math.isnan(lat))
        ):
            continue  # a half-filled new row: wait until both are entered
        _check_point(lon, lat, region)
        sid = str(row.get("site_id") or "")
        prev = by_id.get(sid)
        if prev is None:
            h = Hub(
                site_id=sid or f"manual-table-{i}",
                name=str(row.get("name") or t("manual_hub_name_bare", lang_, k=i + 1)),
                lon=float(lon),
                lat=float(lat),
                fixed=False,
                source="manual",
            )
        else:
            moved = abs(prev.lon - float(lon)) > 1e-9 or abs(prev.lat - float(lat)) > 1e-9
            h = Hub(
                site_id=prev.site_id,
                name=str(row.get("name") or prev.name),
                lon=float(lon),
                lat=float(lat),
                fixed=prev.fixed,
                source=("manual" if moved and prev.source != "existing" else prev.source),
                capacity=prev.capacity,
            )
        out.append(h)
    return out


def hubs_table(hubs: list[Hub], lang_: str | None = None) -> pd.DataFrame:
    """The hub table the placement page edits: site_id, name, lat, lon (degrees), source, fixed.
    With `lang_`, `source` holds the label shown ('手動' / 'by hand') instead of the code."""
    from madoguchi.i18n import hub_source_label

    return pd.DataFrame(
        [
            {
                "site_id": h.site_id,
                "name": h.name,
                "lat": h.lat,
                "lon": h.lon,
                "source": hub_source_label(h.source, lang_) if lang_ else h.source,
                "fixed": h.fixed,
            }
            for h in hubs
        ],
        columns=["site_id", "name", "lat", "lon", "source", "fixed"],
    )


# --------------------------------------------------------------------------- uploads
