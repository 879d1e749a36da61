"""Municipal boundaries from MLIT N03 (行政区域データ): GeoJSON, Shapefile (or its zip), GeoPackage.

One row per municipality (dissolved by JIS code N03_007). Designated-city wards belong to
their city, which is one municipality with its wards kept for display. Rows without a code
(e.g. Okinawa's 所属未定地) are excluded from the analysis and *reported*, never dropped silently.
Older N03 shapefiles are Shift-JIS: the encoding is detected (or given) and recorded.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import InputFileError
from geo.prefectures import PREFECTURES

CODE_COL = "N03_007"
REQUIRED = ["N03_001", "N03_004", CODE_COL]
MUNI_COLUMNS = [
    "code",
    "pref_code",
    "pref_name",
    "county",
    "name",
    "kind",
    "has_welfare_office",
    "population",
    "wards",
    "settlement_source",
    "geometry",
]
_PREF_NAME = re.compile(r"^[\u3400-\u9fff]{1,4}[都道府県]$")


@dataclass
class BoundaryResult:
    """What `read_boundaries` found: municipalities, wards (or None), excluded rows, encoding."""

    municipalities: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame | None
    excluded: list[dict] = field(default_factory=list)
    encoding: str = "utf-8"
    rows_read: int = 0
    other_pref_rows: int = 0


def _err(path, ja: str, en: str) -> InputFileError:
    return InputFileError(ja, en, path=path)


def _looks_right(df: pd.DataFrame) -> bool:
    """True if the prefecture column reads as real Japanese (not mojibake)."""
    vals = [str(v) for v in df["N03_001"].dropna().unique()[:20]]
    if not vals:
        return False
    return all(_PREF_NAME.match(v) for v in vals)


def _read_geojson(path: Path, encoding: str | None) -> tuple[gpd.GeoDataFrame, str]:
    from geo.readers import read_bytes_checked

    raw = read_bytes_checked(path, "境界ファイル", "boundary file", max_bytes=MAX_BOUNDARY_BYTES, text=False)
    if not raw.strip():
        raise _err(path, "ファイルが空です。", "the file is empty")
    if encoding:
        tries = [encoding]
    else:
        tries = ["utf-8-sig", "cp932"]
    text: str | None = None
    used = ""
    for enc in tries:
        try:
            text = raw.decode(enc)
            used = enc
            break
        except (UnicodeDecodeError, LookupError):
            continue
    if text is None:
        raise _err(
            path,
            f"文字コードを判別できません（{'、'.join(tries)} を試しました）。--encoding を指定してください。",
            f"cannot decode the file (tried {', '.join(tries)}); pass --encoding",
        )
    try:
        obj = json.loads(text)
    except RecursionError:
        raise _err(
            path, "GeoJSON として読めません（入れ子が深すぎます）。", "not GeoJSON (nested too deeply)"
        ) from None
    except ValueError as e:
        raise _err(path, f"GeoJSON として読めません（JSON の誤り: {e}）。", f"not GeoJSON (invalid JSON: {e})") from e
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise _err(path, "GeoJSON の FeatureCollection ではありません。", "not a GeoJSON FeatureCollection")
    if not obj["features"]:
        raise _err(path, "地物が 1 件もありません。", "the file has no features")
    crs = _declared_crs(obj, path)
    try:
        gdf = gpd.GeoDataFrame.from_features(obj["features"], crs=crs)
    except Exception as e:  # malformed geometries
        raise _err(path, f"GeoJSON の地物を読めません: {e}", f"cannot read the GeoJSON features: {e}") from e
    return gdf, ("utf-8" if used == "utf-8-sig" else used)


def _ogr_path(path: Path) -> str:
    """A path pyogrio can open; for a zip, the first .shp/.gpkg/.geojson inside it."""
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        names = zipfile.ZipFile(path).namelist()
    except zipfile.BadZipFile:
        raise _err(
            path, "zip ファイルとして開けません（壊れているか zip ではありません）。", "not a valid zip file"
        ) from None
    for ext in (".shp", ".gpkg", ".geojson", ".json"):
        inside = sorted(n for n in names if n.lower().endswith(ext))
        if inside:
            return f"/vsizip/{path}/{inside[0]}"
    raise _err(path, "zip の中に .shp / .gpkg / .geojson がありません。", "no .shp/.gpkg/.geojson inside the zip")


def _read_ogr(path: Path, encoding: str | None) -> tuple[gpd.GeoDataFrame, str]:
    import pyogrio

    if path.stat().st_size == 0:
        raise _err(path, "ファイルが空です。", "the file is empty")
    src = _ogr_path(path)
    tries = [encoding] if encoding else [None, "cp932", "utf-8"]
    last: Exception | None = None
    for enc in tries:
        try:
            gdf = pyogrio.read_dataframe(src, encoding=enc) if enc else pyogrio.read_dataframe(src)
        except UnicodeDecodeError as e:
            if encoding:
                raise _err(
                    path,
                    f"文字コード {encoding} では読めません（{e.reason}）。Shift-JIS なら --encoding cp932 を指定してください。",
                    f"cannot decode as {encoding} ({e.reason}); for Shift-JIS pass --encoding cp932",
                ) from e
            last = e
            continue
        except Exception as e:  # pyogrio DataSourceError etc.
            last = e
            continue
        if "N03_001" not in gdf.columns or encoding or _looks_right(gdf):
            used = enc or _cpg_encoding(path) or _ogr_encoding(src)
            return gdf, used
        last = None
    if last is not None:
        raise _err(path, f"ファイルを読めません: {last}", f"cannot read the file: {last}")
    raise _err(
        path,
        "属性の文字化けを解消できません（UTF-8 / Shift-JIS を試しました）。--encoding を指定してください。",
        "attribute text is garbled in UTF-8 and Shift-JIS; pass --encoding",
    )


def _cpg_encoding(path: Path) -> str | None:
    """The encoding a shapefile's .cpg declares (beside it, or inside the zip)."""
    try:
        if path.suffix.lower() == ".zip":
            z = zipfile.ZipFile(path)
            cpg = [n for n in z.namelist() if n.lower().endswith(".cpg")]
            text = z.read(cpg[0]).decode("ascii", "replace") if cpg else ""
        else:
            c = path.with_suffix(".cpg")
            text = c.read_text(encoding="ascii", errors="replace") if c.exists() else ""
    except (OSError, zipfile.BadZipFile):
        return None
    text = text.strip().lower()
    return {"cp932": "cp932", "shift_jis": "cp932", "sjis": "cp932", "utf-8": "utf-8", "utf8": "utf-8"}.get(
        text, text or None
    )


