"""Region bundle on the real shared data: Ibaraki, Okinawa, Kumamoto counts, columns, load time."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from geo.region import Region, default_region_dir, list_regions


def test_ibaraki_counts(ibaraki_region):
    info = ibaraki_region.info()
    assert info["pref_code"] == "08"
    assert info["municipalities"] == 44
    assert info["cities"] == 32 and info["towns_villages"] == 12
    assert info["with_welfare_office"] == 32 and info["without_welfare_office"] == 12
    assert info["population_total"] == 2_868_554
    assert info["population_unknown"] == []
    assert info["excluded"] == []
    assert info["settlement_files"] == 44
    assert info["settlement_points_total"] == 3904
    assert info["settlement_points_without_coords"] == 18
    assert info["demand_points"] == 3904 - 18
    assert info["candidate_sites"] == 44
    assert info["road_source"] == "estimate" and info["road_nodes"] == 0
    # every municipality has settlement points from its own file
    assert set(ibaraki_region.demand["muni_code"]) == set(ibaraki_region.municipalities["code"])
    assert (ibaraki_region.municipalities["settlement_source"] == "file").all()


def test_ibaraki_columns_follow_architecture(ibaraki_region):
    m = ibaraki_region.municipalities
    for c in [
        "code",
        "pref_code",
        "pref_name",
        "county",
        "name",
        "kind",
        "has_welfare_office",
        "population",
        "wards",
        "settlement_source",
        "geometry",
    ]:
        assert c in m.columns, c
    assert m.crs.to_epsg() == 4326
    assert m["code"].str.fullmatch(r"08\d{3}").all()
    assert set(m["kind"]) == {"市", "町", "村"}
    daigo = m[m["code"] == "08364"].iloc[0]
    assert daigo["name"] == "大子町" and daigo["county"] == "久慈郡" and daigo["kind"] == "町"
    assert not daigo["has_welfare_office"]
    ryu = m[m["name"] == "龍ケ崎市"]
    assert len(ryu) == 1 and ryu["has_welfare_office"].iloc[0]
    d = ibaraki_region.demand
    for c in [
        "point_id",
        "muni_code",
        "town",
        "koaza",
        "lon",
        "lat",
        "population",
        "inside_muni",
        "source",
        "geometry",
    ]:
        assert c in d.columns, c
    assert (d["point_id"].to_numpy() == np.arange(len(d))).all()
    # equal rule: population of each municipality is exactly spread over its points
    sums = d.groupby("muni_code")["population"].sum()
    pop = m.set_index("code")["population"]
    assert np.allclose(sums.loc[pop.index].to_numpy(), pop.to_numpy())
    # 龍ヶ崎市.json (Geolonia) matched N03's 龍ケ崎市
    assert (d["muni_code"] == ryu["code"].iloc[0]).sum() > 10
    # points outside their (simplified) municipality are kept and flagged
    assert (~d["inside_muni"]).sum() == ibaraki_region.manifest["counts"]["settlement_points_outside_muni"] > 0
    s = ibaraki_region.sites
    for c in [
        "site_id",
        "name",
        "kind",
        "label",
        "muni_code",
        "lon",
        "lat",
        "match_level",
        "inside_region",
        "geometry",
    ]:
        assert c in s.columns, c
    assert s["site_id"].is_unique
    assert (s["label"] == "役場の代替点（大字代表点）").all() and (s["match_level"] == "座標").all()
    assert set(s["muni_code"]) == set(m["code"])


def test_manifest_sources_and_rule(ibaraki_region):
    mf = ibaraki_region.manifest
    src = mf["sources"]
    assert src["boundaries"]["date"] == "2021-01-01"
    assert "国土数値情報" in src["boundaries"]["credit"]
    assert src["population"]["encoding"] == "utf-8-sig"
    assert "国勢調査" in src["population"]["credit"]
    assert src["settlements"]["licence"] == "CC BY 4.0" and src["settlements"]["date"] == "2024-01-15"
    assert mf["rules"]["demand"]["ja"] == "各市町村の人口を大字・町丁目の代表点に均等に配分"
    assert sum(mf["settlement_points_without_coords_by_muni"].values()) == 18
    # manifest is strict JSON (no NaN)
    json.loads(
        (ibaraki_region.path / "manifest.json").read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(c)
    )


def test_load_under_two_seconds(ibaraki_region):
    t = time.perf_counter()
    r = Region.load(ibaraki_region.path)
    assert time.perf_counter() - t < 2.0
    assert len(r.demand) == len(ibaraki_region.demand)


def test_okinawa(okinawa_region):
    info = okinawa_region.info()
    assert info["municipalities"] == 41
    assert [e["name"] for e in info["excluded"]] == ["所属未定地"]
    assert info["excluded"][0]["code"] is None and info["excluded"][0]["reason"]
    names = set(okinawa_region.municipalities["name"])
    for island in ("与那国町", "竹富町", "北大東村", "南大東村", "多良間村", "座間味村", "渡名喜村"):
        assert island in names
    assert info["population_total"] == 1_468_410
    assert info["settlement_files"] == 41


def test_kumamoto_designated_city(kumamoto_region_noroads):
    r = kumamoto_region_noroads
    info = r.info()
    assert info["municipalities"] == 45 and info["cities"] == 14 and info["towns_villages"] == 31
    assert info["population_total"] == 1_739_211
    city = r.municipalities[r.municipalities["code"] == "43100"].iloc[0]
    assert city["name"] == "熊本市" and city["population"] == 738_744
    assert city["wards"].split("、") == ["中央区", "東区", "西区", "南区", "北区"]
    assert list(r.wards["code"]) == ["43101", "43102", "43103", "43104", "43105"]
    assert (r.wards["city_code"] == "43100").all()
    # the five ward files all feed the city
    assert set(r.demand.loc[r.demand["muni_code"] == "43100", "ward"]) == {"中央区", "東区", "西区", "南区", "北区"}


def test_default_dir_and_list(tmp_path, ibaraki_region):
    assert default_region_dir("8").name == "ibaraki-08"
    assert default_region_dir(43, tmp_path).name == "kumamoto-43"
    rows = list_regions(ibaraki_region.path.parent)
    assert any(r["pref_code"] == "08" for r in rows)
