"""XLSX report: one sheet per table, headers in the report's language, numbers stored as numbers (openpyxl).

Unreachable times (inf) and unknown values (NaN) are written as empty cells, never as a made-up
number; each table keeps an explicit reachability column so nothing is lost.

Text is data, never a formula: a text cell that a spreadsheet would read as a formula or command
(starts with = + - @, tab or CR, also full-width) is stored as a string (data type 's', so no
<f> element in the file) with Excel's quote-prefix flag set, so it shows exactly as typed and
stays text even when someone edits the cell (see madoguchi.safe_text).
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import pandas as pd

from geo.atomic import write_bytes_atomic
from madoguchi.i18n import fmt_date, t
from madoguchi.reports.model import ReportData, display_width
from madoguchi.safe_text import is_formula_like

_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")
_NUMBER_FORMATS = {
    "int": "#,##0",
    "yen": "#,##0",
    "pct": "0.0",
    "min": "0.0",
    "km": "0.0",
    "num": "#,##0.00",
    "num1": "#,##0.0",
    "coord": "0.00000",
}


def sheet_name(title: str, used: set[str]) -> str:
    """Excel-safe unique sheet name (<= 31 chars, no []:*?/\\)."""
    base = _BAD_SHEET.sub("_", title)[:31] or "Sheet"
    name, i = base, 2
    while name in used:
        suffix = f"_{i}"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name)
    return name


def _clean(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            vals = out[c].to_numpy(dtype=float)
            out[c] = pd.array([None if not math.isfinite(v) else float(v) for v in vals], dtype="object")
    return out


def _summary_frame(d: ReportData) -> pd.DataFrame:
    L = d.lang
    rows = [
        (t("rep_item_title", L), d.title),
        (t("rep_item_scenario", L), d.scenario_name),
        (t("rep_item_region", L), d.region_name),
        (t("rep_made_on", L), fmt_date(d.date, L)),
        (t("rep_hl_method", L), d.method_label),
    ]
    rows += list(d.headline)
    rows += [(t("rep_item_warning", L), w) for w in d.warnings]
    return pd.DataFrame(rows, columns=[t("rep_col_item", L), t("rep_col_value", L)])


def _sources_frame(d: ReportData) -> pd.DataFrame:
    L = d.lang
    rows = []
    for s in d.sources:
        rows.append(
            (
                t("rep_kind_source", L),
                s.get("name", ""),
                fmt_date(s.get("date", ""), L),
                s.get("licence", ""),
                s.get("credit", ""),
            )
        )
    for k, v in d.assumptions:
        rows.append((t("rep_kind_assumption", L), k, "", "", v))
    if d.notes:
        rows.append((t("rep_kind_note", L), "", "", "", d.notes))
    return pd.DataFrame(
        rows,
        columns=[
            t("rep_col_kind", L),
            t("rep_col_name", L),
            t("rep_col_date", L),
            t("rep_col_licence", L),
            t("rep_col_content", L),
        ],
    )


def neutralise_formulas(ws) -> int:
    """Make every formula-like text cell of an openpyxl worksheet a plain, quote-prefixed string.

    Returns the number of cells changed. Numbers and empty cells are left alone.
    """
    n = 0
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and (c.data_type == "f" or is_formula_like(c.value)):
                v = c.value
                c.value = v  # reassign, then force the type: openpyxl infers 'f' from a leading '='
                c.data_type = "s"
                c.quotePrefix = True
                n += 1
    return n


def write_xlsx(data: ReportData, out) -> None:
    """Write the workbook to a path (atomically) or a binary file object."""
    buf = io.BytesIO()
    used: set[str] = set()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        sheets: list[tuple[pd.DataFrame, str, dict]] = [(_summary_frame(data), t("rep_sheet_summary", data.lang), {})]
        for tb in data.tables:
            sheets.append((tb.df, tb.title, tb.formats))
        sheets.append((_sources_frame(data), t("rep_sources_heading", data.lang), {}))
        for df, title, formats in sheets:
            name = sheet_name(title, used)
            _clean(df).to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            neutralise_formulas(ws)
            for j, col in enumerate(df.columns, start=1):
                letter = ws.cell(row=1, column=j).column_letter
                try:
                    w = max([display_width(col)] + [display_width(v) for v in df[col].astype(str).head(500)])
                except Exception:
                    w = 12
                ws.column_dimensions[letter].width = min(60, max(8, w + 2))
                fmt = _NUMBER_FORMATS.get(formats.get(col, ""))
                if fmt:
                    for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                        row[0].number_format = fmt
    payload = buf.getvalue()
    if hasattr(out, "write"):
        out.write(payload)
        return
    write_bytes_atomic(Path(out), payload, replace_policy="madoguchi")
