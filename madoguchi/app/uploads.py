"""Uploaded files: safe names, the one size limit, a per-region quota, validation before a file
takes its name, stored atomically under data/uploads/<region>/ through geo.atomic's policy (only
files Madoguchi stored are ever replaced or removed); and the sites CSV read into hubs and
candidates (plain Python, tested without a browser)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from core.errors import InputFileError
from geo.atomic import check_replace, is_madoguchi_file, remove_file, replace_file
from geo.paths import uploads_dir
from madoguchi.planning.scenario import Hub, Scenario

BOUNDARY_EXTS = {".json", ".geojson", ".gpkg", ".zip", ".shp"}
ROAD_EXTS = {".pbf", ".osm", ".gpkg", ".geojson"}


def upload_limit_mb() -> float:
    """The one upload limit of the app, in MB per file: `server.maxUploadSize` of the project's
    .streamlit/config.toml (Streamlit enforces it; every upload box states it; `store_upload`
    checks it again). Read from the project's file when Streamlit has not loaded it (another
    working folder, tests), so the number is the same everywhere."""
    try:
        from streamlit import config

        if config.get_where_defined("server.maxUploadSize") != "<default>":
            return float(config.get_option("server.maxUploadSize"))
    except (ImportError, RuntimeError, KeyError):
        pass
    return _config_limit_mb()


def _config_limit_mb() -> float:
    import tomllib

    from geo.paths import PROJECT_ROOT

    try:
        cfg = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
        return float(cfg["server"]["maxUploadSize"])
    except (OSError, KeyError, TypeError, ValueError, tomllib.TOMLDecodeError):
        return 200.0  # Streamlit's own default


UPLOAD_QUOTA_MB = 200.0  # per region folder; the oldest uploads Madoguchi stored there make room


def upload_quota_mb() -> float:
    """Per-region quota of stored uploads, in MB: $MADOGUCHI_UPLOAD_QUOTA_MB, else 200."""
    import os

    try:
        v = float(os.environ.get("MADOGUCHI_UPLOAD_QUOTA_MB", UPLOAD_QUOTA_MB))
    except ValueError:
        return UPLOAD_QUOTA_MB
    return v if v > 0 and v == v and v != float("inf") else UPLOAD_QUOTA_MB


T = TypeVar("T")
_SAFE = re.compile(r"[^0-9A-Za-z._\-\u3040-\u30ff\u3400-\u9fff]")
UPLOAD_EXTS = {".csv", ".json", ".geojson", ".gpkg", ".zip", ".pbf", ".osm"}
_TMP_TAG = ".upload-"  # temp files: .<name>.upload-XXXX.<ext> (hidden, never counted as uploads)


def safe_upload_name(name: str) -> str:
    """A file name with no folders, no leading dots, only safe characters (Japanese kept)."""
    base = unicodedata.normalize("NFKC", Path(str(name)).name)
    base = _SAFE.sub("_", base).lstrip("._") or "upload"
    return base[:100]


def _ext(safe: str) -> str:
    return ".osm.pbf" if safe.lower().endswith(".osm.pbf") else Path(safe).suffix.lower()


def stored_uploads(folder: Path) -> list[Path]:
    """Files in an upload folder that Madoguchi stored (recorded by geo.atomic, unchanged since),
    oldest first."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".") and is_madoguchi_file(p)]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))


def _folder_bytes(folder: Path) -> int:
    """Bytes of every visible file in the folder (ours or not: the quota is about the disk)."""
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


_STALE_TMP = re.compile(r"^\..+" + re.escape(_TMP_TAG) + r"[a-z0-9_]{8}(\.[A-Za-z0-9.]+)?$")
STALE_TMP_S = 3600.0


def _remove_stale_temps(folder: Path) -> None:
    """Remove this module's own temp files (`.<name>.upload-XXXXXXXX.<ext>`) left by a process
    killed mid-upload more than an hour ago; they are hidden and would escape the quota."""
    import time

    now = time.time()
    for p in folder.iterdir():
        try:
            if (
                _STALE_TMP.match(p.name)
                and p.is_file()
                and not p.is_symlink()
                and now - p.stat().st_mtime > STALE_TMP_S
            ):
                p.unlink()
        except OSError:
            pass


