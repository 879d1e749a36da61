"""Colours and dash patterns shared by the interactive maps (madoguchi.maps) and the static
PDF/PNG map (madoguchi.reports.static_map). No imports: the PDF path must not load folium.
"""

from __future__ import annotations

# Routes: a qualitative palette of 10 colours that stay apart (Tableau 10); each route also gets
# a dash pattern (4 patterns; 10 and 4 give 20 distinct colour+dash pairs) so routes stay apart
# in greyscale print. Route k uses ROUTE_COLORS[k % 10] and ROUTE_DASHES[k % 4].
ROUTE_COLORS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
]
ROUTE_DASHES = ["", "12 6", "3 6", "14 5 3 5"]  # SVG stroke-dasharray in px; '' = solid


def route_style(k: int) -> tuple[str, str]:
    """(css colour, SVG dash pattern) of route number `k` (0-based); '' = solid line."""
    return ROUTE_COLORS[k % len(ROUTE_COLORS)], ROUTE_DASHES[k % len(ROUTE_DASHES)]
