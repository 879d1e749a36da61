"""Travel times on real region bundles: Ibaraki (estimate), Kumamoto (mixed, real OSM), Okinawa (islands)."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest

from geo.links import Link, Links
from geo.traveltime import (
    METHOD_ESTIMATE,
    METHOD_LINK,
    METHOD_ROAD,
    estimate_minutes,
    municipality_table,
    region_engine,
    region_matrix,
    summarize,
)


def _fresh(region, tmp_path):
    """The same region with its cache in a private folder."""
    return dataclasses.replace(region, path=tmp_path)


def test_ibaraki_full_matrix_in_estimate_mode(ibaraki_region, tmp_path):
    r = _fresh(ibaraki_region, tmp_path)
    cand = r.sites[r.sites["kind"] == "candidate"]
    tm = region_matrix(r, sites=cand)
    assert tm.shape == (len(r.demand), len(cand))
    assert not np.isnan(tm.minutes).any()
    assert np.isfinite(tm.minutes).all()  # Ibaraki is one landmass
    assert (tm.method == METHOD_ESTIMATE).all()
    assert tm.method_name() == "estimate"
    s = summarize(tm, r.demand["population"].to_numpy(float), engine=region_engine(r))
    assert s["method"] == "estimate" and s["road_share_population"] == 0.0
    assert s["unreachable_demand_points"] == 0 and s["max_snap_m"] is None
    json.dumps(s, allow_nan=False)
    mt = municipality_table(tm, r.demand, r.municipalities)
    assert len(mt) == len(r.municipalities)
    assert mt["mean_minutes"].notna().all() and (mt["mean_minutes"] > 0).all()
    assert mt["estimate_share"].eq(1.0).all()
    # the mean is population-weighted over the municipality's points
    code = mt["code"].iloc[0]
    sel = (r.demand["muni_code"] == code).to_numpy()
    w = r.demand["population"].to_numpy(float)[sel]
    t = tm.minutes[sel].min(axis=1)
    assert mt["mean_minutes"].iloc[0] == pytest.approx(np.sum(w * t) / np.sum(w))


def test_ibaraki_cache_reload_and_invalidation(ibaraki_region, tmp_path):
    r = _fresh(ibaraki_region, tmp_path)
    tm1 = region_matrix(r)
    assert tm1.meta["cache"]["columns_computed"] == len(r.sites)
    t0 = time.perf_counter()
    tm2 = region_matrix(r)
    dt = time.perf_counter() - t0
    assert dt < 1.0
    assert tm2.meta["cache"]["columns_computed"] == 0
    np.testing.assert_array_equal(tm1.minutes, tm2.minutes)
    # a new site: exactly one new column
    new = r.sites.iloc[:1].copy()
    new["site_id"] = "NEW"
    new["lon"] = new["lon"] + 0.05
    import pandas as pd

    both = pd.concat([r.sites.iloc[:5], new])
    tm3 = region_matrix(r, sites=both)
    assert tm3.meta["cache"]["columns_computed"] == 1 and tm3.meta["cache"]["columns_read"] == 5
    np.testing.assert_array_equal(tm3.minutes[:, :5], tm1.minutes[:, :5])
    # a changed speed (estimate speed) invalidates every column
    slow = dataclasses.replace(r, settings=r.settings.with_(estimate_speed_kmh=16.0))
    tm4 = region_matrix(slow)
    assert tm4.meta["cache"]["columns_computed"] == len(r.sites)
    np.testing.assert_allclose(tm4.minutes, tm1.minutes * 2)
    # the key covers the whole speed table, so a changed table never serves stale times
    other = dataclasses.replace(r, settings=r.settings.with_(speeds_kmh={**r.settings.speeds_kmh, "trunk": 50.0}))
    assert region_matrix(other).meta["cache"]["columns_computed"] == len(r.sites)
    files = list((tmp_path / "cache" / "traveltime").glob("demand-*.npz"))
    assert len(files) == 3  # one per distinct key; the new site was merged into the first
    # a site without coordinates is refused by name, not silently dropped
    from core.errors import ParameterError

    nocoord = r.sites.iloc[:2].copy()
    nocoord.loc[nocoord.index[1], ["lon", "lat"]] = np.nan
    with pytest.raises(ParameterError) as ei:
        region_matrix(r, sites=nocoord)
    assert str(nocoord["name"].iloc[1]) in ei.value.message("ja")


def test_new_hub_column_is_fast_and_equal(ibaraki_region, tmp_path):
    r = _fresh(ibaraki_region, tmp_path)
    tm = region_matrix(r)
    eng = region_engine(r)
    s = r.sites.iloc[3]
    t0 = time.perf_counter()
    col, meth = eng.column(float(s.lon), float(s.lat), str(s.muni_code))
    assert time.perf_counter() - t0 < 0.5
    np.testing.assert_allclose(col, tm.minutes[:, 3])
    # a site x site matrix in between does not change what column() answers for
    from geo.traveltime import site_matrix

    site_matrix(r)
    col2, _ = eng.column(float(s.lon), float(s.lat), str(s.muni_code))
    np.testing.assert_array_equal(col2, col)


def test_kumamoto_mixed_matrix_on_real_osm(kumamoto_region, tmp_path):
    import networkx as nx

    r = _fresh(kumamoto_region, tmp_path)
    assert r.roads is not None and r.roads.road_source == "osm" and r.roads.n_nodes > 5000
    tm = region_matrix(r)
    assert tm.method_name() == "mixed"
    assert not np.isnan(tm.minutes).any()
    eng = region_engine(r)
    pop = r.demand["population"].to_numpy(float)
    s = summarize(tm, pop, engine=eng)
    assert s["method"] == "mixed"
    on_share = pop[tm.origin_on_network].sum() / pop.sum()
    assert 0 < s["road_share_population"] <= on_share + 1e-12 < 1
    assert 0 < s["max_snap_m"] <= r.settings.snap_threshold_m
    assert s["components"] >= 1
    # road pairs equal networkx shortest paths (+ access drives) to 1e-6 min
    road_cols = np.flatnonzero(tm.dest_on_network)
    assert road_cols.size >= 1
    j = int(road_cols[0])
    G = r.roads.to_networkx(r.settings).reverse(copy=False)
    dnode = int(region_engine(r).points([r.sites.lon.iloc[j]], [r.sites.lat.iloc[j]]).node[0])
    lengths = nx.single_source_dijkstra_path_length(G, dnode, weight="travel_time")
    acc = r.settings.access_speed_kmh * 1000 / 60
    pts = eng.points(r.demand.lon.to_numpy(float), r.demand.lat.to_numpy(float), r.demand.muni_code.tolist())
    rng = np.random.default_rng(3)
    rows = rng.choice(np.flatnonzero(tm.origin_on_network), 60, replace=False)
    for i in rows:
        expect = lengths.get(int(pts.node[i]), np.inf) / 60 + pts.snap_m[i] / acc + tm.dest_snap_m[j] / acc
        assert tm.method[i, j] == METHOD_ROAD
        if np.isinf(expect):
            assert np.isinf(tm.minutes[i, j])
        else:
            assert abs(tm.minutes[i, j] - expect) < 1e-6
    # off-network pairs are labelled estimates
    off = ~tm.origin_on_network
    assert (tm.method[off] == METHOD_ESTIMATE).all()


def _okinawa_naha_only(r):
    naha = r.sites[r.sites["muni_code"] == "47201"]
    assert len(naha) >= 1
    return naha.iloc[:1]


def test_okinawa_islands_unreachable_without_links(okinawa_region, tmp_path):
    r = _fresh(okinawa_region, tmp_path)
    site = _okinawa_naha_only(r)
    tm = region_matrix(r, sites=site)
    mt = municipality_table(tm, r.demand, r.municipalities).set_index("name")
    for island in ("宮古島市", "石垣市", "久米島町", "与那国町", "南大東村"):
        assert mt.loc[island, "unreachable_points"] == mt.loc[island, "demand_points"] > 0
        assert np.isnan(mt.loc[island, "mean_minutes"])
    for main in ("那覇市", "名護市", "国頭村", "うるま市"):
        assert mt.loc[main, "unreachable_points"] == 0
    s = summarize(tm, r.demand["population"].to_numpy(float), engine=region_engine(r))
    island_pop = mt.loc[["宮古島市", "石垣市", "久米島町"], "population"].sum()
    assert s["unreachable_population"] >= island_pop
    assert s["unreachable_population"] < 0.2 * s["population_total"]
    assert s["landmasses"] >= 10
    assert not np.isnan(tm.minutes).any()


def test_okinawa_link_makes_kumejima_reachable_with_crossing_time(okinawa_region, tmp_path):
    r = _fresh(okinawa_region, tmp_path)
    site = _okinawa_naha_only(r)
    d = r.demand
    # link ends: a real 那覇市 settlement point and a real 久米島町 settlement point (test link, 200 min)
    a = d[d["muni_code"] == "47201"].iloc[0]
    kume = d[d["muni_code"] == "47361"]
    b = kume.iloc[0]
    links = Links([Link(float(a.lon), float(a.lat), float(b.lon), float(b.lat), 200.0, "test ferry")])
    tm = region_matrix(r, sites=site, links=links)
    s = r.settings
    rows = kume.index.to_numpy()
    to_port = estimate_minutes(site.lon.iloc[0], site.lat.iloc[0], a.lon, a.lat, s)
    from_port = estimate_minutes(b.lon, b.lat, kume.lon.to_numpy(float), kume.lat.to_numpy(float), s)
    np.testing.assert_allclose(tm.minutes[rows, 0], from_port + 200.0 + to_port, rtol=1e-12)
    assert (tm.method[rows, 0] == METHOD_LINK).all()
    # Miyako is still unreachable: the link does not touch it
    miyako = (d["muni_code"] == "47214").to_numpy()
    assert np.isinf(tm.minutes[miyako, 0]).all()


def test_isochrones_road_and_estimate(kumamoto_region, okinawa_region):
    from geo.isochrones import region_isochrones

    k = kumamoto_region
    eng = region_engine(k)
    pts = eng.points(k.sites.lon.to_numpy(float), k.sites.lat.to_numpy(float), k.sites.muni_code.tolist())
    on = k.sites[pts.on_network]
    off = k.sites[~pts.on_network]
    iso = region_isochrones(k, [on.site_id.iloc[0], off.site_id.iloc[0]], thresholds=(15, 30))
    assert set(iso["method"]) == {"road", "estimate"}
    for _sid, g in iso.groupby("site_id"):
        a = g.sort_values("minutes")["area_km2"].to_numpy()
        assert a[0] > 0 and a[1] >= a[0]
    o = okinawa_region
    kume = o.sites[o.sites["muni_code"] == "47361"].site_id.iloc[0]
    iso2 = region_isochrones(o, [kume], thresholds=(60,))
    area_kume = o.municipalities[o.municipalities.code == "47361"].to_crs(3099).area.sum() / 1e6
    assert 0 < iso2["area_km2"].iloc[0] <= area_kume * 1.01  # kept to the island


def test_site_matrix_for_routes(kumamoto_region, okinawa_region, tmp_path):
    from geo.traveltime import site_matrix

    r = _fresh(kumamoto_region, tmp_path)
    sm = site_matrix(r)
    n = len(r.sites)
    assert sm.shape == (n, n)
    assert np.all(np.diag(sm.minutes) == 0)
    assert not np.isnan(sm.minutes).any()
    # Kumamoto's mainland and Amakusa are separate landmasses without a bridge link
    lm = sm.dest_landmass
    assert len(set(lm.tolist())) == 2
    cross = lm[:, None] != lm[None, :]
    assert np.isinf(sm.minutes[cross]).all() and np.isfinite(sm.minutes[~cross]).all()
    assert site_matrix(r).meta["cache"]["columns_computed"] == 0
    o = _fresh(okinawa_region, tmp_path / "o")
    so = site_matrix(o)
    assert np.isinf(so.minutes).any()  # islands
