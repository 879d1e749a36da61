"""PDF report: A4 portrait pages drawn with matplotlib (PdfPages), fully offline.

Why matplotlib and not HTML->PDF: it needs no system libraries beyond a font, embeds the
Japanese TrueType font (IPAexGothic) as CID TrueType so pdftotext extracts every number, and
draws the same map as the static PNG. Tables are laid out by hand (text + rules) so long
tables paginate predictably. Greyscale-safe: black text, grey zebra rows, no colour-only keys.
"""

from __future__ import annotations

import io
from pathlib import Path

from geo.atomic import write_bytes_atomic
from madoguchi.i18n import fmt_date, t
from madoguchi.reports.fonts import setup_matplotlib
from madoguchi.reports.model import ReportData, Table, display_width, wrap_text
from madoguchi.safe_text import plain_text

A4 = (8.27, 11.69)  # inches, portrait
MARGIN_L, MARGIN_R, MARGIN_T, MARGIN_B = 0.6, 0.6, 0.7, 0.7  # inches
_NUMERIC = ("int", "pct", "min", "km", "yen", "num", "num1", "coord", "auto")


class _Doc:
    """Page factory with running footer and page count."""

    def __init__(self, pdf, data: ReportData):
        from matplotlib.figure import Figure

        self._Figure = Figure
        self.pdf = pdf
        self.data = data
        self.page = 0

    def new_page(self):
        fig = self._Figure(figsize=A4)
        self.page += 1
        d = self.data
        fig.text(
            MARGIN_L / A4[0],
            0.35 / A4[1],
            plain_text(t("rep_footer", d.lang, title=d.title, subtitle=d.subtitle, date=fmt_date(d.date, d.lang))),
            fontsize=6.5,
            color="#333333",
            ha="left",
            va="bottom",
        )
        fig.text(
            1 - MARGIN_R / A4[0],
            0.35 / A4[1],
            t("rep_page", d.lang, n=self.page),
            fontsize=6.5,
            color="#333333",
            ha="right",
            va="bottom",
        )
        return fig

    def save(self, fig):
        self.pdf.savefig(fig)


def _y(inches_from_top: float) -> float:
    return 1 - inches_from_top / A4[1]


def _x(inches_from_left: float) -> float:
    return inches_from_left / A4[0]


def _text_block(
    fig,
    top_in: float,
    lines: list[str],
    fontsize: float = 8.5,
    left_in: float = MARGIN_L,
    line_h: float | None = None,
    **kw,
) -> float:
    """Write lines downward from `top_in`; return the new top (inches)."""
    lh = line_h or fontsize * 1.55 / 72
    for ln in lines:
        fig.text(_x(left_in), _y(top_in), plain_text(ln), fontsize=fontsize, va="top", ha="left", **kw)
        top_in += lh
    return top_in


def _wrap_width(fontsize: float, width_in: float) -> int:
    """Display columns (half-width units) that fit in width_in at fontsize."""
    return max(10, int(width_in / (0.5 * fontsize / 72) * 0.98))


def _paragraphs(fig, top_in: float, texts: list[str], fontsize: float = 8.5, indent_in: float = 0.0) -> float:
    width = A4[0] - MARGIN_L - MARGIN_R - indent_in
    lines: list[str] = []
    for tx in texts:
        lines += wrap_text(tx, _wrap_width(fontsize, width))
    return _text_block(fig, top_in, lines, fontsize=fontsize, left_in=MARGIN_L + indent_in)


def _heading(fig, top_in: float, text: str, size: float = 12) -> float:
    fig.text(_x(MARGIN_L), _y(top_in), plain_text(text), fontsize=size, va="top", ha="left")
    y = top_in + size * 1.5 / 72
    from matplotlib.lines import Line2D

    fig.add_artist(Line2D([_x(MARGIN_L), _x(A4[0] - MARGIN_R)], [_y(y), _y(y)], color="black", linewidth=0.8))
    return y + 0.12


def _header_lines(c: str) -> list[str]:
    """Headers break at spaces onto up to two lines ('15分以内 人口' -> '15分以内' / '人口')."""
    parts = str(c).split(" ")
    if len(parts) <= 1:
        return [str(c)]
    return [parts[0], " ".join(parts[1:])]


