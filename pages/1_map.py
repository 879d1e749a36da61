"""地図: municipalities coloured by kind / welfare office / population, roads and sites."""

import streamlit as st
from streamlit_folium import st_folium

from madoguchi import maps
from madoguchi.app import state as S
from madoguchi.i18n import t


def body(region):
    L = S.lang()
    opts = {"kind": t("color_kind", L), "welfare": t("color_welfare", L), "population": t("color_population", L)}
    c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
    color_by = c1.radio(t("color_by", L), list(opts), format_func=opts.get, horizontal=True, key=S.wkey("map_color_by"))
    show_roads = c2.checkbox(t("show_roads", L), value=True, key="map_roads", disabled=region.roads is None)
    show_sites = c3.checkbox(t("show_sites", L), value=True, key="map_sites")
    show_demand = c4.checkbox(t("show_demand", L), value=False, key="map_demand")
    if region.roads is None:
        st.caption(t("road_estimate_warning", L))
    m = maps.base_map(region.municipalities.total_bounds, S.online_basemap(), lang=L)
    maps.add_municipalities(m, region.municipalities, color_by, lang=L)
    maps.add_labels(m, region.municipalities)
    if show_roads and region.roads is not None:
        maps.add_roads(m, region.roads, lang=L)
    if show_demand:
        maps.add_demand(m, region.demand, lang=L)
    if show_sites:
        maps.add_sites(m, region.sites, lang=L)
    sc = S.scenario(region)
    if sc.hubs:
        maps.add_hubs(m, sc.hubs, lang=L)
    st_folium(m, height=620, use_container_width=True, returned_objects=[], key="map_overview")


S.page("page_map", body)
