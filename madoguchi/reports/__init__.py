"""Coverage reports (PDF, HTML, XLSX, GeoPackage) and offline static maps.

`build_report(region, scenario, out_path)` picks the format by extension; `report_bytes`
returns the same file as bytes for the app's download button. The content is computed once
(tables.build_report_data) and laid out by one writer per format.
"""
from __future__ import annotations
