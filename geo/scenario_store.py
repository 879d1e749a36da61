"""Saved scenarios: one JSON file per scenario under <scenarios dir>/<region>/, written atomically.

Why so careful: a scenario is what a planner brings to council. A file that is not valid JSON,
lacks the Madoguchi format marker, or belongs to another region is refused with a message
(InputFileError) and is never overwritten, renamed over or deleted by the app.
"""
from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from geo.atomic import write_text_atomic
from core.errors import InputFileError, ParameterError
from geo.paths import scenarios_dir
from models.scenario import Scenario

MAX_SCENARIO_BYTES = 20 * 1024 * 1024  # a scenario is a few KB to a few MB; bigger is not ours
SUFFIX = ".json"
_BAD_CHARS = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_MAX_STEM = 80


def safe_stem(name: str) -> str:
    """A file-name stem from a scenario name: NFKC, no path separators or control chars.

    Japanese is kept (file names are UTF-8); leading dots and spaces are removed so a name can
    never point outside the folder or be hidden. Raises ParameterError if nothing is left.
    """
    s = unicodedata.normalize("NFKC", str(name or "")).strip()
    s = _BAD_CHARS.sub("_", s)
    s = s.replace("..", "_").lstrip(". ").rstrip(". ")
    s = s[:_MAX_STEM]
    if not s:
        raise ParameterError("シナリオ名を入力してください。", "please enter a scenario name")
    return s


