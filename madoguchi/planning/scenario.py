"""Scenario: the JSON document every planning step writes and the app and reports read.

A typed schema (pydantic v2) validates every field and every section on read: a wrong type
(``version: "abc"``, ``hubs: {}``, ``thresholds: ["a"]``, ``coverage: "x"``) raises
:class:`core.errors.InputFileError` naming the field, never a traceback. Sections store codes
and numbers only; display text is made at display time (:mod:`madoguchi.i18n`).

Version history
---------------
1
    Sections were the CLI's JSON, with some "English / 日本語" sentences (``adjacency``,
    ``host_rule``, ``second_desk.rule``, ``frequency_rule``, outreach ``reason``).
2
    The same sections with codes instead of sentences (see :func:`migrate`). Version-1 files
    load (migrated on read) and are written back as version 2.

Storage (files, locks, the per-region store) lives in :mod:`madoguchi.planning.store`.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import InputFileError

FORMAT = "madoguchi-scenario"
VERSION = 2
DEMAND_SCOPES = ("without_welfare_office", "all")
HUB_SOURCES = ("existing", "model", "manual")
SECTIONS = ("placement", "coverage", "outreach", "partnership")

# Outreach "not served" reasons: models.outreach writes Japanese text; scenarios store these codes.
REASON_CODES = {"道路で到達不可": "unreachable_by_road", "日帰り不可": "not_a_day_trip"}


def _finite(v: float | None) -> float | None:
    if v is not None and not math.isfinite(float(v)):
        raise ValueError("must be a finite number")
    return v


class Hub(BaseModel):
    """A consultation desk: fixed (existing) or chosen (by a model or by hand).

    Attributes
    ----------
    site_id, name : str
    lon, lat : float
        WGS84 degrees.
    fixed : bool
        Always open (kept by placement).
    source : {'existing', 'model', 'manual'}
    capacity : float or None
        Cases per year, if known.
    """

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, validate_assignment=False)

    site_id: str
    name: str
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    fixed: bool = False
    source: Literal["existing", "model", "manual"] = "model"
    capacity: float | None = None

    def __init__(self, *args: Any, **kw: Any) -> None:
        """Positional arguments in field order are accepted (as the former dataclass did)."""
        for k, v in zip(_HUB_FIELDS, args):
            kw[k] = v
        super().__init__(**kw)

    @field_validator("lon", "lat", "capacity")
    @classmethod
    def _fin(cls, v: float | None) -> float | None:
        return _finite(v)


_HUB_FIELDS = ("site_id", "name", "lon", "lat", "fixed", "source", "capacity")


# ------------------------------------------------------------------------------ sections
class _Section(BaseModel):
    """Typed keys; other keys are kept as they are (numbers, codes, ids)."""

    model_config = ConfigDict(extra="allow")


class Within(BaseModel):
    model_config = ConfigDict(extra="allow")
    population: float | None = None
    share: float | None = None


class CoverageSection(_Section):
    """`madoguchi coverage` / `place` result: models.coverage.CoverageResult.to_dict() + method codes."""

    population: float | None = None
    thresholds: list[float] | None = None
    within: dict[str, Within] | None = None
    mean_min: float | None = None
    p90_min: float | None = None
    max_min: float | None = None
    unreachable_population: float | None = None
    unreachable_ids: list[int | str] | None = None
    unreachable_municipalities: list[str] | None = None
    method: Literal["road", "estimate", "mixed", "unknown"] | None = None
    travel_time_method: Literal["road", "estimate", "mixed", "unknown"] | None = None
    hub_ids: list[str] | None = None
    municipalities: list[dict[str, Any]] | None = None
    demand_scope: Literal["without_welfare_office", "all"] | None = None


class DemandRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: str | None = None


class SecondDesk(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rule: Literal["outside_own_municipality"] = "outside_own_municipality"
    mean_min: float | None = None
    population_without: float | None = None
    within: dict[str, float] = Field(default_factory=dict)


class PlacementSection(_Section):
    """`madoguchi place` / the app's placement: models.placement.PlacementResult.to_dict() (no assignment)."""

    model: Literal["pmedian", "mclp", "lscp", "pcenter"] | None = None
    method: str | None = None
    solver: str | None = None
    params: dict[str, Any] | None = None
    chosen_site_ids: list[str] | None = None
    fixed_site_ids: list[str] | None = None
    new_site_ids: list[str] | None = None
    objective: float | None = None
    lower_bound: float | None = None
    gap: float | None = None
    solve_s: float | None = None
    demand_rule: DemandRule | None = None
    travel_time_method: Literal["road", "estimate", "mixed", "unknown"] | None = None
    second_desk: SecondDesk | None = None
    workload: dict[str, Any] | None = None
    scope: Literal["without_welfare_office", "all"] | None = None


