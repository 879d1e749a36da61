"""`madoguchi outreach`: itinerant consultation day routes from one or several hubs and a monthly calendar."""

from __future__ import annotations

from madoguchi.i18n import fmt_num


def register(sub) -> None:
    p = sub.add_parser("outreach", help="出張・巡回相談ルート / outreach routes and monthly calendar")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--base", help="出発拠点: 地域の site_id か名称（一部一致可）")
    src.add_argument(
        "--bases", help="複数の出発拠点をまとめて計画: site_id か名称のカンマ区切り（各訪問先は最も適した拠点へ）"
    )
    src.add_argument("--scenario", help="シナリオ JSON: その拠点すべてから計画する（--bases の既定）")
    p.add_argument(
        "--stops",
        help="訪問先: CSV（name と lat,lon または住所）か site_id のカンマ区切り。既定: 福祉事務所のない町村の候補地（役場代替点）",
    )
    p.add_argument("--service-min", type=float, default=90.0, help="訪問先ごとの滞在時間（分, 既定 90）")
    p.add_argument("--day", default="08:30-17:15", help="勤務時間（移動を含む, 既定 08:30-17:15）")
    p.add_argument("--frequency", default="1", help="月あたり訪問回数（整数）か 'cases'（想定相談件数から算出）")
    p.add_argument(
        "--case-rate", type=float, default=1.5, help="人口千人あたり年間相談件数（--frequency cases のとき）"
    )
    p.add_argument(
        "--cases-per-visit", type=float, default=4.0, help="1回の訪問で受ける相談件数（--frequency cases のとき）"
    )
    p.add_argument("--month", help="日程を組む月 YYYY-MM（平日・祝日を考慮）")
    p.add_argument("--teams", type=int, default=1, help="同じ日に動ける班の数")
    p.add_argument(
        "--blocks", type=int, help="訪問先を K ブロックに分け、ブロックごとに拠点（中心の訪問先）と日程を組む"
    )
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="ルート探索の時間の上限（秒, 安全弁）。探索は解の数で止まるので同じ入力なら同じ結果",
    )
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from madoguchi.cli.output import emit
    from madoguchi.planning import (
        load_region,
        outreach_section,
        run_outreach,
        update_scenario_file,
    )

    region = load_region(args.region)
    out = run_outreach(
        region,
        args.base,
        bases=args.bases,
        scenario=args.scenario,
        stops=args.stops,
        service_min=args.service_min,
        day=args.day,
        frequency=args.frequency,
        case_rate=args.case_rate,
        cases_per_visit=args.cases_per_visit,
        month=args.month,
        teams=args.teams,
        blocks=args.blocks,
        time_limit_s=args.time_limit,
    )
    if args.scenario_out:
        update_scenario_file(args.scenario_out, region, outreach=outreach_section(out))
        out["scenario_out"] = args.scenario_out
    return emit(out, args.json, _print)


def _print_plan(p: dict, indent: str = "") -> None:
    from madoguchi.i18n import reason_label

    several = len(p.get("bases") or []) > 1
    for i, r in enumerate(p["routes"]):
        hub = f"[{r.get('base_name', r.get('base', ''))}] " if several else ""
        print(
            f"{indent}ルート {i + 1}（月 {r['frequency']} 回）{hub}{r['leave_base']} 出発 → {r['return_base']} 帰着  "
            f"運転 {fmt_num(r['drive_min'], 0)} 分 / 滞在 {fmt_num(r['service_min'], 0)} 分"
        )
        for s, n, a, d in zip(r["stops"], r["names"], r["arrive"], r["depart"]):
            print(f"{indent}    {a}–{d}  {n} ({s})")
        if r["dates"]:
            print(f"{indent}    日程: {', '.join(r['dates'])}")
    for u in p["unserved"]:
        print(
            f"{indent}訪問できない / not served: {u['name']} ({u['stop']}) — {reason_label(u['reason'])}"
            + (f"（往復+滞在 {u['detail_min']} 分）" if "detail_min" in u else "")
        )


def _print(out: dict) -> None:
    from madoguchi.i18n import frequency_label

    print(f"地域 / region: {out['region']}   出発拠点 / base: {out['base']['name']}   勤務時間 / day: {out['day']}")
    for s in out.get("stops_at_hubs") or []:
        print(f"拠点そのものの町（巡回不要）/ stop at a hub: {s['name']} ({s['stop']})")
    print(
        f"所要時間 / travel time: {out['travel_time_method']}"
        + ("（推定 / estimate）" if out["travel_time_method"] != "road" else "")
        + f"   滞在 / on site: {out['service_min']:g} 分   頻度 / frequency: {frequency_label(out['frequency'])}"
    )
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    if out.get("blocks") is None:
        _print_plan(out["plan"])
    else:
        for p in out["block_plans"]:
            hub = {x["site_id"]: x["name"] for x in out.get("bases") or []}.get(p.get("hub"))
            print(
                f"ブロック {p['block'] + 1}  拠点 / base: {p.get('base', p.get('base_site_id'))}"
                + (f"  （{hub} の担当区域 / area of {p['hub']}）" if hub else "")
            )
            _print_plan(p, "  ")
        if out.get("unassigned_stops"):
            print(f"どのブロックからも到達不可: {', '.join(out['unassigned_stops'])}")
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
