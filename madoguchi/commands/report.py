"""`madoguchi report --region DIR --scenario FILE [--compare FILE] --out PATH`: a report that
stands on its own (PDF, HTML, XLSX or GeoPackage, chosen by the extension of --out)."""
from __future__ import annotations

from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("report", help="レポート作成 (PDF / HTML / XLSX / GeoPackage) / write a report")
    p.add_argument("--region", required=True, help="地域データのフォルダ（または都道府県コード）")
    p.add_argument("--scenario", required=True, help="シナリオ JSON ファイル")
    p.add_argument("--compare", help="比較するシナリオ JSON ファイル（比較ページを追加）")
    p.add_argument("--out", required=True, help="出力ファイル: .pdf / .html / .xlsx / .gpkg")
    p.add_argument("--json", action="store_true", help="結果の要約を JSON で出力")
    p.set_defaults(func=_run)


def resolve_region_dir(d: str) -> Path:
    """A folder, or a prefecture code ('08') meaning data/regions/<romaji>-<code>."""
    p = Path(d)
    if p.is_dir() or not (d.isdigit() and len(d) <= 2):
        return p
    from geo.region import default_region_dir

    return default_region_dir(d)


def load_scenario_file(path: str | Path, region=None):
    """Read a scenario JSON; broken, foreign, oversized or other-region files raise InputFileError.

    `region` (a geo.region.Region, optional): the scenario's `region` must then be that bundle's
    name or folder name (an empty `region` field is accepted).
    """
    import json

    from core.errors import InputFileError
    from geo.scenario_store import MAX_SCENARIO_BYTES
    from models.scenario import Scenario

    p = Path(path)
    if not p.is_file():
        raise InputFileError("シナリオファイルが見つかりません。", "scenario file not found", path=p)
    size = p.stat().st_size
    if size > MAX_SCENARIO_BYTES:
        raise InputFileError(f"ファイルが大きすぎます ({size / 1e6:.1f} MB)。Madoguchi のシナリオではありません。",
                             f"file too large ({size / 1e6:.1f} MB): not a Madoguchi scenario", path=p)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise InputFileError(f"シナリオファイルが壊れています（JSON として読めません: {e}）。",
                             f"scenario file is corrupted (not valid JSON: {e})", path=p)
    sc = Scenario.from_dict(data, source=str(p))
    if region is not None and sc.region and sc.region not in {str(region.name), region.path.name}:
        raise InputFileError(f"別の地域 ({sc.region}) のシナリオです。地域 {region.name} では使えません。",
                             f"scenario belongs to region {sc.region}, not {region.name}", path=p)
    return sc


def _run(args) -> int:
    from geo.region import Region
    from madoguchi.cli import print_json
    from madoguchi.reports import build_report, format_for

    fmt = format_for(args.out)  # refuse an unknown extension before any work
    region = Region.load(resolve_region_dir(args.region))
    scenario = load_scenario_file(args.scenario, region)
    other = load_scenario_file(args.compare, region) if args.compare else None
    data = build_report(region, scenario, args.out, compare_with=other)
    s = data.summary
    summary = {"out": str(Path(args.out)), "format": fmt, "scenario": scenario.name, "region": region.path.name,
               "method": data.method_label, "population": s["population"],
               "unreachable_population": s["unreachable_population"],
               "share_pct": {f"{t:g}": s["share"][t] for t in data.thresholds},
               "tables": [t.key for t in data.tables], "layers": sorted(data.layers)}
    if args.json:
        from geo.scenario_store import json_clean

        print_json(json_clean(summary))
    else:
        shares = "、".join(f"{t:g}分以内 {s['share'][t]:.1f}%" for t in data.thresholds)
        print(f"レポートを書き出しました: {args.out}（{fmt.upper()}）　{shares}　"
              f"到達不可 {s['unreachable_population']:,.0f} 人　算出方法: {data.method_label}")
    return 0
