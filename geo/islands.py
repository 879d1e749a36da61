"""Landmasses from municipality boundaries, for estimate-mode reachability across water.

Rule: municipalities whose polygons touch (within `gap_m`, default 50 m, because the N03
boundaries are simplified to 1%) form one landmass. A municipality is the unit, not each
polygon part: islets inside one municipality (うるま市's 平安座島, 宮古島市's 伊良部島) are mostly
bridged, while whole island municipalities (久米島町, 石垣市) are not; treating parts separately
would cut off bridged islets. Known limit: islands of one municipality that are not bridged to
each other (竹富町) count as one landmass, so times between them are straight-line estimates.
Straits crossed by bridges between municipalities (Amakusa in Kumamoto) need a link
(`--links`) or a larger gap; without one they are reported unreachable, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from core.geodesy import haversine_m

LANDMASS_GAP_M = 50.0
# A point farther than this from every municipality polygon is on no landmass: it gets its own
# landmass label (negative, unique), so it is unreachable by the estimate (never a straight
# line across the sea); a `--links` ferry/bridge ending near it can still reach it.
OFF_LAND_KM = 5.0


@dataclass
class Landmasses:
    """One label per municipality; point lookups by municipality code or by location."""

    muni_codes: np.ndarray  # str (n_munis,)
    muni_names: np.ndarray  # str
    label: np.ndarray  # int (n_munis,) landmass id, 0 = the most populous
    geoms: list  # shapely geometry per municipality (EPSG:4326)
    gap_m: float = LANDMASS_GAP_M

    @property
    def count(self) -> int:
        """Number of landmasses."""
        return int(self.label.max()) + 1 if self.label.size else 0

    def of_codes(self, codes: Iterable[Any]) -> np.ndarray:
        """Landmass per municipality code.

        Parameters
        ----------
        codes : array_like of str
            Municipality codes.

        Returns
        -------
        numpy.ndarray
            (n,) int64 landmass id, -1 where the code is unknown.
        """
        lookup = {c: int(lab) for c, lab in zip(self.muni_codes, self.label)}
        return np.array([lookup.get(str(c), -1) for c in codes], dtype=np.int64)

    def of_points(self, lon: ArrayLike, lat: ArrayLike, off_land_km: float = OFF_LAND_KM) -> np.ndarray:
        """Landmass of the municipality containing each point, else of the nearest one.

        Parameters
        ----------
        lon, lat : array_like
            Degrees.
        off_land_km : float
            A point farther than this (km) from every municipality is on no landmass.

        Returns
        -------
        numpy.ndarray
            (n,) int64 landmass id; a point on no landmass gets a unique negative label (-2, -3, ...).
        """
        import shapely

        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if lon.size == 0 or not self.geoms:
            return np.zeros(lon.size, dtype=np.int64)
        tree = shapely.STRtree(self.geoms)
        pts = shapely.points(lon, lat)
        idx = tree.query_nearest(pts, all_matches=False)
        out = np.full(lon.size, -1, dtype=np.int64)
        out[idx[0]] = self.label[idx[1]]
        # a point outside its nearest municipality by more than `off_land_km` is on no landmass
        geoms = np.asarray(self.geoms, dtype=object)[idx[1]]
        outside = ~shapely.contains_xy(geoms, lon[idx[0]], lat[idx[0]])
        if outside.any():
            i = idx[0][outside]
            near = shapely.get_coordinates(shapely.shortest_line(geoms[outside], pts[i]))[0::2]  # on the land
            far = haversine_m(lon[i], lat[i], near[:, 0], near[:, 1]) > off_land_km * 1000.0
            out[i[far]] = -2 - i[far]  # on no landmass: unique label, equal to no other point's
        return out

    def of(self, lon: ArrayLike, lat: ArrayLike, codes: Iterable[Any] | None = None) -> np.ndarray:
        """Landmass by municipality code where known, else by location.

        Parameters
        ----------
        lon, lat : array_like
            Degrees.
        codes : array_like of str, optional
            Municipality codes ('' / None = unknown).

        Returns
        -------
        numpy.ndarray
            (n,) int64 landmass id.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        if codes is None:
            return self.of_points(lon, lat)
        lm = self.of_codes(codes)
        miss = lm < 0
        if miss.any():
            lm[miss] = self.of_points(lon[miss], np.atleast_1d(np.asarray(lat, dtype=float))[miss])
        return lm

    def groups(self) -> list[dict]:
        """Each landmass with its municipalities (for reports).

        Returns
        -------
        list of dict
            ``landmass`` id, ``municipalities`` (names) and ``codes``.
        """
        return [
            {
                "landmass": int(k),
                "municipalities": [str(n) for n in self.muni_names[self.label == k]],
                "codes": [str(c) for c in self.muni_codes[self.label == k]],
            }
            for k in range(self.count)
        ]

    def fingerprint(self) -> str:
        """Hash of the grouping and the gap (16 hex characters), for cache keys."""
        import hashlib

        h = hashlib.sha256()
        h.update(f"{self.gap_m}".encode())
        for c, lab in zip(self.muni_codes, self.label):
            h.update(f"{c}:{lab};".encode())
        return h.hexdigest()[:16]


def find_landmasses(municipalities: Any, gap_m: float = LANDMASS_GAP_M) -> Landmasses:
    """Group municipalities into landmasses (islands): polygons closer than `gap_m` join.

    Parameters
    ----------
    municipalities : GeoDataFrame
        ``code``, ``name``, geometry in EPSG:4326; ``population`` optional (orders the ids).
    gap_m : float
        Metres; parts closer than this count as one landmass (bridges, narrow straits).

    Returns
    -------
    Landmasses
        Id 0 = the most populous landmass.
    """
    import shapely
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    m = municipalities
    n = len(m)
    codes = m["code"].astype(str).to_numpy()
    names = m["name"].astype(str).to_numpy() if "name" in m else codes
    if n == 0:
        return Landmasses(codes, names, np.zeros(0, dtype=np.int64), [], gap_m)
    proj = m.to_crs(m.estimate_utm_crs())
    geoms = np.asarray(proj.geometry.values)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="dwithin", distance=gap_m)
    _, lab = connected_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    pop = m["population"].to_numpy(dtype=float) if "population" in m else np.ones(n)
    weight = np.bincount(lab, weights=np.nan_to_num(pop, nan=0.0))
    size = np.bincount(lab)
    order = np.lexsort((-size, -weight))  # most populous landmass first
    relabel = np.empty_like(order)
    relabel[order] = np.arange(order.size)
    return Landmasses(codes, names, relabel[lab].astype(np.int64), list(m.geometry.values), gap_m)


def region_landmasses(region: Any, gap_m: float = LANDMASS_GAP_M) -> Landmasses:
    """Landmasses of a Region (cached on the object: boundaries do not change after build).

    Parameters
    ----------
    region : geo.region.Region
        A loaded bundle.
    gap_m : float
        Metres, see :func:`find_landmasses`.

    Returns
    -------
    Landmasses
    """
    cache = getattr(region, "_landmass_cache", None)
    if cache is not None and cache.gap_m == gap_m:
        return cache
    lm = find_landmasses(region.municipalities, gap_m)
    try:
        object.__setattr__(region, "_landmass_cache", lm)
    except Exception:
        pass
    return lm
