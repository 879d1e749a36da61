"""Glue the Streamlit pages call: cached region and matrices, the current scenario, errors in Japanese.

Pages stay thin: they draw widgets and call these functions. The computations behind them come
from geo/ (region, travel times) and models/ (placement, coverage, …). Functions without `st.`
in their body are plain Python and are tested without a browser.
"""
from __future__ import annotations

import logging
import math
import re
import time
import traceback
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely.affinity  # noqa: F401  (isochrone circles)
import streamlit as st

from core.errors import InputFileError, MadoguchiError, ParameterError
from geo.paths import regions_dir, uploads_dir
from madoguchi.i18n import t
from models.scenario import Hub, Scenario

log = logging.getLogger("madoguchi.app")

DEFAULT_PREF = "08"
MAX_UPLOAD_MB = 20
LANG_OPTIONS = {"日本語": "ja", "English": "en"}
# Multipage app (Streamlit's pages/ folder); our own sidebar links give Japanese/English labels.
PAGES = [  # (file, url path, title key, icon)
    ("pages/1_map.py", "map", "page_map", ":material/map:"),
    ("pages/2_placement.py", "placement", "page_placement", ":material/add_location_alt:"),
    ("pages/3_coverage.py", "coverage", "page_coverage", ":material/timer:"),
    ("pages/4_outreach.py", "outreach", "page_outreach", ":material/directions_car:"),
    ("pages/5_partnership.py", "partnership", "page_partnership", ":material/handshake:"),
    ("pages/6_report.py", "report", "page_report", ":material/description:"),
]

# --------------------------------------------------------------------------- session basics


def lang() -> str:
    """'ja' (default) or 'en', from the sidebar radio."""
    v = st.session_state.get("lang_choice") or st.session_state.get("_lang", "日本語")
    return LANG_OPTIONS.get(v, "ja")


def wkey(name: str) -> str:
    """Widget key for a choice whose labels are translated: one key per language, because
    Streamlit keeps a choice by its shown label and would lose it when the language changes."""
    return name if lang() == "ja" else f"{name}_en"


# --------------------------------------------------------------------------- errors


def show_error(e: BaseException, lang_: str = "ja") -> None:
    """A failure as a Japanese message that says what to do; never a raw traceback on screen."""
    if isinstance(e, MadoguchiError):
        st.error(e.message(lang_))
        return
    log.error("unexpected error in page: %s", "".join(traceback.format_exception(e)))
    st.error(t("error_generic", lang_))
    with st.expander(t("error_details", lang_)):
        st.text(f"{type(e).__name__}: {e}")


def guarded(fn, *args, **kwargs):
    """Run a page body; MadoguchiError and any other Exception become messages (st.stop/rerun pass)."""
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # Streamlit's stop/rerun are BaseException, not caught here
        show_error(e, lang())
        return None


# --------------------------------------------------------------------------- region


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_region_cached(path: str, stamp: float):
    from geo.region import Region

    return Region.load(path)


def load_region(path: str | Path):
    """Region bundle, cached per process (re-read when its manifest changes)."""
    p = Path(path)
    mf = p / "manifest.json"
    stamp = mf.stat().st_mtime if mf.exists() else 0.0
    return _load_region_cached(str(p), stamp)


def available_regions() -> list[dict]:
    """Built bundles in the regions folder: [{path, name, pref_code, pref_name, built}]."""
    from geo.region import list_regions

    return list_regions(regions_dir())


def ensure_default_region(progress=None):
    """Build (if missing) and load the default region (Ibaraki, 08) in the regions folder."""
    from geo.region import ensure_region

    reg = ensure_region(DEFAULT_PREF, progress=progress, root=regions_dir())
    return load_region(reg.path)


def build_region_for(pref_code: str, progress=None, *, boundaries=None, roads=None):
    """Build the default bundle of a prefecture (found sources, or uploaded boundaries / roads
    files already stored by `store_upload`) and load it. An existing bundle is replaced only
    when the new one is complete."""
    from geo.region import build_region, default_region_dir

    d = default_region_dir(pref_code, regions_dir())
    build_region(pref_code, out_dir=d, progress=progress, boundaries=boundaries, roads=roads)
    return load_region(d)


BOUNDARY_EXTS = {".json", ".geojson", ".gpkg", ".zip", ".shp"}
ROAD_EXTS = {".pbf", ".osm", ".gpkg", ".geojson"}
MAX_ROADS_MB = 50