def _ogr_encoding(src: str) -> str:
    try:
        import pyogrio

        enc = pyogrio.read_info(src).get("encoding") or "utf-8"
    except Exception:
        enc = "utf-8"
    return {"UTF-8": "utf-8"}.get(enc, enc)


# ----------------------------------------------------------------------------- validation (no silent wrong answers)

MAX_BOUNDARY_BYTES = 2 << 30  # 2 GB: the whole-country N03 fits
JAPAN_LON = (122.0, 154.5)  # Yonaguni .. Minamitorishima, degrees
JAPAN_LAT = (20.0, 46.0)  # Okinotorishima .. Benten-jima


def _declared_crs(obj: dict, path) -> str:
    """The CRS a GeoJSON declares (old-style "crs" member), default EPSG:4326 (RFC 7946)."""
    c = obj.get("crs")
    if not c:
        return "EPSG:4326"
    name = ((c.get("properties") or {}).get("name")) if isinstance(c, dict) else None
    if not isinstance(name, str) or not name.strip():
        raise _err(path, "GeoJSON の crs の指定を読めません。", "cannot read the GeoJSON's crs member")
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if "CRS84" in name.upper():
        return "EPSG:4326"
    try:
        crs = CRS.from_user_input(name)
    except CRSError:
        raise _err(
            path, f"GeoJSON の座標参照系 {name} を解釈できません。", f"unknown coordinate reference system {name}"
        ) from None
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()


