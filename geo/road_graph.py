"""The road graph in arrays (`RoadGraph`) and osmnx's drive rules for OSM tags.

Kept apart from the loaders in :mod:`geo.roads` so that the array engine (:mod:`geo.osm_extract`,
:mod:`geo.osm_graph`) and the loaders both import it without an import circle. Everything here is
also importable from :mod:`geo.roads` as before.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import InputFileError

if TYPE_CHECKING:
    from geo.settings import Settings

# osmnx 2.x "drive" network filter (osmnx._overpass._get_network_filter("drive") with
# settings.default_access), as (tag, regex): a way whose tag matches the regex is dropped,
# exactly as Overpass's `[tag!~"regex"]` does. Service roads are excluded, like osmnx.
DRIVE_EXCLUDE: list[tuple[str, str]] = [
    ("area", "yes"),
    ("access", "private"),
    (
        "highway",
        "abandoned|bridleway|bus_guideway|construction|corridor|cycleway|elevator|escalator|"
        "footway|no|path|pedestrian|planned|platform|proposed|raceway|razed|rest_area|service|"
        "services|steps|track",
    ),
    ("motor_vehicle", "no"),
    ("motorcar", "no"),
    ("service", "alley|driveway|emergency_access|parking|parking_aisle|private"),
]
_DRIVE_RE = [(k, re.compile(r)) for k, r in DRIVE_EXCLUDE]


def is_drivable(tags: dict[str, str]) -> bool:
    """True if a way with these OSM tags belongs to osmnx's "drive" network.

    Parameters
    ----------
    tags : dict of str to str
        The way's OSM tags.

    Returns
    -------
    bool
        False if the way has no ``highway`` tag or any tag matches `DRIVE_EXCLUDE`.
    """
    if "highway" not in tags:
        return False
    for k, rx in _DRIVE_RE:
        v = tags.get(k)
        if v is not None and rx.search(v):
            return False
    return True


def parse_maxspeed_kmh(value: Any) -> float:
    """OSM ``maxspeed`` value -> km/h.

    Parameters
    ----------
    value : str, number, list or None
        The tag value ('50', '30 mph', 'JP:urban', a list for merged ways ...).

    Returns
    -------
    float
        km/h; NaN if untagged or not a number; mph converted; a list gives its minimum.
    """
    if value is None:
        return math.nan
    if isinstance(value, (list, tuple)):
        vals = [parse_maxspeed_kmh(v) for v in value]
        vals = [v for v in vals if not math.isnan(v)]
        return min(vals) if vals else math.nan
    s = str(value).strip().lower()
    parts = [p for p in re.split(r"[;|]", s) if p.strip()]
    if len(parts) > 1:
        return parse_maxspeed_kmh(parts)
    m = re.match(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", s)
    if not m:
        return math.nan
    v = float(m.group(1))
    if m.group(2) == "mph":
        v *= 1.609344
    return v if v > 0 else math.nan


@dataclass
class RoadGraph:
    """A directed drivable graph. Coordinates in degrees (EPSG:4326), lengths in metres.

    `speed_kmh` is an explicit per-edge speed from a line layer's speed column (NaN = use the
    class table). `meta` records where the graph came from (kind, path, file date, reader,
    clipping counts) and is not part of the fingerprint.
    """

    node_id: np.ndarray  # int64 (OSM ids, or 0..n-1 for line layers)
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    u: np.ndarray  # int32 node index
    v: np.ndarray  # int32 node index
    length_m: np.ndarray  # float64
    highway: np.ndarray  # str
    maxspeed_kmh: np.ndarray  # float64, NaN if untagged
    speed_kmh: np.ndarray | None = None  # float64, NaN = use class table; __post_init__ makes it an array
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.node_id = np.asarray(self.node_id, dtype=np.int64)
        self.lon = np.asarray(self.lon, dtype=np.float64)
        self.lat = np.asarray(self.lat, dtype=np.float64)
        self.u = np.asarray(self.u, dtype=np.int32)
        self.v = np.asarray(self.v, dtype=np.int32)
        self.length_m = np.asarray(self.length_m, dtype=np.float64)
        self.highway = np.asarray(self.highway, dtype=str)
        self.maxspeed_kmh = np.asarray(self.maxspeed_kmh, dtype=np.float64)
        if self.speed_kmh is None:
            self.speed_kmh = np.full(len(self.u), np.nan)
        self.speed_kmh = np.asarray(self.speed_kmh, dtype=np.float64)
        n, m = len(self.node_id), len(self.u)
        for name in ("lon", "lat"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"RoadGraph.{name} has wrong length")
        for name in ("v", "length_m", "highway", "maxspeed_kmh", "speed_kmh"):
            if len(getattr(self, name)) != m:
                raise ValueError(f"RoadGraph.{name} has wrong length")
        if m and (self.u.min() < 0 or self.v.min() < 0 or max(self.u.max(), self.v.max()) >= n):
            raise ValueError("RoadGraph edge refers to a missing node")

    # ---- basic facts -------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(len(self.node_id))

    @property
    def n_edges(self) -> int:
        return int(len(self.u))

    @property
    def road_source(self) -> str:
        """'osm' (file or download) or 'lines' (a road line layer)."""
        return str(self.meta.get("kind", "osm"))

    def edge_speed_kmh(self, settings: Settings | None = None) -> np.ndarray:
        """Driving speed per edge (km/h) under `settings`.

        Rule (documented in the README): the class speed from the table (fallback for an
        unknown class); where OSM tags a maxspeed, min(class speed, maxspeed x maxspeed_factor)
        -- a legal limit can only lower a door-to-door average, never raise it; an explicit
        speed column from a line layer is used as given.

        Parameters
        ----------
        settings : geo.settings.Settings, optional
            Speed table (km/h per class) and `maxspeed_factor`; default `Settings()`.

        Returns
        -------
        numpy.ndarray
            float64, shape (n_edges,), km/h.
        """
        from geo.settings import Settings

        s = settings or Settings()
        classes, inv = self._class_codes()
        table = np.array([s.speed_for(c) for c in classes], dtype=float)
        speed = table[inv] if len(classes) else np.zeros(0)
        tagged = ~np.isnan(self.maxspeed_kmh)
        speed = np.where(tagged, np.minimum(speed, self.maxspeed_kmh * s.maxspeed_factor), speed)
        given = self.explicit_speed_kmh
        explicit = ~np.isnan(given) & (given > 0)
        return np.where(explicit, given, speed)

    @property
    def explicit_speed_kmh(self) -> np.ndarray:
        """Explicit per-edge speed (km/h, float64); NaN where the class table applies.

        Returns
        -------
        numpy.ndarray
            One value per edge. Never None: ``__post_init__`` fills an absent column with NaN.
        """
        if self.speed_kmh is None:  # only before __post_init__ has run
            return np.full(len(self.u), np.nan)
        return self.speed_kmh

    def _class_codes(self):
        """(unique classes, index per edge), computed once (string unique is slow on 10^5 edges)."""
        cc = self.__dict__.get("_cc")
        if cc is None:
            cc = np.unique(self.highway, return_inverse=True)
            self.__dict__["_cc"] = cc
        return cc

    def travel_time_s(self, settings: Settings | None = None) -> np.ndarray:
        """Seconds to drive each edge under `settings` (length / speed).

        Parameters
        ----------
        settings : geo.settings.Settings, optional
            Speed table; default `Settings()`.

        Returns
        -------
        numpy.ndarray
            float64, shape (n_edges,), seconds.
        """
        return self.length_m / (self.edge_speed_kmh(settings) / 3.6)

    def fingerprint(self) -> str:
        """Stable hash of the graph's arrays (not of meta): a cache key part.

        Computed once: a RoadGraph's arrays are not modified after construction (loaders and
        `subgraph_edges` build new graphs).

        Returns
        -------
        str
            Hex digest; equal for bit-identical arrays.
        """
        fp = self.__dict__.get("_fp")
        if fp is None:
            fp = self.__dict__["_fp"] = self._fingerprint()
        return fp

    def _fingerprint(self) -> str:
        h = hashlib.sha256()
        for name in ("node_id", "lon", "lat", "u", "v", "length_m", "maxspeed_kmh", "speed_kmh"):
            a = np.ascontiguousarray(getattr(self, name))
            h.update(name.encode())
            h.update(str(a.dtype).encode())
            h.update(a.tobytes())
        h.update("\x1f".join(self.highway.tolist()).encode("utf-8"))
        return h.hexdigest()[:32]

    def components(self) -> tuple[int, np.ndarray]:
        """Weakly connected components.

        Returns
        -------
        count : int
            Number of components.
        labels : numpy.ndarray
            int, shape (n_nodes,): component label per node.
        """
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = self.n_nodes
        if n == 0:
            return 0, np.zeros(0, dtype=np.int32)
        a = coo_matrix((np.ones(self.n_edges), (self.u, self.v)), shape=(n, n)).tocsr()
        k, labels = connected_components(a, directed=True, connection="weak")
        return int(k), labels

    def summary(self) -> dict:
        """Counts for manifests and CLI output.

        Returns
        -------
        dict
            Nodes, edges, total length (km), components, share of edges with a maxspeed tag, class counts.
        """
        k, labels = self.components()
        largest = int(np.bincount(labels).max()) if len(labels) else 0
        return {
            "road_source": self.road_source,
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "components": k,
            "largest_component_nodes": largest,
            "length_km": round(float(self.length_m.sum()) / 1000.0, 1),
            "maxspeed_tagged_share": round(float(np.mean(~np.isnan(self.maxspeed_kmh))), 4) if self.n_edges else 0.0,
            "classes": {str(c): int(n) for c, n in zip(*np.unique(self.highway, return_counts=True))},
            "source": {k: v for k, v in self.meta.items()},
        }

    def to_networkx(self, settings: Settings | None = None) -> Any:
        """The graph as networkx, for osmnx-based checks and isochrone tools.

        Parameters
        ----------
        settings : geo.settings.Settings, optional
            Speed table used for the ``travel_time`` attribute; default `Settings()`.

        Returns
        -------
        networkx.MultiDiGraph
            Nodes keyed by node index (0..n-1) with ``x``, ``y`` (degrees) and ``osmid``; edges with ``length`` (metres),
            ``highway`` and ``travel_time`` (seconds).
        """
        import networkx as nx

        tt = self.travel_time_s(settings)
        g = nx.MultiDiGraph()
        g.add_nodes_from(
            (i, {"x": float(x), "y": float(y), "osmid": int(o)})
            for i, (x, y, o) in enumerate(zip(self.lon, self.lat, self.node_id))
        )
        g.add_edges_from(
            (int(a), int(b), {"length": float(L), "travel_time": float(t), "highway": str(h)})
            for a, b, L, t, h in zip(self.u, self.v, self.length_m, tt, self.highway)
        )
        return g

    # ---- persistence -------------------------------------------------------------------
    def save(self, folder: str | os.PathLike) -> Path:
        """Write `roads.npz` + `roads.json` into `folder` (atomically, each file).

        Compact form (format version 2, uncompressed so it loads in milliseconds): road classes
        as small integer codes + the class list, coordinates as int32 1e-7 degrees when that is
        exact (OSM graphs; else float64), maxspeed/speed only where set (index + value). Every
        array is restored bit for bit, so the fingerprint is unchanged.

        Parameters
        ----------
        folder : str or os.PathLike
            Created if missing.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        from geo.atomic import write_json_atomic

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".roads.", suffix=".npz")
        os.close(fd)
        try:
            np.savez(tmp, **self._compact_arrays())
            os.replace(tmp, folder / "roads.npz")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        info = {
            "format": "madoguchi-roads",
            "version": 2,
            "fingerprint": self.fingerprint(),
            "nodes": self.n_nodes,
            "edges": self.n_edges,
            "meta": self.meta,
        }
        write_json_atomic(folder / "roads.json", info)
        return folder

    def _compact_arrays(self) -> dict:
        classes, codes = self._class_codes()
        out = {
            "format_version": np.array([2]),
            "node_id": self.node_id,
            "u": self.u,
            "v": self.v,
            "length_m": self.length_m,
            "highway_classes": np.asarray(classes, dtype=str),
            "highway_code": codes.astype(np.uint8 if len(classes) < 256 else np.int32),
        }
        for name in ("lon", "lat"):
            a = getattr(self, name)
            fixed = np.round(a * 1e7)
            if a.size and np.all(np.abs(fixed) < 2**31) and np.array_equal(fixed / 1e7, a):
                out[name + "_e7"] = fixed.astype(np.int32)
            else:
                out[name] = a
        for name in ("maxspeed_kmh", "speed_kmh"):
            a = getattr(self, name)
            idx = np.flatnonzero(~np.isnan(a))
            out[name + "_idx"] = idx.astype(np.int32)
            out[name + "_val"] = a[idx]
        return out

    @classmethod
    def _from_compact(cls, z: dict, meta: dict) -> RoadGraph:
        m = int(z["u"].size)
        lon = z["lon_e7"] / 1e7 if "lon_e7" in z else z["lon"]
        lat = z["lat_e7"] / 1e7 if "lat_e7" in z else z["lat"]
        classes = z["highway_classes"]
        codes = z["highway_code"].astype(np.intp)
        extra = {}
        for name in ("maxspeed_kmh", "speed_kmh"):
            a = np.full(m, np.nan)
            a[z[name + "_idx"]] = z[name + "_val"]
            extra[name] = a
        g = cls(
            node_id=z["node_id"],
            lon=lon,
            lat=lat,
            u=z["u"],
            v=z["v"],
            length_m=z["length_m"],
            highway=classes[codes] if classes.size else np.zeros(m, dtype=str),
            meta=meta,
            **extra,
        )
        g.__dict__["_cc"] = (classes, codes)
        return g

    @classmethod
    def load(cls, folder: str | os.PathLike) -> RoadGraph:
        """Read a graph written by `save` (format version 1 or 2).

        Parameters
        ----------
        folder : str or os.PathLike
            Folder with ``roads.npz`` and ``roads.json``.

        Returns
        -------
        RoadGraph

        Raises
        ------
        core.errors.InputFileError
            If the files are missing or damaged.
        """
        folder = Path(folder)
        npz = folder / "roads.npz"
        if not npz.is_file():
            raise InputFileError(
                "道路グラフ (roads.npz) が見つかりません。", "road graph roads.npz not found", path=npz
            )
        try:
            with np.load(npz, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            meta = {}
            js = folder / "roads.json"
            if js.is_file():
                meta = json.loads(js.read_text(encoding="utf-8")).get("meta", {})
            if "format_version" in arrays:
                return cls._from_compact(arrays, meta)
            return cls(meta=meta, **arrays)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            raise InputFileError(f"道路グラフを読めません ({e})", f"cannot read road graph ({e})", path=npz) from e
