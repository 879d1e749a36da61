"""`madoguchi region build|info|list` end to end, the embedded default data, and roads in a bundle."""

from __future__ import annotations

import json

import pytest

from geo.paths import EMBEDDED_DATA
from geo.region import Region, build_region, ensure_region

INFO_KEYS = [
    "pref_code",
    "municipalities",
    "cities",
    "towns_villages",
    "with_welfare_office",
    "without_welfare_office",
    "population_total",
    "population_unknown",
    "excluded",
    "demand_points",
    "settlement_points_without_coords",
    "candidate_sites",
    "road_source",
    "road_nodes",
    "road_edges",
    "circuity",
    "estimate_speed_kmh",
]


def test_cli_build_and_info_json(tmp_path, run_cli, data_root):
    out = tmp_path / "ibaraki-08"
    code, stdout, stderr = run_cli(
        "region", "build", "--pref", "08", "--out", out, "--json", env={"MADOGUCHI_DATA": str(data_root)}
    )
    assert code == 0, stderr
    built = json.loads(stdout)
    code, stdout, stderr = run_cli("region", "info", out, "--json")
    assert code == 0, stderr
    info = json.loads(stdout)
    for k in INFO_KEYS:
        assert k in info, k
    assert info["municipalities"] == 44 and info["cities"] == 32 and info["towns_villages"] == 12
    assert info["without_welfare_office"] == 12 and info["population_total"] == 2_868_554
    assert info["demand_points"] == 3904 - info["settlement_points_without_coords"] == 3886
    assert info["road_source"] == "estimate"
    assert built["municipalities"] == info["municipalities"]
    # the readable Japanese summary
    code, stdout, _ = run_cli("region", "info", out)
    assert code == 0 and "市区町村: 44（市 32、町村 12）" in stdout and "均等に配分" in stdout
    code, stdout, _ = run_cli("region", "list", "--root", tmp_path, "--json")
    assert code == 0 and json.loads(stdout)[0]["pref_code"] == "08"


def test_cli_info_missing_bundle(tmp_path, run_cli):
    code, _, stderr = run_cli("region", "info", tmp_path / "nothing")
    assert code == 2 and "manifest.json" in stderr and "Traceback" not in stderr


def test_cli_bad_pref(run_cli, tmp_path):
    code, _, stderr = run_cli("region", "build", "--pref", "99", "--out", tmp_path / "x")
    assert code == 2 and "99" in stderr


def test_cli_okinawa(tmp_path, run_cli, data_root):
    code, stdout, stderr = run_cli(
        "region", "build", "--pref", "47", "--data", data_root, "--out", tmp_path / "o", "--json"
    )
    assert code == 0, stderr
    info = json.loads(stdout)
    assert info["municipalities"] == 41
    assert info["excluded"][0]["name"] == "所属未定地"


def test_embedded_default_matches_shared(tmp_path, ibaraki_region):
    """data/embedded (committed, < 2 MB) rebuilds exactly the shared-data Ibaraki region."""
    size = sum(p.stat().st_size for p in EMBEDDED_DATA.rglob("*") if p.is_file())
    assert size < 2_000_000
    assert (EMBEDDED_DATA / "CREDITS.md").exists()
    r = Region.load(build_region("08", data=EMBEDDED_DATA, out_dir=tmp_path / "emb"))
    a, b = r.info(), ibaraki_region.info()
    for k in INFO_KEYS:
        assert a[k] == b[k], k
    assert (r.demand[["lon", "lat"]].to_numpy() == ibaraki_region.demand[["lon", "lat"]].to_numpy()).all()


def test_ensure_region_builds_once(tmp_path, data_root, monkeypatch):
    monkeypatch.setenv("MADOGUCHI_DATA", str(data_root))
    calls = []
    r = ensure_region("08", progress=lambda f, m: calls.append((f, m)), root=tmp_path)
    assert r.path == tmp_path / "ibaraki-08" and len(r.municipalities) == 44
    assert calls and calls[-1][0] == 1.0 and all(0 <= f <= 1 for f, _ in calls)
    calls.clear()
    ensure_region("08", progress=lambda f, m: calls.append(f), root=tmp_path)
    assert calls == []  # already built: just loaded


def test_kumamoto_with_osm_pbf(kumamoto_region):
    info = kumamoto_region.info()
    assert info["municipalities"] == 45 and info["cities"] == 14 and info["towns_villages"] == 31
    assert info["population_total"] == 1_739_211
    assert info["road_source"] == "osm"
    assert 3000 < info["road_nodes"] < 20000 and info["road_edges"] > info["road_nodes"]
    assert kumamoto_region.roads is not None and kumamoto_region.roads.n_nodes == info["road_nodes"]
    src = kumamoto_region.manifest["sources"]["roads"]
    assert src["date"] == "2023-01-05" and "OpenStreetMap" in src["credit"]
    assert (kumamoto_region.path / "roads").is_dir()


@pytest.mark.slow
def test_kumamoto_osm_xml_gives_same_graph(kumamoto_region, data_root, tmp_path):
    osm = data_root / "roads" / "kumamoto-chuo_drive_2023-01-05.osm"
    r = Region.load(build_region("43", data=data_root, roads=osm, out_dir=tmp_path / "k"))
    assert r.roads.fingerprint() == kumamoto_region.roads.fingerprint()
    assert r.info()["road_nodes"] == kumamoto_region.info()["road_nodes"]


def test_download_flag_calls_roads_downloader(tmp_path, run_cli, data_root, kumamoto_region, monkeypatch):
    """--download-roads hands the region polygon to geo.roads.download_roads (network stubbed with the real graph)."""
    import geo.roads as groads

    seen = []

    def fake_download(polygon, **kw):
        seen.append(polygon)
        return kumamoto_region.roads

    monkeypatch.setattr(groads, "download_roads", fake_download)
    code, stdout, stderr = run_cli(
        "region", "build", "--pref", "43", "--data", data_root, "--download-roads", "--out", tmp_path / "k", "--json"
    )
    assert code == 0, stderr
    assert len(seen) == 1 and seen[0].contains(kumamoto_region.municipalities.geometry.iloc[0].representative_point())
    assert json.loads(stdout)["road_nodes"] == kumamoto_region.roads.n_nodes