def check_lonlat_in_japan(gdf: gpd.GeoDataFrame, path: str | Path) -> None:
    """Refuse boundaries whose coordinates (after reprojection to EPSG:4326) are not lon/lat in Japan.

    A projected file without a declared CRS (e.g. EPSG:6677 metres read as degrees) lands here.

    Parameters
    ----------
    gdf : GeoDataFrame
        Boundaries in EPSG:4326.
    path : path-like
        For the message.

    Raises
    ------
    InputFileError
    """
    geoms = gdf.geometry
    ok = np.array([g is not None and not g.is_empty for g in geoms.values], dtype=bool)
    if not ok.any():
        return
    b = geoms[ok].total_bounds  # minx, miny, maxx, maxy
    if (
        not np.all(np.isfinite(b))
        or b[0] < JAPAN_LON[0]
        or b[2] > JAPAN_LON[1]
        or b[1] < JAPAN_LAT[0]
        or b[3] > JAPAN_LAT[1]
    ):
        raise _err(
            path,
            f"座標が日本の経度・緯度ではありません（範囲 {b[0]:.4g},{b[1]:.4g} – {b[2]:.4g},{b[3]:.4g}）。"
            "平面直角座標系などの場合は座標参照系 (CRS) を宣言したファイルにしてください。",
            f"coordinates are not longitude/latitude in Japan (extent {b[0]:.4g},{b[1]:.4g} – {b[2]:.4g},{b[3]:.4g}); "
            "for projected data (e.g. EPSG:6677) the file must declare its CRS",
        )


def check_duplicate_codes(raw: gpd.GeoDataFrame, path: str | Path) -> None:
    """Refuse a municipality code shared by features with different names (a broken or edited file).

    Several features of one municipality (its islands) share code and name and are merged;
    one code under two names would merge two places and lose one's population.

    Parameters
    ----------
    raw : GeoDataFrame
        N03 rows as read (`read_raw`).
    path : path-like
        For the message.

    Raises
    ------
    InputFileError
        Naming up to five codes and their names.
    """
    if CODE_COL not in raw.columns:
        return
    codes = [_norm_code(v) for v in raw[CODE_COL]]
    names = [
        "/".join(_s(raw[c].iloc[i]) for c in ("N03_003", "N03_004", "N03_005") if c in raw.columns)
        for i in range(len(raw))
    ]
    seen: dict[str, set[str]] = {}
    for c, n in zip(codes, names):
        if c:
            seen.setdefault(c, set()).add(n)
    dup = {c: sorted(ns) for c, ns in seen.items() if len(ns) > 1}
    if dup:
        items = [
            f"{c}（{'、'.join(x.strip('/') for x in ns[:4])}{' ほか' if len(ns) > 4 else ''}）"
            for c, ns in sorted(dup.items())[:5]
        ]
        items_en = [
            f"{c} ({', '.join(x.strip('/') for x in ns[:4])}{' ...' if len(ns) > 4 else ''})"
            for c, ns in sorted(dup.items())[:5]
        ]
        raise _err(
            path,
            f"同じ市区町村コードが別の名称の地物に使われています: {'；'.join(items)}",
            f"one municipality code is used by features with different names: {'; '.join(items_en)}",
        )


