"""Which municipalities have their own welfare office (福祉事務所).

Default rule (社会福祉法 §14): every 市 (and Tokyo 特別区) must have one; a 町村 may but usually
does not, and is then served by the prefecture's office. An override CSV `code,has_welfare_office`
states the exceptions (e.g. a town that set up its own office).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from core.errors import InputFileError
from geo.population import decode_text, norm_code

RULE_JA = "市は福祉事務所を設置、町村は都道府県の福祉事務所が所管（上書き CSV で例外を指定）"
RULE_EN = "every city has its own welfare office; towns and villages are served by the prefecture unless the override CSV says otherwise"
_TRUE = {"1", "true", "yes", "y", "あり", "有", "○", "t"}
_FALSE = {"0", "false", "no", "n", "なし", "無", "×", "f", ""}


def read_overrides(path: str | Path) -> dict[str, bool]:
    """Read ``code,has_welfare_office`` (1/0, true/false, あり/なし).

    Parameters
    ----------
    path : str or Path
        The CSV.

    Returns
    -------
    dict
        Municipality code -> has a welfare office.

    Raises
    ------
    InputFileError
        Naming the file and row.
    """
    import csv
    import io

    path = Path(path)
    if not path.exists():
        raise InputFileError(
            "福祉事務所の上書き CSV が見つかりません。", "welfare-office override CSV not found", path=path
        )
    text, _ = decode_text(path)
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "code" not in rows[0] or "has_welfare_office" not in rows[0]:
        raise InputFileError(
            "列 code, has_welfare_office が必要です。", "columns code, has_welfare_office are required", path=path
        )
    out = {}
    for i, r in enumerate(rows):
        v = str(r["has_welfare_office"]).strip().lower()
        if v in _TRUE:
            out[norm_code(r["code"])] = True
        elif v in _FALSE:
            out[norm_code(r["code"])] = False
        else:
            raise InputFileError(
                f"{i + 2} 行目の has_welfare_office が読めません: 「{r['has_welfare_office']}」（1/0 で指定）",
                f"row {i + 2}: has_welfare_office must be 1/0, got '{r['has_welfare_office']}'",
                path=path,
            )
    return out


def assign_welfare_offices(
    munis: gpd.GeoDataFrame, overrides: dict[str, bool] | None = None
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Set ``has_welfare_office`` by the default rule (cities have one), then apply overrides.

    Parameters
    ----------
    munis : GeoDataFrame
        Municipalities (``code``, ``name``).
    overrides : dict, optional
        Code -> has a welfare office.

    Returns
    -------
    munis : geopandas.GeoDataFrame
        With ``has_welfare_office``.
    warnings : list of str
        One message (Japanese) per override code that is not in the region (ignored).
    """
    munis = munis.copy()
    munis["has_welfare_office"] = munis["kind"].eq("市")
    warnings = []
    for code, has in (overrides or {}).items():
        m = munis["code"] == code
        if not m.any():
            warnings.append(f"福祉事務所の上書き: コード {code} はこの地域にありません（無視）")
            continue
        munis.loc[m, "has_welfare_office"] = bool(has)
    return munis, warnings
