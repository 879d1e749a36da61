"""Travel minutes from every demand point to every site: road where there are roads,
a labelled estimate (推定) where there are none, `inf` where nothing connects.

How a pair's time is decided (method codes in `TravelMatrix.method`):
- 0 road: both ends within `snap_threshold_m` of a usable road node. Time = access drive from
  the origin to its node (snap metres / `access_speed_kmh`) + shortest road time (scipy
  csgraph Dijkstra from each site on the reversed graph, so one-way streets are respected)
  + access from the site's node to the site. Different road components -> inf.
- 1 estimate (推定): either end off the network (or no road data at all). Time = great-circle
  metres x `circuity` / `estimate_speed_kmh`, only within one landmass (geo.islands);
  across water -> inf unless a link joins the landmasses. A pair with one end on the network
  and the other off it is a whole-pair estimate: mixing a partial road time with a guess
  would hide which part is known.
- 2 link: the best time uses a user ferry/bridge link (geo.links); crossing minutes included.
  A link end within the snap threshold of a road joins the road graph (edges both ways);
  every link also joins landmasses for estimate pairs.
With `cutoff_min`, pairs slower than the cutoff are inf as well (stated in `meta`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from core.geodesy import haversine_m
from geo.links import Links, as_links
from geo.matrix_cache import cached_matrix
from geo.roads import RoadGraph
from geo.settings import Settings
from geo.snap import Snapper

METHOD_ROAD = 0
METHOD_ESTIMATE = 1
METHOD_LINK = 2
METHOD_NAMES = {METHOD_ROAD: "road", METHOD_ESTIMATE: "estimate", METHOD_LINK: "link"}
METHOD_LABELS_JA = {METHOD_ROAD: "道路", METHOD_ESTIMATE: "推定", METHOD_LINK: "連絡路経由"}
ENGINE_VERSION = "1"
# Settings that change a travel time (the cache key uses exactly these).
TIME_SETTINGS = (
    "speeds_kmh",
    "fallback_speed_kmh",
    "maxspeed_factor",
    "circuity",
    "estimate_speed_kmh",
    "access_speed_kmh",
    "snap_threshold_m",
)
_DIJKSTRA_CELLS = 20_000_000  # sources x nodes per Dijkstra call (~160 MB of float64)


def settings_subset(settings: Settings) -> dict:
    """The settings that change a travel time (exactly what the cache key uses).

    Parameters
    ----------
    settings : Settings
        Region settings.

    Returns
    -------
    dict
        ``TIME_SETTINGS`` names -> values (speeds in km/h, metres, ratios).
    """
    d = settings.to_dict()
    return {k: d[k] for k in TIME_SETTINGS}


def estimate_minutes(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike, settings: Settings
) -> np.ndarray:
    """Straight-line estimate (推定): great-circle metres x circuity / estimate speed.

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Degrees (broadcasting).
    settings : Settings
        Gives ``circuity`` (ratio) and ``estimate_speed_kmh`` (km/h).

    Returns
    -------
    numpy.ndarray
        Minutes.
    """
    d = haversine_m(lon1, lat1, lon2, lat2)
    return d * settings.circuity / (settings.estimate_speed_kmh * 1000.0 / 60.0)


@dataclass
class Points:
    """Points prepared for the engine: snapped to the road graph and given a landmass."""

    lon: np.ndarray
    lat: np.ndarray
    landmass: np.ndarray  # int64 (0 when no boundaries are known)
    node: np.ndarray  # int64 road node (-1: no graph)
    snap_m: np.ndarray  # float64 metres to that node (inf: no graph)
    on_network: np.ndarray  # bool

    def __len__(self) -> int:
        return int(self.lon.size)

    def fingerprint(self) -> str:
        """Hash of the coordinates and landmasses (16 hex characters), for cache keys."""
        h = hashlib.sha256()
        for a in (self.lon, self.lat, self.landmass):
            h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()[:16]


@dataclass
class TravelMatrix:
    """Minutes from origins (rows, demand points) to destinations (columns, sites).

    `minutes` inf = unreachable (or beyond the cutoff); `method` 0 road / 1 estimate / 2 link.
    """

    minutes: np.ndarray
    method: np.ndarray
    origin_snap_m: np.ndarray
    dest_snap_m: np.ndarray
    origin_on_network: np.ndarray
    dest_on_network: np.ndarray
    origin_landmass: np.ndarray
    dest_landmass: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """(origins, destinations)."""
        return self.minutes.shape

    def nearest(self) -> tuple[np.ndarray, np.ndarray]:
        """Nearest destination per origin.

        Returns
        -------
        column : numpy.ndarray
            (n,) column index, -1 when nothing is reachable.
        minutes : numpy.ndarray
            (n,) minutes to it, ``inf`` when nothing is reachable.
        """
        if self.minutes.shape[1] == 0:
            n = self.minutes.shape[0]
            return np.full(n, -1), np.full(n, np.inf)
        j = np.argmin(self.minutes, axis=1)
        t = self.minutes[np.arange(self.minutes.shape[0]), j]
        return np.where(np.isfinite(t), j, -1), t

    def columns(self, idx: ArrayLike) -> TravelMatrix:
        """A matrix with only the destination columns `idx` (in that order).

        Parameters
        ----------
        idx : array_like of int
            Column indices.

        Returns
        -------
        TravelMatrix
        """
        idx = np.asarray(idx, dtype=np.int64)
        return TravelMatrix(
            self.minutes[:, idx],
            self.method[:, idx],
            self.origin_snap_m,
            self.dest_snap_m[idx],
            self.origin_on_network,
            self.dest_on_network[idx],
            self.origin_landmass,
            self.dest_landmass[idx],
            dict(self.meta),
        )

    def road_pairs(self) -> np.ndarray:
        """Pairs whose both ends are on the road network (their time is a road time).

        Returns
        -------
        numpy.ndarray
            (n, m) bool; all False without road data.
        """
        if not self.meta.get("road_source"):
            return np.zeros(self.minutes.shape, dtype=bool)
        return self.origin_on_network[:, None] & self.dest_on_network[None, :]

    def method_name(self) -> str:
        """How these times were made, for every output's method label.

        Returns
        -------
        str
            'road' (every pair by road), 'estimate' (none), or 'mixed'.
        """
        rp = self.road_pairs()
        if rp.size == 0:
            return "road" if self.meta.get("road_source") and self.origin_on_network.all() else "estimate"
        if rp.all():
            return "road"
        if not rp.any():
            return "estimate"
        return "mixed"

    def arrays(self) -> dict:
        """The array fields by name (what `save` writes)."""
        return {
            k: getattr(self, k)
            for k in (
                "minutes",
                "method",
                "origin_snap_m",
                "dest_snap_m",
                "origin_on_network",
                "dest_on_network",
                "origin_landmass",
                "dest_landmass",
            )
        }

    def save(
        self,
        path: str | Path,
        row_ids: ArrayLike | None = None,
        col_ids: ArrayLike | None = None,
        *,
        replace_policy: str = "any",
    ) -> Path:
        """Write the matrix atomically.

        Parameters
        ----------
        path : str or Path
            ``.npz`` (all arrays + meta JSON) or ``.parquet`` (long table: origin, dest, minutes,
            method); minutes ``inf`` = unreachable.
        row_ids, col_ids : array_like, optional
            Ids of the origins / destinations (default: their indices).
        replace_policy : str
            geo.atomic policy: ``"madoguchi"`` for a user-named output (never replaces a file
            Madoguchi did not write), ``"any"`` for internal files.

        Returns
        -------
        Path
            The file written.
        """
        import os
        import tempfile

        from geo.atomic import check_replace, replace_file

        path = Path(path)
        check_replace(path, replace_policy)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        except OSError as e:
            from core.errors import MadoguchiError

            raise MadoguchiError(
                f"出力先に書き込めません（{e.strerror}）", f"cannot write the output ({e.strerror})", path=str(path)
            ) from None
        os.close(fd)
        try:
            if path.suffix.lower() == ".parquet":
                import pandas as pd

                n, m = self.shape
                rows = np.asarray(row_ids) if row_ids is not None else np.arange(n)
                cols = np.asarray(col_ids) if col_ids is not None else np.arange(m)
                df = pd.DataFrame(
                    {
                        "origin": np.repeat(rows, m),
                        "dest": np.tile(cols, n),
                        "minutes": self.minutes.ravel(),
                        "method": self.method.ravel(),
                        "method_name": np.array([METHOD_NAMES[k] for k in range(3)])[self.method.ravel()],
                    }
                )
                df.attrs = {}
                df.to_parquet(tmp, index=False)
            else:
                extra: dict[str, Any] = {}
                if row_ids is not None:
                    extra["origin_ids"] = np.asarray(row_ids).astype(str)
                if col_ids is not None:
                    extra["dest_ids"] = np.asarray(col_ids).astype(str)
                with open(tmp, "wb") as f:
                    payload: dict[str, Any] = {
                        "meta": np.array(json.dumps(self.meta, ensure_ascii=False, default=str)),
                        **self.arrays(),
                        **extra,
                    }
                    np.savez(f, **payload)
            replace_file(tmp, path, replace_policy=replace_policy)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TravelMatrix:
        """Read a matrix written by :meth:`save` (``.npz``).

        Parameters
        ----------
        path : str or Path
            The file.

        Returns
        -------
        TravelMatrix

        Raises
        ------
        InputFileError
            When the file cannot be read.
        """
        from core.errors import InputFileError

        try:
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, ValueError) as e:
            raise InputFileError(
                f"所要時間行列を読めません ({e})", f"cannot read travel matrix ({e})", path=path
            ) from e
        meta = json.loads(str(arrays.pop("meta"))) if "meta" in arrays else {}
        arrays.pop("origin_ids", None)
        arrays.pop("dest_ids", None)
        return cls(meta=meta, **arrays)


class TravelTimeEngine:
    """Road graph + settings + landmasses + links, ready to answer many-to-many questions."""

    #: the result type, also used by `geo.matrix_cache` to assemble cached columns
    matrix_type = TravelMatrix

    def __init__(
        self,
        roads: RoadGraph | None,
        settings: Settings | None = None,
        *,
        landmasses: Any = None,
        links: Any = None,
        snap_nodes: np.ndarray | None = None,
    ):
        """Build the engine.

        Parameters
        ----------
        roads : RoadGraph or None
            Drivable graph (lengths in metres); None = estimates only.
        settings : Settings, optional
            Speeds (km/h), circuity, snap threshold (metres), ...; validated.
        landmasses : Landmasses, optional
            Islands: no estimate crosses between landmasses except by a link.
        links : Links or path, optional
            Ferry / bridge links (minutes).
        snap_nodes : numpy.ndarray, optional
            Bool mask of nodes points may snap to (default :func:`geo.snap.usable_nodes`).
        """
        self._snap_nodes = snap_nodes
        self.roads = roads if (roads is not None and roads.n_edges > 0) else None
        self.settings = (settings or Settings()).validate()
        self.landmasses = landmasses
        self.links: Links = as_links(links)
        self.graph = None  # CSR seconds, origin -> dest
        self.graph_t = None  # transposed: Dijkstra from a site gives times *to* the site
        self.graph_link_t = None  # transposed, with link edges (None if no link touches the roads)
        self.snapper = None
        self._origins: Points | None = None
        if self.roads is not None:
            self._build_graph()
        self._build_portals()

    # ---- construction ----------------------------------------------------------------
    @staticmethod
    def _csr(u, v, w, n):
        """CSR (rows u, columns v) keeping the minimum weight over parallel edges, built directly."""
        from scipy.sparse import csr_matrix

        u = np.asarray(u, dtype=np.int64)
        v = np.asarray(v, dtype=np.int64)
        key = u * n + v
        order = np.lexsort((w, key))
        key, w = key[order], np.asarray(w, dtype=float)[order]
        first = np.r_[True, key[1:] != key[:-1]]
        key, w = key[first], w[first]
        # csgraph ignores explicit zeros in sparse input: keep a tiny positive weight
        w = np.maximum(w, 1e-9)
        rows = key // n
        indptr = np.searchsorted(rows, np.arange(n + 1)).astype(np.int64)
        return csr_matrix((w, (key % n).astype(np.int32), indptr), shape=(n, n))

    def _build_graph(self):
        r = self.roads
        tt = r.travel_time_s(self.settings)
        n = r.n_nodes
        u = r.u.astype(np.int64)
        v = r.v.astype(np.int64)
        self.graph = self._csr(u, v, tt, n)
        self.graph_t = self._csr(v, u, tt, n)
        self.snapper = Snapper(r, usable=self._snap_nodes)
        self.link_nodes = np.zeros((0, 2), dtype=np.int64)
        if len(self.links):
            a = self.links.arrays()
            fs = self.snapper.snap(a["from_lon"], a["from_lat"], self.settings.snap_threshold_m)
            ts = self.snapper.snap(a["to_lon"], a["to_lat"], self.settings.snap_threshold_m)
            ok = fs.on_network & ts.on_network
            if ok.any():
                acc = self.settings.access_speed_kmh * 1000.0 / 3600.0
                secs = a["minutes"][ok] * 60.0 + (fs.distance_m[ok] + ts.distance_m[ok]) / acc
                lu = np.r_[fs.node[ok], ts.node[ok]]
                lv = np.r_[ts.node[ok], fs.node[ok]]
                self.graph_link_t = self._csr(np.r_[v, lv], np.r_[u, lu], np.r_[tt, secs, secs], n)
                self.link_nodes = np.column_stack([fs.node[ok], ts.node[ok]])

    def _build_portals(self):
        """Link ends as portals between landmasses for estimate pairs (all-pairs over portals).

        Coincident link ends on one landmass are merged, so P = distinct link ends (<= 2 x links).
        Memory O(P^2); time O(P^3) in compiled Floyd-Warshall (scipy), about 0.7 s for P = 1,000.
        """
        s = self.settings
        k = len(self.links)
        if k == 0:
            self.portal_lon = self.portal_lat = np.zeros(0)
            self.portal_lm = np.zeros(0, dtype=np.int64)
            self.portal_dist = np.zeros((0, 0))
            return
        from scipy.sparse.csgraph import shortest_path

        a = self.links.arrays()
        lon2 = np.r_[a["from_lon"], a["to_lon"]]
        lat2 = np.r_[a["from_lat"], a["to_lat"]]
        lm2 = self._landmass_of(lon2, lat2)
        keys = np.column_stack([np.round(lon2 * 1e7), np.round(lat2 * 1e7), lm2])
        _, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inv = inv.ravel()
        plon, plat, plm = lon2[first], lat2[first], lm2[first]
        P = plon.size
        same = plm[:, None] == plm[None, :]
        d = np.where(same, estimate_minutes(plon[:, None], plat[:, None], plon[None, :], plat[None, :], s), np.inf)
        fi, ti = inv[:k], inv[k:]
        np.minimum.at(d, (fi, ti), a["minutes"])
        np.minimum.at(d, (ti, fi), a["minutes"])
        # csgraph reads 0 as "no edge": a zero-minute hop becomes 1e-9 min
        np.fill_diagonal(d, 0.0)
        off = ~np.eye(P, dtype=bool)
        d[off & (d <= 0)] = 1e-9
        d = shortest_path(d, method="FW", directed=True)
        np.fill_diagonal(d, 0.0)
        self.portal_lon, self.portal_lat, self.portal_lm, self.portal_dist = plon, plat, plm, d

    def _landmass_of(self, lon, lat, codes=None) -> np.ndarray:
        if self.landmasses is None:
            return np.zeros(np.atleast_1d(lon).size, dtype=np.int64)
        return self.landmasses.of(lon, lat, codes)

    # ---- points ----------------------------------------------------------------------
    def points(self, lon: ArrayLike, lat: ArrayLike, muni_codes: ArrayLike | None = None) -> Points:
        """Snap points to the road graph and find their landmass.

        Parameters
        ----------
        lon, lat : array_like
            Degrees.
        muni_codes : array_like, optional
            Municipality codes; the landmass is taken from the code where given, else from the location.

        Returns
        -------
        Points
            With snap distance in metres and an on-network flag.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon.size and not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
            from core.errors import ParameterError

            raise ParameterError("座標に欠損 (NaN) があります。", "coordinates contain NaN")
        lm = self._landmass_of(lon, lat, muni_codes)
        if self.snapper is None:
            n = lon.size
            return Points(lon, lat, lm, np.full(n, -1, dtype=np.int64), np.full(n, np.inf), np.zeros(n, dtype=bool))
        sr = self.snapper.snap(lon, lat, self.settings.snap_threshold_m)
        return Points(lon, lat, lm, sr.node, sr.distance_m, sr.on_network)

    # ---- computation ------------------------------------------------------------------
    def _road_seconds(self, graph_t, origins: Points, dests: Points, limit_s: float) -> np.ndarray:
        """(n, m) road seconds node-to-node (inf where no path within the limit).

        One Dijkstra per distinct site node on the reversed graph (scipy csgraph, compiled),
        in chunks that bound memory; large jobs are split over worker processes (see
        `_workers`), because scipy holds the GIL.
        """
        n, m = len(origins), len(dests)
        out = np.full((n, m), np.inf)
        d_on = np.flatnonzero(dests.on_network)
        o_on = np.flatnonzero(origins.on_network)
        if d_on.size == 0 or o_on.size == 0:
            return out
        uniq, inv = np.unique(dests.node[d_on], return_inverse=True)
        o_nodes = origins.node[o_on]
        sub = _dijkstra_rows(graph_t, uniq, o_nodes, limit_s, _workers(uniq.size, graph_t.shape[0]))  # (k, n_on)
        out[np.ix_(o_on, d_on)] = sub[inv].T
        return out

    def _estimate(self, origins: Points, dests: Points) -> tuple[np.ndarray, np.ndarray]:
        """(minutes, via_link) for every pair by the estimate, landmasses and portals."""
        s = self.settings
        est = estimate_minutes(origins.lon[:, None], origins.lat[:, None], dests.lon[None, :], dests.lat[None, :], s)
        same = origins.landmass[:, None] == dests.landmass[None, :]
        direct = np.where(same, est, np.inf)
        if self.portal_dist.size == 0:
            return direct, np.zeros(direct.shape, dtype=bool)
        # origin -> portal p (same landmass) -> ... -> portal q -> destination (same landmass).
        # Through the destinations first: E[p, d] = min_q D[p, q] + est(q, d)  (P x m), then
        # via[o, d] = min_p est(o, p) + E[p, d]; memory O(P^2 + P m + n m), never n x P x P.
        P = self.portal_lon.size
        qd = estimate_minutes(
            self.portal_lon[:, None], self.portal_lat[:, None], dests.lon[None, :], dests.lat[None, :], s
        )
        qd = np.where(self.portal_lm[:, None] == dests.landmass[None, :], qd, np.inf)
        E = np.full((P, len(dests)), np.inf)
        for q in np.flatnonzero(np.isfinite(qd).any(axis=1)):
            np.minimum(E, self.portal_dist[:, q : q + 1] + qd[q : q + 1, :], out=E)
        op = estimate_minutes(
            origins.lon[:, None], origins.lat[:, None], self.portal_lon[None, :], self.portal_lat[None, :], s
        )
        op = np.where(origins.landmass[:, None] == self.portal_lm[None, :], op, np.inf)
        via = np.full(direct.shape, np.inf)
        for p in np.flatnonzero(np.isfinite(E).any(axis=1) & np.isfinite(op).any(axis=0)):
            np.minimum(via, op[:, p : p + 1] + E[p : p + 1, :], out=via)
        use = via < direct - 1e-9
        return np.where(use, via, direct), use

    def matrix(self, origins: Points, dests: Points, cutoff_min: float | None = None) -> TravelMatrix:
        """Minutes from each origin to each destination (see the module docstring).

        Parameters
        ----------
        origins, dests : Points
            From :meth:`points`.
        cutoff_min : float, optional
            Minutes; longer times become ``inf``.

        Returns
        -------
        TravelMatrix
            Minutes (``inf`` = unreachable) and method codes (0 road, 1 estimate, 2 link).
        """
        s = self.settings
        n, m = len(origins), len(dests)
        all_road = self.roads is not None and origins.on_network.all() and dests.on_network.all()
        if all_road:
            minutes, method = np.full((n, m), np.inf), np.full((n, m), METHOD_ROAD, dtype=np.uint8)
        else:
            minutes, via = self._estimate(origins, dests)
            method = np.where(via, METHOD_LINK, METHOD_ESTIMATE).astype(np.uint8)
        if self.roads is not None and n and m:
            limit = np.inf if cutoff_min is None else cutoff_min * 60.0
            acc = s.access_speed_kmh * 1000.0 / 60.0  # metres per minute
            road_pair = origins.on_network[:, None] & dests.on_network[None, :]
            access = (
                np.where(origins.on_network, origins.snap_m, 0)[:, None] / acc
                + np.where(dests.on_network, dests.snap_m, 0)[None, :] / acc
            )
            plain = self._road_seconds(self.graph_t, origins, dests, limit) / 60.0 + access
            if self.graph_link_t is not None:
                withl = self._road_seconds(self.graph_link_t, origins, dests, limit) / 60.0 + access
                use_link = withl < plain - 1e-9
                road = np.where(use_link, withl, plain)
                road_method = np.where(use_link, METHOD_LINK, METHOD_ROAD)
            else:
                road, road_method = plain, np.full((n, m), METHOD_ROAD)
            minutes = np.where(road_pair, road, minutes)
            method = np.where(road_pair, road_method, method).astype(np.uint8)
        # a point to itself takes no time (site x site diagonals), whatever the access drive
        same = (origins.lon[:, None] == dests.lon[None, :]) & (origins.lat[:, None] == dests.lat[None, :])
        if same.any():
            minutes = np.where(same, 0.0, minutes)
        if cutoff_min is not None:
            minutes = np.where(minutes <= cutoff_min, minutes, np.inf)
        return TravelMatrix(
            minutes=minutes,
            method=method,
            origin_snap_m=origins.snap_m,
            dest_snap_m=dests.snap_m,
            origin_on_network=origins.on_network,
            dest_on_network=dests.on_network,
            origin_landmass=origins.landmass,
            dest_landmass=dests.landmass,
            meta=self.describe(cutoff_min),
        )

    def set_origins(self, origins: Points, cutoff_min: float | None = None) -> None:
        """Set the origins :meth:`column` answers for.

        Parameters
        ----------
        origins : Points
            Demand points.
        cutoff_min : float, optional
            Minutes; longer times become ``inf``.
        """
        self._origins = origins
        self._last_cutoff = cutoff_min

    def column(
        self, lon: float, lat: float, muni_code: str | None = None, cutoff_min: float | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Minutes from every current origin to one new site, for a moved hub.

        One Dijkstra on the reversed graph (milliseconds on a prefecture).

        Parameters
        ----------
        lon, lat : float
            Degrees.
        muni_code : str, optional
            Municipality of the site (sets its landmass).
        cutoff_min : float, optional
            Minutes (default: the one given to :meth:`set_origins`).

        Returns
        -------
        minutes : numpy.ndarray
            (n,) minutes, ``inf`` = unreachable.
        method : numpy.ndarray
            (n,) method codes.
        """
        if self._origins is None:
            from core.errors import ParameterError

            raise ParameterError(
                "起点（需要点）が設定されていません。", "no origins set: call region_matrix() or set_origins() first"
            )
        codes = None if muni_code in (None, "") else [muni_code]
        d = self.points([lon], [lat], codes)
        tm = self.matrix(
            self._origins, d, cutoff_min if cutoff_min is not None else getattr(self, "_last_cutoff", None)
        )
        return tm.minutes[:, 0], tm.method[:, 0]

    def describe(self, cutoff_min: float | None = None) -> dict:
        """What these times rest on (printed in outputs and stored with cached matrices).

        Parameters
        ----------
        cutoff_min : float, optional
            Minutes, recorded as given.

        Returns
        -------
        dict
            Engine version, road source and fingerprint, settings, links, landmasses and the estimate rule (ja/en).
        """
        return {
            "engine_version": ENGINE_VERSION,
            "road_source": self.roads.road_source if self.roads is not None else None,
            "road_fingerprint": self.roads.fingerprint() if self.roads is not None else None,
            "road_nodes": self.roads.n_nodes if self.roads is not None else 0,
            "settings": settings_subset(self.settings),
            "cutoff_min": cutoff_min,
            "links": self.links.to_dict(),
            "links_on_roads": int(len(getattr(self, "link_nodes", ()))),
            "landmasses": self.landmasses.count if self.landmasses is not None else None,
            "landmass_gap_m": self.landmasses.gap_m if self.landmasses is not None else None,
            "estimate_rule": {
                "ja": f"推定 = 直線距離 × 迂回率 {self.settings.circuity} ÷ {self.settings.estimate_speed_kmh} km/h（道路データのない地点）",
                "en": f"estimate = straight line x circuity {self.settings.circuity} / {self.settings.estimate_speed_kmh} km/h (no road data)",
            },
        }

    def components(self) -> int:
        """Weakly connected parts of the road graph (0 without roads)."""
        return self.roads.components()[0] if self.roads is not None else 0


# ---- Dijkstra (compiled, optionally in worker processes) --------------------------------

_PARALLEL_MIN_CELLS = 3_000_000  # sources x nodes below which one process is faster
_WORK: dict = {}


def _workers(n_sources: int, n_nodes: int) -> int:
    """Processes to use: $MADOGUCHI_WORKERS if set (1 = never parallel), else up to 4 cores
    for jobs of at least `_PARALLEL_MIN_CELLS` sources x nodes when the machine is not busy
    (1-minute load average below cores - 0.5)."""
    import os

    env = os.environ.get("MADOGUCHI_WORKERS")
    cores = os.cpu_count() or 1
    if env:
        try:
            want = max(1, int(env))
        except ValueError:
            want = 1
    else:
        want = min(4, cores)
        # a busy machine (other processes on every core) gains nothing from more processes
        if hasattr(os, "getloadavg") and os.getloadavg()[0] > cores - 0.5:
            want = 1
    if want <= 1 or n_sources < 2 * want or n_sources * n_nodes < _PARALLEL_MIN_CELLS:
        return 1
    import multiprocessing as mp

    if "fork" not in mp.get_all_start_methods():
        return 1
    return want


def _dijkstra_chunked(graph_t, sources, o_nodes, limit_s) -> np.ndarray:
    from scipy.sparse.csgraph import dijkstra

    out = np.empty((sources.size, o_nodes.size))
    chunk = max(1, _DIJKSTRA_CELLS // max(1, graph_t.shape[0]))
    for start in range(0, sources.size, chunk):
        src = sources[start : start + chunk]
        out[start : start + src.size] = dijkstra(graph_t, directed=True, indices=src, limit=limit_s)[:, o_nodes]
    return out


def _worker_rows(args):
    lo, hi = args
    w = _WORK
    return _dijkstra_chunked(w["g"], w["src"][lo:hi], w["o"], w["limit"])


def _dijkstra_rows(graph_t, sources, o_nodes, limit_s, workers: int) -> np.ndarray:
    """Seconds from every node in `o_nodes` to each of `sources` (rows) on the reversed graph."""
    if workers <= 1:
        return _dijkstra_chunked(graph_t, sources, o_nodes, limit_s)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    _WORK.update(g=graph_t, src=sources, o=o_nodes, limit=limit_s)  # inherited by fork, not pickled
    try:
        # several pieces per worker, so a core busy with something else does not hold up the rest
        bounds = np.unique(np.linspace(0, sources.size, min(sources.size, 4 * workers) + 1).astype(int))
        parts = list(zip(bounds[:-1], bounds[1:]))
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            return np.vstack(list(ex.map(_worker_rows, parts)))
    except (OSError, RuntimeError):  # no processes allowed here: do it in this one
        return _dijkstra_chunked(graph_t, sources, o_nodes, limit_s)
    finally:
        _WORK.clear()


# ---- region helpers ---------------------------------------------------------------------

_ENGINES: dict = {}


def region_engine(region: Any, links: Any = None) -> TravelTimeEngine:
    """An engine for a Region (kept for reuse while the region object, settings and links are the same).

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.
    links : Links or path, optional
        Links to use (default: the bundle's).

    Returns
    -------
    TravelTimeEngine
    """
    from geo.islands import region_landmasses

    lk = as_links(links)
    manifest = getattr(region, "manifest", None) or {}
    key = (
        str(getattr(region, "path", "")),
        manifest.get("built"),
        manifest.get("pref_code"),
        len(region.municipalities),
        region.roads.fingerprint() if region.roads is not None else None,
        json.dumps(settings_subset(region.settings), sort_keys=True),
        lk.fingerprint(),
    )
    eng = _ENGINES.get(key)
    if eng is None:
        if len(_ENGINES) > 8:
            _ENGINES.clear()
        eng = TravelTimeEngine(region.roads, region.settings, landmasses=region_landmasses(region), links=lk)
        _ENGINES[key] = eng
    return eng


def _site_frame(region, sites):
    import pandas as pd

    if sites is None:
        return region.sites
    if isinstance(sites, pd.DataFrame):
        bad = sites["lon"].isna() | sites["lat"].isna()
        if bad.any():
            from core.errors import ParameterError

            names = "、".join(sites.loc[bad, "name"].astype(str).tolist()[:5]) if "name" in sites else ""
            raise ParameterError(
                f"座標のない拠点は所要時間を計算できません: {names}",
                f"sites without coordinates cannot get travel times: {names}",
            )
        return sites
    from core.errors import ParameterError

    raise ParameterError("拠点は DataFrame（lon, lat 列）で渡してください。", "sites must be a DataFrame with lon, lat")


def region_matrix(
    region: Any, sites: Any = None, links: Any = None, use_cache: bool = True, cutoff_min: float | None = None
) -> TravelMatrix:
    """Demand points x sites (default `region.sites`) for a Region, cached beside the bundle.

    Cache: `<region.path>/cache/traveltime/`, keyed by graph, demand points, settings, links
    and cutoff; each site column is stored by its own coordinates, so a new site computes
    only its column and a changed speed table or link recomputes everything.

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.
    sites : DataFrame, optional
        With ``lon``, ``lat`` (degrees) and ``muni_code``.
    links : Links or path, optional
        Links to use.
    use_cache : bool
        Read and write the disk cache.
    cutoff_min : float, optional
        Minutes; longer times become ``inf``.

    Returns
    -------
    TravelMatrix
        Minutes from every demand point to every site.
    """
    eng = region_engine(region, links)
    sf = _site_frame(region, sites)
    d = region.demand
    origins = _region_points(region, eng)
    site_codes = sf["muni_code"].astype(str).tolist() if "muni_code" in sf else None
    dests = eng.points(sf["lon"].to_numpy(float), sf["lat"].to_numpy(float), site_codes)
    cache_dir = Path(region.path) / "cache" / "traveltime" if use_cache and getattr(region, "path", None) else None
    tm = cached_matrix(eng, origins, dests, cache_dir, cutoff_min=cutoff_min, kind="demand")
    tm.meta["demand_points"] = int(len(d))
    tm.meta["site_ids"] = [str(x) for x in sf["site_id"]] if "site_id" in sf else None
    eng.set_origins(origins, cutoff_min)
    return tm


def _region_points(region, eng: TravelTimeEngine) -> Points:
    cache = getattr(region, "_tt_points", None)
    key = (id(eng),)
    if cache is not None and cache[0] == key:
        return cache[1]
    d = region.demand
    pts = eng.points(d["lon"].to_numpy(float), d["lat"].to_numpy(float), d["muni_code"].astype(str).tolist())
    try:
        object.__setattr__(region, "_tt_points", (key, pts))
    except Exception:
        pass
    return pts


def site_matrix(region: Any, sites: Any = None, links: Any = None, use_cache: bool = True) -> TravelMatrix:
    """Site x site minutes (rows = from, columns = to), e.g. for itinerant routes.

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.
    sites : DataFrame, optional
        Default `region.sites`.
    links : Links or path, optional
        Links to use.
    use_cache : bool
        Read and write the disk cache.

    Returns
    -------
    TravelMatrix
    """
    eng = region_engine(region, links)
    sf = _site_frame(region, sites)
    codes = sf["muni_code"].astype(str).tolist() if "muni_code" in sf else None
    pts = eng.points(sf["lon"].to_numpy(float), sf["lat"].to_numpy(float), codes)
    cache_dir = Path(region.path) / "cache" / "traveltime" if use_cache and getattr(region, "path", None) else None
    tm = cached_matrix(eng, pts, pts, cache_dir, kind="site")
    tm.meta["site_ids"] = [str(x) for x in sf["site_id"]] if "site_id" in sf else None
    return tm


def summarize(
    tm: TravelMatrix, weights: ArrayLike, muni_codes: ArrayLike | None = None, engine: TravelTimeEngine | None = None
) -> dict:
    """The CLI/JSON summary of a demand x sites matrix (no NaN: unknowns are None).

    `road_share_population`: population of demand points whose time to their nearest
    reachable site is road-based (method 0 or 2 via roads) / total known population; points
    with no reachable site count in the denominator only. None if no population is known.

    Parameters
    ----------
    tm : TravelMatrix
        Demand x sites.
    weights : array_like
        (n,) persons, NaN = unknown.
    muni_codes : array_like, optional
        (n,) municipality codes.
    engine : TravelTimeEngine, optional
        Adds its :meth:`~TravelTimeEngine.describe`.

    Returns
    -------
    dict
        Counts, population-weighted minutes (mean, percentiles), unreachable persons and points.
    """
    w = np.asarray(weights, dtype=float)
    known = np.isfinite(w)
    wk = np.where(known, w, 0.0)
    j, t = tm.nearest()
    reach = j >= 0
    n = tm.minutes.shape[0]
    road_based = reach & tm.road_pairs()[np.arange(n), np.maximum(j, 0)] if n else np.zeros(0, dtype=bool)
    total = float(wk.sum())
    snaps = np.r_[tm.origin_snap_m[tm.origin_on_network], tm.dest_snap_m[tm.dest_on_network]]
    lm_unreach = sorted({int(x) for x in tm.origin_landmass[~reach]})
    out = {
        "method": tm.method_name(),
        "demand_points": int(n),
        "sites": int(tm.minutes.shape[1]),
        "pairs": int(tm.minutes.size),
        "pairs_road": int((tm.method == METHOD_ROAD).sum()),
        "pairs_estimate": int((tm.method == METHOD_ESTIMATE).sum()),
        "pairs_link": int((tm.method == METHOD_LINK).sum()),
        "pairs_unreachable": int((~np.isfinite(tm.minutes)).sum()),
        "unreachable_demand_points": int((~reach).sum()),
        "unreachable_population": round(float(wk[~reach].sum()), 1),
        "population_total": round(total, 1),
        "population_unknown_points": int((~known).sum()),
        "road_share_population": (round(float(wk[road_based].sum()) / total, 4) if total > 0 else None),
        "demand_points_on_network": int(tm.origin_on_network.sum()),
        "sites_on_network": int(tm.dest_on_network.sum()),
        "max_snap_m": round(float(snaps.max()), 1) if snaps.size else None,
        "components": engine.components()
        if engine is not None and engine.roads is not None
        else (tm.meta.get("landmasses") or 1),
        "road_components": engine.components() if engine is not None else None,
        "landmasses": tm.meta.get("landmasses"),
        "landmasses_without_site": lm_unreach,
        "cutoff_min": tm.meta.get("cutoff_min"),
        "mean_minutes_to_nearest": (
            round(float(np.sum(wk[reach] * t[reach]) / wk[reach].sum()), 2) if wk[reach].sum() > 0 else None
        ),
        "max_minutes_to_nearest": round(float(t[reach].max()), 2) if reach.any() else None,
    }
    return out


def municipality_table(tm: TravelMatrix, demand: Any, municipalities: Any = None) -> Any:
    """Per municipality: population-weighted mean minutes to the nearest site, and what is unreachable.

    Parameters
    ----------
    tm : TravelMatrix
        Demand x sites.
    demand : DataFrame
        The region's demand points (``muni_code``, ``population``).
    municipalities : DataFrame, optional
        ``code`` and ``name``.

    Returns
    -------
    pandas.DataFrame
        code, name, population (persons), demand_points, mean_minutes (reachable population
        only; None if none), max_minutes, unreachable_points, unreachable_population,
        estimate_share (share of the population whose nearest-site time is an estimate).
    """
    import pandas as pd

    j, t = tm.nearest()
    reach = j >= 0
    w = demand["population"].to_numpy(dtype=float)
    wk = np.where(np.isfinite(w), w, 0.0)
    n = len(t)
    est_nearest = reach & ~tm.road_pairs()[np.arange(n), np.maximum(j, 0)]
    df = pd.DataFrame(
        {
            "code": demand["muni_code"].astype(str).to_numpy(),
            "w": wk,
            "t": np.where(reach, t, 0.0),
            "reach": reach,
            "wt": np.where(reach, wk * np.where(reach, t, 0.0), 0.0),
            "wr": np.where(reach, wk, 0.0),
            "tmax": np.where(reach, t, -np.inf),
            "west": np.where(est_nearest, wk, 0.0),
        }
    )
    g = df.groupby("code", sort=True)
    out = pd.DataFrame(
        {
            "population": g["w"].sum(),
            "demand_points": g.size(),
            "wt": g["wt"].sum(),
            "wr": g["wr"].sum(),
            "max_minutes": g["tmax"].max(),
            "unreachable_points": g["reach"].apply(lambda s: int((~s).sum())),
            "west": g["west"].sum(),
        }
    ).reset_index()
    out["unreachable_population"] = out["population"] - out["wr"]
    out["mean_minutes"] = np.where(out["wr"] > 0, out["wt"] / out["wr"].where(out["wr"] > 0, 1), np.nan)
    out["max_minutes"] = out["max_minutes"].where(np.isfinite(out["max_minutes"]), np.nan)
    out["estimate_share"] = np.where(out["wr"] > 0, out["west"] / out["wr"].where(out["wr"] > 0, 1), np.nan)
    if municipalities is not None:
        names = dict(zip(municipalities["code"].astype(str), municipalities["name"].astype(str)))
        out.insert(1, "name", out["code"].map(names).fillna(""))
    return out.drop(columns=["wt", "wr", "west"])