def current_region():
    """The region chosen in the sidebar, building the default Ibaraki bundle on first start."""
    path = st.session_state.get(wkey("region_pick")) or st.session_state.get("_region_path")
    regions = available_regions()
    if path and any(r["path"] == path for r in regions):
        return load_region(path)
    if not regions:
        with st.spinner(t("loading_region", lang())):
            reg = ensure_default_region()
        st.session_state["_region_path"] = str(reg.path)
        return reg
    default = next((r for r in regions if r.get("pref_code") == DEFAULT_PREF), regions[0])
    st.session_state["_region_path"] = default["path"]
    return load_region(default["path"])


def road_status(region) -> dict:
    """What the travel times on screen are based on: {'source', 'has_roads', 'estimate_only'}."""
    src = region.manifest.get("counts", {}).get("road_source") or region.manifest.get("road_source") or "estimate"
    has = region.roads is not None
    return {"source": src, "has_roads": has, "estimate_only": not has}


# --------------------------------------------------------------------------- travel times


@dataclass
class Matrix:
    """Minutes and method codes (0 road, 1 estimate, 2 link) for demand x columns."""

    minutes: np.ndarray
    method: np.ndarray


def _estimate_minutes(dlon, dlat, slon, slat, settings) -> np.ndarray:
    """Fallback used only if geo.traveltime is not installed: great-circle km x circuity / speed.

    This is the same stated estimate rule the travel-time engine applies without road data.
    """
    R = 6371.0088
    la1, la2 = np.radians(dlat)[:, None], np.radians(slat)[None, :]
    dphi = la2 - la1
    dl = np.radians(slon)[None, :] - np.radians(dlon)[:, None]
    a = np.sin(dphi / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(dl / 2) ** 2
    km = 2 * R * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return km * settings.circuity / settings.estimate_speed_kmh * 60.0


def _has_traveltime() -> bool:
    try:
        import geo.traveltime  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def ensure_matrix(region) -> "Matrix":
    """The cached matrix, with a spinner the first time (computing can take seconds with roads)."""
    with st.spinner(t("computing_matrix", lang())):
        return site_matrix(region)


def current_links(region) -> str | None:
    """Path of the links file (ferries, bridges) the user uploaded for this region, if any."""
    try:
        return (st.session_state.get("_links") or {}).get(region.name)
    except Exception:  # outside a Streamlit run
        return None


@st.cache_resource(show_spinner=False, max_entries=6)
def _site_matrix_cached(path: str, stamp: float, links: str | None) -> Matrix:
    region = load_region(path)
    d, s = region.demand, region.sites
    if _has_traveltime():
        from geo.traveltime import region_matrix

        tm = region_matrix(region, s, links=links)
        return Matrix(np.asarray(tm.minutes, float), np.asarray(tm.method, np.uint8))
    mins = _estimate_minutes(d["lon"].to_numpy(float), d["lat"].to_numpy(float), s["lon"].to_numpy(float),
                             s["lat"].to_numpy(float), region.settings)
    return Matrix(mins, np.ones(mins.shape, np.uint8))


def site_matrix(region) -> Matrix:
    """Demand x candidate-site travel times (with the uploaded links), cached (st.cache_resource)."""
    mf = Path(region.path) / "manifest.json"
    return _site_matrix_cached(str(region.path), mf.stat().st_mtime if mf.exists() else 0.0, current_links(region))


def point_column(region, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and method from every demand point to one new point (a moved or added hub)."""
    if _has_traveltime():
        from geo.traveltime import region_engine, region_matrix

        links = current_links(region)
        site_matrix(region)  # sets the engine's origins (the demand points) once
        eng = region_engine(region, links)
        if getattr(eng, "_origins", None) is None:
            region_matrix(region, region.sites, links=links)
        mins, meth = eng.column(float(lon), float(lat))
        return np.asarray(mins, float).reshape(-1), np.asarray(meth, np.uint8).reshape(-1)
    d = region.demand
    mins = _estimate_minutes(d["lon"].to_numpy(float), d["lat"].to_numpy(float), np.array([lon]), np.array([lat]),
                             region.settings)[:, 0]
    return mins, np.ones(len(mins), np.uint8)


def site_columns(sites, hubs) -> list[int | None]:
    """For each hub, the column of the region's site matrix it still sits on, or None if it was
    moved or added by hand (same id and the same position to 1e-7 degrees)."""
    pos = {sid: i for i, sid in enumerate(sites["site_id"].astype(str))}
    slon, slat = sites["lon"].to_numpy(float), sites["lat"].to_numpy(float)
    out = []
    for h in hubs:
        j = pos.get(str(h.site_id))
        on_site = j is not None and abs(slon[j] - h.lon) < 1e-7 and abs(slat[j] - h.lat) < 1e-7
        out.append(j if on_site else None)
    return out


def hub_matrix(region, hubs: list[Hub], cache: dict | None = None) -> Matrix:
    """Demand x hubs: a hub standing on a candidate site reuses that site's cached column;
    any other hub (moved, added by hand) gets one engine column, memoised in `cache`."""
    n = len(region.demand)
    if not hubs:
        return Matrix(np.zeros((n, 0)), np.zeros((n, 0), np.uint8))
    sm = site_matrix(region)
    cols, meths = [], []
    for h, j in zip(hubs, site_columns(region.sites, hubs)):
        if j is not None:
            cols.append(sm.minutes[:, j])
            meths.append(sm.method[:, j])
            continue
        key = (str(region.path), current_links(region), round(h.lon, 7), round(h.lat, 7))
        if cache is not None and key in cache:
            c, mm = cache[key]
        else:
            c, mm = point_column(region, h.lon, h.lat)
            if cache is not None:
                cache[key] = (c, mm)
        cols.append(c)
        meths.append(mm)
    return Matrix(np.column_stack(cols), np.column_stack(meths).astype(np.uint8))


def column_cache() -> dict:
    """Per-session memo of engine columns for hubs not on a candidate site."""
    return st.session_state.setdefault("_column_cache", {})


# --------------------------------------------------------------------------- demand + coverage


def demand_weights(region, scope: str) -> tuple[np.ndarray, np.ndarray]:
    """(weights, in_scope mask): population per demand point, 0 outside the scope; NaN kept (unknown)."""
    from models.placement import demand_scope_mask

    mask = demand_scope_mask(region.demand["muni_code"], region.municipalities, scope)
    w = region.demand["population"].to_numpy(float)
    return np.where(mask, w, 0.0), mask


@dataclass
class CoverageView:
    """What the pages show for a set of hubs: models.coverage's result plus per-point map data."""

    thresholds: list[float]
    nearest_min: np.ndarray  # (n,) minutes to the nearest hub for every demand point, inf unreachable
    nearest_hub: np.ndarray  # (n,) hub index, -1 if none
    nearest_method: np.ndarray  # (n,) method code of that time
    in_scope: np.ndarray
    population: float  # known population in scope
    covered: dict = field(default_factory=dict)  # threshold -> population within it
    share: dict = field(default_factory=dict)  # threshold -> share 0..1 (denominator includes unreachable)
    mean_min: float | None = None
    p90_min: float | None = None
    max_min: float | None = None
    unreachable_population: float = 0.0
    unknown_population_points: int = 0
    methods: list = field(default_factory=list)  # method codes used by the in-scope nearest times
    result: object | None = None  # models.coverage.CoverageResult (None without hubs)

    def to_dict(self) -> dict:
        if self.result is not None:
            d = self.result.to_dict()
            d.pop("municipalities", None)
            d["scope_points"] = int(self.in_scope.sum())
            return d
        return {"thresholds": self.thresholds, "population": self.population, "within": {}, "method": "unknown"}


def _fin(x):
    return None if x is None or not math.isfinite(float(x)) else float(x)


def coverage_view(region, hubs: list[Hub], thresholds, scope: str, cache: dict | None = None) -> CoverageView:
    """Coverage of `hubs` for the demand in `scope` (models.coverage.coverage on the cached matrix)."""
    from models.coverage import coverage

    thresholds = sorted(float(x) for x in thresholds)
    _w, mask = demand_weights(region, scope)
    d = region.demand
    w = d["population"].to_numpy(float)
    n = len(d)
    hm = hub_matrix(region, hubs, cache)
    if hm.minutes.shape[1] == 0:
        known = mask & np.isfinite(w)
        cv = CoverageView(thresholds, np.full(n, np.inf), np.full(n, -1), np.ones(n, np.uint8), mask,
                          float(w[known].sum()))
        cv.covered = {th: 0.0 for th in thresholds}
        cv.share = {th: 0.0 for th in thresholds}
        cv.unreachable_population = cv.population
        return cv
    idx = np.argmin(hm.minutes, axis=1)
    near = hm.minutes[np.arange(n), idx]
    meth = hm.method[np.arange(n), idx]
    idx = np.where(np.isfinite(near), idx, -1)
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"]))
    pid = d["point_id"].to_numpy() if "point_id" in d else np.arange(n)
    res = coverage(w[mask], hm.minutes[mask], d["muni_code"].astype(str).to_numpy()[mask], thresholds,
                   demand_ids=pid[mask], hub_ids=[h.site_id for h in hubs], method=hm.method[mask], muni_names=names)
    cv = CoverageView(res.thresholds, near, idx, meth, mask, res.population, result=res)
    for th in res.thresholds:
        cv.covered[th] = res.within[th]["population"]
        cv.share[th] = res.within[th]["share"]
    cv.mean_min, cv.p90_min, cv.max_min = _fin(res.mean_min), _fin(res.p90_min), _fin(res.max_min)
    cv.unreachable_population = res.unreachable_population
    cv.unknown_population_points = len(res.unknown_ids)
    reach = mask & np.isfinite(near)
    cv.methods = sorted({int(x) for x in np.unique(meth[reach])}) if reach.any() else []
    return cv


def per_municipality(region, cv: CoverageView, lang_: str = "ja") -> pd.DataFrame:
    """One row per in-scope municipality (models.coverage's table): population, share_<T>, mean/p90/max."""
    if cv.result is None:
        return pd.DataFrame()
    return cv.result.per_municipality.copy()


def unreachable_points(region, cv: CoverageView) -> pd.DataFrame:
    """Demand points in scope that no hub reaches (listed, never hidden)."""
    d = region.demand
    sel = cv.in_scope & ~np.isfinite(cv.nearest_min)
    cols = [c for c in ("point_id", "muni_code", "town", "koaza", "lon", "lat", "population") if c in d.columns]
    out = d.loc[sel, cols].copy()
    names = dict(zip(region.municipalities["code"].astype(str), region.municipalities["name"]))
    out.insert(1, "municipality", out["muni_code"].astype(str).map(names))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- isochrones


@st.cache_resource(show_spinner=False, max_entries=8)
def _landmass_polygons(path: str):
    """(Landmasses, {label: polygon}) for a region, cached."""
    import shapely
    from geo.islands import region_landmasses

    region = load_region(path)
    lm = region_landmasses(region)
    polys = {}
    for lab in np.unique(lm.label):
        polys[int(lab)] = shapely.union_all([g for g, l in zip(lm.geoms, lm.label) if l == lab])
    return lm, polys


def _hub_land(region, h: Hub):
    """The land a hub's estimate reach may cover: its own landmass."""
    lm, polys = _landmass_polygons(str(region.path))
    lab = int(np.asarray(lm.of_points(np.array([h.lon]), np.array([h.lat])))[0])
    return polys.get(lab, region.union_polygon())


def isochrones(region, hubs: list[Hub], thresholds, cache: dict | None = None) -> tuple["object", bool]:
    """Reach areas of the hubs (GeoDataFrame: minutes, geometry; one row per threshold, hubs
    unioned) and whether any part is an estimate (推定).

    Uses geo.isochrones (road isochrones where a hub is on the road network, else the stated
    estimate circle kept to the hub's landmass). Per-hub areas are memoised in `cache`.
    """
    import geopandas as gpd
    import shapely

    thresholds = sorted(float(x) for x in thresholds)
    if not hubs:
        return gpd.GeoDataFrame({"minutes": []}, geometry=[], crs="EPSG:4326"), True
    per_hub, estimate = [], False
    links = current_links(region)
    cache = {} if cache is None else cache
    for h in hubs:
        # memoised per hub position and single threshold: a new threshold computes only itself
        keys = [("iso", str(region.path), links, round(h.lon, 7), round(h.lat, 7), T) for T in thresholds]
        todo = [T for T, k in zip(thresholds, keys) if k not in cache]
        if todo:
            geoms, est = _hub_isochrones(region, h, todo)
            for T, g in zip(todo, geoms):
                cache[("iso", str(region.path), links, round(h.lon, 7), round(h.lat, 7), T)] = (g, est)
        got = [cache[k] for k in keys]
        per_hub.append([g for g, _e in got])
        estimate = estimate or any(e for _g, e in got)
    geoms = [shapely.union_all([g[i] for g in per_hub]) for i in range(len(thresholds))]
    return gpd.GeoDataFrame({"minutes": thresholds}, geometry=geoms, crs="EPSG:4326"), estimate


def _hub_isochrones(region, h: Hub, thresholds) -> tuple[list, bool]:
    import shapely
    from shapely.geometry import Point

    try:
        from geo.isochrones import isochrones as _iso
        from geo.traveltime import region_engine
    except ModuleNotFoundError:
        _iso = None
    if _iso is not None:
        gdf = _iso(region_engine(region, current_links(region)), h.lon, h.lat, thresholds, clip=_land(region))
        return list(gdf.geometry), bool((gdf["method"] != "road").any())
    # fallback (geo.isochrones not installed): the estimate rule drawn exactly
    st_ = region.settings
    land = _hub_land(region, h)
    out = []
    for T in thresholds:
        km = T / 60.0 * st_.estimate_speed_kmh / st_.circuity
        dlat = km / 110.574
        dlon = km / (111.320 * math.cos(math.radians(h.lat)))
        out.append(shapely.intersection(shapely.affinity.scale(Point(h.lon, h.lat).buffer(1.0, 48), dlon, dlat), land))
    return out, True


def _land(region):
    lm, polys = _landmass_polygons(str(region.path))
    import shapely

    return shapely.union_all(list(polys.values()))


# --------------------------------------------------------------------------- placement

MODEL_KEYS = {"pmedian": "model_pmedian", "mclp": "model_mclp", "lscp": "model_lscp", "pcenter": "model_pcenter"}


def run_placement(region, sc: Scenario, model: str, *, p: int | None = None, time_min: float | None = None,
                  scope: str = "without_welfare_office", keep_manual: bool = True, method: str = "auto",
                  cache: dict | None = None, extra_candidates=None):
    """Run a placement model on the cached matrix and put its hubs into the scenario.

    Kept as fixed (always open): existing hubs and, if `keep_manual`, hand-placed ones; earlier
    model hubs are replaced. Candidates are the region's sites plus `extra_candidates` (uploaded
    sites: DataFrame with site_id, name, lon, lat). Returns the PlacementResult.
    """
    from models.placement import solve

    sm = site_matrix(region)
    sites = region.sites.reset_index(drop=True)
    keep = [h for h in sc.hubs if h.fixed or h.source == "existing" or (keep_manual and h.source == "manual")]
    fixed_idx, extra = [], []
    for h, j in zip(keep, site_columns(sites, keep)):
        if j is not None:
            fixed_idx.append(j)
        else:
            extra.append(h)
    D = sm.minutes
    ids = [str(x) for x in sites["site_id"]]
    if extra_candidates is not None and len(extra_candidates):
        xc = extra_candidates.reset_index(drop=True)
        xh = [Hub(site_id=str(r["site_id"]), name=str(r["name"]), lon=float(r["lon"]), lat=float(r["lat"]))
              for _, r in xc.iterrows()]
        D = np.hstack([D, hub_matrix(region, xh, cache).minutes])
        ids += [h.site_id for h in xh]
        sites = pd.concat([sites[["site_id", "name", "lon", "lat"]], xc[["site_id", "name", "lon", "lat"]]],
                          ignore_index=True)
    if extra:
        em = hub_matrix(region, extra, cache)
        fixed_idx += list(range(D.shape[1], D.shape[1] + len(extra)))
        D = np.hstack([D, em.minutes])
        ids += [h.site_id for h in extra]
    w, mask = demand_weights(region, scope)
    pid = region.demand["point_id"].to_numpy() if "point_id" in region.demand else np.arange(len(region.demand))
    res = solve(model, D[mask], w[mask], p=p, time=time_min, fixed=fixed_idx, site_ids=ids, demand_ids=pid[mask],
                method=method)
    new = []
    for c in res.new:
        if c < len(sites):
            r = sites.iloc[c]
            new.append(Hub(site_id=str(r["site_id"]), name=str(r["name"]), lon=float(r["lon"]), lat=float(r["lat"]),
                           fixed=False, source="model"))
    sc.hubs = keep + new
    d = res.to_dict()
    d.pop("assignment", None)  # per-point detail is recomputed on load; keeps the file small
    d["scope"] = scope
    sc.placement = d
    sc.demand_scope = scope
    return res


# --------------------------------------------------------------------------- scenario in session


def new_scenario(region, name: str = "新しいシナリオ") -> Scenario:
    """An empty scenario for a region, with existing sites as fixed hubs."""
    sc = Scenario(name=name, region=region.name, pref_code=region.pref_code,
                  settings=region.settings.to_dict())
    ex = region.sites[region.sites["kind"].astype(str) == "existing"]
    for sid, nm, lon, lat in zip(ex["site_id"], ex["name"], ex["lon"], ex["lat"]):
        sc.hubs.append(Hub(site_id=str(sid), name=str(nm), lon=float(lon), lat=float(lat), fixed=True, source="existing"))
    return sc


def scenario(region) -> Scenario:
    """The scenario being edited (per session); a new one when the region changes."""
    sc = st.session_state.get("scenario")
    if sc is None or sc.region != region.name:
        sc = new_scenario(region)
        st.session_state["scenario"] = sc
    return sc


def set_scenario(sc: Scenario) -> None:
    st.session_state["scenario"] = sc


def store(region):
    from geo.scenario_store import ScenarioStore

    return ScenarioStore(region.name)


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


def add_hub(sc: Scenario, lon: float, lat: float, name: str | None = None, region=None) -> Hub:
    """Add a hand-placed hub at (lon, lat), named after its municipality; must lie in the region."""
    _check_point(lon, lat, region)
    k = 1 + sum(1 for h in sc.hubs if h.source == "manual")
    where = muni_name_at(region, lon, lat)
    h = Hub(site_id=_manual_id(sc), name=name or (f"手動拠点{k}（{where}）" if where else f"手動拠点{k}"),
            lon=float(lon), lat=float(lat), fixed=False, source="manual")
    sc.hubs.append(h)
    return h


def move_hub(sc: Scenario, index: int, lon: float, lat: float, region=None) -> Hub:
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
            h.name = f"移動した拠点（{where}）"
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
        raise ParameterError("緯度・経度は数値で入力してください。", "latitude/longitude must be numbers")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ParameterError("緯度・経度の値が範囲外です。", "latitude/longitude out of range")
    if region is not None:
        import shapely

        if not shapely.contains_xy(_land_tolerant(str(region.path)), lon, lat):
            raise ParameterError("地域の外の地点です。地図上の地域内（市町村の境界の内側）をクリックしてください。",
                                 "the point is outside the region; click inside the municipal boundaries on the map")


@st.cache_resource(show_spinner=False, max_entries=8)
def _land_tolerant(path: str):
    """The region's land grown by ~1 km (the boundaries are simplified), prepared for fast tests."""
    import shapely

    g = load_region(path).union_polygon().buffer(0.01)
    shapely.prepare(g)
    return g


def hubs_from_table(df: pd.DataFrame, old: list[Hub], region=None) -> list[Hub]:
    """Hubs from the edited table (name, lat, lon editable; rows added or removed)."""
    out = []
    by_id = {h.site_id: h for h in old}
    for i, row in enumerate(df.to_dict("records")):
        lon, lat = row.get("lon"), row.get("lat")
        if lon is None or lat is None or (isinstance(lon, float) and math.isnan(lon)) or (isinstance(lat, float) and math.isnan(lat)):
            continue  # a half-filled new row: wait until both are entered
        _check_point(lon, lat, region)
        sid = str(row.get("site_id") or "")
        prev = by_id.get(sid)
        if prev is None:
            h = Hub(site_id=sid or f"manual-table-{i}", name=str(row.get("name") or f"手動拠点{i + 1}"), lon=float(lon),
                    lat=float(lat), fixed=False, source="manual")
        else:
            moved = abs(prev.lon - float(lon)) > 1e-9 or abs(prev.lat - float(lat)) > 1e-9
            h = Hub(site_id=prev.site_id, name=str(row.get("name") or prev.name), lon=float(lon), lat=float(lat),
                    fixed=prev.fixed, source=("manual" if moved and prev.source != "existing" else prev.source),
                    capacity=prev.capacity)
        out.append(h)
    return out


def hubs_table(hubs: list[Hub]) -> pd.DataFrame:
    return pd.DataFrame([{"site_id": h.site_id, "name": h.name, "lat": h.lat, "lon": h.lon, "source": h.source,
                          "fixed": h.fixed} for h in hubs],
                        columns=["site_id", "name", "lat", "lon", "source", "fixed"])


# --------------------------------------------------------------------------- uploads


_SAFE = re.compile(r"[^0-9A-Za-z._\-\u3040-\u30ff\u3400-\u9fff]")
UPLOAD_EXTS = {".csv", ".json", ".geojson", ".gpkg", ".zip", ".pbf", ".osm"}


def safe_upload_name(name: str) -> str:
    """A file name with no folders, no leading dots, only safe characters (Japanese kept)."""
    base = unicodedata.normalize("NFKC", Path(str(name)).name)
    base = _SAFE.sub("_", base).lstrip("._") or "upload"
    return base[:100]


def store_upload(region_name: str, name: str, data: bytes, allowed: set[str] = UPLOAD_EXTS,
                 max_mb: float = MAX_UPLOAD_MB) -> Path:
    """Keep an uploaded file under data/uploads/<region>/ with a safe name; size and type checked."""
    import os
    import tempfile

    if len(data) > max_mb * 1024 * 1024:
        raise InputFileError(f"ファイルが大きすぎます（上限 {max_mb:g} MB）。", f"file too large (limit {max_mb:g} MB)", path=name)
    safe = safe_upload_name(name)
    ext = "".join(Path(safe).suffixes[-2:]) if safe.endswith(".osm.pbf") else Path(safe).suffix.lower()
    if ext not in allowed and Path(safe).suffix.lower() not in allowed:
        raise InputFileError(f"この種類のファイルは取り込めません（{', '.join(sorted(allowed))}）。",
                             f"this file type is not accepted ({', '.join(sorted(allowed))})", path=name)
    folder = uploads_dir() / safe_upload_name(region_name)
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / safe
    if dest.resolve().parent != folder.resolve():
        raise InputFileError("ファイル名が不正です。", "invalid file name", path=name)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{safe}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return dest


def import_sites(region, sc: Scenario, filename: str, data: bytes, upload_no: int = 1) -> dict:
    """Store an uploaded sites CSV safely, read it with geo.sites, and use what is usable.

    Existing desks (kind=existing) become fixed hubs of the scenario; candidates are returned
    for the placement models. Rows without coordinates or outside the region are returned in
    `unusable` (shown, not hidden). Raises InputFileError for a bad file.
    """
    from geo.sites import read_sites_csv

    path = store_upload(region.name, filename, data, allowed={".csv"})
    gdf = read_sites_csv(path, region, default_kind="candidate", id_prefix=f"up{upload_no}_")
    ok = gdf["lon"].notna().to_numpy() & gdf["lat"].notna().to_numpy() & gdf["inside_region"].to_numpy(bool)
    good, bad = gdf[ok], gdf[~ok]
    have = {h.site_id for h in sc.hubs}
    n_existing = 0
    for _, r in good[good["kind"] == "existing"].iterrows():
        if str(r["site_id"]) in have:
            continue
        sc.hubs.append(Hub(site_id=str(r["site_id"]), name=str(r["name"]), lon=float(r["lon"]), lat=float(r["lat"]),
                           fixed=True, source="existing"))
        n_existing += 1
    cands = good[good["kind"] != "existing"][["site_id", "name", "lon", "lat", "match_level", "address"]]
    unusable = pd.DataFrame(bad[["name", "address", "lat", "lon", "match_level", "inside_region"]])
    return {"path": path, "existing": n_existing, "candidates": cands.reset_index(drop=True), "unusable": unusable}


# --------------------------------------------------------------------------- outreach and partnership


def outreach_bases(region, sc: Scenario) -> list[str]:
    """Site ids usable as the base of outreach routes: the scenario's hubs standing on a region
    site first, then every other site of the region."""
    ids = [str(x) for x in region.sites["site_id"]]
    on_site = [h.site_id for h in sc.hubs if h.site_id in set(ids)]
    return list(dict.fromkeys(on_site + ids))


def plan_outreach(region, base_site_id: str, **kw) -> dict:
    """Routes and monthly calendar (models.outreach via the outreach command's run_outreach)."""
    from madoguchi.commands.outreach import run_outreach

    return run_outreach(region, base_site_id, **kw)


def route_lines(region, plan: dict) -> list[dict]:
    """Map lines for a plan: base -> stops in visiting order -> base (straight lines between stops)."""
    pos = {str(a): (float(b), float(c)) for a, b, c in zip(region.sites["site_id"], region.sites["lon"], region.sites["lat"])}
    base = pos.get(str(plan.get("base_site_id") or "")) or None
    out = []
    for i, r in enumerate(plan.get("routes", [])):
        pts = [pos[s] for s in r["stops"] if s in pos]
        b = base or plan.get("_base_xy")
        coords = ([b] if b else []) + pts + ([b] if b else [])
        out.append({"name": f"ルート{i + 1}（月{r['frequency']}回）", "coords": coords})
    return out


WEEKDAYS_JA = ["月", "火", "水", "木", "金", "土", "日"]


def calendar_grid(plan: dict, lang_: str = "ja") -> pd.DataFrame | None:
    """Month grid (weeks x Mon–Fri): which routes run each working day; '休' on closed weekdays."""
    import calendar as _cal
    import datetime as dt

    month = plan.get("month")
    if not month:
        return None
    y, m = (int(x) for x in month.split("-"))
    work = set(plan.get("working_days", []))
    cal = plan.get("calendar", {})
    cols = WEEKDAYS_JA[:5] if lang_ != "en" else ["Mon", "Tue", "Wed", "Thu", "Fri"]
    rows = []
    for week in _cal.monthcalendar(y, m):
        row = {}
        for k, col in enumerate(cols):
            d = week[k]
            if d == 0:
                row[col] = ""
                continue
            iso = dt.date(y, m, d).isoformat()
            if iso not in work:
                row[col] = f"{d}日 休" if lang_ != "en" else f"{d} closed"
                continue
            rts = cal.get(iso, [])
            if lang_ != "en":
                row[col] = f"{d}日 " + "、".join(f"ルート{i + 1}" for i in rts)
            else:
                row[col] = f"{d} " + ", ".join(f"route {i + 1}" for i in rts)
        if any(v for v in row.values()):
            rows.append(row)
    return pd.DataFrame(rows, columns=cols)


COST_RULES = {"equal:0.1,population:0.9": ("均等割10%＋人口割90%", "10% equal + 90% by population"),
              "population": ("人口割100%", "100% by population"),
              "equal": ("均等割100%", "100% equal"),
              "equal:0.5,population:0.5": ("均等割50%＋人口割50%", "50% equal + 50% by population")}


def plan_partnership(region, **kw) -> dict:
    """Groups, hosts and cost shares (models.partnership / models.costshare via run_partner)."""
    from madoguchi.commands.partner import run_partner

    return run_partner(region, **kw)


def import_links(region, filename: str, data: bytes) -> tuple[Path, int]:
    """Store and validate an uploaded links CSV (from_lat,from_lon,to_lat,to_lon,minutes[,name]);
    from then on this session's travel times use it. Returns (stored path, number of links)."""
    from geo.links import read_links

    path = store_upload(region.name, filename, data, allowed={".csv"})
    links = read_links(path)
    st.session_state.setdefault("_links", {})[region.name] = str(path)
    return path, len(links)


def clear_links(region) -> None:
    (st.session_state.get("_links") or {}).pop(region.name, None)


# --------------------------------------------------------------------------- page frame


def online_basemap() -> bool:
    """True if the basemap toggle is on and the tile host answers (checked once per process)."""
    from madoguchi.maps import check_online

    return bool(st.session_state.get("_basemap", False)) and check_online()


def sidebar(region=None) -> None:
    """Language, region choice, basemap toggle and the current scenario, on every page."""
    from madoguchi.maps import check_online

    # Choices that must survive page changes are kept in our own keys (_lang, _region_path,
    # _basemap): Streamlit forgets a widget's value when its page or label changes.
    langs = list(LANG_OPTIONS)
    cur_lang = st.session_state.get("_lang", "日本語")
    st.session_state["_lang"] = st.sidebar.radio("言語 / Language", langs, index=langs.index(cur_lang),
                                                 key="lang_choice", horizontal=True)
    L = lang()
    _nav_links(L)
    regions = available_regions()
    if regions:
        paths = [r["path"] for r in regions]
        labels = {r["path"]: f"{r.get('pref_name') or ''} ({r['name']})" for r in regions}
        cur = st.session_state.get("_region_path")
        if cur not in paths:
            cur = next((r["path"] for r in regions if r.get("pref_code") == DEFAULT_PREF), paths[0])
        st.session_state["_region_path"] = st.sidebar.selectbox(
            t("region", L), paths, index=paths.index(cur), format_func=lambda p: labels.get(p, p), key=wkey("region_pick"))
    online = check_online()
    if "_basemap" not in st.session_state:
        st.session_state["_basemap"] = online
    st.session_state["_basemap"] = st.sidebar.toggle(t("basemap_toggle", L), value=st.session_state["_basemap"],
                                                     key=wkey("basemap_on"))
    if not online:
        st.sidebar.caption(t("basemap_offline", L))
    sc = st.session_state.get("scenario")
    if sc is not None and region is not None and sc.region == region.name:
        st.sidebar.markdown(f"**{t('scenario', L)}:** {sc.name}  \n{t('hubs', L)}: {len(sc.hubs)}")


def _nav_links(L: str) -> None:
    """Links to every page with Japanese (or English) labels."""
    from streamlit.errors import StreamlitAPIException

    with st.sidebar:
        try:
            st.page_link("app.py", label="ホーム" if L != "en" else "Home", icon=":material/home:")
            for f, _u, key, icon in PAGES:
                st.page_link(f, label=t(key, L), icon=icon)
        except (StreamlitAPIException, KeyError):
            pass  # a page run on its own (tests): no navigation to draw
        st.divider()


def page(title_key: str, body, *, needs_region: bool = True) -> None:
    """Common frame: sidebar, title, region loading, and errors shown in Japanese."""
    try:
        st.set_page_config(page_title="窓口 Madoguchi", page_icon="🏢", layout="wide")
    except Exception:
        pass

    def _run():
        t0 = time.perf_counter()
        region = current_region() if needs_region else None
        sidebar(region)
        st.title(t(title_key, lang()))
        body(region) if needs_region else body()
        ms = (time.perf_counter() - t0) * 1000
        st.session_state["_last_run_ms"] = ms
        st.caption(t("page_run_time", lang(), ms=f"{ms:,.0f}"))

    guarded(_run)
