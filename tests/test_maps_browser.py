"""Maps made for a council room, checked in a real headless browser on the real Ibaraki data.

A map as the app and the HTML report build it (boundaries, labels, 10 outreach routes between
real candidate sites, hubs, legends) is opened at a projector size (1280 px wide) and at the size
of a side-by-side comparison map (640 px). The test measures, in the page itself:

- the region is fitted: its bounding box fills the frame height or width (Ibaraki filled a third);
- no two visible municipality labels overlap, and the bigger places are the ones shown;
- no legend box intersects the region's bounding box; legends collapse with one click;
- the presentation page shows the key figures in large type above a large map.

Screenshots go to test-output/maps/ (look at them). Plus plain unit checks of the helpers.
"""

from __future__ import annotations

import time

import pytest
from browser_support import ROOT, chrome_session, needs_browser

SHOTS = ROOT / "test-output" / "maps"


def test_route_styles_distinct():
    from madoguchi.maps import ROUTE_COLORS, route_style

    styles = [route_style(k) for k in range(20)]
    assert len(set(styles)) == 20  # colour + dash pairs never repeat within 20 routes
    assert len({c for c, _ in styles[:10]}) == 10  # the first 10 routes: 10 different colours
    assert route_style(0)[0] != route_style(7)[0]  # routes 1 and 8 shared a purple before
    # neighbouring routes also differ in dash pattern (greyscale print)
    assert all(route_style(k)[1] != route_style(k + 1)[1] for k in range(19))
    assert len(set(ROUTE_COLORS)) == len(ROUTE_COLORS)


def test_safe_text_contexts():
    from madoguchi.safe_text import (
        css_color,
        html_text,
        is_formula_like,
        js_literal,
        leaflet_html,
        markdown_text,
        spreadsheet_text,
    )

    assert js_literal("</script>{{7*7}}\u2028") == '"\\u003c/script\\u003e\\u007b{7*7}}\\u2028"'
    assert html_text('<b a="x">{{') == "&lt;b a=&quot;x&quot;&gt;&#123;&#123;"
    assert leaflet_html("a\nb") == "a<br>b"
    assert markdown_text("**x** $y$ :red[z] <b>") == r"\*\*x\*\* \$y\$ \:red\[z\] \<b\>"
    for s in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1", "＝1"):
        assert is_formula_like(s) and spreadsheet_text(s) == "'" + s
    assert spreadsheet_text("水戸市") == "水戸市" and spreadsheet_text(3.5) == 3.5
    assert css_color("#1f77b4") == "#1f77b4" and css_color("red;background:url(x)") == "#666666"


def _council_map(region, *, presentation: bool = False):
    from madoguchi import maps

    mu = region.municipalities
    m = maps.base_map(mu.total_bounds, online=False, presentation=presentation)
    maps.add_municipalities(m, mu, "welfare", fill_opacity=0.35)
    maps.add_labels(m, mu)
    sites = region.sites[region.sites["kind"] == "candidate"].head(14)
    pts = list(zip(sites["lon"].astype(float), sites["lat"].astype(float)))
    routes = [{"name": f"ルート{k + 1}", "coords": [pts[0], pts[k + 2], pts[k + 3], pts[0]]} for k in range(10)]
    maps.add_routes(m, routes)
    maps.add_hubs(
        m,
        [
            {"name": str(sites.iloc[0]["name"]), "lon": pts[0][0], "lat": pts[0][1], "source": "existing"},
            {"name": str(sites.iloc[5]["name"]), "lon": pts[5][0], "lat": pts[5][1], "source": "manual"},
        ],
    )
    return m


