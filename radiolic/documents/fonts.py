"""Locate, register and describe the CJK font used by every rendered document."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont, TTFontFace, TTFontFile

# Debian/Ubuntu locations (fonts-arphic-uming, fonts-wqy-microhei, fonts-wqy-zenhei),
# in order of preference: a Song (serif) face suits official instruments best.
SYSTEM_CANDIDATES = (
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

# Inside a .ttc we want the Simplified-Chinese, proportional face; uming.ttc also
# carries HK/TW variants and the WenQuanYi files carry a "Mono" variant.
PREFERRED_FAMILIES = ("AR PL UMing CN", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")

# Not embedded: viewers without a CJK font substitute it or show boxes.
CID_FALLBACK = "STSong-Light"

# A glyph every usable face must have; fonts without it would print boxes.
_PROBE_CHAR = ord("证")

# Characters used to check that the faster subsetting path produces identical fonts.
_SUBSET_PROBE = [ord(char) for char in " 0Aa中华人民共和国无线电台执照（）："]


@dataclass(frozen=True)
class FontInfo:
    """Registered font name, its file, and whether it is embedded in the PDF."""

    name: str
    path: str | None
    embedded: bool


def _pick_face(path: str) -> tuple[int, str]:
    """Index and PostScript name of the preferred face (index 0 for a plain .ttf)."""
    first = TTFontFile(path, charInfo=0, subfontIndex=0)
    faces = [first] + [
        TTFontFile(path, charInfo=0, subfontIndex=index)
        for index in range(1, getattr(first, "numSubfonts", 1) or 1)
    ]
    families = [face.familyName.decode("utf-8", "replace") for face in faces]
    chosen = 0
    for wanted in PREFERRED_FAMILIES:
        if wanted in families:
            chosen = families.index(wanted)
            break
    else:
        for index, family in enumerate(families):
            # Unknown collections: a face tagged for the mainland usually covers GB 2312.
            if any(tag in family.split() for tag in ("CN", "SC", "GB")):
                chosen = index
                break
    return chosen, faces[chosen].name.decode("ascii", "replace")


class _GlyfSlices:
    """Read-only window on a font's glyf table whose slices are bytes copied on demand."""

    def __init__(self, view: memoryview):
        self._view = view

    def __getitem__(self, key):
        return self._view[key].tobytes()

    def __len__(self):
        return len(self._view)


class _ZeroCopyGlyfFace(TTFontFace):
    """TTFontFace whose subsetting reads single glyphs instead of copying the whole glyf table."""

    def get_table(self, tag):
        if tag != "glyf":
            return super().get_table(tag)
        pos, length = self.get_table_pos(tag)
        return _GlyfSlices(memoryview(self._ttf_data)[pos:pos + length])


def _speed_up_subsetting(font: TTFont) -> None:
    """Use the zero-copy glyf path if it yields byte-identical subsets on this ReportLab."""
    # Stock makeSubset slices the whole glyf table (17 MB for AR PL UMing) once per
    # PDF; that copy was ~3-4 ms of every licence page.  The override touches
    # ReportLab internals, so it is only kept after proving it changes nothing.
    if type(font.face) is not TTFontFace:
        return
    stock = font.face.makeSubset(_SUBSET_PROBE)
    font.face.__class__ = _ZeroCopyGlyfFace
    try:
        fast = font.face.makeSubset(_SUBSET_PROBE)
    except Exception:  # noqa: BLE001 - any incompatibility means: keep the stock path
        fast = None
    if fast != stock:
        font.face.__class__ = TTFontFace


def _register_truetype(path: str) -> FontInfo | None:
    """Register one TrueType file if it is readable, embeddable and covers CJK."""
    if not os.path.isfile(path):
        return None
    try:
        index, postscript = _pick_face(path)
        name = f"radiolic-{postscript}"
        if name in pdfmetrics.getRegisteredFontNames():
            return FontInfo(name=name, path=path, embedded=True)
        font = TTFont(name, path, subfontIndex=index)
    except (TTFError, OSError, ValueError, IndexError):
        # Unreadable, truncated, or flagged "no embedding" by its licence bits.
        return None
    if _PROBE_CHAR not in font.face.charToGlyph:
        return None
    _speed_up_subsetting(font)
    pdfmetrics.registerFont(font)
    return FontInfo(name=name, path=path, embedded=True)


@functools.lru_cache(maxsize=None)
def cjk_font(configured_path: str | None = None) -> FontInfo:
    """Register and return the best available embedded CJK font, else the CID fallback."""
    candidates = ([configured_path] if configured_path else []) + list(SYSTEM_CANDIDATES)
    for path in candidates:
        info = _register_truetype(path)
        if info is not None:
            return info
    if CID_FALLBACK not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FALLBACK))
    return FontInfo(name=CID_FALLBACK, path=None, embedded=False)
