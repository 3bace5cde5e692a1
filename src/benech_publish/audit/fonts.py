"""Font rules: embedding, CMaps, CIDToGIDMap, CIDSet/CharSet, widths, ToUnicode, .notdef.

Only the fonts the pages show text with are checked (as veraPDF does), and for the
glyph-level rules only the codes they show.  The embedded font program is read
with fontTools.  Glyph-level rules (7.21.4.1-2, 7.21.5-1, 7.21.8-1, CIDSet) cover
Type 0 fonts with a TrueType program (CIDFontType2), which is what WeasyPrint writes;
for other fonts the audit checks embedding, CMaps and ToUnicode only.
"""

from __future__ import annotations

import io
import re
import struct
from typing import Any, NamedTuple

import pikepdf
from fontTools.ttLib import TTFont, TTLibError

from .report import Collector
from .structure import Font, PdfStructure

_SUBSET = re.compile(r"^[A-Z]{6}\+")
#: ISO 32000-1 9.7.5.2, Table 118: predefined CMaps (not embedded).
PREDEFINED_CMAPS = frozenset(
    """
Identity-H Identity-V GB-EUC-H GB-EUC-V GBpc-EUC-H GBpc-EUC-V GBK-EUC-H GBK-EUC-V GBKp-EUC-H
GBKp-EUC-V GBK2K-H GBK2K-V UniGB-UCS2-H UniGB-UCS2-V UniGB-UTF16-H UniGB-UTF16-V B5pc-H B5pc-V
HKscs-B5-H HKscs-B5-V ETen-B5-H ETen-B5-V ETenms-B5-H ETenms-B5-V CNS-EUC-H CNS-EUC-V
UniCNS-UCS2-H UniCNS-UCS2-V UniCNS-UTF16-H UniCNS-UTF16-V 83pv-RKSJ-H 90ms-RKSJ-H 90ms-RKSJ-V
90msp-RKSJ-H 90msp-RKSJ-V 90pv-RKSJ-H Add-RKSJ-H Add-RKSJ-V EUC-H EUC-V Ext-RKSJ-H Ext-RKSJ-V
H V UniJIS-UCS2-H UniJIS-UCS2-V UniJIS-UCS2-HW-H UniJIS-UCS2-HW-V UniJIS-UTF16-H UniJIS-UTF16-V
KSC-EUC-H KSC-EUC-V KSCms-UHC-H KSCms-UHC-V KSCms-UHC-HW-H KSCms-UHC-HW-V KSCpc-EUC-H
UniKS-UCS2-H UniKS-UCS2-V UniKS-UTF16-H UniKS-UTF16-V""".split()
)
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


class Program(NamedTuple):
    """What the rules need from an embedded TrueType font program."""

    glyphs: int  # number of glyphs
    advances: list[float]  # advance width per glyph id, in 1/1000 em


def load_program(descriptor: Any) -> Program | None:
    """The embedded TrueType (or OpenType) font program, or None if there is none.

    Raises ValueError when the program is there but cannot be read."""
    stream = descriptor.get("/FontFile2")
    if not isinstance(stream, pikepdf.Stream):
        stream = descriptor.get("/FontFile3")
        if not isinstance(stream, pikepdf.Stream) or stream.get("/Subtype") != "/OpenType":
            return None
    try:
        return read_program(stream.read_bytes())
    except (
        TTLibError,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        AssertionError,
        AttributeError,
        EOFError,
        OSError,
        struct.error,
        pikepdf.PdfError,
    ) as exc:
        raise ValueError(f"{type(exc).__name__}: {exc}") from exc


#: The versions of a plain sfnt (TrueType, OpenType, Apple's 'true'), read directly.
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"OTTO", b"true")


def sfnt_directory(data: bytes) -> dict[str, tuple[int, int]] | None:
    """The table directory of a plain sfnt: tag -> (offset, length); None for another
    format (a collection, WOFF: :func:`read_program` has fontTools read those). Raises
    what fontTools raises for a damaged one (the same error, the same words)."""
    if data[:4] in (b"ttcf", b"wOFF", b"wOF2"):
        return None
    if len(data) < 12:
        raise TTLibError("Not a TrueType or OpenType font (not enough data)")
    if data[:4] not in _SFNT_VERSIONS:
        raise TTLibError("Not a TrueType or OpenType font (bad sfntVersion)")
    (count,) = struct.unpack(">H", data[4:6])
    directory = {}
    for start in range(12, 12 + 16 * count, 16):
        entry = data[start : start + 16]
        if len(entry) != 16:
            raise TTLibError(f"unexpected end of table directory: expected 16 bytes but got {len(entry)}")
        tag, _, offset, length = struct.unpack(">4sLLL", entry)
        directory[tag.decode("latin-1")] = (offset, length)
    return directory


