"""Property-based fuzzing (hypothesis) of every reader on the data floor.

Property: a correct result or a MadoguchiError whose message is one line; never another
exception; the input file is left as it was. Examples are derandomized and modest in number.
Inputs are mutations of real rows (census 2020 population of Okinawa, real settlement points)
plus arbitrary text and bytes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import MadoguchiError

FUZZ = settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "1e309",
            "-1",
            "0",
            "26.2",
            "127.7",
            "47201",
            "1,234",
            '=HYPERLINK("x")',
            "\x00",
            '"',
            "'",
            "\r\n",
            "４７２０１",
            "-",
        ]
    ),
)


def _check(fn, path: Path):
    """Run a reader: returns its result, or None after a one-line MadoguchiError; file unchanged."""
    before = path.read_bytes() if path.is_file() else None
    try:
        return fn(path)
    except MadoguchiError as e:
        for lang in ("ja", "en"):
            msg = e.message(lang)
            assert msg.strip() and "\n" not in msg.strip() and "Traceback" not in msg
        return None
    finally:
        if before is not None:
            assert path.read_bytes() == before


def _csv(rows: list[list[str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def oki(okinawa_region):
    """The session's real Okinawa bundle (conftest)."""
    return okinawa_region


@pytest.fixture(scope="module")
def pop_rows(data_root) -> list[list[str]]:
    from geo.region import find_sources

    p = find_sources("47", data_root)["population"]
    text = p.read_text(encoding="utf-8-sig")
    lines = [ln.split(",") for ln in text.splitlines() if ln.startswith(("47", "area_code"))]
    return lines[:30]


# ----------------------------------------------------------------------------- population CSV


@FUZZ
@given(data=st.data())
def test_population_csv(tmp_path, pop_rows, data):
    from geo.population import read_population

    rows = [list(r) for r in pop_rows]
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(rows) - 1))
        j = data.draw(st.integers(0, len(rows[i]) - 1))
        rows[i][j] = data.draw(cell)
    enc = data.draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    f = tmp_path / "pop.csv"
    f.write_bytes(_csv(rows).encode(enc, errors="replace"))
    pt = _check(read_population, f)
    if pt is not None:
        for code, v in pt.values.items():
            assert np.isnan(v) or (np.isfinite(v) and v >= 0)
            assert isinstance(code, str)


@FUZZ
@given(raw=st.binary(max_size=400))
def test_population_csv_bytes(tmp_path, raw):
    from geo.population import read_population

    f = tmp_path / "pop.csv"
    f.write_bytes(raw)
    _check(read_population, f)


# ----------------------------------------------------------------------------- sites CSV


@FUZZ
@given(data=st.data())
def test_sites_csv(tmp_path, oki, data):
    from geo.sites import MAX_OUTSIDE_KM, distance_outside_km, read_sites_csv

    pts = oki.demand.iloc[::97]
    rows = [["name", "lat", "lon", "kind", "capacity"]]
    rows += [
        [f"s{i}", f"{la:.6f}", f"{lo:.6f}", "candidate", "10"] for i, (lo, la) in enumerate(zip(pts["lon"], pts["lat"]))
    ]
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(rows) - 1))
        rows[i][data.draw(st.integers(0, 4))] = data.draw(cell)
    f = tmp_path / "sites.csv"
    f.write_text(_csv(rows), encoding="utf-8")
    s = _check(lambda p: read_sites_csv(p, oki), f)
    if s is not None:
        xy = s[s["lon"].notna()]
        assert np.isfinite(xy["lon"].to_numpy(float)).all()
        assert (distance_outside_km(xy["lon"], xy["lat"], oki) <= MAX_OUTSIDE_KM).all()
        cap = s["capacity"].to_numpy(float)
        assert (np.isnan(cap) | (cap >= 0)).all()


# ----------------------------------------------------------------------------- links CSV


@FUZZ
@given(data=st.data())
def test_links_csv(tmp_path, data):
    from geo.links import read_links

    rows = [
        ["from_lat", "from_lon", "to_lat", "to_lon", "minutes", "name"],
        ["26.2124", "127.6792", "26.3344", "126.8047", "120", "那覇-久米島 (synthetic)"],
        ["24.3448", "124.1572", "24.8054", "125.2811", "60", "石垣-宮古 (synthetic)"],
    ]
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, 2))
        rows[i][data.draw(st.integers(0, 5))] = data.draw(cell)
    if data.draw(st.booleans()):
        rows.append(data.draw(st.lists(cell, max_size=8)))
    f = tmp_path / "links.csv"
    f.write_text(_csv(rows), encoding="utf-8")
    lk = _check(read_links, f)
    if lk is not None:
        a = lk.arrays()
        assert all(np.isfinite(v).all() for v in a.values())
        assert (a["minutes"] >= 0).all() and (np.abs(a["from_lat"]) <= 90).all()


