"""`madoguchi partner`: groups of municipalities for a jointly run service, hosts and cost shares."""
from __future__ import annotations


import numpy as np


def register(sub) -> None:
    p = sub.add_parser("partner", help="広域連携 / wide-area partnerships and cost sharing")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--k", type=int, help="グループ数（--groups を使わない場合は必須）")
    p.add_argument("--min-pop", type=float, default=0.0, help="各グループの最低人口")
    p.add_argument("--groups", help="既存のグループ分け CSV（code,group）を評価する")
    p.add_argument("--link-min", type=float, help="隣接の代わりに、この分以内で行き来できる市町村どうしを隣とみなす")
    p.add_argument("--cost", type=int, help="各グループの年間費用（円）: 構成市町村で分担")
    p.add_argument("--rule", default="equal:0.1,population:0.9", help="分担ルール equal / population / use または組合せ（既定 equal:0.1,population:0.9）")
    p.add_argument("--use", help="利用割に使う利用量 CSV（code,use）")
    p.add_argument("--starts", type=int, default=12, help="探索の開始点の数")
    p.add_argument("--seed", type=int, default=0, help="乱数の種（同じ種なら同じ結果）")
    p.add_argument("--scenario-out", help="結果を書き込むシナリオ JSON")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def muni_matrix(region):
    """Municipality x municipality minutes between their candidate sites (town-hall stand-ins).

    Municipalities without a candidate site get a column of inf (reported)."""
    from geo.traveltime import site_matrix
    from madoguchi import planning_io as io

    m = region.municipalities.reset_index(drop=True)
    codes = m["code"].astype(str).tolist()
    cand = io.candidate_sites(region).drop_duplicates("muni_code").set_index("muni_code")
    have = [c for c in codes if c in cand.index]
    sm = site_matrix(region, sites=cand.loc[have].reset_index()[io.SITE_COLS])
    T = np.full((len(codes), len(codes)), np.inf)
    pos = [codes.index(c) for c in have]
    T[np.ix_(pos, pos)] = sm.minutes
    np.fill_diagonal(T, 0.0)
    return T, [c for c in codes if c not in cand.index], io.method_label(sm)


def run_partner(region, *, k=None, min_pop=0.0, groups=None, link_min=None, cost=None, rule="equal:0.1,population:0.9",
                use=None, starts=12, seed=0) -> dict:
    import pandas as pd

    from core.errors import InputFileError, ParameterError
    from geo.population import read_csv_table
    from madoguchi import planning_io as io
    from models.costshare import check_total_yen, parse_rule, split_cost
    from models.partnership import adjacency_from_times, contiguity, evaluate, link_islands, read_groups, regionalize

    m = region.municipalities.reset_index(drop=True)
    codes = m["code"].astype(str).tolist()
    names = m["name"].astype(str).tolist()
    pop = m["population"].to_numpy(float)
    T, no_site, method = muni_matrix(region)
    if link_min is not None:
        if not link_min > 0:
            raise ParameterError("--link-min は正の分数です。", "--link-min must be > 0 minutes")
        adj = adjacency_from_times(T, link_min)
        adj_rule = f"travel time <= {link_min:g} min / {link_min:g} 分以内"
    else:
        adj = contiguity(m)
        adj_rule = "polygons within 200 m (fuzzy contiguity) / 境界が接する（200 m 以内）"
    adj, added = link_islands(adj, T)
    notes = []
    if cost is not None:
        parse_rule(rule)  # fail early on a bad rule
        check_total_yen(cost)  # and on a total beyond 10^15 yen
    if groups:
        gdf, _ = read_csv_table(groups, "グループ表", "grouping CSV")
        labels = read_groups(gdf, codes, path=groups)
        method_used = "user"
        k_used = len(set(labels.tolist()))
    else:
        if k is None:
            raise ParameterError("--k（グループ数）か --groups（グループ表）を指定してください。", "give --k or --groups")
        lab = regionalize(T, pop, adj, k, min_pop, starts=starts, seed=seed, names=names)
        labels = np.array([str(x + 1) for x in lab])
        method_used = "regionalize"
        k_used = k
    tm = io.matrix(region, io.candidate_sites(region))
    sites = io.candidate_sites(region)
    gs = evaluate(labels, codes, names, pop, adj, tm.minutes, region.demand["population"].to_numpy(float),
                  region.demand["muni_code"].astype(str), sites["site_id"], sites["name"], sites["muni_code"], min_pop)
    out = {
        "region": region.name, "demand_rule": io.demand_rule(region), "k": k_used, "min_pop": min_pop, "method": method_used, "adjacency": adj_rule,
        "travel_time_method": method, "host_rule": "1-median over the group's candidate sites, weighted by its demand points / グループ内の候補地のうち人口加重平均時間が最小",
        "islands_linked": [{"from": names[i], "to": names[j]} for i, j in added],
        "municipalities_without_site": no_site,
        "groups": [g.to_dict() for g in gs],
        "labels": dict(zip(codes, labels.tolist())),
        "all_connected": all(g.connected for g in gs),
        "all_meet_min": all(g.meets_min for g in gs),
        "notes": notes,
    }
    if cost is not None:
        use_map = None
        if use:
            u, _ = read_csv_table(use, "利用量 CSV ", "use CSV")
            if not {"code", "use"} <= set(u.columns):
                raise InputFileError("利用量 CSV には code,use の列が必要です。", "the use CSV needs columns code,use", path=use)
            use_map = dict(zip(u["code"].astype(str).str.zfill(5), pd.to_numeric(u["use"], errors="coerce")))
        for g, gd in zip(gs, out["groups"]):
            mem = pd.DataFrame({"code": g.codes, "name": g.names,
                                "population": [pop[codes.index(c)] for c in g.codes]})
            if use_map is not None:
                mem["use"] = [use_map.get(c, np.nan) for c in g.codes]
            gd["cost_share"] = split_cost(cost, mem, rule).to_dict()
    return out


