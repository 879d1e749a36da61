"""Reading the sources: N03 formats and encodings, population CSVs, and every bad input.

Bad input must give one clear message naming the file, exit code 2, no traceback, and no
(partial) bundle; an existing bundle must survive a failed rebuild untouched.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from core.errors import InputFileError
from geo.boundaries import read_boundaries
from geo.population import read_population


@pytest.fixture(scope="module")
def n03_08(data_root) -> Path:
    return data_root / "boundaries" / "N03-21_08_210101.json"


@pytest.fixture(scope="module")
def pop_csv(data_root) -> Path:
    return data_root / "population" / "municipality_population_2020.csv"


@pytest.fixture(scope="module")
def ibaraki_gdf(n03_08):
    return gpd.read_file(n03_08)


# ------------------------------------------------------------------ boundaries: formats


def test_boundaries_geojson_kinds(n03_08):
    r = read_boundaries(n03_08, "08")
    m = r.municipalities
    assert len(m) == 44 and r.encoding == "utf-8" and r.excluded == []
    assert m["kind"].value_counts().to_dict() == {"市": 32, "町": 10, "村": 2}
    assert m.geometry.is_valid.all()


def test_boundaries_shiftjis_shapefile_without_cpg_is_detected(tmp_path, ibaraki_gdf):
    """Older N03 shapefiles are Shift-JIS with no .cpg: detected and read correctly."""
    shp = tmp_path / "N03-21_08_210101.shp"
    pyogrio.write_dataframe(ibaraki_gdf, shp, encoding="cp932")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    r = read_boundaries(shp, "08")
    assert r.encoding == "cp932"
    assert len(r.municipalities) == 44
    assert "大子町" in set(r.municipalities["name"]) and "龍ケ崎市" in set(r.municipalities["name"])
    # and the zip MLIT ships (shapefile in a folder inside the zip)
    z = tmp_path / "N03-21_08_210101_GML.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in tmp_path.glob("N03-21_08_210101.*"):
            zf.write(f, f"N03-21_08_210101_GML/{f.name}")
    rz = read_boundaries(z, "08")
    assert len(rz.municipalities) == 44 and rz.encoding == "cp932"
    assert set(rz.municipalities["name"]) == set(r.municipalities["name"])


def test_boundaries_shiftjis_forced_utf8_gives_clear_message(tmp_path, ibaraki_gdf):
    shp = tmp_path / "sjis.shp"
    pyogrio.write_dataframe(ibaraki_gdf, shp, encoding="cp932")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    with pytest.raises(InputFileError) as e:
        read_boundaries(shp, "08", encoding="utf-8")
    assert "sjis.shp" in e.value.message() and "cp932" in e.value.message()


def test_boundaries_shiftjis_geojson_is_detected(tmp_path, n03_08):
    p = tmp_path / "sjis.json"
    p.write_text(n03_08.read_text(encoding="utf-8"), encoding="cp932")
    r = read_boundaries(p, "08")
    assert r.encoding == "cp932" and len(r.municipalities) == 44
    assert "常陸大宮市" in set(r.municipalities["name"])


def test_boundaries_geopackage(tmp_path, ibaraki_gdf):
    p = tmp_path / "n03.gpkg"
    ibaraki_gdf.to_file(p)
    assert len(read_boundaries(p, "08").municipalities) == 44


def test_boundaries_wrong_prefecture(n03_08):
    with pytest.raises(InputFileError, match="43"):
        read_boundaries(n03_08, "43")


# ------------------------------------------------------------------ population


def test_population_shared_file(pop_csv):
    t = read_population(pop_csv)
    assert t.encoding == "utf-8-sig"
    assert t.lookup("08000") == 2_868_554 and t.lookup("43100") == 738_744
    assert np.isnan(t.lookup("07546"))  # 双葉町: empty in 2020, unknown not zero
    assert t.empty_codes == ["07546"]
    assert np.isnan(t.lookup("99999"))


def test_population_shiftjis_commas_and_other_columns(tmp_path, pop_csv):
    lines = pop_csv.read_text(encoding="utf-8-sig").splitlines()
    rows = ["コード,名称,人口"] + [
        f'{c.lstrip("0") if c.startswith("08") else c},{n},"{int(v):,}"'
        for c, n, v in (ln.split(",") for ln in lines[1:])
        if v
    ]
    p = tmp_path / "pop_sjis.csv"
    p.write_text("\n".join(rows) + "\n", encoding="cp932")
    t = read_population(p, "コード", "人口")
    assert t.encoding == "cp932"
    assert t.lookup("08201") == 270_810  # '8201' (leading zero lost, as Excel does) -> 08201


# ------------------------------------------------------------------ bad inputs through the CLI


def _bad_cases(tmp: Path, n03: Path, pop: Path, data_root: Path) -> dict[str, tuple[list[str], str]]:
    """name -> (extra CLI args, text the message must contain)."""
    (tmp / "notgeo.json").write_text("これは GeoJSON ではありません", encoding="utf-8")
    (tmp / "empty.json").write_bytes(b"")
    d = json.loads(n03.read_text(encoding="utf-8"))
    for f in d["features"]:
        f["properties"].pop("N03_007")
    (tmp / "no007.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    text = pop.read_text(encoding="utf-8-sig")
    (tmp / "pop_text.csv").write_text(text.replace("08201,水戸市,270810", "08201,水戸市,二十七万"), encoding="utf-8")
    (tmp / "pop_sjis.csv").write_text(text, encoding="cp932")
    (tmp / "pop_empty.csv").write_bytes(b"")
    pbf = (data_root / "roads" / "kumamoto-chuo_drive_2023-01-05.osm.pbf").read_bytes()
    (tmp / "trunc.osm.pbf").write_bytes(pbf[: len(pbf) // 2])
    return {
        "not_geojson": (["--boundaries", tmp / "notgeo.json"], "notgeo.json"),
        "empty_boundaries": (["--boundaries", tmp / "empty.json"], "空"),
        "missing_n03_007": (["--boundaries", tmp / "no007.json"], "N03_007"),
        "text_in_population": (["--population", tmp / "pop_text.csv"], "二十七万"),
        "shiftjis_read_as_utf8": (["--population", tmp / "pop_sjis.csv", "--pop-encoding", "utf-8"], "utf-8"),
        "empty_population": (["--population", tmp / "pop_empty.csv"], "空"),
        "truncated_pbf": (["--roads", tmp / "trunc.osm.pbf"], "trunc.osm.pbf"),
        "missing_file": (["--boundaries", tmp / "nope.json"], "nope.json"),
    }


CASES = [
    "not_geojson",
    "empty_boundaries",
    "missing_n03_007",
    "text_in_population",
    "shiftjis_read_as_utf8",
    "empty_population",
    "truncated_pbf",
    "missing_file",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_clear_message_exit_2_no_bundle(case, tmp_path, n03_08, pop_csv, data_root, run_cli):
    args, must = _bad_cases(tmp_path, n03_08, pop_csv, data_root)[case]
    out = tmp_path / "bundle"
    code, stdout, stderr = run_cli("region", "build", "--pref", "08", *args, "--out", out)
    assert code == 2
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("エラー") and must in lines[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bundle")]  # no temp leftovers


def test_failed_rebuild_keeps_existing_bundle(tmp_path, n03_08, pop_csv, data_root, run_cli):
    out = tmp_path / "bundle"
    code, _, err = run_cli("region", "build", "--pref", "08", "--out", out)
    assert code == 0, err
    before = (out / "manifest.json").read_bytes()
    files_before = sorted(p.name for p in out.iterdir())
    args, _ = _bad_cases(tmp_path, n03_08, pop_csv, data_root)["text_in_population"]
    code, _, _ = run_cli("region", "build", "--pref", "08", *args, "--out", out)
    assert code == 2
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == files_before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_empty_population_value_is_unknown_not_error(tmp_path, pop_csv, data_root):
    from geo.region import Region, build_region

    p = tmp_path / "pop.csv"
    p.write_text(
        pop_csv.read_text(encoding="utf-8-sig").replace("08364,大子町,15744", "08364,大子町,"), encoding="utf-8"
    )
    r = Region.load(build_region("08", data=data_root, population=p, out_dir=tmp_path / "b"))
    assert r.manifest["population_unknown"] == ["08364"]
    assert np.isnan(r.municipalities.set_index("code").loc["08364", "population"])
    assert r.info()["population_total"] == 2_868_554 - 15_744
    assert r.demand.loc[r.demand["muni_code"] == "08364", "population"].isna().all()
    assert any("08364" in w for w in r.manifest["warnings"])


def test_crash_while_writing_leaves_nothing(tmp_path, data_root, monkeypatch):
    """A failure after the temp folder exists (disk full, a bug) removes it; old bundle kept."""
    import geo.region as gr

    out = tmp_path / "bundle"
    gr.build_region("08", data=data_root, out_dir=out)
    before = (out / "manifest.json").read_bytes()
    calls = []

    def boom(gdf, path):
        calls.append(path.name)
        if path.name == "demand.parquet":
            raise OSError("No space left on device")
        gdf.to_parquet(path, index=False)

    monkeypatch.setattr(gr, "_write_parquet", boom)
    with pytest.raises(OSError):
        gr.build_region("08", data=data_root, out_dir=out)
    assert "demand.parquet" in calls
    assert (out / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
