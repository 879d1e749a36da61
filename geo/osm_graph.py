"""Drivable ways (geo.osm_extract.WayArrays) -> simplified RoadGraph with numpy and scipy only.

This reproduces, array by array, what the osmnx engine does (`graph_from_xml(simplify=False,
retain_all=True, bidirectional=False)` then `simplify_graph(edge_attrs_differ=["highway"])`,
osmnx 2.x), so both engines give the same graph (tested on the real Kumamoto sample):

- consecutive duplicate node refs in a way are dropped; every way node is a graph node;
- one-way (osmnx `_is_path_one_way`): oneway in {yes, true, 1, -1, reverse, T, F} or
  junction=roundabout; reversed when oneway in {-1, reverse, T}. Like osmnx, a motorway
  without a oneway tag is two-way (OSM mappers tag motorway carriageways oneway=yes);
- edge length = great-circle metres between node coordinates (osmnx's formula, R = 6,371,009 m);
- endpoints (osmnx `_is_endpoint`): a self-loop, no in- or no out-edge, not exactly two
  neighbours with 2 or 4 incident edges, or incident edges of more than one road class;
- from every endpoint, along every successor that is not an endpoint, the path is followed to
  the next endpoint; its interior nodes are removed and the path becomes one edge (length
  summed, class kept, maxspeed = the lowest tagged value on the path);
- weakly connected parts without any endpoint (rings) are removed, as osmnx does.

All parts are kept (retain_all); the travel-time engine picks the largest strongly connected
core per part at query time (geo.snap.usable_nodes), as for the osmnx engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike

from geo.osm_extract import WayArrays

if TYPE_CHECKING:
    from geo.road_graph import RoadGraph

OSMNX_EARTH_RADIUS_M = 6_371_009.0
ONEWAY_VALUES = {"yes", "true", "1", "-1", "reverse", "T", "F"}
REVERSED_VALUES = {"-1", "reverse", "T"}


def great_circle_m(lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike) -> np.ndarray:
    """Great-circle distance exactly as ``osmnx.distance.great_circle`` computes it.

    Parameters
    ----------
    lat1, lon1, lat2, lon2 : array-like of float
        Degrees; broadcast together.

    Returns
    -------
    numpy.ndarray
        Metres (earth radius 6,371,009 m, as osmnx).
    """
    y1 = np.deg2rad(lat1)
    y2 = np.deg2rad(lat2)
    dy = y2 - y1
    x1 = np.deg2rad(lon1)
    x2 = np.deg2rad(lon2)
    dx = x2 - x1
    h = np.sin(dy / 2) ** 2 + np.cos(y1) * np.cos(y2) * np.sin(dx / 2) ** 2
    h = np.minimum(1, h)
    return 2 * np.arcsin(np.sqrt(h)) * OSMNX_EARTH_RADIUS_M


def _distinct(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based; faster than np.unique's hash path on int64 keys)."""
    s = np.sort(a)
    return s[np.r_[True, s[1:] != s[:-1]]] if s.size else s


