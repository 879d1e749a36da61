"""TEMPORARY stand-in for geo.atomic's file policy until branch 'trust' is merged (then deleted).

Same registry as geo.atomic on that branch: `.madoguchi-files.json` in each folder maps the
names of files Madoguchi wrote to their SHA-256, so files recorded now stay Madoguchi's after
the merge. Only `replace_file`, `remove_file`, `is_madoguchi_file` and `check_replace` (policy
"madoguchi") are provided, with the same meaning.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from core.errors import MadoguchiError
from geo.atomic import write_text_atomic

REGISTRY = ".madoguchi-files.json"


def _sha256(path: Path) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _registry(folder: Path) -> dict[str, str]:
    try:
        d = json.loads((folder / REGISTRY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in d.items()} if isinstance(d, dict) else {}


def _save(folder: Path, reg: dict[str, str]) -> None:
    try:
        write_text_atomic(folder / REGISTRY, json.dumps(reg, ensure_ascii=False, indent=1))
    except OSError:
        pass  # without the record the file is simply never replaced or removed later


def is_madoguchi_file(path) -> bool:
    """True if Madoguchi wrote `path` and nobody changed it since."""
    p = Path(path)
    return p.is_file() and _registry(p.parent).get(p.name) == _sha256(p)


def check_replace(path, replace_policy: str = "madoguchi") -> None:
    """MadoguchiError if `path` exists and is not a file Madoguchi wrote."""
    p = Path(path)
    if p.is_dir():
        raise MadoguchiError("出力先がフォルダです。", "the output path is a folder", path=str(p))
    if (p.exists() or p.is_symlink()) and replace_policy != "any" and not is_madoguchi_file(p):
        raise MadoguchiError(
            "同名のファイルがあり、Madoguchi が作成したものではないため上書きしません。別の名前を指定してください。",
            "a file with this name exists and was not written by Madoguchi; it is kept: choose another name",
            path=str(p))


def replace_file(tmp, final, *, replace_policy: str = "madoguchi") -> None:
    """Move a finished temp file onto `final` under the policy and record it (temp removed on failure)."""
    tmp, final = Path(tmp), Path(final)
    try:
        check_replace(final, replace_policy)
        digest = _sha256(tmp)
        os.replace(tmp, final)
    except BaseException:
        if tmp.exists():
            tmp.unlink()
        raise
    if digest:
        reg = {k: v for k, v in _registry(final.parent).items() if (final.parent / k).exists()}
        reg[final.name] = digest
        _save(final.parent, reg)


def remove_file(path) -> bool:
    """Remove `path` only if Madoguchi wrote it (unchanged since); True if removed."""
    p = Path(path)
    if not is_madoguchi_file(p):
        return False
    p.unlink()
    reg = _registry(p.parent)
    if reg.pop(p.name, None) is not None:
        _save(p.parent, reg)
    return True
