"""Attack suite, bad input: boundaries, CSVs, numbers, links, sites, read-only bundles.

Every case gets a correct answer or exit 2 with one line (never a traceback), on real data:
Ibaraki (08) and Okinawa (47) from ../shared/geodata.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_support import build_argv, one_line_exit_2, run_cli

from core.errors import MadoguchiError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def oki(okinawa_region):
    """The session's real Okinawa bundle (conftest)."""
    return okinawa_region


@pytest.fixture(scope="module")
def ibaraki_raw(data_root):
    import geopandas as gpd

    return gpd.read_file(data_root / "boundaries" / "N03-21_08_210101.json")


# ----------------------------------------------------------------------------- boundaries


def test_projected_boundaries_with_declared_crs_are_reprojected(tmp_path, data_root, ibaraki_raw):
    ref = tmp_path / "ref"
    rc, out_ref, err = run_cli(
        ["region", "build", "--pref", "08", "--data", str(data_root), "--out", str(ref), "--json"]
    )
    assert rc == 0, err
    for ext, driver in ((".geojson", "GeoJSON"), (".gpkg", "GPKG")):
        f = tmp_path / f"ib6677{ext}"
        ibaraki_raw.to_crs(6677).to_file(f, driver=driver)
        rc, out, err = run_cli(build_argv("08", data_root, tmp_path / f"b{ext}", "--boundaries", f, "--json"))
        assert rc == 0, err
        a, b = json.loads(out_ref), json.loads(out)
        for k in ("municipalities", "population_total", "demand_points", "settlement_points_outside_muni"):
            assert a[k] == b[k], k


def test_projected_boundaries_without_crs_are_refused(tmp_path, data_root, ibaraki_raw):
    f = tmp_path / "ib6677_nocrs.geojson"
    ibaraki_raw.to_crs(6677).to_file(f, driver="GeoJSON")
    obj = json.loads(f.read_text(encoding="utf-8"))
    obj.pop("crs")
    f.write_text(json.dumps(obj), encoding="utf-8")
    msg = one_line_exit_2(build_argv("08", data_root, tmp_path / "b", "--boundaries", f))
    assert "経度" in msg
    assert not (tmp_path / "b").exists()


def test_duplicate_codes_with_different_names_are_refused(tmp_path, data_root, ibaraki_raw):
    d = ibaraki_raw.copy()
    d.loc[d.index[:10], "N03_007"] = "08201"
    f = tmp_path / "dup.geojson"
    d.to_file(f, driver="GeoJSON")
    msg = one_line_exit_2(build_argv("08", data_root, tmp_path / "b", "--boundaries", f))
    assert "08201" in msg


def test_parts_of_one_municipality_are_merged_not_refused(tmp_path, data_root, ibaraki_raw):
    """Several features with the same code AND name (islands, N03 as published) are one municipality."""
    d = ibaraki_raw.explode(index_parts=False).reset_index(drop=True)
    assert len(d) > len(ibaraki_raw)
    f = tmp_path / "parts.geojson"
    d.to_file(f, driver="GeoJSON")
    rc, out, err = run_cli(build_argv("08", data_root, tmp_path / "b", "--boundaries", f, "--json"))
    assert rc == 0, err
    assert json.loads(out)["municipalities"] == 44


# ----------------------------------------------------------------------------- files where CSVs belong


@pytest.mark.parametrize("flag", ["--population", "--sites", "--welfare-overrides", "--settings", "--boundaries"])
def test_folder_fifo_binary_empty_where_a_file_belongs(tmp_path, data_root, flag):
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(bytes(range(256)) * 40)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for bad in (tmp_path, fifo, binary, empty, tmp_path / "missing.csv"):
        one_line_exit_2(build_argv("47", data_root, tmp_path / "out", flag, bad))
        assert not (tmp_path / "out").exists()


def test_unreadable_file_is_one_line(tmp_path, data_root, monkeypatch):
    """Tests run as root: PermissionError is simulated at the open() of the shared reader."""
    import builtins

    f = tmp_path / "pop.csv"
    f.write_text("area_code,population\n47201,1\n", encoding="utf-8")
    real_open = builtins.open

    def deny(p, *a, **k):
        if str(p) == str(f):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(p, *a, **k)

    monkeypatch.setattr(builtins, "open", deny)
    msg = one_line_exit_2(build_argv("47", data_root, tmp_path / "out", "--population", f))
    assert "Permission denied" in msg or "pop.csv" in msg