def read_raw(path: str | Path, encoding: str | None = None) -> tuple[gpd.GeoDataFrame, str]:
    """Read an N03 file as it is (all rows).

    Parameters
    ----------
    path : str or Path
        GeoJSON, GeoPackage, Shapefile or a zip holding one.
    encoding : str, optional
        Attribute encoding (default: tried UTF-8, then cp932 / the .cpg).

    Returns
    -------
    gdf : GeoDataFrame
        EPSG:4326.
    encoding : str
        The encoding used.

    Raises
    ------
    InputFileError
        Empty, unreadable, undecodable or not N03 (named with the path).
    """
    from geo.readers import check_readable_file

    path = Path(path)
    check_readable_file(path, "境界ファイル", "boundary file", max_bytes=MAX_BOUNDARY_BYTES)
    ext = path.suffix.lower()
    if ext in (".json", ".geojson"):
        gdf, used = _read_geojson(path, encoding)
    elif ext in (".shp", ".zip", ".gpkg"):
        gdf, used = _read_ogr(path, encoding)
    else:
        raise _err(
            path,
            f"対応していない形式です（{ext}）。GeoJSON / Shapefile / zip / GeoPackage を指定してください。",
            f"unsupported format {ext}: use GeoJSON, Shapefile, zip or GeoPackage",
        )
    missing = [c for c in REQUIRED if c not in gdf.columns]
    if missing:
        raise _err(
            path,
            f"N03 行政区域データの列 {', '.join(missing)} がありません（列: {', '.join(map(str, gdf.columns[:10]))}）。",
            f"missing N03 column(s) {', '.join(missing)} (columns: {', '.join(map(str, gdf.columns[:10]))})",
        )
    if gdf.crs is None:
        gdf = gdf.set_crs("EPSG:4326")
    elif gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    check_lonlat_in_japan(gdf, path)
    if not _looks_right(gdf):
        raise _err(
            path,
            f"都道府県名（N03_001）が読めません（文字化け？ 例: {gdf['N03_001'].dropna().astype(str).head(1).tolist()}）。--encoding を指定してください。",
            "prefecture names (N03_001) are unreadable (wrong encoding?); pass --encoding",
        )
    return gdf, used


