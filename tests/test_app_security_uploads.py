"""Uploads on a shared server: one size limit everywhere, a per-region quota that removes only the
oldest files Madoguchi stored, and a re-upload that fails validation never replaces a good file.
Real files: the shared Kumamoto OSM extract, real Ibaraki settlement coordinates, real boundaries."""

from __future__ import annotations

import json
import os
import re
import time
import tomllib

import pytest

from core.errors import InputFileError, MadoguchiError
from geo.paths import PROJECT_ROOT
from madoguchi.app import state as S
from madoguchi.app import uploads as U


def _sites_csv(region, n: int = 3) -> bytes:
    """A sites CSV of real settlement points of 大子町 (Ibaraki)."""
    d = region.demand[region.demand["muni_code"] == "08364"].head(n)
    rows = [f"窓口{i},candidate,{r.lat},{r.lon}," for i, r in enumerate(d.itertuples())]
    return ("name,kind,lat,lon,address\n" + "\n".join(rows) + "\n").encode()


def _visible(folder):
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def _hidden_temps(folder):
    return [p.name for p in folder.iterdir() if ".upload-" in p.name]


# ----------------------------------------------------------------------------- one limit


def test_one_upload_limit_in_config_code_and_screen(app_env):
    from streamlit.testing.v1 import AppTest

    cfg = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    mb = float(cfg["server"]["maxUploadSize"])
    assert U.upload_limit_mb() == mb
    # the store refuses one byte over, accepts exactly the limit
    with pytest.raises(InputFileError) as e:
        U.store_upload("ibaraki-08", "big.csv", b"x" * (int(mb * 1024 * 1024) + 1), allowed={".csv"}, quota_mb=10 * mb)
    assert f"{mb:g} MB" in e.value.ja and f"{mb:g} MB" in e.value.en
    # every upload box on the placement page and the home page states that same number, and no other
    for page in ("pages/2_placement.py", "app.py"):
        at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=180).run()
        assert not at.exception, [x.value for x in at.exception]
        hints = [c.value for c in at.caption if "MB" in c.value]
        assert hints, page
        for h in hints:
            assert set(re.findall(r"(\d+(?:\.\d+)?) ?MB", h)) == {f"{mb:g}"}, h
        # the scoped style hides Streamlit's own "200MB per file" text (its number would be a second one)
        assert any("stFileUploaderDropzoneInstructions" in str(getattr(x, "proto", "")) for x in at.get("html"))


# ----------------------------------------------------------------------------- validate, then replace


def test_reupload_that_fails_validation_keeps_the_good_file(app_env):
    r = app_env["region"]
    sc = S.new_scenario(r)
    good = _sites_csv(r)
    res = U.import_sites(r, sc, "sites.csv", good)
    path = res["path"]
    assert path.read_bytes() == good and len(res["candidates"]) == 3
    folder = path.parent
    for bad in ("名前だけ\nA\n".encode(), b"\xff\xfe\x00garbage", b"", b"name,lat,lon\nX,abc,def\n"):
        with pytest.raises(MadoguchiError) as e:
            U.import_sites(r, sc, "sites.csv", bad)
        assert ".upload-" not in e.value.message("ja")  # names the user's file, not our temp file
        assert path.read_bytes() == good
        assert _visible(folder) == ["sites.csv"] and not _hidden_temps(folder)
    # a valid new version replaces it
    newer = _sites_csv(r, 5)
    res = U.import_sites(r, sc, "sites.csv", newer)
    assert res["path"].read_bytes() == newer and len(res["candidates"]) == 5