class SiteRef(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)
    site_id: str
    name: str = ""


class Frequency(BaseModel):
    """How often a stop is visited: a fixed number per month, or from expected cases."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["fixed", "cases"]
    per_month: int | None = None
    case_rate: float | None = None  # cases per 1,000 residents per year
    cases_per_visit: float | None = None


class Unserved(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)
    stop: str
    name: str = ""
    reason: Literal["unreachable_by_road", "not_a_day_trip"]


class OutreachPlanDict(BaseModel):
    """models.outreach.OutreachPlan.to_dict() with reason codes."""

    model_config = ConfigDict(extra="allow")
    routes: list[dict[str, Any]] = Field(default_factory=list)
    unserved: list[Unserved] = Field(default_factory=list)


class OutreachSection(_Section):
    """`madoguchi outreach`: one plan, or one plan per block."""

    base: SiteRef | None = None
    bases: list[SiteRef] | None = None  # every hub planned from (several-hub plans; absent in older files)
    stops_at_hubs: list[dict[str, Any]] | None = None  # stops standing on a hub: no trip needed
    travel_time_method: Literal["road", "estimate", "mixed", "unknown"] | None = None
    service_min: float | None = None
    day: str | None = None
    frequency: Frequency | None = None
    teams: int | None = None
    plan: OutreachPlanDict | None = None
    blocks: dict[str, Any] | None = None
    block_plans: list[OutreachPlanDict] | None = None
    unassigned_stops: list[str] | None = None
    demand_rule: DemandRule | None = None


class Adjacency(BaseModel):
    """Which municipalities count as neighbours: touching polygons or a travel-time limit."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["contiguity", "travel_time"]
    gap_m: float | None = None
    max_min: float | None = None


class Group(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)
    group: str
    codes: list[str] = Field(default_factory=list)
    population: float | None = None
    cost_share: dict[str, Any] | None = None


class PartnershipSection(_Section):
    """`madoguchi partner`: groups of municipalities, hosts and cost shares."""

    k: int | None = None
    min_pop: float | None = None
    method: Literal["regionalize", "user"] | None = None
    adjacency: Adjacency | None = None
    host_rule: Literal["group_1median"] | None = None
    travel_time_method: Literal["road", "estimate", "mixed", "unknown"] | None = None
    groups: list[Group] | None = None
    labels: dict[str, str] | None = None
    demand_rule: DemandRule | None = None


SECTION_MODELS: dict[str, type[_Section]] = {
    "placement": PlacementSection,
    "coverage": CoverageSection,
    "outreach": OutreachSection,
    "partnership": PartnershipSection,
}


class _Doc(BaseModel):
    """The file as stored (validation only; the app works on :class:`Scenario`)."""

    model_config = ConfigDict(extra="ignore")
    format: Literal["madoguchi-scenario"]
    version: int = Field(ge=1)
    name: str = ""
    region: str = ""
    pref_code: str = ""
    demand_scope: Literal["without_welfare_office", "all"] = "without_welfare_office"
    thresholds: list[float] = Field(default_factory=lambda: [15.0, 30.0, 45.0, 60.0])
    hubs: list[Hub] = Field(default_factory=list)
    placement: PlacementSection = Field(default_factory=PlacementSection)
    coverage: CoverageSection = Field(default_factory=CoverageSection)
    outreach: OutreachSection = Field(default_factory=OutreachSection)
    partnership: PartnershipSection = Field(default_factory=PartnershipSection)
    settings: dict[str, Any] = Field(default_factory=dict)
    notes: str = ""
    created: str = ""
    updated: str = ""

    @field_validator("thresholds")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if not v or any(not (math.isfinite(t) and t > 0) for t in v):
            raise ValueError("thresholds must be positive minutes")
        return v


