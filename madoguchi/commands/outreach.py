"""`madoguchi outreach`: itinerant consultation day routes from a base and a monthly calendar."""
from __future__ import annotations


import numpy as np


def register(sub) -> None:
    p = sub.add_parser("outreach", help="出張・巡回相談ルート / outreach routes and monthly calendar")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--base", required=True, help="出発拠点: 地域の site_id か名称（一部一致可）")
    p.add_argument("--stops", help="訪問先: CSV（name と lat,lon または住所）か site_id のカンマ区切り。既定: 福祉事務所のない町村の候補地（役場代替点）")
    p.add_argument("--service-min", type=float, default=90.0, help="訪問先ごとの滞在時間（分, 既定 90）")
    p.add_argument("--day", default="08:30-17:15", help="勤務時間（移動を含む, 既定 08:30-17:15）")
    p.add_argument("--frequency", default="1", help="月あたり訪問回数（整数）か 'cases'（想定相談件数から算出）")
    p.add_argument("--case-rate", type=float, default=1.5, help="人口千人あたり年間相談件数（--frequency cases のとき）")
    p.add_argument("--cases-per-visit", type=float, default=4.0, help="1回の訪問で受ける相談件数（--frequency cases のとき）")
    p.add_argument("--month", help="日程を組む月 YYYY-MM（平日・祝日を考慮）")
    p.add_argument("--teams", type=int, default=1, help="同じ日に動ける班の数")
    p.add_argument("--blocks", type=int, help="訪問先を K ブロックに分け、ブロックごとに拠点（中心の訪問先）と日程を組む")
    p.add_argument("--time-limit", type=float, default=1.0, help="ルート探索の時間（秒）")
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def _find_base(region, base: str):
    from core.errors import ParameterError

    s = region.sites.assign(site_id=region.sites["site_id"].astype(str))
    s = s[s["lon"].notna() & s["lat"].notna()]
    hit = s[s["site_id"] == base]
    if hit.empty:
        hit = s[s["name"].astype(str) == base]
    if hit.empty:
        hit = s[s["name"].astype(str).str.contains(base, regex=False)]
    if len(hit) != 1:
        cands = "、".join(hit["name"].astype(str).head(8)) if len(hit) else "なし"
        raise ParameterError(f"出発拠点「{base}」を1つに特定できません（候補: {cands}）。site_id を指定してください。",
                             f"base '{base}' does not match exactly one site (matches: {len(hit)}); give a site_id")
    return hit.iloc[0]


def _stops(region, stops: str | None):
    from madoguchi import planning_io as io
    from madoguchi.commands.coverage import hubs_from_arg

    if stops:
        return hubs_from_arg(region, stops).reset_index(drop=True)
    m = region.municipalities
    codes = set(m.loc[~m["has_welfare_office"].astype(bool), "code"].astype(str))
    c = io.candidate_sites(region)
    return c[c["muni_code"].isin(codes)].reset_index(drop=True)