def test_links_reupload_validated_first(okinawa_region, app_env):
    from streamlit.testing.v1 import AppTest

    r = okinawa_region
    s = r.sites.set_index("site_id")
    naha, kume = s.loc["C47201"], s.loc["C47361"]
    good = (
        f"from_lat,from_lon,to_lat,to_lon,minutes,name\n"
        f"{naha['lat']},{naha['lon']},{kume['lat']},{kume['lon']},180,試験用リンク\n"
    )
    bad = good.replace(",180,", ",-5,")

    def app(region_path, good, bad):
        import streamlit as st

        from core.errors import MadoguchiError
        from madoguchi.app import state as S2

        reg = S2.load_region(region_path)
        p, n = S2.import_links(reg, "ferry.csv", good.encode())
        st.write(f"ok {n}")
        try:
            S2.import_links(reg, "ferry.csv", bad.encode())
        except MadoguchiError as e:
            st.write("refused " + e.message("en"))
        st.write("in use " + str(st.session_state["_links"][reg.name] == str(p)))

    at = AppTest.from_function(app, args=(str(r.path), good, bad), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    vals = [m.value for m in at.markdown]
    assert vals[0] == "ok 1" and vals[1].startswith("refused ferry.csv") and vals[2] == "in use True"
    stored = app_env["uploads"] / r.name / "ferry.csv"
    assert stored.read_text(encoding="utf-8") == good


def test_road_and_boundary_uploads_are_read_before_they_are_kept(app_env, kumamoto_pbf, data_root):
    pbf = kumamoto_pbf.read_bytes()
    p = U.store_roads("kumamoto-43", "chuo.osm.pbf", pbf)
    assert p.read_bytes() == pbf
    with pytest.raises(MadoguchiError):
        U.store_roads("kumamoto-43", "chuo.osm.pbf", pbf[: len(pbf) // 3])  # truncated download
    assert p.read_bytes() == pbf and not _hidden_temps(p.parent)
    bnd = next((data_root / "boundaries").glob("N03-*_08_*.json"), None)
    if bnd is None or not bnd.is_file():
        pytest.skip("no single-file Ibaraki boundary in the shared data")
    q = U.store_boundaries("ibaraki-08", "08", bnd.name, bnd.read_bytes())
    assert q.read_bytes() == bnd.read_bytes()
    with pytest.raises(MadoguchiError):
        U.store_boundaries("ibaraki-08", "08", bnd.name, b'{"type": "FeatureCollection", "features": []}')
    assert q.read_bytes() == bnd.read_bytes()


# ----------------------------------------------------------------------------- quota and ownership


def test_quota_removes_only_the_oldest_madoguchi_uploads(app_env, kumamoto_pbf):
    pbf = kumamoto_pbf.read_bytes()  # the real 236 kB Kumamoto extract
    size = len(pbf)
    quota_mb = (2.5 * size) / (1024 * 1024)  # room for two copies, not three
    folder = app_env["uploads"] / "kumamoto-43"
    a = U.store_upload("kumamoto-43", "a.osm.pbf", pbf, quota_mb=quota_mb)
    os.utime(a, (time.time() - 30, time.time() - 30))
    b = U.store_upload("kumamoto-43", "b.osm.pbf", pbf, quota_mb=quota_mb)
    assert _visible(folder) == ["a.osm.pbf", "b.osm.pbf"]
    c = U.store_upload("kumamoto-43", "c.osm.pbf", pbf, quota_mb=quota_mb)
    assert _visible(folder) == ["b.osm.pbf", "c.osm.pbf"]  # the oldest (a) made room
    assert b.read_bytes() == pbf and c.read_bytes() == pbf
    # re-uploading a stored name replaces it in place (counted once, nothing else removed)
    U.store_upload("kumamoto-43", "c.osm.pbf", pbf, quota_mb=quota_mb)
    assert _visible(folder) == ["b.osm.pbf", "c.osm.pbf"]
    # a file somebody else put there is never removed or replaced
    notes = folder / "notes.osm.pbf"
    notes.write_bytes(pbf)
    os.utime(notes, (time.time() - 3600, time.time() - 3600))  # oldest of all
    U.store_upload("kumamoto-43", "d.osm.pbf", pbf, quota_mb=quota_mb)
    assert "notes.osm.pbf" in _visible(folder) and notes.read_bytes() == pbf
    assert len([n for n in _visible(folder) if n != "notes.osm.pbf"]) == 1  # ours made room
    with pytest.raises(MadoguchiError) as e:
        U.store_upload("kumamoto-43", "notes.osm.pbf", pbf[:1000], quota_mb=quota_mb)
    assert "Madoguchi" in e.value.ja
    assert notes.read_bytes() == pbf
    # a file we stored and somebody then edited is no longer ours: kept too
    d = folder / "d.osm.pbf"
    d.write_bytes(pbf[:-1] + b"\x00")
    before = {n: (folder / n).read_bytes() for n in _visible(folder)}
    # nothing of ours left to remove: the new upload is refused, nothing is deleted
    with pytest.raises(InputFileError) as e:
        U.store_upload("kumamoto-43", "e.osm.pbf", pbf, quota_mb=quota_mb)
    assert "200" not in e.value.en and f"{quota_mb:g} MB" in e.value.en
    assert {n: (folder / n).read_bytes() for n in _visible(folder)} == before
    assert not _hidden_temps(folder)
    reg = json.loads((folder / ".madoguchi-files.json").read_text(encoding="utf-8"))
    assert "notes.osm.pbf" not in reg


def test_quota_default_and_env(monkeypatch):
    assert U.upload_quota_mb() == 200.0
    monkeypatch.setenv("MADOGUCHI_UPLOAD_QUOTA_MB", "50")
    assert U.upload_quota_mb() == 50.0
    for bad in ("abc", "-1", "nan", "inf", "0"):
        monkeypatch.setenv("MADOGUCHI_UPLOAD_QUOTA_MB", bad)
        assert U.upload_quota_mb() == 200.0


def test_temp_files_of_a_killed_upload_are_cleaned_after_an_hour(app_env):
    """A process killed mid-upload leaves a hidden temp file (outside the quota): the next upload
    removes ours once they are an hour old, and nothing else that looks hidden."""
    r = app_env["region"]
    folder = app_env["uploads"] / r.name
    folder.mkdir(parents=True)
    old_tmp = folder / ".sites.upload-4zk4han3.csv"
    new_tmp = folder / ".sites.upload-a1b2c3d4.csv"
    other = folder / ".my-notes.csv"
    for p in (old_tmp, new_tmp, other):
        p.write_bytes(_sites_csv(r))
    os.utime(old_tmp, (time.time() - 7200, time.time() - 7200))
    os.utime(other, (time.time() - 7200, time.time() - 7200))
    U.store_upload(r.name, "sites.csv", _sites_csv(r), allowed={".csv"})
    assert not old_tmp.exists() and new_tmp.exists() and other.exists()
