"""Report file writes: thin names over geo.atomic (the one atomic-write module and replace policy).

A report output replaces an existing file only if Madoguchi wrote it (policy ``"madoguchi"``);
a planner's own file of the same name is kept and the write refused with a one-line error.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from geo.atomic import check_replace, replace_file
from geo.atomic import write_bytes_atomic as _write_bytes_atomic

__all__ = ["check_replace", "replace_file", "temp_path_beside", "write_bytes_atomic"]


def write_bytes_atomic(path: str | os.PathLike, payload: bytes, *, replace_policy: str = "madoguchi") -> None:
    """Write a report file atomically; see `geo.atomic.write_bytes_atomic` (default policy "madoguchi")."""
    _write_bytes_atomic(path, payload, replace_policy=replace_policy)


def temp_path_beside(path: str | os.PathLike, suffix: str = "") -> Path:
    """A fresh temp file name next to `path` (for writers that need a path, e.g. GeoPackage).

    Move the finished file into place with `replace_file(tmp, path)` to apply the replace policy.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=suffix or path.suffix)
    os.close(fd)
    os.unlink(tmp)
    return Path(tmp)
