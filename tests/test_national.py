"""`madoguchi national` on Dask: a LocalCluster of 2 workers, the cache, reports, and a cluster whose
scheduler and workers are separate `dask scheduler` / `dask worker` processes talking TCP on localhost.

Prefectures: 13 東京都 (island towns and villages with no city on their island), 25 滋賀県, 42 長崎県
(islands). All facts are checked against the region builds and the census CSV of ../shared/geodata.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from geo.paths import data_root
from geo.population import read_population
from geo.region import Region, build_region, find_sources
from madoguchi.planning.national import default_settings, run_national

ROOT = Path(__file__).resolve().parent.parent
PREFS = ["13", "25", "42"]
REQUIRED = (
    "pref_code",
    "pref_name",
    "municipalities",
    "population_total",
    "towns_villages_without_welfare_office",
    "population_without_welfare_office",
    "lscp_hubs",
    "unreachable_population",
    "method",
    "baseline_within",
    "baseline_share",
    "pmedian",
)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("national-cache")


@pytest.fixture(scope="module")
def first_run(cache_dir):
    return run_national(PREFS, workers=2, cache_dir=cache_dir)


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    root = tmp_path_factory.mktemp("national-regions")
    return {c: Region.load(build_region(c, out_dir=root / c)) for c in PREFS}


def test_local_cluster_two_workers_rows_match_census(first_run, regions):
    res = first_run
    assert res.meta["workers"] == 2 and res.meta["computed"] == 3 and res.meta["from_cache"] == 0
    assert [r["pref_code"] for r in res.rows] == PREFS
    census = read_population(find_sources("08", data_root())["population"])
    for r in res.rows:
        assert all(k in r for k in REQUIRED)
        m = regions[r["pref_code"]].municipalities
        assert r["municipalities"] == len(m)
        assert r["population_total"] == census.values[f"{r['pref_code']}000"]
        tv = m[m["kind"].isin(["町", "村"])]
        assert r["towns_villages_without_welfare_office"] == len(tv)
        # the towns' and villages' population is the census value of each of them
        assert r["population_without_welfare_office"] == int(sum(census.values[c] for c in tv["code"]))
        assert set(r["lscp_hubs"]) == {"30", "45", "60"}
        h = r["lscp_hubs"]
        assert 1 <= h["60"] <= h["45"] <= h["30"] <= r["candidate_sites"]
        b = r["baseline_within"]
        assert (
            b["30"]
            <= b["45"]
            <= b["60"]
            <= r["population_without_welfare_office"] - r["baseline_unreachable_population"]
        )
        assert set(r["pmedian"]) == {"1", "2", "3"}
        for p, v in r["pmedian"].items():
            assert len(v["hubs"]) == int(p) and v["mean_min"] <= v["max_min"]
        assert r["method"] == "estimate" and r["road_source"] == "estimate"


def test_islands_are_unreachable_from_the_city_not_given_a_time(first_run, regions):
    """Tokyo: the island towns/villages have no city on their island -> baseline unreachable = their census population."""
    from geo.islands import region_landmasses

    r = next(x for x in first_run.rows if x["pref_code"] == "13")
    reg = regions["13"]
    lm = region_landmasses(reg)
    m = reg.municipalities
    label = dict(zip(lm.muni_codes, lm.label))
    city_lands = {label[c] for c in m.loc[m["has_welfare_office"], "code"]}
    islands = m[~m["has_welfare_office"] & ~m["code"].map(label).isin(city_lands)]
    assert len(islands) >= 8  # 大島町 … 小笠原村
    assert r["baseline_unreachable_population"] == int(islands["population"].sum())
    # every candidate set still reaches them (each has its own town-hall stand-in): nobody is unreachable from all sites
    assert r["unreachable_population"] == 0
    # one hub cannot serve all islands: the p=1 p-median leaves island people unreachable, counted, not timed
    assert r["pmedian"]["1"]["unreachable_population"] > 0


def test_second_run_reads_the_cache_and_is_identical(first_run, cache_dir):
    t0 = time.perf_counter()
    again = run_national(PREFS, workers=2, cache_dir=cache_dir)
    assert again.meta["from_cache"] == 3 and again.meta["computed"] == 0
    assert again.rows == first_run.rows and again.outlines == first_run.outlines
    assert time.perf_counter() - t0 < first_run.meta["seconds"]
    # different settings -> a different key -> recomputed (only the changed prefecture asked for)
    st = default_settings()
    st["thresholds"] = [20, 40, 60]
    other = run_national(["25"], workers=1, cache_dir=cache_dir, settings=st)
    assert other.meta["computed"] == 1 and set(other.rows[0]["lscp_hubs"]) == {"20", "40", "60"}


def test_reports_from_the_result(first_run, tmp_path):
    from openpyxl import load_workbook

    from madoguchi.reports.national import national_view, write_national

    x = write_national(first_run, tmp_path / "n.xlsx", color_by="lscp_hubs_30")
    wb = load_workbook(x)
    ws = wb["都道府県別の比較"]
    names = [ws.cell(row=i, column=2).value for i in range(2, ws.max_row + 1)]
    assert names == ["東京都", "滋賀県", "長崎県", "全国"]
    p = write_national(first_run, tmp_path / "n.pdf", color_by="baseline_share_30")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True).stdout
        assert "全国比較" in text and "長崎県" in text and "推定" in text and "国土数値情報" in text
    h = write_national(first_run, tmp_path / "n.html").read_text(encoding="utf-8")
    assert "都道府県別の比較" in h and "data:image/png;base64," in h and "令和2年国勢調査" in h
    df, m = national_view(first_run, "42", "lscp_hubs_60")
    assert list(df["都道府県"]) == ["東京都", "滋賀県", "長崎県", "全国"]
    import folium

    gj = next(c for c in m._children.values() if isinstance(c, folium.GeoJson))
    props = {f["properties"]["pref_code"]: f["properties"] for f in gj.data["features"]}
    assert props["42"]["highlight"] is True and not props["13"]["highlight"]  # the current prefecture is outlined
    assert props["42"]["pref_name"] == "長崎県" and "#d7301f" in m.get_root().render()


def test_cli_json_and_bad_color_column(cache_dir, run_cli, first_run):
    code, out, err = run_cli("national", "--pref", "25,42", "--cache-dir", cache_dir, "--json", "--workers", "1")
    assert code == 0, err
    obj = json.loads(out)
    assert [r["pref_code"] for r in obj["rows"]] == ["25", "42"]
    assert obj["meta"]["from_cache"] == 2
    assert obj["rows"] == [r for r in first_run.rows if r["pref_code"] in ("25", "42")]
    code, out, err = run_cli("national", "--pref", "25", "--cache-dir", cache_dir, "--color-by", "nope")
    assert code == 2 and "--color-by" in err and "Traceback" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_separate_scheduler_and_worker_processes(tmp_path, first_run):
    """`dask scheduler` + `dask worker` as their own processes (real TCP on localhost); same rows as the LocalCluster."""
    dask_bin = Path(sys.executable).with_name("dask")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = []
    with open(logs / "scheduler.log", "w") as slog, open(logs / "worker.log", "w") as wlog:
        try:
            procs.append(
                subprocess.Popen(
                    [str(dask_bin), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=slog,
                    cwd=tmp_path,
                )
            )
            procs.append(
                subprocess.Popen(
                    [
                        str(dask_bin),
                        "worker",
                        addr,
                        "--nworkers",
                        "2",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(tmp_path / "w"),
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=wlog,
                    cwd=tmp_path,
                )
            )
            _check_cluster(addr, logs, first_run, tmp_path, env)
        finally:
            for p in reversed(procs):
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()


def _check_cluster(addr, logs, first_run, tmp_path, env):
    """Wait for the 2 workers, then run the CLI against the scheduler and compare with the LocalCluster rows."""
    from dask.distributed import Client

    deadline = time.monotonic() + 90
    while True:
        try:
            with Client(addr, timeout="5s") as c:
                if len(c.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        assert time.monotonic() < deadline, (logs / "worker.log").read_text()
        time.sleep(1)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "madoguchi",
            "national",
            "--pref",
            "25,42",
            "--scheduler",
            addr,
            "--cache-dir",
            str(tmp_path / "cache"),
            "--json",
        ],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    obj = json.loads(out.stdout)
    assert obj["meta"]["workers"] == 2 and obj["meta"]["scheduler"] == addr and obj["meta"]["computed"] == 2
    assert obj["rows"] == [r for r in first_run.rows if r["pref_code"] in ("25", "42")]


def test_unreachable_scheduler_is_one_line(run_cli, tmp_path):
    code, _out, err = run_cli(
        "national",
        "--pref",
        "25",
        "--scheduler",
        f"tcp://127.0.0.1:{_free_port()}",
        "--cache-dir",
        tmp_path,
        "--no-cache",
    )
    assert code == 2 and "Dask スケジューラ" in err and "Traceback" not in err
    assert not list(Path(tmp_path).glob("*.json"))


def test_same_numbers_without_the_cache(first_run, tmp_path):
    again = run_national(["25"], workers=1, cache_dir=tmp_path, use_cache=False)
    assert again.rows == [r for r in first_run.rows if r["pref_code"] == "25"]
    assert np.isfinite(again.meta["seconds"])


def test_code_version_covers_the_modules_that_decide_a_row():
    """The cache key's code hash lists only paths that exist (models/placement is a package, not a file:
    a missing entry would silently drop out of the key) and every project module `prefecture_row`
    imports to compute a row (core's error/quiet helpers decide no number)."""
    import ast
    import inspect

    from madoguchi.planning import national

    missing = [rel for rel in national._CODE_MODULES if not (national._ROOT / rel).exists()]
    assert not missing, missing
    covered = {rel.removesuffix(".py").replace("/", ".") for rel in national._CODE_MODULES}
    used = {
        n.module
        for n in ast.walk(ast.parse(inspect.getsource(national.prefecture_row)))
        if isinstance(n, ast.ImportFrom) and n.module and n.module.split(".")[0] in ("geo", "models", "madoguchi")
    }
    assert used and used <= covered, used - covered
    before = national.code_version()
    assert len(before) == 16 and national.code_version() == before  # stable within a process
