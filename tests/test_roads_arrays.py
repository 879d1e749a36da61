"""Array road engine (geo.osm_extract + geo.osm_graph) against the osmnx engine on the REAL
Kumamoto sample, compact bundle storage, progress, clipping, and the SYNTHETIC tiled input."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import cache

import numpy as np
import pytest
from roads_data import kumamoto_graph, kumamoto_osm_path
from shapely.geometry import box

from geo.osm_extract import read_drive_ways
from geo.osm_graph import build_graph
from geo.roads import RoadGraph, choose_engine, load_roads
from geo.settings import Settings


@cache
def arrays_graph(suffix: str = ".osm.pbf") -> RoadGraph:
    return load_roads(kumamoto_osm_path(suffix), engine="arrays")


@cache
def osmnx_graph(suffix: str = ".osm.pbf") -> RoadGraph:
    return load_roads(kumamoto_osm_path(suffix), engine="osmnx")


def _edges(g: RoadGraph) -> Counter:
    return Counter(
        (int(a), int(b), str(h), round(float(L), 6), None if np.isnan(m) else float(m))
        for a, b, h, L, m in zip(g.node_id[g.u], g.node_id[g.v], g.highway, g.length_m, g.maxspeed_kmh)
    )


@pytest.mark.parametrize("suffix", [".osm.pbf", ".osm"])
def test_arrays_engine_equals_osmnx_on_real_kumamoto(suffix):
    a, b = arrays_graph(suffix), osmnx_graph(suffix)
    assert a.meta["engine"] == "arrays" and b.meta["engine"] == "osmnx"
    assert a.n_nodes == b.n_nodes and a.n_edges == b.n_edges
    assert 5000 <= a.n_nodes <= 10000  # the shared README: about 7,200 graph nodes
    assert set(a.node_id.tolist()) == set(b.node_id.tolist())
    assert _edges(a) == _edges(b)  # every edge: ends, class, length, maxspeed
    ia, ib = np.argsort(a.node_id), np.argsort(b.node_id)
    np.testing.assert_array_equal(a.lon[ia], b.lon[ib])
    np.testing.assert_array_equal(a.lat[ia], b.lat[ib])
    for k in ("ways_read", "ways_drivable", "ways_missing_nodes", "ways_outside_clip"):
        assert a.meta[k] == b.meta[k]


def test_travel_times_on_random_pairs_equal_to_1e6_min():
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    s = Settings()
    rng = np.random.default_rng(7)
    a, b = arrays_graph(), osmnx_graph()
    ids = np.sort(a.node_id)
    src = rng.choice(ids, 40, replace=False)
    dst = rng.choice(ids, 300, replace=False)

    def minutes(g):
        idx = {int(x): i for i, x in enumerate(g.node_id)}
        w = g.travel_time_s(s) / 60.0
        # min over parallel edges, as the engine does
        order = np.lexsort((w, g.v, g.u))
        uu, vv, ww = g.u[order], g.v[order], w[order]
        first = np.r_[True, (uu[1:] != uu[:-1]) | (vv[1:] != vv[:-1])]
        m = csr_matrix((ww[first], (uu[first], vv[first])), shape=(g.n_nodes, g.n_nodes))
        d = dijkstra(m, directed=True, indices=[idx[int(x)] for x in src])
        return d[:, [idx[int(x)] for x in dst]]

    ta, tb = minutes(a), minutes(b)
    np.testing.assert_array_equal(np.isinf(ta), np.isinf(tb))
    fin = np.isfinite(ta)
    assert fin.mean() > 0.5  # most pairs are connected: the check compares real routes
    assert np.max(np.abs(ta[fin] - tb[fin])) <= 1e-6


def test_engine_choice_and_flag():
    p = kumamoto_osm_path(".osm.pbf")
    assert choose_engine(p, "auto") == "osmnx"  # a 0.2 MB file stays on the reference engine
    assert choose_engine(p, "arrays") == "arrays"
    from core.errors import ParameterError

    with pytest.raises(ParameterError):
        choose_engine(p, "fast")


def test_one_way_rules_and_simplification_unit():
    """Hand-made ways: oneway=-1 is reversed, a roundabout is one-way, a chain simplifies."""
    from geo.osm_extract import WayArrays

    # nodes 1-2-3-4 two-way residential chain; 4-5 oneway=-1 (travel 5->4); ring 5-6-7-5 roundabout
    ways = [
        (10, [1, 2, 3, 4], "residential", None, None),
        (11, [4, 5], "tertiary", "-1", None),
        (12, [5, 6, 7, 5], "tertiary", None, "roundabout"),
    ]
    refs = [r for w in ways for r in w[1]]
    xs = np.array([1307000000 + r * 10000 for r in refs], dtype=np.int32)
    ys = np.array([327900000 + (r % 3) * 10000 for r in refs], dtype=np.int32)
    wa = WayArrays(
        way_id=np.array([w[0] for w in ways]),
        ptr=np.r_[0, np.cumsum([len(w[1]) for w in ways])],
        refs=np.array(refs, dtype=np.int64),
        x=xs,
        y=ys,
        highway=[w[2] for w in ways],
        oneway=[w[3] for w in ways],
        junction=[w[4] for w in ways],
        maxspeed=[None, "40", None],
    )
    g = build_graph(wa)
    pairs = {(int(g.node_id[a]), int(g.node_id[b])) for a, b in zip(g.u, g.v)}
    assert (1, 4) in pairs and (4, 1) in pairs  # chain 1-2-3-4 became one edge each way
    assert 2 not in g.node_id and 3 not in g.node_id
    assert (5, 4) in pairs and (4, 5) not in pairs  # oneway=-1: against the node order only
    assert (5, 5) in pairs  # the one-way roundabout simplified to a loop at its junction node
    tagged = g.maxspeed_kmh[(g.node_id[g.u] == 5) & (g.node_id[g.v] == 4)]
    assert tagged.tolist() == [40.0]
    chain = g.length_m[(g.node_id[g.u] == 1) & (g.node_id[g.v] == 4)][0]
    from geo.osm_graph import great_circle_m

    lon, lat = xs[:4] / 1e7, ys[:4] / 1e7
    assert chain == pytest.approx(great_circle_m(lat[:-1], lon[:-1], lat[1:], lon[1:]).sum(), rel=1e-12)


def test_clip_equal_between_engines_and_partial_coverage():
    poly = box(130.70, 32.78, 130.74, 32.82)
    a = load_roads(kumamoto_osm_path(".osm.pbf"), clip_polygon=poly, clip_buffer_m=0, engine="arrays")
    b = load_roads(kumamoto_osm_path(".osm.pbf"), clip_polygon=poly, clip_buffer_m=0, engine="osmnx")
    assert _edges(a) == _edges(b)
    assert a.meta["ways_outside_clip"] > 0 and a.meta["edges_clipped"] == b.meta["edges_clipped"] > 0
    assert a.lon.min() >= 130.70 and a.lon.max() <= 130.74
    full = arrays_graph()
    assert a.n_nodes < full.n_nodes


def test_progress_reports_bytes_and_ways():
    seen = []
    load_roads(kumamoto_osm_path(".osm"), engine="arrays", progress=lambda f, m: seen.append((f, m)))
    fr = [f for f, _ in seen]
    assert fr == sorted(fr) and fr[-1] == 1.0 and all(0 <= f <= 1 for f in fr)
    assert any("MB" in m or "道路" in m for _, m in seen)


def test_compact_store_roundtrip_is_bit_exact(tmp_path):
    g = arrays_graph()
    g.save(tmp_path / "roads")
    info = json.loads((tmp_path / "roads" / "roads.json").read_text(encoding="utf-8"))
    assert info["version"] == 2 and info["meta"]["engine"] == "arrays"
    h = RoadGraph.load(tmp_path / "roads")
    assert h.fingerprint() == g.fingerprint()
    for name in ("node_id", "lon", "lat", "u", "v", "length_m", "highway", "maxspeed_kmh", "speed_kmh"):
        np.testing.assert_array_equal(getattr(h, name), getattr(g, name))
    np.testing.assert_array_equal(h.edge_speed_kmh(), g.edge_speed_kmh())
    # smaller than the previous compressed format would be uncompressed
    size = (tmp_path / "roads" / "roads.npz").stat().st_size
    assert size < g.n_edges * (8 + 8 + 8 + 8 + 8 + 4 * 14) + g.n_nodes * 24


def test_old_format_v1_still_loads(tmp_path):
    g = kumamoto_graph(".osm.pbf")
    d = tmp_path / "old"
    d.mkdir()
    np.savez_compressed(
        d / "roads.npz",
        node_id=g.node_id,
        lon=g.lon,
        lat=g.lat,
        u=g.u,
        v=g.v,
        length_m=g.length_m,
        highway=g.highway,
        maxspeed_kmh=g.maxspeed_kmh,
        speed_kmh=g.speed_kmh,
    )
    assert RoadGraph.load(d).fingerprint() == g.fingerprint()


def test_synthetic_tiles_are_stitched_and_labelled(tmp_path):
    from madoguchi.bench.synthetic_osm import extract_info, synthetic_extract

    p = synthetic_extract(2, 1, folder=tmp_path)
    assert p.name.startswith("SYNTHETIC")
    info = extract_info(p)
    base = read_drive_ways(kumamoto_osm_path(".osm.pbf"))
    assert info["synthetic"] is True and info["tiles"] == 2
    assert info["input_nodes"] == 2 * 21_918
    g = load_roads(p, engine="arrays")
    one = arrays_graph()
    # each tile simplifies like the real sample; link ends may add a few intersections
    assert 2 * one.n_nodes <= g.n_nodes <= 2 * one.n_nodes + 2 * info["link_ways"]
    assert g.meta["ways_drivable"] == 2 * base.stats["ways_drivable"] + info["link_ways"]
    # stitched: the largest strongly connected part spans both tiles
    from geo.snap import usable_nodes

    use = usable_nodes(g)
    mid = (g.lon.min() + g.lon.max()) / 2
    assert (g.lon[use] < mid).any() and (g.lon[use] > mid).any()
    # the second tile is the first shifted: same node count on each side
    assert abs(int((g.lon < mid).sum()) - int((g.lon > mid).sum())) <= 2 * info["link_ways"]
    assert synthetic_extract(2, 1, folder=tmp_path) == p  # reused, not rebuilt


def test_bench_roads_quick_prints_valid_rows(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "madoguchi",
            "bench",
            "roads",
            "--quick",
            "--json",
            "--folder",
            str(tmp_path),
            "--points",
            "200",
            "--sites",
            "10",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert out["synthetic"] is True and "SYNTHETIC" in out["note"]
    keys = {"input_nodes", "input_ways", "graph_nodes", "graph_edges", "build_s", "peak_mb", "engine"}
    assert {row["engine"] for row in out["rows"]} == {"arrays", "osmnx"}
    for row in out["rows"]:
        assert keys <= row.keys()
        assert row["input_nodes"] >= 40_000 and row["graph_nodes"] > 0 and row["graph_edges"] > row["graph_nodes"]
        assert row["build_s"] > 0 and row["peak_mb"] > 10
    assert out["ratios"] and all(q["same_graph"] for q in out["ratios"])
    m = out["matrix"]
    assert m["demand_points"] == 200 and m["sites"] == 10 and m["matrix_s"] >= 0
    assert 0 < m["road_pairs_share"] <= 1


def test_region_build_with_array_engine_keeps_mixed_labelling(data_root, regions_tmp, kumamoto_pbf, kumamoto_region):
    """A city extract (central Kumamoto) covers part of the prefecture: with the array engine the
    bundle records the engine, has the same graph as the osmnx-built bundle, and times stay mixed."""
    from geo.region import Region, build_region
    from geo.traveltime import region_matrix

    r = Region.load(
        build_region(
            "43", data=data_root, roads=kumamoto_pbf, out_dir=regions_tmp / "kumamoto-43-arrays", road_engine="arrays"
        )
    )
    assert r.manifest["sources"]["roads"]["engine"] == "arrays"
    assert kumamoto_region.manifest["sources"]["roads"]["engine"] == "osmnx"  # small file: auto -> osmnx
    assert _edges(r.roads) == _edges(kumamoto_region.roads)
    tm = region_matrix(r, use_cache=False)
    ref = region_matrix(kumamoto_region, use_cache=False)
    methods = set(np.unique(tm.method).tolist())
    assert {0, 1} <= methods  # road where the extract covers, estimate elsewhere
    np.testing.assert_array_equal(tm.method, ref.method)
    fin = np.isfinite(ref.minutes)
    np.testing.assert_array_equal(np.isfinite(tm.minutes), fin)
    assert np.max(np.abs(tm.minutes[fin] - ref.minutes[fin])) <= 1e-6


def test_array_engine_errors_are_clear(tmp_path):
    from core.errors import InputFileError

    src = kumamoto_osm_path(".osm.pbf")
    bad = tmp_path / "truncated.osm.pbf"
    bad.write_bytes(src.read_bytes()[:100_000])
    with pytest.raises(InputFileError) as ei:
        load_roads(bad, engine="arrays")
    assert "truncated.osm.pbf" in ei.value.message("ja") and "truncated" in ei.value.message("en")
    # a way whose node is missing from the file is dropped and counted, like the osmnx engine
    xml = tmp_path / "missing.osm"
    xml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n'
        '<node id="1" lat="32.8" lon="130.7"/><node id="2" lat="32.801" lon="130.7"/>'
        '<node id="3" lat="32.802" lon="130.701"/>\n'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>\n'
        '<way id="11"><nd ref="3"/><nd ref="99"/><tag k="highway" v="residential"/></way>\n'
        '<way id="12"><nd ref="3"/><nd ref="1"/><tag k="highway" v="footway"/></way>\n</osm>\n',
        encoding="utf-8",
    )
    a, b = load_roads(xml, engine="arrays"), load_roads(xml, engine="osmnx")
    assert a.meta["ways_missing_nodes"] == b.meta["ways_missing_nodes"] == 1
    assert a.meta["ways_drivable"] == 2  # the footway is not in the drive network
    assert _edges(a) == _edges(b) and a.n_edges == 2
    # no drivable road inside the region
    with pytest.raises(InputFileError):
        load_roads(xml, clip_polygon=box(140.0, 36.0, 140.1, 36.1), clip_buffer_m=0, engine="arrays")
