"""Where data comes from: MADOGUCHI_DATA, else ../shared/geodata, else the embedded copy in data/.

The lookup order is fixed and documented in the README so a planner always knows which files
a result was built from (the chosen folder is written into each bundle's manifest).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DATA = PROJECT_ROOT / "data" / "embedded"
DEFAULT_REGIONS_DIR = PROJECT_ROOT / "data" / "regions"
DEFAULT_SCENARIOS_DIR = PROJECT_ROOT / "data" / "scenarios"
DEFAULT_UPLOADS_DIR = PROJECT_ROOT / "data" / "uploads"


def shared_geodata_candidates() -> list[Path]:
    """Folders searched for the shared geodata, in order (without MADOGUCHI_DATA)."""
    return [PROJECT_ROOT.parent / "shared" / "geodata", Path.cwd().parent / "shared" / "geodata"]


def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The folder holding boundaries/, population/, settlements/ (and maybe roads/).

    Parameters
    ----------
    explicit : str or os.PathLike, optional
        Used if given.

    Returns
    -------
    pathlib.Path
        In order: `explicit`, ``$MADOGUCHI_DATA``, ../shared/geodata, data/embedded.

    Raises
    ------
    core.errors.InputFileError
        If `explicit` or ``$MADOGUCHI_DATA`` names a folder that does not exist, or none is found.
    """
    from core.errors import InputFileError

    if explicit:
        p = Path(explicit)
        if not p.is_dir():
            raise InputFileError("データフォルダが見つかりません。", "data folder not found", path=p)
        return p
    env = os.environ.get("MADOGUCHI_DATA")
    if env:
        p = Path(env)
        if not p.is_dir():
            raise InputFileError(
                "環境変数 MADOGUCHI_DATA のフォルダが見つかりません。",
                "the folder in MADOGUCHI_DATA does not exist",
                path=p,
            )
        return p
    for p in shared_geodata_candidates():
        if (p / "boundaries").is_dir():
            return p
    if (EMBEDDED_DATA / "boundaries").is_dir():
        return EMBEDDED_DATA
    raise InputFileError(
        "データが見つかりません。MADOGUCHI_DATA を設定するか、../shared/geodata を置いてください。",
        "no data found: set MADOGUCHI_DATA or provide ../shared/geodata",
    )


# --- Folders the app and tests can redirect (added for the app/scenarios area) -------------
# Env overrides let the browser test and CI run against a temporary folder without touching
# the user's data/; the defaults above stay what the README documents.


def regions_dir() -> Path:
    """Folder holding region bundles: $MADOGUCHI_REGIONS_DIR, else data/regions."""
    env = os.environ.get("MADOGUCHI_REGIONS_DIR")
    return Path(env) if env else DEFAULT_REGIONS_DIR


def scenarios_dir() -> Path:
    """Folder holding saved scenarios (one sub-folder per region): $MADOGUCHI_SCENARIOS_DIR, else data/scenarios."""
    env = os.environ.get("MADOGUCHI_SCENARIOS_DIR")
    return Path(env) if env else DEFAULT_SCENARIOS_DIR


def uploads_dir() -> Path:
    """Folder where uploaded files are kept (one sub-folder per region): $MADOGUCHI_UPLOADS_DIR, else data/uploads."""
    env = os.environ.get("MADOGUCHI_UPLOADS_DIR")
    return Path(env) if env else DEFAULT_UPLOADS_DIR
