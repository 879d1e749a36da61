"""Saved scenarios: one JSON file per scenario under <scenarios dir>/<region>/, written atomically;
plus the one reader of scenario files (`read_scenario_file`) and the one read-modify-write of a
command's `--scenario-out` file (`update_scenario_file`, under a file lock).

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

from filelock import FileLock, Timeout

from core.errors import InputFileError, ParameterError
from geo.atomic import write_text_atomic
from geo.paths import scenarios_dir
from madoguchi.planning.scenario import Scenario

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
        return {
            "name": self.name,
            "path": str(self.path),
            "ok": self.ok,
            "updated": self.updated,
            "n_hubs": self.n_hubs,
            "error": self.error,
        }


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
        sc = read_scenario_file(path)
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
                out.append(
                    ScenarioInfo(name=sc.name or p.stem, path=p, ok=True, updated=sc.updated, n_hubs=len(sc.hubs))
                )
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
            ) from e
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
        self.root.mkdir(parents=True, exist_ok=True)
        with _locked(path):
            self._check_target_writable(path, overwrite)
            scenario.touch()
            _write(Path(os.path.realpath(path)), scenario)
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
        sc = parse_scenario_bytes(data, source="upload", bom=True)
        if sc.region and sc.region != self.region:
            raise InputFileError(
                f"別の地域 ({sc.region}) のシナリオです。", f"scenario belongs to region {sc.region}, not {self.region}"
            )
        if name:
            sc.name = name
        self.save(sc, overwrite=overwrite)
        return sc


# ------------------------------------------------------------------------------ files
LOCK_TIMEOUT_S = 120.0  # waiting for another writer of the same scenario file


def _no_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _write(path: Path, scenario: Scenario) -> None:
    """Validate the sections and write the scenario atomically (NaN/inf -> null)."""
    scenario.validate_sections()
    text = json.dumps(json_clean(scenario.to_dict()), ensure_ascii=False, indent=2, allow_nan=False)
    write_text_atomic(path, text)


def read_scenario_file(path: str | os.PathLike, region=None) -> Scenario:
    """Read and validate one scenario file (the one reader used by CLI, app, store and reports).

    Parameters
    ----------
    path : str or PathLike
        A scenario JSON file (version 1 files are migrated on read).
    region : geo.region.Region, optional
        If given, a scenario of another region is refused (its `region` must be this bundle's
        name or folder name; an empty `region` field is accepted).

    Returns
    -------
    Scenario

    Raises
    ------
    InputFileError
        Missing, not a file, too large, not JSON, not a scenario, a field of the wrong type
        (named), or another region's scenario.
    """
    p = Path(path)
    if not p.is_file():
        raise InputFileError("シナリオファイルが見つかりません。", "scenario file not found", path=p)
    try:
        size = p.stat().st_size
        raw = p.read_bytes() if size <= MAX_SCENARIO_BYTES else b""
    except OSError as e:
        raise InputFileError(
            f"シナリオファイルを読めません ({e.strerror})。", f"cannot read the scenario file ({e.strerror})", path=p
        ) from e
    if size > MAX_SCENARIO_BYTES:
        raise InputFileError(
            f"ファイルが大きすぎます ({size / 1e6:.1f} MB)。Madoguchi のシナリオではありません。",
            f"file too large ({size / 1e6:.1f} MB): not a Madoguchi scenario",
            path=p,
        )
    sc = parse_scenario_bytes(raw, source=str(p))
    check_region(sc, region, p)
    return sc


def parse_scenario_bytes(raw: bytes, *, source: str | None = None, bom: bool = False) -> Scenario:
    """Scenario from the bytes of a file or an upload (the one parser: size, JSON, schema).

    Parameters
    ----------
    raw : bytes
        UTF-8 JSON (``bom=True`` also accepts a UTF-8 byte-order mark).
    source : str, optional
        File name (or 'upload') for messages.
    """
    if len(raw) > MAX_SCENARIO_BYTES:
        raise InputFileError(
            f"ファイルが大きすぎます ({len(raw) / 1e6:.1f} MB)。Madoguchi のシナリオではありません。",
            f"file too large ({len(raw) / 1e6:.1f} MB): not a Madoguchi scenario",
            path=source,
        )
    try:
        data = json.loads(raw.decode("utf-8-sig" if bom else "utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InputFileError(
            f"シナリオファイルが壊れています（JSON として読めません: {e}）。ファイルはそのまま残しています。",
            f"scenario file is corrupted (not valid JSON: {e}); the file was left untouched",
            path=source,
        ) from None
    return Scenario.from_dict(data, source=source)


def check_region(sc: Scenario, region, path=None) -> None:
    """Refuse a scenario of another region, or one whose hubs lie far outside this region.

    `region` None: accepted. An empty `region` field is accepted by name, but its hubs are still
    checked (geo.sites.check_point_in_region: more than 100 km outside the region's land, or
    impossible coordinates, is an InputFileError naming the hub).
    """
    if region is None:
        return
    names = {str(getattr(region, "name", "")), Path(getattr(region, "path", "")).name}
    if sc.region and sc.region not in names:
        raise InputFileError(
            f"別の地域 ({sc.region}) のシナリオです。地域 {region.name} では使えません。",
            f"scenario belongs to region {sc.region}, not {region.name}",
            path=path,
        )
    if sc.hubs and getattr(region, "municipalities", None) is not None:
        from core.errors import ParameterError
        from geo.sites import check_point_in_region

        land = region.union_polygon()  # once for all hubs
        for h in sc.hubs:
            try:
                check_point_in_region(float(h.lon), float(h.lat), land, name=str(h.name))
            except ParameterError as e:
                raise InputFileError(e.ja, e.en, path=path) from None


class _locked:
    """Context manager: hold :func:`scenario_lock` (InputFileError on timeout or an unwritable folder)."""

    def __init__(self, path):
        self.path = path
        self.lock = scenario_lock(path)

    def __enter__(self):
        try:
            self.lock.acquire()
        except Timeout:
            raise InputFileError(
                "他の処理がこのシナリオを書き込み中です。しばらくして再実行してください。",
                "another process is writing this scenario; try again later",
                path=self.path,
            ) from None
        except OSError as e:
            raise InputFileError(
                f"シナリオを書き込めません ({e.strerror})。",
                f"cannot write the scenario ({e.strerror})",
                path=self.path,
            ) from None
        return self

    def __exit__(self, *exc):
        self.lock.release()
        return False


def lock_dir() -> Path:
    """Folder of the scenario lock files: `<system temp>/madoguchi-locks-<uid>` (kept out of the scenario folders)."""
    import tempfile

    uid = os.getuid() if hasattr(os, "getuid") else 0
    d = Path(tempfile.gettempdir()) / f"madoguchi-locks-{uid}"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def scenario_lock(path: str | os.PathLike) -> FileLock:
    """The inter-process lock guarding one scenario file (keyed by its real path, so a symlink and its
    target share one lock). Lock files live in :func:`lock_dir`, never beside the scenarios."""
    import hashlib

    real = os.path.realpath(path)
    return FileLock(
        str(lock_dir() / (hashlib.sha1(real.encode("utf-8", "surrogatepass")).hexdigest() + ".lock")),
        timeout=LOCK_TIMEOUT_S,
    )


def update_scenario_file(
    path: str | os.PathLike, region, *, scope: str | None = None, hubs=None, thresholds=None, **sections
) -> Path:
    """Write (or update) one scenario file with a planning step's sections: read-modify-write.

    Runs under :func:`scenario_lock` (one lock per real path, in :func:`lock_dir`), so several
    processes of this user writing the same file at once keep
    every section. A symlink is followed (its target is updated, the link stays). An existing
    file must be a valid scenario of this region, else it is refused and left untouched.

    Parameters
    ----------
    path : str or PathLike
    region : geo.region.Region
    scope : {'without_welfare_office', 'all'}, optional
    hubs : list of Hub, optional
        Replace the scenario's hubs.
    thresholds : list of float, optional
        Minutes.
    **sections
        `placement=`, `coverage=`, `outreach=`, `partnership=` dicts (stored as codes).

    Returns
    -------
    Path
        The path as given.
    """
    p = Path(path)
    if p.exists() and not p.is_file():
        raise InputFileError("シナリオの出力先がファイルではありません。", "the scenario output is not a file", path=p)
    target = Path(os.path.realpath(p))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputFileError(
            f"シナリオを書き込めません ({e.strerror})。", f"cannot write the scenario ({e.strerror})", path=p
        ) from e
    with _locked(p):
        sc = None
        if target.exists():
            try:
                sc = read_scenario_file(target, region)
            except InputFileError as e:
                raise InputFileError(
                    f"既存のファイルがこの地域のシナリオとして読めないため上書きしません（{e.ja}）。",
                    f"refusing to overwrite a file that is not a readable scenario of this region ({e.en})",
                    path=p,
                ) from None
        if sc is None:
            sc = Scenario(
                name=p.stem, region=region.name, pref_code=region.pref_code, settings=region.settings.to_dict()
            )
        if scope:
            sc.demand_scope = scope
        if hubs is not None:
            sc.hubs = list(hubs)
        if thresholds:
            sc.thresholds = [float(t) for t in thresholds]
        for k, v in sections.items():
            if k not in ("placement", "coverage", "outreach", "partnership"):
                raise ParameterError(f"不明なシナリオの項目: {k}", f"unknown scenario section: {k}")
            setattr(sc, k, json_clean(v))
        sc.touch()
        try:
            _write(target, sc)
        except OSError as e:
            raise InputFileError(
                f"シナリオを書き込めません ({e.strerror})。", f"cannot write the scenario ({e.strerror})", path=p
            ) from e
    return p
