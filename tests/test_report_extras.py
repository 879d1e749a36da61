"""Outreach routes, calendar, partnership groups and cost shares in the reports, end to end.

The scenario is made by the real commands on real Ibaraki data, exactly as a planner would:
`madoguchi coverage --hubs C08302 --scenario-out`, `madoguchi outreach --scenario-out`,
`madoguchi partner --cost --scenario-out`, then `madoguchi report` in every format.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pandas as pd
import pytest
from cli_support import cli_ok

BASE = "C08302"  # 茨城町's town-hall stand-in point


@pytest.fixture(scope="module")
def cli_scenario(ibaraki_region, tmp_path_factory):
    d = tmp_path_factory.mktemp("report_extras")
    r = ibaraki_region.path
    s = d / "巡回と連携.json"
    cli_ok("coverage", "--region", r, "--hubs", BASE, "--scenario-out", s)
    cli_ok("outreach", "--region", r, "--base", BASE, "--month", "2026-12", "--scenario-out", s)
    cli_ok("partner", "--region", r, "--k", 4, "--min-pop", 300000, "--cost", 12000000, "--scenario-out", s)
    b = d / "ブロック巡回.json"
    cli_ok("coverage", "--region", r, "--hubs", BASE, "--scenario-out", b)
    cli_ok("outreach", "--region", r, "--base", BASE, "--blocks", 2, "--month", "2026-12", "--scenario-out", b)
    return ibaraki_region, s, b, d


def test_report_tables_follow_the_stored_plans(cli_scenario):
    from madoguchi.planning import read_scenario_file as load_scenario_file
    from madoguchi.reports import report_data

    region, s, b, d = cli_scenario
    sc = load_scenario_file(s, region)
    plan = sc.outreach["plan"]
    rd = report_data(region, sc)
    assert {"outreach_routes", "outreach_calendar", "groups", "cost_shares"} <= {t.key for t in rd.tables}
    routes = rd.table("outreach_routes").df
    stops = routes[(routes["順"] > 0) & ~routes["訪問先"].str.endswith("（帰着）")]["訪問先"]
    assert sorted(stops) == sorted(n for rt in plan["routes"] for n in rt["names"])
    cal = rd.table("outreach_calendar").df
    assert len(cal) == sum(len(v) for v in plan["calendar"].values()) and set(cal["曜日"]) <= set("月火水木金")
    g = rd.table("groups").df
    assert len(g) == 4 and g["市町村数"].sum() == 44 and g["人口要件"].all()
    assert g["人口"].sum() == pytest.approx(region.municipalities["population"].sum())
    cs = rd.table("cost_shares").df
    assert (cs.groupby("グループ")["負担額 (円)"].sum() == 12_000_000).all()  # whole yen, exact per group
    assert len(rd.layers["routes"]) == len(plan["routes"]) and len(rd.layers["groups"]) == 4
    # block variant: routes carry their block, every block has its own base
    rb = report_data(region, load_scenario_file(b, region))
    assert set(rb.table("outreach_routes").df["ブロック"]) == {"ブロック1", "ブロック2"}
    assert set(rb.layers["routes"]["block"]) <= {"ブロック1", "ブロック2"}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_outreach_and_partnership_in_all_formats(cli_scenario):
    import geopandas as gpd
    import pyogrio

    region, s, b, d = cli_scenario
    sc = json.loads(s.read_text(encoding="utf-8"))
    for ext in ("pdf", "xlsx", "gpkg", "html"):
        cli_ok("report", "--region", region.path, "--scenario", s, "--out", d / f"x.{ext}")
    text = subprocess.run(["pdftotext", "-layout", str(d / "x.pdf"), "-"], capture_output=True, text=True).stdout
    for t in (
        "出張相談ルート",
        "訪問カレンダー",
        "広域連携",
        "費用負担",
        "12,000,000",
        "2026-12-01",
        sc["outreach"]["plan"]["routes"][0]["names"][0],
    ):
        assert t in text, t
    for g in sc["partnership"]["groups"]:
        for m in g["cost_share"]["members"]:
            assert f"{m['amount_yen']:,}" in text
    sheets = pd.read_excel(d / "x.xlsx", sheet_name=None)
    assert {"出張相談ルート", "訪問カレンダー", "広域連携", "費用負担"} <= set(sheets)
    assert sheets["費用負担"]["負担額 (円)"].sum() == 4 * 12_000_000
    assert {"routes", "groups"} <= {n for n, _ in pyogrio.list_layers(d / "x.gpkg")}
    rt = gpd.read_file(d / "x.gpkg", layer="routes")
    assert rt["geometry_note"].str.contains("直線").all() and (rt.geometry.geom_type == "LineString").all()
    html = (d / "x.html").read_text(encoding="utf-8")
    assert "出張相談ルート" in html and "費用負担" in html
