"""Uploads: size-limited, stored only inside the data folder under safe names, validated by geo.sites."""
from __future__ import annotations

import pytest

from geo.errors import InputFileError
from madoguchi import app_state as S


def test_safe_upload_names_stay_inside_uploads(app_env):
    for evil in ["../../etc/passwd.csv", "/abs/x.csv", "..\\..\\win.csv", ".hidden.csv", "a b;rm -rf.csv"]:
        p = S.store_upload("ibaraki-08", evil, b"name,lat,lon\n", allowed={".csv"})
        assert p.parent == app_env["uploads"] / "ibaraki-08"
        assert not p.name.startswith(".") and "/" not in p.name and "\\" not in p.name
    with pytest.raises(InputFileError) as e:
        S.store_upload("ibaraki-08", "big.csv", b"x" * (2 * 1024 * 1024), allowed={".csv"}, max_mb=1)
    assert "大きすぎ" in e.value.ja
    with pytest.raises(InputFileError):
        S.store_upload("ibaraki-08", "tool.exe", b"MZ", allowed={".csv"})


def test_import_sites_csv_real_places(app_env):
    r = app_env["region"]
    sc = S.new_scenario(r)
    # one row by coordinates (a real settlement point of 大子町 from the region data), one by a real
    # address (geocoded offline), one that matches nothing (listed as unusable, not hidden)
    d = r.demand[r.demand["muni_code"] == "08364"].iloc[0]
    csv = ("name,kind,lat,lon,address\n"
           f"大子町の既存窓口,existing,{d['lat']},{d['lon']},\n"
           "常陸大宮市の候補,candidate,,,常陸大宮市中富町\n"
           "不明な会場,candidate,,,存在しない村無番地\n").encode("utf-8")
    res = S.import_sites(r, sc, "../sites.csv", csv, upload_no=1)
    assert res["path"].parent == app_env["uploads"] / "ibaraki-08"
    assert res["existing"] == 1
    assert sc.hubs[-1].name == "大子町の既存窓口" and sc.hubs[-1].fixed and sc.hubs[-1].source == "existing"
    assert list(res["candidates"]["name"]) == ["常陸大宮市の候補"]
    assert list(res["unusable"]["name"]) == ["不明な会場"]
    # an uploaded candidate can be chosen by a model (it is a column of the model's matrix)
    res2 = S.run_placement(r, sc, "pmedian", p=1, scope="without_welfare_office", method="heuristic",
                           extra_candidates=res["candidates"], cache={})
    assert "大子町の既存窓口" in [h.name for h in sc.hubs]  # existing desk kept as fixed
    assert res2.params["n_candidates"] == len(r.sites) + 1 + 1  # sites + uploaded candidate + fixed desk


def test_bad_sites_csv_is_a_japanese_error(app_env):
    r = app_env["region"]
    sc = S.new_scenario(r)
    with pytest.raises(InputFileError) as e:
        S.import_sites(r, sc, "x.csv", "名前だけ\nA\n".encode("utf-8"))
    assert "name" in e.value.ja
