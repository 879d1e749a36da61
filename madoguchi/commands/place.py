"""`madoguchi place`: choose new consultation-desk sites (p-median / MCLP / LSCP / p-center)."""
from __future__ import annotations


import numpy as np


def register(sub) -> None:
    p = sub.add_parser("place", help="拠点配置 / hub placement (p-median, MCLP, LSCP, p-center)")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--model", required=True, choices=["pmedian", "mclp", "lscp", "pcenter"],
                   help="pmedian: 人口加重平均時間を最小 / mclp: T分以内の人口を最大 / lscp: 全員T分以内の最少拠点数 / pcenter: 最遠時間を最小")
    p.add_argument("--p", type=int, help="新設する拠点の数（pmedian, mclp, pcenter）")
    p.add_argument("--time", type=float, help="時間しきい値 T 分（mclp, lscp）")
    p.add_argument("--fixed", help="既存窓口の CSV（name と lat,lon または住所）。常に開設として扱う")
    p.add_argument("--no-existing", action="store_true", help="地域データの既存拠点 (kind=existing) を固定に含めない")
    p.add_argument("--scope", default="without_welfare_office", choices=["without_welfare_office", "all"],
                   help="需要: 福祉事務所のない町村（既定）か県全体")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--exact", action="store_true", help="厳密解 (spopt + HiGHS)")
    g.add_argument("--heuristic", action="store_true", help="高速ヒューリスティック (numpy)")
    p.add_argument("--capacity", type=float, help="拠点あたりの受入能力（件/年）。CSV の capacity 列があればそれを優先")
    p.add_argument("--case-rate", type=float, default=None, help="人口千人あたりの年間相談件数（負担の計算に使用）")
    p.add_argument("--thresholds", default="15,30,45,60", help="カバー率の区切り（分）")
    p.add_argument("--time-limit", type=float, default=120.0, help="厳密解の制限時間（秒）")
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def run_place(region, model, *, p=None, time=None, fixed_csv=None, include_existing=True, scope="without_welfare_office",
              method="auto", capacity=None, case_rate=None, thresholds=(15, 30, 45, 60), time_limit_s=120.0) -> dict:
    """Solve and assemble everything the CLI prints (also used by tests)."""
    from core.errors import ParameterError
    from madoguchi import planning_io as io
    from models.coverage import coverage
    from models.placement import second_desk, solve
    from models.workload import hub_loads

    sites, fixed = io.sites_for_placement(region, fixed_csv, include_existing)
    tm = io.matrix(region, sites)
    dm = io.demand(region, scope)
    D = tm.minutes[dm["mask"]]
    res = solve(model, D, dm["weights"], p=p, time=time, fixed=fixed, site_ids=list(sites["site_id"]),
                demand_ids=dm["ids"], method=method, time_limit_s=time_limit_s)
    chosen = res.chosen
    hub_df = sites.iloc[chosen].reset_index(drop=True)
    names = io.muni_names(region)
    cov = coverage(dm["weights"], D[:, chosen], dm["muni"], thresholds, demand_ids=dm["ids"],
                   hub_ids=list(hub_df["site_id"]), method=tm.method[dm["mask"]][:, chosen], muni_names=names)
    out = {
        "region": region.name,
        "demand_scope": scope,
        "demand_rule": io.demand_rule(region),
        "travel_time_method": io.method_label(tm),
        "placement": res.to_dict(),
        "hubs": [
            {"site_id": str(r.site_id), "name": str(r.name), "muni_code": str(r.muni_code),
             "muni_name": names.get(str(r.muni_code), ""), "lon": float(r.lon), "lat": float(r.lat),
             "fixed": i < len(res.fixed), "source": "existing" if i < len(res.fixed) else "model",
             "capacity": (float(r.capacity) if "capacity" in hub_df and np.isfinite(r.capacity) else capacity)}
            for i, r in enumerate(hub_df.itertuples())
        ],
        "coverage": io.coverage_json(cov, tm, region),
    }
    # second desk: nearest hub outside the demand point's own municipality
    sd_idx, sd_min = second_desk(D[:, chosen], dm["muni"], hub_df["muni_code"].astype(str))
    w = np.where(np.isfinite(dm["weights"]), dm["weights"], 0.0)
    ok = np.isfinite(sd_min)
    out["second_desk"] = {
        "rule": "nearest hub outside the demand point's own municipality / 自分の市町村以外で最寄りの窓口",
        "mean_min": float(w[ok] @ sd_min[ok] / w[ok].sum()) if w[ok].sum() > 0 else None,
        "population_without": float(w[~ok].sum()),
        "within": {str(int(t)) if float(t).is_integer() else str(t): float(w[ok & (sd_min <= t)].sum()) for t in thresholds},
    }
    if case_rate is not None or capacity is not None:
        if case_rate is None:
            raise ParameterError("--capacity には --case-rate（人口千人あたりの年間相談件数）も指定してください。",
                                 "--capacity needs --case-rate (cases per 1,000 residents per year)")
        a = cov.nearest_hub
        # per-hub capacity: the site's own (capacity column of the sites / fixed-desk CSV), else --capacity
        cap = None
        site_cap = hub_df["capacity"].to_numpy(float) if "capacity" in hub_df else np.full(len(hub_df), np.nan)
        if capacity is not None or np.isfinite(site_cap).any():
            cap = np.where(np.isfinite(site_cap), site_cap, np.nan if capacity is None else float(capacity))
        wl = hub_loads(dm["weights"], a, list(hub_df["site_id"]), case_rate, capacity=cap)
        out["workload"] = wl.to_dict()
    return out


