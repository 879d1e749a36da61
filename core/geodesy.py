"""Distances on the Earth: the one haversine, the sphere embedding used by k-d trees, and a
local equirectangular projection. Degrees in (EPSG:4326 longitude/latitude), metres out.

Every layer may import this module (it depends on numpy only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

#: mean Earth radius (IUGG), metres
EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> np.ndarray:
    """Great-circle distance on a sphere of the mean Earth radius (vectorised, broadcasting).

    Parameters
    ----------
    lon1, lat1, lon2, lat2 : array_like
        Longitudes and latitudes in degrees.

    Returns
    -------
    numpy.ndarray
        Metres.
    """
    lo1, la1, lo2, la2 = (np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2))
    dlat = la2 - la1
    dlon = lo2 - lo1
    a = np.sin(dlat / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def sphere_xyz(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Cartesian coordinates on a sphere of the mean Earth radius (for k-d trees).

    Parameters
    ----------
    lon, lat : array_like
        Degrees.

    Returns
    -------
    numpy.ndarray
        (n, 3) metres.
    """
    lo = np.radians(np.asarray(lon, dtype=float))
    la = np.radians(np.asarray(lat, dtype=float))
    c = np.cos(la)
    return EARTH_RADIUS_M * np.column_stack([c * np.cos(lo), c * np.sin(lo), np.sin(la)])


def chord_to_arc_m(chord: ArrayLike) -> np.ndarray:
    """Great-circle distance from the straight chord between two :func:`sphere_xyz` points.

    Parameters
    ----------
    chord : array_like
        Chord length, metres.

    Returns
    -------
    numpy.ndarray
        Arc length, metres.
    """
    return 2 * EARTH_RADIUS_M * np.arcsin(np.clip(np.asarray(chord, dtype=float) / (2 * EARTH_RADIUS_M), 0, 1))


def local_projection(
    lon0: float, lat0: float
) -> tuple[
    Callable[[ArrayLike, ArrayLike], tuple[np.ndarray, np.ndarray]],
    Callable[[ArrayLike, ArrayLike], tuple[np.ndarray, np.ndarray]],
]:
    """Local equirectangular projection around (lon0, lat0): forward and inverse functions.

    Good to well under 1 % within a few tens of kilometres of the centre.

    Parameters
    ----------
    lon0, lat0 : float
        Centre in degrees.

    Returns
    -------
    fwd : callable
        ``(lon, lat)`` degrees -> ``(x, y)`` metres east / north of the centre.
    inv : callable
        ``(x, y)`` metres -> ``(lon, lat)`` degrees.
    """
    k = np.pi / 180 * EARTH_RADIUS_M
    c = float(np.cos(np.radians(lat0)))

    def fwd(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(lon) - lon0) * k * c, (np.asarray(lat) - lat0) * k

    def inv(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        return np.asarray(x) / (k * c) + lon0, np.asarray(y) / k + lat0

    return fwd, inv
