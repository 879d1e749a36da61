"""Text that users type is data, never code: escaping for every context it lands in.

Site, hub, municipality, group and scenario names and notes come from CSV files, uploads and
text boxes. Each helper here makes such text safe for exactly one context; pick the one for
the place the text lands in, at the moment it lands there (escape late, once):

=====================  ==============================================================
`html_text`            HTML element content or a quoted attribute value
`js_literal`           any JSON-able value as a JavaScript literal inside a <script>
                       (no ``</script>``, ``<!--``, U+2028/U+2029 breakouts)
`js_template_text`     HTML text inside a JavaScript template literal (`` `...` ``):
                       also neutralises ``${``, backticks and backslashes
`leaflet_html`         a Leaflet tooltip/popup/label/legend body (HTML that Leaflet
                       assigns with innerHTML): escaped, line breaks kept as <br>
`markdown_text`        Streamlit ``st.markdown`` / ``st.write`` / widget labels: every
                       Markdown, HTML, LaTeX (``$``) and directive (``:red[...]``)
                       character shown literally
`spreadsheet_text`     a cell in a CSV file: a leading apostrophe before ``= + - @``,
                       tab or CR so spreadsheet programs never run it as a formula
`is_formula_like`      True when a cell text would be read as a formula
`css_color`            a CSS colour from data, or a fallback (never free CSS)
=====================  ==============================================================

XLSX cells are made inert by `madoguchi.reports.xlsx` with `is_formula_like` (string data
type plus Excel's own quote-prefix flag, so the cell shows the text exactly as typed).
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from typing import Any

__all__ = [
    "FORMULA_PREFIXES",
    "css_color",
    "html_text",
    "is_formula_like",
    "js_literal",
    "js_template_text",
    "leaflet_html",
    "markdown_text",
    "spreadsheet_text",
]

# Characters that make a spreadsheet program treat a cell as a formula or command (OWASP CSV
# injection), plus their full-width forms, which Japanese input methods produce.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")

_JS_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "{": "\\u007b",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_RE = re.compile("[<>&'\u2028\u2029]|\\{(?=[{%#])")
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character (CommonMark escapable)
_CSS_COLOR = re.compile(r"^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,20}|rgba?\(\s*[\d.%\s,]+\))$")


def _s(value: Any) -> str:
    return "" if value is None else str(value)


def html_text(value: Any) -> str:
    """`value` as text for HTML content or a double/single-quoted attribute.

    Parameters
    ----------
    value : Any
        User text (None gives '').

    Returns
    -------
    str
        ``& < > " '`` replaced by entities, and also ``{ }`` (``&#123;`` ``&#125;``): folium and
        branca compile rendered map scripts as Jinja templates a second time, so ``{{ ... }}`` in
        a name would run as a template expression -- Python code on the server. A browser shows
        the text literally.
    """
    return html.escape(_s(value), quote=True).replace("{", "&#123;").replace("}", "&#125;")


def js_literal(value: Any) -> str:
    """A JSON-able value as a JavaScript literal that is safe inside an HTML <script> element.

    JSON is valid JavaScript; ``< > & '`` and the line separators U+2028/U+2029 are written as
    ``\\uXXXX`` so ``</script>``, ``<!--`` and old parsers cannot end the string or the script.
    A ``{`` that would open a Jinja tag (``{{``, ``{%``, ``{#``; these only occur inside strings
    in JSON) is written ``\\u007b``: branca re-compiles rendered scripts as Jinja templates, where
    ``{{ ... }}`` from user text would run as Python on the server.

    Parameters
    ----------
    value : Any
        str, number, bool, None, list or dict of those (non-finite floats are not allowed).

    Returns
    -------
    str
        The literal, e.g. ``"\\u003c/script\\u003e"``.
    """
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return _JS_RE.sub(lambda m: _JS_ESCAPES[m.group(0)], text)


def js_template_text(value: Any) -> str:
    """User text for the inside of a JavaScript template literal that is then used as HTML.

    HTML-escapes the text (it will be parsed as HTML) and escapes backslash, backtick and ``$``
    so ``${...}`` is not interpolated and the literal cannot be closed. Prefer `js_literal`
    where you control the script; this is for templates you do not own (e.g. folium's).
    """
    s = html_text(value)
    s = s.replace("\\", "\\\\").replace("`", "\\`").replace("$", "\\$")
    return s.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def leaflet_html(value: Any) -> str:
    """User text as the HTML body of a Leaflet tooltip, popup, label or legend row.

    Leaflet sets these with innerHTML, so the text is HTML-escaped; line breaks (also U+2028 and
    U+2029) become ``<br>`` so a multi-line note keeps its lines.
    """
    s = html_text(value)
    return re.sub("\r\n|[\r\n\u2028\u2029]", "<br>", s)


def markdown_text(value: Any) -> str:
    """User text for Streamlit markdown (``st.markdown``, ``st.caption``, ``st.write``, labels).

    Every ASCII punctuation character is backslash-escaped (CommonMark allows it for all of
    them), which also disables Streamlit's ``$`` LaTeX, ``:red[...]`` colour and
    ``:material/...:`` icon directives, links, images and raw HTML. Line breaks become spaces
    so the text cannot start a heading, list or table row of its own.
    """
    s = re.sub("\r\n|[\r\n\u2028\u2029]", " ", _s(value))
    return _MD_PUNCT.sub(r"\\\1", s)


def plain_text(value: Any) -> str:
    """User text drawn as plain text (matplotlib labels in the PDF and PNG maps): one line, control
    characters (tab, CR, NUL, ...) as spaces, so a name can neither break the layout nor ask the
    font for glyphs it has not got (mathtext is off: ``text.parse_math`` in reports/fonts.py)."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", _s(value))


def is_formula_like(value: Any) -> bool:
    """True if a spreadsheet would read this cell text as a formula or command.

    Looks at the first character after NFKC normalisation too (full-width ＝ etc.).
    """
    if not isinstance(value, str) or not value:
        return False
    return value.startswith(FORMULA_PREFIXES) or unicodedata.normalize("NFKC", value[:1]) in FORMULA_PREFIXES


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would run as a formula gets a leading apostrophe.

    Non-strings (numbers, None) are returned unchanged, so numeric columns stay numeric. A
    negative number written as text (e.g. '-5') also gets the apostrophe: CSV columns of user
    text are text.
    """
    if is_formula_like(value):
        return "'" + value
    return value


def css_color(value: Any, fallback: str = "#666666") -> str:
    """`value` if it is a plain CSS colour (#rgb[a], #rrggbb[aa], a colour name, rgb()/rgba()), else `fallback`."""
    s = _s(value).strip()
    return s if _CSS_COLOR.match(s) else fallback
