"""Locate, register and describe the CJK font used by every rendered document."""
from __future__ import annotations

import functools
import io
import os
import zlib
from dataclasses import dataclass

from reportlab.pdfbase import pdfdoc, pdfmetrics, ttfonts
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont, TTFontFace, TTFontFile
from reportlab.pdfgen.canvas import Canvas

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

# Embedded font programs are deflated at level 1 rather than zlib's default 6: about half
# the time on CJK glyph data for ~10% more bytes (a ~110 KB subset: 59 KB instead of 54 KB).
FONT_ZLIB_LEVEL = 1
# Distinct character subsets whose deflated font programs are kept per process (~60 KB each).
SUBSET_CACHE_SIZE = 64


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


@functools.lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _font_program(face: TTFontFace, subset: tuple[int, ...], level: int) -> tuple[bytes, int]:
    """Deflated TrueType subset program for these character codes and its raw length."""
    raw = face.makeSubset(list(subset))
    return zlib.compress(raw, level), len(raw)


class _FastFace(TTFontFace):
    """TTFontFace with a zero-copy glyf table and cached, faster-compressed subset programs.

    Each speed-up is switched on separately, only after proving on this ReportLab that it
    changes nothing (see _speed_up_subsetting); switched off, the stock code runs.
    """

    zero_copy_glyf = False
    cache_subsets = False
    zlib_level = -1  # zlib's default, what stock ReportLab uses

    def get_table(self, tag):
        if tag != "glyf" or not self.zero_copy_glyf:
            return super().get_table(tag)
        # Stock makeSubset slices the whole glyf table (17 MB for AR PL UMing) once per PDF.
        pos, length = self.get_table_pos(tag)
        return _GlyfSlices(memoryview(self._ttf_data)[pos:pos + length])

    def addSubsetObjects(self, doc, fontname, subset):
        if not self.cache_subsets:
            return super().addSubsetObjects(doc, fontname, subset)
        # Same objects as TTFontFace.addSubsetObjects, but the font program comes deflated
        # from a cache: a case's licences repeat the same character subsets, and making and
        # deflating a ~110 KB subset was about half of every licence page.
        program, raw_length = _font_program(self, tuple(subset), self.zlib_level)
        font_file = pdfdoc.PDFStream()
        font_file.content = program
        font_file.dictionary["Length1"] = raw_length
        # A stream whose dictionary already names its filter is written as it is.
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        if not doc.compression:
            font_file.content = zlib.decompress(program)
            del font_file.dictionary.dict["Filter"]
        font_file_ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary({
            "Type": "/FontDescriptor",
            "Ascent": self.ascent,
            "CapHeight": self.capHeight,
            "Descent": self.descent,
            "Flags": (self.flags & ~ttfonts.FF_NONSYMBOLIC) | ttfonts.FF_SYMBOLIC,
            "FontBBox": pdfdoc.PDFArray(self.bbox),
            "FontName": pdfdoc.PDFName(fontname),
            "ItalicAngle": self.italicAngle,
            "StemV": self.stemV,
            "FontFile2": font_file_ref,
            "MissingWidth": self.defaultWidth,
        })
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


class _Formatted(pdfdoc.PDFObject):
    """A direct PDF object whose bytes were formatted once and are reused."""

    def __init__(self, data: bytes):
        self.data = data

    def format(self, document):
        return self.data


@functools.lru_cache(maxsize=SUBSET_CACHE_SIZE)
def _subset_font_parts(font: TTFont, base_name: str, subset: tuple[int, ...]) -> tuple[bytes, str, bytes]:
    """Formatted Widths array, ToUnicode CMap and the CMap deflated, for one font subset."""
    widths = pdfdoc.PDFArray([font.face.getCharWidth(code) for code in subset])
    cmap = ttfonts.makeToUnicodeCMap(base_name, list(subset))
    # The document argument is unused for plain numbers; formatting them cost ~270 fp_str calls.
    return widths.format(None), cmap, pdfdoc.PDFZCompress.encode(cmap)


