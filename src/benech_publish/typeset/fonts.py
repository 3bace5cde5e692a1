"""The typeface shipped with benech-publish: Atkinson Hyperlegible (SIL OFL 1.1).

Takes: nothing but the installed ``fontpkg-atkinson-hyperlegible`` package.
Gives: the font files (:data:`FACES`), the ``@font-face`` rules that load
them (:func:`font_css`), and a glyph-coverage check (:func:`missing_characters`).

Print output never takes a font from the system, so the same input gives the
same PDF on any machine:

* the faces are declared under a private family name (:data:`FAMILY`), so a
  system-installed "Atkinson Hyperlegible" (or any other font) cannot be
  matched instead of the shipped files;
* print CSS names only that family, with no generic fallback;
* the only way a system font can still appear is a character the typeface
  lacks (Pango then falls back to a system font): :func:`missing_characters`
  finds those before rendering so the writer can report them.

Atkinson Hyperlegible was designed by the Braille Institute for low-vision
readers; it covers Latin-1 and Latin Extended-A (every Italian accent) but
not, for example, U+2010 HYPHEN, U+2011 NON-BREAKING HYPHEN or U+2192 →.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import fontpkg_atkinson_hyperlegible as _pkg

#: The family name print CSS uses. Private, so only the shipped files match it.
FAMILY = "Benech Atkinson Hyperlegible"
#: The typeface's own name (as in the PDF's embedded font names).
TYPEFACE = _pkg.FAMILY
#: PostScript name prefix of every embedded face (``AtkinsonHyperlegible-Bold``).
POSTSCRIPT_PREFIX = "AtkinsonHyperlegible"
LICENSE = "SIL Open Font License 1.1"


@dataclass(frozen=True)
class Face:
    weight: int
    style: str  # "normal" | "italic"
    path: Path


def _face(weight: int, style: str, name: str) -> Face:
    return Face(weight, style, _pkg.ROOT / "files" / f"AtkinsonHyperlegible-{name}.ttf")


#: The four shipped faces.
FACES: tuple[Face, ...] = (
    _face(400, "normal", "Regular"),
    _face(400, "italic", "Italic"),
    _face(700, "normal", "Bold"),
    _face(700, "italic", "BoldItalic"),
)


def font_paths() -> tuple[Path, ...]:
    return tuple(face.path for face in FACES)


@lru_cache(maxsize=1)
def font_css() -> str:
    """``@font-face`` rules for :data:`FAMILY`, pointing at the packaged files."""
    rules = []
    for face in FACES:
        if not face.path.is_file():  # pragma: no cover - broken installation
            raise FileNotFoundError(f"shipped font missing: {face.path} (reinstall fontpkg-atkinson-hyperlegible)")
        rules.append(
            "@font-face {"
            f' font-family: "{FAMILY}";'
            f' src: url("{face.path.as_uri()}") format("truetype");'
            f" font-weight: {face.weight}; font-style: {face.style};"
            " }"
        )
    return "\n".join(rules) + "\n"


@lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Code points every shipped face has a glyph for."""
    from fontTools.ttLib import TTFont

    common: set[int] | None = None
    for face in FACES:
        with TTFont(str(face.path), lazy=True) as font:
            cmap = set(font.getBestCmap())
        common = cmap if common is None else common & cmap
    return frozenset(common or ())


# Characters the layout handles without drawing a glyph.
_INVISIBLE = frozenset({0x09, 0x0A, 0x0D, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0xAD})


def missing_characters(text: str) -> list[str]:
    """The distinct characters of ``text`` the shipped typeface cannot draw, in order."""
    have = coverage()
    seen: dict[str, None] = {}
    for ch in text:
        cp = ord(ch)
        if cp not in have and cp not in _INVISIBLE and ch not in seen:
            seen[ch] = None
    return list(seen)
