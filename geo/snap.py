"""Attach points (demand, sites, link ends) to the nearest usable road node with a k-d tree.

Coordinates go onto a sphere in metres (x, y, z), so one cKDTree works anywhere in Japan
without choosing a UTM zone; the chord length is turned back into a great-circle distance.

"Usable" nodes: in each weakly connected part of the graph, the largest strongly connected
core, if that part has at least `min_component_nodes` nodes. So a point never snaps onto a
one-way dead end it cannot leave, or onto a few-node fragment cut off by clipping, while a
real island network (its own large component) stays usable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from core.geodesy import EARTH_RADIUS_M, chord_to_arc_m, sphere_xyz
from geo.roads import RoadGraph

MIN_COMPONENT_NODES = 10
__all__ = [
    "EARTH_RADIUS_M",
    "MIN_COMPONENT_NODES",
    "SnapResult",
    "Snapper",
    "chord_to_arc_m",
    "sphere_xyz",
    "usable_nodes",
]


def usable_nodes(roads: RoadGraph, min_component_nodes: int = MIN_COMPONENT_NODES) -> np.ndarray:
    """Boolean mask of nodes points may snap to (see module docstring).

    Parameters
    ----------
    roads : RoadGraph
        The graph.
    min_component_nodes : int
        Smallest weakly connected part (nodes) whose strong core is usable.

    Returns
    -------
    numpy.ndarray
        (n_nodes,) bool.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = roads.n_nodes
    if n == 0:
        return np.zeros(0, dtype=bool)
    a = coo_matrix((np.ones(roads.n_edges), (roads.u, roads.v)), shape=(n, n)).tocsr()
    _, weak = connected_components(a, directed=True, connection="weak")
    _, strong = connected_components(a, directed=True, connection="strong")
    weak_size = np.bincount(weak)
    strong_size = np.bincount(strong)
    # largest strong component inside each weak component
    order = np.lexsort((-strong_size[strong], weak))
    best_strong = np.full(weak_size.size, -1)
    first = np.r_[True, weak[order][1:] != weak[order][:-1]]
    best_strong[weak[order][first]] = strong[order][first]
    mask = (strong == best_strong[weak]) & (weak_size[weak] >= min_component_nodes)
    if not mask.any():  # a tiny graph (tests): everything strongly connected is usable
        mask = strong == np.argmax(strong_size)
    return mask


@dataclass
class SnapResult:
    node: np.ndarray  # int64 road-node index (nearest usable node; -1 if no graph)
    distance_m: np.ndarray  # float64 great-circle metres to that node (inf if no graph)
    on_network: np.ndarray  # bool: distance <= threshold


class Snapper:
    """Nearest usable road node for many points at once (cKDTree, O(log n) per point)."""

    def __init__(self, roads: RoadGraph, usable: np.ndarray | None = None):
        """Index the usable nodes.

        Parameters
        ----------
        roads : RoadGraph
            The graph (degrees).
        usable : numpy.ndarray, optional
            Bool mask of nodes to snap to (default :func:`usable_nodes`).
        """
        from scipy.spatial import cKDTree

        self.roads = roads
        self.usable = usable_nodes(roads) if usable is None else usable
        self.index = np.flatnonzero(self.usable)
        self.tree = cKDTree(sphere_xyz(roads.lon[self.index], roads.lat[self.index])) if self.index.size else None

    def snap(self, lon: ArrayLike, lat: ArrayLike, threshold_m: float) -> SnapResult:
        """Nearest usable node of each point.

        Parameters
        ----------
        lon, lat : array_like
            Degrees.
        threshold_m : float
            Metres; farther points are off the network (their times are estimates).

        Returns
        -------
        SnapResult
            Node index (-1 without a graph), great-circle metres to it (``inf`` without a graph), on-network flag.
        """
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        if self.tree is None or lon.size == 0:
            return SnapResult(
                np.full(lon.size, -1, dtype=np.int64), np.full(lon.size, np.inf), np.zeros(lon.size, dtype=bool)
            )
        chord, k = self.tree.query(sphere_xyz(lon, lat))
        dist = chord_to_arc_m(chord)
        node = self.index[k].astype(np.int64)
        return SnapResult(node, dist, dist <= threshold_m)
