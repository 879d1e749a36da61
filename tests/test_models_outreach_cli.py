"""`madoguchi outreach` as a real subprocess on the real Ibaraki data (issue 12, point 1).

Two hubs at 那珂市 (C08226) and 阿見町 (C08443): routes planned from both together serve every
town without a welfare office, with shorter days than from 那珂市 alone. `--json` stdout is JSON and
nothing else in every mode (solver banners go to stderr), and impossible months exit 2 on one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HUBS = ["C08226", "C08443"]  # 那珂市役場, 阿見町役場 (candidate sites of the region)


def _cli(*args, check_json=True):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run(
        [sys.executable, "-m", "madoguchi", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if not check_json:
        return p
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout)  # the whole of stdout must parse: no banner before or after


@pytest.fixture(scope="module")
def towns(ibaraki_region):
    """Site ids of the default stops: candidate sites of the towns/villages without a welfare office."""
    from madoguchi.planning import default_stops

    return set(default_stops(ibaraki_region)["site_id"].astype(str))


@pytest.fixture(scope="module")
def single(ibaraki_region):
    return _cli("outreach", "--region", ibaraki_region.path, "--base", HUBS[0], "--month", "2026-12", "--json")


@pytest.fixture(scope="module")
def two(ibaraki_region):
    return _cli("outreach", "--region", ibaraki_region.path, "--bases", ",".join(HUBS), "--month", "2026-12", "--json")


def _drive(plan):
    return sum(r["drive_min"] for r in plan["routes"])


def test_two_hubs_serve_every_town_with_shorter_days(single, two, towns):
    assert len(towns) == 12
    p1, p2 = single["plan"], two["plan"]
    # every town: on a route of one hub, or the hub's own town (阿見町), none unserved
    served = [s for r in p2["routes"] for s in r["stops"]]
    at_hubs = {s["stop"] for s in two["stops_at_hubs"]}
    assert at_hubs == {"C08443"} and p2["unserved"] == []
    assert len(served) == len(set(served)) and set(served) | at_hubs == towns
    # each route names its hub, keeps today's keys, and fits the day
    for r in p2["routes"]:
        assert r["base"] in HUBS and r["base_name"].endswith("（代替点）")
        assert {"stops", "names", "arrive", "depart", "drive_min", "service_min", "dates"} <= set(r)
        assert r["drive_min"] + r["service_min"] <= p2["day_min"] + 0.1 and r["return_base"] <= "17:15"
    assert {r["base"] for r in p2["routes"]} == set(HUBS)
    # the one-base plan sends single-visit days of 346-384 min to the south-west; two hubs do not
    one_visit = [r["drive_min"] for r in p2["routes"] if len(r["stops"]) == 1]
    assert max(one_visit, default=0) < 200
    assert max(r["drive_min"] for r in p1["routes"] if len(r["stops"]) == 1) > 300
    assert max(r["drive_min"] for r in p2["routes"]) < max(r["drive_min"] for r in p1["routes"])
    assert _drive(p2) < _drive(p1) and len(p2["routes"]) < len(p1["routes"])
    # per-hub summary adds up; each hub has its own team: one route a day per hub
    assert sum(b["drive_min"] for b in p2["bases"]) == pytest.approx(_drive(p2), abs=0.5)
    for rs in p2["calendar"].values():
        hubs = [p2["routes"][i]["base"] for i in rs]
        assert len(hubs) == len(set(hubs))
    print(
        f"\none base: {len(p1['routes'])} routes, {_drive(p1):.0f} min driving, longest "
        f"{max(r['drive_min'] for r in p1['routes']):.0f} | two hubs: {len(p2['routes'])} routes, {_drive(p2):.0f} min, "
        f"longest {max(r['drive_min'] for r in p2['routes']):.0f}"
    )


def test_json_parses_in_every_mode(ibaraki_region, tmp_path, towns):
    r = ibaraki_region.path
    # blocks from one base, and blocks within each hub's area (HiGHS runs: its banner must not reach stdout)
    b1 = _cli("outreach", "--region", r, "--base", HUBS[0], "--blocks", "3", "--json")
    assert len(b1["blocks"]["blocks"]) == 3
    b2 = _cli("outreach", "--region", r, "--bases", ",".join(HUBS), "--blocks", "3", "--json")
    blocks = b2["blocks"]["blocks"]
    assert len(blocks) == 3 and {b["hub"] for b in blocks} == {0, 1}
    assert {p["hub"] for p in b2["block_plans"]} == set(HUBS)
    in_blocks = {s for b in blocks for s in b["stops"]}
    assert in_blocks == towns - {"C08443"}
    # hubs by name, and the default: the hubs of a scenario
    by_name = _cli("outreach", "--region", r, "--bases", "那珂市役場,阿見町役場", "--json")
    assert [b["site_id"] for b in by_name["bases"]] == HUBS
    sc = tmp_path / "two_hubs.json"
    p = _cli("coverage", "--region", r, "--hubs", ",".join(HUBS), "--scenario-out", sc, check_json=False)
    assert p.returncode == 0, p.stderr
    from_sc = _cli("outreach", "--region", r, "--scenario", sc, "--json")
    assert [b["site_id"] for b in from_sc["bases"]] == HUBS
    strip = ("solve_s",)
    assert {k: v for k, v in from_sc["plan"].items() if k not in strip} == {
        k: v for k, v in by_name["plan"].items() if k not in strip
    }  # same input, same routes


@pytest.mark.parametrize("month", ["0000-01", "2026-13", "2026-1", "2101-04"])
def test_impossible_month_exits_2_on_one_line(ibaraki_region, month):
    p = _cli(
        "outreach",
        "--region",
        ibaraki_region.path,
        "--bases",
        ",".join(HUBS),
        "--month",
        month,
        "--json",
        check_json=False,
    )
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr and month in p.stderr


def test_report_draws_each_route_from_its_own_hub(ibaraki_region):
    """The stored two-hub section, read by the reports: each route line starts and ends at its hub."""
    from madoguchi.planning import outreach_section, run_outreach
    from madoguchi.planning.scenario import Scenario
    from madoguchi.reports.extras import layers, outreach_tables

    out = run_outreach(ibaraki_region, bases=HUBS, month="2026-12")
    sc = Scenario(name="two hubs", region=ibaraki_region.name, outreach=outreach_section(out))
    sc = Scenario.from_dict(json.loads(json.dumps(sc.to_dict())))  # through the schema, as stored
    assert [b["site_id"] for b in sc.outreach["bases"]] == HUBS
    sites = ibaraki_region.sites.set_index(ibaraki_region.sites["site_id"].astype(str))
    lines = layers(sc, ibaraki_region)["routes"]
    routes = sc.outreach["plan"]["routes"]
    assert len(lines) == len(routes)
    for r, g in zip(routes, lines.geometry):
        hub = (float(sites.loc[r["base"], "lon"]), float(sites.loc[r["base"], "lat"]))
        assert g.coords[0] == pytest.approx(hub) and g.coords[-1] == pytest.approx(hub)
    table = outreach_tables(sc, ibaraki_region)[0].df
    leaves = table[table["順"] == 0]["訪問先"].tolist()
    assert leaves == [f"{r['base_name']}（出発）" for r in routes]
