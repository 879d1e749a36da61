"""Per-region travel-time provider: the ONE travel-time cache design of Madoguchi.

Design
------
* A process-wide registry maps (bundle fingerprint, links fingerprint) -> one
  :class:`TravelTimeProvider`. The bundle fingerprint is the bundle folder, its manifest's build
  stamp, its road graph fingerprint, the speed settings and the number of demand points, so a
  rebuilt bundle or a changed speed table gets a new provider; a new links file (ferries) too.
  The registry keeps the last :data:`MAX_PROVIDERS` (least recently used dropped).
* A provider owns the engine (road graph + settings + landmasses + links), the demand points as
  engine origins, the demand x region-sites matrix, a memo of single columns (moved/added hubs)
  and a memo of per-hub isochrones. Whole matrices go through geo's disk cache
  (``<bundle>/cache/traveltime/``, one column per site coordinate), so a second process reads them
  from disk instead of computing.
* The CLI, the app and the reports all call :func:`provider_for`. The app only wraps it in
  ``st.cache_resource`` (keyed the same way) so a Streamlit rerun finds it; nothing reads the
  engine's private state.

Units: minutes (float64, ``inf`` = unreachable); method codes uint8 (0 road, 1 estimate, 2 link).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_PROVIDERS = 8
MAX_COLUMNS = 1024  # memoised single columns per provider (n demand points x 9 bytes each)

_REGISTRY: OrderedDict[tuple[str, str], TravelTimeProvider] = OrderedDict()
_LOCK = threading.RLock()


@dataclass
class HubMatrix:
    """Demand x hubs.

    Attributes
    ----------
    minutes : ndarray of float64, shape (n, k)
        inf = unreachable.
    method : ndarray of uint8, shape (n, k)
        0 road, 1 estimate, 2 includes a user link.
    origin_on_network : ndarray of bool, shape (n,)
    dest_on_network : ndarray of bool, shape (k,)
    has_roads : bool
        The region has a road graph.
    """

    minutes: np.ndarray
    method: np.ndarray
    origin_on_network: np.ndarray | None = None
    dest_on_network: np.ndarray | None = None
    has_roads: bool = False

    def method_name(self) -> str:
        """'road' (every pair by road), 'estimate' (none) or 'mixed' (same rule as TravelMatrix.method_name)."""
        if not self.has_roads or self.origin_on_network is None or self.dest_on_network is None:
            return "estimate"
        rp = self.origin_on_network[:, None] & self.dest_on_network[None, :]
        if rp.size == 0:
            return "road" if self.origin_on_network.all() else "estimate"
        return "road" if rp.all() else "estimate" if not rp.any() else "mixed"

    def nearest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hub index or -1 if unreachable, minutes or inf, method code of that time) per demand point."""
        n, k = self.minutes.shape
        if k == 0:
            return np.full(n, -1), np.full(n, np.inf), np.ones(n, np.uint8)
        j = np.argmin(self.minutes, axis=1)
        t = self.minutes[np.arange(n), j]
        m = self.method[np.arange(n), j]
        return np.where(np.isfinite(t), j, -1), t, m


def _checked(sites):
    """Sites with coordinates (ParameterError naming those without)."""
    from core.errors import ParameterError

    bad = sites["lon"].isna() | sites["lat"].isna()
    if bad.any():
        names = "、".join(sites.loc[bad, "name"].astype(str).tolist()[:5]) if "name" in sites else ""
        raise ParameterError(
            f"座標のない拠点は所要時間を計算できません: {names}",
            f"sites without coordinates cannot get travel times: {names}",
        )
    return sites


def bundle_fingerprint(region) -> str:
    """Stable hash of what travel times depend on in a bundle (see module docstring)."""
    from geo.traveltime import settings_subset

    manifest = getattr(region, "manifest", None) or {}
    parts = [
        str(Path(getattr(region, "path", "")).resolve()) if getattr(region, "path", None) else "",
        str(manifest.get("built")),
        str(manifest.get("pref_code")),
        str(len(region.demand)),
        region.roads.fingerprint() if region.roads is not None else "no-roads",
        json.dumps(settings_subset(region.settings), sort_keys=True),
    ]
    return hashlib.sha1("|".join(parts).encode()).hexdigest()[:16]


