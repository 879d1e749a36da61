"""Fresh public data for one prefecture: N03 boundaries and Geolonia 大字・町丁目 points over HTTP.

Sources (base URLs overridable by environment variables, e.g. for a mirror or a test server):
- N03 2021, 1% simplified GeoJSON by SmartNews Media Research Institute:
  ``$MADOGUCHI_N03_BASE_URL/N03-21_NN_210101.json``
  (default https://raw.githubusercontent.com/smartnews-smri/japan-topography/main/data/municipality/geojson/s0010)
- Geolonia japanese-addresses API: ``$MADOGUCHI_GEOLONIA_BASE_URL/ja.json`` (prefecture -> municipality
  names) and ``$MADOGUCHI_GEOLONIA_BASE_URL/ja/<都道府県>/<市区町村>.json`` (URL-encoded)
  (default https://geolonia.github.io/japanese-addresses/api)

Files are cached under the download folder (``$MADOGUCHI_DOWNLOAD_DIR``, default data/downloads) in
the same layout as ../shared/geodata (boundaries/…, settlements/geolonia/<県>/…), each written
atomically after it parsed as JSON; `downloads.json` there records every URL, its byte count and
the UTC date it was fetched, and build_region copies that record into the manifest. The census
CSV is not downloaded (it still comes from the data folder). Offline: one MadoguchiError naming
the URL, nothing half-written. Standard library only (urllib).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core.errors import MadoguchiError
from geo.atomic import write_json_atomic, write_text_atomic
from geo.prefectures import PREFECTURES, normalize_pref_code

N03_BASE_URL = "https://raw.githubusercontent.com/smartnews-smri/japan-topography/main/data/municipality/geojson/s0010"
GEOLONIA_BASE_URL = "https://geolonia.github.io/japanese-addresses/api"
N03_FILE = "N03-21_{code}_210101.json"
USER_AGENT = "madoguchi (+https://github.com/) python-urllib"


def n03_base_url() -> str:
    """Base URL of the N03 GeoJSON files.

    Returns
    -------
    str
        ``$MADOGUCHI_N03_BASE_URL`` or the public default (no trailing slash).
    """
    return os.environ.get("MADOGUCHI_N03_BASE_URL", N03_BASE_URL).rstrip("/")


def geolonia_base_url() -> str:
    """Base URL of the Geolonia address API.

    Returns
    -------
    str
        ``$MADOGUCHI_GEOLONIA_BASE_URL`` or the public default (no trailing slash).
    """
    return os.environ.get("MADOGUCHI_GEOLONIA_BASE_URL", GEOLONIA_BASE_URL).rstrip("/")


def download_dir() -> Path:
    """Where downloads are cached.

    Returns
    -------
    pathlib.Path
        ``$MADOGUCHI_DOWNLOAD_DIR``, else data/downloads in the project (not created).
    """
    from geo.paths import PROJECT_ROOT

    env = os.environ.get("MADOGUCHI_DOWNLOAD_DIR")
    return Path(env) if env else PROJECT_ROOT / "data" / "downloads"


def fetch_json(url: str, timeout: float = 30.0) -> tuple[object, bytes]:
    """GET `url` and parse it as JSON (standard library only).

    Parameters
    ----------
    url : str
    timeout : float
        Seconds for the request.

    Returns
    -------
    obj : object
        The parsed JSON.
    raw : bytes
        The response body as received.

    Raises
    ------
    core.errors.MadoguchiError
        One line when offline, on an HTTP error or when the body is not JSON.
    """
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
    except urllib.error.HTTPError as e:
        raise MadoguchiError(
            f"ダウンロードに失敗しました（HTTP {e.code}）: {url}", f"download failed (HTTP {e.code}): {url}"
        ) from e
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        reason = getattr(e, "reason", e)
        raise MadoguchiError(
            f"ダウンロードできません（オフラインか接続できません: {reason}）: {url}",
            f"cannot download (offline or unreachable: {reason}): {url}",
        ) from e
    try:
        return json.loads(raw.decode("utf-8-sig")), raw
    except (ValueError, UnicodeDecodeError) as e:
        raise MadoguchiError(
            f"ダウンロードした内容が JSON ではありません（{e}）: {url}", f"downloaded content is not JSON ({e}): {url}"
        ) from e


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def download_prefecture(
    pref_code: str | int,
    dest: str | Path | None = None,
    *,
    timeout: float = 30.0,
    progress: Callable[[float, str], None] | None = None,
) -> dict:
    """Fetch N03 boundaries and all Geolonia points of a prefecture into `dest` (default download_dir()).

    Parameters
    ----------
    pref_code : str or int
        Prefecture code 01..47.
    dest : path, optional
        Cache folder; files land in ``boundaries/`` and ``settlements/geolonia/<県名>/``.
    timeout : float
        Seconds per HTTP request.
    progress : callable(fraction, message_ja), optional

    Returns
    -------
    dict
        ``{"boundaries": Path, "settlements": Path, "record": {...}}`` where record lists the
        URLs, bytes and fetch time (also saved as ``<dest>/downloads.json`` under the prefecture code).
    """
    code = normalize_pref_code(pref_code)
    pref_ja = PREFECTURES[code][0]
    dest = Path(dest) if dest else download_dir()
    prog = progress or (lambda f, m: None)
    prog(0.0, "境界データをダウンロード中")
    n03_url = f"{n03_base_url()}/{N03_FILE.format(code=code)}"
    obj, raw = fetch_json(n03_url, timeout)
    if not isinstance(obj, dict) or obj.get("type") != "FeatureCollection":
        raise MadoguchiError(
            f"境界データが GeoJSON ではありません: {n03_url}", f"boundary download is not GeoJSON: {n03_url}"
        )
    b_path = dest / "boundaries" / N03_FILE.format(code=code)
    # written as received (bytes decoded as UTF-8), so the fingerprint equals the public file's
    write_text_atomic(b_path, raw.decode("utf-8-sig"))
    files = [{"url": n03_url, "bytes": len(raw), "fetched": _now()}]

    index_url = f"{geolonia_base_url()}/ja.json"
    index, _ = fetch_json(index_url, timeout)
    names = index.get(pref_ja) if isinstance(index, dict) else None
    if not names:
        raise MadoguchiError(
            f"Geolonia の一覧に{pref_ja}がありません: {index_url}", f"{pref_ja} not in the Geolonia index: {index_url}"
        )
    s_dir = dest / "settlements" / "geolonia" / pref_ja
    total = 0
    for i, name in enumerate(names):
        prog(0.1 + 0.9 * i / len(names), f"集落データをダウンロード中 {name}")
        url = f"{geolonia_base_url()}/ja/{urllib.parse.quote(pref_ja)}/{urllib.parse.quote(name)}.json"
        pts, raw = fetch_json(url, timeout)
        if not isinstance(pts, list):
            raise MadoguchiError(
                f"集落データの形式が違います（リストではない）: {url}", f"settlement download is not a list: {url}"
            )
        write_text_atomic(s_dir / f"{name}.json", raw.decode("utf-8-sig"))
        total += len(raw)
    record = {
        "pref_code": code,
        "fetched": _now(),
        "n03": files[0],
        "geolonia": {
            "index_url": index_url,
            "base_url": geolonia_base_url(),
            "files": len(names),
            "bytes": total,
            "fetched": _now(),
        },
    }
    log = dest / "downloads.json"
    try:
        all_rec = json.loads(log.read_text(encoding="utf-8")) if log.exists() else {}
    except ValueError:
        all_rec = {}
    all_rec[code] = record
    write_json_atomic(log, all_rec)
    prog(1.0, "ダウンロード完了")
    return {"boundaries": b_path, "settlements": s_dir, "record": record}
