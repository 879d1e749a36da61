"""`madoguchi national`: every prefecture's question side by side, one Dask task per prefecture."""

from __future__ import annotations

import sys


def register(sub) -> None:
    p = sub.add_parser("national", help="全国比較（都道府県ごとの町村の窓口配置）/ national comparison on Dask")
    p.add_argument("--pref", help="都道府県コード（例 07,20,43。既定: 全 47）")
    p.add_argument("--workers", type=int, help="LocalCluster のワーカー数（既定: CPU コア数）")
    p.add_argument("--scheduler", help="既存の Dask スケジューラ（例 tcp://HOST:8786）")
    p.add_argument(
        "--cache-dir", help="結果キャッシュのフォルダ（既定 data/cache/national, 環境変数 MADOGUCHI_NATIONAL_CACHE）"
    )
    p.add_argument("--no-cache", action="store_true", help="キャッシュを使わず再計算（キャッシュは更新）")
    p.add_argument("--data", help="データフォルダ（既定: $MADOGUCHI_DATA, ../shared/geodata）")
    p.add_argument("--json", action="store_true", help='JSON {"rows": [...]} を出力')
    p.add_argument("--xlsx", help="表を XLSX に保存")
    p.add_argument("--pdf", help="全国地図と表を PDF に保存")
    p.add_argument("--html", help="全国地図と表を HTML に保存")
    p.add_argument(
        "--color-by",
        default="population_without_welfare_office",
        help="地図の色分けに使う列（例 lscp_hubs_30, baseline_share_30, pmedian_mean_min_1）",
    )
    p.set_defaults(func=_run)


def _run(args) -> int:
    from tqdm import tqdm

    from core.errors import ParameterError
    from madoguchi.cli import print_json
    from madoguchi.planning.national import COLOR_COLUMNS, parse_prefs, run_national

    if args.color_by not in COLOR_COLUMNS:
        raise ParameterError(
            f"--color-by に使える列: {', '.join(COLOR_COLUMNS)}（指定: {args.color_by}）",
            f"--color-by must be one of {', '.join(COLOR_COLUMNS)} (got {args.color_by})",
        )
    prefs = parse_prefs(args.pref)
    bar = tqdm(total=len(prefs), desc="全国比較", unit="県", file=sys.stderr, disable=None)

    def progress(done: int, total: int, code: str) -> None:
        bar.set_postfix_str(code)
        bar.update(done - bar.n)

    try:
        res = run_national(
            prefs,
            workers=args.workers,
            scheduler=args.scheduler,
            cache_dir=args.cache_dir,
            use_cache=not args.no_cache,
            data=args.data,
            progress=progress,
        )
    finally:
        bar.close()
    written = []
    if args.xlsx or args.pdf or args.html:
        from madoguchi.reports.national import write_national

        for path in (args.xlsx, args.pdf, args.html):
            if path:
                written.append(str(write_national(res, path, color_by=args.color_by)))
    if args.json:
        print_json({"rows": res.rows, "totals": res.totals(), "meta": res.meta, "written": written})
        return 0
    _print_table(res)
    for w in written:
        print(f"保存: {w}")
    return 0


def _print_table(res) -> None:
    m = res.meta
    print(
        f"全国比較: {m['prefectures']} 都道府県（キャッシュ {m['from_cache']}、計算 {m['computed']}、"
        f"ワーカー {m['workers']}、{m['seconds']} 秒）"
    )
    print(
        "県  名前      市町村  人口        町村(事務所なし) 人口      市へ30分  LSCP30/45/60  p1平均 p3平均 到達不能 方法"
    )
    for r in res.rows:
        share = r["baseline_share"].get("30")
        pm = r.get("pmedian") or {}
        p1 = (pm.get("1") or {}).get("mean_min")
        p3 = (pm.get("3") or {}).get("mean_min")
        h = r["lscp_hubs"]
        print(
            f"{r['pref_code']}  {r['pref_name']:<5} {r['municipalities']:>5}  {r['population_total']:>11,}  "
            f"{r['towns_villages_without_welfare_office']:>4}  {r['population_without_welfare_office']:>11,}  "
            f"{'-' if share is None else f'{share:.1%}':>7}  {h.get('30')}/{h.get('45')}/{h.get('60')}  "
            f"{p1}  {p3}  {r['unreachable_population']:,}  {r['method_ja']}"
        )
    t = res.totals()
    print(
        f"合計: 市町村 {t['municipalities']:,}、人口 {t['population_total']:,}、"
        f"福祉事務所のない町村 {t['towns_villages_without_welfare_office']:,}（{t['population_without_welfare_office']:,} 人）"
    )