def provider_for(region, links=None, *, register: bool = True) -> TravelTimeProvider:
    """The travel-time provider of a region and links file (created once per process).

    Parameters
    ----------
    region : geo.region.Region
    links : str, Path, geo.links.Links or None
        Ferry/bridge links CSV (``from_lat,from_lon,to_lat,to_lon,minutes[,name]``).
    register : bool
        False: a fresh provider that is not kept in the process registry (a throw-away bundle,
        e.g. the national run's temporary prefecture bundles, would otherwise stay in memory).

    Returns
    -------
    TravelTimeProvider
    """
    from geo.links import as_links

    lk = as_links(links)
    key = (bundle_fingerprint(region), lk.fingerprint())
    if not register:
        return TravelTimeProvider(region, lk, key)
    with _LOCK:
        prov = _REGISTRY.get(key)
        if prov is None:
            prov = TravelTimeProvider(region, lk, key)
            _REGISTRY[key] = prov
            while len(_REGISTRY) > MAX_PROVIDERS:
                _REGISTRY.popitem(last=False)
        else:
            _REGISTRY.move_to_end(key)
        return prov


def clear_providers() -> None:
    """Forget every provider (the disk cache stays)."""
    with _LOCK:
        _REGISTRY.clear()


class TravelTimeProvider:
    """Travel times of one region (with one links file). Build with :func:`provider_for`."""

    def __init__(self, region, links, key: tuple[str, str]):
        from geo.islands import region_landmasses
        from geo.traveltime import TravelTimeEngine

        self.region = region
        self.links = links
        self.key = key
        self.engine = TravelTimeEngine(region.roads, region.settings, landmasses=region_landmasses(region), links=links)
        d = region.demand
        self.origins = self.engine.points(
            d["lon"].to_numpy(float), d["lat"].to_numpy(float), d["muni_code"].astype(str).tolist()
        )
        self._site_matrix = None
        self._columns: OrderedDict = OrderedDict()
        self._iso: dict = {}
        self._land = None
        self._lock = threading.RLock()

    # -- matrices ------------------------------------------------------------------------------
    def _cache_dir(self):
        p = getattr(self.region, "path", None)
        return Path(p) / "cache" / "traveltime" if p else None

    def matrix(self, sites, *, cutoff_min: float | None = None, use_cache: bool = True):
        """Demand points x `sites` (DataFrame with lon, lat, optional muni_code, site_id).

        Parameters
        ----------
        sites : DataFrame
        cutoff_min : float, optional
            Minutes beyond which a time is reported as inf (faster on large graphs).
        use_cache : bool
            Read/write the bundle's disk cache (False: compute everything now).

        Returns
        -------
        geo.traveltime.TravelMatrix
            Rows = all demand points of the region; disk-cached per site column.
        """
        from core.errors import ParameterError
        from geo.matrix_cache import cached_matrix

        if sites is None or len(sites) == 0:
            raise ParameterError("拠点がありません。", "no sites")
        sf = _checked(sites)
        codes = sf["muni_code"].astype(str).tolist() if "muni_code" in sf else None
        dests = self.engine.points(sf["lon"].to_numpy(float), sf["lat"].to_numpy(float), codes)
        tm = cached_matrix(
            self.engine,
            self.origins,
            dests,
            self._cache_dir() if use_cache else None,
            cutoff_min=cutoff_min,
            kind="demand",
        )
        tm.meta["demand_points"] = len(self.region.demand)
        tm.meta["site_ids"] = [str(x) for x in sf["site_id"]] if "site_id" in sf else None
        return tm

    def site_matrix(self):
        """Demand points x `region.sites` (every site of the bundle), computed once per provider."""
        with self._lock:
            if self._site_matrix is None:
                self._site_matrix = self.matrix(self.region.sites)
            return self._site_matrix

    def between_sites(self, sites):
        """Site x site minutes (rows from, columns to), e.g. for outreach routes; disk-cached."""
        from geo.matrix_cache import cached_matrix

        sf = _checked(sites)
        codes = sf["muni_code"].astype(str).tolist() if "muni_code" in sf else None
        pts = self.engine.points(sf["lon"].to_numpy(float), sf["lat"].to_numpy(float), codes)
        tm = cached_matrix(self.engine, pts, pts, self._cache_dir(), kind="site")
        tm.meta["site_ids"] = [str(x) for x in sf["site_id"]] if "site_id" in sf else None
        return tm

    def _columns_for(self, points: list[tuple[float, float]]) -> list[tuple[np.ndarray, np.ndarray, bool]]:
        """(minutes, method, dest_on_network) per (lon, lat): memo, else one disk-cached batch."""
        keys = [(round(float(lo), 7), round(float(la), 7)) for lo, la in points]
        with self._lock:
            todo = sorted({k for k in keys if k not in self._columns})
        if todo:
            import pandas as pd

            frame = pd.DataFrame(
                {
                    "site_id": [f"pt{i}" for i in range(len(todo))],
                    "lon": [k[0] for k in todo],
                    "lat": [k[1] for k in todo],
                }
            )
            tm = self.matrix(frame)
            with self._lock:
                for i, k in enumerate(todo):
                    self._columns[k] = (
                        np.asarray(tm.minutes[:, i], float).copy(),
                        np.asarray(tm.method[:, i], np.uint8).copy(),
                        bool(tm.dest_on_network[i]),
                    )
                while len(self._columns) > MAX_COLUMNS:
                    self._columns.popitem(last=False)
        with self._lock:
            out = []
            for k in keys:
                hit = self._columns.get(k)
                if hit is None:  # evicted by a concurrent caller: compute alone
                    return self._columns_for(points)
                self._columns.move_to_end(k)
                out.append(hit)
            return out

    def column(self, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray]:
        """Minutes and method from every demand point to one point (a moved or added hub).

        Memoised per position (1e-7 degrees) and disk-cached like any site column.

        Returns
        -------
        minutes : ndarray of float64, shape (n_demand,)
        method : ndarray of uint8, shape (n_demand,)
        """
        m, meth, _on = self._columns_for([(lon, lat)])[0]
        return m, meth

    def hub_matrix(self, hubs) -> HubMatrix:
        """Demand x hubs: a hub standing on a region site reuses that site's column, any other
        hub (moved, added by hand, from a CSV) gets :meth:`column`."""
        from madoguchi.planning.sites import site_columns

        n = len(self.region.demand)
        has_roads = self.engine.roads is not None
        o_net = np.asarray(self.origins.on_network, bool)
        if not hubs:
            return HubMatrix(np.zeros((n, 0)), np.zeros((n, 0), np.uint8), o_net, np.zeros(0, bool), has_roads)
        cols_idx = site_columns(self.region.sites, hubs)
        off = [(h.lon, h.lat) for h, j in zip(hubs, cols_idx) if j is None]
        off_cols = iter(self._columns_for(off)) if off else iter(())
        sm = self.site_matrix() if any(j is not None for j in cols_idx) else None
        cols, meths, d_net = [], [], []
        for j in cols_idx:
            if j is not None:
                c, m, on = sm.minutes[:, j], sm.method[:, j], bool(sm.dest_on_network[j])
            else:
                c, m, on = next(off_cols)
            cols.append(c)
            meths.append(m)
            d_net.append(on)
        return HubMatrix(
            np.column_stack(cols).astype(float),
            np.column_stack(meths).astype(np.uint8),
            o_net,
            np.array(d_net, bool),
            has_roads,
        )

    # -- isochrones ----------------------------------------------------------------------------
    def land(self):
        """Union of the region's landmasses (isochrones are clipped to it)."""
        with self._lock:
            if self._land is None:
                import shapely

                from geo.islands import region_landmasses

                lm = region_landmasses(self.region)
                self._land = shapely.union_all(list(lm.geoms))
            return self._land

    def hub_isochrones(self, lon: float, lat: float, thresholds) -> tuple[list, bool]:
        """Reach areas of one point per threshold (geo.isochrones), memoised per position and threshold.

        Returns
        -------
        geoms : list of shapely geometry
            One per threshold (in the order given), EPSG:4326.
        estimate : bool
            True if drawn from the estimate rule (the point is off the road network).
        """
        from geo.isochrones import isochrones as _iso

        pos = (round(float(lon), 7), round(float(lat), 7))
        ths = [float(t) for t in thresholds]
        todo = [t for t in ths if (pos, t) not in self._iso]
        if todo:
            gdf = _iso(self.engine, float(lon), float(lat), todo, clip=self.land())
            est = bool((gdf["method"] != "road").any())
            for t, g in zip(gdf["minutes"].astype(float), gdf.geometry):
                self._iso[(pos, float(t))] = (g, est)
        got = [self._iso[(pos, t)] for t in ths]
        return [g for g, _ in got], any(e for _, e in got)


def matrix(region, sites, links=None):
    """Demand points x `sites` of a region: ``provider_for(region, links).matrix(sites)``."""
    return provider_for(region, links).matrix(sites)
