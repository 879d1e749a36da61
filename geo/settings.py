"""Travel-time and demand assumptions, in one visible, editable place.

Every number here is printed in manifests, CLI output, maps and reports, because a planner
must be able to say in council *why* a time is what it is. Defaults are justified in the README.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

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


def _in_range(v, lo: float, hi: float) -> bool:
    """lo < v <= hi for a real (non-bool) finite number."""
    return not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and lo < v <= hi


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

    def validate(self) -> Settings:
        """Check every number is finite and in range.

        Speeds (km/h) must lie in (0, 300], `maxspeed_factor` in (0, 2], `snap_threshold_m` in
        (0, 100 000] m, `circuity` in [1, 10]; `demand_rule` is a string.

        Returns
        -------
        Settings
            self, so calls chain.

        Raises
        ------
        core.errors.ParameterError
            Naming the setting.
        """
        if not isinstance(self.speeds_kmh, dict):
            raise ParameterError(
                "設定 speeds_kmh は {道路種別: 速度} の形にしてください。",
                "setting speeds_kmh must be an object {road class: km/h}",
            )
        for k, v in self.speeds_kmh.items():
            if not _in_range(v, 0, 300):
                raise ParameterError(
                    f"速度表の {k} は 0 より大きく 300 km/h 以下の有限の数にしてください: {v!r}",
                    f"speed for {k} must be a finite number in (0, 300] km/h: {v!r}",
                )
        limits = {
            "fallback_speed_kmh": 300,
            "maxspeed_factor": 2,
            "estimate_speed_kmh": 300,
            "access_speed_kmh": 300,
            "snap_threshold_m": 100_000,
        }
        for name, hi in limits.items():
            v = getattr(self, name)
            if not _in_range(v, 0, hi):
                raise ParameterError(
                    f"設定 {name} は 0 より大きく {hi:g} 以下の有限の数にしてください: {v!r}",
                    f"setting {name} must be a finite number in (0, {hi:g}]: {v!r}",
                )
        c = self.circuity
        if isinstance(c, bool) or not isinstance(c, (int, float)) or not (1.0 <= c <= 10.0):
            raise ParameterError(
                f"迂回率 (circuity) は 1 以上 10 以下の数にしてください: {c!r}",
                f"circuity must be a number in [1, 10]: {c!r}",
            )
        if not isinstance(self.demand_rule, str):
            raise ParameterError(
                f"設定 demand_rule は文字列にしてください: {self.demand_rule!r}",
                f"setting demand_rule must be a string: {self.demand_rule!r}",
            )
        return self

    def speed_for(self, highway: str | None) -> float:
        """Driving speed for an OSM highway class.

        Parameters
        ----------
        highway : str or None
            OSM class ('primary', 'residential' ...); a list-like string uses its first value.

        Returns
        -------
        float
            km/h from `speeds_kmh`; the fallback class speed for an unknown or missing class.
        """
        if highway is None:
            return self.fallback_speed_kmh
        return self.speeds_kmh.get(str(highway), self.fallback_speed_kmh)

    def to_dict(self) -> dict:
        """All settings as a JSON-ready dict (speeds in km/h, distances in metres).

        Returns
        -------
        dict
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict | None) -> Settings:
        """Settings from a dict (a settings JSON file, a manifest); unknown keys are ignored.

        Parameters
        ----------
        d : dict or None
            Partial settings; ``speeds_kmh`` is merged over the default table. None or {} gives the defaults.

        Returns
        -------
        Settings
            Validated.

        Raises
        ------
        core.errors.ParameterError
            Not an object, or a value out of range (named).
        """
        if not d:
            return cls()
        if not isinstance(d, dict):
            raise ParameterError(
                "設定は JSON オブジェクト {...} にしてください。", "settings must be a JSON object {...}"
            )
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "speeds_kmh" in known:
            sp = known["speeds_kmh"]
            if not isinstance(sp, dict):
                raise ParameterError(
                    "設定 speeds_kmh は {道路種別: 速度} の形にしてください。",
                    "setting speeds_kmh must be an object {road class: km/h}",
                )
            merged = dict(DEFAULT_SPEEDS_KMH)
            merged.update({str(k): v for k, v in sp.items()})
            known["speeds_kmh"] = merged
        return cls(**known).validate()

    @classmethod
    def from_file(cls, path: str | Path) -> Settings:
        """Settings from a JSON file (``--settings FILE.json``).

        Parameters
        ----------
        path : str or Path
            UTF-8 JSON object (BOM allowed; NaN/Infinity refused), at most 10 MB.

        Returns
        -------
        Settings
            Validated.

        Raises
        ------
        core.errors.InputFileError
            Unreadable file or invalid JSON.
        core.errors.ParameterError
            A value out of range (named).
        """
        from core.errors import InputFileError
        from geo.readers import read_bytes_checked

        raw = read_bytes_checked(path, "設定ファイル", "settings file", max_bytes=10 << 20)
        try:
            data = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
        except (ValueError, RecursionError) as e:
            msg = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise InputFileError(
                f"設定ファイルが正しい JSON ではありません ({msg})",
                f"settings file is not valid JSON ({msg})",
                path=path,
            ) from None
        return cls.from_dict(data)

    def with_(self, **changes: Any) -> Settings:
        """A copy with some fields changed, validated.

        Parameters
        ----------
        **changes
            Field name -> new value (e.g. ``circuity=1.4``).

        Returns
        -------
        Settings

        Raises
        ------
        core.errors.ParameterError
            A value out of range (named).
        """
        return replace(self, **changes).validate()


def _reject_constant(name: str):
    """json: NaN / Infinity are not numbers a setting may take."""
    raise ValueError(f"{name} is not allowed (settings must be finite numbers)")