def json_clean(obj):
    """Replace NaN/inf (not valid JSON) by None, recursively; numpy scalars become Python numbers."""
    if isinstance(obj, dict):
        return {str(k): json_clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_clean(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy scalar / array
        return json_clean(obj.tolist())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


@dataclass
class ScenarioInfo:
    """One row of the scenario list: good files have `ok=True`; broken ones carry `error` (Japanese)."""

    name: str
    path: Path
    ok: bool
    updated: str = ""
    n_hubs: int = 0
    error: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "path": str(self.path), "ok": self.ok, "updated": self.updated,
                "n_hubs": self.n_hubs, "error": self.error}


class ScenarioStore:
    """Scenarios of one region. `root` defaults to geo.paths.scenarios_dir() / region."""

    def __init__(self, region: str, root: str | os.PathLike | None = None):
        if not region or safe_stem(region) != region:
            raise ParameterError(f"地域名が不正です: {region!r}", f"invalid region name: {region!r}")
        self.region = region
        self.root = Path(root) if root is not None else scenarios_dir() / region

    # -- paths -------------------------------------------------------------------------------
    def path_for(self, name: str) -> Path:
        """The file a scenario of this name is stored in (always directly inside `root`)."""
        p = self.root / (safe_stem(name) + SUFFIX)
        if p.parent.resolve() != self.root.resolve():  # belt and braces against traversal
            raise ParameterError("シナリオ名が不正です。", "invalid scenario name")
        return p

    def exists(self, name: str) -> bool:
        return self.path_for(name).exists()

    # -- reading -----------------------------------------------------------------------------
    def _read(self, path: Path) -> Scenario:
        try:
            size = path.stat().st_size
        except OSError:
            raise InputFileError("シナリオファイルが見つかりません。", "scenario file not found", path=path)
        if size > MAX_SCENARIO_BYTES:
            raise InputFileError(
                f"ファイルが大きすぎます ({size / 1e6:.1f} MB)。Madoguchi のシナリオではありません。",
                f"file too large ({size / 1e6:.1f} MB): not a Madoguchi scenario",
                path=path,
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise InputFileError(
                f"シナリオファイルが壊れています（JSON として読めません: {e}）。ファイルはそのまま残しています。",
                f"scenario file is corrupted (not valid JSON: {e}); the file was left untouched",
                path=path,
            )
        sc = Scenario.from_dict(data, source=str(path))
        if sc.region and sc.region != self.region:
            raise InputFileError(
                f"別の地域 ({sc.region}) のシナリオです。地域 {self.region} では読み込めません。",
                f"scenario belongs to region {sc.region}, not {self.region}",
                path=path,
            )
        return sc

    def load(self, name: str) -> Scenario:
        """Load a scenario by name; broken, foreign or other-region files raise InputFileError."""
        return self._read(self.path_for(name))

    def load_path(self, path: str | os.PathLike) -> Scenario:
        """Load a scenario from a file inside this store's folder (for list rows)."""
        return self._read(Path(path))

    def list(self) -> list[ScenarioInfo]:
        """All *.json files in the folder, good and bad, sorted by name (bad ones are listed, not hidden)."""
        if not self.root.is_dir():
            return []
        out: list[ScenarioInfo] = []
        for p in sorted(self.root.glob("*" + SUFFIX)):
            if p.name.startswith("."):
                continue  # temp files of an atomic write in progress
            try:
                sc = self._read(p)
                out.append(ScenarioInfo(name=sc.name or p.stem, path=p, ok=True, updated=sc.updated, n_hubs=len(sc.hubs)))
            except InputFileError as e:
                out.append(ScenarioInfo(name=p.stem, path=p, ok=False, error=e.ja))
        return out

    def names(self) -> list[str]:
        """Names of the good scenarios only."""
        return [i.name for i in self.list() if i.ok]

    # -- writing -----------------------------------------------------------------------------
    def _check_target_writable(self, path: Path, overwrite: bool) -> None:
        """Refuse to replace anything that is not one of our own good scenarios of this region."""
        if not path.exists():
            return
        try:
            self._read(path)
        except InputFileError as e:
            raise InputFileError(
                f"同じ名前のファイルが Madoguchi のシナリオとして読めないため、上書きしません（{e.ja}）。別の名前で保存してください。",
                f"a file of that name is not a readable scenario, refusing to overwrite it ({e.en}); save under another name",
                path=path,
            )
        if not overwrite:
            raise InputFileError(
                "同じ名前のシナリオが既にあります。別の名前を指定してください。",
                "a scenario with that name already exists; choose another name",
                path=path,
            )

    def save(self, scenario: Scenario, *, overwrite: bool = True) -> Path:
        """Write atomically to path_for(scenario.name); sets region and timestamps. Returns the path."""
        if scenario.region and scenario.region != self.region:
            raise ParameterError(
                f"地域 {scenario.region} のシナリオを地域 {self.region} に保存できません。",
                f"cannot save a scenario of region {scenario.region} into region {self.region}",
            )
        scenario.region = self.region
        path = self.path_for(scenario.name)
        self._check_target_writable(path, overwrite)
        scenario.touch()
        text = json.dumps(json_clean(scenario.to_dict()), ensure_ascii=False, indent=2, allow_nan=False)
        write_text_atomic(path, text)
        return path

    def rename(self, old: str, new: str) -> Path:
        """Rename a scenario (name inside the file and the file name). Never replaces another file."""
        src = self.path_for(old)
        sc = self._read(src)
        dst = self.path_for(new)
        same = dst.resolve() == src.resolve()
        if not same and dst.exists():
            raise InputFileError(
                "その名前のファイルが既にあります。別の名前を指定してください。",
                "a file with that name already exists; choose another name",
                path=dst,
            )
        sc.name = new
        self.save(sc, overwrite=same)  # new file first, then remove the old one
        if not same:
            src.unlink()
        return dst

    def duplicate(self, name: str, new_name: str) -> Path:
        """Copy a scenario under a new name (the copy gets fresh timestamps)."""
        sc = self.load(name)
        sc.name = new_name
        sc.created = ""
        return self.save(sc, overwrite=False)

    def delete(self, name: str) -> None:
        """Delete a good scenario. A broken or foreign file is refused: a person should look at it."""
        path = self.path_for(name)
        self._read(path)  # raises for missing / broken / foreign
        path.unlink()

    def import_bytes(self, data: bytes, *, name: str | None = None, overwrite: bool = False) -> Scenario:
        """Validate an uploaded scenario file and store it (under `name` or its own name)."""
        if len(data) > MAX_SCENARIO_BYTES:
            raise InputFileError("ファイルが大きすぎます。", "file too large")
        try:
            d = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as e:
            raise InputFileError(f"JSON として読めません: {e}", f"not valid JSON: {e}")
        sc = Scenario.from_dict(d, source="upload")
        if sc.region and sc.region != self.region:
            raise InputFileError(
                f"別の地域 ({sc.region}) のシナリオです。", f"scenario belongs to region {sc.region}, not {self.region}"
            )
        if name:
            sc.name = name
        self.save(sc, overwrite=overwrite)
        return sc
