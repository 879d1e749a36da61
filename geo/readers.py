"""Reading user files safely: one check for every reader (CSV, JSON, GeoJSON, links, settings).

A folder, a FIFO or device, an unreadable file (PermissionError), a file larger than the
reader's limit, or a binary file where text is expected becomes an `InputFileError` with one
line in Japanese and English naming the file, never a traceback or a hang.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from core.errors import InputFileError

MAX_TEXT_BYTES = 200 << 20  # 200 MB: far above any prefecture's CSV / GeoJSON


def check_readable_file(path: str | os.PathLike, what_ja: str, what_en: str, max_bytes: int = MAX_TEXT_BYTES) -> Path:
    """Check `path` is an existing, regular, readable file no larger than `max_bytes`.

    Parameters
    ----------
    path : path-like
        The user's file.
    what_ja, what_en : str
        What the file is (e.g. "人口ファイル", "population file"), for the message.
    max_bytes : int
        Size limit in bytes.

    Returns
    -------
    Path

    Raises
    ------
    InputFileError
        Missing, a folder, not a regular file, unreadable, or too large.
    """
    p = Path(path)
    if str(path).strip() == "":
        raise InputFileError(f"{what_ja}のパスが空です。", f"the {what_en} path is empty", path=str(path))
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputFileError(f"{what_ja}が見つかりません。", f"{what_en} not found", path=p) from None
    except OSError as e:
        raise InputFileError(
            f"{what_ja}を開けません（{e.strerror or type(e).__name__}）。",
            f"cannot open the {what_en} ({e.strerror or type(e).__name__})",
            path=p,
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError(
            f"{what_ja}にフォルダが指定されました。ファイルを指定してください。",
            f"the {what_en} is a folder; give a file",
            path=p,
        )
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError(
            f"{what_ja}が通常のファイルではありません（パイプ・デバイス等）。",
            f"the {what_en} is not a regular file (a pipe, device, ...)",
            path=p,
        )
    if st.st_size > max_bytes:
        raise InputFileError(
            f"{what_ja}が大きすぎます（{st.st_size:,} バイト、上限 {max_bytes:,}）。",
            f"the {what_en} is too large ({st.st_size:,} bytes, limit {max_bytes:,})",
            path=p,
        )
    return p


def read_bytes_checked(
    path: str | os.PathLike, what_ja: str, what_en: str, max_bytes: int = MAX_TEXT_BYTES, *, text: bool = True
) -> bytes:
    """The bytes of a user file after `check_readable_file`; with `text`, refuse binary content.

    Parameters
    ----------
    path : path-like
        The user's file.
    what_ja, what_en : str
        What the file is, for the message.
    max_bytes : int
        Size limit in bytes.
    text : bool
        Refuse content with NUL bytes (a binary file where text is expected; UTF-16 included).

    Returns
    -------
    bytes

    Raises
    ------
    InputFileError
    """
    p = check_readable_file(path, what_ja, what_en, max_bytes)
    try:
        with open(p, "rb") as f:
            raw = f.read(max_bytes + 1)
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise InputFileError(
            f"{what_ja}を読めません（{reason}）。", f"cannot read the {what_en} ({reason})", path=p
        ) from None
    if len(raw) > max_bytes:
        raise InputFileError(
            f"{what_ja}が大きすぎます（上限 {max_bytes:,} バイト）。",
            f"the {what_en} is too large (limit {max_bytes:,} bytes)",
            path=p,
        )
    if text and b"\x00" in raw[: 1 << 20]:
        raise InputFileError(
            f"{what_ja}がテキストではありません（バイナリ、または UTF-16）。UTF-8 か Shift-JIS で保存してください。",
            f"the {what_en} is not text (binary or UTF-16); save it as UTF-8 or Shift-JIS",
            path=p,
        )
    return raw