def _make_room(folder: Path, dest: Path, new_bytes: int, quota_mb: float, name: str) -> list[Path]:
    """Files to remove (oldest uploads Madoguchi stored, never `dest` and never anyone else's) so
    the folder stays within the quota with the new file; InputFileError if even that is not enough."""
    limit = int(quota_mb * 1024 * 1024)
    total = _folder_bytes(folder) - (dest.stat().st_size if dest.is_file() else 0) + new_bytes
    drop: list[Path] = []
    for p in stored_uploads(folder):
        if total <= limit:
            break
        if p == dest:
            continue
        drop.append(p)
        total -= p.stat().st_size
    if total > limit:
        raise InputFileError(
            f"この地域の取り込みフォルダが上限 {quota_mb:g} MB を超えるため保存できません"
            "（Madoguchi が保存したものでないファイルは削除しません）。",
            f"the region's upload folder would exceed its {quota_mb:g} MB quota (files Madoguchi did not "
            "store are never removed)",
            path=name,
        )
    return drop


def store_upload(
    region_name: str,
    name: str,
    data: bytes,
    allowed: set[str] = UPLOAD_EXTS,
    max_mb: float | None = None,
    *,
    validate: Callable[[Path], Any] | None = None,
    quota_mb: float | None = None,
) -> Path:
    """Keep an uploaded file under <uploads>/<region>/ with a safe name (see `store_upload_checked`)."""
    return store_upload_checked(region_name, name, data, allowed, max_mb, validate=validate, quota_mb=quota_mb)[0]


