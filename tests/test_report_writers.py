"""Report writers on hand-made report content over the real Ibaraki boundaries (no models needed).

The end-to-end tests through the coverage model are in test_report_e2e.py.
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from madoguchi.reports import FORMATS, format_for, report_bytes
from madoguchi.reports.model import ReportData, Table, display_width, fmt_value, wrap_text

OUT = Path(__file__).resolve().parent.parent / "test-output" / "report"


def test_fmt_value_never_invents_numbers():
    assert fmt_value(float("inf"), "min") == "到達不可"
    assert fmt_value(float("nan"), "int") == "—"
    assert fmt_value(None, "pct") == "—"
    assert fmt_value(1234567.4, "int") == "1,234,567"
    assert fmt_value(97.349, "pct") == "97.3"
    assert fmt_value(True, "bool") == "○"


def test_wrap_text_counts_japanese_as_double_width():
    lines = wrap_text("あ" * 25, 20)
    assert [display_width(x) for x in lines] == [20, 20, 10]
    assert wrap_text("abc def ghi", 7) == ["abc def", "ghi"]
    assert wrap_text("abc def ghi", 9) == ["abc def", "ghi"]


def test_format_for_extensions():
    assert format_for("a/b.PDF") == "pdf" and format_for("x.gpkg") == "gpkg" and format_for("r.htm") == "html"
    with pytest.raises(ParameterError) as e:
        format_for("report.docx")
    assert ".docx" in e.value.ja
    assert set(FORMATS.values()) == {"pdf", "html", "xlsx", "gpkg"}


def test_japanese_font_is_found_by_fontconfig():
    from madoguchi.reports.fonts import japanese_font

    assert japanese_font() is not None, "install fonts-ipaexfont-gothic (scripts/system-deps.sh)"


def _layers(region):
    """Real boundaries and settlement points; minutes are not computed here (NaN = no time)."""
    import geopandas as gpd

    munis = region.municipalities.copy()
    munis["in_scope"] = ~munis["has_welfare_office"]
    d = region.demand
    dp = gpd.GeoDataFrame(
        {
            "minutes": np.full(len(d), np.nan),
            "in_scope": munis.set_index("code").loc[d["muni_code"], "in_scope"].to_numpy(),
        },
        geometry=d.geometry.values,
        crs=4326,
    )
    s = region.sites.head(3)
    hubs = gpd.GeoDataFrame(
        {
            "name": s["name"].to_numpy(),
            "fixed": [True, False, False],
            "source": "model",
            "lon": s["lon"].to_numpy(),
            "lat": s["lat"].to_numpy(),
        },
        geometry=s.geometry.values,
        crs=4326,
    )
    return {"municipalities": munis, "demand_points": dp, "hubs": hubs}


def _data(region, warnings=()):
    # A tiny hand-made table (not a model result): checks layout and text extraction only.
    df = pd.DataFrame(
        {
            "市町村": ["大子町", "東海村"],
            "人口": [15744.0, 37900.0],
            "30分以内 (%)": [95.04, 100.0],
            "最大時間 (分)": [32.8, float("inf")],
        }
    )
    t = Table("municipalities", "市町村別", df, {"人口": "int", "30分以内 (%)": "pct", "最大時間 (分)": "min"})
    return ReportData(
        title="相談窓口 カバー率レポート",
        subtitle="書式テスト",
        date="2026-11-23",
        region_name="茨城県",
        scenario_name="書式テスト",
        method_label="推定",
        headline=[("対象人口", "53,644 人")],
        warnings=list(warnings),
        unreachable_population=0.0,
        tables=[t],
        sources=[{"name": "国土数値情報", "date": "2021-01-01", "licence": "x", "credit": "c"}],
        assumptions=[("推定の前提", "迂回率 1.35")],
        credit_line="出典: テスト",
        thresholds=[15.0, 30.0, 45.0, 60.0],
        layers=_layers(region),
    )


def test_static_map_of_real_ibaraki_renders_offline(ibaraki_region):
    from madoguchi.reports.static_map import map_png, metric_crs

    assert metric_crs(140.3) == "EPSG:6691"  # JGD2011 / UTM 54N for Ibaraki
    assert metric_crs(130.7) == "EPSG:6689"  # 52N for Kumamoto
    png = map_png(_layers(ibaraki_region), [15, 30, 45, 60], title="茨城県", credit="出典: 国土数値情報")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "static_map_ibaraki.png").write_bytes(png)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_embeds_japanese_font_and_text_is_extractable(ibaraki_region, tmp_path):
    from madoguchi.reports.pdf import write_pdf

    out = tmp_path / "r.pdf"
    write_pdf(_data(ibaraki_region, warnings=["到達不可の人口があります: 12 人"]), out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    for s in (
        "相談窓口 カバー率レポート",
        "大子町",
        "15,744",
        "95.0",
        "到達不可",
        "到達不可の人口があります: 12 人",
        "出典と前提",
        "迂回率 1.35",
    ):
        assert s in text, s
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "CID TrueType" in fonts or "Type 0C" in fonts  # embedded, not Type 3 bitmaps
    assert " yes " in fonts


def test_writers_to_bytes_and_xlsx_numbers(ibaraki_region):
    from madoguchi.reports.xlsx import write_xlsx

    d = _data(ibaraki_region)
    buf = io.BytesIO()
    write_xlsx(d, buf)
    sheets = pd.read_excel(io.BytesIO(buf.getvalue()), sheet_name=None)
    assert list(sheets) == ["概要", "市町村別", "出典と前提"]
    m = sheets["市町村別"]
    assert m["人口"].tolist() == [15744, 37900]  # numbers, not text
    assert math.isnan(m["最大時間 (分)"].iloc[1])  # inf is an empty cell, never a number


def test_report_bytes_rejects_unknown_format(ibaraki_region):
    with pytest.raises(ParameterError):
        report_bytes(ibaraki_region, None, "docx")
