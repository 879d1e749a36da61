"""Japanese fonts for maps and PDF reports, found through fontconfig / matplotlib.

Preference: IPAexGothic (Debian fonts-ipaexfont-gothic, TrueType: matplotlib embeds it in PDF
as a clean CID TrueType font, text extractable by pdftotext), then IPAGothic, then Noto Sans
CJK JP (Debian fonts-noto-cjk; CFF outlines inside a .ttc, which matplotlib embeds in a way
poppler reads but other viewers may warn about). No font file is shipped with Madoguchi.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import warnings

PREFERRED = ("IPAexGothic", "IPAGothic", "IPAPGothic", "Noto Sans CJK JP", "Noto Sans JP")


def _fc_match_file(family: str) -> str | None:
    """Path of the font file fontconfig gives for `family`, if it really is that family."""
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}", family], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fams, _, path = out.partition("\t")
    if family.lower().replace(" ", "") in fams.lower().replace(" ", ""):
        return path or None
    return None


@functools.lru_cache(maxsize=1)
def japanese_font() -> str | None:
    """Family name of the best installed Japanese font (registered with matplotlib), or None."""
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    for fam in PREFERRED:
        if fam in known:
            return fam
    # Installed after matplotlib built its font cache: register the file fontconfig finds.
    for fam in PREFERRED:
        path = _fc_match_file(fam)
        if path:
            try:
                fm.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
            if fam in {f.name for f in fm.fontManager.ttflist}:
                return fam
    return None


def setup_matplotlib() -> str | None:
    """Configure matplotlib (Japanese font, TrueType embedding in PDF); return the family.

    Without a Japanese font the report is still written, with a warning (text may show boxes);
    scripts/setup.sh installs fonts-ipaexfont-gothic / fonts-noto-cjk when it can.
    """
    import matplotlib

    fam = japanese_font()
    rc = matplotlib.rcParams
    rc["pdf.fonttype"] = 42  # embed TrueType (Type 42 / CID), keeps text extractable
    rc["ps.fonttype"] = 42
    rc["axes.unicode_minus"] = False
    rc["text.parse_math"] = False  # names are data: `$\frac$` in a hub name is text, never mathtext
    if fam:
        rc["font.family"] = [fam, "DejaVu Sans"]
    else:
        warnings.warn(
            "日本語フォントが見つかりません (fonts-ipaexfont-gothic を入れてください) / no Japanese font found",
            stacklevel=2,
        )
    return fam
