"""Travel-time engine on a hand-made graph (one-way, unreachable, links) and on real Kumamoto roads."""

from __future__ import annotations

import numpy as np
import pytest
from roads_data import kumamoto_graph

from geo.links import Link, Links
from geo.roads import RoadGraph
from geo.settings import Settings
from geo.traveltime import METHOD_ESTIMATE, METHOD_LINK, METHOD_ROAD, TravelTimeEngine, estimate_minutes

# A tiny hand-made graph (not real data): nodes on a line 0.01 deg apart (~930 m at 33N).
#   0 -> 1 -> 2 one-way forward; 2 <-> 3 two-way; 4 <-> 5 a separate component.
LON = np.array([130.70, 130.71, 130.72, 130.73, 130.90, 130.91])
LAT = np.full(6, 33.0)


def tiny_graph() -> RoadGraph:
    u = np.array([0, 1, 2, 3, 4, 5])
    v = np.array([1, 2, 3, 2, 5, 4])
    length = np.array([1000.0, 1000.0, 1000.0, 1000.0, 500.0, 500.0])
    return RoadGraph(
        node_id=np.arange(6),
        lon=LON,
        lat=LAT,
        u=u,
        v=v,
        length_m=length,
        highway=np.array(["residential"] * 6),
        maxspeed_kmh=np.full(6, np.nan),
    )


SETTINGS = Settings(speeds_kmh={"residential": 36.0}, snap_threshold_m=300.0)  # 36 km/h = 100 s per km


def _engine(links=None):
    # every node of the tiny graph may be snapped to (it is smaller than the fragment rule)
    return TravelTimeEngine(tiny_graph(), SETTINGS, links=links, snap_nodes=np.ones(6, dtype=bool))


def test_one_way_street_is_respected():
    eng = _engine()
    pts = eng.points(LON[:4], LAT[:4])
    tm = eng.matrix(pts, pts)
    m = tm.minutes
    assert m[0, 2] == pytest.approx(200 / 60)  # 0 -> 1 -> 2 along the one-way
    assert m[0, 3] == pytest.approx(300 / 60)
    assert np.isinf(m[2, 0])  # against the one-way: no way back
    assert np.isinf(m[3, 1])
    assert m[3, 2] == pytest.approx(100 / 60)  # two-way part works both ways
    assert (tm.method == METHOD_ROAD).all()
    assert tm.method_name() == "road"


def test_other_component_is_unreachable_never_guessed():
    eng = _engine()
    o = eng.points(LON[[0, 4]], LAT[[0, 4]])
    d = eng.points(LON[[3, 5]], LAT[[3, 5]])
    tm = eng.matrix(o, d)
    assert np.isinf(tm.minutes[0, 1]) and np.isinf(tm.minutes[1, 0])
    assert tm.minutes[1, 1] == pytest.approx(50 / 60)
    assert not np.isnan(tm.minutes).any()


def test_access_time_and_off_network_estimate():
    eng = _engine()
    # 0.001 deg north of node 0 (~111 m): on network, access at 15 km/h (250 m/min)
    near = eng.points([LON[0]], [LAT[0] + 0.001])
    far = eng.points([LON[0]], [LAT[0] + 0.05])  # ~5.6 km away: off network
    d = eng.points([LON[2]], [LAT[2]])
    tm = eng.matrix(near, d)
    snap = near.snap_m[0]
    assert 100 < snap < 120
    assert tm.minutes[0, 0] == pytest.approx(200 / 60 + snap / 250.0)
    tm2 = eng.matrix(far, d)
    assert tm2.method[0, 0] == METHOD_ESTIMATE
    expect = estimate_minutes(LON[0], LAT[0] + 0.05, LON[2], LAT[2], SETTINGS)
    assert tm2.minutes[0, 0] == pytest.approx(float(expect))
    assert not far.on_network[0]


def test_cutoff_makes_slow_pairs_unreachable():
    eng = _engine()
    pts = eng.points(LON[:4], LAT[:4])
    tm = eng.matrix(pts, pts, cutoff_min=250 / 60)
    assert tm.minutes[0, 2] == pytest.approx(200 / 60)
    assert np.isinf(tm.minutes[0, 3])


