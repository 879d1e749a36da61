"""Uploads: size-limited, stored only inside the data folder under safe names, validated by geo.sites."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.errors import InputFileError
from madoguchi.app import state as S
from madoguchi.app import uploads as U


def test_safe_upload_names_stay_inside_uploads(app_env):
    for evil in ["../../etc/passwd.csv", "/abs/x.csv", "..\\..\\win.csv", ".hidden.csv", "a b;rm -rf.csv"]:
        p = U.store_upload("ibaraki-08", evil, b"name,lat,lon\n", allowed={".csv"})
        assert p.parent == app_env["uploads"] / "ibaraki-08"
        assert not p.name.startswith(".") and "/" not in p.name and "\\" not in p.name
    with pytest.raises(InputFileError) as e:
        U.store_upload("ibaraki-08", "big.csv", b"x" * (2 * 1024 * 1024), allowed={".csv"}, max_mb=1)
    assert "大きすぎ" in e.value.ja
    with pytest.raises(InputFileError):
        U.store_upload("ibaraki-08", "tool.exe", b"MZ", allowed={".csv"})


def test_import_sites_csv_real_places(app_env):
    r = app_env["region"]
    sc = S.new_scenario(r)
    # one row by coordinates (a real settlement point of 大子町 from the region data), one by a real
    # address (geocoded offline), one that matches nothing (listed as unusable, not hidden)
    d = r.demand[r.demand["muni_code"] == "08364"].iloc[0]
    csv = (
        "name,kind,lat,lon,address\n"
        f"大子町の既存窓口,existing,{d['lat']},{d['lon']},\n"
        "常陸大宮市の候補,candidate,,,常陸大宮市中富町\n"
        "不明な会場,candidate,,,存在しない村無番地\n"
    ).encode()
    res = U.import_sites(r, sc, "../sites.csv", csv, upload_no=1)
    assert res["path"].parent == app_env["uploads"] / "ibaraki-08"
    assert res["existing"] == 1
    assert sc.hubs[-1].name == "大子町の既存窓口" and sc.hubs[-1].fixed and sc.hubs[-1].source == "existing"
    assert list(res["candidates"]["name"]) == ["常陸大宮市の候補"]
    assert list(res["unusable"]["name"]) == ["不明な会場"]
    # an uploaded candidate can be chosen by a model (it is a column of the model's matrix)
    res2 = S.run_placement(
        r,
        sc,
        "pmedian",
        p=1,
        scope="without_welfare_office",
        method="heuristic",
        extra_candidates=res["candidates"],
    )
    assert "大子町の既存窓口" in [h.name for h in sc.hubs]  # existing desk kept as fixed
    assert res2.params["n_candidates"] == len(r.sites) + 1 + 1  # sites + uploaded candidate + fixed desk


def test_bad_sites_csv_is_a_japanese_error(app_env):
    r = app_env["region"]
    sc = S.new_scenario(r)
    with pytest.raises(InputFileError) as e:
        U.import_sites(r, sc, "x.csv", "名前だけ\nA\n".encode())
    assert "name" in e.value.ja


def test_links_make_an_island_reachable_and_are_labelled(okinawa_region, app_env, monkeypatch):
    """Okinawa: 久米島町 is unreachable from a hub in 那覇 until a (test) ferry link joins them;
    then its times are marked as including a link. The link joins the two real town-hall stand-ins."""
    from streamlit.testing.v1 import AppTest

    from madoguchi.app import widgets as W
    from madoguchi.planning.scenario import Hub

    r = okinawa_region
    sites = r.sites.set_index("site_id")
    naha, kume = sites.loc["C47201"], sites.loc["C47361"]
    hub = Hub("C47201", str(naha["name"]), float(naha["lon"]), float(naha["lat"]))
    cv = S.coverage_view(r, [hub], [60, 240], "all")
    kume_pts = (r.demand["muni_code"] == "47361").to_numpy()
    assert kume_pts.any()
    assert np.isinf(cv.nearest_min[kume_pts]).all()  # no road, no link: unreachable, listed
    un = S.unreachable_points(r, cv)
    assert "久米島町" in set(un["municipality"])

    csv = (
        f"from_lat,from_lon,to_lat,to_lon,minutes,name\n"
        f"{naha['lat']},{naha['lon']},{kume['lat']},{kume['lon']},180,試験用リンク（実在の航路ではない）\n"
    ).encode()
    path = U.store_upload(r.name, "ferry.csv", csv, allowed={".csv"})

    def app(links_path, region_path):
        import streamlit as st

        from madoguchi.app import state as S2

        st.session_state["_links"] = {"okinawa-47": links_path}
        reg = S2.load_region(region_path)
        hub = S2.Hub("C47201", "那覇", 127.691621, 26.21303)
        cv = S2.coverage_view(reg, [hub], [240], "all")
        st.write(float(cv.nearest_min[(reg.demand["muni_code"] == "47361").to_numpy()].max()))
        st.write(",".join(str(m) for m in cv.methods))

    at = AppTest.from_function(app, args=(str(path), str(r.path)), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    worst_kume, methods = float(at.markdown[0].value.strip("`")), at.markdown[1].value.strip("`")
    assert 180 < worst_kume < math.inf and "2" in methods.split(",")  # reachable now, via the 180-min link
    from madoguchi.planning.coverage import CoverageView

    cv2 = CoverageView([240.0], np.zeros(1), np.zeros(1), np.zeros(1), np.ones(1, bool), 1.0, methods=[1, 2])
    assert "航路等を含む" in W.basis_caption(r, cv2, "all", "ja")
