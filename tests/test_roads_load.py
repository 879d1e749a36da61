"""Road graph loading on the real Kumamoto OSM extract (XML and PBF), line layers, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from roads_data import kumamoto_graph, kumamoto_osm_path

from core.errors import InputFileError
from geo.roads import RoadGraph, is_drivable, load_roads, parse_maxspeed_kmh
from geo.settings import Settings


def _edge_set(g: RoadGraph) -> set:
    return {
        (int(a), int(b), h, round(float(L), 6))
        for a, b, h, L in zip(g.node_id[g.u], g.node_id[g.v], g.highway, g.length_m)
    }


def test_kumamoto_pbf_is_an_osm_drive_graph():
    g = kumamoto_graph(".osm.pbf")
    assert g.road_source == "osm"
    assert 5000 <= g.n_nodes <= 10000  # README: simplifies to about 7,200 graph nodes
    assert g.n_edges > g.n_nodes
    assert g.meta["ways_drivable"] == 6241
    assert g.meta["file_date"] == "2023-01-05"
    # inside the documented bbox
    assert g.lon.min() >= 130.653 and g.lon.max() <= 130.787
    assert g.lat.min() >= 32.754 and g.lat.max() <= 32.857
    # one-way streets exist: some edge (a,b) with no (b,a)
    fwd = set(zip(g.u.tolist(), g.v.tolist()))
    assert any((b, a) not in fwd for a, b in fwd)
    k, labels = g.components()
    assert k >= 1 and np.bincount(labels).max() > 0.95 * g.n_nodes


def test_osm_xml_gives_identical_graph():
    a = kumamoto_graph(".osm.pbf")
    b = kumamoto_graph(".osm")
    assert set(a.node_id.tolist()) == set(b.node_id.tolist())
    assert _edge_set(a) == _edge_set(b)
    assert a.fingerprint() == b.fingerprint()


def test_truncated_pbf_is_a_clear_input_error(tmp_path):
    src = kumamoto_osm_path(".osm.pbf")
    bad = tmp_path / "truncated.osm.pbf"
    bad.write_bytes(src.read_bytes()[:100_000])
    with pytest.raises(InputFileError) as ei:
        load_roads(bad)
    assert "truncated.osm.pbf" in ei.value.message("ja")
    assert "truncated" in ei.value.message("en")


def test_missing_and_unknown_files(tmp_path):
    with pytest.raises(InputFileError):
        load_roads(tmp_path / "nope.osm.pbf")
    odd = tmp_path / "roads.xyz"
    odd.write_text("x")
    with pytest.raises(InputFileError):
        load_roads(odd)


def test_save_load_roundtrip_and_fingerprint(tmp_path):
    g = kumamoto_graph(".osm.pbf")
    g.save(tmp_path / "roads")
    h = RoadGraph.load(tmp_path / "roads")
    assert h.fingerprint() == g.fingerprint()
    assert h.meta["kind"] == "osm"
    np.testing.assert_array_equal(h.highway, g.highway)
    with pytest.raises(InputFileError):
        RoadGraph.load(tmp_path / "empty")


def test_travel_time_follows_speed_table():
    g = kumamoto_graph(".osm.pbf")
    s = Settings()
    t = g.travel_time_s(s)
    assert np.all(np.isfinite(t)) and np.all(t >= 0)
    res = g.highway == "residential"
    untagged = np.isnan(g.maxspeed_kmh)
    sel = res & untagged
    np.testing.assert_allclose(t[sel], g.length_m[sel] / (s.speeds_kmh["residential"] / 3.6))
    faster = s.with_(speeds_kmh={**s.speeds_kmh, "residential": 36.0})
    t2 = g.travel_time_s(faster)
    np.testing.assert_allclose(t2[sel], t[sel] / 2)
    assert np.array_equal(t2[~res], t[~res])
    # a tagged maxspeed can only lower the class speed: 30 km/h x 0.7 = 21 km/h
    tagged30 = g.maxspeed_kmh == 30
    assert tagged30.any()
    sp = g.edge_speed_kmh(s)
    assert np.all(sp[tagged30] <= 21.0 + 1e-9)


def test_clip_to_polygon_counts_what_it_drops():
    from shapely.geometry import box

    # the western third of the extract's bbox
    poly = box(130.654, 32.754, 130.70, 32.856)
    g = load_roads(kumamoto_osm_path(".osm.pbf"), clip_polygon=poly, clip_buffer_m=0)
    full = kumamoto_graph(".osm.pbf")
    assert 0 < g.n_nodes < full.n_nodes
    assert g.meta["edges_clipped"] > 0
    assert g.lon.max() <= 130.70 + 1e-9


def test_drive_filter_matches_osmnx_semantics():
    assert is_drivable({"highway": "residential"})
    assert not is_drivable({"highway": "footway"})
    assert not is_drivable({"highway": "service"})
    assert not is_drivable({"highway": "primary", "access": "private"})
    assert not is_drivable({"highway": "tertiary", "motor_vehicle": "no"})
    assert not is_drivable({"building": "yes"})
    assert parse_maxspeed_kmh("50") == 50
    assert math.isclose(parse_maxspeed_kmh("30 mph"), 48.28032)
    assert parse_maxspeed_kmh(["40", "30"]) == 30
    assert math.isnan(parse_maxspeed_kmh("JP:urban"))
    assert math.isnan(parse_maxspeed_kmh(None))


def test_line_layer_from_real_edges(tmp_path):
    """Export real Kumamoto edges as a line layer (GeoPackage) and load it back."""
    import geopandas as gpd
    from shapely.geometry import LineString

    g = kumamoto_graph(".osm.pbf")
    # one feature per street (keep u<v of two-way pairs; one-way edges flagged)
    pairs = set(zip(g.u.tolist(), g.v.tolist()))
    rows = []
    for i, (a, b) in enumerate(zip(g.u.tolist(), g.v.tolist())):
        two_way = (b, a) in pairs
        if two_way and a > b:
            continue
        rows.append(
            {
                "highway": g.highway[i],
                "oneway": "no" if two_way else "yes",
                "geometry": LineString([(g.lon[a], g.lat[a]), (g.lon[b], g.lat[b])]),
            }
        )
    gdf = gpd.GeoDataFrame(rows, crs="EPSG:4326")
    path = tmp_path / "lines.gpkg"
    gdf.to_file(path)
    h = load_roads(path)
    assert h.road_source == "lines"
    assert h.meta["class_column"] == "highway"
    assert h.n_nodes == len(np.unique(np.r_[g.u, g.v]))
    # loops (u==v) cannot be expressed by endpoints: they are dropped and counted
    n_loops = int((g.u == g.v).sum())
    assert h.meta["loops_dropped"] == n_loops
    assert abs(h.n_edges - (g.n_edges - n_loops)) <= 0.01 * g.n_edges
    # speed column instead of class
    gdf2 = gdf.drop(columns=["highway"]).assign(speed_kmh=30.0)
    p2 = tmp_path / "lines_speed.geojson"
    gdf2.to_file(p2, driver="GeoJSON")
    h2 = load_roads(p2)
    np.testing.assert_allclose(h2.edge_speed_kmh(Settings()), 30.0)
    # no class or speed column -> clear error
    p3 = tmp_path / "bare.geojson"
    gdf[["geometry"]].to_file(p3, driver="GeoJSON")
    with pytest.raises(InputFileError):
        load_roads(p3)


def test_gsi_road_classes_map_to_osm_speeds(tmp_path):
    import geopandas as gpd
    from shapely.geometry import LineString

    gdf = gpd.GeoDataFrame(
        {"rdCtg": ["国道", "市区町村道等"]},
        geometry=[LineString([(130.70, 32.80), (130.71, 32.80)]), LineString([(130.71, 32.80), (130.71, 32.81)])],
        crs="EPSG:4326",
    )
    p = tmp_path / "gsi.geojson"
    gdf.to_file(p, driver="GeoJSON")
    h = load_roads(p)
    assert set(h.highway.tolist()) == {"trunk", "unclassified"}
    assert h.n_edges == 4  # two-way
    assert h.n_nodes == 3


def test_download_without_network_is_a_clear_error(monkeypatch, tmp_path):
    import osmnx as ox
    from shapely.geometry import box

    from core.errors import MadoguchiError
    from geo.roads import download_roads

    # .invalid never resolves (RFC 2606): this checks the offline path without any traffic
    monkeypatch.setattr(ox.settings, "overpass_url", "https://overpass.invalid/api")
    with pytest.raises(MadoguchiError) as ei:
        download_roads(box(130.70, 32.79, 130.71, 32.80), cache_folder=tmp_path)
    assert "download failed" in ei.value.message("en")
    assert "ダウンロード" in ei.value.message("ja")
