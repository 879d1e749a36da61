"""Display-time views of stored plan data: map lines and the month calendar of an outreach plan,
and the cost-share rule choices. Labels are made here from codes (madoguchi.i18n), in the
language of the screen; nothing here is stored (plain Python, tested without a browser)."""

from __future__ import annotations

import pandas as pd

from madoguchi.i18n import STRINGS, code_label, join_list, t

# cost-share rule codes offered on the partnership page (labels: madoguchi.i18n.cost_rule_label)
COST_RULES = ["equal:0.1,population:0.9", "population", "equal", "equal:0.5,population:0.5"]


def route_lines(region, plan: dict, lang_: str = "ja", *, positions: dict | None = None) -> list[dict]:
    """Map lines for a plan: base -> stops in visiting order -> base (straight lines between stops).

    Parameters
    ----------
    region : geo.region.Region
        Gives the site positions (lon, lat in degrees, EPSG:4326).
    plan : dict
        An outreach plan (``routes`` with ``stops`` site ids and ``frequency`` visits a month;
        ``base_site_id`` or ``_base_xy``).
    lang_ : str
        'ja' or 'en': the language of the line names ("ルート1（月1回）" / "Route 1 (1× a month)").
    positions : dict, optional
        Extra ``{site id: (lon, lat)}`` (degrees), e.g. the plan's hubs: a hub moved off a site
        is not among the region's sites. Each route is drawn from its own ``base``.

    Returns
    -------
    list of dict
        ``{name, coords: [(lon, lat), ...], base}`` per route, in the plan's order.
    """
    pos = {
        str(a): (float(b), float(c))
        for a, b, c in zip(region.sites["site_id"], region.sites["lon"], region.sites["lat"])
    }
    pos.update({str(k): (float(v[0]), float(v[1])) for k, v in (positions or {}).items()})
    base = pos.get(str(plan.get("base_site_id") or "")) or None
    out = []
    for i, r in enumerate(plan.get("routes", [])):
        pts = [pos[s] for s in r["stops"] if s in pos]
        b = pos.get(str(r.get("base") or "")) or base or plan.get("_base_xy")
        coords = ([b] if b else []) + pts + ([b] if b else [])
        out.append(
            {
                "name": t("route_legend", lang_, n=i + 1, f=r["frequency"]),
                "coords": coords,
                "base": str(r.get("base") or plan.get("base_site_id") or ""),
            }
        )
    return out


def calendar_grid(plan: dict, lang_: str = "ja", routes=None) -> pd.DataFrame | None:
    """Month grid (weeks x Mon–Fri): which routes run each working day; '休' / 'closed' on closed
    weekdays. None when the plan has no month. `routes` (route indices, optional) keeps only those
    routes, e.g. one hub's calendar; route numbers stay the plan's."""
    import calendar as _cal
    import datetime as dt

    month = plan.get("month")
    if not month:
        return None
    y, m = (int(x) for x in month.split("-"))
    work = set(plan.get("working_days", []))
    cal = plan.get("calendar", {})
    cols = [t(f"wd_{k}", lang_) for k in range(5)]
    rows = []
    for week in _cal.monthcalendar(y, m):
        row = {}
        for k, col in enumerate(cols):
            d = week[k]
            if d == 0:
                row[col] = ""
                continue
            iso = dt.date(y, m, d).isoformat()
            if iso not in work:
                row[col] = t("cal_closed", lang_, d=d)
                continue
            rts = [i for i in cal.get(iso, []) if routes is None or i in routes]
            row[col] = t("cal_day", lang_, d=d) + " " + join_list((t("route_n", lang_, n=i + 1) for i in rts), lang_)
        if any(v for v in row.values()):
            rows.append(row)
    return pd.DataFrame(rows, columns=cols)


COLUMN_KEYS = {
    "site_id": "col_id",
    "name": "col_name",
    "address": "col_address",
    "lat": "col_lat",
    "lon": "col_lon",
    "match_level": "col_match",
    "inside_region": "col_inside",
    "point_id": "col_point",
    "muni_code": "col_code",
    "municipality": "col_municipality",
    "town": "col_town",
    "koaza": "col_koaza",
    "population": "population",
}


def label_columns(df: pd.DataFrame, lang_: str = "ja") -> pd.DataFrame:
    """A copy of a data table for display: column codes become headers in `lang_` and the
    geocoder's match levels ('座標', '大字', …) are worded in `lang_`. Data values (names,
    addresses, numbers) are left as they are."""
    from madoguchi.i18n import code_label

    out = df.copy()
    if "match_level" in out.columns:
        out["match_level"] = [code_label("match", v, lang_) for v in out["match_level"]]
    return out.rename(columns={c: t(k, lang_) for c, k in COLUMN_KEYS.items() if c in out.columns})


def model_note(note, lang_: str = "ja") -> str:
    """A placement model's note (models.placement words them in English) in `lang_`; a note of
    another kind is shown as it is."""
    import re

    m = re.fullmatch(r"solver status (.+?)(?: \(time limit ([\d.]+) s\))?", note)
    if m:
        code = m.group(1).replace(" ", "_").lower()
        status = code_label("solver", code, lang_) if f"solver_{code}" in STRINGS else m.group(1)
        if m.group(2):
            return t("note_solver_status_limit", lang_, status=status, s=m.group(2))
        return t("note_solver_status", lang_, status=status)
    if note.startswith("proven optimal"):
        return t("note_proven_optimal", lang_)
    return note
