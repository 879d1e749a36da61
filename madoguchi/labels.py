"""Display labels for the codes stored in scenarios and results (made at display time).

Scenario sections store codes and numbers only; the CLI, the reports and (later, via i18n) the app
turn them into words here. Owned by the planning side for now; the app's i18n may fold it in.
Every function takes ``lang`` ('ja' default, or 'en').
"""
from __future__ import annotations

import math

import numpy as np

SCOPE = {"without_welfare_office": ("福祉事務所のない町村", "municipalities without a welfare office"),
         "all": ("県全体", "whole prefecture")}
TRAVEL_TIME_METHOD = {"road": ("道路", "road"), "estimate": ("推定", "estimate"), "mixed": ("混在", "mixed"),
                      "unknown": ("不明", "unknown")}
METHOD_CODE = {0: ("道路", "road"), 1: ("推定", "estimate"), 2: ("航路等を含む", "includes a link")}
REASON = {"unreachable_by_road": ("道路で到達不可", "unreachable by road"),
          "not_a_day_trip": ("日帰り不可", "not a day trip")}
SHARE_PART = {"equal": ("均等割", "equal"), "population": ("人口割", "population"), "use": ("利用割", "use")}
NOTE = {"base_only": ("拠点のみのブロック", "block with its base only")}


def _pick(pair, lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def fmt_num(x, nd: int = 1) -> str:
    """Thousands-separated number; '—' for None, NaN or inf (never a made-up value)."""
    if x is None:
        return "—"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    return "—" if not math.isfinite(v) else f"{v:,.{nd}f}"


def scope_label(code: str, lang: str = "ja") -> str:
    """Demand scope code -> words."""
    return _pick(SCOPE.get(code, (code, code)), lang)


def travel_time_method_label(name: str, lang: str = "ja") -> str:
    """'road' | 'estimate' | 'mixed' -> 道路 / 推定 / 混在."""
    return _pick(TRAVEL_TIME_METHOD.get(str(name), (str(name), str(name))), lang)


def method_codes_label(codes, lang: str = "ja") -> str:
    """A set of per-pair method codes -> 道路 (all road), 推定 (all estimate), 混在 (else), '—' (none)."""
    m = np.asarray(codes).ravel()
    if m.size == 0:
        return "—"
    u = set(np.unique(m).tolist())
    if u == {0}:
        return travel_time_method_label("road", lang)
    if u == {1}:
        return travel_time_method_label("estimate", lang)
    return travel_time_method_label("mixed", lang)


def method_code_label(code: int, lang: str = "ja") -> str:
    """One method code (0 road, 1 estimate, 2 link) -> words."""
    return _pick(METHOD_CODE.get(int(code), (str(code), str(code))), lang)


def reason_label(code: str, lang: str = "ja") -> str:
    """Outreach 'not served' reason code (or a version-1 sentence) -> words."""
    return _pick(REASON.get(str(code), (str(code), str(code))), lang)


def note_label(code: str, lang: str = "ja") -> str:
    return _pick(NOTE.get(str(code), (str(code), str(code))), lang)


def frequency_label(rule: dict | None, lang: str = "ja") -> str:
    """Outreach frequency codes -> '2 回/月' or the expected-cases formula."""
    if not isinstance(rule, dict):
        return ""
    if rule.get("kind") == "cases":
        cr, cpv = rule.get("case_rate"), rule.get("cases_per_visit")
        if lang == "en":
            return f"ceil(population x {cr:g}/1000/12 / {cpv:g} cases per visit), 1-4 per month"
        return f"ceil(人口×{cr:g}/1000/12 ÷ {cpv:g}件/回), 1〜4回/月"
    n = rule.get("per_month")
    return (f"{n} per month" if lang == "en" else f"{n} 回/月") if n is not None else ""


def adjacency_label(rule: dict | None, lang: str = "ja") -> str:
    """Partnership neighbour rule codes -> words."""
    if not isinstance(rule, dict):
        return ""
    if rule.get("kind") == "travel_time":
        t = rule.get("max_min")
        return f"travel time <= {t:g} min" if lang == "en" else f"{t:g} 分以内で行き来できる"
    gap = rule.get("gap_m") or 200
    return (f"polygons within {gap:g} m (fuzzy contiguity)" if lang == "en" else f"境界が接する（{gap:g} m 以内）")


def host_rule_label(code: str | None, lang: str = "ja") -> str:
    if code != "group_1median":
        return str(code or "")
    return ("1-median over the group's candidate sites, weighted by its demand points" if lang == "en"
            else "グループ内の候補地のうち人口加重平均時間が最小")


def second_desk_label(code: str | None, lang: str = "ja") -> str:
    if code != "outside_own_municipality":
        return str(code or "")
    return ("nearest hub outside the demand point's own municipality" if lang == "en"
            else "自分の市町村以外で最寄りの窓口")


def share_rule_label(rule: dict | None, lang: str = "ja") -> dict:
    """Cost-share weights {'equal': 0.1, 'population': 0.9} -> {'均等割': 0.1, '人口割': 0.9}."""
    return {(_pick(SHARE_PART[k], lang) if k in SHARE_PART else k): v for k, v in (rule or {}).items()}
