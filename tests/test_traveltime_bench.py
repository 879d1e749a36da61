"""Smoke test of the benchmark machinery (not a timing test): engine and networkx agree."""

from __future__ import annotations

import numpy as np

from madoguchi.bench.traveltime import bench_graph, synthetic_grid


def test_synthetic_grid_is_labelled_and_engine_matches_networkx():
    g = synthetic_grid(40)
    assert g.meta["synthetic"] is True
    assert g.n_nodes == 1600
    fwd = set(zip(g.u.tolist(), g.v.tolist()))
    assert any((b, a) not in fwd for a, b in fwd)  # some one-way streets
    r = bench_graph(g, "synthetic test grid", n_sites=10, n_origins=300, nx_sample=3, engine_repeats=1)
    for k in ("graph_nodes", "sources", "engine_s", "networkx_s", "ratio"):
        assert k in r
    assert r["synthetic"] is True and r["sources"] == 10
    assert r["max_abs_diff_min"] < 1e-6
    assert np.isfinite(r["ratio"]) and r["ratio"] > 0
