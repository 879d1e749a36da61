"""Scenario: the small JSON document every model writes and the app and reports read.

Pure (de)serialisation and validation; storage (atomic files) lives in geo/scenario_store.py.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import asdict, dataclass, field

from core.errors import InputFileError

FORMAT = "madoguchi-scenario"
VERSION = 1
DEMAND_SCOPES = ("without_welfare_office", "all")


@dataclass
class Hub:
    """A consultation desk: fixed (existing) or chosen (by a model or by hand)."""

    site_id: str
    name: str
    lon: float
    lat: float
    fixed: bool = False
    source: str = "model"  # 'existing' | 'model' | 'manual'
    capacity: float | None = None  # cases per year, if known


@dataclass
class Scenario:
    name: str
    region: str  # region bundle name (folder name under the regions dir)
    pref_code: str = ""
    demand_scope: str = "without_welfare_office"
    thresholds: list[float] = field(default_factory=lambda: [15.0, 30.0, 45.0, 60.0])
    hubs: list[Hub] = field(default_factory=list)
    placement: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    outreach: dict = field(default_factory=dict)
    partnership: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    notes: str = ""
    created: str = ""
    updated: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict with the file format marker and version."""
        d = asdict(self)
        return {"format": FORMAT, "version": VERSION, **d}

    def touch(self) -> Scenario:
        """Stamp `updated` (and `created` if empty) with the local time (ISO 8601); returns self."""
        now = _dt.datetime.now(_dt.UTC).astimezone().isoformat(timespec="seconds")
        if not self.created:
            self.created = now
        self.updated = now
        return self

    @classmethod
    def from_dict(cls, d: dict, *, source: str | None = None) -> Scenario:
        """Validate and build; anything foreign or broken raises InputFileError (never half-loads)."""
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            raise InputFileError(
                "Madoguchi のシナリオファイルではありません。", "not a Madoguchi scenario file", path=source
            )
        if int(d.get("version", 0)) > VERSION:
            raise InputFileError(
                f"新しい版 (version {d.get('version')}) のシナリオです。Madoguchi を更新してください。",
                f"scenario version {d.get('version')} is newer than this Madoguchi",
                path=source,
            )
        try:
            hubs = [Hub(**{k: v for k, v in h.items() if k in Hub.__dataclass_fields__}) for h in d.get("hubs", [])]
            for h in hubs:
                h.lon, h.lat = float(h.lon), float(h.lat)
            fields = {k: v for k, v in d.items() if k in cls.__dataclass_fields__ and k != "hubs"}
            sc = cls(hubs=hubs, **fields)
        except (TypeError, ValueError) as e:
            raise InputFileError(f"シナリオの内容が壊れています ({e})", f"scenario content is broken ({e})", path=source) from e
        if sc.demand_scope not in DEMAND_SCOPES:
            raise InputFileError(
                f"demand_scope が不正です: {sc.demand_scope}", f"unknown demand_scope {sc.demand_scope}", path=source
            )
        sc.thresholds = [float(t) for t in sc.thresholds]
        return sc