def _s(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def _norm_code(v) -> str:
    s = _s(v)
    if s.isdigit():
        if len(s) == 6:  # JIS code with check digit
            s = s[:5]
        return s.zfill(5)
    return s


def _kind(name: str) -> str:
    """'市'|'町'|'村' from the name suffix; Tokyo's 特別区 count as '市' (own welfare office)."""
    last = name[-1:] if name else ""
    if last in ("市", "町", "村"):
        return last
    if last == "区":
        return "市"
    return ""


def read_boundaries(path: str | Path, pref_code: str, encoding: str | None = None) -> BoundaryResult:
    """Read N03 for one prefecture: one row per municipality (columns of Region.municipalities).

    Designated-city wards are merged into their city (kept in `wards`); rows without a code
    (所属未定地) are listed in `excluded`. `has_welfare_office`, `population` and
    `settlement_source` are filled later by other steps.

    Parameters
    ----------
    path : str or Path
        N03 file (see `read_raw`).
    pref_code : str
        Two-digit code; rows of other prefectures are counted, not kept.
    encoding : str, optional
        Attribute encoding.

    Returns
    -------
    BoundaryResult
        ``municipalities`` (GeoDataFrame, EPSG:4326), ``wards``, ``excluded``, ``encoding``, ``rows_read``,
        ``other_pref_rows``.

    Raises
    ------
    InputFileError
        No municipality of the prefecture, coordinates not lon/lat in Japan, duplicate codes, bad names.
    """
    path = Path(path)
    raw, used = read_raw(path, encoding)
    check_duplicate_codes(raw, path)
    pref_ja = PREFECTURES[pref_code][0]
    excluded: list[dict] = []
    rows = []
    ward_rows = []
    other = 0
    for i, r in enumerate(raw.itertuples(index=False)):
        d = r._asdict()
        pref = _s(d.get("N03_001"))
        code = _norm_code(d.get(CODE_COL))
        n3, n4 = _s(d.get("N03_003")), _s(d.get("N03_004"))
        n5 = _s(d.get("N03_005"))
        geom = d["geometry"]
        if code and not code.startswith(pref_code):
            other += 1
            continue
        if not code and pref != pref_ja:
            other += 1
            continue
        if not code or not code.isdigit() or len(code) != 5:
            area = _area_km2(geom)
            excluded.append(
                {
                    "row": i,
                    "name": n4 or n3 or "(名称なし)",
                    "code": code or None,
                    "reason": "市区町村コード（N03_007）がないため分析対象外",
                    "reason_en": "no municipality code (N03_007): left out of the analysis",
                    "area_km2": area,
                }
            )
            continue
        if geom is None or geom.is_empty:
            excluded.append(
                {
                    "row": i,
                    "name": n4 or n3,
                    "code": code,
                    "reason": "形状が空のため分析対象外",
                    "reason_en": "empty geometry: left out",
                    "area_km2": 0.0,
                }
            )
            continue
        # Designated-city ward: newer N03 puts the city in N03_004 and the ward in N03_005;
        # the 2021 data has the city in N03_003 and the ward in N03_004.
        city, ward = "", ""
        if n5.endswith("区") and n4.endswith("市"):
            city, ward = n4, n5
        elif n4.endswith("区") and n3.endswith("市"):
            city, ward = n3, n4
        county = n3 if n3.endswith("郡") else ""
        if ward:
            ward_rows.append({"code": code, "city": city, "ward": ward, "geometry": geom})
            rows.append(
                {
                    "code": None,
                    "city_of_ward": city,
                    "ward_code": code,
                    "county": county,
                    "name": city,
                    "geometry": geom,
                }
            )
        else:
            rows.append(
                {"code": code, "city_of_ward": "", "ward_code": "", "county": county, "name": n4, "geometry": geom}
            )
    if not rows:
        raise _err(
            path,
            f"{pref_ja}（{pref_code}）の市区町村が 1 件もありません。別の都道府県のファイルでは？",
            f"no municipality of prefecture {pref_code} in this file (wrong prefecture?)",
        )
    df = pd.DataFrame(rows)
    # city code of a designated city = lowest ward code rounded down to a multiple of 10
    city_codes: dict[str, str] = {}
    for city_name, g in df[df["city_of_ward"] != ""].groupby("city_of_ward"):
        city_codes[str(city_name)] = str(int(min(g["ward_code"])) // 10 * 10).zfill(5)
    df.loc[df["city_of_ward"] != "", "code"] = df.loc[df["city_of_ward"] != "", "city_of_ward"].map(city_codes)
    out = []
    for muni_code, g in df.groupby("code", sort=True):
        geoms = shapely.make_valid(np.asarray(g["geometry"].values))
        geom = shapely.union_all(geoms) if len(geoms) > 1 else geoms[0]
        name = g["name"].iloc[0]
        wards = [w["ward"] for w in ward_rows if city_codes.get(w["city"]) == muni_code]
        out.append(
            {
                "code": muni_code,
                "pref_code": pref_code,
                "pref_name": pref_ja,
                "county": g["county"].iloc[0],
                "name": name,
                "kind": _kind(name),
                "has_welfare_office": False,
                "population": np.nan,
                "wards": "、".join(wards),
                "settlement_source": "file",
                "geometry": geom,
            }
        )
    munis = gpd.GeoDataFrame(out, columns=MUNI_COLUMNS, geometry="geometry", crs="EPSG:4326")
    bad_kind = munis.loc[munis["kind"] == "", "name"].tolist()
    if bad_kind:
        raise _err(
            path,
            f"市・町・村のいずれでもない名称があります: {'、'.join(bad_kind[:5])}",
            f"names that are not 市/町/村: {', '.join(bad_kind[:5])}",
        )
    wards_gdf = None
    if ward_rows:
        w = pd.DataFrame(ward_rows)
        w["city_code"] = w["city"].map(city_codes)
        w["name"] = w["city"] + w["ward"]
        w["geometry"] = shapely.make_valid(np.asarray(w["geometry"].values))
        wards_gdf = gpd.GeoDataFrame(w[["code", "city_code", "name", "geometry"]], geometry="geometry", crs="EPSG:4326")
        wards_gdf = wards_gdf.sort_values("code").reset_index(drop=True)
    return BoundaryResult(munis.reset_index(drop=True), wards_gdf, excluded, used, len(raw), other)


def _area_km2(geom) -> float | None:
    if geom is None or geom.is_empty:
        return 0.0
    try:
        s = gpd.GeoSeries([geom], crs="EPSG:4326")
        return round(float(s.to_crs(s.estimate_utm_crs()).area.iloc[0]) / 1e6, 3)
    except Exception:
        return None