def run_outreach(region, base, *, stops=None, service_min=90.0, day="08:30-17:15", frequency="1", case_rate=1.5,
                 cases_per_visit=4.0, month=None, teams=1, blocks=None, time_limit_s=1.0) -> dict:
    import pandas as pd

    from core.errors import ParameterError
    from geo.traveltime import site_matrix
    from madoguchi import planning_io as io
    from models.workload import check_case_rate

    check_case_rate(case_rate)
    from models.blocks import split_blocks
    from models.outreach import frequency_from_cases, plan_routes

    b = _find_base(region, base)
    st = _stops(region, stops)
    st = st[st["site_id"].astype(str) != str(b["site_id"])].reset_index(drop=True)
    if st.empty:
        raise ParameterError("訪問先がありません。", "no stops to visit")
    pop = dict(zip(region.municipalities["code"].astype(str), region.municipalities["population"].astype(float)))
    st = io.fill_muni(region, st)
    if str(frequency) == "cases":
        # expected yearly cases of the stop's municipality, shared among that municipality's stops
        per_muni = st.groupby("muni_code")["site_id"].transform("count").to_numpy(float)
        cases = np.array([pop.get(c, np.nan) for c in st["muni_code"]]) * case_rate / 1000.0 / per_muni
        freq = frequency_from_cases(cases, cases_per_visit)
        freq_rule = f"ceil(人口×{case_rate:g}/1000/12 ÷ {cases_per_visit:g}件/回), 1〜4回/月"
    else:
        try:
            f = int(frequency)
        except ValueError:
            raise ParameterError(f"--frequency は整数か cases です: {frequency}", f"--frequency must be an integer or 'cases': {frequency}")
        freq = np.full(len(st), f)
        freq_rule = f"{f} 回/月"
    base_row = pd.DataFrame([{c: b[c] for c in io.SITE_COLS}]).astype({"site_id": str, "muni_code": str})
    allsites = pd.concat([base_row, st[io.SITE_COLS]], ignore_index=True)
    sm = site_matrix(region, sites=allsites)
    T = sm.minutes
    method = io.method_label(sm)
    out = {"region": region.name, "demand_rule": io.demand_rule(region),
           "base": {"site_id": str(b["site_id"]), "name": str(b["name"])},
           "travel_time_method": method, "service_min": service_min, "day": day, "frequency_rule": freq_rule,
           "teams": teams}
    ids = st["site_id"].astype(str).tolist()
    names = st["name"].astype(str).tolist()
    if not blocks:
        plan = plan_routes(T, ids, names=names, service_min=service_min, day=day, frequency=freq, month=month,
                           teams=teams, time_limit_s=time_limit_s, base_name=str(b["name"]))
        out["plan"] = plan.to_dict()
        out["blocks"] = None
        return out
    # blocks: split the stops, each block's medoid stop is its own base
    bl = split_blocks(T[1:, 1:], blocks, weights=[pop.get(c, 1.0) for c in st["muni_code"]], stop_ids=ids)
    out["blocks"] = bl.to_dict()
    plans = []
    for g, med in enumerate(bl.medoids):
        members = [i for i in np.flatnonzero(bl.labels == g) if i != med]
        if not members:
            plans.append({"block": g, "base": ids[med], "routes": [], "unserved": [], "note": "拠点のみのブロック"})
            continue
        nodes = [med + 1] + [i + 1 for i in members]
        sub = T[np.ix_(nodes, nodes)]
        p = plan_routes(sub, [ids[i] for i in members], names=[names[i] for i in members], service_min=service_min,
                        day=day, frequency=freq[members], month=month, teams=teams, time_limit_s=time_limit_s,
                        base_name=names[med])
        d = p.to_dict()
        d["block"] = g
        d["base_site_id"] = ids[med]
        plans.append(d)
    unreach = [ids[i] for i in np.flatnonzero(bl.labels < 0)]
    out["block_plans"] = plans
    out["unassigned_stops"] = unreach
    return out


def _run(args) -> int:
    from madoguchi import planning_io as io

    region = io.load_region(args.region)
    out = run_outreach(region, args.base, stops=args.stops, service_min=args.service_min, day=args.day,
                       frequency=args.frequency, case_rate=args.case_rate, cases_per_visit=args.cases_per_visit,
                       month=args.month, teams=args.teams, blocks=args.blocks, time_limit_s=args.time_limit)
    if args.scenario_out:
        io.write_scenario(args.scenario_out, region, outreach={k: v for k, v in out.items() if k != "region"})
        out["scenario_out"] = args.scenario_out
    return io.emit(out, args.json, _print)


def _f(x, nd=0):
    from madoguchi.planning_io import fmt_num

    return fmt_num(x, nd)


def _print_plan(p: dict, indent: str = "") -> None:
    for i, r in enumerate(p["routes"]):
        print(f"{indent}ルート {i + 1}（月 {r['frequency']} 回）{r['leave_base']} 出発 → {r['return_base']} 帰着  "
              f"運転 {_f(r['drive_min'])} 分 / 滞在 {_f(r['service_min'])} 分")
        for s, n, a, d in zip(r["stops"], r["names"], r["arrive"], r["depart"]):
            print(f"{indent}    {a}–{d}  {n} ({s})")
        if r["dates"]:
            print(f"{indent}    日程: {', '.join(r['dates'])}")
    for u in p["unserved"]:
        print(f"{indent}訪問できない / not served: {u['name']} ({u['stop']}) — {u['reason']}"
              + (f"（往復+滞在 {u['detail_min']} 分）" if "detail_min" in u else ""))


def _print(out: dict) -> None:
    print(f"地域 / region: {out['region']}   出発拠点 / base: {out['base']['name']}   勤務時間 / day: {out['day']}")
    print(f"所要時間 / travel time: {out['travel_time_method']}" + ("（推定 / estimate）" if out["travel_time_method"] != "road" else "")
          + f"   滞在 / on site: {out['service_min']:g} 分   頻度 / frequency: {out['frequency_rule']}")
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    if out.get("blocks") is None:
        _print_plan(out["plan"])
    else:
        for p in out["block_plans"]:
            print(f"ブロック {p['block'] + 1}  拠点 / base: {p.get('base', p.get('base_site_id'))}")
            _print_plan(p, "  ")
        if out.get("unassigned_stops"):
            print(f"どのブロックからも到達不可: {', '.join(out['unassigned_stops'])}")
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