def sfnt_table(data: bytes, directory: dict[str, tuple[int, int]], tag: str) -> bytes:
    """One table's bytes (what fontTools' ``getTableData`` gives); only the tables read
    need to be whole, as with fontTools."""
    offset, length = directory[tag]
    table = data[offset : offset + length]
    if len(table) != length:
        raise TTLibError(
            f"unexpected end of '{tag}' table data: expected {length} bytes but got {len(table)} at offset {offset}"
        )
    return table


def read_program(data: bytes) -> Program:
    """What the rules need from a TrueType or OpenType font program's bytes.

    A plain sfnt's table directory is read directly (fontTools' generic reader of it is
    most of the cost of this); other formats are read by fontTools. Raises what either
    raises for a damaged program (``tests/test_audit_rules.py`` checks both read the same)."""
    directory = sfnt_directory(data)
    if directory is None:
        # The raw tables: glyph names (and fontTools' glyph list) are not needed.
        font = TTFont(io.BytesIO(data), lazy=True, fontNumber=0)
        tables = {tag: font.getTableData(tag) for tag in ("head", "maxp", "hhea", "hmtx")}
    else:
        tables = {tag: sfnt_table(data, directory, tag) for tag in ("head", "maxp", "hhea", "hmtx")}
    (upem,) = struct.unpack_from(">H", tables["head"], 18)
    (glyphs,) = struct.unpack_from(">H", tables["maxp"], 4)
    (metrics,) = struct.unpack_from(">H", tables["hhea"], 34)
    hmtx = tables["hmtx"]
    metrics = min(metrics, glyphs, len(hmtx) // 4)
    advances: list[float] = list(struct.unpack_from(">" + "H2x" * metrics, hmtx))
    if advances:
        advances += [advances[-1]] * (glyphs - metrics)
    scale = 1000 / (upem or 1000)
    return Program(glyphs, [a * scale for a in advances])


def _widths(cid_font: Any) -> tuple[dict[int, float], float]:
    """The /W array of a CIDFont as cid -> width, and the default width /DW."""
    widths: dict[int, float] = {}
    try:
        default = float(cid_font.get("/DW", 1000))
    except (TypeError, ValueError):
        default = 1000.0
    array = cid_font.get("/W")
    if not isinstance(array, pikepdf.Array):
        return widths, default
    items: list[Any] = list(array)
    i = 0
    while i < len(items) - 1:
        first = int(items[i])
        if isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                widths[first + offset] = float(width)
            i += 2
        elif i + 2 < len(items):
            last, width = int(items[i + 1]), float(items[i + 2])
            if 0 <= last - first < 0x10000:
                for cid in range(first, last + 1):
                    widths[cid] = width
            i += 3
        else:
            break
    return widths, default


def _cid_to_gid(cid_font: Any) -> bytes | None:
    """The CIDToGIDMap stream's bytes, or None for /Identity (or no map)."""
    value = cid_font.get("/CIDToGIDMap")
    return value.read_bytes() if isinstance(value, pikepdf.Stream) else None


def _gid(cid: int, mapping: bytes | None) -> int:
    if mapping is None:
        return cid
    if 2 * cid + 2 > len(mapping):
        return 0
    return int.from_bytes(mapping[2 * cid : 2 * cid + 2], "big")


def font_rules(s: PdfStructure, out: Collector) -> None:
    for font in sorted(s.fonts.values(), key=lambda f: f.name):
        try:
            _font_rules(font, out)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, pikepdf.PdfError) as exc:
            out.add("cannot-read", f"cannot read font {font.name}: {type(exc).__name__}: {exc}")