# ------------------------------------------------------------------------------ migration
def _split_sentence(s: Any) -> str:
    return str(s).split(" / ")[-1] if s else ""


def _reason_code(x: Any) -> Any:
    return REASON_CODES.get(str(x), x)


def section_codes(name: str, sec: dict) -> dict:
    """One section with display sentences replaced by codes (idempotent; used on write and on read).

    Parameters
    ----------
    name : {'placement', 'coverage', 'outreach', 'partnership'}
    sec : dict
        The section as a planning function returned it.

    Returns
    -------
    dict
        A new dict: codes and numbers only.
    """
    if not isinstance(sec, dict):
        return sec
    d = dict(sec)
    d.pop("region", None)
    if isinstance(d.get("demand_rule"), dict):
        d["demand_rule"] = {"rule": d["demand_rule"].get("rule")}
    if name == "placement" and isinstance(d.get("second_desk"), dict):
        sd = dict(d["second_desk"])
        sd["rule"] = "outside_own_municipality"
        d["second_desk"] = sd
    if name == "outreach":
        fr = d.pop("frequency_rule", None)
        if "frequency" not in d and fr is not None:
            d["frequency"] = _frequency_from_text(str(fr))
        for key in ("plan",):
            if isinstance(d.get(key), dict):
                d[key] = _plan_codes(d[key])
        if isinstance(d.get("block_plans"), list):
            d["block_plans"] = [_plan_codes(p) if isinstance(p, dict) else p for p in d["block_plans"]]
    if name == "partnership":
        adj = d.get("adjacency")
        if isinstance(adj, str):
            d["adjacency"] = _adjacency_from_text(adj)
        if isinstance(d.get("host_rule"), str):
            d["host_rule"] = "group_1median"
        if isinstance(d.get("groups"), list):
            d["groups"] = [_group_codes(g) if isinstance(g, dict) else g for g in d["groups"]]
    return d


def _plan_codes(p: dict) -> dict:
    p = dict(p)
    if isinstance(p.get("unserved"), list):
        p["unserved"] = [
            ({**u, "reason": _reason_code(u.get("reason"))} if isinstance(u, dict) else u) for u in p["unserved"]
        ]
    if p.get("note") == "拠点のみのブロック":
        p["note"] = "base_only"
    return p


def _group_codes(g: dict) -> dict:
    g = dict(g)
    cs = g.get("cost_share")
    if isinstance(cs, dict) and "rule_ja" in cs:
        cs = dict(cs)
        cs.pop("rule_ja")
        g["cost_share"] = cs
    return g


def _frequency_from_text(s: str) -> dict:
    """Version-1 `frequency_rule` text -> Frequency dict."""
    import re

    m = re.match(r"^\s*(\d+)\s*回/月", s)
    if m:
        return {"kind": "fixed", "per_month": int(m.group(1))}
    m = re.search(r"人口×([\d.]+)/1000/12 ÷ ([\d.]+)件/回", s)
    if m:
        return {"kind": "cases", "case_rate": float(m.group(1)), "cases_per_visit": float(m.group(2))}
    return {"kind": "fixed", "per_month": None}


def _adjacency_from_text(s: str) -> dict:
    import re

    m = re.search(r"<=\s*([\d.]+)\s*min", s)
    if m:
        return {"kind": "travel_time", "max_min": float(m.group(1))}
    m = re.search(r"within\s*([\d.]+)\s*m", s)
    return {"kind": "contiguity", "gap_m": float(m.group(1)) if m else 200.0}


def migrate(d: dict) -> dict:
    """A version-1 document -> version 2 (sentences -> codes). Other versions pass unchanged."""
    if not isinstance(d, dict):
        return d
    out = dict(d)
    for name in SECTIONS:
        if isinstance(out.get(name), dict):
            out[name] = section_codes(name, out[name])
    if out.get("version") == 1:
        out["version"] = VERSION
    return out


def _field_name(loc: tuple) -> str:
    return ".".join(str(x) for x in loc) or "(document)"


