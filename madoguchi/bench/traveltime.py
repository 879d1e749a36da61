"""`madoguchi bench traveltime`: this engine vs a plain networkx baseline, in one process.

Graphs: the real central-Kumamoto OSM drive network (shared .osm.pbf) and a SYNTHETIC
perturbed grid of ~10^5 nodes (labelled synthetic: it measures scaling only, not Japan).
Sources stand in for sites: random usable road nodes. Engine time = the full public call
`TravelTimeEngine(roads, settings)` + `.matrix(origins, sites)` (graph build, snapping,
Dijkstra on the reversed sparse graph, estimate layer, assembling minutes); networkx time =
`single_source_dijkstra_path_length` per site on the reversed MultiDiGraph (graph conversion
not counted), timed site by site on a sample and extrapolated as median per-site time x
sites (each site is an independent run of equal expected cost). The engine figure is the
median of 3 full runs, so both sides are medians (the machine may be shared). Coverage recompute: a cached Ibaraki demand x
candidate matrix is reloaded, then coverage (models.coverage) for 20 changed hubs is timed.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np


def _now():
    return time.perf_counter()


def synthetic_grid(n_side: int = 317, seed: int = 0):
    """SYNTHETIC road graph (not real data): an n_side x n_side perturbed grid, ~100 m spacing.

    Two-way streets with 5% one-way (random direction), classes residential/tertiary/primary.
    """
    from geo.roads import RoadGraph

    rng = np.random.default_rng(seed)
    ii, jj = np.meshgrid(np.arange(n_side), np.arange(n_side), indexing="ij")
    lat0, lon0 = 36.0, 140.0
    dlat = 100.0 / 111_000.0
    dlon = 100.0 / (111_000.0 * np.cos(np.radians(lat0)))
    lat = lat0 + (ii + rng.uniform(-0.3, 0.3, ii.shape)) * dlat
    lon = lon0 + (jj + rng.uniform(-0.3, 0.3, jj.shape)) * dlon
    idx = (ii * n_side + jj).ravel()
    right = np.column_stack([idx.reshape(n_side, n_side)[:, :-1].ravel(), idx.reshape(n_side, n_side)[:, 1:].ravel()])
    down = np.column_stack([idx.reshape(n_side, n_side)[:-1, :].ravel(), idx.reshape(n_side, n_side)[1:, :].ravel()])
    pairs = np.vstack([right, down])
    keep = rng.random(len(pairs)) > 0.08  # some missing streets
    pairs = pairs[keep]
    oneway = rng.random(len(pairs)) < 0.05
    flip = rng.random(len(pairs)) < 0.5
    a = np.where(flip, pairs[:, 1], pairs[:, 0])
    b = np.where(flip, pairs[:, 0], pairs[:, 1])
    u = np.r_[a, b[~oneway]]
    v = np.r_[b, a[~oneway]]
    from core.geodesy import haversine_m

    lon, lat = lon.ravel(), lat.ravel()
    length = haversine_m(lon[u], lat[u], lon[v], lat[v])
    classes = np.array(["residential", "tertiary", "primary"])
    hw_pair = classes[rng.choice(3, len(pairs), p=[0.7, 0.2, 0.1])]
    hw = np.r_[hw_pair, hw_pair[~oneway]]
    return RoadGraph(
        node_id=np.arange(lon.size),
        lon=lon,
        lat=lat,
        u=u,
        v=v,
        length_m=length,
        highway=hw,
        maxspeed_kmh=np.full(u.size, np.nan),
        meta={"kind": "synthetic", "synthetic": True},
    )


def bench_graph(
    roads, label: str, n_sites: int, n_origins: int | None, nx_sample: int, seed: int = 0, engine_repeats: int = 3
) -> dict:
    """Engine (median of `engine_repeats` full runs) vs networkx (median per-site time x sites)."""
    import networkx as nx

    from geo.settings import Settings
    from geo.snap import usable_nodes
    from geo.traveltime import TravelTimeEngine

    s = Settings()
    rng = np.random.default_rng(seed)
    usable = np.flatnonzero(usable_nodes(roads))
    sites = rng.choice(usable, n_sites, replace=False)
    origins = usable if n_origins is None or n_origins >= usable.size else rng.choice(usable, n_origins, replace=False)
    runs = []
    for _ in range(engine_repeats):
        t0 = _now()
        eng = TravelTimeEngine(roads, s)
        o = eng.points(roads.lon[origins], roads.lat[origins])
        d = eng.points(roads.lon[sites], roads.lat[sites])
        tm = eng.matrix(o, d)
        runs.append(_now() - t0)
    engine_s = float(np.median(runs))
    G = roads.to_networkx(s).reverse(copy=False)
    sample = sites[:nx_sample]
    res, per = [], []
    for x in sample:
        t0 = _now()
        res.append(nx.single_source_dijkstra_path_length(G, int(x), weight="travel_time"))
        per.append(_now() - t0)
    nx_sample_s = float(np.sum(per))
    networkx_s = float(np.median(per)) * n_sites
    # the two agree (sanity check on the sampled sites)
    err = 0.0
    for j, r in enumerate(res):
        ref = np.array([r.get(int(x), np.inf) for x in origins]) / 60.0
        fin = np.isfinite(ref)
        err = max(err, float(np.max(np.abs(tm.minutes[fin, j] - ref[fin]))) if fin.any() else 0.0)
    return {
        "graph": label,
        "synthetic": bool(roads.meta.get("synthetic", False)),
        "graph_nodes": roads.n_nodes,
        "graph_edges": roads.n_edges,
        "sources": int(n_sites),
        "origins": len(origins),
        "engine_s": round(engine_s, 4),
        "engine_runs_s": [round(x, 4) for x in runs],
        "networkx_sources_timed": len(sample),
        "networkx_sample_s": round(nx_sample_s, 4),
        "networkx_s": round(networkx_s, 3),
        "networkx_extrapolated": len(sample) < n_sites,
        "ratio": round(networkx_s / engine_s, 1),
        "max_abs_diff_min": err,
    }


def bench_coverage(quick: bool = False) -> dict:
    from geo.region import Region, build_region
    from geo.traveltime import region_matrix
    from models.coverage import coverage

    with tempfile.TemporaryDirectory() as tmp:
        region = Region.load(build_region("08", out_dir=os.path.join(tmp, "ibaraki-08")))
        cand = region.sites[region.sites["kind"] == "candidate"]
        region_matrix(region, sites=cand)  # fills the cache
        region2 = Region.load(region.path)  # a fresh object: nothing in memory
        t0 = _now()
        tm = region_matrix(region2, sites=cand)
        reload_ms = (_now() - t0) * 1000
        assert tm.meta["cache"]["columns_computed"] == 0
        w = region2.demand["population"].to_numpy(float)
        muni = region2.demand["muni_code"].astype(str).to_numpy()
        rng = np.random.default_rng(0)
        times = []
        m = tm.minutes.shape[1]
        for _ in range(5 if quick else 30):
            hubs = rng.choice(m, min(20, m), replace=False)
            t0 = _now()
            coverage(w, tm.minutes[:, hubs], muni, (15, 30, 45, 60), method=tm.method[:, hubs])
            times.append((_now() - t0) * 1000)
        return {
            "region": "ibaraki-08 (estimate mode)",
            "demand_points": int(tm.minutes.shape[0]),
            "candidates": int(m),
            "hubs_changed": int(min(20, m)),
            "cached_reload_ms": round(reload_ms, 1),
            "coverage_recompute_ms": round(float(np.median(times)), 2),
            "coverage_recompute_max_ms": round(float(np.max(times)), 2),
            "via": "models.coverage.coverage",
        }


def run(args) -> int:
    from geo.paths import data_root
    from geo.roads import load_roads
    from madoguchi.cli import print_json

    quick = bool(getattr(args, "quick", False))
    load_start = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    t_all = _now()
    pbf = data_root() / "roads" / "kumamoto-chuo_drive_2023-01-05.osm.pbf"
    graphs = []
    kum = load_roads(pbf)
    graphs.append(
        bench_graph(
            kum, "kumamoto-chuo OSM (real)", n_sites=50 if quick else 200, n_origins=None, nx_sample=10 if quick else 40
        )
    )
    syn = synthetic_grid(100 if quick else 317)
    graphs.append(
        bench_graph(
            syn,
            f"synthetic perturbed grid {syn.n_nodes:,} nodes (SYNTHETIC, scaling only)",
            n_sites=20 if quick else 200,
            n_origins=5000 if quick else 20000,
            nx_sample=3 if quick else 8,
        )
    )
    cov = bench_coverage(quick)
    out = {
        "cpu_count": os.cpu_count(),
        "load_average_1min_at_start": load_start,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "engine_workers": "up to min(4, cores) processes for jobs >= 3e6 sources x nodes ($MADOGUCHI_WORKERS overrides)",
        "quick": quick,
        "graphs": graphs,
        "coverage_recompute_ms": cov["coverage_recompute_ms"],
        "coverage": cov,
        "total_s": round(_now() - t_all, 1),
        "method_note": __doc__.strip().split("\n\n")[0] if __doc__ else "",
    }
    if getattr(args, "json", False):
        print_json(out)
    else:
        for g in graphs:
            print(
                f"{g['graph']}: nodes {g['graph_nodes']:,}, sources {g['sources']}, engine {g['engine_s']} s, "
                f"networkx {g['networkx_s']} s{' (extrapolated)' if g['networkx_extrapolated'] else ''}, ratio {g['ratio']}x"
            )
        print(
            f"coverage recompute (20 hubs, cached Ibaraki matrix): {cov['coverage_recompute_ms']} ms; "
            f"cached reload {cov['cached_reload_ms']} ms; cores {out['cpu_count']}"
        )
    return 0
