"""User-supplied ferry / bridge links: `from_lat,from_lon,to_lat,to_lon,minutes[,name]`.

A link is two-way and costs `minutes` to cross (waiting time included if the user includes
it). Links join road components (road mode) or landmasses (estimate mode); any pair whose
best time uses a link is marked method 2.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import InputFileError

REQUIRED = ("from_lat", "from_lon", "to_lat", "to_lon", "minutes")
MAX_LINKS = 2_000  # rows; far above any prefecture's ferries and bridges (cost grows as links^3, ~1 min here)
MAX_LINKS_BYTES = 10 << 20


@dataclass(frozen=True)
class Link:
    from_lon: float
    from_lat: float
    to_lon: float
    to_lat: float
    minutes: float
    name: str = ""


@dataclass
class Links:
    """A set of links (possibly empty)."""

    items: list[Link]
    source: str = ""

    def __len__(self) -> int:
        return len(self.items)

    def arrays(self) -> dict[str, np.ndarray]:
        """The links as arrays.

        Returns
        -------
        dict of str to numpy.ndarray
            ``from_lon``, ``from_lat``, ``to_lon``, ``to_lat`` (degrees) and ``minutes``, float, one per link.
        """
        return {
            "from_lon": np.array([x.from_lon for x in self.items], dtype=float),
            "from_lat": np.array([x.from_lat for x in self.items], dtype=float),
            "to_lon": np.array([x.to_lon for x in self.items], dtype=float),
            "to_lat": np.array([x.to_lat for x in self.items], dtype=float),
            "minutes": np.array([x.minutes for x in self.items], dtype=float),
        }

    def fingerprint(self) -> str:
        """Stable hash of the links (coordinates to 1e-7 degree, minutes to 1e-6): a cache key part.

        Returns
        -------
        str
            16 hex characters; the same for an empty set of links.
        """
        h = hashlib.sha256()
        for x in self.items:
            h.update(f"{x.from_lon:.7f},{x.from_lat:.7f},{x.to_lon:.7f},{x.to_lat:.7f},{x.minutes:.6f};".encode())
        return h.hexdigest()[:16]

    def to_dict(self) -> list[dict]:
        """The links as JSON-ready rows.

        Returns
        -------
        list of dict
            One dict per link with its fields (degrees, minutes, name).
        """
        return [x.__dict__.copy() for x in self.items]


def _err(path, row: int | None, ja: str, en: str) -> InputFileError:
    where_ja = f"{row} 行目: " if row else ""
    where_en = f"row {row}: " if row else ""
    return InputFileError(f"連絡路ファイル {where_ja}{ja}", f"links file {where_en}{en}", path=path)


def read_links(path: str | Path) -> Links:
    """Read and check a links CSV (UTF-8, BOM allowed). Every problem names its row.

    Parameters
    ----------
    path : str or Path
        CSV with ``from_lat,from_lon,to_lat,to_lon,minutes[,name]`` (degrees, minutes).

    Returns
    -------
    Links

    Raises
    ------
    core.errors.InputFileError
        Unreadable, not UTF-8, too large, or a bad row (named).
    """
    from geo.readers import read_bytes_checked

    p = Path(path)
    raw = read_bytes_checked(p, "連絡路ファイル", "links file", max_bytes=MAX_LINKS_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("連絡路ファイルが UTF-8 ではありません。", "links file is not UTF-8", path=p) from None
    return parse_links(text, source=str(p))


def parse_links(text: str, source: str = "<links>") -> Links:
    """Parse and check the text of a links CSV.

    Parameters
    ----------
    text : str
        CSV with ``from_lat,from_lon,to_lat,to_lon,minutes[,name]`` (degrees, minutes >= 0).
    source : str
        Name used in error messages.

    Returns
    -------
    Links

    Raises
    ------
    core.errors.InputFileError
        A missing column or a bad row (named by its number).
    """
    try:
        return _parse_links(text, source)
    except csv.Error as e:
        raise _err(source, None, f"CSV として読めません ({e})", f"not a readable CSV ({e})") from None


def _parse_links(text: str, source: str) -> Links:
    reader = csv.DictReader(io.StringIO(text.replace("\x00", "")))
    cols = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = cols
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise _err(
            source,
            None,
            f"必要な列がありません: {', '.join(missing)}（必要: {','.join(REQUIRED)}[,name]）",
            f"missing columns: {', '.join(missing)} (need {','.join(REQUIRED)}[,name])",
        )
    items: list[Link] = []
    for i, row in enumerate(reader, start=2):  # row 1 is the header
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank line
        vals = {}
        for c in REQUIRED:
            raw = (row.get(c) or "").strip()
            try:
                vals[c] = float(raw)
            except ValueError:
                raise _err(source, i, f"{c} が数値ではありません: '{raw}'", f"{c} is not a number: '{raw}'") from None
            if not math.isfinite(vals[c]):
                raise _err(source, i, f"{c} が有限の数値ではありません", f"{c} is not finite")
        for c in ("from_lat", "to_lat"):
            if not -90 <= vals[c] <= 90:
                raise _err(source, i, f"{c} が範囲外です: {vals[c]}", f"{c} out of range: {vals[c]}")
        for c in ("from_lon", "to_lon"):
            if not -180 <= vals[c] <= 180:
                raise _err(source, i, f"{c} が範囲外です: {vals[c]}", f"{c} out of range: {vals[c]}")
        if vals["minutes"] < 0:
            raise _err(source, i, f"minutes が負です: {vals['minutes']}", f"minutes is negative: {vals['minutes']}")
        if len(items) >= MAX_LINKS:
            raise _err(
                source, i, f"連絡路が多すぎます（上限 {MAX_LINKS:,} 件）", f"too many links (at most {MAX_LINKS:,})"
            )
        items.append(
            Link(
                vals["from_lon"],
                vals["from_lat"],
                vals["to_lon"],
                vals["to_lat"],
                vals["minutes"],
                (row.get("name") or "").strip(),
            )
        )
    if not items:
        raise _err(source, None, "連絡路が 1 件もありません。", "no links in the file")
    return Links(items, source)


def as_links(links: Links | str | Path | Iterable[Link] | None) -> Links:
    """Normalise what callers pass as links.

    Parameters
    ----------
    links : None, Links, str, Path or iterable of Link
        A path is read with `read_links`.

    Returns
    -------
    Links
        Empty for None.
    """
    if links is None:
        return Links([])
    if isinstance(links, Links):
        return links
    if isinstance(links, (str, Path)):
        return read_links(links)
    return Links(list(links))
