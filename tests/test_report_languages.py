"""Reports in both languages on the real data: `madoguchi report --lang en` for PDF, HTML, XLSX and GeoPackage.

The scenario is made by the real commands on Ibaraki (4 hubs at town-hall stand-in points, an outreach
plan for December 2026, four partnership groups with a cost split, and a 2-hub scenario to compare),
then written in Japanese and in English. Checked:
- the English files hold no Japanese script except proper names from the data: municipality, district
  and site names (the allow-list is built from the region bundle, as tests/test_app_languages.py does)
  and the official Japanese credit texts of the sources (shown with an English gloss);
- the same check finds Japanese words in the Japanese files (the check can fail);
- the numbers are the same in both languages (same function, only the words differ);
- dates are written as a person writes them, in Japan time.
The English PDF's first page is rendered to test-output/report/en-ibaraki-1.png (look at it).
"""

from __future__ import annotations

import html as _html
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_support import cli_ok

OUT = Path(__file__).resolve().parent.parent / "test-output" / "report"
HUBS = "C08302,C08341,C08364,C08564"  # 茨城町, 東海村, 大子町, 利根町 town-hall stand-ins
JP = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e、。「」『』・〜]+")
FIGURE = re.compile(r"\d[\d,]*\.\d+|\d{1,3}(?:,\d{3})+")  # formatted figures: 1,234 or 12.3
needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (scripts/system-deps.sh)",
)


def proper_names(region) -> list[str]:
    """Names from the region data (municipalities, districts, sites) and the sources' official credits,
    longest first."""
    found: set[str] = set()
    found |= {str(x) for x in region.municipalities["name"]}
    for col in ("town", "koaza"):
        found |= {str(x) for x in region.demand[col] if str(x) and str(x) != "nan"}
    found |= {str(x) for x in region.sites["name"]}
    found |= {
        str(s["credit"])
        for s in (region.manifest.get("sources") or {}).values()
        if isinstance(s, dict) and s.get("credit")
    }
    return sorted((s for s in found if s), key=len, reverse=True)


def japanese_left(text: str, names: list[str]) -> list[str]:
    """Japanese pieces of `text` once every allowed name is taken out."""
    for n in names:
        if n in text:
            text = text.replace(n, " ")
    return [m.group() for m in JP.finditer(text)]


def japanese_runs_not_in_names(text: str, names: list[str]) -> list[str]:
    """For text extracted from a PDF, where lines wrap inside names: every run of Japanese script
    must be part of an allowed name."""
    blob = "\n".join(names)
    return [m.group() for m in JP.finditer(text) if m.group() not in blob]


@pytest.fixture(scope="module")
def case(ibaraki_region, tmp_path_factory):
    d = tmp_path_factory.mktemp("report_lang")
    r = ibaraki_region.path
    s, s2 = d / "plan.json", d / "plan2.json"
    cli_ok("coverage", "--region", r, "--hubs", HUBS, "--scenario-out", s)
    cli_ok("outreach", "--region", r, "--base", "C08302", "--month", "2026-12", "--scenario-out", s)
    cli_ok("partner", "--region", r, "--k", 4, "--min-pop", 300000, "--cost", 12000000, "--scenario-out", s)
    cli_ok("coverage", "--region", r, "--hubs", "C08302,C08341", "--scenario-out", s2)
    files = {}
    for lang in ("ja", "en"):
        for ext in ("pdf", "html", "xlsx", "gpkg"):
            f = d / f"{lang}.{ext}"
            said = cli_ok("report", "--region", r, "--scenario", s, "--compare", s2, "--out", f, "--lang", lang)
            files[lang, ext] = (f, said)
    return ibaraki_region, s, s2, files, proper_names(ibaraki_region)


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_english_pdf_has_only_names_in_japanese_and_the_same_figures(case):
    region, s, s2, files, names = case
    en, ja = _pdf_text(files["en", "pdf"][0]), _pdf_text(files["ja", "pdf"][0])
    assert japanese_runs_not_in_names(en, names) == []
    assert "市町村別" in japanese_runs_not_in_names(ja, names)  # the check does catch Japanese words
    for s_ in (
        "Consultation desk coverage report",
        "Travel-time method: estimate",
        "Population in scope",
        "By municipality",
        "Unreachable",
        "Hubs",
        "Itinerant routes",
        "Visit calendar",
        "Joint services",
        "Cost shares",
        "Scenario comparison",
        "Sources and assumptions",
        "Legend",
        "Settlements within 15 min",
        "Existing hub (fixed)",
        "All travel times are estimates",
        "circuity 1.35",
        "estimated speed 32 km/h",
        "CC BY 4.0",
        "(Processed from National Land Numerical Information",
    ):
        assert s_ in en, s_
    # the official credit stays in Japanese beside its gloss
    assert "国土数値情報" in en and "総務省統計局" in en
    # dates as a person writes them: '24 Nov 2026' (made on, in JST) and '1 Jan 2021' (boundaries)
    assert re.search(r"Made on: \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", en)
    assert re.search(r"\b1\s+Jan\s+2021\b", en) and re.search(r"2021年\s*1月\s*1日", ja)
    # every formatted figure (1,234 / 12.3) appears as often in the English PDF as in the Japanese one
    fe, fj = Counter(FIGURE.findall(en)), Counter(FIGURE.findall(ja))
    assert fe == fj and sum(fe.values()) > 300
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("en-ibaraki-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", str(files["en", "pdf"][0]), str(OUT / "en-ibaraki")],
        check=True,
    )
    assert [p.stat().st_size > 30_000 for p in OUT.glob("en-ibaraki-*.png")] == [True]