def _font_rules(font: Font, out: Collector) -> None:
    obj = font.obj
    subtype = obj.get("/Subtype")
    if subtype == "/Type3":
        _unicode_rules(font, out)
        return
    descendants = obj.get("/DescendantFonts")
    target = descendants[0] if isinstance(descendants, pikepdf.Array) and len(descendants) else obj
    if subtype == "/Type0":
        _cmap_rules(font, target, out)
    descriptor = target.get("/FontDescriptor")
    embedded = isinstance(descriptor, pikepdf.Dictionary) and any(
        isinstance(descriptor.get(k), pikepdf.Stream) for k in _FONT_FILES
    )
    if not embedded:
        out.add("7.21.4.1-1", f"font {font.name} is not embedded")
    _unicode_rules(font, out)
    if not embedded or not isinstance(descriptor, pikepdf.Dictionary):
        return
    cid_font = subtype == "/Type0"
    if cid_font and target.get("/Subtype") == "/CIDFontType2" and "/CIDToGIDMap" not in target:
        out.add("7.21.3.2-1", f"CIDFontType2 font {font.name} has no /CIDToGIDMap")
    try:
        program = load_program(descriptor)
    except ValueError as exc:
        out.add("cannot-read", f"cannot read the font program of {font.name}: {exc}")
        return
    if program is None or not cid_font or target.get("/Subtype") != "/CIDFontType2":
        return
    mapping = _cid_to_gid(target)
    widths, default = _widths(target)
    notdef, missing, wrong = [], [], []
    for cid in sorted(font.used):
        gid = _gid(cid, mapping)
        if gid == 0:
            notdef.append(cid)
            continue
        if gid >= program.glyphs:
            missing.append(cid)
            continue
        expected = program.advances[gid]
        if abs(widths.get(cid, default) - expected) > 1:
            wrong.append((cid, widths.get(cid, default), expected))
    if notdef:
        out.add(
            "7.21.8-1", f"font {font.name}: {len(notdef)} codes shown map to the .notdef glyph (codes {notdef[:8]})"
        )
    if missing:
        out.add(
            "7.21.4.1-2",
            f"font {font.name}: {len(missing)} codes shown have no glyph in the embedded program (codes {missing[:8]})",
        )
    if wrong:
        cid, given, real = wrong[0]
        out.add(
            "7.21.5-1",
            f"font {font.name}: {len(wrong)} glyph widths differ from the font "
            f"program (code {cid}: /W {given:g}, program {real:.0f})",
        )
    cidset = descriptor.get("/CIDSet")
    if isinstance(cidset, pikepdf.Stream) and _SUBSET.match(font.name):
        bits = cidset.read_bytes()
        listed = {i * 8 + b for i, byte in enumerate(bits) for b in range(8) if byte & (0x80 >> b)}
        present = (
            {cid for cid in range(program.glyphs)}
            if mapping is None
            else {cid for cid in range(len(mapping) // 2) if 0 < _gid(cid, mapping) < program.glyphs}
        )
        absent = sorted(present - listed)
        extra = sorted(c for c in listed - present if c)
        if absent:
            out.add(
                "7.21.4.2-2",
                f"font {font.name}: the CIDSet does not list {len(absent)} "
                f"CIDs of the font program (e.g. {absent[:8]})",
            )
        elif extra:
            out.add(
                "7.21.4.2-2",
                f"font {font.name}: the CIDSet lists {len(extra)} CIDs the "
                f"font program does not have (e.g. {extra[:8]})",
                checkpoint="31-015",
            )


def _cmap_rules(font: Font, cid_font: Any, out: Collector) -> None:
    encoding = font.obj.get("/Encoding")
    if isinstance(encoding, pikepdf.Name):
        name = str(encoding)[1:]
        if name not in PREDEFINED_CMAPS:
            out.add("7.21.3.3-1", f"font {font.name} uses the CMap {name}, neither predefined nor embedded")
        return
    if not isinstance(encoding, pikepdf.Stream):
        return
    mine = cid_font.get("/CIDSystemInfo")
    theirs = encoding.get("/CIDSystemInfo")
    if isinstance(mine, pikepdf.Dictionary) and isinstance(theirs, pikepdf.Dictionary):
        for key, checkpoint in (("/Registry", "31-001"), ("/Ordering", "31-002")):
            if str(mine.get(key, "")) != str(theirs.get(key, "")):
                out.add(
                    "7.21.3.1-1",
                    f"font {font.name}: CIDSystemInfo {key[1:]} differs from its CMap's",
                    checkpoint=checkpoint,
                )
        try:
            if int(mine.get("/Supplement", 0)) > int(theirs.get("/Supplement", 0)):
                out.add(
                    "7.21.3.1-1",
                    f"font {font.name}: CIDSystemInfo Supplement is greater than its CMap's",
                    checkpoint="31-003",
                )
        except (TypeError, ValueError):
            pass


def _unicode_rules(font: Font, out: Collector) -> None:
    if font.to_unicode_error is not None:
        out.add("cannot-read", f"cannot read the ToUnicode CMap of {font.name}: {font.to_unicode_error}")
    if not font.has_to_unicode:
        out.add("7.21.7-1", f"font {font.name} has no ToUnicode CMap", checkpoint="31-027")
        return
    unmapped = sorted(c for c in font.used if c not in font.to_unicode)
    if unmapped and font.to_unicode_error is None:
        out.add(
            "7.21.7-1", f"font {font.name}: {len(unmapped)} codes shown have no Unicode mapping (codes {unmapped[:8]})"
        )
    zero, bom = [], []
    for code in sorted(font.used):
        text = font.to_unicode.get(code, "")
        if "\0" in text:
            zero.append(code)
        if "\ufeff" in text or "\ufffe" in text:
            bom.append(code)
    if zero:
        out.add("7.21.7-2", f"font {font.name}: ToUnicode maps codes {zero[:8]} to U+0000", checkpoint="31-028")
    if bom:
        out.add("7.21.7-2", f"font {font.name}: ToUnicode maps codes {bom[:8]} to U+FEFF or U+FFFE")
