"""Settlement points (大字・町丁目 representative points) from Geolonia japanese-addresses.

One JSON file per municipality, named like `久慈郡大子町.json` or `熊本市中央区.json`, each a
list of {"town", "koaza", "lat", "lng"}. Files are matched to municipalities by normalised name
(郡 prefix, ヶ/ケ variants); a ward file belongs to its designated city. Points without
coordinates and points outside their own (simplified) municipality polygon are *counted and
reported*, not dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from core.errors import InputFileError
from geo.names import norm, split_county, split_ward
from geo.prefectures import PREFECTURES


@dataclass
class SettlementResult:
    """Points with coordinates (`points`) and what did not fit, for the manifest."""

    points: pd.DataFrame  # muni_code, ward, town, koaza, lon, lat, inside_muni
    files_matched: dict[str, str] = field(default_factory=dict)  # file name -> muni code
    files_unmatched: list[str] = field(default_factory=list)
    points_total: int = 0
    without_coords: dict[str, int] = field(default_factory=dict)  # muni code -> count
    without_coords_examples: list[dict] = field(default_factory=list)
    outside_muni: dict[str, int] = field(default_factory=dict)
    munis_without_file: list[str] = field(default_factory=list)


def find_settlement_dir(root: Path, pref_code: str) -> Path | None:
    """The folder with one JSON per municipality: root itself, root/<県名>, or root/geolonia/<県名>.

    Parameters
    ----------
    root : Path
        Data folder.
    pref_code : str
        Two-digit prefecture code.

    Returns
    -------
    Path or None
    """
    ja = PREFECTURES[pref_code][0]
    for p in (root / "settlements" / "geolonia" / ja, root / "geolonia" / ja, root / ja, root):
        if p.is_dir() and any(p.glob("*.json")):
            return p
    return None


def match_file(stem: str, munis: pd.DataFrame) -> tuple[str | None, str]:
    """Municipality code for a Geolonia file name (without .json), and the ward name ('' if none).

    Order: designated-city ward (熊本市中央区 -> 熊本市), county+name, then name alone if unique.

    Parameters
    ----------
    stem : str
        File name without extension.
    munis : DataFrame
        ``code``, ``name``.

    Returns
    -------
    code : str or None
        None when no municipality matches.
    ward : str
    """
    full = {norm(c + n): code for code, c, n in zip(munis["code"], munis["county"], munis["name"])}
    n = norm(stem)
    if n in full:
        return full[n], ""
    city, ward = split_ward(stem)
    if ward:
        c = full.get(norm(city))
        if c is not None:
            return c, ward
    _, bare = split_county(stem)
    hits = [code for code, nm in zip(munis["code"], munis["name"]) if norm(nm) == norm(bare)]
    if len(hits) == 1:
        return hits[0], ""
    return None, ""


def _num(v) -> float:
    if v is None or v == "":
        return np.nan
    try:
        return float(v)
    except (TypeError, ValueError):
        return np.nan


def read_settlements(folder: str | Path, munis: gpd.GeoDataFrame) -> SettlementResult:
    """Read every ``*.json`` in `folder` and attach points to `munis` (codes, polygons).

    Parameters
    ----------
    folder : str or Path
        Geolonia 大字・町丁目 files, one per municipality.
    munis : GeoDataFrame
        Municipalities (``code``, ``name``, geometry in EPSG:4326).

    Returns
    -------
    SettlementResult
        Points (lon, lat degrees) and what did not match.

    Raises
    ------
    InputFileError
        A file that is not valid JSON or not a list of {town, koaza, lat, lng}.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputFileError(
            "集落（大字・町丁目）フォルダが見つかりません。", "settlements folder not found", path=folder
        )
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputFileError(
            "集落フォルダに JSON ファイルがありません。", "no JSON files in the settlements folder", path=folder
        )
    res = SettlementResult(points=pd.DataFrame())
    frames = []
    for f in files:
        code, ward = match_file(f.stem, munis)
        if code is None:
            res.files_unmatched.append(f.name)
            continue
        from geo.readers import read_bytes_checked

        raw = read_bytes_checked(f, "集落ファイル", "settlement file")
        try:
            data = json.loads(raw.decode("utf-8-sig"))
        except RecursionError:
            raise InputFileError(
                "集落ファイルの JSON の入れ子が深すぎます。", "settlement file is nested too deeply", path=f
            ) from None
        except (ValueError, UnicodeDecodeError) as e:
            raise InputFileError(
                f"集落ファイルを JSON として読めません: {e}", f"settlement file is not valid JSON: {e}", path=f
            ) from e
        if not isinstance(data, list) or (data and not all(isinstance(x, dict) and "town" in x for x in data)):
            raise InputFileError(
                "集落ファイルの形式が違います（{town, koaza, lat, lng} のリストが必要）。",
                "settlement file must be a list of {town, koaza, lat, lng}",
                path=f,
            )
        res.files_matched[f.name] = code
        res.points_total += len(data)
        if not data:
            continue
        df = pd.DataFrame(
            {
                "muni_code": code,
                "ward": ward,
                "town": [str(x.get("town") or "") for x in data],
                "koaza": [str(x.get("koaza") or "") for x in data],
                "lon": [_num(x.get("lng", x.get("lon"))) for x in data],
                "lat": [_num(x.get("lat")) for x in data],
            }
        )
        bad = df["lon"].isna() | df["lat"].isna() | ~df["lon"].between(-180, 180) | ~df["lat"].between(-90, 90)
        if bad.any():
            res.without_coords[code] = res.without_coords.get(code, 0) + int(bad.sum())
            for t, k in zip(df.loc[bad, "town"], df.loc[bad, "koaza"]):
                res.without_coords_examples.append({"muni_code": code, "file": f.name, "town": t, "koaza": k})
        frames.append(df[~bad])
    pts = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["muni_code", "ward", "town", "koaza", "lon", "lat"])
    )
    pts["inside_muni"] = False
    geoms = dict(zip(munis["code"], munis.geometry))
    for key, idx in pts.groupby("muni_code").groups.items():
        code = str(key)
        g = geoms[code]
        shapely.prepare(g)
        inside = shapely.contains_xy(g, pts.loc[idx, "lon"].to_numpy(), pts.loc[idx, "lat"].to_numpy())
        pts.loc[idx, "inside_muni"] = inside
        n_out = int((~inside).sum())
        if n_out:
            res.outside_muni[code] = n_out
    res.points = pts
    have = set(res.files_matched.values())
    res.munis_without_file = [c for c in munis["code"] if c not in have]
    return res
