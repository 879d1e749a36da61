"""Names, settlement matching, fallback points, demand rules, sites and the offline geocoder."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.errors import InputFileError, ParameterError
from geo.demand import RULES, describe_rule, register_rule
from geo.geocode import geocode
from geo.names import norm, norm_chome, split_county, split_ward
from geo.region import Region, build_region
from geo.settlements import match_file
from geo.sites import read_sites_csv, usable_sites


def test_name_normalisation():
    assert norm("龍ヶ崎市") == norm("龍ケ崎市") == norm("龍ヵ崎市")
    assert norm("ＡＢＣ　町") == "ABC町"
    assert split_county("久慈郡大子町") == ("久慈郡", "大子町")
    assert split_county("水戸市") == ("", "水戸市")
    assert split_ward("熊本市中央区") == ("熊本市", "中央区")
    assert norm_chome("赤塚一丁目") == norm_chome("赤塚1丁目") == "赤塚1丁目"
    assert norm_chome("本町二十三丁目") == "本町23丁目"


def test_match_files_to_municipalities(ibaraki_region, kumamoto_region_noroads):
    m = ibaraki_region.municipalities
    assert match_file("久慈郡大子町", m) == ("08364", "")
    assert match_file("龍ヶ崎市", m)[0] == m.loc[m["name"] == "龍ケ崎市", "code"].iloc[0]
    assert match_file("大子町", m) == ("08364", "")  # without the county, unique name
    assert match_file("熊本市中央区", kumamoto_region_noroads.municipalities) == ("43100", "中央区")
    assert match_file("存在しない町", m) == (None, "")
    # every one of the 44 files matched a distinct municipality
    files = ibaraki_region.manifest["settlement_files"]
    assert len(files) == 44 and len(set(files.values())) == 44


def test_fallback_when_a_settlement_file_is_missing(tmp_path, data_root):
    src = data_root / "settlements" / "geolonia" / "茨城県"
    dst = tmp_path / "茨城県"
    shutil.copytree(src, dst)
    (dst / "久慈郡大子町.json").unlink()
    r = Region.load(build_region("08", data=data_root, settlements=dst, out_dir=tmp_path / "b"))
    assert r.manifest["settlement_fallback"] == ["08364"]
    m = r.municipalities.set_index("code")
    assert m.loc["08364", "settlement_source"] == "fallback"
    fb = r.demand[r.demand["muni_code"] == "08364"]
    assert len(fb) >= 1 and (fb["source"] == "fallback").all() and fb["inside_muni"].all()
    assert np.isclose(fb["population"].sum(), m.loc["08364", "population"])
    assert any("08364" in w and "推定点" in w for w in r.manifest["warnings"])
    assert r.info()["demand_points_fallback"] == len(fb)
    # the town still gets a candidate site
    assert (r.sites["muni_code"] == "08364").sum() == 1


def test_demand_rule_registry_and_description():
    assert describe_rule("equal") == "各市町村の人口を大字・町丁目の代表点に均等に配分"
    assert "equally" in describe_rule("equal", "en")
    with pytest.raises(ParameterError):
        describe_rule("no-such-rule")

    register_rule(
        "first_point",
        lambda pts, pop: np.where(~pts["muni_code"].duplicated(), pts["muni_code"].map(pop), 0.0),
        "人口を最初の点に集中（テスト用）",
        "all on the first point (test)",
    )
    try:
        assert "first_point" in RULES
    finally:
        RULES.pop("first_point")


def test_default_candidates_are_labelled_standins(ibaraki_region):
    s = ibaraki_region.sites
    c = s[s["kind"] == "candidate"]
    assert len(c) == 44 and c["inside_region"].all()
    assert (c["name"].str.endswith("役場（代替点）")).all()
    # each stand-in is one of its municipality's own settlement points inside the municipality
    d = ibaraki_region.demand
    for r in c.itertuples():
        own = d[(d["muni_code"] == r.muni_code) & d["inside_muni"]]
        assert ((own["lon"] == r.lon) & (own["lat"] == r.lat)).any()


def test_geocoder_levels(ibaraki_region):
    lon, lat, level, text = geocode("茨城県久慈郡大子町大字大子866", ibaraki_region)
    assert level == "大字" and "大子" in text and 140.2 < lon < 140.5
    lon, lat, level, text = geocode("水戸市中央1丁目4番1号", ibaraki_region)
    assert level == "大字" and text == "水戸市中央一丁目"
    # Geolonia writes 龍ヶ崎市, N03 龍ケ崎市: both spellings geocode
    assert geocode("龍ヶ崎市3710", ibaraki_region)[2] == "市町村"
    assert geocode("龍ケ崎市3710", ibaraki_region)[3] == "龍ケ崎市"
    lon, lat, level, text = geocode("東京都千代田区霞が関1-1", ibaraki_region)
    assert level == "一致なし" and np.isnan(lon)
    # municipality-only match lands on the town-hall stand-in point
    lon, lat, level, _ = geocode("かすみがうら市", ibaraki_region)
    th = ibaraki_region.sites.set_index("name").loc["かすみがうら市役場（代替点）"]
    assert level == "市町村" and (lon, lat) == (th["lon"], th["lat"])


def test_read_sites_csv(tmp_path, ibaraki_region):
    p = tmp_path / "sites.csv"
    p.write_text(
        "name,address,lat,lon,kind\n"
        "大子町社協,茨城県久慈郡大子町大字大子866,,,existing\n"
        "つくば窓口,つくば市研究学園1-1-1,,,candidate\n"
        "不明,東京都千代田区霞が関1-1,,,candidate\n"
        "座標,,36.3418,140.4468,existing\n"
        "海上,,36.0,141.5,candidate\n",
        encoding="utf-8",
    )
    s = read_sites_csv(p, ibaraki_region)
    assert list(s["match_level"]) == ["大字", "大字", "一致なし", "座標", "座標"]
    assert list(s["kind"]) == ["existing", "candidate", "candidate", "existing", "candidate"]
    assert list(s["inside_region"]) == [True, True, False, True, False]
    assert s.loc[3, "muni_code"] == "08201"  # the coordinate row lies in 水戸市
    assert s["site_id"].is_unique
    assert len(usable_sites(s)) == 4
    for c in ibaraki_region.sites.columns:
        assert c in s.columns


@pytest.mark.parametrize(
    "body,msg",
    [
        ("name,lat,lon\nA,abc,140\n", "数値"),
        ("name,lat,lon\nA,140.1,36.2\n", "範囲外"),
        ("title,lat\nA,1\n", "name"),
        ("name,note\nA,x\n", "lat,lon"),
    ],
)
def test_read_sites_csv_bad(tmp_path, ibaraki_region, body, msg):
    p = tmp_path / "bad.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(InputFileError) as e:
        read_sites_csv(p, ibaraki_region)
    assert msg in e.value.message() and "bad.csv" in e.value.message()


def test_build_with_sites_csv(tmp_path, data_root):
    p = tmp_path / "desks.csv"
    p.write_text(
        "name,address,kind\n大子町社協,久慈郡大子町大字大子866,existing\n不明,どこでもない,existing\n", encoding="cp932"
    )
    r = Region.load(build_region("08", data=data_root, sites=p, out_dir=tmp_path / "b"))
    assert r.info()["existing_sites"] == 1  # the unmatched one is listed, not stored
    rep = r.manifest["sources"]["sites"]["report"]
    assert rep["by_match_level"] == {"大字": 1, "一致なし": 1}
    assert rep["no_match"][0]["name"] == "不明"
    assert r.sites["lon"].notna().all()


def test_geocoder_kumamoto_wards_and_okinawa_aza(kumamoto_region_noroads, okinawa_region):
    lon, lat, level, text = geocode("熊本県熊本市中央区水前寺6丁目18-1", kumamoto_region_noroads)
    assert level == "大字" and text == "熊本市中央区水前寺六丁目" and 130.7 < lon < 130.8
    assert geocode("阿蘇郡小国町大字宮原1567-1", kumamoto_region_noroads)[2] == "大字"
    # 字 written in the address but not in Geolonia's town/小字 split
    lon, lat, level, text = geocode("宮古島市平良字西里186", okinawa_region)
    assert level == "大字" and text == "宮古島市平良西里"
    lon, lat, level, _ = geocode("島尻郡南大東村字南144-1", okinawa_region)
    assert level == "大字" and 131.2 < lon < 131.3  # on 南大東島, 360 km east of Okinawa Island


def test_welfare_override_and_settlements_parent_folder(tmp_path, data_root):
    ov = tmp_path / "welfare.csv"
    ov.write_text("code,has_welfare_office\n08364,1\n08201,0\n99999,1\n", encoding="utf-8")
    r = Region.load(
        build_region(
            "08", data=data_root, welfare_overrides=ov, settlements=data_root / "settlements", out_dir=tmp_path / "b"
        )
    )
    m = r.municipalities.set_index("code")
    assert m.loc["08364", "has_welfare_office"] and not m.loc["08201", "has_welfare_office"]
    assert r.info()["without_welfare_office"] == 12  # one town gained, one city lost
    assert any("99999" in w for w in r.manifest["warnings"])
    assert r.info()["settlement_files"] == 44


def test_designated_city_population_from_wards_when_city_row_missing(tmp_path, data_root):
    pop = data_root / "population" / "municipality_population_2020.csv"
    p = tmp_path / "pop.csv"
    p.write_text(
        "\n".join(ln for ln in pop.read_text(encoding="utf-8-sig").splitlines() if not ln.startswith("43100")),
        encoding="utf-8",
    )
    r = Region.load(build_region("43", data=data_root, population=p, out_dir=tmp_path / "k"))
    assert r.municipalities.set_index("code").loc["43100", "population"] == 738_744
    assert r.info()["population_total"] == 1_739_211
