"""`madoguchi traveltime --region DIR`: demand x site travel-time matrix, its summary and islands."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("traveltime", help="所要時間行列（需要点×拠点）/ travel-time matrix")
    p.add_argument("--region", required=True, help="地域データのフォルダ、または都道府県コード")
    p.add_argument("--sites", help="拠点 CSV（既定: 地域データの候補地）")
    p.add_argument("--links", help="フェリー・橋の連絡路 CSV (from_lat,from_lon,to_lat,to_lon,minutes[,name])")
    p.add_argument("--cutoff", type=float, help="この分数を超える組は到達不能として扱う")
    p.add_argument("--out", help="行列の出力先 (.npz または .parquet)")
    p.add_argument("--isochrones", help="到達圏ポリゴンの出力先 (.geojson / .gpkg)")
    p.add_argument("--thresholds", default="15,30,45,60", help="到達圏の分 (default 15,30,45,60)")
    p.add_argument("--no-cache", action="store_true", help="キャッシュを使わない")
    p.add_argument("--json", action="store_true", help="JSON で出力")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from core.errors import ParameterError
    from geo.atomic import check_replace, replace_file, temp_path_beside
    from madoguchi.cli import print_json
    from madoguchi.planning.region import load_region
    from madoguchi.planning.traveltime import run_traveltime, site_isochrones

    # outputs are checked before the work: a planner's own file is never replaced
    if args.out:
        path = Path(args.out)
        if path.suffix.lower() not in (".npz", ".parquet"):
            raise ParameterError("--out は .npz または .parquet にしてください。", "--out must end in .npz or .parquet")
        check_replace(path, "madoguchi")
    if args.isochrones:
        iso_path = Path(args.isochrones)
        iso_ext = iso_path.suffix.lower()
        if iso_ext not in (".geojson", ".gpkg"):
            raise ParameterError(
                "--isochrones は .geojson または .gpkg にしてください。", "--isochrones must end in .geojson or .gpkg"
            )
        check_replace(iso_path, "madoguchi")
    region = load_region(args.region)
    out, tm, sites = run_traveltime(region, args.sites, args.links, args.cutoff, not args.no_cache)
    if args.out:
        tm.save(
            path,
            row_ids=region.demand["point_id"].to_numpy(),
            col_ids=sites["site_id"].astype(str).to_numpy(),
            replace_policy="madoguchi",
        )
        out["out"] = str(path)
    if args.isochrones:
        th = [float(x) for x in args.thresholds.split(",") if x.strip()]
        iso = site_isochrones(region, sites, th, args.links)
        tmp = temp_path_beside(iso_path, iso_ext)
        try:
            iso.to_file(tmp, driver="GPKG" if iso_ext == ".gpkg" else "GeoJSON")
            replace_file(tmp, iso_path, replace_policy="madoguchi")
        finally:
            if tmp.exists():
                tmp.unlink()
        out["isochrones"] = str(args.isochrones)
    if args.json:
        print_json(out)
    else:
        _print_text(out)
    return 0


def _print_text(o: dict) -> None:
    method_ja = {"road": "道路", "mixed": "道路＋推定（混在）", "estimate": "推定（直線距離×迂回率÷速度）"}[o["method"]]
    share = "不明" if o["road_share_population"] is None else f"{o['road_share_population'] * 100:.1f}%"
    lines = [
        f"所要時間: {method_ja}　需要点 {o['demand_points']:,} × 拠点 {o['sites']}　計算 {o['seconds']:.2f} 秒",
        f"道路による時間の人口割合: {share}　最大スナップ距離: {o['max_snap_m'] if o['max_snap_m'] is not None else '-'} m",
        (
            f"到達不能: 需要点 {o['unreachable_demand_points']:,}、人口 {o['unreachable_population']:,.0f} 人　"
            f"道路網の連結成分 {o['road_components'] or 0}、陸地のまとまり {o['landmasses']}"
        ),
        f"推定の前提: {o['estimate_rule']['ja'] if o.get('estimate_rule') else ''}",
    ]
    for r in o["unreachable_municipalities"]:
        lines.append(
            f"  到達できる拠点なし: {r['name']}（需要点 {r['demand_points']}、人口 {r['population']:,.0f} 人）"
            "— 連絡路 (--links) がなければ道路・陸路では到達できません"
        )
    if o.get("out"):
        lines.append(f"行列を書き出しました: {o['out']}")
    print("\n".join(lines))