def test_link_joins_components_with_crossing_time():
    link = Links([Link(LON[3], LAT[3], LON[4], LAT[4], 30.0, "ferry")])
    eng = _engine(link)
    o = eng.points(LON[[0]], LAT[[0]])
    d = eng.points(LON[[5]], LAT[[5]])
    tm = eng.matrix(o, d)
    assert tm.minutes[0, 0] == pytest.approx(300 / 60 + 30 + 50 / 60)
    assert tm.method[0, 0] == METHOD_LINK


def test_column_for_a_new_hub_matches_matrix():
    eng = _engine()
    pts = eng.points(LON[:4], LAT[:4])
    full = eng.matrix(pts, pts)
    eng.set_origins(pts)
    col, meth = eng.column(LON[3], LAT[3])
    np.testing.assert_allclose(col, full.minutes[:, 3])


def test_kumamoto_times_equal_networkx_shortest_paths():
    import networkx as nx

    g = kumamoto_graph(".osm.pbf")
    s = Settings()
    eng = TravelTimeEngine(g, s)
    rng = np.random.default_rng(7)
    usable = np.flatnonzero(eng.snapper.usable)
    src = rng.choice(usable, 40, replace=False)
    dst = rng.choice(usable, 12, replace=False)
    o = eng.points(g.lon[src], g.lat[src])
    d = eng.points(g.lon[dst], g.lat[dst])
    assert (o.node == src).all() and np.allclose(o.snap_m, 0, atol=1e-3)
    tm = eng.matrix(o, d)
    G = g.to_networkx(s)
    checked = 0
    for j, t in enumerate(dst):
        lengths = nx.single_source_dijkstra_path_length(G.reverse(copy=False), int(t), weight="travel_time")
        for i, a in enumerate(src):
            expect = lengths.get(int(a), np.inf) / 60.0
            if np.isinf(expect):
                assert np.isinf(tm.minutes[i, j])
            else:
                assert abs(tm.minutes[i, j] - expect) < 1e-6
                checked += 1
    assert checked > 400
    # one-way streets make the matrix asymmetric somewhere
    both = eng.matrix(d, d).minutes
    assert np.nanmax(np.abs(both - both.T)[np.isfinite(both - both.T)]) > 0.01


def test_speed_table_change_changes_times():
    g = kumamoto_graph(".osm.pbf")
    s = Settings()
    fast = s.with_(
        speeds_kmh={k: 2 * v for k, v in s.speeds_kmh.items()},
        fallback_speed_kmh=2 * s.fallback_speed_kmh,
        maxspeed_factor=2 * s.maxspeed_factor,
    )
    idx = np.array([10, 2000, 5000])
    e1, e2 = TravelTimeEngine(g, s), TravelTimeEngine(g, fast)
    p1 = e1.points(g.lon[idx], g.lat[idx])
    p2 = e2.points(g.lon[idx], g.lat[idx])
    m1, m2 = e1.matrix(p1, p1).minutes, e2.matrix(p2, p2).minutes
    fin = np.isfinite(m1) & (m1 > 0)
    acc = (p1.snap_m[:, None] + p1.snap_m[None, :]) / 250.0
    np.testing.assert_allclose((m2 - acc)[fin], ((m1 - acc) / 2)[fin], rtol=1e-9, atol=1e-9)


def test_parallel_dijkstra_equals_single_process(monkeypatch):
    import geo.traveltime as tt

    g = kumamoto_graph(".osm.pbf")
    eng = TravelTimeEngine(g, Settings())
    rng = np.random.default_rng(11)
    usable = np.flatnonzero(eng.snapper.usable)
    o = eng.points(g.lon[usable[:500]], g.lat[usable[:500]])
    d = eng.points(*(lambda i: (g.lon[i], g.lat[i]))(rng.choice(usable, 16, replace=False)))
    monkeypatch.setenv("MADOGUCHI_WORKERS", "1")
    single = eng.matrix(o, d).minutes
    monkeypatch.setenv("MADOGUCHI_WORKERS", "2")
    monkeypatch.setattr(tt, "_PARALLEL_MIN_CELLS", 0)
    assert tt._workers(16, g.n_nodes) == 2
    par = eng.matrix(o, d).minutes
    np.testing.assert_array_equal(single, par)