def _run(args) -> int:
    from madoguchi import planning_io as io
    from models.scenario import Hub

    region = io.load_region(args.region)
    th = io.parse_thresholds(args.thresholds)
    method = "exact" if args.exact else "heuristic" if args.heuristic else "auto"
    out = run_place(region, args.model, p=args.p, time=args.time, fixed_csv=args.fixed,
                    include_existing=not args.no_existing, scope=args.scope, method=method,
                    capacity=args.capacity, case_rate=args.case_rate, thresholds=th, time_limit_s=args.time_limit)
    if args.scenario_out:
        hubs = [Hub(site_id=h["site_id"], name=h["name"], lon=h["lon"], lat=h["lat"], fixed=h["fixed"],
                    source=h["source"], capacity=h.get("capacity")) for h in out["hubs"]]
        pl = dict(out["placement"])
        pl.pop("assignment", None)
        pl.update({"demand_rule": out["demand_rule"], "travel_time_method": out["travel_time_method"],
                   "second_desk": out["second_desk"], "workload": out.get("workload")})
        io.write_scenario(args.scenario_out, region, scope=args.scope, hubs=hubs, thresholds=th,
                          placement=pl, coverage=out["coverage"])
        out["scenario_out"] = str(args.scenario_out)
    return io.emit(out, args.json, _print)


def _f(x, nd=1):
    from madoguchi.planning_io import fmt_num

    return fmt_num(x, nd)


def _print(out: dict) -> None:
    pl, cov = out["placement"], out["coverage"]
    scope = {"without_welfare_office": "福祉事務所のない町村", "all": "県全体"}[out["demand_scope"]]
    print(f"地域 / region: {out['region']}   需要 / demand: {scope}（人口 {_f(cov['population'], 0)} 人）")
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    tm = out["travel_time_method"]
    print(f"所要時間 / travel time: {tm}" + ("（推定 = 直線距離×迂回係数÷速度）" if tm != "road" else ""))
    print(f"モデル / model: {pl['model']}  p={pl['params'].get('p')}  T={pl['params'].get('time')}  "
          f"解法 / method: {pl['method']} ({pl['solver']})  {pl['solve_s']:.2f} s")
    print("拠点 / hubs:")
    for h in out["hubs"]:
        tag = "既存" if h["fixed"] else "新設"
        print(f"  [{tag}] {h['site_id']}  {h['name']}  ({h['muni_name']})")
    print(f"目的関数 / objective: {_f(pl['objective'], 1)}" + (f"   下界 / lower bound: {_f(pl['lower_bound'], 1)}  gap {_f((pl['gap'] or 0) * 100, 3)}%" if pl.get("lower_bound") is not None else ""))
    print(f"平均 / mean {_f(cov['mean_min'])} 分   90% {_f(cov['p90_min'])} 分   最大 / max {_f(cov['max_min'])} 分")
    for t, v in cov["within"].items():
        print(f"  {t} 分以内 / within {t} min: {_f(v['population'], 0)} 人 ({_f((v['share'] or 0) * 100)}%)")
    if cov["unreachable_population"]:
        print(f"到達不可 / unreachable: {_f(cov['unreachable_population'], 0)} 人  {', '.join(cov['unreachable_municipalities'])}")
    for k, label in (("excluded_unreachable", "どの候補地からも到達不可の需要点"), ("excluded_unknown_weight", "人口不明で除外した需要点"),
                     ("uncoverable_ids", "T分以内に候補地がない需要点")):
        if pl.get(k):
            print(f"{label}: {len(pl[k])} 点")
    sd = out["second_desk"]
    print(f"第二の窓口（自市町村外の最寄り）/ second desk: 平均 {_f(sd['mean_min'])} 分")
    if "workload" in out:
        wl = out["workload"]
        print(f"想定相談件数 / expected cases: {_f(wl['total_cases'], 0)} 件/年")
        for h in wl["hubs"]:
            flag = "  ← 過負荷 / OVERLOADED" if h.get("overloaded") else ""
            util = h.get("utilisation")
            print(f"  {h['hub_id']}: {_f(h['expected_cases'], 0)} 件" + (f" / 能力 {_f(h.get('capacity'), 0)}（{_f((util or 0) * 100, 0)}%）" if "capacity" in h else "") + flag)
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
