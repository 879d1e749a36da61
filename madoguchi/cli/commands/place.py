"""`madoguchi place`: choose new consultation-desk sites (p-median / MCLP / LSCP / p-center)."""

from __future__ import annotations

from madoguchi.i18n import fmt_num


def register(sub) -> None:
    p = sub.add_parser("place", help="拠点配置 / hub placement (p-median, MCLP, LSCP, p-center)")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument(
        "--model",
        required=True,
        choices=["pmedian", "mclp", "lscp", "pcenter"],
        help="pmedian: 人口加重平均時間を最小 / mclp: T分以内の人口を最大 / lscp: 全員T分以内の最少拠点数 / pcenter: 最遠時間を最小",
    )
    p.add_argument("--p", type=int, help="新設する拠点の数（pmedian, mclp, pcenter）")
    p.add_argument("--time", type=float, help="時間しきい値 T 分（mclp, lscp）")
    p.add_argument("--fixed", help="既存窓口の CSV（name と lat,lon または住所）。常に開設として扱う")
    p.add_argument("--no-existing", action="store_true", help="地域データの既存拠点 (kind=existing) を固定に含めない")
    p.add_argument(
        "--scope",
        default="without_welfare_office",
        choices=["without_welfare_office", "all"],
        help="需要: 福祉事務所のない町村（既定）か県全体",
    )
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


def _run(args) -> int:
    from madoguchi.cli.output import emit
    from madoguchi.planning import (
        load_region,
        parse_thresholds,
        placement_section,
        run_place,
        scenario_hubs,
        update_scenario_file,
    )

    region = load_region(args.region)
    th = parse_thresholds(args.thresholds)
    method = "exact" if args.exact else "heuristic" if args.heuristic else "auto"
    out = run_place(
        region,
        args.model,
        p=args.p,
        time=args.time,
        fixed_csv=args.fixed,
        include_existing=not args.no_existing,
        scope=args.scope,
        method=method,
        capacity=args.capacity,
        case_rate=args.case_rate,
        thresholds=th,
        time_limit_s=args.time_limit,
    )
    if args.scenario_out:
        update_scenario_file(
            args.scenario_out,
            region,
            scope=args.scope,
            hubs=scenario_hubs(out),
            thresholds=th,
            placement=placement_section(out),
            coverage=out["coverage"],
        )
        out["scenario_out"] = str(args.scenario_out)
    return emit(out, args.json, _print)


def _print(out: dict) -> None:
    pl, cov = out["placement"], out["coverage"]
    from madoguchi.i18n import scope_label, second_desk_label

    scope = scope_label(out["demand_scope"])
    print(f"地域 / region: {out['region']}   需要 / demand: {scope}（人口 {fmt_num(cov['population'], 0)} 人）")
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    tm = out["travel_time_method"]
    print(f"所要時間 / travel time: {tm}" + ("（推定 = 直線距離×迂回係数÷速度）" if tm != "road" else ""))
    print(
        f"モデル / model: {pl['model']}  p={pl['params'].get('p')}  T={pl['params'].get('time')}  "
        f"解法 / method: {pl['method']} ({pl['solver']})  {pl['solve_s']:.2f} s"
    )
    print("拠点 / hubs:")
    for h in out["hubs"]:
        tag = "既存" if h["fixed"] else "新設"
        print(f"  [{tag}] {h['site_id']}  {h['name']}  ({h['muni_name']})")
    print(
        f"目的関数 / objective: {fmt_num(pl['objective'], 1)}"
        + (
            f"   下界 / lower bound: {fmt_num(pl['lower_bound'], 1)}  gap {fmt_num((pl['gap'] or 0) * 100, 3)}%"
            if pl.get("lower_bound") is not None
            else ""
        )
    )
    print(
        f"平均 / mean {fmt_num(cov['mean_min'])} 分   90% {fmt_num(cov['p90_min'])} 分   最大 / max {fmt_num(cov['max_min'])} 分"
    )
    for t, v in cov["within"].items():
        print(f"  {t} 分以内 / within {t} min: {fmt_num(v['population'], 0)} 人 ({fmt_num((v['share'] or 0) * 100)}%)")
    if cov["unreachable_population"]:
        print(
            f"到達不可 / unreachable: {fmt_num(cov['unreachable_population'], 0)} 人  {', '.join(cov['unreachable_municipalities'])}"
        )
    for k, label in (
        ("excluded_unreachable", "どの候補地からも到達不可の需要点"),
        ("excluded_unknown_weight", "人口不明で除外した需要点"),
        ("uncoverable_ids", "T分以内に候補地がない需要点"),
    ):
        if pl.get(k):
            print(f"{label}: {len(pl[k])} 点")
    sd = out["second_desk"]
    print(f"第二の窓口（{second_desk_label(sd['rule'])}）/ second desk: 平均 {fmt_num(sd['mean_min'])} 分")
    if "workload" in out:
        wl = out["workload"]
        print(f"想定相談件数 / expected cases: {fmt_num(wl['total_cases'], 0)} 件/年")
        for h in wl["hubs"]:
            flag = "  ← 過負荷 / OVERLOADED" if h.get("overloaded") else ""
            util = h.get("utilisation")
            print(
                f"  {h['hub_id']}: {fmt_num(h['expected_cases'], 0)} 件"
                + (
                    f" / 能力 {fmt_num(h.get('capacity'), 0)}（{fmt_num((util or 0) * 100, 0)}%）"
                    if "capacity" in h
                    else ""
                )
                + flag
            )
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