# measured inside the map page: region bbox in container pixels, label boxes, legend boxes
_MEASURE = """
var name = Object.keys(window).filter(function(k){ return k.indexOf('map_') === 0 && window[k] && window[k].eachLayer; })[0];
var map = window[name], size = map.getSize(), c = map.getContainer().getBoundingClientRect();
var b = L.latLngBounds(arguments[0]);
var sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
var box = [sw.x, ne.y, ne.x, sw.y];
function rel(r){ return [r.left - c.left, r.top - c.top, r.right - c.left, r.bottom - c.top]; }
var labels = Array.from(document.querySelectorAll('.madoguchi-label')).filter(function(e){ return e.style.display !== 'none'; })
  .map(function(e){ return {t: e.textContent, r: rel(e.firstChild.getBoundingClientRect())}; });
var legends = Array.from(document.querySelectorAll('.madoguchi-legend')).map(function(e){ return rel(e.getBoundingClientRect()); });
return {w: size.x, h: size.y, box: box, labels: labels, legends: legends};
"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and a[2] > b[0] and a[1] < b[3] and a[3] > b[1]


@pytest.fixture(scope="module")
def chrome(tmp_path_factory):
    yield from chrome_session(tmp_path_factory, "chrome-maps", SHOTS, window_size=None)


@needs_browser
@pytest.mark.browser
@pytest.mark.parametrize("width,height,min_fill,min_labels", [(1280, 800, 0.85, 25), (640, 460, 0.8, 8)])
def test_map_fitted_labels_apart_legends_clear(ibaraki_region, chrome, tmp_path, width, height, min_fill, min_labels):
    from selenium.webdriver.common.by import By

    from madoguchi.maps import map_html

    page = tmp_path / "map.html"
    page.write_text(map_html(_council_map(ibaraki_region)), encoding="utf-8")
    chrome.set_window_size(width, height)
    chrome.get(page.as_uri())
    time.sleep(1.5)
    minx, miny, maxx, maxy = (float(v) for v in ibaraki_region.municipalities.total_bounds)
    r = chrome.execute_script(_MEASURE, [[miny, minx], [maxy, maxx]])
    box = r["box"]
    bw, bh = box[2] - box[0], box[3] - box[1]
    # fitted: the whole region is in the frame and fills its height or its width
    assert box[0] >= -1 and box[1] >= -1 and box[2] <= r["w"] + 1 and box[3] <= r["h"] + 1, r
    fill = max(bw / r["w"], bh / r["h"])
    assert fill >= min_fill, f"region fills only {fill:.2f} of the frame"
    # labels: none overlap; the most populous municipality is among those shown
    labels = r["labels"]
    assert len(labels) >= min_labels, len(labels)
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            assert not _overlap(labels[i]["r"], labels[j]["r"]), (labels[i]["t"], labels[j]["t"])
    mu = ibaraki_region.municipalities
    biggest = str(mu.loc[mu["population"].idxmax(), "name"])
    assert biggest in {x["t"] for x in labels}
    # legends never cover the region
    assert r["legends"], "no legend"
    for lg in r["legends"]:
        assert not _overlap(lg, box), f"legend {lg} covers the region {box}"
        assert all(not _overlap(lg, x["r"]) for x in labels)
    chrome.save_screenshot(str(SHOTS / f"council_map_{width}.png"))
    # collapsible: a click on the title closes (or opens) the legend; the region stays clear of it
    summ = chrome.find_elements(By.CSS_SELECTOR, ".madoguchi-legend summary")[0]
    det = summ.find_element(By.XPATH, "..")
    was_open = det.get_attribute("open") is not None
    h0 = det.size["height"]
    summ.click()
    time.sleep(0.5)
    assert (det.get_attribute("open") is not None) != was_open
    assert (det.size["height"] < h0) if was_open else (det.size["height"] > h0)
    r2 = chrome.execute_script(_MEASURE, [[miny, minx], [maxy, maxx]])
    for lg in r2["legends"]:
        assert not _overlap(lg, r2["box"])
    chrome.save_screenshot(str(SHOTS / f"council_map_{width}_toggled.png"))


@needs_browser
@pytest.mark.browser
def test_presentation_page(ibaraki_region, chrome, tmp_path):
    from selenium.webdriver.common.by import By

    from madoguchi.maps import presentation_html

    figures = [("対象人口", "259,011 人"), ("拠点数", "2"), ("30分以内の人口", "109,104 人（42.1 %）")]
    page = tmp_path / "present.html"
    page.write_text(
        presentation_html(
            _council_map(ibaraki_region, presentation=True),
            "茨城県 相談窓口の配置案",
            figures,
            subtitle="シナリオ「2拠点」",
            note="移動時間はすべて推定値です。",
        ),
        encoding="utf-8",
    )
    chrome.set_window_size(1600, 900)
    chrome.get(page.as_uri())
    time.sleep(2.0)
    vals = chrome.find_elements(By.CSS_SELECTOR, ".madoguchi-figures .v")
    assert [v.text for v in vals] == [v for _, v in figures]
    assert all(float(v.value_of_css_property("font-size").rstrip("px")) >= 40 for v in vals)
    frame = chrome.find_element(By.CSS_SELECTOR, ".map iframe")
    assert frame.size["height"] >= 450 and frame.size["width"] >= 1400
    chrome.switch_to.frame(frame)
    try:
        fs = chrome.execute_script(
            "var e = document.querySelector('.madoguchi-label div');"
            "return e ? parseFloat(getComputedStyle(e).fontSize) : 0;"
        )
        assert fs >= 16  # large labels on a projector
    finally:
        chrome.switch_to.default_content()
    chrome.save_screenshot(str(SHOTS / "presentation.png"))
