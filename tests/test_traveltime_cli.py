"""`madoguchi traveltime` and `madoguchi roads` on real data: JSON fields, outputs, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

FIELDS = (
    "method",
    "demand_points",
    "sites",
    "seconds",
    "unreachable_population",
    "unreachable_demand_points",
    "road_share_population",
    "max_snap_m",
    "components",
)


def test_traveltime_cli_kumamoto_json_and_out(kumamoto_region, run_cli, tmp_path):
    out = tmp_path / "m.npz"
    code, stdout, err = run_cli("traveltime", "--region", kumamoto_region.path, "--out", out, "--json")
    assert code == 0, err
    o = json.loads(stdout)
    for f in FIELDS:
        assert f in o
    assert o["method"] == "mixed"
    assert o["demand_points"] == len(kumamoto_region.demand)
    assert 0 < o["road_share_population"] < 1
    assert o["estimate_label"]["ja"] == "推定"
    assert all(m["mean_minutes"] is not None for m in o["municipalities"])
    z = np.load(out)
    assert z["minutes"].shape == (o["demand_points"], o["sites"])
    assert set(np.unique(z["method"])) <= {0, 1, 2}
    pq = tmp_path / "m.parquet"
    code, stdout, err = run_cli("traveltime", "--region", kumamoto_region.path, "--out", pq, "--cutoff", "30", "--json")
    assert code == 0, err
    df = pd.read_parquet(pq)
    assert len(df) == o["demand_points"] * o["sites"]
    assert set(df["method_name"]) <= {"road", "estimate", "link"}
    fin = df["minutes"][np.isfinite(df["minutes"])]
    assert fin.max() <= 30


def test_traveltime_cli_okinawa_reports_islands(okinawa_region, run_cli, tmp_path):
    sites = tmp_path / "naha.csv"
    s = okinawa_region.sites[okinawa_region.sites.muni_code == "47201"].iloc[0]
    sites.write_text(f"name,lat,lon\n那覇の拠点,{s.lat},{s.lon}\n", encoding="utf-8")
    code, stdout, err = run_cli("traveltime", "--region", okinawa_region.path, "--sites", sites, "--json")
    assert code == 0, err
    o = json.loads(stdout)
    assert o["method"] == "estimate" and o["sites"] == 1
    names = {m["name"] for m in o["unreachable_municipalities"]}
    assert {"宮古島市", "石垣市", "久米島町"} <= names
    assert o["unreachable_population"] > 100_000
    code, stdout, err = run_cli("traveltime", "--region", okinawa_region.path, "--sites", sites)
    assert code == 0 and "到達できる拠点なし: 宮古島市" in stdout


@pytest.mark.parametrize(
    "text,needle",
    [
        ("from_lat,from_lon,to_lat,minutes\n26.2,127.6,26.3,60\n", "to_lon"),
        ("from_lat,from_lon,to_lat,to_lon,minutes\n26.2,127.6,26.3,126.8,abc\n", "row 2"),
        ("from_lat,from_lon,to_lat,to_lon,minutes\n26.2,127.6,26.3,126.8,60\n26.2,127.6,26.3,126.8,-5\n", "row 3"),
        ("from_lat,from_lon,to_lat,to_lon,minutes\n126.2,127.6,26.3,126.8,60\n", "out of range"),
        ("from_lat,from_lon,to_lat,to_lon,minutes\n", "no links"),
    ],
)
def test_bad_links_file_is_a_clear_error(okinawa_region, run_cli, tmp_path, text, needle):
    p = tmp_path / "links.csv"
    p.write_text(text, encoding="utf-8")
    code, stdout, err = run_cli("--lang", "en", "traveltime", "--region", okinawa_region.path, "--links", p, "--json")
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert needle in err and "links.csv" in err
    code, _, err_ja = run_cli("traveltime", "--region", okinawa_region.path, "--links", p)
    assert code == 2 and "連絡路ファイル" in err_ja


def test_links_cli_joins_kumejima(okinawa_region, run_cli, tmp_path):
    d = okinawa_region.demand
    a = d[d.muni_code == "47201"].iloc[0]
    b = d[d.muni_code == "47361"].iloc[0]
    sites = tmp_path / "naha.csv"
    sites.write_text(f"name,lat,lon\n那覇,{a.lat},{a.lon}\n", encoding="utf-8")
    links = tmp_path / "ferry.csv"
    links.write_text(
        f"from_lat,from_lon,to_lat,to_lon,minutes,name\n{a.lat},{a.lon},{b.lat},{b.lon},180,test\n", encoding="utf-8"
    )
    code, stdout, err = run_cli(
        "traveltime", "--region", okinawa_region.path, "--sites", sites, "--links", links, "--json"
    )
    assert code == 0, err
    o = json.loads(stdout)
    assert "久米島町" not in {m["name"] for m in o["unreachable_municipalities"]}
    assert o["pairs_link"] == int((d.muni_code == "47361").sum())
    kume = next(m for m in o["municipalities"] if m["name"] == "久米島町")
    assert kume["mean_minutes"] > 180


def test_bad_cutoff_and_out(ibaraki_region, run_cli, tmp_path):
    code, _, err = run_cli("traveltime", "--region", ibaraki_region.path, "--cutoff", "-3")
    assert code == 2 and "cutoff" in err
    code, _, err = run_cli("traveltime", "--region", ibaraki_region.path, "--out", tmp_path / "x.csv")
    assert code == 2 and ".npz" in err


def test_roads_cli_truncated_pbf(run_cli, kumamoto_pbf, tmp_path):
    bad = tmp_path / "cut.osm.pbf"
    bad.write_bytes(kumamoto_pbf.read_bytes()[:50_000])
    code, out, err = run_cli("roads", "info", "--roads", bad)
    assert code == 2
    assert "cut.osm.pbf" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_roads_cli_info_and_calibrate_on_kumamoto(run_cli, kumamoto_pbf, kumamoto_region):
    code, out, err = run_cli("roads", "info", "--roads", kumamoto_pbf, "--json")
    assert code == 0, err
    info = json.loads(out)
    assert info["road_source"] == "osm" and info["nodes"] > 5000
    code, out, err = run_cli(
        "roads", "calibrate", "--roads", kumamoto_region.path / "roads", "--pairs", "400", "--json"
    )
    assert code == 0, err
    c = json.loads(out)
    assert c["pairs"] == 400
    assert 1.05 < c["circuity"] < 1.8
    assert 15 < c["effective_speed_kmh"] < 60
    assert 15 < c["estimate_speed_kmh"] < 60


def test_traveltime_cli_writes_isochrones(okinawa_region, run_cli, tmp_path):
    import geopandas as gpd

    s = okinawa_region.sites[okinawa_region.sites.muni_code.isin(["47201", "47361"])]
    sites = tmp_path / "two.csv"
    sites.write_text(
        "name,lat,lon\n" + "".join(f"{r.name},{r.lat},{r.lon}\n" for r in s.itertuples()), encoding="utf-8"
    )
    out = tmp_path / "iso.geojson"
    code, stdout, err = run_cli(
        "traveltime",
        "--region",
        okinawa_region.path,
        "--sites",
        sites,
        "--isochrones",
        out,
        "--thresholds",
        "15,30",
        "--json",
    )
    assert code == 0, err
    iso = gpd.read_file(out)
    assert len(iso) == 4 and set(iso["method"]) == {"estimate"}
    assert (iso["area_km2"] > 0).all()
