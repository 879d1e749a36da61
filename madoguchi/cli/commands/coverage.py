"""`madoguchi coverage`: population within 15/30/45/60 min of a set of hubs; scenario comparison."""

from __future__ import annotations

from madoguchi.i18n import fmt_num


def register(sub) -> None:
    p = sub.add_parser("coverage", help="カバー率 / coverage of a set of hubs")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--scenario", help="シナリオ JSON（その拠点と需要の範囲を使う）")
    src.add_argument("--hubs", help="拠点: CSV ファイル（name と lat,lon または住所）か、地域の site_id をカンマ区切り")
    p.add_argument("--compare", help="比較するシナリオ JSON（B）: 誰が何分得をし、損をするか")
    p.add_argument("--thresholds", help="区切り（分）, 既定はシナリオの値か 15,30,45,60")
    p.add_argument(
        "--scope",
        choices=["without_welfare_office", "all"],
        help="需要の範囲（既定: シナリオの値か without_welfare_office）",
    )
    p.add_argument("--points", action="store_true", help="JSON に需要点ごとの時間も含める")
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from madoguchi.cli.output import emit
    from madoguchi.planning import Hub, load_region, run_coverage, update_scenario_file

    region = load_region(args.region)
    out = run_coverage(
        region,
        scenario=args.scenario,
        hubs=args.hubs,
        thresholds=args.thresholds,
        scope=args.scope,
        compare=args.compare,
        points=args.points,
    )
    if args.scenario_out:
        hubs = None
        if args.hubs is not None:
            hubs = [
                Hub(
                    site_id=str(h["site_id"]),
                    name=str(h["name"]),
                    lon=float(h["lon"]),
                    lat=float(h["lat"]),
                    fixed=True,
                    source="existing",
                )
                for h in out["hubs"]
            ]
        cov = {k: v for k, v in out.items() if k not in ("hubs", "region", "points", "comparison", "demand_rule")}
        update_scenario_file(
            args.scenario_out, region, scope=out["demand_scope"], hubs=hubs, thresholds=out["thresholds"], coverage=cov
        )
        out["scenario_out"] = args.scenario_out
    return emit(out, args.json, _print)


def _print(out: dict) -> None:
    from madoguchi.i18n import scope_label

    scope = scope_label(out["demand_scope"])
    print(
        f"地域 / region: {out['region']}   需要 / demand: {scope}   人口 / population: {fmt_num(out['population'], 0)}"
    )
    print(
        f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}   所要時間 / method: {out['method']}"
        + ("（推定を含む / includes estimates）" if out["method"] != "road" else "")
    )
    print(f"拠点 / hubs ({len(out['hubs'])}): " + "、".join(str(h["name"]) for h in out["hubs"]))
    for t, v in out["within"].items():
        print(f"  {t:>4} 分以内: {fmt_num(v['population'], 0):>12} 人  {fmt_num((v['share'] or 0) * 100):>5}%")
    print(
        f"平均 / mean {fmt_num(out['mean_min'])} 分   90% {fmt_num(out['p90_min'])} 分   最大 / max {fmt_num(out['max_min'])} 分"
    )
    print(
        f"到達不可 / unreachable: {fmt_num(out['unreachable_population'], 0)} 人"
        + (f"（{', '.join(out['unreachable_municipalities'])}）" if out["unreachable_municipalities"] else "")
    )
    ts = list(out["within"].keys())
    print("市町村 / municipality         人口     平均   90%   最大  " + "  ".join(f"≤{t}分" for t in ts))
    for m in out["municipalities"]:
        shares = "  ".join(f"{fmt_num((m.get(f'share_{t}') or 0) * 100, 0):>4}%" for t in ts)
        print(
            f"  {m['muni_code']} {m.get('name', ''):<10} {fmt_num(m['population'], 0):>9} {fmt_num(m['mean_min']):>6} {fmt_num(m['p90_min']):>5} {fmt_num(m['max_min']):>6}  {shares}"
        )
    if "comparison" in out:
        c = out["comparison"]
        print(
            f"比較 / comparison B={c['b']}: 短縮 {c['gainers']} 点 ({fmt_num(c['gain_population'], 0)} 人)、"
            f"延長 {c['losers']} 点 ({fmt_num(c['loss_population'], 0)} 人)、平均の変化 {fmt_num(c['summary'].get('mean_change_min'))} 分"
        )
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
