"""`madoguchi roads info|calibrate --roads FILE`: inspect a road file, measure circuity and speed."""

from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("roads", help="道路データ / road graph")
    rsub = p.add_subparsers(dest="roads_cmd", metavar="SUBCOMMAND")
    for name, func, help_text in (
        ("info", _info, "道路ファイルの概要 / summary of a road file"),
        ("calibrate", _calibrate, "迂回率と実効速度を測定 / measure circuity and effective speed"),
    ):
        q = rsub.add_parser(name, help=help_text)
        q.add_argument(
            "--roads", required=True, help=".osm / .osm.pbf / 道路線 (.gpkg/.shp/.geojson)、または地域フォルダの roads/"
        )
        q.add_argument("--class-col", help="道路線レイヤーの種別列")
        q.add_argument("--speed-col", help="道路線レイヤーの速度列 (km/h)")
        q.add_argument("--settings", help="設定 JSON（速度表）")
        q.add_argument("--json", action="store_true", help="JSON で出力")
        if name == "calibrate":
            q.add_argument("--pairs", type=int, default=1000, help="抽出するノード対の数 (default 1000)")
            q.add_argument("--seed", type=int, default=0)
            q.add_argument("--min-km", type=float, default=1.0, help="直線距離がこれ未満の対は除く (default 1 km)")
        q.set_defaults(func=func)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _load(args):
    from pathlib import Path

    from geo.roads import RoadGraph, load_roads

    p = Path(args.roads)
    if p.is_dir() and (p / "roads.npz").is_file():
        return RoadGraph.load(p)
    if p.is_dir() and (p / "roads" / "roads.npz").is_file():
        return RoadGraph.load(p / "roads")
    return load_roads(p, class_col=args.class_col, speed_col=args.speed_col)


def _settings(args):
    from geo.settings import Settings

    return Settings.from_file(args.settings) if args.settings else Settings()


def _info(args) -> int:
    from madoguchi.cli import print_json

    g = _load(args)
    out = g.summary()
    if args.json:
        print_json(out)
    else:
        print(
            f"道路: {out['road_source']}　ノード {out['nodes']:,}　リンク {out['edges']:,}　延長 {out['length_km']:,} km"
            f"　連結成分 {out['components']}（最大 {out['largest_component_nodes']:,} ノード）"
        )
        print("種別: " + "、".join(f"{k} {v}" for k, v in out["classes"].items()))
    return 0


def _calibrate(args) -> int:
    from core.errors import ParameterError
    from geo.calibrate import calibrate
    from madoguchi.cli import print_json

    if args.pairs < 10:
        raise ParameterError("--pairs は 10 以上にしてください。", "--pairs must be >= 10")
    g = _load(args)
    out = calibrate(g, _settings(args), pairs=args.pairs, seed=args.seed, min_km=args.min_km)
    out["roads"] = str(args.roads)
    if args.json:
        print_json(out)
    else:
        cur = out["current_settings"]
        print(f"較正（{out['pairs']} 組、直線距離の中央値 {out['straight_km_median']} km）")
        print(
            f"  迂回率 (道路距離/直線距離の中央値): {out['circuity']}　（四分位 {out['circuity_p25_p75']}）　現在の設定 {cur['circuity']}"
        )
        print(f"  実効速度 (道路距離/所要時間の中央値): {out['effective_speed_kmh']} km/h")
        print(
            f"  推定式の速度 (直線×迂回率/時間の中央値): {out['estimate_speed_kmh']} km/h　現在の設定 {cur['estimate_speed_kmh']} km/h"
        )
    return 0