def _run(args) -> int:
    from madoguchi import planning_io as io

    region = io.load_region(args.region)
    out = run_partner(region, k=args.k, min_pop=args.min_pop, groups=args.groups, link_min=args.link_min, cost=args.cost,
                      rule=args.rule, use=args.use, starts=args.starts, seed=args.seed)
    if args.scenario_out:
        io.write_scenario(args.scenario_out, region, partnership={k: v for k, v in out.items() if k != "region"})
        out["scenario_out"] = args.scenario_out
    return io.emit(out, args.json, _print)


def _f(x, nd=0):
    from madoguchi.planning_io import fmt_num

    return fmt_num(x, nd)


def _print(out: dict) -> None:
    print(f"地域 / region: {out['region']}   グループ数 / groups: {out['k']}   最低人口 / min population: {_f(out['min_pop'])}")
    print(f"隣接 / neighbours: {out['adjacency']}   所要時間 / travel time: {out['travel_time_method']}"
          + ("（推定 / estimate）" if out["travel_time_method"] != "road" else ""))
    print(f"人口の配分 / demand rule: {out['demand_rule'].get('rule')}  {out['demand_rule'].get('description') or ''}")
    for lk in out["islands_linked"]:
        print(f"  隣接のない地域を最短時間の市町村につないだ: {lk['from']} → {lk['to']}")
    for g in out["groups"]:
        flags = ("" if g["connected"] else "  ⚠ 飛び地 / not connected") + ("" if g["meets_min"] else "  ⚠ 最低人口未満 / below minimum")
        print(f"グループ {g['group']}: 人口 {_f(g['population'])}  拠点候補 / host: {g['host_name']}  "
              f"平均 {_f(g['mean_min'], 1)} 分 / 最大 {_f(g['worst_min'], 1)} 分{flags}")
        print("    " + "、".join(g["names"]))
        if "cost_share" in g:
            cs = g["cost_share"]
            rule = "＋".join(f"{k} {v * 100:g}%" for k, v in cs["rule_ja"].items())
            print(f"    費用分担 / cost ({cs['total_yen']:,} 円, {rule}):")
            for mbr in cs["members"]:
                print(f"      {mbr['name']:<8} {mbr['amount_yen']:>14,} 円")
    if out.get("scenario_out"):
        print(f"シナリオに保存 / saved: {out['scenario_out']}")
