"""Checks of a braille publication: nothing lost in translation, pages that fit the paper.

Takes: a :class:`~.layout.Laid` publication and its :class:`~.translate.Codes`
(and, for the BRF check, the bytes of the file). Gives: :class:`Finding` s,
each one line naming the condition and section (``where``).

* **Fidelity** (:func:`fidelity`): the braille of every block is
  back-translated with the same tables (without its emphasis indicators,
  which liblouis 3.24 cannot read back; that emphasis only adds indicator
  cells is checked) and compared word by word with the
  source text, ignoring case and what the code itself writes alike: two words
  match when their braille is the same (typographic and straight quotes), or,
  with contracted tables only, when the source word's own braille reads back
  as the other word (a contraction's ambiguity, such as ``cc`` and ``:`` in
  UEB). Uncontracted Italian gets no allowance: ``5`` is the number sign and
  ``e``, and must read back as ``5``. Any other difference, and any character
  the tables do not define, is a finding.
* **Structure** (:func:`structure`): every line at most ``cells`` cells,
  every page exactly ``lines`` lines, only braille cells (U+2800..U+28FF).
* **BRF** (:func:`brf_charset`): only ASCII braille, CR LF line ends, one
  form feed per page, ``lines`` lines per page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from .formats import BRF_CHARSET
from .layout import Geometry, Laid, Page
from .liblouis import BLANK, BOLD, ITALIC, Translator, has_escape
from .translate import Codes, groups, join


@dataclass(frozen=True)
class Finding:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def compare(source: str, back: str, translator: Translator) -> list[str]:
    """Source words missing from the back-translation (modulo case and the code's ambiguities)."""
    src = source.split()
    got = back.split()
    a = [translator.fold(w) for w in src]
    b = [translator.fold(w) for w in got]
    missing: list[str] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if (
            op == "replace"
            and i2 - i1 == j2 - j1
            and all(translator.same_braille(src[i], got[j]) for i, j in zip(range(i1, i2), range(j1, j2), strict=False))
        ):
            continue
        if op in ("replace", "delete"):
            shown = " ".join(got[j1:j2])
            missing.append(" ".join(src[i1:i2]) + (f" (braille reads back as '{shown}')" if shown else " (missing)"))
    return missing


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(c in it for c in short)


def fidelity(laid: Laid, codes: Codes) -> list[Finding]:
    """Back-translation of every body block compared with its source (module docstring)."""
    findings: list[Finding] = []
    for block, words in laid.blocks:
        if not words:
            continue
        laid_cells = join(words).replace(BLANK, "")
        translated = ""
        for g in groups(block.runs, codes):
            t = g.translator
            cells = t.translate(g.text, g.typeform)[0]
            translated += cells.replace(BLANK, "")
            undefined = sorted({c for c in g.text if t.is_undefined(c)})
            if undefined:
                chars = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in undefined)
                findings.append(Finding(block.where, f"no braille for {chars} in tables {t.table_list}"))
            # Emphasis indicators only add cells; liblouis 3.24 cannot back-translate
            # them, so the words are read back from the braille without emphasis.
            plain_tf = [tf & ~(ITALIC | BOLD) for tf in g.typeform]
            plain = t.translate(g.text, plain_tf)[0] if plain_tf != list(g.typeform) else cells
            if not _is_subsequence(plain.replace(BLANK, ""), cells.replace(BLANK, "")):
                findings.append(
                    Finding(block.where, f"emphasis changes the braille of '{g.text[:40]}' beyond its indicators")
                )
            back = t.back_translate(plain)
            if has_escape(back) and not undefined:
                findings.append(Finding(block.where, f"braille that the tables cannot read back: {back[:60]!r}"))
            for text in compare(g.text, back, t):
                findings.append(Finding(block.where, f"'{text}' is not in the braille ({t.table_list})"))
        if translated != laid_cells:
            findings.append(Finding(block.where, "the laid-out braille differs from the translation"))
    return findings


def structure(pages: Sequence[Page], geometry: Geometry, where: str) -> list[Finding]:
    """Lines within the cell width, pages of exactly the line count, braille cells only."""
    findings: list[Finding] = []
    for page in pages:
        if len(page.lines) != geometry.lines:
            findings.append(
                Finding(where, f"braille page {page.number} has {len(page.lines)} lines, not {geometry.lines}")
            )
        for n, line in enumerate(page.lines, 1):
            if len(line) > geometry.cells:
                findings.append(
                    Finding(
                        where, f"braille page {page.number}, line {n}: {len(line)} cells (more than {geometry.cells})"
                    )
                )
            if any(not (BLANK <= c <= "\u28ff") for c in line):
                findings.append(
                    Finding(where, f"braille page {page.number}, line {n}: characters that are not braille cells")
                )
    return findings


def brf_charset(data: bytes, geometry: Geometry, where: str) -> list[Finding]:
    """A BRF file: ASCII braille only, ``lines`` lines of at most ``cells`` per page."""
    findings: list[Finding] = []
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return [Finding(where, "BRF is not ASCII")]
    pages = text.split("\f")
    if pages and pages[-1] == "":
        pages.pop()
    for number, page in enumerate(pages, 1):
        lines = page.split("\r\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) != geometry.lines:
            findings.append(Finding(where, f"BRF page {number}: {len(lines)} lines, not {geometry.lines}"))
        for n, line in enumerate(lines, 1):
            bad = sorted({c for c in line if c not in BRF_CHARSET})
            if bad:
                findings.append(Finding(where, f"BRF page {number}, line {n}: characters outside ASCII braille {bad}"))
            if len(line) > geometry.cells:
                findings.append(
                    Finding(where, f"BRF page {number}, line {n}: {len(line)} cells (more than {geometry.cells})")
                )
    return findings
