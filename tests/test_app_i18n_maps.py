"""i18n formatting and folium map layers (no browser): Japanese legends, vector layers, no tiles offline."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from madoguchi import i18n, maps
from madoguchi.i18n import fmt_km, fmt_minutes, fmt_pct, fmt_people, fmt_yen, method_label, t


def test_formatting_units_and_separators():
    assert fmt_people(12345) == "12,345人"
    assert fmt_people(12345, "en") == "12,345 people"
    assert fmt_people(float("nan")) == "不明"
    assert fmt_minutes(23.44) == "23.4分"
    assert fmt_minutes(23.44, estimate=True) == "23.4分（推定）"
    assert fmt_minutes(math.inf) == "到達不能"
    assert fmt_minutes(math.inf, "en") == "unreachable"
    assert fmt_km(1234.56) == "1,234.6 km"
    assert fmt_yen(1234567) == "1,234,567円"
    assert fmt_yen(1234567, "en") == "¥1,234,567"
    assert fmt_pct(0.875) == "87.5%"
    assert method_label([1]) == t("method_estimate")
    assert method_label(np.array([0, 1, 1])).startswith("混在")


def test_every_string_has_both_languages_with_same_placeholders():
    for key, (ja, en) in i18n.STRINGS.items():
        assert ja.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", ja)) == set(re.findall(r"{(\w+)}", en)), key
    assert t("no_such_key") == "no_such_key"
    assert t("covered_share", "ja", t=30) == "30分以内に行ける住民の割合"


def test_offline_map_is_vector_only_with_japanese_legend(ibaraki_region):
    r = ibaraki_region
    m = maps.base_map(r.municipalities.total_bounds, online=False)
    maps.add_municipalities(m, r.municipalities, "welfare")
    maps.add_sites(m, r.sites)
    maps.add_hubs(m, [{"name": "拠点A", "lon": 140.45, "lat": 36.37, "source": "model"}])
    assert "L.tileLayer(" not in m.get_root().render()  # no tiles => no broken-tile grid
    html = maps.map_html(m)
    assert "福祉事務所" in html and "あり" in html and "なし" in html  # legend in Japanese
    assert "大子町" in html  # municipality names in tooltips / features
    # Leaflet inlined: the standalone file needs no network
    assert "cdn.jsdelivr" not in html and "unpkg" not in html and "leaflet" in html.lower()
    # all 44 municipalities are GeoJSON features
    assert html.count('"code": "08') >= 44


def test_online_map_has_tiles_and_app_assets(ibaraki_region):
    m = maps.base_map(ibaraki_region.municipalities.total_bounds, online=True)
    html = m.get_root().render()
    assert "tileLayer" in html and "cyberjapandata.gsi.go.jp" in html
    assert maps.APP_STATIC_URL + "/leaflet.js" in html  # served by the app, not a CDN
    assert (maps.STATIC_LEAFLET / "leaflet.js").stat().st_size > 100_000


@pytest.mark.parametrize("color_by", ["kind", "welfare", "population"])
def test_municipality_colourings(ibaraki_region, color_by):
    gdf = ibaraki_region.municipalities
    colors, legend = maps._muni_colors(gdf, color_by, "ja")
    assert len(colors) == len(gdf) and legend is not None
    title, items = legend
    assert title in ("市町村の種別", "福祉事務所", "人口")
    if color_by == "population":
        assert all("人" in lab for _c, lab in items)
        # the most populous municipality (水戸市) is in the darkest class
        assert colors[int(np.nanargmax(gdf["population"].to_numpy(float)))] == maps.POP_COLORS[-1]


def test_layers_isochrones_routes_groups(ibaraki_region):
    import geopandas as gpd
    from shapely.geometry import Point

    r = ibaraki_region
    m = maps.base_map(r.municipalities.total_bounds, online=False)
    iso = gpd.GeoDataFrame(
        {"minutes": [15.0, 30.0]},
        geometry=[Point(140.45, 36.37).buffer(0.1), Point(140.45, 36.37).buffer(0.2)],
        crs="EPSG:4326",
    )
    maps.add_isochrones(m, iso, estimate=True)
    maps.add_routes(m, [{"name": "ルート1", "coords": [(140.3, 36.7), (140.4, 36.6), (140.45, 36.37)]}])
    codes = list(r.municipalities["code"])
    maps.add_groups(
        m,
        r.municipalities,
        {codes[0]: "A", codes[1]: "A", codes[2]: "B"},
        hosts=[{"name": "会場", "lon": 140.45, "lat": 36.37, "group": "A"}],
    )
    html = maps.map_html(m)
    assert "到達圏（所要時間）（推定）" in html and "15分以内" in html and "30分以内" in html
    assert "出張相談ルート" in html and "ルート1" in html
    assert "広域連携グループ" in html and "会場" in html


def test_roads_layer_from_real_osm(kumamoto_region):
    m = maps.base_map(kumamoto_region.municipalities.total_bounds, online=False)
    maps.add_roads(m, kumamoto_region.roads)
    html = m.get_root().render()
    assert "L.polyline" in html and "道路" in html
