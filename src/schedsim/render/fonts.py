"""Finding a font with Chinese glyphs, so CJK labels are real text, not boxes.

matplotlib falls back glyph by glyph through ``font.family``: Latin text
uses DejaVu Sans, CJK characters the first CJK family found here.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from functools import lru_cache

from matplotlib import font_manager

#: families tried in order (names as fontconfig and matplotlib report them)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
                "AR PL UMing CN", "Noto Serif CJK SC")

BASE_FAMILY = "DejaVu Sans"


class FontWarning(UserWarning):
    """No CJK font was found: Chinese labels will show as empty boxes."""


def _known_families() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


def _from_fontconfig() -> str | None:
    """Ask fontconfig for any font covering Chinese and register it with matplotlib."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        out = subprocess.run([fc_list, ":lang=zh", "file"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in sorted(out.splitlines()):
        path = line.split(":", 1)[0].strip()
        if path.endswith((".ttf", ".otf", ".ttc")):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


@lru_cache(maxsize=1)
def cjk_family() -> str | None:
    """The name of an installed CJK font family, or None (with one warning)."""
    known = _known_families()
    for name in CJK_FAMILIES:
        if name in known:
            return name
    found = _from_fontconfig()
    if found is None:
        warnings.warn("no CJK font found (install fonts-noto-cjk or fonts-wqy-microhei); "
                      "Chinese labels will not render", FontWarning, stacklevel=2)
    return found


def font_families() -> list[str]:
    """``font.family`` for every diagram: the base font, then the CJK fallback if any."""
    cjk = cjk_family()
    return [BASE_FAMILY] + ([cjk] if cjk else [])
