"""出張相談ルート, 広域連携 and レポート pages with AppTest on the real Ibaraki bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from madoguchi.app import views as V

ROOT = Path(__file__).resolve().parent.parent


def _at(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_outreach_routes_and_calendar(app_env):
    at = _at("pages/4_outreach.py")
    assert any("まだルートがありません" in i.value for i in at.info)
    at.text_input(key="or_month").set_value("2026-12")
    at.button(key="or_run").click().run()
    _ok(at)
    sc = at.session_state["scenario"]
    plan = sc.outreach["plan"]
    assert plan["routes"] and plan["month"] == "2026-12"
    # every one of the 12 towns/villages without a welfare office is visited or listed as unserved
    visited = {s for r in plan["routes"] for s in r["stops"]}
    unserved = {u["stop"] for u in plan["unserved"]}
    assert len(visited | unserved) == 12
    routes = at.table[0].value
    assert routes.index[0] == "ルート1" and routes["運転時間"].str.endswith("（推定）").all()
    assert any("所要時間: 推定" in c.value for c in at.caption)
    assert any("直線で結んだ" in c.value for c in at.caption)  # map lines are not road paths: said so
    cal = at.table[-1].value
    assert list(cal.columns) == ["月", "火", "水", "木", "金"]
    text = cal.to_string()
    assert "ルート1" in text
    assert "29日 休" in text or "31日 休" in text  # year-end office closure (12/29–31) is not a working day


def test_partnership_groups_and_cost_share(app_env):
    at = _at("pages/5_partnership.py")
    at.number_input(key="pa_k").set_value(3)
    at.number_input(key="pa_cost").set_value(12_000_000)
    at.button(key="pa_run").click().run()
    _ok(at)
    groups = at.table[0].value
    assert len(groups) == 3
    members = "、".join(groups["構成市町村"])
    assert all(name in members for name in ("大子町", "水戸市", "神栖市"))  # every municipality is in a group
    assert groups["平均所要時間"].str.endswith("（推定）").all()
    shares = at.table[1].value
    assert shares["分担額"].str.endswith("円").all()
    # each group's shares add up to the cost exactly (largest remainder rounding)
    amounts = (
        shares.assign(yen=shares["分担額"].str.replace(",", "").str.rstrip("円").astype(int))
        .groupby("グループ")["yen"]
        .sum()
    )
    assert set(amounts) == {12_000_000}
    assert any("境界が接する" in c.value and "推定" in c.value for c in at.caption)


def test_report_page_builds_downloads(app_env):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    at.run()
    at.switch_page("pages/2_placement.py").run()
    at.radio(key="pl_method").set_value("heuristic")
    at.button(key="pl_run").click().run()
    at.switch_page("pages/6_report.py").run()
    _ok(at)
    for fmt in ("html", "xlsx"):
        at.radio(key="rep_fmt").set_value(fmt).run()
        at.button(key="rep_build").click().run()
        _ok(at)
        name, data, _mime = at.session_state["rep_file"]
        assert name.endswith("." + fmt) and len(data) > 1000
        assert any("レポートができました" in s.value for s in at.success)
    html_ok = data  # last one is xlsx: a zip container
    assert html_ok[:2] == b"PK"


def test_report_page_without_hubs_says_what_to_do(app_env):
    at = _at("pages/6_report.py")
    assert any("拠点がまだありません" in i.value for i in at.info)


def test_calendar_grid_shape():
    plan = {"month": "2026-12", "working_days": ["2026-12-01", "2026-12-02"], "calendar": {"2026-12-01": [0, 1]}}
    g = V.calendar_grid(plan, "ja")
    assert g.iloc[0]["火"] == "1日 ルート1、ルート2" and g.iloc[0]["水"] == "2日 "
    assert g.iloc[0]["月"] == ""  # 30 Nov belongs to the previous month
    assert "3日 休" in g.iloc[0]["木"]


@pytest.mark.parametrize(
    "page",
    [
        "app.py",
        "pages/1_map.py",
        "pages/2_placement.py",
        "pages/3_coverage.py",
        "pages/4_outreach.py",
        "pages/5_partnership.py",
        "pages/6_report.py",
    ],
)
def test_every_page_in_english(app_env, page):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    at.sidebar.radio(key="lang_choice").set_value("English").run()
    if page != "app.py":
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    title = at.title[0].value
    assert title.isascii() or title.startswith("Madoguchi"), title
