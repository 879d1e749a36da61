"""Census population by JIS municipality code from a CSV (UTF-8 with/without BOM, or Shift-JIS).

An *empty* value means unknown (e.g. 07546 双葉町 in 2020): reported, never zero, never a crash.
Text where a number should be means the file is malformed: an error naming file, row and value.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.errors import InputFileError

DEFAULT_CODE_COL = "area_code"
DEFAULT_VALUE_COL = "population"
# e-Stat writes '-' (and sometimes '…', 'x') where there is no figure: same as empty.
_MISSING_MARKS = {"", "-", "－", "―", "…", "nan", "NaN"}


@dataclass
class PopulationTable:
    """Population per 5-digit code (float, NaN = unknown) plus how the file was read."""

    values: dict[str, float]
    names: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    path: str = ""
    empty_codes: list[str] = field(default_factory=list)

    def lookup(self, code: str) -> float:
        """Population of a municipality.

        Parameters
        ----------
        code : str
            5-digit municipality code.

        Returns
        -------
        float
            Persons; NaN if the code is absent or its value is empty (unknown, never 0).
        """
        return self.values.get(code, np.nan)


def decode_text(
    path: Path, encoding: str | None = None, what_ja: str = "ファイル", what_en: str = "file"
) -> tuple[str, str]:
    """Read a text file as UTF-8 (BOM or not), else Shift-JIS (cp932).

    Parameters
    ----------
    path : pathlib.Path
    encoding : str, optional
        Force this encoding instead of guessing.
    what_ja, what_en : str
        What the file is, for error messages (e.g. 人口ファイル / population file).

    Returns
    -------
    text : str
    encoding : str
        The encoding used.

    Raises
    ------
    core.errors.InputFileError
        A folder, unreadable, binary or oversized file (geo.readers), or undecodable text.
    """
    from geo.readers import read_bytes_checked

    raw = read_bytes_checked(path, what_ja, what_en)
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as e:
            raise InputFileError(
                f"文字コード {encoding} で読めません（{e}）。", f"cannot decode as {encoding} ({e})", path=path
            ) from e
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    for enc in ("utf-8", "cp932"):
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise InputFileError(
        "文字コードを判別できません（UTF-8 / Shift-JIS ではありません）。--encoding を指定してください。",
        "cannot decode the file as UTF-8 or Shift-JIS; pass --encoding",
        path=path,
    )


def read_csv_table(
    path: str | Path, what_ja: str, what_en: str, encoding: str | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a user CSV as all-text columns (UTF-8 with/without BOM or Shift-JIS), stripped headers.

    Parameters
    ----------
    path : str or Path
    what_ja, what_en : str
        What the file is, for error messages (e.g. 人口ファイル / population file).
    encoding : str, optional
        Force this encoding.

    Returns
    -------
    table : pandas.DataFrame
        Every column as str; empty cells are ''.
    encoding : str
        The encoding used.

    Raises
    ------
    core.errors.InputFileError
        Missing, empty or unparsable file, naming `what` and the path.
    """
    path = Path(path)
    text, used = decode_text(path, encoding, what_ja, what_en)
    if not text.strip():
        raise InputFileError(f"{what_ja}が空です。", f"the {what_en} is empty", path=path)
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as e:
        raise InputFileError(f"CSV として読めません: {e}", f"not a readable CSV: {e}", path=path) from e
    df.columns = [str(c).strip() for c in df.columns]
    return df, used


def norm_code(v: str) -> str:
    """Normalise a municipality code to 5 digits.

    Parameters
    ----------
    v : str
        '8201' (Excel dropped the zero) -> '08201'; '082015' (with check digit) -> '08201'.

    Returns
    -------
    str
        The 5-digit code, or the stripped input if it is not a code.
    """
    s = str(v).strip().strip('"')
    s = s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if s.isdigit():
        if len(s) == 6:
            return s[:5]
        return s.zfill(5)
    return s


def read_population(
    path: str | Path, code_col: str = DEFAULT_CODE_COL, value_col: str = DEFAULT_VALUE_COL, encoding: str | None = None
) -> PopulationTable:
    """Read a population CSV (census 2020 layout by default).

    Parameters
    ----------
    path : str or Path
        CSV with a code column and a population column.
    code_col : str
        Column of municipality codes (normalised to 5 digits with `norm_code`).
    value_col : str
        Column of populations (persons; commas allowed; empty = unknown).
    encoding : str, optional
        Force this encoding (default: UTF-8, else Shift-JIS).

    Returns
    -------
    PopulationTable
        Persons per 5-digit code (NaN = unknown), names if present, the encoding used.

    Raises
    ------
    core.errors.InputFileError
        Missing columns (listed), unreadable file, or a value that is not a number (named).
    """
    path = Path(path)
    df, used = read_csv_table(path, "人口ファイル", "population file", encoding)
    missing = [c for c in (code_col, value_col) if c not in df.columns]
    if missing:
        raise InputFileError(
            f"列 {', '.join(missing)} がありません（列: {', '.join(df.columns[:10])}）。--pop-code-col / --pop-value-col で指定できます。",
            f"missing column(s) {', '.join(missing)} (columns: {', '.join(df.columns[:10])}); use --pop-code-col / --pop-value-col",
            path=path,
        )
    name_col = next((c for c in ("area_name", "name", "市区町村名", "地域名") if c in df.columns), None)
    values: dict[str, float] = {}
    names: dict[str, str] = {}
    empty: list[str] = []
    for i, (c, v) in enumerate(zip(df[code_col].tolist(), df[value_col].tolist())):
        code = norm_code(c)
        if not code:
            continue
        s = str(v).strip().replace(",", "").replace("，", "")
        s = s.translate(str.maketrans("０１２３４５６７８９．", "0123456789."))
        if s in _MISSING_MARKS:
            values[code] = np.nan
            empty.append(code)
        else:
            if not re.fullmatch(r"\d+(\.\d+)?", s):
                raise InputFileError(
                    f"{i + 2} 行目（コード {code}）の人口が数値ではありません: 「{v}」",
                    f"row {i + 2} (code {code}): population is not a number: '{v}'",
                    path=path,
                )
            values[code] = float(s)
        if name_col:
            names[code] = str(df[name_col].iloc[i]).strip()
    if not values:
        raise InputFileError("人口の行が 1 行もありません。", "no population rows", path=path)
    return PopulationTable(values, names, used, str(path), empty)
