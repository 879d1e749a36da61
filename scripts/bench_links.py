"""Benchmark: travel times with many ferry/bridge links on a real region bundle.

The links are SYNTHETIC (a labelled scaling input): pairs of real settlement points
(demand points of the bundle, Geolonia 大字・町丁目) chosen with a fixed seed, each given a
crossing time of straight-line minutes x 0.8. The region, its points and its landmasses are real.

Usage: python scripts/bench_links.py BUNDLE [N_LINKS ...]
Prints, per N: wall seconds and peak RSS (MB) of `madoguchi traveltime --links` in a child process.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_links(bundle: Path, n: int, out: Path, seed: int = 0) -> None:
    """Write `n` synthetic links between real demand points of `bundle` to `out` (CSV)."""
    import geopandas as gpd

    d = gpd.read_parquet(bundle / "demand.parquet")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(d), n)
    j = rng.integers(0, len(d), n)
    lon, lat = d["lon"].to_numpy(float), d["lat"].to_numpy(float)
    km = np.hypot((lon[i] - lon[j]) * 91.0, (lat[i] - lat[j]) * 111.0)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["from_lat", "from_lon", "to_lat", "to_lon", "minutes", "name"])
        for k in range(n):
            w.writerow([lat[i[k]], lon[i[k]], lat[j[k]], lon[j[k]], round(float(km[k]) * 0.8, 2), f"synthetic-{k}"])


def run(bundle: Path, n: int) -> tuple[float, float]:
    """(seconds, peak RSS MB) of one `madoguchi traveltime --links` run with `n` links."""
    with tempfile.TemporaryDirectory() as td:
        f = Path(td) / f"links-{n}.csv"
        make_links(bundle, n, f)
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        t0 = time.perf_counter()
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "madoguchi",
                "traveltime",
                "--region",
                str(bundle),
                "--links",
                str(f),
                "--no-cache",
                "--json",
            ],
            check=False,
            env=env,
            capture_output=True,
            text=True,
        )
        secs = time.perf_counter() - t0
        if r.returncode != 0:
            raise SystemExit(f"failed ({r.returncode}): {r.stderr.strip().splitlines()[-1:]}")
    rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return secs, rss_mb


if __name__ == "__main__":
    b = Path(sys.argv[1])
    for n in [int(x) for x in sys.argv[2:]] or [500]:
        s, m = run(b, n)
        print(f"{n} synthetic links on {b.name}: {s:.1f} s, peak RSS {m:.0f} MB (max over runs so far)")
