"""The report's content, independent of format: tables with headers in the report's language, text, map layers.

tables.py fills a ReportData once from Region + Scenario + models; pdf/html/xlsx/gpkg only lay
it out. So every format shows the same numbers, and those are the coverage model's numbers.
Every word comes from madoguchi.i18n in the report's `lang` ('ja' default, or 'en'); the numbers
do not depend on the language.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from madoguchi.i18n import DEFAULT_LANG, fmt_num, t

# Column formats: how a number is printed in PDF/HTML (XLSX keeps the raw number).
#   'int'  -> 12,345     'pct'  -> 97.3 (percent value already x100)     'min' -> 23.4
#   'km'   -> 12.3       'yen'  -> 1,234,567     'str' -> as is     'bool' -> ○ / ×
#   'num'  -> 1,234.57 (coordinates use it with 5 decimals: 'coord')   'num1' -> 1,234.5
FORMATS = ("int", "pct", "min", "km", "yen", "str", "bool", "num", "num1", "coord", "auto")


def fmt_value(v, kind: str = "str", lang: str = DEFAULT_LANG) -> str:
    """One cell as text: NaN/None -> '—' (unknown), inf minutes -> '到達不可' / 'unreachable'
    (never a made-up number); numbers with thousands separators, the same in both languages."""
    if v is None:
        return "—"
    if isinstance(v, float) and math.isnan(v):
        return "—"
    if kind == "bool":
        return "○" if bool(v) else "×"
    if kind == "auto":  # whole numbers without decimals, others with one (mixed rows, e.g. comparison)
        try:
            x = float(v)
        except (TypeError, ValueError):
            return str(v)
        if math.isnan(x):
            return "—"
        kind = "int" if math.isfinite(x) and x == round(x) else "num1"
    if kind in ("int", "yen", "pct", "min", "km", "num", "num1", "coord"):
        try:
            x = float(v)
        except (TypeError, ValueError):
            return str(v)
        if math.isnan(x):
            return "—"
        if math.isinf(x):
            return t("rep_unreachable_cell", lang) if kind == "min" else "∞"
        if kind == "coord":
            return f"{x:.5f}"
        return fmt_num(x, 0 if kind in ("int", "yen") else 2 if kind == "num" else 1)
    return str(v)


def fmt_int(x) -> str:
    return fmt_value(x, "int")


def fmt_pct(x) -> str:
    return fmt_value(x, "pct")


def display_width(s: str) -> int:
    """Columns a string takes in a monospaced sense: CJK (wide/fullwidth) counts 2."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in str(s))


def wrap_text(s: str, width: int) -> list[str]:
    """Wrap mixed Japanese/Latin text to `width` display columns (breaks anywhere, keeps words if it can)."""
    out: list[str] = []
    for para in str(s).split("\n"):
        line, w = "", 0
        for ch in para:
            cw = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
            if w + cw > width and line:
                if ch == " ":  # break at this space and drop it
                    out.append(line)
                    line, w = "", 0
                    continue
                cut = line.rfind(" ")
                if cw == 1 and cut > 0:  # Latin word: move it to the next line whole
                    out.append(line[:cut])
                    line = line[cut + 1 :]
                    w = display_width(line)
                else:
                    out.append(line)
                    line, w = "", 0
            line += ch
            w += cw
        out.append(line)
    return out


@dataclass
class Table:
    """A titled table: `df` holds raw values under headers in `lang`; `formats` says how to print."""

    key: str  # stable id: 'summary', 'municipalities', 'unreachable', ... (GeoPackage/tests)
    title: str  # title in `lang`: sheet name in XLSX, heading in PDF/HTML (<= 31 chars for Excel)
    df: pd.DataFrame
    formats: dict[str, str] = field(default_factory=dict)
    note: str = ""
    pdf_columns: list[str] | None = None  # a narrower selection for the A4 page (XLSX/HTML show all)
    row_formats: list[str] | None = None  # per-row format for columns marked 'auto' (mixed rows)
    lang: str = DEFAULT_LANG  # language of the headers, title, note and word cells

    def formatted(self) -> pd.DataFrame:
        """All cells as display strings."""
        out = pd.DataFrame(index=self.df.index)
        for c in self.df.columns:
            kind = self.formats.get(c, "str")
            if kind == "auto" and self.row_formats is not None:
                out[c] = [fmt_value(v, k, self.lang) for v, k in zip(self.df[c].tolist(), self.row_formats)]
            else:
                out[c] = [fmt_value(v, kind, self.lang) for v in self.df[c].tolist()]
        return out


@dataclass
class ReportData:
    """Everything a report shows. Built by tables.build_report_data; read by every writer."""

    title: str
    subtitle: str  # scenario name / region
    date: str  # ISO date the report was made (JST); shown with i18n.fmt_date
    region_name: str
    scenario_name: str
    method_label: str  # '道路' | '推定' | '混在' / 'road' | 'estimate' | 'mixed' (travel-time method)
    headline: list[tuple[str, str]]  # (label, formatted value) key figures for page 1
    warnings: list[str]  # page-1 warnings, e.g. unreachable population
    unreachable_population: float
    tables: list[Table]
    sources: list[dict]  # {'name', 'date', 'licence', 'credit'}
    assumptions: list[tuple[str, str]]
    credit_line: str  # one line for maps
    thresholds: list[float]
    layers: dict  # GeoDataFrames (EPSG:4326): municipalities, hubs, demand_points, isochrones, routes, groups
    coverage: dict = field(default_factory=dict)  # the coverage model's to_dict(), for tests and JSON
    summary: dict = field(default_factory=dict)  # key figures (tables.summary_of), shares in percent
    result: object = None  # models.coverage.CoverageResult
    notes: str = ""
    compare: ReportData | None = None
    lang: str = DEFAULT_LANG  # 'ja' | 'en': the language of every word above
    method: str = ""  # the method code ('road' | 'estimate' | 'mixed'), language-free

    def table(self, key: str) -> Table | None:
        for tb in self.tables:
            if tb.key == key:
                return tb
        return None
