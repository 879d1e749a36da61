"""Measure the estimate's two numbers on a real road graph: circuity and effective speed.

The estimate used where no roads are loaded is straight line x circuity / speed. Both numbers
are settings; this module measures them on any road graph so they can be set from evidence:
for random node pairs in the largest strongly connected part (straight line >= `min_km`),
it finds the fastest route under the current speed table and records its length and time.
- circuity = median(route length / straight-line distance)
- effective_speed_kmh = median(route length / route time)
- estimate_speed_kmh = median(straight x circuity / route time): the speed that makes the
  estimate formula reproduce the route times at the median.
"""

from __future__ import annotations

import numpy as np

from core.geodesy import haversine_m
from geo.roads import RoadGraph
from geo.settings import Settings


def calibrate(
    roads: RoadGraph, settings: Settings | None = None, pairs: int = 1000, seed: int = 0, min_km: float = 1.0
) -> dict:
    """Measure circuity and an effective estimate speed on the road graph (see module docstring).

    Parameters
    ----------
    roads : RoadGraph
        The graph (lengths in metres).
    settings : Settings, optional
        Speeds used for edge times (default :class:`Settings()`).
    pairs : int
        Node pairs sampled.
    seed : int
        Seed of the sample (same seed, same answer).
    min_km : float
        Kilometres; shorter pairs are not sampled.

    Returns
    -------
    dict
        ``circuity`` (median road metres / straight metres) with its quartiles,
        ``effective_speed_kmh`` (median route speed), ``estimate_speed_kmh`` (the speed that
        makes the estimate reproduce route times at the median), the sample (pairs, sources,
        straight-line km) and the current settings, with a ja/en note.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components, dijkstra

    s = settings or Settings()
    n = roads.n_nodes
    tt = roads.travel_time_s(s)
    # fastest parallel edge and its length
    order = np.lexsort((tt, roads.v, roads.u))
    u, v, t, L = roads.u[order], roads.v[order], tt[order], roads.length_m[order]
    first = np.r_[True, (u[1:] != u[:-1]) | (v[1:] != v[:-1])]
    u, v, t, L = u[first], v[first], np.maximum(t[first], 1e-9), L[first]
    G = csr_matrix((t, (u, v)), shape=(n, n))
    Lm = csr_matrix((L, (u, v)), shape=(n, n))
    _, lab = connected_components(G, directed=True, connection="strong")
    big = np.flatnonzero(lab == np.argmax(np.bincount(lab)))
    rng = np.random.default_rng(seed)
    n_src = int(min(max(1, pairs // 20), big.size))
    per = int(np.ceil(pairs / n_src))
    src = rng.choice(big, n_src, replace=False)
    dist, pred = dijkstra(G, directed=True, indices=src, return_predecessors=True)
    row_parts: list[np.ndarray] = []
    tgt_parts: list[np.ndarray] = []
    for i, a in enumerate(src):
        cand = big[haversine_m(roads.lon[a], roads.lat[a], roads.lon[big], roads.lat[big]) >= min_km * 1000]
        if cand.size:
            pick = rng.choice(cand, min(per, cand.size), replace=False)
            row_parts.append(np.full(pick.size, i))
            tgt_parts.append(pick)
    if not row_parts:
        from core.errors import ParameterError

        raise ParameterError("道路網が小さすぎて較正できません。", "road graph too small to calibrate")
    rows = np.concatenate(row_parts)[:pairs]
    tgt = np.concatenate(tgt_parts)[:pairs]
    # walk predecessors back, summing edge lengths, all pairs at once
    length = np.zeros(tgt.size)
    cur = tgt.copy()
    active = np.not_equal(cur, src[rows])
    while active.any():
        prev = pred[rows[active], cur[active]]
        length[active] += np.asarray(Lm[prev, cur[active]]).ravel()
        cur[active] = prev
        active = np.not_equal(cur, src[rows])
    time_s = dist[rows, tgt]
    straight = haversine_m(roads.lon[src[rows]], roads.lat[src[rows]], roads.lon[tgt], roads.lat[tgt])
    ratio = length / straight
    eff = length / time_s * 3.6
    circ = float(np.median(ratio))
    est_speed = float(np.median(straight * circ / time_s * 3.6))
    return {
        "pairs": int(tgt.size),
        "sources": int(n_src),
        "graph_nodes": int(n),
        "component_nodes": int(big.size),
        "min_straight_km": min_km,
        "straight_km_median": round(float(np.median(straight)) / 1000, 2),
        "circuity": round(circ, 3),
        "circuity_p25_p75": [round(float(x), 3) for x in np.percentile(ratio, [25, 75])],
        "effective_speed_kmh": round(float(np.median(eff)), 2),
        "estimate_speed_kmh": round(est_speed, 2),
        "current_settings": {"circuity": s.circuity, "estimate_speed_kmh": s.estimate_speed_kmh},
        "note_ja": "推定式 直線距離×迂回率÷速度 が中央値で道路時間に一致する値です（速度表は現在の設定）。",
        "note_en": "values with which straight line x circuity / speed matches road times at the median (current speed table)",
    }