def _table_layout(table: Table, max_width_in: float, base_font: float = 7.5):
    """Column widths (inches) and font size so the table fits the page width (PDF columns only)."""
    f = table.formatted()
    if table.pdf_columns:
        f = f[[c for c in table.pdf_columns if c in f.columns]]
    cols = list(f.columns)
    widths = []
    for c in cols:
        w = max([display_width(x) for x in _header_lines(c)] + [display_width(v) for v in f[c].tolist()]) + 3
        widths.append(min(w, 60))
    total_units = sum(widths)
    font = base_font
    while font > 5.0 and total_units * 0.5 * font / 72 > max_width_in:
        font -= 0.25
    unit_in = 0.5 * font / 72
    col_in = [w * unit_in for w in widths]
    scale = max_width_in / sum(col_in) if sum(col_in) > max_width_in else 1.0
    return f, cols, [c * scale for c in col_in], font


def _clip(s: str, max_units: int) -> str:
    if display_width(s) <= max_units:
        return s
    out = ""
    for ch in s:
        if display_width(out + ch) > max_units - 1:
            return out + "…"
        out += ch
    return out


def _draw_table_rows(fig, top_in: float, f, cols, col_in, font, kinds, rows) -> float:
    """Header + the given rows of a formatted frame, from top_in; return new top (inches)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    row_h = font * 1.75 / 72
    left = MARGIN_L
    total_w = sum(col_in)
    # header (one or two lines)
    n_lines = max(len(_header_lines(c)) for c in cols)
    hh = row_h * (1 if n_lines == 1 else 1.7)
    fig.add_artist(
        Rectangle(
            (_x(left), _y(top_in + hh)),
            total_w / A4[0],
            hh / A4[1],
            facecolor="#d9d9d9",
            edgecolor="none",
            transform=fig.transFigure,
        )
    )
    x = left
    for c, w in zip(cols, col_in):
        num = kinds.get(c) in _NUMERIC
        units = int(w / (0.5 * font / 72))
        text = "\n".join(_clip(plain_text(x_), units) for x_ in _header_lines(c))
        fig.text(
            _x(x + (w - 0.04 if num else 0.04)),
            _y(top_in + hh / 2),
            text,
            fontsize=font,
            va="center",
            ha="right" if num else "left",
            multialignment="right" if num else "left",
            linespacing=1.1,
        )
        x += w
    y = top_in + hh
    fig.add_artist(Line2D([_x(left), _x(left + total_w)], [_y(y), _y(y)], color="black", linewidth=0.6))
    for i, r in enumerate(rows):
        cells = _row_cells(f, r, cols, col_in, font, kinds)
        rh = _row_height(cells, font)
        if i % 2 == 1:
            fig.add_artist(
                Rectangle(
                    (_x(left), _y(y + rh)),
                    total_w / A4[0],
                    rh / A4[1],
                    facecolor="#f0f0f0",
                    edgecolor="none",
                    transform=fig.transFigure,
                )
            )
        x = left
        for c, w, lines in zip(cols, col_in, cells):
            num = kinds.get(c) in _NUMERIC
            fig.text(
                _x(x + (w - 0.04 if num else 0.04)),
                _y(y + rh / 2),
                "\n".join(plain_text(ln) for ln in lines),
                fontsize=font,
                va="center",
                ha="right" if num else "left",
                multialignment="right" if num else "left",
                linespacing=1.15,
            )
            x += w
        y += rh
    fig.add_artist(Line2D([_x(left), _x(left + total_w)], [_y(y), _y(y)], color="black", linewidth=0.6))
    return y + 0.1


MAX_CELL_LINES = 4


def _row_cells(f, r, cols, col_in, font, kinds) -> list[list[str]]:
    """Each cell of row r as display lines: text wraps (up to MAX_CELL_LINES), numbers never do."""
    out = []
    for c, w in zip(cols, col_in):
        units = int(w / (0.5 * font / 72)) - 1
        s = str(f.iloc[r][c])
        if kinds.get(c) in _NUMERIC or display_width(s) <= units:
            out.append([_clip(s, units + 1)])
            continue
        lines = wrap_text(s, max(4, units))
        if len(lines) > MAX_CELL_LINES:
            lines = lines[: MAX_CELL_LINES - 1] + [_clip(lines[MAX_CELL_LINES - 1] + "…", units)]
        out.append(lines)
    return out


def _row_height(cells, font) -> float:
    n = max(len(c) for c in cells)
    return font * 1.75 / 72 + (n - 1) * font * 1.15 * 1.2 / 72


def _table_pages(doc: _Doc, table: Table, fig=None, top_in: float | None = None):
    """Draw a table, continuing on new pages as needed; returns (fig, top_in) of the last page."""
    width = A4[0] - MARGIN_L - MARGIN_R
    if fig is None:
        fig, top_in = doc.new_page(), MARGIN_T
    f, cols, col_in, font = _table_layout(table, width)
    row_h = font * 1.75 / 72
    bottom = A4[1] - MARGIN_B - 0.1
    n = len(f)
    # heading + note need ~0.6 in; start a new page if not even 3 rows fit
    if top_in + 0.6 + 4 * row_h > bottom:
        doc.save(fig)
        fig, top_in = doc.new_page(), MARGIN_T
    top_in = _heading(fig, top_in, table.title, size=11)
    if table.note:
        top_in = _paragraphs(fig, top_in, [table.note], fontsize=7.5)
    if n == 0:
        top_in = _text_block(fig, top_in, [t("rep_none", table.lang)], fontsize=8.5)
        return fig, top_in + 0.1
    heights = [_row_height(_row_cells(f, r, cols, col_in, font, table.formats), font) for r in range(n)]
    header_h = row_h * 1.7
    start = 0
    while start < n:
        room = bottom - top_in - header_h
        end = start
        while end < n and (room >= heights[end] or end == start):
            room -= heights[end]
            end += 1
        rows = list(range(start, end))
        top_in = _draw_table_rows(fig, top_in, f, cols, col_in, font, table.formats, rows)
        start += len(rows)
        if start < n:
            doc.save(fig)
            fig, top_in = doc.new_page(), MARGIN_T
            top_in = _heading(fig, top_in, t("rep_continued", table.lang, title=table.title), size=11)
    return fig, top_in + 0.1


def _first_page(doc: _Doc, d: ReportData):
    from matplotlib.patches import Rectangle

    from madoguchi.reports.static_map import draw_map

    fig = doc.new_page()
    top = MARGIN_T
    fig.text(_x(MARGIN_L), _y(top), plain_text(d.title), fontsize=17, va="top")
    top += 0.36
    top = _text_block(
        fig,
        top,
        [
            f"{d.subtitle}",
            t("rep_meta", d.lang, date=fmt_date(d.date, d.lang), region=d.region_name, method=d.method_label),
        ],
        fontsize=9.5,
    )
    top += 0.05
    if d.warnings:
        lines = []
        for w in d.warnings:
            lines += wrap_text(w, _wrap_width(10, A4[0] - MARGIN_L - MARGIN_R - 0.3))
        h = len(lines) * 10 * 1.55 / 72 + 0.16
        fig.add_artist(
            Rectangle(
                (_x(MARGIN_L), _y(top + h)),
                (A4[0] - MARGIN_L - MARGIN_R) / A4[0],
                h / A4[1],
                facecolor="white",
                edgecolor="black",
                linewidth=1.6,
                transform=fig.transFigure,
            )
        )
        _text_block(fig, top + 0.08, lines, fontsize=10, left_in=MARGIN_L + 0.15)
        top += h + 0.12
    # key figures, two columns
    half = (A4[0] - MARGIN_L - MARGIN_R) / 2
    rows = d.headline
    n_left = (len(rows) + 1) // 2
    lh = 9 * 1.6 / 72
    for i, (label, value) in enumerate(rows):
        col, r = (0, i) if i < n_left else (1, i - n_left)
        x0 = MARGIN_L + col * half
        fig.text(_x(x0), _y(top + r * lh), plain_text(label), fontsize=9, va="top")
        fig.text(_x(x0 + half - 0.15), _y(top + r * lh), plain_text(value), fontsize=9, va="top", ha="right")
    top += n_left * lh + 0.1
    # map fills the rest of the page above the footer
    map_bottom = A4[1] - MARGIN_B - 0.15
    h_in = map_bottom - top
    ax = fig.add_axes(
        [_x(MARGIN_L), (A4[1] - map_bottom + 1.0) / A4[1], (A4[0] - MARGIN_L - MARGIN_R) / A4[0], (h_in - 1.0) / A4[1]]
    )
    draw_map(ax, d.layers, d.thresholds, credit=d.credit_line, lang=d.lang)
    doc.save(fig)


def _comparison_page(doc: _Doc, d: ReportData, table: Table | None):
    from madoguchi.reports.static_map import draw_map

    c = d.compare
    fig = doc.new_page()
    top = _heading(fig, MARGIN_T, t("rep_compare_heading", d.lang, a=d.scenario_name, b=c.scenario_name), size=12)
    if table is not None:
        width = A4[0] - MARGIN_L - MARGIN_R
        f, cols, col_in, font = _table_layout(table, width)
        top = _draw_table_rows(fig, top, f, cols, col_in, font, table.formats, list(range(len(f))))
    h_in = A4[1] - MARGIN_B - 0.3 - top
    w_in = (A4[0] - MARGIN_L - MARGIN_R - 0.2) / 2
    for i, (dd, name) in enumerate([(d, d.scenario_name), (c, c.scenario_name)]):
        ax = fig.add_axes(
            [_x(MARGIN_L + i * (w_in + 0.2)), (MARGIN_B + 1.3) / A4[1], w_in / A4[0], (h_in - 1.3) / A4[1]]
        )
        draw_map(
            ax,
            dd.layers,
            dd.thresholds,
            title=name,
            label_hubs=False,
            legend=(i == 0),
            label_munis=False,
            lang=d.lang,
            legend_from_left=True,
        )
    doc.save(fig)


def _sources_page(doc: _Doc, d: ReportData, fig=None, top=None):
    if fig is None:
        fig, top = doc.new_page(), MARGIN_T
    L = d.lang
    top = _heading(fig, top, t("rep_sources_heading", L), size=12)
    top = _paragraphs(fig, top, [t("rep_sources", L) + ":"] + source_lines(d), fontsize=8)
    top += 0.1
    bullet = "・" if L != "en" else "• "
    top = _paragraphs(
        fig, top, [t("rep_assumptions", L) + ":"] + [f"{bullet}{k}: {v}" for k, v in d.assumptions], fontsize=8
    )
    if d.notes:
        top += 0.1
        top = _paragraphs(fig, top, [t("rep_notes", L) + ":", d.notes], fontsize=8)
    doc.save(fig)


def source_lines(d: ReportData) -> list[str]:
    """One line per data source: name (date), licence, credit — dates as a person writes them."""
    from madoguchi.i18n import paren

    L = d.lang
    gap = "　" if L != "en" else ". "
    lines = []
    for s in d.sources:
        line = ("・" if L != "en" else "• ") + s.get("name", "")
        if s.get("date"):
            line += paren(fmt_date(s["date"], L), L)
        if s.get("licence"):
            line += f"{gap}{t('rep_licence', L)}: {s['licence']}"
        if s.get("credit"):
            line += f"{gap}{t('rep_credit', L)}: {s['credit']}"
        lines.append(line)
    return lines


def write_pdf(data: ReportData, out) -> None:
    """Write the PDF report to a path (atomically) or a binary file object."""
    setup_matplotlib()
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": f"{data.title} {data.subtitle}", "Creator": "Madoguchi"}) as pdf:
        doc = _Doc(pdf, data)
        _first_page(doc, data)
        fig = top = None
        for tb in data.tables:
            if tb.key == "compare":
                continue
            fig, top = _table_pages(doc, tb, fig, top)
        if fig is not None:
            doc.save(fig)
        if data.compare is not None:
            _comparison_page(doc, data, data.table("compare"))
        _sources_page(doc, data)
    payload = buf.getvalue()
    if hasattr(out, "write"):
        out.write(payload)
        return
    write_bytes_atomic(Path(out), payload, replace_policy="madoguchi")