def test_links_and_sites_folder_or_fifo(tmp_path, oki):
    fifo = tmp_path / "links.csv"
    os.mkfifo(fifo)
    for flag in ("--links", "--sites"):
        for bad in (tmp_path, fifo):
            one_line_exit_2(["traveltime", "--region", str(oki.path), flag, str(bad)])


# ----------------------------------------------------------------------------- numbers


def test_sites_far_outside_are_refused(tmp_path, oki):
    from geo.sites import check_point_in_region

    for lat, lon in ((0, 0), (35.68, 139.76), (26.2, 999)):  # (0,0), Tokyo, lon 999
        f = tmp_path / "s.csv"
        f.write_text(f"name,lat,lon\nHQ,{lat},{lon}\n", encoding="utf-8")
        one_line_exit_2(["traveltime", "--region", str(oki.path), "--sites", str(f)])
    assert check_point_in_region(127.68, 26.21, oki) == 0.0  # Naha
    with pytest.raises(MadoguchiError):
        check_point_in_region(0.0, 0.0, oki)
    with pytest.raises(MadoguchiError):
        check_point_in_region(float("nan"), 26.0, oki)


@pytest.mark.parametrize("lon,lat", [(0.0, 0.0), (999.0, 26.2), (139.76, 35.68)])
def test_scenario_hub_far_outside_is_refused_by_every_command(tmp_path, oki, lon, lat):
    """A scenario hub at (0,0), lon 999 or in Tokyo is refused on Okinawa, never given a time."""
    import json

    f = tmp_path / "far.json"
    f.write_text(
        json.dumps(
            {
                "format": "madoguchi-scenario",
                "version": 2,
                "name": "far",
                "region": oki.name,
                "hubs": [
                    {"site_id": "X", "name": "遠い拠点", "lon": lon, "lat": lat, "fixed": True, "source": "manual"}
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    for argv in (
        ["coverage", "--region", str(oki.path), "--scenario", str(f)],
        ["report", "--region", str(oki.path), "--scenario", str(f), "--out", str(tmp_path / "r.html")],
    ):
        line = one_line_exit_2(argv)
        assert "遠い拠点" in line or "hubs.0.lon" in line  # named by the region check or by the schema
    assert not (tmp_path / "r.html").exists()


def test_point_on_no_landmass_is_unreachable_not_a_straight_line(tmp_path, oki):
    from geo.islands import region_landmasses
    from geo.traveltime import region_matrix

    lm = region_landmasses(oki)
    sea = (127.2, 26.0)  # open sea west of Okinawa Island, > 5 km from any municipality
    naha = (127.68, 26.21)
    lab = lm.of_points([sea[0], naha[0]], [sea[1], naha[1]])
    assert lab[0] < 0 and lab[1] >= 0
    import geopandas as gpd
    import pandas as pd

    sites = gpd.GeoDataFrame(
        pd.DataFrame(
            {
                "site_id": ["SEA", "NAHA"],
                "name": ["sea", "naha"],
                "muni_code": ["", ""],
                "lon": [sea[0], naha[0]],
                "lat": [sea[1], naha[1]],
            }
        ),
        geometry=gpd.points_from_xy([sea[0], naha[0]], [sea[1], naha[1]]),
        crs="EPSG:4326",
    )
    tm = region_matrix(oki, sites=sites, use_cache=False)
    assert np.isinf(tm.minutes[:, 0]).all()
    assert np.isfinite(tm.minutes[:, 1]).sum() > 0.5 * len(oki.demand)


def test_numbers_out_of_range(oki, data_root, tmp_path):
    from geo.region import build_region

    ib = build_region("08", data=data_root, out_dir=tmp_path / "ib")
    one_line_exit_2(["partner", "--region", str(ib), "--k", "4", "--min-pop", "nan"])
    one_line_exit_2(["partner", "--region", str(ib), "--k", "4", "--min-pop", "-1"])
    one_line_exit_2(["partner", "--region", str(ib), "--k", "4", "--cost", str(10**15 + 1)])
    one_line_exit_2(["place", "--region", str(ib), "--model", "pmedian", "--p", "3", "--case-rate", "-1"])
    one_line_exit_2(
        ["outreach", "--region", str(oki.path), "--base", "C47201", "--case-rate", "-0.5", "--frequency", "cases"]
    )


def test_cost_shares_exact_up_to_10_15():
    import pandas as pd

    from models.costshare import split_cost

    members = pd.DataFrame(
        {
            "code": ["47201", "47205", "47382"],
            "name": ["那覇市", "宜野湾市", "与那国町"],
            "population": [317625, 100125, 1676],
        }
    )  # census 2020
    for total in (10**15, 10**15 - 1, 999_999_999_999_937, 7):
        cs = split_cost(total, members, "equal:0.1,population:0.9")
        amounts = [int(x) for x in cs.table["amount_yen"]]
        assert sum(amounts) == total
        # each amount within one yen of the exact share, computed with integers only
        pops = [317625, 100125, 1676]
        P = sum(pops)
        for a, p in zip(amounts, pops):
            exact_num = total * (P + 9 * 3 * p)  # total * (0.1/3 + 0.9 p/P) * 30P
            assert abs(a * 30 * P - exact_num) < 30 * P
    with pytest.raises(MadoguchiError):
        split_cost(10**15 + 1, members, "equal")
    with pytest.raises(MadoguchiError):
        split_cost(float("inf"), members, "equal")


# ----------------------------------------------------------------------------- links (bounded resources)


def _brute_estimate(eng, origins, dests):
    """Reference: all-pairs over portals with explicit loops (small cases only)."""
    from geo.traveltime import estimate_minutes

    s = eng.settings
    direct = np.where(
        origins.landmass[:, None] == dests.landmass[None, :],
        estimate_minutes(origins.lon[:, None], origins.lat[:, None], dests.lon[None, :], dests.lat[None, :], s),
        np.inf,
    )
    a = eng.links.arrays()
    plon, plat = np.r_[a["from_lon"], a["to_lon"]], np.r_[a["from_lat"], a["to_lat"]]
    plm = eng._landmass_of(plon, plat)
    k, P = len(eng.links), plon.size
    d = np.where(
        plm[:, None] == plm[None, :],
        estimate_minutes(plon[:, None], plat[:, None], plon[None, :], plat[None, :], s),
        np.inf,
    )
    for i in range(k):
        d[i, i + k] = d[i + k, i] = min(d[i, i + k], a["minutes"][i])
    for m in range(P):
        d = np.minimum(d, d[:, m : m + 1] + d[m : m + 1, :])
    best = direct.copy()
    for i in range(len(origins)):
        for j in range(len(dests)):
            for p in range(P):
                if plm[p] != origins.landmass[i]:
                    continue
                op = estimate_minutes(origins.lon[i], origins.lat[i], plon[p], plat[p], s)
                for q in range(P):
                    if plm[q] == dests.landmass[j]:
                        best[i, j] = min(
                            best[i, j], op + d[p, q] + estimate_minutes(plon[q], plat[q], dests.lon[j], dests.lat[j], s)
                        )
    return best


def test_links_match_a_brute_force_reference_on_real_points(oki):
    """Synthetic links (labelled) between real Okinawa settlement points, incl. island ferries."""
    from geo.islands import region_landmasses
    from geo.links import Link, Links
    from geo.traveltime import TravelTimeEngine

    d = oki.demand
    rng = np.random.default_rng(3)
    i, j = rng.integers(0, len(d), 12), rng.integers(0, len(d), 12)
    lon, lat = d["lon"].to_numpy(float), d["lat"].to_numpy(float)
    links = Links(
        [Link(lon[a], lat[a], lon[b], lat[b], 30.0 + 5 * n, f"synthetic-{n}") for n, (a, b) in enumerate(zip(i, j))]
    )
    links.items.append(links.items[0])  # a duplicate row: same portals
    eng = TravelTimeEngine(None, oki.settings, landmasses=region_landmasses(oki), links=links)
    o = eng.points(lon[::40], lat[::40], d["muni_code"].astype(str).to_numpy()[::40])
    s = eng.points(oki.sites["lon"].to_numpy(float)[::3], oki.sites["lat"].to_numpy(float)[::3])
    got, _ = eng._estimate(o, s)
    ref = _brute_estimate(eng, o, s)
    assert np.array_equal(np.isinf(got), np.isinf(ref))
    fin = np.isfinite(ref)
    assert np.allclose(got[fin], ref[fin], rtol=0, atol=1e-6)
    plain, _ = TravelTimeEngine(None, oki.settings, landmasses=region_landmasses(oki))._estimate(o, s)
    assert (got < plain - 1e-9).any()  # the links are used (some pairs shorter or newly reachable)


def test_many_links_run_in_a_subprocess(tmp_path, oki):
    """500 synthetic links between real settlement points (scripts/bench_links.py makes them)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from bench_links import make_links
    finally:
        sys.path.pop(0)
    f = tmp_path / "links.csv"
    make_links(oki.path, 500, f)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "madoguchi",
            "traveltime",
            "--region",
            str(oki.path),
            "--links",
            str(f),
            "--no-cache",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["links"] == 500 and out["pairs_link"] > 0


def test_too_many_links_refused(tmp_path):
    from geo.links import MAX_LINKS, read_links

    f = tmp_path / "l.csv"
    rows = "\n".join("26.2,127.7,26.3,127.8,10" for _ in range(MAX_LINKS + 1))
    f.write_text("from_lat,from_lon,to_lat,to_lon,minutes\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(MadoguchiError):
        read_links(f)


# ----------------------------------------------------------------------------- read-only bundle


def test_read_only_bundle_keeps_cache_elsewhere(tmp_path, oki, monkeypatch):
    """A bundle whose cache folder cannot be created (a file named `cache` stands there; as root,
    chmod would not stop us) still answers, with the cache in $MADOGUCHI_CACHE."""
    b = tmp_path / "ro"
    shutil.copytree(oki.path, b, ignore=shutil.ignore_patterns("cache"))
    (b / "cache").write_bytes(b"")
    monkeypatch.setenv("MADOGUCHI_CACHE", str(tmp_path / "usercache"))
    rc, out, err = run_cli(["traveltime", "--region", str(b), "--json"])
    assert rc == 0, err
    c = json.loads(out)["cache"]
    assert c["file"].startswith(str(tmp_path / "usercache")) and c["columns_computed"] > 0
    rc, out, err = run_cli(["traveltime", "--region", str(b), "--json"])
    assert json.loads(out)["cache"]["columns_computed"] == 0
    monkeypatch.setenv("MADOGUCHI_CACHE", str(b / "cache" / "x"))  # nowhere writable: memory only
    rc, out, err = run_cli(["traveltime", "--region", str(b), "--json", "--cutoff", "60"])
    assert rc == 0 and json.loads(out)["cache"]["file"] is None


# ----------------------------------------------------------------------------- settlements folder, bundle manifest


@pytest.mark.parametrize("kind", ["fifo", "folder", "binary", "deep"])
def test_bad_file_inside_the_settlements_folder(tmp_path, data_root, kind):
    src = data_root / "settlements" / "geolonia" / "沖縄県"
    sx = tmp_path / "sx"
    shutil.copytree(src, sx)
    victim = min(sx.glob("*.json"))
    victim.unlink()
    if kind == "fifo":
        os.mkfifo(victim)
    elif kind == "folder":
        victim.mkdir()
    elif kind == "binary":
        victim.write_bytes(b"\x00\x01\x02")
    else:
        victim.write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    msg = one_line_exit_2(build_argv("47", data_root, tmp_path / "out", "--settlements", sx))
    assert victim.name in msg
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("manifest", ["[1, 2]", "{", "null", "DIR"])
def test_broken_bundle_manifest(tmp_path, oki, manifest):
    b = tmp_path / "b"
    shutil.copytree(oki.path, b, ignore=shutil.ignore_patterns("cache"))
    mf = b / "manifest.json"
    mf.unlink()
    if manifest == "DIR":
        mf.mkdir()
    else:
        mf.write_text(manifest, encoding="utf-8")
    one_line_exit_2(["region", "info", str(b)])
    one_line_exit_2(["traveltime", "--region", str(b)])
