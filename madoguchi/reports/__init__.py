"""Coverage reports (PDF, HTML, XLSX, GeoPackage) and offline static maps.

`build_report(region, scenario, out_path)` picks the format by extension; `report_bytes`
returns the same file as bytes for the app's download button. The content is computed once
(tables.build_report_data) and laid out by one writer per format. `lang` ('ja' default, or 'en')
sets the language of every word; the numbers are the same in both.
"""

from __future__ import annotations

import io
from pathlib import Path

from core.errors import InputFileError, ParameterError

FORMATS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".xlsx": "xlsx", ".gpkg": "gpkg"}
MIME = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}


def format_for(path) -> str:
    """'pdf' | 'html' | 'xlsx' | 'gpkg' from a file name; anything else is a ParameterError."""
    ext = Path(str(path)).suffix.lower()
    if ext not in FORMATS:
        raise ParameterError(
            f"レポートの形式が分かりません（拡張子 {ext or 'なし'}）。.pdf / .html / .xlsx / .gpkg を指定してください。",
            f"unknown report format '{ext}': use .pdf, .html, .xlsx or .gpkg",
            path=str(path),
        )
    return FORMATS[ext]


def _write(data, fmt: str, out) -> None:
    if fmt == "pdf":
        from madoguchi.reports.pdf import write_pdf

        write_pdf(data, out)
    elif fmt == "html":
        from madoguchi.reports.html import write_html

        write_html(data, out)
    elif fmt == "xlsx":
        from madoguchi.reports.xlsx import write_xlsx

        write_xlsx(data, out)
    elif fmt == "gpkg":
        from madoguchi.reports.gpkg import write_gpkg

        write_gpkg(data, out)
    else:
        raise ParameterError(f"不明なレポート形式: {fmt}", f"unknown report format: {fmt}")


def report_data(region, scenario, compare_with=None, lang: str = "ja"):
    """The report content (tables, layers, texts) for a scenario in `lang`; see tables.build_report_data."""
    from madoguchi.reports.tables import build_report_data

    return build_report_data(region, scenario, compare_with, lang=lang)


def build_report(region, scenario, out_path, compare_with=None, lang: str = "ja", data=None):
    """Write a report; the format follows the extension of `out_path` (.pdf .html .xlsx .gpkg).

    Written atomically (temp file + rename). Returns the ReportData (for callers that also
    want the numbers, e.g. the CLI's summary line). `lang`: 'ja' (default) or 'en', the language
    of every word; a given `data` is written in its own language.
    """
    fmt = format_for(out_path)
    out = Path(out_path)
    if out.is_dir():
        raise InputFileError(
            "出力先がフォルダです。ファイル名を指定してください。",
            "the output path is a folder; give a file name",
            path=out,
        )
    data = data or report_data(region, scenario, compare_with, lang=lang)
    try:
        _write(data, fmt, out)
    except OSError as e:
        raise InputFileError(
            f"レポートを書き込めません ({e.strerror or e})。", f"cannot write the report ({e.strerror or e})", path=out
        ) from e
    return data


def report_bytes(region, scenario, fmt: str, compare_with=None, data=None, lang: str = "ja") -> bytes:
    """The report file as bytes (for st.download_button); fmt = 'pdf' | 'html' | 'xlsx' | 'gpkg';
    `lang` = 'ja' (default) or 'en'."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in MIME:
        raise ParameterError(f"不明なレポート形式: {fmt}", f"unknown report format: {fmt}")
    data = data or report_data(region, scenario, compare_with, lang=lang)
    buf = io.BytesIO()
    _write(data, fmt, buf)
    return buf.getvalue()


__all__ = ["build_report", "report_bytes", "report_data", "format_for", "FORMATS", "MIME"]