def test_english_html_has_only_names_in_japanese(case):
    region, s, s2, files, names = case
    raw = {lang: files[lang, "html"][0].read_text(encoding="utf-8") for lang in ("ja", "en")}
    assert '<html lang="en">' in raw["en"] and '<html lang="ja">' in raw["ja"]
    texts = {}
    for lang, h in raw.items():
        h = re.sub(r"base64,[A-Za-z0-9+/=]+", "", h)
        texts[lang] = _html.unescape(_html.unescape(h))  # the interactive map is an escaped srcdoc
    assert japanese_left(texts["en"], names) == []
    assert "主な数値" in japanese_left(texts["ja"], names)
    for s_ in (
        "Key figures",
        "Map (interactive)",
        "Map (for print)",
        "By municipality",
        "Cost shares",
        "Sources and assumptions",
        "Difference (B−A)",
    ):
        assert s_ in texts["en"], s_
    fe, fj = Counter(FIGURE.findall(texts["en"])), Counter(FIGURE.findall(texts["ja"]))
    # the static map's PNG and the map's script differ only in words, the tables and figures not at all
    body = {k: v.split('<section id="headline">', 1)[1].split('<section id="map">')[0] for k, v in texts.items()}
    assert Counter(FIGURE.findall(body["en"])) == Counter(FIGURE.findall(body["ja"]))
    assert fe and fj


def test_english_xlsx_has_only_names_in_japanese_and_equal_numbers(case):
    region, s, s2, files, names = case
    en = pd.read_excel(files["en", "xlsx"][0], sheet_name=None, dtype={"Code": str})
    ja = pd.read_excel(files["ja", "xlsx"][0], sheet_name=None, dtype={"コード": str})
    assert list(en)[:4] == ["Summary", "By municipality", "Unreachable", "Hubs"] and "Sources and assumptions" in en
    bad = []
    for name, df in en.items():
        for v in [name, *map(str, df.columns), *(str(x) for x in df.to_numpy().ravel())]:
            bad += japanese_left(v, names)
    assert bad == []
    assert len(en) == len(ja)
    for (ne, de), (nj, dj) in zip(en.items(), ja.items()):
        assert de.shape == dj.shape, (ne, nj)
        for ce, cj in zip(de.columns, dj.columns):
            if pd.api.types.is_numeric_dtype(dj[cj]):
                np.testing.assert_array_equal(
                    de[ce].to_numpy(dtype=float), dj[cj].to_numpy(dtype=float), err_msg=f"{ne}/{ce}"
                )
    m = en["By municipality"].set_index("Code")
    assert set(m["Kind"]) <= {"town", "village"} and set(m["Method"]) == {"estimate"}
    assert set(en["Visit calendar"]["Day"]) <= {"Mon", "Tue", "Wed", "Thu", "Fri"}
    src = en["Sources and assumptions"]
    assert src["Name"].str.contains("2020 Population Census").any()
    dates = src["Date"].dropna().astype(str).tolist()
    assert dates and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", x) for x in dates), dates


