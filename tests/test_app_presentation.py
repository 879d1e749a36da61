"""発表用表示 / Presentation page with AppTest on the real Ibaraki bundle.

One screen: the key figures in large type are the coverage path's own numbers for the scenario's
hubs, the map is drawn, the sidebar and Streamlit's chrome are hidden, and the print layout is
A4 landscape without the chrome. Both languages.
"""

from __future__ import annotations

import html
import re

import pytest
from app_support import component_args, open_page
from streamlit.testing.v1 import AppTest

from madoguchi.i18n import fmt_minutes, fmt_pct, fmt_people, paren, t
from madoguchi.planning import coverage_view

HUBS = ["C08226", "C08443"]  # 那珂市, 阿見町 (candidate sites of the region)


def _page(region, hubs, lang="ja") -> AppTest:
    return open_page("pages/7_presentation.py", lang=lang, region=region, hubs=hubs)


def _components(at) -> list[str]:
    """The json args of the page's custom components (the folium maps)."""
    return component_args(at)


def _figures(at) -> dict[str, str]:
    """{label: value} of the key figures in large type (maps.key_figures_html on the page)."""
    body = "".join(h.proto.body for h in at.get("html"))
    return {
        html.unescape(lab): html.unescape(v)
        for v, lab in re.findall(r'<div class="v">(.*?)</div><div class="l">(.*?)</div>', body)
    }


def _style(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("<style>"))


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_key_figures_are_the_coverage_numbers(app_env, ibaraki_region, lang):
    at = _page(ibaraki_region, HUBS, lang)
    sc = at.session_state["scenario"]
    cv = coverage_view(ibaraki_region, sc.hubs, sc.thresholds, sc.demand_scope)
    assert at.selectbox(key="pr_threshold").value == 30.0
    figs = _figures(at)
    label = ("30分以内に住む人" if lang == "ja" else "Residents within 30 min") + paren(
        fmt_people(cv.covered[30.0], lang), lang
    )
    assert figs[label] == fmt_pct(cv.share[30.0], lang)
    assert 0 < cv.share[30.0] < 1
    est = paren(t("estimate", lang), lang)  # no roads in this bundle: every time is an estimate, and says so
    assert figs[t("presentation_mean", lang) + est] == fmt_minutes(cv.mean_min, lang)
    assert figs[t("presentation_worst", lang) + est] == fmt_minutes(cv.max_min, lang)
    assert figs[t("presentation_unreachable", lang)] == fmt_people(cv.unreachable_population, lang)
    assert len(figs) == 4
    # another time: the figure follows
    at.selectbox(key="pr_threshold").set_value(60.0).run()
    label = ("60分以内に住む人" if lang == "ja" else "Residents within 60 min") + paren(
        fmt_people(cv.covered[60.0], lang), lang
    )
    assert _figures(at)[label] == fmt_pct(cv.share[60.0], lang)
    assert any(b.label == t("presentation_download", lang) for b in at.get("download_button"))


def test_one_screen_and_print_layout(app_env, ibaraki_region):
    at = _page(ibaraki_region, HUBS)
    css = _style(at)
    screen, print_css = css.split("@media print", 1)
    assert '[data-testid="stSidebar"]' in screen and "display: none" in screen  # no sidebar on screen
    assert "size: A4 landscape" in print_css and "stToolbar" in print_css and "header" in print_css
    # one large map, fitted to the region, with the hubs numbered 1 and 2
    comps = _components(at)
    assert len(comps) == 1
    args = comps[0]
    assert "fitBounds" in args and args.count("madoguchi-hub") >= 2
    assert "font-size:20px" in args  # legends in large type: base_map(presentation=True), 1.5 x 13 px
    from madoguchi.app.state import PAGES

    assert any(p[0] == "pages/7_presentation.py" for p in PAGES)


def test_without_hubs_says_what_to_do(app_env, ibaraki_region):
    at = _page(ibaraki_region, [])
    assert any("拠点がまだありません" in i.value for i in at.info)
    assert _figures(at) == {}