def _endpoints(n: int, u: np.ndarray, v: np.ndarray, hw: np.ndarray) -> np.ndarray:
    """osmnx `_is_endpoint` for every node at once (edges u->v with class code hw)."""
    indeg = np.bincount(v, minlength=n)
    outdeg = np.bincount(u, minlength=n)
    deg = indeg + outdeg
    selfloop = np.zeros(n, dtype=bool)
    selfloop[u[u == v]] = True
    a = np.concatenate([u, v])
    b = np.concatenate([v, u])
    nb = _distinct(a.astype(np.int64) * n + b)
    n_nb = np.bincount((nb // n).astype(np.int64), minlength=n)
    n_hw_codes = int(hw.max()) + 1 if hw.size else 1
    hk = _distinct(a.astype(np.int64) * n_hw_codes + np.concatenate([hw, hw]))
    n_hw = np.bincount((hk // n_hw_codes).astype(np.int64), minlength=n)
    return selfloop | (indeg == 0) | (outdeg == 0) | ~((n_nb == 2) & ((deg == 2) | (deg == 4))) | (n_hw > 1)


def _drop_rings(n: int, u, v, hw) -> np.ndarray:
    """Nodes to keep: those in a weakly connected part with at least one endpoint."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    ep = _endpoints(n, u, v, hw)
    if n == 0:
        return np.zeros(0, dtype=bool)
    g = coo_matrix((np.ones(u.size, dtype=np.int8), (u, v)), shape=(n, n)).tocsr()
    _, lab = connected_components(g, directed=True, connection="weak")
    has_ep = np.zeros(int(lab.max()) + 1, dtype=bool)
    has_ep[lab[ep]] = True
    return has_ep[lab]


def _parse_maxspeeds(values: list) -> np.ndarray:
    from geo.road_graph import parse_maxspeed_kmh

    cache: dict = {}
    out = np.empty(len(values))
    for i, s in enumerate(values):
        r = cache.get(s)
        if r is None:
            r = cache[s] = parse_maxspeed_kmh(s)
        out[i] = r
    return out


def build_graph(
    ways: WayArrays, meta: dict | None = None, progress: Callable[[float, str], None] | None = None
) -> RoadGraph:
    """Simplified drivable RoadGraph from way arrays (see module docstring for the rules).

    Parameters
    ----------
    ways : WayArrays
        Output of `geo.osm_extract.read_drive_ways`.
    meta : dict or None
        Copied into `RoadGraph.meta`.
    progress : callable or None
        `progress(fraction, message_ja)` at each stage.

    Returns
    -------
    geo.road_graph.RoadGraph
        Nodes sorted by OSM id; edges sorted by (u, v, length). Lengths in metres.
    """
    from geo.road_graph import RoadGraph

    prog = progress or (lambda f, m: None)
    # ---- ways in osmnx's insertion order (XML written sorted by way id) ----------------------
    order = np.argsort(ways.way_id, kind="stable")
    lens = np.diff(ways.ptr)
    way_of = np.repeat(np.arange(ways.n_ways), lens)
    # consecutive duplicate refs (same way) dropped, as osmnx _convert_path
    dup = np.zeros(ways.refs.size, dtype=bool)
    dup[1:] = (ways.refs[1:] == ways.refs[:-1]) & (way_of[1:] == way_of[:-1])
    refs, xs, ys, way_of = ways.refs[~dup], ways.x[~dup], ways.y[~dup], way_of[~dup]
    node_ids, first, inv = np.unique(refs, return_index=True, return_inverse=True)
    inv = inv.ravel()
    n = int(node_ids.size)
    lon = xs[first] / 1e7
    lat = ys[first] / 1e7
    prog(0.1, f"道路グラフ作成中: ノード {n:,}")
    # ---- raw directed edges --------------------------------------------------------------
    same = way_of[1:] == way_of[:-1]
    a = inv[:-1][same]
    b = inv[1:][same]
    ew = way_of[:-1][same]  # way index per segment
    pos = np.arange(a.size)
    ow = np.array([o if o is not None else "" for o in ways.oneway], dtype=object)
    jn = np.array([j if j is not None else "" for j in ways.junction], dtype=object)
    oneway_w = np.isin(ow, list(ONEWAY_VALUES)) | (jn == "roundabout")
    rev_w = oneway_w & np.isin(ow, list(REVERSED_VALUES))
    classes, hw_w = np.unique(np.asarray(ways.highway, dtype=str), return_inverse=True)
    hw_w = hw_w.ravel().astype(np.int32)
    ms_w = _parse_maxspeeds(ways.maxspeed)
    rank = np.empty(ways.n_ways, dtype=np.int64)
    rank[order] = np.arange(ways.n_ways)
    fwd_rev = rev_w[ew]
    # forward-added edges (reversed one-ways: node order reversed, so (b, a) in reverse order)
    u1 = np.where(fwd_rev, b, a)
    v1 = np.where(fwd_rev, a, b)
    k1 = np.where(fwd_rev, -pos, pos)
    two = ~oneway_w[ew]
    u = np.concatenate([u1, b[two]])
    v = np.concatenate([v1, a[two]])
    e_way = np.concatenate([ew, ew[two]])
    e_dir = np.concatenate([np.zeros(u1.size, np.int8), np.ones(int(two.sum()), np.int8)])
    e_pos = np.concatenate([k1, pos[two]])
    ins = np.lexsort((e_pos, e_dir, rank[e_way]))  # osmnx insertion order
    u, v, e_way = u[ins].astype(np.int64), v[ins].astype(np.int64), e_way[ins]
    length = great_circle_m(lat[u], lon[u], lat[v], lon[v])
    length[np.isnan(length)] = 0
    hw = hw_w[e_way]
    ms = ms_w[e_way]
    prog(0.3, f"道路グラフ作成中: リンク {u.size:,}")
    # ---- endpoints and simplification ------------------------------------------------------
    ep = _endpoints(n, u, v, hw)
    key = u * n + v
    pkeys, pfirst = np.unique(key, return_index=True)  # distinct pairs, first-inserted edge data
    pu, pv = pkeys // n, pkeys % n
    p_len, p_ms = length[pfirst], ms[pfirst]
    # up to two distinct successors per interior node
    s1 = np.full(n, -1, dtype=np.int64)
    s2 = np.full(n, -1, dtype=np.int64)
    firsts = np.r_[True, pu[1:] != pu[:-1]]  # pu is sorted
    s1[pu[firsts]] = pv[firsts]
    second = np.r_[False, (pu[1:] == pu[:-1])] & np.r_[False, firsts[:-1]]
    s2[pu[second]] = pv[second]
    start = ep[pu] & ~ep[pv]
    st = pu[start]
    prev = pu[start].copy()
    cur = pv[start].copy()
    acc = p_len[start].copy()
    accms = p_ms[start].copy()
    end = np.full(st.size, -1, dtype=np.int64)
    removed = np.zeros(n, dtype=bool)
    active = np.arange(st.size)
    steps = 0
    while active.size:
        steps += 1
        if steps > n + 1:  # cannot happen: interior nodes have two neighbours
            raise RuntimeError("road simplification did not terminate")
        c, pr = cur[active], prev[active]
        a1, a2 = s1[c], s2[c]
        nxt = np.where(a1 == pr, a2, np.where(a2 == pr, a1, np.where(a2 == -1, a1, -2)))
        if (nxt == -2).any():  # osmnx raises GraphSimplificationError here
            raise RuntimeError("impossible simplify pattern")
        stop = nxt == -1  # no way on: the path ends at this (non-endpoint) node, as osmnx
        end[active[stop]] = c[stop]
        go = ~stop
        act, c, nx_ = active[go], c[go], nxt[go]
        removed[c] = True
        pos_ = np.searchsorted(pkeys, c * n + nx_)
        acc[act] += p_len[pos_]
        accms[act] = np.fmin(accms[act], p_ms[pos_])
        prev[act] = c
        cur[act] = nx_
        done = ep[nx_]
        end[act[done]] = nx_[done]
        active = act[~done]
    prog(0.7, f"道路グラフ作成中: 単純化 {int(removed.sum()):,} ノード削除")
    keep_e = ~removed[u] & ~removed[v]
    new_ok = ~removed[st] & ~removed[end]
    U = np.concatenate([u[keep_e], st[new_ok]])
    V = np.concatenate([v[keep_e], end[new_ok]])
    L = np.concatenate([length[keep_e], acc[new_ok]])
    # a path's class is its first edge's class (interior nodes never join two classes)
    H = np.concatenate([hw[keep_e], hw[pfirst][start][new_ok]])
    M = np.concatenate([ms[keep_e], accms[new_ok]])
    keep_n = ~removed & _drop_rings(n, U, V, H)
    ek = keep_n[U] & keep_n[V]
    U, V, L, H, M = U[ek], V[ek], L[ek], H[ek], M[ek]
    new_index = np.cumsum(keep_n) - 1
    U, V = new_index[U], new_index[V]
    o = np.lexsort((L, V, U))
    prog(1.0, "道路グラフ作成完了")
    return RoadGraph(
        node_id=node_ids[keep_n],
        lon=lon[keep_n],
        lat=lat[keep_n],
        u=U[o],
        v=V[o],
        length_m=L[o],
        highway=classes[H[o]],
        maxspeed_kmh=M[o],
        meta=dict(meta or {}),
    )
