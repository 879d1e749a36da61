"""Partnerships: contiguity, k connected groups above a population floor, evaluation, user groups."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from core.errors import InputFileError, ParameterError
from models.partnership import (
    _connected,
    adjacency_from_times,
    contiguity,
    evaluate,
    link_islands,
    read_groups,
    regionalize,
)


def _grid(nx=4, ny=3, island=True):
    """A hand-made 4 x 3 grid of 10 km square 'municipalities' (+ one offshore island)."""
    geoms, codes = [], []
    for y in range(ny):
        for x in range(nx):
            geoms.append(box(140 + x * 0.1, 36 + y * 0.1, 140 + (x + 1) * 0.1, 36 + (y + 1) * 0.1))
            codes.append(f"{len(codes) + 1:05d}")
    if island:
        geoms.append(box(140.6, 36.0, 140.65, 36.05))
        codes.append(f"{len(codes) + 1:05d}")
    g = gpd.GeoDataFrame({"code": codes, "name": [f"m{c}" for c in codes]}, geometry=geoms, crs="EPSG:4326")
    b = g.geometry.bounds
    c = np.c_[(b.minx + b.maxx) / 2, (b.miny + b.maxy) / 2] * 100  # ~minutes (labelled fixture)
    T = np.linalg.norm(c[:, None] - c[None], axis=2)
    return g, T


def test_contiguity_and_island_link():
    g, T = _grid()
    adj = contiguity(g)
    assert adj[0] == {1, 4, 5}  # queen contiguity (corner touch counts)
    assert adj[12] == set()
    adj2, added = link_islands(adj, T)
    assert added == [(12, 3)] and 12 in adj2[3]
    # unreachable island stays alone
    T2 = T.copy()
    T2[12, :] = T2[:, 12] = np.inf
    adj3, added3 = link_islands(adj, T2)
    assert added3 == [] and adj3[12] == set()


def test_regionalize_connected_and_above_floor():
    g, T = _grid(island=False)
    pop = np.array([50, 10, 10, 60, 10, 80, 10, 10, 40, 10, 10, 70.0]) * 1000
    adj = contiguity(g)
    for k, floor in ((2, 100_000), (3, 90_000), (4, 50_000)):
        lab = regionalize(T, pop, adj, k, floor)
        assert set(lab.tolist()) == set(range(k))
        for grp in range(k):
            members = set(np.flatnonzero(lab == grp).tolist())
            assert _connected(members, adj)
            assert pop[list(members)].sum() >= floor


def test_regionalize_errors():
    g, T = _grid(island=False)
    pop = np.full(12, 1000.0)
    adj = contiguity(g)
    with pytest.raises(ParameterError, match="total population"):
        regionalize(T, pop, adj, 3, 5000)
    with pytest.raises(ParameterError):
        regionalize(T, pop, adj, 13, 0)
    p2 = pop.copy()
    p2[3] = np.nan
    with pytest.raises(ParameterError):
        regionalize(T, p2, adj, 2, 0)
    gi, Ti = _grid()
    with pytest.raises(ParameterError, match="disconnected"):
        regionalize(Ti, np.full(13, 1000.0), contiguity(gi), 1, 0)


def test_time_adjacency():
    T = np.array([[0, 10, 50], [10, 0, 20], [50, 20, 0.0]])
    assert adjacency_from_times(T, 25) == {0: {1}, 1: {0, 2}, 2: {1}}


def test_evaluate_host_and_times():
    codes = ["A", "B"]
    # 3 demand points: two in A, one in B; sites: one in A, one in B
    D = np.array([[5.0, 30.0], [10.0, 20.0], [40.0, 2.0]])
    w = np.array([100.0, 100.0, 10.0])
    gs = evaluate(
        ["g", "g"],
        codes,
        ["a", "b"],
        [200, 10],
        {0: {1}, 1: {0}},
        D,
        w,
        ["A", "A", "B"],
        ["sA", "sB"],
        ["site A", "site B"],
        ["A", "B"],
        min_pop=100,
    )
    (grp,) = gs
    assert grp.host_site_id == "sA" and grp.connected and grp.meets_min
    assert grp.mean_min == pytest.approx((500 + 1000 + 400) / 210)
    assert grp.worst_min == 40.0
    assert grp.member_mean_min["B"] == 40.0


def test_read_groups():
    df = pd.DataFrame({"code": ["8201", "08202"], "group": ["県央", "県北"]})
    assert read_groups(df, ["08201", "08202"]).tolist() == ["県央", "県北"]
    with pytest.raises(InputFileError, match="missing 1"):
        read_groups(df, ["08201", "08202", "08203"])
    with pytest.raises(InputFileError):
        read_groups(pd.DataFrame({"x": [1]}), ["08201"])
