"""`madoguchi region build|info|list`: build a region bundle from public data and show its counts."""

from __future__ import annotations

import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("region", help="地域データ（境界・人口・集落・候補地・道路）/ region bundle")
    rsub = p.add_subparsers(dest="region_cmd", metavar="SUBCOMMAND")

    b = rsub.add_parser("build", help="地域データを作成 / build a region bundle")
    b.add_argument("--pref", default="08", help="都道府県コード (01-47, default 08 茨城県)")
    b.add_argument("--data", help="データフォルダ (default: $MADOGUCHI_DATA, ../shared/geodata, data/embedded)")
    b.add_argument("--boundaries", help="N03 行政区域 (GeoJSON / Shapefile / zip / GeoPackage)")
    b.add_argument("--encoding", help="境界ファイルの文字コード (例 cp932)。既定は自動判別")
    b.add_argument("--population", help="人口 CSV (area_code,area_name,population)")
    b.add_argument("--pop-code-col", default="area_code", help="人口 CSV のコード列 (default area_code)")
    b.add_argument("--pop-value-col", default="population", help="人口 CSV の人口列 (default population)")
    b.add_argument("--pop-encoding", help="人口 CSV の文字コード (既定は自動: UTF-8/BOM/Shift-JIS)")
    b.add_argument("--settlements", help="Geolonia の市区町村別 JSON フォルダ")
    g = b.add_mutually_exclusive_group()
    g.add_argument("--roads", help="道路データ (.osm / .osm.pbf / 道路線 .gpkg/.shp/.geojson)")
    g.add_argument("--download-roads", action="store_true", help="道路網を OSM からダウンロード (osmnx)")
    b.add_argument(
        "--download",
        action="store_true",
        help="境界 (N03) と集落 (Geolonia) を公開元からダウンロードして作成 (URL は環境変数で変更可)",
    )
    b.add_argument("--sites", help="候補地・既存窓口 CSV (name + lat,lon または address)")
    b.add_argument("--welfare-overrides", help="福祉事務所の上書き CSV (code,has_welfare_office)")
    b.add_argument("--settings", help="設定 JSON (速度表・迂回率・人口配分ルール)")
    b.add_argument("--out", help="出力フォルダ (default data/regions/<romaji>-<code>)")
    b.add_argument("--json", action="store_true", help="結果を JSON で出力")
    b.set_defaults(func=_build)

    i = rsub.add_parser("info", help="地域データの概要 / show counts")
    i.add_argument("dir", help="地域データのフォルダ、または都道府県コード")
    i.add_argument("--json", action="store_true", help="JSON で出力")
    i.set_defaults(func=_info)

    ls = rsub.add_parser("list", help="作成済みの地域データ一覧 / list built bundles")
    ls.add_argument("--root", help="フォルダ (default data/regions)")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _build(args) -> int:
    from tqdm import tqdm

    from geo.region import build_region, region_info
    from geo.settings import Settings

    settings = Settings.from_file(args.settings) if args.settings else None
    bar = tqdm(
        total=100,
        desc="地域データ作成",
        unit="%",
        file=sys.stderr,
        disable=None,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}",
    )

    def progress(frac: float, msg: str) -> None:
        bar.set_postfix_str(msg)
        bar.update(max(0, round(frac * 100) - bar.n))

    try:
        out = build_region(
            args.pref,
            boundaries=args.boundaries,
            population=args.population,
            settlements=args.settlements,
            roads=args.roads,
            download_roads=args.download_roads,
            sites=args.sites,
            welfare_overrides=args.welfare_overrides,
            out_dir=args.out,
            encoding=args.encoding,
            pop_code_col=args.pop_code_col,
            pop_value_col=args.pop_value_col,
            pop_encoding=args.pop_encoding,
            settings=settings,
            data=args.data,
            progress=progress,
            download=args.download,
        )
    finally:
        bar.close()
    import json

    manifest = json.loads((Path(out) / "manifest.json").read_text(encoding="utf-8"))
    info = region_info(manifest)
    info["path"] = str(out)
    _print(info, args.json, getattr(args, "lang", "ja"))
    return 0


def _info(args) -> int:
    from geo.region import Region
    from madoguchi.planning.region import resolve_region_dir

    region = Region.load(resolve_region_dir(args.dir))
    info = region.info()
    info["path"] = str(region.path)
    _print(info, args.json, getattr(args, "lang", "ja"))
    return 0


def _list(args) -> int:
    from geo.region import list_regions
    from madoguchi.cli import print_json

    rows = list_regions(args.root)
    if args.json:
        print_json(rows)
    else:
        if not rows:
            print("作成済みの地域データはありません（madoguchi region build --pref 08）")
        for r in rows:
            print(f"{r['pref_code']} {r['pref_name']}  {r['path']}  （作成 {r['built']}）")
    return 0


def _print(info: dict, as_json: bool, lang: str = "ja") -> None:
    from madoguchi.cli import print_json

    if as_json:
        print_json(info)
        return
    c = info
    excl = "、".join(f"{e['name']}（{e['reason']}）" for e in c.get("excluded", [])) or "なし"
    unknown = "、".join(c.get("population_unknown", [])) or "なし"
    road = {
        "osm": "OpenStreetMap 道路網",
        "lines": "道路線データ",
        "estimate": "道路データなし（直線距離×迂回率による推定）",
    }.get(c["road_source"], c["road_source"])
    lines = [
        f"地域: {c['pref_name']}（{c['pref_code']}）  {c.get('path', '')}",
        f"市区町村: {c['municipalities']}（市 {c['cities']}、町村 {c['towns_villages']}）",
        f"福祉事務所: 設置 {c['with_welfare_office']}、未設置（県所管）{c['without_welfare_office']}",
        f"人口（令和2年国勢調査速報）: {c['population_total']:,} 人　人口不明: {unknown}",
        f"分析対象外の行: {excl}",
        (
            f"需要点: {c['demand_points']:,}（集落代表点 {c['demand_points_from_settlements']:,}、推定点 {c['demand_points_fallback']}）"
            f"　座標なしの代表点: {c['settlement_points_without_coords']}　境界外の代表点: {c['settlement_points_outside_muni']}"
        ),
        f"人口配分ルール: {c.get('demand_rule_description', '')}（{c.get('demand_rule', '')}）",
        f"候補地: {c['candidate_sites']}（既存窓口 {c.get('existing_sites', 0)}）",
        f"道路: {road}　ノード {c['road_nodes']:,}、リンク {c['road_edges']:,}",
        f"推定の前提: 迂回率 {c['circuity']}、平均速度 {c['estimate_speed_kmh']} km/h",
    ]
    if c.get("settlement_fallback"):
        lines.append(f"集落データなし（推定点で代替）: {'、'.join(c['settlement_fallback'])}")
    for w in c.get("warnings", []):
        lines.append(f"注意: {w}")
    print("\n".join(lines))
