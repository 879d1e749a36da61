"""Region bundle: build (sources -> data/regions/<name>/), load (< 2 s), info (counts).

A bundle is a folder of GeoParquet files plus manifest.json (sources, dates, licences,
settings, counts, excluded rows, warnings) and optionally roads/ (geo.roads.RoadGraph.save).
Builds go to a temp folder that is renamed into place only when complete
(geo.atomic.atomic_directory): a failed build leaves nothing behind and never harms an
existing bundle.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import InputFileError
from geo.atomic import atomic_directory, check_directory_target, recover_directory, write_json_atomic
from geo.paths import DEFAULT_REGIONS_DIR, data_root
from geo.prefectures import PREFECTURES, normalize_pref_code, pref_romaji
from geo.settings import Settings

FORMAT = "madoguchi-region"
VERSION = 1
Progress = Callable[[float, str], None]

# Known public sources (titles, dates, licences, credits copied from the shared README).
N03_SOURCE = {
    "title": "国土数値情報 行政区域データ（N03）",
    "publisher": "国土交通省",
    "licence": "国土数値情報利用約款（出典明記で加工・再配布可）",
    "credit": "「国土数値情報（行政区域データ）」（国土交通省）を加工して作成",
    "note": "1% に簡略化した版（SmartNews Media Research Institute, github: smartnews-smri/japan-topography）",
}
CENSUS_SOURCE = {
    "title": "令和2年国勢調査 人口速報集計（市区町村別人口）",
    "publisher": "総務省統計局",
    "date": "2020-10-01",
    "licence": "政府統計の総合窓口（e-Stat）利用規約（出典明記で利用可, CC BY 4.0 互換）",
    "credit": "総務省統計局「令和2年国勢調査 人口速報集計」",
    "note": "e-Stat table 0003433219, extracted to CSV in github: YutoKamei/dstokuron_kamei",
}
GEOLONIA_SOURCE = {
    "title": "Geolonia 住所データ（japanese-addresses, api/ja）",
    "publisher": "株式会社Geolonia / 国土交通省 位置参照情報",
    "date": "2024-01-15",
    "licence": "CC BY 4.0",
    "credit": "「Geolonia 住所データ」（株式会社Geolonia）, 「位置参照情報」（国土交通省）",
}
# Municipalities with N03 boundaries but outside the census (Hokkaido's Northern Territories villages).
_NT = (
    "北方領土の村: 境界はあるが国勢調査の人口がないため人口の集計・分析から除外（0 人ではなく不明）",
    "Northern Territories village: has boundaries but no census population; left out of population figures (unknown, not zero)",
)
NO_CENSUS_CODES = {c: _NT for c in ("01695", "01696", "01697", "01698", "01699", "01700")}

OSM_SOURCE = {
    "title": "OpenStreetMap",
    "publisher": "OpenStreetMap contributors",
    "licence": "ODbL 1.0",
    "credit": "© OpenStreetMap contributors",
}


def default_region_dir(pref_code: str | int, root: str | Path | None = None) -> Path:
    """The default bundle folder of a prefecture, e.g. data/regions/ibaraki-08.

    Parameters
    ----------
    pref_code : str or int
        01..47.
    root : str or Path, optional
        Regions folder (default `geo.paths.DEFAULT_REGIONS_DIR`).

    Returns
    -------
    pathlib.Path
        ``<root>/<romaji>-<code>`` (not created).
    """
    code = normalize_pref_code(pref_code)
    return Path(root or DEFAULT_REGIONS_DIR) / f"{pref_romaji(code)}-{code}"


@dataclass
class Region:
    """A loaded region bundle (see docs/ARCHITECTURE.md for the columns)."""

    path: Path
    manifest: dict
    settings: Settings
    municipalities: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame | None
    demand: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    roads: object | None = None
    _geocoder: object | None = field(default=None, repr=False, compare=False)

    @property
    def pref_code(self) -> str:
        return self.manifest["pref_code"]

    @property
    def name(self) -> str:
        return self.manifest.get("name", self.path.name)

    def union_polygon(self) -> Any:
        """The region's land as one (multi)polygon.

        Returns
        -------
        shapely geometry
            Union of the municipality boundaries, EPSG:4326 (degrees).
        """
        return shapely.union_all(np.asarray(self.municipalities.geometry.values))

    @classmethod
    def load(cls, path: str | Path) -> Region:
        """Load a built bundle (GeoParquet + manifest; roads if present).

        An interrupted rebuild (journal left by `geo.atomic.atomic_directory`) is recovered first.

        Parameters
        ----------
        path : str or Path
            The bundle folder.

        Returns
        -------
        Region

        Raises
        ------
        core.errors.InputFileError
            If the folder is not a bundle or a file cannot be read.
        """
        path = Path(path)
        recover_directory(path)  # a build killed mid-swap: put the old bundle back first
        mf = path / "manifest.json"
        if not mf.exists():
            raise InputFileError(
                "地域データ（manifest.json）が見つかりません。先に madoguchi region build を実行してください。",
                "no region bundle here (manifest.json missing); run madoguchi region build first",
                path=path,
            )
        try:
            manifest = json.loads(mf.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as e:
            raise InputFileError(
                f"manifest.json が壊れています: {e}", f"manifest.json is corrupt: {e}", path=mf
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise InputFileError("地域データの manifest ではありません。", "not a region manifest", path=mf)
        try:
            munis = gpd.read_parquet(path / "municipalities.parquet")
            wards = gpd.read_parquet(path / "wards.parquet") if (path / "wards.parquet").exists() else None
            demand = gpd.read_parquet(path / "demand.parquet")
            sites = gpd.read_parquet(path / "sites.parquet")
        except (OSError, ValueError) as e:
            raise InputFileError(
                f"地域データのファイルを読めません: {e}", f"cannot read the region files: {e}", path=path
            ) from e
        roads = None
        if (path / "roads").is_dir():
            from geo.roads import RoadGraph

            roads = RoadGraph.load(path / "roads")
        return cls(path, manifest, Settings.from_dict(manifest.get("settings")), munis, wards, demand, sites, roads)

    def info(self) -> dict:
        """The counts printed by `madoguchi region info`.

        Returns
        -------
        dict
            See `region_info`; JSON-safe (no NaN).
        """
        return region_info(self.manifest)


def region_info(manifest: dict) -> dict:
    """The figures of a bundle manifest shown by ``madoguchi region info`` and the app.

    Parameters
    ----------
    manifest : dict
        A bundle's manifest.json.

    Returns
    -------
    dict
        name, pref_code, pref_name, every count (municipalities, population_total (persons),
        demand points, sites ...) and, where present, population_unknown, excluded, road_source,
        circuity, estimate_speed_kmh (km/h), demand rule, warnings and build time.
    """
    c = manifest["counts"]
    out = {"name": manifest.get("name"), "pref_code": manifest["pref_code"], "pref_name": manifest.get("pref_name")}
    out.update(c)
    for k in (
        "population_unknown",
        "excluded",
        "settlement_fallback",
        "road_source",
        "circuity",
        "estimate_speed_kmh",
        "demand_rule",
        "demand_rule_description",
        "warnings",
        "built",
    ):
        if k in manifest:
            out[k] = manifest[k]
    return out


def list_regions(root: str | Path | None = None) -> list[dict]:
    """Built bundles under `root`.

    Parameters
    ----------
    root : str or Path, optional
        Regions folder (default data/regions).

    Returns
    -------
    list of dict
        ``{path, name, pref_code, pref_name, built}`` per bundle, sorted by folder name; [] if none.
    """
    root = Path(root or DEFAULT_REGIONS_DIR)
    out: list[dict] = []
    if not root.is_dir():
        return out
    for d in sorted(root.iterdir()):
        mf = d / "manifest.json"
        if d.name.startswith(".") or not mf.exists():
            continue
        try:
            m = json.loads(mf.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if m.get("format") == FORMAT:
            out.append(
                {
                    "path": str(d),
                    "name": m.get("name", d.name),
                    "pref_code": m.get("pref_code"),
                    "pref_name": m.get("pref_name"),
                    "built": m.get("built"),
                }
            )
    return out


def ensure_region(pref_code: str = "08", progress: Progress | None = None, root: str | Path | None = None) -> Region:
    """Load the default bundle of a prefecture, building it from the found sources if missing.

    Parameters
    ----------
    pref_code : str
        01..47 (default '08', Ibaraki).
    progress : callable(fraction, message_ja), optional
        Build progress.
    root : str or Path, optional
        Regions folder (default data/regions).

    Returns
    -------
    Region

    Raises
    ------
    core.errors.MadoguchiError
        If the sources are missing or unreadable (nothing is written then).
    """
    d = default_region_dir(pref_code, root)
    if not (d / "manifest.json").exists():
        build_region(pref_code, out_dir=d, progress=progress)
    return Region.load(d)


# ----------------------------------------------------------------------------- sources


def find_sources(pref_code: str, root: Path) -> dict:
    """Default source files for a prefecture under a data root.

    Parameters
    ----------
    pref_code : str
        Two-digit code.
    root : pathlib.Path
        Data folder with boundaries/, population/, settlements/.

    Returns
    -------
    dict
        ``boundaries`` (newest N03 file of the prefecture), ``population`` (newest census CSV),
        ``settlements`` (its Geolonia folder); each a Path or None if not found.
    """
    from geo.settlements import find_settlement_dir

    b = None
    bdir = root / "boundaries"
    if bdir.is_dir():
        for ext in ("json", "geojson", "gpkg", "zip", "shp"):
            hits = sorted(bdir.glob(f"N03-*_{pref_code}_*.{ext}"))
            if hits:
                b = hits[-1]
                break
    pdir = root / "population"
    pop = None
    if pdir.is_dir():
        hits = sorted(pdir.glob("*.csv"))
        if hits:
            pop = hits[-1]
    return {"boundaries": b, "population": pop, "settlements": find_settlement_dir(root, pref_code)}


def _n03_date(path: Path) -> str | None:
    m = re.search(r"N03-\d{2,4}_\d{2}_(\d{2})(\d{2})(\d{2})", path.name)
    if m:
        return f"20{m.group(1)}-{m.group(2)}-{m.group(3)}"
    m = re.search(r"N03-(\d{2})", path.name)
    return f"20{m.group(1)}" if m else None


def _osm_date(path: Path) -> str | None:
    """Snapshot date of an OSM file: from its name (…_2023-01-05.osm.pbf) or its header timestamp."""
    m = re.search(r"(\d{4})-?(\d{2})-?(\d{2})", path.name)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    try:
        import osmium

        ts = (
            osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
            .header()
            .get("osmosis_replication_timestamp")
        )
        return ts[:10] if ts else None
    except Exception:
        return None


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


# ----------------------------------------------------------------------------- build


def build_region(
    pref_code: str | int = "08",
    *,
    boundaries: str | Path | None = None,
    population: str | Path | None = None,
    settlements: str | Path | None = None,
    roads: str | Path | None = None,
    download_roads: bool = False,
    sites: str | Path | None = None,
    welfare_overrides: str | Path | None = None,
    out_dir: str | Path | None = None,
    encoding: str | None = None,
    pop_code_col: str = "area_code",
    pop_value_col: str = "population",
    pop_encoding: str | None = None,
    settings: Settings | None = None,
    data: str | Path | None = None,
    name: str | None = None,
    progress: Progress | None = None,
    road_engine: str = "auto",
    download: bool = False,
    download_dir: str | Path | None = None,
) -> Path:
    """Build a region bundle (GeoParquet + manifest; roads if given) and return its folder.

    Parameters
    ----------
    pref_code : str or int
        Prefecture, 01..47 (or its name); default '08' (Ibaraki).
    boundaries, population, settlements : str or Path, optional
        N03 boundary file, census CSV, Geolonia folder; default: found under `data` (`find_sources`).
    roads : str or Path, optional
        OSM file (.osm/.osm.pbf) or road line layer; `download_roads=True` fetches the OSM drive
        network for the region instead (needs internet).
    sites : str or Path, optional
        Sites CSV (existing desks or candidates) added to the default town-hall candidates.
    welfare_overrides : str or Path, optional
        CSV overriding which municipalities have a welfare office.
    out_dir : str or Path, optional
        Bundle folder (default `default_region_dir(pref_code)`); an existing folder is replaced only
        if it is a Madoguchi bundle (atomically, `geo.atomic.atomic_directory`).
    encoding, pop_encoding : str, optional
        Attribute encoding of the boundary file / the census CSV (default: guessed).
    pop_code_col, pop_value_col : str
        Census CSV columns: municipality code and population (persons).
    settings : geo.settings.Settings, optional
        Speeds (km/h), circuity, snap threshold (m), demand rule.
    data : str or Path, optional
        Data folder (default `geo.paths.data_root()`).
    name : str, optional
        Display name of the region.
    progress : callable(fraction, message_ja), optional
    road_engine : {'auto', 'arrays', 'osmnx'}
        Engine for an OSM roads file (`geo.roads.load_roads`).
    download : bool
        First fetch the N03 boundaries and Geolonia points from their public sources
        (`geo.download`, cached in `download_dir`, default data/downloads); URLs and fetch dates go
        into the manifest. The census CSV still comes from the data folder.
    download_dir : str or Path, optional

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    core.errors.MadoguchiError
        Any bad or missing input (InputFileError / ParameterError name the file or setting);
        nothing is written then.
    """
    from geo.boundaries import read_boundaries
    from geo.demand import RULES, build_demand, describe_rule
    from geo.geocode import Geocoder
    from geo.population import read_population
    from geo.settlements import read_settlements
    from geo.sites import (
        TOWNHALL_RULE_EN,
        TOWNHALL_RULE_JA,
        _read_csv,
        default_candidates,
        read_sites_table,
        sites_report,
    )
    from geo.welfare import RULE_EN, RULE_JA, assign_welfare_offices, read_overrides

    t0 = time.perf_counter()
    prog = progress or (lambda f, m: None)
    code = normalize_pref_code(pref_code)
    pref_ja = PREFECTURES[code][0]
    settings = (settings or Settings()).validate()
    if settings.demand_rule not in RULES:
        describe_rule(settings.demand_rule)
    out_dir = Path(out_dir) if out_dir else default_region_dir(code)
    check_directory_target(out_dir)  # refuse a non-bundle folder, '.', '/', home ... before any work
    warnings: list[str] = []

    fetched = None
    if download:
        from geo.download import download_prefecture

        fetched = download_prefecture(code, download_dir, progress=lambda f, m: prog(0.04 * f, m))
        boundaries = boundaries or fetched["boundaries"]
        settlements = settlements or fetched["settlements"]
    need_root = boundaries is None or population is None or settlements is None
    root = data_root(data) if need_root else None
    found = find_sources(code, root) if root else {}
    b_path = Path(boundaries) if boundaries else found.get("boundaries")
    p_path = Path(population) if population else found.get("population")
    s_path = Path(settlements) if settlements else found.get("settlements")
    if settlements and s_path is not None and s_path.is_dir() and not any(s_path.glob("*.json")):
        from geo.settlements import find_settlement_dir

        s_path = find_settlement_dir(s_path, code) or s_path  # e.g. the settlements/ folder itself
    if b_path is None:
        raise InputFileError(
            f"{pref_ja}の境界ファイル（boundaries/N03-*_{code}_*.json 等）が見つかりません。--boundaries で指定してください。",
            f"no boundary file for prefecture {code} (boundaries/N03-*_{code}_*); pass --boundaries",
            path=root,
        )
    if p_path is None:
        raise InputFileError(
            "人口 CSV（population/*.csv）が見つかりません。--population で指定してください。",
            "no population CSV (population/*.csv); pass --population",
            path=root,
        )

    prog(0.05, "境界データを読み込み中")
    br = read_boundaries(b_path, code, encoding)
    munis = br.municipalities

    prog(0.15, "人口を読み込み中")
    pt = read_population(p_path, pop_code_col, pop_value_col, pop_encoding)
    munis["population"] = [pt.lookup(c) for c in munis["code"]]
    if br.wards is not None:
        # a designated city without its own total row: the sum of its wards, if all are known
        for city, g in br.wards.groupby("city_code"):
            m = munis["code"] == city
            vals = [pt.lookup(c) for c in g["code"]]
            if munis.loc[m, "population"].isna().all() and city not in pt.values and all(np.isfinite(vals)):
                munis.loc[m, "population"] = float(sum(vals))
                warnings.append(f"人口: {city} の市計の行がないため区の合計を使用")
    unknown = munis.loc[munis["population"].isna(), "code"].tolist()
    excluded = list(br.excluded)
    for c in unknown:
        n = munis.loc[munis["code"] == c, "name"].iloc[0]
        why = "値が空" if c in pt.values else "CSV に行がない"
        warnings.append(f"人口不明: {c} {n}（{why}）")
        if c in NO_CENSUS_CODES:
            # boundaries but no census population: excluded from every population figure, never zero
            excluded.append(
                {
                    "row": None,
                    "name": n,
                    "code": c,
                    "reason": NO_CENSUS_CODES[c][0],
                    "reason_en": NO_CENSUS_CODES[c][1],
                    "kept_in_municipalities": True,
                }
            )
    # cross-check against the prefecture total row when the file has one
    pref_total_row = pt.values.get(f"{code}000")

    prog(0.2, "福祉事務所の設置状況を判定中")
    overrides = read_overrides(welfare_overrides) if welfare_overrides else None
    munis, w = assign_welfare_offices(munis, overrides)
    warnings += w

    prog(0.3, "集落（大字・町丁目）代表点を読み込み中")
    if s_path is None:
        warnings.append("集落データが見つからないため、全市町村で境界内の推定点を使用")
        from geo.settlements import SettlementResult

        sr = SettlementResult(
            points=pd.DataFrame(columns=["muni_code", "ward", "town", "koaza", "lon", "lat", "inside_muni"])
        )
        sr.munis_without_file = munis["code"].tolist()
    else:
        sr = read_settlements(s_path, munis)
    for f in sr.files_unmatched:
        warnings.append(f"集落ファイル {f} はどの市町村にも一致しません（未使用）")
    have_pts = set(sr.points["muni_code"]) if len(sr.points) else set()
    fallback = [c for c in munis["code"] if c not in have_pts]
    for c in fallback:
        n = munis.loc[munis["code"] == c, "name"].iloc[0]
        warnings.append(f"集落データなし: {c} {n} は境界内の推定点で代替（source=fallback）")
    munis["settlement_source"] = np.where(munis["code"].isin(fallback), "fallback", "file")

    prog(0.45, "需要点を作成中")
    demand = build_demand(sr.points, munis, settings.demand_rule, fallback)

    prog(0.55, "候補地を作成中")
    cand = default_candidates(munis, demand)
    site_frames = [cand]
    sites_rep = None
    if sites:
        gc = Geocoder(munis, demand, cand, pref_ja)
        user = read_sites_table(_read_csv(Path(sites)), munis, gc, sites)
        clash = set(user["site_id"]) & set(cand["site_id"])
        if clash:
            raise InputFileError(
                f"site_id が既定の候補地と重複しています: {', '.join(sorted(clash)[:5])}",
                f"site_id clashes with default candidates: {', '.join(sorted(clash)[:5])}",
                path=sites,
            )
        sites_rep = sites_report(user)
        # a row with no coordinates (address not matched) cannot be a site: listed, not stored
        site_frames.append(user[user["lon"].notna()])
        for r in sites_rep["no_match"]:
            warnings.append(f"拠点 {r['name']}（{r['address']}）: 住所が一致せず座標なし（拠点として使えません）")
        for r in sites_rep["outside_region"]:
            warnings.append(f"拠点 {r['name']}: 座標が地域外です（lon={r['lon']}, lat={r['lat']}）")
    all_sites = pd.concat(site_frames, ignore_index=True)
    all_sites = gpd.GeoDataFrame(all_sites, geometry="geometry", crs="EPSG:4326")

    union = shapely.union_all(np.asarray(munis.geometry.values))
    graph = None
    road_meta: dict[str, Any] = {"road_source": "estimate"}
    if roads or download_roads:
        prog(0.65, "道路網を読み込み中")
        import geo.roads as groads

        graph = (
            groads.load_roads(
                roads, clip_polygon=union, engine=road_engine, progress=lambda f, m: prog(0.65 + 0.2 * f, m)
            )
            if roads
            else groads.download_roads(union)
        )
        meta = dict(getattr(graph, "meta", None) or getattr(graph, "source", None) or {})
        road_meta = {
            "road_source": str(getattr(graph, "road_source", meta.get("kind", "osm"))),
            "road_nodes": int(len(graph.node_id)),
            "road_edges": int(len(graph.u)),
            "road": meta,
        }

    prog(0.85, "地域データを書き込み中")
    n_wc = int(sum(sr.without_coords.values()))
    counts = {
        "municipalities": int(len(munis)),
        "cities": int((munis["kind"] == "市").sum()),
        "towns_villages": int(munis["kind"].isin(["町", "村"]).sum()),
        "towns": int((munis["kind"] == "町").sum()),
        "villages": int((munis["kind"] == "村").sum()),
        "with_welfare_office": int(munis["has_welfare_office"].sum()),
        "without_welfare_office": int((~munis["has_welfare_office"]).sum()),
        "population_total": int(np.nansum(munis["population"].to_numpy(float))),
        "population_without_welfare_office": int(
            np.nansum(munis.loc[~munis["has_welfare_office"], "population"].to_numpy(float))
        ),
        "population_unknown": unknown,
        "excluded": excluded,
        "demand_points": int(len(demand)),
        "demand_points_from_settlements": int((demand["source"] == "settlement").sum()),
        "demand_points_fallback": int((demand["source"] == "fallback").sum()),
        "settlement_files": int(len(sr.files_matched)),
        "settlement_files_unmatched": sr.files_unmatched,
        "settlement_points_total": int(sr.points_total),
        "settlement_points_without_coords": n_wc,
        "settlement_points_outside_muni": int(sum(sr.outside_muni.values())),
        "candidate_sites": int((all_sites["kind"] == "candidate").sum()),
        "existing_sites": int((all_sites["kind"] == "existing").sum()),
        "sites": int(len(all_sites)),
        "road_source": road_meta["road_source"],
        "road_nodes": road_meta.get("road_nodes", 0),
        "road_edges": road_meta.get("road_edges", 0),
        "circuity": settings.circuity,
        "estimate_speed_kmh": settings.estimate_speed_kmh,
    }
    if (
        pref_total_row is not None
        and np.isfinite(pref_total_row)
        and not unknown
        and int(pref_total_row) != counts["population_total"]
    ):
        warnings.append(f"人口合計 {counts['population_total']:,} が CSV の県計 {int(pref_total_row):,} と一致しません")
    b_src = dict(N03_SOURCE, path=str(b_path), date=_n03_date(b_path), encoding=br.encoding, rows_read=br.rows_read)
    s_src = dict(GEOLONIA_SOURCE, path=str(s_path) if s_path else None, files=len(sr.files_matched))
    p_src = dict(
        CENSUS_SOURCE, path=str(p_path), encoding=pt.encoding, code_column=pop_code_col, value_column=pop_value_col
    )
    if fetched is not None:
        rec = fetched["record"]
        b_src.update(url=rec["n03"]["url"], fetched=rec["n03"]["fetched"], bytes=rec["n03"]["bytes"])
        s_src.update(
            url=rec["geolonia"]["base_url"] + "/ja/<都道府県>/<市区町村>.json",
            index_url=rec["geolonia"]["index_url"],
            fetched=rec["geolonia"]["fetched"],
            bytes=rec["geolonia"]["bytes"],
        )
    sources: dict[str, dict[str, Any]] = {"boundaries": b_src, "population": p_src, "settlements": s_src}
    if graph is not None:
        sources["roads"] = dict(
            OSM_SOURCE,
            **{
                k: v
                for k, v in road_meta.get("road", {}).items()
                if isinstance(v, (str, int, float, bool)) or v is None
            },
        )
        sources["roads"].setdefault("path", str(roads) if roads else "download")
        sources["roads"]["date"] = _osm_date(Path(roads)) if roads else _now()[:10]
    if sites:
        sources["sites"] = {"path": str(sites), "title": "利用者指定の拠点 CSV", "report": sites_rep}
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": name or out_dir.name,
        "pref_code": code,
        "pref_name": pref_ja,
        "built": _now(),
        "data_root": str(root) if root else None,
        "sources": sources,
        "settings": settings.to_dict(),
        "rules": {
            "welfare_office": {
                "ja": RULE_JA,
                "en": RULE_EN,
                "overrides": str(welfare_overrides) if welfare_overrides else None,
            },
            "demand": {
                "name": settings.demand_rule,
                "ja": describe_rule(settings.demand_rule, "ja"),
                "en": describe_rule(settings.demand_rule, "en"),
            },
            "townhall_standin": {"ja": TOWNHALL_RULE_JA, "en": TOWNHALL_RULE_EN},
        },
        "demand_rule": settings.demand_rule,
        "demand_rule_description": describe_rule(settings.demand_rule, "ja"),
        "counts": counts,
        "population_unknown": unknown,
        "excluded": excluded,
        "settlement_fallback": fallback,
        "settlement_points_without_coords_by_muni": sr.without_coords,
        "settlement_points_without_coords_list": sr.without_coords_examples,
        "settlement_points_outside_muni_by_muni": sr.outside_muni,
        "settlement_files": sr.files_matched,
        "road_source": counts["road_source"],
        "circuity": settings.circuity,
        "estimate_speed_kmh": settings.estimate_speed_kmh,
        "warnings": warnings,
    }
    with atomic_directory(out_dir) as tmp:
        _write_parquet(munis, tmp / "municipalities.parquet")
        if br.wards is not None:
            _write_parquet(br.wards, tmp / "wards.parquet")
        _write_parquet(demand, tmp / "demand.parquet")
        _write_parquet(all_sites, tmp / "sites.parquet")
        if graph is not None:
            graph.save(tmp / "roads")
        manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
        write_json_atomic(tmp / "manifest.json", _json_safe(manifest))
    prog(1.0, "完了")
    return out_dir


def _write_parquet(gdf: gpd.GeoDataFrame, path: Path) -> None:
    gdf = gdf.copy()
    # points with no coordinates (no geocode match) are stored as empty geometries
    gdf.to_parquet(path, index=False)


def _json_safe(obj):
    """Replace NaN/inf by None and numpy scalars by Python ones (manifest must be strict JSON)."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if np.isfinite(f) else None
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj
