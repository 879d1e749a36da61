"""発表用表示 / Presentation: one screen for a council room — a large map and the key figures in large
type, no sidebar, and a print layout (A4 landscape, no Streamlit chrome).

Every number comes from the same coverage path as the coverage page and the reports
(`madoguchi.planning.coverage.coverage_view` via the app state); the map is the scenario's hubs,
their reach areas at the chosen time and the municipalities, fitted to the region.
"""

import streamlit as st
from streamlit_folium import st_folium

from madoguchi import maps
from madoguchi.app import state as S
from madoguchi.app import widgets as W
from madoguchi.i18n import fmt_minutes, fmt_pct, fmt_people, fmt_threshold, paren, pref_name, t
from madoguchi.safe_text import markdown_text

# Screen: no sidebar, no header, large figures. Print: A4 landscape, only the heading, figures and map.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
header[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"], footer {display: none !important;}
.block-container {padding: 0.6rem 0 0 0 !important; max-width: 1060px !important;}
h1 {font-size: 1.4rem !important; padding: 0 !important; color: #555;}
h2 {padding: 0.2rem 0 0 0 !important;}
[data-testid="stVerticalBlock"] {gap: 0.5rem !important;}
.madoguchi-figures {margin: 0 !important;}
@media print {
  @page {size: A4 landscape; margin: 8mm;}
  html, body {-webkit-print-color-adjust: exact; print-color-adjust: exact;}
  h1, [data-testid="stSidebar"], header, footer, [data-testid="stToolbar"], [data-testid="stStatusWidget"],
  [data-testid="stSelectbox"], [data-testid="stCaptionContainer"], [data-testid="stPageLink"],
  [data-testid="stDownloadButton"], .stButton, .stSelectbox {display: none !important;}
  .block-container {padding: 0 !important; max-width: 1060px !important;}
  h2 {font-size: 16pt !important;}
  .madoguchi-figures .v {font-size: 24pt !important;} .madoguchi-figures .l {font-size: 11pt !important;}
  [data-testid="stVerticalBlock"] {gap: 0.2rem !important;}
  html, body, .stApp, [data-testid="stAppViewContainer"], [data-testid="stMain"], [data-testid="stMainBlockContainer"]
    {height: auto !important; min-height: 0 !important; overflow: visible !important;}
  [data-testid="stElementContainer"]:has(iframe[title="streamlit_folium.st_folium"]) ~ * {display: none !important;}
  [data-testid="stBottom"], [data-testid="stBottomBlockContainer"] {display: none !important;}
}
</style>"""

# The page is at most 1060 px wide on screen too (A4 landscape minus 8 mm margins is 1062 CSS px), so the
# printed page has the very layout of the screen: Leaflet cannot refit the map while the browser prints.
MAP_HEIGHT = 580  # px: heading, figures and map fit one 1080-line projector screen and one A4-landscape page


def main_threshold(thresholds, chosen: float | None = None) -> float:
    """The time shown in large type: the chosen one, else 30 min if in the scenario, else the second."""
    ths = sorted(float(x) for x in thresholds)
    if chosen is not None and float(chosen) in ths:
        return float(chosen)
    return 30.0 if 30.0 in ths else ths[min(1, len(ths) - 1)]


def figure_list(region, cv, th: float, L: str) -> list[tuple[str, str]]:
    """The key figures as (label, value) with units, in `L`: residents within `th` min (share and
    people), mean and longest time (marked as estimates when they are), people no hub reaches."""
    est = cv.methods == [1]
    suffix = paren(t("estimate", L), L) if est else ""
    return [
        (t("presentation_within", L, t=f"{th:g}") + paren(fmt_people(cv.covered[th], L), L), fmt_pct(cv.share[th], L)),
        (t("presentation_mean", L) + suffix, fmt_minutes(cv.mean_min, L) if cv.mean_min is not None else "—"),
        (t("presentation_worst", L) + suffix, fmt_minutes(cv.max_min, L) if cv.max_min is not None else "—"),
        (t("presentation_unreachable", L), fmt_people(cv.unreachable_population, L)),
    ]


def presentation_map(region, sc, th: float, L: str, *, standalone: bool = False):
    """The council-room map (large type): municipalities, reach areas at `th` minutes, hubs and names,
    fitted to the region. `standalone`: for the downloadable page (no tiles, Leaflet inlined later)."""
    m = maps.base_map(
        region.municipalities.total_bounds,
        S.online_basemap() and not standalone,
        lang=L,
        presentation=True,
        assets="cdn" if standalone else "app",
    )
    maps.add_municipalities(m, region.municipalities, "welfare", lang=L, fill_opacity=0.25)
    if sc.hubs:
        iso, est = S.isochrones(region, sc.hubs, [th])
        maps.add_isochrones(m, iso, lang=L, estimate=est)
    maps.add_labels(m, region.municipalities)
    maps.add_hubs(m, sc.hubs, lang=L)
    return m


def _link(col, page: str, label: str, icon: str) -> None:
    """A link to another page (skipped when this page runs on its own, without the app's pages)."""
    from streamlit.errors import StreamlitAPIException

    try:
        col.page_link(page, label=label, icon=icon)
    except (StreamlitAPIException, KeyError):
        pass


def body(region):
    L = S.lang()
    # one screen: the page's CSS hides the sidebar here only (not collapsed for the other pages)
    st.markdown(STYLE, unsafe_allow_html=True)
    sc = S.scenario(region)
    pref = pref_name(str(region.manifest.get("pref_code", "")), L, fallback=str(region.manifest.get("pref_name") or ""))
    c1, c2, c3 = st.columns([4, 1, 1])
    c1.markdown(f"## {markdown_text(sc.name)}　—　{t('presentation_region', L, pref=pref, n=len(sc.hubs))}")
    if not sc.hubs:
        st.info(t("presentation_no_hubs", L))
        _link(c3, "pages/2_placement.py", t("page_placement", L), ":material/add_location_alt:")
        return
    th = c2.selectbox(
        t("presentation_threshold", L),
        sorted(float(x) for x in sc.thresholds),
        index=sorted(float(x) for x in sc.thresholds).index(main_threshold(sc.thresholds)),
        format_func=lambda x: fmt_threshold(x, L),
        key="pr_threshold",
    )
    _link(c3, "pages/3_coverage.py", t("presentation_back", L), ":material/arrow_back:")
    with st.spinner(t("computing_matrix", L)):
        cv = S.coverage_view(region, sc.hubs, sc.thresholds, sc.demand_scope)
        figs = figure_list(region, cv, th, L)
        m = presentation_map(region, sc, th, L)
    st.html(maps.key_figures_html(figs))
    st_folium(m, height=MAP_HEIGHT, use_container_width=True, returned_objects=[], key="presentation_map")
    st.caption(
        W.basis_caption(region, cv, sc.demand_scope, L) + ("　" if L == "ja" else "  ") + t("presentation_print", L)
    )
    title = f"{sc.name} — {t('presentation_region', L, pref=pref, n=len(sc.hubs))}"
    page = maps.presentation_html(
        presentation_map(region, sc, th, L, standalone=True),
        title,
        figs,
        subtitle=W.basis_caption(region, cv, sc.demand_scope, L),
        lang=L,
    )
    st.download_button(
        t("presentation_download", L),
        data=page.encode("utf-8"),
        mime="text/html",
        file_name=f"{region.name}_{sc.name}_presentation.html",
        key="pr_download",
    )


S.page("page_presentation", body)
