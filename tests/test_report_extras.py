"""Outreach routes, calendar, partnership groups and cost shares in the reports.

The scenario parts are produced by the real models on real Ibaraki travel times (stops = the
town-hall stand-in points of Ibaraki's 12 towns and villages), then stored in the scenario as
their to_dict() output, exactly as the app and CLI store them.
"""
from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest

from models.scenario import Hub, Scenario


@pytest.fixture(scope="module")
def planned(ibaraki_region):
    from geo.traveltime import site_matrix
    from models.blocks import split_blocks
    from models.costshare import split_cost
    from models.outreach import plan_routes

    r = ibaraki_region
    towns = r.municipalities[~r.municipalities["has_welfare_office"]]
    sites = r.sites[r.sites["muni_code"].isin(towns["code"])].reset_index(drop=True)
    base = sites[sites["muni_code"] == "08302"].iloc[0]  # 茨城町 as the base
    stops = sites[sites["muni_code"] != "08302"].reset_index(drop=True)
    frame = pd.concat([base.to_frame().T, stops], ignore_index=True)
    frame["lon"] = frame["lon"].astype(float)
    frame["lat"] = frame["lat"].astype(float)
    T = site_matrix(r, frame).minutes
    plan = plan_routes(T, list(stops["site_id"]), names=list(stops["name"]), service_min=60, day="08:30-17:15",
                       month="2026-12", base_name=str(base["name"]))
    pops = towns.set_index("code")["population"]
    blocks = split_blocks(T, 3, weights=pops.loc[frame["muni_code"]].to_numpy(), stop_ids=list(frame["muni_code"]))
    b0 = blocks.to_dict()["blocks"][0]["stops"]
    members = towns[towns["code"].isin(b0)][["code", "name", "population"]]
    cost = split_cost(12_000_000, members, "equal:0.1,population:0.9")
    sc = Scenario(name="巡回と連携", region=r.path.name,
                  hubs=[Hub(str(base["site_id"]), str(base["name"]), float(base["lon"]), float(base["lat"]), fixed=True,
                            source="existing")],
                  outreach={**plan.to_dict(), "base_id": str(base["site_id"])},
                  partnership={"blocks": blocks.to_dict(), "cost_share": cost.to_dict()})
    return r, sc, plan, blocks, cost


def test_report_data_has_outreach_and_partnership(planned):
    from madoguchi.reports import report_data

    r, sc, plan, blocks, cost = planned
    d = report_data(r, sc)
    keys = [t.key for t in d.tables]
    assert {"outreach_routes", "outreach_calendar", "groups", "cost_shares"} <= set(keys)
    routes = d.table("outreach_routes").df
    visited = routes[(routes["順"] > 0) & ~routes["訪問先"].str.contains("（帰着）")]["訪問先"].tolist()
    assert sorted(visited) == sorted(n for rt in plan.routes for n in rt.names)
    cal = d.table("outreach_calendar").df
    assert len(cal) == sum(len(v) for v in plan.calendar.values()) and set(cal["曜日"]) <= set("月火水木金")
    cs = d.table("cost_shares").df
    assert cs["負担額 (円)"].sum() == 12_000_000  # whole yen, adds up exactly
    g = d.table("groups").df
    assert g["市町村数"].sum() == len(blocks.labels[blocks.labels >= 0])
    assert len(d.layers["routes"]) == len(plan.routes) and len(d.layers["groups"]) == 3
    assert d.layers["routes"].geometry.geom_type.eq("LineString").all()


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_outreach_and_cost_in_all_formats(planned, tmp_path):
    import geopandas as gpd
    import pyogrio

    from madoguchi.reports import build_report, report_data

    r, sc, plan, blocks, cost = planned
    d = report_data(r, sc)
    for ext in ("pdf", "xlsx", "gpkg", "html"):
        build_report(r, sc, tmp_path / f"x.{ext}", data=d)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "x.pdf"), "-"], capture_output=True, text=True).stdout
    for s in ("出張相談ルート", "訪問カレンダー", "広域連携", "費用負担", "12,000,000", plan.routes[0].names[0]):
        assert s in text, s
    amounts = cost.table["amount_yen"].tolist()
    assert all(f"{a:,}" in text for a in amounts)
    sheets = pd.read_excel(tmp_path / "x.xlsx", sheet_name=None)
    assert {"出張相談ルート", "訪問カレンダー", "広域連携", "費用負担"} <= set(sheets)
    assert sheets["費用負担"]["負担額 (円)"].sum() == 12_000_000
    assert {"routes", "groups"} <= {n for n, _ in pyogrio.list_layers(tmp_path / "x.gpkg")}
    rt = gpd.read_file(tmp_path / "x.gpkg", layer="routes")
    assert rt["geometry_note"].str.contains("直線").all()
    html = (tmp_path / "x.html").read_text(encoding="utf-8")
    assert "出張相談ルート" in html and "費用負担" in html


def test_partnership_groups_from_the_partnership_model(ibaraki_region, tmp_path):
    """Groups from models.partnership (regionalize + evaluate) on all 44 Ibaraki municipalities."""
    import geopandas as gpd
    import numpy as np

    from geo.traveltime import region_matrix, site_matrix
    from madoguchi.reports import build_report, report_data
    from models.partnership import PartnershipResult, contiguity, evaluate, regionalize

    r = ibaraki_region
    m = r.municipalities.reset_index(drop=True)
    sites = r.sites.set_index("muni_code").loc[m["code"]].reset_index()  # one town-hall stand-in per municipality
    T = site_matrix(r, sites).minutes
    pop = m["population"].to_numpy(float)
    adj = contiguity(m)
    labels = regionalize(T, pop, adj, 4, 300_000, names=list(m["name"]))
    D = region_matrix(r, sites).minutes
    groups = evaluate(labels, list(m["code"]), list(m["name"]), pop, adj, D, r.demand["population"].to_numpy(float),
                      r.demand["muni_code"].to_numpy(), list(sites["site_id"]), list(sites["name"]), list(sites["muni_code"]),
                      min_pop=300_000)
    res = PartnershipResult(k=4, min_pop=300_000, method="regionalize", adjacency="contiguity", groups=groups,
                            labels={c: str(g) for c, g in zip(m["code"], labels)})
    hub = r.sites[r.sites["muni_code"] == "08302"].iloc[0]
    sc = Scenario(name="広域4グループ", region=r.path.name, demand_scope="all",
                  hubs=[Hub(str(hub["site_id"]), str(hub["name"]), float(hub["lon"]), float(hub["lat"]))],
                  partnership=res.to_dict())
    d = report_data(r, sc)
    g = d.table("groups").df
    assert len(g) == 4 and g["市町村数"].sum() == 44
    assert g["人口"].sum() == pytest.approx(np.nansum(pop))
    assert g["人口要件"].all() and g["地続き"].all()
    assert set(g["中心"]) == {x.host_name for x in groups}
    build_report(r, sc, tmp_path / "g.gpkg", data=d)
    gl = gpd.read_file(tmp_path / "g.gpkg", layer="groups")
    assert len(gl) == 4 and gl["n_members"].sum() == 44
