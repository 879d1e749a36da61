"""Reports end to end on the real data: `madoguchi report` in all four formats, read back.

Ibaraki (44 municipalities, no road data: every time is a labelled estimate) with four hubs at
the town-hall stand-in points of four towns/villages; Okinawa with hubs on the main island only,
so the outer islands are unreachable and the first page must say so.
Rendered PDF pages go to test-output/report/ (look at them).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from geo.atomic import write_json_atomic
from madoguchi.planning.scenario import Hub, Scenario

OUT = Path(__file__).resolve().parent.parent / "test-output" / "report"
IBARAKI_HUB_MUNIS = ["08302", "08341", "08364", "08564"]  # 茨城町, 東海村, 大子町, 利根町
OKINAWA_HUB_MUNIS = ["47201", "47308", "47301"]  # 那覇市, 本部町, 国頭村 (main island only)

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (scripts/system-deps.sh)",
)


def _scenario(region, codes, name) -> Scenario:
    sites = region.sites.set_index("muni_code").loc[codes]
    hubs = [
        Hub(r.site_id, r.name, float(r.lon), float(r.lat), fixed=(i == 0), source="existing" if i == 0 else "manual")
        for i, r in enumerate(sites.itertuples())
    ]
    return Scenario(
        name=name, region=region.path.name, hubs=hubs, notes="テスト用シナリオ（町村役場の代替点に拠点）"
    ).touch()


@pytest.fixture(scope="module")
def ibaraki_case(ibaraki_region, tmp_path_factory):
    d = tmp_path_factory.mktemp("report_ibaraki")
    sc = _scenario(ibaraki_region, IBARAKI_HUB_MUNIS, "茨城4拠点")
    path = d / "scenario.json"
    write_json_atomic(path, sc.to_dict())
    sc2 = _scenario(ibaraki_region, IBARAKI_HUB_MUNIS[:2], "茨城2拠点")
    path2 = d / "scenario2.json"
    write_json_atomic(path2, sc2.to_dict())
    return ibaraki_region, sc, path, path2, d


def _pdf_text(path: Path, first: int | None = None, last: int | None = None) -> str:
    cmd = ["pdftotext", "-layout"]
    if first:
        cmd += ["-f", str(first)]
    if last:
        cmd += ["-l", str(last)]
    return subprocess.run(cmd + [str(path), "-"], capture_output=True, text=True, check=True).stdout


def _render_pages(pdf: Path, prefix: str) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(OUT / prefix)], check=True)
    return sorted(OUT.glob(f"{prefix}-*.png"))


def _coverage_json(run_cli, region, scenario_path) -> dict:
    """`madoguchi coverage --json` for the same scenario (the CLI's numbers, not the report's)."""
    code, out, err = run_cli("coverage", "--region", region.path, "--scenario", scenario_path, "--json")
    assert code == 0, err
    return json.loads(out)


@needs_poppler
def test_pdf_report_ibaraki_matches_coverage_cli(ibaraki_case, run_cli):
    region, sc, path, path2, d = ibaraki_case
    pdf = d / "ibaraki.pdf"
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", pdf)
    assert code == 0, err
    assert "PDF" in out and pdf.exists()
    cov = _coverage_json(run_cli, region, path)
    text = _pdf_text(pdf)
    page1 = _pdf_text(pdf, 1, 1)
    # headline figures on page 1 equal the coverage CLI's numbers
    assert f"{round(cov['population']):,} 人" in page1
    for t in ("15", "30", "45", "60"):
        w = cov["within"][t]
        assert f"{t}分以内の人口" in page1
        assert f"{round(w['population']):,} 人（{100 * w['share']:.1f} %）" in page1, t
    assert f"{cov['mean_min']:.1f} 分" in page1
    assert "移動時間の算出方法: 推定" in page1  # Ibaraki has no road data: labelled estimate
    assert "到達不可の人口があります" not in page1  # everything reachable by estimate on Honshu
    # per-municipality rows: name, population and 30-minute share as in the CLI's table
    for m in cov["municipalities"]:
        name = region.municipalities.set_index("code").loc[m["muni_code"], "name"]
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(name + " "))
        assert f"{round(m['population']):,}" in line, line
        assert f"{100 * m['share_30']:.1f}" in line, line
    for s in (
        "市町村別",
        "到達不可",
        "拠点",
        "出典と前提",
        "国土数値情報",
        "CC BY 4.0",
        "迂回率 1.35",
        "推定速度 32 km/h",
        "各市町村の人口を大字・町丁目の代表点に均等に配分",
    ):
        assert s in text, s
    pages = _render_pages(pdf, "ibaraki")
    assert len(pages) >= 3 and all(p.stat().st_size > 10_000 for p in pages)


@needs_poppler
def test_pdf_comparison_page(ibaraki_case, run_cli):
    region, sc, path, path2, d = ibaraki_case
    pdf = d / "compare.pdf"
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--compare", path2, "--out", pdf)
    assert code == 0, err
    text = _pdf_text(pdf)
    assert "シナリオ比較: 茨城4拠点 と 茨城2拠点" in text
    cov2 = _coverage_json(run_cli, region, path2)
    assert f"{100 * cov2['within']['30']['share']:.1f}" in text
    _render_pages(pdf, "ibaraki-compare")


def test_xlsx_report_reads_back_with_pandas(ibaraki_case, run_cli):
    region, sc, path, path2, d = ibaraki_case
    x = d / "ibaraki.xlsx"
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", x)
    assert code == 0, err
    sheets = pd.read_excel(x, sheet_name=None, dtype={"コード": str})
    assert list(sheets)[:4] == ["概要", "市町村別", "到達不可", "拠点"] and "出典と前提" in sheets
    cov = _coverage_json(run_cli, region, path)
    m = sheets["市町村別"].set_index("コード")
    assert len(m) == len(cov["municipalities"]) == 12  # Ibaraki's 10 towns + 2 villages
    for r in cov["municipalities"]:
        row = m.loc[r["muni_code"]]
        assert row["人口"] == pytest.approx(r["population"])  # a number, not text
        assert row["30分以内 (%)"] == pytest.approx(100 * r["share_30"])
        assert row["平均時間 (分)"] == pytest.approx(r["mean_min"])
    assert pd.api.types.is_numeric_dtype(m["60分以内 人口"])
    hubs = sheets["拠点"]
    assert hubs["拠点名"].tolist() == [h.name for h in sc.hubs]
    assert hubs["最寄りとなる人口"].sum() == pytest.approx(cov["population"])
    src = sheets["出典と前提"]
    assert src["名称"].str.contains("国勢調査").any()


def test_gpkg_report_layers_read_back_with_geopandas(ibaraki_case, run_cli):
    import geopandas as gpd
    import pyogrio

    region, sc, path, path2, d = ibaraki_case
    g = d / "ibaraki.gpkg"
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", g)
    assert code == 0, err
    layers = dict(pyogrio.list_layers(g))
    assert {"municipalities", "hubs", "demand_points", "isochrones"} <= set(layers)
    munis = gpd.read_file(g, layer="municipalities")
    assert len(munis) == 44 and munis.crs.to_epsg() == 4326
    cov = _coverage_json(run_cli, region, path)
    by = munis.set_index("code")
    for r in cov["municipalities"]:
        assert by.loc[r["muni_code"], "pct_30min"] == pytest.approx(100 * r["share_30"])
    assert by["in_scope"].sum() == 12
    dp = gpd.read_file(g, layer="demand_points")
    assert len(dp) == len(region.demand)
    scope = dp[dp["in_scope"].astype(bool)]
    w = scope["population"].to_numpy()
    assert float(w[scope["minutes"].to_numpy() <= 30].sum()) == pytest.approx(cov["within"]["30"]["population"])
    assert set(scope["method"]) == {"推定"}
    hubs = gpd.read_file(g, layer="hubs")
    assert hubs["name"].tolist() == [h.name for h in sc.hubs] and hubs["fixed"].tolist() == [True, False, False, False]
    iso = gpd.read_file(g, layer="isochrones")
    assert sorted(set(iso["minutes"])) == [15, 30, 45, 60] and len(iso) == 16
    assert not list(d.glob(".*.tmp")) and not list(d.glob(".ibaraki*"))  # temp file renamed, nothing left


def test_html_report_is_self_contained(ibaraki_case, run_cli):
    region, sc, path, path2, d = ibaraki_case
    h = d / "ibaraki.html"
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", h)
    assert code == 0, err
    html = h.read_text(encoding="utf-8")
    assert "<iframe" in html and "L.map" in html  # interactive Leaflet map, inlined
    assert "cdn.jsdelivr.net/npm/leaflet" not in html  # Leaflet itself is not fetched from a CDN
    assert 'src="data:image/png;base64,' in html  # the static map, for offline reading and print
    cov = _coverage_json(run_cli, region, path)
    for s in ("市町村別", "到達不可", "出典と前提", "大子町", f"{round(cov['population']):,} 人"):
        assert s in html, s


@needs_poppler
def test_unreachable_population_is_on_page_one(okinawa_region, tmp_path, run_cli):
    sc = _scenario(okinawa_region, OKINAWA_HUB_MUNIS, "沖縄本島3拠点")
    path = tmp_path / "oki.json"
    write_json_atomic(path, sc.to_dict())
    pdf = tmp_path / "okinawa.pdf"
    code, out, err = run_cli("report", "--region", okinawa_region.path, "--scenario", path, "--out", pdf)
    assert code == 0, err
    cov = _coverage_json(run_cli, okinawa_region, path)
    assert cov["unreachable_population"] > 0
    page1 = _pdf_text(pdf, 1, 1)
    assert f"到達不可の人口があります: {round(cov['unreachable_population']):,} 人" in page1
    assert "竹富町" in page1  # a named island municipality
    text = _pdf_text(pdf)
    assert text.count("到達不可") > 3
    _render_pages(pdf, "okinawa")


def test_report_bytes_for_download_button(ibaraki_case):
    from madoguchi.reports import MIME, report_bytes

    region, sc, path, path2, d = ibaraki_case
    pdf = report_bytes(region, sc, "pdf")
    assert pdf[:5] == b"%PDF-"
    x = report_bytes(region, sc, "xlsx")
    assert x[:2] == b"PK"
    g = report_bytes(region, sc, "gpkg")
    assert g[:16] == b"SQLite format 3\x00"
    assert set(MIME) == {"pdf", "html", "xlsx", "gpkg"}


def test_bad_inputs_exit_2(ibaraki_case, run_cli, tmp_path):
    region, sc, path, path2, d = ibaraki_case
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    code, out, err = run_cli("report", "--region", region.path, "--scenario", broken, "--out", tmp_path / "r.pdf")
    assert code == 2 and "broken.json" in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    code, out, err = run_cli("report", "--region", region.path, "--scenario", foreign, "--out", tmp_path / "r.pdf")
    assert code == 2 and "シナリオ" in err
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", tmp_path / "r.docx")
    assert code == 2 and ".docx" in err
    other_region = Scenario(name="他県", region="kumamoto-43", hubs=sc.hubs)
    p2 = tmp_path / "other.json"
    write_json_atomic(p2, other_region.to_dict())
    code, out, err = run_cli("report", "--region", region.path, "--scenario", p2, "--out", tmp_path / "r.pdf")
    assert code == 2 and "kumamoto-43" in err
    empty = Scenario(name="空", region=region.path.name)
    p = tmp_path / "empty.json"
    write_json_atomic(p, empty.to_dict())
    code, out, err = run_cli("report", "--region", region.path, "--scenario", p, "--out", tmp_path / "r.pdf")
    assert code == 2 and "拠点" in err
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", "/proc/madoguchi/r.pdf")
    assert code == 2 and "/proc/madoguchi/r.pdf" in err and "Traceback" not in err
    code, out, err = run_cli("report", "--region", region.path, "--scenario", path, "--out", tmp_path)
    assert code == 2
    assert not list(tmp_path.glob("*.pdf")) and not list(tmp_path.glob(".*.tmp"))


def test_mixed_method_is_labelled_next_to_the_numbers(kumamoto_region, tmp_path, run_cli):
    """Kumamoto with the real central-Kumamoto OSM roads: road times in 熊本市, estimates elsewhere."""
    s = tmp_path / "kumamoto.json"
    code, out, err = run_cli(
        "coverage", "--region", kumamoto_region.path, "--hubs", "C43100,C43443", "--scope", "all", "--scenario-out", s
    )
    assert code == 0, err
    x = tmp_path / "kumamoto.xlsx"
    code, out, err = run_cli("report", "--region", kumamoto_region.path, "--scenario", s, "--out", x)
    assert code == 0, err
    assert "算出方法: 混在" in out
    sheets = pd.read_excel(x, sheet_name=None, dtype={"コード": str})
    summary = dict(zip(sheets["概要"]["項目"], sheets["概要"]["値"]))
    assert summary["移動時間の算出方法"] == "混在"
    m = sheets["市町村別"].set_index("コード")
    assert m.loc["43100", "算出方法"] == "混在"  # 熊本市: roads in 中央区, estimates in the other wards
    assert m.loc["43202", "算出方法"] == "推定"  # 八代市: no road data
    cov = _coverage_json(run_cli, kumamoto_region, s)
    assert cov["method"] == "mixed"
    assert summary["到達不可の人口"] == f"{round(cov['unreachable_population']):,} 人"  # Amakusa islands