class _FastFont(TTFont):
    """TTFont whose per-subset Widths and ToUnicode objects come from a cache (see _FastFace)."""

    cache_objects = False

    def addObjects(self, doc):
        if not self.cache_objects:
            return super().addObjects(doc)
        # Same objects as TTFont.addObjects; only the formatting and deflating are cached.
        try:
            state = self.state[doc]
        except KeyError:
            state = self.state[doc] = TTFont.State(self._asciiReadable)
        state.frozen = 1
        for index, subset in enumerate(state.subsets):
            internal_name = self.getSubsetInternalName(index, doc)[1:]
            base_name = b"".join((ttfonts.SUBSETN(index), b"+", self.face.name,
                                  self.face.subfontNameX)).decode("pdfdoc")
            widths, cmap, deflated_cmap = _subset_font_parts(self, base_name, tuple(subset))
            pdf_font = pdfdoc.PDFTrueTypeFont()
            pdf_font.__Comment__ = f"Font {self.fontName} subset {index}"
            pdf_font.Name = internal_name
            pdf_font.BaseFont = base_name
            pdf_font.FirstChar = 0
            pdf_font.LastChar = len(subset) - 1
            pdf_font.Widths = _Formatted(widths)
            cmap_stream = pdfdoc.PDFStream()
            if doc.compression:
                cmap_stream.content = deflated_cmap
                cmap_stream.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
            else:
                cmap_stream.content = cmap
            pdf_font.ToUnicode = doc.Reference(cmap_stream, "toUnicodeCMap:" + base_name)
            pdf_font.FontDescriptor = self.face.addSubsetObjects(doc, base_name, subset)
            doc.Reference(pdf_font, internal_name)
            doc.idToObject["BasicFonts"].dict[internal_name] = pdf_font
        del self.state[doc]


def _probe_pdf(font: TTFont) -> bytes:
    """A small PDF using font over more than one subset, to compare code paths byte for byte."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1)
    canvas.setFont(font.fontName, 12)
    canvas.drawString(40, 700, "".join(map(chr, _SUBSET_PROBE)))
    # More than 256 distinct characters, so a second subset (and font program) is written.
    cjk = [code for code in range(0x4E00, 0x4F00) if code in font.face.charToGlyph]
    canvas.drawString(40, 600, "".join(map(chr, cjk)))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _speed_up_subsetting(font: TTFont) -> None:
    """Switch on each faster font path that yields byte-identical output on this ReportLab."""
    # The overrides touch ReportLab internals, so each is only kept after proving that it
    # changes nothing; any mismatch or error leaves the stock behaviour in place.
    face = font.face
    if type(face) is not TTFontFace or type(font) is not TTFont:
        return
    stock_subset = face.makeSubset(_SUBSET_PROBE)
    stock_pdf = _probe_pdf(font)
    face.__class__, font.__class__ = _FastFace, _FastFont
    checks = (
        (face, "zero_copy_glyf", lambda: face.makeSubset(_SUBSET_PROBE) == stock_subset),
        (face, "cache_subsets", lambda: _probe_pdf(font) == stock_pdf),
        (font, "cache_objects", lambda: _probe_pdf(font) == stock_pdf),
    )
    for target, flag, unchanged in checks:
        setattr(target, flag, True)
        try:
            kept = unchanged()
        except Exception:  # noqa: BLE001 - any incompatibility means: keep the stock path
            kept = False
        if not kept:
            setattr(target, flag, False)
    if face.cache_subsets:
        # Identical at zlib's default level: now trade a little size for speed.
        face.zlib_level = FONT_ZLIB_LEVEL
    if not (face.zero_copy_glyf or face.cache_subsets):
        face.__class__ = TTFontFace
    if not font.cache_objects:
        font.__class__ = TTFont


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
    # Registered first: the speed-up check renders probe PDFs with it.
    pdfmetrics.registerFont(font)
    _speed_up_subsetting(font)
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