@FUZZ
@given(text=st.text(max_size=300))
def test_links_text(tmp_path, text):
    from geo.links import read_links

    f = tmp_path / "links.csv"
    f.write_bytes(text.encode("utf-8", errors="surrogatepass") if "\ud800" not in text else b"x")
    _check(read_links, f)


# ----------------------------------------------------------------------------- groups / use CSV (partner)


@FUZZ
@given(data=st.data())
def test_groups_and_use_csv(tmp_path, oki, data):
    from geo.population import read_csv_table
    from models.partnership import read_groups

    codes = oki.municipalities["code"].astype(str).tolist()
    rows = [["code", "group"]] + [[c, str(i % 3)] for i, c in enumerate(codes)]
    for _ in range(data.draw(st.integers(0, 3))):
        i = data.draw(st.integers(0, len(rows) - 1))
        rows[i][data.draw(st.integers(0, 1))] = data.draw(cell)
    f = tmp_path / "groups.csv"
    f.write_text(_csv(rows), encoding="utf-8")

    def read(p):
        df, _ = read_csv_table(p, "グループ表", "grouping CSV")
        return read_groups(df, np.array(codes), path=p)

    lab = _check(read, f)
    if lab is not None:
        assert len(lab) == len(codes)


# ----------------------------------------------------------------------------- GeoJSON boundaries


@pytest.fixture(scope="module")
def oki_features(data_root) -> dict:
    return json.loads((data_root / "boundaries" / "N03-21_47_210101.json").read_text(encoding="utf-8"))


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_geojson_boundaries(tmp_path, oki_features, data):
    from geo.boundaries import read_boundaries

    obj = json.loads(json.dumps(oki_features))
    feats = obj["features"]
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(feats) - 1))
        what = data.draw(st.sampled_from(["code", "name", "geom", "drop", "crs", "coords", "type"]))
        if what == "code":
            feats[i]["properties"]["N03_007"] = data.draw(cell)
        elif what == "name":
            feats[i]["properties"]["N03_004"] = data.draw(cell)
        elif what == "geom":
            feats[i]["geometry"] = data.draw(
                st.sampled_from(
                    [None, {}, {"type": "Point", "coordinates": [0, 0]}, {"type": "Polygon", "coordinates": []}, "x"]
                )
            )
        elif what == "drop":
            feats[i]["properties"].pop(data.draw(st.sampled_from(["N03_001", "N03_004", "N03_007"])), None)
        elif what == "crs":
            obj["crs"] = data.draw(
                st.sampled_from(
                    [
                        {"type": "name", "properties": {"name": "EPSG:6677"}},
                        "x",
                        {},
                        {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::9999999"}},
                    ]
                )
            )
        elif what == "coords" and feats[i].get("geometry") and isinstance(feats[i]["geometry"], dict):
            feats[i]["geometry"] = {"type": "Point", "coordinates": [data.draw(st.floats(allow_nan=True)), 26.0]}
        else:
            obj["type"] = data.draw(st.sampled_from(["Feature", "FeatureCollection", 3]))
    f = tmp_path / "b.geojson"
    f.write_text(json.dumps(obj, allow_nan=True), encoding="utf-8")
    br = _check(lambda p: read_boundaries(p, "47"), f)
    if br is not None:
        m = br.municipalities
        assert m["code"].is_unique and len(m) > 0
        b = m.total_bounds
        assert 122 <= b[0] and b[2] <= 154.5 and 20 <= b[1] and b[3] <= 46


# ----------------------------------------------------------------------------- settings

settings_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10, 10**6),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.floats(), max_size=2),
)


@FUZZ
@given(
    d=st.dictionaries(
        st.sampled_from(
            [
                "speeds_kmh",
                "fallback_speed_kmh",
                "maxspeed_factor",
                "circuity",
                "estimate_speed_kmh",
                "access_speed_kmh",
                "snap_threshold_m",
                "demand_rule",
                "unknown",
            ]
        ),
        settings_value,
        max_size=4,
    )
)
def test_settings_file(tmp_path, d):
    from geo.settings import Settings

    f = tmp_path / "settings.json"
    f.write_text(json.dumps(d, allow_nan=True), encoding="utf-8")
    s = _check(Settings.from_file, f)
    if s is not None:
        for v in [*s.speeds_kmh.values(), s.estimate_speed_kmh, s.access_speed_kmh, s.circuity, s.snap_threshold_m]:
            assert np.isfinite(v) and v > 0
        assert s.circuity >= 1
