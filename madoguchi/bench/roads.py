"""`madoguchi bench roads`: road-graph build at prefecture scale, array engine vs osmnx.

Inputs are SYNTHETIC (scaling only): tiled, shifted, stitched copies of the real central-Kumamoto
OSM drive sample (madoguchi.bench.synthetic_osm), at ~2e5, ~1e6 and >=2e6 input nodes. Each
build (`geo.roads.load_roads(path, engine=...)`, reading the .osm.pbf through to the simplified
RoadGraph) runs in a fresh subprocess, so `peak_mb` is that process's maximum resident memory
(Python and library imports included), `build_s` its wall-clock build time and `cpu_s` the CPU
seconds it used (user + system; the honest figure when other jobs share the cores). osmnx runs on
the sizes up to `--osmnx-max-nodes` (it takes minutes and gigabytes beyond). Rows of both
engines on one input carry a `graph_hash` of the sorted edge list: equal hashes = same graph.
Then, on the biggest graph: the bundle load time (`RoadGraph.load`) and snapping + the
many-to-many travel-time matrix (geo.traveltime.TravelTimeEngine) for 10^4 demand points and
300 sites, sampled on the synthetic graph (points = random road nodes moved up to 300 m,
sites = random usable road nodes; seeded).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

SYNTHETIC_NOTE = (
    "SYNTHETIC input: tiled, shifted copies of the real central-Kumamoto OSM drive sample, "
    "stitched at tile borders; used for scaling measurements only, not real roads"
)
FULL_SIZES = ((3, 3), (7, 7), (10, 10))  # ~2.0e5, ~1.07e6, ~2.19e6 input nodes
QUICK_SIZES = ((2, 1),)
DEFAULT_OSMNX_MAX_NODES = 250_000


def add_arguments(p) -> None:
    """Extra options of `madoguchi bench roads`."""
    p.add_argument(
        "--osmnx-max-nodes",
        type=int,
        default=DEFAULT_OSMNX_MAX_NODES,
        help="osmnx の比較はこの入力ノード数まで / run osmnx up to this many input nodes",
    )
    p.add_argument("--points", type=int, default=None, help="需要点の数 (default 10000; --quick 500)")
    p.add_argument("--sites", type=int, default=None, help="拠点の数 (default 300; --quick 20)")
    p.add_argument("--folder", default=None, help="合成ファイルの保存先 (default ~/.cache/madoguchi/synthetic-osm)")


def graph_hash(g) -> str:
    """Hash of the graph as a sorted edge list (OSM ids, class, length to 1e-6 m): engine-independent."""
    import hashlib

    a, b = g.node_id[g.u], g.node_id[g.v]
    L = np.round(g.length_m, 6)
    o = np.lexsort((L, g.highway, b, a))
    h = hashlib.sha256()
    for arr in (a[o], b[o], L[o], np.sort(g.node_id)):
        h.update(np.ascontiguousarray(arr).tobytes())
    h.update("\x1f".join(g.highway[o].tolist()).encode())
    return h.hexdigest()[:16]


def _child(path: str, engine: str, save_to: str | None) -> None:
    """Build once in this (fresh) process and print one JSON line."""
    import resource

    from geo.roads import load_roads

    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru0.ru_utime + ru0.ru_stime
    t0 = time.perf_counter()
    g = load_roads(path, engine=engine)
    build_s = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = ru.ru_maxrss / 1024.0
    out = {
        "graph_nodes": g.n_nodes,
        "graph_edges": g.n_edges,
        "build_s": round(build_s, 2),
        "cpu_s": round(ru.ru_utime + ru.ru_stime - cpu0, 2),
        "peak_mb": round(peak_mb, 1),
        "engine": g.meta.get("engine", engine),
        "graph_hash": graph_hash(g),
    }
    if save_to:
        g.save(save_to)
        out["store_mb"] = round(os.path.getsize(os.path.join(save_to, "roads.npz")) / 1e6, 1)
    print(json.dumps(out))


def _build_row(path, info: dict, engine: str, save_to: str | None = None) -> dict:
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "madoguchi.bench.roads", "--child", str(path), engine]
    if save_to:
        cmd.append(save_to)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"bench build failed ({engine}): {r.stderr.strip()[-500:]}")
    row = json.loads(r.stdout.strip().splitlines()[-1])
    return {
        "input": os.path.basename(str(path)),
        "synthetic": bool(info.get("synthetic", False)),
        "input_nodes": info["input_nodes"],
        "input_ways": info["input_ways"],
        **row,
    }


def bench_matrix(folder: str, n_points: int, n_sites: int, seed: int = 0) -> dict:
    """Load the stored graph, then snapping + the points x sites matrix, timed (seeded sample)."""
    from geo.roads import RoadGraph
    from geo.settings import Settings
    from geo.snap import usable_nodes
    from geo.traveltime import TravelTimeEngine

    t0 = time.perf_counter()
    g = RoadGraph.load(folder)
    load_s = time.perf_counter() - t0
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(usable_nodes(g))
    base = rng.choice(g.n_nodes, n_points, replace=True)
    r_m = 300.0 * np.sqrt(rng.random(n_points))
    ang = rng.random(n_points) * 2 * np.pi
    lat = g.lat[base] + r_m * np.sin(ang) / 111_320.0
    lon = g.lon[base] + r_m * np.cos(ang) / (111_320.0 * np.cos(np.radians(g.lat[base])))
    sites = rng.choice(usable, n_sites, replace=False)
    t0 = time.perf_counter()
    eng = TravelTimeEngine(g, Settings())
    t_graph = time.perf_counter() - t0
    t0 = time.perf_counter()
    o = eng.points(lon, lat)
    d = eng.points(g.lon[sites], g.lat[sites])
    t_snap = time.perf_counter() - t0
    t0 = time.perf_counter()
    tm = eng.matrix(o, d)
    t_matrix = time.perf_counter() - t0
    return {
        "synthetic": True,
        "graph_nodes": g.n_nodes,
        "graph_edges": g.n_edges,
        "bundle_load_s": round(load_s, 3),
        "demand_points": n_points,
        "sites": n_sites,
        "engine_graph_s": round(t_graph, 2),
        "snap_s": round(t_snap, 2),
        "matrix_s": round(t_matrix, 2),
        "total_s": round(t_graph + t_snap + t_matrix, 2),
        "road_pairs_share": round(float(np.mean(tm.method == 0)), 4),
        "unreachable_pairs": int(np.isinf(tm.minutes).sum()),
        "points_on_network_share": round(float(np.mean(o.on_network)), 4),
    }


def run(args) -> int:
    from madoguchi.bench.synthetic_osm import extract_info, synthetic_extract

    quick = bool(getattr(args, "quick", False))
    sizes = QUICK_SIZES if quick else FULL_SIZES
    osmnx_max = getattr(args, "osmnx_max_nodes", None) or DEFAULT_OSMNX_MAX_NODES
    n_points = getattr(args, "points", None) or (500 if quick else 10_000)
    n_sites = getattr(args, "sites", None) or (20 if quick else 300)
    folder = getattr(args, "folder", None)
    load_start = round(os.getloadavg()[0], 2)
    rows = []
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-roads-") as tmp:
        store = os.path.join(tmp, "roads")
        biggest = None
        for cols, nrows in sizes:
            path = synthetic_extract(cols, nrows, folder=folder)
            info = extract_info(path)
            is_biggest = (cols, nrows) == sizes[-1]
            rows.append(_build_row(path, info, "arrays", save_to=store if is_biggest else None))
            if info["input_nodes"] <= osmnx_max:
                rows.append(_build_row(path, info, "osmnx"))
            if is_biggest:
                biggest = info
        matrix = bench_matrix(store, n_points, n_sites)
    ratios = []
    for a in rows:
        if a["engine"] != "arrays":
            continue
        for b in rows:
            if b["engine"] == "osmnx" and b["input"] == a["input"]:
                ratios.append(
                    {
                        "input": a["input"],
                        "input_nodes": a["input_nodes"],
                        "speedup": round(b["build_s"] / a["build_s"], 1),
                        "memory_share": round(a["peak_mb"] / b["peak_mb"], 3),
                        "same_graph": a["graph_hash"] == b["graph_hash"],
                    }
                )
    out = {
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
        "quick": quick,
        "cpu_count": os.cpu_count(),
        "load_average_1min_at_start": load_start,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "rows": rows,
        "ratios": ratios,
        "matrix": matrix,
        "biggest_input": biggest,
        "method_note": (__doc__ or "").strip().split("\n\n")[0],
    }
    if getattr(args, "json", False):
        from madoguchi.cli import print_json

        print_json(out)
    else:
        print(SYNTHETIC_NOTE)
        for r in rows:
            print(
                f"{r['engine']:6s} input {r['input_nodes']:>10,} nodes {r['input_ways']:>9,} ways -> graph "
                f"{r['graph_nodes']:>9,} nodes {r['graph_edges']:>9,} edges: {r['build_s']:7.1f} s, peak {r['peak_mb']:7.0f} MB"
            )
        for q in ratios:
            print(
                f"{q['input']}: arrays {q['speedup']}x faster, {q['memory_share']:.0%} of osmnx memory, same graph {q['same_graph']}"
            )
        m = matrix
        print(
            f"matrix {m['demand_points']:,} x {m['sites']} on {m['graph_nodes']:,} nodes: load {m['bundle_load_s']} s, "
            f"snap {m['snap_s']} s, matrix {m['matrix_s']} s"
        )
    return 0


if __name__ == "__main__" and len(sys.argv) >= 4 and sys.argv[1] == "--child":
    _child(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
