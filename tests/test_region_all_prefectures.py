"""Every prefecture of Japan builds offline from ../shared/geodata and matches the census and N03 facts.

Facts from the shared geodata README: 1,747 municipalities after merging the 175 wards of the 20
designated cities (1,741 with census population + Hokkaido's 6 Northern Territories villages),
126,226,568 people over all known municipalities, 07546 双葉町 unknown, Tokyo's 23 special wards
are municipalities with their own welfare office.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest

from geo.paths import data_root
from geo.population import read_population
from geo.prefectures import PREFECTURES, list_prefectures, pref_name
from geo.region import NO_CENSUS_CODES, Region, build_region, find_sources

_BUILT: dict[str, Region] = {}


@pytest.fixture(scope="module")
def regions_root(tmp_path_factory):
    return tmp_path_factory.mktemp("all-prefectures")


@pytest.fixture(scope="module")
def census():
    src = find_sources("08", data_root())
    return read_population(src["population"])


def _region(code: str, root) -> Region:
    if code not in _BUILT:
        out = build_region(code, out_dir=root / code)
        _BUILT[code] = Region.load(out)
    return _BUILT[code]


def test_geo_lists_all_47_prefectures_with_names():
    assert sorted(PREFECTURES) == [f"{i:02d}" for i in range(1, 48)]
    assert pref_name("13") == "東京都" and pref_name("01") == "北海道" and pref_name("47") == "沖縄県"
    assert all(pref_name(c).endswith(("都", "道", "府", "県")) for c in PREFECTURES)
    picker = list_prefectures()
    assert [p["code"] for p in picker] == sorted(PREFECTURES) and all(p["has_data"] for p in picker)
    assert picker[12] == {"code": "13", "name": "東京都", "romaji": "tokyo", "has_data": True}


@pytest.mark.parametrize("code", sorted(PREFECTURES))
def test_prefecture_builds_and_matches_census(code, regions_root, census):
    r = _region(code, regions_root)
    m = r.municipalities
    c = r.manifest["counts"]
    assert r.pref_code == code and r.manifest["pref_name"] == pref_name(code)
    assert c["municipalities"] == len(m) == m["code"].nunique()
    assert m["code"].str.startswith(code).all() and m["code"].str.len().eq(5).all()
    # every settlement file is matched to a municipality (name quirks such as 龍ヶ崎/龍ケ崎, 檮/梼, ward files)
    assert c["settlement_files_unmatched"] == []
    assert c["settlement_points_total"] == c["demand_points_from_settlements"] + c["settlement_points_without_coords"]
    # population: census value per municipality; unknown only where the census has none
    unknown = set(m.loc[m["population"].isna(), "code"])
    for code_m, pop in zip(m["code"], m["population"]):
        if code_m in census.values and np.isfinite(census.values[code_m]):
            assert pop == census.values[code_m]
    assert unknown <= {"07546"} | set(NO_CENSUS_CODES)
    total = float(np.nansum(m["population"].to_numpy(float)))
    assert c["population_total"] == int(total)
    pref_row = census.values[f"{code}000"]
    if unknown - set(NO_CENSUS_CODES):
        assert total <= pref_row
    else:
        assert total == pref_row
    # demand points carry exactly the known population of each municipality
    d = r.demand
    per = d.groupby("muni_code")["population"].sum(min_count=1)
    known = m.set_index("code")["population"].dropna()
    assert np.allclose(per.reindex(known.index).to_numpy(float), known.to_numpy(float))
    assert d.loc[d["muni_code"].isin(unknown), "population"].isna().all()
    # one default candidate site per municipality
    assert c["candidate_sites"] == len(m)
    # welfare office: every 市 (and Tokyo's special wards), no 町村 by default
    assert (m["has_welfare_office"] == (m["kind"] == "市")).all()
    # designated-city wards belong to their city: no ward is a municipality of its own (except Tokyo's)
    if r.wards is not None:
        assert set(r.wards["city_code"]) <= set(m["code"])
        assert not set(r.wards["code"]) & set(m["code"])
    # rows without a code (所属未定地) are reported, never silently dropped
    raw = json.loads(find_sources(code, data_root())["boundaries"].read_text(encoding="utf-8"))
    no_code = [f for f in raw["features"] if not (f["properties"].get("N03_007") or "").strip()]
    excl = r.manifest["excluded"]
    assert len([e for e in excl if e["code"] is None]) == len(no_code)


def test_national_facts(regions_root, census):
    regions = [_region(c, regions_root) for c in sorted(PREFECTURES)]
    munis = [r.municipalities for r in regions]
    assert sum(len(m) for m in munis) == 1747
    with_pop = sum(int(m["population"].notna().sum()) for m in munis)
    # 1,741 with population + 6 Northern Territories villages; 07546 has no value in the census either
    assert with_pop == 1747 - 6 - 1
    assert sum(int(np.nansum(m["population"].to_numpy(float))) for m in munis) == 126_226_568
    wards = [r.wards for r in regions if r.wards is not None]
    assert sum(w["city_code"].nunique() for w in wards) == 20
    assert sum(len(w) for w in wards) == 175
    assert sum(len(r.manifest["excluded"]) for r in regions if r.pref_code != "01") >= 3  # 所属未定地 rows


def test_hokkaido_northern_territories_excluded_not_zero(regions_root):
    r = _region("01", regions_root)
    m = r.municipalities.set_index("code")
    assert len(m) == 185
    nt = sorted(NO_CENSUS_CODES)
    assert m.loc[nt, "population"].isna().all()  # unknown, never 0
    excl = {e["code"]: e for e in r.manifest["excluded"]}
    assert set(nt) <= set(excl)
    assert set(m.loc[nt, "name"]) == {"色丹村", "泊村", "留夜別村", "留別村", "紗那村", "蘂取村"}
    assert all(excl[c]["reason"] and excl[c]["reason_en"] for c in nt)
    assert r.manifest["counts"]["settlement_points_total"] > 26_000


def test_tokyo_special_wards_are_municipalities(regions_root):
    r = _region("13", regions_root)
    m = r.municipalities.set_index("code")
    wards = [f"13{i:03d}" for i in range(101, 124)]
    assert set(wards) <= set(m.index)
    assert m.loc[wards, "has_welfare_office"].all()
    assert m.loc[wards, "name"].str.endswith("区").all()
    assert len(m) == 62 and r.wards is None


def test_aichi_and_designated_cities(regions_root):
    r = _region("23", regions_root)
    assert r.manifest["counts"]["settlement_points_total"] > 40_000
    nagoya = r.municipalities.set_index("code").loc["23100"]
    assert nagoya["name"] == "名古屋市" and len(nagoya["wards"].split("、")) == 16
    assert isinstance(r.wards, gpd.GeoDataFrame) and (r.wards["city_code"] == "23100").sum() == 16