def test_geopackage_columns_are_the_same_in_both_languages(case):
    import pyogrio

    region, s, s2, files, names = case
    for layer, _ in pyogrio.list_layers(files["ja", "gpkg"][0]):
        a = pyogrio.read_dataframe(files["ja", "gpkg"][0], layer=layer)
        b = pyogrio.read_dataframe(files["en", "gpkg"][0], layer=layer)
        assert list(a.columns) == list(b.columns) and all(c.isascii() for c in a.columns), layer
        for c in a.columns:
            if pd.api.types.is_numeric_dtype(a[c]):
                np.testing.assert_array_equal(a[c].to_numpy(dtype=float), b[c].to_numpy(dtype=float))
    dp = pyogrio.read_dataframe(files["en", "gpkg"][0], layer="demand_points")
    assert set(dp.loc[dp["in_scope"].astype(bool), "method"]) == {"estimate"}


def test_cli_says_it_in_the_chosen_language(case):
    region, s, s2, files, names = case
    said_en, said_ja = files["en", "pdf"][1], files["ja", "pdf"][1]
    assert said_en.startswith("Report written:") and "within 30 min" in said_en and not JP.search(said_en)
    assert said_ja.startswith("レポートを書き出しました")
    assert FIGURE.findall(said_en) == FIGURE.findall(said_ja)


def test_report_data_equal_numbers_and_english_warnings_on_okinawa(okinawa_region):
    """Okinawa with hubs on the main island only: the outer islands are unreachable; the English
    warning says so with the municipalities' names, and every table's numbers equal the Japanese ones."""
    from madoguchi.planning.scenario import Hub, Scenario
    from madoguchi.reports.tables import build_report_data

    sites = okinawa_region.sites.set_index("muni_code").loc[["47201", "47308", "47301"]]
    sc = Scenario(
        name="Okinawa main island",
        region=okinawa_region.path.name,
        hubs=[Hub(r.site_id, r.name, float(r.lon), float(r.lat)) for r in sites.itertuples()],
    )
    ja = build_report_data(okinawa_region, sc, isochrones=False, lang="ja", today="2026-11-24")
    en = build_report_data(okinawa_region, sc, isochrones=False, lang="en", today="2026-11-24")
    assert en.summary["unreachable_population"] == ja.summary["unreachable_population"] > 0
    assert en.warnings[0].startswith("Some people cannot reach any hub:")
    names = proper_names(okinawa_region)
    for w in en.warnings + [v for _, v in en.headline] + [v for _, v in en.assumptions]:
        assert japanese_left(w, names) == [], w
    assert en.region_name == "Okinawa" and ja.region_name == "沖縄県"
    assert [x.key for x in en.tables] == [x.key for x in ja.tables]
    for te, tj in zip(en.tables, ja.tables):
        assert te.df.shape == tj.df.shape and te.lang == "en"
        for ce, cj in zip(te.df.columns, tj.df.columns):
            if pd.api.types.is_numeric_dtype(tj.df[cj]):
                np.testing.assert_array_equal(te.df[ce].to_numpy(dtype=float), tj.df[cj].to_numpy(dtype=float))
        assert (
            te.formatted().map(lambda v: v == "unreachable").to_numpy().sum()
            == tj.formatted().map(lambda v: v == "到達不可").to_numpy().sum()
        )
    for (_, ve), (_, vj) in zip(en.headline, ja.headline):
        assert FIGURE.findall(ve) == FIGURE.findall(vj)


def test_one_i18n_place():
    """Labels and formats live in i18n only (the former labels module is gone); dates in JST as a person writes them."""
    import importlib.util

    from madoguchi import i18n

    assert importlib.util.find_spec("madoguchi.labels") is None
    assert i18n.fmt_date("2026-11-23T15:30:00+00:00", "en") == "24 Nov 2026"  # 00:30 JST next day
    assert i18n.fmt_date("2026-11-23T15:30:00+00:00", "ja") == "2026年11月24日"
    assert i18n.fmt_date("2021-01-01", "en") == "1 Jan 2021" and i18n.fmt_date("not a date") == "not a date"
    assert i18n.method_name_label("estimate", "ja", short=True) == "推定"
    assert i18n.method_codes_label([0, 1], "en") == "mixed" and i18n.method_codes_label([], "en") == "—"
    assert i18n.share_rule_label({"equal": 0.1, "population": 0.9}, "ja") == {"均等割": 0.1, "人口割": 0.9}
    assert i18n.credit_text("総務省統計局「令和2年国勢調査 人口速報集計」", "en").startswith(
        "総務省統計局「令和2年国勢調査"
    )
    assert "Statistics Bureau" in i18n.credit_text("総務省統計局「令和2年国勢調査 人口速報集計」", "en")
