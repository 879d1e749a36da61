"""`madoguchi report --region DIR --scenario FILE [--compare FILE] --out PATH [--lang ja|en]`: a report
that stands on its own (PDF, HTML, XLSX or GeoPackage, chosen by the extension of --out), in Japanese
(default) or English."""

from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("report", help="レポート作成 (PDF / HTML / XLSX / GeoPackage) / write a report")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--scenario", required=True, help="シナリオ JSON ファイル")
    p.add_argument("--compare", help="比較するシナリオ JSON ファイル（比較ページを追加）")
    p.add_argument("--out", required=True, help="出力ファイル: .pdf / .html / .xlsx / .gpkg")
    p.add_argument(
        "--lang",
        choices=["ja", "en"],
        default="ja",
        help="レポートの言語: ja（日本語、既定）または en（English） / report language",
    )
    p.add_argument("--json", action="store_true", help="結果の要約を JSON で出力")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from madoguchi.cli.output import print_json
    from madoguchi.i18n import t
    from madoguchi.planning import load_region, read_scenario_file
    from madoguchi.reports import build_report, format_for

    fmt = format_for(args.out)  # refuse an unknown extension before any work
    region = load_region(args.region)
    scenario = read_scenario_file(args.scenario, region)
    other = read_scenario_file(args.compare, region) if args.compare else None
    lang = getattr(args, "lang", "ja") or "ja"
    data = build_report(region, scenario, args.out, compare_with=other, lang=lang)
    s = data.summary
    summary = {
        "out": str(Path(args.out)),
        "format": fmt,
        "scenario": scenario.name,
        "region": region.path.name,
        "lang": lang,
        "method": data.method_label,
        "method_code": data.method,
        "population": s["population"],
        "unreachable_population": s["unreachable_population"],
        "share_pct": {f"{t:g}": s["share"][t] for t in data.thresholds},
        "tables": [t.key for t in data.tables],
        "layers": sorted(data.layers),
    }
    if args.json:
        print_json(summary)
    else:
        from madoguchi.i18n import join_list

        shares = join_list(
            (t("rep_cli_share", lang, t=f"{x:g}", p=f"{s['share'][x]:.1f}") for x in data.thresholds), lang
        )
        print(
            t(
                "rep_cli_done",
                lang,
                out=args.out,
                fmt=fmt.upper(),
                shares=shares,
                unreach=f"{s['unreachable_population']:,.0f}",
                method=data.method_label,
            )
        )
    return 0