# ------------------------------------------------------------------------------ Scenario
class Scenario(BaseModel):
    """A plan: hubs, demand scope, thresholds and the sections each planning step wrote.

    Sections (`placement`, `coverage`, `outreach`, `partnership`) are plain dicts at run time
    (validated against their schema on read and on write; empty = not computed).
    """

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    name: str
    region: str = ""  # region bundle name (folder name under the regions dir)
    pref_code: str = ""
    demand_scope: str = "without_welfare_office"
    thresholds: list[float] = Field(default_factory=lambda: [15.0, 30.0, 45.0, 60.0])
    hubs: list[Hub] = Field(default_factory=list)
    placement: dict = Field(default_factory=dict)
    coverage: dict = Field(default_factory=dict)
    outreach: dict = Field(default_factory=dict)
    partnership: dict = Field(default_factory=dict)
    settings: dict = Field(default_factory=dict)
    notes: str = ""
    created: str = ""
    updated: str = ""

    def to_dict(self) -> dict:
        """The stored document (format marker, version, every field; sections as codes)."""
        d = self.model_dump()
        for name in SECTIONS:
            d[name] = section_codes(name, d[name])
        return {"format": FORMAT, "version": VERSION, **d}

    def touch(self) -> Scenario:
        """Set `updated` (and `created` if empty) to now (local time, ISO 8601). Returns self."""
        now = _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")
        if not self.created:
            self.created = now
        self.updated = now
        return self

    @classmethod
    def from_dict(cls, d: Any, *, source: str | None = None) -> Scenario:
        """Validate and build; anything foreign or broken raises InputFileError naming the field.

        Parameters
        ----------
        d : dict
            The parsed JSON document (version 1 or 2).
        source : str, optional
            File name for the message.
        """
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise InputFileError(
                "Madoguchi のシナリオファイルではありません。", "not a Madoguchi scenario file", path=source
            )
        v = d.get("version", 1)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise InputFileError(f"version の値が不正です: {v!r}", f"field 'version' is invalid: {v!r}", path=source)
        if v > VERSION:
            raise InputFileError(
                f"新しい版 (version {v}) のシナリオです。Madoguchi を更新してください。",
                f"scenario version {v} is newer than this Madoguchi",
                path=source,
            )
        for name in SECTIONS:  # a section must be an object before migration touches it
            if name in d and d[name] is not None and not isinstance(d[name], dict):
                raise InputFileError(
                    f"{name} の値が不正です（オブジェクトが必要）", f"field '{name}': must be an object", path=source
                )
        if "hubs" in d and not isinstance(d["hubs"], list):
            raise InputFileError("hubs の値が不正です（リストが必要）", "field 'hubs': must be a list", path=source)
        doc_in = migrate(d)
        doc_in = {k: v for k, v in doc_in.items() if v is not None or k not in SECTIONS}
        try:
            doc = _Doc.model_validate(doc_in)
        except ValidationError as e:
            err = e.errors()[0]
            f = _field_name(err["loc"])
            raise InputFileError(
                f"シナリオの {f} の値が不正です（{err['msg']}）", f"scenario field '{f}': {err['msg']}", path=source
            ) from None
        sections = {name: getattr(doc, name).model_dump(exclude_unset=True, mode="json") for name in SECTIONS}
        return cls(
            name=doc.name,
            region=doc.region,
            pref_code=doc.pref_code,
            demand_scope=doc.demand_scope,
            thresholds=[float(t) for t in doc.thresholds],
            hubs=doc.hubs,
            settings=doc.settings,
            notes=doc.notes,
            created=doc.created,
            updated=doc.updated,
            **sections,
        )

    def validate_sections(self) -> None:
        """Check every section against its schema (before a write); raises ParameterError naming the field."""
        from core.errors import ParameterError

        for name in SECTIONS:
            try:
                SECTION_MODELS[name].model_validate(section_codes(name, getattr(self, name) or {}))
            except ValidationError as e:
                err = e.errors()[0]
                f = name + "." + _field_name(err["loc"])
                raise ParameterError(
                    f"シナリオの {f} の値が不正です（{err['msg']}）", f"scenario field '{f}': {err['msg']}"
                ) from e