def store_upload_checked(
    region_name: str,
    name: str,
    data: bytes,
    allowed: set[str] = UPLOAD_EXTS,
    max_mb: float | None = None,
    *,
    validate: Callable[[Path], T] | None = None,
    quota_mb: float | None = None,
) -> tuple[Path, T | None]:
    """Store an upload safely: size and type checked, validated before it replaces anything.

    The bytes go to a hidden temp file in the region's upload folder; `validate(temp_path)` (a
    reader that raises `MadoguchiError` on a bad file) runs on it; only then does the file take
    its name (`geo.atomic.replace_file`, policy "madoguchi": a same-named file is replaced only if
    Madoguchi stored it). So a re-upload that fails validation leaves the good file in place.
    The folder keeps at most `quota_mb` (default `upload_quota_mb()`, 200 MB): the oldest uploads
    Madoguchi stored there are removed to make room (`geo.atomic.remove_file`), never other files.

    Parameters
    ----------
    region_name : str
        Region folder name (made safe).
    name : str
        The file name the user gave (folders, leading dots and unsafe characters removed).
    data : bytes
        The content.
    allowed : set of str
        Accepted extensions ('.csv', '.osm.pbf' ...).
    max_mb : float, optional
        Size limit in MB (default: the one app limit, `upload_limit_mb()`).
    validate : callable, optional
        ``validate(path) -> value``; its value is returned with the path.
    quota_mb : float, optional
        Per-region quota in MB.

    Returns
    -------
    (Path, object)
        The stored path and what `validate` returned (None without a validator).

    Raises
    ------
    InputFileError
        Too big, wrong type, bad name, invalid content (message names the uploaded file, not the
        temp file), a same-named file that Madoguchi did not store, or over the quota.
    """
    import os
    import tempfile

    from core.errors import MadoguchiError

    max_mb = upload_limit_mb() if max_mb is None else float(max_mb)
    quota_mb = upload_quota_mb() if quota_mb is None else float(quota_mb)
    if len(data) > max_mb * 1024 * 1024:
        raise InputFileError(
            f"ファイルが大きすぎます（上限 {max_mb:g} MB）。", f"file too large (limit {max_mb:g} MB)", path=name
        )
    safe = safe_upload_name(name)
    ext = _ext(safe)
    if ext not in allowed and Path(safe).suffix.lower() not in allowed:
        raise InputFileError(
            f"この種類のファイルは取り込めません（{', '.join(sorted(allowed))}）。",
            f"this file type is not accepted ({', '.join(sorted(allowed))})",
            path=name,
        )
    folder = uploads_dir() / safe_upload_name(region_name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise InputFileError(
            "取り込みフォルダを作れません。", f"cannot create the upload folder ({e.strerror})", path=folder
        ) from None
    dest = folder / safe
    if dest.resolve().parent != folder.resolve() or dest.is_symlink():
        raise InputFileError("ファイル名が不正です。", "invalid file name", path=name)
    _remove_stale_temps(folder)
    stem = safe[: len(safe) - len(ext)] if ext and safe.lower().endswith(ext) else safe
    fd, tmp_s = tempfile.mkstemp(dir=folder, prefix=f".{stem}{_TMP_TAG}", suffix=ext)
    tmp = Path(tmp_s)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        result: T | None = None
        if validate is not None:
            try:
                result = validate(tmp)
            except MadoguchiError as e:
                if e.path is None or tmp.name in str(e.path):
                    e.path = name  # the user's file, not our temp name
                raise
        drop = _make_room(folder, dest, len(data), quota_mb, name)
        check_replace(dest, "madoguchi")  # someone else's file of that name: refuse, keep it
        for old in drop:
            remove_file(old)
        replace_file(tmp, dest, replace_policy="madoguchi")
    finally:
        if tmp.exists():
            tmp.unlink()
    return dest, result


def store_boundaries(region_name: str, pref_code: str, name: str, data: bytes) -> Path:
    """Store an uploaded boundary file once `geo.boundaries.read_boundaries` has read it for the
    prefecture (a file that fails never replaces one stored before)."""
    from geo.boundaries import read_boundaries

    return store_upload(region_name, name, data, BOUNDARY_EXTS, validate=lambda p: read_boundaries(p, pref_code))


def store_roads(region_name: str, name: str, data: bytes) -> Path:
    """Store an uploaded road file once `geo.roads.load_roads` has read it (a file that fails
    never replaces one stored before). The region build reads it again, clipped to the region."""
    from geo.roads import load_roads

    return store_upload(region_name, name, data, ROAD_EXTS, validate=lambda p: load_roads(p).summary())


def import_sites(region, sc: Scenario, filename: str, data: bytes, upload_no: int = 1) -> dict:
    """Store an uploaded sites CSV safely, read it with geo.sites, and use what is usable.

    Existing desks (kind=existing) become fixed hubs of the scenario; candidates are returned
    for the placement models. Rows without coordinates or outside the region are returned in
    `unusable` (shown, not hidden). Raises InputFileError for a bad file.
    """
    from geo.sites import read_sites_csv

    path, gdf = store_upload_checked(
        region.name,
        filename,
        data,
        allowed={".csv"},
        validate=lambda p: read_sites_csv(p, region, default_kind="candidate", id_prefix=f"up{upload_no}_"),
    )
    assert gdf is not None  # the validator's result
    ok = gdf["lon"].notna().to_numpy() & gdf["lat"].notna().to_numpy() & gdf["inside_region"].to_numpy(bool)
    good, bad = gdf[ok], gdf[~ok]
    have = {h.site_id for h in sc.hubs}
    n_existing = 0
    for _, r in good[good["kind"] == "existing"].iterrows():
        if str(r["site_id"]) in have:
            continue
        sc.hubs.append(
            Hub(
                site_id=str(r["site_id"]),
                name=str(r["name"]),
                lon=float(r["lon"]),
                lat=float(r["lat"]),
                fixed=True,
                source="existing",
            )
        )
        n_existing += 1
    cands = good[good["kind"] != "existing"][["site_id", "name", "lon", "lat", "match_level", "address"]]
    unusable = pd.DataFrame(bad[["name", "address", "lat", "lon", "match_level", "inside_region"]])
    return {"path": path, "existing": n_existing, "candidates": cands.reset_index(drop=True), "unusable": unusable}
