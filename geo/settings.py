"""Travel-time and demand assumptions, in one visible, editable place.

Every number here is printed in manifests, CLI output, maps and reports, because a planner
must be able to say in council *why* a time is what it is. Defaults are justified in the README.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from core.errors import ParameterError

# Door-to-door driving speeds (km/h) by OSM `highway` class for rural/suburban Japan.
# Not legal limits: Japan's default limit on general roads is 60 km/h, but signals, bends,
# narrow roads and towns make real averages far lower. Expressways: 100 km/h limit, ~80 average.
DEFAULT_SPEEDS_KMH: dict[str, float] = {
    "motorway": 80.0,
    "motorway_link": 40.0,
    "trunk": 45.0,
    "trunk_link": 30.0,
    "primary": 38.0,
    "primary_link": 30.0,
    "secondary": 33.0,
    "secondary_link": 25.0,
    "tertiary": 28.0,
    "tertiary_link": 22.0,
    "unclassified": 22.0,
    "residential": 18.0,
    "living_street": 10.0,
    "service": 12.0,
    "road": 20.0,
    "busway": 25.0,
}
FALLBACK_SPEED_KMH = 20.0  # a road class not in the table


@dataclass(frozen=True)
class Settings:
    """Assumptions behind every travel time. All distances in metres, speeds in km/h."""

    speeds_kmh: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))
    fallback_speed_kmh: float = FALLBACK_SPEED_KMH
    # OSM maxspeed, when tagged, is a legal limit: scale it down to a door-to-door speed.
    maxspeed_factor: float = 0.7
    # Estimate where no road data covers a place: straight line x circuity / speed.
    circuity: float = 1.35
    estimate_speed_kmh: float = 32.0
    # Snapping points to the road graph: access distance driven at this speed; beyond the
    # threshold a point is "off network" and gets the estimate instead.
    access_speed_kmh: float = 15.0
    snap_threshold_m: float = 2000.0
    # How a municipality's population is spread over its settlement points.
    demand_rule: str = "equal"

    def validate(self) -> "Settings":
        for k, v in self.speeds_kmh.items():
            if not (v > 0):
                raise ParameterError(f"速度表の {k} が正の値ではありません: {v}", f"speed for {k} must be > 0: {v}")
        for name in ("fallback_speed_kmh", "maxspeed_factor", "estimate_speed_kmh", "access_speed_kmh", "snap_threshold_m"):
            if not (getattr(self, name) > 0):
                raise ParameterError(f"設定 {name} は正の値でなければなりません。", f"setting {name} must be > 0")
        if not (self.circuity >= 1.0):
            raise ParameterError("迂回率 (circuity) は 1 以上でなければなりません。", "circuity must be >= 1")
        return self

    def speed_for(self, highway: str | None) -> float:
        """km/h for an OSM highway class (first value if a list-like string)."""
        if highway is None:
            return self.fallback_speed_kmh
        return self.speeds_kmh.get(str(highway), self.fallback_speed_kmh)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> "Settings":
        if not d:
            return cls()
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "speeds_kmh" in known:
            merged = dict(DEFAULT_SPEEDS_KMH)
            merged.update({str(k): float(v) for k, v in known["speeds_kmh"].items()})
            known["speeds_kmh"] = merged
        return cls(**known).validate()

    @classmethod
    def from_file(cls, path: str | Path) -> "Settings":
        from core.errors import InputFileError

        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputFileError(f"設定ファイルを読めません ({e})", f"cannot read settings file ({e})", path=path)
        return cls.from_dict(data)

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes).validate()
