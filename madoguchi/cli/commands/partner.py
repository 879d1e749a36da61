"""`madoguchi partner`: groups of municipalities for a jointly run service, hosts and cost shares."""

from __future__ import annotations

from madoguchi.i18n import fmt_num


def register(sub) -> None:
    p = sub.add_parser("partner", help="広域連携 / wide-area partnerships and cost sharing")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--k", type=int, help="グループ数（--groups を使わない場合は必須）")
    p.add_argument("--min-pop", type=float, default=0.0, help="各グループの最低人口")
    p.add_argument("--groups", help="既存のグループ分け CSV（code,group）を評価する")
    p.add_argument("--link-min", type=float, help="隣接の代わりに、この分以内で行き来できる市町村どうしを隣とみなす")
    p.add_argument("--cost", type=int, help="各グループの年間費用（円）: 構成市町村で分担")
    p.add_argument(
        "--rule",
        default="equal:0.1,population:0.9",
        help="分担ルール equal / population / use または組合せ（既定 equal:0.1,population:0.9）",
    )
    p.add_argument("--use", help="利用割に使う利用量 CSV（code,use）")
    p.add_argument("--starts", type=int, default=12, help="探索の開始点の数")
    p.add_argument("--seed", type=int, default=0, help="乱数の種（同じ種なら同じ結果）")
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from madoguchi.cli.output import emit
    from madoguchi.planning import (
        load_region,
        partnership_section,
        run_partner,
        update_scenario_file,
    )

    region = load_region(args.region)
    out = run_partner(
        region,
        k=args.k,
        min_pop=args.min_pop,
        groups=args.groups,
        link_min=args.link_min,
        cost=args.cost,
        rule=args.rule,
        use=args.use,
        starts=args.starts,
        seed=args.seed,
    )
    if args.scenario_out:
        update_scenario_file(args.scenario_out, region, partnership=partnership_section(out))
        out["scenario_out"] = args.scenario_out
    return emit(out, args.json, _print)


def _print(out: dict) -> None:
    from madoguchi.i18n import adjacency_label, share_rule_label

    print(
        f"地域 / region: {out['region']}   グループ数 / groups: {out['k']}   最低人口 / min population: {fmt_num(out['min_pop'], 0)}"
    )
    print(
        f"隣接 / neighbours: {adjacency_label(out['adjacency'])}   所要時間 / travel time: {out['travel_time_method']}"
        + ("（推定 / estimate）" if out["travel_time_method"] != "road" else "")
    )
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    for lk in out["islands_linked"]:
        print(f"  隣接のない地域を最短時間の市町村につないだ: {lk['from']} → {lk['to']}")
    for g in out["groups"]:
        flags = ("" if g["connected"] else "  ⚠ 飛び地 / not connected") + (
            "" if g["meets_min"] else "  ⚠ 最低人口未満 / below minimum"
        )
        print(
            f"グループ {g['group']}: 人口 {fmt_num(g['population'], 0)}  拠点候補 / host: {g['host_name']}  "
            f"平均 {fmt_num(g['mean_min'], 1)} 分 / 最大 {fmt_num(g['worst_min'], 1)} 分{flags}"
        )
        print("    " + "、".join(g["names"]))
        if "cost_share" in g:
            cs = g["cost_share"]
            rule = "＋".join(f"{k} {v * 100:g}%" for k, v in share_rule_label(cs["rule"]).items())
            print(f"    費用分担 / cost ({cs['total_yen']:,} 円, {rule}):")
            for mbr in cs["members"]:
                print(f"      {mbr['name']:<8} {mbr['amount_yen']:>14,} 円")
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
